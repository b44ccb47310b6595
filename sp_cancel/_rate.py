"""The cancellation rate from Amazon's data, and the guard that keeps a batch under a limit.

Two routes to the same records (``sp_cancel.metrics`` holds the definition):

- ``"orders"``: Orders 2026-01-01 ``searchOrders`` (MERCHANT, ``includedData=CANCELLATION,FULFILLMENT``),
  one call per 100 orders at 0.0056 requests/s after a burst of 20;
- ``"report"``: one ``GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL`` report (create, poll, download),
  plus ``getOrder`` only for the cancelled seller-fulfilled orders, to learn who cancelled (the report lacks it).

``"auto"`` reads the first ``searchOrders`` page: when it is the only page, that was the cheapest route;
otherwise it estimates the number of orders in the window from the span the page covers and picks the route
with fewer expected calls. The report's ``source`` says which was used.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Final, Literal

import attrs

from sp_cancel._reports import run_report
from sp_cancel.errors import CancellationRateError, InvalidInputError, NotFoundError
from sp_cancel.metrics import (
    CancellationRateReport,
    OrderRecord,
    parse_seller_performance_report,
    records_from_all_orders_report,
)
from sp_cancel.metrics import cancellation_rate as compute
from sp_cancel.metrics import compare_with_amazon as put_beside
from sp_cancel.models import CancelReason, CancelRequest
from sp_cancel.orders import Order, OrderState, get_order, parse_order

if TYPE_CHECKING:
    from sp_cancel._context import Context

__all__ = ["cancellation_rate", "rate_guard"]

ALL_ORDERS_REPORT: Final = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
PERFORMANCE_REPORT: Final = "GET_V2_SELLER_PERFORMANCE_REPORT"
# Calls a report costs besides attribution: createReport, ~3 getReport polls, getReportDocument, the download.
REPORT_BASE_CALLS: Final = 6
PAGE_SIZE: Final = 100
_DATA: Final = ("CANCELLATION", "FULFILLMENT")
_V0: Final = {
    OrderState.PENDING_AVAILABILITY: "PendingAvailability",
    OrderState.PENDING: "Pending",
    OrderState.UNSHIPPED: "Unshipped",
    OrderState.PARTIALLY_SHIPPED: "PartiallyShipped",
    OrderState.SHIPPED: "Shipped",
    OrderState.CANCELLED: "Canceled",
    OrderState.UNFULFILLABLE: "Unfulfillable",
    OrderState.INVOICE_UNCONFIRMED: "InvoiceUnconfirmed",
}


def record_of(order: Order, fallback_marketplace: str) -> OrderRecord:
    """The calculator's view of an order read through the Orders API."""
    cancelled = order.state is OrderState.CANCELLED or any(i.cancelled_by for i in order.items)
    return OrderRecord(
        order_id=order.order_id,
        purchased_at=order.purchased_at or order.last_updated_at or datetime.fromtimestamp(0).astimezone(),
        marketplace_id=order.marketplace_id or fallback_marketplace,
        fulfillment="AFN" if order.fulfilled_by == "AMAZON" else "MFN",
        status=_V0[order.state],
        cancelled_by=order.cancelled_by,
        buyer_requested=order.buyer_requested_cancel,
        # Amazon gives no cancellation time: the order's last update is its upper bound.
        cancelled_at=order.last_updated_at if cancelled else None,
        cancel_reason=next((i.cancel_reason for i in order.items if i.cancel_reason), None),
    )


def _pages(ctx: Context, start: datetime) -> Iterator[tuple[list[Order], bool]]:
    """``searchOrders`` pages of MERCHANT orders created since ``start``: (orders, more pages follow)."""
    query: dict[str, object] = {
        "createdAfter": start,
        "fulfilledBy": ["MERCHANT"],
        "marketplaceIds": [ctx.marketplace_id],
        "includedData": list(_DATA),
        "maxResultsPerPage": PAGE_SIZE,
    }
    while True:
        data = ctx.api.call("orders.searchOrders", query=query).data
        token = (data.get("pagination") or {}).get("nextToken")
        yield [parse_order(o) for o in data.get("orders") or []], bool(token)
        if not token:
            return
        query["paginationToken"] = token


def _estimate(first: list[Order], start: datetime, end: datetime) -> tuple[int, float]:
    """Estimate (orders in the window, fraction cancelled) from a full first page."""
    times = [o.purchased_at for o in first if o.purchased_at is not None]
    covered = (max(times) - start).total_seconds() if times else 0.0
    window = (end - start).total_seconds()
    estimate = len(first) if covered <= 0 else round(len(first) * window / covered)
    cancelled = sum(1 for o in first if o.state is OrderState.CANCELLED) / max(len(first), 1)
    return max(estimate, len(first)), cancelled


def _attribution(ctx: Context, records: list[OrderRecord]) -> Iterator[OrderRecord]:
    for record in records:
        if record.needs_attribution and record.fulfillment.value == "MFN":
            try:
                order = get_order(ctx.api, record.order_id, included_data=_DATA)
            except NotFoundError:
                yield record
                continue
            yield record.with_attribution(order.cancelled_by, order.buyer_requested_cancel)
        else:
            yield record


def _from_report(ctx: Context, start: datetime, end: datetime) -> list[OrderRecord]:
    data = run_report(ctx, ALL_ORDERS_REPORT, start=start, end=end)
    records = list(records_from_all_orders_report([data], marketplace_id=ctx.marketplace_id))
    return list(_attribution(ctx, records))


def _check_window(window: object) -> None:
    if not isinstance(window, timedelta) or window <= timedelta(0):
        raise InvalidInputError("window must be a positive timedelta", field="window")


def cancellation_rate(
    ctx: Context,
    *,
    window: timedelta,
    end: datetime | None,
    source: Literal["auto", "orders", "report"],
    compare_with_amazon: bool,
) -> CancellationRateReport:
    """See :meth:`sp_cancel.SellerClient.cancellation_rate`."""
    compare = compare_with_amazon
    if source not in {"auto", "orders", "report"}:
        raise InvalidInputError(f"source must be 'auto', 'orders' or 'report', got {source!r}", field="source")
    _check_window(window)
    stop = end or ctx.clock.now()
    start = stop - window
    used: str
    records: list[OrderRecord]
    if source == "report":
        records, used = _from_report(ctx, start, stop), "report"
    else:
        pages = _pages(ctx, start)
        first, more = next(pages)
        records = [record_of(o, ctx.marketplace_id) for o in first]
        estimated, cancelled_share = _estimate(first, start, stop)
        page_calls = math.ceil(estimated / PAGE_SIZE)
        report_calls = REPORT_BASE_CALLS + math.ceil(estimated * cancelled_share)
        if more and source == "auto" and report_calls < page_calls - 1:
            records, used = _from_report(ctx, start, stop), "report"
        else:
            for page, _ in pages:
                records.extend(record_of(o, ctx.marketplace_id) for o in page)
            used = "orders"
    report = compute(records, window=window, end=stop, marketplace=ctx.marketplace_id)
    report = attrs.evolve(report, source=used)
    if compare:
        amazon = parse_seller_performance_report(run_report(ctx, PERFORMANCE_REPORT))
        report = put_beside(report, amazon, marketplace_id=ctx.marketplace_id)
    return report


def seller_faulted(request: CancelRequest, order: Order) -> bool:
    """Whether this cancellation will count against the seller (everything but a real buyer request)."""
    return not (request.reason is CancelReason.BUYER_CANCELED and order.buyer_requested_cancel)


def rate_guard(ctx: Context, max_rate: float | Decimal) -> Callable[[list[CancelRequest], Mapping[str, Order]], None]:
    """A batch guard refusing, before anything is sent, a batch that would push the rate above ``max_rate``."""
    try:
        limit = Decimal(str(max_rate))
    except ArithmeticError:
        raise InvalidInputError(f"max_rate must be a fraction like 0.02, got {max_rate!r}", field="max_rate") from None
    if not Decimal(0) <= limit < Decimal(1):
        raise InvalidInputError(
            f"max_rate must be a fraction from 0 to 1 (0.02 = 2 %), got {max_rate!r}", field="max_rate"
        )

    def guard(requests: list[CancelRequest], orders: Mapping[str, Order]) -> None:
        report = cancellation_rate(ctx, window=timedelta(days=7), end=None, source="auto", compare_with_amazon=False)
        faulted = [
            r
            for r in requests
            if seller_faulted(r, orders[r.order_id])
            and (orders[r.order_id].purchased_at or report.window_end) >= report.window_start
        ]
        projection = report.what_if(len(faulted))
        if projection.projected_rate > limit:
            allowed = max(0, math.floor(limit * report.total) - report.cancelled) if report.total else 0
            raise CancellationRateError(
                projected_rate=projection.projected_rate,
                max_rate=limit,
                current_rate=report.rate,
                seller_faulted=len(faulted),
                allowed=allowed,
            )

    return guard
