"""The feed lifecycle: ``IN_QUEUE``, ``IN_PROGRESS``, then ``DONE`` (or ``FATAL``), driven by :func:`tick`.

See :mod:`._feeds` for the timings and the ``stuck``/``fatal`` faults.
"""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sp_cancel.testing._sim._feeds_common import LISTINGS_FEED, SUPPORTED_FEED_TYPES, _sort_key
from sp_cancel.testing._sim._listingsfeed import process_listings_feed
from sp_cancel.testing._sim._orderfeed import process_order_feed
from sp_cancel.testing._sim._state import SimFeedDocument

if TYPE_CHECKING:
    from collections.abc import Callable

    from sp_cancel.testing._sim._feeds_common import FeedSim
    from sp_cancel.testing._sim._state import SimFeed

__all__ = ["tick"]


def _message_count(feed: SimFeed, content: bytes) -> int:
    """Cheap message count for timing (the document is parsed properly only when processed)."""
    if feed.feed_type == LISTINGS_FEED:
        return content.count(b'"messageId"')
    return content.count(b"<MessageID>")


def _due(sim: FeedSim, feed: SimFeed, started: datetime) -> datetime:
    document = sim.world.documents.get(feed.input_document_id)
    messages = _message_count(feed, document.content or b"") if document is not None else 0
    timing = sim.feed_timing
    seconds = (timing.base_seconds + timing.per_message_seconds * messages) / sim.scale
    return started + timedelta(seconds=seconds)


def _fatal_selection(sim: FeedSim) -> Callable[[int], bool]:
    """A seeded random subset of message positions: none, all, or each message with probability 1/2."""
    draw = sim.rng.random()
    if draw < 1 / 3:
        return lambda _position: False
    if draw < 2 / 3:
        return lambda _position: True
    chosen = sim.rng.getrandbits(64)
    salt = sim.rng.getrandbits(32)
    return lambda position: bool((hash((salt, position)) ^ chosen) & 1)


def _finish(sim: FeedSim, feed: SimFeed, at: datetime) -> None:
    feed.ended_at = at
    document = sim.world.documents.get(feed.input_document_id)
    content = document.content if document is not None and document.content is not None else b""
    if feed.feed_type not in SUPPORTED_FEED_TYPES:
        feed.status = "FATAL"
        return
    fatal = feed.force == "fatal"
    select = _fatal_selection(sim) if fatal else None
    if feed.feed_type == LISTINGS_FEED:
        report = process_listings_feed(sim, feed, content, at, select=select)
        content_type = "application/json; charset=UTF-8"
    else:
        report = process_order_feed(sim, feed, content, at, select=select).report
        content_type = "text/xml; charset=UTF-8"
    if fatal:
        feed.status = "FATAL"
        return
    result_id = sim.new_id("feedDocument")
    sim.world.documents[result_id] = SimFeedDocument(
        result_id, content_type, at, content=gzip.compress(report, mtime=0), compression="GZIP"
    )
    feed.result_document_id = result_id
    feed.status = "DONE"


def tick(sim: FeedSim) -> None:
    """Advance every queued or running feed to where the simulated clock says it is; process finished ones."""
    now = sim.now()
    due: list[tuple[datetime, SimFeed]] = []
    queue = timedelta(seconds=sim.feed_timing.queue_seconds / sim.scale)
    for feed in sim.world.feeds.values():
        if feed.status == "IN_QUEUE" and now >= feed.created_at + queue:
            feed.status = "IN_PROGRESS"
            feed.started_at = feed.created_at + queue
        if feed.status == "IN_PROGRESS" and feed.force != "stuck" and feed.started_at is not None:
            finish_at = _due(sim, feed, feed.started_at)
            if now >= finish_at:
                due.append((finish_at, feed))
    due.sort(key=lambda pair: (pair[0], _sort_key(pair[1])))
    for finish_at, feed in due:
        _finish(sim, feed, finish_at)
