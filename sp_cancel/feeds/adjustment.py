"""The ``POST_PAYMENT_ADJUSTMENT_DATA`` feed: partial refunds and item-level cancels.

Element order follows ``OrderAdjustment.xsd`` (rev. 12); see docs/refunds.md. Amounts
are signed line totals: positive is refunded to the buyer, negative is charged
to the buyer (a restocking fee).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Final

import attrs

from sp_cancel.errors import InvalidInputError
from sp_cancel.feeds._common import (
    ENVELOPE_TAIL,
    check_messages,
    check_normalized_string,
    envelope_head,
    escape_text,
    valid_feed_order_id,
    valid_message_id,
    valid_order_item_id,
)
from sp_cancel.models import AdjustmentReason, Money, PriceComponent, check_items

__all__ = ["BASE_CURRENCY_CODES", "AdjustedItem", "AdjustmentMessage", "build_adjustment_feed"]

MESSAGE_TYPE: Final = "OrderAdjustment"

# The BaseCurrencyCode enumeration of amzn-base.xsd (2012/03/21): only these may be written in
# Amount/@currency; for any other currency the optional attribute is left out (docs/refunds.md).
BASE_CURRENCY_CODES: Final = frozenset({"USD", "GBP", "EUR", "JPY", "CAD", "CNY", "INR"})

# BaseCurrencyAmount: xsd:decimal, totalDigits 20, fractionDigits 2.
_MAX_DIGITS: Final = 20
_CENT: Final = Decimal("0.01")


def _adjustment_id(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None:
        check_normalized_string(value, field=attribute.name)


def _reason(value: AdjustmentReason | str) -> AdjustmentReason:
    return AdjustmentReason.parse(value)


def _optional_positive(_: object, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InvalidInputError(f"{attribute.name} must be a positive integer, got {value!r}", field=attribute.name)


def amount_text(money: Money) -> str:
    """Write ``money`` as a feed ``Amount``: the currency's decimals, never more than 2.

    Raises:
        InvalidInputError: a 3-decimal amount (e.g. KWD) that is not a whole number of hundredths,
            or more than 20 digits.
    """
    if money.decimals <= 2:
        text = money.feed_amount()
    else:
        cents = money.amount.quantize(_CENT)
        if cents != money.amount:
            raise InvalidInputError(
                f"{money} cannot be written with the 2 decimals the adjustment feed allows", field="amount"
            )
        text = f"{cents:f}"
    if sum(ch.isdigit() for ch in text) > _MAX_DIGITS:
        raise InvalidInputError(f"{money} has more than {_MAX_DIGITS} digits", field="amount")
    return text


def _components(
    value: Iterable[tuple[PriceComponent | str, Money]] | Mapping[PriceComponent | str, Money],
) -> tuple[tuple[PriceComponent, Money], ...]:
    pairs: Iterable[object] = value.items() if isinstance(value, Mapping) else value
    out: list[tuple[PriceComponent, Money]] = []
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise InvalidInputError(
                f"components must be (PriceComponent, Money) pairs, got {pair!r}", field="components"
            )
        component = PriceComponent.parse(pair[0])
        money = pair[1]
        if not isinstance(money, Money):
            raise InvalidInputError(f"components[{component.name}] must be Money, got {money!r}", field="components")
        out.append((component, money))
    kinds = [c for c, _ in out]
    if len(set(kinds)) != len(kinds):
        raise InvalidInputError("components names the same price component twice; add the amounts", field="components")
    currencies = {m.currency for _, m in out}
    if len(currencies) > 1:
        raise InvalidInputError(f"one adjusted item mixes currencies {sorted(currencies)}", field="components")
    return tuple(out)


@attrs.frozen(kw_only=True)
class AdjustedItem:
    """One ``AdjustedItem``: price components to refund (or charge) and/or units to cancel.

    Attributes:
        order_item_id: Amazon's 14-digit order item code.
        merchant_adjustment_item_id: our correlation key (1 to 50 characters), or ``None``.
        reason: the ``AdjustmentReason``.
        components: ``(PriceComponent, Money)`` pairs in output order; a mapping is accepted too.
        quantity_cancelled: units to cancel (partial cancellation of unshipped units).
        quantity: units the adjustment concerns.
    """

    order_item_id: str = attrs.field(validator=valid_order_item_id)
    merchant_adjustment_item_id: str | None = attrs.field(default=None, validator=_adjustment_id)
    reason: AdjustmentReason = attrs.field(converter=_reason)
    components: tuple[tuple[PriceComponent, Money], ...] = attrs.field(default=(), converter=_components)
    quantity_cancelled: int | None = attrs.field(default=None, validator=_optional_positive)
    quantity: int | None = attrs.field(default=None, validator=_optional_positive)

    def __attrs_post_init__(self) -> None:
        """Refuse an item that adjusts nothing; check the amounts can be written."""
        if not self.components and self.quantity_cancelled is None:
            raise InvalidInputError(
                f"item {self.order_item_id}: give price components, quantity_cancelled, or both", field="components"
            )
        for _, money in self.components:
            amount_text(money)

    @property
    def currency(self) -> str | None:
        """The currency of the components, or ``None`` when there are none."""
        return self.components[0][1].currency if self.components else None


def _adjusted_items(value: Iterable[AdjustedItem]) -> tuple[AdjustedItem, ...]:
    items = check_items(value, AdjustedItem, empty="an adjustment message needs at least one item")
    currencies = {item.currency for item in items if item.currency is not None}
    if len(currencies) > 1:
        raise InvalidInputError(f"one order adjustment mixes currencies {sorted(currencies)}", field="items")
    return items


@attrs.frozen(kw_only=True)
class AdjustmentMessage:
    """One ``Message`` of an adjustment feed: one order and its adjusted items."""

    message_id: int = attrs.field(validator=valid_message_id)
    order_id: str = attrs.field(validator=valid_feed_order_id)
    items: tuple[AdjustedItem, ...] = attrs.field(converter=_adjusted_items)


def _amount_xml(money: Money) -> str:
    text = amount_text(money)
    if money.currency in BASE_CURRENCY_CODES:
        return f'<Amount currency="{money.currency}">{text}</Amount>'
    return f"<Amount>{text}</Amount>"


def _item_xml(item: AdjustedItem) -> str:
    parts = [
        "      <AdjustedItem>\n",
        f"        <AmazonOrderItemCode>{item.order_item_id}</AmazonOrderItemCode>\n",
    ]
    if item.merchant_adjustment_item_id is not None:
        adjustment_id = escape_text(item.merchant_adjustment_item_id)
        parts.append(f"        <MerchantAdjustmentItemID>{adjustment_id}</MerchantAdjustmentItemID>\n")
    parts.append(f"        <AdjustmentReason>{item.reason.value}</AdjustmentReason>\n")
    if item.components:
        parts.append("        <ItemPriceAdjustments>\n")
        parts.extend(
            f"          <Component><Type>{component.value}</Type>{_amount_xml(money)}</Component>\n"
            for component, money in item.components
        )
        parts.append("        </ItemPriceAdjustments>\n")
    if item.quantity_cancelled is not None:
        parts.append(f"        <QuantityCancelled>{item.quantity_cancelled}</QuantityCancelled>\n")
    if item.quantity is not None:
        parts.append(f"        <Quantity>{item.quantity}</Quantity>\n")
    parts.append("      </AdjustedItem>\n")
    return "".join(parts)


def _message_xml(message: AdjustmentMessage) -> str:
    return (
        "  <Message>\n"
        f"    <MessageID>{message.message_id}</MessageID>\n"
        "    <OrderAdjustment>\n"
        f"      <AmazonOrderID>{message.order_id}</AmazonOrderID>\n"
        + "".join(_item_xml(item) for item in message.items)
        + "    </OrderAdjustment>\n  </Message>\n"
    )


def build_adjustment_feed(seller_id: str, messages: Sequence[AdjustmentMessage]) -> bytes:
    """Build an ``OrderAdjustment`` feed document (UTF-8 XML bytes).

    Args:
        seller_id: the seller id, written as ``MerchantIdentifier``.
        messages: one ``AdjustmentMessage`` per order; message ids and
            ``merchant_adjustment_item_id`` values must be unique in the document.

    Raises:
        InvalidInputError: no messages, a repeated message id or adjustment id, or a bad seller id.
    """
    check_messages(messages, AdjustmentMessage, "an adjustment feed")
    seen: set[str] = set()
    for message in messages:
        for item in message.items:
            key = item.merchant_adjustment_item_id
            if key is not None:
                if key in seen:
                    raise InvalidInputError(
                        f"merchant_adjustment_item_id {key!r} is used twice in one feed document",
                        field="merchant_adjustment_item_id",
                    )
                seen.add(key)
    body = "".join(_message_xml(m) for m in messages)
    return (envelope_head(seller_id, MESSAGE_TYPE) + body + ENVELOPE_TAIL).encode()
