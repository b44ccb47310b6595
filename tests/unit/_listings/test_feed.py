"""Closing listings by feed (sp_cancel/_listings/feed.py): its journal payload, the 5-per-5-minutes window.

Also what a FATAL feed's read-back means, and which journaled close a new one must finish first.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from sp_cancel._listings.feed import (
    KIND_CLOSE,
    LISTINGS_FEED_LIMIT,
    LISTINGS_FEED_WINDOW,
    ClosePayload,
    _pending,
    _reconcile,
    wait_for_listings_feed_slot,
)
from sp_cancel._listings.outcomes import ListingStatus
from sp_cancel._outcomes import FeedState
from sp_cancel.clock import FakeClock
from sp_cancel.feeds import FEED_TYPE_JSON_LISTINGS
from sp_cancel.journal import Entry, Journal

US = "ATVPDKIKX0DER"


@pytest.fixture
def clock() -> FakeClock:
    """Our clock."""
    return FakeClock()


@pytest.fixture
def ctx(clock: FakeClock) -> Iterator[SimpleNamespace]:
    """The parts of a Context these functions read."""
    with Journal(":memory:", clock=clock) as journal:
        yield SimpleNamespace(
            journal=journal, clock=clock, sleep=clock.sleep, seller_id="S1", marketplace_id=US, runner=None
        )


def close(
    ctx: SimpleNamespace, sku: str, *, seller: str = "S1", feed_id: str | None = None, lease: float = 60
) -> Entry:
    """Plan a close of ``sku``; with ``feed_id``, send it now in that feed."""
    payload = ClosePayload(seller_id=seller, marketplace_id=US, sku=sku, product_type="SHOES")
    key = f"close:{seller}:{sku}"
    entry, _ = ctx.journal.plan(key, kind=KIND_CLOSE, target=sku, payload=payload.to_json(), lease_seconds=lease)
    if feed_id is not None:
        ctx.journal.mark_submitting(
            [key], feed_type=FEED_TYPE_JSON_LISTINGS, document_hash=sku, sent_at=ctx.clock.now()
        )
        (entry,) = ctx.journal.mark_submitted([key], feed_id=feed_id)
    return entry


def test_close_payload_round_trips_and_old_entries_read_with_defaults(ctx: SimpleNamespace) -> None:
    """The JSON form reads back; an entry that kept nothing falls back to its target and the generic type."""
    entry = close(ctx, "SKU-1")
    assert ClosePayload.of_entry(entry) == ClosePayload(
        seller_id="S1", marketplace_id=US, sku="SKU-1", product_type="SHOES"
    )
    bare, _ = ctx.journal.plan("close:old", kind=KIND_CLOSE, target="SKU-OLD", payload={})
    assert ClosePayload.of_entry(bare) == ClosePayload(
        seller_id="", marketplace_id="", sku="SKU-OLD", product_type="PRODUCT"
    )


def test_the_sixth_feed_in_five_minutes_waits_for_the_oldest_to_leave_the_window(
    ctx: SimpleNamespace, clock: FakeClock
) -> None:
    """Five of this seller's listings feeds in the window: wait until the oldest is five minutes old (+1 s)."""
    for n in range(LISTINGS_FEED_LIMIT):
        close(ctx, f"SKU-{n}", feed_id=f"F{n}")
        clock.advance(30)
    close(ctx, "OTHER", seller="S2", feed_id="F-other")  # another seller's feed is not in this seller's window
    waited = wait_for_listings_feed_slot(ctx)  # type: ignore[arg-type]  # the fake context
    assert waited == pytest.approx(LISTINGS_FEED_WINDOW.total_seconds() - 5 * 30 + 1)
    assert wait_for_listings_feed_slot(ctx) == 0.0  # type: ignore[arg-type]  # now four are in the window


def test_fewer_than_five_feeds_do_not_wait(ctx: SimpleNamespace, clock: FakeClock) -> None:
    """Four feeds in the window, or five of which one is older than five minutes: no wait."""
    close(ctx, "OLD", feed_id="F-old")
    clock.advance(LISTINGS_FEED_WINDOW.total_seconds())
    for n in range(LISTINGS_FEED_LIMIT - 1):
        close(ctx, f"SKU-{n}", feed_id=f"F{n}")
    assert wait_for_listings_feed_slot(ctx) == 0.0  # type: ignore[arg-type]  # the fake context
    assert clock.monotonic() == LISTINGS_FEED_WINDOW.total_seconds()


@pytest.mark.parametrize(("closed", "status"), [(True, ListingStatus.ACCEPTED), (False, ListingStatus.INVALID)])
def test_a_failed_feed_is_judged_by_reading_the_listing_back(
    ctx: SimpleNamespace, closed: bool, status: ListingStatus
) -> None:
    """After a FATAL feed, the listing reading back at 0 is ACCEPTED (Amazon applied it anyway), else INVALID."""
    entry = close(ctx, "SKU-1", feed_id="F1")
    feed = FeedState(feed_id="F1", feed_type=FEED_TYPE_JSON_LISTINGS, status="FATAL")
    outcome = _reconcile(entry, feed, (closed, "the quantity reads back as 0"))
    assert (outcome.status, outcome.feed_id, outcome.submission_id) == (status, "F1", entry.key)
    assert outcome.detail == "feed F1 ended FATAL; the quantity reads back as 0"


def test_pending_finds_this_sellers_unfinished_close(ctx: SimpleNamespace, clock: FakeClock) -> None:
    """A sent close is finished first; another seller's is not ours; a plan whose lease ran out is released."""
    assert _pending(ctx, "SKU-1") is None  # type: ignore[arg-type]  # the fake context
    close(ctx, "SKU-1", seller="S2", feed_id="F9")
    assert _pending(ctx, "SKU-1") is None  # type: ignore[arg-type]  # another seller's close
    sent = close(ctx, "SKU-2", feed_id="F1")
    assert _pending(ctx, "SKU-2") == sent  # type: ignore[arg-type]  # the fake context
    planned = close(ctx, "SKU-3", lease=30)
    assert _pending(ctx, "SKU-3") == planned  # type: ignore[arg-type]  # leased: its planner may still send it
    clock.advance(31)
    assert _pending(ctx, "SKU-3") is None  # type: ignore[arg-type]  # the planner died before sending
    assert ctx.journal.get(planned.key) is None
