"""Adaptive feed polling (issue 13 item 10): poll intervals follow the processing time observed.

Simulated time only (the simulator's FakeClock): no real-time assertion.
"""

from __future__ import annotations

import itertools
from datetime import datetime

from sp_cancel import CancelReason
from sp_cancel._operations import OPERATIONS
from sp_cancel.testing import Exchange, Lags, Simulator


def _polls(sim: Simulator) -> list[datetime]:
    seen: list[datetime] = []

    def watch(exchange: Exchange) -> None:
        if exchange.operation == "feeds.getFeed":
            seen.append(sim.now())

    sim.observe(watch)
    return seen


def test_the_second_feed_is_polled_around_the_processing_time_seen_for_the_first() -> None:
    """The first feed follows the fixed schedule; the next one is polled just after the time the first took."""
    sim = Simulator(seed=31, orders=40, lags=Lags.none())
    client = sim.client()
    orders = [o.order_id for o in sim.orders(status="Unshipped", channel="MFN")[:2]]
    polls = _polls(sim)
    client.cancel_order(orders[0], CancelReason.NO_INVENTORY)
    first = len(polls)
    first_feed = max(sim.world.feeds.values(), key=lambda f: f.created_at)
    client.cancel_order(orders[1], CancelReason.NO_INVENTORY)
    second = polls[first:]
    feed = max(sim.world.feeds.values(), key=lambda f: f.created_at)
    assert feed.ended_at is not None
    assert first_feed.ended_at is not None
    assert len(second) < first  # fewer getFeed calls once the processing time is known
    overshoot = (second[-1] - feed.ended_at).total_seconds()
    first_overshoot = (polls[first - 1] - first_feed.ended_at).total_seconds()
    assert 0 <= overshoot < first_overshoot  # the finish is seen sooner after it happened


def test_polls_never_come_faster_than_get_feeds_usage_plan() -> None:
    """However short the processing time learned, polls stay at least 1 / rate apart and draw no 429."""
    sim = Simulator(seed=32, orders=40, lags=Lags.none())
    # make processing nearly instant, so the learned time is shorter than getFeed's plan allows polling at
    sim._core.feed_timing.queue_seconds = 0.0
    sim._core.feed_timing.base_seconds = 0.1
    client = sim.client()
    polls = _polls(sim)
    for order in sim.orders(status="Unshipped", channel="MFN")[:3]:
        client.cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    floor = 1 / OPERATIONS["feeds.getFeed"].rate
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(polls)]
    assert all(g >= floor - 1e-6 for g in gaps if g > 0), gaps
