"""Orders API answers as typed values: 2026-01-01 orders as ``Order``, v0 orders and items as their own types.

Orders 2026-01-01 (``getOrder``, ``searchOrders``) are read straight into the public ``Order`` (its items'
quantities, what the buyer was charged per price component net of promotions, cancellation requests and
who cancelled). Orders v0 (``getOrders``, ``getOrder``, ``getOrderItems``; deprecated, removal 2027-03-27)
answers are kept in Amazon's shape (``OrderV0``, ``OrderItemV0``); ``order_from_v0`` converts an order and
its items into an ``Order``. Field names are Amazon's in snake_case; what a parser does not read stays in
``extra``. The public ``Order`` keeps only what sp_cancel reads (and no buyer data); ``OrderResponse.extra``
holds the rest of a ``getOrder`` answer's order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Final

import attrs

from sp_cancel._buyer_request import BuyerRequest, Shape, read_buyer_request
from sp_cancel._order import V0_STATUSES, Order, OrderItem, OrderStatus
from sp_cancel.models import Fulfillment, Money, PriceComponent
from sp_cancel.transport._parse import (
    EMPTY,
    Malformed,
    Wire,
    at_path,
    decimal_money,
    extra,
    member,
    obj,
    opt_int,
    opt_list,
    opt_nonempty_str,
    opt_obj,
    opt_str,
    opt_time,
    parse_as,
    req_int,
    req_list,
    req_obj,
    req_str,
    req_time,
    within,
)

__all__ = [
    "BuyerRequestedCancel",
    "OrderItemV0",
    "OrderItemsV0Page",
    "OrderResponse",
    "OrderV0",
    "OrdersPage",
    "OrdersV0Page",
    "order_from_v0",
    "parse_order",
    "parse_order_items_v0",
    "parse_order_response",
    "parse_order_v0",
    "parse_orders_page",
    "parse_orders_v0_page",
]

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
_DISCOUNT_SUBTYPE: Final = _BREAKDOWN
_TAX_SUBTYPE: Final = {
    "ITEM": PriceComponent.TAX,
    "SHIPPING": PriceComponent.SHIPPING_TAX,
    "GIFT_WRAP": PriceComponent.GIFT_WRAP_TAX,
}
# Orders v0 item money fields -> components, and the promotion fields -> the component they reduce.
_V0_MONEY: Final = (
    ("item_price", PriceComponent.PRINCIPAL),
    ("shipping_price", PriceComponent.SHIPPING),
    ("item_tax", PriceComponent.TAX),
    ("shipping_tax", PriceComponent.SHIPPING_TAX),
)
_V0_DISCOUNTS: Final = (
    ("promotion_discount", PriceComponent.PRINCIPAL),
    ("shipping_discount", PriceComponent.SHIPPING),
)
_STATUSES: Final = {s.value: s for s in OrderStatus}

_ORDER_KNOWN: Final = frozenset(
    {"orderId", "createdTime", "lastUpdatedTime", "salesChannel", "fulfillment", "orderItems"}
)


# -- Orders 2026-01-01 ---------------------------------------------------------------------------


def _money(data: Mapping[str, Any], where: str) -> Money:
    """A 2026-01-01 ``Money`` (``amount`` and ``currencyCode``, both required)."""
    found = decimal_money(data, "amount", "currencyCode", where)
    if found is None:
        raise Malformed(at_path(where, "amount" if data.get("amount") is None else "currencyCode"), "is missing")
    return found


def _opt_money(data: Mapping[str, Any], key: str, where: str) -> Money | None:
    value = opt_obj(data, key, where)
    return None if value is None else _money(value, at_path(where, key))


def _net_of(charged: dict[PriceComponent, Money], discounts: list[tuple[PriceComponent, Money]]) -> None:
    """Take promotions off what the buyer was charged, per component (never below zero)."""
    for component, discount in discounts:
        paid = charged.get(component)
        if paid is None or paid.currency != discount.currency:
            continue
        left = paid.amount - abs(discount.amount)
        charged[component] = Money(amount=max(left, Decimal(0)), currency=paid.currency)


def _detail(data: Mapping[str, Any]) -> tuple[str | None, Money | None]:
    """One ``detailedBreakdowns`` entry as ``(subtype, value)`` (both optional in the model)."""
    return opt_str(data, "subtype", ""), _opt_money(data, "value", "")


def _breakdown(data: Mapping[str, Any]) -> tuple[str, Money | None, tuple[tuple[str | None, Money | None], ...]]:
    """One proceeds breakdown: its type, its subtotal where that is the figure used, its detailed breakdowns."""
    kind = req_str(data, "type", "")
    subtotal = req_obj(data, "subtotal", "")  # required; read as Money where it is the figure used
    details = opt_list(data, "detailedBreakdowns", "", _detail) if kind in {"DISCOUNT", "TAX"} else ()
    used = kind in _BREAKDOWN or (kind in {"DISCOUNT", "TAX"} and not details)
    return kind, _money(subtotal, "subtotal") if used else None, details


def _charged(item: Mapping[str, Any]) -> dict[PriceComponent, Money]:
    """What the buyer paid per component: charges net of promotions (``DISCOUNT``), taxes split by subtype."""
    out: dict[PriceComponent, Money] = {}
    proceeds = opt_obj(item, "proceeds", "")
    if proceeds is None:
        return out
    discounts: list[tuple[PriceComponent, Money]] = []
    for kind, subtotal, details in opt_list(proceeds, "breakdowns", "proceeds", _breakdown):
        if kind in _BREAKDOWN and subtotal is not None:
            out[_BREAKDOWN[kind]] = subtotal
        elif kind == "DISCOUNT":
            if subtotal is not None:  # no detailed breakdown: the whole discount is taken off the item price
                discounts.append((PriceComponent.PRINCIPAL, subtotal))
            discounts.extend(
                (_DISCOUNT_SUBTYPE.get(subtype or "", PriceComponent.PRINCIPAL), value)
                for subtype, value in details
                if value is not None
            )
        elif kind == "TAX":
            if subtotal is not None:
                # detailedBreakdowns is optional: without it, the whole tax is taken as the item's tax
                # (the cap then errs toward what Amazon itself will check).
                out[PriceComponent.TAX] = subtotal
            for subtype, value in details:
                component = _TAX_SUBTYPE.get(subtype or "")
                if component is not None and value is not None:
                    out[component] = value
    _net_of(out, discounts)
    return out


_REQUEST_AT: Final[Mapping[Shape, str]] = {
    "orders_2026": "cancellation.cancellationRequest",
    "orders_v0": "BuyerRequestedCancel",
}


def _buyer_request(value: object, reason: object, shape: Shape) -> BuyerRequest:
    """The one buyer-request parser (``sp_cancel._buyer_request``), its refusal as ``Malformed`` here."""
    try:
        return read_buyer_request(value, reason, shape=shape)
    except ValueError as exc:
        raise Malformed(_REQUEST_AT[shape], str(exc)) from None


def _item(raw: Mapping[str, Any]) -> OrderItem:
    ordered = req_int(raw, "quantityOrdered", "")
    product = req_obj(raw, "product", "")
    fulfillment = opt_obj(raw, "fulfillment", "") or EMPTY
    shipped = opt_int(fulfillment, "quantityFulfilled", "fulfillment") or 0
    unshipped = opt_int(fulfillment, "quantityUnfulfilled", "fulfillment")
    if unshipped is None:
        unshipped = ordered - shipped
    cancellation = opt_obj(raw, "cancellation", "") or EMPTY
    asked = _buyer_request(opt_obj(cancellation, "cancellationRequest", "cancellation"), None, "orders_2026")
    execution = opt_obj(cancellation, "cancellationExecution", "cancellation") or EMPTY
    return OrderItem(
        order_item_id=req_str(raw, "orderItemId", ""),
        sku=opt_str(product, "sellerSku", "product"),
        asin=opt_str(product, "asin", "product"),
        quantity_ordered=ordered,
        quantity_shipped=shipped,
        quantity_unshipped=unshipped,
        quantity_cancelled=max(ordered - shipped - unshipped, 0),
        charged=_charged(raw),
        buyer_requested_cancel=asked.requested,
        buyer_cancel_reason=asked.reason,
        cancelled_by=opt_str(execution, "cancelledBy", "cancellation.cancellationExecution"),
        cancel_reason=opt_str(execution, "cancelReason", "cancellation.cancellationExecution"),
    )


def _order(data: Mapping[str, Any]) -> tuple[Order, str | None]:
    """An Orders 2026-01-01 ``Order`` object as ``Order``, and its ``fulfillment.fulfilledBy`` as Amazon sent it."""
    fulfillment = opt_obj(data, "fulfillment", "")
    status = OrderStatus.PENDING
    fulfilled_by: str | None = None
    ship_by: datetime | None = None
    if fulfillment is not None:
        text = req_str(fulfillment, "fulfillmentStatus", "fulfillment")
        found = _STATUSES.get(text)
        if found is None:
            raise Malformed("fulfillment.fulfillmentStatus", f"is {text[:40]!r}, not an Orders 2026-01-01 status")
        status = found
        fulfilled_by = opt_str(fulfillment, "fulfilledBy", "fulfillment") or None
        window = opt_obj(fulfillment, "shipByWindow", "fulfillment")
        if window is not None:
            ship_by = opt_time(window, "latestDateTime", "fulfillment.shipByWindow")
    items = req_list(data, "orderItems", "", _item)
    currency = next((m.currency for i in items for m in i.charged.values()), None)
    order = Order(
        order_id=req_str(data, "orderId", ""),
        marketplace_id=opt_str(req_obj(data, "salesChannel", ""), "marketplaceId", "salesChannel"),
        status=status,
        channel=Fulfillment.AFN if fulfilled_by == "AMAZON" else Fulfillment.MFN,
        purchased_at=req_time(data, "createdTime", ""),
        ship_by=ship_by,
        last_updated_at=req_time(data, "lastUpdatedTime", ""),
        currency=currency,
        items=items,
    )
    return order, fulfilled_by


def _order_only(data: Mapping[str, Any]) -> Order:
    return _order(data)[0]


def parse_order(data: Mapping[str, Any], where: str = "order") -> Order:
    """An Orders 2026-01-01 ``Order`` object as ``Order``.

    Raises:
        Malformed: a required field is missing or a field has the wrong type (an unknown ``fulfillmentStatus``
            included).
    """
    return within(where, _order_only, obj(data, where))


@attrs.frozen(kw_only=True)
class OrderResponse:
    """Orders 2026-01-01 ``getOrder``'s answer (``GetOrderResponse``).

    Attributes:
        order: the order.
        fulfilled_by: ``order.fulfillment.fulfilledBy`` as Amazon sent it (``MERCHANT``, ``AMAZON``); ``None``
            when absent (it is optional, and absent whenever ``FULFILLMENT`` was not asked for): ``order.channel``
            is then a default (``MFN``), not Amazon's word.
        extra: the members of Amazon's ``Order`` object that ``Order`` does not carry (read-only).
    """

    order: Order
    fulfilled_by: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_order_response(data: Mapping[str, Any]) -> OrderResponse:
    """``getOrder``'s ``{order}`` as ``OrderResponse``."""
    raw = req_obj(data, "order", "")
    order, fulfilled_by = within("order", _order, raw)
    return OrderResponse(order=order, fulfilled_by=fulfilled_by, extra=extra(raw, _ORDER_KNOWN))


@attrs.frozen(kw_only=True)
class OrdersPage:
    """One page of Orders 2026-01-01 ``searchOrders`` (``SearchOrdersResponse``).

    Attributes:
        orders: the orders on this page.
        next_token: ``pagination.nextToken``: pass it as ``pagination_token`` for the next page; ``None`` on the last.
        created_before: the ``createdBefore`` bound Amazon applied, when it says.
        last_updated_before: the ``lastUpdatedBefore`` bound Amazon applied, when it says.
        extra: the answer's other members (read-only).
    """

    orders: Annotated[tuple[Order, ...], Wire("orders", req_list, _order_only)]
    next_token: Annotated[str | None, Wire("pagination", member("nextToken", opt_nonempty_str))] = None
    created_before: Annotated[datetime | None, Wire("createdBefore", opt_time)] = None
    last_updated_before: Annotated[datetime | None, Wire("lastUpdatedBefore", opt_time)] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_orders_page(data: Mapping[str, Any]) -> OrdersPage:
    """``searchOrders``' answer as ``OrdersPage``."""
    return parse_as(OrdersPage, data)


# -- Orders v0 -------------------------------------------------------------------------------------


def _v0_money(data: Mapping[str, Any], key: str, where: str) -> Money | None:
    """A v0 ``Money`` (``CurrencyCode`` and ``Amount``, both optional in the model): ``None`` unless both are there."""
    value = opt_obj(data, key, where)
    if value is None:
        return None
    return decimal_money(value, "Amount", "CurrencyCode", at_path(where, key))


@attrs.frozen(kw_only=True)
class BuyerRequestedCancel:
    """An Orders v0 item's ``BuyerRequestedCancel``.

    Attributes:
        is_buyer_requested_cancel: Amazon's ``IsBuyerRequestedCancel``, which it sends as the *string*
            ``"true"``/``"false"`` (read case-insensitively; absent is ``False``).
        buyer_cancel_reason: the buyer's free-text reason.
    """

    is_buyer_requested_cancel: bool = False
    buyer_cancel_reason: str | None = None


def _v0_cancel(data: Mapping[str, Any], key: str, where: str) -> BuyerRequestedCancel | None:
    """An item's ``BuyerRequestedCancel`` (read by the one buyer-request parser); ``None`` when absent."""
    flag = opt_obj(data, key, where)
    if flag is None:
        return None
    asked = _buyer_request(flag.get("IsBuyerRequestedCancel"), flag.get("BuyerCancelReason"), "orders_v0")
    return BuyerRequestedCancel(is_buyer_requested_cancel=asked.requested, buyer_cancel_reason=asked.reason)


@attrs.frozen(kw_only=True)
class OrderItemV0:
    """One Orders v0 ``OrderItem`` (``getOrderItems``); amounts as ``Money`` rounded to the currency.

    A v0 ``Money`` without both ``Amount`` and ``CurrencyCode`` (both optional in the model) is ``None``.
    """

    order_item_id: Annotated[str, Wire("OrderItemId", req_str)]
    asin: Annotated[str, Wire("ASIN", req_str)]
    quantity_ordered: Annotated[int, Wire("QuantityOrdered", req_int)]
    seller_sku: Annotated[str | None, Wire("SellerSKU", opt_str)] = None
    title: Annotated[str | None, Wire("Title", opt_str)] = None
    quantity_shipped: Annotated[int | None, Wire("QuantityShipped", opt_int)] = None
    item_price: Annotated[Money | None, Wire("ItemPrice", _v0_money)] = None
    shipping_price: Annotated[Money | None, Wire("ShippingPrice", _v0_money)] = None
    item_tax: Annotated[Money | None, Wire("ItemTax", _v0_money)] = None
    shipping_tax: Annotated[Money | None, Wire("ShippingTax", _v0_money)] = None
    promotion_discount: Annotated[Money | None, Wire("PromotionDiscount", _v0_money)] = None
    shipping_discount: Annotated[Money | None, Wire("ShippingDiscount", _v0_money)] = None
    buyer_requested_cancel: Annotated[BuyerRequestedCancel | None, Wire("BuyerRequestedCancel", _v0_cancel)] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


@attrs.frozen(kw_only=True)
class OrderV0:
    """One Orders v0 ``Order`` (``getOrder``, ``getOrders``). ``to_order`` converts it, with its items."""

    amazon_order_id: Annotated[str, Wire("AmazonOrderId", req_str)]
    purchase_date: Annotated[datetime, Wire("PurchaseDate", req_time)]
    last_update_date: Annotated[datetime, Wire("LastUpdateDate", req_time)]
    order_status: Annotated[str, Wire("OrderStatus", req_str)]
    fulfillment_channel: Annotated[str | None, Wire("FulfillmentChannel", opt_str)] = None
    marketplace_id: Annotated[str | None, Wire("MarketplaceId", opt_str)] = None
    order_total: Annotated[Money | None, Wire("OrderTotal", _v0_money)] = None
    earliest_ship_date: Annotated[datetime | None, Wire("EarliestShipDate", opt_time)] = None
    latest_ship_date: Annotated[datetime | None, Wire("LatestShipDate", opt_time)] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)

    def to_order(self, items: Sequence[OrderItemV0] = ()) -> Order:
        """This order with ``items`` (its ``getOrderItems``) as ``Order``; without items, its state alone."""
        return order_from_v0(self, items)


def parse_order_v0(data: Mapping[str, Any]) -> OrderV0:
    """v0 ``getOrder``'s ``{payload: Order}`` as ``OrderV0``."""
    return parse_as(OrderV0, req_obj(data, "payload", ""), "payload")


@attrs.frozen(kw_only=True)
class OrdersV0Page:
    """One page of Orders v0 ``getOrders`` (``OrdersList``).

    Attributes:
        orders: the orders on this page (no items: ``getOrderItems`` has them).
        next_token: ``NextToken`` for the next page (pass it alone with the marketplace); ``None`` on the last.
        created_before: ``CreatedBefore``, when Amazon says, as sent: the model types it as a plain string
            (ISO 8601 by its description, an epoch number in Amazon's own sandbox example).
        last_updated_before: ``LastUpdatedBefore``, likewise.
        extra: the payload's other members (read-only).
    """

    orders: Annotated[tuple[OrderV0, ...], Wire("Orders", req_list, OrderV0)]
    next_token: Annotated[str | None, Wire("NextToken", opt_nonempty_str)] = None
    created_before: Annotated[str | None, Wire("CreatedBefore", opt_str)] = None
    last_updated_before: Annotated[str | None, Wire("LastUpdatedBefore", opt_str)] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_orders_v0_page(data: Mapping[str, Any]) -> OrdersV0Page:
    """v0 ``getOrders``' ``{payload: OrdersList}`` as ``OrdersV0Page``."""
    return parse_as(OrdersV0Page, req_obj(data, "payload", ""), "payload")


@attrs.frozen(kw_only=True)
class OrderItemsV0Page:
    """One page of Orders v0 ``getOrderItems`` (``OrderItemsList``); ``next_token`` is ``None`` on the last."""

    amazon_order_id: Annotated[str, Wire("AmazonOrderId", req_str)]
    order_items: Annotated[tuple[OrderItemV0, ...], Wire("OrderItems", req_list, OrderItemV0)]
    next_token: Annotated[str | None, Wire("NextToken", opt_nonempty_str)] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_order_items_v0(data: Mapping[str, Any]) -> OrderItemsV0Page:
    """v0 ``getOrderItems``' ``{payload: OrderItemsList}`` as ``OrderItemsV0Page``."""
    return parse_as(OrderItemsV0Page, req_obj(data, "payload", ""), "payload")


def order_from_v0(order: OrderV0, items: Sequence[OrderItemV0]) -> Order:
    """An Orders v0 order and its items as ``Order`` (v0 statuses converted; charges net of promotions)."""
    cancelled_order = order.order_status == "Canceled"
    parsed = []
    for raw in items:
        ordered = raw.quantity_ordered
        shipped = raw.quantity_shipped or 0
        cancelled = ordered - shipped if cancelled_order else 0
        charged = {c: m for name, c in _V0_MONEY if (m := getattr(raw, name)) is not None}
        _net_of(charged, [(c, m) for name, c in _V0_DISCOUNTS if (m := getattr(raw, name)) is not None])
        flag = raw.buyer_requested_cancel
        parsed.append(
            OrderItem(
                order_item_id=raw.order_item_id,
                sku=raw.seller_sku,
                asin=raw.asin,
                quantity_ordered=ordered,
                quantity_shipped=shipped,
                quantity_unshipped=max(ordered - shipped - cancelled, 0),
                quantity_cancelled=max(cancelled, 0),
                charged=charged,
                buyer_requested_cancel=flag is not None and flag.is_buyer_requested_cancel,
                buyer_cancel_reason=None if flag is None else flag.buyer_cancel_reason,
            )
        )
    return Order(
        order_id=order.amazon_order_id,
        marketplace_id=order.marketplace_id,
        status=V0_STATUSES.get(order.order_status, OrderStatus.PENDING),
        channel=Fulfillment.AFN if order.fulfillment_channel == "AFN" else Fulfillment.MFN,
        purchased_at=order.purchase_date,
        ship_by=order.latest_ship_date,
        last_updated_at=order.last_update_date,
        currency=None if order.order_total is None else order.order_total.currency,
        items=tuple(parsed),
    )
