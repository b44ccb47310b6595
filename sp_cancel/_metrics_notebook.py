"""Notebook helpers for :class:`~sp_cancel.metrics.CancellationRateReport`: DataFrame, plot, HTML.

pandas and matplotlib are the optional ``notebook`` extra; they are imported
here, lazily, and a missing one raises an :class:`ImportError` that says what to install.
"""

from __future__ import annotations

import html
import importlib
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from sp_cancel._metrics_result import CancellationRateReport

__all__ = ["plot_report", "report_frame", "report_html"]

_INSTALL = "pip install 'sp-cancel[notebook]'"


def _require(module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"{module} is needed for this; install it with: {_INSTALL}") from exc


def report_frame(report: CancellationRateReport) -> pd.DataFrame:
    """Return the report's ``by_day`` as a DataFrame: index ``day``, columns orders, cancelled, rate (float), target."""
    pandas = _require("pandas")
    frame: pd.DataFrame = pandas.DataFrame(
        {
            "day": [d.day for d in report.by_day],
            "orders": [d.orders for d in report.by_day],
            "cancelled": [d.cancelled for d in report.by_day],
            "rate": [float(d.rate) for d in report.by_day],
            "target": [float(report.target)] * len(report.by_day),
        }
    )
    return frame.set_index("day")


def plot_report(report: CancellationRateReport, ax: Axes | None = None) -> Axes:
    """Plot the daily rate (bars) against the target (dashed line) and the window's rate; return the Axes."""
    _require("matplotlib")
    pyplot = _require("matplotlib.pyplot")
    ticker = _require("matplotlib.ticker")
    if ax is None:
        _, ax = pyplot.subplots(figsize=(8, 3.5))
    days = [d.day.isoformat() for d in report.by_day]
    ax.bar(days, [float(d.rate) for d in report.by_day], color="tab:blue", label="daily rate")
    ax.axhline(float(report.target), color="tab:red", linestyle="--", label=f"target < {report.target:.2%}")
    ax.axhline(float(report.rate), color="tab:gray", linestyle=":", label=f"window {report.rate:.2%}")
    ax.yaxis.set_major_formatter(ticker.PercentFormatter(xmax=1.0))
    ax.set_ylabel("seller-cancelled / orders")
    ax.set_title(f"Cancellation rate {report.rate:.2%} ({report.cancelled}/{report.total}): {report.status}")
    ax.tick_params(axis="x", labelrotation=45)
    ax.legend(loc="upper left")
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
