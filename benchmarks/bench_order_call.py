"""What one ``client.order(id)`` costs next to python-amazon-sp-api's ``get_order`` (issue 20, typed transport).

Run from the repository root::

    python benchmarks/bench_order_call.py                 # 40 rounds of 150 calls per client
    python benchmarks/bench_order_call.py --rounds 3 --calls 300 --profile   # and where our time goes

The simulator is served over real HTTP on 127.0.0.1 from a **child process** (``Simulator.serve()``, the real
clock, usage plans x 1,000,000 so it never answers 429), so this process's CPU time is the clients' alone. One
seller-fulfilled, unshipped order with two items is read again and again:

- ``sp_cancel``: ``SellerClient.order(order_id)`` (Orders 2026-01-01 ``getOrder`` with ``FULFILLMENT``,
  ``PROCEEDS``, ``CANCELLATION``; an unshipped order needs no Finances call), with the shipped
  ``InMemoryRateLimiter`` given a plan that never binds (its bookkeeping still runs on every call), the default
  retry policy and an in-memory journal: the typed ``Order`` a user gets.
- ``python-amazon-sp-api``: ``Orders(version="2026-01-01").get_order(order_id, includedData=[...the same...])``
  on its own HTTP stack and LWA client, pointed at the same server: the ``ApiResponse`` with a dict payload.

Both clients were warmed up (token exchanged) before timing; the simulator's server closes the connection
after each answer, so both connect once per call. Within a round the two clients take turns call by call
(ours-theirs, theirs-ours...), so load from other jobs on the shared machine hits both alike. Each call is
timed alone: wall (``time.perf_counter``) and this thread's CPU time (``time.thread_time``; the process runs
no other thread). The table gives, per call, the best round (the least disturbed by other jobs: ``timeit``'s
convention) and the median round, and the ratios sp_cancel / python-amazon-sp-api.
The script exits non-zero if the two clients disagree about the order (id, status, item ids).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import os
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

INCLUDED = ["FULFILLMENT", "PROCEEDS", "CANCELLATION"]
SCALE = 1_000_000.0  # the simulator's usage plans times this: it never throttles


def _serve(conn: Any) -> None:
    """Child process: serve a simulator with one order until the parent says stop."""
    from sp_cancel.clock import SystemClock  # noqa: PLC0415 - imported in the child only
    from sp_cancel.testing import Simulator  # noqa: PLC0415

    sim = Simulator(seed=20, orders=0, clock=SystemClock(), scale=SCALE)
    order = sim.add_order(status="Unshipped", channel="MFN", items=2)
    with sim.serve() as base_url:
        conn.send((base_url, order.order_id, sim.seller_id, sim.marketplace_id))
        conn.recv()  # wait for "stop"


def _sp_cancel(base_url: str, seller_id: str, marketplace_id: str) -> tuple[Any, Callable[[str], Any]]:
    from sp_cancel import Credentials, InMemoryRateLimiter, SellerClient  # noqa: PLC0415
    from sp_cancel.clock import SystemClock  # noqa: PLC0415
    from sp_cancel.testing import SimulatorCredentials  # noqa: PLC0415

    secrets = SimulatorCredentials()
    never_binds = {"orders.getOrder": (1_000_000.0, 1_000_000)}
    client = SellerClient(
        credentials=Credentials(
            refresh_token=secrets.refresh_token, client_id=secrets.client_id, client_secret=secrets.client_secret
        ),
        seller_id=seller_id,
        marketplace=marketplace_id,
        endpoint=base_url,
        token_url=base_url + "/auth/o2/token",
        journal=":memory:",
        rate_limiter=InMemoryRateLimiter(clock=SystemClock(), sleep=time.sleep, rate_overrides=never_binds),
    )
    return client, client.order


def _python_amazon_sp_api(base_url: str, marketplace_id: str) -> tuple[Any, Callable[[str], Any]]:
    from sp_api.api import Orders  # noqa: PLC0415

    from sp_cancel import Credentials  # noqa: PLC0415
    from sp_cancel.testing import SimulatorCredentials  # noqa: PLC0415
    from sp_cancel.transport import sp_api_client  # noqa: PLC0415

    secrets = SimulatorCredentials()
    # Only sp_api's endpoint and LWA token URL are set (its own HTTP stack, LWA client and token cache do the rest).
    orders = sp_api_client(
        Orders,
        credentials=Credentials(
            refresh_token=secrets.refresh_token, client_id=secrets.client_id, client_secret=secrets.client_secret
        ),
        marketplace_id=marketplace_id,
        endpoint=base_url,
        token_url=base_url + "/auth/o2/token",
        version="2026-01-01",
    )

    def get_order(order_id: str) -> Any:
        return orders.get_order(order_id, includedData=INCLUDED)

    return orders, get_order


def _round(
    calls: tuple[Callable[[str], Any], Callable[[str], Any]], order_id: str, pairs: int
) -> list[tuple[float, float]]:
    """``pairs`` calls of each client, alternating call by call; per client the mean wall and CPU seconds per call."""
    wall, cpu = [0.0, 0.0], [0.0, 0.0]
    for n in range(pairs):
        for index in (0, 1) if n % 2 == 0 else (1, 0):
            w0, c0 = time.perf_counter(), time.thread_time()
            calls[index](order_id)
            cpu[index] += time.thread_time() - c0
            wall[index] += time.perf_counter() - w0
    return [(wall[i] / pairs, cpu[i] / pairs) for i in (0, 1)]


def _same_order(ours: Any, theirs: Any) -> bool:
    payload = theirs.payload["order"]
    return (
        ours.order_id == payload["orderId"]
        and ours.status.value == payload["fulfillment"]["fulfillmentStatus"]
        and [i.order_item_id for i in ours.items] == [i["orderItemId"] for i in payload["orderItems"]]
    )


def _profile(call: Callable[[str], Any], order_id: str, calls: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        call(order_id)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--calls", type=int, default=150, help="calls per client per round")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions of sp_cancel's call")
    args = parser.parse_args()

    parent, child = multiprocessing.get_context("spawn").Pipe()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(child,), daemon=True)
    server.start()
    try:
        base_url, order_id, seller_id, marketplace_id = parent.recv()
        ours, order = _sp_cancel(base_url, seller_id, marketplace_id)
        _theirs, get_order = _python_amazon_sp_api(base_url, marketplace_id)
        for _ in range(args.warmup):
            first, second = order(order_id), get_order(order_id)
        if not _same_order(first, second):
            print("the two clients disagree about the order", file=sys.stderr)
            return 1
        rows: dict[str, list[tuple[float, float]]] = {"sp_cancel": [], "python-amazon-sp-api": []}
        for _ in range(args.rounds):
            ours_round, theirs_round = _round((order, get_order), order_id, args.calls)
            rows["sp_cancel"].append(ours_round)
            rows["python-amazon-sp-api"].append(theirs_round)
        if args.profile:
            print(_profile(order, order_id, args.calls))
        ours.close()
    finally:
        parent.send("stop")
        server.join(timeout=10)
    figures = {
        name: (
            min(w for w, _ in values),
            min(c for _, c in values),
            statistics.median(w for w, _ in values),
            statistics.median(c for _, c in values),
        )
        for name, values in rows.items()
    }
    print(
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}, {args.rounds} rounds x {args.calls} calls, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
    )
    print("| client | best wall (ms) | best CPU (ms) | median wall (ms) | median CPU (ms) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in figures.items():
        print(f"| {name} | " + " | ".join(f"{v * 1000:.3f}" for v in values) + " |")
    ours, theirs = figures["sp_cancel"], figures["python-amazon-sp-api"]
    print(
        "| sp_cancel / python-amazon-sp-api | "
        + " | ".join(f"{a / b:.2f}x" for a, b in zip(ours, theirs, strict=True))
        + " |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
