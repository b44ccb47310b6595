"""Each way issue 17 found to break "done only when Amazon did it, money at most once", tried again.

One test (or one table of cases) per defect the issue lists, each driven as a seller would (the same call
repeated while it is not done, ``resume()``, ``refresh()``, simulated time passing) and judged on Amazon's own
ledger: ``sim.refunded`` (money refunded, every application summed), ``sim.cancelled_units`` (units cancelled),
the cancellations Amazon carried out per order (one per submission that cancelled it), and the feeds Amazon
received (``sim.world.feeds``, ``sim.request_counts``). A reported success that the ledger does not show, or an
intent the ledger shows carried out twice, fails the test at the step where it happens.

Two resumers on one uncertain entry run as two real processes against the served simulator, on a SQLite file
and on Redis (``REDIS_URL``; skipped when no server answers).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import sp_cancel
from sp_cancel import (
    AdjustmentReason,
    CancelOutcome,
    CancelReason,
    CancelStatus,
    ItemCancel,
    Money,
    RefundOutcome,
    RefundStatus,
    SellerClient,
)
from sp_cancel.errors import InvalidInputError, NotCancellableError, SpCancelError
from sp_cancel.journal import Journal
from sp_cancel.testing import Exchange, Lags, Simulator, SkewedClock
from sp_cancel.testing._sim.faults import APPLIED_REPORT_FAULTS, HOLLOW_REPORT_FAULTS
from sp_cancel.testing._sim.plans import USAGE_PLANS

ADJUSTMENT = "POST_PAYMENT_ADJUSTMENT_DATA"
ACKNOWLEDGEMENT = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
REFUND = Money(amount="3.00", currency="USD")
# Simulated seconds between a seller's repeats: minutes, hours, then days, to about 52 h (past the 48 h
# horizon, after which a money-moving submission Amazon never showed is NOT_SENT and asking again sends it).
PAUSES = (60, 240, 3600, 7200, 86_400, 86_400, 3600)
Outcome = RefundOutcome | CancelOutcome
Target = tuple[str, str]  # (order id, order item id)


# --- intents and Amazon's ledger -----------------------------------------------------------------------


def _cancellations(sim: Simulator, order_id: str) -> int:
    """How many submissions (feeds, ``cancelOrder`` calls) Amazon carried out a cancel of ``order_id`` for."""
    sim.cancelled_units(order_id)  # Amazon's own pace first: feeds due by now are processed
    with sim.lock:
        return len({c.source for c in sim.world.cancellations if c.order_id == order_id})


@dataclass(frozen=True)
class Intent:
    """One seller intent: set it up, ask for it, and count on Amazon's ledger how often it was carried out."""

    setup: Callable[[Simulator], Target]
    ask: Callable[..., Outcome]  # (client, target, **keywords of the call, e.g. wait=False)
    applications: Callable[[Simulator, Target], Decimal]
    done: RefundStatus | CancelStatus
    money: bool


def _whole_order(sim: Simulator) -> Target:
    order = sim.add_order(items=[{"price": "10.00", "quantity": 2}])
    return order.order_id, order.items[0].order_item_id


def _three_units(sim: Simulator) -> Target:
    order = sim.add_order(items=[{"price": "10.00", "quantity": 3}])
    return order.order_id, order.items[0].order_item_id


def _shipped(sim: Simulator) -> Target:
    order = sim.add_order(status="Shipped", items=[{"price": "20.00", "shipping": "4.00"}])
    return order.order_id, order.items[0].order_item_id


def _one_unit(item_id: str) -> list[ItemCancel]:
    return [ItemCancel(order_item_id=item_id, quantity=1)]


INTENTS = {
    "whole_cancel": Intent(
        setup=_whole_order,
        ask=lambda client, t, **kw: client.cancel_order(t[0], CancelReason.NO_INVENTORY, **kw),
        applications=lambda sim, t: Decimal(_cancellations(sim, t[0])),
        done=CancelStatus.CANCELLED,
        money=False,
    ),
    "unit_cancel": Intent(
        setup=_three_units,
        ask=lambda client, t, **kw: client.cancel_order(t[0], CancelReason.NO_INVENTORY, items=_one_unit(t[1]), **kw),
        applications=lambda sim, t: Decimal(sim.cancelled_units(t[0], t[1])),
        done=CancelStatus.PARTIALLY_CANCELLED,
        money=True,
    ),
    "refund": Intent(
        setup=_shipped,
        ask=lambda client, t, **kw: client.partial_refund(t[0], REFUND, reason=AdjustmentReason.CUSTOMER_RETURN, **kw),
        applications=lambda sim, t: sum(sim.refunded(t[0]).values(), Decimal(0)) / REFUND.amount,
        done=RefundStatus.APPLIED,
        money=True,
    ),
}


@dataclass
class Seller:
    """A seller asking for one intent again and again, every answer checked against Amazon's ledger."""

    sim: Simulator
    client: SellerClient
    intent: Intent
    target: Target

    def __post_init__(self) -> None:
        self.seen: list[str] = []

    def applications(self) -> Decimal:
        """How many times Amazon carried the intent out so far."""
        return self.intent.applications(self.sim, self.target)

    def check(self, outcome: object, what: str = "ask") -> None:
        """Never twice; a reported success is on Amazon's ledger."""
        applied = self.applications()
        status = getattr(outcome, "status", outcome)
        self.seen.append(f"{what}:{status}")
        assert applied <= 1, f"Amazon carried it out {applied} times; answers: {self.seen}"
        if status is self.intent.done:
            assert applied == 1, f"{what} reported {status} while Amazon's ledger shows nothing; answers: {self.seen}"

    def ask(self, **keywords: Any) -> Outcome | None:
        """Ask once; an honest error is noted (the seller asks again later)."""
        try:
            outcome = self.intent.ask(self.client, self.target, **keywords)
        except SpCancelError as exc:
            self.check(type(exc).__name__)
            return None
        self.check(outcome)
        return outcome

    def until_done(self, pauses: tuple[float, ...] = PAUSES) -> Outcome | None:
        """Ask, and after each pause ask again, until the answer is done; ``resume()`` runs between asks too."""
        outcome = self.ask()
        for pause in pauses:
            if outcome is not None and outcome.status is self.intent.done:
                break
            self.sim.advance(pause)
            self.check(None, f"{pause} s later")
            for resumed in self.client.resume():
                self.check(resumed, "resume")
            outcome = self.ask()
        return outcome

    def done_once(self, outcome: Outcome | None) -> None:
        """It ended done, and Amazon carried it out exactly once."""
        assert outcome is not None, self.seen
        assert outcome.status is self.intent.done, self.seen
        assert self.applications() == 1, self.seen


def _seller(sim: Simulator, name: str, **client: Any) -> Seller:
    intent = INTENTS[name]
    return Seller(sim=sim, client=sim.client(**client), intent=intent, target=intent.setup(sim))


def _feeds(sim: Simulator, feed_type: str) -> list[Any]:
    with sim.lock:
        return [feed for feed in sim.world.feeds.values() if feed.feed_type == feed_type]


# --- a search that fails after a lost answer ----------------------------------------------------------


@pytest.mark.parametrize("name", ["unit_cancel", "whole_cancel"])
def test_a_failing_search_after_a_lost_answer_never_sends_a_unit_cancel_again(name: str) -> None:
    """``createFeed`` answers 500 after creating the feed, then ``getFeeds`` fails (503, eight times).

    The repeat must not send a second feed for a unit cancel (money); a whole-order cancel may be sent again
    (harmless), but Amazon cancels the order once.
    """
    sim = Simulator(seed=171, orders=0)
    seller = _seller(sim, name)
    sim.add_fault("feeds.createFeed", "500_after_commit")
    sim.add_fault("feeds.getFeeds", "503", count=8)
    seller.done_once(seller.until_done())
    if seller.intent.money:
        assert len(_feeds(sim, ADJUSTMENT)) == 1, "the unit cancel was sent a second time"
    else:
        assert sim.order(seller.target[0]).status == "Canceled"


# --- two resumers, one submission -----------------------------------------------------------------------

RESUMER = r"""
import json, sys, time
from datetime import datetime
from pathlib import Path

import httpx

from sp_cancel import Credentials, SellerClient
from sp_cancel.clock import FakeClock
from sp_cancel.journal import RedisJournal

cfg = json.loads(sys.argv[1])
clock = FakeClock(start=datetime.fromisoformat(cfg["now"]))


def sleep(seconds):
    clock.advance(seconds)  # this worker's own time; Amazon's moves with its feed polls (see the test)
    time.sleep(0.001)


class Together(httpx.HTTPTransport):
    # Both resumers read the entry, then meet at their first getFeeds: each decides on the same version of it.
    met = False

    def handle_request(self, request):
        if not Together.met and request.method == "GET" and request.url.path.endswith("/feeds/2021-06-30/feeds"):
            Together.met = True
            Path(cfg["barrier"], cfg["name"]).touch()
            deadline = time.monotonic() + 60
            while len(list(Path(cfg["barrier"]).iterdir())) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
        return super().handle_request(request)


if cfg["backend"] == "sqlite":
    journal = cfg["journal"]
else:
    journal = RedisJournal(cfg["journal"], prefix=cfg["prefix"], clock=clock)
client = SellerClient(
    credentials=Credentials(**cfg["credentials"]), seller_id=cfg["seller_id"], marketplace=cfg["marketplace"],
    endpoint=cfg["base_url"], token_url=cfg["base_url"] + "/auth/o2/token", journal=journal,
    transport=Together(), clock=clock, sleep=sleep,
)
print(json.dumps([{"status": str(o.status), "detail": o.detail} for o in client.resume(timeout=600)]))
"""


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def shared_journal(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """``(backend, location, key prefix)`` of a journal two processes share: a SQLite file, or Redis."""
    if request.param == "sqlite":
        yield "sqlite", str(tmp_path / "journal.sqlite3"), ""
        return
    redis = pytest.importorskip("redis")
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis server answers at {url} (set REDIS_URL to run this test): {exc}")
    prefix = f"sp_cancel:test:{uuid.uuid4().hex}:"
    yield "redis", url, prefix
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


def _journal_arg(sim: Simulator, backend: str, location: str, prefix: str) -> Any:
    if backend == "sqlite":
        return location
    from sp_cancel.journal import RedisJournal  # noqa: PLC0415 - needs the redis extra, which the fixture checked

    return RedisJournal(location, prefix=prefix, clock=sim.clock)


def _polls_move_amazon(sim: Simulator) -> None:
    """Amazon's (the served simulator's fake) clock moves 30 s with every ``getFeed`` it answers, and only then.

    Feeds are processed as the workers poll them, whatever the machine's load: nothing depends on timing.
    """

    def move(exchange: Exchange) -> None:
        if exchange.operation == "feeds.getFeed":
            sim.advance(30)

    sim.observe(move)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["refund", "unit_cancel", "whole_cancel"])
def test_two_resumers_of_one_uncertain_submission_send_it_at_most_once(
    name: str, shared_journal: tuple[str, str, str], tmp_path: Path
) -> None:
    """Two processes run ``resume()`` at once on an entry whose ``createFeed`` connection dropped (no feed exists).

    Money (a refund, a unit cancel) is sent by neither: it stays ``UNCONFIRMED`` until Amazon shows it. A
    whole-order cancel (harmless) is claimed back by exactly one of them and sent once.
    """
    backend, location, prefix = shared_journal
    sim = Simulator(seed=172, orders=0, lags=Lags(feed_listing=45))
    intent = INTENTS[name]
    target = intent.setup(sim)
    sim.add_fault("feeds.createFeed", "drop")
    with sim.client(journal=_journal_arg(sim, backend, location, prefix)) as first:
        lost = intent.ask(first, target, wait=False)  # one look, then it answers: no resend of its own
    assert lost.status in {"SUBMITTED", "UNCONFIRMED"}, lost  # one look, Amazon showed nothing: in doubt
    assert _feeds(sim, ADJUSTMENT) == _feeds(sim, ACKNOWLEDGEMENT) == []  # the connection dropped: nothing at Amazon
    sim.advance(300)  # five minutes later: past any listing lag a harmless resend waits for
    _polls_move_amazon(sim)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    before = sim.request_counts.get("feeds.createFeed", 0)
    with sim.serve() as base_url:
        creds = sim.credentials
        cfg = {
            "backend": backend,
            "journal": location,
            "prefix": prefix,
            "credentials": {
                "refresh_token": creds.refresh_token,
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
            },
            "seller_id": sim.seller_id,
            "marketplace": sim.marketplace_id,
            "base_url": base_url,
            "now": sim.now().isoformat(),
            "barrier": str(barrier),
        }
        workers = [
            subprocess.Popen(  # noqa: S603 - our own interpreter and script
                [sys.executable, "-c", RESUMER, json.dumps({**cfg, "name": worker})],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for worker in ("a", "b")
        ]
        answers = []
        for worker in workers:
            out, err = worker.communicate(timeout=180)
            assert worker.returncode == 0, err[-2000:]
            answers.append(json.loads(out.strip().splitlines()[-1]))
    sent = sim.request_counts.get("feeds.createFeed", 0) - before
    statuses = [a["status"] for answer in answers for a in answer]
    if intent.money:
        assert sent == 0, f"a resumer sent it again: {answers}"
        assert intent.applications(sim, target) == 0
        assert statuses == ["UNCONFIRMED", "UNCONFIRMED"], answers
        assert all(a["detail"] for answer in answers for a in answer)
    else:
        assert sent == 1, f"{sent} resends: {answers}"
        assert intent.applications(sim, target) == 1
        assert set(statuses) <= {"CANCELLED", "SUBMITTED", "UNCONFIRMED"}, answers
        assert "CANCELLED" in statuses, answers


# --- processing reports that say nothing ----------------------------------------------------------------


@pytest.mark.parametrize("name", list(INTENTS))
@pytest.mark.parametrize("fault", sorted(HOLLOW_REPORT_FAULTS))
def test_a_report_that_says_nothing_is_never_read_as_success(fault: str, name: str) -> None:
    """A DONE feed whose report applies nothing is never read as done while Amazon did nothing.

    The reports: nothing processed, still ``Processing``, ``Rejected``, results for another message and order.
    A ``Rejected`` document is Amazon's refusal (``REJECTED``, nothing applied); after the others the seller,
    asking again, ends with the intent done once.
    """
    sim = Simulator(seed=173, orders=0)
    seller = _seller(sim, name)
    sim.add_fault("feeds.createFeed", fault)
    first = seller.ask()
    sim.advance(3600)
    assert seller.applications() == 0, "the hollow feed was applied after all"  # the fault's premise
    assert first is None or first.status is not seller.intent.done, seller.seen
    last = seller.until_done()
    if fault == "report_rejected":  # Amazon refused the document: REJECTED stays, nothing was applied
        assert last is not None
        assert last.status in {CancelStatus.REJECTED, RefundStatus.REJECTED}, seller.seen
        assert seller.applications() == 0
    else:  # Amazon said nothing: settled by reading back (later, the horizon) and asked again, done once
        seller.done_once(last)


# --- the search window and the clock ------------------------------------------------------------------

CLOCK_FAULTS = [
    *[
        pytest.param(fault, operation, id=f"{fault}-{operation.split('.')[-1]}")
        for fault in ("date_1970", "date_2100", "date_skew")
        for operation in ("feeds.createFeedDocument", "feeds.getFeeds", "finances.listFinancialEventsByOrderId")
    ],
    pytest.param("ntp_step", "+150", id="ntp-step+150"),
    pytest.param("ntp_step", "-150", id="ntp-step-150"),
]


@pytest.mark.parametrize("lag", [45, 3600], ids=["listed-after-45s", "listed-after-1h"])
@pytest.mark.parametrize(("fault", "where"), CLOCK_FAULTS)
def test_a_stray_date_or_an_ntp_step_during_a_lost_answer_books_a_refund_once(fault: str, where: str, lag: int) -> None:
    """A stray ``Date`` (1970, 2100, +180 s) or an NTP step of 150 s while an answer is lost: booked once.

    ``createFeed``'s answer times out (the feed exists); the lying ``Date`` comes with the answer right before
    sending, the first search, or the first Finances read; the step comes while the answer is being lost. Amazon
    lists the feed 45 s after ``createFeed``, or only after an hour (a stray date must not make "not listed yet"
    look like the horizon passed).
    """
    sim = Simulator(seed=174, orders=0, lags=Lags(feed_listing=lag))
    clock = SkewedClock(sim.clock, 0)
    seller = _seller(sim, "refund", clock=clock)
    sim.add_fault("feeds.createFeed", "timeout_after_commit")
    if fault == "ntp_step":

        def step(exchange: Exchange) -> None:
            if exchange.operation == "feeds.createFeed" and exchange.fault:
                clock.step(float(where))  # while the answer is being lost

        sim.observe(step)
    else:
        sim.add_fault(where, fault, seconds=180.0 if fault == "date_skew" else None)
    seller.done_once(seller.until_done())
    assert len(_feeds(sim, ADJUSTMENT)) == 1


# --- what is in doubt -----------------------------------------------------------------------------------


def test_unconfirmed_lists_what_amazon_has_not_shown_and_drops_what_it_shows() -> None:
    """``client.unconfirmed()`` lists the refunds and unit cancels in doubt, sends nothing, and drops what Amazon shows.

    Two never reached Amazon (the connection dropped); one did (the answer timed out) and Finances posts it two
    hours later: from then on it is no longer in doubt.
    """
    sim = Simulator(seed=187, orders=0, lags=Lags(feed_listing=45))
    client = sim.client()
    nothing_sent, unit, posted_later = _shipped(sim), _three_units(sim), _shipped(sim)
    sim.add_fault("feeds.createFeed", "drop")  # nothing reaches Amazon
    client.partial_refund(nothing_sent[0], REFUND, reason=AdjustmentReason.CUSTOMER_RETURN)
    sim.add_fault("feeds.createFeed", "drop")
    client.cancel_order(unit[0], CancelReason.NO_INVENTORY, items=_one_unit(unit[1]))
    sim.add_fault("feeds.createFeed", "timeout_after_commit")  # Amazon has the feed; the answer is lost
    client.partial_refund(posted_later[0], REFUND, reason=AdjustmentReason.CUSTOMER_RETURN)
    sent = sim.request_counts["feeds.createFeed"]
    in_doubt = client.unconfirmed()
    assert sorted(o.order_id for o in in_doubt) == sorted([nothing_sent[0], unit[0], posted_later[0]])
    assert all(o.status == "UNCONFIRMED" and o.detail for o in in_doubt), in_doubt
    sim.advance(3 * 3600)  # Finances posts the refund Amazon applied, two hours after it did
    assert sorted(o.order_id for o in client.unconfirmed()) == sorted([nothing_sent[0], unit[0]])
    assert sim.request_counts["feeds.createFeed"] == sent, "looking at what is in doubt sent something"
    assert sim.refunded(posted_later[0]) == {"Principal": REFUND.amount}
    assert sim.refunded(nothing_sent[0]) == {}
    assert sim.cancelled_units(unit[0]) == 0


# --- two identical intents of this library, the first in doubt ------------------------------------------


def test_a_refund_in_doubt_never_claims_the_posting_of_a_later_identical_refund() -> None:
    """Two tickets refund 3.00 of one item; the first's connection dropped (nothing reached Amazon): never APPLIED.

    The second is sent, proven by its report and posted by Finances two hours later. That posting is the
    second's: the first stays ``UNCONFIRMED`` (the refunds reported ``APPLIED`` never add up to more than Amazon
    refunded) until the horizon, and asked again after it, it is sent and applied once.
    """
    sim = Simulator(seed=188, orders=0)
    order_id, _ = _shipped(sim)
    client = sim.client()

    def ask(ticket: str) -> RefundOutcome:
        return client.partial_refund(order_id, REFUND, reason=AdjustmentReason.CUSTOMER_RETURN, idempotency_key=ticket)

    def reported_applied(*outcomes: RefundOutcome) -> Decimal:
        return sum((REFUND.amount for o in outcomes if o.status is RefundStatus.APPLIED), Decimal(0))

    sim.add_fault("feeds.createFeed", "drop")
    first = ask("ticket-1")
    second = ask("ticket-2")
    assert (first.status, second.status) == ("UNCONFIRMED", RefundStatus.APPLIED)
    for pause in PAUSES:
        sim.advance(pause)
        first, second = client.refresh(first), client.refresh(second)
        refunded = sum(sim.refunded(order_id).values(), Decimal(0))
        assert reported_applied(first, second) <= refunded, f"{first.status}, {second.status}; Amazon: {refunded}"
        if first.status == "NOT_SENT":
            first = ask("ticket-1")  # its next attempt
    assert (first.status, second.status) == (RefundStatus.APPLIED, RefundStatus.APPLIED)
    assert sim.refunded(order_id) == {"Principal": 2 * REFUND.amount}


def test_a_unit_cancel_in_doubt_never_claims_the_units_of_a_later_unit_cancel() -> None:
    """One unit cancelled twice by two intents (two reasons); the first's connection dropped: never done for it.

    The second is sent and proven by its report; the order then shows one unit cancelled, the second's. The
    first stays ``UNCONFIRMED`` until the horizon, and asked again after it, it is sent: two units in the end.
    """
    sim = Simulator(seed=189, orders=0)
    order_id, item_id = _three_units(sim)
    client = sim.client()

    def ask(reason: CancelReason) -> CancelOutcome:
        return client.cancel_order(order_id, reason, items=_one_unit(item_id))

    def reported_units(*outcomes: CancelOutcome) -> int:
        return sum(1 for o in outcomes if o.status is CancelStatus.PARTIALLY_CANCELLED)

    sim.add_fault("feeds.createFeed", "drop")
    first = ask(CancelReason.NO_INVENTORY)
    second = ask(CancelReason.GENERAL_ADJUSTMENT)
    assert (first.status, second.status) == ("UNCONFIRMED", CancelStatus.PARTIALLY_CANCELLED)
    for pause in PAUSES:
        sim.advance(pause)
        first, second = client.refresh(first), client.refresh(second)
        cancelled = sim.cancelled_units(order_id, item_id)
        assert reported_units(first, second) <= cancelled, f"{first.status}, {second.status}; Amazon: {cancelled}"
        if first.status == "NOT_SENT":
            first = ask(CancelReason.NO_INVENTORY)  # its next attempt
    assert (first.status, second.status) == (CancelStatus.PARTIALLY_CANCELLED, CancelStatus.PARTIALLY_CANCELLED)
    assert sim.cancelled_units(order_id, item_id) == 2


@pytest.mark.parametrize(("processing", "posting"), [(2, 47.0), (1, 47.5)], ids=["processed-2h", "processed-1h"])
@pytest.mark.parametrize("fault", ["timeout_after_commit", "report_empty"])
def test_a_refund_amazon_posts_within_48_hours_of_applying_it_is_never_sent_again(
    fault: str, processing: float, posting: float
) -> None:
    """Amazon takes ``processing`` hours over the feed and posts the refund ``posting`` hours after applying it.

    Amazon documents no processing time (seconds to hours, #4914) and says Finances may lack the last 48 hours,
    so a refund whose proof is Finances (its answer lost, or its report unreadable) can show up to 48 h after
    it was *applied*. Until then it is in doubt, never sent again: asked every half hour past 50 h, it is
    refunded once and ends ``APPLIED``.
    """
    sim = Simulator(seed=190, orders=0, lags=Lags(feed_listing=45, refund_posting=posting * 3600))
    sim._core.feed_timing.base_seconds = processing * 3600
    seller = _seller(sim, "refund")
    sim.add_fault("feeds.createFeed", fault)
    outcome = seller.ask(timeout=4 * 3600)
    for pause in (3600, 6 * 3600, 12 * 3600, 12 * 3600, 12 * 3600, *(1800,) * 18):
        sim.advance(pause)
        outcome = seller.ask(timeout=4 * 3600) or outcome
    seller.done_once(outcome)


# --- units that ship while a FATAL feed cancelled nothing ---------------------------------------------


def test_a_unit_that_ships_is_never_counted_as_cancelled() -> None:
    """The unit-cancel feed ends FATAL (Amazon applied some, none or all of it) while a unit ships meanwhile.

    Fewer unshipped units is no cancel: where the FATAL feed cancelled nothing, the answer is never
    ``PARTIALLY_CANCELLED``; where it cancelled the unit, it is.
    """
    applied_by_seed: dict[int, bool] = {}
    for seed in range(1, 7):
        sim = Simulator(seed=seed, orders=0)
        seller = _seller(sim, "unit_cancel")
        order_id, item_id = seller.target
        sim.add_fault("feeds.createFeed", "feed_fatal")

        def ship_one(
            exchange: Exchange, sim: Simulator = sim, order_id: str = order_id, item_id: str = item_id
        ) -> None:
            if exchange.operation == "feeds.createFeed" and exchange.status == 202:
                sim.ship(order_id, item_id, 1)  # Amazon has the feed; the seller ships one unit meanwhile

        sim.observe(ship_one)
        outcome = seller.ask()
        applied_by_seed[seed] = seller.applications() == 1
        assert outcome is not None, seller.seen
        if applied_by_seed[seed]:
            assert outcome.status is CancelStatus.PARTIALLY_CANCELLED, seller.seen
        else:
            assert outcome.status is CancelStatus.UNCONFIRMED, seller.seen
        assert sim.order(order_id).items[0].quantity_shipped == 1
    assert set(applied_by_seed.values()) == {True, False}, f"both cases must be tried: {applied_by_seed}"


# --- an MCF order that moves on after an empty 200 ------------------------------------------------------

MCF_CANCEL = {"2020-07-01": "fbaOutbound.cancelFulfillmentOrder", "2026-07-04": "fbaOutbound2026.cancelOrder"}


@pytest.mark.parametrize("api", list(MCF_CANCEL))
@pytest.mark.parametrize("moved_to", ["Processing", "Complete"])
@pytest.mark.parametrize("answer", ["empty_body", "empty_object"])
def test_an_mcf_cancel_answered_empty_for_an_order_that_moved_on_is_not_requested(
    api: str, moved_to: str, answer: str
) -> None:
    """An MCF cancel answered empty for an order that moved on is refused with its state, never requested.

    The answer: 200 with an empty body (nothing done), or ``{}`` while Amazon's fulfillment overtakes the cancel;
    the order moves on to ``moved_to``.
    """
    sim = Simulator(seed=175, orders=0)
    if answer == "empty_object":
        sim.add_mcf_order("MCF-17", status="Planning", cancel_overtaken_by=moved_to)
    else:
        sim.add_mcf_order("MCF-17", status="Planning")
        sim.add_fault(MCF_CANCEL[api], "empty_200")

        def move_on(exchange: Exchange) -> None:
            if exchange.operation == MCF_CANCEL[api] and exchange.fault == "empty_200":
                sim.move_mcf_order("MCF-17", moved_to)  # Amazon's fulfillment center took it meanwhile

        sim.observe(move_on)
    with pytest.raises(NotCancellableError) as refused:
        sim.client().cancel_fba_order("MCF-17", api=api)
    assert sim.world.mcf_orders["MCF-17"].status == moved_to
    assert refused.value.state.lower() == moved_to.lower(), refused.value  # "Processing" or 2026's "PROCESSING"


# --- a resend checks the order again ------------------------------------------------------------------


def test_a_resent_whole_order_cancel_is_not_sent_for_an_order_that_shipped_meanwhile() -> None:
    """A whole-order cancel sent again after a lost answer checks the order first: shipped, it is not sent.

    The acknowledgement's connection drops (no feed exists); the order ships; the repeat, which would send it
    again, answers ``REJECTED`` with nothing sent (a ``Failure`` for a shipped order makes Amazon refund it all).
    """
    sim = Simulator(seed=176, orders=0)
    seller = _seller(sim, "whole_cancel")
    order_id, item_id = seller.target
    sim.add_fault("feeds.createFeed", "drop")
    lost = seller.client.cancel_order(order_id, CancelReason.NO_INVENTORY, wait=False)  # one look, no resend yet
    assert lost.status in {"SUBMITTED", "UNCONFIRMED"}, lost
    sim.ship(order_id, item_id, 2)
    outcome = seller.until_done(pauses=(600, 3600))
    assert outcome is not None
    assert outcome.status is CancelStatus.REJECTED, seller.seen
    assert "not sent" in (outcome.detail or ""), outcome.detail
    assert _feeds(sim, ACKNOWLEDGEMENT) == [], "a Failure acknowledgement was sent for a shipped order"
    assert sim.refunded(order_id) == {}
    assert sim.order(order_id).status == "Shipped"


def test_a_resent_acceptance_is_not_sent_once_the_buyer_withdrew_the_request() -> None:
    """An acceptance sent again after a lost answer checks the order first: a withdrawn request is not answered.

    Accepting the buyer's request loses its connection (no feed exists); the buyer withdraws the request;
    ``BuyerCanceled`` is never sent (it would count against the cancellation rate).
    """
    sim = Simulator(seed=177, orders=0)
    order = sim.add_order(items=[{"price": "10.00"}], buyer_requested_cancel=True)
    client = sim.client()
    sim.add_fault("feeds.createFeed", "drop")
    first = client.accept_buyer_cancellations([order.order_id], wait=False)[order.order_id]  # one look, no resend
    assert first.status in {"SUBMITTED", "UNCONFIRMED"}, first
    sim.withdraw_buyer_request(order.order_id)
    answers = []
    for pause in (600, 3600):
        sim.advance(pause)
        answers.append(client.accept_buyer_cancellations([order.order_id])[order.order_id])
    assert answers[-1].status in {CancelStatus.REJECTED, CancelStatus.REFUSED}, answers
    assert _feeds(sim, ACKNOWLEDGEMENT) == [], "BuyerCanceled was sent for a request the buyer withdrew"
    assert sim.order(order.order_id).status == "Unshipped"


# --- an unreadable report -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(INTENTS))
@pytest.mark.parametrize("fault", sorted(APPLIED_REPORT_FAULTS))
def test_an_unreadable_report_is_settled_by_reading_the_order_back(fault: str, name: str) -> None:
    """An applied feed whose report is cut, empty, an HTML page or missing is settled by reading back, once.

    No ``FeedError``: the order (its cancelled units, or Finances for a refund) read back decides.
    """
    sim = Simulator(seed=178, orders=0)
    seller = _seller(sim, name)
    sim.add_fault("feeds.createFeed", fault)
    seller.done_once(seller.until_done(pauses=(600, 3600, 7200)))
    assert not [s for s in seller.seen if "Error" in s], seller.seen


def test_resume_settles_an_unreadable_report_and_finishes_the_other_work(tmp_path: Path) -> None:
    """``resume()`` settles a cancel whose report is truncated and finishes the unrelated work after it.

    The truncated one is journaled first; another cancel and a refund follow: every one is finished (the first
    by reading its order back), none blocked by it.
    """
    sim = Simulator(seed=179, orders=0)
    journal = tmp_path / "journal.sqlite3"
    spoiled, other = _whole_order(sim), _whole_order(sim)
    refund = _shipped(sim)
    with sim.client(journal=journal) as worker:
        sim.add_fault("feeds.createFeed", "report_truncated")
        worker.cancel_order(spoiled[0], CancelReason.NO_INVENTORY, wait=False)
        worker.cancel_order(other[0], CancelReason.NO_INVENTORY, wait=False)
        worker.partial_refund(refund[0], REFUND, reason=AdjustmentReason.CUSTOMER_RETURN, wait=False)
    sim.advance(600)  # Amazon processed all three feeds
    with sim.client(journal=journal) as resumer:
        outcomes = resumer.resume()
    by_order = {o.order_id: o.status for o in outcomes}
    assert by_order == {
        spoiled[0]: CancelStatus.CANCELLED,
        other[0]: CancelStatus.CANCELLED,
        refund[0]: RefundStatus.APPLIED,
    }
    assert _cancellations(sim, spoiled[0]) == _cancellations(sim, other[0]) == 1
    assert sim.refunded(refund[0]) == {"Principal": REFUND.amount}


# --- the journal failing -------------------------------------------------------------------------------


def _on_first(sim: Simulator, operation: str, action: Callable[[], None]) -> None:
    """Run ``action`` once, right after Amazon answered the first ``operation`` request."""
    fired: list[bool] = []

    def observer(exchange: Exchange) -> None:
        if exchange.operation == operation and not fired:
            fired.append(True)
            action()

    sim.observe(observer)


def test_a_locked_journal_raises_a_typed_error_and_the_repeat_does_not_wait_for_its_lease(tmp_path: Path) -> None:
    """A locked journal raises ``JournalUnavailableError``; the repeat does not wait out the failed call's lease.

    Another process holds the SQLite journal's write lock when a refund is about to be sent: the call raises
    (transient), nothing is sent; once the lock is gone, the user's repeat sends it at once (no 300 s lease to
    wait out), and Amazon refunds it once.
    """
    sim = Simulator(seed=180, orders=0)
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path, clock=sim.client_clock, busy_timeout=0.05)
    seller = _seller(sim, "refund", journal=journal)
    other = sqlite3.connect(path, isolation_level=None)

    def lock() -> None:
        other.execute("BEGIN EXCLUSIVE")

    _on_first(sim, "feeds.createFeedDocument", lock)
    with pytest.raises(sp_cancel.JournalUnavailableError) as failed:
        seller.intent.ask(seller.client, seller.target)
    assert failed.value.transient is True
    assert sim.request_counts.get("feeds.createFeed", 0) == 0
    other.execute("COMMIT")
    other.close()
    started = sim.client_clock.monotonic()
    outcome = seller.ask()
    assert sim.client_clock.monotonic() - started < 300, "the repeat waited for the failed call's lease"
    seller.done_once(outcome)
    assert sim.request_counts["feeds.createFeed"] == 1
    journal.close()


def test_a_journal_that_turns_read_only_raises_a_typed_error_before_sending(tmp_path: Path) -> None:
    """A journal that turns read-only raises ``JournalUnavailableError`` before anything is sent.

    The journal's database turns read-only (``query_only``: SQLite's own read-only error) as a unit cancel is
    about to be sent: a typed error, not ``sqlite3.OperationalError``; writable again, the repeat sends it at
    once and Amazon cancels the unit once.
    """
    sim = Simulator(seed=181, orders=0)
    connections: list[sqlite3.Connection] = []

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connections.append(sqlite3.connect(*args, **kwargs))
        return connections[-1]

    journal = Journal(tmp_path / "journal.sqlite3", clock=sim.client_clock, connect=connect)
    seller = _seller(sim, "unit_cancel", journal=journal)
    _on_first(sim, "feeds.createFeedDocument", lambda: connections[-1].execute("PRAGMA query_only = ON"))
    with pytest.raises(sp_cancel.JournalUnavailableError) as failed:
        seller.intent.ask(seller.client, seller.target)
    assert not isinstance(failed.value, sqlite3.Error)
    assert sim.request_counts.get("feeds.createFeed", 0) == 0
    connections[-1].execute("PRAGMA query_only = OFF")
    started = sim.client_clock.monotonic()
    outcome = seller.ask()
    assert sim.client_clock.monotonic() - started < 300, "the repeat waited for the failed call's lease"
    seller.done_once(outcome)
    journal.close()


def test_a_corrupt_journal_raises_a_typed_error_and_sends_nothing(tmp_path: Path) -> None:
    """A journal file that is not a database: ``JournalUnavailableError`` (not transient), nothing sent."""
    sim = Simulator(seed=182, orders=0)
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(b"this is no journal " * 200)
    seller = _seller(sim, "refund", journal=path)
    with pytest.raises(sp_cancel.JournalUnavailableError) as failed:
        seller.intent.ask(seller.client, seller.target)
    assert failed.value.transient is False
    assert sim.request_counts.get("feeds.createFeedDocument", 0) == 0
    assert sim.request_counts.get("feeds.createFeed", 0) == 0


# --- the cost of caution ------------------------------------------------------------------------------

CREATE_FEED_REFILL = 1 / USAGE_PLANS["feeds.createFeed"][0]  # seconds for one createFeed token to come back
CLIENT_READ_TIMEOUT = 30.0  # SellerClient's default: a timed-out answer is known lost only after it


def _timed_refund(fault: str | None) -> tuple[RefundOutcome, float, Simulator]:
    """One refund with ``fault`` on ``createFeed``: its outcome and the client's (fake) seconds it took."""
    sim = Simulator(seed=183, orders=0)
    seller = _seller(sim, "refund")
    seller.client.order(seller.target[0])  # the access token and the order read are not what is timed
    if fault is not None:
        sim.add_fault("feeds.createFeed", fault)
    started = sim.client_clock.monotonic()
    outcome = seller.intent.ask(seller.client, seller.target)
    assert isinstance(outcome, RefundOutcome)
    seller.check(outcome)
    return outcome, sim.client_clock.monotonic() - started, sim


@pytest.mark.parametrize("fault", ["drop_after_commit", "503_after_commit", "timeout_after_commit"])
def test_a_lost_create_feed_answer_on_a_refund_answers_unconfirmed_within_a_minute(fault: str) -> None:
    """A refund whose ``createFeed`` answer is lost answers ``UNCONFIRMED`` within a minute, sent once.

    The feed exists; the minute is on the client's clock (for a timed-out answer, from the read timeout on):
    no five-minute block.
    """
    outcome, took, sim = _timed_refund(fault)
    assert outcome.status is RefundStatus.UNCONFIRMED, outcome
    lost_after = CLIENT_READ_TIMEOUT if fault == "timeout_after_commit" else 0.0
    assert took - lost_after <= 60, f"{took:.0f} s on the client's clock"
    assert sim.request_counts["feeds.createFeed"] == 1


def test_a_429_on_a_refund_costs_only_the_bucket_refill() -> None:
    """A 429 on a refund's ``createFeed`` costs the bucket's refill and nothing else.

    Amazon refused before processing: the feed is sent again once the bucket refills (two minutes), never looked
    for; the call takes the refill longer than an unhindered one, and refunds once.
    """
    plain, plain_took, _ = _timed_refund(None)
    throttled, took, sim = _timed_refund("429")
    assert plain.status is throttled.status is RefundStatus.APPLIED
    assert took - plain_took <= CREATE_FEED_REFILL + 5, f"{took - plain_took:.0f} s more than without the 429"
    assert sim.request_counts["feeds.createFeed"] == 2
    assert sim.request_counts.get("feeds.getFeeds", 0) == 0, "a 429 was searched for as if it were a lost answer"
    assert len(_feeds(sim, ADJUSTMENT)) == 1


# --- an operator's declaration ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["refund", "unit_cancel"])
def test_declare_not_sent_is_refused_while_amazon_shows_it(name: str) -> None:
    """Declaring a refund (a unit cancel) not sent is refused while Amazon shows it; it is done once.

    The answer was lost but the feed exists: Finances posts the refund, the order shows the unit cancelled.
    """
    sim = Simulator(seed=184, orders=0, lags=Lags(feed_listing=45))
    seller = _seller(sim, name)
    sim.add_fault("feeds.createFeed", "drop_after_commit")
    lost = seller.ask(wait=False)
    assert lost is not None
    assert lost.status == "UNCONFIRMED", lost
    sim.advance(3 * 3600)  # Amazon processed the feed; Finances posts a refund two hours after it applied it
    with pytest.raises(InvalidInputError, match="not UNCONFIRMED"):
        seller.client.declare_not_sent(lost, by="ops@example.com")
    seller.check(seller.client.refresh(lost), "refresh")
    seller.done_once(seller.ask())
    assert len(_feeds(sim, ADJUSTMENT)) == 1


@pytest.mark.parametrize("name", ["refund", "unit_cancel"])
def test_declare_not_sent_keeps_who_and_when_and_asking_again_sends_it_once(name: str) -> None:
    """An operator declares an ``UNCONFIRMED`` refund (unit cancel) not sent: journaled with who and when; sent once.

    Nothing reached Amazon (the connection dropped); the time kept is Amazon's. Asking again sends it, and asking
    once more sends nothing.
    """
    sim = Simulator(seed=185, orders=0)
    seller = _seller(sim, name)
    sim.add_fault("feeds.createFeed", "drop")
    lost = seller.ask()
    assert lost is not None
    assert lost.status == "UNCONFIRMED", lost
    sim.advance(600)
    declared_at = sim.now()
    declared = seller.client.declare_not_sent(lost, by="alice@example.com", note="Seller Central shows nothing")
    assert declared.status == "NOT_SENT", declared
    assert lost.submission_id is not None
    entry = seller.client.journal.get(lost.submission_id)
    assert entry is not None
    assert entry.state == "failed"
    detail = str((entry.outcome or {}).get("detail"))
    assert "alice@example.com" in detail
    assert "Seller Central shows nothing" in detail
    stamped = re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[+-]\d\d:\d\d|Z)?", detail)
    assert stamped is not None, detail
    assert abs(datetime.fromisoformat(stamped.group()) - declared_at) <= timedelta(seconds=2)
    assert seller.applications() == 0
    seller.done_once(seller.ask())
    seller.done_once(seller.ask())  # and again: the journal answers, nothing is sent
    assert len(_feeds(sim, ADJUSTMENT)) == 1
