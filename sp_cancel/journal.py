"""Durable idempotency journal: what was planned, sent, and how it ended.

Every non-idempotent submission (a feed, a refund, a listing patch...) is
recorded under a key *before* it is sent, so a crash, a restart or a second
worker never sends it twice::

    planned ──mark_submitting──> submitted (feed id unknown yet: it may have been sent)
       │                            │
       │ release (never sent)       └─mark_submitted(feed id)──> submitted ──mark_done──> done | rejected | failed
       └──> (deleted)

``plan`` inserts a key atomically; exactly one caller creates it and holds a
*lease*. Others wait (:meth:`Journal.wait_for_change`) until the entry leaves
``planned`` or its lease expires, and then :meth:`Journal.take_over` grants the
lease to exactly one of them. The default backend is SQLite (WAL mode,
``BEGIN IMMEDIATE``), safe for threads and for processes sharing the file.
The file must be on a local disk: SQLite's locking is unreliable on network
file systems. Workers on several hosts share a :class:`RedisJournal` instead:
the same behaviour, in Redis (``pip install 'sp-cancel[redis]'``).

Payloads and outcomes are JSON: order and item ids, amounts, reasons. Never a
token or a secret; keys that look like one are refused.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sp_cancel._journal_entry import (
    _FINAL,
    DEFAULT_LEASE_SECONDS,
    Entry,
    EntryState,
    FinalState,
    JournalError,
    JournalLike,
    JournalWaitTimeoutError,
    LeaseLostError,
)
from sp_cancel._journal_redis import RedisJournal
from sp_cancel._journal_schema import _check_key, _check_lease, _check_submitting, _dump, _entry, _ts
from sp_cancel._journal_store import JournalStore, default_journal_path
from sp_cancel.errors import InvalidInputError

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "Entry",
    "EntryState",
    "Journal",
    "JournalError",
    "JournalLike",
    "JournalWaitTimeoutError",
    "LeaseLostError",
    "RedisJournal",
    "default_journal_path",
]

# Users import these from here, so they report ``sp_cancel.journal.X`` (as sp_cancel.metrics does for its parts).
for _obj in (
    Entry,
    JournalError,
    JournalLike,
    JournalWaitTimeoutError,
    LeaseLostError,
    RedisJournal,
    default_journal_path,
):
    _obj.__module__ = __name__
del _obj


class Journal(JournalStore):
    """The SQLite journal (default backend); thread-safe, and process-safe on a shared file.

    Args:
        path: the database file; ``None`` for :func:`default_journal_path`, ``":memory:"`` for an
            in-process journal (shared by this instance's threads, gone when closed).
        clock: where ``now()`` comes from (timestamps and leases); default the system clock.

    One connection per instance, guarded by a lock; cross-process safety comes from
    SQLite's file locking (``BEGIN IMMEDIATE``, WAL, ``busy_timeout``). After a ``fork``
    the child reopens its own connection on first use.
    """

    def __repr__(self) -> str:
        return f"Journal({self._path!r})"

    # --- planning and leases ---

    def plan(
        self,
        key: str,
        *,
        kind: str,
        target: str,
        payload: Mapping[str, Any],
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> tuple[Entry, bool]:
        """Record ``key`` as planned unless it exists; atomic across threads and processes.

        Returns:
            ``(entry, True)`` for the one caller that created the entry (it now holds a lease of
            ``lease_seconds``, token in ``entry.owner``), ``(existing entry, False)`` for everyone else.
        """
        _check_key(key)
        _check_key(kind, "kind")
        _check_key(target, "target")
        data = _dump(payload, "payload")
        lease = _check_lease(lease_seconds)
        with self._transaction(write=True) as conn:
            row = self._row(conn, key)
            if row is not None:
                return _entry(row), False
            now = self._now()
            conn.execute(
                "INSERT INTO entries (key, kind, target, state, payload, created_at, updated_at, owner, lease_until) "
                "VALUES (?, ?, ?, 'planned', ?, ?, ?, ?, ?)",
                (key, kind, target, data, _ts(now), _ts(now), uuid.uuid4().hex, _ts(now + timedelta(seconds=lease))),
            )
            created = self._row(conn, key)
        assert created is not None  # noqa: S101 - just inserted
        return _entry(created), True

    def take_over(self, key: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry | None:
        """Take the expired lease of a planned entry; exactly one concurrent caller gets it.

        Returns:
            The entry with the caller's new lease (token in ``owner``), or ``None`` when the entry is
            gone, no longer planned, or its lease is still live (someone else holds it).
        """
        lease = _check_lease(lease_seconds)
        with self._transaction(write=True) as conn:
            row = self._row(conn, key)
            if row is None:
                return None
            entry = _entry(row)
            now = self._now()
            if entry.state != "planned" or not entry.lease_expired(now):
                return None
            conn.execute(
                "UPDATE entries SET owner = ?, lease_until = ?, updated_at = ? WHERE key = ?",
                (uuid.uuid4().hex, _ts(now + timedelta(seconds=lease)), _ts(now), key),
            )
            taken = self._row(conn, key)
        assert taken is not None  # noqa: S101 - same transaction
        return _entry(taken)

    def renew_lease(self, key: str, *, owner: str, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry:
        """Extend the lease ``owner`` holds on a planned entry (for long preparations).

        Raises:
            LeaseLostError: the entry is not planned under ``owner`` any more.
        """
        lease = _check_lease(lease_seconds)
        with self._transaction(write=True) as conn:
            self._require_owner(conn, key, owner)
            now = self._now()
            conn.execute(
                "UPDATE entries SET lease_until = ?, updated_at = ? WHERE key = ?",
                (_ts(now + timedelta(seconds=lease)), _ts(now), key),
            )
            row = self._row(conn, key)
        assert row is not None  # noqa: S101
        return _entry(row)

    def _require_owner(self, conn: sqlite3.Connection, key: str, owner: str) -> Entry:
        row = self._row(conn, key)
        if row is None:
            raise LeaseLostError(f"journal entry {key!r} does not exist (released?)")
        entry = _entry(row)
        if entry.state != "planned" or entry.owner != owner:
            raise LeaseLostError(f"journal entry {key!r} is {entry.state} and no longer leased to this caller")
        return entry

    # --- the submission ---

    def mark_submitting(
        self,
        keys: Sequence[str],
        *,
        feed_type: str | None,
        document_hash: str | None,
        message_ids: Mapping[str, int] | None = None,
        sent_at: datetime,
        owner: str | None = None,
    ) -> list[Entry]:
        """Record, *before* the non-idempotent call, that these planned entries are being sent.

        The entries become ``submitted`` with no feed id (:attr:`Entry.send_uncertain`): after a
        crash, recovery looks for the feed before sending again. All keys change or none.

        Args:
            keys: the planned entries sent together (one feed document).
            feed_type: the feed type, or ``None`` for a direct API call.
            document_hash: SHA-256 of the document (:func:`sp_cancel.feeds.document_hash`).
            message_ids: each key's ``MessageID`` in the document.
            sent_at: when sending starts.
            owner: the lease token from :meth:`plan`/:meth:`take_over`; when given, each entry must
                still be leased to it (recommended: a worker whose lease expired must not send).

        Raises:
            JournalError: a key is unknown or not planned.
            LeaseLostError: ``owner`` no longer holds a key's lease.
        """
        keys, ids = _check_submitting(keys, message_ids)
        sent = _ts(sent_at)
        with self._transaction(write=True) as conn:
            now = _ts(self._now())
            for key in keys:
                if owner is not None:
                    self._require_owner(conn, key, owner)
                row = self._row(conn, key)
                if row is None:
                    raise JournalError(f"journal entry {key!r} does not exist")
                if row["state"] != "planned":
                    raise JournalError(f"journal entry {key!r} is {row['state']}, not planned: it was already sent")
                conn.execute(
                    "UPDATE entries SET state = 'submitted', feed_type = ?, document_hash = ?, message_id = ?, "
                    "submitted_at = ?, updated_at = ?, lease_until = NULL WHERE key = ?",
                    (feed_type, document_hash, ids.get(key), sent, now, key),
                )
            rows = [self._row(conn, key) for key in keys]
        return [_entry(row) for row in rows if row is not None]

    def mark_submitted(self, keys: Sequence[str], *, feed_id: str) -> list[Entry]:
        """Record the feed id Amazon returned for entries marked submitting.

        Raises:
            JournalError: a key is unknown, not submitted, or already has another feed id.
        """
        _check_key(feed_id, "feed_id")
        keys = list(dict.fromkeys(keys))
        with self._transaction(write=True) as conn:
            now = _ts(self._now())
            for key in keys:
                row = self._row(conn, key)
                if row is None:
                    raise JournalError(f"journal entry {key!r} does not exist")
                if row["state"] != "submitted":
                    raise JournalError(f"journal entry {key!r} is {row['state']}, not submitted")
                if row["feed_id"] not in (None, feed_id):
                    raise JournalError(f"journal entry {key!r} already belongs to feed {row['feed_id']}")
                conn.execute("UPDATE entries SET feed_id = ?, updated_at = ? WHERE key = ?", (feed_id, now, key))
            rows = [self._row(conn, key) for key in keys]
        return [_entry(row) for row in rows if row is not None]

    def mark_done(self, key: str, *, state: FinalState, outcome: Mapping[str, Any]) -> Entry:
        """Record how a planned or submitted entry ended: ``done``, ``rejected`` or ``failed``.

        Marking an entry again with the state it already has is a no-op.

        Raises:
            JournalError: the key is unknown, or it already ended with a different state.
        """
        if state not in _FINAL:
            raise InvalidInputError(f"state must be one of {sorted(_FINAL)}, got {state!r}", field="state")
        data = _dump(outcome, "outcome")
        with self._transaction(write=True) as conn:
            row = self._row(conn, key)
            if row is None:
                raise JournalError(f"journal entry {key!r} does not exist")
            if row["state"] in _FINAL:
                if row["state"] == state:
                    return _entry(row)
                raise JournalError(f"journal entry {key!r} already ended {row['state']}; cannot mark it {state}")
            conn.execute(
                "UPDATE entries SET state = ?, outcome = ?, updated_at = ?, lease_until = NULL WHERE key = ?",
                (state, data, _ts(self._now()), key),
            )
            done = self._row(conn, key)
        assert done is not None  # noqa: S101
        return _entry(done)

    def release(self, key: str, *, owner: str | None = None) -> None:
        """Delete a plan that was never sent, so the key can be planned again.

        Allowed for ``planned`` entries and for ``submitted`` ones with no feed id when the caller
        knows the call never went out (e.g. the document upload failed). Unknown keys are ignored.

        Raises:
            JournalError: the entry has a feed id or has ended: it was sent, keep it.
            LeaseLostError: ``owner`` is given and no longer holds the planned entry's lease.
        """
        with self._transaction(write=True) as conn:
            row = self._row(conn, key)
            if row is None:
                return
            if row["state"] == "planned" and owner is not None and row["owner"] != owner:
                raise LeaseLostError(f"journal entry {key!r} is leased to another caller")
            if row["state"] in _FINAL or row["feed_id"] is not None:
                raise JournalError(f"journal entry {key!r} was sent ({row['state']}); it cannot be released")
            conn.execute("DELETE FROM entries WHERE key = ?", (key,))
