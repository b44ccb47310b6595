"""Value types: validated on construction, Decimal only, Amazon's spellings."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from sp_cancel import (
    AdjustmentReason,
    CancelReason,
    CancelRequest,
    InvalidInputError,
    ItemCancel,
    ItemRefund,
    Money,
    PriceComponent,
)
from sp_cancel.models import check_order_id, check_order_item_id, check_sku, rounded_money

USD = "USD"


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        pytest.param("5", USD, "5.00", id="int-string"),
        pytest.param("5.5", USD, "5.50", id="one-decimal"),
        pytest.param(Decimal("19.99"), USD, "19.99", id="decimal"),
        pytest.param(7, "EUR", "7.00", id="int"),
        pytest.param("1000", "JPY", "1000", id="jpy-no-decimals"),
        pytest.param("-4.00", USD, "-4.00", id="negative-restocking-fee"),
        pytest.param("2.50", "GBP", "2.50", id="gbp"),
        pytest.param("1.250", "KWD", "1.25", id="three-decimal-currency-that-fits"),
    ],
)
def test_money_accepts_and_formats(amount: object, currency: str, expected: str) -> None:
    """Valid amounts keep their value and print with the feed's decimals."""
    money = Money(amount=amount, currency=currency)  # type: ignore[arg-type]
    assert money.feed_amount() == expected
    assert money.currency == currency


@pytest.mark.parametrize(
    ("amount", "currency", "field"),
    [
        pytest.param(5.0, USD, "amount", id="float"),
        pytest.param("5.001", USD, "amount", id="too-many-decimals"),
        pytest.param("1.5", "JPY", "amount", id="jpy-decimals"),
        pytest.param("abc", USD, "amount", id="not-a-number"),
        pytest.param("NaN", USD, "amount", id="nan"),
        pytest.param("Infinity", USD, "amount", id="infinity"),
        pytest.param(True, USD, "amount", id="bool"),
        pytest.param(None, USD, "amount", id="none"),
        pytest.param("5.00", "usd", "currency", id="lowercase-currency"),
        pytest.param("5.00", "US", "currency", id="short-currency"),
        pytest.param("5.00", "", "currency", id="empty-currency"),
        pytest.param("5.00", "XYZ", "currency", id="not-iso-4217"),
        pytest.param("5.00", "XAU", "currency", id="gold-is-not-money-an-order-is-charged-in"),
        pytest.param("1E+30", USD, "amount", id="1e30"),
        pytest.param("1E+999999", USD, "amount", id="huge-exponent"),
        pytest.param("-1E+999999", USD, "amount", id="huge-negative"),
        pytest.param("1E-999999", USD, "amount", id="tiny-exponent"),
        pytest.param("sNaN", USD, "amount", id="signalling-nan"),
        pytest.param("-Infinity", USD, "amount", id="minus-infinity"),
        pytest.param(Decimal("1E18"), USD, "amount", id="at-the-bound"),
    ],
)
def test_money_refuses(amount: object, currency: str, field: str) -> None:
    """Bad amounts and currencies raise InvalidInputError naming the field."""
    with pytest.raises(InvalidInputError) as caught:
        Money(amount=amount, currency=currency)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_money_arithmetic_keeps_currency() -> None:
    """Sums and differences stay in one currency; mixing currencies is refused."""
    total = Money(amount="5.00", currency=USD) + Money(amount="1.25", currency=USD)
    assert total == Money(amount="6.25", currency=USD)
    assert (total - Money(amount="0.25", currency=USD)).amount == Decimal("6.00")
    assert -Money(amount="1", currency=USD) == Money(amount="-1", currency=USD)
    with pytest.raises(InvalidInputError):
        _ = total + Money(amount="1", currency="EUR")


def test_money_three_decimal_amount_cannot_go_into_a_feed() -> None:
    """An amount the feed's two decimals cannot hold is refused, never rounded."""
    with pytest.raises(InvalidInputError, match="2 decimals"):
        Money(amount="1.255", currency="KWD").feed_amount()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("NO_INVENTORY", CancelReason.NO_INVENTORY),
        ("NoInventory", CancelReason.NO_INVENTORY),
        (CancelReason.BUYER_CANCELED, CancelReason.BUYER_CANCELED),
        ("MerchandiseNotReceived", CancelReason.MERCHANDISE_NOT_RECEIVED),
    ],
)
def test_cancel_reason_parses_names_and_feed_values(value: str, expected: CancelReason) -> None:
    """Reasons accept the enum, its name, or Amazon's feed spelling."""
    assert CancelReason.parse(value) is expected


def test_cancel_reasons_are_the_ten_feed_values_with_four_api_codes() -> None:
    """Ten acknowledgement reasons; only four have an Orders API cancelReasonCode."""
    assert len(CancelReason) == 10
    coded = {r: r.orders_api_code for r in CancelReason if r.orders_api_code}
    assert coded == {
        CancelReason.NO_INVENTORY: "NO_INVENTORY",
        CancelReason.BUYER_CANCELED: "BUYER_CANCELLED",
        CancelReason.SHIPPING_ADDRESS_UNDELIVERABLE: "SHIPPING_ADDRESS_UNDELIVERABLE",
        CancelReason.CUSTOMER_EXCHANGE: "CUSTOMER_EXCHANGE",
    }
    assert CancelReason.BUYER_CANCELED.adjustment_reason is AdjustmentReason.CUSTOMER_CANCEL


def test_unknown_reason_lists_the_allowed_ones() -> None:
    """An unknown reason says what is allowed."""
    with pytest.raises(InvalidInputError, match="NO_INVENTORY"):
        CancelReason.parse("OutOfStock")


def test_price_components_know_what_was_charged() -> None:
    """Charged components are capped; fees and goodwill are not charges."""
    assert PriceComponent.PRINCIPAL.charged
    assert PriceComponent.SHIPPING_TAX.charged
    assert not PriceComponent.RESTOCKING_FEE.charged
    assert not PriceComponent.GOODWILL.charged
    assert PriceComponent.parse("ShippingTax") is PriceComponent.SHIPPING_TAX


@pytest.mark.parametrize(
    "order_id",
    ["112-1234567-1234567", "902-1106328-1059050", "D01-1234567-1234567"],
)
def test_order_ids_that_amazon_accepts(order_id: str) -> None:
    """Amazon's 3-7-7 order ids pass."""
    assert check_order_id(order_id) == order_id


@pytest.mark.parametrize(
    "order_id",
    ["", "112-1234567", "112-1234567-123456", "11_-1234567-1234567", "112 1234567 1234567", "TEST_CASE_400", 112],
)
def test_order_ids_that_amazon_refuses(order_id: object) -> None:
    """Malformed ids (XSD word characters have no underscore) raise before any call."""
    with pytest.raises(InvalidInputError):
        check_order_id(order_id)


@pytest.mark.parametrize("item_id", ["1234567890123", "123456789012345", "1234567890123a", ""])
def test_order_item_ids_are_14_digits(item_id: str) -> None:
    """Order item ids are exactly 14 digits."""
    with pytest.raises(InvalidInputError):
        check_order_item_id(item_id)


@pytest.mark.parametrize("sku", ["", "   ", "x" * 41, None])
def test_skus_are_1_to_40_characters(sku: object) -> None:
    """SKUs are non-blank and at most 40 characters."""
    with pytest.raises(InvalidInputError):
        check_sku(sku)


def test_item_cancel_needs_a_positive_quantity() -> None:
    """Zero, negative and boolean quantities are refused."""
    for quantity in (0, -1, True):
        with pytest.raises(InvalidInputError):
            ItemCancel(order_item_id="12345678901234", quantity=quantity)


def test_cancel_request_validates_and_converts() -> None:
    """A request converts its reason and refuses empty or repeated items."""
    request = CancelRequest(order_id="112-1234567-1234567", reason="NoInventory")
    assert request.reason is CancelReason.NO_INVENTORY
    assert request.items is None
    with pytest.raises(InvalidInputError, match="empty"):
        CancelRequest(order_id="112-1234567-1234567", reason="NO_INVENTORY", items=[])
    item = ItemCancel(order_item_id="12345678901234", quantity=1)
    with pytest.raises(InvalidInputError, match="twice"):
        CancelRequest(order_id="112-1234567-1234567", reason="NO_INVENTORY", items=[item, item])


def test_item_refund_components() -> None:
    """Components are a read-only mapping in one currency, with a total."""
    refund = ItemRefund(
        order_item_id="12345678901234",
        components={
            "Principal": Money(amount="5.00", currency=USD),
            PriceComponent.TAX: Money(amount="0.40", currency=USD),
        },
    )
    assert refund.total == Money(amount="5.40", currency=USD)
    assert set(refund.components) == {PriceComponent.PRINCIPAL, PriceComponent.TAX}
    with pytest.raises(TypeError):
        refund.components[PriceComponent.SHIPPING] = Money(amount="1", currency=USD)  # type: ignore[index]
    with pytest.raises(InvalidInputError, match="mixes currencies"):
        ItemRefund(
            order_item_id="12345678901234",
            components={"Principal": Money(amount="5", currency=USD), "Tax": Money(amount="1", currency="EUR")},
        )
    with pytest.raises(InvalidInputError):
        ItemRefund(order_item_id="12345678901234", components={})


def test_values_are_frozen() -> None:
    """Value types cannot be mutated; change them with attrs.evolve."""
    money = Money(amount="1", currency=USD)
    with pytest.raises(AttributeError):
        money.amount = Decimal(2)  # type: ignore[misc]


def test_money_is_positional_or_keyword() -> None:
    """Money("5.00", "USD") is Money(amount="5.00", currency="USD")."""
    assert Money("5.00", "USD") == Money(amount="5.00", currency="USD")
    assert Money("5", currency="EUR") == Money(amount=Decimal(5), currency="EUR")


@pytest.mark.parametrize(("currency", "decimals"), [("USD", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4), ("ZAR", 2)])
def test_currency_decimals_come_from_iso_4217(currency: str, decimals: int) -> None:
    """Each currency's minor units are ISO 4217's."""
    assert Money("1", currency).decimals == decimals


def test_the_largest_amount_a_feed_carries_is_accepted() -> None:
    """Just below the bound is money; the bound itself is not."""
    assert Money("999999999999999999.99", "USD").feed_amount() == "999999999999999999.99"


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("59.98", "USD", "59.98"),
        ("5", "USD", "5.00"),
        ("25.99", "JPY", "26"),
        ("1.2345", "KWD", "1.234"),
        ("-19.999", "EUR", "-20.00"),
        ("0", "GBP", "0.00"),
    ],
)
def test_rounded_money_is_the_money_of_the_rounded_amount(amount: str, currency: str, expected: str) -> None:
    """rounded_money equals Money of the amount rounded to the currency: same value, hash, repr; still frozen."""
    money = rounded_money(Decimal(amount), currency)
    same = Money(amount=Decimal(expected), currency=currency)
    assert money == same
    assert hash(money) == hash(same)
    assert repr(money) == repr(same)
    assert str(money.amount) == expected
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        money.amount = Decimal(1)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1", "ZZZ"), ("1", "usd"), ("Infinity", "USD"), ("NaN", "USD"), ("1E18", "USD"), ("-1E18", "EUR")],
)
def test_rounded_money_refuses_what_money_refuses(amount: str, currency: str) -> None:
    """An unknown currency, a non-finite amount or one the feeds cannot carry: InvalidInputError, as Money."""
    with pytest.raises(InvalidInputError):
        rounded_money(Decimal(amount), currency)
