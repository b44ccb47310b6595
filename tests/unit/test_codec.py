"""Outcomes survive the journal's JSON and read well in notebooks.

The journal's stored outcome JSON does not drift: ``codec_golden.json`` holds what each fully populated outcome
type encodes to, in key order, and the text the journal stores for it (``sort_keys``); ``OLD_ENTRIES`` are
entries written before optional members existed (or with them ``null``), which must still decode. Regenerate
the file (run this module) only for a deliberate format change: journals already written keep the old one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
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
from sp_cancel._outcomes import from_json, to_json
from sp_cancel._refunds.outcomes import refund_from_json, refund_to_json
from sp_cancel.errors import NotCancellableError
from sp_cancel.journal._schema import dump_json

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


# --- the stored format, pinned ----------------------------------------------------------------------

GOLDEN = Path(__file__).with_name("codec_golden.json")

MESSAGES = (
    ProcessingMessage(
        code="18028",
        severity="ERROR",
        description="not found",
        message_id=1,
        order_id="112-1234567-1234567",
        order_item_id="12345678901234",
        sku="SKU-1",
    ),
    ProcessingMessage(code="0", severity="WARNING", description='déjà vu "quoted"'),
)
BUYER_MESSAGE = BuyerMessage(
    order_id="112-1234567-1234567",
    status=BuyerMessageStatus.UNCONFIRMED,
    detail="its answer was lost",
    submission_id="message-0123",
    text="Sorry, out of stock.\nYou will not be charged: ça arrive.",
)
CANCEL = CancelOutcome(
    order_id="112-1234567-1234567",
    status=CancelStatus.PARTIALLY_CANCELLED,
    reason=CancelReason.SHIPPING_ADDRESS_UNDELIVERABLE,
    feed_id="50001",
    submission_id="cancel-abc",
    messages=MESSAGES,
    items=(
        ItemCancel(order_item_id="12345678901234", quantity=2),
        ItemCancel(order_item_id="22345678901234", quantity=1),
    ),
    via="orders_api",
    detail="why",
    error=NotCancellableError("shipped", target_id="112-1234567-1234567", state="SHIPPED"),
    buyer_message=BUYER_MESSAGE,
)
LISTING = ListingOutcome(
    sku="SKU-1",
    status=ListingStatus.INVALID,
    submission_id="listing-1",
    issues=(
        ListingIssue(code="90000900", message="bad", severity="ERROR", attribute_names=("quantity", "price")),
        ListingIssue(code="1", message="note", severity="INFO"),
    ),
    feed_id="50003",
    detail="Amazon said no",
    error=NotCancellableError("gone", target_id="SKU-1", state="DELETED"),
)
REFUND = RefundOutcome(
    order_id="112-1234567-1234567",
    status=RefundStatus.PARTIALLY_APPLIED,
    idempotency_key="refund-1",
    amounts={
        "12345678901234": {
            PriceComponent.PRINCIPAL: Money(amount="5.10", currency="USD"),
            PriceComponent.SHIPPING: Money(amount="-1.00", currency="USD"),
        },
        "22345678901234": {PriceComponent.PRINCIPAL: Money(amount="7", currency="USD")},
    },
    feed_id="50002",
    messages=MESSAGES[:1],
    item_status={"12345678901234": RefundStatus.APPLIED, "22345678901234": RefundStatus.REJECTED},
    submission_id="refund-sub-1",
    detail="one item refused",
)

Encode = Callable[[Any], Any]
Decode = Callable[[Any], Any]
CASES: Mapping[str, tuple[object, Encode, Decode]] = {
    "cancel": (CANCEL, cancel_to_json, cancel_from_json),
    "cancel_whole_order": (
        CancelOutcome(order_id="112-7654321-7654321", status=CancelStatus.CANCELLED, reason=CancelReason.NO_INVENTORY),
        cancel_to_json,
        cancel_from_json,
    ),
    "buyer_message": (BUYER_MESSAGE, buyer_message_to_json, buyer_message_from_json),
    "listing": (LISTING, listing_to_json, listing_from_json),
    "refund": (REFUND, refund_to_json, refund_from_json),
    "messages": (
        MESSAGES,
        lambda messages: [to_json(m) for m in messages],
        lambda data: tuple(from_json(ProcessingMessage, m) for m in data),
    ),
}

OLD_ENTRIES: Mapping[str, tuple[Any, Decode, object]] = {
    "cancel": (
        {"order_id": "112-7654321-7654321", "status": "CANCELLED", "reason": "NoInventory"},
        cancel_from_json,
        CancelOutcome(order_id="112-7654321-7654321", status=CancelStatus.CANCELLED, reason=CancelReason.NO_INVENTORY),
    ),
    "cancel_nulls": (
        {
            "order_id": "112-7654321-7654321",
            "status": "REJECTED",
            "reason": "BuyerCanceled",
            "feed_id": None,
            "messages": None,
            "items": None,
            "detail": None,
            "buyer_message": {"order_id": "112-7654321-7654321", "status": "SKIPPED", "text": None},
        },
        cancel_from_json,
        CancelOutcome(
            order_id="112-7654321-7654321",
            status=CancelStatus.REJECTED,
            reason=CancelReason.BUYER_CANCELED,
            buyer_message=BuyerMessage(order_id="112-7654321-7654321", status=BuyerMessageStatus.SKIPPED),
        ),
    ),
    "buyer_message": (
        {"order_id": "112-7654321-7654321", "status": "PENDING"},
        buyer_message_from_json,
        BuyerMessage(order_id="112-7654321-7654321", status=BuyerMessageStatus.PENDING),
    ),
    "listing": (
        {"sku": "SKU-2", "status": "ACCEPTED", "issues": [{"code": "1", "message": "m", "severity": "INFO"}]},
        listing_from_json,
        ListingOutcome(
            sku="SKU-2",
            status=ListingStatus.ACCEPTED,
            issues=(ListingIssue(code="1", message="m", severity="INFO"),),
        ),
    ),
    "listing_nulls": (
        {
            "sku": "SKU-2",
            "status": "DELETED",
            "issues": None,
            "submission_id": None,
        },
        listing_from_json,
        ListingOutcome(sku="SKU-2", status=ListingStatus.DELETED),
    ),
    "refund": (
        {
            "order_id": "112-7654321-7654321",
            "status": "SUBMITTED",
            "idempotency_key": "k",
            "amounts": {"1": {"Principal": ["0.50", "EUR"]}},
        },
        refund_from_json,
        RefundOutcome(
            order_id="112-7654321-7654321",
            status=RefundStatus.SUBMITTED,
            idempotency_key="k",
            amounts={"1": {PriceComponent.PRINCIPAL: Money(amount="0.50", currency="EUR")}},
        ),
    ),
    "refund_nulls": (
        {
            "order_id": "112-7654321-7654321",
            "status": "SUBMITTED",
            "idempotency_key": "k",
            "amounts": {},
            "messages": None,
            "item_status": None,
        },
        refund_from_json,
        RefundOutcome(order_id="112-7654321-7654321", status=RefundStatus.SUBMITTED, idempotency_key="k", amounts={}),
    ),
}


def _golden() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("name", sorted(CASES))
def test_encoding_matches_the_golden_copy_key_for_key(name: str) -> None:
    """Each outcome encodes to exactly the checked-in JSON: same keys in the same order, same values and types."""
    value, encode, _ = CASES[name]
    expected = _golden()[name]
    encoded = encode(value)
    assert json.dumps(encoded, ensure_ascii=False) == json.dumps(expected["encoded"], ensure_ascii=False)


@pytest.mark.parametrize("name", sorted(CASES))
def test_stored_text_is_byte_identical(name: str) -> None:
    """What the journal stores for each outcome is the golden text, byte for byte."""
    value, encode, _ = CASES[name]
    encoded = encode(value)
    if isinstance(encoded, list):  # the messages list is stored inside an outcome, never alone
        encoded = {"messages": encoded}
    assert dump_json(encoded, "outcome").encode() == _golden()[name]["stored"].encode()


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_copy_decodes_back_equal(name: str) -> None:
    """The golden JSON decodes to the value it came from (fields not stored, like ``error``, aside)."""
    value, _, decode = CASES[name]
    assert decode(_golden()[name]["encoded"]) == value


@pytest.mark.parametrize("name", sorted(OLD_ENTRIES))
def test_old_entries_still_decode(name: str) -> None:
    """Entries journaled before optional members existed (or with them null) decode to the defaults."""
    data, decode, expected = OLD_ENTRIES[name]
    assert decode(data) == expected


def _write_golden() -> None:  # pragma: no cover - run by hand for a deliberate format change
    golden: dict[str, Any] = {}
    for name, (value, encode, _) in CASES.items():
        encoded = encode(value)
        stored = dump_json({"messages": encoded} if isinstance(encoded, list) else encoded, "outcome")
        golden[name] = {"encoded": encoded, "stored": stored}
    GOLDEN.write_text(json.dumps(golden, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@attrs.frozen(kw_only=True)
class _Unresolved:
    when: str


@attrs.resolve_types
@attrs.frozen(kw_only=True)
class _NoEncoding:
    when: datetime


def test_codec_refuses_types_it_cannot_read_or_store() -> None:
    """A class whose types were not resolved where it was defined, or a type with no encoding, fails loudly."""
    with pytest.raises(TypeError, match="resolve_types"):
        to_json(_Unresolved(when="now"))
    with pytest.raises(TypeError, match="no encoding"):
        to_json(_NoEncoding(when=datetime(2026, 1, 1, tzinfo=UTC)))


if __name__ == "__main__":  # pragma: no cover
    _write_golden()
