"""Fulfillment Outbound (MCF) in the simulator."""

from __future__ import annotations

import pytest
from sim_support import sim_http

from sp_cancel.testing import Simulator

V2020 = "/fba/outbound/2020-07-01/fulfillmentOrders/{}"
V2026 = "/fulfillment/outbound/2026-07-04/orders/{}"


@pytest.fixture
def sim() -> Simulator:
    """An empty-order simulator with the scenario's MCF orders and deals."""
    return Simulator(seed=4, orders=0)


def test_mcf_cancel_inside_the_window(sim: Simulator) -> None:
    """A Received MCF order cancels (200) and reads back Cancelled with its quantity cancelled."""
    sim.add_mcf_order("MCF-A", status="Received", items=[{"sellerSku": "S1", "quantity": 2}])
    http = sim_http(sim)
    answer = http.put(V2020.format("MCF-A") + "/cancel")
    assert answer.status_code == 200
    payload = http.get(V2020.format("MCF-A")).json()["payload"]
    assert payload["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Cancelled"
    assert payload["fulfillmentOrderItems"][0]["cancelledQuantity"] == 2


def test_mcf_moves_to_processing_after_15_minutes(sim: Simulator) -> None:
    """Fifteen simulated minutes after receipt the order is Processing and a cancel answers 400."""
    sim.add_mcf_order("MCF-B", status="Planning")
    http = sim_http(sim)
    sim.advance(15 * 60 + 1)
    payload = http.get(V2020.format("MCF-B")).json()["payload"]
    assert payload["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Processing"
    refused = http.put(V2020.format("MCF-B") + "/cancel")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["message"]


def test_mcf_unknown_is_404(sim: Simulator) -> None:
    """An unknown fulfillment order answers 404 in both versions."""
    http = sim_http(sim)
    assert http.get(V2020.format("NOPE")).status_code == 404
    assert http.put(V2026.format("NOPE") + "/cancel").status_code == 404


def test_2026_shows_processing_but_cancels_received(sim: Simulator) -> None:
    """2026-07-04 shows a Received order as PROCESSING, yet cancelOrder accepts it (202 {})."""
    sim.add_mcf_order("MCF-C", status="Received")
    http = sim_http(sim)
    assert http.get(V2026.format("MCF-C")).json()["order"]["status"] == "PROCESSING"
    answer = http.put(V2026.format("MCF-C") + "/cancel")
    assert (answer.status_code, answer.json()) == (202, {})
    assert http.get(V2026.format("MCF-C")).json()["order"]["status"] == "CANCELLED"


def test_status_updates_are_pinned(sim: Simulator) -> None:
    """Sandbox status updates force a status that no longer auto-advances."""
    sim.add_mcf_order("MCF-D", status="Received")
    sim.add_mcf_order("MCF-E", status="Received")
    http = sim_http(sim)
    assert http.put(V2020.format("MCF-D") + "/status", json={"fulfillmentOrderStatus": "Planning"}).status_code == 200
    assert http.put(V2026.format("MCF-E") + "/status", json={"status": "COMPLETE"}).status_code == 204
    assert http.put(V2026.format("MCF-E") + "/status", json={"status": "DONE"}).status_code == 400
    sim.advance(1800)
    assert http.get(V2020.format("MCF-D")).json()["payload"]["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Planning"
    assert http.get(V2026.format("MCF-E")).json()["order"]["status"] == "COMPLETE"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (V2020, {"fulfillmentOrderStatus": "Done"}),
        (V2020, {"fulfillmentOrderStatus": ["Planning"]}),
        (V2020, ["Planning"]),
        (V2026, {"status": "Planning"}),
        (V2026, {"status": ["COMPLETE"]}),
    ],
)
def test_a_status_update_to_no_status_is_400(sim: Simulator, path: str, body: object) -> None:
    """Either version refuses a status it does not have (a list is not a status) and leaves the order as it was."""
    sim.add_mcf_order("MCF-F", status="Received")
    http = sim_http(sim)
    answer = http.put(path.format("MCF-F") + "/status", json=body)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "InvalidInput"
    assert http.get(V2020.format("MCF-F")).json()["payload"]["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Received"
