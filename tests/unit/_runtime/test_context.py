"""The waits every workflow shares: the seller's horizon on Amazon's clock, and repeating a search until settled."""

from __future__ import annotations

from datetime import timedelta

import attrs
from runtime_fakes import FakeAmazon
from unit_fakes import fake_context

from sp_cancel._runtime.context import Context, past_horizon, until_settled
from sp_cancel._runtime.feeds import SEARCH_POLL
from sp_cancel.clock import FakeClock
from sp_cancel.journal import Entry, Journal


def context(clock: FakeClock, journal: Journal, *, ahead: float = 0.0, horizon: float = 3600.0) -> Context:
    """A context whose Amazon runs ``ahead`` seconds ahead of our clock."""
    amazon = FakeAmazon(clock, offset=timedelta(seconds=ahead))
    return fake_context(amazon, journal, clock, horizon=timedelta(seconds=horizon))


def sent(journal: Journal, clock: FakeClock, *, amazon_ahead: float) -> Entry:
    """One entry sent now, Amazon's clock recorded ``amazon_ahead`` seconds ahead of ours."""
    journal.plan("k", kind="cancel", target="111-1", payload={})
    (entry,) = journal.mark_submitting(
        ["k"],
        feed_type="F",
        document_hash="h",
        sent_at=clock.now(),
        amazon_sent_at=clock.now() + timedelta(seconds=amazon_ahead),
    )
    return entry


def test_past_horizon_is_measured_on_amazons_clock(clock: FakeClock, journal: Journal) -> None:
    """Amazon an hour ahead, recorded so at sending: the horizon is an hour of Amazon's time after that record."""
    ctx = context(clock, journal, ahead=3600.0)
    entry = sent(journal, clock, amazon_ahead=3600.0)
    assert not past_horizon(ctx, entry)
    clock.advance(3599)
    assert not past_horizon(ctx, entry)
    clock.advance(1)
    assert past_horizon(ctx, entry)
    assert not past_horizon(ctx, attrs.evolve(entry, submitted_at=None, amazon_sent_at=None))  # never sent


def test_until_settled_repeats_the_search_every_search_poll_until_settled(clock: FakeClock, journal: Journal) -> None:
    """Searches follow each other SEARCH_POLL apart; the first settled answer ends the wait."""
    ctx = context(clock, journal)
    entry = sent(journal, clock, amazon_ahead=0.0)
    looked: list[float] = []

    def once(current: Entry) -> Entry:
        looked.append(clock.monotonic())
        return attrs.evolve(current, feed_id="F9") if len(looked) == 3 else current

    settled = until_settled(ctx, entry, once, timeout=3600)
    assert settled is not None
    assert settled.feed_id == "F9"
    assert looked == [0.0, SEARCH_POLL, 2 * SEARCH_POLL]


def test_until_settled_stops_at_the_timeout_with_the_entry_still_uncertain(clock: FakeClock, journal: Journal) -> None:
    """Never settled: the last answer comes back after exactly ``timeout`` (the last pause is shortened)."""
    ctx = context(clock, journal)
    entry = sent(journal, clock, amazon_ahead=0.0)
    looked: list[float] = []

    def once(current: Entry) -> Entry:
        looked.append(clock.monotonic())
        return current

    last = until_settled(ctx, entry, once, timeout=100.0)
    assert last is not None
    assert last.send_uncertain
    assert looked == [0.0, SEARCH_POLL, 100.0]


def test_until_settled_returns_none_when_the_search_dropped_the_entry(clock: FakeClock, journal: Journal) -> None:
    """A search that finds nothing reached Amazon drops the entry: None at once, no more searches."""
    ctx = context(clock, journal)
    entry = sent(journal, clock, amazon_ahead=0.0)
    calls: list[Entry] = []
    assert until_settled(ctx, entry, calls.append, timeout=600) is None  # type: ignore[arg-type]  # returns None
    assert len(calls) == 1
    assert clock.monotonic() == 0.0


def test_no_timeout_means_one_search(clock: FakeClock, journal: Journal) -> None:
    """timeout=0 (a call that does not wait): one search, no sleep."""
    ctx = context(clock, journal)
    entry = sent(journal, clock, amazon_ahead=0.0)
    calls: list[Entry] = []

    def once(current: Entry) -> Entry:
        calls.append(current)
        return current

    until_settled(ctx, entry, once, timeout=0.0)
    assert len(calls) == 1
    assert clock.monotonic() == 0.0
