"""How long the simulated Amazon takes to show what it accepted, and a clock that runs apart from the client's.

``Lags`` holds the eventual-consistency delays (simulated seconds, each divided by ``scale``): Amazon
accepts a feed, a listing patch or a refund at once but lists, applies or posts it later. The defaults
are what a client must live with against Amazon; ``Lags.none()`` makes everything visible at once for fast
unit tests.

How soon ``getFeeds`` lists a new feed is a figure Amazon does not document, so by default it is drawn per
feed (``draw_feed_listing``) from a heavy-tailed distribution: no fixed wait a client might choose is safe.

``SkewedClock`` is a clock ``skew`` seconds ahead of (or, negative, behind) another one: the simulator's own
clock when it runs apart from the client's, or a client's clock that a test steps as NTP would (``step``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Final

from sp_cancel.clock import Clock

__all__ = ["FEED_LISTING_CAP", "Lags", "SkewedClock", "draw_feed_listing"]

#: The longest drawn listing lag: a day. Amazon keeps feeds 90 days, so every feed is listed eventually.
FEED_LISTING_CAP: Final = 86_400.0
_DRAWN: Final = "drawn"


def draw_feed_listing(rng: random.Random) -> float:
    """One feed's ``getFeeds`` listing lag in seconds, drawn with ``rng``.

    Amazon documents no figure for how soon a new feed is listed, so the draw is heavy-tailed: whatever fixed
    wait a client chooses (90 s, ten minutes, an hour), some feeds are listed only after it.

    - 40 %: uniform within the first minute;
    - 40 %: uniform from one to ten minutes;
    - 20 %: a Pareto tail (alpha 1) from ten minutes, P(lag > t) = 0.2 * 600 / t: 3.3 % of all feeds list after
      an hour, 0.56 % after six hours; capped at ``FEED_LISTING_CAP`` (a day, 0.14 %).
    """
    pick = rng.random()
    if pick < 0.4:
        return rng.uniform(0.0, 60.0)
    if pick < 0.8:
        return rng.uniform(60.0, 600.0)
    return min(600.0 / (1.0 - rng.random()), FEED_LISTING_CAP)


@dataclass(frozen=True)
class Lags:
    """Amazon's delays between accepting something and showing it (simulated seconds; any can be 0).

    Attributes:
        feed_listing: a new feed appears in ``getFeeds`` this long after ``createFeed`` (``getFeed`` by id
            sees it at once). ``None`` (the default) draws each feed's own lag when it is created, from the
            simulator's seeded randomness (``draw_feed_listing``: 40 % within a minute, 40 % within ten
            minutes, 20 % later, a few after an hour, none after a day), because Amazon documents no figure and
            a seller can meet any of them. A number fixes every feed's lag (tests sweep 0, 45, 89, 200, 600,
            3,600 s).
        listing_patch: an ``ACCEPTED`` ``patchListingsItem`` (or a listings-feed patch) takes effect this long
            after it was accepted; reads show the old attributes until then.
        listing_delete: an accepted ``deleteListingsItem`` leaves reads this long after it was accepted.
        refund_posting: Finances shows an applied refund this long after the feed applied it (docs/refunds.md: up
            to 2 hours pending; "orders from the last 48 hours might not be included").
        report_queue: a report waits ``IN_QUEUE`` this long.
        report_processing: then ``IN_PROGRESS`` this long, before ``DONE``.
        report_data: how stale an order report's data can be: Amazon's order reports "lag by about 30 min"
            [D] (no bound documented). The Unshipped Orders report and the All Orders reports (by order date,
            by last update) are built from copies of the order book Amazon's reporting side takes at most this
            often: a report shows the orders as they were up to this long before it was built.
    """

    feed_listing: float | None = None
    listing_patch: float = 20.0
    listing_delete: float = 60.0
    refund_posting: float = 7200.0
    report_queue: float = 10.0
    report_processing: float = 30.0
    report_data: float = 1800.0

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None and field.name == "feed_listing":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
                msg = f"Lags.{field.name} must be a number of seconds >= 0, got {value!r}"
                raise ValueError(msg)

    @classmethod
    def none(cls) -> Lags:
        """Every lag 0: what Amazon accepted is visible at once (fast unit tests)."""
        return cls(**{f.name: 0.0 for f in fields(cls)})

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Lags:
        """Lags from JSON-like settings: ``{"feed_listing": 45}``; ``null`` or ``"drawn"`` draws it per feed.

        Keys are the attribute names; a key left out keeps its default. Unknown keys and values that are not
        seconds raise ``ValueError``.
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            msg = f"unknown Lags keys {unknown}; use {sorted(names)}"
            raise ValueError(msg)
        values: dict[str, float | None] = {}
        for name, value in data.items():
            if name == "feed_listing" and (value is None or value == _DRAWN):
                values[name] = None
            elif isinstance(value, bool) or not isinstance(value, int | float):
                allowed = 'seconds, null or "drawn"' if name == "feed_listing" else "seconds"
                msg = f"Lags.{name} must be {allowed}, got {value!r}"
                raise ValueError(msg)
            else:
                values[name] = float(value)
        return cls(**values)  # type: ignore[arg-type]  # the names were checked against the fields

    def scaled(self, name: str, scale: float) -> timedelta:
        """The fixed lag ``name`` as a timedelta, divided by ``scale`` (``ValueError`` for a drawn lag)."""
        value = getattr(self, name)
        if value is None:
            msg = f"Lags.{name} is drawn per feed; use feed_listing_seconds"
            raise ValueError(msg)
        return timedelta(seconds=float(value) / scale)

    def feed_listing_seconds(self, rng: random.Random) -> float:
        """One new feed's listing lag in seconds: the fixed ``feed_listing``, or a draw with ``rng``."""
        return draw_feed_listing(rng) if self.feed_listing is None else float(self.feed_listing)


class SkewedClock:
    """A clock ``skew`` seconds apart from ``base``; advancing it advances ``base`` (one timeline, two readings).

    The simulator reads one when it runs apart from the client (``clock_skew``). A test can also give a client
    one (``sim.client(clock=SkewedClock(sim.clock, 0))``) and ``step`` it mid-run, as NTP steps a host's clock.
    """

    def __init__(self, base: Clock, skew: float) -> None:
        """Read ``base`` plus ``skew`` seconds."""
        self.base = base
        self.skew = float(skew)

    def now(self) -> datetime:
        """The base clock's time plus the skew."""
        return self.base.now() + timedelta(seconds=self.skew)

    def monotonic(self) -> float:
        """The base clock's monotonic counter (a skew, or a step, does not change durations)."""
        return self.base.monotonic()

    def step(self, seconds: float) -> None:
        """Jump this clock's wall time by ``seconds`` from now on (negative: back), as NTP steps a host's clock.

        The skew grows by ``seconds``; ``monotonic`` does not move, and the base clock is untouched.
        """
        self.skew += float(seconds)

    def advance(self, seconds: float) -> None:
        """Advance the base clock (a ``FakeClock``); a no-op for a real one."""
        advance = getattr(self.base, "advance", None)
        if callable(advance):
            advance(seconds)

    def __repr__(self) -> str:
        return f"SkewedClock({self.base!r}, skew={self.skew:+g} s)"
