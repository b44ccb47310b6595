"""``OrderAcknowledgement`` business rules: acknowledge an order, or cancel it with ``StatusCode`` Failure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from sp_cancel.testing._sim._orderfeed_context import _AFN, _ITEM_NOT_FOUND, _Context, _ledger
from sp_cancel.testing._sim._orderfeed_report import ReportResult

if TYPE_CHECKING:
    from sp_cancel.testing._sim._orderschema import Record

__all__: list[str] = []

_ACK_STATUS_CODES: Final = {
    "Shipped": 90203,
    "PartiallyShipped": 90204,
    "Pending": 90205,
    "PendingAvailability": 90205,
    "Canceled": 90206,
}
_ACK_OTHER_STATUS: Final = 90207


def _acknowledge(ctx: _Context, message_id: int, body: Record) -> bool:
    order_id: str = body["AmazonOrderID"]
    status: str = body["StatusCode"]
    order = ctx.sim.world.orders.get(order_id)
    if order is None:
        ctx.not_found(message_id, order_id, None)
        return False
    before = len(ctx.results)
    if order.fulfillment_channel == "AFN":
        ctx.results.append(
            ReportResult(
                message_id,
                _AFN,
                f"Order {order_id} is fulfilled by Amazon; it cannot be acknowledged or cancelled by the seller.",
                order_id=order_id,
            )
        )
        return False
    reasons: list[str] = []
    for line in body.get("Item", ()):
        code: str = line["AmazonOrderItemCode"]
        if order.item(code) is None:
            ctx.results.append(
                ReportResult(
                    message_id,
                    _ITEM_NOT_FOUND,
                    f"Order item {code} is not part of order {order_id}.",
                    order_id=order_id,
                    order_item_id=code,
                )
            )
        reason: str | None = line.get("CancelReason")
        if reason:
            reasons.append(reason)
    if status == "Failure" and order.status != "Unshipped":
        status_code = _ACK_STATUS_CODES.get(order.status, _ACK_OTHER_STATUS)
        ctx.results.append(
            ReportResult(
                message_id,
                status_code,
                f"Order {order_id} cannot be cancelled with an order acknowledgement because its status is "
                f"{order.status}; only Unshipped orders can be cancelled this way.",
                order_id=order_id,
            )
        )
    if len(ctx.results) > before:
        return False
    order.acknowledged = True
    order.last_update_date = ctx.at
    if status == "Success":
        _ledger(ctx, message_id, order_id, "acknowledged")
        return True
    for item in order.items:
        item.quantity_cancelled += item.quantity_unshipped
    order.status = "Canceled"
    order.cancelled_by = "MERCHANT"
    order.cancel_reason = reasons[0] if reasons else None
    order.cancelled_at = ctx.at
    _ledger(ctx, message_id, order_id, f"cancelled:{order.cancel_reason or ''}")
    return True
