"""Orders answers (2026-01-01 and v0) read into ``Order``: states, quantities, charges, buyer requests.

Moved from tests/unit/test_orders.py when the parsing moved into the transport: the same behaviour, now
asserted on ``parse_order_response`` / ``order_from_v0``, and an unreadable order is a ``ServerError`` raised
by ``SpApi.get_order`` itself.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from test_base import Amazon, json_response, make_api

from sp_cancel.errors import ServerError
from sp_cancel.models import Money, PriceComponent
from sp_cancel.orders import OrderStatus
from sp_cancel.transport._orders import (
    order_from_v0,
    parse_order_items_v0,
    parse_order_response,
    parse_order_v0,
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
    answer = parse_order_response({"order": ORDER_2026})
    order = answer.order
    assert answer.fulfilled_by == "MERCHANT"
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
    order = parse_order_response({"order": data}).order
    assert order.status is OrderStatus.CANCELLED
    assert order.cancelled_by == "AMAZON"
    assert order.items[1].cancel_reason == "Late shipment"


def test_a_fulfilled_by_amazon_does_not_state_is_none_not_a_guess() -> None:
    """Without fulfillment.fulfilledBy the answer says None; the Order's channel is only the MFN default."""
    data = copy.deepcopy(ORDER_2026)
    del data["fulfillment"]["fulfilledBy"]
    answer = parse_order_response({"order": data})
    assert answer.fulfilled_by is None
    assert answer.order.channel == "MFN"


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d.pop("orderId"), "order.orderId is missing"),
        (lambda d: d["fulfillment"].update(fulfillmentStatus="LOST_IN_SPACE"), "order.fulfillment.fulfillmentStatus"),
        (lambda d: d["orderItems"][0].pop("quantityOrdered"), "order.orderItems[0].quantityOrdered is missing"),
        (
            lambda d: d["orderItems"][0].update(quantityOrdered="two"),
            "order.orderItems[0].quantityOrdered is a JSON str",
        ),
        (lambda d: d.update(createdTime="yesterday"), "order.createdTime is 'yesterday'"),
        (lambda d: d["orderItems"][0]["proceeds"]["breakdowns"][0]["subtotal"].pop("currencyCode"), "currencyCode"),
    ],
)
def test_unreadable_orders_raise_server_error(mutate: Any, where: str) -> None:
    """An order this library cannot read is Amazon's fault: ServerError from getOrder, never a wrong Order."""
    data = copy.deepcopy(ORDER_2026)
    mutate(data)
    amazon = Amazon(lambda _: json_response({"order": data}))
    with pytest.raises(ServerError) as caught:
        make_api(amazon).get_order("171-9876543-2109876")
    assert caught.value.operation == "getOrder"
    assert caught.value.status == 200
    assert caught.value.request_id == "req-1"
    assert where in caught.value.message


def v0_order(status: str = "PartiallyShipped") -> dict[str, Any]:
    """An Orders v0 getOrder answer."""
    return {
        "payload": {
            "AmazonOrderId": "902-1845936-5435065",
            "PurchaseDate": "2026-01-01T10:00:00Z",
            "LastUpdateDate": "2026-01-01T11:00:00Z",
            "OrderStatus": status,
            "FulfillmentChannel": "MFN",
            "MarketplaceId": "ATVPDKIKX0DER",
            "OrderTotal": {"CurrencyCode": "USD", "Amount": "10.00"},
        }
    }


@pytest.mark.parametrize(("flag", "expected"), [("true", True), ("True", True), ("false", False), (None, False)])
def test_parse_order_v0_reads_the_string_flag(flag: str | None, expected: bool) -> None:
    """v0 IsBuyerRequestedCancel is the string "true"/"false"; anything else is not a request."""
    item: dict[str, Any] = {"OrderItemId": "12345678901234", "ASIN": "B0", "QuantityOrdered": 2, "QuantityShipped": 1}
    if flag is not None:
        item["BuyerRequestedCancel"] = {"IsBuyerRequestedCancel": flag, "BuyerCancelReason": "Changed mind"}
    items = parse_order_items_v0({"payload": {"AmazonOrderId": "902-1845936-5435065", "OrderItems": [item]}})
    order = order_from_v0(parse_order_v0(v0_order()), items.order_items)
    assert order.status is OrderStatus.PARTIALLY_SHIPPED
    assert order.items[0].quantity_unshipped == 1
    assert order.items[0].buyer_requested_cancel is expected


def test_order_from_v0_reads_charges_net_of_promotions_and_cancelled_units() -> None:
    """v0 money fields map to components less their promotions; a Canceled order's unshipped units are cancelled."""
    item = {
        "OrderItemId": "12345678901234",
        "ASIN": "B0",
        "QuantityOrdered": 3,
        "QuantityShipped": 1,
        "ItemPrice": {"CurrencyCode": "USD", "Amount": "30.00"},
        "ShippingPrice": {"CurrencyCode": "USD", "Amount": "4.99"},
        "PromotionDiscount": {"CurrencyCode": "USD", "Amount": "-5.00"},
        "ItemTax": {"CurrencyCode": "USD"},  # no Amount: no tax component
    }
    items = parse_order_items_v0({"payload": {"AmazonOrderId": "902-1845936-5435065", "OrderItems": [item]}})
    order = parse_order_v0(v0_order("Canceled")).to_order(items.order_items)
    (line,) = order.items
    assert line.charged == {PriceComponent.PRINCIPAL: usd("25.00"), PriceComponent.SHIPPING: usd("4.99")}
    assert (line.quantity_shipped, line.quantity_unshipped, line.quantity_cancelled) == (1, 0, 2)
    assert order.status is OrderStatus.CANCELLED
    assert order.currency == "USD"


def test_a_v0_order_without_items_keeps_its_state() -> None:
    """A v0 getOrders gives orders without items: to_order() keeps status, channel, dates and marketplace."""
    raw = v0_order("Shipped")
    raw["payload"]["FulfillmentChannel"] = "AFN"
    read = parse_order_v0(raw).to_order()
    assert (read.status, read.channel, read.items) == (OrderStatus.SHIPPED, "AFN", ())
    assert read.purchased_at is not None
    assert read.purchased_at.tzinfo is not None


def test_get_order_v0_sends_the_v0_path_and_returns_the_typed_order() -> None:
    """SpApi.get_order_v0 reads the payload into OrderV0 (FulfillmentChannel is what get_order falls back on)."""
    amazon = Amazon(lambda _: json_response(v0_order()))
    order = make_api(amazon).get_order_v0("902-1845936-5435065")
    assert amazon.last.url.path == "/orders/v0/orders/902-1845936-5435065"
    assert (order.amazon_order_id, order.fulfillment_channel, order.order_status) == (
        "902-1845936-5435065",
        "MFN",
        "PartiallyShipped",
    )
    assert order.order_total == usd("10.00")


def test_empty_v0_payload_is_a_server_error() -> None:
    """A v0 answer without its payload is malformed: ServerError naming the payload, not a KeyError later."""
    amazon = Amazon(lambda _: httpx.Response(200, json={}, headers={"x-amzn-RequestId": "r"}))
    with pytest.raises(ServerError, match="payload is missing"):
        make_api(amazon).get_order_items_v0("902-1845936-5435065")
