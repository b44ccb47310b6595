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
file systems.

Payloads and outcomes are JSON: order and item ids, amounts, reasons. Never a
token or a secret; keys that look like one are refused.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, Protocol, Self, runtime_checkable

import attrs
import platformdirs

from sp_cancel.clock import Clock, Sleep, SystemClock, system_sleep, utc
from sp_cancel.errors import InvalidInputError, SpCancelError

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "Entry",
    "EntryState",
    "Journal",
    "JournalError",
    "JournalLike",
    "JournalWaitTimeoutError",
    "LeaseLostError",
    "default_journal_path",
]

EntryState = Literal["planned", "submitted", "done", "rejected", "failed"]
FinalState = Literal["done", "rejected", "failed"]

DEFAULT_LEASE_SECONDS: Final = 300.0
_FINAL: Final = frozenset({"done", "rejected", "failed"})
_UNFINISHED: Final = ("planned", "submitted")
_BUSY_TIMEOUT_MS: Final = 30_000
_SECRET_WORDS: Final = ("token", "secret", "password", "credential", "authorization")
_SCHEMA_VERSION: Final = 1
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS entries (
    key           TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    target        TEXT NOT NULL,
    state         TEXT NOT NULL,
    payload       TEXT NOT NULL,
    feed_id       TEXT,
    feed_type     TEXT,
    document_hash TEXT,
    message_id    INTEGER,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    submitted_at  TEXT,
    outcome       TEXT,
    owner         TEXT,
    lease_until   TEXT
);
CREATE INDEX IF NOT EXISTS entries_kind_target ON entries (kind, target, created_at);
CREATE INDEX IF NOT EXISTS entries_state ON entries (state);
CREATE INDEX IF NOT EXISTS entries_feed ON entries (feed_id);
CREATE INDEX IF NOT EXISTS entries_feed_type ON entries (feed_type, submitted_at);
"""
_COLUMNS: Final = (
    "key, kind, target, state, payload, feed_id, feed_type, document_hash, message_id, "
    "created_at, updated_at, submitted_at, outcome, owner, lease_until"
)


class JournalError(SpCancelError):
    """The journal refused a state change (wrong state, unknown key) or cannot be used."""


class LeaseLostError(JournalError):
    """The caller no longer holds the lease on a planned entry: another worker took it over."""


class JournalWaitTimeoutError(JournalError, TimeoutError):
    """``wait_for_change`` ran out of time while the entry was still planned under a live lease."""


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


def _frozen_or_none(value: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    return None if value is None else MappingProxyType(dict(value))


@attrs.frozen(kw_only=True)
class Entry:
    """One journal record.

    Attributes:
        key: the submission id / idempotency key.
        kind: what is submitted: ``"cancel"``, ``"item_cancel"``, ``"refund"``, ``"listing_close"``,
            ``"listing_delete"``, ``"orders_api_cancel"``...
        target: the order id or SKU.
        state: ``planned``, ``submitted``, ``done``, ``rejected`` or ``failed``.
        payload: what is to be sent (JSON data: ids, amounts as strings, reasons).
        feed_id: Amazon's feed id once known.
        feed_type: e.g. ``POST_PAYMENT_ADJUSTMENT_DATA``; ``None`` for direct API calls.
        document_hash: SHA-256 of the feed document sent.
        message_id: this entry's ``MessageID`` in that document.
        submitted_at: when sending started (written before the call).
        outcome: how it ended (JSON data), or ``None``.
        owner: the lease token of whoever holds (or held) the planned entry.
        lease_until: when that lease expires.
    """

    key: str
    kind: str
    target: str
    state: EntryState
    payload: Mapping[str, Any] = attrs.field(converter=_frozen, hash=False)
    feed_id: str | None = None
    feed_type: str | None = None
    document_hash: str | None = None
    message_id: int | None = None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    outcome: Mapping[str, Any] | None = attrs.field(default=None, converter=_frozen_or_none, hash=False)
    owner: str | None = None
    lease_until: datetime | None = None

    @property
    def finished(self) -> bool:
        """Whether the entry reached ``done``, ``rejected`` or ``failed``."""
        return self.state in _FINAL

    @property
    def send_uncertain(self) -> bool:
        """Submitted but no feed id recorded: the send may or may not have reached Amazon.

        Recover by looking for the feed (``getFeeds``, compare :attr:`document_hash`) before sending again.
        """
        return self.state == "submitted" and self.feed_id is None

    def lease_expired(self, now: datetime) -> bool:
        """Whether a planned entry's lease has run out at ``now``."""
        return self.lease_until is None or self.lease_until <= now


@runtime_checkable
class JournalLike(Protocol):
    """What the workflows need from a journal; :class:`Journal` is the SQLite implementation."""

    def plan(
        self,
        key: str,
        *,
        kind: str,
        target: str,
        payload: Mapping[str, Any],
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> tuple[Entry, bool]:
        """Insert ``key`` as planned if absent; ``True`` for the caller that created it."""
        ...

    def wait_for_change(
        self, key: str, *, timeout: float = ..., poll: float = ..., sleep: Sleep | None = None
    ) -> Entry | None:
        """Wait until the entry leaves ``planned``, its lease expires, or it is released."""
        ...

    def take_over(self, key: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry | None:
        """Grant the expired lease of a planned entry to exactly one caller."""
        ...

    def renew_lease(self, key: str, *, owner: str, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry:
        """Extend the lease the caller holds."""
        ...

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
        """Record that sending starts (before the non-idempotent call)."""
        ...

    def mark_submitted(self, keys: Sequence[str], *, feed_id: str) -> list[Entry]:
        """Record the feed id Amazon returned."""
        ...

    def mark_done(self, key: str, *, state: FinalState, outcome: Mapping[str, Any]) -> Entry:
        """Record how the submission ended."""
        ...

    def release(self, key: str, *, owner: str | None = None) -> None:
        """Forget a plan that was never sent."""
        ...

    def get(self, key: str) -> Entry | None:
        """The entry for ``key``, or ``None``."""
        ...

    def find(self, kind: str, target: str) -> list[Entry]:
        """Entries of ``kind`` for ``target``, newest first."""
        ...

    def unfinished(self) -> list[Entry]:
        """Planned and submitted entries, oldest first."""
        ...

    def by_feed(self, feed_id: str) -> list[Entry]:
        """Entries sent in feed ``feed_id``, by message id."""
        ...

    def known_feed_ids(self, feed_type: str, since: datetime) -> set[str]:
        """Feed ids of ``feed_type`` this journal sent since ``since``."""
        ...


def default_journal_path() -> Path:
    """Where the journal lives by default: ``<user state dir>/sp-cancel/journal.sqlite3``."""
    return Path(platformdirs.user_state_dir("sp-cancel")) / "journal.sqlite3"


# --- encoding ---------------------------------------------------------------------------------------


def _ts(value: datetime) -> str:
    # Fixed width, so that text order is time order in SQL.
    return utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_ts(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return utc(value).isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    msg = f"{type(value).__name__} is not JSON data"
    raise TypeError(msg)


def _check_no_secrets(value: object, path: str) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            lowered = str(key).lower()
            if any(word in lowered for word in _SECRET_WORDS):
                raise InvalidInputError(
                    f"{path}.{key} looks like a secret; the journal stores ids, amounts and reasons only",
                    field=path,
                )
            _check_no_secrets(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for item in value:
            _check_no_secrets(item, path)


def _dump(value: Mapping[str, Any], field: str) -> str:
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{field} must be a mapping, got {type(value).__name__}", field=field)
    _check_no_secrets(value, field)
    try:
        return json.dumps(value, default=_json_default, sort_keys=True, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{field} is not JSON data: {exc}", field=field) from exc


def _entry(row: sqlite3.Row) -> Entry:
    created = _parse_ts(row["created_at"])
    updated = _parse_ts(row["updated_at"])
    assert created is not None  # noqa: S101 - NOT NULL columns
    assert updated is not None  # noqa: S101
    outcome = row["outcome"]
    return Entry(
        key=row["key"],
        kind=row["kind"],
        target=row["target"],
        state=row["state"],
        payload=json.loads(row["payload"]),
        feed_id=row["feed_id"],
        feed_type=row["feed_type"],
        document_hash=row["document_hash"],
        message_id=row["message_id"],
        created_at=created,
        updated_at=updated,
        submitted_at=_parse_ts(row["submitted_at"]),
        outcome=None if outcome is None else json.loads(outcome),
        owner=row["owner"],
        lease_until=_parse_ts(row["lease_until"]),
    )


def _check_key(key: object, field: str = "key") -> str:
    if not isinstance(key, str) or not key or len(key) > 512:
        raise InvalidInputError(
            f"{field} must be a non-empty string of at most 512 characters, got {key!r}", field=field
        )
    return key


def _check_lease(lease_seconds: float) -> float:
    if not lease_seconds > 0:
        raise InvalidInputError(f"lease_seconds must be positive, got {lease_seconds!r}", field="lease_seconds")
    return float(lease_seconds)


# --- the SQLite journal -----------------------------------------------------------------------------


class Journal:
    """The SQLite journal (default backend); thread-safe, and process-safe on a shared file.

    Args:
        path: the database file; ``None`` for :func:`default_journal_path`, ``":memory:"`` for an
            in-process journal (shared by this instance's threads, gone when closed).
        clock: where ``now()`` comes from (timestamps and leases); default the system clock.

    One connection per instance, guarded by a lock; cross-process safety comes from
    SQLite's file locking (``BEGIN IMMEDIATE``, WAL, ``busy_timeout``). After a ``fork``
    the child reopens its own connection on first use.
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

    def __repr__(self) -> str:
        return f"Journal({self._path!r})"

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._path,
            timeout=_BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # we issue BEGIN IMMEDIATE / COMMIT ourselves
            check_same_thread=False,  # guarded by self._lock
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        if not self._memory:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")  # a refund's record must survive a power cut
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > _SCHEMA_VERSION:
            conn.close()
            raise JournalError(f"{self._path} was written by a newer sp_cancel (schema {version})")
        if version < _SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- helpers ---

    def _now(self) -> datetime:
        return utc(self._clock.now())

    @staticmethod
    def _row(conn: sqlite3.Connection, key: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = conn.execute(f"SELECT {_COLUMNS} FROM entries WHERE key = ?", (key,)).fetchone()  # noqa: S608 - constant column list
        return row

    def _select(self, where: str, params: Iterable[object], order: str) -> list[Entry]:
        with self._transaction(write=False) as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM entries WHERE {where} ORDER BY {order}", tuple(params))  # noqa: S608 - internal constants
            return [_entry(row) for row in rows]

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

    def wait_for_change(
        self,
        key: str,
        *,
        timeout: float = DEFAULT_LEASE_SECONDS + 30,
        poll: float = 1.0,
        sleep: Sleep | None = None,
    ) -> Entry | None:
        """Wait, as the loser of a :meth:`plan` race, for the winner to move on.

        Returns as soon as the entry is no longer ``planned`` (the winner sent it: do not send
        again), is gone (``None``: the winner released it; plan again), or is planned with an
        expired lease (the winner died: call :meth:`take_over`).

        Args:
            key: the entry's key.
            timeout: how long to wait, in seconds of the journal's clock.
            poll: seconds between looks.
            sleep: how to wait (default a real sleep); tests pass a fake clock's ``sleep``.

        Raises:
            JournalWaitTimeoutError: still planned under a live lease after ``timeout``.
        """
        wait = sleep or system_sleep
        deadline = self._clock.monotonic() + timeout
        while True:
            entry = self.get(key)
            if entry is None or entry.state != "planned" or entry.lease_expired(self._now()):
                return entry
            if self._clock.monotonic() >= deadline:
                raise JournalWaitTimeoutError(
                    f"journal entry {key!r} is still planned by another worker after {timeout}s"
                )
            wait(poll)

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
        keys = list(dict.fromkeys(keys))
        if not keys:
            raise InvalidInputError("mark_submitting needs at least one key", field="keys")
        ids = dict(message_ids or {})
        if set(ids) - set(keys):
            raise InvalidInputError(f"message_ids names keys not being submitted: {sorted(set(ids) - set(keys))}")
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

    # --- reading ---

    def get(self, key: str) -> Entry | None:
        """The entry for ``key``, or ``None``."""
        with self._transaction(write=False) as conn:
            row = self._row(conn, key)
            return None if row is None else _entry(row)

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
        """Feed ids of ``feed_type`` sent since ``since``: ours, when recovering with ``getFeeds``."""
        with self._transaction(write=False) as conn:
            rows = conn.execute(
                "SELECT DISTINCT feed_id FROM entries "
                "WHERE feed_type = ? AND submitted_at >= ? AND feed_id IS NOT NULL",
                (feed_type, _ts(since)),
            )
            return {row["feed_id"] for row in rows}
