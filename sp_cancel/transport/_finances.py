"""Finances v0 ``listFinancialEventsByOrderId`` answers as typed values (the refund events sp_cancel reads).

Every field of ``FinancialEvents`` and its events is optional in Amazon's model; ``payload`` is what the
answer is for, so an answer without one is malformed. ``RefundEventList`` and ``ShipmentEventList`` are read
into ``ShipmentEvent`` values; the thirty other event lists stay in ``FinancialEvents.extra``. Amounts are
``Decimal`` as Amazon sent them (a refund to the buyer is negative here), never through binary floats.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import attrs

from sp_cancel.transport._parse import (
    EMPTY,
    Wire,
    at_path,
    opt_decimal,
    opt_int,
    opt_list,
    opt_nested,
    opt_nonempty_str,
    opt_obj,
    opt_str,
    opt_time,
    parse_as,
    req_obj,
)

__all__ = [
    "ChargeComponent",
    "Currency",
    "FinancialEvents",
    "FinancialEventsPage",
    "ShipmentEvent",
    "ShipmentItem",
    "parse_financial_events_page",
]


@attrs.frozen(kw_only=True)
class Currency:
    """A Finances ``Currency``: ``CurrencyAmount`` (``Decimal``) in ``CurrencyCode``; both optional in the model."""

    currency_code: Annotated[str | None, Wire("CurrencyCode", opt_str)] = None
    currency_amount: Annotated[Decimal | None, Wire("CurrencyAmount", opt_decimal)] = None


@attrs.frozen(kw_only=True)
class ChargeComponent:
    """One charge: ``charge_type`` (``Principal``, ``Tax``, ``ShippingCharge``...) and its amount."""

    charge_type: Annotated[str | None, Wire("ChargeType", opt_str)] = None
    charge_amount: Annotated[Currency | None, Wire("ChargeAmount", opt_nested, Currency)] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


@attrs.frozen(kw_only=True)
class ShipmentItem:
    """One item of a shipment or refund event: its charges (``item_charge_list``) or adjustments to them."""

    order_item_id: Annotated[str | None, Wire("OrderItemId", opt_str)] = None
    seller_sku: Annotated[str | None, Wire("SellerSKU", opt_str)] = None
    order_adjustment_item_id: Annotated[str | None, Wire("OrderAdjustmentItemId", opt_str)] = None
    quantity_shipped: Annotated[int | None, Wire("QuantityShipped", opt_int)] = None
    item_charge_list: Annotated[tuple[ChargeComponent, ...], Wire("ItemChargeList", opt_list, ChargeComponent)] = ()
    item_charge_adjustment_list: Annotated[
        tuple[ChargeComponent, ...], Wire("ItemChargeAdjustmentList", opt_list, ChargeComponent)
    ] = ()
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


@attrs.frozen(kw_only=True)
class ShipmentEvent:
    """A ``ShipmentEvent`` (also the shape of ``RefundEventList`` entries): one order's posting."""

    amazon_order_id: Annotated[str | None, Wire("AmazonOrderId", opt_str)] = None
    seller_order_id: Annotated[str | None, Wire("SellerOrderId", opt_str)] = None
    marketplace_name: Annotated[str | None, Wire("MarketplaceName", opt_str)] = None
    posted_date: Annotated[datetime | None, Wire("PostedDate", opt_time)] = None
    shipment_item_list: Annotated[tuple[ShipmentItem, ...], Wire("ShipmentItemList", opt_list, ShipmentItem)] = ()
    shipment_item_adjustment_list: Annotated[
        tuple[ShipmentItem, ...], Wire("ShipmentItemAdjustmentList", opt_list, ShipmentItem)
    ] = ()
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


@attrs.frozen(kw_only=True)
class FinancialEvents:
    """``FinancialEvents``: the refund and shipment events; every other event list in ``extra``."""

    refund_event_list: Annotated[tuple[ShipmentEvent, ...], Wire("RefundEventList", opt_list, ShipmentEvent)] = ()
    shipment_event_list: Annotated[tuple[ShipmentEvent, ...], Wire("ShipmentEventList", opt_list, ShipmentEvent)] = ()
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def _events(data: Mapping[str, Any], key: str, where: str) -> FinancialEvents:
    """``FinancialEvents``, empty when absent (every member of it is optional)."""
    return parse_as(FinancialEvents, opt_obj(data, key, where) or EMPTY, at_path(where, key))


@attrs.frozen(kw_only=True)
class FinancialEventsPage:
    """One page of ``listFinancialEventsByOrderId``; ``next_token`` (``NextToken``) is ``None`` on the last."""

    financial_events: Annotated[FinancialEvents, Wire("FinancialEvents", _events)]
    next_token: Annotated[str | None, Wire("NextToken", opt_nonempty_str)] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_financial_events_page(data: Mapping[str, Any]) -> FinancialEventsPage:
    """``ListFinancialEventsResponse`` (``{payload: {FinancialEvents?, NextToken?}}``) as ``FinancialEventsPage``."""
    return parse_as(FinancialEventsPage, req_obj(data, "payload", ""), "payload")
