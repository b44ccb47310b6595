"""The SQLite journal (``sp_cancel.journal.Journal``): the connection, transactions, queries and state changes.

The file is opened in WAL mode and every write runs in ``BEGIN IMMEDIATE``, so
threads and processes sharing one file see one order of events.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import platformdirs

from sp_cancel.clock import Clock, SystemClock
from sp_cancel.errors import InvalidInputError
from sp_cancel.journal._entry import (
    DEFAULT_LEASE_SECONDS,
    FINAL,
    Entry,
    FeedTakenError,
    FinalState,
    JournalBase,
    JournalError,
    LeaseLostError,
)
from sp_cancel.journal._schema import (
    BUSY_TIMEOUT_MS,
    COLUMNS,
    SCHEMA,
    SCHEMA_VERSION,
    check_key,
    check_lease,
    check_submitting,
    dump_json,
    format_ts,
    row_to_entry,
)

__all__ = ["Journal", "JournalStore", "default_journal_path"]


# --- from _journal_store.py ----------------------------------------

_UNFINISHED: Final = ("planned", "submitted")


def default_journal_path() -> Path:
    """Where the journal lives by default: ``<user state dir>/sp-cancel/journal.sqlite3``."""
    return Path(platformdirs.user_state_dir("sp-cancel")) / "journal.sqlite3"


class JournalStore(JournalBase):
    """The SQLite connection of a ``Journal``, and its read-only queries.

    See ``Journal`` for the arguments and the locking.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, clock: Clock | None = None) -> None:
        if path is None:
            path = default_journal_path()
        self._memory = str(path) == ":memory:"
        if not self._memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._path = str(path)
        self._clock: Clock = clock or SystemClock()
        self._lock = threading.RLock()
        self._pid = os.getpid()
        self._conn: sqlite3.Connection | None = self._connect()

    @property
    def path(self) -> str:
        """The database file (or ``":memory:"``)."""
        return self._path

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # we issue BEGIN IMMEDIATE / COMMIT ourselves
            check_same_thread=False,  # guarded by self._lock
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not self._memory:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")  # a refund's record must survive a power cut
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            conn.close()
            raise JournalError(f"{self._path} was written by a newer sp_cancel (schema {version})")
        if version < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            except BaseException:
                conn.execute("ROLLBACK")
                conn.close()
                raise
            conn.execute("COMMIT")
        return conn

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._pid != os.getpid():  # forked: never reuse the parent's connection
                self._pid = os.getpid()
                self._conn = None if self._memory else self._connect()
            if self._conn is None:
                raise JournalError(f"{self!r} is closed")
            conn = self._conn
            if not write:
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (an in-memory journal is gone afterwards)."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    # --- helpers ---

    @staticmethod
    def _row(conn: sqlite3.Connection, key: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = conn.execute(f"SELECT {COLUMNS} FROM entries WHERE key = ?", (key,)).fetchone()  # noqa: S608 - constant column list
        return row

    def _select(self, where: str, params: Iterable[object], order: str) -> list[Entry]:
        with self._transaction(write=False) as conn:
            rows = conn.execute(f"SELECT {COLUMNS} FROM entries WHERE {where} ORDER BY {order}", tuple(params))  # noqa: S608 - internal constants
            return [row_to_entry(row) for row in rows]

    # --- reading ---

    def get(self, key: str) -> Entry | None:
        """The entry for ``key``, or ``None``."""
        with self._transaction(write=False) as conn:
            row = self._row(conn, key)
            return None if row is None else row_to_entry(row)

    def find(self, kind: str, target: str) -> list[Entry]:
        """Entries of ``kind`` for ``target`` (order id or SKU), newest first."""
        return self._select("kind = ? AND target = ?", (kind, target), "created_at DESC, rowid DESC")

    def unfinished(self) -> list[Entry]:
        """Entries still ``planned`` or ``submitted``, oldest first: what ``resume()`` must finish."""
        return self._select("state IN (?, ?)", _UNFINISHED, "created_at, rowid")

    def by_feed(self, feed_id: str) -> list[Entry]:
        """Entries sent in feed ``feed_id``, by message id."""
        return self._select("feed_id = ?", (feed_id,), "message_id, rowid")

    def known_feed_ids(self, feed_type: str, since: datetime) -> set[str]:
        """Feed ids of ``feed_type`` this journal holds, sent or learned since ``since``.

        A submission first recorded long ago may have learned its feed id only now (a throttled
        ``createFeed`` waits for the usage plan): it counts from when its feed id was recorded too.
        """
        with self._transaction(write=False) as conn:
            start = format_ts(since)
            rows = conn.execute(
                "SELECT DISTINCT feed_id FROM entries "
                "WHERE feed_type = ? AND feed_id IS NOT NULL AND (submitted_at >= ? OR updated_at >= ?)",
                (feed_type, start, start),
            )
            return {row["feed_id"] for row in rows}


class Journal(JournalStore):
    """The SQLite journal (default backend); thread-safe, and process-safe on a shared file.

    Args:
        path: the database file; ``None`` for ``default_journal_path``, ``":memory:"`` for an
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
        check_key(key)
        check_key(kind, "kind")
        check_key(target, "target")
        data = dump_json(payload, "payload")
        lease = check_lease(lease_seconds)
        with self._transaction(write=True) as conn:
            row = self._row(conn, key)
            if row is not None:
                return row_to_entry(row), False
            now = self._now()
            conn.execute(
                "INSERT INTO entries (key, kind, target, state, payload, created_at, updated_at, owner, lease_until) "
                "VALUES (?, ?, ?, 'planned', ?, ?, ?, ?, ?)",
                (
                    key,
                    kind,
                    target,
                    data,
                    format_ts(now),
                    format_ts(now),
                    uuid.uuid4().hex,
                    format_ts(now + timedelta(seconds=lease)),
                ),
            )
            created = self._row(conn, key)
        assert created is not None  # noqa: S101 - just inserted
        return row_to_entry(created), True

    def take_over(self, key: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry | None:
        """Take the expired lease of a planned entry; exactly one concurrent caller gets it.

        Returns:
            The entry with the caller's new lease (token in ``owner``), or ``None`` when the entry is
            gone, no longer planned, or its lease is still live (someone else holds it).
        """
        lease = check_lease(lease_seconds)
        with self._transaction(write=True) as conn:
            row = self._row(conn, key)
            if row is None:
                return None
            entry = row_to_entry(row)
            now = self._now()
            if entry.state != "planned" or not entry.lease_expired(now):
                return None
            conn.execute(
                "UPDATE entries SET owner = ?, lease_until = ?, updated_at = ? WHERE key = ?",
                (uuid.uuid4().hex, format_ts(now + timedelta(seconds=lease)), format_ts(now), key),
            )
            taken = self._row(conn, key)
        assert taken is not None  # noqa: S101 - same transaction
        return row_to_entry(taken)

    def renew_lease(self, key: str, *, owner: str, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry:
        """Extend the lease ``owner`` holds on a planned entry (for long preparations).

        Raises:
            LeaseLostError: the entry is not planned under ``owner`` any more.
        """
        lease = check_lease(lease_seconds)
        with self._transaction(write=True) as conn:
            self._require_owner(conn, key, owner)
            now = self._now()
            conn.execute(
                "UPDATE entries SET lease_until = ?, updated_at = ? WHERE key = ?",
                (format_ts(now + timedelta(seconds=lease)), format_ts(now), key),
            )
            row = self._row(conn, key)
        assert row is not None  # noqa: S101
        return row_to_entry(row)

    def _require_owner(self, conn: sqlite3.Connection, key: str, owner: str) -> Entry:
        row = self._row(conn, key)
        if row is None:
            raise LeaseLostError(f"journal entry {key!r} does not exist (released?)")
        entry = row_to_entry(row)
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

        The entries become ``submitted`` with no feed id (``Entry.send_uncertain``): after a
        crash, recovery looks for the feed before sending again. All keys change or none.

        Args:
            keys: the planned entries sent together (one feed document).
            feed_type: the feed type, or ``None`` for a direct API call.
            document_hash: SHA-256 of the document (``sp_cancel.feeds.document_hash``).
            message_ids: each key's ``MessageID`` in the document.
            sent_at: when sending starts.
            owner: the lease token from ``plan``/``take_over``; when given, each entry must
                still be leased to it (recommended: a worker whose lease expired must not send).

        Raises:
            JournalError: a key is unknown or not planned.
            LeaseLostError: ``owner`` no longer holds a key's lease.
        """
        keys, ids = check_submitting(keys, message_ids)
        sent = format_ts(sent_at)
        with self._transaction(write=True) as conn:
            now = format_ts(self._now())
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
        return [row_to_entry(row) for row in rows if row is not None]

    def mark_submitted(self, keys: Sequence[str], *, feed_id: str) -> list[Entry]:
        """Record the feed id Amazon returned for entries marked submitting.

        A feed belongs to at most one submission: the check and the write are one transaction.

        Raises:
            FeedTakenError: another entry (outside ``keys``) already holds ``feed_id``.
            JournalError: a key is unknown, not submitted, or already has another feed id.
        """
        check_key(feed_id, "feed_id")
        keys = list(dict.fromkeys(keys))
        with self._transaction(write=True) as conn:
            now = format_ts(self._now())
            for key in keys:
                row = self._row(conn, key)
                if row is None:
                    raise JournalError(f"journal entry {key!r} does not exist")
                if row["state"] != "submitted":
                    raise JournalError(f"journal entry {key!r} is {row['state']}, not submitted")
                if row["feed_id"] not in (None, feed_id):
                    raise JournalError(f"journal entry {key!r} already belongs to feed {row['feed_id']}")
            holders = [row["key"] for row in conn.execute("SELECT key FROM entries WHERE feed_id = ?", (feed_id,))]
            others = sorted(set(holders) - set(keys))
            if others:
                raise FeedTakenError(
                    f"feed {feed_id} already belongs to another submission ({', '.join(others)})",
                    feed_id=feed_id,
                    owners=others,
                )
            for key in keys:
                conn.execute("UPDATE entries SET feed_id = ?, updated_at = ? WHERE key = ?", (feed_id, now, key))
            rows = [self._row(conn, key) for key in keys]
        return [row_to_entry(row) for row in rows if row is not None]

    def mark_done(self, key: str, *, state: FinalState, outcome: Mapping[str, Any]) -> Entry:
        """Record how a planned or submitted entry ended: ``done``, ``rejected`` or ``failed``.

        Marking an entry again with the state it already has is a no-op.

        Raises:
            JournalError: the key is unknown, or it already ended with a different state.
        """
        if state not in FINAL:
            raise InvalidInputError(f"state must be one of {sorted(FINAL)}, got {state!r}", field="state")
        data = dump_json(outcome, "outcome")
        with self._transaction(write=True) as conn:
            row = self._row(conn, key)
            if row is None:
                raise JournalError(f"journal entry {key!r} does not exist")
            if row["state"] in FINAL:
                if row["state"] == state:
                    return row_to_entry(row)
                raise JournalError(f"journal entry {key!r} already ended {row['state']}; cannot mark it {state}")
            conn.execute(
                "UPDATE entries SET state = ?, outcome = ?, updated_at = ?, lease_until = NULL WHERE key = ?",
                (state, data, format_ts(self._now()), key),
            )
            done = self._row(conn, key)
        assert done is not None  # noqa: S101
        return row_to_entry(done)

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
            if row["state"] in FINAL or row["feed_id"] is not None:
                raise JournalError(f"journal entry {key!r} was sent ({row['state']}); it cannot be released")
            conn.execute("DELETE FROM entries WHERE key = ?", (key,))
