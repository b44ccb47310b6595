"""The refund the refunds unit tests journal: a shipped German order, its items, a 12.50 EUR principal refund.

(Named apart from the other test packages' fakes: test support modules share one namespace.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from unit_fakes import DE, seller_order

from sp_cancel._order import Order, OrderItem, OrderStatus
from sp_cancel._refunds.payload import RefundPayload
from sp_cancel._refunds.record import KIND, journal_key
from sp_cancel.journal import DEFAULT_LEASE_SECONDS, Entry, Journal
from sp_cancel.models import AdjustmentReason, ItemRefund, Money, PriceComponent

ORDER_ID = "305-1234567-1234567"
ITEM = "11111111111111"
PURCHASED = datetime(2026, 11, 1, tzinfo=UTC)


def eur(amount: str) -> Money:
    """Euros."""
    return Money(amount=Decimal(amount), currency="EUR")


def shipped_order(*item_ids: str, purchased_at: datetime = PURCHASED) -> Order:
    """Order ``ORDER_ID`` in Germany (EUR), seller-fulfilled and shipped: one unit of each item."""
    items = [
        OrderItem(order_item_id=item, sku=None, quantity_ordered=1, quantity_shipped=1, quantity_unshipped=0)
        for item in item_ids
    ]
    return seller_order(
        ORDER_ID, items, status=OrderStatus.SHIPPED, marketplace_id=DE, currency="EUR", purchased_at=purchased_at
    )


def plan_refund(journal: Journal, key: str = "r-1", *, lease: float = DEFAULT_LEASE_SECONDS) -> tuple[Entry, bool]:
    """Plan a 12.50 EUR principal refund of ``ITEM`` (a customer return) under ``key``; whether this call created it."""
    refund = ItemRefund(order_item_id=ITEM, components={PriceComponent.PRINCIPAL: eur("12.50")})
    payload = RefundPayload.of(shipped_order(ITEM), [refund], AdjustmentReason.CUSTOMER_RETURN, key, "fp")
    return journal.plan(journal_key(key), kind=KIND, target=ORDER_ID, payload=payload.to_json(), lease_seconds=lease)
