"""The batch pre-check reads in proportion to the batch, not the seller, priced in plan time (issue 18 item 3).

A call costs ``1 / rate`` seconds of its usage plan even inside the burst (other processes of the seller draw on
the same burst): a 40-order batch must cost the same reads for a small and a large seller, and never the
``searchOrders`` pages (179 s of plan each) the old estimate took for free while they fitted in the burst.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from sp_cancel import CancelReason, CancelRequest
from sp_cancel._cancellation.reads import Calls, plan_seconds
from sp_cancel.testing import Lags, Scenario, Simulator

BATCH = 40


def _seller(open_orders: int) -> tuple[Simulator, list[str]]:
    """A seller with ``open_orders`` open orders over 30 days, and 40 of them spread over the month."""
    sim = Simulator(seed=41, scenario=Scenario(orders=0, listings=0, mcf_orders=False, deals=False), lags=Lags.none())
    now = sim.now()
    ids = [
        sim.add_order(purchase_date=now - timedelta(days=30) + timedelta(seconds=n * 30 * 86400 / open_orders)).order_id
        for n in range(open_orders)
    ]
    return sim, ids[:: open_orders // BATCH][:BATCH]


def _cancel(sim: Simulator, ids: list[str]) -> dict[str, int]:
    before = dict(sim.request_counts)
    batch = sim.client().cancel_orders([CancelRequest(order_id=i, reason=CancelReason.NO_INVENTORY) for i in ids])
    assert batch.counts == {"CANCELLED": len(ids)}
    return {k: v - before.get(k, 0) for k, v in sim.request_counts.items() if v != before.get(k, 0)}


@pytest.mark.parametrize("open_orders", [3_000, 12_000])
def test_a_spread_batch_costs_the_same_reads_for_a_small_and_a_large_seller(open_orders: int) -> None:
    """40 orders spread over the month: 40 getOrder reads (80 s of plan), no searchOrders page, whatever the size.

    After the feed, each is read once more to tell an order that shipped meanwhile (``finish``: 80 s of plan, less
    than one 179 s ``searchOrders`` page).
    """
    sim, spread = _seller(open_orders)
    calls = _cancel(sim, spread)
    assert calls["orders.getOrder"] == 2 * BATCH
    assert calls.get("orders.searchOrders", 0) == 0
    assert calls.get("ordersV0.getOrders", 0) == 0


def test_the_newest_orders_cost_no_more_than_spread_ones() -> None:
    """The 40 newest of 3,000 open orders: the same 40 reads (a dense window no longer buys pages), 40 after."""
    sim, _ = _seller(3_000)
    newest = [o.order_id for o in sorted(sim.world.orders.values(), key=lambda o: o.purchase_date)[-BATCH:]]
    calls = _cancel(sim, newest)
    assert calls["orders.getOrder"] == 2 * BATCH
    assert calls.get("orders.searchOrders", 0) == 0


def test_a_call_costs_its_plan_time_even_inside_the_burst() -> None:
    """The burst is shared capacity: the first call costs 1 / rate like the thirtieth."""
    calls = Calls()
    assert calls.seconds("orders.searchOrders", 1) == pytest.approx(1 / 0.0056)
    assert calls.seconds("orders.getOrder", 40) == pytest.approx(80.0)
    calls.spend("orders.getOrder", 40)
    calls.spend("orders.searchOrders", 2)
    assert calls.plan_time == {
        "orders.getOrder": pytest.approx(80.0),
        "orders.searchOrders": pytest.approx(2 / 0.0056),
    }
    # Why getOrder: a full page of wanted orders still costs more per order than getOrder, before v0's dates.
    assert plan_seconds("orders.searchOrders") / 100 + plan_seconds("ordersV0.getOrders") / 50 > plan_seconds(
        "orders.getOrder"
    )
