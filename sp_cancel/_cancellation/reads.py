"""Reading a batch's orders for the pre-flight checks, priced in plan time (docs/orders-api-versions.md).

A call costs ``1 / rate`` seconds of its operation's usage plan whether or not it fits in the burst: the burst
is capacity every process of the seller draws on, so spending it is spending the plan. Amazon's routes to an
order's state and items, priced that way:

- ``getOrder`` (2026-01-01): one order with its items per call, 0.5/s: **2 s of plan per order**;
- ``searchOrders`` (2026-01-01): up to 100 of the seller's orders per page, 0.0056/s: **179 s per page**,
  so at least 1.79 s per order even when every order on every page is one the batch wants, and no
  order-id filter: the window's other orders are paid for too;
- v0 ``getOrders`` with ``AmazonOrderIds`` (deprecated, removal 2027-03-27): 50 named orders per call, without
  items, 0.0167/s: **1.2 s per order**, on top of the 2 s (or 1.79 s) still needed for each cancellable
  order's items;
- the Unshipped Orders report (``GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING``, a restricted report): every
  unshipped merchant-fulfilled order with its item ids, quantities and buyer requests, for ``createReport`` +
  ``getReportDocument`` (60 s of plan each), about ten ``getReport`` polls (5 s) and the report's processing
  time, **whatever the batch's size**; its data lag (Amazon: "about 30 min"; ``REPORT_DATA_LAG`` assumes an
  hour) is made up by one ``searchOrders`` of the orders updated since (179 s per page).

Among the per-order routes ``getOrder`` is the cheapest: v0 ``getOrders`` plus a fully dense ``searchOrders``
window costs at least ``1.2 + 1.79 = 2.99`` s per order, ``searchOrders`` alone has no window without v0's
purchase dates. So a batch below the break-even size (``report_break_even``: about 300 orders before the
report's processing time is learned, about 170 after) is read with one ``getOrder`` per order, and a larger one
through the report, whose cost does not grow with the batch: plan time per order falls with batch size. The
All Orders report is not used: it has no order item ids, so each cancellable order would still need its
``getOrder``. (The earlier plan counted calls inside the burst as free: a 40-order batch of a seller with 1,880
open orders spent 19 ``searchOrders`` pages, 57 minutes of that plan.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from typing import TYPE_CHECKING, Final

import sp_cancel._events as events
from sp_cancel._operations import OPERATIONS
from sp_cancel._runtime.reports import REPORT_DATA_LAG, download_report, request_report, wait_report
from sp_cancel.errors import AuthError, NotCancellableError, NotFoundError, ReportError, SpCancelError
from sp_cancel.feeds.unshipped import UNSHIPPED_REPORT, UnshippedReportError, parse_unshipped_orders
from sp_cancel.logging import get_logger
from sp_cancel.orders import Order, OrderStatus, get_order, search_orders

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context

__all__ = [
    "Calls",
    "changed_since",
    "plan_seconds",
    "read_orders",
    "report_break_even",
    "report_route_seconds",
    "shipped_since",
]

_log = get_logger()

# A report's processing time before one of its type was seen (Amazon documents none): five minutes.
REPORT_PROCESSING_GUESS: Final = 300.0
_POLLS: Final = 10
# What the re-read after the report's data end looks for: every state a change can leave a listed order in, but
# CANCELLED (a batch's cancels would fill its pages; see docs/orders-api-versions.md).
REREAD_STATUSES: Final = (OrderStatus.UNSHIPPED, OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED)

# A ship-confirmed order reads one of these (Orders 2026-01-01 has no INVOICE_UNCONFIRMED filter value).
SHIPPED_STATUSES: Final = (OrderStatus.SHIPPED, OrderStatus.PARTIALLY_SHIPPED)


def plan_seconds(key: str, count: int = 1) -> float:
    """Seconds of ``key``'s usage plan ``count`` calls consume (``count / rate``; the burst is not free)."""
    return count / OPERATIONS[key].rate


class Calls:
    """Calls made per operation in one read, and the plan time they consumed."""

    def __init__(self) -> None:
        """Start with nothing spent."""
        self.made: dict[str, int] = {}
        # When the first read began, on our clock (``read_orders`` sets it): a later re-check needs only what
        # changed since (``changed_since``).
        self.began: datetime | None = None

    def spend(self, key: str, count: int = 1) -> None:
        """Count ``count`` calls of ``key``."""
        self.made[key] = self.made.get(key, 0) + count

    def seconds(self, key: str, more: int) -> float:
        """Plan time ``more`` calls of ``key`` would consume (the same whatever was spent before)."""
        return plan_seconds(key, more)

    @property
    def plan_time(self) -> Mapping[str, float]:
        """Plan time consumed so far per operation, in seconds."""
        return {key: plan_seconds(key, count) for key, count in self.made.items()}


def report_route_seconds(ctx: Context) -> float:
    """What reading a batch through the Unshipped Orders report costs, in seconds (plan time and the wait).

    ``createReport`` and ``getReportDocument`` (60 s of plan each), about ten ``getReport`` polls (5 s), the
    report's processing time (learned per report type; ``REPORT_PROCESSING_GUESS`` until then) and one
    ``searchOrders`` page (179 s) for the orders updated after the report's data end.
    """
    processing = ctx.runner.cadence.typical(UNSHIPPED_REPORT)
    return (
        plan_seconds("reports.createReport")
        + plan_seconds("reports.getReport", _POLLS)
        + plan_seconds("reports.getReportDocument")
        + (REPORT_PROCESSING_GUESS if processing is None else processing)
        + plan_seconds("orders.searchOrders")
    )


def report_break_even(ctx: Context) -> int:
    """The smallest batch the report route reads for less than one ``getOrder`` per order."""
    return int(report_route_seconds(ctx) / plan_seconds("orders.getOrder")) + 1


def _per_order_is_cheaper(count: int) -> bool:
    """Whether ``count`` ``getOrder`` reads cost no more plan time than one ``searchOrders`` page (<= 89 orders)."""
    return plan_seconds("orders.getOrder", count) <= plan_seconds("orders.searchOrders")


def _get_each(ctx: Context, order_ids: Iterable[str], calls: Calls) -> dict[str, Order | SpCancelError]:
    """``getOrder`` for each of ``order_ids``, one call each.

    An unknown order maps to its ``NotFoundError``, one whose channel Amazon did not give to the
    ``NotCancellableError`` that refuses it.
    """
    out: dict[str, Order | SpCancelError] = {}
    for order_id in order_ids:
        calls.spend("orders.getOrder")
        try:
            out[order_id] = get_order(ctx.api, order_id)
        except (NotFoundError, NotCancellableError) as exc:
            out[order_id] = exc
    return out


def _wanted_among(pages: Iterable[Order], wanted: AbstractSet[str], calls: Calls) -> tuple[dict[str, Order], int]:
    """The orders of ``wanted`` among a ``searchOrders`` read, and how many it returned (its pages spent)."""
    found: dict[str, Order] = {}
    seen = 0
    for order in pages:
        seen += 1
        if order.order_id in wanted:
            found[order.order_id] = order
    calls.spend("orders.searchOrders", max(1, -(-seen // 100)))
    return found, seen


def read_orders(ctx: Context, order_ids: Sequence[str], calls: Calls | None = None) -> dict[str, Order | SpCancelError]:
    """Read the batch's orders for the pre-flight checks at the lower price (see the module docstring).

    Up to the break-even size (``report_break_even``) each order is read once with ``getOrder``; past it, the
    Unshipped Orders report is read once, then the orders updated since its data end (``_by_report``). An
    account without the report's role, or a report that fails, falls back to ``getOrder``.

    An order Amazon does not know maps to the ``NotFoundError`` ``getOrder`` raised; one whose channel Amazon did
    not say (and v0 could not tell) to the ``NotCancellableError`` ``FULFILLMENT_UNKNOWN`` that refuses it.
    """
    calls = calls if calls is not None else Calls()
    if calls.began is None:
        calls.began = ctx.clock.now()
    unique = list(dict.fromkeys(order_ids))
    out: dict[str, Order | SpCancelError] = {}
    if len(unique) >= report_break_even(ctx):
        try:
            _by_report(ctx, unique, calls, out)
        except (AuthError, ReportError, UnshippedReportError) as exc:  # no role for it, or no usable report
            _log.warning(events.PRECHECK_REPORT_FAILED, report_type=UNSHIPPED_REPORT, reason=str(exc)[:300])
    out.update(_get_each(ctx, [i for i in unique if i not in out], calls))
    return out


def _by_report(ctx: Context, order_ids: list[str], calls: Calls, out: dict[str, Order | SpCancelError]) -> None:
    """Put in ``out`` the batch's orders from the Unshipped Orders report, refreshed by those updated since.

    The report shows the order book as it was up to ``REPORT_DATA_LAG`` before it was created (Amazon: order
    reports "lag by about 30 min"). Every merchant-fulfilled order updated since then that reads unshipped,
    partly shipped or shipped now is read again with one ``searchOrders`` (``lastUpdatedAfter``): its answer
    replaces the report's row. An order neither shows is left to ``getOrder`` (it is not unshipped, or it is
    new: the caller reads it and refuses it with its state).

    The two routes' waits overlap (issue 18 item 4): the re-read's usage plan (179 s a page once the burst is
    spent) is waited for while Amazon processes the report, and only its call waits for the report. In order:

    1. ``createReport``;
    2. ``reserve("orders.searchOrders")``: the wait for the re-read's first page runs now, on the injected
       clock, while Amazon processes the report (no thread: the report needs nothing from us meanwhile);
    3. ``getReport`` until ``DONE`` (``wait_report`` counts from the request, so the time spent in 2 is not
       waited again): its ``createdTime`` is Amazon's own stamp, so the data end needs no estimate of
       Amazon's clock;
    4. the ``searchOrders`` re-read, its first page on the token reserved in 2 (later pages wait for the plan
       as before);
    5. ``getReportDocument`` and the download; the re-read's answers replace the report's rows.

    A batch's pre-check thus takes about ``max(report, re-read wait)`` instead of their sum. The re-read's call
    is kept after ``DONE`` rather than made at once on the reserved token: answers read while the report still
    processes would be older, by the rest of its processing time, than the end of the pre-check that relies on
    them, and the check a cancel rests on would be that much staler when ``createFeed`` goes out
    (``record.RECHECK_AFTER`` is 30 s; a report processes for minutes). The ``getOrder`` fallbacks for orders
    the report does not list need the document, so they run after it, as before. A report that fails (403,
    ``FATAL``, ``CANCELLED``, a timeout) raises before the re-read: the caller reads every order with
    ``getOrder``, and the token reserved in 2 stays with this client's API for its next ``searchOrders`` call
    (the plan time it stands for was spent either way). A document that cannot be downloaded or parsed raises
    after it: the re-read's answers are already in ``out`` (each a whole order, as ``getOrder`` would give) and
    the caller reads only the other orders, each once.
    """
    requested = request_report(ctx, UNSHIPPED_REPORT, marketplace_ids=[ctx.marketplace_id])
    calls.spend("reports.createReport")
    ctx.api.reserve("orders.searchOrders")  # the re-read's plan wait, overlapping Amazon's processing
    report = wait_report(ctx, requested)
    data_end = report.created_time - REPORT_DATA_LAG
    wanted = set(order_ids)
    pages = search_orders(
        ctx.api,
        last_updated_after=data_end,
        fulfilled_by="MERCHANT",
        statuses=REREAD_STATUSES,
        marketplace_ids=[ctx.marketplace_id],
    )
    updated, seen = _wanted_among(pages, wanted, calls)
    out.update(updated)  # kept whatever happens to the document
    document = download_report(ctx, report)
    calls.spend("reports.getReportDocument")
    listed = parse_unshipped_orders(document, marketplace_id=ctx.marketplace_id)
    out.update({i: o for i, o in listed.items() if i in wanted and i not in updated})  # the re-read is fresher
    _log.info(
        events.PRECHECK_REPORT_READ,
        report_id=report.report_id,
        listed=len(listed),
        batch=len(order_ids),
        from_report=len(out),
        updated_since=seen,
    )


def changed_since(
    ctx: Context,
    order_ids: Sequence[str],
    *,
    since: datetime | None,
    marketplace_id: str | None = None,
    calls: Calls | None = None,
) -> dict[str, Order | SpCancelError]:
    """Read again the orders of ``order_ids`` that may have changed since ``since`` (Amazon's clock).

    For a check made again (``record._recheck``): an order whose ``lastUpdateDate`` is not after ``since`` reads
    as it did then, so only the others are needed. Priced like ``shipped_since``: ``getOrder`` per order (2 s of
    plan each) while that costs no more than one ``searchOrders`` page (179 s: up to 89 orders), every order's
    answer returned; past that, one ``searchOrders`` of the seller's merchant-fulfilled orders updated after
    ``since``, in any state (``lastUpdatedAfter``, no status filter: a cancelled or pending order is a change the
    check refuses), one page per 100 such orders however large the batch, and only the batch's orders among
    them are returned: never a report. ``since=None`` (when the first read began is not known) reads every
    order with ``getOrder``.

    An order Amazon does not know maps to the ``NotFoundError`` ``getOrder`` raised, one whose channel Amazon
    did not say to the ``NotCancellableError`` that refuses it (as ``read_orders``).
    """
    calls = calls if calls is not None else Calls()
    unique = list(dict.fromkeys(order_ids))
    if since is None or _per_order_is_cheaper(len(unique)):
        return _get_each(ctx, unique, calls)
    pages = search_orders(
        ctx.api,
        last_updated_after=since,
        fulfilled_by="MERCHANT",
        marketplace_ids=[marketplace_id or ctx.marketplace_id],
    )
    return dict(_wanted_among(pages, set(unique), calls)[0])


def shipped_since(
    ctx: Context, order_ids: Sequence[str], *, since: datetime, calls: Calls | None = None
) -> dict[str, Order]:
    """The orders of ``order_ids`` that read shipped (or partly shipped) now, each updated after ``since``.

    Priced like the pre-check: ``len(order_ids)`` ``getOrder`` reads (2 s of plan each) while that costs no
    more than one ``searchOrders`` page (179 s: up to 89 orders); past that, one ``searchOrders`` of the
    seller's merchant-fulfilled orders updated after ``since`` and shipped now (``lastUpdatedAfter`` +
    ``fulfillmentStatuses``): one page per 100 such orders of the seller, however large the batch. An order
    that cannot be read is left out (it is not known to have shipped).
    """
    calls = calls if calls is not None else Calls()
    unique = list(dict.fromkeys(order_ids))
    if _per_order_is_cheaper(len(unique)):
        read: Mapping[str, Order | SpCancelError] = _get_each(ctx, unique, calls)
    else:
        pages = search_orders(
            ctx.api,
            last_updated_after=since,
            fulfilled_by="MERCHANT",
            statuses=SHIPPED_STATUSES,
            included_data=("FULFILLMENT",),
        )
        read = _wanted_among(pages, set(unique), calls)[0]
    # An order that cannot be read is left out: it is not known to have shipped.
    return {i: o for i, o in read.items() if isinstance(o, Order) and o.status in SHIPPED_STATUSES}
