"""The cancellation rate from Amazon's data, and the guard that keeps a batch under a limit.

Two routes to the same records (``sp_cancel.metrics`` holds the definition):

- ``"orders"``: Orders 2026-01-01 ``searchOrders`` (MERCHANT, ``includedData=CANCELLATION,FULFILLMENT``),
  one call per 100 orders at 0.0056 requests/s after a burst of 20;
- ``"report"``: one ``GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL`` report (create, poll, download,
  inflated chunk by chunk), plus one ``getOrder`` per cancelled seller-fulfilled order *in the window* whose
  canceller the first ``searchOrders`` page did not already show (the report has no attribution). Amazon's
  order reports "lag by about 30 min" (no bound documented; ``REPORT_DATA_LAG`` assumes an hour): once the
  report is ``DONE``, the orders updated after ``createdTime - REPORT_DATA_LAG`` are read again with
  ``searchOrders`` (``lastUpdatedAfter``, one page per 100) and counted as they read now instead of their
  report rows, so a cancellation sent minutes ago counts. The figure is as of that re-read for the orders it
  returns, as of the report's data end for the others (the ``sp_cancel.rate_report_read`` event says when).

``"auto"`` reads the first ``searchOrders`` page (oldest orders first). When it is the only page, that was
the cheapest route. Otherwise it estimates the orders still to page through, ``N``, from the share of the
window (up to now) the page covers, and the cancelled ones among all orders of the window, ``C``, from the
page's cancelled share; it then compares the calls each route still needs:
``ceil(N / 100)`` more pages, against ``REPORT_BASE_CALLS`` + the re-read's pages ``R`` + ``C`` minus those the
page already attributed. ``R`` (at least one) counts ``REREAD_UPDATES`` updates per order over the re-read's
span (``REPORT_DATA_LAG`` plus the report's processing, ``_REREAD_SPAN``) at the window's order rate, 100 a
page. It is the *cancelled* orders (of any kind: the report cannot tell a buyer's cancellation from the
seller's) that cost on the report route, one ``getOrder`` each, so it wins only for a large seller with
few cancellations: ``C + 7 + R < N / 100``, e.g. 3,000 orders in the window (``R`` = 1) with at most ~20
cancelled, or 10,000 (``R`` = 3) with at most ~88. The report's ``source`` says which route was used.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Final, Literal

import attrs

import sp_cancel._events as events
from sp_cancel._runtime.reports import REPORT_DATA_LAG, download_report, request_report, run_report, wait_report
from sp_cancel.errors import (
    CancellationRateError,
    InvalidInputError,
    NotFoundError,
    ReportError,
    ServerError,
)
from sp_cancel.logging import get_logger
from sp_cancel.metrics import (
    CancellationRateReport,
    CancelledBy,
    Fulfillment,
    OrderRecord,
    OrderStatus,
    parse_seller_performance_report,
)
from sp_cancel.metrics import cancellation_rate as compute
from sp_cancel.metrics import compare_with_amazon as put_beside
from sp_cancel.metrics._allorders import Counts
from sp_cancel.metrics._file import count_report
from sp_cancel.metrics._records import to_utc
from sp_cancel.models import CancelReason, CancelRequest
from sp_cancel.orders import Order, OrderState, get_order, search_orders

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context
    from sp_cancel.transport import Report

__all__ = ["cancellation_rate", "rate_guard", "seller_faulted"]

_log = get_logger()

ALL_ORDERS_REPORT: Final = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
PERFORMANCE_REPORT: Final = "GET_V2_SELLER_PERFORMANCE_REPORT"
#: Calls a report costs besides attribution: createReport, getReport polls (3 for the simulator's 40 s, one more
#: as margin for Amazon's slower reports), getReportDocument, the download.
REPORT_BASE_CALLS: Final = 7
#: Updates an order is assumed to get while new (placed, ship-confirmed, one more: a cancellation, a change), for
#: the estimate of the re-read after the report's data end: Amazon documents no figure.
REREAD_UPDATES: Final = 3
#: What the re-read covers: the report's data lag, and about ten minutes of processing after its ``createdTime``.
_REREAD_SPAN: Final = REPORT_DATA_LAG + timedelta(minutes=10)
PAGE_SIZE: Final = 100
#: ``searchOrders`` refuses a ``createdBefore`` less than two minutes before *Amazon's* now
#: (docs/buyer-requests.md); our clock may be minutes off Amazon's, so the bound is sent only when it is that
#: much older still (otherwise it is left out and the window's end is applied here).
_BEFORE_MIN_AGE: Final = timedelta(minutes=2) + timedelta(minutes=5)
_LAST_MINUTE: Final = timedelta(minutes=1)
_DATA: Final = ("CANCELLATION", "FULFILLMENT")
_SOURCES: Final = ("auto", "orders", "report")
_NOT_RELEASED: Final = (OrderStatus.PENDING, OrderStatus.PENDING_AVAILABILITY)
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
    cancelled = order.status is OrderState.CANCELLED or any(i.cancelled_by for i in order.items)
    return OrderRecord(
        order_id=order.order_id,
        purchased_at=order.purchased_at or order.last_updated_at or datetime.fromtimestamp(0).astimezone(),
        marketplace_id=order.marketplace_id or fallback_marketplace,
        fulfillment="AFN" if order.channel == "AFN" else "MFN",
        status=_V0[order.status],
        cancelled_by=order.cancelled_by,
        buyer_requested=order.buyer_requested_cancel,
        # Amazon gives no cancellation time: the order's last update is its upper bound.
        cancelled_at=order.last_updated_at if cancelled else None,
        cancel_reason=next((i.cancel_reason for i in order.items if i.cancel_reason), None),
        ship_by=order.ship_by,
    )


@attrs.frozen
class _Window:
    start: datetime
    stop: datetime
    now: datetime
    marketplace_id: str

    @property
    def before(self) -> datetime | None:
        """``createdBefore`` for ``searchOrders``: the window's end, when Amazon accepts it (2+ min ago)."""
        return self.stop if self.stop <= self.now - _BEFORE_MIN_AGE else None

    def counts(self, record: OrderRecord) -> bool:
        """Whether ``record`` is one of the orders the rate is computed over (so its canceller matters)."""
        return (
            record.fulfillment is Fulfillment.MFN
            and self.start <= record.purchased_at < self.stop
            and record.marketplace_id == self.marketplace_id
            and record.status not in _NOT_RELEASED
        )


def _pages(ctx: Context, window: _Window) -> Iterator[tuple[list[Order], bool]]:
    """``searchOrders`` pages of MERCHANT orders created in the window: (orders, more pages follow)."""
    token: str | None = None
    while True:
        page = ctx.api.search_orders(
            created_after=window.start,
            created_before=window.before,
            fulfilled_by="MERCHANT",
            included_data=list(_DATA),
            marketplace_ids=[ctx.marketplace_id],
            max_results_per_page=PAGE_SIZE,
            pagination_token=token,
        )
        token = page.next_token
        yield list(page.orders), bool(token)
        if not token:
            return


def prefer_report(first: list[OrderRecord], window: _Window) -> bool:
    """Whether the report route needs fewer calls than paging on, judged from a full first page.

    Pages come oldest first, so the first one covers ``[start, newest on the page]``; the orders left are
    estimated in proportion to the time left up to the last order ``searchOrders`` can return.
    """
    if not first:
        return False
    horizon = window.before or window.now
    covered = (max(r.purchased_at for r in first) - window.start).total_seconds()
    span = (horizon - window.start).total_seconds()
    estimated = len(first) * span / covered if covered > 0 else float(len(first))
    estimated = max(estimated, float(len(first) + 1))  # there is a next page
    pages_left = math.ceil(estimated / PAGE_SIZE) - 1
    cancelled = [r for r in first if r.is_cancelled and window.counts(r)]
    # The first page's cancellations are already attributed; the rest are expected at the same share.
    to_attribute = (estimated - len(first)) * len(cancelled) / len(first)
    return REPORT_BASE_CALLS + reread_pages(estimated, span) + math.ceil(to_attribute) < pages_left


def reread_pages(orders: float, span: float) -> int:
    """``searchOrders`` pages the re-read after the report's data end is expected to take (at least one).

    ``orders`` purchased over ``span`` seconds: at that rate, ``REREAD_UPDATES`` updates per order over
    ``_REREAD_SPAN``, 100 orders a page.
    """
    updated = orders / span * _REREAD_SPAN.total_seconds() * REREAD_UPDATES if span > 0 else orders
    return max(1, math.ceil(updated / PAGE_SIZE))


class _Lookup(Mapping[str, tuple[CancelledBy | None, bool]]):
    """Who cancelled an order, asked of ``getOrder`` only when the report's pass needs it (lazily).

    The columnar pass asks only for the cancelled seller-fulfilled orders of this marketplace purchased in the
    window, those whose canceller changes the figure; the first ``searchOrders`` page's answers are reused. An
    order ``getOrder`` cannot find stays unattributed, so it counts: the figure errs high, never low.
    """

    def __init__(self, ctx: Context, known: Mapping[str, OrderRecord]) -> None:
        self._ctx = ctx
        self._known = known
        #: Amazon's cancellation text and the ship-by date of each order answered, for ``Counts``.
        self.facts: dict[str, tuple[str | None, datetime | None]] = {}

    def __getitem__(self, order_id: str) -> tuple[CancelledBy | None, bool]:
        seen = self._known.get(order_id)
        if seen is not None:
            self.facts[order_id] = (seen.cancel_reason, seen.ship_by)
            return seen.cancelled_by, seen.buyer_requested
        try:
            order = get_order(self._ctx.api, order_id, included_data=_DATA)
        except NotFoundError:
            raise KeyError(order_id) from None
        reason = next((i.cancel_reason for i in order.items if i.cancel_reason), None)
        self.facts[order_id] = (reason, order.ship_by)
        return order.cancelled_by, order.buyer_requested_cancel

    def __iter__(self) -> Iterator[str]:
        return iter(self._known)

    def __len__(self) -> int:
        return len(self._known)


def _reread(ctx: Context, since: datetime, marketplace_id: str) -> dict[str, OrderRecord]:
    """The seller's MERCHANT orders of ``marketplace_id`` updated after ``since``, as they read now."""
    return {
        order.order_id: record_of(order, ctx.marketplace_id)
        for order in search_orders(
            ctx.api,
            last_updated_after=since,
            fulfilled_by="MERCHANT",
            included_data=_DATA,
            marketplace_ids=[marketplace_id],
        )
    }


def _from_report(ctx: Context, window: _Window, known: Mapping[str, OrderRecord], *, late: bool) -> Counts:
    """Request the All Orders report now and count it, columnar, as the file route does (no record per order).

    Amazon's order reports "lag by about 30 min" (no bound documented): the report shows the order book as it was
    up to ``REPORT_DATA_LAG`` before its ``createdTime``, so a cancellation sent minutes ago may be missing from
    it. Once it is ``DONE``, the orders updated after that data end are read again (one ``searchOrders`` page per
    100, ``lastUpdatedAfter``); each one's rows in the report are left out and its current state counted instead
    (``Counts.add_record``), so an order is counted once, as it reads now, and one placed since is added.
    """
    lookup = _Lookup(ctx, known)
    counts = Counts(window.start, window.stop, late_shipment_counts=late, facts=lookup.facts)
    # By last update from the window's start, up to now: every order purchased in the window was updated
    # at or after its purchase, and one cancelled after the window's end must still be in the report.
    requested = request_report(ctx, ALL_ORDERS_REPORT, start=window.start)
    try:
        report: Report | None = wait_report(ctx, requested)
    except ReportError as exc:
        if exc.processing_status != "CANCELLED":
            raise
        report = None  # Amazon's answer when no order was updated in its (lagging) data: no document
    # Amazon's own stamp of the request, so the data end needs no estimate of Amazon's clock.
    created = report.created_time if report is not None else ctx.api.get_report(requested.report_id).created_time
    fresher = _reread(ctx, created - REPORT_DATA_LAG, window.marketplace_id)
    if report is not None:
        data = download_report(ctx, report, inflate=False)
        try:
            count_report(data, counts, lookup, ctx.marketplace_id, ctx.marketplace_id, exclude=fresher.keys())
        except (zlib.error, EOFError) as exc:  # either inflater (ISA-L or zlib) fails with these
            msg = f"the {ALL_ORDERS_REPORT} document is not valid GZIP: {exc}"
            raise ServerError(msg, operation="download") from exc
    for record in fresher.values():
        counts.add_record(record, ctx.marketplace_id)
    _log.info(
        events.RATE_REPORT_READ,
        report_id=requested.report_id,
        data_end=(created - REPORT_DATA_LAG).isoformat(),
        reread=len(fresher),
        documented=report is not None,
    )
    return counts


def _check(window: object, end: object, source: object) -> None:
    if source not in _SOURCES:
        raise InvalidInputError(f"source must be 'auto', 'orders' or 'report', got {source!r}", field="source")
    if not isinstance(window, timedelta) or window <= timedelta(0):
        raise InvalidInputError(f"window must be a positive timedelta, got {window!r}", field="window")
    if end is not None and not isinstance(end, datetime):
        raise InvalidInputError(f"end must be a timezone-aware datetime or None, got {end!r}", field="end")


def cancellation_rate(
    ctx: Context,
    *,
    window: timedelta,
    end: datetime | None,
    source: Literal["auto", "orders", "report"],
    compare_with_amazon: bool,
    late_shipment_counts: bool = True,
) -> CancellationRateReport:
    """See ``sp_cancel.SellerClient.cancellation_rate``.

    With ``compare_with_amazon``, Amazon's report is read first and the local figure is computed over
    *its* ``reportingDateRange`` (whole UTC days, ending a day or more before now), so the difference
    compares like with like; the report keeps both windows (``requested_window_*``, ``amazon_window_*``).
    """
    _check(window, end, source)
    now = to_utc(ctx.clock.now(), "now")
    stop = now if end is None else to_utc(end, "end")  # InvalidInputError for a naive end, before any call
    requested = (stop - window, stop)
    amazon = None
    if compare_with_amazon:
        amazon = parse_seller_performance_report(run_report(ctx, PERFORMANCE_REPORT)).get(ctx.marketplace_id)
        # reportingDateTo is written "...T23:59Z" and its last minute is included: the window ends a minute later.
        stop = amazon.date_to + _LAST_MINUTE
        window = stop - amazon.date_from
    span = _Window(start=stop - window, stop=stop, now=now, marketplace_id=ctx.marketplace_id)
    if source == "report":
        report = _from_report(ctx, span, {}, late=late_shipment_counts).report(None, ctx.marketplace_id)
        used = "report"
    else:
        pages = _pages(ctx, span)
        page, more = next(pages)
        first = [record_of(o, ctx.marketplace_id) for o in page]
        if more and source == "auto" and prefer_report(first, span):
            known = {r.order_id: r for r in first if r.cancelled_by is not None or r.buyer_requested}
            counts = _from_report(ctx, span, known, late=late_shipment_counts)
            report, used = counts.report(None, ctx.marketplace_id), "report"
        else:
            for page, _ in pages:
                first.extend(record_of(o, ctx.marketplace_id) for o in page)
            report = compute(
                first,
                window=window,
                end=stop,
                marketplace=ctx.marketplace_id,
                late_shipment_counts=late_shipment_counts,
            )
            used = "orders"
    report = attrs.evolve(report, source=used, requested_window_start=requested[0], requested_window_end=requested[1])
    if amazon is not None:
        report = put_beside(report, amazon, marketplace_id=ctx.marketplace_id)
        report = attrs.evolve(report, amazon_window_start=amazon.date_from, amazon_window_end=stop)
    return report


def seller_faulted(request: CancelRequest, order: Order) -> bool:
    """Whether this cancellation will count against the seller.

    Everything counts but a real buyer request (through Amazon) answered with reason ``BuyerCanceled``, Amazon's
    standard process; a buyer-requested order cancelled for another reason is counted, the cautious reading.
    """
    return not (request.reason is CancelReason.BUYER_CANCELED and order.buyer_requested_cancel)


def _limit(max_rate: object) -> Decimal:
    if isinstance(max_rate, bool) or not isinstance(max_rate, int | float | Decimal):
        raise InvalidInputError(
            f"max_rate must be a number (a float or a Decimal fraction, e.g. 0.02 for 2 %), "
            f"not a {type(max_rate).__name__} ({max_rate!r})",
            field="max_rate",
        )
    try:
        limit = Decimal(str(max_rate))
        valid = limit.is_finite() and Decimal(0) <= limit < Decimal(1)
    except (ArithmeticError, InvalidOperation):
        valid = False
    if not valid:
        raise InvalidInputError(
            f"max_rate must be a fraction from 0 to 1 (0.02 = 2 %), got {max_rate!r}", field="max_rate"
        )
    return limit


def rate_guard(ctx: Context, max_rate: float | Decimal) -> Callable[[list[CancelRequest], Mapping[str, Order]], None]:
    """A batch guard refusing, before anything is sent, a batch that would push the rate above ``max_rate``.

    It computes the 7-day rate (``source="auto"``), counts the batch's seller-faulted cancellations of orders
    the window counts (seller-fulfilled, this marketplace, purchased in it), and refuses the batch when
    ``what_if`` projects a rate above ``max_rate``.
    """
    limit = _limit(max_rate)

    def guard(requests: list[CancelRequest], orders: Mapping[str, Order]) -> None:
        report = cancellation_rate(ctx, window=timedelta(days=7), end=None, source="auto", compare_with_amazon=False)
        faulted = [
            r
            for r in requests
            if seller_faulted(r, orders[r.order_id]) and _in_window(orders[r.order_id], report, ctx.marketplace_id)
        ]
        projection = report.what_if(len(faulted))
        if projection.projected_rate > limit:
            # The most k with (cancelled + k) / total <= limit; exact (Decimal * int).
            allowed = max(0, math.floor(limit * report.total) - report.cancelled) if report.total else 0
            raise CancellationRateError(
                projected_rate=projection.projected_rate,
                max_rate=limit,
                current_rate=report.rate,
                seller_faulted=len(faulted),
                allowed=min(allowed, len(faulted)),
                window_start=report.window_start,
                window_end=report.window_end,
            )

    return guard


def _in_window(order: Order, report: CancellationRateReport, marketplace_id: str) -> bool:
    """Whether cancelling ``order`` changes ``report``'s figure (an order it counts)."""
    if order.channel != "MFN" or (order.marketplace_id or marketplace_id) != marketplace_id:
        return False
    purchased = order.purchased_at
    return purchased is None or report.window_start <= purchased < report.window_end
