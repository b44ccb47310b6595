"""The idempotency journal: states, leases, recovery, and races between threads and processes.

The behavioural tests take the ``journal`` / ``journal_factory`` fixtures and run against every backend:
the SQLite :class:`Journal`, :class:`RedisJournal` on fakeredis, and :class:`RedisJournal` on the Redis
server at ``REDIS_URL`` (marked ``redis``; skipped when none answers). SQLite-only matters (files, WAL,
schema versions, processes sharing a file) take ``tmp_path`` directly. Redis-only matters are in
``test_journal_redis.py``.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sp_cancel.clock import FakeClock
from sp_cancel.errors import InvalidInputError
from sp_cancel.journal import (
    Entry,
    FeedTakenError,
    Journal,
    JournalError,
    JournalLike,
    JournalWaitTimeoutError,
    LeaseLostError,
    RedisJournal,
    default_journal_path,
)
from sp_cancel.models import AdjustmentReason

FEED = "POST_PAYMENT_ADJUSTMENT_DATA"
PAYLOAD = {"order_id": "112-1234567-1234567", "items": [{"order_item_id": "12345678901234", "principal": "5.00"}]}


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock for timestamps and leases."""
    return FakeClock()


AnyJournal = Journal | RedisJournal
JournalFactory = Callable[..., AnyJournal]


def _backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[JournalFactory, Callable[[], None]]:
    """How to open a journal on the store of ``request.param``, and how to empty that store afterwards."""
    if request.param == "sqlite":
        return (lambda clock: Journal(tmp_path / "journal.sqlite3", clock=clock)), lambda: None
    if request.param == "fakeredis":
        fakeredis = pytest.importorskip("fakeredis")
        server = fakeredis.FakeServer()
        return (lambda clock: RedisJournal(client=fakeredis.FakeRedis(server=server), clock=clock)), lambda: None
    url = request.getfixturevalue("real_redis_url")
    prefix = f"sp_cancel:test:{uuid.uuid4().hex}:"

    def cleanup() -> None:
        import redis  # noqa: PLC0415 - only with a real server

        with redis.Redis.from_url(url) as client:
            for name in client.scan_iter(match=f"{prefix}*"):
                client.delete(name)

    return (lambda clock: RedisJournal(url, clock=clock, prefix=prefix)), cleanup


@pytest.fixture(params=["sqlite", "fakeredis", pytest.param("redis", marks=pytest.mark.redis)])
def journal_factory(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[JournalFactory]:
    """Opens journals (as separate workers would) on one store: a SQLite file, a fakeredis server, or real Redis."""
    make, cleanup = _backend(request, tmp_path)
    opened: list[AnyJournal] = []

    def factory(journal_clock: FakeClock | None = clock) -> AnyJournal:
        journal = make(journal_clock)
        opened.append(journal)
        return journal

    yield factory
    for journal in opened:
        journal.close()
    cleanup()


@pytest.fixture
def journal(journal_factory: JournalFactory) -> AnyJournal:
    """A journal of the backend under test, on an empty store."""
    return journal_factory()


def plan(journal: AnyJournal, key: str = "k1", **kwargs: Any) -> Entry:
    """Plan ``key`` as a refund and return the created entry."""
    entry, created = journal.plan(key, kind="refund", target="112-1234567-1234567", payload=PAYLOAD, **kwargs)
    assert created
    return entry


def test_journal_is_journal_like(journal: AnyJournal) -> None:
    """Every backend satisfies the JournalLike protocol."""
    assert isinstance(journal, JournalLike)


def test_plan_inserts_once(journal: AnyJournal, clock: FakeClock) -> None:
    """The first plan creates the entry with a lease; later plans get the existing entry."""
    entry = plan(journal)
    assert entry.state == "planned"
    assert entry.payload == PAYLOAD
    assert entry.created_at == clock.now()
    assert entry.owner
    assert entry.lease_until == clock.now() + timedelta(seconds=300)
    again, created = journal.plan("k1", kind="refund", target="other", payload={})
    assert not created
    assert again == entry


def test_full_lifecycle(journal: AnyJournal, clock: FakeClock) -> None:
    """Planned -> submitted (no feed id) -> submitted (feed id) -> done, with every field recorded."""
    entry = plan(journal)
    clock.advance(5)
    (submitting,) = journal.mark_submitting(
        ["k1"], feed_type=FEED, document_hash="ab" * 32, message_ids={"k1": 7}, sent_at=clock.now(), owner=entry.owner
    )
    assert submitting.state == "submitted"
    assert submitting.send_uncertain
    assert (submitting.feed_type, submitting.document_hash, submitting.message_id) == (FEED, "ab" * 32, 7)
    assert submitting.submitted_at == clock.now()
    assert submitting.lease_until is None
    (submitted,) = journal.mark_submitted(["k1"], feed_id="F1")
    assert submitted.feed_id == "F1"
    assert not submitted.send_uncertain
    assert journal.by_feed("F1") == [submitted]
    assert journal.unfinished() == [submitted]
    clock.advance(60)
    done = journal.mark_done("k1", state="done", outcome={"status": "APPLIED"})
    assert done.finished
    assert done.outcome == {"status": "APPLIED"}
    assert done.updated_at == clock.now()
    assert journal.unfinished() == []
    assert journal.get("k1") == done


def test_mark_submitting_is_all_or_nothing(journal: AnyJournal, clock: FakeClock) -> None:
    """When one key is not planned, no key changes."""
    plan(journal, "a")
    plan(journal, "b")
    journal.mark_submitting(["b"], feed_type=FEED, document_hash="h", sent_at=clock.now())
    with pytest.raises(JournalError, match="already sent"):
        journal.mark_submitting(["a", "b"], feed_type=FEED, document_hash="h2", sent_at=clock.now())
    a = journal.get("a")
    assert a is not None
    assert a.state == "planned"
    with pytest.raises(JournalError, match="does not exist"):
        journal.mark_submitting(["a", "zzz"], feed_type=FEED, document_hash="h", sent_at=clock.now())
    with pytest.raises(InvalidInputError):
        journal.mark_submitting([], feed_type=FEED, document_hash="h", sent_at=clock.now())
    with pytest.raises(InvalidInputError):
        journal.mark_submitting(["a"], feed_type=FEED, document_hash="h", message_ids={"x": 1}, sent_at=clock.now())


def test_mark_submitted_rules(journal: AnyJournal, clock: FakeClock) -> None:
    """A feed id goes only on submitted entries, and never replaces another one."""
    plan(journal)
    with pytest.raises(JournalError, match="not submitted"):
        journal.mark_submitted(["k1"], feed_id="F1")
    journal.mark_submitting(["k1"], feed_type=FEED, document_hash="h", sent_at=clock.now())
    journal.mark_submitted(["k1"], feed_id="F1")
    journal.mark_submitted(["k1"], feed_id="F1")  # same id again: fine
    with pytest.raises(JournalError, match="already belongs"):
        journal.mark_submitted(["k1"], feed_id="F2")
    with pytest.raises(JournalError, match="does not exist"):
        journal.mark_submitted(["nope"], feed_id="F1")


def test_a_feed_belongs_to_one_submission(journal: AnyJournal, clock: FakeClock) -> None:
    """Issue 11: a feed id recorded for one submission can never be recorded for another (both backends)."""
    plan(journal, "x")
    plan(journal, "y")
    journal.mark_submitting(["x"], feed_type=FEED, document_hash="hx", sent_at=clock.now())
    journal.mark_submitting(["y"], feed_type=FEED, document_hash="hy", sent_at=clock.now())
    journal.mark_submitted(["x"], feed_id="F1")
    with pytest.raises(FeedTakenError) as taken:
        journal.mark_submitted(["y"], feed_id="F1")
    assert (taken.value.feed_id, taken.value.owners) == ("F1", ("x",))
    assert journal.get("y").feed_id is None  # nothing changed
    journal.mark_submitted(["y"], feed_id="F2")  # its own feed is fine


def test_known_feed_ids_count_from_when_the_feed_id_was_learned(journal: AnyJournal, clock: FakeClock) -> None:
    """Issue 11: a submission recorded long before its throttled createFeed answered still owns its feed."""
    plan(journal, "x")
    journal.mark_submitting(["x"], feed_type=FEED, document_hash="hx", sent_at=clock.now())
    clock.advance(600)  # the usage plan's wait, retries...
    journal.mark_submitted(["x"], feed_id="F1")
    assert journal.known_feed_ids(FEED, clock.now() - timedelta(minutes=2)) == {"F1"}


def test_mark_done_rules(journal: AnyJournal) -> None:
    """Done is final: the same state again is a no-op, another state is refused."""
    plan(journal)
    rejected = journal.mark_done("k1", state="rejected", outcome={"code": "18028"})
    assert journal.mark_done("k1", state="rejected", outcome={"other": 1}) == rejected
    with pytest.raises(JournalError, match="already ended"):
        journal.mark_done("k1", state="done", outcome={})
    with pytest.raises(JournalError, match="does not exist"):
        journal.mark_done("nope", state="done", outcome={})
    with pytest.raises(InvalidInputError):
        journal.mark_done("k1", state="planned", outcome={})  # type: ignore[arg-type]


def test_release(journal: AnyJournal, clock: FakeClock) -> None:
    """Unsent plans can be released (and planned again); sent entries cannot."""
    entry = plan(journal)
    with pytest.raises(LeaseLostError):
        journal.release("k1", owner="someone-else")
    journal.release("k1", owner=entry.owner)
    assert journal.get("k1") is None
    journal.release("k1")  # unknown: ignored
    plan(journal)
    journal.mark_submitting(["k1"], feed_type=FEED, document_hash="h", sent_at=clock.now())
    journal.release("k1")  # upload failed before createFeed: still releasable
    plan(journal)
    journal.mark_submitting(["k1"], feed_type=FEED, document_hash="h", sent_at=clock.now())
    journal.mark_submitted(["k1"], feed_id="F1")
    with pytest.raises(JournalError, match="cannot be released"):
        journal.release("k1")


def test_crash_between_submitting_and_submitted(journal_factory: JournalFactory, clock: FakeClock) -> None:
    """A process that dies after mark_submitting leaves an entry a restarted process can recover."""
    crashed = journal_factory()
    entry = plan(crashed, "refund-1")
    crashed.mark_submitting(
        ["refund-1"], feed_type=FEED, document_hash="cafe", message_ids={"refund-1": 1}, sent_at=clock.now()
    )
    # no mark_submitted, no close: the process is gone
    clock.advance(3600)
    with journal_factory() as restarted:
        (pending,) = restarted.unfinished()
        assert pending.key == entry.key
        assert pending.send_uncertain
        assert pending.document_hash == "cafe"
        assert pending.submitted_at == clock.now() - timedelta(seconds=3600)
        assert restarted.known_feed_ids(FEED, clock.now() - timedelta(days=1)) == set()
        assert restarted.take_over("refund-1") is None  # sent or not, it must not be planned again
        again, created = restarted.plan("refund-1", kind="refund", target="x", payload={})
        assert not created
        assert again.state == "submitted"
        restarted.mark_submitted(["refund-1"], feed_id="FOUND-BY-GETFEEDS")
        assert restarted.known_feed_ids(FEED, clock.now() - timedelta(days=1)) == {"FOUND-BY-GETFEEDS"}
    crashed.close()


def test_lease_takeover(journal: AnyJournal, clock: FakeClock) -> None:
    """An expired lease goes to exactly one taker; the old holder can no longer submit."""
    first = plan(journal, lease_seconds=30)
    assert journal.take_over("k1") is None  # lease still live
    clock.advance(31)
    taken = journal.take_over("k1", lease_seconds=60)
    assert taken is not None
    assert taken.owner != first.owner
    assert taken.lease_until == clock.now() + timedelta(seconds=60)
    assert journal.take_over("k1") is None  # now leased to the taker
    with pytest.raises(LeaseLostError):
        journal.mark_submitting(["k1"], feed_type=FEED, document_hash="h", sent_at=clock.now(), owner=first.owner)
    assert taken.owner is not None
    journal.mark_submitting(["k1"], feed_type=FEED, document_hash="h", sent_at=clock.now(), owner=taken.owner)
    clock.advance(600)
    assert journal.take_over("k1") is None  # submitted entries are never taken over
    assert journal.take_over("missing") is None


def test_renew_lease(journal: AnyJournal, clock: FakeClock) -> None:
    """The holder can extend its lease; anyone else cannot."""
    entry = plan(journal, lease_seconds=10)
    assert entry.owner is not None
    clock.advance(8)
    renewed = journal.renew_lease("k1", owner=entry.owner, lease_seconds=10)
    assert renewed.lease_until == clock.now() + timedelta(seconds=10)
    with pytest.raises(LeaseLostError):
        journal.renew_lease("k1", owner="intruder")
    with pytest.raises(LeaseLostError):
        journal.renew_lease("missing", owner=entry.owner)
    with pytest.raises(InvalidInputError):
        journal.renew_lease("k1", owner=entry.owner, lease_seconds=0)


def test_wait_for_change_sees_the_winner_finish(journal: AnyJournal, clock: FakeClock) -> None:
    """The loser returns as soon as the winner moves the entry past planned."""
    plan(journal)
    calls: list[float] = []

    def sleep(seconds: float) -> None:
        calls.append(seconds)
        clock.advance(seconds)
        if len(calls) == 3:
            journal.mark_submitting(["k1"], feed_type=FEED, document_hash="h", sent_at=clock.now())

    entry = journal.wait_for_change("k1", timeout=60, poll=2, sleep=sleep)
    assert entry is not None
    assert entry.state == "submitted"
    assert calls == [2, 2, 2]


def test_wait_for_change_release_and_expiry(journal: AnyJournal, clock: FakeClock) -> None:
    """A released entry gives None; an expired lease returns the planned entry for take_over."""
    plan(journal)
    journal.release("k1")
    assert journal.wait_for_change("k1", timeout=10, poll=1, sleep=clock.sleep) is None
    plan(journal, lease_seconds=20)
    expired = journal.wait_for_change("k1", timeout=60, poll=1, sleep=clock.sleep)
    assert expired is not None
    assert expired.state == "planned"
    assert expired.lease_expired(clock.now())
    assert journal.take_over("k1") is not None


def test_wait_for_change_times_out(journal: AnyJournal, clock: FakeClock) -> None:
    """Still planned under a live lease after the timeout raises a TimeoutError."""
    plan(journal, lease_seconds=300)
    with pytest.raises(JournalWaitTimeoutError) as info:
        journal.wait_for_change("k1", timeout=10, poll=1, sleep=clock.sleep)
    assert isinstance(info.value, TimeoutError)


def test_queries(journal: AnyJournal, clock: FakeClock) -> None:
    """Find is newest first, unfinished oldest first, by_feed by message id, known_feed_ids by type and time."""
    for n in range(3):
        journal.plan(f"c{n}", kind="cancel", target="112-1234567-1234567", payload={"n": n})
        clock.advance(1)
    journal.plan("other", kind="refund", target="112-1234567-1234567", payload={})
    assert [e.key for e in journal.find("cancel", "112-1234567-1234567")] == ["c2", "c1", "c0"]
    assert journal.find("cancel", "999-0000000-0000000") == []
    assert [e.key for e in journal.unfinished()] == ["c0", "c1", "c2", "other"]
    start = clock.now()
    journal.mark_submitting(
        ["c0", "c1"], feed_type="POST_ORDER_ACKNOWLEDGEMENT_DATA", document_hash="h",
        message_ids={"c0": 2, "c1": 1}, sent_at=start,
    )  # fmt: skip
    journal.mark_submitted(["c0", "c1"], feed_id="F-ACK")
    journal.mark_submitting(["other"], feed_type=FEED, document_hash="h2", sent_at=start + timedelta(hours=1))
    journal.mark_submitted(["other"], feed_id="F-ADJ")
    assert [e.key for e in journal.by_feed("F-ACK")] == ["c1", "c0"]
    assert journal.known_feed_ids("POST_ORDER_ACKNOWLEDGEMENT_DATA", start) == {"F-ACK"}
    assert journal.known_feed_ids("POST_ORDER_ACKNOWLEDGEMENT_DATA", start + timedelta(seconds=1)) == set()
    assert journal.known_feed_ids(FEED, start) == {"F-ADJ"}


def test_payload_encoding(journal: AnyJournal) -> None:
    """Decimals, enums and tuples are stored as JSON; the stored payload is read-only."""
    entry, _ = journal.plan(
        "k", kind="refund", target="t", payload={"amount": Decimal("5.10"), "reason": AdjustmentReason.NO_INVENTORY,
                                                  "items": ("a", "b")},
    )  # fmt: skip
    assert entry.payload == {"amount": "5.10", "reason": "NoInventory", "items": ["a", "b"]}
    with pytest.raises(TypeError):
        entry.payload["amount"] = "0"  # type: ignore[index]


@pytest.mark.parametrize(
    "payload",
    [
        {"refresh_token": "x"},
        {"nested": {"client_secret": "x"}},
        {"list": [{"access_token": "x"}]},
        {"when": object()},
        {"nan": float("nan")},
    ],
)
def test_payload_refuses_secrets_and_non_json(journal: AnyJournal, payload: dict[str, Any]) -> None:
    """Secrets and non-JSON values never reach the file."""
    with pytest.raises(InvalidInputError):
        journal.plan("k", kind="refund", target="t", payload=payload)
    assert journal.get("k") is None


@pytest.mark.parametrize(
    ("key", "kind", "target"), [("", "refund", "t"), ("k", "", "t"), ("k", "refund", ""), (1, "r", "t")]
)
def test_plan_refuses_bad_keys(journal: AnyJournal, key: Any, kind: str, target: str) -> None:
    """Keys, kinds and targets are non-empty strings."""
    with pytest.raises(InvalidInputError):
        journal.plan(key, kind=kind, target=target, payload={})


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


def test_newer_schema_refused(tmp_path: Path) -> None:
    """A file written by a newer schema version is refused rather than misread."""
    import sqlite3  # noqa: PLC0415 - only this test pokes the file directly

    path = tmp_path / "j.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(JournalError, match="newer"):
        Journal(path)


def test_wal_mode(tmp_path: Path) -> None:
    """File journals use WAL so readers never block the writer."""
    journal = Journal(tmp_path / "j.sqlite3")
    assert journal._conn is not None
    assert journal._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    journal.close()


# --- races ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shared", [True, False])
def test_threads_race_one_winner(journal_factory: JournalFactory, shared: bool) -> None:
    """Eight threads planning one key (shared or separate connections): exactly one creates it."""
    common = journal_factory(None)
    barrier = threading.Barrier(8)
    results: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        journal = common if shared else journal_factory(None)
        barrier.wait()
        _, created = journal.plan("refund-1", kind="refund", target="t", payload={})
        with lock:
            results.append(created)
        if not shared:
            journal.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    common.close()
    assert sorted(results) == [False] * 7 + [True]


def test_threads_send_one_refund(journal_factory: JournalFactory) -> None:
    """Eight threads asking for one refund: one sends it, the others wait and see it sent."""
    clock = FakeClock()
    journal = journal_factory(clock)
    barrier = threading.Barrier(8)
    sent: list[str] = []
    seen: list[str] = []
    lock = threading.Lock()

    def yield_sleep(seconds: float) -> None:
        clock.advance(seconds)
        time.sleep(0)  # yield only; the fake clock bounds the wait

    def worker(n: int) -> None:
        barrier.wait()
        entry, created = journal.plan("refund-1", kind="refund", target="t", payload={})
        if created:
            assert entry.owner is not None
            journal.mark_submitting(
                ["refund-1"], feed_type=FEED, document_hash="h", sent_at=clock.now(), owner=entry.owner
            )
            with lock:
                sent.append(f"worker-{n}")
            journal.mark_submitted(["refund-1"], feed_id="F1")
            journal.mark_done("refund-1", state="done", outcome={"by": n})
            return
        final = journal.wait_for_change("refund-1", timeout=100, poll=0.001, sleep=yield_sleep)
        assert final is not None
        with lock:
            seen.append(final.state)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    journal.close()
    assert len(sent) == 1
    assert len(seen) == 7
    assert all(state in {"submitted", "done"} for state in seen)


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

    The second barrier is what makes this deterministic: without it a process slowed down by a loaded
    machine could first look after another process had already taken the plan over, find a live lease
    of 300 s, and time out waiting for it (the old flakiness). Here all three contenders look before any
    of them takes over, so the race is only the one under test: ``take_over`` itself.
    """
    journal = Journal(path)
    barrier.wait()
    entry = journal.wait_for_change("refund-1", timeout=5, poll=0.01)  # returns at once: the lease expired long ago
    barrier.wait()  # every contender has seen the abandoned plan; nobody has taken it yet
    taken = journal.take_over("refund-1") if entry is not None and entry.state == "planned" else None
    queue.put(taken is not None)
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


def test_processes_send_one_refund(tmp_path: Path) -> None:
    """Two processes with the same key and file: exactly one sends, the other sees it sent."""
    path = tmp_path / "j.sqlite3"
    Journal(path).close()  # create the schema once, as a real deployment would
    results = _run_processes(_process_plan, path, 2)
    assert sorted(r[0] for r in results) == ["sent", "waited"]
    assert all(state in {"submitted", "done"} for _, state in results)
    with Journal(path) as journal:
        entry = journal.get("refund-1")
        assert entry is not None
        assert entry.state == "done"


def test_processes_take_over_abandoned_plan(tmp_path: Path) -> None:
    """A plan whose owner died is taken over by exactly one of three processes once its lease expires."""
    path = tmp_path / "j.sqlite3"
    # Planned an hour ago (an injected clock) with a 30 s lease: abandoned for certain when the children
    # look, however long they take to start, and no real-time wait decides anything.
    planned_at = FakeClock(start=datetime.now(UTC) - timedelta(hours=1))
    with Journal(path, clock=planned_at) as journal:
        journal.plan("refund-1", kind="refund", target="t", payload={}, lease_seconds=30)
    results = _run_processes(_process_take_over, path, 3)
    assert sorted(results) == [False, False, True]
