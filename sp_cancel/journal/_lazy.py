"""The SQLite journal a client opens itself, on its first write (``LazyJournal``).

A command that only reads (orders, the rate, deals) must leave no file behind: until something is
written, the reads of a journal file that does not exist answer "nothing journaled" without creating it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from sp_cancel.clock import Clock
from sp_cancel.journal._schema import BUSY_TIMEOUT
from sp_cancel.journal._sqlite import Journal

__all__ = ["LazyJournal"]


class LazyJournal(Journal):
    """A ``Journal`` on ``path`` (default: ``default_journal_path()``) whose file is opened on first use.

    Until then, reads answer from the file when it exists and "nothing journaled" when it does not
    (an in-memory journal has no file to look for: its first read opens it); the first write opens
    the file, creating it. Everything else is ``Journal``'s.
    """

    def __init__(self, path: str | os.PathLike[str] | None, *, clock: Clock) -> None:
        """Remember where the journal lives; open nothing yet."""
        self._configure(path, clock, BUSY_TIMEOUT, None)
        self._opened = False

    def _absent(self) -> bool:
        """Nothing was opened yet and no file exists: reads find nothing."""
        return not self._opened and not self._memory and not Path(self._path).exists()

    def open(self) -> Journal:
        """This journal, opened (and its file created) now if it was not yet."""
        with self._lock, self._driver_errors():
            self._connection()
        return self

    def _connection(self) -> sqlite3.Connection:
        if not self._opened:  # the first use (always under self._lock)
            self._pid = os.getpid()
            self._conn = self._open_file()
            self._opened = True
        return super()._connection()

    def _fetch(self, sql: str, params: tuple[object, ...]) -> list[Any]:
        return [] if self._absent() else super()._fetch(sql, params)

    def __repr__(self) -> str:
        return f"LazyJournal({self._path!r}, opened={self._opened})"
