"""Buyer cancellation requests (2026 and the v0 fallback), accepting them, and Amazon's own cancellations."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from sp_cancel import AmazonCancelKind, CancelReason
from sp_cancel._cancellation.outcomes import CancelStatus
from sp_cancel._order import BuyerCancelRequest
from sp_cancel.errors import AuthError, InvalidInputError, NotCancellableError
from sp_cancel.testing import Simulator


@pytest.fixture
def sim() -> Simulator:
    """An empty simulated seller (no seeded orders)."""
    return Simulator(seed=51, orders=0)


class NoOrders2026(httpx.BaseTransport):
    """An application not granted Orders 2026-01-01: its searchOrders answers 403, everything else passes."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.refused = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Refuse searchOrders, pass the rest on."""
        if request.url.path == "/orders/2026-01-01/orders":
            self.refused += 1
            return httpx.Response(
                403,
                json={"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied."}]},
                headers={"x-amzn-RequestId": "sim-403"},
            )
        return self.inner.handle_request(request)


def world(sim: Simulator) -> dict[str, str]:
    """A buyer request, a partly shipped one, an order without request, a shipped and an AFN requested one."""
    return {
        "asked": sim.add_order(items=2, buyer_requested_cancel=True, buyer_cancel_reason="Found it cheaper").order_id,
        "asked_partly_shipped": sim.add_order(status="PartiallyShipped", items=2, buyer_requested_cancel=True).order_id,
        "not_asked": sim.add_order().order_id,
        "shipped_asked": sim.add_order(status="Shipped", buyer_requested_cancel=True).order_id,
        "afn_asked": sim.add_order(channel="AFN", buyer_requested_cancel=True).order_id,
    }


def test_requests_are_listed_from_orders_2026(sim: Simulator) -> None:
    """Open MFN orders with a buyer request are listed with their unshipped items and the buyer's reason."""
    ids = world(sim)
    requests = {r.order_id: r for r in sim.client().buyer_cancellation_requests()}
    assert set(requests) == {ids["asked"], ids["asked_partly_shipped"]}
    asked = requests[ids["asked"]]
    assert asked.order_item_ids == tuple(i.order_item_id for i in sim.order(ids["asked"]).items)
    assert asked.reason_text == "Found it cheaper"
    assert asked.marketplace_id == sim.marketplace_id
    assert asked.requested_at is not None
    partly = requests[ids["asked_partly_shipped"]]
    assert partly.order_item_ids == (sim.order(ids["asked_partly_shipped"]).items[1].order_item_id,)
    assert sim.request_counts["orders.searchOrders"] == 1
    assert "ordersV0.getOrders" not in sim.request_counts


def test_requests_fall_back_to_orders_v0_when_2026_is_not_granted() -> None:
    """A 403 on searchOrders falls back to v0 getOrders + getOrderItems ("true" strings) with the same result."""
    sim = Simulator(seed=51, orders=0, orders_v0="served")
    ids = world(sim)
    expected = sim.client().buyer_cancellation_requests()
    transport = NoOrders2026(sim.transport())
    found = sim.client(transport=transport).buyer_cancellation_requests()
    assert transport.refused == 1
    assert sim.request_counts["ordersV0.getOrders"] >= 1
    assert sim.request_counts["ordersV0.getOrderItems"] >= 2
    assert {r.order_id for r in found} == {r.order_id for r in expected} == {ids["asked"], ids["asked_partly_shipped"]}
    by_id = {r.order_id: r for r in found}
    assert by_id[ids["asked"]].order_item_ids == next(r for r in expected if r.order_id == ids["asked"]).order_item_ids


def test_without_v0_a_403_on_search_orders_is_raised_not_worked_around(sim: Simulator) -> None:
    """orders_v0="never": the application not granted 2026-01-01 gets Amazon's refusal, and no v0 call is made."""
    world(sim)
    transport = NoOrders2026(sim.transport())
    with pytest.raises(AuthError):
        sim.client(transport=transport, orders_v0="never").buyer_cancellation_requests()
    assert transport.refused == 1
    assert not any(k.startswith("ordersV0.") for k in sim.request_counts)


def test_since_bounds_the_listing(sim: Simulator) -> None:
    """Requests older than ``since`` are not listed."""
    sim.add_order(buyer_requested_cancel=True, purchase_date=sim.now() - timedelta(days=5))
    recent = sim.add_order(buyer_requested_cancel=True)
    found = sim.client().buyer_cancellation_requests(since=timedelta(days=1))
    assert [r.order_id for r in found] == [recent.order_id]


@pytest.mark.parametrize("since", [timedelta(0), timedelta(days=-1), "7d"])
def test_bad_since_is_refused_before_any_call(sim: Simulator, since: object) -> None:
    """A non-positive timedelta or a non-date ``since`` raises InvalidInputError with nothing sent."""
    with pytest.raises(InvalidInputError):
        sim.client().buyer_cancellation_requests(since=since)  # type: ignore[arg-type]
    assert sim.request_counts == {}


def test_accepting_requests_cancels_with_buyer_canceled_in_one_feed(sim: Simulator) -> None:
    """Accepting listed requests cancels each order with BuyerCanceled through one acknowledgement feed."""
    orders = [sim.add_order(buyer_requested_cancel=True) for _ in range(3)]
    client = sim.client()
    requests = client.buyer_cancellation_requests()
    batch = client.accept_buyer_cancellations(requests)
    assert batch.counts == {"CANCELLED": 3}
    assert len(batch.feed_ids) == 1
    for order in orders:
        assert batch[order.order_id].reason is CancelReason.BUYER_CANCELED
        assert sim.order(order.order_id).status == "Canceled"
        assert sim.order(order.order_id).cancel_reason == "BuyerCanceled"


def test_orders_without_a_buyer_request_are_refused(sim: Simulator) -> None:
    """An order id with no buyer request is refused (NO_BUYER_REQUEST) and never sent; the others go on."""
    asked = sim.add_order(buyer_requested_cancel=True)
    not_asked = sim.add_order()
    batch = sim.client().accept_buyer_cancellations([asked.order_id, not_asked.order_id])
    assert batch[asked.order_id].status is CancelStatus.CANCELLED
    assert batch[not_asked.order_id].status is CancelStatus.REFUSED
    error = batch[not_asked.order_id].error
    assert isinstance(error, NotCancellableError)
    assert error.state == "NO_BUYER_REQUEST"
    assert "cancellation rate" in (error.hint or "")
    assert sim.order(not_asked.order_id).status == "Unshipped"


def test_a_request_for_some_items_only_is_refused_with_the_item_level_hint(sim: Simulator) -> None:
    """When the buyer asked for some items only, accepting the whole order is refused (PARTIAL_BUYER_REQUEST)."""
    order = sim.add_order(items=2)
    with sim.lock:
        sim.world.orders[order.order_id].items[0].buyer_requested_cancel = True
    batch = sim.client().accept_buyer_cancellations([order.order_id])
    error = batch[order.order_id].error
    assert isinstance(error, NotCancellableError)
    assert error.state == "PARTIAL_BUYER_REQUEST"
    assert "items=" in (error.hint or "")


def test_a_forged_request_value_is_checked_against_amazon(sim: Simulator) -> None:
    """A BuyerCancelRequest made up by the caller does not count: Amazon's order is read again."""
    order = sim.add_order()
    forged = BuyerCancelRequest(
        order_id=order.order_id,
        order_item_ids=(order.items[0].order_item_id,),
        reason_text="I said so",
        requested_at=None,
        marketplace_id=sim.marketplace_id,
    )
    batch = sim.client().accept_buyer_cancellations([forged])
    assert batch[order.order_id].status is CancelStatus.REFUSED
    assert "feeds.createFeed" not in sim.request_counts


@pytest.mark.parametrize("bad", ["112-123", 42])
def test_bad_accept_input_is_refused_before_any_call(sim: Simulator, bad: object) -> None:
    """A malformed order id or a value of the wrong type raises InvalidInputError; nothing is sent."""
    with pytest.raises(InvalidInputError):
        sim.client().accept_buyer_cancellations([bad])  # type: ignore[list-item]
    assert sim.request_counts == {}


def test_system_cancellations_lists_only_amazons_own(sim: Simulator) -> None:
    """Orders Amazon cancelled are listed with its reason; seller and buyer cancellations are not."""
    auto = sim.add_order(
        status="Canceled",
        cancelled_by="AMAZON",
        cancel_reason="Late shipment auto-cancel",
        late_ship_auto_cancel=True,
        purchase_date=sim.now() - timedelta(days=12),
    )
    fraud = sim.add_order(status="Canceled", cancelled_by="AMAZON", cancel_reason="Payment verification failed")
    sim.add_order(status="Canceled", cancelled_by="MERCHANT", cancel_reason="NoInventory")
    sim.add_order(status="Canceled", cancelled_by="BUYER")
    sim.add_order()
    found = {c.order_id: c for c in sim.client().system_cancellations(since=timedelta(days=7))}
    assert set(found) == {auto.order_id, fraud.order_id}
    assert found[auto.order_id].reason_text == "Late shipment auto-cancel"
    assert found[fraud.order_id].reason_text == "Payment verification failed"
    assert found[fraud.order_id].cancelled_at is not None
    assert found[fraud.order_id].marketplace_id == sim.marketplace_id
    assert found[auto.order_id].kind is AmazonCancelKind.LATE_SHIPMENT
    assert found[fraud.order_id].kind is AmazonCancelKind.UNPAID


def test_system_cancellations_classify_by_timing_when_amazon_gives_no_words(sim: Simulator) -> None:
    """Without Amazon's words, a late-ship auto-cancel and a payment cancel are told apart by the timing (item 7)."""
    late = sim.add_order(
        status="Canceled",
        cancelled_by="AMAZON",
        late_ship_auto_cancel=True,
        purchase_date=sim.now() - timedelta(days=12),
    )
    unpaid = sim.add_order(status="Canceled", cancelled_by="AMAZON", purchase_date=sim.now() - timedelta(days=1))
    found = {c.order_id: c for c in sim.client().system_cancellations(since=timedelta(days=7))}
    assert (found[late.order_id].reason_text, found[unpaid.order_id].reason_text) == (None, None)
    assert found[late.order_id].kind is AmazonCancelKind.LATE_SHIPMENT
    assert found[unpaid.order_id].kind is AmazonCancelKind.UNPAID
