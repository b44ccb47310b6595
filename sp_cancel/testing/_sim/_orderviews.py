"""JSON views of a :class:`SimOrder`: Orders 2026-01-01 ``Order`` and Orders v0 ``Order``/``OrderItem``."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any, Final

from sp_cancel.testing._sim._markets import market_for
from sp_cancel.testing._sim._state import SimItem, SimOrder
from sp_cancel.testing._sim._util import iso, money_str, quantize

__all__ = ["STATUS_2026", "fulfillment_status", "order_2026", "order_item_v0", "order_v0", "seller_cancelled"]

STATUS_2026: Final = {
    "PendingAvailability": "PENDING_AVAILABILITY",
    "Pending": "PENDING",
    "Unshipped": "UNSHIPPED",
    "PartiallyShipped": "PARTIALLY_SHIPPED",
    "Shipped": "SHIPPED",
    "InvoiceUnconfirmed": "SHIPPED",
    "Canceled": "CANCELLED",
    "Unfulfillable": "UNFULFILLABLE",
}
_PROCEEDS_TYPES: Final = (
    ("ITEM", ("Principal",)),
    ("SHIPPING", ("Shipping",)),
    ("GIFT_WRAP", ("GiftWrap",)),
    ("TAX", ("Tax", "ShippingTax", "GiftWrapTax")),
)


_TAX_SUBTYPES: Final = (("ITEM", "Tax"), ("SHIPPING", "ShippingTax"), ("GIFT_WRAP", "GiftWrapTax"))


def fulfillment_status(order: SimOrder) -> str:
    """The 2026-01-01 ``fulfillmentStatus`` of ``order``."""
    return STATUS_2026[order.status]


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": money_str(amount, currency), "currencyCode": currency}


def _v0_money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"CurrencyCode": currency, "Amount": money_str(amount, currency)}


def _charged(item: SimItem, *components: str) -> Decimal:
    return sum((item.charged.get(c, Decimal(0)) for c in components), Decimal(0))


def _unit_price(item: SimItem, currency: str) -> Decimal:
    return quantize(_charged(item, "Principal") / max(item.quantity_ordered, 1), currency)


def buyer_requested(order: SimOrder) -> bool:
    """Whether the buyer asked (through Amazon) to cancel any item of ``order``."""
    return order.buyer_requested_at is not None or any(i.buyer_requested_cancel for i in order.items)


def seller_cancelled(order: SimOrder) -> bool:
    """Whether ``order`` counts against the cancellation rate.

    That is: cancelled (wholly or partly) by the merchant
    without a buyer request, or auto-cancelled by Amazon for late shipment.
    """
    cancelled = order.status == "Canceled" or any(i.quantity_cancelled > 0 for i in order.items)
    if not cancelled:
        return False
    by = order.cancelled_by or "MERCHANT"
    if by == "MERCHANT":
        return not buyer_requested(order)
    return by == "AMAZON" and order.late_ship_auto_cancel


def _item_cancellation(order: SimOrder, item: SimItem) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    if item.buyer_requested_cancel or (order.buyer_requested_at is not None and order.status != "Canceled"):
        out["cancellationRequest"] = {"requester": "BUYER", "cancelReason": item.buyer_cancel_reason or ""}
    if item.quantity_cancelled > 0 or order.status == "Canceled":
        execution: dict[str, str] = {"cancelledBy": order.cancelled_by or "MERCHANT"}
        if order.cancel_reason:
            execution["cancelReason"] = order.cancel_reason
        out["cancellationExecution"] = execution
    return out or None


def _order_item_2026(order: SimOrder, item: SimItem, included: Collection[str]) -> dict[str, Any]:
    cur = order.currency
    out: dict[str, Any] = {
        "orderItemId": item.order_item_id,
        "quantityOrdered": item.quantity_ordered,
        "product": {
            "asin": item.asin,
            "title": item.title,
            "sellerSku": item.sku,
            "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
            "price": {"unitPrice": _money(_unit_price(item, cur), cur)},
        },
    }
    if "PROCEEDS" in included:
        breakdowns: list[dict[str, object]] = []
        for kind, comps in _PROCEEDS_TYPES:
            if not any(c in item.charged for c in comps):
                continue
            entry: dict[str, object] = {"type": kind, "subtotal": _money(_charged(item, *comps), cur)}
            if kind == "TAX":
                # The model's detailedBreakdowns ("only available for TAX and DISCOUNT") split the tax by what
                # it was charged on: ITEM, SHIPPING, GIFT_WRAP.
                entry["detailedBreakdowns"] = [
                    {"subtype": subtype, "value": _money(_charged(item, comp), cur)}
                    for subtype, comp in _TAX_SUBTYPES
                    if comp in item.charged
                ]
            breakdowns.append(entry)
        out["proceeds"] = {"proceedsTotal": _money(_charged(item, *item.charged), cur), "breakdowns": breakdowns}
    if "CANCELLATION" in included:
        cancellation = _item_cancellation(order, item)
        if cancellation is not None:
            out["cancellation"] = cancellation
    if "FULFILLMENT" in included:
        out["fulfillment"] = {
            "quantityFulfilled": item.quantity_shipped,
            "quantityUnfulfilled": max(item.quantity_unshipped, 0),
        }
    return out


def order_2026(order: SimOrder, included: Collection[str]) -> dict[str, Any]:
    """The Orders 2026-01-01 ``Order`` of ``order`` with the ``includedData`` blocks asked for."""
    market = market_for(order.marketplace_id)
    out: dict[str, Any] = {
        "orderId": order.order_id,
        "createdTime": iso(order.purchase_date),
        "lastUpdatedTime": iso(order.last_update_date),
        "salesChannel": {
            "channelName": "AMAZON",
            "marketplaceId": order.marketplace_id,
            "marketplaceName": market.name if market else "Amazon",
        },
    }
    if "BUYER" in included and order.fulfillment_channel == "MFN":
        out["buyer"] = {"buyerEmail": f"{order.order_id.replace('-', '')}@marketplace.amazon.com"}
    if "RECIPIENT" in included:
        out["recipient"] = {
            "deliveryAddress": {
                "city": "SIMVILLE",
                "stateOrRegion": "WA",
                "postalCode": "98101",
                "countryCode": market.ship_country if market else "US",
                "addressType": "RESIDENTIAL",
            }
        }
    if "PROCEEDS" in included:
        cur = order.currency
        totals: dict[str, Decimal] = {}
        for item in order.items:
            for kind, comps in _PROCEEDS_TYPES:
                if any(c in item.charged for c in comps):
                    totals[kind] = totals.get(kind, Decimal(0)) + _charged(item, *comps)
        grand = sum(totals.values(), Decimal(0))
        out["proceeds"] = {
            "grandTotal": _money(grand, cur),
            "breakdowns": [{"type": k, "subtotal": _money(v, cur)} for k, v in totals.items()],
        }
    if "FULFILLMENT" in included:
        fulfillment: dict[str, Any] = {
            "fulfillmentStatus": fulfillment_status(order),
            "fulfilledBy": "MERCHANT" if order.fulfillment_channel == "MFN" else "AMAZON",
            "fulfillmentServiceLevel": "STANDARD",
        }
        if order.latest_ship_date is not None:
            fulfillment["shipByWindow"] = {
                "earliestDateTime": iso(order.purchase_date),
                "latestDateTime": iso(order.latest_ship_date),
            }
        out["fulfillment"] = fulfillment
    out["orderItems"] = [_order_item_2026(order, item, included) for item in order.items]
    if "PACKAGES" in included and order.fulfillment_channel == "MFN":
        out["packages"] = []
    return out


def order_v0(order: SimOrder) -> dict[str, Any]:
    """The Orders v0 ``Order`` of ``order``."""
    market = market_for(order.marketplace_id)
    cur = order.currency
    total = sum((_charged(i, *i.charged) for i in order.items), Decimal(0))
    shipped = sum(i.quantity_shipped for i in order.items)
    unshipped = sum(max(i.quantity_unshipped, 0) for i in order.items) if order.status != "Canceled" else 0
    out: dict[str, Any] = {
        "AmazonOrderId": order.order_id,
        "PurchaseDate": iso(order.purchase_date),
        "LastUpdateDate": iso(order.last_update_date),
        "OrderStatus": order.status,
        "FulfillmentChannel": order.fulfillment_channel,
        "SalesChannel": market.name if market else "Amazon",
        "ShipServiceLevel": "Std Dom",
        "OrderTotal": _v0_money(total, cur),
        "NumberOfItemsShipped": shipped,
        "NumberOfItemsUnshipped": unshipped,
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "MarketplaceId": order.marketplace_id,
        "ShipmentServiceLevelCategory": "Standard",
        "OrderType": "StandardOrder",
        "IsBusinessOrder": False,
        "IsPrime": False,
        "IsPremiumOrder": False,
        "IsGlobalExpressEnabled": False,
        "IsReplacementOrder": False,
        "IsSoldByAB": False,
        "IsISPU": False,
        "IsAccessPointOrder": False,
        "HasRegulatedItems": False,
    }
    if order.latest_ship_date is not None:
        out["EarliestShipDate"] = iso(order.purchase_date)
        out["LatestShipDate"] = iso(order.latest_ship_date)
    return out


def order_item_v0(order: SimOrder, item: SimItem) -> dict[str, Any]:
    """The Orders v0 ``OrderItem`` of ``item`` (``BuyerRequestedCancel`` flags are strings, as Amazon sends them)."""
    cur = order.currency
    out: dict[str, Any] = {
        "ASIN": item.asin,
        "SellerSKU": item.sku,
        "OrderItemId": item.order_item_id,
        "Title": item.title,
        "QuantityOrdered": item.quantity_ordered,
        "QuantityShipped": item.quantity_shipped,
        "ProductInfo": {"NumberOfItems": "1"},
        "ItemPrice": _v0_money(_charged(item, "Principal"), cur),
        "ItemTax": _v0_money(_charged(item, "Tax"), cur),
        "ShippingPrice": _v0_money(_charged(item, "Shipping"), cur),
        "ShippingTax": _v0_money(_charged(item, "ShippingTax"), cur),
        "ShippingDiscount": _v0_money(Decimal(0), cur),
        "ShippingDiscountTax": _v0_money(Decimal(0), cur),
        "PromotionDiscount": _v0_money(Decimal(0), cur),
        "PromotionDiscountTax": _v0_money(Decimal(0), cur),
        "IsGift": "false",
        "ConditionId": "New",
        "ConditionSubtypeId": "New",
        "IsTransparency": False,
        "SerialNumberRequired": False,
    }
    if "GiftWrap" in item.charged:
        out["IsGift"] = "true"
    if order.fulfillment_channel == "MFN":
        requested = item.buyer_requested_cancel
        flag: dict[str, str] = {"IsBuyerRequestedCancel": "true" if requested else "false"}
        if requested:
            flag["BuyerCancelReason"] = item.buyer_cancel_reason or ""
        out["BuyerRequestedCancel"] = flag
    return out
