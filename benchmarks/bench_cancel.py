"""Cancelling 1,000 orders: one ``cancel_orders`` batch versus 1,000 ``cancel_order(via="orders_api")`` calls.

Run: ``.venv/bin/python benchmarks/bench_cancel.py`` (add ``--per-order-feeds`` for the slow third row).
The batch runs for a seller whose 1,000 open orders are the batch, and for one with 50,000 open orders
over the last 30 days of which the batch is the 1,000 placed in the last two hours. "Waiting" is the
simulated time from ``createFeed`` to the poll that saw the feed finish, as a share of the whole call.

Everything runs in-process against the simulator at Amazon's real usage plans (``scale=1``). The simulator's
FakeClock gives the simulated wall time: every rate-limiter wait and every poll interval advances it, so it is
the time a seller would wait against Amazon (feed processing time is the simulator's model: 20 s in queue,
then 30 s + 10 ms per message). API calls are counted by operation from ``sim.request_counts``.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

import structlog

from sp_cancel import CancelReason, CancelRequest
from sp_cancel.testing import Simulator

ORDERS = 1_000
SEED = 7
# The targets for the batch.
MAX_CALLS = 10
LARGE_SELLER = 50_000
MIN_SPEEDUP = 100

SUBMISSION = (
    "feeds.createFeedDocument",
    "document.upload",
    "feeds.createFeed",
    "feeds.getFeedDocument",
    "document.download",
)
POLLS = ("feeds.getFeed",)
CANCEL_API = ("orders.cancelOrder",)
# S3 transfers of the feed documents are not SP-API operations (no usage plan).
NOT_SP_API = frozenset({"document.upload", "document.download", "lwa.token"})


def world(count: int, open_orders: int = ORDERS) -> tuple[Simulator, list[str]]:
    """A seller with ``open_orders`` unshipped one-item MFN orders; the batch: the ``count`` of the last 2 hours.

    The others (``open_orders - count``) were placed over the 30 days before.
    """
    sim = Simulator(seed=SEED, scale=1.0, orders=0)
    start = sim.now()
    older = open_orders - count
    for n in range(older):
        sim.add_order(
            items=[{"quantity": 1}], purchase_date=start - timedelta(days=30) + timedelta(days=30) * n / older
        )
    ids = [
        sim.add_order(items=[{"quantity": 1}], purchase_date=start - timedelta(minutes=120 - n * 0.1)).order_id
        for n in range(count)
    ]
    return sim, ids


@dataclass(frozen=True)
class Result:
    """What one scenario cost."""

    name: str
    cancelled: int
    counts: Mapping[str, int]
    simulated_s: float
    real_s: float
    waiting_s: float = 0.0


def run(name: str, work: Callable[[Simulator, list[str]], int], open_orders: int = ORDERS) -> Result:
    """Run ``work`` on a fresh world; return its counts, simulated and real time, and the feed waiting time."""
    sim, ids = world(ORDERS, open_orders)
    marks: list[tuple[str, float]] = []
    sim.observe(lambda ex: marks.append((ex.operation, sim.clock.monotonic())))
    before = sim.now()
    real = time.perf_counter()
    cancelled = work(sim, ids)
    real = time.perf_counter() - real
    created = [t for op, t in marks if op == "feeds.createFeed"]
    polled = [t for op, t in marks if op == "feeds.getFeed"]
    waiting = (max(polled) - min(created)) if created and polled else 0.0
    return Result(name, cancelled, sim.request_counts, (sim.now() - before).total_seconds(), real, waiting)


def batch(sim: Simulator, ids: list[str]) -> int:
    """One cancel_orders call for every order."""
    outcome = sim.client().cancel_orders([CancelRequest(order_id=o, reason=CancelReason.NO_INVENTORY) for o in ids])
    return len(outcome.succeeded)


def orders_api(sim: Simulator, ids: list[str]) -> int:
    """One cancel_order(via="orders_api") call per order."""
    client = sim.client()
    return sum(client.cancel_order(o, CancelReason.NO_INVENTORY, via="orders_api").ok for o in ids)


def per_order_feeds(sim: Simulator, ids: list[str]) -> int:
    """One cancel_order (one acknowledgement feed) per order: what not batching costs."""
    client = sim.client()
    return sum(client.cancel_order(o, CancelReason.NO_INVENTORY).ok for o in ids)


def total(counts: Mapping[str, int], keys: tuple[str, ...]) -> int:
    """Sum of the counts of ``keys``."""
    return sum(counts.get(k, 0) for k in keys)


def duration(seconds: float) -> str:
    """Seconds as ``1 h 05 min`` / ``4 min 10 s``."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def main() -> None:
    """Run the scenarios and print markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-order-feeds", action="store_true", help="also run 1,000 single-order feed cancels")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

    rows = [
        run("`cancel_orders` (one batch), 1,000 open orders", batch),
        run('1,000 x `cancel_order(via="orders_api")`', orders_api),
        run("`cancel_orders` (one batch), 50,000 open orders", batch, open_orders=LARGE_SELLER),
    ]
    if args.per_order_feeds:
        rows.append(run("1,000 x `cancel_order` (one feed each)", per_order_feeds))

    print(f"{ORDERS:,} unshipped MFN orders, simulator scale 1 (Amazon's usage plans), seed {SEED}\n")
    print(
        "| scenario | cancelled | getOrders (v0) | searchOrders | getOrder | submission path | getFeed polls "
        "| cancelOrder | SP-API calls | all HTTP calls | simulated wall time | waiting on the feed | real time |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        counts = row.counts
        sp_api = sum(v for k, v in counts.items() if k not in NOT_SP_API)
        share = row.waiting_s / row.simulated_s if row.simulated_s else 0.0
        print(
            f"| {row.name} | {row.cancelled} | {counts.get('ordersV0.getOrders', 0)} "
            f"| {counts.get('orders.searchOrders', 0)} "
            f"| {counts.get('orders.getOrder', 0)} | {total(counts, SUBMISSION)} "
            f"| {total(counts, POLLS)} | {total(counts, CANCEL_API)} | {sp_api} | {sum(counts.values())} "
            f"| {duration(row.simulated_s)} ({row.simulated_s:,.0f} s) "
            f"| {row.waiting_s:,.0f} s ({share:.0%}) | {row.real_s:.1f} s |"
        )
    print("\nCalls by operation:\n")
    names = sorted({k for row in rows for k in row.counts})
    print("| operation | " + " | ".join(r.name for r in rows) + " |")
    print("| --- |" + " ---: |" * len(rows))
    for name in names:
        print(f"| `{name}` | " + " | ".join(str(r.counts.get(name, 0)) for r in rows) + " |")

    first, second = rows[0], rows[1]
    besides_polls = sum(v for k, v in first.counts.items() if k not in POLLS and k != "lwa.token")
    submission = total(first.counts, SUBMISSION)
    speedup = second.simulated_s / first.simulated_s
    print("\nTargets for the batch:\n")
    print(
        f"- calls besides status polls (and the token): {besides_polls} "
        f"({'meets' if besides_polls <= MAX_CALLS else 'MISSES'} <= {MAX_CALLS}); "
        f"submission path alone: {submission} ({'meets' if submission <= MAX_CALLS else 'MISSES'} <= {MAX_CALLS})"
    )
    print(
        f"- speed-up over the Orders API route (simulated wall time): {speedup:.1f}x "
        f"({'meets' if speedup >= MIN_SPEEDUP else 'MISSES'} >= {MIN_SPEEDUP}x)"
    )


if __name__ == "__main__":
    main()
