"""The calculator's results: ``CancellationRateReport``, ``DayRate``, ``Projection``, ``what_if``.

And their notebook views: a DataFrame, a plot and an HTML table (pandas and
matplotlib are loaded on first use: ``pip install 'sp-cancel[notebook]'``).
"""

from __future__ import annotations

import enum
import html
import importlib
import math
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from types import ModuleType
from typing import TYPE_CHECKING

import attrs

from sp_cancel._amazon_cancel import AmazonCancelKind
from sp_cancel.errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = [
    "CancellationRateReport",
    "DayRate",
    "Projection",
    "RateStatus",
    "headroom",
    "plot_report",
    "rate_of",
    "report_frame",
    "report_html",
    "what_if",
]


# --- the report ------------------------------------------------------------------------------------


class RateStatus(enum.StrEnum):
    """A cancellation rate's verdict: ``GOOD`` below the target, ``BAD`` at or above it, ``NONE`` no order."""

    GOOD = "GOOD"
    BAD = "BAD"
    NONE = "NONE"


def rate_of(cancelled: int, total: int) -> Decimal:
    """``cancelled / total`` as a Decimal, 0 for an empty window."""
    return Decimal(cancelled) / Decimal(total) if total else Decimal(0)


def headroom(cancelled: int, total: int, target: Decimal) -> int:
    """How many more seller cancellations of orders already counted keep ``cancelled / total`` below ``target``.

    Cancelling an order that is already in the window adds to the numerator only, so the answer is the largest
    ``k >= 0`` with ``(cancelled + k) / total < target``: ``max(0, ceil(target * total) - 1 - cancelled)``,
    computed exactly (no float). An empty window has no order to cancel: 0.
    """
    limit = math.ceil(Fraction(target) * total) - 1  # the most seller cancellations still strictly below target
    return max(0, min(limit, total) - cancelled)


@attrs.frozen(kw_only=True)
class DayRate:
    """One UTC day of the window: orders counted, seller cancellations among them, and their rate.

    ``amazon_unpaid``, ``amazon_late_shipment`` and ``amazon_other`` count Amazon's own cancellations of the day's
    seller-fulfilled orders by ``AmazonCancelKind`` (the unpaid ones are in neither ``orders`` nor ``cancelled``).
    """

    day: date
    orders: int
    cancelled: int
    rate: Decimal
    amazon_unpaid: int = 0
    amazon_late_shipment: int = 0
    amazon_other: int = 0


@attrs.frozen(kw_only=True)
class Projection:
    """What the window's rate would be after ``additional`` more seller cancellations (see ``what_if``).

    Attributes:
        additional: the cancellations asked about.
        cancelled: seller cancellations after them.
        total: orders in the window after them (only grows when there are not enough orders to cancel).
        current_rate: the rate now.
        projected_rate: the rate after them.
        target: the target they are compared with.
        within_target: ``projected_rate < target``.
        headroom: how many could be cancelled instead while staying below the target.
    """

    additional: int
    cancelled: int
    total: int
    current_rate: Decimal
    projected_rate: Decimal
    target: Decimal
    within_target: bool
    headroom: int


@attrs.frozen(kw_only=True, repr=False)
class CancellationRateReport:
    """The seller's cancellation rate over a window, with the per-day breakdown and the room left.

    Attributes:
        rate: seller-cancelled / total, a fraction (``Decimal``; 0 when the window is empty).
        cancelled: seller-cancelled MFN orders purchased in the window.
        total: MFN orders purchased in the window (Pending ones and never-released ones excluded).
        target: the fraction to stay strictly below.
        status: ``GOOD`` below the target, ``BAD`` at or above it, ``NONE`` when the window has no order.
        window_start: inclusive start (UTC).
        window_end: exclusive end (UTC).
        by_day: one ``DayRate`` per UTC day the window touches, empty days included.
        headroom: more seller cancellations of existing orders the window can take and stay below the target.
        amazon_rate: Amazon's own figure, when compared (see ``compare_with_amazon``).
        amazon_target: Amazon's target for it.
        difference: ``rate - amazon_rate``.
        source: what the report was computed from (``"records"``, ``"all_orders_report"``...).
        unattributed: cancellations counted as the seller's because nobody said who cancelled them.
        amazon_unpaid: Amazon's cancellations of unpaid orders (``AmazonCancelKind.UNPAID``): in neither count.
        amazon_late_shipment: Amazon's late-shipment auto-cancels: in ``total``, and in ``cancelled`` when
            ``late_shipment_counts``.
        amazon_other: Amazon's other cancellations: in ``total`` and ``cancelled`` (the cautious reading).
        late_shipment_counts: the rule the figure was computed with (``cancellation_rate(late_shipment_counts=)``).
        requested_window_start: start of the window asked for (``window``/``end``), when computed from Amazon.
        requested_window_end: its end.
        amazon_window_start: start of Amazon's ``reportingDateRange``, when compared; the local figure is then
            computed over Amazon's window (``window_start``/``window_end`` equal it), not the one asked for.
        amazon_window_end: its exclusive end (``reportingDateTo`` plus its last minute).
    """

    rate: Decimal
    cancelled: int
    total: int
    target: Decimal
    status: RateStatus = attrs.field(converter=RateStatus)
    window_start: datetime
    window_end: datetime
    by_day: tuple[DayRate, ...]
    headroom: int
    amazon_rate: Decimal | None = None
    amazon_target: Decimal | None = None
    difference: Decimal | None = None
    source: str | None = None
    unattributed: int = 0
    requested_window_start: datetime | None = None
    requested_window_end: datetime | None = None
    amazon_window_start: datetime | None = None
    amazon_window_end: datetime | None = None
    amazon_unpaid: int = 0
    amazon_late_shipment: int = 0
    amazon_other: int = 0
    late_shipment_counts: bool = True

    @property
    def amazon_cancellations(self) -> dict[AmazonCancelKind, int]:
        """Amazon's own cancellations of the window's seller-fulfilled orders, by kind."""
        return {
            AmazonCancelKind.UNPAID: self.amazon_unpaid,
            AmazonCancelKind.LATE_SHIPMENT: self.amazon_late_shipment,
            AmazonCancelKind.OTHER: self.amazon_other,
        }

    def what_if(self, additional_cancellations: int) -> Projection:
        """Project the rate after ``additional_cancellations`` more seller cancellations (see ``what_if``)."""
        return what_if(self, additional_cancellations)

    def to_pandas(self) -> pd.DataFrame:
        """Return ``by_day`` as a DataFrame indexed by day (needs ``pip install 'sp-cancel[notebook]'``)."""
        return report_frame(self)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Plot the daily rate against the target line; return the Axes (needs the ``notebook`` extra)."""
        return plot_report(self, ax)

    def _repr_html_(self) -> str:

        return report_html(self)

    def __repr__(self) -> str:
        amazon = "" if self.amazon_rate is None else f", amazon_rate={self.amazon_rate:.2%}"
        return (
            f"CancellationRateReport(rate={self.rate:.2%}, cancelled={self.cancelled}, total={self.total}, "
            f"target={self.target:.2%}, status='{self.status}', headroom={self.headroom}, "
            f"window={self.window_start.isoformat()}..{self.window_end.isoformat()}{amazon})"
        )

    def __str__(self) -> str:
        lines = [
            (
                f"Cancellation rate {self.rate:.2%} ({self.cancelled} of {self.total} orders), "
                f"target < {self.target:.2%}: {self.status}"
            ),
            (
                f"Window {self.window_start:%Y-%m-%d %H:%M} to {self.window_end:%Y-%m-%d %H:%M} UTC; "
                f"{self.headroom} more seller cancellation(s) possible"
            ),
        ]
        if self.unattributed:
            lines.append(f"{self.unattributed} cancellation(s) counted as the seller's without attribution")
        if self.amazon_unpaid or self.amazon_late_shipment or self.amazon_other:
            lines.append(amazon_line(self))
        if self.amazon_rate is not None:
            lines.append(f"Amazon reports {self.amazon_rate:.2%} (difference {self.difference:+.2%})")
        if self.amazon_window_start is not None and self.amazon_window_end is not None:
            lines.append(
                f"Both figures over Amazon's window {self.amazon_window_start:%Y-%m-%d %H:%M} to "
                f"{self.amazon_window_end:%Y-%m-%d %H:%M} UTC"
                + (
                    f" (you asked for {self.requested_window_start:%Y-%m-%d %H:%M} to "
                    f"{self.requested_window_end:%Y-%m-%d %H:%M} UTC)"
                    if self.requested_window_start is not None and self.requested_window_end is not None
                    else ""
                )
            )
        return "\n".join(lines)


def amazon_line(report: CancellationRateReport) -> str:
    """One line on Amazon's own cancellations: how many of each kind, and which count."""
    late = "counted" if report.late_shipment_counts else "not counted"
    return (
        f"Amazon cancelled {report.amazon_unpaid} unpaid (not counted), {report.amazon_late_shipment} for late "
        f"shipment ({late}), {report.amazon_other} for other reasons (counted)"
    )


def what_if(report: CancellationRateReport, additional_cancellations: int) -> Projection:
    """Project ``report``'s rate after ``additional_cancellations`` more seller cancellations.

    They are assumed to be cancellations of orders already in the window (the numerator grows, the total does not);
    only when there are not enough uncancelled orders does the total grow with them. The batch guard uses this.

    Raises:
        InvalidInputError: ``additional_cancellations`` is negative or not an int.
    """
    if isinstance(additional_cancellations, bool) or not isinstance(additional_cancellations, int):
        raise InvalidInputError("additional_cancellations: an int", field="additional_cancellations")
    if additional_cancellations < 0:
        raise InvalidInputError("additional_cancellations: must be >= 0", field="additional_cancellations")
    cancelled = report.cancelled + additional_cancellations
    total = max(report.total, cancelled)
    projected = rate_of(cancelled, total)
    return Projection(
        additional=additional_cancellations,
        cancelled=cancelled,
        total=total,
        current_rate=report.rate,
        projected_rate=projected,
        target=report.target,
        within_target=projected < report.target,
        headroom=report.headroom,
    )


# --- the notebook view -----------------------------------------------------------------------------

_INSTALL = "pip install 'sp-cancel[notebook]'"


def _require(module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"{module} is needed for this; install it with: {_INSTALL}") from exc


def report_frame(report: CancellationRateReport) -> pd.DataFrame:
    """Return the report's ``by_day`` as a DataFrame indexed by ``day``.

    Columns: orders, cancelled, rate (float), target, and Amazon's own cancellations by kind: amazon_unpaid,
    amazon_late_shipment, amazon_other.
    """
    pandas = _require("pandas")
    frame: pd.DataFrame = pandas.DataFrame(
        {
            "day": [d.day for d in report.by_day],
            "orders": [d.orders for d in report.by_day],
            "cancelled": [d.cancelled for d in report.by_day],
            "rate": [float(d.rate) for d in report.by_day],
            "target": [float(report.target)] * len(report.by_day),
            "amazon_unpaid": [d.amazon_unpaid for d in report.by_day],
            "amazon_late_shipment": [d.amazon_late_shipment for d in report.by_day],
            "amazon_other": [d.amazon_other for d in report.by_day],
        }
    )
    return frame.set_index("day")


def plot_report(report: CancellationRateReport, ax: Axes | None = None) -> Axes:
    """Plot the daily rate (bars), the window's rate (solid line) and the target (dashed red); return the Axes.

    A new figure uses a constrained layout, so its rotated date labels, title and legend stay inside it
    when saved (``ax.figure.savefig("rate.png")``).
    """
    _require("matplotlib")
    pyplot = _require("matplotlib.pyplot")
    ticker = _require("matplotlib.ticker")
    if ax is None:
        _, ax = pyplot.subplots(figsize=(8, 4), layout="constrained")
    days = [d.day.isoformat() for d in report.by_day]
    ax.bar(days, [float(d.rate) for d in report.by_day], color="tab:blue", alpha=0.6, label="daily rate")
    ax.axhline(
        float(report.rate),
        color="tab:blue",
        linestyle="-",
        linewidth=2.0,
        label=f"observed over the window: {report.rate:.2%}",
    )
    ax.axhline(
        float(report.target),
        color="tab:red",
        linestyle=(0, (6, 3)),
        linewidth=1.5,
        label=f"Amazon's target: under {report.target:.2%}",
    )
    top = max([float(report.target), float(report.rate), *(float(d.rate) for d in report.by_day)])
    ax.set_ylim(0, top * 1.25 if top > 0 else 0.05)
    ax.yaxis.set_major_formatter(ticker.PercentFormatter(xmax=1.0))
    ax.set_ylabel("seller-cancelled / orders")
    ax.set_xlabel("day (UTC)")
    ax.set_title(f"Cancellation rate {report.rate:.2%} ({report.cancelled}/{report.total}): {report.status}")
    ax.tick_params(axis="x", labelrotation=45)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def report_html(report: CancellationRateReport) -> str:
    """Return a small HTML summary table (for Jupyter's ``_repr_html_``)."""
    rows: list[tuple[str, str]] = [
        ("Rate", f"{report.rate:.2%} ({report.cancelled} / {report.total})"),
        ("Target", f"&lt; {report.target:.2%}"),
        ("Status", html.escape(report.status)),
        ("Headroom", f"{report.headroom} more seller cancellation(s)"),
        (
            "Window (UTC)",
            f"{report.window_start:%Y-%m-%d %H:%M} &ndash; {report.window_end:%Y-%m-%d %H:%M}",
        ),
    ]
    if report.unattributed:
        rows.append(("Unattributed", f"{report.unattributed} counted as the seller's"))
    if report.amazon_unpaid or report.amazon_late_shipment or report.amazon_other:
        rows.append(("Amazon's cancels", html.escape(amazon_line(report))))
    if report.amazon_rate is not None:
        rows.append(("Amazon's rate", f"{report.amazon_rate:.2%} (difference {report.difference:+.2%})"))
    if report.source:
        rows.append(("Source", html.escape(report.source)))
    body = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>" for k, v in rows)
    days = "".join(
        f"<tr><td>{d.day.isoformat()}</td><td>{d.orders}</td><td>{d.cancelled}</td><td>{d.rate:.2%}</td></tr>"
        for d in report.by_day
    )
    return (
        f"<table><caption>Cancellation rate</caption>{body}</table>"
        f"<table><tr><th>Day</th><th>Orders</th><th>Cancelled</th><th>Rate</th></tr>{days}</table>"
    )
