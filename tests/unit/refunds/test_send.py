"""Sending a refund (sp_cancel/_refunds/send.py) through the real feed runner over a fake transport.

Money moves at most once: a plan that failed before createFeed is dropped (nothing reached Amazon), a refused
createFeed is NOT_SENT, a lost answer stays submitted (never resent), and a plan is taken over only from a
worker that is provably gone.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from refund_fakes import plan_refund
from unit_fakes import DE, fake_context

from sp_cancel._refunds.record import journal_key
from sp_cancel._refunds.send import PlanHeld, await_plan, send
from sp_cancel._runtime.context import Context
from sp_cancel.clock import FakeClock
from sp_cancel.errors import ApiError, InvalidInputError, OutcomeUnknownError, ServerError
from sp_cancel.journal import Entry, Journal
from sp_cancel.transport import FeedDocumentUpload


class Amazon:
    """The four calls of a feed submission; ``fail`` scripts the upload or createFeed."""

    clock_offset = timedelta(0)

    def __init__(self) -> None:
        """Everything succeeds until a test says otherwise."""
        self.fail: dict[str, Exception] = {}
        self.documents: list[bytes] = []
        self.created: list[tuple[str, list[str]]] = []

    def create_feed_document(self, *, content_type: str) -> FeedDocumentUpload:
        """An upload URL."""
        return FeedDocumentUpload(feed_document_id="D1", url=f"https://s3.example/D1?{content_type}")

    def upload(self, url: str, body: bytes, content_type: str) -> None:
        """The PUT (or its scripted failure)."""
        del url, content_type  # one document
        if "upload" in self.fail:
            raise self.fail["upload"]
        self.documents.append(body)

    def create_feed(self, *, feed_type: str, input_feed_document_id: str, marketplace_ids: list[str]) -> str:
        """The createFeed call (or its scripted failure, after the call was counted)."""
        del input_feed_document_id  # one document
        self.created.append((feed_type, marketplace_ids))
        if "createFeed" in self.fail:
            raise self.fail["createFeed"]
        return "F1"


@pytest.fixture
def amazon() -> Amazon:
    """The fake transport."""
    return Amazon()


@pytest.fixture
def ctx(clock: FakeClock, journal: Journal, amazon: Amazon) -> Context:
    """A context over the fake transport, with a real FeedRunner."""
    return fake_context(amazon, journal, clock)


def planned(ctx: Context, *, lease: float = 60.0) -> Entry:
    """A refund of 12.50 EUR principal, planned (this caller holds the lease)."""
    entry, created = plan_refund(ctx.journal, lease=lease)
    assert created
    return entry


def test_send_submits_one_adjustment_feed_to_the_orders_marketplace(ctx: Context, amazon: Amazon) -> None:
    """The document carries the adjustment id and the amount; the feed goes to the order's marketplace."""
    after = send(ctx, planned(ctx))
    assert (after.state, after.feed_id) == ("submitted", "F1")
    assert amazon.created == [("POST_PAYMENT_ADJUSTMENT_DATA", [DE])]
    (document,) = amazon.documents
    assert b"<MerchantAdjustmentItemID>r-1-1</MerchantAdjustmentItemID>" in document
    assert b"<Type>Principal</Type>" in document
    assert b">12.50</Amount>" in document


def test_a_failure_before_create_feed_drops_the_plan(ctx: Context, amazon: Amazon) -> None:
    """The upload failed: nothing reached Amazon, the plan is released (asking again plans it afresh)."""
    amazon.fail["upload"] = ServerError("S3 500", operation="upload", status=500)
    with pytest.raises(ServerError):
        send(ctx, planned(ctx))
    assert amazon.created == []
    assert ctx.journal.get(journal_key("r-1")) is None


def test_a_refused_create_feed_is_not_sent(ctx: Context, amazon: Amazon) -> None:
    """A 400 from createFeed created nothing: the attempt is journaled failed (NOT_SENT), the error raised."""
    amazon.fail["createFeed"] = ApiError("Invalid input", operation="createFeed", status=400)
    with pytest.raises(ApiError):
        send(ctx, planned(ctx))
    entry = ctx.journal.get(journal_key("r-1"))
    assert entry.state == "failed"
    assert entry.outcome["status"] == "NOT_SENT"


def test_a_lost_create_feed_answer_stays_submitted_and_is_never_resent(ctx: Context, amazon: Amazon) -> None:
    """A 503 after sending: the refund may exist; it stays submitted without a feed id, one createFeed only."""
    amazon.fail["createFeed"] = OutcomeUnknownError("HTTP 503", operation="createFeed", status=503)
    after = send(ctx, planned(ctx))
    assert after.send_uncertain
    assert len(amazon.created) == 1


def test_a_plan_of_a_gone_worker_is_taken_over_and_sent(ctx: Context, clock: FakeClock, amazon: Amazon) -> None:
    """The lease ran out: the plan is taken over and sent (may_send), once."""
    entry = planned(ctx, lease=30)
    clock.advance(31)
    after = await_plan(ctx, entry, may_send=True)
    assert (after.state, after.feed_id) == ("submitted", "F1")
    assert len(amazon.created) == 1


def test_a_refresh_never_sends_a_gone_workers_plan(ctx: Context, clock: FakeClock, amazon: Amazon) -> None:
    """Not allowed to send (a refresh): the stale plan is dropped and the caller told to ask again."""
    entry = planned(ctx, lease=30)
    clock.advance(31)
    with pytest.raises(InvalidInputError, match="never sent"):
        await_plan(ctx, entry, may_send=False)
    assert amazon.created == []
    assert ctx.journal.get(entry.key) is None


def test_a_live_workers_plan_is_reported_not_taken(ctx: Context, amazon: Amazon) -> None:
    """A plan this process still holds (a live worker) is never taken over: PlanHeld when not waiting."""
    entry = planned(ctx, lease=600)
    with pytest.raises(PlanHeld) as caught:
        await_plan(ctx, entry, may_send=True, wait=False)
    assert caught.value.entry.key == entry.key
    assert amazon.created == []
