"""``rate_from_all_orders_file``: the All Orders report straight to a rate, in bounded memory.

Shares the grouping and the classification with the record path; the pure-Python reader is
here, the pyarrow one in ``_metrics_arrow``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Collection, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import IO, Final, Literal

from sp_cancel.clock import Clock
from sp_cancel.errors import InvalidInputError
from sp_cancel.metrics._allorders import (
    PURCHASED,
    Attribution,
    Counts,
    lines,
    marketplace_of,
    raw_orders,
    text,
)
from sp_cancel.metrics._calculator import (
    PENDING,
    check_late_rule,
    check_marketplace,
    resolve_window,
)
from sp_cancel.metrics._records import (
    Fulfillment,
    OrderStatus,
    to_fulfillment,
    to_status,
    to_utc,
)
from sp_cancel.metrics._result import CancellationRateReport

__all__ = ["Engine", "Source", "count_report", "rate_from_all_orders_file"]

Engine = Literal["auto", "pyarrow", "python"]
_CHUNK: Final = 1 << 20


#: Where a report is read from: a file's path, or the document's bytes as downloaded (gzip or not).
Source = str | os.PathLike[str] | bytes


def _chunks(data: bytes) -> Iterator[bytes]:
    view = memoryview(data)
    for at in range(0, len(data), _CHUNK):
        yield bytes(view[at : at + _CHUNK])


def _python_counts(  # noqa: C901, PLR0912, PLR0917 - one flat loop is the fast loop
    source: Source,
    counts: Counts,
    attribution: Attribution | None,
    marketplace: str | None,
    marketplace_id: str | None,
    exclude: Collection[str],
) -> None:
    start, end, first = counts.start, counts.end, counts.first
    excluded = frozenset(i.strip().encode() for i in exclude)  # empty: the check below is one falsy test per order
    statuses: dict[bytes, OrderStatus] = {}
    channels: dict[bytes, bool] = {}
    markets: dict[bytes | None, str] = {}
    pending, pending_availability = PENDING
    canceled = OrderStatus.CANCELED
    orders = counts.orders
    fromisoformat = datetime.fromisoformat
    with contextlib.ExitStack() as stack:
        if isinstance(source, bytes):
            stream: IO[bytes] | Iterator[bytes] = _chunks(source)
        else:
            stream = stack.enter_context(open(source, "rb"))  # noqa: PTH123 - a path-like is what callers hold
        for _, order_id, bought, status_raw, channel, sales, updated, item_cancelled, asked in raw_orders(
            lines(stream)
        ):
            # Every value is converted (and a bad one refused) before any filter, as the pyarrow reader does.
            status = statuses.get(status_raw)
            if status is None:
                status = statuses[status_raw] = to_status(text(status_raw))
            mfn = channels.get(channel)
            if mfn is None:
                mfn = channels[channel] = to_fulfillment(text(channel)) is Fulfillment.MFN
            try:
                purchased = fromisoformat(bought.decode())
            except ValueError:
                purchased = to_utc(text(bought), PURCHASED)  # raises the readable error, or copes with blanks
            if purchased.tzinfo is not UTC:
                purchased = to_utc(purchased, PURCHASED)
            if not mfn or status is pending or status is pending_availability:
                continue
            if excluded and order_id.strip() in excluded:
                continue
            market = markets.get(sales)
            if market is None:
                market = markets[sales] = marketplace_id or (marketplace_of(text(sales)) if sales is not None else "")
                if not market:
                    raise InvalidInputError("All Orders report: no sales-channel; pass marketplace_id")
            if marketplace is not None and market != marketplace:
                continue
            if not start <= purchased < end:
                continue
            if status is canceled or item_cancelled:
                upd = None if updated is None else text(updated)
                counts.add_cancelled(text(order_id), purchased, upd, market, attribution, asked=asked)
            else:
                counts.seen.add(market)
                orders[purchased.toordinal() - first] += 1


def rate_from_all_orders_file(
    path: str | os.PathLike[str],
    *,
    attribution: Attribution | None = None,
    window: timedelta = timedelta(days=7),
    end: datetime | None = None,
    target: Decimal | str | float | None = None,
    marketplace: str | None = None,
    marketplace_id: str | None = None,
    engine: Literal["auto", "pyarrow", "python"] = "auto",
    clock: Clock | None = None,
    late_shipment_counts: bool = True,
) -> CancellationRateReport:
    """Compute the cancellation rate straight from an All Orders report file, in bounded memory.

    Same definition as ``cancellation_rate`` over ``records_from_all_orders_report``, without building a
    record per order. With ``engine="auto"`` it streams record batches through pyarrow (the ``fast`` extra) when
    installed, else it streams lines in pure Python; both give the same report.

    Args:
        path: the report file (tab-separated, gzip or not).
        attribution: order id -> (cancelled_by, buyer_requested) for cancelled orders; a cancelled order missing
            here counts as the seller's (and is counted in ``unattributed``); entries for orders the report does
            not show cancelled are ignored.
        window: the window's length.
        end: exclusive end of the window (aware); default ``clock.now()``.
        target: a fraction overriding the marketplace's target.
        marketplace: count only this marketplace's orders, and use its target.
        marketplace_id: the report's marketplace, overriding the ``sales-channel`` mapping.
        engine: ``"auto"``, ``"pyarrow"`` or ``"python"``.
        clock: where ``now`` comes from when ``end`` is ``None``.
        late_shipment_counts: whether Amazon's late-shipment auto-cancels count (see ``cancellation_rate``).

    Raises:
        InvalidInputError: bad arguments, a missing column, an unknown value.
        ImportError: ``engine="pyarrow"`` without pyarrow (``pip install 'sp-cancel[fast]'``).
    """
    check_marketplace(marketplace)
    late = check_late_rule(late_shipment_counts)
    start, stop = resolve_window(window, end, clock)
    counts = Counts(start, stop, late_shipment_counts=late)
    count_report(path, counts, attribution, marketplace, marketplace_id, engine=engine)
    return counts.report(target, marketplace)


def count_report(
    source: Source,
    counts: Counts,
    attribution: Attribution | None,
    marketplace: str | None,
    marketplace_id: str | None,
    *,
    engine: Engine = "auto",
    exclude: Collection[str] = frozenset(),
) -> None:
    """Count an All Orders report (a file, or the document's bytes) into ``counts``: the columnar path.

    The file route and the client's report route both come here, so neither builds a record per order.
    ``exclude``: order ids whose rows are left out (still read and checked, not counted): the report route counts
    those orders from a fresher read instead (``Counts.add_record``). Both engines leave out the same orders.
    """
    if engine not in ("auto", "pyarrow", "python"):
        raise InvalidInputError(f"engine: 'auto', 'pyarrow' or 'python', got {engine!r}", field="engine")
    if engine == "pyarrow" or (engine == "auto" and importlib.util.find_spec("pyarrow") is not None):
        from sp_cancel.metrics._arrow import arrow_counts  # noqa: PLC0415 - optional dependency

        arrow_counts(source, counts, attribution, marketplace, marketplace_id, exclude=exclude)
    else:
        _python_counts(source, counts, attribution, marketplace, marketplace_id, exclude)
