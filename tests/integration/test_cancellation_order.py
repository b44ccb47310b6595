"""cancel_order against the simulator: whole orders, refusals, validation, item-level cancels."""

from __future__ import annotations

from typing import Any

import pytest

from sp_cancel import CancelReason, ItemCancel
from sp_cancel._cancellation.outcomes import CancelStatus
from sp_cancel.errors import IdempotencyConflictError, InvalidInputError, NotCancellableError
from sp_cancel.testing import Simulator


@pytest.fixture
def sim() -> Simulator:
    """An empty simulated seller (no seeded orders)."""
    return Simulator(seed=11, orders=0)


def two_items(sim: Simulator, **kwargs: Any) -> Any:
    """An order with two items of two units each."""
    return sim.add_order(items=[{"quantity": 2}, {"quantity": 2}], **kwargs)


def test_whole_order_is_cancelled_with_one_acknowledgement_feed(sim: Simulator) -> None:
    """A whole unshipped MFN order is cancelled through one acknowledgement feed listing every item."""
    order = two_items(sim)
    client = sim.client()
    outcome = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert outcome.status is CancelStatus.CANCELLED
    assert outcome.ok
    assert outcome.feed_id
    assert outcome.messages == ()
    assert sim.order(order.order_id).status == "Canceled"
    assert sim.order(order.order_id).cancel_reason == "NoInventory"
    assert all(i.quantity_cancelled == 2 for i in sim.order(order.order_id).items)
    feed = sim.world.feeds[outcome.feed_id]
    assert feed.feed_type == "POST_ORDER_ACKNOWLEDGEMENT_DATA"
    document = sim.world.documents[feed.input_document_id].content or b""
    for item in order.items:
        assert item.order_item_id.encode() in document
    assert b"<StatusCode>Failure</StatusCode>" in document
    assert sim.request_counts["feeds.createFeed"] == 1


def test_same_call_again_returns_the_journaled_outcome_without_sending(sim: Simulator) -> None:
    """Repeating the same cancel returns the first outcome and sends no HTTP request at all."""
    order = sim.add_order()
    client = sim.client()
    first = client.cancel_order(order.order_id, "NO_INVENTORY")
    before = sim.request_counts
    again = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert again == first
    assert sim.request_counts == before


@pytest.mark.parametrize(
    ("kwargs", "state", "hint_word"),
    [
        ({"status": "Shipped"}, "SHIPPED", "partial_refund"),
        ({"status": "PartiallyShipped", "items": 2}, "PARTIALLY_SHIPPED", "items="),
        ({"channel": "AFN"}, "AMAZON_FULFILLED", "Seller Support"),
        ({"status": "Pending"}, "PENDING", "Unshipped"),
        ({"status": "PendingAvailability"}, "PENDING_AVAILABILITY", "pre-order"),
        ({"status": "Canceled", "cancelled_by": "BUYER"}, "CANCELLED", "already cancelled"),
    ],
)
def test_orders_whose_state_forbids_a_cancel_are_refused_before_sending(
    sim: Simulator, kwargs: dict[str, Any], state: str, hint_word: str
) -> None:
    """Each non-cancellable state raises NotCancellableError with the state and a hint; no feed is sent."""
    order = sim.add_order(**kwargs)
    client = sim.client()
    with pytest.raises(NotCancellableError) as caught:
        client.cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert caught.value.state == state
    assert caught.value.target_id == order.order_id
    assert hint_word in (caught.value.hint or "")
    assert "feeds.createFeed" not in sim.request_counts
    assert "feeds.createFeedDocument" not in sim.request_counts
    assert client.journal.unfinished() == []


def test_already_cancelled_by_us_returns_the_earlier_outcome(sim: Simulator) -> None:
    """The same cancel again returns the earlier outcome; nothing is sent."""
    order = sim.add_order()
    client = sim.client()
    first = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert client.cancel_order(order.order_id, CancelReason.NO_INVENTORY) == first
    assert sim.request_counts["feeds.createFeed"] == 1


def test_the_same_order_with_another_reason_is_an_idempotency_conflict(sim: Simulator) -> None:
    """Issue 12: another reason for an order we cancelled is refused, naming the earlier submission; nothing sent."""
    order = sim.add_order()
    client = sim.client()
    first = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    with pytest.raises(IdempotencyConflictError) as conflict:
        client.cancel_order(order.order_id, CancelReason.GENERAL_ADJUSTMENT)
    assert conflict.value.submission_id == first.submission_id
    assert conflict.value.differences == {"reason": ("NO_INVENTORY", "GENERAL_ADJUSTMENT")}
    assert isinstance(conflict.value, InvalidInputError)
    assert sim.request_counts["feeds.createFeed"] == 1


def test_already_cancelled_by_us_seen_from_another_client_on_the_same_journal(sim: Simulator, tmp_path: Any) -> None:
    """A second process sharing the journal file gets the earlier outcome instead of a refusal."""
    journal = tmp_path / "journal.sqlite3"
    order = sim.add_order()
    first = sim.client(journal=journal).cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    other = sim.client(journal=journal).cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert other == first
    with pytest.raises(IdempotencyConflictError):
        sim.client(journal=journal).cancel_order(order.order_id, CancelReason.CUSTOMER_EXCHANGE)
    assert sim.request_counts["feeds.createFeed"] == 1


ORDER = "112-1234567-1234567"


@pytest.mark.parametrize(
    ("args", "kwargs", "field"),
    [
        (("112-123-4567", "NO_INVENTORY"), {}, "order_id"),
        ((ORDER, "NOT_A_REASON"), {}, "reason"),
        ((ORDER, "NO_INVENTORY"), {"items": [ItemCancel(order_item_id="12345678901234", quantity=1)] * 2}, "items"),
        ((ORDER, "NO_INVENTORY"), {"items": []}, "items"),
        ((ORDER, "NO_INVENTORY"), {"timeout": 0}, "timeout"),
        ((ORDER, "NO_INVENTORY"), {"via": "email"}, "via"),
        ((ORDER, "GENERAL_ADJUSTMENT"), {"via": "orders_api"}, "reason"),
        (
            (ORDER, "NO_INVENTORY"),
            {"via": "orders_api", "items": [ItemCancel(order_item_id="12345678901234", quantity=1)]},
            "items",
        ),
    ],
)
def test_bad_input_is_refused_before_any_http_call(
    sim: Simulator, args: tuple[str, str], kwargs: dict[str, Any], field: str
) -> None:
    """Malformed ids, unknown reasons, bad items, timeout or via raise InvalidInputError with no request sent."""
    client = sim.client()
    with pytest.raises(InvalidInputError) as caught:
        client.cancel_order(*args, **kwargs)
    assert caught.value.field == field
    assert sim.request_counts == {}


@pytest.mark.parametrize(
    ("order_item_id", "quantity"),
    [("1234567890123", 1), ("12345678901234", 0), ("12345678901234", -2)],
)
def test_bad_item_cancels_cannot_be_built(order_item_id: str, quantity: int) -> None:
    """An ItemCancel with a non-14-digit id or a non-positive quantity is refused on construction."""
    with pytest.raises(InvalidInputError):
        ItemCancel(order_item_id=order_item_id, quantity=quantity)


def test_item_level_cancel_cancels_only_the_asked_units(sim: Simulator) -> None:
    """items=[ItemCancel] sends an adjustment feed with QuantityCancelled; the order stays open."""
    order = two_items(sim)
    first, second = order.items
    client = sim.client()
    outcome = client.cancel_order(
        order.order_id, CancelReason.NO_INVENTORY, items=[ItemCancel(order_item_id=first.order_item_id, quantity=1)]
    )
    assert outcome.status is CancelStatus.PARTIALLY_CANCELLED
    assert outcome.items == (ItemCancel(order_item_id=first.order_item_id, quantity=1),)
    seen = sim.order(order.order_id)
    assert seen.status == "Unshipped"
    assert (seen.items[0].quantity_cancelled, seen.items[1].quantity_cancelled) == (1, 0)
    feed = sim.world.feeds[outcome.feed_id or ""]
    assert feed.feed_type == "POST_PAYMENT_ADJUSTMENT_DATA"
    document = sim.world.documents[feed.input_document_id].content or b""
    assert b"<QuantityCancelled>1</QuantityCancelled>" in document
    assert second.order_item_id.encode() not in document


def test_item_level_cancel_on_a_partly_shipped_order_cancels_its_unshipped_units(sim: Simulator) -> None:
    """On a PartiallyShipped order the unshipped item's units can be cancelled item by item."""
    order = sim.add_order(status="PartiallyShipped", items=[{"quantity": 1}, {"quantity": 3}])
    unshipped = order.items[1]
    client = sim.client()
    outcome = client.cancel_order(
        order.order_id, "NO_INVENTORY", items=[ItemCancel(order_item_id=unshipped.order_item_id, quantity=3)]
    )
    assert outcome.status is CancelStatus.PARTIALLY_CANCELLED
    seen = sim.order(order.order_id)
    assert seen.items[1].quantity_cancelled == 3
    assert seen.status == "Shipped"  # everything left has shipped: Amazon closes it as shipped


@pytest.mark.parametrize(
    ("status", "item_index", "quantity"),
    [
        ("Unshipped", 0, 3),  # two ordered
        ("PartiallyShipped", 0, 1),  # the first item shipped in full
    ],
)
def test_more_units_than_unshipped_are_refused_before_sending(
    sim: Simulator, status: str, item_index: int, quantity: int
) -> None:
    """Asking to cancel more units than are unshipped raises InvalidInputError; no feed is sent."""
    order = two_items(sim, status=status)
    item = order.items[item_index]
    with pytest.raises(InvalidInputError, match="unshipped"):
        sim.client().cancel_order(
            order.order_id, "NO_INVENTORY", items=[ItemCancel(order_item_id=item.order_item_id, quantity=quantity)]
        )
    assert "feeds.createFeed" not in sim.request_counts


def test_item_not_in_the_order_is_refused(sim: Simulator) -> None:
    """An order item id that is not part of the order is refused before sending."""
    order = sim.add_order()
    with pytest.raises(InvalidInputError, match="has no item"):
        sim.client().cancel_order(
            order.order_id, "NO_INVENTORY", items=[ItemCancel(order_item_id="99999999999999", quantity=1)]
        )
    assert "feeds.createFeed" not in sim.request_counts


def test_item_level_cancel_of_a_shipped_order_is_not_cancellable(sim: Simulator) -> None:
    """Item-level cancels on a shipped order are refused with the SHIPPED state."""
    order = sim.add_order(status="Shipped", items=[{"quantity": 2}])
    with pytest.raises(NotCancellableError) as caught:
        sim.client().cancel_order(
            order.order_id, "NO_INVENTORY", items=[ItemCancel(order_item_id=order.items[0].order_item_id, quantity=1)]
        )
    assert caught.value.state == "SHIPPED"


def test_unknown_order_is_not_found(sim: Simulator) -> None:
    """An order Amazon does not know raises NotFoundError after one getOrder; nothing is sent."""
    from sp_cancel.errors import NotFoundError  # noqa: PLC0415

    with pytest.raises(NotFoundError):
        sim.client().cancel_order(ORDER, "NO_INVENTORY")
    assert "feeds.createFeedDocument" not in sim.request_counts
