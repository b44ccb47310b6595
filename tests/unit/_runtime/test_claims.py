"""Who may work on a journal key: attempt keys, the local lead, stale leases, what a failure says was sent."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import attrs

from sp_cancel._runtime.claims import (
    LOCAL,
    base_key,
    claim_note,
    live_key,
    money_moving,
    nothing_sent,
    release_plan,
    sent_on_amazon_clock,
    stale_claim,
)
from sp_cancel.clock import FakeClock
from sp_cancel.errors import ApiError, OutcomeUnknownError, ServerError
from sp_cancel.feeds import FEED_TYPE_JSON_LISTINGS, FEED_TYPE_ORDER_ACKNOWLEDGEMENT, FEED_TYPE_PAYMENT_ADJUSTMENT
from sp_cancel.journal import Entry, Journal, JournalError, drop_owner, in_use


def plan(journal: Journal, key: str, *, lease: float = 60.0) -> Entry:
    """A planned entry this process holds the lease of."""
    entry, created = journal.plan(key, kind="cancel", target="111-1", payload={}, lease_seconds=lease)
    assert created
    return entry


def test_only_the_adjustment_feed_moves_money() -> None:
    """Refunds and unit cancels (the adjustment feed) move money; acknowledgements and listings do not."""
    assert money_moving(FEED_TYPE_PAYMENT_ADJUSTMENT)
    assert not money_moving(FEED_TYPE_ORDER_ACKNOWLEDGEMENT)
    assert not money_moving(FEED_TYPE_JSON_LISTINGS)
    assert not money_moving(None)


def test_nothing_sent_only_when_create_feed_itself_was_refused() -> None:
    """A refused createFeed sent nothing; another operation's error, or a lost answer in the chain, may have."""
    refused = ApiError("bad", operation="createFeed", status=400)
    assert nothing_sent(refused)
    assert not nothing_sent(ApiError("bad", operation="getFeed", status=400))
    assert not nothing_sent(RuntimeError("boom"))
    assert not nothing_sent(OutcomeUnknownError("lost", operation="createFeed", status=503))
    chained = ServerError("then refused", operation="createFeed", status=400)
    chained.__cause__ = OutcomeUnknownError("lost", operation="createFeed", status=None)
    assert not nothing_sent(chained)
    chained.__cause__ = None
    assert nothing_sent(chained)


def test_sent_on_amazon_clock_prefers_amazons_record(journal: Journal, clock: FakeClock) -> None:
    """Amazon's clock when it was recorded; an older journal's own clock otherwise; nothing before sending."""
    entry = plan(journal, "k")
    assert sent_on_amazon_clock(entry) is None
    (sent,) = journal.mark_submitting(
        ["k"], feed_type="F", document_hash="h", sent_at=clock.now(), amazon_sent_at=clock.now() + timedelta(hours=3)
    )
    assert sent_on_amazon_clock(sent) == clock.now() + timedelta(hours=3)
    assert sent_on_amazon_clock(attrs.evolve(sent, amazon_sent_at=None)) == clock.now()


def test_live_key_moves_past_failed_attempts(journal: Journal, clock: FakeClock) -> None:
    """A failed attempt keeps its record; the next goes under ~2, ~3...; a live attempt is reused."""
    assert live_key(journal, "cancel:1") == "cancel:1"
    plan(journal, "cancel:1")
    assert live_key(journal, "cancel:1") == "cancel:1"  # planned, not failed: the same attempt
    journal.mark_done("cancel:1", state="failed", outcome={})
    assert live_key(journal, "cancel:1") == "cancel:1~2"
    plan(journal, "cancel:1~2")
    journal.mark_done("cancel:1~2", state="failed", outcome={})
    assert live_key(journal, "cancel:1") == "cancel:1~3"
    assert base_key("cancel:1~3") == base_key("cancel:1") == "cancel:1"


def test_stale_claim(journal: Journal, clock: FakeClock) -> None:
    """A held, unexpired lease is not stale; an expired one is; a dropped token of this process is; sent is never."""
    entry = plan(journal, "k", lease=30)
    assert stale_claim(entry, clock.now()) is None
    clock.advance(31)
    assert stale_claim(entry, clock.now()) == entry.owner
    fresh = plan(journal, "k2", lease=600)
    assert in_use(fresh.owner)
    drop_owner(fresh.owner)  # forgotten, as a call that failed before releasing leaves it
    assert stale_claim(fresh, clock.now()) == fresh.owner  # this process, no call holds it: take it now
    (sent,) = journal.mark_submitting(["k2"], feed_type="F", document_hash="h", sent_at=clock.now())
    assert stale_claim(sent, clock.now() + timedelta(days=1)) is None


class _Broken:
    """A journal whose release fails (the store is down)."""

    def release(self, key: str, *, owner: str | None = None) -> None:
        del owner  # fails whoever asks
        raise JournalError(f"cannot release {key}")


def test_release_plan_forgets_the_token_when_the_journal_cannot_release(journal: Journal) -> None:
    """Released in the journal when it can; otherwise the token is dropped, so this process takes the plan over."""
    entry = plan(journal, "k")
    release_plan(journal, "k", entry.owner)
    assert journal.get("k") is None  # a released plan is gone: nothing was sent
    assert not in_use(entry.owner)
    other = plan(journal, "k3")
    assert in_use(other.owner)
    release_plan(_Broken(), "k3", other.owner)  # type: ignore[arg-type]  # only release is called
    assert not in_use(other.owner)


def test_claim_note_names_the_holder_and_the_lease(journal: Journal) -> None:
    """The note says who holds the plan and until when."""
    entry = plan(journal, "k")
    assert entry.lease_until is not None
    note = claim_note(entry)
    assert "being sent by" in note
    assert entry.lease_until.isoformat(timespec="seconds") in note


def test_local_lead_serialises_threads_on_one_key_and_store(tmp_path: Path) -> None:
    """Two journal objects over one SQLite file share one lead per key: the second thread waits for the first."""
    path = tmp_path / "journal.sqlite3"
    order: list[str] = []
    with Journal(path) as first, Journal(path) as second:

        def other() -> None:
            with LOCAL.lead(second, ["k"]):
                order.append("second")

        with LOCAL.lead(first, "k"):
            thread = threading.Thread(target=other)
            thread.start()
            thread.join(0.5)  # it cannot finish while this lead is held, however loaded the machine
            assert thread.is_alive()
            order.append("first")
        thread.join(10)
        assert not thread.is_alive()
        with LOCAL.lead(first, "other-key"), LOCAL.lead(second, "k"):
            order.append("different keys do not wait")
    assert order == ["first", "second", "different keys do not wait"]
