"""The SQLite plumbing under :class:`sp_cancel.journal.Journal`: the connection, transactions and queries.

:class:`JournalStore` opens (and creates or upgrades) the database file, runs transactions, and
answers the read-only questions; :class:`~sp_cancel.journal.Journal` adds the state changes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Final

import platformdirs

from sp_cancel._journal_entry import Entry, JournalBase, JournalError
from sp_cancel._journal_schema import _BUSY_TIMEOUT_MS, _COLUMNS, _SCHEMA, _SCHEMA_VERSION, _entry, _ts
from sp_cancel.clock import Clock, SystemClock

__all__ = ["JournalStore", "default_journal_path"]

_UNFINISHED: Final = ("planned", "submitted")


def default_journal_path() -> Path:
    """Where the journal lives by default: ``<user state dir>/sp-cancel/journal.sqlite3``."""
    return Path(platformdirs.user_state_dir("sp-cancel")) / "journal.sqlite3"


class JournalStore(JournalBase):
    """The SQLite connection of a :class:`~sp_cancel.journal.Journal`, and its read-only queries.

    See :class:`~sp_cancel.journal.Journal` for the arguments and the locking.
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

    # --- helpers ---

    @staticmethod
    def _row(conn: sqlite3.Connection, key: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = conn.execute(f"SELECT {_COLUMNS} FROM entries WHERE key = ?", (key,)).fetchone()  # noqa: S608 - constant column list
        return row

    def _select(self, where: str, params: Iterable[object], order: str) -> list[Entry]:
        with self._transaction(write=False) as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM entries WHERE {where} ORDER BY {order}", tuple(params))  # noqa: S608 - internal constants
            return [_entry(row) for row in rows]

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
