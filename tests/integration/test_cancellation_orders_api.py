"""cancel_order(via="orders_api"): Orders 2026-01-01 cancelOrder, 202 then read-back, lost answers."""

from __future__ import annotations

import pytest

from sp_cancel import CancelReason
from sp_cancel._cancellation.outcomes import CancelStatus
from sp_cancel.errors import InvalidInputError, NotCancellableError
from sp_cancel.testing import Simulator


@pytest.fixture
def sim() -> Simulator:
    """An empty simulated seller (no seeded orders)."""
    return Simulator(seed=31, orders=0)


@pytest.mark.parametrize(
    ("reason", "seen_as"),
    [
        (CancelReason.NO_INVENTORY, "NoInventory"),
        (CancelReason.BUYER_CANCELED, "BuyerCanceled"),
        (CancelReason.SHIPPING_ADDRESS_UNDELIVERABLE, "ShippingAddressUndeliverable"),
        (CancelReason.CUSTOMER_EXCHANGE, "CustomerExchange"),
    ],
)
def test_reasons_with_a_code_cancel_through_cancel_order(sim: Simulator, reason: CancelReason, seen_as: str) -> None:
    """Each reason with a cancelReasonCode cancels the order; Amazon records the matching reason."""
    order = sim.add_order()
    outcome = sim.client().cancel_order(order.order_id, reason, via="orders_api")
    assert outcome.status is CancelStatus.CANCELLED
    assert (outcome.via, outcome.feed_id, outcome.reason) == ("orders_api", None, reason)
    assert sim.order(order.order_id).status == "Canceled"
    assert sim.order(order.order_id).cancel_reason == seen_as
    counts = sim.request_counts
    assert counts["orders.cancelOrder"] == 1
    assert counts["orders.getOrder"] == 2  # the pre-check and the read-back after the 202
    assert "feeds.createFeed" not in counts


@pytest.mark.parametrize("reason", [r for r in CancelReason if r.orders_api_code is None])
def test_reasons_without_a_code_are_refused_before_any_call(sim: Simulator, reason: CancelReason) -> None:
    """The six feed-only reasons raise InvalidInputError naming the usable ones; nothing is sent."""
    with pytest.raises(InvalidInputError, match="NO_INVENTORY") as caught:
        sim.client().cancel_order("112-1234567-1234567", reason, via="orders_api")
    assert caught.value.field == "reason"
    assert sim.request_counts == {}


def test_the_same_call_again_returns_the_outcome_without_calls(sim: Simulator) -> None:
    """A repeated Orders API cancel is answered from the journal."""
    order = sim.add_order()
    client = sim.client()
    first = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, via="orders_api")
    before = sim.request_counts
    assert client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, via="orders_api") == first
    assert sim.request_counts == before


def test_a_feed_cancel_after_an_orders_api_cancel_returns_the_earlier_outcome(sim: Simulator) -> None:
    """An order cancelled through the Orders API by us is not refused by a later feed cancel."""
    order = sim.add_order()
    client = sim.client()
    first = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, via="orders_api")
    assert client.cancel_order(order.order_id, CancelReason.NO_INVENTORY) == first
    assert "feeds.createFeed" not in sim.request_counts


def test_not_cancellable_orders_are_refused_before_cancel_order(sim: Simulator) -> None:
    """A shipped order is refused with NotCancellableError; cancelOrder is never called."""
    order = sim.add_order(status="Shipped")
    with pytest.raises(NotCancellableError) as caught:
        sim.client().cancel_order(order.order_id, CancelReason.NO_INVENTORY, via="orders_api")
    assert caught.value.state == "SHIPPED"
    assert "orders.cancelOrder" not in sim.request_counts


@pytest.mark.parametrize("fault", ["timeout_after_commit", "drop", "500"])
def test_a_lost_answer_is_settled_by_reading_the_order_back(sim: Simulator, fault: str) -> None:
    """A lost cancelOrder answer is asked again (harmless: Amazon cancels an order once); the read-back decides."""
    order = sim.add_order()
    sim.add_fault("orders.cancelOrder", fault)
    outcome = sim.client().cancel_order(order.order_id, CancelReason.NO_INVENTORY, via="orders_api")
    assert outcome.status is CancelStatus.CANCELLED
    assert sim.order(order.order_id).status == "Canceled"
    assert sim.request_counts["orders.cancelOrder"] == 2
    sources = {c.source for c in sim.world.cancellations if c.order_id == order.order_id}
    assert len(sources) == 1  # Amazon's ledger: cancelled once


def test_submitted_until_the_order_reads_back_cancelled_or_shipped(sim: Simulator) -> None:
    """With every answer lost the outcome is SUBMITTED; refresh turns REJECTED once the order ships."""
    order = sim.add_order()
    sim.add_fault("orders.cancelOrder", "drop", count=None)
    client = sim.client()
    outcome = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, via="orders_api")
    assert outcome.status is CancelStatus.SUBMITTED
    assert outcome.via == "orders_api"
    assert "UNSHIPPED" in (outcome.detail or "")
    assert client.refresh(outcome).status is CancelStatus.SUBMITTED
    with sim.lock:
        shipped = sim.world.orders[order.order_id]
        shipped.status = "Shipped"
        for item in shipped.items:
            item.quantity_shipped = item.quantity_ordered
    rejected = client.refresh(outcome)
    assert rejected.status is CancelStatus.REJECTED
    assert "SHIPPED" in (rejected.detail or "")
    assert client.refresh(outcome) == rejected
    assert client.journal.get(outcome.submission_id or "").state == "rejected"  # type: ignore[union-attr]


def test_amazon_refusing_cancel_order_leaves_no_journal_entry(sim: Simulator) -> None:
    """Amazon refusing cancelOrder (a 400: nothing done) raises and releases the plan for a retry.

    (A 5xx, 503 included, may come after Amazon acted: it keeps the plan and reads the order back instead.)
    """
    from sp_cancel.errors import ApiError  # noqa: PLC0415

    order = sim.add_order()
    client = sim.client()
    sim.add_fault("orders.cancelOrder", "400", count=None)
    with pytest.raises(ApiError):
        client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, via="orders_api")
    assert client.journal.unfinished() == []
    assert sim.order(order.order_id).status == "Unshipped"


def test_a_withdrawn_cancel_order_raises_a_typed_error_pointing_to_the_feed() -> None:
    """A cancelOrder answered 403 (Amazon withdrew it): OperationWithdrawnError, hint via="feed", no silent fallback."""
    from sp_cancel import OperationWithdrawnError  # noqa: PLC0415

    sim = Simulator(seed=18, orders=0, cancel_order="withdrawn")
    order = sim.add_order()
    client = sim.client()
    with pytest.raises(OperationWithdrawnError) as caught:
        client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, via="orders_api")
    assert caught.value.status == 403
    assert caught.value.operation == "cancelOrder"
    assert caught.value.request_id  # the call's details travel with the typed error (ApiError.call_details)
    assert 'via="feed"' in caught.value.hint
    assert 'via="feed"' in str(caught.value)
    assert "feeds.createFeed" not in sim.request_counts  # no fallback to the feed route
    assert sim.order(order.order_id).status == "Unshipped"
    assert client.journal.unfinished() == []
    # The feed route, asked for explicitly, cancels it.
    assert client.cancel_order(order.order_id, CancelReason.NO_INVENTORY).status.value == "CANCELLED"


def test_a_cancel_order_answered_404_is_withdrawn_too(sim: Simulator) -> None:
    """A 404 to cancelOrder for an order getOrder has just read: the route is gone, the same typed error."""
    from sp_cancel import OperationWithdrawnError  # noqa: PLC0415

    order = sim.add_order()
    client = sim.client()
    sim.add_fault("orders.cancelOrder", "404", count=None)
    with pytest.raises(OperationWithdrawnError, match="Nothing was cancelled"):
        client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, via="orders_api")
    assert sim.order(order.order_id).status == "Unshipped"
