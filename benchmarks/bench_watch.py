"""The watch: latency from a buyer's request to the cancel feed (p50/p95), and notifications handled per second.

Run: ``python benchmarks/bench_watch.py [--requests 200] [--hours 2]``.

In-process against the simulator at Amazon's real usage plans (``scale=1``), on its FakeClock: buyer requests
arrive uniformly over ``--hours``; each notification reaches the queue 5-120 s after the request (Amazon
documents no delivery delay: an assumption), is delivered 1-10 times, and 10 % never arrive (the sweep, every
900 s, catches them). One watch process handles the messages in arrival order; every rate-limiter wait passes on
the simulated clock, so the latency is what a seller would see against Amazon. Latency is measured from the
request to the watch's decision, which for an accept is journaled right after ``createFeed`` answered
(``wait=False``). Each receive takes every message already in the queue (up to SQS's 10) and decides them
together, their accepts in one feed, as ``Watch.poll`` does. Throughput is real time: notifications (duplicates
included) handled per second of this process's wall time, SP-API calls in process (no HTTP, no SQS: an upper
bound for the watch's own work).
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import structlog

from sp_cancel.testing import Simulator
from sp_cancel.watch import Watch, decisions, event_from_message

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from order_change import APPLICATION_ID, body, order_change  # the tests' Amazon-shaped ORDER_CHANGE builder

SEED = 19
SWEEP_EVERY = 900.0


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:  # noqa: PLR0915 - one scenario, told in order
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--hours", type=float, default=2.0)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))

    rng = random.Random(SEED)
    sim = Simulator(seed=SEED, orders=0)
    client = sim.client()
    watch = Watch(client, clock=sim.client_clock, sleep=sim.advance, sweep_every=SWEEP_EVERY)
    watch.sweep()  # the cursor starts now
    start = sim.client_clock.monotonic()
    span = args.hours * 3600
    arrivals = sorted(rng.uniform(0, span) for _ in range(args.requests))

    events = [(at, index) for index, at in enumerate(arrivals)]  # requests, made as time passes
    orders: dict[int, str] = {}
    deliveries: list[tuple[float, int]] = []
    handled_messages = 0
    handle_seconds = 0.0
    next_sweep = start + SWEEP_EVERY
    cursor = 0
    while cursor < len(events) or deliveries:
        now = sim.client_clock.monotonic() - start
        due_request = events[cursor][0] if cursor < len(events) else float("inf")
        due_delivery = deliveries[0][0] if deliveries else float("inf")
        due_sweep = next_sweep - start
        upcoming = min(due_request, due_delivery, due_sweep)
        if upcoming > now:
            sim.advance(upcoming - now)
        if upcoming == due_sweep:
            watch.sweep()
            next_sweep += SWEEP_EVERY
        elif upcoming == due_request:
            _, index = events[cursor]
            cursor += 1
            # The simulator dates a seeded request an hour after the purchase: the buyer asks now.
            bought = sim.now() - timedelta(hours=1)
            orders[index] = sim.add_order(buyer_requested_cancel=True, purchase_date=bought).order_id
            if rng.random() >= 0.10:  # 10 % are never delivered
                delay = rng.uniform(5, 120)
                copies = rng.randint(1, 10)
                deliveries.extend((due_request + delay + rng.uniform(0, 30), index) for _ in range(copies))
                deliveries.sort()
        else:
            # One receive: every message already in the queue, up to SQS's batch of 10, decided together.
            now = sim.client_clock.monotonic() - start
            batch = []
            while deliveries and deliveries[0][0] <= now and len(batch) < 10:
                batch.append(deliveries.pop(0)[1])
            read = [
                event_from_message(body(order_change(sim, orders[i])), application_id=APPLICATION_ID) for i in batch
            ]
            began = time.perf_counter()
            watch.handle_many([e for e in read if e is not None])
            handle_seconds += time.perf_counter() - began
            handled_messages += len(batch)
        if cursor >= len(events) and not deliveries:
            sim.advance(SWEEP_EVERY)
            watch.sweep()

    made = decisions(client.journal, sim.seller_id)
    lags = [d.lag.total_seconds() for d in made if d.lag is not None]
    by_sweep = sum(d.source == "sweep" for d in made)
    print(
        "| requests | decisions | by the sweep | latency p50 (s) | latency p95 (s) | max (s) | "
        "notifications handled | per second (one process) | createFeed calls |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {args.requests} | {len(made)} | {by_sweep} | {statistics.median(lags):.0f} | {_quantile(lags, 0.95):.0f} "
        f"| {max(lags):.0f} | {handled_messages} | {handled_messages / handle_seconds:.0f} "
        f"| {sim.request_counts.get('feeds.createFeed', 0)} |"
    )


if __name__ == "__main__":
    main()
