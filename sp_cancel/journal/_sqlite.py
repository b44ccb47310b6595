"""The SQLite journal (``sp_cancel.journal.Journal``): the connection, transactions, queries and state changes.

The file is opened in WAL mode and every write runs in ``BEGIN IMMEDIATE``, so
threads and processes sharing one file see one order of events.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

import platformdirs

from sp_cancel.clock import Clock, SystemClock
from sp_cancel.errors import InvalidInputError
from sp_cancel.journal._base import JournalBase, Sending
from sp_cancel.journal._entry import (
    Entry,
    FinalState,
    JournalError,
    JournalUnavailableError,
    already_done,
    check_feed_free,
    check_feed_id_entry,
    check_owner,
    check_release,
    check_submitting_entry,
    existing,
    may_take_back,
    may_take_over,
)
from sp_cancel.journal._owner import drop_owner, new_owner
from sp_cancel.journal._schema import (
    BUSY_TIMEOUT,
    COLUMNS,
    FIELDS,
    MIGRATIONS,
    SCHEMA,
    SCHEMA_VERSION,
    changed,
    entry_of,
    format_ts,
)

__all__ = ["Journal", "JournalStore", "default_journal_path"]


_UNFINISHED: Final = ("planned", "submitted")
_BY_KEY: Final = f"SELECT {COLUMNS} FROM entries WHERE key = ?"  # noqa: S608 - constant column list
_IN_CHUNK: Final = 500  # keys per "key IN (...)": far below SQLite's oldest limit of 999 variables
# Where each field sits in a row (COLUMNS order).
_KEY, _STATE, _FEED_ID, _OWNER, _VERSION = (
    FIELDS.index(name) for name in ("key", "state", "feed_id", "owner", "version")
)

# The result codes below are SQLite's primary ones (https://www.sqlite.org/rescode.html), as the sqlite3 module
# exports them: the ones a journal call can meet. These say "call again".
_TRANSIENT: Final = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_PROTOCOL})
# When an error carries no code (raised by a wrapper, or an old driver): the code its message stands for.
_MESSAGES: Final = (
    ("locked", sqlite3.SQLITE_BUSY),
    ("busy", sqlite3.SQLITE_BUSY),
    ("readonly", sqlite3.SQLITE_READONLY),
    ("read-only", sqlite3.SQLITE_READONLY),
    ("full", sqlite3.SQLITE_FULL),
    ("not a database", sqlite3.SQLITE_NOTADB),
    ("malformed", sqlite3.SQLITE_CORRUPT),
    ("corrupt", sqlite3.SQLITE_CORRUPT),
    ("disk i/o", sqlite3.SQLITE_IOERR),
    ("unable to open", sqlite3.SQLITE_CANTOPEN),
)

Connect = Callable[..., sqlite3.Connection]


def default_journal_path() -> Path:
    """Where the journal lives by default: ``<user state dir>/sp-cancel/journal.sqlite3``."""
    return Path(platformdirs.user_state_dir("sp-cancel")) / "journal.sqlite3"


def _is_driver_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the database failing, not a bug: an ``OperationalError`` or a bare ``DatabaseError``."""
    return isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError


def _code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF  # the primary code of an extended one
    text = str(exc).lower()
    return next((found for word, found in _MESSAGES if word in text), None)


def unavailable(exc: sqlite3.Error, path: str, busy_timeout: float) -> JournalUnavailableError:
    """The ``JournalUnavailableError`` for a driver error on the journal file ``path``: what happened, what to do."""
    code = _code(exc)
    what = {
        sqlite3.SQLITE_BUSY: f"the journal file {path} stayed locked by another connection for more than "
        f"{busy_timeout:g} s (busy timeout): another process holds a long write transaction on it. Nothing was "
        "recorded; call again, or give the journal a longer busy_timeout",
        sqlite3.SQLITE_LOCKED: f"the journal file {path} is locked by another statement of this connection. "
        "Nothing was recorded; call again",
        sqlite3.SQLITE_PROTOCOL: f"the journal file {path} could not be locked (a race between processes). "
        "Nothing was recorded; call again",
        sqlite3.SQLITE_READONLY: f"the journal file {path} is read-only: sp_cancel must record every submission "
        "before sending it. Give this process write access to the file and its directory (SQLite also writes "
        f"{path}-wal and {path}-shm), or use another path",
        sqlite3.SQLITE_FULL: f"the disk holding the journal file {path} is full. Nothing was recorded; free "
        "space, then call again",
        sqlite3.SQLITE_CORRUPT: f"the journal file {path} is damaged. Stop every worker using it and keep a copy: "
        f"it records what was sent. Check it with: sqlite3 {path} 'PRAGMA integrity_check'",
        sqlite3.SQLITE_NOTADB: f"the journal file {path} is not an SQLite database (damaged, encrypted, or "
        "another file). Stop every worker using it and keep a copy: it may record what was sent; point the "
        "journal at the right file",
        sqlite3.SQLITE_IOERR: f"a disk I/O error on the journal file {path}. Nothing was recorded; check the disk "
        "and the file system (the file must be on a local disk, not a network share)",
        sqlite3.SQLITE_CANTOPEN: f"the journal file {path} cannot be opened: check that its directory exists and "
        "this process may write there",
    }.get(code if code is not None else -1, f"the journal file {path} cannot be used")
    return JournalUnavailableError(f"{what} ({exc})", backend="sqlite", transient=code in _TRANSIENT)


def _get(row: tuple[Any, ...] | None, index: int) -> Any:
    """The field at ``index`` of ``row``; ``None`` when there is no row."""
    return None if row is None else row[index]


def _require_owner(row: tuple[Any, ...] | None, key: str, owner: str) -> tuple[Any, ...]:
    """``row``, when it is planned and leased to ``owner``; else ``LeaseLostError``."""
    check_owner(key, _get(row, _STATE), _get(row, _OWNER), owner)
    assert row is not None  # noqa: S101 - check_owner raised for a missing entry
    return row


class JournalStore(JournalBase):
    """The SQLite connection of a ``Journal``, and its read-only queries.

    See ``Journal`` for the arguments and the locking.
    """

    _conn: sqlite3.Connection | None  # None: closed (or, in a LazyJournal, not opened yet)

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        clock: Clock | None = None,
        busy_timeout: float = BUSY_TIMEOUT,
        connect: Connect | None = None,
    ) -> None:
        self._configure(path, clock, busy_timeout, connect)
        self._conn = self._open_file()

    def _configure(
        self, path: str | os.PathLike[str] | None, clock: Clock | None, busy_timeout: float, connect: Connect | None
    ) -> None:
        """Check and keep the arguments; open nothing."""
        if path is None:
            path = default_journal_path()
        if not busy_timeout >= 0:
            raise InvalidInputError(f"busy_timeout must be >= 0 seconds, got {busy_timeout!r}", field="busy_timeout")
        self._memory = str(path) == ":memory:"
        self._path = str(path)
        self._busy_timeout = float(busy_timeout)
        self._open: Connect = connect or sqlite3.connect
        self._clock: Clock = clock or SystemClock()
        self._lock = threading.RLock()
        self._pid = os.getpid()
        self._conn = None
        self._stranded = False  # a failed ROLLBACK left a transaction open on self._conn

    def _open_file(self) -> sqlite3.Connection:
        """A new connection to the journal, creating the file (and its directory) if absent."""
        with self._driver_errors():
            if not self._memory:
                directory = Path(self._path).parent
                try:
                    directory.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise JournalUnavailableError(
                        f"cannot create the journal's directory {directory}: {exc}; create it, or give the "
                        "journal a path this process may write to",
                        backend="sqlite",
                        transient=False,
                    ) from exc
            return self._connect()

    @property
    def path(self) -> str:
        """The database file (or ``":memory:"``)."""
        return self._path

    @contextmanager
    def _driver_errors(self) -> Iterator[None]:
        """Turn the driver's errors (locked, read-only, full, corrupt...) into ``JournalUnavailableError``."""
        try:
            yield
        except sqlite3.Error as exc:
            if not _is_driver_error(exc):
                raise
            raise unavailable(exc, self._path, self._busy_timeout) from exc

    def _connect(self) -> sqlite3.Connection:
        conn = self._open(
            self._path,
            timeout=self._busy_timeout,
            isolation_level=None,  # we issue BEGIN IMMEDIATE / COMMIT ourselves
            check_same_thread=False,  # guarded by self._lock
        )
        try:
            conn.row_factory = None  # plain tuples, in COLUMNS order (entry_of)
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
            if not self._memory:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = FULL")  # a refund's record must survive a power cut
            if self._schema_version(conn) != SCHEMA_VERSION:
                self._migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _schema_version(self, conn: sqlite3.Connection) -> int:
        version: int = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise JournalError(f"{self._path} was written by a newer sp_cancel (schema {version})")
        return version

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Create the schema, or bring an older file to the current one, in one ``BEGIN IMMEDIATE``.

        The version is read again inside the transaction: another process may have migrated the file
        between our first look and our lock.
        """
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = self._schema_version(conn)
            if version == 0:
                statements = [statement for statement in SCHEMA.split(";") if statement.strip()]
            else:
                statements = [statement for step in range(version, SCHEMA_VERSION) for statement in MIGRATIONS[step]]
            for statement in statements:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            self._rollback(conn)
            raise

    def _rollback(self, conn: sqlite3.Connection) -> None:
        """Undo the open transaction, if SQLite has not already undone it (it does after some errors)."""
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # the error being raised already says what went wrong
                conn.execute("ROLLBACK")
        self._stranded = conn.in_transaction

    def _connection(self) -> sqlite3.Connection:
        if self._pid != os.getpid():  # forked: never reuse the parent's connection
            self._pid = os.getpid()
            self._conn = None if self._memory else self._connect()
        if self._conn is None:
            raise JournalError(f"{self!r} is closed")
        if self._stranded and not self._memory:
            # A transaction a failed ROLLBACK left open would hold the file's write lock for every
            # process: drop this connection and open a fresh one.
            self._conn.close()
            self._conn = None
            self._stranded = False
            self._conn = self._connect()
        return self._conn

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        """This instance's connection, under its lock; with ``write``, inside ``BEGIN IMMEDIATE``.

        A write commits when the block ends and rolls back if it raises. The driver's errors come out
        as ``JournalUnavailableError``, and leave no transaction (nor a lock) behind.
        """
        with self._lock:
            try:
                conn = self._connection()
                if not write:
                    yield conn
                    return
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    self._rollback(conn)
                    raise
            except sqlite3.Error as exc:  # as _driver_errors, inline: every call passes here
                if not _is_driver_error(exc):
                    raise
                raise unavailable(exc, self._path, self._busy_timeout) from exc

    def _fetch(self, sql: str, params: tuple[object, ...]) -> list[Any]:
        """The rows of one read-only statement, under the lock (a read needs no transaction)."""
        with self._lock:
            try:
                return self._connection().execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                if not _is_driver_error(exc):
                    raise
                raise unavailable(exc, self._path, self._busy_timeout) from exc

    def close(self) -> None:
        """Close the connection (an in-memory journal is gone afterwards)."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    # --- helpers ---

    @staticmethod
    def _row(conn: sqlite3.Connection, key: str) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = conn.execute(_BY_KEY, (key,)).fetchone()
        return row

    @staticmethod
    def _rows(conn: sqlite3.Connection, keys: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """The rows of ``keys`` that exist, by key: one ``SELECT`` per 500 keys instead of one per key."""
        found: dict[str, tuple[Any, ...]] = {}
        for start in range(0, len(keys), _IN_CHUNK):
            chunk = keys[start : start + _IN_CHUNK]
            marks = ", ".join("?" * len(chunk))
            for row in conn.execute(f"SELECT {COLUMNS} FROM entries WHERE key IN ({marks})", chunk):  # noqa: S608 - placeholders only
                found[row[_KEY]] = row
        return found

    def _select(self, where: str, params: Iterable[object], order: str) -> list[Entry]:
        rows = self._fetch(f"SELECT {COLUMNS} FROM entries WHERE {where} ORDER BY {order}", tuple(params))  # noqa: S608 - internal constants
        return [entry_of(row) for row in rows]

    # --- reading ---

    def _get(self, key: str) -> Entry | None:
        rows = self._fetch(_BY_KEY, (key,))
        return entry_of(rows[0]) if rows else None

    def _find(self, kind: str, target: str) -> list[Entry]:
        return self._select("kind = ? AND target = ?", (kind, target), "created_at DESC, rowid DESC")

    def _unfinished(self) -> list[Entry]:
        return self._select("state IN (?, ?)", _UNFINISHED, "created_at, rowid")

    def _by_feed(self, feed_id: str) -> list[Entry]:
        return self._select("feed_id = ?", (feed_id,), "message_id, rowid")

    def _known_feed_ids(self, feed_type: str, since: str) -> set[str]:
        rows = self._fetch(
            "SELECT DISTINCT feed_id FROM entries "
            "WHERE feed_type = ? AND feed_id IS NOT NULL AND (submitted_at >= ? OR updated_at >= ?)",
            (feed_type, since, since),
        )
        return {row[0] for row in rows}


class Journal(JournalStore):
    """The SQLite journal (default backend); thread-safe, and process-safe on a shared file.

    Args:
        path: the database file; ``None`` for ``default_journal_path``, ``":memory:"`` for an
            in-process journal (shared by this instance's threads, gone when closed).
        clock: where ``now()`` comes from (timestamps and leases); default the system clock.
        busy_timeout: seconds a call waits for another connection's write lock before it fails with
            ``JournalUnavailableError`` (``transient=True``); default 30.
        connect: opens the database connection, called like ``sqlite3.connect(path, timeout=...,
            isolation_level=None, check_same_thread=False)``; default ``sqlite3.connect``. For special
            setups (a URI, a connection subclass) and for tests that inject faults.

    One connection per instance, guarded by a lock; cross-process safety comes from
    SQLite's file locking (``BEGIN IMMEDIATE``, WAL, ``busy_timeout``). After a ``fork``
    the child reopens its own connection on first use. A file of an older schema is
    brought to the current one when opened (in one ``BEGIN IMMEDIATE``; its entries are kept).

    Raises:
        JournalUnavailableError: the file cannot be opened or used (also from every method).
        JournalError: the file was written by a newer sp_cancel.
    """

    def __repr__(self) -> str:
        return f"Journal({self._path!r})"

    # --- planning and leases ---

    def _plan(self, key: str, kind: str, target: str, data: str, lease: float) -> tuple[Entry, bool]:
        with self._transaction(write=True) as conn:
            row = self._row(conn, key)
            if row is not None:
                return entry_of(row), False
            now = self._now()
            stamp = format_ts(now)
            values = (
                key,
                kind,
                target,
                "planned",
                data,
                stamp,
                stamp,
                new_owner(),
                format_ts(now + timedelta(seconds=lease)),
            )
            conn.execute(
                "INSERT INTO entries (key, kind, target, state, payload, created_at, updated_at, owner, lease_until, "
                "version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                values,
            )
        key, kind, target, state, data, created, updated, owner, lease_until = values
        return entry_of(
            (
                key,
                kind,
                target,
                state,
                data,
                None,
                None,
                None,
                None,
                created,
                updated,
                None,
                None,
                owner,
                lease_until,
                None,
                1,
            )
        ), True

    def _take_over(self, key: str, lease: float, stale_owner: str | None) -> Entry | None:
        with self._transaction(write=True) as conn:
            row = self._row(conn, key)
            if row is None:
                return None
            now = self._now()
            if not may_take_over(entry_of(row), now, stale_owner):
                return None
            changes = {
                "owner": new_owner(),
                "lease_until": format_ts(now + timedelta(seconds=lease)),
                "updated_at": format_ts(now),
                "version": row[_VERSION] + 1,
            }
            conn.execute(
                "UPDATE entries SET owner = ?, lease_until = ?, updated_at = ?, version = version + 1 WHERE key = ?",
                (changes["owner"], changes["lease_until"], changes["updated_at"], key),
            )
        drop_owner(row[_OWNER])
        return entry_of(changed(row, changes))

    def _take_back(self, key: str, version: int, lease: float) -> Entry | None:
        with self._transaction(write=True) as conn:
            row = self._row(conn, key)
            if row is None or not may_take_back(entry_of(row), version):
                return None
            now = self._now()
            changes = {
                "state": "planned",
                "owner": new_owner(),
                "lease_until": format_ts(now + timedelta(seconds=lease)),
                "updated_at": format_ts(now),
                "version": row[_VERSION] + 1,
            }
            conn.execute(
                "UPDATE entries SET state = 'planned', owner = ?, lease_until = ?, updated_at = ?, "
                "version = version + 1 WHERE key = ?",
                (changes["owner"], changes["lease_until"], changes["updated_at"], key),
            )
        return entry_of(changed(row, changes))

    def _renew_lease(self, key: str, owner: str, lease: float) -> Entry:
        with self._transaction(write=True) as conn:
            row = _require_owner(self._row(conn, key), key, owner)
            now = self._now()
            changes = {
                "lease_until": format_ts(now + timedelta(seconds=lease)),
                "updated_at": format_ts(now),
                "version": row[_VERSION] + 1,
            }
            conn.execute(
                "UPDATE entries SET lease_until = ?, updated_at = ?, version = version + 1 WHERE key = ?",
                (changes["lease_until"], changes["updated_at"], key),
            )
        return entry_of(changed(row, changes))

    # --- the submission ---

    def _mark_submitting(self, sending: Sending) -> list[Entry]:
        keys, ids, feed_type, document_hash, sent, amazon_sent, owner = sending
        with self._transaction(write=True) as conn:
            now = format_ts(self._now())
            found = self._rows(conn, keys)
            rows = []
            for key in keys:  # every key is checked before any is written (a raise rolls back anyway)
                row = found.get(key)
                check_submitting_entry(key, _get(row, _STATE), _get(row, _OWNER), owner)
                rows.append(found[key])
            conn.executemany(
                "UPDATE entries SET state = 'submitted', feed_type = ?, document_hash = ?, message_id = ?, "
                "submitted_at = ?, amazon_sent_at = ?, updated_at = ?, lease_until = NULL, "
                "version = version + 1 WHERE key = ?",
                [(feed_type, document_hash, ids.get(key), sent, amazon_sent, now, key) for key in keys],
            )
        entries = []
        for key, row in zip(keys, rows, strict=True):
            changes = {
                "state": "submitted",
                "feed_type": feed_type,
                "document_hash": document_hash,
                "message_id": ids.get(key),
                "submitted_at": sent,
                "amazon_sent_at": amazon_sent,
                "updated_at": now,
                "lease_until": None,
                "version": row[_VERSION] + 1,
            }
            entries.append(entry_of(changed(row, changes)))
        return entries

    def _mark_submitted(self, keys: list[str], feed_id: str) -> list[Entry]:
        with self._transaction(write=True) as conn:
            now = format_ts(self._now())
            found = self._rows(conn, keys)
            rows = []
            for key in keys:
                row = existing(key, found.get(key))
                check_feed_id_entry(key, row[_STATE], row[_FEED_ID], feed_id)
                rows.append(row)
            holders = [key for (key,) in conn.execute("SELECT key FROM entries WHERE feed_id = ?", (feed_id,))]
            check_feed_free(feed_id, sorted(set(holders) - set(keys)))
            conn.executemany(
                "UPDATE entries SET feed_id = ?, updated_at = ?, version = version + 1 WHERE key = ?",
                [(feed_id, now, key) for key in keys],
            )
        return [
            entry_of(changed(row, {"feed_id": feed_id, "updated_at": now, "version": row[_VERSION] + 1}))
            for row in rows
        ]

    def _mark_done(self, key: str, state: FinalState, data: str) -> Entry:
        with self._transaction(write=True) as conn:
            row = existing(key, self._row(conn, key))
            if already_done(key, row[_STATE], state):
                return entry_of(row)
            changes = {
                "state": state,
                "outcome": data,
                "updated_at": format_ts(self._now()),
                "lease_until": None,
                "version": row[_VERSION] + 1,
            }
            conn.execute(
                "UPDATE entries SET state = ?, outcome = ?, updated_at = ?, lease_until = NULL, version = version + 1 "
                "WHERE key = ?",
                (state, data, changes["updated_at"], key),
            )
        return entry_of(changed(row, changes))

    def _release(self, key: str, owner: str | None) -> str | None:
        with self._transaction(write=True) as conn:
            row = self._row(conn, key)
            if row is None:
                return None
            check_release(entry_of(row), owner, self._now())
            conn.execute("DELETE FROM entries WHERE key = ?", (key,))
        released: str | None = row[_OWNER]
        return released
