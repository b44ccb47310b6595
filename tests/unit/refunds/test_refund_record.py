"""A refund in the journal (sp_cancel/_refunds/record.py): its key, outcomes, and how each ending is journaled.

(Named apart from tests/unit/_cancellation/test_record.py: test modules share one namespace.)
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from refund_fakes import ITEM, ORDER_ID, plan_refund

from sp_cancel._refunds.outcomes import RefundStatus, refund_from_json
from sp_cancel._refunds.record import Released, journal_key, make_outcome, not_sent, record, reread, unconfirmed
from sp_cancel.journal import Entry, Journal
from sp_cancel.models import Money, PriceComponent


@pytest.fixture
def ctx(journal: Journal) -> SimpleNamespace:
    """The parts of a Context the record functions read: the journal and the seller's horizon."""
    return SimpleNamespace(journal=journal, horizon=timedelta(hours=48))


def planned(ctx: SimpleNamespace, key: str = "r-1") -> Entry:
    """A refund of 12.50 EUR planned under its journal key."""
    entry, _ = plan_refund(ctx.journal, key)
    return entry


def test_journal_key_and_reread(ctx: SimpleNamespace) -> None:
    """``refund:<key>``; rereading an entry that is gone says so (its planner released it: plan again)."""
    assert journal_key("r-1") == "refund:r-1"
    entry = planned(ctx)
    assert reread(ctx, entry.key) == entry  # type: ignore[arg-type]  # the fake context
    with pytest.raises(Released):
        reread(ctx, "refund:gone")  # type: ignore[arg-type]  # the fake context


def test_make_outcome_carries_the_journaled_refund(ctx: SimpleNamespace) -> None:
    """The outcome names the order, the key, the amounts and the submission; extra fields pass through."""
    entry = planned(ctx)
    outcome = make_outcome(entry, RefundStatus.SUBMITTED, feed_id="F1", detail="waiting")
    assert (outcome.order_id, outcome.idempotency_key, outcome.submission_id) == (ORDER_ID, "r-1", "refund:r-1")
    assert (outcome.feed_id, outcome.detail) == ("F1", "waiting")
    assert outcome.amounts == {ITEM: {PriceComponent.PRINCIPAL: Money(amount=Decimal("12.50"), currency="EUR")}}


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (RefundStatus.APPLIED, "done"),
        (RefundStatus.PARTIALLY_APPLIED, "done"),
        (RefundStatus.REJECTED, "rejected"),
        (RefundStatus.NOT_SENT, "failed"),
    ],
)
def test_record_journals_each_ending_as_its_state(ctx: SimpleNamespace, status: RefundStatus, state: str) -> None:
    """REJECTED -> rejected, NOT_SENT -> failed (asking again sends it), applied -> done; the outcome is kept."""
    entry = planned(ctx)
    outcome = record(ctx, entry, make_outcome(entry, status))  # type: ignore[arg-type]  # the fake context
    stored = ctx.journal.get(entry.key)
    assert stored.state == state
    assert refund_from_json(stored.outcome) == outcome


def test_not_sent_is_journaled_failed_and_unconfirmed_is_not_journaled(ctx: SimpleNamespace) -> None:
    """NOT_SENT ends the attempt (failed); UNCONFIRMED leaves the entry as it was and says it is never resent."""
    entry = planned(ctx)
    gone = not_sent(ctx, entry, "nothing at Amazon after 2 days")  # type: ignore[arg-type]  # the fake context
    assert gone.status is RefundStatus.NOT_SENT
    assert ctx.journal.get(entry.key).state == "failed"
    other = planned(ctx, "r-2")
    maybe = unconfirmed(ctx, other, "createFeed's answer was lost")  # type: ignore[arg-type]  # the fake context
    assert maybe.status is RefundStatus.UNCONFIRMED
    assert "never sent again on its own" in (maybe.detail or "")
    assert "2 days after it was sent" in (maybe.detail or "")
    assert ctx.journal.get(other.key) == other
