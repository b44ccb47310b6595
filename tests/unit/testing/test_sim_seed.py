"""The seeded scenario."""

from __future__ import annotations

import re
from collections import Counter

from sp_cancel.testing import Scenario, Simulator


def test_scenario_covers_the_cases() -> None:
    """The default scenario has every status, both channels, four currencies, buyer requests and auto-cancels."""
    sim = Simulator(seed=0)
    orders = list(sim.world.orders.values())
    assert len(orders) == 200
    assert {o.status for o in orders} >= {"Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled"}
    assert {o.fulfillment_channel for o in orders} == {"MFN", "AFN"}
    assert {o.currency for o in orders} == {"USD", "GBP", "EUR", "JPY"}
    assert any(len(o.items) > 1 for o in orders)
    assert any(o.status == "Unshipped" and o.fulfillment_channel == "MFN" and o.buyer_requested_at for o in orders)
    assert any(o.late_ship_auto_cancel and o.cancelled_by == "AMAZON" for o in orders)
    merchant = [o for o in orders if o.cancelled_by == "MERCHANT"]
    assert any(o.buyer_requested_at for o in merchant)
    assert any(not o.buyer_requested_at for o in merchant)
    assert all(re.fullmatch(r"\d{3}-\d{7}-\d{7}", o.order_id) for o in orders)
    assert all(re.fullmatch(r"\d{14}", i.order_item_id) for o in orders for i in o.items)
    assert all(o.purchase_date >= sim.now() - __import__("datetime").timedelta(days=30) for o in orders)


def test_scenario_listings_mcf_and_deals() -> None:
    """Listings include MFN/FBA and one delete_ignored; MCF orders and deals span every status."""
    sim = Simulator(seed=0, orders=20)
    listings = list(sim.world.listings.values())
    codes = {e["fulfillment_channel_code"] for lst in listings for e in lst.attributes["fulfillment_availability"]}  # type: ignore[union-attr]
    assert {"DEFAULT", "AMAZON_NA", "AMAZON_EU", "AMAZON_JP"} <= codes
    mfn = [lst for lst in listings if lst.sku.startswith("SIM-MFN")]
    assert all("lead_time_to_ship_max_days" in lst.attributes["fulfillment_availability"][0] for lst in mfn)  # type: ignore[index]
    assert sum(lst.delete_ignored for lst in listings) == 1
    assert {m.status for m in sim.world.mcf_orders.values()} >= {
        "Received",
        "Planning",
        "Processing",
        "Cancelled",
        "Complete",
    }
    deal_statuses = Counter(d.status for d in sim.world.deals.values() if d.deal_type.endswith("_DEAL"))
    assert set(deal_statuses) == {"PROCESSING", "UPCOMING", "RUNNING", "EXPIRED", "FAILED", "CANCELLING", "CANCELLED"}
    now = sim.now()
    assert any(d.start > now for d in sim.world.deals.values())
    assert any(d.start < now for d in sim.world.deals.values())


def test_scenario_is_deterministic_per_seed() -> None:
    """Same seed, same world; another seed, another world."""
    first, again, other = Simulator(seed=42, orders=50), Simulator(seed=42, orders=50), Simulator(seed=43, orders=50)
    assert sorted(first.world.orders) == sorted(again.world.orders)
    assert sorted(first.world.orders) != sorted(other.world.orders)


def test_custom_scenario_and_home_marketplace() -> None:
    """A Scenario object sizes the world; the home marketplace comes first."""
    sim = Simulator(
        seed=1, marketplace="UK", scenario=Scenario(orders=16, marketplaces=("UK",), mcf_orders=False, deals=False)
    )
    assert len(sim.world.orders) == 16
    assert {o.currency for o in sim.world.orders.values()} == {"GBP"}
    assert sim.world.mcf_orders == {}
    assert sim.world.deals == {}
    assert sim.orders(status="Unshipped", channel="MFN")
