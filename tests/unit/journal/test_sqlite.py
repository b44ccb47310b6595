"""The SQLite journal beyond the shared contract: the file, its schema and migration, driver errors, processes.

The behaviour every backend shares is in ``test_contract.py``; Redis-only matters are in ``test_redis.py``.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from journal_support import FEED, plan

from sp_cancel.clock import FakeClock
from sp_cancel.errors import InvalidInputError
from sp_cancel.journal import (
    Entry,
    Journal,
    JournalError,
    JournalUnavailableError,
    LeaseLostError,
    default_journal_path,
    holder,
)

# The schema sp_cancel wrote before issue 17 (user_version 1), as a file of that time holds it.
V1_SCHEMA = """
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


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock for timestamps and leases."""
    return FakeClock()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """Where this test's journal file lives."""
    return tmp_path / "journal.sqlite3"


def columns(path: Path) -> list[str]:
    """The entries table's columns, in order, as the file holds them."""
    with sqlite3.connect(path) as conn:
        names = [row[1] for row in conn.execute("PRAGMA table_info(entries)")]
    conn.close()
    return names


def user_version(path: Path) -> int:
    """The file's schema version."""
    with sqlite3.connect(path) as conn:
        version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    return version


# --- the file --------------------------------------------------------------------------------------


def test_memory_journal_and_close(clock: FakeClock) -> None:
    """':memory:' works and is shared by threads; a closed journal refuses use."""
    journal = Journal(":memory:", clock=clock)
    plan(journal)
    seen: list[Entry | None] = []
    thread = threading.Thread(target=lambda: seen.append(journal.get("k1")))
    thread.start()
    thread.join()
    assert seen[0] is not None
    assert journal.path == ":memory:"
    assert "memory" in repr(journal)
    journal.close()
    with pytest.raises(JournalError, match="closed"):
        journal.get("k1")


def test_default_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no path the journal lives in the user state dir (created if missing)."""
    monkeypatch.setattr("platformdirs.user_state_dir", lambda app: str(tmp_path / "state" / app))
    assert default_journal_path() == tmp_path / "state" / "sp-cancel" / "journal.sqlite3"
    with Journal() as journal:
        plan(journal)
    assert default_journal_path().is_file()


def test_newer_schema_refused(path: Path) -> None:
    """A file written by a newer schema version is refused rather than misread."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(JournalError, match="newer"):
        Journal(path)


def test_wal_mode(path: Path) -> None:
    """File journals use WAL so readers never block the writer."""
    journal = Journal(path)
    assert journal._conn is not None
    assert journal._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    journal.close()


def test_a_new_file_has_schema_2(path: Path) -> None:
    """A new file is created at the current schema, with the version and Amazon-clock columns."""
    Journal(path).close()
    assert user_version(path) == 2
    assert columns(path)[-2:] == ["amazon_sent_at", "version"]


def test_timestamps_are_stored_byte_for_byte_as_before(path: Path, clock: FakeClock) -> None:
    """The fixed-width text format is unchanged (old files still sort and read), microseconds included."""
    clock.advance(0.000123)
    with Journal(path, clock=clock) as journal:
        entry = plan(journal)
    with sqlite3.connect(path) as conn:
        stored = conn.execute("SELECT created_at, lease_until FROM entries").fetchone()
    conn.close()
    assert stored == ("2026-11-26T12:00:00.000123Z", "2026-11-26T12:05:00.000123Z")
    assert entry.created_at == datetime(2026, 11, 26, 12, 0, 0, 123, tzinfo=UTC)
    assert entry.created_at.tzinfo is UTC


# --- schema 1 -> 2 ---------------------------------------------------------------------------------


def write_v1_file(path: Path) -> dict[str, str]:
    """A journal file exactly as sp_cancel wrote it before issue 17: one entry in each state; their owners."""
    owners = {key: uuid.uuid4().hex for key in ("planned", "uncertain", "sent", "done")}
    rows = [
        ("planned", "planned", None, None, "2026-11-26T11:00:00.000000Z", "2026-11-26T11:05:00.000000Z"),
        ("uncertain", "submitted", None, "2026-11-26T11:01:00.000000Z", "2026-11-26T11:01:00.000000Z", None),
        ("sent", "submitted", "F1", "2026-11-26T11:02:00.000000Z", "2026-11-26T11:02:30.000000Z", None),
        ("done", "done", "F0", "2026-11-26T10:00:00.000000Z", "2026-11-26T10:30:00.000000Z", None),
    ]
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = WAL")  # as sp_cancel always opened its file
        conn.executescript(V1_SCHEMA)
        conn.execute("PRAGMA user_version = 1")
        for n, (key, state, feed_id, submitted_at, updated_at, lease_until) in enumerate(rows):
            conn.execute(
                "INSERT INTO entries (key, kind, target, state, payload, feed_id, feed_type, document_hash, "
                "message_id, created_at, updated_at, submitted_at, outcome, owner, lease_until) "
                "VALUES (?, 'cancel', '112-1234567-1234567', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    state,
                    '{"n": %d}' % n,  # noqa: UP031 - JSON text, as stored
                    feed_id,
                    None if submitted_at is None else FEED,
                    None if submitted_at is None else "ab" * 32,
                    None if submitted_at is None else 1,
                    f"2026-11-26T1{n}:00:00.000000Z" if key != "done" else "2026-11-26T09:00:00.000000Z",
                    updated_at,
                    submitted_at,
                    '{"status": "APPLIED"}' if state == "done" else None,
                    owners[key],
                    lease_until,
                ),
            )
    conn.close()
    return owners


def test_a_v1_file_is_migrated_in_place_and_reads_back(path: Path) -> None:
    """Issue 17: a schema-1 file gains the new columns when opened, and every entry reads back as it was."""
    owners = write_v1_file(path)
    clock = FakeClock(start=datetime(2026, 11, 26, 11, 2, tzinfo=UTC))
    with Journal(path, clock=clock) as journal:
        assert user_version(path) == 2
        assert columns(path)[-2:] == ["amazon_sent_at", "version"]
        entries = {key: journal.get(key) for key in owners}
        for key, entry in entries.items():
            assert entry is not None
            assert (entry.key, entry.owner, entry.version, entry.amazon_sent_at) == (key, owners[key], 0, None)
            assert holder(entry.owner).state == "unknown"  # an old token names no process
        planned, uncertain_, sent, done = (entries[k] for k in ("planned", "uncertain", "sent", "done"))
        assert planned is not None
        assert planned.lease_until == datetime(2026, 11, 26, 11, 5, tzinfo=UTC)
        assert uncertain_ is not None
        assert uncertain_.send_uncertain
        assert uncertain_.submitted_at == datetime(2026, 11, 26, 11, 1, tzinfo=UTC)
        assert sent is not None
        assert sent.feed_id == "F1"
        assert done is not None
        assert done.outcome == {"status": "APPLIED"}
        assert [e.key for e in journal.unfinished()] == ["planned", "uncertain", "sent"]  # still sorts by time
        assert journal.known_feed_ids(FEED, datetime(2026, 11, 26, 11, 2, tzinfo=UTC)) == {"F1"}
        # Old entries take part in the new rules: versions count on from 0, releases keep what was sent.
        with pytest.raises(JournalError, match="may have been sent"):
            journal.release("uncertain")
        taken = journal.take_back("uncertain", version=0)
        assert taken is not None
        assert taken.version == 1
        with pytest.raises(LeaseLostError):
            journal.release("planned")  # an old plan with a live lease: still its owner's
        journal.release("planned", owner=owners["planned"])


def test_a_v1_file_opened_by_two_processes_at_once_is_migrated_once(path: Path) -> None:
    """Two openers that both saw schema 1 migrate it once: the second re-reads the version under the lock."""
    write_v1_file(path)
    both_saw_v1 = threading.Barrier(2)

    class MeetBeforeMigrating(sqlite3.Connection):
        """A connection that waits for the other opener before its first BEGIN IMMEDIATE (the migration's)."""

        met = False

        def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
            """Run ``sql``; the first BEGIN IMMEDIATE first meets the other opener."""
            if sql == "BEGIN IMMEDIATE" and not self.met:
                self.met = True
                both_saw_v1.wait(timeout=30)
            return super().execute(sql, *args)

    def connect(database: str, **kwargs: Any) -> sqlite3.Connection:
        return sqlite3.connect(database, factory=MeetBeforeMigrating, **kwargs)

    opened: list[Journal] = []
    errors: list[BaseException] = []

    def open_journal() -> None:
        try:
            opened.append(Journal(path, connect=connect))
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_journal) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(opened) == 2
    assert user_version(path) == 2
    assert [e.key for e in opened[1].unfinished()] == ["planned", "uncertain", "sent"]
    for journal in opened:
        journal.close()


# --- driver errors ---------------------------------------------------------------------------------


def test_a_garbage_file_is_not_a_database(path: Path) -> None:
    """Issue 17: a file replaced by garbage raises JournalUnavailableError (not transient), from sqlite3's error."""
    Journal(path).close()
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    path.write_bytes(b"this is not a journal " * 512)
    with pytest.raises(JournalUnavailableError) as raised:
        Journal(path)
    error = raised.value
    assert (error.backend, error.transient) == ("sqlite", False)
    assert isinstance(error.__cause__, sqlite3.DatabaseError)
    assert "not an SQLite database" in str(error)
    assert str(path) in str(error)


def test_a_corrupt_page_fails_every_call(path: Path, clock: FakeClock) -> None:
    """A damaged page under an open journal: reads and writes raise JournalUnavailableError (not transient)."""
    with Journal(path, clock=clock) as journal:
        for n in range(40):
            plan(journal, f"k{n}")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with path.open("r+b") as file:
        file.seek(page)  # page 2: the table's first page
        file.write(b"\xff" * page)
    journal = Journal(path, clock=clock)
    for call in (lambda: journal.get("k3"), journal.unfinished, lambda: plan(journal, "new")):
        with pytest.raises(JournalUnavailableError, match="damaged") as raised:
            call()
        assert not raised.value.transient
        assert isinstance(raised.value.__cause__, sqlite3.DatabaseError)
    journal.close()


def test_a_read_only_file(path: Path, clock: FakeClock) -> None:
    """A file this process may not write: reads work, writes raise JournalUnavailableError (not transient)."""
    with Journal(path, clock=clock) as journal:
        entry = plan(journal)

    def read_only(database: str, **kwargs: Any) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{database}?mode=ro", uri=True, **kwargs)

    with Journal(path, clock=clock, connect=read_only) as journal:
        assert journal.get("k1") == entry
        for write in (lambda: plan(journal, "k2"), lambda: journal.release("k1", owner=entry.owner)):
            with pytest.raises(JournalUnavailableError, match="read-only") as raised:
                write()
            assert not raised.value.transient
            assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
        assert journal.get("k1") == entry


def test_a_full_disk_changes_nothing_and_leaves_the_journal_usable(path: Path, clock: FakeClock) -> None:
    """SQLITE_FULL (the file may not grow): not transient, nothing written, no transaction or lock left behind."""
    Journal(path).close()

    def capped(database: str, **kwargs: Any) -> sqlite3.Connection:
        conn = sqlite3.connect(database, **kwargs)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 1}")  # the file may grow by one page, no more
        return conn

    journal = Journal(path, clock=clock, connect=capped)
    stored: list[str] = []

    def fill() -> None:
        for n in range(200):
            journal.plan(f"k{n}", kind="refund", target="t", payload={"note": "x" * 400})
            stored.append(f"k{n}")

    with pytest.raises(JournalUnavailableError, match="full") as raised:
        fill()
    assert raised.value.transient is False
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
    assert stored  # some fitted before the file was full
    assert [e.key for e in journal.unfinished()] == stored  # the refused one left nothing
    assert journal._conn is not None
    assert not journal._conn.in_transaction
    with Journal(path, clock=clock, busy_timeout=0) as other:  # nobody holds the write lock
        other.mark_done(stored[0], state="done", outcome={})
    journal.close()


def test_locked_past_the_busy_timeout_is_transient_and_strands_no_lease(path: Path, clock: FakeClock) -> None:
    """Issue 17: a write refused because another connection holds the file fails fast, typed, and changes nothing.

    The plan's owner can then release it (or its own process take it over at once), so a repeat never
    waits out a 300 s lease.
    """
    journal = Journal(path, clock=clock, busy_timeout=0.05)
    entry = plan(journal)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(JournalUnavailableError, match="busy_timeout") as raised:
            journal.mark_submitting(["k1"], feed_type=FEED, document_hash="h", sent_at=clock.now(), owner=entry.owner)
        assert raised.value.transient
        assert raised.value.backend == "sqlite"
        assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
        assert journal.get("k1") == entry  # reads still work in WAL mode; nothing was written
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert journal.take_over("k1", stale_owner=entry.owner) is not None  # this process's own stale lease: at once
    journal.close()


class CommitFailsOnce(sqlite3.Connection):
    """A connection whose first COMMIT fails as SQLite's does without the lock (its transaction stays open)."""

    failed = False

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        """Run ``sql``, except the first COMMIT: that raises the driver's "database is locked"."""
        if sql == "COMMIT" and not CommitFailsOnce.failed:
            CommitFailsOnce.failed = True
            raise sqlite3.OperationalError("database is locked")
        return super().execute(sql, *args)


def test_a_failed_commit_is_rolled_back_and_releases_the_file(path: Path, clock: FakeClock) -> None:
    """A COMMIT that fails leaves neither the change nor an open transaction holding every other process's lock."""
    Journal(path).close()
    CommitFailsOnce.failed = False

    def connect(database: str, **kwargs: Any) -> sqlite3.Connection:
        return sqlite3.connect(database, factory=CommitFailsOnce, **kwargs)

    journal = Journal(path, clock=clock, connect=connect)
    with pytest.raises(JournalUnavailableError) as raised:
        plan(journal)
    assert raised.value.transient
    assert journal.get("k1") is None
    with Journal(path, clock=clock, busy_timeout=0) as other:  # would be "database is locked" with the lock held
        assert plan(other).key == "k1"
    other_plan = journal.get("k1")
    assert other_plan is not None
    journal.release("k1", owner=other_plan.owner)  # the first connection writes again: its transaction is gone
    assert plan(journal).version == 1
    journal.close()


class CommitAndRollbackFailOnce(sqlite3.Connection):
    """A connection whose first COMMIT fails, and whose ROLLBACK after it fails too (a disk I/O error)."""

    failed: ClassVar[set[str]] = set()

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        """Run ``sql``, except the first COMMIT and the first ROLLBACK: those raise the driver's errors."""
        faults = {"COMMIT": "database is locked", "ROLLBACK": "disk I/O error"}
        if sql in faults and sql not in CommitAndRollbackFailOnce.failed:
            CommitAndRollbackFailOnce.failed.add(sql)
            raise sqlite3.OperationalError(faults[sql])
        return super().execute(sql, *args)


def test_a_transaction_a_failed_rollback_left_open_is_dropped(path: Path, clock: FakeClock) -> None:
    """When even ROLLBACK fails, the first error is reported and the next call opens a fresh connection.

    The open transaction would otherwise hold the file's write lock against every process, and every later
    call on this journal would fail with "cannot start a transaction within a transaction".
    """
    Journal(path).close()
    CommitAndRollbackFailOnce.failed = set()

    def connect(database: str, **kwargs: Any) -> sqlite3.Connection:
        return sqlite3.connect(database, factory=CommitAndRollbackFailOnce, **kwargs)

    journal = Journal(path, clock=clock, connect=connect)
    with pytest.raises(JournalUnavailableError, match="locked") as raised:
        plan(journal)
    assert raised.value.transient  # the COMMIT's error, not the ROLLBACK's
    assert plan(journal, "k2").version == 1  # a fresh connection: the stranded transaction is gone
    with Journal(path, clock=clock, busy_timeout=0) as other:
        assert other.get("k1") is None  # never committed
        assert plan(other, "k3").key == "k3"  # and no lock left behind
    journal.close()


def test_bad_busy_timeout_refused(path: Path) -> None:
    """A negative busy timeout is refused before anything opens."""
    with pytest.raises(InvalidInputError):
        Journal(path, busy_timeout=-1)
    assert not path.exists()


def test_a_directory_that_cannot_be_created(tmp_path: Path) -> None:
    """A path under a file cannot get its directory: JournalUnavailableError saying what to do."""
    (tmp_path / "file").write_text("x")
    with pytest.raises(JournalUnavailableError, match="directory") as raised:
        Journal(tmp_path / "file" / "journal.sqlite3")
    assert not raised.value.transient


# --- processes sharing one file --------------------------------------------------------------------


def _process_plan(path: str, barrier: Any, queue: Any) -> None:
    """Child process: race to plan, send if the winner, otherwise wait for the winner."""
    journal = Journal(path)
    barrier.wait()
    entry, created = journal.plan("refund-1", kind="refund", target="t", payload={}, lease_seconds=30)
    if created:
        assert entry.owner is not None
        journal.mark_submitting(
            ["refund-1"], feed_type=FEED, document_hash="h", sent_at=entry.created_at, owner=entry.owner
        )
        journal.mark_submitted(["refund-1"], feed_id="F1")
        journal.mark_done("refund-1", state="done", outcome={"sent_by": multiprocessing.current_process().name})
        queue.put(("sent", "done"))
    else:
        final = journal.wait_for_change("refund-1", timeout=20, poll=0.01)
        queue.put(("waited", None if final is None else final.state))
    journal.close()


def _process_take_over(path: str, barrier: Any, queue: Any) -> None:
    """Child process: see the abandoned plan, wait until every contender has seen it, then try to take it over.

    The second barrier is what makes this deterministic: all three contenders look before any of them
    takes over, so the race is only the one under test: ``take_over`` itself.
    """
    journal = Journal(path)
    barrier.wait()
    entry = journal.wait_for_change("refund-1", timeout=5, poll=0.01)  # returns at once: the lease expired long ago
    barrier.wait()  # every contender has seen the abandoned plan; nobody has taken it yet
    taken = journal.take_over("refund-1") if entry is not None and entry.state == "planned" else None
    queue.put(taken is not None)
    journal.close()


def _process_take_back(path: str, barrier: Any, queue: Any) -> None:
    """Child process (a resumer): read the uncertain entry, wait for the other resumer, then take it back."""
    journal = Journal(path)
    entry = journal.get("cancel-1")
    assert entry is not None
    assert entry.send_uncertain
    barrier.wait()  # both resumers read the same version; neither has written
    taken = journal.take_back("cancel-1", version=entry.version)
    queue.put(None if taken is None else taken.owner)
    journal.close()


def _process_plan_and_die(path: str, barrier: Any, queue: Any) -> None:
    """Child process: plan with a long lease and exit without sending or releasing (a crash)."""
    del barrier
    journal = Journal(path)
    entry, created = journal.plan("refund-1", kind="refund", target="t", payload={}, lease_seconds=3600)
    queue.put((created, entry.owner))
    journal.close()


def _run_processes(target: Any, path: Path, count: int) -> list[Any]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(count)
    queue = context.Queue()
    processes = [context.Process(target=target, args=(str(path), barrier, queue)) for _ in range(count)]
    for p in processes:
        p.start()
    results = [queue.get(timeout=60) for _ in processes]
    for p in processes:
        p.join(timeout=30)
        assert p.exitcode == 0
    queue.close()
    queue.join_thread()
    return results


def test_processes_send_one_refund(path: Path) -> None:
    """Two processes with the same key and file: exactly one sends, the other sees it sent."""
    Journal(path).close()  # create the schema once, as a real deployment would
    results = _run_processes(_process_plan, path, 2)
    assert sorted(r[0] for r in results) == ["sent", "waited"]
    assert all(state in {"submitted", "done"} for _, state in results)
    with Journal(path) as journal:
        entry = journal.get("refund-1")
        assert entry is not None
        assert entry.state == "done"


def test_processes_take_over_abandoned_plan(path: Path) -> None:
    """A plan whose owner died is taken over by exactly one of three processes once its lease expires."""
    # Planned an hour ago (an injected clock) with a 30 s lease: abandoned for certain when the children
    # look, however long they take to start, and no real-time wait decides anything.
    planned_at = FakeClock(start=datetime.now(UTC) - timedelta(hours=1))
    with Journal(path, clock=planned_at) as journal:
        journal.plan("refund-1", kind="refund", target="t", payload={}, lease_seconds=30)
    results = _run_processes(_process_take_over, path, 3)
    assert sorted(results) == [False, False, True]


def test_two_resumer_processes_race_take_back_one_wins(path: Path, clock: FakeClock) -> None:
    """Issue 17: two processes resuming the same uncertain send: exactly one gets it back to send again."""
    with Journal(path, clock=clock) as journal:
        entry, _ = journal.plan("cancel-1", kind="cancel", target="112-1234567-1234567", payload={})
        journal.mark_submitting(["cancel-1"], feed_type=FEED, document_hash="h", sent_at=clock.now(), owner=entry.owner)
    results = _run_processes(_process_take_back, path, 2)
    winners = [owner for owner in results if owner is not None]
    assert len(winners) == 1
    with Journal(path) as journal:
        current = journal.get("cancel-1")
        assert current is not None
        assert (current.state, current.owner, current.version) == ("planned", winners[0], 3)
        assert holder(current.owner).state == "dead"  # the winner has exited since


def test_a_plan_of_a_process_that_died_is_taken_over_at_once(path: Path) -> None:
    """Issue 17: a real process plans with a one-hour lease and exits; the next one takes the plan over at once."""
    Journal(path).close()
    ((created, owner),) = _run_processes(_process_plan_and_die, path, 1)
    assert created
    with Journal(path) as journal:
        entry = journal.get("refund-1")
        assert entry is not None
        assert entry.owner == owner
        assert holder(owner).state == "dead"
        assert not entry.lease_expired(datetime.now(UTC))
        assert journal.take_over("refund-1") is None  # its lease is live: no taking without naming the dead holder
        taken = journal.take_over("refund-1", stale_owner=owner)
        assert taken is not None
        assert holder(taken.owner).state == "this_process"
