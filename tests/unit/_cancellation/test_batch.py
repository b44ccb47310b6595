"""A batch of cancels (sp_cancel/_cancellation/batch.py): merging repeats, refusing conflicts, outcomes in order."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from sp_cancel._cancellation.batch import _Batch, _in_order, _sort
from sp_cancel._cancellation.outcomes import CancelOutcome, CancelStatus
from sp_cancel._cancellation.record import submission_key
from sp_cancel.clock import FakeClock
from sp_cancel.errors import InvalidInputError, NotCancellableError
from sp_cancel.journal import Journal
from sp_cancel.models import CancelReason, CancelRequest, ItemCancel

A, B, C = "111-0000000-0000001", "111-0000000-0000002", "111-0000000-0000003"
ITEM = "11111111111111"


def whole(order_id: str, reason: CancelReason = CancelReason.NO_INVENTORY) -> CancelRequest:
    """A whole-order cancel."""
    return CancelRequest(order_id=order_id, reason=reason)


@pytest.fixture
def ctx() -> Iterator[SimpleNamespace]:
    """The parts of a Context ``_sort`` reads: the journal and the seller."""
    with Journal(":memory:", clock=FakeClock()) as journal:
        yield SimpleNamespace(journal=journal, seller_id="S1")


def test_exact_repeats_are_one_cancel(ctx: SimpleNamespace) -> None:
    """The same request twice is sent once; nothing is refused."""
    state, fresh = _sort(ctx, [whole(A), whole(B), whole(A)])  # type: ignore[arg-type]  # the fake context
    assert fresh == [whole(A), whole(B)]
    assert state.unique == [whole(A), whole(B)]
    assert state.errors == {}


def test_two_different_cancels_of_one_order_are_both_refused(ctx: SimpleNamespace) -> None:
    """Another reason or other units for the same order: either could be the wrong one, so neither is sent."""
    units = CancelRequest(
        order_id=A, reason=CancelReason.NO_INVENTORY, items=[ItemCancel(order_item_id=ITEM, quantity=1)]
    )
    state, fresh = _sort(ctx, [whole(A), whole(B), units, whole(A, CancelReason.BUYER_CANCELED)])  # type: ignore[arg-type]
    assert fresh == [whole(B)]
    assert isinstance(state.errors[A], InvalidInputError)
    assert "appears twice" in str(state.errors[A])


def test_a_cancel_the_journal_already_sent_is_finished_not_checked_again(ctx: SimpleNamespace) -> None:
    """A journaled, sent cancel goes to ``entries`` (to be finished); a planned one is checked like a new one."""
    sent_key = submission_key("S1", whole(A))
    ctx.journal.plan(sent_key, kind="cancel", target=A, payload={})
    ctx.journal.mark_submitting([sent_key], feed_type="F", document_hash="h", sent_at=FakeClock().now())
    ctx.journal.plan(submission_key("S1", whole(B)), kind="cancel", target=B, payload={})
    state, fresh = _sort(ctx, [whole(A), whole(B), whole(C)])  # type: ignore[arg-type]  # the fake context
    assert list(state.entries) == [A]
    assert state.entries[A].key == sent_key
    assert fresh == [whole(B), whole(C)]


def test_a_failed_attempt_is_asked_again_under_its_next_key(ctx: SimpleNamespace) -> None:
    """A cancel journaled failed is not an answer: the request is fresh again (its next attempt key)."""
    key = submission_key("S1", whole(A))
    ctx.journal.plan(key, kind="cancel", target=A, payload={})
    ctx.journal.mark_done(key, state="failed", outcome={})
    state, fresh = _sort(ctx, [whole(A)])  # type: ignore[arg-type]  # the fake context
    assert (fresh, state.entries) == ([whole(A)], {})


def test_outcomes_come_once_per_order_in_the_order_first_asked() -> None:
    """Refusals become REFUSED outcomes carrying their error; known outcomes pass through; repeats appear once."""
    refusal = NotCancellableError("order is SHIPPED.", target_id=B, state="SHIPPED")
    done = CancelOutcome(order_id=C, status=CancelStatus.CANCELLED, reason=CancelReason.NO_INVENTORY)
    state = _Batch(errors={B: refusal}, outcomes={C: done})
    ordered = _in_order([whole(C), whole(B), whole(A), whole(C)], state)
    assert list(ordered) == [C, B]  # A has no outcome yet: it is not invented
    assert ordered[C] is done
    refused = ordered[B]
    assert (refused.status, refused.error, refused.detail) == (CancelStatus.REFUSED, refusal, str(refusal))
