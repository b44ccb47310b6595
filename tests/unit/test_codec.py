"""Outcomes survive the journal's JSON and read well in notebooks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sp_cancel import (
    BatchOutcome,
    BuyerMessage,
    BuyerMessageStatus,
    CancelOutcome,
    CancelReason,
    CancelStatus,
    ItemCancel,
    ListingIssue,
    ListingOutcome,
    ListingStatus,
    Money,
    PriceComponent,
    ProcessingMessage,
    RefundOutcome,
    RefundStatus,
)
from sp_cancel._cancellation.outcomes import (
    buyer_message_from_json,
    buyer_message_to_json,
    cancel_from_json,
    cancel_to_json,
)
from sp_cancel._listings.outcomes import listing_from_json, listing_to_json
from sp_cancel._refunds.outcomes import refund_from_json, refund_to_json
from sp_cancel.errors import NotCancellableError

MESSAGE = ProcessingMessage(code="18028", severity="ERROR", description="not found", message_id=1, order_id="x")


def test_cancel_outcome_round_trip() -> None:
    """A cancel outcome comes back equal from JSON."""
    outcome = CancelOutcome(
        order_id="112-1234567-1234567",
        status=CancelStatus.PARTIALLY_CANCELLED,
        reason=CancelReason.NO_INVENTORY,
        feed_id="50001",
        submission_id="cancel-abc",
        messages=(MESSAGE,),
        items=(ItemCancel(order_item_id="12345678901234", quantity=2),),
        detail="why",
    )
    assert cancel_from_json(cancel_to_json(outcome)) == outcome


def test_refund_outcome_round_trip_keeps_decimals() -> None:
    """Refund amounts stay Decimal through JSON."""
    outcome = RefundOutcome(
        order_id="112-1234567-1234567",
        status=RefundStatus.APPLIED,
        idempotency_key="refund-1",
        amounts={"12345678901234": {PriceComponent.PRINCIPAL: Money(amount="5.10", currency="USD")}},
        feed_id="50002",
        item_status={"12345678901234": RefundStatus.APPLIED},
        detail="fine",
    )
    back = refund_from_json(refund_to_json(outcome))
    assert back.amounts["12345678901234"][PriceComponent.PRINCIPAL].amount == Decimal("5.10")
    assert back.item_status == outcome.item_status
    assert back.detail == "fine"


def test_listing_outcome_round_trip() -> None:
    """Listing issues survive JSON."""
    outcome = ListingOutcome(
        sku="SKU-1",
        status=ListingStatus.INVALID,
        issues=(ListingIssue(code="90000900", message="bad", severity="ERROR", attribute_names=("quantity",)),),
    )
    assert listing_from_json(listing_to_json(outcome)) == outcome
    assert outcome.messages[0].sku == "SKU-1"
    assert not outcome.ok


def test_batch_outcome_counts_records_and_html() -> None:
    """A batch is a mapping of one outcome per key, refusals included; it counts, splits and renders a table."""
    ok = CancelOutcome(order_id="a", status=CancelStatus.CANCELLED, reason=CancelReason.NO_INVENTORY, feed_id="1")
    bad = CancelOutcome(
        order_id="b", status=CancelStatus.REJECTED, reason=CancelReason.NO_INVENTORY, messages=(MESSAGE,)
    )
    error = NotCancellableError("shipped", target_id="c", state="SHIPPED")
    refused = CancelOutcome(order_id="c", status="REFUSED", reason=CancelReason.NO_INVENTORY, error=error)
    batch = BatchOutcome(outcomes={"a": ok, "b": bad, "c": refused}, feed_ids=("1",))
    assert batch.succeeded == [ok]
    assert batch.failed == [bad, refused]
    assert batch.refused == [refused]
    assert batch.counts == {"CANCELLED": 1, "REJECTED": 1, "REFUSED": 1}
    assert len(batch) == len(list(batch)) == len(batch.keys()) == 3
    assert "c" in batch
    assert "z" not in batch
    assert batch["b"] is bad
    assert dict(batch.items()) == {"a": ok, "b": bad, "c": refused}
    assert [r["status"] for r in batch.to_records()] == ["CANCELLED", "REJECTED", "REFUSED"]
    assert batch.to_records()[2]["messages"] == "NotCancellableError: shipped"
    html = batch._repr_html_()
    assert "<table>" in html
    assert "18028: not found" in html
    assert repr(batch) == "3 orders: 1 cancelled, 1 rejected, 1 refused"


def test_batch_errors_is_deprecated_but_still_answers() -> None:
    """batch.errors (before refusals were outcomes) warns and returns the refusal errors by key."""
    error = NotCancellableError("shipped", target_id="c", state="SHIPPED")
    refused = CancelOutcome(order_id="c", status="REFUSED", reason=CancelReason.NO_INVENTORY, error=error)
    batch = BatchOutcome(outcomes={"c": refused})
    with pytest.warns(DeprecationWarning, match="BatchOutcome.errors"):
        assert batch.errors == {"c": error}


def test_cancel_outcome_with_its_buyer_message_round_trip() -> None:
    """The buyer message rides along in the cancel's JSON, text and status kept; older JSON has none."""
    message = BuyerMessage(
        order_id="112-1234567-1234567",
        status=BuyerMessageStatus.UNCONFIRMED,
        detail="its answer was lost",
        submission_id="message-0123",
        text="Sorry, out of stock.\nYou will not be charged.",
    )
    outcome = CancelOutcome(
        order_id="112-1234567-1234567",
        status=CancelStatus.CANCELLED,
        reason=CancelReason.NO_INVENTORY,
        submission_id="cancel-0123",
        buyer_message=message,
    )
    data = cancel_to_json(outcome)
    assert data["buyer_message"]["status"] == "UNCONFIRMED"
    assert cancel_from_json(data) == outcome
    assert buyer_message_from_json(buyer_message_to_json(message)) == message
    older = {k: v for k, v in data.items() if k != "buyer_message"}
    assert cancel_from_json(older).buyer_message is None
    assert "You will not be charged" not in repr(message)  # the text stays out of the repr
