"""Refunds as Amazon's Finances API shows them (sp_cancel/_refunds/settle.py): postings read, summed, correlated.

Money moves at most once: a posting proves one journaled refund line, never two; an amount, component or item
that differs, or a posting older than the submission, proves nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from refund_fakes import ORDER_ID, eur, shipped_order

from sp_cancel._outcomes import FeedState
from sp_cancel._refunds.outcomes import RefundStatus
from sp_cancel._refunds.payload import RefundPayload
from sp_cancel._refunds.settle import (
    CLOCK_SLACK,
    PendingRefund,
    RefundLine,
    _verdict_outcome,
    _window_passed,
    all_posted,
    correlate,
    none_posted,
    refund_lines,
    totals,
)
from sp_cancel.clock import FakeClock
from sp_cancel.feeds import parse_processing_report
from sp_cancel.feeds.report import ProcessingReport
from sp_cancel.journal import Entry, Journal
from sp_cancel.models import AdjustmentReason, ItemRefund, PriceComponent
from sp_cancel.transport._finances import FinancialEventsPage, parse_financial_events_page

I1, I2 = "11111111111111", "22222222222222"
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
P, TAX = PriceComponent.PRINCIPAL, PriceComponent.TAX


def pending(key: str, amount: str, *, at: datetime = T0, item: str = I1, proven: bool = False) -> PendingRefund:
    """One journaled refund line."""
    return PendingRefund(key=key, order_item_id=item, component=P, amount=eur(amount), submitted_at=at, proven=proven)


def line(amount: str, *, at: datetime | None = T0 + timedelta(hours=1), item: str = I1) -> RefundLine:
    """One posting."""
    return RefundLine(order_item_id=item, component=P, amount=eur(amount), posted_at=at)


def test_each_posting_proves_one_line_and_earlier_submissions_come_first() -> None:
    """Two identical refunds, one posting: the earlier submission takes it; the later one is not proven."""
    early, late = pending("a", "10.00", at=T0), pending("b", "10.00", at=T0 + timedelta(minutes=5))
    assert correlate([late, early], [line("10.00", at=T0 + timedelta(hours=2))]) == {
        1: line("10.00", at=T0 + timedelta(hours=2))
    }


def test_a_refund_proven_by_its_report_is_served_before_one_in_doubt() -> None:
    """The refund whose report proved it takes the posting, even though the one in doubt was sent earlier."""
    doubt, proven = pending("a", "10.00", at=T0), pending("b", "10.00", at=T0 + timedelta(minutes=5), proven=True)
    assert list(correlate([doubt, proven], [line("10.00")])) == [1]


def test_a_posting_matches_only_the_same_item_component_and_amount() -> None:
    """Another item, another component, another amount: no match."""
    wanted = [pending("a", "10.00")]
    assert correlate(wanted, [line("10.00", item=I2)]) == {}
    assert correlate(wanted, [RefundLine(order_item_id=I1, component=TAX, amount=eur("10.00"), posted_at=None)]) == {}
    assert correlate(wanted, [line("10.01")]) == {}
    assert correlate(wanted, [line("10.00")]) == {0: line("10.00")}


def test_a_posting_older_than_the_submission_proves_nothing_beyond_the_clock_slack() -> None:
    """Posted before we sent (minus CLOCK_SLACK): an older refund of the same amount, not ours."""
    wanted = [pending("a", "10.00", at=T0)]
    assert correlate(wanted, [line("10.00", at=T0 - CLOCK_SLACK - timedelta(seconds=1))]) == {}
    assert list(correlate(wanted, [line("10.00", at=T0 - CLOCK_SLACK)])) == [0]
    assert list(correlate(wanted, [line("10.00", at=None)])) == [0]  # no posting date: cannot be ruled out
    naive = T0.replace(tzinfo=None) + timedelta(minutes=1)
    assert list(correlate(wanted, [line("10.00", at=naive)])) == [0]  # a naive date is taken as UTC


def test_totals_sum_per_item_and_component() -> None:
    """Several postings of one item and component add up; others stay apart."""
    summed = totals([(I1, P, eur("1.10")), (I1, P, eur("2.20")), (I1, TAX, eur("0.30")), (I2, P, eur("5"))])
    assert summed == {I1: {P: eur("3.30"), TAX: eur("0.30")}, I2: {P: eur("5")}}


def test_all_and_none_posted() -> None:
    """All: every item True (and at least one); none: every item certainly False; unknown is neither."""
    assert all_posted({I1: True, I2: True})
    assert not all_posted({})
    assert not all_posted({I1: True, I2: None})
    assert none_posted({I1: False, I2: False})
    assert not none_posted({I1: False, I2: None})


class Finances:
    """listFinancialEventsByOrderId, scripted as Amazon-shaped pages."""

    def __init__(self, pages: list[dict[str, Any]]) -> None:
        """Answer the pages in order."""
        self.pages = pages
        self.tokens: list[str | None] = []

    def list_financial_events_by_order_id(
        self, order_id: str, *, max_results_per_page: int, next_token: str | None
    ) -> FinancialEventsPage:
        """The next page."""
        del order_id, max_results_per_page  # one order's pages, as scripted
        self.tokens.append(next_token)
        return parse_financial_events_page(self.pages.pop(0))


def refund_event(
    posted: str, charges: list[tuple[str, str]], *, order: str = ORDER_ID, item: str = I1
) -> dict[str, Any]:
    """A RefundEvent with one adjusted item and its charges (type, amount as Finances shows it: negative)."""
    return {
        "AmazonOrderId": order,
        "PostedDate": posted,
        "ShipmentItemAdjustmentList": [
            {
                "OrderItemId": item,
                "ItemChargeAdjustmentList": [
                    {"ChargeType": t, "ChargeAmount": {"CurrencyCode": "EUR", "CurrencyAmount": a}} for t, a in charges
                ],
            }
        ],
    }


def test_refund_lines_reads_every_page_negates_and_keeps_only_refund_charges() -> None:
    """Finances' negative amounts become positive refunds; zero and unknown charge types are dropped; oldest first."""
    api = Finances(
        [
            {
                "payload": {
                    "FinancialEvents": {
                        "RefundEventList": [
                            refund_event("2026-12-02T00:00:00Z", [("Principal", -10.0), ("Tax", 0), ("Mystery", -1)]),
                            refund_event("2026-12-01T00:00:00Z", [("Giftwrap", -2.505)], order="999-0000000-0000000"),
                        ]
                    },
                    "NextToken": "more",
                }
            },
            {
                "payload": {
                    "FinancialEvents": {
                        "RefundEventList": [refund_event("2026-12-01T06:00:00Z", [("ShippingCharge", -4.99)])]
                    }
                }
            },
        ]
    )
    lines = refund_lines(api, ORDER_ID)  # type: ignore[arg-type]  # the fake implements the one call
    assert api.tokens == [None, "more"]
    assert [(x.component, x.amount) for x in lines] == [(PriceComponent.SHIPPING, eur("4.99")), (P, eur("10.00"))]
    assert lines[0].posted_at == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


# --- what a report or the Finances window says about one journaled refund ------------------------------------


def _journal_refund(items: list[str]) -> tuple[Journal, Entry, FakeClock]:
    """A two- or one-item refund of order ORDER_ID, sent now (our clock is Amazon's)."""
    clock = FakeClock(T0)
    journal = Journal(":memory:", clock=clock)
    order = shipped_order(*items, purchased_at=T0 - timedelta(days=3))
    refunds = [ItemRefund(order_item_id=i, components={P: eur("5.00")}) for i in items]
    payload = RefundPayload.of(order, refunds, AdjustmentReason.CUSTOMER_RETURN, "r-1", "fp")
    journal.plan("refund:r-1", kind="refund", target=ORDER_ID, payload=payload.to_json())
    (entry,) = journal.mark_submitting(
        ["refund:r-1"], feed_type="POST_PAYMENT_ADJUSTMENT_DATA", document_hash="h", sent_at=T0, amazon_sent_at=T0
    )
    return journal, entry, clock


def _report(processed: int, failed: dict[int, str]) -> ProcessingReport:
    """A Complete ProcessingReport with ERROR results for ``failed`` (message id -> order id)."""
    results = "".join(
        f"<Result><MessageID>{m}</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>1</ResultMessageCode>"
        f"<ResultDescription>no</ResultDescription><AdditionalInfo><AmazonOrderID>{o}</AmazonOrderID>"
        "</AdditionalInfo></Result>"
        for m, o in failed.items()
    )
    return parse_processing_report(
        (
            "<ProcessingReport><DocumentTransactionID>1</DocumentTransactionID><StatusCode>Complete</StatusCode>"
            f"<ProcessingSummary><MessagesProcessed>{processed}</MessagesProcessed><MessagesSuccessful>"
            f"{processed - len(failed)}</MessagesSuccessful><MessagesWithError>{len(failed)}</MessagesWithError>"
            f"</ProcessingSummary>{results}</ProcessingReport>"
        ).encode()
    )


@pytest.mark.parametrize(
    ("failed", "overall", "per_item"),
    [
        ({}, RefundStatus.APPLIED, (RefundStatus.APPLIED, RefundStatus.APPLIED)),
        ({2: ORDER_ID}, RefundStatus.PARTIALLY_APPLIED, (RefundStatus.APPLIED, RefundStatus.REJECTED)),
        ({1: ORDER_ID, 2: ORDER_ID}, RefundStatus.REJECTED, (RefundStatus.REJECTED, RefundStatus.REJECTED)),
    ],
)
def test_a_report_that_speaks_gives_each_item_its_status(
    failed: dict[int, str], overall: RefundStatus, per_item: tuple[RefundStatus, RefundStatus]
) -> None:
    """One message per item: none failed is APPLIED, some PARTIALLY_APPLIED, all REJECTED."""
    journal, entry, _ = _journal_refund([I1, I2])
    feed = FeedState(feed_id="F1", feed_type="POST_PAYMENT_ADJUSTMENT_DATA", status="DONE")
    outcome = _verdict_outcome(entry, feed, _report(2, failed))
    assert outcome is not None
    assert outcome.status is overall
    assert (outcome.item_status[I1], outcome.item_status[I2]) == per_item
    assert outcome.feed_id == "F1"
    journal.close()


def test_a_report_that_does_not_speak_decides_nothing() -> None:
    """A report counting other messages than were sent says nothing: None (Finances decides)."""
    journal, entry, _ = _journal_refund([I1, I2])
    feed = FeedState(feed_id="F1", feed_type="POST_PAYMENT_ADJUSTMENT_DATA", status="DONE")
    assert _verdict_outcome(entry, feed, _report(5, {})) is None
    journal.close()


def test_finances_window_needs_the_horizon_and_48_hours_after_amazon_applied_it() -> None:
    """Past the seller's horizon since sending AND 48 h since the feed's processingEndTime, on Amazon's clock."""
    journal, entry, clock = _journal_refund([I1])
    ctx = SimpleNamespace(horizon=timedelta(hours=48), amazon_now=clock.now)
    feed = FeedState(
        feed_id="F1",
        feed_type="POST_PAYMENT_ADJUSTMENT_DATA",
        status="FATAL",
        created_at=T0,
        processing_end_time=T0 + timedelta(hours=10),  # processed hours after it was created
    )
    clock.advance(timedelta(hours=48).total_seconds())
    assert _window_passed(ctx, entry, None)  # type: ignore[arg-type]  # no feed: the horizon alone
    assert not _window_passed(ctx, entry, feed)  # type: ignore[arg-type]  # applied 38 h ago only
    clock.advance(timedelta(hours=10).total_seconds())
    assert _window_passed(ctx, entry, feed)  # type: ignore[arg-type]
    journal.close()
