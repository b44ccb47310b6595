"""Benchmark the rate limiter in steady state: 429s drawn and share of the usage plan used (issue 11 item 7).

Run from the repository root (a Redis for the multi-process rows: ``redis-server --port 6399 --save ''``)::

    .venv/bin/python benchmarks/bench_limiter.py --redis-url redis://127.0.0.1:6399/15
    .venv/bin/python benchmarks/bench_limiter.py --rounds 1 --scale 10      # a quicker look, no Redis rows

Real time, real HTTP: the simulator is served on 127.0.0.1 with the real clock and Amazon's usage plans
times ``--scale`` (getOrder: 0.5 requests/s x scale, burst 30). Each row sends 200 ``getOrder`` calls:

- ``in-memory, 8 threads``: one client (the default ``InMemoryRateLimiter``) shared by 8 threads;
- ``redis, 4 processes x 2 threads``: four processes, one client each, one ``RedisRateLimiter``.

Each row runs with the shipped safety margin and with ``margin=0`` (the old arithmetic). ``--first-delay``
holds the first getOrder that many seconds before the simulator serves it (a cold connection or TLS
handshake, which loopback HTTP does not have): the condition under which the old arithmetic draws a 429. The simulator
counts every answer; "plan use" is the answered calls divided by what Amazon's bucket allowed between the
first request's arrival and the last answered one's (burst + rate x elapsed). Calls that draw a 429 are
retried by the default retry policy, so every row ends with 200 answers.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import threading
import time
import uuid
from typing import Any

from sp_cancel import Credentials, SellerClient
from sp_cancel.clock import SystemClock
from sp_cancel.ratelimit import DEFAULT_MARGIN, InMemoryRateLimiter, RateLimiter, RedisRateLimiter
from sp_cancel.testing import Exchange, Simulator, SimulatorCredentials

CALLS = 200
RATE, BURST = 0.5, 30  # orders.getOrder's usage plan before scaling


def _client(base_url: str, limiter: RateLimiter | None) -> SellerClient:
    secrets = SimulatorCredentials()
    return SellerClient(
        credentials=Credentials(
            refresh_token=secrets.refresh_token, client_id=secrets.client_id, client_secret=secrets.client_secret
        ),
        seller_id="A1SIMSELLER0001",
        endpoint=base_url,
        token_url=base_url + "/auth/o2/token",
        journal=":memory:",
        rate_limiter=limiter,
    )


def _hammer(client: SellerClient, order_id: str, calls: int, threads: int) -> None:
    left = iter(range(calls))
    take = threading.Lock()

    def worker() -> None:
        while True:
            with take:
                if next(left, None) is None:
                    return
            client._api.get_order(order_id)  # noqa: SLF001 - one bare getOrder, as the issue measured

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def _process(base_url: str, redis_url: str, prefix: str, margin: float, order_id: str, calls: int) -> None:  # noqa: PLR0917 - a Process target
    limiter = RedisRateLimiter(redis_url, prefix=prefix, margin=margin)
    _hammer(_client(base_url, limiter), order_id, calls, threads=2)


def _slow_first(app: Any, delay: float) -> Any:
    """Wrap the simulator's WSGI app: the first getOrder waits ``delay`` seconds before it is served."""
    first = threading.Event()

    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        if str(environ.get("PATH_INFO", "")).startswith("/orders/2026-01-01/orders/") and not first.is_set():
            first.set()
            time.sleep(delay)
        return app(environ, start_response)

    return wrapped


def run(case: str, margin: float, scale: float, redis_url: str | None, first_delay: float = 0.0) -> dict[str, Any]:
    """One row: serve a fresh simulator, send the calls, return what the simulator saw."""
    sim = Simulator(seed=3, orders=0, clock=SystemClock(), scale=scale)
    order = sim.add_order()
    if first_delay > 0:
        sim.wsgi_app = _slow_first(sim.wsgi_app, first_delay)
    seen: list[tuple[float, int]] = []

    def observe(exchange: Exchange) -> None:
        if exchange.operation == "orders.getOrder":
            seen.append((time.monotonic(), exchange.status))

    sim.observe(observe)
    began = time.monotonic()
    with sim.serve() as base_url:
        if case == "memory":
            clock = SystemClock()
            limiter = InMemoryRateLimiter(clock=clock, sleep=time.sleep, margin=margin)
            _hammer(_client(base_url, limiter), order.order_id, CALLS, threads=8)
        else:
            assert redis_url is not None  # noqa: S101 - checked by the caller
            prefix = f"sp_cancel:bench:{uuid.uuid4().hex}:"
            context = multiprocessing.get_context("spawn")
            args = (base_url, redis_url, prefix, margin, order.order_id, CALLS // 4)
            processes = [context.Process(target=_process, args=args) for _ in range(4)]
            for process in processes:
                process.start()
            for process in processes:
                process.join()
    ok = [t for t, status in seen if status == 200]
    throttled = sum(1 for _, status in seen if status == 429)
    allowed = BURST + RATE * scale * (ok[-1] - seen[0][0])
    return {
        "ok": len(ok),
        "throttled": throttled,
        "plan_use": len(ok) / allowed,
        "seconds": time.monotonic() - began,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20.0, help="usage-plan speed-up (default 20: 10 getOrder/s)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per row")
    parser.add_argument("--redis-url", help="Redis for the 4-process rows (omitted: those rows are skipped)")
    parser.add_argument("--first-delay", type=float, default=0.0, help="seconds the first getOrder is held")
    args = parser.parse_args()
    cases = [("memory", "in-memory, 8 threads, 1 process")]
    if args.redis_url:
        cases.append(("redis", "redis, 4 processes x 2 threads"))
    print(f"python {sys.version.split()[0]}, getOrder at {RATE * args.scale:g}/s burst {BURST}, {CALLS} calls per run")
    print(f"{args.rounds} run(s) per row; 429s listed per run; first getOrder held {args.first_delay:g} s\n")
    print("| limiter | margin | 429s per run | answered | plan use (min / max) | wall time per run |")
    print("| --- | ---: | --- | ---: | --- | ---: |")
    for case, label in cases:
        for margin in (DEFAULT_MARGIN, 0.0):
            runs = [run(case, margin, args.scale, args.redis_url, args.first_delay) for _ in range(args.rounds)]
            uses = [r["plan_use"] for r in runs]
            print(
                f"| {label} | {margin:g} s | {', '.join(str(r['throttled']) for r in runs)} "
                f"| {min(r['ok'] for r in runs)} | {min(uses):.3f} / {max(uses):.3f} "
                f"| {sum(r['seconds'] for r in runs) / len(runs):.1f} s |",
                flush=True,
            )


if __name__ == "__main__":
    main()
