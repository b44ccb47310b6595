"""Promotions in the simulator: searchPromotions filters and pages, getPromotion, deals advancing with the clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sim_support import sim_http

from sp_cancel.testing import Simulator

PROMOS = "/promotions/2025-12-01/promotions"


@pytest.fixture
def sim() -> Simulator:
    """An empty-order simulator with the scenario's MCF orders and deals."""
    return Simulator(seed=4, orders=0)


def test_search_promotions_needs_one_marketplace(sim: Simulator) -> None:
    """The marketplaceIds parameter is required, max one value."""
    http = sim_http(sim)
    assert http.get(PROMOS).status_code == 400
    assert http.get(PROMOS, params={"marketplaceIds": "ATVPDKIKX0DER,A1F83G8C2ARO7P"}).status_code == 400


def test_search_promotions_filters_and_pages(sim: Simulator) -> None:
    """DEAL filters drop coupons; pagination covers totalResults; deals carry schedule and dealType."""
    http = sim_http(sim)
    params = {"marketplaceIds": sim.marketplace_id, "promotionTypes": "DEAL", "limit": "5"}
    body = http.get(PROMOS, params=params).json()
    total, deals, token = body["totalResults"], body["promotions"], body["pagination"]["nextToken"]
    while token:
        page = http.get(PROMOS, params=dict(params, paginationToken=token)).json()
        deals += page["promotions"]
        token = page.get("pagination", {}).get("nextToken")
    assert len(deals) == total == 14
    assert {d["promotionType"] for d in deals} == {"DEAL"}
    assert {d["dealType"] for d in deals} == {"LIGHTNING_DEAL", "BEST_DEAL"}
    assert {d["status"] for d in deals} == {
        "PROCESSING",
        "UPCOMING",
        "RUNNING",
        "EXPIRED",
        "FAILED",
        "CANCELLING",
        "CANCELLED",
    }
    assert all({"startDate", "endDate"} <= set(d["schedule"]) for d in deals)
    upcoming = http.get(PROMOS, params={"marketplaceIds": sim.marketplace_id, "statuses": "UPCOMING"}).json()
    assert {p["status"] for p in upcoming["promotions"]} == {"UPCOMING"}


def test_get_promotion_and_schedule_advance(sim: Simulator) -> None:
    """The getPromotion call reads one deal; an upcoming deal runs once its start passes."""
    deal = sim.add_deal(deal_type="LIGHTNING_DEAL", status="UPCOMING", start=sim.now() + timedelta(hours=2))
    http = sim_http(sim)
    body = http.get(f"{PROMOS}/{deal.promotion_id}").json()
    assert (body["promotionType"], body["dealType"], body["status"]) == ("DEAL", "LIGHTNING_DEAL", "UPCOMING")
    sim.advance(2 * 3600 + 1)
    http = sim_http(sim)  # the first token expired after an hour
    assert http.get(f"{PROMOS}/{deal.promotion_id}").json()["status"] == "RUNNING"
    sim.advance(6 * 3600)
    http = sim_http(sim)
    assert http.get(f"{PROMOS}/{deal.promotion_id}").json()["status"] == "EXPIRED"
    assert http.get(f"{PROMOS}/nope").status_code == 404
