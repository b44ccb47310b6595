"""Fulfillment Outbound (MCF) and Promotions in the simulator."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from sp_cancel.testing import Simulator

V2020 = "/fba/outbound/2020-07-01/fulfillmentOrders/{}"
V2026 = "/fulfillment/outbound/2026-07-04/orders/{}"
PROMOS = "/promotions/2025-12-01/promotions"


def _api(sim: Simulator) -> httpx.Client:
    return httpx.Client(
        transport=sim.transport(), base_url=sim.base_url, headers={"x-amz-access-token": sim.issue_access_token()}
    )


@pytest.fixture
def sim() -> Simulator:
    """An empty-order simulator with the scenario's MCF orders and deals."""
    return Simulator(seed=4, orders=0)


def test_mcf_cancel_inside_the_window(sim: Simulator) -> None:
    """A Received MCF order cancels (200) and reads back Cancelled with its quantity cancelled."""
    sim.add_mcf_order("MCF-A", status="Received", items=[{"sellerSku": "S1", "quantity": 2}])
    http = _api(sim)
    answer = http.put(V2020.format("MCF-A") + "/cancel")
    assert answer.status_code == 200
    payload = http.get(V2020.format("MCF-A")).json()["payload"]
    assert payload["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Cancelled"
    assert payload["fulfillmentOrderItems"][0]["cancelledQuantity"] == 2


def test_mcf_moves_to_processing_after_15_minutes(sim: Simulator) -> None:
    """Fifteen simulated minutes after receipt the order is Processing and a cancel answers 400."""
    sim.add_mcf_order("MCF-B", status="Planning")
    http = _api(sim)
    sim.advance(15 * 60 + 1)
    payload = http.get(V2020.format("MCF-B")).json()["payload"]
    assert payload["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Processing"
    refused = http.put(V2020.format("MCF-B") + "/cancel")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["message"]


def test_mcf_unknown_is_404(sim: Simulator) -> None:
    """An unknown fulfillment order answers 404 in both versions."""
    http = _api(sim)
    assert http.get(V2020.format("NOPE")).status_code == 404
    assert http.put(V2026.format("NOPE") + "/cancel").status_code == 404


def test_2026_shows_processing_but_cancels_received(sim: Simulator) -> None:
    """2026-07-04 shows a Received order as PROCESSING, yet cancelOrder accepts it (202 {})."""
    sim.add_mcf_order("MCF-C", status="Received")
    http = _api(sim)
    assert http.get(V2026.format("MCF-C")).json()["order"]["status"] == "PROCESSING"
    answer = http.put(V2026.format("MCF-C") + "/cancel")
    assert (answer.status_code, answer.json()) == (202, {})
    assert http.get(V2026.format("MCF-C")).json()["order"]["status"] == "CANCELLED"


def test_status_updates_are_pinned(sim: Simulator) -> None:
    """Sandbox status updates force a status that no longer auto-advances."""
    sim.add_mcf_order("MCF-D", status="Received")
    sim.add_mcf_order("MCF-E", status="Received")
    http = _api(sim)
    assert http.put(V2020.format("MCF-D") + "/status", json={"fulfillmentOrderStatus": "Planning"}).status_code == 200
    assert http.put(V2026.format("MCF-E") + "/status", json={"status": "COMPLETE"}).status_code == 204
    assert http.put(V2026.format("MCF-E") + "/status", json={"status": "DONE"}).status_code == 400
    sim.advance(1800)
    assert http.get(V2020.format("MCF-D")).json()["payload"]["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Planning"
    assert http.get(V2026.format("MCF-E")).json()["order"]["status"] == "COMPLETE"


def test_search_promotions_needs_one_marketplace(sim: Simulator) -> None:
    """The marketplaceIds parameter is required, max one value."""
    http = _api(sim)
    assert http.get(PROMOS).status_code == 400
    assert http.get(PROMOS, params={"marketplaceIds": "ATVPDKIKX0DER,A1F83G8C2ARO7P"}).status_code == 400


def test_search_promotions_filters_and_pages(sim: Simulator) -> None:
    """DEAL filters drop coupons; pagination covers totalResults; deals carry schedule and dealType."""
    http = _api(sim)
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
    http = _api(sim)
    body = http.get(f"{PROMOS}/{deal.promotion_id}").json()
    assert (body["promotionType"], body["dealType"], body["status"]) == ("DEAL", "LIGHTNING_DEAL", "UPCOMING")
    sim.advance(2 * 3600 + 1)
    http = _api(sim)  # the first token expired after an hour
    assert http.get(f"{PROMOS}/{deal.promotion_id}").json()["status"] == "RUNNING"
    sim.advance(6 * 3600)
    http = _api(sim)
    assert http.get(f"{PROMOS}/{deal.promotion_id}").json()["status"] == "EXPIRED"
    assert http.get(f"{PROMOS}/nope").status_code == 404
