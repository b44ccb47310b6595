"""The ``items`` of a cancel request and of the acknowledgement and adjustment feeds: one check, each its message."""

from __future__ import annotations

import pytest

from sp_cancel import AdjustmentReason, CancelReason, CancelRequest, InvalidInputError, ItemCancel
from sp_cancel.feeds.acknowledgement import AckItem, AckMessage
from sp_cancel.feeds.adjustment import AdjustedItem, AdjustmentMessage

ORDER = "112-1234567-1234567"
ITEM = "12345678901234"


def test_cancel_request_items() -> None:
    """No items means the whole order (``None``); an empty list, a stranger or one item twice is refused."""
    one = ItemCancel(order_item_id=ITEM, quantity=1)
    assert CancelRequest(order_id=ORDER, reason=CancelReason.NO_INVENTORY, items=[one]).items == (one,)
    with pytest.raises(InvalidInputError, match=r"^items is empty: pass None to cancel the whole order$"):
        CancelRequest(order_id=ORDER, reason=CancelReason.NO_INVENTORY, items=[])
    with pytest.raises(InvalidInputError, match=r"^items must be ItemCancel values, got 'x'$") as refused:
        CancelRequest(order_id=ORDER, reason=CancelReason.NO_INVENTORY, items=["x"])  # type: ignore[list-item]  # the wrong type under test
    assert refused.value.field == "items"
    with pytest.raises(InvalidInputError, match=r"^items names the same order_item_id twice; merge the quantities$"):
        CancelRequest(order_id=ORDER, reason=CancelReason.NO_INVENTORY, items=[one, one])


def test_acknowledgement_items() -> None:
    """An acknowledgement may list no items; a stranger or one item twice is refused."""
    assert AckMessage(message_id=1, order_id=ORDER, status="Success").items == ()
    with pytest.raises(InvalidInputError, match=r"^items must be AckItem values, got 1$"):
        AckMessage(message_id=1, order_id=ORDER, status="Success", items=[1])  # type: ignore[list-item]  # the wrong type under test
    item = AckItem(order_item_id=ITEM)
    with pytest.raises(InvalidInputError, match=r"^items names the same order_item_id twice$"):
        AckMessage(message_id=1, order_id=ORDER, status="Success", items=[item, item])


def test_adjustment_items() -> None:
    """An adjustment needs an item and takes only ``AdjustedItem`` values (one item may appear twice)."""
    item = AdjustedItem(order_item_id=ITEM, reason=AdjustmentReason.NO_INVENTORY, quantity_cancelled=1)
    assert AdjustmentMessage(message_id=1, order_id=ORDER, items=[item, item]).items == (item, item)
    with pytest.raises(InvalidInputError, match=r"^an adjustment message needs at least one item$"):
        AdjustmentMessage(message_id=1, order_id=ORDER, items=[])
    with pytest.raises(InvalidInputError, match=r"^items must be AdjustedItem values, got None$"):
        AdjustmentMessage(message_id=1, order_id=ORDER, items=[None])  # type: ignore[list-item]  # the wrong type under test
