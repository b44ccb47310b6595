"""No 429 in steady state: 200 getOrder calls at the usage plan, counted against the simulator's own buckets.

The mechanism of issue 11 item 7: our bucket starts refilling when we *release* the first request of a
burst, Amazon's when that request *arrives*. The first request is slower (connection set-up, TLS, a cold
thread); if the first paced request after the burst travels faster, it arrives before Amazon's token.

Time is simulated and nothing is timed: the client runs on a :class:`FakeClock`; the simulator reads the
same clock plus the one-way latency of the request it is serving (50 ms for the first getOrder, 5 ms
afterwards). Virtual time does not pass while a request is on its way (the limiter's sleep waits until no
request is in flight), so every arrival is exactly its release plus its latency, whatever the threads do.
The counts asserted are 429 answers and the share of the usage plan used, both from the simulator's side.

The multi-process Redis case runs in real time against a served simulator (marked ``slow`` and ``redis``).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from sp_cancel import Credentials, SellerClient
from sp_cancel._operations import OPERATIONS, Operation
from sp_cancel.clock import SystemClock
from sp_cancel.ratelimit import InMemoryRateLimiter, RateLimiter, RedisRateLimiter
from sp_cancel.retry import RetryPolicy
from sp_cancel.testing import FakeClock, Simulator

GET_ORDER = OPERATIONS["orders.getOrder"]  # 0.5 requests/s, burst 30
CALLS = 200
THREADS = 8
FIRST_LATENCY = 0.050
LATENCY = 0.005


class ServerClock:
    """The simulator's clock: the client's fake clock plus the latency of the request being served."""

    def __init__(self, base: FakeClock) -> None:
        self.base = base
        self.latency = threading.local()

    def now(self) -> datetime:
        """The client's time plus this request's latency."""
        return self.base.now() + timedelta(seconds=getattr(self.latency, "value", 0.0))

    def monotonic(self) -> float:
        """The client's monotonic time plus this request's latency."""
        return self.base.monotonic() + getattr(self.latency, "value", 0.0)

    def advance(self, seconds: float) -> None:
        """Advance the shared fake clock."""
        self.base.advance(seconds)


class Wire:
    """Counts requests in flight (released by the limiter, not yet answered); virtual time waits for them."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.in_flight = 0
        self.changed = threading.Condition()

    def released(self) -> None:
        """A request left the limiter."""
        with self.changed:
            self.in_flight += 1

    def answered(self) -> None:
        """A request got its answer."""
        with self.changed:
            self.in_flight -= 1
            self.changed.notify_all()

    def sleep(self, seconds: float) -> None:
        """Let virtual time pass only once nothing is on the wire: arrivals are release + latency, exactly."""
        with self.changed:
            self.changed.wait_for(lambda: self.in_flight == 0, timeout=30)
            self.clock.advance(seconds)


class CountingLimiter:
    """The limiter under test, telling the wire when it releases a request."""

    def __init__(self, inner: RateLimiter, wire: Wire) -> None:
        self.inner = inner
        self.wire = wire

    def acquire(self, scope: str, op: Operation) -> float:
        """Acquire from the limiter under test; the request is on the wire from now."""
        waited = self.inner.acquire(scope, op)
        self.wire.released()
        return waited

    def update(self, scope: str, op: Operation, rate: float) -> None:
        """Delegate."""
        self.inner.update(scope, op, rate)

    def on_throttled(self, scope: str, op: Operation) -> float:
        """Delegate."""
        return self.inner.on_throttled(scope, op)


class LatencyTransport(httpx.BaseTransport):
    """Gives each getOrder its latency on the simulator's clock and records (arrival, status)."""

    def __init__(self, inner: httpx.BaseTransport, server_clock: ServerClock, wire: Wire) -> None:
        self.inner = inner
        self.server_clock = server_clock
        self.wire = wire
        self.lock = threading.Lock()
        self.arrivals: list[tuple[float, int]] = []
        self.latest = 0.0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Serve getOrder with its latency; anything else (the LWA token) as it is."""
        if not request.url.path.startswith("/orders/2026-01-01/orders/"):
            return self.inner.handle_request(request)
        try:
            with self.lock:
                released = self.server_clock.base.monotonic()
                latency = FIRST_LATENCY if not self.arrivals else LATENCY
                # Amazon's clock never runs backwards: a fast request sent after the slow first one arrives
                # no earlier than it.
                arrival = max(released + latency, self.latest)
                self.latest = arrival
                self.arrivals.append((arrival, 0))
                index = len(self.arrivals) - 1
            self.server_clock.latency.value = arrival - released
            response = self.inner.handle_request(request)
            with self.lock:
                self.arrivals[index] = (self.arrivals[index][0], response.status_code)
            return response
        finally:
            self.server_clock.latency.value = 0.0
            self.wire.answered()


def run_calls(
    make_limiter: Callable[[FakeClock, Callable[[float], None]], RateLimiter], threads: int
) -> dict[str, Any]:
    """200 getOrder calls on one client from ``threads`` threads; what the simulator saw."""
    clock = FakeClock()
    server_clock = ServerClock(clock)
    sim = Simulator(seed=3, orders=0, clock=server_clock)
    order = sim.add_order()
    wire = Wire(clock)
    transport = LatencyTransport(sim.transport(), server_clock, wire)
    limiter = CountingLimiter(make_limiter(clock, wire.sleep), wire)
    client = sim.client(transport=transport, clock=clock, sleep=wire.sleep, rate_limiter=limiter)
    counter = iter(range(CALLS))
    take = threading.Lock()

    def worker() -> None:
        while True:
            with take:
                if next(counter, None) is None:
                    return
            client._api.get_order(order.order_id)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    arrivals = sorted(transport.arrivals)
    ok = [t for t, status in arrivals if status == 200]
    throttled = sum(1 for _, status in arrivals if status == 429)
    # The share of the plan used: answered calls / what Amazon's bucket allowed from the first arrival to the last.
    allowed = GET_ORDER.burst + GET_ORDER.rate * (ok[-1] - arrivals[0][0])
    return {"ok": len(ok), "throttled": throttled, "plan_use": len(ok) / allowed}


def in_memory(margin: float | None) -> Callable[[FakeClock, Callable[[float], None]], RateLimiter]:
    """Make the default limiter (``margin=None``) or one with ``margin``."""

    def make(clock: FakeClock, sleep: Callable[[float], None]) -> RateLimiter:
        if margin is None:
            return InMemoryRateLimiter(clock=clock, sleep=sleep)
        return InMemoryRateLimiter(clock=clock, sleep=sleep, margin=margin)

    return make


def fake_redis(margin: float | None) -> Callable[[FakeClock, Callable[[float], None]], RateLimiter]:
    """Make a RedisRateLimiter on fakeredis, its buckets timed by the fake clock."""
    fakeredis = pytest.importorskip("fakeredis")
    pytest.importorskip("lupa", reason="fakeredis needs lupa to run Lua scripts")
    server = fakeredis.FakeRedis()

    def make(clock: FakeClock, sleep: Callable[[float], None]) -> RateLimiter:
        extra = {} if margin is None else {"margin": margin}
        return RedisRateLimiter(client=server, sleep=sleep, clock=clock, **extra)

    return make


def test_eight_threads_in_memory_draw_no_429_and_use_the_plan() -> None:
    """8 threads, one client, the default limiter: 200 answers, no 429, at least 0.95 of the plan."""
    seen = run_calls(in_memory(None), THREADS)
    assert seen["throttled"] == 0
    assert seen["ok"] == CALLS
    assert seen["plan_use"] >= 0.95


def test_redis_limiter_draws_no_429_and_uses_the_plan() -> None:
    """The shared limiter with the same margin (its buckets on an injected clock): no 429, >= 0.95 of the plan."""
    seen = run_calls(fake_redis(None), 1)
    assert seen["throttled"] == 0
    assert seen["ok"] == CALLS
    assert seen["plan_use"] >= 0.95


@pytest.mark.parametrize("backend", [in_memory, fake_redis])
def test_without_the_margin_the_first_paced_request_is_throttled(backend: Any) -> None:
    """The control (the old arithmetic, margin 0): exactly the one 429 the issue saw, on the first paced request.

    It shows the set-up above reproduces the cause, so the two tests above would fail on the old code.
    """
    seen = run_calls(backend(0.0), THREADS if backend is in_memory else 1)
    assert seen["throttled"] == 1
    assert seen["ok"] == CALLS


# -- four processes sharing one real Redis, in real time ------------------------------------------------


def _redis_worker(base_url: str, redis_url: str, prefix: str, calls: int, order_id: str, queue: Any) -> None:  # noqa: PLR0917
    """Child process: one client with the shared limiter, two threads, ``calls`` getOrder calls."""
    from sp_cancel.testing import SimulatorCredentials  # noqa: PLC0415 - in the spawned child

    secrets = SimulatorCredentials()
    client = SellerClient(
        credentials=Credentials(
            refresh_token=secrets.refresh_token, client_id=secrets.client_id, client_secret=secrets.client_secret
        ),
        seller_id="A1SIMSELLER0001",
        endpoint=base_url,
        token_url=base_url + "/auth/o2/token",
        journal=":memory:",
        rate_limiter=RedisRateLimiter(redis_url, prefix=prefix),
        retry=RetryPolicy(max_attempts=1),  # a 429 is counted by the simulator, not hidden by a retry
    )
    left = iter(range(calls))
    take = threading.Lock()
    errors: list[str] = []

    def worker() -> None:
        while True:
            with take:
                if next(left, None) is None:
                    return
            try:
                client._api.get_order(order_id)
            except Exception as exc:  # noqa: BLE001 - reported to the parent
                errors.append(type(exc).__name__)

    pool = [threading.Thread(target=worker) for _ in range(2)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put(errors)


@pytest.mark.slow
@pytest.mark.redis
def test_four_processes_sharing_redis_draw_no_429(real_redis_url: str) -> None:
    """4 processes x 2 threads, 50 getOrder calls each, one RedisRateLimiter, a real-time simulator: no 429."""
    sim = Simulator(seed=3, orders=0, clock=SystemClock(), scale=20.0)  # getOrder: 10 requests/s, burst 30
    order = sim.add_order()
    prefix = f"sp_cancel:test:{uuid.uuid4().hex}:"
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    with sim.serve() as base_url:
        processes = [
            context.Process(
                target=_redis_worker, args=(base_url, real_redis_url, prefix, CALLS // 4, order.order_id, queue)
            )
            for _ in range(4)
        ]
        for process in processes:
            process.start()
        errors = [queue.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(timeout=30)
    assert errors == [[], [], [], []]
    counts = sim.request_counts
    assert counts["orders.getOrder"] == CALLS  # every call answered 200 on its only attempt: no 429


@pytest.fixture
def real_redis_url() -> str:
    """The Redis at REDIS_URL; the test is skipped when none answers."""
    redis = pytest.importorskip("redis")
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        pytest.skip(f"no Redis server answers at {url} (set REDIS_URL to run this test): {exc}")
    return url
