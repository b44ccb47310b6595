"""Messaging v1 in the simulator: the actions an order offers, createUnexpectedProblem and Amazon's text rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sim_support import sim_http

from sp_cancel.testing import Simulator

ACTIONS = "/messaging/v1/orders/{}"
PROBLEM = "/messaging/v1/orders/{}/messages/unexpectedProblem"
US = "ATVPDKIKX0DER"


def _send(http: httpx.Client, order_id: str, body: Any, *, market: str | None = US) -> httpx.Response:
    params = {"marketplaceIds": market} if market else {}
    return http.post(PROBLEM.format(order_id), params=params, json=body)


@pytest.fixture
def sim() -> Simulator:
    """An empty simulated seller."""
    return Simulator(seed=21, orders=0)


def test_an_open_mfn_order_offers_unexpected_problem_as_hal_links(sim: Simulator) -> None:
    """The answer is Amazon's HAL shape: _links.self, _links.actions[{href, name}], _embedded.actions with schemas."""
    order = sim.add_order()
    answer = sim_http(sim).get(ACTIONS.format(order.order_id), params={"marketplaceIds": US})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/hal+json")
    body = answer.json()
    names = [a["name"] for a in body["_links"]["actions"]]
    assert "unexpectedProblem" in names
    link = next(a for a in body["_links"]["actions"] if a["name"] == "unexpectedProblem")
    assert link["href"] == f"{PROBLEM.format(order.order_id)}?marketplaceIds={US}"
    assert body["_links"]["self"]["href"] == f"{ACTIONS.format(order.order_id)}?marketplaceIds={US}"
    assert [a["_links"]["self"]["name"] for a in body["_embedded"]["actions"]] == names
    assert all(
        a["_links"]["schema"]["href"].endswith(f"/{a['_links']['self']['name']}/schema")
        for a in body["_embedded"]["actions"]
    )


@pytest.mark.parametrize(
    ("setup", "why"),
    [
        (lambda _sim, _order: None, "AFN"),
        (lambda sim, _order: sim.advance(timedelta(days=30).total_seconds()), "window"),
        (lambda sim, o: sim.close_messaging(o.order_id), "closed"),
    ],
)
def test_orders_that_offer_no_action(sim: Simulator, setup: Any, why: str) -> None:
    """An AFN order, an order 30 days after purchase, and a closed one list no action; a message to them is a 400."""
    order = sim.add_order(channel="AFN" if why == "AFN" else "MFN")
    setup(sim, order)
    http = sim_http(sim)
    body = http.get(ACTIONS.format(order.order_id), params={"marketplaceIds": US}).json()
    assert body["_links"]["actions"] == []
    refused = _send(http, order.order_id, {"text": "Sorry."})
    assert refused.status_code == 400
    assert "not available" in refused.json()["errors"][0]["message"]
    assert sim.buyer_messages(order.order_id) == []


def test_a_message_is_delivered_and_recorded_each_time(sim: Simulator) -> None:
    """201 {} and one delivery recorded per call: the simulator does not deduplicate (a duplicate shows)."""
    order = sim.add_order()
    http = sim_http(sim)
    first = _send(http, order.order_id, {"text": "Sorry, it is sold out."})
    assert first.status_code == 201
    assert first.json() == {}
    assert _send(http, order.order_id, {"text": "Sorry, it is sold out."}).status_code == 201
    delivered = sim.buyer_messages(order.order_id)
    assert [(m.message_type, m.text, m.marketplace_id) for m in delivered] == [
        ("unexpectedProblem", "Sorry, it is sold out.", US)
    ] * 2
    assert sim.buyer_messages() == delivered


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": ""}, "1 to 2000"),
        ({"text": "x" * 2001}, "1 to 2000"),
        ({}, "1 to 2000"),
        ({"text": 5}, "1 to 2000"),
        ({"text": "Sorry <b>really</b>."}, "HTML"),
        ({"text": "Sorry &amp; thanks."}, "HTML"),
        ({"text": "Write to a@shop.example."}, "email"),
        ({"text": "See https://shop.example/deal."}, "links"),
    ],
)
def test_amazons_text_rules_are_400s(sim: Simulator, body: Any, message: str) -> None:
    """Over-long, empty, HTML, e-mail addresses and links to other hosts are refused; nothing is delivered."""
    order = sim.add_order()
    refused = _send(sim_http(sim), order.order_id, body)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "InvalidInput"
    assert message in refused.json()["errors"][0]["message"]
    assert sim.buyer_messages(order.order_id) == []


def test_a_link_to_amazon_is_let_through(sim: Simulator) -> None:
    """Amazon allows links related to the problem: the simulator's reading lets an Amazon host through."""
    order = sim.add_order()
    assert (
        _send(sim_http(sim), order.order_id, {"text": "See https://www.amazon.com/gp/css/order-history"}).status_code
        == 201
    )


@pytest.mark.parametrize("market", [None, f"{US},A1F83G8C2ARO7P", "NOTAMARKET"])
def test_one_known_marketplace_is_required(sim: Simulator, market: str | None) -> None:
    """The marketplaceIds parameter is required, takes exactly one marketplace (maxItems 1), and a known one."""
    order = sim.add_order()
    http = sim_http(sim)
    params = {"marketplaceIds": market} if market else {}
    assert http.get(ACTIONS.format(order.order_id), params=params).status_code == 400
    assert _send(http, order.order_id, {"text": "Sorry."}, market=market).status_code == 400


def test_unknown_order_and_other_marketplace_are_404(sim: Simulator) -> None:
    """An order the seller does not have, or asked in another marketplace, is not found."""
    order = sim.add_order()
    http = sim_http(sim)
    assert http.get(ACTIONS.format("111-0000000-0000000"), params={"marketplaceIds": US}).status_code == 404
    assert http.get(ACTIONS.format(order.order_id), params={"marketplaceIds": "A1F83G8C2ARO7P"}).status_code == 404


def test_a_body_that_is_not_json_is_415_or_400(sim: Simulator) -> None:
    """The model consumes application/json: another content type is a 415, broken JSON a 400."""
    order = sim.add_order()
    http = sim_http(sim)
    url = PROBLEM.format(order.order_id)
    assert (
        http.post(
            url, params={"marketplaceIds": US}, content=b"Sorry", headers={"content-type": "text/plain"}
        ).status_code
        == 415
    )
    assert (
        http.post(
            url, params={"marketplaceIds": US}, content=b"{", headers={"content-type": "application/json"}
        ).status_code
        == 400
    )


def test_usage_plan_one_per_second_burst_five(sim: Simulator) -> None:
    """Both operations allow a burst of 5, then 429 QuotaExceeded until the bucket refills (1 per second)."""
    order = sim.add_order()
    http = sim_http(sim)
    statuses = [http.get(ACTIONS.format(order.order_id), params={"marketplaceIds": US}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    sends = [_send(http, order.order_id, {"text": f"Sorry {n}."}).status_code for n in range(6)]
    assert sends == [201] * 5 + [429]
    sim.advance(1.0)
    assert _send(http, order.order_id, {"text": "Sorry again."}).status_code == 201
    assert len(sim.buyer_messages(order.order_id)) == 6


def test_faults_by_operation_key_after_commit_deliver(sim: Simulator) -> None:
    """500_after_commit delivers the message and answers 500; a plain 503 delivers nothing."""
    order = sim.add_order()
    sim.add_fault("messaging.createUnexpectedProblem", "503")
    sim.add_fault("messaging.createUnexpectedProblem", "500_after_commit", nth=2)
    http = sim_http(sim)
    assert _send(http, order.order_id, {"text": "Sorry."}).status_code == 503
    assert sim.buyer_messages(order.order_id) == []
    assert _send(http, order.order_id, {"text": "Sorry."}).status_code == 500
    assert len(sim.buyer_messages(order.order_id)) == 1
    assert sim.request_counts["messaging.createUnexpectedProblem"] == 2
