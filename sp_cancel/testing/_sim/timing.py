"""How long the simulated Amazon takes to show what it accepted, and a clock that runs apart from the client's.

``Lags`` holds the eventual-consistency delays (simulated seconds, each divided by ``scale``): Amazon
accepts a feed, a listing patch or a refund at once but lists, applies or posts it later. The defaults
are what a client must live with against Amazon; ``Lags.none()`` makes everything visible at once for fast
unit tests.

``SkewedClock`` is the simulator's own clock when it runs ``skew`` seconds ahead of (or, negative,
behind) the client's: it reads the client's clock and adds the skew, so both still move together.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sp_cancel.clock import Clock

__all__ = ["Lags", "SkewedClock"]


@dataclass(frozen=True)
class Lags:
    """Amazon's delays between accepting something and showing it (simulated seconds; any can be 0).

    Attributes:
        feed_listing: a new feed appears in ``getFeeds`` this long after ``createFeed`` (``getFeed`` by id
            sees it at once). Amazon's listing is eventually consistent; tens of seconds is the default.
        listing_patch: an ``ACCEPTED`` ``patchListingsItem`` (or a listings-feed patch) takes effect this long
            after it was accepted; reads show the old attributes until then.
        listing_delete: an accepted ``deleteListingsItem`` leaves reads this long after it was accepted.
        refund_posting: Finances shows an applied refund this long after the feed applied it (facts §4: up
            to 2 hours pending; "orders from the last 48 hours might not be included").
        report_queue: a report waits ``IN_QUEUE`` this long.
        report_processing: then ``IN_PROGRESS`` this long, before ``DONE``.
    """

    feed_listing: float = 45.0
    listing_patch: float = 20.0
    listing_delete: float = 60.0
    refund_posting: float = 7200.0
    report_queue: float = 10.0
    report_processing: float = 30.0

    def __post_init__(self) -> None:
        for field in fields(self):
            if getattr(self, field.name) < 0:
                msg = f"Lags.{field.name} must be >= 0 seconds"
                raise ValueError(msg)

    @classmethod
    def none(cls) -> Lags:
        """Every lag 0: what Amazon accepted is visible at once (fast unit tests)."""
        return cls(**{f.name: 0.0 for f in fields(cls)})

    def scaled(self, name: str, scale: float) -> timedelta:
        """The lag ``name`` as a timedelta, divided by ``scale``."""
        return timedelta(seconds=float(getattr(self, name)) / scale)


class SkewedClock:
    """A clock ``skew`` seconds apart from ``base``; advancing it advances ``base`` (one timeline, two readings)."""

    def __init__(self, base: Clock, skew: float) -> None:
        """Read ``base`` plus ``skew`` seconds."""
        self.base = base
        self.skew = float(skew)

    def now(self) -> datetime:
        """The base clock's time plus the skew."""
        return self.base.now() + timedelta(seconds=self.skew)

    def monotonic(self) -> float:
        """The base clock's monotonic counter (a skew does not change durations)."""
        return self.base.monotonic()

    def advance(self, seconds: float) -> None:
        """Advance the base clock (a ``FakeClock``); a no-op for a real one."""
        advance = getattr(self.base, "advance", None)
        if callable(advance):
            advance(seconds)

    def __repr__(self) -> str:
        return f"SkewedClock({self.base!r}, skew={self.skew:+g} s)"
