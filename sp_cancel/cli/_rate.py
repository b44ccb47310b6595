"""``sp-cancel rate``: the cancellation rate, optionally beside Amazon's own figure."""

from __future__ import annotations

import argparse
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any, Final

from sp_cancel.cli._inputs import add_client_options, make_client
from sp_cancel.cli._output import Output, jsonable
from sp_cancel.errors import CancellationRateError
from sp_cancel.models import CancelReason, CancelRequest

if TYPE_CHECKING:
    from sp_cancel.cli._story import DemoStory
    from sp_cancel.client import SellerClient
    from sp_cancel.metrics import CancellationRateReport
    from sp_cancel.testing import Simulator

__all__ = ["as_json", "demo_section", "fraction", "register"]


def register(subparsers: Any) -> None:
    """Add ``rate``."""
    rate = subparsers.add_parser("rate", help="the seller-cancelled rate of seller-fulfilled orders (target < 2.5 %%)")
    rate.add_argument("--days", type=_days, default=7.0, help="window length in days (default 7, Amazon's)")
    rate.add_argument(
        "--source",
        choices=["auto", "orders", "report"],
        default="auto",
        help="where the orders come from: orders (Orders API), report (the All Orders report, for large "
        "sellers; takes minutes), auto (default: orders, the report past a few thousand orders)",
    )
    rate.add_argument("--compare", action="store_true", help="also request Amazon's seller performance report")
    rate.add_argument(
        "--late-shipment-not-counted",
        dest="late_shipment_counts",
        action="store_false",
        help="leave Amazon's late-shipment auto-cancels out of the seller-cancelled count (sellers report that "
        "Amazon counts them, so by default they count); they are listed apart either way",
    )
    add_client_options(rate)
    rate.set_defaults(run=_rate)


def _days(text: str) -> float:
    """``--days``: a positive number of days (argparse turns the ValueError into a usage error, exit 2)."""
    days = float(text)
    if not 0 < days <= 3650:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"--days must be a positive number of days, got {text}")
    return days


# Every rate, target and difference in --json: a fraction written with six decimals ("0.030303" is 3.03 %),
# whether it was computed here (an exact Decimal) or read from Amazon's report (a float).
_RATE_FIELDS: Final = ("rate", "target", "amazon_rate", "amazon_target", "difference")
_SIX_PLACES: Final = Decimal("0.000001")


def fraction(value: Decimal | None) -> str | None:
    """A rate as JSON writes it: a fraction with six decimals, ``None`` stays ``None``."""
    return None if value is None else str(Decimal(value).quantize(_SIX_PLACES, rounding=ROUND_HALF_EVEN))


def as_json(report: CancellationRateReport) -> dict[str, Any]:
    """The report as JSON-ready values (rates as six-decimal fraction strings, days and times in ISO 8601)."""
    data: dict[str, Any] = jsonable(report)
    for name in _RATE_FIELDS:
        data[name] = fraction(getattr(report, name))
    data["by_day"] = [
        {
            "day": d.day.isoformat(),
            "orders": d.orders,
            "cancelled": d.cancelled,
            "rate": fraction(d.rate),
            "amazon_unpaid": d.amazon_unpaid,
            "amazon_late_shipment": d.amazon_late_shipment,
            "amazon_other": d.amazon_other,
        }
        for d in report.by_day
    ]
    return data


def show(out: Output, report: CancellationRateReport) -> None:
    """Print a report: the headline, then the days."""
    out.line(str(report))
    out.line(f"source: {report.source}")
    out.table(
        [(d.day, d.orders, d.cancelled, f"{d.rate:.2%}") for d in report.by_day], ["day", "orders", "cancelled", "rate"]
    )


def _rate(args: argparse.Namespace, out: Output) -> int:
    waiting = "reading orders and Amazon's seller performance report" if args.compare else "reading orders"
    with make_client(args) as client, out.activity(waiting, expected=300.0 if args.compare else None):
        report = client.cancellation_rate(
            window=timedelta(days=args.days),
            source=args.source,
            compare_with_amazon=args.compare,
            late_shipment_counts=args.late_shipment_counts,
        )
    show(out, report)
    out.json(as_json(report))
    return 0


def demo_section(client: SellerClient, sim: Simulator, story: DemoStory) -> None:
    """The demo's cancellation-rate part: local figure, Amazon's figure, and the batch guard."""
    out = story.out
    story.section("Cancellation rate after the demo's cancellations, beside Amazon's own figure")
    report = client.cancellation_rate(compare_with_amazon=True)
    show(out, report)
    out.line("The demo cancelled many orders on purpose: a real seller would stay well under the target.")
    unshipped = sorted(
        o.order_id
        for o in sim.world.orders.values()
        if o.status == "Unshipped"
        and o.fulfillment_channel == "MFN"
        and o.marketplace_id == sim.marketplace_id
        and o.buyer_requested_at is None
    )
    if unshipped:
        limit = float(report.target)
        requests = [CancelRequest(order_id=o, reason=CancelReason.NO_INVENTORY) for o in unshipped]
        out.line(
            f"report.what_if({len(requests)}), over the same window: "
            f"{report.what_if(len(requests)).projected_rate:.2%} after {len(requests)} more seller cancellations."
        )
        try:
            batch = client.cancel_orders(requests, max_rate=limit)
        except CancellationRateError as exc:
            out.line(
                f"So max_rate={limit} guards the next batch: cancel_orders({len(requests)} orders) is refused and "
                "nothing is sent. The guard checks the 7 days up to this moment, not the day-aligned window of "
                f"Amazon's report above, so its figures differ: {exc}"
            )
        else:
            sent = len(batch) - len(batch.refused)
            out.line(f"cancel_orders({len(requests)} orders, max_rate={limit}) allowed: {sent} sent")
