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
from typing import Any, Final

import attrs

from sp_cancel.transport._parse import EMPTY, extra, opt_decimal, opt_int, opt_list, opt_obj, opt_str, opt_time, req_obj

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

    currency_code: str | None = None
    currency_amount: Decimal | None = None


def _currency(data: Mapping[str, Any], where: str) -> Currency:
    return Currency(
        currency_code=opt_str(data, "CurrencyCode", where),
        currency_amount=opt_decimal(data, "CurrencyAmount", where),
    )


@attrs.frozen(kw_only=True)
class ChargeComponent:
    """One charge: ``charge_type`` (``Principal``, ``Tax``, ``ShippingCharge``...) and its amount."""

    charge_type: str | None = None
    charge_amount: Currency | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def _charge(data: Mapping[str, Any]) -> ChargeComponent:
    amount = opt_obj(data, "ChargeAmount", "")
    return ChargeComponent(
        charge_type=opt_str(data, "ChargeType", ""),
        charge_amount=None if amount is None else _currency(amount, "ChargeAmount"),
        extra=extra(data, frozenset({"ChargeType", "ChargeAmount"})),
    )


@attrs.frozen(kw_only=True)
class ShipmentItem:
    """One item of a shipment or refund event: its charges (``item_charge_list``) or adjustments to them."""

    order_item_id: str | None = None
    seller_sku: str | None = None
    order_adjustment_item_id: str | None = None
    quantity_shipped: int | None = None
    item_charge_list: tuple[ChargeComponent, ...] = ()
    item_charge_adjustment_list: tuple[ChargeComponent, ...] = ()
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


_ITEM_KNOWN: Final = frozenset(
    {
        "OrderItemId",
        "SellerSKU",
        "OrderAdjustmentItemId",
        "QuantityShipped",
        "ItemChargeList",
        "ItemChargeAdjustmentList",
    }
)


def _item(data: Mapping[str, Any]) -> ShipmentItem:
    return ShipmentItem(
        order_item_id=opt_str(data, "OrderItemId", ""),
        seller_sku=opt_str(data, "SellerSKU", ""),
        order_adjustment_item_id=opt_str(data, "OrderAdjustmentItemId", ""),
        quantity_shipped=opt_int(data, "QuantityShipped", ""),
        item_charge_list=opt_list(data, "ItemChargeList", "", _charge),
        item_charge_adjustment_list=opt_list(data, "ItemChargeAdjustmentList", "", _charge),
        extra=extra(data, _ITEM_KNOWN),
    )


@attrs.frozen(kw_only=True)
class ShipmentEvent:
    """A ``ShipmentEvent`` (also the shape of ``RefundEventList`` entries): one order's posting."""

    amazon_order_id: str | None = None
    seller_order_id: str | None = None
    marketplace_name: str | None = None
    posted_date: datetime | None = None
    shipment_item_list: tuple[ShipmentItem, ...] = ()
    shipment_item_adjustment_list: tuple[ShipmentItem, ...] = ()
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


_EVENT_KNOWN: Final = frozenset(
    {
        "AmazonOrderId",
        "SellerOrderId",
        "MarketplaceName",
        "PostedDate",
        "ShipmentItemList",
        "ShipmentItemAdjustmentList",
    }
)


def _event(data: Mapping[str, Any]) -> ShipmentEvent:
    return ShipmentEvent(
        amazon_order_id=opt_str(data, "AmazonOrderId", ""),
        seller_order_id=opt_str(data, "SellerOrderId", ""),
        marketplace_name=opt_str(data, "MarketplaceName", ""),
        posted_date=opt_time(data, "PostedDate", ""),
        shipment_item_list=opt_list(data, "ShipmentItemList", "", _item),
        shipment_item_adjustment_list=opt_list(data, "ShipmentItemAdjustmentList", "", _item),
        extra=extra(data, _EVENT_KNOWN),
    )


@attrs.frozen(kw_only=True)
class FinancialEvents:
    """``FinancialEvents``: the refund and shipment events; every other event list in ``extra``."""

    refund_event_list: tuple[ShipmentEvent, ...] = ()
    shipment_event_list: tuple[ShipmentEvent, ...] = ()
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


@attrs.frozen(kw_only=True)
class FinancialEventsPage:
    """One page of ``listFinancialEventsByOrderId``; ``next_token`` (``NextToken``) is ``None`` on the last."""

    financial_events: FinancialEvents
    next_token: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_financial_events_page(data: Mapping[str, Any]) -> FinancialEventsPage:
    """``ListFinancialEventsResponse`` (``{payload: {FinancialEvents?, NextToken?}}``) as ``FinancialEventsPage``."""
    payload = req_obj(data, "payload", "")
    raw = opt_obj(payload, "FinancialEvents", "payload") or EMPTY
    at = "payload.FinancialEvents"
    events = FinancialEvents(
        refund_event_list=opt_list(raw, "RefundEventList", at, _event),
        shipment_event_list=opt_list(raw, "ShipmentEventList", at, _event),
        extra=extra(raw, frozenset({"RefundEventList", "ShipmentEventList"})),
    )
    return FinancialEventsPage(
        financial_events=events,
        next_token=opt_str(payload, "NextToken", "payload") or None,
        extra=extra(payload, frozenset({"FinancialEvents", "NextToken"})),
    )
