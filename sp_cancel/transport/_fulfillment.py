"""Fulfillment Outbound (Multi-Channel Fulfillment) answers as typed values, 2020-07-01 and 2026-07-04.

Statuses stay strings as Amazon sent them: the 2020-07-01 enum (``Received``, ``Planning``...) is not what
its own example shows (``PROCESSING``), and 2026-07-04's is a free string. The orders' addresses and items
(buyer data among them) stay in ``extra``, which no ``repr`` shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from sp_cancel.transport._parse import EMPTY, extra, opt_str, opt_time, req_obj, req_str, req_time

__all__ = [
    "FulfillmentOrder",
    "FulfillmentOrder2026",
    "FulfillmentOrderDetails",
    "parse_fulfillment_order",
    "parse_fulfillment_order_2026",
]


@attrs.frozen(kw_only=True)
class FulfillmentOrder:
    """A 2020-07-01 ``FulfillmentOrder`` (the order part of ``getFulfillmentOrder``'s answer).

    Attributes:
        seller_fulfillment_order_id: the seller's id for the MCF order.
        marketplace_id: its marketplace.
        displayable_order_id: the id shown to the recipient.
        fulfillment_order_status: ``New``, ``Received``, ``Planning``, ``Processing``, ``Cancelled``, ``Complete``...
        received_date: when Amazon received it.
        status_updated_date: when its status last changed.
        shipping_speed_category: ``Standard``, ``Expedited``...
        extra: members this type does not read (the destination address among them), read-only.
    """

    seller_fulfillment_order_id: str
    marketplace_id: str
    displayable_order_id: str
    fulfillment_order_status: str
    received_date: datetime
    status_updated_date: datetime
    shipping_speed_category: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


_ORDER_KNOWN: Final = frozenset(
    {
        "sellerFulfillmentOrderId",
        "marketplaceId",
        "displayableOrderId",
        "fulfillmentOrderStatus",
        "receivedDate",
        "statusUpdatedDate",
        "shippingSpeedCategory",
    }
)


@attrs.frozen(kw_only=True)
class FulfillmentOrderDetails:
    """2020-07-01 ``getFulfillmentOrder``'s ``payload``: the order; its items, shipments and returns in ``extra``."""

    fulfillment_order: FulfillmentOrder
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_fulfillment_order(data: Mapping[str, Any]) -> FulfillmentOrderDetails:
    """``GetFulfillmentOrderResponse`` (``{payload: {fulfillmentOrder, ...}}``) as ``FulfillmentOrderDetails``."""
    payload = req_obj(data, "payload", "")
    raw = req_obj(payload, "fulfillmentOrder", "payload")
    at = "payload.fulfillmentOrder"
    order = FulfillmentOrder(
        seller_fulfillment_order_id=req_str(raw, "sellerFulfillmentOrderId", at),
        marketplace_id=req_str(raw, "marketplaceId", at),
        displayable_order_id=req_str(raw, "displayableOrderId", at),
        fulfillment_order_status=req_str(raw, "fulfillmentOrderStatus", at),
        received_date=req_time(raw, "receivedDate", at),
        status_updated_date=req_time(raw, "statusUpdatedDate", at),
        shipping_speed_category=opt_str(raw, "shippingSpeedCategory", at),
        extra=extra(raw, _ORDER_KNOWN),
    )
    return FulfillmentOrderDetails(fulfillment_order=order, extra=extra(payload, frozenset({"fulfillmentOrder"})))


@attrs.frozen(kw_only=True)
class FulfillmentOrder2026:
    """A 2026-07-04 ``FulfillmentOrder`` (``getOrder``'s ``order``).

    Attributes:
        order_id: the seller's id for the MCF order.
        receive_time: when Amazon received it.
        status: ``PROCESSING``, ``COMPLETE``, ``COMPLETE_PARTIAL``, ``CANCELLED``, ``UNFULFILLABLE``, ``INVALID``
            (optional in the model).
        status_update_time: when its status last changed.
        channel: the sales channel, when given.
        extra: members this type does not read (line items, destination, shipments...), read-only.
    """

    order_id: str
    receive_time: datetime
    status: str | None = None
    status_update_time: datetime | None = None
    channel: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_fulfillment_order_2026(data: Mapping[str, Any]) -> FulfillmentOrder2026:
    """``GetOrderResponse`` (``{order}``) as ``FulfillmentOrder2026``."""
    raw = req_obj(data, "order", "")
    return FulfillmentOrder2026(
        order_id=req_str(raw, "orderId", "order"),
        receive_time=req_time(raw, "receiveTime", "order"),
        status=opt_str(raw, "status", "order"),
        status_update_time=opt_time(raw, "statusUpdateTime", "order"),
        channel=opt_str(raw, "channel", "order"),
        extra=extra(raw, frozenset({"orderId", "receiveTime", "status", "statusUpdateTime", "channel"})),
    )
