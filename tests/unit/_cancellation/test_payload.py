"""CancelPayload: what the journal keeps of a cancel, built from an order and round-tripped through JSON."""

from __future__ import annotations

import json

import pytest
from unit_fakes import seller_order

from sp_cancel._cancellation.payload import CancelPayload
from sp_cancel._order import Order, OrderItem, OrderStatus
from sp_cancel.models import CancelReason, CancelRequest, ItemCancel

ORDER_ID = "111-2222222-3333333"
I1 = "11111111111111"
I2 = "22222222222222"


def order(*, marketplace_id: str | None = "A1PA6795UKMFR9") -> Order:
    """A two-item order: one partly cancelled already, one partly shipped."""
    items = [
        OrderItem(
            order_item_id=I1,
            sku="S1",
            quantity_ordered=3,
            quantity_shipped=0,
            quantity_unshipped=2,
            quantity_cancelled=1,
        ),
        OrderItem(order_item_id=I2, sku="S2", quantity_ordered=2, quantity_shipped=1, quantity_unshipped=1),
    ]
    return seller_order(
        ORDER_ID, items, status=OrderStatus.PARTIALLY_SHIPPED, marketplace_id=marketplace_id, currency="EUR"
    )


def test_of_keeps_the_order_as_it_was_checked() -> None:
    """Every item, and each item's unshipped and cancelled quantities at the check, under the order's marketplace."""
    request = CancelRequest(
        order_id=ORDER_ID, reason=CancelReason.NO_INVENTORY, items=[ItemCancel(order_item_id=I1, quantity=1)]
    )
    payload = CancelPayload.of(request, order(), "ATVPDKIKX0DER", buyer_request=True)
    assert payload.order_id == ORDER_ID
    assert payload.marketplace_id == "A1PA6795UKMFR9"  # the order's, not the client's default
    assert payload.order_items == (I1, I2)
    assert dict(payload.unshipped_before) == {I1: 2, I2: 1}
    assert payload.cancelled_before is not None
    assert dict(payload.cancelled_before) == {I1: 1, I2: 0}
    assert payload.buyer_request
    assert CancelPayload.of(request, order(marketplace_id=None), "ATVPDKIKX0DER").marketplace_id == "ATVPDKIKX0DER"


@pytest.mark.parametrize(
    "request_",
    [
        CancelRequest(order_id=ORDER_ID, reason=CancelReason.NO_INVENTORY),
        CancelRequest(
            order_id=ORDER_ID,
            reason="BUYER_CANCELED",
            items=[ItemCancel(order_item_id=I1, quantity=2), ItemCancel(order_item_id=I2, quantity=1)],
        ),
    ],
    ids=["whole-order", "units"],
)
def test_the_json_form_round_trips_through_text(request_: CancelRequest) -> None:
    """to_json -> JSON text -> from_json gives the same payload (the journal stores text)."""
    payload = CancelPayload.of(request_, order(), "ATVPDKIKX0DER")
    again = CancelPayload.from_json(json.loads(json.dumps(payload.to_json())))
    assert again == payload
    assert dict(again.unshipped_before) == dict(payload.unshipped_before)
    assert again.request.items == payload.request.items


def test_an_older_journal_entry_reads_with_defaults() -> None:
    """Fields added later (marketplace, items snapshot, cancelled_before, buyer_request) take their defaults."""
    payload = CancelPayload.from_json({"order_id": ORDER_ID, "reason": "NO_INVENTORY"})
    assert payload.request == CancelRequest(order_id=ORDER_ID, reason=CancelReason.NO_INVENTORY)
    assert (payload.marketplace_id, payload.order_items) == ("", ())
    assert dict(payload.unshipped_before) == {}
    assert payload.cancelled_before is None  # "kept none": a read-back must not assume zero
    assert not payload.buyer_request


def test_the_snapshot_is_read_only_and_counts_are_ints() -> None:
    """The kept quantities cannot be changed through the payload, and JSON-ish counts become ints."""
    payload = CancelPayload.from_json(
        {"order_id": ORDER_ID, "reason": "NO_INVENTORY", "unshipped_before": {I1: 2.0}, "cancelled_before": {}}
    )
    assert payload.unshipped_before == {I1: 2}
    assert type(payload.unshipped_before[I1]) is int
    with pytest.raises(TypeError):
        payload.unshipped_before[I1] = 5  # type: ignore[index]  # read-only on purpose
    assert payload.cancelled_before == {}


def test_a_bad_reason_in_the_journal_is_refused() -> None:
    """A payload whose reason is not one of Amazon's is an error, not a silently different cancel."""
    with pytest.raises(ValueError):
        CancelPayload.from_json({"order_id": ORDER_ID, "reason": "BECAUSE"})
