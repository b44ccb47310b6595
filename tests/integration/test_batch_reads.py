"""The batch pre-check reads in proportion to the batch, not the seller (issue 13 item 8).

A seller with thousands of open orders cancels a few hundred: the pre-check must not page through every
open order (``searchOrders`` allows one page of 100 every ~3 minutes after its burst).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from sp_cancel import CancelReason, CancelRequest
from sp_cancel._cancellation.reads import Calls
from sp_cancel.testing import Lags, Scenario, Simulator

OPEN = 5_000
BATCH = 200


@pytest.fixture(scope="module")
def big() -> tuple[Simulator, list[str], list[str]]:
    """A seller with 5,000 open orders over 30 days: the 200 newest, and 200 spread over the month."""
    sim = Simulator(seed=41, scenario=Scenario(orders=0, listings=0, mcf_orders=False, deals=False), lags=Lags.none())
    now = sim.now()
    ids = [
        sim.add_order(purchase_date=now - timedelta(days=30) + timedelta(seconds=n * 30 * 86400 / OPEN)).order_id
        for n in range(OPEN)
    ]
    return sim, ids[-BATCH:], ids[: OPEN - BATCH : (OPEN - BATCH) // BATCH][:BATCH]


def _cancel(sim: Simulator, ids: list[str]) -> dict[str, int]:
    before = dict(sim.request_counts)
    batch = sim.client().cancel_orders([CancelRequest(order_id=i, reason=CancelReason.NO_INVENTORY) for i in ids])
    assert batch.counts == {"CANCELLED": len(ids)}
    return {k: v - before.get(k, 0) for k, v in sim.request_counts.items() if v != before.get(k, 0)}


def test_todays_orders_of_a_large_seller_cost_a_few_pages(big: tuple[Simulator, list[str], list[str]]) -> None:
    """The 200 newest of 5,000 open orders: 4 getOrders calls and the ~2 pages of their window, not 50 pages."""
    sim, newest, _ = big
    calls = _cancel(sim, newest)
    assert calls["ordersV0.getOrders"] == BATCH // 50
    assert calls["orders.searchOrders"] <= 3
    assert calls.get("orders.getOrder", 0) == 0


def test_orders_spread_over_the_month_are_read_one_by_one(big: tuple[Simulator, list[str], list[str]]) -> None:
    """200 orders spread over 30 days: paging all 50 pages costs more time than 200 getOrder reads."""
    sim, _, spread = big
    calls = _cancel(sim, spread)
    assert calls["orders.searchOrders"] < OPEN // 100  # never the whole month
    assert calls["orders.getOrder"] + 100 * calls["orders.searchOrders"] >= BATCH


def test_the_cost_model_spends_the_burst_first() -> None:
    """Calls within a usage plan's burst cost no time; past it each costs 1 / rate seconds."""
    calls = Calls()
    assert calls.seconds("orders.searchOrders", 20) == 0
    assert calls.seconds("orders.searchOrders", 21) == pytest.approx(1 / 0.0056)
    calls.spend("orders.getOrder", 30)
    assert calls.seconds("orders.getOrder", 10) == pytest.approx(20.0)
