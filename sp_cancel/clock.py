"""Time, injected: the only module that reads the wall clock or sleeps for real.

Everything that waits (the rate limiter, retries, feed polling) takes a
``Clock`` and a ``Sleep``. Production code uses ``SystemClock``
and ``time.sleep``; tests and the simulator use ``FakeClock``, whose
``FakeClock.sleep`` advances time instead of waiting.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ClockOffset", "FakeClock", "Sleep", "SystemClock", "human_duration", "parse_time", "utc"]


@runtime_checkable
class Clock(Protocol):
    """A source of time: wall-clock ``now()`` (UTC, aware) and a ``monotonic()`` counter."""

    def now(self) -> datetime:
        """Return the current time as a timezone-aware UTC datetime."""
        ...

    def monotonic(self) -> float:
        """Return seconds from an arbitrary origin; never goes backwards."""
        ...


class Sleep(Protocol):
    """Something that waits ``seconds`` (really, or by advancing a fake clock)."""

    def __call__(self, seconds: float, /) -> None:
        """Wait ``seconds``."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """Return ``time.monotonic``."""
        return time.monotonic()

    def __repr__(self) -> str:
        return "SystemClock()"


def system_sleep(seconds: float, /) -> None:
    """Sleep for real (the default ``Sleep``)."""
    if seconds > 0:
        time.sleep(seconds)


class FakeClock:
    """A clock that only moves when told to; thread-safe.

    ``sleep`` is a ``Sleep`` that advances the clock, so code under test
    that "waits" an hour finishes at once and the elapsed simulated time can be
    read back with ``monotonic``.

    Example:
        >>> clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
        >>> clock.sleep(90)
        >>> clock.now().isoformat()
        '2026-01-01T00:01:30+00:00'
    """

    def __init__(self, start: datetime | None = None) -> None:
        """Start at ``start`` (default 2026-11-26T12:00Z), monotonic origin 0."""
        start = start or datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
        if start.tzinfo is None:
            msg = "FakeClock needs a timezone-aware start"
            raise ValueError(msg)
        self._start = start.astimezone(UTC)
        self._elapsed = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the simulated current UTC time."""
        with self._lock:
            return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        """Return simulated seconds since the clock was created."""
        with self._lock:
            return self._elapsed

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (negative values are ignored)."""
        if seconds > 0:
            with self._lock:
                self._elapsed += seconds

    def sleep(self, seconds: float, /) -> None:
        """A ``Sleep`` that advances this clock instead of waiting."""
        self.advance(seconds)

    def __repr__(self) -> str:
        return f"FakeClock(now={self.now().isoformat()})"


def utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime; naive values are refused."""
    if value.tzinfo is None:
        msg = f"naive datetime {value!r}: pass a timezone-aware datetime"
        raise ValueError(msg)
    return value.astimezone(UTC)


def parse_time(value: object) -> datetime | None:
    """Amazon's ISO 8601 time string as a datetime; ``None`` when absent or empty.

    Raises:
        ValueError: a non-empty string that is not ISO 8601 (callers decide what that means).
    """
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value)


def human_duration(value: timedelta | float) -> str:
    """A duration as people write it: ``"4.5 s"``, ``"42 s"``, ``"1 min 11 s"``, ``"2 h 5 min"``, ``"3 days 4 h"``."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    if seconds < 10 and round(seconds) != seconds:
        return f"{sign}{seconds:.1f} s"
    days, rest = divmod(round(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        parts = [f"{days} day{'s' if days != 1 else ''}", f"{hours} h" if hours else ""]
    elif hours:
        parts = [f"{hours} h", f"{minutes} min" if minutes else ""]
    elif minutes:
        parts = [f"{minutes} min", f"{secs} s" if secs else ""]
    else:
        parts = [f"{secs} s"]
    return sign + " ".join(p for p in parts if p)


class ClockOffset:
    """Amazon's clock minus ours, estimated from the ``Date`` headers of Amazon's answers.

    A ``Date`` has one-second resolution and one answer can carry a wrong one (a proxy's, a stray year), so
    the estimate is the median of the last ``samples`` readings, and a reading farther than ``max_skew``
    from our clock is ignored as implausible (a host that far off has bigger problems than a lost feed).
    One stray header among three or more readings does not move the estimate. Thread-safe.
    """

    def __init__(self, *, samples: int = 9, max_skew: timedelta = timedelta(hours=12)) -> None:
        """Keep the last ``samples`` plausible readings."""
        self._samples: deque[timedelta] = deque(maxlen=samples)
        self._max_skew = max_skew
        self._lock = threading.Lock()

    def learn(self, theirs: datetime, ours: datetime) -> bool:
        """Add one reading (Amazon's time ``theirs`` seen at our time ``ours``); ``False`` if ignored."""
        if theirs.tzinfo is None:
            return False
        offset = theirs - utc(ours)
        if abs(offset) > self._max_skew:
            return False
        with self._lock:
            self._samples.append(offset)
        return True

    @property
    def value(self) -> timedelta:
        """The estimate: the median of the readings kept (zero before any)."""
        with self._lock:
            readings = sorted(self._samples)
        if not readings:
            return timedelta(0)
        return readings[(len(readings) - 1) // 2]

    @property
    def known(self) -> bool:
        """Whether at least one plausible reading was seen."""
        with self._lock:
            return bool(self._samples)

    def __repr__(self) -> str:
        return f"ClockOffset({self.value.total_seconds():+.0f} s from {len(self._samples)} readings)"
