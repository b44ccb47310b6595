"""Turning a finished feed into cancel outcomes (sp_cancel/_cancellation/finish.py ``finish_feed``), with fakes.

A report that speaks for the document decides; otherwise the order is read back. A whole-order cancel is harmless
to repeat (REJECTED, journaled failed); a unit cancel moves money: UNCONFIRMED (still submitted) until the seller's
horizon, then NOT_SENT.
"""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from unit_fakes import AmazonOnOurClock, seller_order

from sp_cancel._cancellation.finish import finish_feed
from sp_cancel._cancellation.outcomes import CancelStatus
from sp_cancel._cancellation.payload import CancelPayload
from sp_cancel._cancellation.record import KIND_ITEMS, KIND_WHOLE
from sp_cancel._order import Order, OrderItem, OrderStatus
from sp_cancel._outcomes import FeedState
from sp_cancel._runtime.context import Context
from sp_cancel.clock import FakeClock
from sp_cancel.errors import ServerError
from sp_cancel.feeds import FEED_TYPE_ORDER_ACKNOWLEDGEMENT, FEED_TYPE_PAYMENT_ADJUSTMENT
from sp_cancel.models import CancelReason, CancelRequest, ItemCancel
from sp_cancel.transport import FeedDocument, OrderResponse

US = "ATVPDKIKX0DER"
A, B = "111-0000000-0000001", "111-0000000-0000002"
ITEM = "11111111111111"


def order(order_id: str, *, status: OrderStatus = OrderStatus.UNSHIPPED, cancelled: int = 0) -> Order:
    """A one-item order of three units, ``cancelled`` of them cancelled."""
    item = OrderItem(
        order_item_id=ITEM,
        sku=None,
        quantity_ordered=3,
        quantity_shipped=0,
        quantity_unshipped=3 - cancelled,
        quantity_cancelled=cancelled,
    )
    return seller_order(order_id, [item], status=status)


class Amazon(AmazonOnOurClock):
    """getOrder (as ``orders``), the processing report (``report``) and Amazon's clock, for one feed."""

    def __init__(self, clock: FakeClock) -> None:
        """Orders unshipped until a test changes them; no report until one is set."""
        super().__init__(clock)
        self.orders = {A: order(A), B: order(B)}
        self.report: bytes | None = None
        self.order_reads = 0
        self.fail_reads = False

    def get_order(self, order_id: str, *, included_data: list[str]) -> OrderResponse:
        """The order as it reads now (Amazon says who fulfils it)."""
        del included_data  # the whole order, whatever was asked
        self.order_reads += 1
        if self.fail_reads:
            raise ServerError("getOrder answered 503", status=503, operation="orders.getOrder")
        return OrderResponse(order=self.orders[order_id], fulfilled_by="MERCHANT")

    def get_feed_document(self, feed_document_id: str) -> FeedDocument:
        """The report's download URL."""
        return FeedDocument(feed_document_id=feed_document_id, url="https://s3.example/report")

    def download(self, url: str, *, compression: str | None) -> bytes:
        """The report."""
        del url, compression  # one report, stored as it reads
        assert self.report is not None
        return self.report


def report(processed: int, errors: dict[int, str]) -> bytes:
    """A ProcessingReport: ``errors`` maps a message id to the order it failed for."""
    results = "".join(
        f"<Result><MessageID>{m}</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>18028</ResultMessageCode>"
        f"<ResultDescription>no</ResultDescription><AdditionalInfo><AmazonOrderID>{o}</AmazonOrderID></AdditionalInfo>"
        "</Result>"
        for m, o in errors.items()
    )
    return (
        "<AmazonEnvelope><Message><MessageID>1</MessageID><ProcessingReport><DocumentTransactionID>1"
        "</DocumentTransactionID><StatusCode>Complete</StatusCode><ProcessingSummary>"
        f"<MessagesProcessed>{processed}</MessagesProcessed><MessagesSuccessful>{processed - len(errors)}"
        f"</MessagesSuccessful><MessagesWithError>{len(errors)}</MessagesWithError><MessagesWithWarning>0"
        f"</MessagesWithWarning></ProcessingSummary>{results}</ProcessingReport></Message></AmazonEnvelope>"
    ).encode()


@pytest.fixture
def amazon(clock: FakeClock) -> Amazon:
    """The fake Amazon."""
    return Amazon(clock)


def sent(ctx: Context, amazon: Amazon, requests: list[CancelRequest], feed_type: str, feed_id: str = "F1") -> FeedState:
    """Journal ``requests`` as sent in one feed (message ids 1, 2...); the feed's DONE state."""
    keys = []
    for request in requests:
        key = f"cancel-{request.order_id}"
        payload = CancelPayload.of(request, amazon.orders[request.order_id], US)
        kind = KIND_WHOLE if request.items is None else KIND_ITEMS
        ctx.journal.plan(key, kind=kind, target=request.order_id, payload=payload.to_json())
        keys.append(key)
    ctx.journal.mark_submitting(
        keys,
        feed_type=feed_type,
        document_hash="h",
        message_ids={k: n for n, k in enumerate(keys, 1)},
        sent_at=ctx.clock.now(),
    )
    ctx.journal.mark_submitted(keys, feed_id=feed_id)
    return FeedState(
        feed_id=feed_id,
        feed_type=feed_type,
        status="DONE",
        created_at=ctx.clock.now(),
        result_document_id="R1",
        processing_end_time=ctx.clock.now(),
    )


WHOLE_A = CancelRequest(order_id=A, reason=CancelReason.NO_INVENTORY)
WHOLE_B = CancelRequest(order_id=B, reason=CancelReason.NO_INVENTORY)
UNITS_A = CancelRequest(
    order_id=A, reason=CancelReason.NO_INVENTORY, items=[ItemCancel(order_item_id=ITEM, quantity=1)]
)


def state(ctx: Context, order_id: str) -> str:
    """The journal state of the cancel of ``order_id``."""
    entry = ctx.journal.get(f"cancel-{order_id}")
    assert entry is not None
    return entry.state


def test_a_report_that_speaks_decides_each_cancel(ctx: Context, amazon: Amazon) -> None:
    """Message 1 applied, message 2 failed: CANCELLED (done) and REJECTED (rejected)."""
    feed = sent(ctx, amazon, [WHOLE_A, WHOLE_B], FEED_TYPE_ORDER_ACKNOWLEDGEMENT)
    amazon.report = report(2, {2: B})
    outcomes = finish_feed(ctx, feed)
    assert {k: o.status for k, o in outcomes.items()} == {
        f"cancel-{A}": CancelStatus.CANCELLED,
        f"cancel-{B}": CancelStatus.REJECTED,
    }
    assert outcomes[f"cancel-{B}"].messages[0].code == "18028"
    assert (state(ctx, A), state(ctx, B)) == ("done", "rejected")
    # B, refused, is read back once (was it done earlier?); A, applied, once (did it ship meanwhile?).
    assert amazon.order_reads == 2


def test_an_applied_whole_cancel_of_an_order_that_shipped_meanwhile_is_rejected(ctx: Context, amazon: Amazon) -> None:
    """The report says message 1 applied, but the order reads SHIPPED: REJECTED (rejected), never CANCELLED."""
    feed = sent(ctx, amazon, [WHOLE_A, WHOLE_B], FEED_TYPE_ORDER_ACKNOWLEDGEMENT)
    amazon.report = report(2, {})
    amazon.orders[A] = order(A, status=OrderStatus.SHIPPED)
    outcomes = finish_feed(ctx, feed)
    assert {k: o.status for k, o in outcomes.items()} == {
        f"cancel-{A}": CancelStatus.REJECTED,
        f"cancel-{B}": CancelStatus.CANCELLED,
    }
    assert "would refund the entire order amount" in (outcomes[f"cancel-{A}"].detail or "")
    assert (state(ctx, A), state(ctx, B)) == ("rejected", "done")


def test_an_applied_whole_cancel_whose_ship_check_fails_stays_submitted(ctx: Context, amazon: Amazon) -> None:
    """The report says applied, but the order cannot be read to check for a ship-confirm: SUBMITTED, not done."""
    feed = sent(ctx, amazon, [WHOLE_A], FEED_TYPE_ORDER_ACKNOWLEDGEMENT)
    amazon.report = report(1, {})
    amazon.fail_reads = True  # getOrder answers 503 (after the retries)
    outcomes = finish_feed(ctx, feed)
    assert outcomes[f"cancel-{A}"].status is CancelStatus.SUBMITTED
    assert "could not be read yet" in (outcomes[f"cancel-{A}"].detail or "")
    assert state(ctx, A) == "submitted"


def test_a_refused_whole_cancel_of_an_order_already_cancelled_is_done(ctx: Context, amazon: Amazon) -> None:
    """Amazon refuses to cancel a cancelled order: when the order reads CANCELLED, an earlier send did it."""
    feed = sent(ctx, amazon, [WHOLE_A], FEED_TYPE_ORDER_ACKNOWLEDGEMENT)
    amazon.report = report(1, {1: A})
    amazon.orders[A] = order(A, status=OrderStatus.CANCELLED)
    (outcome,) = finish_feed(ctx, feed).values()
    assert outcome.status is CancelStatus.CANCELLED
    assert "an earlier send of this cancel did it" in (outcome.detail or "")
    assert state(ctx, A) == "done"


def test_a_fatal_whole_cancel_not_seen_is_rejected_and_may_be_sent_again(ctx: Context, amazon: Amazon) -> None:
    """FATAL, the order still open: REJECTED, journaled failed (asking again sends it again: harmless)."""
    feed = attrs.evolve(sent(ctx, amazon, [WHOLE_A], FEED_TYPE_ORDER_ACKNOWLEDGEMENT), status="FATAL")
    (outcome,) = finish_feed(ctx, feed).values()
    assert outcome.status is CancelStatus.REJECTED
    assert state(ctx, A) == "failed"


def test_a_report_that_says_nothing_falls_back_to_reading_the_order(ctx: Context, amazon: Amazon) -> None:
    """A report counting no messages is never read as success: the order decides (here: cancelled)."""
    feed = sent(ctx, amazon, [WHOLE_A], FEED_TYPE_ORDER_ACKNOWLEDGEMENT)
    amazon.report = report(0, {})
    amazon.orders[A] = order(A, status=OrderStatus.CANCELLED)
    (outcome,) = finish_feed(ctx, feed).values()
    assert outcome.status is CancelStatus.CANCELLED
    assert "says nothing" in (outcome.detail or "")
    amazon.orders[B] = order(B)
    feed_b = sent(ctx, amazon, [WHOLE_B], FEED_TYPE_ORDER_ACKNOWLEDGEMENT, "F2")
    (again,) = finish_feed(ctx, feed_b).values()
    assert again.status is CancelStatus.REJECTED  # not seen: not done, whatever the report


def test_a_fatal_unit_cancel_stays_unconfirmed_until_the_horizon(
    ctx: Context, amazon: Amazon, clock: FakeClock
) -> None:
    """Money: FATAL with no units cancelled is UNCONFIRMED (still submitted); 48 h later with nothing, NOT_SENT."""
    feed = attrs.evolve(sent(ctx, amazon, [UNITS_A], FEED_TYPE_PAYMENT_ADJUSTMENT), status="FATAL")
    (first,) = finish_feed(ctx, feed).values()
    assert first.status is CancelStatus.UNCONFIRMED
    assert state(ctx, A) == "submitted"
    clock.advance(timedelta(hours=48).total_seconds())
    (later,) = finish_feed(ctx, feed).values()
    assert later.status is CancelStatus.NOT_SENT
    assert state(ctx, A) == "failed"


def test_a_unit_cancel_counts_only_units_cancelled_since_it_was_checked(ctx: Context, amazon: Amazon) -> None:
    """One unit was already cancelled before: it does not count; one more cancelled since: done."""
    amazon.orders[A] = order(A, cancelled=1)
    feed = attrs.evolve(sent(ctx, amazon, [UNITS_A], FEED_TYPE_PAYMENT_ADJUSTMENT), status="FATAL")
    (still,) = finish_feed(ctx, feed).values()
    assert still.status is CancelStatus.UNCONFIRMED
    amazon.orders[A] = order(A, cancelled=2)
    (done,) = finish_feed(ctx, feed).values()
    assert done.status is CancelStatus.PARTIALLY_CANCELLED
    assert state(ctx, A) == "done"


def test_a_unit_cancel_of_a_feed_cancelled_before_processing_is_rejected(ctx: Context, amazon: Amazon) -> None:
    """A CANCELLED feed was never processed: the unit cancel did nothing, REJECTED and journaled failed."""
    feed = attrs.evolve(sent(ctx, amazon, [UNITS_A], FEED_TYPE_PAYMENT_ADJUSTMENT), status="CANCELLED")
    (outcome,) = finish_feed(ctx, feed).values()
    assert outcome.status is CancelStatus.REJECTED
    assert state(ctx, A) == "failed"
