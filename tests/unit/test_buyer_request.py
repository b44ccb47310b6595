"""The one buyer-request model and parser (issue 18 item 6), on each shape Amazon sends, and through each reader."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest

from sp_cancel._buyer_request import NO_BUYER_REQUEST, BuyerRequest, read_buyer_request
from sp_cancel.errors import InvalidInputError, ServerError
from sp_cancel.metrics import OrderRecord, records_from_all_orders_report
from sp_cancel.notifications import parse_order_change
from sp_cancel.transport._orders import parse_order_items_v0, parse_order_response
from sp_cancel.transport._parse import Malformed

REASON = "Found cheaper somewhere else."


# --- the parser, shape by shape ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["orders_v0", "report"])
@pytest.mark.parametrize(
    ("value", "requested"), [("true", True), ("TRUE", True), (" True ", True), ("false", False), ("", False)]
)
def test_text_shapes_read_true_and_false(shape: Any, value: str, requested: bool) -> None:
    """v0's IsBuyerRequestedCancel and the report column are text: true/false in any case, blank is false."""
    assert read_buyer_request(value, REASON, shape=shape) == BuyerRequest(requested=requested, reason=REASON)
    assert read_buyer_request(value, shape=shape).requested is requested


@pytest.mark.parametrize("shape", ["orders_v0", "report"])
@pytest.mark.parametrize("value", ["yes", "1", "maybe", True, 1])
def test_text_shapes_refuse_anything_else(shape: Any, value: object) -> None:
    """Another string, or a JSON boolean/number where Amazon sends text, fits no shape: refused."""
    with pytest.raises(ValueError, match="true"):
        read_buyer_request(value, shape=shape)


@pytest.mark.parametrize(
    ("value", "requested"), [(True, True), (False, False), (None, False), ("true", False), (1, False)]
)
def test_order_change_reads_only_a_real_boolean(value: object, requested: bool) -> None:
    """ORDER_CHANGE's flag is a JSON boolean: only true is a request (the v0 string or 1 is not Amazon's shape)."""
    assert read_buyer_request(value, shape="order_change").requested is requested


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"requester": "BUYER", "cancelReason": "Changed mind"}, BuyerRequest(requested=True, reason="Changed mind")),
        ({"requester": "buyer"}, BuyerRequest(requested=True)),
        ({"requester": "SELLER", "cancelReason": "x"}, BuyerRequest(requested=False, reason="x")),
        ({}, NO_BUYER_REQUEST),
        (None, NO_BUYER_REQUEST),
    ],
)
def test_orders_2026_reads_the_cancellation_request_object(value: object, expected: BuyerRequest) -> None:
    """2026-01-01 ``cancellationRequest``: a request when ``requester`` is BUYER; its own cancelReason is the reason."""
    assert read_buyer_request(value, "ignored: the object carries its own", shape="orders_2026") == expected


@pytest.mark.parametrize("value", ["BUYER", True, {"requester": 7}, {"requester": "BUYER", "cancelReason": 3}])
def test_orders_2026_refuses_what_is_not_the_object(value: object) -> None:
    """A bare string or boolean, or a non-string requester or reason, is not Amazon's model."""
    with pytest.raises(ValueError, match="not"):
        read_buyer_request(value, shape="orders_2026")


def test_unknown_shape_is_refused() -> None:
    """A caller naming no known shape is a programming error, said plainly."""
    with pytest.raises(ValueError, match="unknown shape"):
        read_buyer_request("true", shape="sqs")  # type: ignore[arg-type]


def test_blank_reason_is_none_and_no_request_is_one_value() -> None:
    """A blank reason is no reason; every 'no request' is the same value."""
    assert read_buyer_request("false", "  ", shape="orders_v0") is NO_BUYER_REQUEST
    assert read_buyer_request(None, shape="orders_2026") is NO_BUYER_REQUEST


# --- every reader goes through it -------------------------------------------------------------------------


def _order_2026(request: object) -> dict[str, Any]:
    return {
        "order": {
            "orderId": "902-1845936-5435065",
            "createdTime": "2026-11-20T10:00:00Z",
            "lastUpdatedTime": "2026-11-21T10:00:00Z",
            "salesChannel": {"marketplaceId": "ATVPDKIKX0DER"},
            "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT"},
            "orderItems": [
                {
                    "orderItemId": "17198765432110",
                    "quantityOrdered": 1,
                    "product": {"sellerSku": "CABLE"},
                    "cancellation": {"cancellationRequest": request},
                    "fulfillment": {"quantityFulfilled": 0, "quantityUnfulfilled": 1},
                }
            ],
        }
    }


def test_transport_2026_reads_through_the_parser() -> None:
    """The 2026-01-01 item carries the model: requester BUYER (any case) and its reason."""
    item = parse_order_response(_order_2026({"requester": "Buyer", "cancelReason": "Ordered by mistake"})).order.items[
        0
    ]
    assert item.buyer_request == BuyerRequest(requested=True, reason="Ordered by mistake")
    assert (item.buyer_requested_cancel, item.buyer_cancel_reason) == (True, "Ordered by mistake")


def test_transport_2026_refuses_a_requester_of_the_wrong_type() -> None:
    """A non-string requester is an answer that does not fit Amazon's model: Malformed, naming the field."""
    with pytest.raises((Malformed, ServerError), match=r"cancellationRequest"):
        parse_order_response(_order_2026({"requester": 1}))


def _v0_items(flag: object) -> Any:
    item = {
        "OrderItemId": "12345678901234",
        "ASIN": "B0",
        "QuantityOrdered": 1,
        "BuyerRequestedCancel": {"IsBuyerRequestedCancel": flag, "BuyerCancelReason": REASON},
    }
    return parse_order_items_v0({"payload": {"AmazonOrderId": "902-1845936-5435065", "OrderItems": [item]}})


def test_transport_v0_reads_the_string_through_the_parser() -> None:
    """v0's string flag: ``TRUE`` is a request, with its reason."""
    flag = _v0_items("TRUE").order_items[0].buyer_requested_cancel
    assert (flag.is_buyer_requested_cancel, flag.buyer_cancel_reason) == (True, REASON)


@pytest.mark.parametrize("flag", [True, "maybe"])
def test_transport_v0_refuses_a_flag_of_no_shape(flag: object) -> None:
    """A JSON boolean or another string in v0's text field does not fit the model (before: silently False)."""
    with pytest.raises((Malformed, ServerError), match="BuyerRequestedCancel"):
        _v0_items(flag)


def _note(flag: object) -> dict[str, Any]:
    return {
        "NotificationType": "ORDER_CHANGE",
        "Payload": {
            "OrderChangeNotification": {
                "AmazonOrderId": "903-8868176-2219830",
                "OrderChangeType": "BuyerRequestedChange",
                "OrderChangeTrigger": {"TimeOfOrderChange": "2026-11-29T19:42:04.284Z", "ChangeReason": "x"},
                "Summary": {
                    "MarketplaceId": "ATVPDKIKX0DER",
                    "OrderItems": [{"OrderItemId": "1", "IsBuyerRequestedCancel": flag}],
                },
            }
        },
    }


@pytest.mark.parametrize(("flag", "asked"), [(True, True), (False, False), ("true", False)])
def test_order_change_reads_through_the_parser(flag: object, asked: bool) -> None:
    """``parse_order_change`` keeps its contract: only a real ``true`` flags an item."""
    assert (parse_order_change(_note(flag)) is not None) is asked


def test_report_column_and_records_read_through_the_parser() -> None:
    """The report column and ``OrderRecord(buyer_requested=...)`` use the report shape: ``yes`` is refused."""
    header = "amazon-order-id\tpurchase-date\torder-status\tfulfillment-channel\tis-buyer-requested-cancellation"
    doc = f"{header}\n111-0000001-0000001\t2026-11-25T10:00:00+00:00\tCancelled\tMerchant\tTrue\n".encode()
    (record,) = records_from_all_orders_report(io.BytesIO(doc), marketplace_id="ATVPDKIKX0DER")
    assert record.buyer_requested is True
    with pytest.raises(InvalidInputError, match="buyer_requested"):
        OrderRecord(
            order_id="1",
            purchased_at=datetime(2026, 11, 25, tzinfo=UTC),
            marketplace_id="ATVPDKIKX0DER",
            fulfillment="MFN",
            status="Shipped",
            buyer_requested="yes",
        )
