"""Token buckets that pace SP-API calls *before* they are sent.

Amazon meters every operation with a token bucket per selling-partner account
and application: a **rate** (tokens added per second) and a **burst** (bucket
size); a request costs one token and an empty bucket answers HTTP 429
(https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits).
A ``RateLimiter`` keeps a mirror of each bucket, keyed by
``(scope, operation)`` where ``scope`` is ``"<application client_id>:<seller_id>"``,
seeded from the usage-plan table in ``sp_cancel._operations``:

- ``RateLimiter.acquire`` waits (through the injected ``Sleep``)
  until a token is free and takes it, so a 429 is the exception, not the normal path;
- ``RateLimiter.update`` adopts the rate Amazon reports in ``x-amzn-RateLimit-Limit``
  (sent "on a best-effort basis", never on a 429);
- ``RateLimiter.on_throttled`` empties the bucket after a 429 anyway (another process
  or host drew from the same bucket) and says how long until the next token: Amazon sends
  no ``Retry-After``, so that is the wait the retry policy uses.

**The safety margin.** Amazon's bucket and ours start refilling at different instants: ours when
we *release* the first request of a burst, Amazon's when that request *arrives*, one network
latency later. If a later request travels faster than that first one (the first pays for the
connection, the TLS handshake, a cold thread), it reaches Amazon before Amazon's token is there:
one 429 on the first paced request after every burst. So when a request drains a **full** bucket,
the mirror starts refilling ``margin`` seconds later than it would (default
``DEFAULT_MARGIN``, 0.25 s): the burst itself goes out at once, and every paced request
afterwards leaves ``margin`` later than the bare arithmetic says, which absorbs that much latency
difference. It costs ``margin * rate`` tokens once per burst (0.125 of a ``getOrder`` token), not a
fraction of the rate.

``InMemoryRateLimiter`` serves one process (thread-safe).
``RedisRateLimiter`` shares the buckets between processes and hosts through
an atomic Lua script that reads Redis' own ``TIME``, so every host uses one clock.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

from sp_cancel._events import RATE_LIMIT_UPDATED, RATE_LIMIT_WAITED
from sp_cancel._public import publish
from sp_cancel.clock import Clock, Sleep, system_sleep
from sp_cancel.logging import get_logger

if TYPE_CHECKING:
    # Annotations only: sp_cancel.transport imports this module, so a real import would be circular.
    from sp_cancel._operations import Operation

__all__ = ["DEFAULT_MARGIN", "InMemoryRateLimiter", "RateLimiter", "RedisRateLimiter"]

#: Seconds by which the mirror of a bucket that a request drains from full starts refilling late
#: (see the module docstring): more than the latency difference between the first request of a
#: burst and a later one, which on a warm connection is milliseconds, with a cold TLS handshake
#: about 0.1-0.2 s.
DEFAULT_MARGIN: Final = 0.25

# A token is available only when the bucket holds a whole one: Amazon's bucket must hold a whole token
# when the request arrives. Float rounding can leave 0.9999999 tokens after sleeping exactly the computed
# wait; the remaining wait is then too small for a clock to register, so it is raised to _MIN_WAIT.
_MIN_WAIT: Final = 1e-3
# A wait shorter than this is the bookkeeping's own time on a real clock, not a wait for a token: not logged.
_LOGGED_WAIT: Final = 1e-3

_REDIS_MISSING: Final = (
    "RedisRateLimiter needs the 'redis' package, which is an optional extra: pip install 'sp-cancel[redis]'"
)


@runtime_checkable
class RateLimiter(Protocol):
    """Token buckets per ``(scope, operation)``; ``scope`` is ``"<application client_id>:<seller_id>"``."""

    def acquire(self, scope: str, op: Operation) -> float:
        """Wait until one token of bucket ``(scope, op.key)`` is available, take it, return the seconds waited."""
        ...

    def update(self, scope: str, op: Operation, rate: float) -> None:
        """Adopt ``rate`` (from ``x-amzn-RateLimit-Limit``) for the bucket; non-positive or NaN values are ignored."""
        ...

    def on_throttled(self, scope: str, op: Operation) -> float:
        """Amazon answered 429: empty the bucket and return the seconds until its next token."""
        ...


def _valid_rate(rate: float) -> bool:
    return math.isfinite(rate) and rate > 0


def _plan(op: Operation, overrides: Mapping[str, tuple[float, int]]) -> tuple[float, int]:
    return overrides.get(op.key, (op.rate, op.burst))


def _check_margin(margin: object) -> float:
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not math.isfinite(margin) or margin < 0:
        raise ValueError(f"margin must be a finite number of seconds >= 0, not {margin!r}")
    return float(margin)


def _check_overrides(rate_overrides: Mapping[str, tuple[float, int]] | None) -> dict[str, tuple[float, int]]:
    checked: dict[str, tuple[float, int]] = {}
    for key, (rate, burst) in (rate_overrides or {}).items():
        if not _valid_rate(rate):
            raise ValueError(
                f"rate_overrides[{key!r}]: rate must be a positive number of tokens per second, not {rate!r}"
            )
        if burst < 1:
            raise ValueError(f"rate_overrides[{key!r}]: burst must be at least 1, not {burst!r}")
        checked[key] = (float(rate), int(burst))
    return checked


class _Bucket:
    """One bucket's state; guarded by the limiter's state lock, except ``queue``."""

    __slots__ = ("burst", "queue", "rate", "tokens", "updated")

    def __init__(self, *, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = now
        # Held by the one acquirer that is waiting for this bucket's next token; the others queue on it,
        # so only one thread per bucket sleeps at a time and wakes to find its token.
        self.queue = threading.Lock()

    def refill(self, now: float) -> None:
        # ``updated`` may lie in the future (the margin after a burst): nothing refills before it.
        if now > self.updated:
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def take(self, now: float, margin: float) -> None:
        """Take a token (the caller checked there is one); draining a full bucket delays its refill by ``margin``."""
        if self.tokens >= self.burst:
            self.updated = max(self.updated, now + margin)
        self.tokens -= 1

    def wait(self, now: float) -> float:
        """Seconds until a whole token is there."""
        return (1 - self.tokens) / self.rate + max(0.0, self.updated - now)


class InMemoryRateLimiter:
    """Token buckets for one process; thread-safe.

    Buckets start full at the operation's burst and refill at its rate (Amazon's
    usage plan, or the rate learned from ``x-amzn-RateLimit-Limit``). Waiting goes
    through the injected ``sleep``, so a ``FakeClock`` makes
    tests instant. Threads that want the same bucket queue: one sleeps until the
    next token, the others wait for it to finish.

    Args:
        clock: where ``monotonic()`` time comes from.
        sleep: how to wait.
        rate_overrides: ``{operation key: (rate, burst)}`` replacing Amazon's defaults,
            e.g. ``{"feeds.createFeed": (0.0083, 15)}``; keys are ``Operation.key``.
        margin: seconds by which a bucket drained from full starts refilling late (module docstring);
            ``0`` mirrors Amazon's arithmetic exactly.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        sleep: Sleep,
        rate_overrides: Mapping[str, tuple[float, int]] | None = None,
        margin: float = DEFAULT_MARGIN,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._overrides = _check_overrides(rate_overrides)
        self._margin = _check_margin(margin)
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._log = get_logger()

    def _bucket(self, scope: str, op: Operation, now: float) -> _Bucket:
        """Return the bucket, creating it full; the caller holds ``self._lock``."""
        bucket = self._buckets.get((scope, op.key))
        if bucket is None:
            rate, burst = _plan(op, self._overrides)
            bucket = self._buckets[scope, op.key] = _Bucket(rate=rate, burst=burst, now=now)
        return bucket

    def acquire(self, scope: str, op: Operation) -> float:
        """Wait until a token of ``(scope, op.key)`` is free, take it, and return the seconds waited."""
        start = self._clock.monotonic()
        with self._lock:
            bucket = self._bucket(scope, op, start)
        with bucket.queue:
            while True:
                with self._lock:
                    now = self._clock.monotonic()
                    bucket.refill(now)
                    if bucket.tokens >= 1:
                        bucket.take(now, self._margin)
                        break
                    wait = max(bucket.wait(now), _MIN_WAIT)
                self._sleep(wait)
        waited = max(0.0, now - start)
        if waited >= _LOGGED_WAIT:
            self._log.debug(RATE_LIMIT_WAITED, operation=op.name, scope=scope, wait_for=round(waited, 3))
        return waited

    def update(self, scope: str, op: Operation, rate: float) -> None:
        """Adopt ``rate`` tokens/s for ``(scope, op.key)``; non-positive, infinite or NaN rates are ignored."""
        if not _valid_rate(rate):
            return
        known = self._buckets.get((scope, op.key))
        if known is not None and known.rate == rate:
            return  # the rate Amazon repeats on every answer: nothing to adopt (and no lock to take)
        with self._lock:
            now = self._clock.monotonic()
            bucket = self._bucket(scope, op, now)
            bucket.refill(now)  # tokens earned so far were earned at the old rate
            previous = bucket.rate
            bucket.rate = float(rate)
        if previous != rate:
            self._log.info(RATE_LIMIT_UPDATED, operation=op.name, scope=scope, rate=rate, previous_rate=previous)

    def on_throttled(self, scope: str, op: Operation) -> float:
        """Empty ``(scope, op.key)`` after a 429 and return the seconds until its next token."""
        with self._lock:
            now = self._clock.monotonic()
            bucket = self._bucket(scope, op, now)
            bucket.refill(now)
            bucket.tokens = min(bucket.tokens, 0.0)
            # Amazon just said its bucket is empty: that is the timeline now, and the margin has done its part.
            bucket.updated = now
            return bucket.wait(now)

    def __repr__(self) -> str:
        return f"InMemoryRateLimiter(buckets={len(self._buckets)})"


# One atomic step on one bucket, timed by the Redis server's clock so that every host agrees.
# A missing key is a full bucket. Tokens may go below zero: ``acquire`` *reserves* a token and
# returns how long until it is really there, so concurrent callers on any host queue in order
# and each needs one round trip. KEYS[1] = the bucket hash; ARGV = mode, default rate, burst, new rate,
# margin, and the time ("" = the server's TIME; a number only when the limiter was given a clock).
# ``ts`` may lie in the future (the margin after a burst): nothing refills before it.
# Numbers go back as strings: Redis truncates Lua numbers to integers.
_LUA: Final = """
local now = tonumber(ARGV[6])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local margin = tonumber(ARGV[5])
local mode = ARGV[1]
local burst = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'rate')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
local rate = tonumber(state[3]) or tonumber(ARGV[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate)
  ts = now
end
local wait = 0
local late = math.max(0, ts - now)
if mode == 'acquire' then
  if tokens >= burst then
    ts = math.max(ts, now + margin)
    late = ts - now
  end
  tokens = tokens - 1
  if tokens < -1e-6 then
    wait = late - tokens / rate
  end
elseif mode == 'update' then
  rate = tonumber(ARGV[4])
elseif mode == 'throttled' then
  if tokens >= 0 then
    tokens = 0
    ts = now
    late = 0
  end
  wait = late + (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', ts),
  'rate', string.format('%.17g', rate))
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.ceil((late + (burst - tokens) / rate + 3600) * 1000)))
return string.format('%.17g', wait)
"""


class _RedisClient(Protocol):
    """The part of ``redis.Redis`` this module uses."""

    def register_script(self, script: str) -> Any:
        """Return a callable ``script(keys=[...], args=[...])``."""
        ...


class RedisRateLimiter:
    """Token buckets in Redis, shared by every process and host that uses the same app and seller.

    Amazon's limits are per application and seller, not per process, so workers
    on several hosts must draw from one bucket. Each step (take, learn a rate,
    empty after a 429) is one atomic Lua script that reads the Redis server's
    ``TIME``; callers reserve their token in order and then sleep until it is due.
    A bucket key is ``f"{prefix}{scope}:{op.key}"`` and expires an hour after the
    bucket would be full again (a missing key is a full bucket).

    Needs Redis ≥ 5 and the ``redis`` extra (``pip install 'sp-cancel[redis]'``).

    Args:
        url: Redis URL, e.g. ``"redis://cache:6379/0"`` (default ``redis://localhost:6379/0``); unused with ``client``.
        client: a ready ``redis.Redis`` (or compatible, e.g. ``fakeredis.FakeRedis``) to use instead of ``url``.
        sleep: how to wait (default: really sleep).
        prefix: prefix of every key.
        rate_overrides: ``{operation key: (rate, burst)}`` replacing Amazon's defaults.
        margin: seconds by which a bucket drained from full starts refilling late (module docstring).
        clock: read time from this clock (``monotonic()``) instead of the Redis server's ``TIME``; for tests
            with a fake clock only: every limiter sharing the buckets must then share this clock.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: _RedisClient | None = None,
        sleep: Sleep = system_sleep,
        prefix: str = "sp_cancel:rl:",
        rate_overrides: Mapping[str, tuple[float, int]] | None = None,
        margin: float = DEFAULT_MARGIN,
        clock: Clock | None = None,
    ) -> None:
        if client is None:
            try:
                import redis  # noqa: PLC0415 - optional extra, imported only when used
            except ImportError as exc:
                raise ImportError(_REDIS_MISSING) from exc
            client = redis.Redis.from_url(url or "redis://localhost:6379/0")
        self._client = client
        self._script: Callable[..., Any] = client.register_script(_LUA)
        self._sleep = sleep
        self._prefix = prefix
        self._overrides = _check_overrides(rate_overrides)
        self._margin = _check_margin(margin)
        self._clock = clock
        self._log = get_logger()

    def _run(self, mode: str, scope: str, op: Operation, new_rate: float = 0.0) -> float:
        rate, burst = _plan(op, self._overrides)
        key = f"{self._prefix}{scope}:{op.key}"
        now = "" if self._clock is None else repr(self._clock.monotonic())
        args: Sequence[str] = (mode, repr(float(rate)), str(burst), repr(float(new_rate)), repr(self._margin), now)
        result = self._script(keys=[key], args=args)
        return float(result.decode() if isinstance(result, bytes) else result)

    def acquire(self, scope: str, op: Operation) -> float:
        """Reserve a token of ``(scope, op.key)``, sleep until it is due, and return the seconds waited."""
        wait = max(0.0, self._run("acquire", scope, op))
        if wait > 0:
            self._sleep(wait)
            self._log.debug(RATE_LIMIT_WAITED, operation=op.name, scope=scope, wait_for=round(wait, 3))
        return wait

    def update(self, scope: str, op: Operation, rate: float) -> None:
        """Adopt ``rate`` tokens/s for ``(scope, op.key)`` on every host; non-positive or NaN rates are ignored."""
        if not _valid_rate(rate):
            return
        self._run("update", scope, op, rate)
        self._log.debug(RATE_LIMIT_UPDATED, operation=op.name, scope=scope, rate=rate)

    def on_throttled(self, scope: str, op: Operation) -> float:
        """Empty ``(scope, op.key)`` after a 429 and return the seconds until its next unreserved token."""
        return self._run("throttled", scope, op)

    def __repr__(self) -> str:
        return f"RedisRateLimiter(prefix={self._prefix!r})"


# sp_cancel exports these (imported on first use there): they say so whichever path imported them first.
publish("sp_cancel", globals(), ["InMemoryRateLimiter", "RateLimiter", "RedisRateLimiter"])
