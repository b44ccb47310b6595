"""What the Feeds API modules share: limits and lifetimes, the core's protocol, error answers, feed ordering."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final, Protocol

from sp_cancel.testing._sim._http import SimResponse, error_response
from sp_cancel.testing._sim._orderfeed import ACK_FEED, ADJ_FEED

if TYPE_CHECKING:
    import random
    from datetime import datetime

    from sp_cancel.testing._sim._state import SimFeed, World

__all__ = [
    "FEED_RETENTION",
    "INPUT_DOCUMENT_LIFETIME",
    "LISTINGS_FEED",
    "LISTINGS_FEED_LIMIT",
    "LISTINGS_FEED_WINDOW",
    "PROCESSING_STATUSES",
    "SUPPORTED_FEED_TYPES",
    "URL_LIFETIME",
    "FeedSim",
    "FeedTiming",
]

LISTINGS_FEED: Final = "JSON_LISTINGS_FEED"
SUPPORTED_FEED_TYPES: Final = frozenset({ACK_FEED, ADJ_FEED, LISTINGS_FEED})
PROCESSING_STATUSES: Final = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
URL_LIFETIME: Final = timedelta(minutes=5)  # presigned upload/download URLs [M]
INPUT_DOCUMENT_LIFETIME: Final = timedelta(days=2)  # [D submit-a-feed]
FEED_RETENTION: Final = timedelta(days=90)  # [M]
LISTINGS_FEED_LIMIT: Final = 5  # per 5 minutes [D listings-feed-type-values, changelog 2025-05-06]
LISTINGS_FEED_WINDOW: Final = timedelta(minutes=5)


class FeedTiming(Protocol):
    """Simulated durations of the feed lifecycle (before dividing by the simulator's scale)."""

    @property
    def queue_seconds(self) -> float:
        """Seconds a feed stays IN_QUEUE."""
        ...

    @property
    def base_seconds(self) -> float:
        """Fixed part of the IN_PROGRESS time."""
        ...

    @property
    def per_message_seconds(self) -> float:
        """IN_PROGRESS time added per message."""
        ...


class FeedSim(Protocol):
    """What the feeds code needs from the simulator core (a subset of its fixed contract)."""

    @property
    def world(self) -> World:
        """The simulated seller's state."""
        ...

    @property
    def rng(self) -> random.Random:
        """Seeded randomness."""
        ...

    @property
    def seller_id(self) -> str:
        """The simulated seller (MerchantIdentifier / sellerId)."""
        ...

    @property
    def base_url(self) -> str:
        """Where the simulator is served, for presigned URLs."""
        ...

    @property
    def scale(self) -> float:
        """Time compression: simulated durations are divided by it."""
        ...

    @property
    def feed_timing(self) -> FeedTiming:
        """Lifecycle durations."""
        ...

    @property
    def refund_posting_delay(self) -> timedelta:
        """How long after applying a refund Finances shows it."""
        ...

    def now(self) -> datetime:
        """Return the simulated current time (aware UTC)."""
        ...

    def new_id(self, kind: str) -> str:
        """Return a fresh identifier of ``kind``."""
        ...

    def take_feed_fault(self) -> str | None:
        """Return the next injected feed fault: ``"stuck"``, ``"fatal"`` or ``None``."""
        ...


def _bad(message: str) -> SimResponse:
    return error_response(400, "InvalidInput", message)


def _not_found(message: str) -> SimResponse:
    return error_response(404, "NotFound", message)


def _sort_key(feed: SimFeed) -> tuple[datetime, int, str]:
    return feed.created_at, len(feed.feed_id), feed.feed_id
