"""What the journal keeps of a refund, as a typed value, and its codec (the only reader of the JSON form).

Money stays ``Money`` from the caller to the feed document; the JSON form keeps amounts as decimal strings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import attrs

from sp_cancel.models import AdjustmentReason, ItemRefund, Money, PriceComponent

if TYPE_CHECKING:
    from sp_cancel.journal import Entry
    from sp_cancel.orders import Order

__all__ = ["ADJUSTMENT_ID_MAX", "RefundPayload", "RefundedItem", "adjustment_ids"]

_RANK = {c: n for n, c in enumerate(PriceComponent)}


# MerchantAdjustmentItemID is StringNotNull, 1 to 50 characters (OrderAdjustment.xsd).
ADJUSTMENT_ID_MAX: Final = 50
_SAFE_KEY_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")


def adjustment_ids(key: str, count: int) -> list[str]:
    """``MerchantAdjustmentItemID`` values for ``count`` items: ``<base>-<n>``, at most 50 characters.

    ``<base>`` is the idempotency key itself when it is short and plain enough (letters, digits,
    ``-_.:``); otherwise ``k`` + the first 40 hex digits of its SHA-256, so every key maps to
    ids Amazon accepts and that stay unique per item.
    """
    suffix_len = len(str(count)) + 1
    if len(key) + suffix_len <= ADJUSTMENT_ID_MAX and set(key) <= _SAFE_KEY_CHARS:
        base = key
    else:
        base = "k" + hashlib.sha256(key.encode()).hexdigest()[:40]
    return [f"{base}-{n}" for n in range(1, count + 1)]


def _components(value: Mapping[PriceComponent, Money]) -> Mapping[PriceComponent, Money]:
    """In the feed's component order (the document lists them so), read-only."""
    return MappingProxyType(dict(sorted(value.items(), key=lambda kv: _RANK[kv[0]])))


@attrs.frozen(kw_only=True)
class RefundedItem:
    """One adjusted item of a refund: one ``Message`` of its feed.

    Attributes:
        order_item_id: Amazon's 14-digit order item id.
        adjustment_id: its ``MerchantAdjustmentItemID`` (derived from the idempotency key).
        message_id: its ``MessageID`` in the feed document.
        quantity: the units refunded, when given.
        components: the amounts refunded per price component (line totals; positive = to the buyer).
    """

    order_item_id: str
    adjustment_id: str
    message_id: int
    quantity: int | None
    components: Mapping[PriceComponent, Money] = attrs.field(converter=_components, hash=False)


@attrs.frozen(kw_only=True)
class RefundPayload:
    """One refund as the journal keeps it: enough to send it, check it again and settle it in any process."""

    order_id: str
    marketplace_id: str | None
    currency: str
    reason: AdjustmentReason
    idempotency_key: str
    fingerprint: str
    items: tuple[RefundedItem, ...]

    @classmethod
    def of(
        cls, order: Order, refunds: Sequence[ItemRefund], reason: AdjustmentReason, key: str, fingerprint: str
    ) -> RefundPayload:
        """The payload of a refund of ``order``, checked and keyed."""
        ids = adjustment_ids(key, len(refunds))
        return cls(
            order_id=order.order_id,
            marketplace_id=order.marketplace_id,
            currency=refunds[0].currency,
            reason=reason,
            idempotency_key=key,
            fingerprint=fingerprint,
            items=tuple(
                RefundedItem(
                    order_item_id=item.order_item_id,
                    adjustment_id=ids[n],
                    message_id=n + 1,
                    quantity=item.quantity,
                    components=item.components,
                )
                for n, item in enumerate(refunds)
            ),
        )

    @classmethod
    def of_entry(cls, entry: Entry) -> RefundPayload:
        """The payload of a journaled refund."""
        return cls.from_json(entry.payload)

    @property
    def amounts(self) -> dict[str, dict[PriceComponent, Money]]:
        """The amounts per order item and component."""
        return {item.order_item_id: dict(item.components) for item in self.items}

    def item_refunds(self) -> tuple[ItemRefund, ...]:
        """The refund as the ``ItemRefund`` values a caller gives (to check it again)."""
        return tuple(
            ItemRefund(order_item_id=i.order_item_id, components=i.components, quantity=i.quantity) for i in self.items
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON form the journal stores."""
        return {
            "order_id": self.order_id,
            "marketplace_id": self.marketplace_id,
            "currency": self.currency,
            "reason": self.reason.value,
            "idempotency_key": self.idempotency_key,
            "fingerprint": self.fingerprint,
            "items": [
                {
                    "order_item_id": item.order_item_id,
                    "adjustment_id": item.adjustment_id,
                    "message_id": item.message_id,
                    "quantity": item.quantity,
                    "components": {c.value: str(m.amount) for c, m in item.components.items()},
                }
                for item in self.items
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RefundPayload:
        """Read the JSON form back."""
        currency = str(data["currency"])
        return cls(
            order_id=str(data["order_id"]),
            marketplace_id=data.get("marketplace_id"),
            currency=currency,
            reason=AdjustmentReason(data["reason"]),
            idempotency_key=str(data["idempotency_key"]),
            fingerprint=str(data["fingerprint"]),
            items=tuple(
                RefundedItem(
                    order_item_id=str(item["order_item_id"]),
                    adjustment_id=str(item["adjustment_id"]),
                    message_id=int(item["message_id"]),
                    quantity=item.get("quantity"),
                    components={
                        PriceComponent(c): Money(amount=Decimal(a), currency=currency)
                        for c, a in item["components"].items()
                    },
                )
                for item in data["items"]
            ),
        )
