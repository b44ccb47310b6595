"""RefundPayload (sp_cancel/_refunds/payload.py): what the journal keeps of a refund, and its JSON round trip.

(Named apart from tests/unit/_cancellation/test_payload.py: test modules share one namespace.)
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from refund_fakes import ORDER_ID, eur, shipped_order

from sp_cancel._order import Order
from sp_cancel._refunds.payload import RefundPayload
from sp_cancel.models import AdjustmentReason, ItemRefund, PriceComponent

I1, I2 = "11111111111111", "22222222222222"


def order() -> Order:
    """A shipped two-item order in Germany."""
    return shipped_order(I1, I2)


def payload(key: str = "refund-42") -> RefundPayload:
    """A refund of two items, the first with its components given out of the feed's order."""
    refunds = [
        ItemRefund(
            order_item_id=I1,
            components={PriceComponent.SHIPPING: eur("4.99"), PriceComponent.PRINCIPAL: eur("10.10")},
            quantity=1,
        ),
        ItemRefund(order_item_id=I2, components={PriceComponent.TAX: eur("0.10")}),
    ]
    return RefundPayload.of(order(), refunds, AdjustmentReason.CUSTOMER_RETURN, key, "fp-1")


def test_of_numbers_the_messages_and_derives_the_adjustment_ids() -> None:
    """One message per item from 1, adjustment ids from the key, components in the feed's order."""
    refund = payload()
    assert (refund.order_id, refund.marketplace_id, refund.currency) == (ORDER_ID, "A1PA6795UKMFR9", "EUR")
    assert [(i.order_item_id, i.message_id, i.adjustment_id) for i in refund.items] == [
        (I1, 1, "refund-42-1"),
        (I2, 2, "refund-42-2"),
    ]
    assert list(refund.items[0].components) == [PriceComponent.PRINCIPAL, PriceComponent.SHIPPING]
    assert refund.amounts == {
        I1: {PriceComponent.PRINCIPAL: eur("10.10"), PriceComponent.SHIPPING: eur("4.99")},
        I2: {PriceComponent.TAX: eur("0.10")},
    }


def test_a_long_or_unsafe_key_gives_short_safe_adjustment_ids() -> None:
    """A key Amazon would refuse as an id is hashed: every id stays within 50 characters and distinct."""
    refund = payload("a key with spaces / and more " * 3)
    ids = [i.adjustment_id for i in refund.items]
    assert all(len(i) <= 50 and " " not in i for i in ids)
    assert len(set(ids)) == 2


def test_the_json_form_round_trips_and_keeps_money_exact() -> None:
    """to_json -> text -> from_json is the same payload; amounts are decimal strings, never floats."""
    refund = payload()
    text = json.dumps(refund.to_json())
    assert '"10.10"' in text
    again = RefundPayload.from_json(json.loads(text))
    assert again == refund
    assert again.amounts == refund.amounts
    assert again.items[0].components[PriceComponent.PRINCIPAL].amount == Decimal("10.10")


def test_item_refunds_give_back_what_the_caller_asked() -> None:
    """The payload turns back into the ItemRefund values it was made of (to check the refund again)."""
    refunds = payload().item_refunds()
    assert [(r.order_item_id, r.quantity) for r in refunds] == [(I1, 1), (I2, None)]
    assert dict(refunds[0].components) == {PriceComponent.PRINCIPAL: eur("10.10"), PriceComponent.SHIPPING: eur("4.99")}


def test_components_are_read_only() -> None:
    """The kept amounts cannot be changed through the payload."""
    with pytest.raises(TypeError):
        payload().items[0].components[PriceComponent.TAX] = eur("1")  # type: ignore[index]  # read-only on purpose
