"""Value types and enums shared by every workflow: money, reasons, requests.

All classes are attrs, frozen and keyword-only, validated on construction, so a
bad value fails where it is written, long before an HTTP call. Results
(outcomes) live in ``sp_cancel._outcomes`` and are exported from
``sp_cancel`` too.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Final, Protocol, TypeVar

import attrs

from sp_cancel.errors import InvalidInputError

__all__ = [
    "AdjustmentReason",
    "CancelReason",
    "CancelRequest",
    "CancelledBy",
    "Fulfillment",
    "ItemCancel",
    "ItemRefund",
    "Money",
    "PriceComponent",
    "check_items",
    "check_order_id",
    "check_order_item_id",
    "check_sku",
    "rounded_money",
]

# Amazon's AmazonOrderID pattern (amzn-base.xsd) and AmazonOrderItemCode (\d{14}).
# XSD's \w excludes "_" (a punctuation character), unlike Python's: letters and digits only.
_ORDER_ID: Final = re.compile(r"[^\W_]{3}-[^\W_]{7}-[^\W_]{7}", re.ASCII)
_ORDER_ITEM_ID: Final = re.compile(r"\d{14}", re.ASCII)
SKU_MAX_LENGTH: Final = 40
# sellerFulfillmentOrderId (Fulfillment Outbound 2020-07-01) / orderId (2026-07-04): maxLength 40 in both models.
MCF_ORDER_ID_MAX_LENGTH: Final = 40
_E = TypeVar("_E", bound=enum.Enum)

# ISO 4217 (List One, current funds, as published by the maintenance agency SIX): every active currency code
# and its minor units. Codes without minor units (gold XAU, SDR XDR, testing XTS, "no currency" XXX...) are
# not money an order is charged in, and are left out.
CURRENCY_DECIMALS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "AED": 2,
        "AFN": 2,
        "ALL": 2,
        "AMD": 2,
        "ANG": 2,
        "AOA": 2,
        "ARS": 2,
        "AUD": 2,
        "AWG": 2,
        "AZN": 2,
        "BAM": 2,
        "BBD": 2,
        "BDT": 2,
        "BGN": 2,
        "BHD": 3,
        "BIF": 0,
        "BMD": 2,
        "BND": 2,
        "BOB": 2,
        "BOV": 2,
        "BRL": 2,
        "BSD": 2,
        "BTN": 2,
        "BWP": 2,
        "BYN": 2,
        "BZD": 2,
        "CAD": 2,
        "CDF": 2,
        "CHE": 2,
        "CHF": 2,
        "CHW": 2,
        "CLF": 4,
        "CLP": 0,
        "CNY": 2,
        "COP": 2,
        "COU": 2,
        "CRC": 2,
        "CUC": 2,
        "CUP": 2,
        "CVE": 2,
        "CZK": 2,
        "DJF": 0,
        "DKK": 2,
        "DOP": 2,
        "DZD": 2,
        "EGP": 2,
        "ERN": 2,
        "ETB": 2,
        "EUR": 2,
        "FJD": 2,
        "FKP": 2,
        "GBP": 2,
        "GEL": 2,
        "GHS": 2,
        "GIP": 2,
        "GMD": 2,
        "GNF": 0,
        "GTQ": 2,
        "GYD": 2,
        "HKD": 2,
        "HNL": 2,
        "HTG": 2,
        "HUF": 2,
        "IDR": 2,
        "ILS": 2,
        "INR": 2,
        "IQD": 3,
        "IRR": 2,
        "ISK": 0,
        "JMD": 2,
        "JOD": 3,
        "JPY": 0,
        "KES": 2,
        "KGS": 2,
        "KHR": 2,
        "KMF": 0,
        "KPW": 2,
        "KRW": 0,
        "KWD": 3,
        "KYD": 2,
        "KZT": 2,
        "LAK": 2,
        "LBP": 2,
        "LKR": 2,
        "LRD": 2,
        "LSL": 2,
        "LYD": 3,
        "MAD": 2,
        "MDL": 2,
        "MGA": 2,
        "MKD": 2,
        "MMK": 2,
        "MNT": 2,
        "MOP": 2,
        "MRU": 2,
        "MUR": 2,
        "MVR": 2,
        "MWK": 2,
        "MXN": 2,
        "MXV": 2,
        "MYR": 2,
        "MZN": 2,
        "NAD": 2,
        "NGN": 2,
        "NIO": 2,
        "NOK": 2,
        "NPR": 2,
        "NZD": 2,
        "OMR": 3,
        "PAB": 2,
        "PEN": 2,
        "PGK": 2,
        "PHP": 2,
        "PKR": 2,
        "PLN": 2,
        "PYG": 0,
        "QAR": 2,
        "RON": 2,
        "RSD": 2,
        "RUB": 2,
        "RWF": 0,
        "SAR": 2,
        "SBD": 2,
        "SCR": 2,
        "SDG": 2,
        "SEK": 2,
        "SGD": 2,
        "SHP": 2,
        "SLE": 2,
        "SLL": 2,
        "SOS": 2,
        "SRD": 2,
        "SSP": 2,
        "STN": 2,
        "SVC": 2,
        "SYP": 2,
        "SZL": 2,
        "THB": 2,
        "TJS": 2,
        "TMT": 2,
        "TND": 3,
        "TOP": 2,
        "TRY": 2,
        "TTD": 2,
        "TWD": 2,
        "TZS": 2,
        "UAH": 2,
        "UGX": 0,
        "USD": 2,
        "USN": 2,
        "UYI": 0,
        "UYU": 2,
        "UYW": 4,
        "UZS": 2,
        "VED": 2,
        "VES": 2,
        "VND": 0,
        "VUV": 0,
        "WST": 2,
        "XAF": 0,
        "XCD": 2,
        "XCG": 2,
        "XOF": 0,
        "XPF": 0,
        "YER": 2,
        "ZAR": 2,
        "ZMW": 2,
        "ZWG": 2,
        "ZWL": 2,
    }
)
# The largest amount the order feeds can carry: BaseCurrencyAmount has 20 digits, 2 of them decimals.
MAX_AMOUNT: Final = Decimal("1E18")


def check_order_id(order_id: object, *, field: str = "order_id") -> str:
    r"""Return ``order_id`` if it matches Amazon's ``\\w{3}-\\w{7}-\\w{7}``; else raise InvalidInputError."""
    if not isinstance(order_id, str) or not _ORDER_ID.fullmatch(order_id):
        raise InvalidInputError(
            f"{field} {order_id!r} is not an Amazon order id (3-7-7 characters, e.g. '112-1234567-1234567')",
            field=field,
        )
    return order_id


def check_order_item_id(order_item_id: object, *, field: str = "order_item_id") -> str:
    """Return ``order_item_id`` if it is Amazon's 14-digit order item code; else raise InvalidInputError."""
    if not isinstance(order_item_id, str) or not _ORDER_ITEM_ID.fullmatch(order_item_id):
        raise InvalidInputError(
            f"{field} {order_item_id!r} is not an Amazon order item id (14 digits)",
            field=field,
        )
    return order_item_id


def _id_text(value: object, field: str, max_length: int, what: str) -> str:
    """A non-blank string of at most ``max_length`` characters without control characters, else the error."""
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > max_length
        or any(ord(c) < 32 or ord(c) == 127 for c in value)
    ):
        raise InvalidInputError(
            f"{field} {value!r} must be {what}: 1 to {max_length} characters, no control characters", field=field
        )
    return value


def check_sku(sku: object, *, field: str = "sku") -> str:
    """Return ``sku`` if it is a seller SKU (1 to 40 characters, no control characters); else InvalidInputError."""
    return _id_text(sku, field, SKU_MAX_LENGTH, "a seller SKU")


def check_mcf_order_id(value: object, *, field: str = "seller_fulfillment_order_id") -> str:
    """Return ``value`` if it is an MCF order id (1 to 40 characters); else raise ``InvalidInputError``."""
    return _id_text(value, field, MCF_ORDER_ID_MAX_LENGTH, "a seller fulfillment order id")


def check_deal_id(value: object, *, field: str = "deal_id") -> str:
    """Return ``value`` if it is a promotion id (no ``/``, at most 200 characters); else ``InvalidInputError``."""
    if isinstance(value, str) and "/" in value:
        raise InvalidInputError(f"{field} {value!r} must be a promotion id (no '/')", field=field)
    return _id_text(value, field, 200, "a promotion id")


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, float):
        raise InvalidInputError("money amounts must be Decimal or str, never float (binary rounding)", field="amount")
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        raise InvalidInputError(f"amount {value!r} must be a Decimal, str or int", field="amount")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidInputError(f"amount {value!r} is not a number", field="amount") from None
    if not amount.is_finite():
        raise InvalidInputError(f"amount {value!r} must be finite", field="amount")
    if not -MAX_AMOUNT < amount < MAX_AMOUNT:
        raise InvalidInputError(
            f"amount {value!r} is out of range: Amazon's feeds carry at most 20 digits, 18 before the point",
            field="amount",
        )
    return amount


def _check_currency(_: object, __: attrs.Attribute[str], currency: object) -> None:
    if not isinstance(currency, str) or currency not in CURRENCY_DECIMALS:
        raise InvalidInputError(
            f"currency {currency!r} is not a 3-letter ISO 4217 currency code (like 'USD', 'EUR', 'JPY')",
            field="currency",
        )


@attrs.frozen(order=False)
class Money:
    """An amount in a currency; ``Decimal`` only, never float.

    Positional or keyword: ``Money("5.00", "USD")`` is ``Money(amount="5.00", currency="USD")``. The
    currency must be an ISO 4217 code; more decimals than it has (JPY 0, most 2, KWD 3) are refused, and
    so is an amount the feeds cannot carry (1E+18 or more, NaN, infinity), always with
    [InvalidInputError][sp_cancel.InvalidInputError]. The sign is free here (a restocking fee is negative
    in Amazon's feeds); workflows that need a positive amount check it.

    Example:
        >>> Money("5.00", "USD")
        Money('5.00 USD')
    """

    amount: Decimal = attrs.field(converter=_to_decimal)
    currency: str = attrs.field(validator=_check_currency)

    def __attrs_post_init__(self) -> None:
        """Check the number of decimals against the currency."""
        allowed = self.decimals
        exponent = self.amount.as_tuple().exponent
        assert isinstance(exponent, int)  # noqa: S101 - finite amounts have an int exponent
        if -exponent > allowed and self.amount != self.amount.quantize(Decimal(1).scaleb(-allowed)):
            raise InvalidInputError(
                f"{self.currency} has {allowed} decimal(s); {self.amount} has more",
                field="amount",
            )

    @property
    def decimals(self) -> int:
        """How many decimals the currency has."""
        return CURRENCY_DECIMALS.get(self.currency, 2)

    def quantized(self) -> Decimal:
        """The amount with exactly the currency's number of decimals."""
        return self.amount.quantize(Decimal(1).scaleb(-self.decimals))

    def feed_amount(self) -> str:
        """The amount as Amazon's feeds write it: fixed decimals, at most 2 (the XSD's ``fractionDigits``).

        Raises:
            InvalidInputError: a three-decimal currency (KWD, BHD...) amount that 2 decimals cannot hold;
                money is never rounded silently.
        """
        places = min(self.decimals, 2)
        text = self.amount.quantize(Decimal(1).scaleb(-places))
        if text != self.amount:
            raise InvalidInputError(
                f"{self.amount} {self.currency} cannot be written with the feed's 2 decimals",
                field="amount",
            )
        return f"{text:f}"

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidInputError(f"cannot combine {self.currency} and {other.currency}", field="currency")

    def __add__(self, other: Money) -> Money:
        """Sum of two amounts in the same currency."""
        self._same(other)
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        """Difference of two amounts in the same currency."""
        self._same(other)
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def __neg__(self) -> Money:
        """The negated amount."""
        return Money(amount=-self.amount, currency=self.currency)

    def __lt__(self, other: Money) -> bool:
        """Compare amounts of the same currency."""
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        """Compare amounts of the same currency."""
        self._same(other)
        return self.amount <= other.amount

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in ``currency``."""
        return cls(amount=Decimal(0), currency=currency)

    def __repr__(self) -> str:
        return f"Money('{self.quantized():f} {self.currency}')"

    def __str__(self) -> str:
        return f"{self.quantized():f} {self.currency}"


# The smallest unit of each currency (JPY Decimal("1"), most Decimal("0.01")).
_QUANTA: Final[Mapping[str, Decimal]] = MappingProxyType(
    {code: Decimal(1).scaleb(-decimals) for code, decimals in CURRENCY_DECIMALS.items()}
)


def rounded_money(amount: Decimal, currency: str) -> Money:
    """``amount`` rounded to ``currency``'s decimals (JPY 0, most 2, KWD 3) as ``Money``.

    For amounts read from Amazon (already ``Decimal``), on every answer: the checks ``Money(...)`` makes that
    still apply after rounding (an ISO 4217 currency, a finite amount the feeds can carry), without its
    conversions, which rounding makes moot. The result equals ``Money(amount=amount.quantize(unit), currency)``.

    Raises:
        InvalidInputError: an unknown currency, an infinite or NaN amount, or one of 1E18 or more.
    """
    quantum = _QUANTA.get(currency)
    if quantum is None or not amount.is_finite() or not -MAX_AMOUNT < amount < MAX_AMOUNT:
        return Money(amount=amount, currency=currency)  # raises, with Money's own message
    money = object.__new__(Money)
    # Money is frozen: set its two slots the way attrs' own __init__ does for frozen classes.
    object.__setattr__(money, "amount", amount.quantize(quantum))
    object.__setattr__(money, "currency", currency)
    return money


class Fulfillment(enum.StrEnum):
    """Who fulfils an order: the seller (MFN, "merchant-fulfilled network") or Amazon (AFN, FBA)."""

    MFN = "MFN"
    AFN = "AFN"


class CancelledBy(enum.StrEnum):
    """Who executed a cancellation (Orders 2026-01-01 ``cancellationExecution.cancelledBy``)."""

    MERCHANT = "MERCHANT"
    BUYER = "BUYER"
    AMAZON = "AMAZON"


class CancelReason(enum.Enum):
    """Why the seller cancels: the ten ``CancelReason`` values of the acknowledgement feed.

    ``value`` is the feed spelling; ``orders_api_code`` is the Orders 2026-01-01
    ``cancelReasonCode`` where one exists (only four of the ten map).
    """

    NO_INVENTORY = "NoInventory"
    SHIPPING_ADDRESS_UNDELIVERABLE = "ShippingAddressUndeliverable"
    CUSTOMER_EXCHANGE = "CustomerExchange"
    BUYER_CANCELED = "BuyerCanceled"
    GENERAL_ADJUSTMENT = "GeneralAdjustment"
    CARRIER_CREDIT_DECISION = "CarrierCreditDecision"
    RISK_ASSESSMENT_INFORMATION_NOT_VALID = "RiskAssessmentInformationNotValid"
    CARRIER_COVERAGE_FAILURE = "CarrierCoverageFailure"
    CUSTOMER_RETURN = "CustomerReturn"
    MERCHANDISE_NOT_RECEIVED = "MerchandiseNotReceived"

    @property
    def feed_value(self) -> str:
        """The acknowledgement feed's spelling."""
        return self.value

    @property
    def orders_api_code(self) -> str | None:
        """The ``cancelReasonCode`` of Orders 2026-01-01 ``cancelOrder``, or ``None``."""
        return _ORDERS_API_CODES.get(self)

    @property
    def adjustment_reason(self) -> AdjustmentReason:
        """The adjustment feed reason used for an item-level cancel with this reason."""
        return _ADJUSTMENT_FOR_CANCEL.get(self, AdjustmentReason.NO_INVENTORY)

    @classmethod
    def parse(cls, value: CancelReason | str) -> CancelReason:
        """Accept the enum, its name (``"NO_INVENTORY"``) or the feed value (``"NoInventory"``)."""
        return _parse_enum(cls, value, "reason")


class AdjustmentReason(enum.Enum):
    """``AdjustmentReason`` values of the OrderAdjustment feed (refunds and item-level cancels)."""

    NO_INVENTORY = "NoInventory"
    CUSTOMER_RETURN = "CustomerReturn"
    GENERAL_ADJUSTMENT = "GeneralAdjustment"
    COULD_NOT_SHIP = "CouldNotShip"
    DIFFERENT_ITEM = "DifferentItem"
    ABANDONED = "Abandoned"
    CUSTOMER_CANCEL = "CustomerCancel"
    PRICE_ERROR = "PriceError"
    PRODUCT_OUT_OF_STOCK = "ProductOutofStock"
    CUSTOMER_ADDRESS_INCORRECT = "CustomerAddressIncorrect"
    EXCHANGE = "Exchange"
    OTHER = "Other"
    CARRIER_CREDIT_DECISION = "CarrierCreditDecision"
    RISK_ASSESSMENT_INFORMATION_NOT_VALID = "RiskAssessmentInformationNotValid"
    CARRIER_COVERAGE_FAILURE = "CarrierCoverageFailure"
    TRANSACTION_RECORD = "TransactionRecord"
    UNDELIVERABLE = "Undeliverable"
    REFUSED_DELIVERY = "RefusedDelivery"

    @classmethod
    def parse(cls, value: AdjustmentReason | str) -> AdjustmentReason:
        """Accept the enum, its name or the feed value."""
        return _parse_enum(cls, value, "reason")


class PriceComponent(enum.Enum):
    """Price component ``Type`` of the OrderAdjustment feed.

    The first six are what Amazon charged the buyer and are capped per item at
    *charged - already refunded*; the rest are adjustments of their own.
    """

    PRINCIPAL = "Principal"
    SHIPPING = "Shipping"
    TAX = "Tax"
    SHIPPING_TAX = "ShippingTax"
    GIFT_WRAP = "GiftWrap"
    GIFT_WRAP_TAX = "GiftWrapTax"
    RESTOCKING_FEE = "RestockingFee"
    RESTOCKING_FEE_TAX = "RestockingFeeTax"
    SURCHARGE = "Surcharge"
    RETURN_SHIPPING = "ReturnShipping"
    GOODWILL = "Goodwill"
    EXPORT_CHARGE = "ExportCharge"
    COD = "COD"
    COD_TAX = "CODTax"
    OTHER = "Other"
    FREE_REPLACEMENT_RETURN_SHIPPING = "FreeReplacementReturnShipping"

    @property
    def charged(self) -> bool:
        """Whether this component is something the buyer was charged (and so capped)."""
        return self in _CHARGED

    @classmethod
    def parse(cls, value: PriceComponent | str) -> PriceComponent:
        """Accept the enum, its name or the feed value."""
        return _parse_enum(cls, value, "component")


_CHARGED: Final = frozenset(
    {
        PriceComponent.PRINCIPAL,
        PriceComponent.SHIPPING,
        PriceComponent.TAX,
        PriceComponent.SHIPPING_TAX,
        PriceComponent.GIFT_WRAP,
        PriceComponent.GIFT_WRAP_TAX,
    }
)

# Facts §3.2: the codes published for cancelOrder, and their feed equivalents.
_ORDERS_API_CODES: Final = {
    CancelReason.NO_INVENTORY: "NO_INVENTORY",
    CancelReason.BUYER_CANCELED: "BUYER_CANCELLED",
    CancelReason.SHIPPING_ADDRESS_UNDELIVERABLE: "SHIPPING_ADDRESS_UNDELIVERABLE",
    CancelReason.CUSTOMER_EXCHANGE: "CUSTOMER_EXCHANGE",
}

# Facts §4: partial cancellation uses NoInventory or CustomerCancel (+ QuantityCancelled).
_ADJUSTMENT_FOR_CANCEL: Final = {
    CancelReason.NO_INVENTORY: AdjustmentReason.NO_INVENTORY,
    CancelReason.BUYER_CANCELED: AdjustmentReason.CUSTOMER_CANCEL,
    CancelReason.SHIPPING_ADDRESS_UNDELIVERABLE: AdjustmentReason.CUSTOMER_ADDRESS_INCORRECT,
    CancelReason.CUSTOMER_EXCHANGE: AdjustmentReason.EXCHANGE,
    CancelReason.GENERAL_ADJUSTMENT: AdjustmentReason.GENERAL_ADJUSTMENT,
    CancelReason.CARRIER_CREDIT_DECISION: AdjustmentReason.CARRIER_CREDIT_DECISION,
    CancelReason.RISK_ASSESSMENT_INFORMATION_NOT_VALID: AdjustmentReason.RISK_ASSESSMENT_INFORMATION_NOT_VALID,
    CancelReason.CARRIER_COVERAGE_FAILURE: AdjustmentReason.CARRIER_COVERAGE_FAILURE,
    CancelReason.CUSTOMER_RETURN: AdjustmentReason.CUSTOMER_RETURN,
}


def _parse_enum(cls: type[_E], value: _E | str, field: str) -> _E:
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        for member in cls:
            if value in (member.name, member.value):
                return member
    allowed = ", ".join(m.name for m in cls)
    raise InvalidInputError(f"unknown {field} {value!r}; expected one of: {allowed}", field=field)


def _cancel_reason(value: CancelReason | str) -> CancelReason:
    return CancelReason.parse(value)


def _positive_int(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"{attribute.name} must be a positive integer, got {value!r}", field=attribute.name)


def _item_id(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    check_order_item_id(value, field=attribute.name)


def _order_id(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    check_order_id(value, field=attribute.name)


class _OrderItem(Protocol):
    """What ``check_items`` reads of an item: its order item id."""

    @property
    def order_item_id(self) -> str:
        """Amazon's order item id."""


_I = TypeVar("_I", bound=_OrderItem)


def check_items(
    value: Iterable[object], kind: type[_I], *, empty: str | None = None, twice: str | None = None
) -> tuple[_I, ...]:
    """``value`` as a tuple of ``kind`` values: the converter of an ``items`` field (``ItemCancel``, a feed's items).

    Raises [InvalidInputError][sp_cancel.InvalidInputError] (``field="items"``) for a member not a ``kind``;
    with ``empty``, for no items at all; with ``twice``, for one ``order_item_id`` named twice (those messages).
    """
    items: list[_I] = []
    for item in value:
        if not isinstance(item, kind):
            raise InvalidInputError(f"items must be {kind.__name__} values, got {item!r}", field="items")
        items.append(item)
    if not items and empty is not None:
        raise InvalidInputError(empty, field="items")
    if twice is not None and len({item.order_item_id for item in items}) != len(items):
        raise InvalidInputError(twice, field="items")
    return tuple(items)


@attrs.resolve_types  # the journal codec reads the field types (_outcomes.to_json)
@attrs.frozen(kw_only=True)
class ItemCancel:
    """Cancel ``quantity`` unshipped units of one order item."""

    order_item_id: str = attrs.field(validator=_item_id)
    quantity: int = attrs.field(validator=_positive_int)


def _items(value: Iterable[ItemCancel] | None) -> tuple[ItemCancel, ...] | None:
    if value is None:
        return None
    return check_items(
        value,
        ItemCancel,
        empty="items is empty: pass None to cancel the whole order",
        twice="items names the same order_item_id twice; merge the quantities",
    )


@attrs.frozen(kw_only=True)
class CancelRequest:
    """One order to cancel in a batch: whole (``items=None``) or some units of some items."""

    order_id: str = attrs.field(validator=_order_id)
    reason: CancelReason = attrs.field(converter=_cancel_reason)
    items: tuple[ItemCancel, ...] | None = attrs.field(default=None, converter=_items)


def _components(value: object) -> Mapping[PriceComponent, Money]:
    if not isinstance(value, Mapping) or not value:
        raise InvalidInputError("components must be a non-empty mapping of PriceComponent to Money", field="components")
    out: dict[PriceComponent, Money] = {}
    for key, money in value.items():
        component = PriceComponent.parse(key)
        if not isinstance(money, Money):
            raise InvalidInputError(f"components[{component.name}] must be Money, got {money!r}", field="components")
        out[component] = money
    currencies = {m.currency for m in out.values()}
    if len(currencies) > 1:
        raise InvalidInputError(f"one refund mixes currencies {sorted(currencies)}", field="components")
    return MappingProxyType(out)


def _optional_positive(_: object, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None:
        _positive_int(_, attribute, value)  # type: ignore[arg-type]  # same check, optional field


@attrs.frozen(kw_only=True)
class ItemRefund:
    """Refund some price components of one order item (amounts are line totals, positive = to the buyer)."""

    order_item_id: str = attrs.field(validator=_item_id)
    components: Mapping[PriceComponent, Money] = attrs.field(converter=_components, hash=False)
    quantity: int | None = attrs.field(default=None, validator=_optional_positive)

    @property
    def currency(self) -> str:
        """The currency of the components."""
        return next(iter(self.components.values())).currency

    @property
    def total(self) -> Money:
        """The net amount of the components."""
        total = Money.zero(self.currency)
        for money in self.components.values():
            total = total + money
        return total
