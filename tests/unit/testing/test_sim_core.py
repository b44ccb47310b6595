"""Simulator front door: auth, request ids, usage plans, unknown routes, clock and contract defaults."""

from __future__ import annotations

import httpx
import pytest
from sim_support import sim_http

from sp_cancel.testing import FakeClock, Simulator


@pytest.fixture
def sim() -> Simulator:
    """A small seeded simulator."""
    return Simulator(seed=3, orders=20, orders_v0="served")  # v0 getOrders is the route these tests call


def test_a_missing_token_is_401_unknown_and_expired_tokens_are_403(sim: Simulator) -> None:
    """The models: 401 for a missing token where declared (else 403); 403 for an unknown or hour-old token."""
    order_id = next(iter(sim.world.orders))
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url) as http:
        missing = http.get(f"/orders/v0/orders/{order_id}")
        assert missing.status_code == 403  # ordersV0 declares no 401
        assert missing.json()["errors"][0]["code"] == "Unauthorized"
        assert http.get("/feeds/2021-06-30/feeds/123").status_code == 401  # the Feeds model declares it
        denied = http.get(f"/orders/v0/orders/{order_id}", headers={"x-amz-access-token": "nope"})
        assert denied.json()["errors"][0]["message"] == "Access to requested resource is denied."
        assert http.get(f"/orders/v0/orders/{order_id}", headers={"x-amz-access-token": "nope"}).status_code == 403
    http = sim_http(sim)
    assert http.get(f"/orders/v0/orders/{order_id}").status_code == 200
    sim.advance(3601)
    assert http.get(f"/orders/v0/orders/{order_id}").status_code == 403


def test_request_id_and_rate_limit_headers(sim: Simulator) -> None:
    """Every answer has x-amzn-RequestId; 2xx answers carry the operation's rate."""
    http = sim_http(sim)
    ok = http.get(f"/orders/v0/orders/{next(iter(sim.world.orders))}")
    assert len(ok.headers["x-amzn-RequestId"]) == 36
    assert ok.headers["x-amzn-RateLimit-Limit"] == "0.5"
    bad = http.get("/orders/v0/orders/123-1234567-1234567")
    assert bad.status_code == 404
    assert "x-amzn-RequestId" in bad.headers
    assert "x-amzn-RateLimit-Limit" not in bad.headers


def test_request_ids_are_deterministic_per_seed() -> None:
    """Two simulators with the same seed hand out the same request ids."""
    ids = []
    for _ in range(2):
        sim = Simulator(seed=9, orders=5, orders_v0="served")
        ids.append(sim_http(sim).get("/orders/v0/orders/000-0000000-0000000").headers["x-amzn-RequestId"])
    assert ids[0] == ids[1]


def test_429_after_burst_without_retry_after() -> None:
    """Past the burst the simulator answers Amazon's 429 body, no Retry-After, no rate header; time refills."""
    sim = Simulator(seed=1, orders=5, orders_v0="served")
    http = sim_http(sim)
    params = {"MarketplaceIds": sim.marketplace_id, "CreatedAfter": "2026-01-01T00:00:00Z"}
    for _ in range(20):  # ordersV0.getOrders burst
        assert http.get("/orders/v0/orders", params=params).status_code == 200
    throttled = http.get("/orders/v0/orders", params=params)
    assert throttled.status_code == 429
    assert throttled.json() == {
        "errors": [
            {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource.", "details": ""}
        ]
    }
    assert "retry-after" not in throttled.headers
    assert "x-amzn-RateLimit-Limit" not in throttled.headers
    sim.advance(1 / 0.0167 + 0.1)
    assert http.get("/orders/v0/orders", params=params).status_code == 200


def test_scale_multiplies_rates() -> None:
    """With scale=10 the bucket refills ten times faster and the header says so."""
    sim = Simulator(seed=1, orders=5, scale=10, orders_v0="served")
    http = sim_http(sim)
    params = {"MarketplaceIds": sim.marketplace_id, "CreatedAfter": "2026-01-01T00:00:00Z"}
    first = http.get("/orders/v0/orders", params=params)
    assert first.headers["x-amzn-RateLimit-Limit"] == "0.167"
    for _ in range(19):
        http.get("/orders/v0/orders", params=params)
    assert http.get("/orders/v0/orders", params=params).status_code == 429
    sim.advance(6.1)
    assert http.get("/orders/v0/orders", params=params).status_code == 200


def test_unknown_route_is_501_not_simulated(sim: Simulator) -> None:
    """A path the simulator does not serve answers 501 NotSimulated (an ErrorList), never Amazon's 404."""
    answer = sim_http(sim).get("/nothing/here")
    assert answer.status_code == 501
    assert answer.json()["errors"][0]["code"] == "NotSimulated"


def test_clock_defaults_and_injection() -> None:
    """The simulator uses the clock it is given and reports times from it."""
    clock = FakeClock()
    sim = Simulator(orders=0, clock=clock, orders_v0="served")
    assert sim.clock is clock
    clock.advance(60)
    assert sim.now() == clock.now()


def test_feed_timing_and_contract_defaults() -> None:
    """The core exposes the contract the feeds module codes against, with the documented defaults."""
    sim = Simulator(orders=0, scale=2)
    core = sim._core
    assert (core.feed_timing.queue_seconds, core.feed_timing.base_seconds) == (20.0, 30.0)
    assert core.feed_timing.per_message_seconds == 0.01
    assert core.refund_posting_delay.total_seconds() == 3600  # 2 h / scale
    assert core.new_id("feed").isdigit()
    assert len(core.new_id("document")) == 36
    assert core.take_feed_fault() is None
