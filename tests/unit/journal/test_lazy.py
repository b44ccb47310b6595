"""LazyJournal (sp_cancel/journal/_lazy.py): a command that only reads leaves no journal file behind."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from sp_cancel.clock import FakeClock
from sp_cancel.journal import Journal, JournalError, JournalLike
from sp_cancel.journal._lazy import LazyJournal


def test_reads_of_a_missing_file_find_nothing_and_create_nothing(tmp_path: Path) -> None:
    """Every read answers "nothing journaled" and the file is still absent afterwards."""
    path = tmp_path / "sub" / "journal.sqlite3"
    clock = FakeClock()
    lazy = LazyJournal(path, clock=clock)
    assert isinstance(lazy, JournalLike)
    assert lazy.get("k") is None
    assert lazy.find("cancel", "111-1") == []
    assert lazy.unfinished() == []
    assert lazy.by_feed("F1") == []
    assert lazy.known_feed_ids("POST_ORDER_ACKNOWLEDGEMENT_DATA", clock.now() - timedelta(days=1)) == set()
    assert not path.exists()
    assert "opened=False" in repr(lazy)
    lazy.close()  # closing what was never opened is fine
    assert not path.exists()


def test_the_first_write_creates_the_file_and_later_reads_see_it(tmp_path: Path) -> None:
    """Plan opens (and creates) the journal; reads then go to it; another Journal on the file sees the entry."""
    path = tmp_path / "journal.sqlite3"
    lazy = LazyJournal(path, clock=FakeClock())
    entry, created = lazy.plan("k", kind="cancel", target="111-1", payload={"a": 1})
    assert created
    assert path.exists()
    assert lazy.get("k") == entry
    assert [e.key for e in lazy.unfinished()] == ["k"]
    lazy.close()
    with Journal(path) as again:
        stored = again.get("k")
        assert stored is not None
        assert stored.payload == {"a": 1}


def test_an_existing_file_is_read_without_a_write(tmp_path: Path) -> None:
    """A journal written by an earlier process is read as it is."""
    path = tmp_path / "journal.sqlite3"
    with Journal(path) as earlier:
        earlier.plan("k", kind="cancel", target="111-1", payload={})
    lazy = LazyJournal(path, clock=FakeClock())
    assert [e.key for e in lazy.find("cancel", "111-1")] == ["k"]
    lazy.close()


def test_memory_journal_is_opened_on_first_use() -> None:
    """An in-memory journal has no file to look for: reads open it (and find nothing)."""
    lazy = LazyJournal(":memory:", clock=FakeClock())
    assert lazy.path == ":memory:"
    assert lazy.get("k") is None
    assert "opened=True" in repr(lazy)
    lazy.close()


def test_waiting_on_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    """wait_for_change is a read: with no file it finds the entry gone at once, and leaves no file."""
    path = tmp_path / "journal.sqlite3"
    lazy = LazyJournal(path, clock=FakeClock())
    assert lazy.wait_for_change("k", timeout=0) is None
    assert not path.exists()
    lazy.close()


def test_open_returns_the_journal_itself_and_close_is_final(tmp_path: Path) -> None:
    """open() creates the file and returns this journal; once closed, it is not opened again."""
    path = tmp_path / "journal.sqlite3"
    lazy = LazyJournal(path, clock=FakeClock())
    assert lazy.open() is lazy
    assert path.exists()
    assert "opened=True" in repr(lazy)
    lazy.close()
    with pytest.raises(JournalError, match="closed"):
        lazy.plan("k", kind="cancel", target="111-1", payload={})
