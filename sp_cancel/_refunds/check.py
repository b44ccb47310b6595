"""Partial refunds before anything is sent: input rules, idempotency keys, and the checks against the order.

Rules (docs/refunds.md): amounts are signed line totals, positive = refunded to the buyer; a
component can be refunded up to *charged - already refunded*; the net of an adjusted item
must be a credit to the buyer; Amazon-fulfilled orders cannot be refunded from the seller
account; refunds before the ship-confirm stay pending at Amazon, so unshipped items are
refused here (cancel their units instead).

Components accepted by ``sp_cancel.SellerClient.partial_refund``:

- ``Principal, Shipping, Tax, ShippingTax, GiftWrap, GiftWrapTax`` (what the buyer was
  charged): positive, each capped per item at charged - already refunded;
- ``Goodwill``: positive; the buyer was never charged it, so it has no cap of its own, but
  the item's whole net refund must stay within what is left of the item's charges;
- ``RestockingFee``, ``RestockingFeeTax``: negative only (charged to the buyer), and only
  next to a refund that keeps the item's net a credit;
- every other feed ``Type`` (Surcharge, ReturnShipping, COD...) is refused: their rules are
  not documented well enough to validate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

import attrs

from sp_cancel.errors import InvalidInputError, NotCancellableError
from sp_cancel.feeds._common import check_normalized_string
from sp_cancel.feeds.adjustment import amount_text
from sp_cancel.models import AdjustmentReason, ItemRefund, Money, PriceComponent, check_order_id
from sp_cancel.orders import SELLER_SUPPORT_HINT, Order, OrderItem, OrderState

__all__ = [
    "CAPPED",
    "CHARGES_TO_BUYER",
    "KEY_MAX",
    "RefundRequest",
    "check_caps",
    "check_order",
    "derive_key",
    "fingerprint",
    "normalize",
    "resolve_items",
]

CAPPED: Final = frozenset(c for c in PriceComponent if c.charged)
CHARGES_TO_BUYER: Final = frozenset({PriceComponent.RESTOCKING_FEE, PriceComponent.RESTOCKING_FEE_TAX})
_ALLOWED: Final = CAPPED | CHARGES_TO_BUYER | {PriceComponent.GOODWILL}
# A caller's idempotency key: long enough for "<system>:<ticket>:<uuid>", short enough to read.
KEY_MAX: Final = 200
_KEY_PREFIX: Final = "refund-"
_REFUNDABLE_STATES: Final = frozenset(
    {OrderState.SHIPPED, OrderState.PARTIALLY_SHIPPED, OrderState.INVOICE_UNCONFIRMED}
)
_CANCEL_POINTER: Final = (
    "A refund before the ship-confirm stays pending at Amazon: cancel the unshipped units instead with "
    "client.cancel_order(order_id, reason, items=[ItemCancel(order_item_id=..., quantity=...)])."
)
_AFN_HINT: Final = (
    "Amazon: the order 'was Fulfilled by Amazon and cannot be refunded from within your seller account'; "
    "Amazon handles returns and refunds of FBA orders. " + SELLER_SUPPORT_HINT.split(":", 1)[0] + "."
)


@attrs.frozen(kw_only=True)
class RefundRequest:
    """A refund that passed the input rules (nothing read from Amazon yet).

    ``items`` is ``None`` when the caller gave a bare amount (``bare``) for a one-item order.
    """

    order_id: str
    reason: AdjustmentReason
    items: tuple[ItemRefund, ...] | None
    bare: Money | None
    idempotency_key: str | None

    @property
    def currency(self) -> str:
        """The currency of every amount."""
        if self.bare is not None:
            return self.bare.currency
        assert self.items is not None  # noqa: S101 - one of the two is set by normalize()
        return self.items[0].currency


def _check_component(item: ItemRefund, component: PriceComponent, money: Money) -> None:
    where = f"item {item.order_item_id} {component.value}"
    if component not in _ALLOWED:
        allowed = ", ".join(sorted(c.value for c in _ALLOWED))
        raise InvalidInputError(
            f"{where}: partial_refund does not send {component.value} adjustments; use one of {allowed}",
            field="components",
        )
    if money.amount == 0:
        raise InvalidInputError(f"{where}: the amount is zero; leave the component out", field="amount")
    if component in CHARGES_TO_BUYER and money.amount > 0:
        raise InvalidInputError(
            f"{where} is charged to the buyer: give it as a negative amount (e.g. -4.00), got {money}",
            field="amount",
        )
    if component not in CHARGES_TO_BUYER and money.amount < 0:
        raise InvalidInputError(
            f"{where}: refund amounts are positive (money back to the buyer), got {money}", field="amount"
        )
    amount_text(money)  # the feed writes at most 2 decimals and 20 digits


def _check_item(item: ItemRefund) -> None:
    for component, money in item.components.items():
        _check_component(item, component, money)
    if item.total.amount <= 0:
        raise InvalidInputError(
            f"item {item.order_item_id}: the net of the adjustment must be a credit to the buyer, got {item.total}",
            field="components",
        )


def _check_key(key: object) -> str:
    if not isinstance(key, str):
        raise InvalidInputError(f"idempotency_key must be a string, got {key!r}", field="idempotency_key")
    return check_normalized_string(key, field="idempotency_key", max_length=KEY_MAX)


def normalize(
    order_id: object,
    refunds: object,
    *,
    reason: AdjustmentReason | str,
    idempotency_key: object,
) -> RefundRequest:
    """Check everything that can be checked without Amazon; raise ``InvalidInputError`` otherwise."""
    checked_id = check_order_id(order_id)
    parsed_reason = AdjustmentReason.parse(reason)
    key = None if idempotency_key is None else _check_key(idempotency_key)
    if isinstance(refunds, Money):
        if refunds.amount <= 0:
            raise InvalidInputError(f"the refund amount must be positive, got {refunds}", field="refunds")
        amount_text(refunds)
        return RefundRequest(order_id=checked_id, reason=parsed_reason, items=None, bare=refunds, idempotency_key=key)
    if isinstance(refunds, str | bytes) or not isinstance(refunds, Sequence):
        raise InvalidInputError(
            f"refunds must be a list of ItemRefund or one Money, got {type(refunds).__name__}", field="refunds"
        )
    if not refunds:
        raise InvalidInputError("refunds is empty: name at least one ItemRefund", field="refunds")
    items: list[ItemRefund] = []
    for value in refunds:
        if not isinstance(value, ItemRefund):
            raise InvalidInputError(f"refunds must hold ItemRefund values, got {value!r}", field="refunds")
        items.append(value)
    seen = [i.order_item_id for i in items]
    if len(set(seen)) != len(seen):
        raise InvalidInputError("refunds names the same order item twice; merge its components", field="refunds")
    currencies = sorted({i.currency for i in items})
    if len(currencies) > 1:
        raise InvalidInputError(f"one refund mixes currencies {currencies}", field="currency")
    for item in items:
        _check_item(item)
    return RefundRequest(order_id=checked_id, reason=parsed_reason, items=tuple(items), bare=None, idempotency_key=key)


def resolve_items(request: RefundRequest, order: Order) -> tuple[ItemRefund, ...]:
    """The item refunds, turning a bare amount into the principal of a one-item order."""
    if request.items is not None:
        return request.items
    assert request.bare is not None  # noqa: S101 - normalize() sets one of the two
    if len(order.items) != 1:
        names = ", ".join(i.order_item_id for i in order.items)
        raise InvalidInputError(
            f"order {order.order_id} has {len(order.items)} items ({names}); a bare amount is only for one-item "
            "orders: pass [ItemRefund(order_item_id=..., components={PriceComponent.PRINCIPAL: ...})]",
            field="refunds",
        )
    return (
        ItemRefund(order_item_id=order.items[0].order_item_id, components={PriceComponent.PRINCIPAL: request.bare}),
    )


def _canonical(order_id: str, items: Sequence[ItemRefund], reason: AdjustmentReason) -> str:
    lines = sorted(
        [
            i.order_item_id,
            sorted([c.value, f"{m.amount.normalize():f}"] for c, m in i.components.items()),
            i.quantity,
        ]
        for i in items
    )
    currency = items[0].currency if items else ""
    return json.dumps([order_id, reason.value, currency, lines], separators=(",", ":"))


def fingerprint(seller_id: str, order_id: str, items: Sequence[ItemRefund], reason: AdjustmentReason) -> str:
    """SHA-256 over seller, order, sorted items, components, amounts, currency and reason (hex)."""
    raw = seller_id + "|" + _canonical(order_id, items, reason)
    return hashlib.sha256(raw.encode()).hexdigest()


def derive_key(seller_id: str, order_id: str, items: Sequence[ItemRefund], reason: AdjustmentReason) -> str:
    """The idempotency key of a refund given without one: ``refund-`` + 32 hex digits of ``fingerprint``.

    The same refund (same seller, order, items, components, amounts, currency and reason, in
    any order) always gets the same key; a different amount or reason gets another.
    """
    return _KEY_PREFIX + fingerprint(seller_id, order_id, items, reason)[:32]


def _refused_state(order: Order) -> NotCancellableError | None:
    target = order.order_id
    if order.channel == "AFN":
        return NotCancellableError(
            f"order {target} is fulfilled by Amazon; it cannot be refunded through the adjustment feed.",
            target_id=target,
            state="AMAZON_FULFILLED",
            hint=_AFN_HINT,
        )
    if order.status in _REFUNDABLE_STATES:
        return None
    hints = {
        OrderState.UNSHIPPED: _CANCEL_POINTER,
        OrderState.PENDING: "Amazon has not charged the buyer yet (payment not authorized): nothing to refund.",
        OrderState.PENDING_AVAILABILITY: "It is a pre-order not yet released: nothing was charged.",
        OrderState.CANCELLED: "It is cancelled: the buyer was not charged.",
        OrderState.UNFULFILLABLE: "Amazon marked it unfulfillable; nothing to refund.",
    }
    return NotCancellableError(
        f"order {target} is {order.status.value}: only shipped items can be refunded.",
        target_id=target,
        state=order.status.value,
        hint=hints.get(order.status),
    )


def check_order(order: Order, items: Sequence[ItemRefund]) -> None:
    """Refuse a refund the order's state, items or currency rule out.

    Raises:
        NotCancellableError: Amazon-fulfilled, not shipped, or an item with nothing shipped.
        InvalidInputError: unknown item, currency mismatch, more units than shipped.
    """
    refused = _refused_state(order)
    if refused is not None:
        raise refused
    for asked in items:
        item = order.item(asked.order_item_id)
        if item is None:
            known = ", ".join(i.order_item_id for i in order.items)
            raise InvalidInputError(
                f"order {order.order_id} has no item {asked.order_item_id} (items: {known})", field="refunds"
            )
        if item.quantity_shipped == 0:
            raise NotCancellableError(
                f"order {order.order_id} item {item.order_item_id} has not shipped yet.",
                target_id=order.order_id,
                state="ITEM_UNSHIPPED",
                hint=_CANCEL_POINTER,
            )
        currency = order.currency or next((m.currency for m in item.charged.values()), None)
        if currency is not None and asked.currency != currency:
            raise InvalidInputError(
                f"order {order.order_id} is in {currency}; the refund is in {asked.currency}", field="currency"
            )
        if asked.quantity is not None and asked.quantity > item.quantity_shipped:
            raise InvalidInputError(
                f"item {item.order_item_id}: quantity {asked.quantity} is more than the "
                f"{item.quantity_shipped} unit(s) shipped",
                field="quantity",
            )


def _kept(item: OrderItem, money: Money) -> Money:
    """What the buyer was charged for the units not cancelled (line totals are pro rata to units)."""
    cancelled = item.quantity_ordered - item.quantity_shipped - item.quantity_unshipped
    if cancelled <= 0 or item.quantity_ordered <= 0:
        return money
    kept = money.amount * (item.quantity_ordered - cancelled) / item.quantity_ordered
    places = Decimal(1).scaleb(-money.decimals)
    return Money(amount=kept.quantize(places, rounding=ROUND_HALF_UP), currency=money.currency)


def remaining(item: OrderItem, already: Mapping[PriceComponent, Money], currency: str) -> dict[PriceComponent, Money]:
    """What is still refundable per charged component of ``item`` (never below zero)."""
    zero = Money.zero(currency)
    out: dict[PriceComponent, Money] = {}
    for component in sorted(CAPPED, key=lambda c: c.value):
        charged = item.charged.get(component)
        if charged is None:
            continue
        left = _kept(item, charged) - already.get(component, zero)
        out[component] = left if left.amount > 0 else zero
    return out


def _describe(left: Mapping[PriceComponent, Money]) -> str:
    return ", ".join(f"{c.value} {m}" for c, m in left.items()) or "nothing (no charged component)"


def check_caps(
    order: Order, items: Sequence[ItemRefund], already: Mapping[str, Mapping[PriceComponent, Money]]
) -> None:
    """Refuse any component above *charged - already refunded*, and any item whose net exceeds what is left.

    Raises:
        InvalidInputError: naming the remaining refundable amount per component of the item.
    """
    for asked in items:
        item = order.item(asked.order_item_id)
        assert item is not None  # noqa: S101 - check_order() ran first
        done = already.get(asked.order_item_id, {})
        left = remaining(item, done, asked.currency)
        for component, money in asked.components.items():
            if component not in CAPPED:
                continue
            cap = left.get(component, Money.zero(asked.currency))
            if money.amount > cap.amount:
                raise InvalidInputError(
                    f"order {order.order_id} item {item.order_item_id}: {component.value} {money} is more than the "
                    f"{cap} still refundable (charged minus already refunded). Remaining refundable: "
                    f"{_describe(left)}",
                    field="amount",
                )
        total_left = sum((m.amount for m in left.values()), Decimal(0))
        extra = sum((m.amount for c, m in done.items() if c not in CAPPED), Decimal(0))
        if asked.total.amount > total_left - extra:
            raise InvalidInputError(
                f"order {order.order_id} item {item.order_item_id}: the net refund {asked.total} is more than the "
                f"{Money(amount=max(total_left - extra, Decimal(0)), currency=asked.currency)} left of the item's "
                f"charges. Remaining refundable: {_describe(left)}",
                field="amount",
            )
