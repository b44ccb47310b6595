"""One order as sp_cancel reads it: ``Order``, ``OrderItem``, ``OrderStatus`` (public, exported from ``sp_cancel``).

The value classes only: no JSON here. ``sp_cancel.transport`` turns Amazon's answers (Orders 2026-01-01
and v0) into these values, and ``sp_cancel.orders`` (the read model) re-exports them with the reads and the
state checks every workflow makes. They live this low so the transport can build them.
"""

from __future__ import annotations

import enum
import warnings
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Final, Literal

import attrs

from sp_cancel._buyer_request import NO_BUYER_REQUEST, BuyerRequest
from sp_cancel.models import CancelledBy, Fulfillment, Money, PriceComponent

__all__ = [
    "V0_STATUSES",
    "BuyerCancelRequest",
    "Order",
    "OrderItem",
    "OrderState",
    "OrderStatus",
]


@attrs.frozen(kw_only=True)
class BuyerCancelRequest:
    """A cancellation the buyer requested through Amazon (does not count against the seller if accepted)."""

    order_id: str
    order_item_ids: tuple[str, ...]
    reason_text: str | None
    requested_at: datetime | None
    marketplace_id: str


class OrderStatus(enum.StrEnum):
    """An order's fulfillment status (Orders 2026-01-01 spelling; Orders v0 values are converted)."""

    PENDING_AVAILABILITY = "PENDING_AVAILABILITY"
    PENDING = "PENDING"
    UNSHIPPED = "UNSHIPPED"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"
    UNFULFILLABLE = "UNFULFILLABLE"
    INVOICE_UNCONFIRMED = "INVOICE_UNCONFIRMED"


# The name this module used before OrderStatus was public (same class).
OrderState = OrderStatus

# Orders v0 ``OrderStatus`` values -> ``OrderStatus``.
V0_STATUSES: Final[Mapping[str, OrderStatus]] = MappingProxyType(
    {
        "PendingAvailability": OrderStatus.PENDING_AVAILABILITY,
        "Pending": OrderStatus.PENDING,
        "Unshipped": OrderStatus.UNSHIPPED,
        "PartiallyShipped": OrderStatus.PARTIALLY_SHIPPED,
        "Shipped": OrderStatus.SHIPPED,
        "Canceled": OrderStatus.CANCELLED,
        "Unfulfillable": OrderStatus.UNFULFILLABLE,
        "InvoiceUnconfirmed": OrderStatus.INVOICE_UNCONFIRMED,
    }
)


def _to_cancelled_by(value: CancelledBy | str | None) -> CancelledBy | None:
    if value is None or isinstance(value, CancelledBy):
        return value
    try:
        return CancelledBy(value)
    except ValueError:
        return None


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"Order.{old} is deprecated; use Order.{new}", DeprecationWarning, stacklevel=3)


@attrs.frozen(kw_only=True)
class OrderItem:
    """One order line: ids, quantities, what the buyer was charged and what is still refundable.

    Attributes:
        order_item_id: Amazon's 14-digit order item id (what ``ItemCancel`` and ``ItemRefund`` take).
        sku: the seller SKU.
        asin: the ASIN, when Amazon sent it.
        quantity_ordered: units ordered.
        quantity_shipped: units shipped.
        quantity_unshipped: units still to ship (what an item-level cancel can take).
        quantity_cancelled: units cancelled (ordered minus shipped minus unshipped).
        charged: what the buyer was charged for the line, per price component.
        refundable: what is still refundable per price component (charged for the units not cancelled, minus
            refunds Amazon posted and refunds this library sent that Amazon has not posted yet); empty when the
            order cannot be refunded through the API (not shipped, Amazon-fulfilled). ``None`` when not read:
            ``SellerClient.order`` fills it, ``SellerClient.orders`` does not (it would cost one Finances call
            per order).
        buyer_requested_cancel: the buyer asked Amazon to cancel this item.
        buyer_cancel_reason: the buyer's free-text reason, when asked.
        cancelled_by: who executed a cancellation of this item, if any.
        cancel_reason: Amazon's free-text reason for that cancellation.
    """

    order_item_id: str
    sku: str | None
    quantity_ordered: int
    quantity_shipped: int
    quantity_unshipped: int
    asin: str | None = None
    quantity_cancelled: int = 0
    charged: Mapping[PriceComponent, Money] = attrs.field(factory=dict, hash=False)
    refundable: Mapping[PriceComponent, Money] | None = attrs.field(default=None, hash=False)
    buyer_requested_cancel: bool = False
    buyer_cancel_reason: str | None = None
    cancelled_by: CancelledBy | None = attrs.field(default=None, converter=_to_cancelled_by)
    cancel_reason: str | None = None

    @property
    def buyer_request(self) -> BuyerRequest:
        """``buyer_requested_cancel`` and ``buyer_cancel_reason`` as the one buyer-request model."""
        if not self.buyer_requested_cancel and self.buyer_cancel_reason is None:
            return NO_BUYER_REQUEST
        return BuyerRequest(requested=self.buyer_requested_cancel, reason=self.buyer_cancel_reason)


@attrs.frozen(kw_only=True)
class Order:
    """One order as sp_cancel reads it (no buyer PII is kept).

    Attributes:
        order_id: Amazon's order id.
        marketplace_id: the marketplace it was placed in.
        status: its fulfillment status.
        channel: ``MFN`` (seller-fulfilled: cancellable, refundable) or ``AFN`` (Amazon-fulfilled: read only).
        purchased_at: when it was placed.
        ship_by: the latest ship date Amazon gave the seller, when known.
        last_updated_at: Amazon's last update.
        currency: the currency it was charged in.
        items: its lines.
    """

    order_id: str
    marketplace_id: str | None
    status: OrderStatus
    channel: Fulfillment
    purchased_at: datetime | None
    last_updated_at: datetime | None
    currency: str | None
    items: tuple[OrderItem, ...]
    ship_by: datetime | None = None

    def item(self, order_item_id: str) -> OrderItem | None:
        """Return the item with ``order_item_id``, or ``None``."""
        return next((i for i in self.items if i.order_item_id == order_item_id), None)

    @property
    def buyer_requested_cancel(self) -> bool:
        """True when the buyer asked Amazon to cancel any item."""
        return any(i.buyer_requested_cancel for i in self.items)

    @property
    def buyer_cancel_reason(self) -> str | None:
        """The buyer's reason for the cancellation request (first item that gives one), or ``None``."""
        return next((i.buyer_cancel_reason for i in self.items if i.buyer_requested_cancel), None)

    @property
    def cancelled_by(self) -> CancelledBy | None:
        """Who executed the cancellation (first item that says), or ``None``."""
        return next((i.cancelled_by for i in self.items if i.cancelled_by), None)

    def __repr__(self) -> str:
        units = sum(i.quantity_ordered for i in self.items)
        return f"Order({self.order_id!r}, {self.status}, {self.channel}, {len(self.items)} item(s), {units} unit(s))"

    @property
    def state(self) -> OrderStatus:
        """Deprecated: use ``status``."""
        _deprecated("state", "status")
        return self.status

    @property
    def fulfilled_by(self) -> Literal["MERCHANT", "AMAZON"]:
        """Deprecated: use ``channel`` (``MFN`` for ``"MERCHANT"``, ``AFN`` for ``"AMAZON"``)."""
        _deprecated("fulfilled_by", "channel")
        return "AMAZON" if self.channel is Fulfillment.AFN else "MERCHANT"
