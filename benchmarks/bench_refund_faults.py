"""What caution costs: one ``partial_refund`` whose ``createFeed`` meets one fault (issue 17).

Run: ``python benchmarks/bench_refund_faults.py`` (``--runs N``, default 7). Scenarios: no fault (the
reference), one 429 on ``createFeed`` (Amazon's usage-plan gate refused it before processing: sent again once the
bucket refills), one dropped ``createFeed`` answer (``drop_after_commit``: Amazon created the feed, the connection
closed before the answer) and one ``503_after_commit`` (created, then a 503). A lost answer on a refund is never
sent again on its own: the call answers ``UNCONFIRMED`` once it has looked for a while, and Amazon applies the one
feed it has.

Each run is a fresh in-process simulator at Amazon's real usage plans (``scale=1``, default ``Lags``), one shipped
order, and one cold client (token, order read, Finances read included): the seller's whole call. "Simulated" is
the client's fake clock (every rate-limiter wait, poll and search pause advances it): what a seller would wait
against Amazon. "Wall" and "CPU" are this process's real time and CPU time for the call. Calls are counted from
``sim.request_counts``; "refunded" is Amazon's ledger (``sim.refunded``) an hour after the call.
"""

from __future__ import annotations

import argparse
import logging
import platform
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import structlog

from sp_cancel import AdjustmentReason, Money
from sp_cancel.testing import Simulator

SCENARIOS: dict[str, str | None] = {
    "no fault": None,
    "one 429 on createFeed": "429",
    "one dropped createFeed answer": "drop_after_commit",
    "one 503 after createFeed": "503_after_commit",
}
REFUND = Money(amount="3.00", currency="USD")


@dataclass(frozen=True)
class Run:
    """One call: what it answered and what it cost."""

    status: str
    simulated_s: float
    wall_s: float
    cpu_s: float
    create_feed: int
    get_feeds: int
    refunded: Decimal


def once(fault: str | None, seed: int) -> Run:
    """One cold ``partial_refund`` with ``fault`` injected once on ``createFeed``."""
    sim = Simulator(seed=seed, scale=1.0, orders=0)
    order = sim.add_order(status="Shipped", items=[{"price": "20.00", "shipping": "4.00"}])
    client = sim.client()
    if fault is not None:
        sim.add_fault("feeds.createFeed", fault)
    clock = sim.client_clock
    simulated, wall, cpu = clock.monotonic(), time.perf_counter(), time.process_time()
    outcome = client.partial_refund(order.order_id, REFUND, reason=AdjustmentReason.CUSTOMER_RETURN)
    wall, cpu, simulated = time.perf_counter() - wall, time.process_time() - cpu, clock.monotonic() - simulated
    counts = sim.request_counts
    sim.advance(3600)  # Amazon processes whatever it has: the ledger shows what the call caused
    client.close()
    return Run(
        status=str(outcome.status),
        simulated_s=simulated,
        wall_s=wall,
        cpu_s=cpu,
        create_feed=counts.get("feeds.createFeed", 0),
        get_feeds=counts.get("feeds.getFeeds", 0),
        refunded=sum(sim.refunded(order.order_id).values(), Decimal(0)),
    )


def _spread(values: list[float], unit: str = "s", digits: int = 3) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    if high - low < 10 ** -(digits + 1):
        return f"{mid:.{digits}f} {unit}"
    return f"{mid:.{digits}f} {unit} ({low:.{digits}f}-{high:.{digits}f})"


def main() -> None:
    """Run every scenario ``--runs`` times and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="runs per scenario (default 7)")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    once(None, seed=0)  # warm-up: imports, first simulator
    print(
        f"Python {platform.python_version()}, {platform.machine()}, {args.runs} runs per scenario, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; median (min-max)\n"
    )
    print(
        "| scenario | answer | simulated time of the call | wall | CPU | createFeed calls | getFeeds calls "
        "| refunded (asked 3.00) |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, fault in SCENARIOS.items():
        runs = [once(fault, seed=seed) for seed in range(1, args.runs + 1)]
        answers = sorted({r.status for r in runs})
        print(
            f"| {name} | {', '.join(answers)} | {_spread([r.simulated_s for r in runs], digits=1)} "
            f"| {_spread([r.wall_s for r in runs])} | {_spread([r.cpu_s for r in runs])} "
            f"| {'/'.join(sorted({str(r.create_feed) for r in runs}))} "
            f"| {'/'.join(sorted({str(r.get_feeds) for r in runs}))} "
            f"| {', '.join(sorted({str(r.refunded) for r in runs}))} |"
        )


if __name__ == "__main__":
    main()
