"""Reading orders into typed values, and the state checks every workflow makes before sending.

Orders come from Orders API 2026-01-01 (``getOrder``/``searchOrders`` with
``includedData``), with Orders v0 as the fallback for buyer cancellation
requests. The checks raise [NotCancellableError][sp_cancel.NotCancellableError]
carrying the state Amazon showed, before anything is submitted.

[Order][sp_cancel.Order], [OrderItem][sp_cancel.OrderItem] and
[OrderStatus][sp_cancel.OrderStatus] are public (exported from ``sp_cancel``);
``SellerClient.order`` and ``SellerClient.orders`` return them, and every workflow reads
orders through the same functions here.
"""

from __future__ import annotations

import enum
import warnings
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from sp_cancel.clock import parse_time, utc
from sp_cancel.errors import InvalidInputError, NotCancellableError, ServerError
from sp_cancel.models import CURRENCY_DECIMALS, CancelledBy, Fulfillment, ItemCancel, Money, PriceComponent

if TYPE_CHECKING:
    from sp_cancel.transport import SpApi

__all__ = [
    "Order",
    "OrderItem",
    "OrderState",
    "OrderStatus",
    "check_item_cancel",
    "check_whole_cancel",
    "get_order",
    "parse_order",
    "read_orders",
    "search_orders",
    "to_channel",
    "to_status",
]

# includedData that gives state, quantities, charged amounts and cancellation attribution.
ORDER_DATA: Final = ("FULFILLMENT", "PROCEEDS", "CANCELLATION")
SELLER_SUPPORT_HINT: Final = (
    "Amazon-fulfilled (FBA) retail orders cannot be cancelled through any SP-API operation: "
    "open a case with Seller Support (Seller Central > Help > Get support > Orders) and ask them to cancel it."
)


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

_V0_STATES: Final = {
    "PendingAvailability": OrderStatus.PENDING_AVAILABILITY,
    "Pending": OrderStatus.PENDING,
    "Unshipped": OrderStatus.UNSHIPPED,
    "PartiallyShipped": OrderStatus.PARTIALLY_SHIPPED,
    "Shipped": OrderStatus.SHIPPED,
    "Canceled": OrderStatus.CANCELLED,
    "Unfulfillable": OrderStatus.UNFULFILLABLE,
    "InvoiceUnconfirmed": OrderStatus.INVOICE_UNCONFIRMED,
}

# Proceeds breakdown types (2026-01-01) -> the adjustment feed's price components.
_BREAKDOWN: Final = {
    "ITEM": PriceComponent.PRINCIPAL,
    "SHIPPING": PriceComponent.SHIPPING,
    "GIFT_WRAP": PriceComponent.GIFT_WRAP,
    "COD_FEE": PriceComponent.COD,
    "OTHER": PriceComponent.OTHER,
}
# DISCOUNT (promotions) detailedBreakdowns subtypes -> the component the buyer paid less of. A DISCOUNT
# without a breakdown is taken off the item price (Principal): the cap then errs low, never high.
_DISCOUNT_SUBTYPE: Final = {
    "ITEM": PriceComponent.PRINCIPAL,
    "SHIPPING": PriceComponent.SHIPPING,
    "GIFT_WRAP": PriceComponent.GIFT_WRAP,
    "COD_FEE": PriceComponent.COD,
    "OTHER": PriceComponent.OTHER,
}
# Orders v0 promotion fields -> the component they reduce.
_V0_DISCOUNTS: Final = {"PromotionDiscount": PriceComponent.PRINCIPAL, "ShippingDiscount": PriceComponent.SHIPPING}
_TAX_SUBTYPE: Final = {
    "ITEM": PriceComponent.TAX,
    "SHIPPING": PriceComponent.SHIPPING_TAX,
    "GIFT_WRAP": PriceComponent.GIFT_WRAP_TAX,
}
# Orders v0 item money fields -> components.
_V0_MONEY: Final = {
    "ItemPrice": PriceComponent.PRINCIPAL,
    "ShippingPrice": PriceComponent.SHIPPING,
    "ItemTax": PriceComponent.TAX,
    "ShippingTax": PriceComponent.SHIPPING_TAX,
}


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


def _money(value: object) -> Money | None:
    if not isinstance(value, Mapping):
        return None
    amount = value.get("amount", value.get("Amount"))
    currency = value.get("currencyCode", value.get("CurrencyCode"))
    if amount is None or not isinstance(currency, str):
        return None
    dec = Decimal(str(amount))
    decimals = CURRENCY_DECIMALS.get(currency, 2)
    return Money(amount=dec.quantize(Decimal(1).scaleb(-decimals)), currency=currency)


def _net_of(charged: dict[PriceComponent, Money], discounts: list[tuple[PriceComponent, Money]]) -> None:
    """Take promotions off what the buyer was charged, per component (never below zero)."""
    for component, discount in discounts:
        money = charged.get(component)
        if money is None or money.currency != discount.currency:
            continue
        left = money.amount - abs(discount.amount)
        charged[component] = Money(amount=max(left, Decimal(0)), currency=money.currency)


def _discounts_2026(breakdown: Mapping[str, Any]) -> list[tuple[PriceComponent, Money]]:
    details = breakdown.get("detailedBreakdowns") or []
    if not details:
        money = _money(breakdown.get("subtotal"))
        return [] if money is None else [(PriceComponent.PRINCIPAL, money)]
    out = []
    for detail in details:
        component = _DISCOUNT_SUBTYPE.get(detail.get("subtype"), PriceComponent.PRINCIPAL)
        money = _money(detail.get("value"))
        if money is not None:
            out.append((component, money))
    return out


def _charged_2026(item: Mapping[str, Any]) -> dict[PriceComponent, Money]:
    """What the buyer paid per component: charges net of promotions (``DISCOUNT``), taxes split by subtype."""
    out: dict[PriceComponent, Money] = {}
    discounts: list[tuple[PriceComponent, Money]] = []
    for breakdown in (item.get("proceeds") or {}).get("breakdowns") or []:
        kind = breakdown.get("type")
        if kind == "DISCOUNT":
            discounts.extend(_discounts_2026(breakdown))
        elif kind in _BREAKDOWN:
            money = _money(breakdown.get("subtotal"))
            if money is not None:
                out[_BREAKDOWN[kind]] = money
        elif kind == "TAX":
            details = breakdown.get("detailedBreakdowns") or []
            if not details:
                # detailedBreakdowns is optional: without it, the whole tax is taken as the item's tax
                # (the cap then errs toward what Amazon itself will check).
                money = _money(breakdown.get("subtotal"))
                if money is not None:
                    out[PriceComponent.TAX] = money
            for detail in details:
                component = _TAX_SUBTYPE.get(detail.get("subtype"))
                money = _money(detail.get("value"))
                if component is not None and money is not None:
                    out[component] = money
    _net_of(out, discounts)
    return out


def parse_order(data: Mapping[str, Any]) -> Order:
    """Turn an Orders 2026-01-01 ``Order`` object into an ``Order``."""
    try:
        fulfillment = data.get("fulfillment") or {}
        items = []
        currency: str | None = None
        for raw in data.get("orderItems") or []:
            item_fulfillment = raw.get("fulfillment") or {}
            ordered = int(raw["quantityOrdered"])
            shipped = int(item_fulfillment.get("quantityFulfilled") or 0)
            unshipped = int(item_fulfillment.get("quantityUnfulfilled", ordered - shipped))
            cancellation = raw.get("cancellation") or {}
            request = cancellation.get("cancellationRequest") or {}
            execution = cancellation.get("cancellationExecution") or {}
            charged = _charged_2026(raw)
            currency = currency or next((m.currency for m in charged.values()), None)
            product = raw.get("product") or {}
            items.append(
                OrderItem(
                    order_item_id=str(raw["orderItemId"]),
                    sku=product.get("sellerSku"),
                    asin=product.get("asin"),
                    quantity_ordered=ordered,
                    quantity_shipped=shipped,
                    quantity_unshipped=unshipped,
                    quantity_cancelled=max(ordered - shipped - unshipped, 0),
                    charged=charged,
                    buyer_requested_cancel=request.get("requester") == "BUYER",
                    buyer_cancel_reason=request.get("cancelReason"),
                    cancelled_by=execution.get("cancelledBy"),
                    cancel_reason=execution.get("cancelReason"),
                )
            )
        return Order(
            order_id=str(data["orderId"]),
            marketplace_id=(data.get("salesChannel") or {}).get("marketplaceId"),
            status=OrderStatus(fulfillment.get("fulfillmentStatus", "PENDING")),
            channel=Fulfillment.AFN if fulfillment.get("fulfilledBy") == "AMAZON" else Fulfillment.MFN,
            purchased_at=parse_time(data.get("createdTime")),
            ship_by=parse_time((fulfillment.get("shipByWindow") or {}).get("latestDateTime")),
            last_updated_at=parse_time(data.get("lastUpdatedTime")),
            currency=currency,
            items=tuple(items),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ServerError(
            f"Amazon returned an order this library cannot read: {exc!r}",
            operation="orders.getOrder",
            status=200,
        ) from exc


def parse_order_v0(order: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> Order:
    """Turn an Orders v0 ``Order`` plus its ``OrderItems`` into an ``Order``."""
    parsed = []
    currency = (order.get("OrderTotal") or {}).get("CurrencyCode")
    for raw in items:
        ordered = int(raw.get("QuantityOrdered") or 0)
        shipped = int(raw.get("QuantityShipped") or 0)
        cancelled = ordered - shipped if order.get("OrderStatus") == "Canceled" else 0
        charged = {c: m for key, c in _V0_MONEY.items() if (m := _money(raw.get(key))) is not None}
        _net_of(charged, [(c, m) for key, c in _V0_DISCOUNTS.items() if (m := _money(raw.get(key))) is not None])
        flag = raw.get("BuyerRequestedCancel") or {}
        parsed.append(
            OrderItem(
                order_item_id=str(raw["OrderItemId"]),
                sku=raw.get("SellerSKU"),
                asin=raw.get("ASIN"),
                quantity_ordered=ordered,
                quantity_shipped=shipped,
                quantity_unshipped=max(ordered - shipped - cancelled, 0),
                quantity_cancelled=max(cancelled, 0),
                charged=charged,
                # Amazon sends the strings "true"/"false" here, not booleans.
                buyer_requested_cancel=str(flag.get("IsBuyerRequestedCancel", "false")).lower() == "true",
                buyer_cancel_reason=flag.get("BuyerCancelReason"),
            )
        )
    return Order(
        order_id=str(order["AmazonOrderId"]),
        marketplace_id=order.get("MarketplaceId"),
        status=_V0_STATES.get(str(order.get("OrderStatus")), OrderStatus.PENDING),
        channel=Fulfillment.AFN if order.get("FulfillmentChannel") == "AFN" else Fulfillment.MFN,
        purchased_at=parse_time(order.get("PurchaseDate")),
        ship_by=parse_time(order.get("LatestShipDate")),
        last_updated_at=parse_time(order.get("LastUpdateDate")),
        currency=currency,
        items=tuple(parsed),
    )


_UNKNOWN_CHANNEL_HINT: Final = (
    "Amazon's answer did not say who fulfils this order (fulfilledBy and v0 FulfillmentChannel are optional and "
    "were both absent). Nothing was sent: an Amazon-fulfilled order cannot be cancelled or refunded by the seller. "
    "Try again later, or check the order in Seller Central."
)


def get_order(api: SpApi, order_id: str, *, included_data: Sequence[str] = ORDER_DATA) -> Order:
    """Read one order (Orders 2026-01-01 ``getOrder``).

    ``fulfillment.fulfilledBy`` is optional in the model, and who fulfils an order decides every write.
    When it is absent, the channel is read another way (Orders v0 ``getOrder``: ``FulfillmentChannel``),
    never assumed; when that is absent too, :class:`NotCancellableError` (state ``FULFILLMENT_UNKNOWN``).
    """
    response = api.get_order(order_id, included_data=list(included_data))
    raw = response.data["order"]
    order = parse_order(raw)
    if "FULFILLMENT" in included_data and not (raw.get("fulfillment") or {}).get("fulfilledBy"):
        channel = api.get_order_v0(order_id).data["payload"].get("FulfillmentChannel")
        if channel not in {"MFN", "AFN"}:
            raise NotCancellableError(
                f"order {order_id}: Amazon did not say whether it is seller- or Amazon-fulfilled.",
                target_id=order_id,
                state="FULFILLMENT_UNKNOWN",
                hint=_UNKNOWN_CHANNEL_HINT,
            )
        order = attrs.evolve(order, channel=Fulfillment(channel))
    return order


def get_order_v0(api: SpApi, order_id: str) -> Order:
    """Read one order through Orders v0 (``getOrder`` + every page of ``getOrderItems``)."""
    order = api.get_order_v0(order_id).data["payload"]
    items: list[Mapping[str, Any]] = []
    token: str | None = None
    while True:
        payload = api.get_order_items_v0(order_id, next_token=token).data["payload"]
        items.extend(payload.get("OrderItems") or [])
        token = payload.get("NextToken")
        if not token:
            return parse_order_v0(order, items)


def search_orders(
    api: SpApi,
    *,
    created_after: datetime | None = None,
    last_updated_after: datetime | None = None,
    fulfilled_by: Literal["MERCHANT", "AMAZON"] | None = None,
    statuses: Sequence[OrderStatus] = (),
    included_data: Sequence[str] = ORDER_DATA,
    marketplace_ids: Sequence[str] | None = None,
) -> Iterator[Order]:
    """Yield every order matching the filters, page by page (Orders 2026-01-01 ``searchOrders``)."""
    if (created_after is None) == (last_updated_after is None):
        raise InvalidInputError("searchOrders needs exactly one of created_after and last_updated_after")
    token: str | None = None
    while True:
        data = api.search_orders(
            created_after=created_after,
            last_updated_after=last_updated_after,
            fulfilled_by=fulfilled_by,
            fulfillment_statuses=[s.value for s in statuses] or None,
            included_data=list(included_data),
            marketplace_ids=marketplace_ids,
            max_results_per_page=100,
            pagination_token=token,
        ).data
        for raw in data.get("orders") or []:
            yield parse_order(raw)
        token = (data.get("pagination") or {}).get("nextToken")
        if not token:
            return


_CHANNELS: Final = {
    "MFN": Fulfillment.MFN,
    "MERCHANT": Fulfillment.MFN,
    "AFN": Fulfillment.AFN,
    "AMAZON": Fulfillment.AFN,
}


def to_status(value: OrderStatus | str) -> OrderStatus:
    """Convert ``UNSHIPPED`` (Orders 2026-01-01) or ``Unshipped`` (Orders v0) to ``OrderStatus``.

    Raises:
        InvalidInputError: any other value.
    """
    if isinstance(value, OrderStatus):
        return value
    if isinstance(value, str):
        text = value.strip()
        found = _V0_STATES.get(text) or next((s for s in OrderStatus if s.value == text.upper()), None)
        if found is not None:
            return found
    allowed = ", ".join(OrderStatus)
    raise InvalidInputError(f"status {value!r} is not an order status; expected one of {allowed}", field="status")


def to_channel(value: Fulfillment | str) -> Fulfillment:
    """Convert ``MFN``/``AFN`` (or Orders 2026-01-01's ``MERCHANT``/``AMAZON``) to ``Fulfillment``.

    Raises:
        InvalidInputError: any other value.
    """
    if isinstance(value, Fulfillment):
        return value
    text: object = value  # callers outside mypy's reach pass anything
    found = _CHANNELS.get(text.strip().upper()) if isinstance(text, str) else None
    if found is None:
        raise InvalidInputError(f"channel {value!r} must be MFN or AFN", field="channel")
    return found


def read_orders(
    api: SpApi,
    *,
    now: datetime,
    status: OrderStatus | str | None = None,
    channel: Fulfillment | str | None = None,
    since: datetime | timedelta = timedelta(days=7),
) -> Iterator[Order]:
    """Check the filters (before any request), then yield every order placed since ``since``, page by page.

    Raises:
        InvalidInputError: unknown status or channel, a non-positive timedelta, a naive or future datetime.
    """
    statuses = () if status is None else (to_status(status),)
    fulfilled_by: Literal["MERCHANT", "AMAZON"] | None = None
    if channel is not None:
        fulfilled_by = "AMAZON" if to_channel(channel) is Fulfillment.AFN else "MERCHANT"
    if isinstance(since, timedelta):
        if since <= timedelta(0):
            raise InvalidInputError("since must be a positive timedelta or a datetime", field="since")
        created_after = now - since
    elif isinstance(since, datetime):
        try:
            created_after = utc(since)
        except ValueError as exc:
            raise InvalidInputError(str(exc), field="since") from None
        if created_after >= now:
            raise InvalidInputError(f"since {since.isoformat()} is in the future", field="since")
    else:
        raise InvalidInputError(f"since must be a datetime or timedelta, got {since!r}", field="since")
    return search_orders(api, created_after=created_after, fulfilled_by=fulfilled_by, statuses=statuses)


def check_whole_cancel(order: Order) -> None:
    """Refuse a whole-order cancel unless the order is an unshipped seller-fulfilled order.

    Raises:
        NotCancellableError: with the observed state and what to do instead.
    """
    target = order.order_id
    if order.channel is Fulfillment.AFN:
        raise NotCancellableError(
            f"order {target} is fulfilled by Amazon.",
            target_id=target,
            state="AMAZON_FULFILLED",
            hint=SELLER_SUPPORT_HINT,
        )
    state = order.status
    if state is OrderStatus.UNSHIPPED:
        return
    hints = {
        OrderStatus.PARTIALLY_SHIPPED: (
            "Part of it has shipped: cancel the unshipped units with items=[ItemCancel(...)] "
            "(a whole-order cancel after a ship-confirm would refund the entire order)."
        ),
        OrderStatus.SHIPPED: "It has shipped: issue a refund with partial_refund() instead.",
        OrderStatus.INVOICE_UNCONFIRMED: "It has shipped: issue a refund with partial_refund() instead.",
        OrderStatus.PENDING: "Amazon has not released it yet (payment not authorized): wait until it is Unshipped.",
        OrderStatus.PENDING_AVAILABILITY: "It is a pre-order not yet released: wait until it is Unshipped.",
        OrderStatus.CANCELLED: "It is already cancelled.",
        OrderStatus.UNFULFILLABLE: "Amazon marked it unfulfillable; there is nothing to cancel.",
    }
    raise NotCancellableError(
        f"order {target} is {state.value}.", target_id=target, state=state.value, hint=hints.get(state)
    )


def check_item_cancel(order: Order, items: Sequence[ItemCancel]) -> None:
    """Refuse an item-level cancel unless every unit asked is unshipped on a seller-fulfilled order.

    Raises:
        NotCancellableError: the order's state forbids it.
        InvalidInputError: an item id is not in the order, or more units are asked than are unshipped.
    """
    target = order.order_id
    if order.channel is Fulfillment.AFN:
        raise NotCancellableError(
            f"order {target} is fulfilled by Amazon.",
            target_id=target,
            state="AMAZON_FULFILLED",
            hint=SELLER_SUPPORT_HINT,
        )
    if order.status not in {OrderStatus.UNSHIPPED, OrderStatus.PARTIALLY_SHIPPED}:
        hint = "Issue a refund with partial_refund() instead." if order.status is OrderStatus.SHIPPED else None
        raise NotCancellableError(
            f"order {target} is {order.status.value}: only unshipped units can be cancelled.",
            target_id=target,
            state=order.status.value,
            hint=hint,
        )
    for asked in items:
        item = order.item(asked.order_item_id)
        if item is None:
            known = ", ".join(i.order_item_id for i in order.items)
            raise InvalidInputError(f"order {target} has no item {asked.order_item_id} (items: {known})", field="items")
        if asked.quantity > item.quantity_unshipped:
            raise InvalidInputError(
                f"order {target} item {item.order_item_id} has {item.quantity_unshipped} unshipped unit(s); "
                f"{asked.quantity} asked",
                field="items",
            )
