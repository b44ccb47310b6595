"""RedisJournal beyond the shared contract (``test_contract.py`` runs that on every backend).

Here: what is stored where (and that it is what SQLite stores), entries written before versions,
optimistic transactions that lose a race or their reply and decide again, store failures, threads,
"hosts" and processes racing on one key, the optional extra, and closing.
"""

from __future__ import annotations

import multiprocessing
import socket
import sqlite3
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Self

import pytest
from journal_support import FEED, race, uncertain

from sp_cancel.clock import FakeClock
from sp_cancel.journal import (
    Journal,
    JournalError,
    JournalLike,
    JournalUnavailableError,
    RedisJournal,
    holder,
)

fakeredis = pytest.importorskip("fakeredis")
redis = pytest.importorskip("redis")

PREFIX = "sp_cancel:journal:"


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock for timestamps and leases."""
    return FakeClock()


@pytest.fixture
def server() -> Any:
    """One fakeredis server: every FakeRedis on it is another worker's connection."""
    return fakeredis.FakeServer()


@pytest.fixture
def client(server: Any) -> Any:
    """A client of the fake server that decodes replies, for looking at the stored keys."""
    return fakeredis.FakeRedis(server=server, decode_responses=True)


@pytest.fixture
def journal(server: Any, clock: FakeClock) -> Iterator[RedisJournal]:
    """A Redis journal on the fake server."""
    with RedisJournal(client=fakeredis.FakeRedis(server=server), clock=clock) as opened:
        yield opened


def test_exported_from_sp_cancel_journal(journal: RedisJournal) -> None:
    """RedisJournal is public in sp_cancel.journal, satisfies JournalLike, and shows its prefix."""
    import sp_cancel.journal  # noqa: PLC0415

    assert "RedisJournal" in sp_cancel.journal.__all__
    assert RedisJournal.__module__ == "sp_cancel"  # exported from sp_cancel itself
    assert isinstance(journal, JournalLike)
    assert repr(journal) == f"RedisJournal(prefix={PREFIX!r})"
    assert journal.prefix == PREFIX


def test_keys_follow_the_entry_through_its_states(journal: RedisJournal, client: Any, clock: FakeClock) -> None:
    """One hash per entry; the find, unfinished, feed and feed-type indexes follow every state change."""
    entry, _ = journal.plan("k1", kind="refund", target="112-1", payload={"n": 1})
    created_us = (entry.created_at - datetime(1970, 1, 1, tzinfo=entry.created_at.tzinfo)) // timedelta(microseconds=1)
    assert client.hget(f"{PREFIX}entry:k1", "state") == "planned"
    assert client.zrange(f"{PREFIX}find:6:refund:112-1", 0, -1, withscores=True) == [
        (f"{1:020d}:k1", float(created_us))
    ]
    assert client.zrange(f"{PREFIX}unfinished", 0, -1) == [f"{1:020d}:k1"]
    clock.advance(5)
    journal.mark_submitting(["k1"], feed_type=FEED, document_hash="h", message_ids={"k1": 3}, sent_at=clock.now())
    assert client.zrange(f"{PREFIX}feed_type:{FEED}", 0, -1, withscores=True) == [("k1", float(created_us + 5_000_000))]
    assert not client.hexists(f"{PREFIX}entry:k1", "lease_until")
    journal.mark_submitted(["k1"], feed_id="F1")
    assert client.smembers(f"{PREFIX}feed:F1") == {"k1"}
    journal.mark_done("k1", state="done", outcome={"ok": True})
    assert client.zcard(f"{PREFIX}unfinished") == 0
    assert client.hget(f"{PREFIX}entry:k1", "outcome") == '{"ok": true}'
    planned, _ = journal.plan("k2", kind="refund", target="112-1", payload={})
    journal.release("k2", owner=planned.owner)
    assert not client.exists(f"{PREFIX}entry:k2")
    assert client.zrange(f"{PREFIX}find:6:refund:112-1", 0, -1) == [f"{1:020d}:k1"]
    assert client.zrange(f"{PREFIX}unfinished", 0, -1) == []
    sent = uncertain(journal, clock, "k3")
    taken = journal.take_back("k3", version=sent.version)
    assert taken is not None
    assert client.hget(f"{PREFIX}entry:k3", "state") == "planned"
    assert client.hget(f"{PREFIX}entry:k3", "version") == "3"
    assert client.zrange(f"{PREFIX}unfinished", 0, -1) == [f"{3:020d}:k3"]  # still to be finished
    assert client.zrange(f"{PREFIX}feed_type:{FEED}", 0, -1) == ["k1", "k3"]


def test_hash_fields_are_the_sqlite_columns(
    journal: RedisJournal, client: Any, clock: FakeClock, tmp_path: Path
) -> None:
    """After the same steps, the hash holds exactly the SQLite row's non-NULL values (plus seq)."""
    with Journal(tmp_path / "j.sqlite3", clock=clock) as sqlite_journal:
        for backend in (sqlite_journal, journal):
            backend.plan("k1", kind="cancel", target="112-1", payload={"amount": "5.00", "items": ["a"]})
            backend.mark_submitting(
                ["k1"],
                feed_type=FEED,
                document_hash="h",
                message_ids={"k1": 7},
                sent_at=clock.now(),
                amazon_sent_at=clock.now() + timedelta(seconds=42),
            )
            backend.mark_submitted(["k1"], feed_id="F1")
            backend.mark_done("k1", state="rejected", outcome={"code": "18028"})
        with sqlite3.connect(tmp_path / "j.sqlite3") as conn:
            conn.row_factory = sqlite3.Row
            row = dict(conn.execute("SELECT * FROM entries").fetchone())
        conn.close()
        sqlite_entry = sqlite_journal.get("k1")
    stored = client.hgetall(f"{PREFIX}entry:k1")
    owner = stored.pop("owner")
    assert stored.pop("seq") == "1"
    expected = {name: str(value) for name, value in row.items() if value is not None and name != "owner"}
    assert stored == expected
    assert owner
    assert (stored["version"], stored["amazon_sent_at"]) == ("4", "2026-11-26T12:00:42.000000Z")
    redis_entry = journal.get("k1")
    assert redis_entry is not None
    assert sqlite_entry is not None
    assert redis_entry.owner == owner
    assert attrs_without_owner(redis_entry) == attrs_without_owner(sqlite_entry)


def attrs_without_owner(entry: Any) -> dict[str, Any]:
    """An entry's fields but its (random) lease token."""
    import attrs  # noqa: PLC0415

    fields = attrs.asdict(entry, recurse=False)
    fields.pop("owner")
    return fields


def test_prefixes_keep_journals_apart(server: Any, clock: FakeClock) -> None:
    """Two prefixes on one server are two independent journals."""
    one = RedisJournal(client=fakeredis.FakeRedis(server=server), clock=clock, prefix="a:")
    two = RedisJournal(client=fakeredis.FakeRedis(server=server), clock=clock, prefix="b:")
    assert one.plan("k", kind="refund", target="t", payload={})[1]
    assert two.plan("k", kind="refund", target="t", payload={})[1]
    one.release("k", owner=one.get("k").owner)  # type: ignore[union-attr]
    assert one.get("k") is None
    assert two.get("k") is not None
    assert [e.key for e in two.unfinished()] == ["k"]


def test_kind_and_target_cannot_collide_in_the_find_index(journal: RedisJournal) -> None:
    """A colon inside kind or target does not mix up their find indexes."""
    journal.plan("k1", kind="a:b", target="c", payload={})
    journal.plan("k2", kind="a", target="b:c", payload={})
    assert [e.key for e in journal.find("a:b", "c")] == ["k1"]
    assert [e.key for e in journal.find("a", "b:c")] == ["k2"]


def test_ties_in_creation_time_keep_planning_order(journal: RedisJournal) -> None:
    """Entries planned in the same microsecond come back in planning order (SQLite's rowid order)."""
    for key in ("z", "a", "m"):
        journal.plan(key, kind="cancel", target="t", payload={})
    assert [e.key for e in journal.unfinished()] == ["z", "a", "m"]
    assert [e.key for e in journal.find("cancel", "t")] == ["m", "a", "z"]


def test_by_feed_puts_entries_without_a_message_id_first(journal: RedisJournal, clock: FakeClock) -> None:
    """by_feed orders by message id with missing ids first, as SQLite orders NULLs."""
    for key in ("x", "y", "z"):
        journal.plan(key, kind="cancel", target="t", payload={})
    journal.mark_submitting(
        ["x", "y", "z"], feed_type=FEED, document_hash="h", message_ids={"x": 2, "y": 1}, sent_at=clock.now()
    )
    journal.mark_submitted(["x", "y", "z"], feed_id="F")
    assert [e.key for e in journal.by_feed("F")] == ["z", "y", "x"]
    assert journal.by_feed("unknown") == []
    assert journal.mark_submitted([], feed_id="F") == []


def test_a_client_that_decodes_replies_works_too(server: Any, clock: FakeClock) -> None:
    """A client made with decode_responses=True (str replies, not bytes) gives the same entries."""
    plain = RedisJournal(client=fakeredis.FakeRedis(server=server), clock=clock)
    decoding = RedisJournal(client=fakeredis.FakeRedis(server=server, decode_responses=True), clock=clock)
    entry, _ = decoding.plan("k", kind="refund", target="t", payload={"amount": "1.00"})
    decoding.mark_submitting(["k"], feed_type=FEED, document_hash="h", message_ids={"k": 1}, sent_at=clock.now())
    (submitted,) = decoding.mark_submitted(["k"], feed_id="F")
    assert submitted.owner == entry.owner
    assert decoding.get("k") == plain.get("k") == submitted
    assert decoding.by_feed("F") == plain.by_feed("F") == [submitted]
    assert decoding.known_feed_ids(FEED, clock.now()) == {"F"}
    assert decoding.unfinished() == [submitted]


class HookClock(FakeClock):
    """A fake clock that runs ``hook`` once, the first time a journal asks it for the time."""

    def __init__(self, hook: Callable[[], None]) -> None:
        super().__init__()
        self.hook: Callable[[], None] | None = hook

    def now(self) -> datetime:
        """Run the hook (once), then tell the time."""
        hook, self.hook = self.hook, None
        if hook is not None:
            hook()
        return super().now()


def test_a_plan_that_loses_the_race_inside_its_transaction_decides_again(server: Any) -> None:
    """Another host plans the key between our read and our EXEC: EXEC fails, we retry and lose."""
    other = RedisJournal(client=fakeredis.FakeRedis(server=server), clock=FakeClock())
    won: list[bool] = []
    # The journal reads the (missing) entry, then asks the clock for the time: that is when the other host commits.
    slow = RedisJournal(
        client=fakeredis.FakeRedis(server=server),
        clock=HookClock(lambda: won.append(other.plan("k", kind="refund", target="t", payload={"by": "other"})[1])),
    )
    entry, created = slow.plan("k", kind="refund", target="t", payload={"by": "slow"})
    assert won == [True]
    assert not created
    assert entry.payload == {"by": "other"}
    assert [e.key for e in slow.unfinished()] == ["k"]


def test_a_take_over_that_loses_the_race_inside_its_transaction_returns_none(server: Any) -> None:
    """Another host takes an expired lease between our read and our EXEC: we get nothing."""
    base = FakeClock()
    other = RedisJournal(client=fakeredis.FakeRedis(server=server), clock=base)
    other.plan("k", kind="refund", target="t", payload={}, lease_seconds=10)
    base.advance(11)
    taken: list[Any] = []
    hook = HookClock(lambda: taken.append(other.take_over("k")))
    hook.advance(11)
    slow = RedisJournal(client=fakeredis.FakeRedis(server=server), clock=hook)
    assert slow.take_over("k") is None
    assert taken[0] is not None
    current = slow.get("k")
    assert current is not None
    assert current.owner == taken[0].owner


class LostReply:
    """A client whose first transaction commits but then fails as if the connection dropped before the reply."""

    def __init__(self, inner: Any, watch_error: type[Exception]) -> None:
        self.inner = inner
        self.watch_error = watch_error
        self.lost = 0

    def pipeline(self, transaction: bool = True) -> Any:
        """A pipeline of the inner client whose first multi-command execute loses its reply."""
        pipe = self.inner.pipeline(transaction)
        real_execute = pipe.execute

        def execute(*args: Any, **kwargs: Any) -> Any:
            result = real_execute(*args, **kwargs)
            if transaction and not self.lost:
                self.lost += 1
                raise self.watch_error("A ConnectionError occurred on while watching one or more keys")
            return result

        pipe.execute = execute
        return pipe

    def close(self) -> None:
        """Close the inner client."""
        self.inner.close()


def test_a_plan_whose_reply_was_lost_still_knows_it_created_the_entry(server: Any, clock: FakeClock) -> None:
    """redis-py reports a dropped EXEC reply as a WatchError: the retry finds our own token and says created."""
    lossy = LostReply(fakeredis.FakeRedis(server=server), redis.exceptions.WatchError)
    journal = RedisJournal(client=lossy, clock=clock)
    entry, created = journal.plan("k", kind="refund", target="t", payload={})
    assert lossy.lost == 1
    assert created
    assert entry.owner is not None
    again, created_again = journal.plan("k", kind="refund", target="t", payload={})
    assert not created_again
    assert again == entry


def test_a_take_over_whose_reply_was_lost_still_gets_the_lease(server: Any, clock: FakeClock) -> None:
    """A dropped EXEC reply on take_over: the retried step finds its own token and returns the entry, not None."""
    RedisJournal(client=fakeredis.FakeRedis(server=server), clock=clock).plan(
        "k", kind="refund", target="t", payload={}, lease_seconds=5
    )
    clock.advance(6)
    lossy = LostReply(fakeredis.FakeRedis(server=server), redis.exceptions.WatchError)
    taken = RedisJournal(client=lossy, clock=clock).take_over("k")
    assert lossy.lost == 1
    assert taken is not None
    assert taken.version == 2
    assert RedisJournal(client=fakeredis.FakeRedis(server=server), clock=clock).get("k") == taken


def test_a_take_back_whose_reply_was_lost_still_wins(server: Any, clock: FakeClock) -> None:
    """A dropped EXEC reply on take_back: the version moved, but it moved to our own token, so we won."""
    plain = RedisJournal(client=fakeredis.FakeRedis(server=server), clock=clock)
    sent = uncertain(plain, clock)
    lossy = LostReply(fakeredis.FakeRedis(server=server), redis.exceptions.WatchError)
    taken = RedisJournal(client=lossy, clock=clock).take_back("k1", version=sent.version)
    assert lossy.lost == 1
    assert taken is not None
    assert plain.get("k1") == taken
    assert plain.take_back("k1", version=sent.version) is None


def test_a_mark_submitting_whose_reply_was_lost_is_not_called_already_sent(server: Any, clock: FakeClock) -> None:
    """A dropped EXEC reply on mark_submitting with the owner's token: the retry sees its own write, not a rival's."""
    plain = RedisJournal(client=fakeredis.FakeRedis(server=server), clock=clock)
    entry, _ = plain.plan("k", kind="refund", target="t", payload={})
    lossy = LostReply(fakeredis.FakeRedis(server=server), redis.exceptions.WatchError)
    (sent,) = RedisJournal(client=lossy, clock=clock).mark_submitting(
        ["k"], feed_type=FEED, document_hash="h", sent_at=clock.now(), owner=entry.owner
    )
    assert lossy.lost == 1
    assert sent.send_uncertain
    assert plain.get("k") == sent
    with pytest.raises(JournalError, match="no longer leased"):  # another document under that token: refused
        plain.mark_submitting(["k"], feed_type=FEED, document_hash="other", sent_at=clock.now(), owner=entry.owner)
    with pytest.raises(JournalError, match="already sent"):  # and without a token, as ever
        plain.mark_submitting(["k"], feed_type=FEED, document_hash="h", sent_at=clock.now())


def test_entries_written_before_versions_read_as_version_0(
    journal: RedisJournal, client: Any, clock: FakeClock
) -> None:
    """Issue 17: a hash of an older sp_cancel (no version, no amazon_sent_at) reads back; writes count on from 0."""
    sent = uncertain(journal, clock)
    client.hdel(f"{PREFIX}entry:k1", "version", "amazon_sent_at")
    client.hset(f"{PREFIX}entry:k1", "owner", uuid.uuid4().hex)  # the old token format too
    old = journal.get("k1")
    assert old is not None
    assert (old.version, old.amazon_sent_at, old.submitted_at) == (0, None, sent.submitted_at)
    assert holder(old.owner).state == "unknown"
    taken = journal.take_back("k1", version=0)
    assert taken is not None
    assert taken.version == 1


def _closed_port() -> int:
    """A local TCP port nothing listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_unreachable_server_is_transient_for_every_method(clock: FakeClock) -> None:
    """Issue 17: a journal at a closed port raises JournalUnavailableError(transient=True) from redis-py's error."""
    journal = RedisJournal(f"redis://127.0.0.1:{_closed_port()}/14", clock=clock)
    calls: list[Callable[[], object]] = [
        lambda: journal.get("k"),
        lambda: journal.plan("k", kind="refund", target="t", payload={}),
        lambda: journal.take_over("k"),
        lambda: journal.take_back("k", version=1),
        lambda: journal.renew_lease("k", owner="o"),
        lambda: journal.mark_submitting(["k"], feed_type=FEED, document_hash="h", sent_at=clock.now()),
        lambda: journal.mark_submitted(["k"], feed_id="F"),
        lambda: journal.mark_done("k", state="done", outcome={}),
        lambda: journal.release("k"),
        lambda: journal.find("refund", "t"),
        journal.unfinished,
        lambda: journal.by_feed("F"),
        lambda: journal.known_feed_ids(FEED, clock.now()),
        lambda: journal.wait_for_change("k", timeout=1, sleep=clock.sleep),
    ]
    for call in calls:
        with pytest.raises(JournalUnavailableError, match="cannot reach Redis") as raised:
            call()
        assert (raised.value.backend, raised.value.transient) == ("redis", True)
        assert isinstance(raised.value.__cause__, redis.exceptions.ConnectionError)
        assert "RedisJournal(prefix=" in str(raised.value)
    journal.close()


class FailingClient:
    """A Redis client whose every command fails with one redis-py error (as a server in that state answers)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def pipeline(self, transaction: bool = True) -> Any:
        """A pipeline that raises the error on its first command."""
        error = self.error

        class Pipe:
            def __enter__(self) -> Self:
                return self

            def __exit__(self, *_: object) -> None:
                return None

            def __getattr__(self, name: str) -> Any:
                def fail(*_args: Any, **_kwargs: Any) -> Any:
                    raise error

                return fail

        del transaction
        return Pipe()

    def close(self) -> None:
        """Nothing to close."""


@pytest.mark.parametrize(
    ("error", "transient", "says"),
    [
        (redis.exceptions.TimeoutError("Timeout reading from socket"), True, "did not answer in time"),
        (redis.exceptions.BusyLoadingError("Redis is loading the dataset in memory"), True, "loading"),
        (redis.exceptions.ReadOnlyError("You can't write against a read only replica."), False, "read-only replica"),
        (redis.exceptions.AuthenticationError("invalid username-password pair"), False, "credentials"),
        (redis.exceptions.OutOfMemoryError("OOM command not allowed"), False, "out of memory"),
    ],
    ids=["timeout", "loading", "read-only", "auth", "oom"],
)
def test_store_failures_are_typed(clock: FakeClock, error: Exception, *, transient: bool, says: str) -> None:
    """Each redis-py store failure becomes JournalUnavailableError with the right transient flag and advice."""
    journal = RedisJournal(client=FailingClient(error), clock=clock)
    for call in (lambda: journal.get("k"), lambda: journal.plan("k", kind="refund", target="t", payload={})):
        with pytest.raises(JournalUnavailableError, match=says) as raised:
            call()
        assert raised.value.transient is transient
        assert raised.value.__cause__ is error


def test_other_redis_errors_are_not_store_failures(clock: FakeClock) -> None:
    """A command error (a bug, a wrong type at a key) is not dressed up as an unavailable store."""
    journal = RedisJournal(client=FailingClient(redis.exceptions.ResponseError("WRONGTYPE")), clock=clock)
    with pytest.raises(redis.exceptions.ResponseError):
        journal.get("k")


def test_threads_race_on_take_over_one_winner(server: Any, clock: FakeClock) -> None:
    """Eight threads, each its own connection, take over one expired lease: exactly one gets it."""
    RedisJournal(client=fakeredis.FakeRedis(server=server), clock=clock).plan(
        "refund-1", kind="refund", target="t", payload={}, lease_seconds=5
    )
    clock.advance(6)
    journals = [RedisJournal(client=fakeredis.FakeRedis(server=server), clock=clock) for _ in range(8)]
    results = race(8, lambda n: journals[n].take_over("refund-1"))
    winners = [entry for entry in results if entry is not None]
    assert len(winners) == 1
    current = journals[0].get("refund-1")
    assert current is not None
    assert current.owner == winners[0].owner


def test_threads_race_on_mark_submitting_one_sender(server: Any, clock: FakeClock) -> None:
    """Eight threads mark one planned entry submitting: one succeeds, seven are told it was already sent."""
    RedisJournal(client=fakeredis.FakeRedis(server=server), clock=clock).plan(
        "refund-1", kind="refund", target="t", payload={}
    )
    journals = [RedisJournal(client=fakeredis.FakeRedis(server=server), clock=clock) for _ in range(8)]

    def submit(n: int) -> str:
        try:
            journals[n].mark_submitting(["refund-1"], feed_type=FEED, document_hash=f"h{n}", sent_at=clock.now())
        except JournalError as exc:
            return "refused" if "already sent" in str(exc) else str(exc)
        return "sent"

    assert sorted(race(8, submit)) == ["refused"] * 7 + ["sent"]


def test_close_refuses_use_and_leaves_a_given_client_open(server: Any, clock: FakeClock) -> None:
    """A closed journal raises JournalError; the client it was given still works."""
    client = fakeredis.FakeRedis(server=server)
    journal = RedisJournal(client=client, clock=clock)
    journal.plan("k", kind="refund", target="t", payload={})
    journal.close()
    journal.close()  # twice is fine
    with pytest.raises(JournalError, match="closed"):
        journal.get("k")
    with pytest.raises(JournalError, match="closed"):
        journal.plan("k2", kind="refund", target="t", payload={})
    with pytest.raises(JournalError, match="closed"):
        journal.unfinished()
    assert client.ping()


def test_url_journal_connects_lazily_and_hides_the_password() -> None:
    """From a URL nothing connects until used, and repr never shows the URL (it may hold a password)."""
    journal = RedisJournal("redis://:hunter2@127.0.0.1:1/0")
    assert "hunter2" not in repr(journal)
    journal.close()
    with pytest.raises(JournalError, match="closed"):
        journal.get("k")


def _process_take_back(url: str, prefix: str, barrier: Any, queue: Any) -> None:
    """Child process (a resumer on its own host): read the uncertain entry, meet the other, take it back."""
    journal = RedisJournal(url, prefix=prefix)
    entry = journal.get("cancel-1")
    assert entry is not None
    barrier.wait()
    taken = journal.take_back("cancel-1", version=entry.version)
    queue.put(None if taken is None else taken.owner)
    journal.close()


@pytest.mark.redis
def test_real_redis_two_resumer_processes_race_take_back(real_redis_url: str) -> None:
    """Issue 17: two processes resuming one uncertain send on a real server: exactly one takes it back."""
    prefix = f"sp_cancel:test:{uuid.uuid4().hex}:"
    clock = FakeClock(start=datetime.now().astimezone())
    try:
        with RedisJournal(real_redis_url, clock=clock, prefix=prefix) as journal:
            entry, _ = journal.plan("cancel-1", kind="cancel", target="112-1234567-1234567", payload={})
            journal.mark_submitting(
                ["cancel-1"], feed_type=FEED, document_hash="h", sent_at=clock.now(), owner=entry.owner
            )
        context = multiprocessing.get_context("spawn")
        barrier, queue = context.Barrier(2), context.Queue()
        processes = [
            context.Process(target=_process_take_back, args=(real_redis_url, prefix, barrier, queue)) for _ in range(2)
        ]
        for process in processes:
            process.start()
        results = [queue.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(timeout=30)
            assert process.exitcode == 0
        queue.close()
        queue.join_thread()
        winners = [owner for owner in results if owner is not None]
        assert len(winners) == 1
        with RedisJournal(real_redis_url, prefix=prefix) as journal:
            current = journal.get("cancel-1")
            assert current is not None
            assert (current.state, current.owner, current.version) == ("planned", winners[0], 3)
    finally:
        with redis.Redis.from_url(real_redis_url) as client:
            for name in client.scan_iter(match=f"{prefix}*"):
                client.delete(name)


def test_missing_extra_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the redis package the error names the extra to install."""
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ImportError, match=r"sp-cancel\[redis\]"):
        RedisJournal("redis://127.0.0.1:6379/15")


@pytest.mark.redis
def test_real_redis_two_hosts_race_one_winner(real_redis_url: str) -> None:
    """Against a real server, two RedisJournals (two hosts) with four threads each: exactly one plans the key."""
    prefix = f"sp_cancel:test:{uuid.uuid4().hex}:"
    clock = FakeClock()
    hosts = [RedisJournal(real_redis_url, clock=clock, prefix=prefix) for _ in range(2)]
    try:
        results = race(8, lambda n: (n % 2, hosts[n % 2].plan("refund-1", kind="refund", target="t", payload={"n": n})))
        winners = [(host, entry) for host, (entry, created) in results if created]
        assert len(winners) == 1
        _, entry = winners[0]
        assert all(e == entry for _, (e, _) in results)
        clock.advance(301)
        taken = race(8, lambda n: hosts[n % 2].take_over("refund-1"))
        assert len([t for t in taken if t is not None]) == 1
    finally:
        for host in hosts:
            host.close()
        with redis.Redis.from_url(real_redis_url) as client:
            for name in client.scan_iter(match=f"{prefix}*"):
                client.delete(name)
