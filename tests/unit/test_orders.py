"""Reading orders (2026-01-01 and v0 shapes) and the pre-flight state checks."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sp_cancel.errors import InvalidInputError, NotCancellableError, ServerError
from sp_cancel.models import Fulfillment, ItemCancel, Money, PriceComponent
from sp_cancel.orders import (
    Order,
    OrderItem,
    OrderStatus,
    check_item_cancel,
    check_whole_cancel,
    parse_order,
    parse_order_v0,
    search_orders,
)

# Shaped like the getOrder sandbox example of orders_2026-01-01.json (buyer data left out), with two items.
ORDER_2026: dict[str, Any] = {
    "orderId": "171-9876543-2109876",
    "createdTime": "2024-12-24T20:30:00Z",
    "lastUpdatedTime": "2024-12-25T08:15:00Z",
    "salesChannel": {"channelName": "AMAZON", "marketplaceId": "ATVPDKIKX0DER"},
    "fulfillment": {"fulfillmentStatus": "PARTIALLY_SHIPPED", "fulfilledBy": "MERCHANT"},
    "orderItems": [
        {
            "orderItemId": "17198765432109",
            "quantityOrdered": 2,
            "product": {"asin": "B08N5WRWNW", "sellerSku": "ECHO-DOT"},
            "proceeds": {
                "breakdowns": [
                    {"type": "ITEM", "subtotal": {"amount": "59.98", "currencyCode": "USD"}},
                    {"type": "SHIPPING", "subtotal": {"amount": "5", "currencyCode": "USD"}},
                    {
                        "type": "TAX",
                        "subtotal": {"amount": "5.20", "currencyCode": "USD"},
                        "detailedBreakdowns": [
                            {"subtype": "ITEM", "value": {"amount": "4.80", "currencyCode": "USD"}},
                            {"subtype": "SHIPPING", "value": {"amount": "0.40", "currencyCode": "USD"}},
                        ],
                    },
                    {"type": "DISCOUNT", "subtotal": {"amount": "-1.00", "currencyCode": "USD"}},
                ]
            },
            "fulfillment": {"quantityFulfilled": 2, "quantityUnfulfilled": 0},
        },
        {
            "orderItemId": "17198765432110",
            "quantityOrdered": 3,
            "product": {"sellerSku": "CABLE"},
            "cancellation": {"cancellationRequest": {"requester": "BUYER", "cancelReason": "Ordered by mistake"}},
            "fulfillment": {"quantityFulfilled": 0, "quantityUnfulfilled": 3},
        },
    ],
}


def usd(amount: str) -> Money:
    """US dollars."""
    return Money(amount=amount, currency="USD")


def test_parse_order_reads_state_quantities_charges_and_requests() -> None:
    """A 2026-01-01 order becomes an Order with states, quantities, charged components and buyer requests."""
    order = parse_order(ORDER_2026)
    assert (order.order_id, order.marketplace_id, order.status) == (
        "171-9876543-2109876",
        "ATVPDKIKX0DER",
        OrderStatus.PARTIALLY_SHIPPED,
    )
    assert order.channel == "MFN"
    assert order.items[0].asin == "B08N5WRWNW"
    assert (order.items[1].quantity_cancelled, order.items[0].quantity_cancelled) == (0, 0)
    assert order.currency == "USD"
    shipped, open_item = order.items
    assert (shipped.quantity_shipped, shipped.quantity_unshipped) == (2, 0)
    assert shipped.charged == {
        PriceComponent.PRINCIPAL: usd("58.98"),  # 59.98 less the 1.00 promotion (DISCOUNT, no breakdown: off the item)
        PriceComponent.SHIPPING: usd("5.00"),
        PriceComponent.TAX: usd("4.80"),
        PriceComponent.SHIPPING_TAX: usd("0.40"),
    }
    assert (open_item.quantity_unshipped, open_item.buyer_requested_cancel) == (3, True)
    assert open_item.buyer_cancel_reason == "Ordered by mistake"
    assert order.buyer_requested_cancel
    assert order.item("17198765432110") is open_item
    assert order.item("00000000000000") is None


def test_parse_order_reads_who_cancelled() -> None:
    """The cancellationExecution gives who cancelled each item and why."""
    data = copy.deepcopy(ORDER_2026)
    data["fulfillment"] = {"fulfillmentStatus": "CANCELLED", "fulfilledBy": "MERCHANT"}
    data["orderItems"][1]["cancellation"] = {
        "cancellationExecution": {"cancelledBy": "AMAZON", "cancelReason": "Late shipment"}
    }
    order = parse_order(data)
    assert order.status is OrderStatus.CANCELLED
    assert order.cancelled_by == "AMAZON"
    assert order.items[1].cancel_reason == "Late shipment"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("orderId"),
        lambda d: d["fulfillment"].update(fulfillmentStatus="LOST_IN_SPACE"),
        lambda d: d["orderItems"][0].pop("quantityOrdered"),
        lambda d: d["orderItems"][0].update(quantityOrdered="two"),
    ],
)
def test_unreadable_orders_raise_server_error(mutate: Any) -> None:
    """An order this library cannot read is Amazon's fault: ServerError, never a wrong Order."""
    data = copy.deepcopy(ORDER_2026)
    mutate(data)
    with pytest.raises(ServerError):
        parse_order(data)


@pytest.mark.parametrize(("flag", "expected"), [("true", True), ("True", True), ("false", False), (None, False)])
def test_parse_order_v0_reads_the_string_flag(flag: str | None, expected: bool) -> None:
    """v0 IsBuyerRequestedCancel is the string "true"/"false"; anything else is not a request."""
    item: dict[str, Any] = {"OrderItemId": "12345678901234", "QuantityOrdered": 2, "QuantityShipped": 1}
    if flag is not None:
        item["BuyerRequestedCancel"] = {"IsBuyerRequestedCancel": flag, "BuyerCancelReason": "Changed mind"}
    order = parse_order_v0(
        {
            "AmazonOrderId": "902-1845936-5435065",
            "OrderStatus": "PartiallyShipped",
            "FulfillmentChannel": "MFN",
            "MarketplaceId": "ATVPDKIKX0DER",
            "OrderTotal": {"CurrencyCode": "USD", "Amount": "10.00"},
        },
        [item],
    )
    assert order.status is OrderStatus.PARTIALLY_SHIPPED
    assert order.items[0].quantity_unshipped == 1
    assert order.items[0].buyer_requested_cancel is expected


def make(
    state: OrderStatus = OrderStatus.UNSHIPPED, fulfilled_by: str = "MFN", shipped: tuple[int, int] = (0, 0)
) -> Order:
    """An order of two two-unit items, ``shipped`` units shipped of each."""
    items = tuple(
        OrderItem(
            order_item_id=f"1234567890123{n}",
            sku=None,
            quantity_ordered=2,
            quantity_shipped=s,
            quantity_unshipped=2 - s,
        )
        for n, s in enumerate(shipped)
    )
    return Order(
        order_id="112-1234567-1234567",
        marketplace_id="ATVPDKIKX0DER",
        status=state,
        channel=Fulfillment(fulfilled_by),
        purchased_at=None,
        last_updated_at=None,
        currency="USD",
        items=items,
    )


@pytest.mark.parametrize(
    ("order", "state"),
    [
        (make(OrderStatus.SHIPPED), "SHIPPED"),
        (make(OrderStatus.INVOICE_UNCONFIRMED), "INVOICE_UNCONFIRMED"),
        (make(OrderStatus.PARTIALLY_SHIPPED), "PARTIALLY_SHIPPED"),
        (make(OrderStatus.PENDING), "PENDING"),
        (make(OrderStatus.PENDING_AVAILABILITY), "PENDING_AVAILABILITY"),
        (make(OrderStatus.CANCELLED), "CANCELLED"),
        (make(OrderStatus.UNFULFILLABLE), "UNFULFILLABLE"),
        (make(fulfilled_by="AFN"), "AMAZON_FULFILLED"),
    ],
)
def test_whole_cancel_is_refused_in_every_state_but_unshipped(order: Order, state: str) -> None:
    """check_whole_cancel raises NotCancellableError with the state and a hint for each other state."""
    with pytest.raises(NotCancellableError) as caught:
        check_whole_cancel(order)
    assert caught.value.state == state
    assert caught.value.hint


def test_whole_cancel_of_an_unshipped_merchant_order_passes() -> None:
    """An unshipped seller-fulfilled order passes the whole-order check."""
    check_whole_cancel(make())


def test_item_cancel_checks_units_against_what_is_unshipped() -> None:
    """Item-level cancels pass up to the unshipped units and are refused beyond, or for unknown items."""
    order = make(OrderStatus.PARTIALLY_SHIPPED, shipped=(2, 1))
    check_item_cancel(order, [ItemCancel(order_item_id="12345678901231", quantity=1)])
    with pytest.raises(InvalidInputError, match="1 unshipped"):
        check_item_cancel(order, [ItemCancel(order_item_id="12345678901231", quantity=2)])
    with pytest.raises(InvalidInputError, match="0 unshipped"):
        check_item_cancel(order, [ItemCancel(order_item_id="12345678901230", quantity=1)])
    with pytest.raises(InvalidInputError, match="has no item"):
        check_item_cancel(order, [ItemCancel(order_item_id="99999999999999", quantity=1)])


@pytest.mark.parametrize(
    ("order", "state"),
    [(make(OrderStatus.SHIPPED), "SHIPPED"), (make(fulfilled_by="AFN"), "AMAZON_FULFILLED")],
)
def test_item_cancel_is_refused_on_shipped_and_amazon_orders(order: Order, state: str) -> None:
    """Item-level cancels of shipped or Amazon-fulfilled orders raise NotCancellableError."""
    with pytest.raises(NotCancellableError) as caught:
        check_item_cancel(order, [ItemCancel(order_item_id="12345678901230", quantity=1)])
    assert caught.value.state == state


def test_search_orders_needs_exactly_one_time_filter() -> None:
    """A searchOrders call needs createdAfter or lastUpdatedAfter, not both, not neither (before any call)."""
    with pytest.raises(InvalidInputError):
        next(search_orders(None))  # type: ignore[arg-type]


def test_old_order_names_still_work_with_a_deprecation_warning() -> None:
    """Order.state and Order.fulfilled_by (before Order was public) warn and answer as before."""
    order = make(OrderStatus.SHIPPED, fulfilled_by="AFN")
    with pytest.warns(DeprecationWarning, match="Order.state"):
        assert order.state is OrderStatus.SHIPPED
    with pytest.warns(DeprecationWarning, match="Order.fulfilled_by"):
        assert order.fulfilled_by == "AMAZON"


def test_status_prints_its_value_and_compares_with_strings() -> None:
    """OrderStatus is a str enum: str() is Amazon's value, and the old plain strings still compare equal."""
    assert str(OrderStatus.PARTIALLY_SHIPPED) == "PARTIALLY_SHIPPED"
    assert OrderStatus.CANCELLED == "CANCELLED"
