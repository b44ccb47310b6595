"""What the watch reacts to: one ``WatchEvent`` per (order, change), from SQS or from the sweep, and its codec.

An ``ORDER_CHANGE`` message is read here once (the SQS edge: nothing else in the watch indexes its JSON);
the buyer request it carries is ``sp_cancel.notifications.parse_order_change``'s answer.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from sp_cancel.clock import parse_time
from sp_cancel.errors import InvalidInputError
from sp_cancel.notifications import parse_order_change
from sp_cancel.orders import Order, OrderState

__all__ = ["EventKind", "ForeignMessageError", "WatchEvent", "event_from_message", "events_from_order"]


class EventKind(enum.StrEnum):
    """What happened to an order."""

    BUYER_REQUEST = "buyer_request"  # the buyer asked Amazon to cancel
    ORDER_CANCELLED = "order_cancelled"  # the order became cancelled (Amazon's own cancel, or someone's)


class ForeignMessageError(InvalidInputError):
    """A queue message that is not an ``ORDER_CHANGE`` of this application (never acted on)."""


@attrs.frozen(kw_only=True)
class WatchEvent:
    """One change of one order, from either source.

    Attributes:
        kind: a buyer's request or a cancellation.
        seller_id: whose order (routes the event to that seller's client).
        order_id: Amazon's order id.
        marketplace_id: the order's marketplace, when known.
        changed_at: when the order changed (``TimeOfOrderChange``; the sweep: the order's last update).
        source: ``"sqs"`` or ``"sweep"``.
        notification_id: ``NotificationMetadata.NotificationId`` for a notification, else ``None``.
        reason_text: the buyer's or Amazon's free text, when given.
    """

    kind: EventKind = attrs.field(converter=EventKind)
    seller_id: str
    order_id: str
    marketplace_id: str | None = None
    changed_at: datetime | None = None
    source: str = "sqs"
    notification_id: str | None = None
    reason_text: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form the journal keeps."""
        return {
            "kind": self.kind.value,
            "seller_id": self.seller_id,
            "order_id": self.order_id,
            "marketplace_id": self.marketplace_id,
            "changed_at": None if self.changed_at is None else self.changed_at.isoformat(),
            "source": self.source,
            "notification_id": self.notification_id,
            "reason_text": self.reason_text,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WatchEvent:
        """Read back ``to_json``'s form."""
        return cls(
            kind=data["kind"],
            seller_id=str(data["seller_id"]),
            order_id=str(data["order_id"]),
            marketplace_id=data.get("marketplace_id"),
            changed_at=parse_time(data.get("changed_at")),
            source=str(data.get("source") or "sqs"),
            notification_id=data.get("notification_id"),
            reason_text=data.get("reason_text"),
        )


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ForeignMessageError(f"ORDER_CHANGE message without {where}", field="message")
    return value


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def event_from_message(body: str | bytes, *, application_id: str | None) -> WatchEvent | None:
    """The event an SQS message body carries, or ``None`` for a change the watch does not act on.

    Args:
        body: the message body: Amazon's notification JSON.
        application_id: the SP-API application's id (``amzn1.sp.solution...``). Messages are unsigned: one whose
            ``NotificationMetadata.ApplicationId`` is another application's is refused. ``None`` skips the check
            (only for a queue no one else can write to).

    Raises:
        ForeignMessageError: not JSON, not ``ORDER_CHANGE``, another application's, or without the ids the
            watch needs.
    """
    try:
        data: Any = json.loads(body)
    except ValueError as exc:
        raise ForeignMessageError(f"the message is not JSON: {exc}", field="message") from None
    data = _mapping(data, "a JSON object")
    if data.get("NotificationType") != "ORDER_CHANGE":
        raise ForeignMessageError(f"not an ORDER_CHANGE notification: {data.get('NotificationType')!r}")
    metadata = _mapping(data.get("NotificationMetadata"), "NotificationMetadata")
    if application_id is not None and metadata.get("ApplicationId") != application_id:
        raise ForeignMessageError(
            f"ORDER_CHANGE for application {metadata.get('ApplicationId')!r}, not ours ({application_id!r})",
            field="message",
        )
    notification_id = _text(metadata.get("NotificationId"))
    change = _mapping(_mapping(data.get("Payload"), "Payload").get("OrderChangeNotification"), "a change")
    seller_id, order_id = _text(change.get("SellerId")), _text(change.get("AmazonOrderId"))
    if notification_id is None or seller_id is None or order_id is None:
        raise ForeignMessageError("ORDER_CHANGE without NotificationId, SellerId or AmazonOrderId", field="message")
    request = parse_order_change(data)
    if request is not None:
        return WatchEvent(
            kind=EventKind.BUYER_REQUEST,
            seller_id=seller_id,
            order_id=request.order_id,
            marketplace_id=request.marketplace_id or None,
            changed_at=request.requested_at,
            notification_id=notification_id,
            reason_text=request.reason_text,
        )
    summary = change.get("Summary")
    status = summary.get("OrderStatus") if isinstance(summary, Mapping) else None
    if change.get("OrderChangeType") == "OrderStatusChange" and status == "Canceled":
        trigger = change.get("OrderChangeTrigger")
        when = trigger.get("TimeOfOrderChange") if isinstance(trigger, Mapping) else None
        try:
            changed_at = parse_time(when)
        except ValueError:
            changed_at = None
        return WatchEvent(
            kind=EventKind.ORDER_CANCELLED,
            seller_id=seller_id,
            order_id=order_id,
            marketplace_id=_text(summary.get("MarketplaceId")) if isinstance(summary, Mapping) else None,
            changed_at=changed_at,
            notification_id=notification_id,
        )
    return None


def events_from_order(order: Order, *, seller_id: str) -> list[WatchEvent]:
    """What the sweep makes of one order read by ``searchOrders``: a buyer request, Amazon's cancel, or nothing."""
    # Only Amazon's own cancels are reported: the seller's (this watch's accepts among them) and the buyer's
    # need no word, and a notification of one is noted when it comes.
    if order.status is OrderState.CANCELLED and order.cancelled_by == "AMAZON":
        kind = EventKind.ORDER_CANCELLED
        reason = next((i.cancel_reason for i in order.items if i.cancel_reason), None)
    elif order.buyer_requested_cancel and order.status in {OrderState.UNSHIPPED, OrderState.PARTIALLY_SHIPPED}:
        kind = EventKind.BUYER_REQUEST
        reason = order.buyer_cancel_reason
    else:
        return []
    return [
        WatchEvent(
            kind=kind,
            seller_id=seller_id,
            order_id=order.order_id,
            marketplace_id=order.marketplace_id,
            changed_at=order.last_updated_at,
            source="sweep",
            reason_text=reason,
        )
    ]
