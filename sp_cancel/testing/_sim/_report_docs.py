"""Report contents: ``GET_V2_SELLER_PERFORMANCE_REPORT`` (JSON) and the All Orders flat files (TSV).

Cancellation rate (facts §10): window = the 7 days ending at report time;
denominator = merchant-fulfilled orders purchased in the window, excluding
``Pending``/``PendingAvailability`` and orders Amazon cancelled while they were
still pending (payment or fraud: never released to the seller); numerator = those cancelled (wholly or
partly) by the merchant without a buyer request, plus Amazon's late-shipment
auto-cancels. Buyer requests and buyer cancels are excluded from the numerator.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from sp_cancel.testing._sim._markets import market_for
from sp_cancel.testing._sim._orderviews import seller_cancelled
from sp_cancel.testing._sim._state import SimItem, SimOrder
from sp_cancel.testing._sim._util import money_str

if TYPE_CHECKING:
    from sp_cancel.testing._sim._core import SimulatorCore

__all__ = ["ALL_ORDERS_HEADER", "all_orders_tsv", "cancellation_counts", "seller_performance_json"]

ALL_ORDERS_HEADER: Final = (
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "order-channel",
    "url",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "promotion-ids",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
)
_REPORT_STATUS: Final = {
    "PendingAvailability": "Pending",
    "Pending": "Pending",
    "Unshipped": "Unshipped",
    "PartiallyShipped": "Shipping",
    "Shipped": "Shipped",
    "InvoiceUnconfirmed": "Shipped",
    "Canceled": "Cancelled",
    "Unfulfillable": "Cancelled",
}
_WINDOW: Final = timedelta(days=7)


def _day(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def cancellation_counts(orders: Iterable[SimOrder], marketplace_id: str, end: datetime) -> tuple[int, int]:
    """``(orderCount, cancellationCount)`` for ``marketplace_id`` over the 7 days ending at ``end``."""
    start = end - _WINDOW
    total = cancelled = 0
    for order in orders:
        if order.marketplace_id != marketplace_id or order.fulfillment_channel != "MFN":
            continue
        if not start <= order.purchase_date < end or order.status in {"Pending", "PendingAvailability"}:
            continue
        if order.cancelled_by == "AMAZON" and not order.late_ship_auto_cancel:
            continue  # a payment/fraud cancel of a Pending order: never released to the seller
        total += 1
        cancelled += seller_cancelled(order)
    return total, cancelled


def _metric(window: dict[str, str], target: float, condition: str, rate: float = 0.0, **counts: Any) -> dict[str, Any]:
    return {
        "reportingDateRange": window,
        **counts,
        "status": "GOOD",
        "rate": rate,
        "targetValue": target,
        "targetCondition": condition,
    }


def _range(end: datetime, days: int) -> dict[str, str]:
    return {"reportingDateFrom": _day(end - timedelta(days=days)), "reportingDateTo": _day(end)}


def _violation(end: datetime) -> dict[str, Any]:
    return {
        "reportingDateRange": _range(end, 180),
        "defectsCount": 0,
        "status": "GOOD",
        "targetValue": 0,
        "targetCondition": "EQUALS",
    }


def _odr(end: datetime, count: int) -> dict[str, Any]:
    zero = {"count": 0, "status": "GOOD"}
    return {
        "reportingDateRange": _range(end, 60),
        "orderCount": count,
        "orderWithDefects": dict(zero),
        "claims": dict(zero),
        "chargebacks": dict(zero),
        "negativeFeedback": dict(zero),
        "fulfillmentType": "MFN",
        "status": "GOOD",
        "rate": 0.0,
        "targetValue": 0.01,
        "targetCondition": "LESS_THAN",
    }


def _performance(sim: SimulatorCore, marketplace_id: str, end: datetime) -> dict[str, Any]:
    market = market_for(marketplace_id)
    target = market.cancel_target if market else 0.025
    count, cancelled = cancellation_counts(sim.world.orders.values(), marketplace_id, end)
    rate = cancelled / count if count else 0.0
    status = "NONE" if count == 0 else ("GOOD" if rate < target else "BAD")
    cancel_metric = {
        "reportingDateRange": _range(end, 7),
        "orderCount": count,
        "cancellationCount": cancelled,
        "status": status,
        "rate": rate,
        "targetValue": target,
        "targetCondition": "LESS_THAN",
    }
    zero = {"count": 0, "status": "GOOD"}
    afn = _odr(end, 0)
    afn["fulfillmentType"] = "AFN"
    metrics: dict[str, Any] = {
        "marketplaceId": marketplace_id,
        "invoiceDefectRate": _metric(
            _range(end, 7),
            0.05,
            "LESS_THAN",
            orderCount=count,
            invoiceDefect=dict(zero),
            missingInvoice=dict(zero),
            lateInvoice=dict(zero),
        ),
        "lateShipmentRate": _metric(_range(end, 30), 0.04, "LESS_THAN", orderCount=count, lateShipmentCount=0),
        "orderDefectRate": {"mfn": _odr(end, count), "afn": afn},
        "onTimeDeliveryRate": _metric(
            _range(end, 14), 0.9, "GREATER_THAN", 1.0, shipmentCountWithValidTracking=count, onTimeDeliveryCount=count
        ),
        "unitOnTimeDeliveryRate": _metric(
            _range(end, 14), 0.9, "GREATER_THAN", 1.0, unitOnTimeDeliveryCount=count, totalUnitCount=count
        ),
        "validTrackingRate": _metric(
            _range(end, 30), 0.95, "GREATER_THAN", 1.0, shipmentCount=count, validTrackingCount=count
        ),
        sim.cancel_rate_key: cancel_metric,
        "warningStates": [],
        "accountHealthRating": {"ahrStatus": "GREAT", "reportingDateRange": _range(end, 180)},
    }
    for name in (
        "listingPolicyViolations",
        "productAuthenticityCustomerComplaints",
        "productConditionCustomerComplaints",
        "productSafetyCustomerComplaints",
        "receivedIntellectualPropertyComplaints",
        "restrictedProductPolicyViolations",
        "suspectedIntellectualPropertyViolations",
        "foodAndProductSafetyIssues",
        "otherPolicyViolations",
        "documentRequests",
    ):
        metrics[name] = _violation(end)
    return metrics


def seller_performance_json(sim: SimulatorCore, marketplace_ids: list[str], end: datetime) -> bytes:
    """The ``GET_V2_SELLER_PERFORMANCE_REPORT`` document (accountHealthReport-2020-11-18 schema)."""
    document = {
        "accountStatuses": [{"marketplaceId": m, "status": "NORMAL"} for m in marketplace_ids],
        "performanceMetrics": [_performance(sim, m, end) for m in marketplace_ids],
    }
    return json.dumps(document, indent=2).encode()


def _item_status(order: SimOrder, item: SimItem) -> str:
    if order.status == "Canceled" or item.quantity_cancelled >= item.quantity_ordered:
        return "Cancelled"
    if item.quantity_shipped >= item.quantity_ordered - item.quantity_cancelled:
        return "Shipped"
    return "Unshipped"


def _row(order: SimOrder, item: SimItem) -> list[str]:
    market = market_for(order.marketplace_id)
    cur = order.currency

    def amount(*components: str) -> str:
        return money_str(sum((item.charged.get(c, Decimal(0)) for c in components), Decimal(0)), cur)

    return [
        order.order_id,
        "",
        order.purchase_date.astimezone(UTC).isoformat(),
        order.last_update_date.astimezone(UTC).isoformat(),
        _REPORT_STATUS[order.status],
        "Merchant" if order.fulfillment_channel == "MFN" else "Amazon",
        market.name if market else "Amazon",
        "",
        "",
        "Standard",
        item.title,
        item.sku,
        item.asin,
        _item_status(order, item),
        str(item.quantity_ordered - item.quantity_cancelled),
        cur,
        amount("Principal"),
        amount("Tax"),
        amount("Shipping"),
        amount("ShippingTax"),
        amount("GiftWrap"),
        amount("GiftWrapTax"),
        money_str(Decimal(0), cur),
        money_str(Decimal(0), cur),
        "SIMVILLE",
        "WA",
        "98101",
        market.ship_country if market else "US",
        "",
        "false",
        "",
        "",
    ]


def all_orders_tsv(
    sim: SimulatorCore, marketplace_ids: list[str], start: datetime, end: datetime, *, by_last_update: bool
) -> tuple[bytes, int]:
    """The All Orders flat file (one row per item) and its row count."""
    lines = ["\t".join(ALL_ORDERS_HEADER)]
    rows = 0
    orders = sorted(sim.world.orders.values(), key=lambda o: (o.purchase_date, o.order_id))
    for order in orders:
        when = order.last_update_date if by_last_update else order.purchase_date
        if order.marketplace_id not in marketplace_ids or not start <= when <= end:
            continue
        for item in order.items:
            lines.append("\t".join(v.replace("\t", " ") for v in _row(order, item)))
            rows += 1
    return ("\n".join(lines) + "\n").encode("utf-8"), rows
