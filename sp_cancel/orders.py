"""Reading orders, and the state checks every workflow makes before sending.

Orders come from Orders API 2026-01-01 (``getOrder``/``searchOrders`` with
``includedData``); Orders v0 (deprecated, removal 2027-03-27) is read only while the client uses it
(``orders_v0``), for a channel Amazon left out; the transport hands them over as typed values (it parses Amazon's JSON).
The checks raise [NotCancellableError][sp_cancel.NotCancellableError]
carrying the state Amazon showed, before anything is submitted.

[Order][sp_cancel.Order], [OrderItem][sp_cancel.OrderItem] and
[OrderStatus][sp_cancel.OrderStatus] are public (exported from ``sp_cancel``; the classes live in
``sp_cancel._order``, below the transport, and are re-exported here);
``SellerClient.order`` and ``SellerClient.orders`` return them, and every workflow reads
orders through the same functions here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal

import attrs

from sp_cancel._order import V0_STATUSES, Order, OrderItem, OrderState, OrderStatus
from sp_cancel.clock import utc
from sp_cancel.errors import InvalidInputError, NotCancellableError, NotFoundError
from sp_cancel.models import Fulfillment, ItemCancel

if TYPE_CHECKING:
    from sp_cancel.transport import OrderItemV0, SpApi

__all__ = [
    "Order",
    "OrderItem",
    "OrderState",
    "OrderStatus",
    "check_item_cancel",
    "check_whole_cancel",
    "get_order",
    "get_order_v0",
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


_UNKNOWN_CHANNEL_HINT: Final = (
    "Amazon's answer did not say who fulfils this order (fulfilledBy is optional and was absent; Orders v0's "
    "FulfillmentChannel, when v0 is used, was absent too). Nothing was sent: an Amazon-fulfilled order cannot be "
    "cancelled or refunded by the seller. "
    "Try again later, or check the order in Seller Central."
)


def get_order(api: SpApi, order_id: str, *, included_data: Sequence[str] = ORDER_DATA) -> Order:
    """Read one order (Orders 2026-01-01 ``getOrder``).

    ``fulfillment.fulfilledBy`` is optional in the model, and who fulfils an order decides every write.
    When it is absent, the channel is read another way while Orders v0 is used (v0 ``getOrder``:
    ``FulfillmentChannel``), never assumed; without v0 (``orders_v0="never"``, retired), or when v0 does not say
    either, :class:`NotCancellableError` (state ``FULFILLMENT_UNKNOWN``). A v0 404 for an order the 2026-01-01
    API has just read means v0 is gone: it retires v0 for the rest of the client's life.
    """
    answer = api.get_order(order_id, included_data=list(included_data))
    order = answer.order
    if "FULFILLMENT" in included_data and not answer.fulfilled_by:
        channel = _v0_channel(api, order_id)
        if channel not in {"MFN", "AFN"}:
            raise NotCancellableError(
                f"order {order_id}: Amazon did not say whether it is seller- or Amazon-fulfilled.",
                target_id=order_id,
                state="FULFILLMENT_UNKNOWN",
                hint=_UNKNOWN_CHANNEL_HINT,
            )
        order = attrs.evolve(order, channel=Fulfillment(channel))
    return order


def _v0_channel(api: SpApi, order_id: str) -> str | None:
    """v0 ``FulfillmentChannel`` of an order Orders 2026-01-01 knows, or ``None`` without v0."""
    if not api.orders_v0.served:
        return None
    try:
        return api.get_order_v0(order_id).fulfillment_channel
    except NotFoundError as exc:
        if exc.status == 404:  # the 2026-01-01 API has just read this order: the v0 resource is what is gone
            api.orders_v0.retire("Amazon answered 404 to ordersV0.getOrder", operation=exc.operation, status=404)
            return None
        raise


def get_order_v0(api: SpApi, order_id: str) -> Order:
    """Read one order through Orders v0 (``getOrder`` + every page of ``getOrderItems``)."""
    order = api.get_order_v0(order_id)
    items: list[OrderItemV0] = []
    token: str | None = None
    while True:
        page = api.get_order_items_v0(order_id, next_token=token)
        items.extend(page.order_items)
        token = page.next_token
        if not token:
            return order.to_order(items)


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
        page = api.search_orders(
            created_after=created_after,
            last_updated_after=last_updated_after,
            fulfilled_by=fulfilled_by,
            fulfillment_statuses=[s.value for s in statuses] or None,
            included_data=list(included_data),
            marketplace_ids=marketplace_ids,
            max_results_per_page=100,
            pagination_token=token,
        )
        yield from page.orders
        token = page.next_token
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
        found = V0_STATUSES.get(text) or next((s for s in OrderStatus if s.value == text.upper()), None)
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


def _refuse_amazon_fulfilled(order: Order) -> None:
    """Refuse any seller cancel of an order Amazon fulfils: only Seller Support can cancel one."""
    if order.channel is Fulfillment.AFN:
        raise NotCancellableError(
            f"order {order.order_id} is fulfilled by Amazon.",
            target_id=order.order_id,
            state="AMAZON_FULFILLED",
            hint=SELLER_SUPPORT_HINT,
        )


def check_whole_cancel(order: Order) -> None:
    """Refuse a whole-order cancel unless the order is an unshipped seller-fulfilled order.

    Raises:
        NotCancellableError: with the observed state and what to do instead.
    """
    _refuse_amazon_fulfilled(order)
    target = order.order_id
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
    _refuse_amazon_fulfilled(order)
    target = order.order_id
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
