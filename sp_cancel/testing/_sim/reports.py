"""Reports API 2021-06-30: ``createReport``, ``getReport``, ``getReports``, ``getReportDocument``.

Reports wait ``sim.report_queue_time`` in ``IN_QUEUE``, process for
``sim.report_processing_time`` (both ÷ scale), then end ``DONE`` with a GZIP
document in ``world.documents`` (or ``CANCELLED`` when an orders report has no
rows, as Amazon does). https://developer-docs.amazon.com/sp-api/reference/createreport

Report contents: ``GET_V2_SELLER_PERFORMANCE_REPORT`` (JSON), the All Orders flat files (TSV) and the
Unshipped Orders report ``GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING`` (TSV, one row per line of each unshipped or
partly shipped merchant-fulfilled order placed in the last 38 days; a restricted report: ``unshipped_report_role`` False
answers ``createReport`` with 403). Amazon's order reports "lag by about 30 min" [D], and no bound is documented:
the Unshipped Orders report and the All Orders reports are each built from a copy of the order book retaken only
once the last copy is ``Lags.report_data`` old, so their rows can be that stale (an order cancelled, shipped or
placed since the copy reads as it did then, or is missing); the All Orders reports' window (purchase date, or last
update) is applied to the copy's dates. The buyer's name, address and phone columns are left out of the Unshipped
Orders report: the simulator has no PII.

Cancellation rate (docs/cancellation-rate.md): window = the 7 days ending at report time;
denominator = merchant-fulfilled orders purchased in the window, excluding
``Pending``/``PendingAvailability`` and orders Amazon cancelled while they were
still pending (payment or fraud: never released to the seller); numerator = those cancelled (wholly or
partly) by the merchant without a buyer request, plus Amazon's late-shipment
auto-cancels. Buyer requests and buyer cancels are excluded from the numerator.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from sp_cancel.testing._sim.core import (
    Router,
    SimRequest,
    SimResponse,
    SimulatorCore,
    invalid_input,
    json_body,
    not_found,
    unauthorized,
)
from sp_cancel.testing._sim.formats import money_str, parse_iso
from sp_cancel.testing._sim.markets import market_for
from sp_cancel.testing._sim.orders import seller_cancelled
from sp_cancel.testing._sim.paging import newest_page, parse_query, selects
from sp_cancel.testing._sim.processing import document_json, processing_json
from sp_cancel.testing._sim.world import SimFeedDocument, SimItem, SimOrder, SimReport

__all__ = [
    "ALL_ORDERS_HEADER",
    "REPORT_TYPES",
    "UNSHIPPED_HEADER",
    "all_orders_tsv",
    "cancellation_counts",
    "register",
    "seller_performance_json",
    "tick",
    "unshipped_tsv",
]

# -- report contents ------------------------------------------------------------------------------

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
    # Amazon's window is whole UTC days and lags: the 7 days ending at the last midnight before the report.
    last_midnight = end.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    count, cancelled = cancellation_counts(sim.world.orders.values(), marketplace_id, last_midnight)
    rate = cancelled / count if count else 0.0
    status = "NONE" if count == 0 else ("GOOD" if rate < target else "BAD")
    cancel_metric = {
        "reportingDateRange": {
            "reportingDateFrom": _day(last_midnight - _WINDOW),
            "reportingDateTo": _day(last_midnight - timedelta(minutes=1)),  # "...T23:59Z", its minute included
        },
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


def _all_orders_rows(sim: SimulatorCore) -> list[tuple[str, datetime, datetime, list[str]]]:
    """Every order's item lines as they read now, purchase order: (marketplace, purchased, last updated, lines)."""
    orders = sorted(sim.world.orders.values(), key=lambda o: (o.purchase_date, o.order_id))
    return [
        (
            order.marketplace_id,
            order.purchase_date,
            order.last_update_date,
            ["\t".join(v.replace("\t", " ") for v in _row(order, item)) for item in order.items],
        )
        for order in orders
    ]


def all_orders_tsv(
    sim: SimulatorCore,
    marketplace_ids: list[str],
    start: datetime,
    end: datetime,
    *,
    by_last_update: bool,
    at: datetime | None = None,
) -> tuple[bytes, int]:
    """The All Orders flat file (one row per item) built at ``at`` (default ``end``) and its row count.

    Built from the reporting copy of the order book (retaken once it is ``Lags.report_data`` old, as the Unshipped
    Orders report's): an order reads as it did when the copy was taken, and the window (``start`` to ``end`` on
    the purchase date, or on the last update) is applied to the copy's dates.
    """
    built = end if at is None else at
    copy = sim.world.all_orders_copy
    if copy is None or built - copy[0] >= sim.lags.scaled("report_data", sim.scale):
        copy = sim.world.all_orders_copy = (built, _all_orders_rows(sim))
    lines = ["\t".join(ALL_ORDERS_HEADER)]
    rows = 0
    for marketplace_id, purchased, updated, item_lines in copy[1]:
        when = updated if by_last_update else purchased
        if marketplace_id not in marketplace_ids or not start <= when <= end:
            continue
        lines.extend(item_lines)
        rows += len(item_lines)
    return ("\n".join(lines) + "\n").encode("utf-8"), rows


# Unshipped Orders report [D report-type-values-order]: the documented leading columns, then the buyer request ones.
UNSHIPPED_HEADER: Final = (
    "order-id",
    "order-item-id",
    "purchase-date",
    "payments-date",
    "reporting-date",
    "promise-date",
    "days-past-promise",
    "sku",
    "product-name",
    "quantity-purchased",
    "quantity-shipped",
    "quantity-to-ship",
    "ship-service-level",
    "sales-channel",
    "is-business-order",
    "is-buyer-requested-cancellation",
    "buyer-requested-cancel-reason",
)
_UNSHIPPED_LOOKBACK: Final = timedelta(days=38)


def _unshipped_rows(sim: SimulatorCore) -> list[tuple[str, datetime, list[str]]]:
    """The lines of every merchant-fulfilled order left to ship, as they read now: (marketplace, purchased, row)."""
    rows: list[tuple[str, datetime, list[str]]] = []
    for order in sim.world.orders.values():
        if order.fulfillment_channel != "MFN" or order.status not in {"Unshipped", "PartiallyShipped"}:
            continue
        market = market_for(order.marketplace_id)
        purchased = order.purchase_date.astimezone(UTC).isoformat()
        rows.extend(  # every line of an order with something to ship, as Amazon lists them
            (
                order.marketplace_id,
                order.purchase_date,
                [
                    order.order_id,
                    item.order_item_id,
                    purchased,
                    purchased,
                    purchased,
                    (order.purchase_date + timedelta(days=2)).astimezone(UTC).isoformat(),
                    "0",
                    item.sku,
                    item.title.replace("\t", " "),
                    str(item.quantity_ordered),
                    str(item.quantity_shipped),
                    str(item.quantity_unshipped),
                    "Standard",
                    market.name if market else "Amazon",
                    "false",
                    "true" if item.buyer_requested_cancel else "false",
                    (item.buyer_cancel_reason or "").replace("\t", " "),
                ],
            )
            for item in order.items
        )
    return rows


def unshipped_tsv(sim: SimulatorCore, marketplace_ids: list[str], end: datetime) -> tuple[bytes, int]:
    """The Unshipped Orders flat file built at ``end`` from the reporting copy (retaken once it is stale)."""
    copy = sim.world.unshipped_copy
    if copy is None or end - copy[0] >= sim.lags.scaled("report_data", sim.scale):
        copy = sim.world.unshipped_copy = (end, _unshipped_rows(sim))
    lines = ["\t".join(UNSHIPPED_HEADER)]
    rows = 0
    for marketplace_id, purchased, row in copy[1]:
        if marketplace_id in marketplace_ids and purchased >= end - _UNSHIPPED_LOOKBACK:
            lines.append("\t".join(row))
            rows += 1
    return ("\n".join(lines) + "\n").encode("utf-8"), rows


# -- Reports API 2021-06-30 ------------------------------------------------------------------------

PERFORMANCE: Final = "GET_V2_SELLER_PERFORMANCE_REPORT"
BY_ORDER_DATE: Final = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
BY_LAST_UPDATE: Final = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
UNSHIPPED: Final = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"
REPORT_TYPES: Final = frozenset({PERFORMANCE, BY_ORDER_DATE, BY_LAST_UPDATE, UNSHIPPED})
_DEFAULT_SPAN: Final = timedelta(days=30)


def _finish(sim: SimulatorCore, report: SimReport) -> None:
    assert report.ended_at is not None  # noqa: S101 - set by the caller
    end = report.ended_at
    if report.report_type == PERFORMANCE:
        content, content_type = seller_performance_json(sim, report.marketplace_ids, end), "application/json"
    elif report.report_type == UNSHIPPED:
        content, rows = unshipped_tsv(sim, report.marketplace_ids, end)
        content_type = "text/tab-separated-values; charset=UTF-8"
        if rows == 0:
            report.status = "CANCELLED"
            return
    else:
        data_end = min(report.data_end or end, end)
        data_start = report.data_start or (data_end - _DEFAULT_SPAN)
        content, rows = all_orders_tsv(
            sim,
            report.marketplace_ids,
            data_start,
            data_end,
            by_last_update=report.report_type == BY_LAST_UPDATE,
            at=end,
        )
        content_type = "text/tab-separated-values; charset=UTF-8"
        if rows == 0:
            report.status = "CANCELLED"
            return
    document_id = sim.new_id("document")
    sim.world.documents[document_id] = SimFeedDocument(
        document_id=document_id,
        content_type=content_type,
        created_at=end,
        content=gzip.compress(content, mtime=0),
        compression="GZIP",
    )
    report.document_id = document_id
    report.status = "DONE"


def tick(sim: SimulatorCore) -> None:
    """Advance reports: ``IN_QUEUE`` → ``IN_PROGRESS`` → ``DONE``/``CANCELLED`` on the simulator clock."""
    now = sim.now()
    for report in sim.world.reports.values():
        if report.status == "IN_QUEUE" and now >= report.created_at + sim.report_queue_time:
            report.status = "IN_PROGRESS"
            report.started_at = report.created_at + sim.report_queue_time
        if report.status == "IN_PROGRESS" and report.started_at is not None:
            done_at = report.started_at + sim.report_processing_time
            if now >= done_at:
                report.ended_at = done_at
                _finish(sim, report)


def create_report(sim: SimulatorCore, request: SimRequest) -> SimResponse:  # noqa: PLR0911 - one rule per check
    """``POST /reports/2021-06-30/reports`` → 202 ``{reportId}``."""
    body = json_body(request)
    if isinstance(body, SimResponse):
        return body
    if not isinstance(body, dict):
        return invalid_input("The request body must be a CreateReportSpecification.")
    report_type = body.get("reportType")
    if not isinstance(report_type, str) or not report_type:
        return invalid_input("reportType is required.")
    if report_type not in REPORT_TYPES:
        return invalid_input(f"Invalid reportType: {report_type}.")
    if report_type == UNSHIPPED and not sim.unshipped_report_role:
        return unauthorized()  # a restricted report the application's roles do not cover
    marketplaces = body.get("marketplaceIds")
    if not isinstance(marketplaces, list) or not 1 <= len(marketplaces) <= 25:
        return invalid_input("marketplaceIds must hold 1 to 25 marketplace ids.")
    unknown = [str(m) for m in marketplaces if not sim.marketplace_known(str(m))]
    if unknown:
        return invalid_input(f"Invalid marketplaceIds: {', '.join(unknown)}.")
    start_text, end_text = body.get("dataStartTime"), body.get("dataEndTime")
    start, end = parse_iso(start_text), parse_iso(end_text)
    if (start_text and start is None) or (end_text and end is None):
        return invalid_input("dataStartTime and dataEndTime must be ISO 8601 date-times.")
    if start is not None and end is not None and end < start:
        return invalid_input("dataEndTime must not be before dataStartTime.")
    report = SimReport(
        report_id=sim.new_id("report"),
        report_type=report_type,
        marketplace_ids=[str(m) for m in marketplaces],
        created_at=sim.now(),
        data_start=start,
        data_end=end,
    )
    sim.world.reports[report.report_id] = report
    return SimResponse(status=202, body={"reportId": report.report_id})


def _report_json(report: SimReport) -> dict[str, Any]:
    identity = {"reportId": report.report_id, "reportType": report.report_type}
    window = {"dataStartTime": report.data_start, "dataEndTime": report.data_end}
    return processing_json(report, identity, ("reportDocumentId", report.document_id), "seconds", window)


def get_report(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /reports/2021-06-30/reports/{reportId}``."""
    report = sim.world.reports.get(request.path_params["reportId"])
    if report is None:
        return not_found(f"Report {request.path_params['reportId']} not found.")
    return SimResponse(status=200, body=_report_json(report))


def _newest_first(report: SimReport) -> tuple[datetime, int, str]:
    return report.created_at, len(report.report_id), report.report_id


def get_reports(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /reports/2021-06-30/reports`` → ``{reports, nextToken?}``, newest first (rules in ``.paging``)."""
    query = parse_query(request, sim.now(), "reportTypes")
    if isinstance(query, SimResponse):
        return query
    matching = (r for r in sim.world.reports.values() if selects(query, r.report_type, r))
    return SimResponse(status=200, body=newest_page(matching, query, _newest_first, "reports", _report_json))


def get_report_document(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /reports/2021-06-30/documents/{reportDocumentId}`` → ``{reportDocumentId, url, compressionAlgorithm}``."""
    document_id = request.path_params["reportDocumentId"]
    known = any(r.document_id == document_id for r in sim.world.reports.values())
    document = sim.world.documents.get(document_id)
    if not known or document is None:
        return not_found(f"Report document {document_id} not found.")
    url = sim.document_url(document_id)
    return SimResponse(status=200, body=document_json({"reportDocumentId": document_id}, url, document.compression))


def register(router: Router) -> None:
    """Add the Reports routes."""
    router.add("POST", "/reports/2021-06-30/reports", "reports.createReport", create_report)
    router.add("GET", "/reports/2021-06-30/reports", "reports.getReports", get_reports)
    router.add("GET", "/reports/2021-06-30/reports/{reportId}", "reports.getReport", get_report)
    router.add(
        "GET", "/reports/2021-06-30/documents/{reportDocumentId}", "reports.getReportDocument", get_report_document
    )
