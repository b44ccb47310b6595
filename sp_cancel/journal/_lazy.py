"""The SQLite journal a client opens itself, on its first write (``LazyJournal``).

A command that only reads (orders, the rate, deals) must leave no file behind: until something is
written, the reads of a journal file that does not exist answer "nothing journaled" without creating it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sp_cancel.clock import Clock, Sleep
from sp_cancel.journal._entry import DEFAULT_LEASE_SECONDS, Entry, FinalState
from sp_cancel.journal._sqlite import Journal, default_journal_path

__all__ = ["LazyJournal"]


class LazyJournal:
    """A ``Journal`` on ``path`` (default: ``default_journal_path()``), opened on the first write.

    Reads before that answer from the file when it exists and "nothing journaled" when it does not.
    It implements ``JournalLike`` by delegating every method to the opened ``Journal``.
    """

    def __init__(self, path: str | os.PathLike[str] | None, *, clock: Clock) -> None:
        """Remember where the journal lives; open nothing yet."""
        self._path = path
        self._clock = clock
        self._journal: Journal | None = None
        self._lock = threading.Lock()

    @property
    def path(self) -> str:
        """The database file (or ``":memory:"``)."""
        return str(self._path if self._path is not None else default_journal_path())

    def _absent(self) -> bool:
        """Nothing was written yet and no file exists: reads find nothing."""
        return self._journal is None and self.path != ":memory:" and not Path(self.path).exists()

    def open(self) -> Journal:
        """The journal, opened (and its file created) now if it was not yet."""
        with self._lock:
            if self._journal is None:
                self._journal = Journal(self._path, clock=self._clock)
            return self._journal

    def close(self) -> None:
        """Close the journal if it was opened."""
        if self._journal is not None:
            self._journal.close()

    # --- reads: nothing journaled while no file exists ---

    def get(self, key: str) -> Entry | None:
        """The entry for ``key``, or ``None``."""
        return None if self._absent() else self.open().get(key)

    def find(self, kind: str, target: str) -> list[Entry]:
        """Entries of ``kind`` for ``target``, newest first."""
        return [] if self._absent() else self.open().find(kind, target)

    def unfinished(self) -> list[Entry]:
        """Planned and submitted entries, oldest first."""
        return [] if self._absent() else self.open().unfinished()

    def by_feed(self, feed_id: str) -> list[Entry]:
        """Entries sent in feed ``feed_id``, by message id."""
        return [] if self._absent() else self.open().by_feed(feed_id)

    def known_feed_ids(self, feed_type: str, since: datetime) -> set[str]:
        """Feed ids of ``feed_type`` this journal sent since ``since``."""
        return set() if self._absent() else self.open().known_feed_ids(feed_type, since)

    def wait_for_change(
        self, key: str, *, timeout: float = DEFAULT_LEASE_SECONDS + 30, poll: float = 1.0, sleep: Sleep | None = None
    ) -> Entry | None:
        """See ``Journal.wait_for_change``."""
        return self.open().wait_for_change(key, timeout=timeout, poll=poll, sleep=sleep)

    # --- writes: open the journal first ---

    def plan(
        self,
        key: str,
        *,
        kind: str,
        target: str,
        payload: Mapping[str, Any],
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> tuple[Entry, bool]:
        """See ``Journal.plan``."""
        return self.open().plan(key, kind=kind, target=target, payload=payload, lease_seconds=lease_seconds)

    def take_over(
        self, key: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS, stale_owner: str | None = None
    ) -> Entry | None:
        """See ``Journal.take_over``."""
        return self.open().take_over(key, lease_seconds=lease_seconds, stale_owner=stale_owner)

    def take_back(self, key: str, *, version: int, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry | None:
        """See ``Journal.take_back``."""
        return self.open().take_back(key, version=version, lease_seconds=lease_seconds)

    def renew_lease(self, key: str, *, owner: str, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry:
        """See ``Journal.renew_lease``."""
        return self.open().renew_lease(key, owner=owner, lease_seconds=lease_seconds)

    def mark_submitting(
        self,
        keys: Sequence[str],
        *,
        feed_type: str | None,
        document_hash: str | None,
        message_ids: Mapping[str, int] | None = None,
        sent_at: datetime,
        amazon_sent_at: datetime | None = None,
        owner: str | None = None,
    ) -> list[Entry]:
        """See ``Journal.mark_submitting``."""
        return self.open().mark_submitting(
            keys,
            feed_type=feed_type,
            document_hash=document_hash,
            message_ids=message_ids,
            sent_at=sent_at,
            amazon_sent_at=amazon_sent_at,
            owner=owner,
        )

    def mark_submitted(self, keys: Sequence[str], *, feed_id: str) -> list[Entry]:
        """See ``Journal.mark_submitted``."""
        return self.open().mark_submitted(keys, feed_id=feed_id)

    def mark_done(self, key: str, *, state: FinalState, outcome: Mapping[str, Any]) -> Entry:
        """See ``Journal.mark_done``."""
        return self.open().mark_done(key, state=state, outcome=outcome)

    def release(self, key: str, *, owner: str | None = None) -> None:
        """See ``Journal.release``."""
        self.open().release(key, owner=owner)

    def __repr__(self) -> str:
        return f"LazyJournal({self.path!r}, opened={self._journal is not None})"
