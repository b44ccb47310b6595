"""The same idempotency key again (sp_cancel/_refunds/refund.py): what matches the journaled refund, what differs.

A reused key with other amounts or another reason is another refund: refused with what differs, nothing sent.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from refund_fakes import ORDER_ID, eur, shipped_order

from sp_cancel._refunds.check import RefundRequest, fingerprint
from sp_cancel._refunds.payload import RefundPayload
from sp_cancel._refunds.record import KIND, journal_key
from sp_cancel._refunds.refund import _differences, _early_fingerprint, _reuse
from sp_cancel.errors import IdempotencyConflictError, InvalidInputError
from sp_cancel.journal import Entry, Journal
from sp_cancel.models import AdjustmentReason, ItemRefund, PriceComponent

I1, I2 = "11111111111111", "22222222222222"
RETURN = AdjustmentReason.CUSTOMER_RETURN


def principal(item: str, amount: str) -> ItemRefund:
    """A principal-only refund of one item."""
    return ItemRefund(order_item_id=item, components={PriceComponent.PRINCIPAL: eur(amount)})


@pytest.fixture
def ctx(journal: Journal) -> SimpleNamespace:
    """The parts of a Context read here."""
    return SimpleNamespace(journal=journal, seller_id="S1")


def journaled(ctx: SimpleNamespace, items: list[ItemRefund]) -> Entry:
    """A refund under key ``r-1`` with its real fingerprint."""
    order = shipped_order(*(i.order_item_id for i in items))
    fp = fingerprint("S1", ORDER_ID, items, RETURN)
    payload = RefundPayload.of(order, items, RETURN, "r-1", fp)
    entry, _ = ctx.journal.plan(journal_key("r-1"), kind=KIND, target=ORDER_ID, payload=payload.to_json())
    return entry


def request(
    items: list[ItemRefund] | None = None, *, bare: str | None = None, reason: AdjustmentReason = RETURN
) -> RefundRequest:
    """A checked refund request under key r-1."""
    return RefundRequest(
        order_id=ORDER_ID,
        reason=reason,
        items=None if items is None else tuple(items),
        bare=None if bare is None else eur(bare),
        idempotency_key="r-1",
    )


def test_the_same_refund_matches_whether_given_by_items_or_as_a_bare_amount(ctx: SimpleNamespace) -> None:
    """Same items: no difference, same fingerprint; a bare amount on a one-item refund is its principal."""
    entry = journaled(ctx, [principal(I1, "10.00")])
    same = request([principal(I1, "10.00")])
    assert _differences(entry, same) == {}
    assert _early_fingerprint(ctx, same, entry) == RefundPayload.of_entry(entry).fingerprint  # type: ignore[arg-type]
    assert _early_fingerprint(ctx, request(bare="10.00"), entry) == RefundPayload.of_entry(entry).fingerprint  # type: ignore[arg-type]
    assert _differences(entry, request(bare="10.00")) == {}


def test_other_amounts_or_reason_are_named(ctx: SimpleNamespace) -> None:
    """Another amount and another reason are both reported, journaled value first."""
    entry = journaled(ctx, [principal(I1, "10.00")])
    other = request([principal(I1, "12.00")], reason=AdjustmentReason.PRICE_ERROR)
    assert _differences(entry, other) == {
        "reason": ("CustomerReturn", "PriceError"),
        "amounts": ({I1: {"Principal": "10.00"}}, {I1: {"Principal": "12.00"}}),
    }
    assert _early_fingerprint(ctx, other, entry) != RefundPayload.of_entry(entry).fingerprint  # type: ignore[arg-type]


def test_a_bare_amount_cannot_match_a_refund_of_several_items(ctx: SimpleNamespace) -> None:
    """A two-item refund reused with a bare amount is a mismatch, never a guess at which item."""
    entry = journaled(ctx, [principal(I1, "10.00"), principal(I2, "5.00")])
    assert _early_fingerprint(ctx, request(bare="15.00"), entry) == "mismatch"  # type: ignore[arg-type]


def test_a_reused_key_with_another_refund_is_refused_before_anything_is_sent(ctx: SimpleNamespace) -> None:
    """_reuse with another fingerprint: IdempotencyConflictError naming the submission and the differences."""
    entry = journaled(ctx, [principal(I1, "10.00")])
    other = request([principal(I1, "12.00")])
    with pytest.raises(IdempotencyConflictError) as caught:
        _reuse(ctx, entry, "another", wait=False, timeout=0.0, progress=None, request=other)  # type: ignore[arg-type]
    assert caught.value.submission_id == entry.key
    assert caught.value.differences == {"amounts": ({I1: {"Principal": "10.00"}}, {I1: {"Principal": "12.00"}})}
    assert ctx.journal.get(entry.key) == entry  # untouched


def test_a_key_of_another_kind_is_not_a_refund(ctx: SimpleNamespace) -> None:
    """A journal key that belongs to a cancel cannot be reused as a refund."""
    other, _ = ctx.journal.plan("refund:x", kind="cancel", target=ORDER_ID, payload={})
    with pytest.raises(InvalidInputError, match="not a refund"):
        _reuse(ctx, other, None, wait=False, timeout=0.0, progress=None)  # type: ignore[arg-type]
