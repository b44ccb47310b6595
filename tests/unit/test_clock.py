"""Injected time (sp_cancel/clock.py): the fake clock, UTC helpers, durations as people write them, Amazon's offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sp_cancel.clock import ClockOffset, FakeClock, SystemClock, human_duration, parse_time, utc

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def test_fake_clock_moves_only_when_told() -> None:
    """Now and monotonic move together by advance/sleep; a negative advance is ignored; a naive start refused."""
    clock = FakeClock(T0)
    assert (clock.now(), clock.monotonic()) == (T0, 0.0)
    clock.sleep(90)
    clock.advance(-30)
    assert (clock.now(), clock.monotonic()) == (T0 + timedelta(seconds=90), 90.0)
    assert FakeClock(datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1)))).now() == datetime(
        2026, 1, 1, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        FakeClock(datetime(2026, 1, 1))  # noqa: DTZ001 - the naive value is the point


def test_system_clock_is_aware_utc() -> None:
    """The real clock gives aware UTC times."""
    assert SystemClock().now().utcoffset() == timedelta(0)


def test_utc_and_parse_time() -> None:
    """Utc converts aware values and refuses naive ones; parse_time reads ISO 8601 and maps absence to None."""
    assert utc(datetime(2026, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))) == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        utc(datetime(2026, 1, 1))  # noqa: DTZ001 - the naive value is the point
    assert parse_time("2026-12-05T12:00:00Z") == T0
    assert parse_time("") is None
    assert parse_time(None) is None
    with pytest.raises(ValueError):
        parse_time("yesterday")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.5, "0.5 s"),
        (4.5, "4.5 s"),
        (5, "5 s"),
        (42, "42 s"),
        (71, "1 min 11 s"),
        (120, "2 min"),
        (7500, "2 h 5 min"),
        (timedelta(hours=48), "2 days"),
        (timedelta(days=1, hours=1), "1 day 1 h"),
        (-90, "-1 min 30 s"),
    ],
)
def test_human_duration(value: float | timedelta, text: str) -> None:
    """Tenths under 10 s, then whole units, at most two of them."""
    assert human_duration(value) == text


def test_clock_offset_is_the_median_of_plausible_readings() -> None:
    """Zero before any; one stray header among three does not move it; implausible or naive readings are ignored."""
    offset = ClockOffset(samples=5)
    assert (offset.value, offset.known) == (timedelta(0), False)
    for seconds in (7, 8, 7):
        assert offset.learn(T0 + timedelta(seconds=seconds), T0)
    assert offset.learn(T0 + timedelta(hours=3), T0)  # plausible but stray
    assert offset.value == timedelta(seconds=7)
    assert not offset.learn(T0 + timedelta(hours=13), T0)  # more than 12 h off: ignored
    assert not offset.learn(datetime(2026, 12, 5, 12, 0), T0)  # noqa: DTZ001 - a naive reading is ignored
    assert offset.value == timedelta(seconds=7)
    assert offset.known


def test_clock_offset_keeps_only_the_last_samples() -> None:
    """Old readings leave the window: after a clock step, the estimate follows once most readings are new."""
    offset = ClockOffset(samples=3)
    for _ in range(3):
        offset.learn(T0 + timedelta(seconds=5), T0)
    for _ in range(2):
        offset.learn(T0 - timedelta(seconds=60), T0)
    assert offset.value == timedelta(seconds=-60)
