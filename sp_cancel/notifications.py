"""Parsing SP-API notifications that matter for cancellations.

``ORDER_CHANGE`` (PascalCase keys, ``IsBuyerRequestedCancel`` as a real
boolean, unlike Orders v0's strings) tells when a buyer asks to cancel;
``parse_order_change`` turns one into a ``BuyerCancelRequest``; the flag is read by the one buyer-request
parser (``sp_cancel._buyer_request``) that also reads Orders v0, Orders 2026-01-01 and the report column.
Subscribe with the Notifications API (``ORDER_CHANGE``, ``orderChangeTypes:
["BuyerRequestedChange"]``); delivery (SQS/EventBridge) is yours.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sp_cancel._buyer_request import read_buyer_request
from sp_cancel._order import BuyerCancelRequest
from sp_cancel.clock import parse_time
from sp_cancel.errors import InvalidInputError

__all__ = ["parse_order_change"]


def _dt(value: object) -> datetime | None:
    try:
        return parse_time(value)
    except ValueError:
        raise InvalidInputError(f"TimeOfOrderChange {value!r} is not an ISO 8601 time", field="payload") from None


def parse_order_change(payload: Mapping[str, Any] | str | bytes) -> BuyerCancelRequest | None:
    """Return the buyer cancellation request an ``ORDER_CHANGE`` notification carries, or ``None``.

    ``payload`` is the whole notification (a mapping, or its JSON text). It is a
    buyer request when ``OrderChangeType`` is ``BuyerRequestedChange`` and at
    least one item has ``IsBuyerRequestedCancel: true``. ``ChangeReason`` is free
    text and is not parsed (Amazon does not fix its wording).

    Raises:
        InvalidInputError: the payload is not JSON, not an ``ORDER_CHANGE`` notification, or its change time
            is unreadable.

    Example:
        >>> note = {"NotificationType": "ORDER_CHANGE", "Payload": {"OrderChangeNotification": {
        ...     "AmazonOrderId": "903-8868176-2219830", "OrderChangeType": "BuyerRequestedChange",
        ...     "OrderChangeTrigger": {"TimeOfOrderChange": "2022-11-29T19:42:04.284Z",
        ...                            "ChangeReason": "Buyer Requested Cancel"},
        ...     "Summary": {"MarketplaceId": "ATVPDKIKX0DER", "OrderItems": [
        ...         {"OrderItemId": "12345678901234", "IsBuyerRequestedCancel": True}]}}}}
        >>> parse_order_change(note).order_item_ids
        ('12345678901234',)
    """
    try:
        data: Any = json.loads(payload) if isinstance(payload, str | bytes) else payload
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise InvalidInputError(f"the notification is not JSON: {exc}", field="payload") from None
    if not isinstance(data, Mapping) or data.get("NotificationType") != "ORDER_CHANGE":
        kind = data.get("NotificationType") if isinstance(data, Mapping) else type(data).__name__
        raise InvalidInputError(f"not an ORDER_CHANGE notification: {kind!r}", field="payload")
    change = (data.get("Payload") or {}).get("OrderChangeNotification")
    if not isinstance(change, Mapping) or not change.get("AmazonOrderId"):
        raise InvalidInputError("ORDER_CHANGE notification without Payload.OrderChangeNotification", field="payload")
    if change.get("OrderChangeType") != "BuyerRequestedChange":
        return None
    summary = change.get("Summary") or {}
    items = tuple(
        str(item["OrderItemId"])
        for item in summary.get("OrderItems") or []
        if read_buyer_request(item.get("IsBuyerRequestedCancel"), shape="order_change").requested
        and item.get("OrderItemId")
    )
    if not items:
        return None
    trigger = change.get("OrderChangeTrigger") or {}
    return BuyerCancelRequest(
        order_id=str(change["AmazonOrderId"]),
        order_item_ids=items,
        reason_text=trigger.get("ChangeReason"),
        requested_at=_dt(trigger.get("TimeOfOrderChange")),
        marketplace_id=str(summary.get("MarketplaceId") or ""),
    )
