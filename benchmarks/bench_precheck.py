"""The batch pre-check priced in plan time (issue 18 item 3): calls and plan time per operation, by batch size.

Run: ``python benchmarks/bench_precheck.py`` (``--sizes 10 100 1000 10000`` is the default; ``--compare 1000``
sets the batch size of the Orders v0 ``"auto"``/``"never"`` comparison, ``--no-compare`` leaves it out;
``--search-spent`` spends ``searchOrders``' burst before each batch, as a seller's other processes would, so each
of the batch's ``searchOrders`` calls waits 179 s for the usage plan).

For each size N, a seller with ``max(2.2 N, 3000)`` unshipped one-item MFN orders placed over the last 30 days
cancels N of them spread over the month (the first batch), then N others right after with the same client (the
second batch: the usage-plan bursts are already spent). Everything runs in-process against the simulator at
Amazon's usage plans (``scale=1``) on its FakeClock: "simulated" is the time a seller would wait, rate-limiter
waits and feed polls included. "Plan time" is ``calls / rate`` per operation: what the batch consumed of each
usage plan, burst or not (a burst spent is capacity the seller's other processes no longer have). The reads
counted are the pre-check's (``getOrder`` per order, or the Unshipped Orders report and one ``searchOrders`` past
the break-even size) and ``finish``'s check for orders shipped while the feed waited (``getOrder`` per order up
to 89 orders, else one ``searchOrders``).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog

from sp_cancel import CancelReason, CancelRequest
from sp_cancel._operations import OPERATIONS
from sp_cancel.testing import Lags, Scenario, Simulator

SEED = 18
READS = (
    "orders.getOrder",
    "orders.searchOrders",
    "ordersV0.getOrders",
    "ordersV0.getOrder",
    "ordersV0.getOrderItems",
    "reports.createReport",
    "reports.getReport",
    "reports.getReportDocument",
)
FEED = ("feeds.createFeedDocument", "feeds.createFeed", "feeds.getFeed", "feeds.getFeedDocument")


def seller(open_orders: int, *, v0: str, report_seconds: float = 40.0) -> tuple[Simulator, list[str]]:
    """A seller with ``open_orders`` one-item unshipped MFN orders spread over 30 days, in a shuffled order.

    Every lag is 0 but the reports': ``report_seconds`` from ``createReport`` to ``DONE`` (a quarter queued) and
    the reporting copy's 30 minutes of staleness (Amazon: order reports "lag by about 30 min").
    """
    lags = dataclasses.replace(
        Lags.none(),
        report_queue=report_seconds / 4,
        report_processing=report_seconds * 3 / 4,
        report_data=Lags().report_data,
    )
    sim = Simulator(
        seed=SEED,
        scenario=Scenario(orders=0, listings=0, mcf_orders=False, deals=False),
        lags=lags,
        orders_v0=v0,  # type: ignore[arg-type]
    )
    now = sim.now()
    ids = [
        sim.add_order(
            items=[{"quantity": 1}], purchase_date=now - timedelta(days=30) + timedelta(days=30) * n / open_orders
        ).order_id
        for n in range(open_orders)
    ]
    return sim, ids


def delta(after: Mapping[str, int], before: Mapping[str, int]) -> dict[str, int]:
    """Requests per operation between two snapshots."""
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}


@dataclass(frozen=True)
class Result:
    """One batch: requests per operation, plan time per read operation, simulated and real seconds."""

    calls: dict[str, int]
    plan: dict[str, float]
    simulated: float
    wall: float


def spend_search_burst(client: Any) -> None:
    """Take every token of ``searchOrders``' burst, as the seller's other processes would (a watcher polling it).

    The batch's ``searchOrders`` calls then wait for the usage plan: 179 s each.
    """
    api = client._api  # noqa: SLF001 - the client's own bucket, which no public call empties without calling
    op = OPERATIONS["orders.searchOrders"]
    for _ in range(op.burst):
        api._limiter.acquire(api._limit_scope(op), op)  # noqa: SLF001 - as above


def run_batch(sim: Simulator, client: Any, ids: list[str], *, search_spent: bool = False) -> Result:
    """Cancel ``ids`` in one batch; the calls, plan time per read operation and the simulated time it took."""
    before = sim.request_counts
    clock = sim.client_clock
    if search_spent:
        spend_search_burst(client)  # before the clock starts: its waits are the batch's
    started, wall = clock.monotonic(), time.perf_counter()
    batch = client.cancel_orders(
        [CancelRequest(order_id=i, reason=CancelReason.NO_INVENTORY) for i in ids], wait=True, timeout=86_400
    )
    if batch.counts != {"CANCELLED": len(ids)}:
        raise SystemExit(f"the batch did not cancel every order: {batch.counts}")
    calls = delta(sim.request_counts, before)
    plan = {op: calls[op] / OPERATIONS[op].rate for op in READS if calls.get(op)}
    return Result(calls=calls, plan=plan, simulated=clock.monotonic() - started, wall=time.perf_counter() - wall)


def spread(ids: list[str], count: int, offset: int) -> list[str]:
    """``count`` ids taken evenly over the whole list, starting at ``offset``."""
    step = len(ids) // count
    return [ids[offset + n * step] for n in range(count)]


def minutes(seconds: float) -> str:
    """``1,234 s (20.6 min)``."""
    return f"{seconds:,.0f} s ({seconds / 60:.1f} min)"


def row(size: int, which: str, result: Result) -> str:
    """One Markdown table row."""
    calls, plan = result.calls, result.plan
    reads = " + ".join(f"{calls[op]:,} {op.split('.')[-1]}" for op in READS if calls.get(op)) or "none"
    plan_text = " + ".join(f"{seconds:,.0f} s {op.split('.')[-1]}" for op, seconds in plan.items())
    feed = sum(calls.get(op, 0) for op in FEED)
    return (
        f"| {size:,} | {which} | {reads} | {plan_text} | {sum(plan.values()) / size:.2f} s | {feed} |"
        f" {minutes(result.simulated)} | {result.wall:.1f} s |"
    )


def main() -> None:
    """Print the tables of benchmarks/README.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1_000, 10_000])
    parser.add_argument("--compare", type=int, default=1_000)
    parser.add_argument(
        "--report-seconds",
        type=float,
        default=40.0,
        help="a report's time from createReport to DONE (the simulator's default: 10 s queued, 30 s processing)",
    )
    parser.add_argument(
        "--search-spent",
        action="store_true",
        help="spend searchOrders' burst before each batch (the seller's other processes use it): 179 s a call",
    )
    parser.add_argument("--no-compare", action="store_true", help="leave out the Orders v0 comparison")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))

    print(
        "| orders | batch | pre-check reads | plan time per read operation | plan time per order | feed calls |"
        " simulated | wall |"
    )
    print("| ---: | --- | --- | --- | ---: | ---: | ---: | ---: |")
    for size in args.sizes:
        sim, ids = seller(max(3_000, int(size * 2.2)), v0="served", report_seconds=args.report_seconds)
        client = sim.client()
        first = run_batch(sim, client, spread(ids, size, 0), search_spent=args.search_spent)
        print(row(size, "first", first), flush=True)
        second = run_batch(sim, client, spread(ids, size, 1), search_spent=args.search_spent)
        print(row(size, "second, right after", second), flush=True)

    if args.no_compare:
        return
    print(
        f'\nOrders v0 served and orders_v0="auto" versus v0 retired and orders_v0="never" ({args.compare:,} orders):\n'
    )
    print(
        "| orders | mode | pre-check reads | plan time per read operation | plan time per order | feed calls |"
        " simulated | wall |"
    )
    print("| ---: | --- | --- | --- | ---: | ---: | ---: | ---: |")
    for v0, mode in (("served", "auto"), ("retired", "never")):
        sim, ids = seller(max(3_000, int(args.compare * 2.2)), v0=v0, report_seconds=args.report_seconds)
        result = run_batch(sim, sim.client(orders_v0=mode), spread(ids, args.compare, 0))
        print(row(args.compare, f'v0 {v0}, "{mode}"', result), flush=True)


if __name__ == "__main__":
    main()
