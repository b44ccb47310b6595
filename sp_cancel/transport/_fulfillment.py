"""Fulfillment Outbound (Multi-Channel Fulfillment) answers as typed values, 2020-07-01 and 2026-07-04.

Statuses stay strings as Amazon sent them: the 2020-07-01 enum (``Received``, ``Planning``...) is not what
its own example shows (``PROCESSING``), and 2026-07-04's is a free string. The orders' addresses and items
(buyer data among them) stay in ``extra``, which no ``repr`` shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

import attrs

from sp_cancel.transport._parse import (
    EMPTY,
    Wire,
    opt_str,
    opt_time,
    parse_as,
    req_nested,
    req_obj,
    req_str,
    req_time,
)

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

    seller_fulfillment_order_id: Annotated[str, Wire("sellerFulfillmentOrderId", req_str)]
    marketplace_id: Annotated[str, Wire("marketplaceId", req_str)]
    displayable_order_id: Annotated[str, Wire("displayableOrderId", req_str)]
    fulfillment_order_status: Annotated[str, Wire("fulfillmentOrderStatus", req_str)]
    received_date: Annotated[datetime, Wire("receivedDate", req_time)]
    status_updated_date: Annotated[datetime, Wire("statusUpdatedDate", req_time)]
    shipping_speed_category: Annotated[str | None, Wire("shippingSpeedCategory", opt_str)] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


@attrs.frozen(kw_only=True)
class FulfillmentOrderDetails:
    """2020-07-01 ``getFulfillmentOrder``'s ``payload``: the order; its items, shipments and returns in ``extra``."""

    fulfillment_order: Annotated[FulfillmentOrder, Wire("fulfillmentOrder", req_nested, FulfillmentOrder)]
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_fulfillment_order(data: Mapping[str, Any]) -> FulfillmentOrderDetails:
    """``GetFulfillmentOrderResponse`` (``{payload: {fulfillmentOrder, ...}}``) as ``FulfillmentOrderDetails``."""
    return parse_as(FulfillmentOrderDetails, req_obj(data, "payload", ""), "payload")


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

    order_id: Annotated[str, Wire("orderId", req_str)]
    receive_time: Annotated[datetime, Wire("receiveTime", req_time)]
    status: Annotated[str | None, Wire("status", opt_str)] = None
    status_update_time: Annotated[datetime | None, Wire("statusUpdateTime", opt_time)] = None
    channel: Annotated[str | None, Wire("channel", opt_str)] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_fulfillment_order_2026(data: Mapping[str, Any]) -> FulfillmentOrder2026:
    """``GetOrderResponse`` (``{order}``) as ``FulfillmentOrder2026``."""
    return parse_as(FulfillmentOrder2026, req_obj(data, "order", ""), "order")
