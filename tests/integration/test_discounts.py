"""Money as Amazon has it (issue 13 item 3): promotions, COD fees and OTHER charges in order prices.

A promotion (``DISCOUNT``) lowers what the buyer paid for a component, so it lowers what can be refunded of
it: the library's caps and the simulator's ledger both work net of discounts, per component (facts §4:
"a refund can't exceed the remaining refundable balance").
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from sp_cancel import AdjustmentReason, InvalidInputError, ItemRefund, Money, PriceComponent
from sp_cancel.testing import Lags, Simulator


def USD(amount: str) -> Money:  # noqa: N802 - reads like the currency
    """``amount`` dollars."""
    return Money(amount=amount, currency="USD")


@pytest.fixture
def promoted() -> tuple[Simulator, str, str]:
    """A shipped order: 2 x 25.00 with a 10.00 promotion, 6.00 shipping with 2.00 off, a COD fee and OTHER."""
    sim = Simulator(seed=51, orders=0, lags=Lags.none())
    order = sim.add_order(
        status="Shipped",
        items=[
            {
                "quantity": 2,
                "price": "25.00",
                "discount": "10.00",
                "shipping": "6.00",
                "shipping_discount": "2.00",
                "cod_fee": "1.50",
                "other": "0.75",
            }
        ],
    )
    return sim, order.order_id, order.items[0].order_item_id


def test_the_order_carries_discount_cod_and_other_and_the_library_nets_them(
    promoted: tuple[Simulator, str, str],
) -> None:
    """Orders 2026-01-01 proceeds hold DISCOUNT (by subtype), COD_FEE and OTHER; charged is what the buyer paid."""
    sim, order_id, item_id = promoted
    order = sim.client().order(order_id)
    item = order.item(item_id)
    assert item is not None
    assert item.charged[PriceComponent.PRINCIPAL] == Money(amount="40.00", currency="USD")
    assert item.charged[PriceComponent.SHIPPING] == Money(amount="4.00", currency="USD")
    assert item.charged[PriceComponent.COD] == Money(amount="1.50", currency="USD")
    assert item.charged[PriceComponent.OTHER] == Money(amount="0.75", currency="USD")


def test_a_refund_above_the_discounted_price_is_refused_before_sending(promoted: tuple[Simulator, str, str]) -> None:
    """50.00 was the list price, 40.00 was paid: 45.00 of Principal is refused, naming what is left."""
    sim, order_id, item_id = promoted
    refund = ItemRefund(
        order_item_id=item_id, components={PriceComponent.PRINCIPAL: Money(amount="45.00", currency="USD")}
    )
    with pytest.raises(InvalidInputError, match=r"40\.00"):
        sim.client().partial_refund(order_id, [refund], reason=AdjustmentReason.CUSTOMER_RETURN)
    assert sim.request_counts.get("feeds.createFeed", 0) == 0


def test_the_paid_price_refunds_and_a_cent_more_is_refused(promoted: tuple[Simulator, str, str]) -> None:
    """The full paid price refunds; a cent more of Principal is Amazon's 'exceeds' error."""
    sim, order_id, item_id = promoted
    client = sim.client()
    paid = ItemRefund(
        order_item_id=item_id, components={PriceComponent.PRINCIPAL: Money(amount="40.00", currency="USD")}
    )
    assert client.partial_refund(order_id, [paid], reason=AdjustmentReason.CUSTOMER_RETURN).ok
    item = sim.order(order_id).items[0]
    assert item.refunded["Principal"] == Decimal("40.00")
    with sim.lock:  # a refund made elsewhere would be capped the same way by Amazon
        item.refunded["Principal"] = Decimal("39.99")
    more = ItemRefund(
        order_item_id=item_id, components={PriceComponent.PRINCIPAL: Money(amount="0.02", currency="USD")}
    )
    with pytest.raises(InvalidInputError):
        client.partial_refund(order_id, [more], reason=AdjustmentReason.CUSTOMER_RETURN)
