"""The calculator's input: ``OrderRecord`` and the enums it converts Amazon's strings to.

Amazon writes the same facts differently in each source: Orders v0 says
``MFN``/``AFN`` and ``Canceled``, Orders 2026-01-01 says ``MERCHANT``/``AMAZON``
and ``CANCELLED``, the All Orders report says ``Merchant``/``Amazon`` and
``Cancelled``. The converters here accept all of them, case-insensitively,
and refuse anything else with ``InvalidInputError``.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Final, TypeVar

import attrs

from sp_cancel._buyer_request import read_buyer_request
from sp_cancel.errors import InvalidInputError
from sp_cancel.models import CancelledBy, Fulfillment

__all__ = ["CancelledBy", "Fulfillment", "OrderRecord", "OrderStatus"]

_E = TypeVar("_E")


class OrderStatus(enum.StrEnum):
    """An order's status, in Orders v0 spelling."""

    PENDING_AVAILABILITY = "PendingAvailability"
    PENDING = "Pending"
    UNSHIPPED = "Unshipped"
    PARTIALLY_SHIPPED = "PartiallyShipped"
    SHIPPED = "Shipped"
    CANCELED = "Canceled"
    UNFULFILLABLE = "Unfulfillable"
    INVOICE_UNCONFIRMED = "InvoiceUnconfirmed"


def norm(value: str) -> str:
    return value.strip().lower().replace("_", "").replace("-", "").replace(" ", "")


_FULFILLMENT: Final[dict[str, Fulfillment]] = {
    "mfn": Fulfillment.MFN,
    "merchant": Fulfillment.MFN,  # All Orders report, Orders 2026-01-01 fulfilledBy
    "seller": Fulfillment.MFN,
    "afn": Fulfillment.AFN,
    "amazon": Fulfillment.AFN,
}
_CANCELLED_BY: Final[dict[str, CancelledBy]] = {
    "merchant": CancelledBy.MERCHANT,
    "seller": CancelledBy.MERCHANT,
    "buyer": CancelledBy.BUYER,
    "customer": CancelledBy.BUYER,
    "amazon": CancelledBy.AMAZON,
}
_STATUS: Final[dict[str, OrderStatus]] = {
    **{norm(s.value): s for s in OrderStatus},
    "cancelled": OrderStatus.CANCELED,  # Orders 2026-01-01, All Orders report
    # All Orders report only [INF]: in fulfillment / handed to Easy Ship; neither pending nor cancelled.
    "shipping": OrderStatus.PARTIALLY_SHIPPED,
    "pendingwaitingforpickup": OrderStatus.UNSHIPPED,
}
#: Named once: a message built on every successful conversion cost about 1 s per million report rows.
_STATUS_NAMES: Final = ", ".join(OrderStatus)


def _lookup(table: dict[str, _E], value: object, field: str, allowed: str) -> _E:
    if isinstance(value, str):
        found = table.get(norm(value))
        if found is not None:
            return found
    raise InvalidInputError(f"{field}: unknown value {value!r}; expected one of {allowed}", field=field)


def to_fulfillment(value: Fulfillment | str) -> Fulfillment:
    """Convert ``MFN``/``AFN``/``Merchant``/``Amazon`` (any case) to ``Fulfillment``."""
    if type(value) is Fulfillment:
        return value
    return _lookup(_FULFILLMENT, value, "fulfillment", "MFN, AFN, Merchant, Amazon")


def to_cancelled_by(value: CancelledBy | str | None) -> CancelledBy | None:
    """Convert ``MERCHANT``/``Merchant``/``BUYER``/``AMAZON``... to ``CancelledBy``; ``None``/``""`` stay None."""
    if value is None or type(value) is CancelledBy:
        return value
    text: object = value  # callers outside mypy's reach pass anything
    if isinstance(text, str) and not text.strip():
        return None
    return _lookup(_CANCELLED_BY, value, "cancelled_by", "MERCHANT, BUYER, AMAZON (or None)")


def to_status(value: OrderStatus | str) -> OrderStatus:
    """Convert an Orders v0, Orders 2026-01-01 or All Orders report status to ``OrderStatus``."""
    if type(value) is OrderStatus:
        return value
    return _lookup(_STATUS, value, "status", _STATUS_NAMES)


def to_bool(value: bool | str) -> bool:  # noqa: FBT001 - a converter takes the value positionally
    """Convert a bool or Amazon's ``"true"``/``"false"`` strings (Orders v0, report columns) to a bool.

    The one buyer-request parser (``read_buyer_request``) reads it, as everywhere else a buyer request arrives.
    """
    if value is True or value is False:
        return value
    if isinstance(value, str):
        try:
            return read_buyer_request(value, shape="report").requested
        except ValueError:
            pass
    raise InvalidInputError(
        f"buyer_requested: expected a bool or 'true'/'false', got {value!r}", field="buyer_requested"
    )


def to_utc(value: datetime | str, field: str = "datetime") -> datetime:
    """Convert an aware datetime or an ISO-8601 string with an offset to an aware UTC datetime."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInputError(f"{field}: not an ISO-8601 date-time: {value!r}", field=field) from None
    if not isinstance(value, datetime):
        raise InvalidInputError(f"{field}: expected a datetime, got {type(value).__name__}", field=field)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(f"{field}: naive datetime {value!r}; pass a timezone-aware one", field=field)
    if value.tzinfo is UTC:
        return value
    return value.astimezone(UTC)


def _to_purchased_at(value: datetime | str) -> datetime:
    return to_utc(value, "purchased_at")


def _to_cancelled_at(value: datetime | str | None) -> datetime | None:
    return None if value is None else to_utc(value, "cancelled_at")


def _to_ship_by(value: datetime | str | None) -> datetime | None:
    return None if value is None else to_utc(value, "ship_by")


def _non_empty(_inst: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{attribute.name}: expected a non-empty string, got {value!r}", field=attribute.name)


def _optional_str(_inst: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidInputError(f"{attribute.name}: expected a string or None, got {value!r}", field=attribute.name)


@attrs.frozen(kw_only=True)
class OrderRecord:
    """One order as the cancellation-rate calculator sees it.

    Strings are converted on construction: ``fulfillment`` accepts ``MFN``/``AFN``/``Merchant``/``Amazon``,
    ``status`` any Orders v0, 2026-01-01 or All Orders report spelling, ``cancelled_by``
    ``MERCHANT``/``Merchant``/``BUYER``/``AMAZON``/``None``, ``buyer_requested`` a bool or ``"true"``/``"false"``,
    datetimes an aware ``datetime`` or an ISO-8601 string with an offset (stored in UTC).

    Attributes:
        order_id: Amazon's order id.
        purchased_at: when the order was placed; decides the window.
        marketplace_id: e.g. ``ATVPDKIKX0DER``; decides the default target.
        fulfillment: MFN (seller-fulfilled, counted) or AFN (never counted).
        status: the order's status now.
        cancelled_by: who executed a (whole or partial) cancellation; ``None`` when nothing was cancelled
            or nobody has said yet (see ``needs_attribution``).
        buyer_requested: the buyer asked for the cancellation through Amazon (never counts).
        cancelled_at: when the cancellation happened (or an upper bound, e.g. the report's last-updated-date).
        cancel_reason: Amazon's free-text reason; for an Amazon cancellation it helps say why
            (``classify_amazon_cancel``).
        ship_by: the latest ship date Amazon gave the seller, when known: tells Amazon's late-shipment
            auto-cancel (7 days past it) from its other cancellations.
    """

    order_id: str = attrs.field(validator=_non_empty)
    purchased_at: datetime = attrs.field(converter=_to_purchased_at)
    marketplace_id: str = attrs.field(validator=_non_empty)
    fulfillment: Fulfillment = attrs.field(converter=to_fulfillment)
    status: OrderStatus = attrs.field(converter=to_status)
    cancelled_by: CancelledBy | None = attrs.field(default=None, converter=to_cancelled_by)
    buyer_requested: bool = attrs.field(default=False, converter=to_bool)
    cancelled_at: datetime | None = attrs.field(default=None, converter=_to_cancelled_at)
    cancel_reason: str | None = attrs.field(default=None, validator=_optional_str)
    ship_by: datetime | None = attrs.field(default=None, converter=_to_ship_by)

    def __attrs_post_init__(self) -> None:
        if self.cancelled_at is not None and self.cancelled_at < self.purchased_at:
            raise InvalidInputError(
                f"order {self.order_id}: cancelled_at {self.cancelled_at.isoformat()} is before purchased_at "
                f"{self.purchased_at.isoformat()}",
                field="cancelled_at",
            )

    @property
    def is_cancelled(self) -> bool:
        """Whether the order, or any of its items, was cancelled."""
        return self.cancelled_by is not None or self.status is OrderStatus.CANCELED or self.cancelled_at is not None

    @property
    def needs_attribution(self) -> bool:
        """Whether the record is cancelled but nobody has said who cancelled it (and no buyer request is known).

        Such records count as seller-cancelled (the Orders v0 rule) until ``with_attribution`` says
        otherwise; the client fills them in from ``getOrder`` (``includedData=CANCELLATION``).
        """
        return self.cancelled_by is None and not self.buyer_requested and self.is_cancelled

    def with_attribution(self, cancelled_by: CancelledBy | str | None, buyer_requested: bool | str) -> OrderRecord:  # noqa: FBT001
        """Return a copy with who cancelled and whether the buyer asked for it."""
        return attrs.evolve(self, cancelled_by=cancelled_by, buyer_requested=buyer_requested)
