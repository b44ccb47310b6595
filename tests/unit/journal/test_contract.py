"""The journal's behavioural contract, run on every backend: states, leases, versions, releases, races.

Every test takes the ``journal`` / ``journal_factory`` fixtures (``conftest.py``) and so runs on the SQLite
``Journal``, on ``RedisJournal`` over fakeredis, and on ``RedisJournal`` over the real server at ``REDIS_URL``
(marked ``redis``; skipped when none answers). What only one backend has is in ``test_sqlite.py`` and
``test_redis.py``; owner tokens are in ``test_owner.py``.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from journal_support import (
    FEED,
    PAYLOAD,
    AnyJournal,
    JournalFactory,
    Poke,
    dead_token,
    plan,
    race,
    running_process,
    token,
    uncertain,
)

from sp_cancel.clock import FakeClock
from sp_cancel.errors import InvalidInputError
from sp_cancel.journal import (
    FeedTakenError,
    JournalError,
    JournalLike,
    JournalWaitTimeoutError,
    LeaseLostError,
    holder,
)
from sp_cancel.models import AdjustmentReason


def test_journal_is_journal_like(journal: AnyJournal) -> None:
    """Every backend satisfies the JournalLike protocol."""
    assert isinstance(journal, JournalLike)


def test_plan_inserts_once(journal: AnyJournal, clock: FakeClock) -> None:
    """The first plan creates the entry with a lease; later plans get the existing entry."""
    entry = plan(journal)
    assert entry.state == "planned"
    assert entry.payload == PAYLOAD
    assert entry.created_at == clock.now()
    assert holder(entry.owner).state == "this_process"
    assert entry.lease_until == clock.now() + timedelta(seconds=300)
    assert entry.version == 1
    again, created = journal.plan("k1", kind="refund", target="other", payload={})
    assert not created
    assert again == entry


def test_full_lifecycle(journal: AnyJournal, clock: FakeClock) -> None:
    """Planned -> submitted (no feed id) -> submitted (feed id) -> done, with every field recorded."""
    entry = plan(journal)
    clock.advance(5)
    amazon_clock = clock.now() + timedelta(minutes=3, microseconds=7)  # Amazon's clock runs 3 min ahead of ours
    (submitting,) = journal.mark_submitting(
        ["k1"],
        feed_type=FEED,
        document_hash="ab" * 32,
        message_ids={"k1": 7},
        sent_at=clock.now(),
        amazon_sent_at=amazon_clock,
        owner=entry.owner,
    )
    assert submitting.state == "submitted"
    assert submitting.send_uncertain
    assert (submitting.feed_type, submitting.document_hash, submitting.message_id) == (FEED, "ab" * 32, 7)
    assert submitting.submitted_at == clock.now()
    assert submitting.amazon_sent_at == amazon_clock
    assert submitting.lease_until is None
    assert journal.get("k1") == submitting
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
    assert done.amazon_sent_at == amazon_clock
    assert journal.unfinished() == []
    assert journal.get("k1") == done


def test_amazon_sent_at_is_optional(journal: AnyJournal, clock: FakeClock) -> None:
    """Without Amazon's clock the entry records None, and reads back so."""
    sent = uncertain(journal, clock)
    assert sent.amazon_sent_at is None
    current = journal.get("k1")
    assert current is not None
    assert current.amazon_sent_at is None


def test_every_write_increments_the_version(journal: AnyJournal, clock: FakeClock) -> None:
    """Plan writes version 1; each later write adds one; refused writes and no-ops change nothing."""
    entry = plan(journal, lease_seconds=10)
    assert entry.owner is not None
    assert journal.renew_lease("k1", owner=entry.owner, lease_seconds=10).version == 2
    clock.advance(11)
    taken = journal.take_over("k1")
    assert taken is not None
    assert taken.version == 3
    assert taken.owner is not None
    with pytest.raises(LeaseLostError):
        journal.renew_lease("k1", owner=entry.owner)
    (sent,) = journal.mark_submitting(["k1"], feed_type=FEED, document_hash="h", sent_at=clock.now(), owner=taken.owner)
    assert sent.version == 4
    assert journal.take_over("k1") is None
    (submitted,) = journal.mark_submitted(["k1"], feed_id="F1")
    assert submitted.version == 5
    done = journal.mark_done("k1", state="done", outcome={})
    assert done.version == 6
    assert journal.mark_done("k1", state="done", outcome={}).version == 6  # the same end again: no write
    current = journal.get("k1")
    assert current is not None
    assert current.version == 6


def test_mark_submitting_is_all_or_nothing(journal: AnyJournal, clock: FakeClock) -> None:
    """When one key is not planned, no key changes."""
    plan(journal, "a")
    plan(journal, "b")
    journal.mark_submitting(["b"], feed_type=FEED, document_hash="h", sent_at=clock.now())
    with pytest.raises(JournalError, match="already sent"):
        journal.mark_submitting(["a", "b"], feed_type=FEED, document_hash="h2", sent_at=clock.now())
    a = journal.get("a")
    assert a is not None
    assert (a.state, a.version) == ("planned", 1)
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
    y = journal.get("y")
    assert y is not None
    assert y.feed_id is None  # nothing changed
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


# --- release: only what was never sent -------------------------------------------------------------


def test_release_by_its_owner(journal: AnyJournal) -> None:
    """The lease holder releases its plan (live lease or not); the key can be planned again."""
    entry = plan(journal)
    journal.release("k1", owner=entry.owner)
    assert journal.get("k1") is None
    journal.release("k1")  # unknown: ignored
    journal.release("k1", owner=entry.owner)  # unknown: ignored
    assert plan(journal).version == 1


def test_release_by_a_wrong_owner_raises(journal: AnyJournal) -> None:
    """Another caller's token cannot release a plan: LeaseLostError, the entry stays."""
    entry = plan(journal)
    with pytest.raises(LeaseLostError, match="leased to another caller"):
        journal.release("k1", owner=token(4242, host="web-9"))
    assert journal.get("k1") == entry


def test_release_without_owner_of_a_live_lease_raises(journal: AnyJournal, clock: FakeClock) -> None:
    """Without a token, a plan whose lease is live is someone's work in progress: LeaseLostError."""
    entry = plan(journal, lease_seconds=30)
    clock.advance(29)
    with pytest.raises(LeaseLostError, match="until"):
        journal.release("k1")
    assert journal.get("k1") == entry


def test_release_without_owner_of_an_expired_lease_works(journal: AnyJournal, clock: FakeClock) -> None:
    """A plan whose lease expired was abandoned before sending: anyone may release it."""
    plan(journal, lease_seconds=30)
    clock.advance(30)
    journal.release("k1")
    assert journal.get("k1") is None


@pytest.mark.parametrize("with_owner", [True, False])
def test_release_of_a_submitted_entry_raises(journal: AnyJournal, clock: FakeClock, *, with_owner: bool) -> None:
    """Issue 17: a submission that may have reached Amazon is never released, whoever asks, feed id or not."""
    entry = uncertain(journal, clock)
    clock.advance(3600)
    owner = entry.owner if with_owner else None
    with pytest.raises(JournalError, match="may have been sent") as refused:
        journal.release("k1", owner=owner)
    assert not isinstance(refused.value, LeaseLostError)
    assert journal.get("k1") == entry
    (submitted,) = journal.mark_submitted(["k1"], feed_id="F1")
    with pytest.raises(JournalError, match="may have been sent"):
        journal.release("k1", owner=owner)
    assert journal.get("k1") == submitted


def test_release_of_a_finished_entry_raises(journal: AnyJournal) -> None:
    """An entry that ended is a record: never released."""
    entry = plan(journal)
    done = journal.mark_done("k1", state="failed", outcome={"why": "FATAL"})
    with pytest.raises(JournalError, match="ended failed"):
        journal.release("k1", owner=entry.owner)
    assert journal.get("k1") == done


def test_release_loses_to_a_take_over(journal_factory: JournalFactory, clock: FakeClock) -> None:
    """A stale holder cannot release a plan another worker took over meanwhile (owner checked in the transaction)."""
    old, new = journal_factory(), journal_factory()
    entry = plan(old, lease_seconds=10)
    clock.advance(11)
    taken = new.take_over("k1")
    assert taken is not None
    with pytest.raises(LeaseLostError):
        old.release("k1", owner=entry.owner)
    assert old.get("k1") == taken


# --- take_over -------------------------------------------------------------------------------------


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


def test_take_over_of_a_dead_holder_is_at_once(journal: AnyJournal, clock: FakeClock, poke: Poke) -> None:
    """Issue 17: a plan whose holder's process (this host) is gone is taken over at once, its lease unexpired."""
    plan(journal, lease_seconds=300)
    gone = dead_token()
    poke("k1", "owner", gone)  # as the process that planned it wrote it, before it died
    assert journal.take_over("k1") is None  # without naming the stale owner: wait for the lease
    taken = journal.take_over("k1", stale_owner=gone)
    assert taken is not None
    assert holder(taken.owner).state == "this_process"
    assert taken.lease_until == clock.now() + timedelta(seconds=300)


def test_take_over_of_this_process_own_stale_claim(journal: AnyJournal) -> None:
    """A process settling its own lost attempt does not wait for its own lease."""
    entry = plan(journal)
    taken = journal.take_over("k1", stale_owner=entry.owner)
    assert taken is not None
    assert taken.owner != entry.owner
    assert taken.version == entry.version + 1


def test_take_over_refused_for_a_live_foreign_holder(journal: AnyJournal, clock: FakeClock, poke: Poke) -> None:
    """A live process of this host (or one of another host) keeps its unexpired lease, named or not."""
    plan(journal, lease_seconds=300)
    with running_process() as child:
        alive = token(child.pid)
        poke("k1", "owner", alive)
        assert journal.take_over("k1", stale_owner=alive) is None
        elsewhere = token(child.pid, host="web-2.example")
        poke("k1", "owner", elsewhere)
        assert journal.take_over("k1", stale_owner=elsewhere) is None
        clock.advance(300)
        assert journal.take_over("k1", stale_owner=elsewhere) is not None  # expired: granted as ever


def test_take_over_refused_when_the_owner_changed(journal_factory: JournalFactory, poke: Poke) -> None:
    """Two resumers saw the same dead holder: the first takes the lease, the second finds another owner."""
    first, second = journal_factory(), journal_factory()
    plan(first, lease_seconds=300)
    gone = dead_token()
    poke("k1", "owner", gone)
    taken = first.take_over("k1", stale_owner=gone)
    assert taken is not None
    assert second.take_over("k1", stale_owner=gone) is None
    assert second.get("k1") == taken
    assert second.take_over("k1", stale_owner=dead_token()) is None  # a dead token that is not the owner


def test_threads_race_on_take_over_of_a_dead_holder(journal_factory: JournalFactory, poke: Poke) -> None:
    """Eight threads, each its own connection, name the same dead holder: exactly one gets the lease."""
    plan(journal_factory(), lease_seconds=300)
    gone = dead_token()
    poke("k1", "owner", gone)
    journals = [journal_factory() for _ in range(8)]
    results = race(8, lambda n: journals[n].take_over("k1", stale_owner=gone))
    winners = [entry for entry in results if entry is not None]
    assert len(winners) == 1
    assert journals[0].get("k1") == winners[0]


# --- take_back -------------------------------------------------------------------------------------


def test_take_back_returns_an_uncertain_send_to_planned(journal: AnyJournal, clock: FakeClock) -> None:
    """A send Amazon shows no feed of goes back to planned for the caller, keeping the earlier attempt's history."""
    amazon_clock = clock.now() + timedelta(seconds=90)
    sent = uncertain(journal, clock, amazon_sent_at=amazon_clock)
    clock.advance(600)
    taken = journal.take_back("k1", version=sent.version, lease_seconds=120)
    assert taken is not None
    assert taken.state == "planned"
    assert taken.version == sent.version + 1
    assert taken.owner != sent.owner
    assert holder(taken.owner).state == "this_process"
    assert taken.lease_until == clock.now() + timedelta(seconds=120)
    assert (taken.submitted_at, taken.amazon_sent_at, taken.document_hash, taken.feed_type) == (
        sent.submitted_at,
        amazon_clock,
        sent.document_hash,
        FEED,
    )
    assert (taken.payload, taken.kind, taken.target, taken.created_at) == (
        sent.payload,
        sent.kind,
        sent.target,
        sent.created_at,
    )
    assert journal.get("k1") == taken
    assert [e.key for e in journal.unfinished()] == ["k1"]
    assert taken.owner is not None
    with pytest.raises(LeaseLostError):  # the earlier sender's token no longer holds it
        journal.mark_submitting(["k1"], feed_type=FEED, document_hash="h2", sent_at=clock.now(), owner=sent.owner)
    (again,) = journal.mark_submitting(
        ["k1"], feed_type=FEED, document_hash="h2", sent_at=clock.now(), owner=taken.owner
    )
    assert (again.document_hash, again.submitted_at, again.amazon_sent_at) == ("h2", clock.now(), None)


def test_take_back_needs_the_version_read(journal: AnyJournal, clock: FakeClock) -> None:
    """Of two resumers that read the same entry, the second to write gets None; a stale version never wins."""
    sent = uncertain(journal, clock)
    first = journal.take_back("k1", version=sent.version)
    assert first is not None
    assert journal.take_back("k1", version=sent.version) is None
    assert journal.get("k1") == first
    assert journal.take_back("missing", version=1) is None


def test_take_back_refuses_what_is_not_uncertain(journal: AnyJournal, clock: FakeClock) -> None:
    """At the version read, a planned entry, one with a feed id, or a finished one cannot be taken back."""
    planned = plan(journal, "p")
    with pytest.raises(JournalError, match="is planned"):
        journal.take_back("p", version=planned.version)
    uncertain(journal, clock, "f")
    (with_feed,) = journal.mark_submitted(["f"], feed_id="F1")
    with pytest.raises(JournalError, match="has feed F1"):
        journal.take_back("f", version=with_feed.version)
    plan(journal, "d")
    done = journal.mark_done("d", state="done", outcome={})
    with pytest.raises(JournalError, match="is done"):
        journal.take_back("d", version=done.version)
    assert journal.get("f") == with_feed
    with pytest.raises(InvalidInputError):
        journal.take_back("f", version="2")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        journal.take_back("f", version=with_feed.version, lease_seconds=0)


@pytest.mark.parametrize("shared", [True, False])
def test_threads_race_on_take_back_one_winner(
    journal_factory: JournalFactory, clock: FakeClock, *, shared: bool
) -> None:
    """Eight resumers (threads, one shared or eight connections) read one uncertain entry: one takes it back."""
    sent = uncertain(journal_factory(), clock)
    common = journal_factory()
    journals = [common if shared else journal_factory() for _ in range(8)]
    read = [journal.get("k1") for journal in journals]
    assert all(entry == sent for entry in read)
    results = race(8, lambda n: journals[n].take_back("k1", version=sent.version))
    winners = [entry for entry in results if entry is not None]
    assert len(winners) == 1
    assert common.get("k1") == winners[0]


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
        assert restarted.take_over("refund-1", stale_owner=pending.owner) is None  # not even by its own process
        with pytest.raises(JournalError):
            restarted.release("refund-1")
        again, created = restarted.plan("refund-1", kind="refund", target="x", payload={})
        assert not created
        assert again.state == "submitted"
        restarted.mark_submitted(["refund-1"], feed_id="FOUND-BY-GETFEEDS")
        assert restarted.known_feed_ids(FEED, clock.now() - timedelta(days=1)) == {"FOUND-BY-GETFEEDS"}


# --- waiting ---------------------------------------------------------------------------------------


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
    entry = plan(journal)
    journal.release("k1", owner=entry.owner)
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


# --- queries and payloads --------------------------------------------------------------------------


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
    """Secrets and non-JSON values never reach the store."""
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


# --- races -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("shared", [True, False])
def test_threads_race_one_winner(journal_factory: JournalFactory, *, shared: bool) -> None:
    """Eight threads planning one key (shared or separate connections): exactly one creates it."""
    common = journal_factory(None)
    journals = [common if shared else journal_factory(None) for _ in range(8)]
    results = race(8, lambda n: journals[n].plan("refund-1", kind="refund", target="t", payload={})[1])
    assert sorted(results) == [False] * 7 + [True]


def test_threads_send_one_refund(journal_factory: JournalFactory) -> None:
    """Eight threads asking for one refund: one sends it, the others wait and see it sent."""
    clock = FakeClock()
    journal = journal_factory(clock)
    sent: list[int] = []
    lock = threading.Lock()

    def yield_sleep(seconds: float) -> None:
        clock.advance(seconds)
        time.sleep(0)  # yield only; the fake clock bounds the wait

    def worker(n: int) -> str:
        entry, created = journal.plan("refund-1", kind="refund", target="t", payload={})
        if created:
            assert entry.owner is not None
            journal.mark_submitting(
                ["refund-1"], feed_type=FEED, document_hash="h", sent_at=clock.now(), owner=entry.owner
            )
            with lock:
                sent.append(n)
            journal.mark_submitted(["refund-1"], feed_id="F1")
            journal.mark_done("refund-1", state="done", outcome={"by": n})
            return "sent"
        final = journal.wait_for_change("refund-1", timeout=100, poll=0.001, sleep=yield_sleep)
        assert final is not None
        return final.state

    results = race(8, worker)
    assert len(sent) == 1
    assert results.count("sent") == 1
    assert all(state in {"sent", "submitted", "done"} for state in results)
