"""Money moves at most once (issue 17): a lost ``createFeed`` answer, swept over Amazon's listing lag and clocks.

A refund and a unit cancel (both ``POST_PAYMENT_ADJUSTMENT_DATA``: money) lose their ``createFeed`` answer in
each of the ways Amazon's edge loses one: the feed was created and the answer timed out, was dropped, or came
back ``503``; or the connection dropped before Amazon saw anything (``drop``: no feed exists). Amazon lists
every new feed in ``getFeeds`` ``lag`` seconds after ``createFeed`` (``Lags.feed_listing``: 0 s to an hour), and
the process that picks the work up again runs on a host clock ``offset`` seconds off Amazon's (a second client
on the same journal file, its clock a ``SkewedClock`` over the simulator's: -1 h to +1 h).

That resuming process does what a careful seller does: it repeats the call, runs ``resume()``, ``refresh()``
and (refunds) ``verify_refund()``, and lets simulated time pass, minutes first, then hours, to past the 48 h
horizon. Judged on Amazon's own ledger (``sim.refunded``, ``sim.cancelled_units``), never on what the library
says:

* **0 duplicates**: at every moment the refunded amount (the cancelled units) is at most what was asked;
* **0 false successes**: whenever any call reports ``APPLIED``/``PARTIALLY_CANCELLED`` (or ``verify_refund``
  ``POSTED``), Amazon's ledger shows it;
* **done once in the end**: after the horizon, the ledger shows exactly what was asked and the repeated call
  reports it done.

Every clock is fake (the simulator's ``FakeClock``): the 240 cases run in seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

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
from sp_cancel.errors import InvalidInputError, SpCancelError
from sp_cancel.testing import Lags, Simulator, SkewedClock

LOST_ANSWERS = ("timeout_after_commit", "drop_after_commit", "503_after_commit", "drop")
LISTING_LAGS = (0, 45, 89, 200, 600, 3600)
RESUMER_OFFSETS = (-3600, -60, 0, 60, 3600)
# Simulated seconds between the resuming process's rounds, to 1 min, 5 min, 65 min (past every listing lag),
# 3 h 5 min (past Finances' 2 h posting), 27 h, 51 h (past the 48 h horizon after which a submission Amazon never
# showed is NOT_SENT and asking again sends it) and 52 h (nothing more happens after that).
PAUSES = (60, 240, 3600, 7200, 86_400, 86_400, 3600)
REFUND = Money(amount="3.00", currency="USD")
DONE = frozenset({RefundStatus.APPLIED, RefundStatus.PARTIALLY_APPLIED, CancelStatus.PARTIALLY_CANCELLED})

Outcome = RefundOutcome | CancelOutcome


@dataclass(frozen=True)
class Workflow:
    """One money-moving intent: how to set it up, ask for it, and what Amazon's ledger must show."""

    setup: Callable[[Simulator], tuple[str, str]]  # (order id, order item id)
    ask: Callable[[SellerClient, str, str], Outcome]
    applied: Callable[[Simulator, str, str], Decimal]  # what Amazon applied, every application summed
    asked: Decimal  # what one application is
    done: RefundStatus | CancelStatus


def _shipped_order(sim: Simulator) -> tuple[str, str]:
    order = sim.add_order(status="Shipped", items=[{"price": "20.00", "shipping": "4.00"}])
    return order.order_id, order.items[0].order_item_id


def _three_units(sim: Simulator) -> tuple[str, str]:
    order = sim.add_order(items=[{"price": "10.00", "quantity": 3}])
    return order.order_id, order.items[0].order_item_id


def _refund(client: SellerClient, order_id: str, _item_id: str) -> Outcome:
    return client.partial_refund(order_id, REFUND, reason=AdjustmentReason.CUSTOMER_RETURN)


def _unit_cancel(client: SellerClient, order_id: str, item_id: str) -> Outcome:
    return client.cancel_order(
        order_id, CancelReason.NO_INVENTORY, items=[ItemCancel(order_item_id=item_id, quantity=1)]
    )


WORKFLOWS = {
    "refund": Workflow(
        setup=_shipped_order,
        ask=_refund,
        applied=lambda sim, order_id, _item: sum(sim.refunded(order_id).values(), Decimal(0)),
        asked=REFUND.amount,
        done=RefundStatus.APPLIED,
    ),
    "unit_cancel": Workflow(
        setup=_three_units,
        ask=_unit_cancel,
        applied=lambda sim, order_id, item_id: Decimal(sim.cancelled_units(order_id, item_id)),
        asked=Decimal(1),
        done=CancelStatus.PARTIALLY_CANCELLED,
    ),
}


class Run:
    """One case: the simulator, the order, and the checks made after every step."""

    def __init__(self, workflow: Workflow, sim: Simulator) -> None:
        self.workflow, self.sim = workflow, sim
        self.order_id, self.item_id = workflow.setup(sim)
        self.reported: list[str] = []

    def applied(self) -> Decimal:
        """What Amazon's ledger shows applied now."""
        return self.workflow.applied(self.sim, self.order_id, self.item_id)

    def check(self, what: str, outcome: Any) -> None:
        """No duplicate on Amazon's ledger; a reported success is on it."""
        applied = self.applied()
        assert applied <= self.workflow.asked, f"money moved twice: {applied} after {what}; seen {self.reported}"
        status = getattr(outcome, "status", None)
        self.reported.append(f"{what}:{status}")
        if status in DONE or status == "POSTED":
            assert applied == self.workflow.asked, f"{what} reported {status}, Amazon's ledger shows {applied}"

    def call(self, what: str, step: Callable[[], Any]) -> Any:
        """Run one step as a seller would: an honest error is noted and the seller goes on."""
        try:
            result = step()
        except SpCancelError as exc:
            self.check(what, None)
            self.reported.append(f"{what}:{type(exc).__name__}")
            return None
        for outcome in result if isinstance(result, list) else [result]:
            self.check(what, outcome)
        return result


def _verify(client: SellerClient, outcome: Outcome | None) -> Any:
    if not isinstance(outcome, RefundOutcome):
        return None
    try:
        return client.verify_refund(outcome)
    except InvalidInputError:  # REJECTED or NOT_SENT: nothing will post, as the outcome says
        return None


CASES = [
    pytest.param(name, fault, lag, offset, id=f"{name}-{fault}-lag{lag}-clock{offset:+d}")
    for name in WORKFLOWS
    for fault in LOST_ANSWERS
    for lag in LISTING_LAGS
    for offset in RESUMER_OFFSETS
]


@pytest.mark.parametrize(("name", "fault", "lag", "offset"), CASES)
def test_a_lost_create_feed_answer_moves_money_once(
    name: str, fault: str, lag: int, offset: int, tmp_path: Path
) -> None:
    """The answer is lost; a process ``offset`` s off Amazon's clock resumes: applied once, never falsely done."""
    sim = Simulator(seed=17, orders=0, lags=Lags(feed_listing=lag))
    run = Run(WORKFLOWS[name], sim)
    journal = tmp_path / "journal.sqlite3"
    with (
        sim.client(journal=journal) as first,
        sim.client(journal=journal, clock=SkewedClock(sim.clock, offset)) as resumer,
    ):
        sim.add_fault("feeds.createFeed", fault)
        original = run.call("first call", lambda: run.workflow.ask(first, run.order_id, run.item_id))
        latest = original
        for pause in PAUSES:
            sim.advance(pause)
            run.check(f"{pause} s later", None)  # Amazon may have applied a second feed meanwhile
            latest = run.call("repeat", lambda: run.workflow.ask(resumer, run.order_id, run.item_id)) or latest
            run.call("resume", resumer.resume)
            for earlier in {id(o): o for o in (original, latest) if o is not None}.values():
                run.call("refresh", lambda earlier=earlier: resumer.refresh(earlier))
                run.call("verify_refund", lambda earlier=earlier: _verify(resumer, earlier))
        final = run.call("final call", lambda: run.workflow.ask(resumer, run.order_id, run.item_id))
    assert run.applied() == run.workflow.asked, f"Amazon applied {run.applied()}; seen {run.reported}"
    assert final is not None
    assert final.status is run.workflow.done, run.reported
