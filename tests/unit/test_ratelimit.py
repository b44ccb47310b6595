import math
import os
import sys
import threading
import uuid
from pathlib import Path

import attrs
import pytest
from structlog.testing import capture_logs

from sp_cancel._events import RATE_LIMIT_UPDATED, RATE_LIMIT_WAITED
from sp_cancel._operations import OPERATIONS
from sp_cancel.clock import FakeClock
from sp_cancel.ratelimit import DEFAULT_MARGIN, InMemoryRateLimiter, RateLimiter, RedisRateLimiter

SCOPE = "amzn1.application-oa2-client.test:A1SELLER"
DOC = OPERATIONS["feeds.createFeedDocument"]  # rate 0.5, burst 15
GET_FEED = OPERATIONS["feeds.getFeed"]  # rate 2, burst 15
# A slow bucket for Redis tests: the server's real clock moves a few milliseconds during a test,
# which is a rounding error next to 100 s per token.
SLOW = attrs.evolve(GET_FEED, key="test.slow", name="slow", rate=0.01, burst=3)


class RecordingClock(FakeClock):
    """A FakeClock that remembers, per thread, the last ``monotonic()`` it answered.

    The limiter reads the clock once under its lock right before taking a token, so after
    ``acquire`` returns this is the simulated time at which that thread's token was taken.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen = threading.local()

    def monotonic(self) -> float:
        """Answer like FakeClock, and remember the answer for this thread."""
        value = super().monotonic()
        self.seen.last = value
        return value


@pytest.fixture
def clock() -> RecordingClock:
    """A fresh recording fake clock."""
    return RecordingClock()


@pytest.fixture
def limiter(clock: RecordingClock) -> InMemoryRateLimiter:
    """An in-memory limiter whose waits advance the fake clock; no safety margin, so waits are the bare arithmetic."""
    return InMemoryRateLimiter(clock=clock, sleep=clock.sleep, margin=0)


def drain(limiter: RateLimiter, op=DOC, scope=SCOPE) -> None:
    """Take the whole burst of a fresh bucket."""
    for _ in range(op.burst):
        assert limiter.acquire(scope, op) == 0


def test_limiters_implement_the_protocol(limiter: InMemoryRateLimiter, fake_redis) -> None:
    """Both backends satisfy the RateLimiter protocol the transport is typed against."""
    assert isinstance(limiter, RateLimiter)
    assert isinstance(RedisRateLimiter(client=fake_redis), RateLimiter)


def test_burst_is_free_then_one_token_per_refill(limiter: InMemoryRateLimiter, clock: RecordingClock) -> None:
    """A full bucket serves its burst at once; after that each token costs 1/rate seconds."""
    drain(limiter)
    assert clock.monotonic() == 0
    assert limiter.acquire(SCOPE, DOC) == pytest.approx(2.0)
    assert limiter.acquire(SCOPE, DOC) == pytest.approx(2.0)
    assert clock.monotonic() == pytest.approx(4.0)


def test_eight_threads_get_burst_then_steady_rate(limiter: InMemoryRateLimiter, clock: RecordingClock) -> None:
    """8 threads on one (rate 0.5, burst 15) bucket: total time (N-burst)/rate, never more than the bucket allows."""
    threads, per_thread = 8, 12
    total = threads * per_thread
    taken: list[float] = []
    record = threading.Lock()
    start = threading.Barrier(threads)

    def worker() -> None:
        start.wait()
        for _ in range(per_thread):
            limiter.acquire(SCOPE, DOC)
            with record:
                taken.append(clock.seen.last)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=30)
    assert len(taken) == total
    # No token lost or spent twice: the simulated time is exactly what the bucket allows.
    assert clock.monotonic() == pytest.approx((total - DOC.burst) / DOC.rate, abs=1e-3)
    taken.sort()
    assert taken[: DOC.burst] == [0.0] * DOC.burst
    for i, first in enumerate(taken):
        for j in range(i, total):
            window = taken[j] - first
            assert j - i + 1 <= DOC.burst + DOC.rate * window + 1e-6, (i, j, window)
    assert limiter._buckets[SCOPE, DOC.key].tokens == pytest.approx(0, abs=1e-5)


def test_buckets_are_per_scope_and_operation(limiter: InMemoryRateLimiter) -> None:
    """Draining one (scope, operation) bucket leaves other sellers, apps and operations untouched."""
    drain(limiter)
    drain(limiter, scope="amzn1.application-oa2-client.test:A2OTHER")
    drain(limiter, scope="amzn1.application-oa2-client.other:A1SELLER")
    drain(limiter, op=GET_FEED)
    assert limiter.acquire(SCOPE, DOC) == pytest.approx(1 / DOC.rate)


def test_update_adopts_the_header_rate(limiter: InMemoryRateLimiter) -> None:
    """x-amzn-RateLimit-Limit replaces the table's rate for that bucket only."""
    drain(limiter)
    drain(limiter, scope="other:seller")
    with capture_logs() as logs:
        limiter.update(SCOPE, DOC, 4.0)
    assert limiter.acquire(SCOPE, DOC) == pytest.approx(0.25)
    assert limiter.acquire("other:seller", DOC) == pytest.approx(1.75)  # 0.25 s already passed at 0.5/s
    assert [log["event"] for log in logs] == [RATE_LIMIT_UPDATED]
    assert logs[0]["rate"] == 4.0
    assert logs[0]["previous_rate"] == 0.5


def test_update_keeps_tokens_earned_at_the_old_rate(limiter: InMemoryRateLimiter, clock: RecordingClock) -> None:
    """Time before the update refills at the old rate, time after at the new one."""
    drain(limiter)
    clock.advance(1.0)  # half a token at 0.5/s
    limiter.update(SCOPE, DOC, 1.0)
    assert limiter.acquire(SCOPE, DOC) == pytest.approx(0.5)


def test_update_on_a_new_bucket_starts_full(limiter: InMemoryRateLimiter) -> None:
    """A rate learned before the first call still starts from a full burst."""
    limiter.update(SCOPE, DOC, 1.0)
    drain(limiter)
    assert limiter.acquire(SCOPE, DOC) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "rate", [0.0, -1.0, math.nan, math.inf, -math.inf], ids=["zero", "negative", "nan", "inf", "-inf"]
)
def test_update_ignores_unusable_rates(limiter: InMemoryRateLimiter, rate: float) -> None:
    """Non-positive, NaN or infinite header values leave the bucket as it was."""
    drain(limiter)
    limiter.update(SCOPE, DOC, rate)
    assert limiter.acquire(SCOPE, DOC) == pytest.approx(2.0)


def test_on_throttled_empties_the_bucket(limiter: InMemoryRateLimiter, clock: RecordingClock) -> None:
    """After a 429 the bucket is empty and the returned wait is exactly the time to the next token."""
    assert limiter.acquire(SCOPE, DOC) == 0  # 14 tokens left, but another host spent them
    wait = limiter.on_throttled(SCOPE, DOC)
    assert wait == pytest.approx(1 / DOC.rate)
    clock.sleep(wait)
    assert limiter.acquire(SCOPE, DOC) == 0
    assert limiter.acquire(SCOPE, DOC) == pytest.approx(2.0)


def test_on_throttled_discards_a_partial_token(limiter: InMemoryRateLimiter, clock: RecordingClock) -> None:
    """Amazon's bucket is empty whatever ours says, so a part-refilled token is dropped too: a full 1/rate wait."""
    drain(limiter)
    clock.advance(0.5)
    assert limiter.on_throttled(SCOPE, DOC) == pytest.approx(2.0)


def test_acquire_logs_only_real_waits(limiter: InMemoryRateLimiter) -> None:
    """A free token is silent; a wait is logged with the operation and its length."""
    with capture_logs() as logs:
        drain(limiter)
        limiter.acquire(SCOPE, DOC)
    assert logs == [
        {
            "event": RATE_LIMIT_WAITED,
            "log_level": "debug",
            "operation": "createFeedDocument",
            "scope": SCOPE,
            "wait_for": 2.0,
        }
    ]


class TickingClock(FakeClock):
    """A FakeClock whose every reading is a microsecond later: the bookkeeping's own time on a real clock."""

    def monotonic(self) -> float:
        """Answer, then move on by a microsecond."""
        value = super().monotonic()
        self.advance(1e-6)
        return value


def test_the_bookkeeping_time_of_a_free_token_is_not_logged_as_a_wait() -> None:
    """On a real clock a free token still takes microseconds to hand out: no rate_limit_waited event for it."""
    clock = TickingClock()
    limiter = InMemoryRateLimiter(clock=clock, sleep=clock.sleep)
    with capture_logs() as logs:
        waited = limiter.acquire(SCOPE, DOC)
    assert 0 < waited < 1e-3
    assert logs == []


def test_rate_overrides_replace_the_usage_plan(clock: RecordingClock) -> None:
    """rate_overrides, keyed by operation key, replace Amazon's rate and burst."""
    limiter = InMemoryRateLimiter(clock=clock, sleep=clock.sleep, rate_overrides={DOC.key: (5.0, 2)}, margin=0)
    assert limiter.acquire(SCOPE, DOC) == 0
    assert limiter.acquire(SCOPE, DOC) == 0
    assert limiter.acquire(SCOPE, DOC) == pytest.approx(0.2)


@pytest.mark.parametrize(
    "override",
    [(0.0, 5), (-1.0, 5), (math.nan, 5), (1.0, 0)],
    ids=["zero-rate", "negative-rate", "nan-rate", "zero-burst"],
)
def test_rate_overrides_are_validated(clock: RecordingClock, override: tuple[float, int]) -> None:
    """A rate override that could never refill, or a bucket that holds nothing, is refused."""
    with pytest.raises(ValueError, match="rate_overrides"):
        InMemoryRateLimiter(clock=clock, sleep=clock.sleep, rate_overrides={DOC.key: override})


def test_threads_on_different_buckets_do_not_block_each_other(clock: RecordingClock) -> None:
    """A thread waiting on an empty bucket does not hold up a thread whose bucket has tokens."""
    in_sleep = threading.Event()
    release = threading.Event()

    def slow_sleep(seconds: float) -> None:
        in_sleep.set()
        release.wait(timeout=10)
        clock.sleep(seconds)

    limiter = InMemoryRateLimiter(clock=clock, sleep=slow_sleep)
    drain(limiter)
    waiter = threading.Thread(target=limiter.acquire, args=(SCOPE, DOC))
    waiter.start()
    assert in_sleep.wait(timeout=10)
    assert limiter.acquire(SCOPE, GET_FEED) == 0  # would deadlock if one lock covered the wait
    release.set()
    waiter.join(timeout=10)
    assert not waiter.is_alive()


# --- Redis -------------------------------------------------------------------------------------


class Sleeps(list[float]):
    """A Sleep that records what it was asked to wait."""

    def __call__(self, seconds: float, /) -> None:
        """Record ``seconds`` instead of waiting."""
        self.append(seconds)


@pytest.fixture
def fake_redis():
    """An in-process Redis with Lua scripting (fakeredis + lupa)."""
    fakeredis = pytest.importorskip("fakeredis")
    pytest.importorskip("lupa", reason="fakeredis needs lupa to run Lua scripts")
    return fakeredis.FakeRedis()


def test_redis_limiter_burst_then_reservations(fake_redis) -> None:
    """The burst is free; later callers reserve successive tokens and sleep until each is due."""
    sleeps = Sleeps()
    limiter = RedisRateLimiter(client=fake_redis, sleep=sleeps)
    waits = [limiter.acquire(SCOPE, SLOW) for _ in range(5)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3:] == pytest.approx([100, 200], abs=0.5)
    assert sleeps == waits[3:]


def test_redis_limiters_share_one_bucket(fake_redis) -> None:
    """Two limiter instances (two processes) on one Redis draw from the same bucket."""
    first = RedisRateLimiter(client=fake_redis, sleep=Sleeps())
    second = RedisRateLimiter(client=fake_redis, sleep=Sleeps())
    for _ in range(SLOW.burst):
        assert first.acquire(SCOPE, SLOW) == 0
    assert second.acquire(SCOPE, SLOW) == pytest.approx(100, abs=0.5)
    assert second.acquire("other:seller", SLOW) == 0


def test_redis_update_and_on_throttled(fake_redis) -> None:
    """A learned rate is shared; a 429 empties the shared bucket and returns the time to the next token."""
    first = RedisRateLimiter(client=fake_redis, sleep=Sleeps())
    second = RedisRateLimiter(client=fake_redis, sleep=Sleeps())
    assert first.on_throttled(SCOPE, SLOW) == pytest.approx(100, abs=0.5)
    first.update(SCOPE, SLOW, 0.5)
    first.update(SCOPE, SLOW, math.nan)  # ignored
    assert second.acquire(SCOPE, SLOW) == pytest.approx(2, abs=0.05)
    assert second.on_throttled(SCOPE, SLOW) == pytest.approx(4, abs=0.05)  # one reservation is already queued


def test_redis_keys_carry_prefix_and_expire(fake_redis) -> None:
    """Bucket keys are namespaced by prefix, scope and operation key, and expire when idle."""
    limiter = RedisRateLimiter(client=fake_redis, sleep=Sleeps(), prefix="test:rl:")
    limiter.acquire(SCOPE, SLOW)
    key = f"test:rl:{SCOPE}:{SLOW.key}"
    assert fake_redis.exists(key)
    assert 3600 < fake_redis.ttl(key) <= 3600 + 100 + 1


def test_redis_rate_overrides(fake_redis) -> None:
    """rate_overrides apply to the Redis backend too."""
    limiter = RedisRateLimiter(client=fake_redis, sleep=Sleeps(), rate_overrides={SLOW.key: (0.001, 1)})
    assert limiter.acquire(SCOPE, SLOW) == 0
    assert limiter.acquire(SCOPE, SLOW) == pytest.approx(1000, abs=1)


def test_redis_missing_extra_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the redis package the error names the extra to install."""
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ImportError, match=r"sp-cancel\[redis\]"):
        RedisRateLimiter("redis://127.0.0.1:6379/15")


@pytest.fixture
def real_redis():
    """A client for the Redis server at REDIS_URL, or a skip saying none answered."""
    redis = pytest.importorskip("redis")
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2)
    try:
        client.ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        pytest.skip(f"no Redis server answers at {url} (set REDIS_URL to run this test): {exc}")
    yield client
    client.close()


@pytest.mark.redis
def test_real_redis_two_limiters_share_one_bucket(real_redis) -> None:
    """Against a real server (its TIME, its Lua), two limiters share a bucket and queue in order."""
    prefix = f"sp_cancel:test:{uuid.uuid4().hex}:"
    sleeps = Sleeps()
    first = RedisRateLimiter(client=real_redis, sleep=sleeps, prefix=prefix)
    second = RedisRateLimiter(client=real_redis, sleep=sleeps, prefix=prefix)
    try:
        assert [first.acquire(SCOPE, SLOW) for _ in range(SLOW.burst)] == [0] * SLOW.burst
        assert second.acquire(SCOPE, SLOW) == pytest.approx(100, abs=1)
        assert first.acquire(SCOPE, SLOW) == pytest.approx(200, abs=1)
        assert first.on_throttled(SCOPE, SLOW) == pytest.approx(300, abs=1)
        assert real_redis.ttl(f"{prefix}{SCOPE}:{SLOW.key}") > 3600
    finally:
        for key in real_redis.scan_iter(match=f"{prefix}*"):
            real_redis.delete(key)


def test_docs_usage_plan_table_matches_the_operations() -> None:
    """The usage-plan table in docs/retries-and-rate-limits.md lists exactly the limiter's seeds."""
    page = Path(__file__).parents[2] / "docs" / "retries-and-rate-limits.md"
    rows = {}
    for line in page.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 7:
            key, api, method, rate, burst, _every, idempotent = cells
            rows[key.strip("`")] = (api, method, float(rate), int(burst), idempotent == "yes")
    assert rows == {op.key: (op.api, op.method, op.rate, op.burst, op.idempotent) for op in OPERATIONS.values()}


# -- the safety margin (issue 11 item 7) ---------------------------------------------------------------


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_margin_delays_the_refill_of_a_bucket_drained_from_full(backend: str, clock: RecordingClock, request) -> None:
    """The burst is free; the first paced token comes margin late, later ones 1/rate apart; full again, again."""
    if backend == "memory":
        limiter: RateLimiter = InMemoryRateLimiter(clock=clock, sleep=clock.sleep, margin=0.25)
    else:
        limiter = RedisRateLimiter(
            client=request.getfixturevalue("fake_redis"), sleep=clock.sleep, clock=clock, margin=0.25
        )
    drain(limiter)
    assert clock.monotonic() == 0
    assert limiter.acquire(SCOPE, DOC) == pytest.approx(2.25)
    assert limiter.acquire(SCOPE, DOC) == pytest.approx(2.0)
    clock.advance(DOC.burst / DOC.rate + 10)  # idle: the bucket is full again
    drain(limiter)
    assert limiter.acquire(SCOPE, DOC) == pytest.approx(2.25)


def test_margin_is_the_default_and_validated(clock: RecordingClock) -> None:
    """The shipped limiter keeps DEFAULT_MARGIN; a margin must be a finite number of seconds >= 0."""
    limiter = InMemoryRateLimiter(clock=clock, sleep=clock.sleep)
    drain(limiter)
    assert limiter.acquire(SCOPE, DOC) == pytest.approx(1 / DOC.rate + DEFAULT_MARGIN)
    for bad in (-1, math.nan, math.inf, True, "0.25"):
        with pytest.raises(ValueError, match="margin"):
            InMemoryRateLimiter(clock=clock, sleep=clock.sleep, margin=bad)  # type: ignore[arg-type]
