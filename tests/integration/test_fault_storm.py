"""The fault storm: every fault at every step of every workflow, against the simulator (issues 11 and 17).

Each scenario injects one fault once into one operation, runs one workflow as a seller would (repeating the same
call while it is not done, letting simulated time pass between calls: minutes at first, then days, so that a
money-moving submission in doubt can reach its 48 h horizon), and asserts on Amazon's own ledger
(``sim.world``), never on what the library says:

* **no false success**: whenever the library reports a cancel, refund, listing close or MCF cancel as done, the
  simulator (Amazon) shows it done at that moment;
* **exactly once**: every workflow counts what Amazon applied. A refund's refunded amounts equal the amount asked
  (a second refund would double them); a unit cancel cancels exactly the asked units; a whole-order cancel is
  carried out by exactly one submission; a listing ends closed by at least one applied close (a second one is
  harmless and counted); an MCF order ends cancelled;
* **done in the end**: the scenario ends done within the bounded number of repeats ("resumable to done").

Amazon's ``getFeeds`` listing lag is the simulator's default here: drawn per feed, some feeds listed after any
fixed wait. A plain ``429`` (Amazon's documented refusal: nothing done) is stormed like the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from sp_cancel import AdjustmentReason, CancelReason, CancelRequest, ItemCancel, Money, SellerClient
from sp_cancel.errors import SpCancelError
from sp_cancel.testing import Simulator

FAULTS = (
    "429",
    "500",
    "503",
    "html_504",
    "empty_200",
    "drop",
    "timeout_after_commit",
    "500_after_commit",
    "503_after_commit",
    "drop_after_commit",
)
FEED_STEPS = (
    "lwa.token",
    "feeds.createFeedDocument",
    "document.upload",
    "feeds.createFeed",
    "feeds.getFeed",
    "feeds.getFeedDocument",
    "document.download",
)
# Simulated seconds between repeats: minutes first, then a day at a time (a money-moving submission in doubt
# is not sent again before its 48 h horizon).
PAUSES = (600.0,) * 8 + (86_400.0,) * 4


@dataclass
class Scenario:
    """One workflow: how to set it up, run it, and what Amazon must show."""

    steps: tuple[str, ...]
    setup: Callable[[Simulator], Any]
    run: Callable[[SellerClient, Any], Any]
    done: Callable[[Any], bool]
    truth: Callable[[Simulator, Any], bool]  # Amazon shows it done
    applied: Callable[[Simulator, Any], int]  # how many times Amazon carried it out (per target, the largest)
    exact: Callable[[Simulator, Any], bool]  # at the end: Amazon applied exactly what was asked, once
    at_most_once: bool  # money: Amazon may never apply it twice, even for a moment


def _orders_cancelled(sim: Simulator, order_ids: list[str]) -> bool:
    return all(sim.order(order_id).status == "Canceled" for order_id in order_ids)


def _cancellations(sim: Simulator, order_ids: list[str]) -> int:
    """The most submissions (feeds, cancelOrder calls) that carried out a cancel of one of ``order_ids``."""
    with sim.lock:
        rows = list(sim.world.cancellations)
    counts = [len({c.source for c in rows if c.order_id == order_id}) for order_id in order_ids]
    return max(counts, default=0)


def _one_order(sim: Simulator) -> list[str]:
    return [sim.add_order().order_id]


def _three_orders(sim: Simulator) -> list[str]:
    return [sim.add_order().order_id for _ in range(3)]


def _item_cancel_setup(sim: Simulator) -> tuple[str, str]:
    order = sim.add_order(items=[{"price": "10.00", "quantity": 3}])
    return order.order_id, order.items[0].order_item_id


def _refund_setup(sim: Simulator) -> str:
    return str(sim.add_order(status="Shipped", items=[{"price": "20.00", "shipping": "4.00"}]).order_id)


def _refund_feeds(sim: Simulator, order_id: str) -> int:
    with sim.lock:
        return len({refund.feed_id for refund in sim.world.refunds if refund.order_id == order_id})


def _listing_closes(sim: Simulator, sku: str) -> int:
    """How many close submissions Amazon accepted for the listing (applied or pending)."""
    with sim.lock:
        listing = sim.world.listings[(sku, sim.marketplace_id)]
        closing = [attributes for _, attributes in listing.pending]
        closed_now = '"quantity": 0' in json.dumps(listing.attributes)
    return sum('"quantity": 0' in json.dumps(a) for a in closing) + int(closed_now)


def _listing_closed(sim: Simulator, sku: str) -> bool:
    return _listing_closes(sim, sku) >= 1


def _mcf_cancelled(sim: Simulator, mcf_id: str) -> bool:
    return sim.world.mcf_orders[mcf_id].status == "Cancelled"


SCENARIOS: dict[str, Scenario] = {
    "cancel": Scenario(
        steps=FEED_STEPS,
        setup=_one_order,
        run=lambda client, ids: client.cancel_order(ids[0], CancelReason.NO_INVENTORY),
        done=lambda outcome: outcome.status == "CANCELLED",
        truth=_orders_cancelled,
        applied=_cancellations,
        exact=lambda sim, ids: _cancellations(sim, ids) == 1,
        at_most_once=False,
    ),
    "batch_cancel": Scenario(
        steps=FEED_STEPS,
        setup=_three_orders,
        run=lambda client, ids: client.cancel_orders([CancelRequest(order_id=i, reason="NO_INVENTORY") for i in ids]),
        done=lambda batch: all(outcome.status == "CANCELLED" for outcome in batch.values()),
        truth=_orders_cancelled,
        applied=_cancellations,
        exact=lambda sim, ids: all(_cancellations(sim, [i]) == 1 for i in ids),
        at_most_once=False,
    ),
    "item_cancel": Scenario(
        steps=FEED_STEPS,
        setup=_item_cancel_setup,
        run=lambda client, ids: client.cancel_order(
            ids[0], CancelReason.NO_INVENTORY, items=[ItemCancel(order_item_id=ids[1], quantity=1)]
        ),
        done=lambda outcome: outcome.status == "PARTIALLY_CANCELLED",
        truth=lambda sim, ids: sim.cancelled_units(ids[0], ids[1]) >= 1,
        applied=lambda sim, ids: sim.cancelled_units(ids[0], ids[1]),
        exact=lambda sim, ids: sim.cancelled_units(ids[0], ids[1]) == 1 and sim.cancelled_units(ids[0]) == 1,
        at_most_once=True,
    ),
    "refund": Scenario(
        steps=FEED_STEPS,
        setup=_refund_setup,
        run=lambda client, order_id: client.partial_refund(
            order_id, Money(Decimal("3.00"), "USD"), reason=AdjustmentReason.CUSTOMER_RETURN
        ),
        done=lambda outcome: outcome.status == "APPLIED",
        truth=lambda sim, order_id: _refund_feeds(sim, order_id) >= 1,
        applied=_refund_feeds,
        exact=lambda sim, order_id: sim.refunded(order_id) == {"Principal": Decimal("3.00")},
        at_most_once=True,
    ),
    "listing_close": Scenario(
        steps=(*FEED_STEPS, "listings.searchListingsItems"),
        setup=lambda sim: sim.add_listing("STORM-1", quantity=5).sku,
        run=lambda client, sku: client.close_listings([sku]),
        done=lambda batch: all(outcome.status == "ACCEPTED" for outcome in batch.values()),
        truth=_listing_closed,
        applied=_listing_closes,
        exact=_listing_closed,  # closing twice is harmless: closed, whatever the count
        at_most_once=False,
    ),
    "orders_api_cancel": Scenario(
        steps=("lwa.token", "orders.getOrder", "orders.cancelOrder"),
        setup=_one_order,
        run=lambda client, ids: client.cancel_order(ids[0], CancelReason.NO_INVENTORY, via="orders_api"),
        done=lambda outcome: outcome.status == "CANCELLED",
        truth=_orders_cancelled,
        applied=_cancellations,
        exact=lambda sim, ids: _cancellations(sim, ids) == 1,
        at_most_once=False,
    ),
    "fba_cancel": Scenario(
        steps=("lwa.token", "fbaOutbound.getFulfillmentOrder", "fbaOutbound.cancelFulfillmentOrder"),
        setup=lambda sim: sim.add_mcf_order("MCF-STORM", status="Planning").seller_fulfillment_order_id,
        run=lambda client, mcf_id: client.cancel_fba_order(mcf_id),
        done=lambda outcome: outcome.status == "CANCELLED",
        truth=_mcf_cancelled,
        applied=lambda sim, mcf_id: int(_mcf_cancelled(sim, mcf_id)),
        exact=_mcf_cancelled,
        at_most_once=False,
    ),
}

CASES = [
    pytest.param(name, step, fault, id=f"{name}-{step}-{fault}")
    for name, scenario in SCENARIOS.items()
    for step in scenario.steps
    for fault in FAULTS
    if not (fault == "429" and step == "lwa.token")  # LWA documents no 429 (its token exchange is idempotent anyway)
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "step", "fault"), CASES)
def test_fault_storm(name: str, step: str, fault: str) -> None:
    """One fault, once, at one step: no false success, exactly once on Amazon's ledger, done in the end."""
    scenario = SCENARIOS[name]
    sim = Simulator(seed=11, orders=4)
    target = scenario.setup(sim)
    sim.add_fault(step, fault)
    client = sim.client()
    errors: list[SpCancelError] = []
    for pause in PAUSES:
        try:
            result = scenario.run(client, target)
        except SpCancelError as exc:  # an honest failure: the seller repeats the call
            errors.append(exc)
        else:
            if scenario.done(result):
                assert scenario.truth(sim, target), f"reported done, but Amazon does not show it: {result!r}"
                break
        if scenario.at_most_once:
            assert scenario.applied(sim, target) <= 1, "money moved twice"
        sim.advance(pause)
    else:
        pytest.fail(f"not done after {len(PAUSES)} repeats; errors: {[type(e).__name__ for e in errors]}")
    assert scenario.exact(sim, target), f"Amazon applied {scenario.applied(sim, target)} times"
