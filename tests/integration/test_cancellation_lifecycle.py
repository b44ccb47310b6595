"""The feed lifecycle of cancels: finishing later, other processes, stuck and FATAL feeds, crashes, lost answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sp_cancel import CancelReason, CancelRequest
from sp_cancel._cancellation.outcomes import CancelOutcome, CancelStatus
from sp_cancel.errors import FeedTimeoutError
from sp_cancel.journal import Journal
from sp_cancel.testing import Simulator


@pytest.fixture
def sim() -> Simulator:
    """An empty simulated seller (no seeded orders)."""
    return Simulator(seed=21, orders=0)


def cancels_in_ledger(sim: Simulator, order_id: str) -> list[tuple[str, int, str, str]]:
    """The simulator's ledger rows that cancelled ``order_id``."""
    return [row for row in sim.world.ledger if row[2] == order_id and row[3].startswith("cancelled")]


def test_wait_false_returns_submitted_then_refresh_and_wait_finish_it(sim: Simulator) -> None:
    """wait=False returns SUBMITTED with the feed id; refresh reads once, wait finishes it."""
    order = sim.add_order()
    client = sim.client()
    submitted = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, wait=False)
    assert submitted.status is CancelStatus.SUBMITTED
    assert submitted.feed_id in sim.world.feeds
    assert submitted.submission_id
    polls = sim.request_counts["feeds.getFeed"]
    still = client.refresh(submitted)
    assert still.status is CancelStatus.SUBMITTED
    assert sim.request_counts["feeds.getFeed"] == polls + 1
    done = client.wait(submitted)
    assert done.status is CancelStatus.CANCELLED
    assert done.feed_id == submitted.feed_id
    assert client.refresh(submitted) == done


def test_refresh_finishes_once_amazon_is_done(sim: Simulator) -> None:
    """refresh() after the feed finished returns the final outcome without waiting."""
    order = sim.add_order()
    client = sim.client()
    submitted = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, wait=False)
    sim.advance(3600)
    assert client.refresh(submitted).status is CancelStatus.CANCELLED


def test_a_second_client_on_the_same_journal_finishes_and_reads_the_outcome(sim: Simulator, tmp_path: Path) -> None:
    """Another process sharing the journal file can wait for the cancel; the first then reads the outcome."""
    journal = tmp_path / "journal.sqlite3"
    order = sim.add_order()
    first = sim.client(journal=journal)
    submitted = first.cancel_order(order.order_id, CancelReason.NO_INVENTORY, wait=False)
    second = sim.client(journal=journal)
    done = second.wait(submitted)
    assert done.status is CancelStatus.CANCELLED
    polls = sim.request_counts["feeds.getFeed"]
    assert first.refresh(submitted) == done
    assert sim.request_counts["feeds.getFeed"] == polls  # read from the journal, not from Amazon
    assert sim.request_counts["feeds.createFeed"] == 1


def unstick(sim: Simulator, feed_id: str) -> None:
    """Amazon gets over it: the stuck feed goes on processing."""
    with sim.lock:
        sim.world.feeds[feed_id].force = None


def test_stuck_feed_raises_feed_timeout_with_its_id_and_finishes_later(sim: Simulator) -> None:
    """A feed stuck past timeout raises FeedTimeoutError with the feed id; the same call later finishes it."""
    order = sim.add_order()
    sim.add_fault("feeds.createFeed", "feed_stuck")
    client = sim.client()
    with pytest.raises(FeedTimeoutError) as caught:
        client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, timeout=600)
    feed_id = caught.value.feed_id
    assert feed_id in sim.world.feeds
    assert caught.value.processing_status == "IN_PROGRESS"
    assert isinstance(caught.value, TimeoutError)
    unstick(sim, feed_id)
    done = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, timeout=600)
    assert done.status is CancelStatus.CANCELLED
    assert done.feed_id == feed_id
    assert sim.request_counts["feeds.createFeed"] == 1


def test_wait_on_a_stuck_feed_times_out_then_succeeds_once_it_moves(sim: Simulator) -> None:
    """client.wait(outcome) raises FeedTimeoutError while stuck and returns CANCELLED after the fault is gone."""
    order = sim.add_order()
    sim.add_fault("feeds.createFeed", "feed_stuck")
    client = sim.client()
    submitted = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, wait=False)
    with pytest.raises(FeedTimeoutError) as caught:
        client.wait(submitted, timeout=300)
    assert caught.value.feed_id == submitted.feed_id
    unstick(sim, caught.value.feed_id)
    assert client.wait(submitted).status is CancelStatus.CANCELLED


def test_resume_reports_a_stuck_feed_as_submitted_and_goes_on(sim: Simulator) -> None:
    """resume() does not abort on a stuck feed: it returns SUBMITTED for it and finishes the others."""
    stuck_order, fine_order = sim.add_order(), sim.add_order()
    client = sim.client()
    sim.add_fault("feeds.createFeed", "feed_stuck")
    stuck = client.cancel_order(stuck_order.order_id, CancelReason.NO_INVENTORY, wait=False)
    fine = client.cancel_order(fine_order.order_id, CancelReason.NO_INVENTORY, wait=False)
    outcomes = {o.order_id: o for o in client.resume(timeout=600)}
    assert outcomes[stuck.order_id].status is CancelStatus.SUBMITTED
    assert outcomes[stuck.order_id].feed_id == stuck.feed_id
    assert outcomes[fine.order_id].status is CancelStatus.CANCELLED


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        (1, {CancelStatus.REJECTED}),  # Amazon applied none
        (2, {CancelStatus.CANCELLED, CancelStatus.REJECTED}),  # some
        (5, {CancelStatus.CANCELLED}),  # all
    ],
)
def test_fatal_feed_is_reconciled_by_reading_each_order_back(seed: int, expected: set[CancelStatus]) -> None:
    """After FATAL each outcome says what its order reads back as (some, none or all may be applied)."""
    sim = Simulator(seed=seed, orders=0)
    orders = [sim.add_order() for _ in range(12)]
    sim.add_fault("feeds.createFeed", "feed_fatal")
    batch = sim.client().cancel_orders(
        [CancelRequest(order_id=o.order_id, reason=CancelReason.NO_INVENTORY) for o in orders]
    )
    statuses = set()
    for order in orders:
        outcome = batch[order.order_id]
        cancelled = sim.order(order.order_id).status == "Canceled"
        assert outcome.status is (CancelStatus.CANCELLED if cancelled else CancelStatus.REJECTED)
        assert "FATAL" in (outcome.detail or "")
        statuses.add(outcome.status)
    assert statuses == expected


def test_fatal_item_level_cancel_is_reconciled_from_the_units() -> None:
    """A unit cancel in a FATAL feed: PARTIALLY_CANCELLED if its units read back cancelled, else UNCONFIRMED.

    Units that do not show cancelled are money Amazon may still move ("some, none or all" of a FATAL feed, and
    Amazon documents no delay for the order to show them): they are never sent again on their own. Past the
    seller's horizon they are NOT_SENT, and asking again cancels them, once.
    """
    from datetime import timedelta  # noqa: PLC0415

    from sp_cancel import ItemCancel  # noqa: PLC0415

    seen: set[CancelStatus] = set()
    for seed in range(8, 14):  # Amazon's FATAL applies none, all or some: several seeds show each
        seen |= _fatal_units_once(seed, ItemCancel, timedelta)
    assert seen == {CancelStatus.PARTIALLY_CANCELLED, CancelStatus.UNCONFIRMED}


def _fatal_units_once(seed: int, item_cancel: Any, delta: Any) -> set[CancelStatus]:
    sim = Simulator(seed=seed, orders=0)
    orders = [sim.add_order(items=[{"quantity": 3}]) for _ in range(8)]
    sim.add_fault("feeds.createFeed", "feed_fatal")
    client = sim.client()
    requests = [
        CancelRequest(
            order_id=o.order_id,
            reason=CancelReason.NO_INVENTORY,
            items=[item_cancel(order_item_id=o.items[0].order_item_id, quantity=2)],
        )
        for o in orders
    ]
    batch = client.cancel_orders(requests)
    statuses = set()
    for order in orders:
        applied = sim.cancelled_units(order.order_id) == 2
        expected = CancelStatus.PARTIALLY_CANCELLED if applied else CancelStatus.UNCONFIRMED
        assert batch[order.order_id].status is expected
        statuses.add(expected)
    sim.advance(delta(hours=49).total_seconds())
    for order in orders:
        if batch[order.order_id].status is CancelStatus.UNCONFIRMED:
            assert client.refresh(batch[order.order_id]).status is CancelStatus.NOT_SENT
    again = client.cancel_orders(requests)
    for order in orders:
        assert again[order.order_id].status is CancelStatus.PARTIALLY_CANCELLED
        assert sim.cancelled_units(order.order_id) == 2  # exactly the asked units, never twice
    return statuses


class Killed(BaseException):
    """The process died here."""


def die(self: Journal, keys: Any, *, feed_id: str) -> Any:
    """Journal.mark_submitted of a process killed before it could write the feed id."""
    raise Killed


def test_kill_between_create_feed_and_journal_update_is_resumed_without_a_second_feed(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process killed after createFeed, before journaling the feed id, is resumed from getFeeds: one feed."""
    path = tmp_path / "journal.sqlite3"
    order = sim.add_order()
    with monkeypatch.context() as patch:
        patch.setattr(Journal, "mark_submitted", die)
        with pytest.raises(Killed):
            sim.client(journal=path).cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert sim.request_counts["feeds.createFeed"] == 1
    [entry] = Journal(path).unfinished()
    assert entry.send_uncertain

    outcomes = sim.client(journal=path).resume()
    assert [(o.order_id, o.status) for o in outcomes if isinstance(o, CancelOutcome)] == [
        (order.order_id, CancelStatus.CANCELLED)
    ]
    assert sim.request_counts["feeds.createFeed"] == 1
    assert sim.request_counts["feeds.getFeeds"] >= 1
    assert len(cancels_in_ledger(sim, order.order_id)) == 1
    assert Journal(path).unfinished() == []


def test_kill_then_the_same_call_again_recovers_instead_of_resending(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a crash mid-submission, repeating cancel_order adopts the existing feed rather than sending again."""
    path = tmp_path / "journal.sqlite3"
    order = sim.add_order()
    with monkeypatch.context() as patch:
        patch.setattr(Journal, "mark_submitted", die)
        with pytest.raises(Killed):
            sim.client(journal=path).cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    outcome = sim.client(journal=path).cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert outcome.status is CancelStatus.CANCELLED
    assert sim.request_counts["feeds.createFeed"] == 1
    assert len(cancels_in_ledger(sim, order.order_id)) == 1


def test_kill_before_create_feed_is_resent_once_on_resume(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after journaling 'submitting' but before createFeed: resume finds no feed and sends exactly once."""
    path = tmp_path / "journal.sqlite3"
    order = sim.add_order()
    real = Journal.mark_submitting

    def submitting_then_die(self: Journal, *args: Any, **kwargs: Any) -> Any:
        real(self, *args, **kwargs)
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(Journal, "mark_submitting", submitting_then_die)
        with pytest.raises(Killed):
            sim.client(journal=path).cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert "feeds.createFeed" not in sim.request_counts
    sim.advance(30)
    [outcome] = sim.client(journal=path).resume()
    assert isinstance(outcome, CancelOutcome)
    assert outcome.status is CancelStatus.CANCELLED
    assert sim.request_counts["feeds.createFeed"] == 1
    assert len(cancels_in_ledger(sim, order.order_id)) == 1


def test_create_feed_timeout_after_commit_is_recovered_through_get_feeds(sim: Simulator) -> None:
    """A createFeed answered too late (the feed exists): the feed is found with getFeeds, never created twice.

    Amazon's report of a successful acknowledgement names no order, so the found feed is only a candidate:
    the cancel is reported done because the order reads back cancelled, and no feed id is claimed for it.
    """
    order = sim.add_order()
    sim.add_fault("feeds.createFeed", "timeout_after_commit")
    outcome = sim.client().cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert outcome.status is CancelStatus.CANCELLED
    assert sim.request_counts["feeds.createFeed"] == 1
    assert sim.request_counts["feeds.getFeeds"] >= 1
    assert len(sim.world.feeds) == 1
    assert outcome.feed_id is None
    assert outcome.detail is not None
    assert "reads back as CANCELLED" in outcome.detail
    assert len(cancels_in_ledger(sim, order.order_id)) == 1


def test_create_feed_dropped_before_amazon_saw_it_is_sent_once_more(sim: Simulator) -> None:
    """A connection dropped before createFeed ran leaves no feed: it is sent again, exactly one feed exists."""
    order = sim.add_order()
    sim.add_fault("feeds.createFeed", "drop")
    outcome = sim.client().cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert outcome.status is CancelStatus.CANCELLED
    assert len(sim.world.feeds) == 1
    assert len(cancels_in_ledger(sim, order.order_id)) == 1


@pytest.mark.parametrize("fault", ["500", "503", "html_504"])
def test_transient_errors_on_reads_and_polls_are_retried(sim: Simulator, fault: str) -> None:
    """5xx and gateway pages on getOrder and getFeed are retried; the cancel goes through once."""
    order = sim.add_order()
    sim.add_fault("orders.getOrder", fault)
    sim.add_fault("feeds.getFeed", fault)
    outcome = sim.client().cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert outcome.status is CancelStatus.CANCELLED
    assert sim.request_counts["feeds.createFeed"] == 1


def test_feed_timeout_carries_the_submitted_outcome_to_wait_on(sim: Simulator) -> None:
    """The FeedTimeoutError of a cancel carries its SUBMITTED outcome; client.wait(err.outcome) finishes it."""
    order = sim.add_order()
    sim.add_fault("feeds.createFeed", "feed_stuck")
    client = sim.client()
    with pytest.raises(FeedTimeoutError) as caught:
        client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, timeout=300)
    submitted = caught.value.outcome
    assert isinstance(submitted, CancelOutcome)
    assert submitted.status is CancelStatus.SUBMITTED
    assert submitted.feed_id == caught.value.feed_id
    unstick(sim, caught.value.feed_id)
    done = client.wait(submitted)
    assert isinstance(done, CancelOutcome)
    assert done.status is CancelStatus.CANCELLED
    assert sim.request_counts["feeds.createFeed"] == 1


def test_a_fatal_feed_that_left_the_order_open_can_be_asked_again(sim: Simulator) -> None:
    """Issue 11: FATAL with the order still open is REJECTED for now, not forever: asking again sends again."""
    order = sim.add_order()
    sim.add_fault("feeds.createFeed", "feed_fatal")
    client = sim.client()
    first = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert first.status is CancelStatus.REJECTED
    assert sim.order(order.order_id).status == "Unshipped"
    again = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert again.status is CancelStatus.CANCELLED
    assert again.submission_id != first.submission_id
    assert sim.request_counts["feeds.createFeed"] == 2
    assert len(cancels_in_ledger(sim, order.order_id)) == 1
