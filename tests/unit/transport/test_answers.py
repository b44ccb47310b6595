"""Every operation's answer read into its typed value: Amazon's own examples, optional and unknown fields, bad answers.

- A table per model: every ``x-amzn-api-sandbox`` static response and every example of the operations sp_cancel
  calls, parsed and compared field by field with the JSON it came from.
- A missing optional field is ``None`` (an empty tuple for a list); an unknown field is kept, read-only, in ``extra``.
- A missing required field, or one of the wrong type, is a ``ServerError`` raised by ``SpApi`` with the operation's
  name, the status and the request id (an ``OutcomeUnknownError`` for a write that is not idempotent: Amazon may
  have acted on it); a GET is asked again, like any unreadable answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import httpx
import pytest
from amazon_contracts import contracts_dir
from sp_answers import MINIMAL, REQUIRED, answer, operation_of, without
from test_base import TYPED_CALLS, Amazon, json_response, make_api

from sp_cancel._order import V0_STATUSES
from sp_cancel.clock import FakeClock
from sp_cancel.errors import OutcomeUnknownError, ServerError
from sp_cancel.models import CURRENCY_DECIMALS, Money, PriceComponent
from sp_cancel.orders import Order
from sp_cancel.retry import RetryPolicy
from sp_cancel.transport import OPERATIONS
from sp_cancel.transport._feeds import (
    parse_feed,
    parse_feed_document,
    parse_feed_document_upload,
    parse_feed_id,
    parse_feeds_page,
    parse_report,
    parse_report_document,
    parse_report_id,
)
from sp_cancel.transport._finances import parse_financial_events_page
from sp_cancel.transport._fulfillment import parse_fulfillment_order, parse_fulfillment_order_2026
from sp_cancel.transport._listings import (
    parse_listings_item,
    parse_listings_items_page,
    parse_listings_submission,
)
from sp_cancel.transport._orders import (
    parse_order_items_v0,
    parse_order_response,
    parse_order_v0,
    parse_orders_page,
    parse_orders_v0_page,
)
from sp_cancel.transport._parse import Malformed
from sp_cancel.transport._promotions import parse_promotion, parse_promotions_page

# -- Amazon's examples ---------------------------------------------------------------------------------


@cache
def _model(name: str) -> dict[str, Any]:
    return json.loads((contracts_dir() / "models" / name).read_text(encoding="utf-8"))


def examples(model: str, operation_id: str) -> Iterator[tuple[str, Any]]:
    """``(label, body)`` for each 2xx sandbox static response and example of ``operation_id`` in ``model``."""
    for operations in _model(model)["paths"].values():
        for op in operations.values():
            if not isinstance(op, dict) or op.get("operationId") != operation_id:
                continue
            for code, response in op["responses"].items():
                if not code.startswith("2"):
                    continue
                for n, static in enumerate(response.get("x-amzn-api-sandbox", {}).get("static", [])):
                    yield f"{code}-static{n}", static["response"]
                for kind, body in response.get("examples", {}).items():
                    # Fulfillment Outbound 2020-07-01 files its examples under "payload": the body's payload.
                    yield f"{code}-example-{kind}", {"payload": body} if kind == "payload" else body


def when(text: str | None) -> datetime | None:
    """An ISO 8601 string as the aware datetime the parsers give (UTC when it has no offset)."""
    if text is None:
        return None
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def same_order(raw: dict[str, Any], order: Order) -> None:
    """An Orders 2026-01-01 ``Order`` object and the ``Order`` read from it agree."""
    assert order.order_id == raw["orderId"]
    assert order.purchased_at == when(raw["createdTime"])
    assert order.last_updated_at == when(raw["lastUpdatedTime"])
    assert order.marketplace_id == raw["salesChannel"].get("marketplaceId")
    if "fulfillment" in raw:
        assert order.status == raw["fulfillment"]["fulfillmentStatus"]
        assert order.channel == ("AFN" if raw["fulfillment"].get("fulfilledBy") == "AMAZON" else "MFN")
    assert [i.order_item_id for i in order.items] == [i["orderItemId"] for i in raw["orderItems"]]
    assert [i.quantity_ordered for i in order.items] == [i["quantityOrdered"] for i in raw["orderItems"]]
    assert [i.sku for i in order.items] == [i["product"].get("sellerSku") for i in raw["orderItems"]]
    for item, raw_item in zip(order.items, raw["orderItems"], strict=True):
        requester = raw_item.get("cancellation", {}).get("cancellationRequest", {}).get("requester")
        assert item.buyer_requested_cancel is (requester == "BUYER")
        breakdowns = {b["type"]: b["subtotal"] for b in raw_item.get("proceeds", {}).get("breakdowns", [])}
        if "ITEM" in breakdowns and "DISCOUNT" not in breakdowns:
            principal = item.charged[PriceComponent.PRINCIPAL]
            assert principal.amount == Decimal(breakdowns["ITEM"]["amount"])
            assert principal.currency == breakdowns["ITEM"]["currencyCode"]
        if "SHIPPING" in breakdowns:
            assert item.charged[PriceComponent.SHIPPING].amount == Decimal(breakdowns["SHIPPING"]["amount"])


def check_get_order(raw: dict[str, Any], value: Any) -> None:
    """getOrder: the order, and fulfilledBy as sent."""
    same_order(raw["order"], value.order)
    assert value.fulfilled_by == raw["order"].get("fulfillment", {}).get("fulfilledBy")
    assert set(value.extra) == set(raw["order"]) - {
        "orderId",
        "createdTime",
        "lastUpdatedTime",
        "salesChannel",
        "fulfillment",
        "orderItems",
    }


def check_search_orders(raw: dict[str, Any], value: Any) -> None:
    """searchOrders: every order, and the next page's token."""
    assert len(value.orders) == len(raw["orders"])
    for order, raw_order in zip(value.orders, raw["orders"], strict=True):
        same_order(raw_order, order)
    assert value.next_token == raw.get("pagination", {}).get("nextToken")
    assert value.created_before == when(raw.get("createdBefore"))


def same_v0_order(raw: dict[str, Any], order: Any) -> None:
    """An Orders v0 ``Order`` and the ``OrderV0`` read from it agree."""
    assert order.amazon_order_id == raw["AmazonOrderId"]
    assert order.purchase_date == when(raw["PurchaseDate"])
    assert order.last_update_date == when(raw["LastUpdateDate"])
    assert order.order_status == raw["OrderStatus"]
    assert order.fulfillment_channel == raw.get("FulfillmentChannel")
    assert order.marketplace_id == raw.get("MarketplaceId")
    total = raw.get("OrderTotal")
    if total is not None:
        assert order.order_total.amount == Decimal(total["Amount"])
        assert order.order_total.currency == total["CurrencyCode"]
    converted = order.to_order()
    assert (converted.order_id, converted.status) == (raw["AmazonOrderId"], V0_STATUSES[raw["OrderStatus"]])


def check_get_orders_v0(raw: dict[str, Any], value: Any) -> None:
    """v0 getOrders: every order, NextToken, CreatedBefore as sent."""
    payload = raw["payload"]
    assert len(value.orders) == len(payload["Orders"])
    for order, raw_order in zip(value.orders, payload["Orders"], strict=True):
        same_v0_order(raw_order, order)
    assert value.next_token == payload.get("NextToken")
    assert value.created_before == payload.get("CreatedBefore")


def check_get_order_v0(raw: dict[str, Any], value: Any) -> None:
    """v0 getOrder: the order."""
    same_v0_order(raw["payload"], value)


def check_get_order_items_v0(raw: dict[str, Any], value: Any) -> None:
    """v0 getOrderItems: every item, the buyer's request read from its string flag."""
    payload = raw["payload"]
    assert value.amazon_order_id == payload["AmazonOrderId"]
    assert value.next_token == payload.get("NextToken")
    for item, raw_item in zip(value.order_items, payload["OrderItems"], strict=True):
        assert (item.order_item_id, item.asin, item.quantity_ordered) == (
            raw_item["OrderItemId"],
            raw_item["ASIN"],
            raw_item["QuantityOrdered"],
        )
        assert item.seller_sku == raw_item.get("SellerSKU")
        flag = raw_item.get("BuyerRequestedCancel")
        if flag is not None:
            assert item.buyer_requested_cancel.is_buyer_requested_cancel is (flag["IsBuyerRequestedCancel"] == "true")
            assert item.buyer_requested_cancel.buyer_cancel_reason == flag.get("BuyerCancelReason")
        if "ItemPrice" in raw_item:
            # Rounded to the currency's decimals, as Money holds it (Amazon's example sends 25.99 JPY).
            price = raw_item["ItemPrice"]
            places = Decimal(1).scaleb(-CURRENCY_DECIMALS[price["CurrencyCode"]])
            assert item.item_price == Money(Decimal(price["Amount"]).quantize(places), price["CurrencyCode"])


def same_feed(raw: dict[str, Any], feed: Any) -> None:
    """A ``Feed`` object and the ``Feed`` read from it agree."""
    assert (feed.feed_id, feed.feed_type, feed.processing_status) == (
        raw["feedId"],
        raw["feedType"],
        raw["processingStatus"],
    )
    assert feed.created_time == when(raw["createdTime"])
    assert feed.marketplace_ids == tuple(raw.get("marketplaceIds", ()))
    assert feed.processing_end_time == when(raw.get("processingEndTime"))
    assert feed.result_feed_document_id == raw.get("resultFeedDocumentId")


def check_create_feed_document(raw: dict[str, Any], value: Any) -> None:
    """createFeedDocument: the document id and the upload URL."""
    assert (value.feed_document_id, value.url) == (raw["feedDocumentId"], raw["url"])


def check_create_feed(raw: dict[str, Any], value: Any) -> None:
    """createFeed: the feed id, a plain string."""
    assert value == raw["feedId"]


def check_get_feed(raw: dict[str, Any], value: Any) -> None:
    """getFeed: the feed."""
    same_feed(raw, value)


def check_get_feeds(raw: dict[str, Any], value: Any) -> None:
    """getFeeds: the feeds and the next page's token."""
    assert len(value.feeds) == len(raw["feeds"])
    for feed, raw_feed in zip(value.feeds, raw["feeds"], strict=True):
        same_feed(raw_feed, feed)
    assert value.next_token == raw.get("nextToken")


def check_get_feed_document(raw: dict[str, Any], value: Any) -> None:
    """getFeedDocument: id, URL, compression."""
    assert (value.feed_document_id, value.url, value.compression_algorithm) == (
        raw["feedDocumentId"],
        raw["url"],
        raw.get("compressionAlgorithm"),
    )


def check_create_report(raw: dict[str, Any], value: Any) -> None:
    """createReport: the report id, a plain string."""
    assert value == raw["reportId"]


def check_get_report(raw: dict[str, Any], value: Any) -> None:
    """getReport: the report."""
    assert (value.report_id, value.report_type, value.processing_status) == (
        raw["reportId"],
        raw["reportType"],
        raw["processingStatus"],
    )
    assert value.created_time == when(raw["createdTime"])
    assert value.data_start_time == when(raw.get("dataStartTime"))
    assert value.marketplace_ids == tuple(raw.get("marketplaceIds", ()))
    assert value.report_document_id == raw.get("reportDocumentId")


def check_get_report_document(raw: dict[str, Any], value: Any) -> None:
    """getReportDocument: id, URL, compression."""
    assert (value.report_document_id, value.url, value.compression_algorithm) == (
        raw["reportDocumentId"],
        raw["url"],
        raw.get("compressionAlgorithm"),
    )


def same_listing(raw: dict[str, Any], item: Any) -> None:
    """A Listings ``Item`` and the ``ListingsItem`` read from it agree."""
    assert item.sku == raw["sku"]
    summaries = raw.get("summaries", [])
    assert [(s.marketplace_id, s.product_type, s.status) for s in item.summaries] == [
        (s["marketplaceId"], s["productType"], tuple(s["status"])) for s in summaries
    ]
    assert [s.created_date for s in item.summaries] == [when(s["createdDate"]) for s in summaries]
    assert [(i.code, i.severity) for i in item.issues] == [(i["code"], i["severity"]) for i in raw.get("issues", [])]
    assert [(f.fulfillment_channel_code, f.quantity) for f in item.fulfillment_availability] == [
        (f["fulfillmentChannelCode"], f.get("quantity")) for f in raw.get("fulfillmentAvailability", [])
    ]
    assert dict(item.attributes) == raw.get("attributes", {})


def check_get_listings_item(raw: dict[str, Any], value: Any) -> None:
    """getListingsItem: the listing."""
    same_listing(raw, value)


def check_search_listings_items(raw: dict[str, Any], value: Any) -> None:
    """searchListingsItems: the count, the listings, the next page's token."""
    assert value.number_of_results == raw["numberOfResults"]
    for item, raw_item in zip(value.items, raw["items"], strict=True):
        same_listing(raw_item, item)
    assert value.next_token == raw.get("pagination", {}).get("nextToken")


def check_submission(raw: dict[str, Any], value: Any) -> None:
    """A patch or delete answer: status, submission id, issues."""
    assert (value.sku, value.status, value.submission_id) == (raw["sku"], raw["status"], raw["submissionId"])
    assert [(i.code, i.message, i.attribute_names) for i in value.issues] == [
        (i["code"], i["message"], tuple(i.get("attributeNames", ()))) for i in raw.get("issues", [])
    ]


def check_get_fulfillment_order(raw: dict[str, Any], value: Any) -> None:
    """2020-07-01 getFulfillmentOrder: the order's ids, status and dates; items and address kept in extra."""
    order = raw["payload"]["fulfillmentOrder"]
    got = value.fulfillment_order
    assert (got.seller_fulfillment_order_id, got.fulfillment_order_status, got.marketplace_id) == (
        order["sellerFulfillmentOrderId"],
        order["fulfillmentOrderStatus"],
        order["marketplaceId"],
    )
    assert got.received_date == when(order["receivedDate"])
    assert got.extra["destinationAddress"] == order["destinationAddress"]
    assert value.extra["fulfillmentOrderItems"] == raw["payload"]["fulfillmentOrderItems"]


def check_get_fulfillment_order_2026(raw: dict[str, Any], value: Any) -> None:
    """2026-07-04 getOrder: id, status, times; line items kept in extra."""
    order = raw["order"]
    assert (value.order_id, value.status) == (order["orderId"], order.get("status"))
    assert value.receive_time == when(order["receiveTime"])
    assert value.extra["lineItems"] == order["lineItems"]


def check_financial_events(raw: dict[str, Any], value: Any) -> None:
    """listFinancialEventsByOrderId: refund and shipment events with their charges, the other lists in extra."""
    events = raw["payload"].get("FinancialEvents", {})
    assert value.next_token == raw["payload"].get("NextToken")
    for name, got in (
        ("RefundEventList", value.financial_events.refund_event_list),
        ("ShipmentEventList", value.financial_events.shipment_event_list),
    ):
        assert [e.amazon_order_id for e in got] == [e.get("AmazonOrderId") for e in events.get(name, [])]
        assert [e.posted_date for e in got] == [when(e.get("PostedDate")) for e in events.get(name, [])]
        for event, raw_event in zip(got, events.get(name, []), strict=True):
            for item, raw_item in zip(
                event.shipment_item_adjustment_list, raw_event.get("ShipmentItemAdjustmentList", []), strict=True
            ):
                assert [(c.charge_type, c.charge_amount.currency_amount) for c in item.item_charge_adjustment_list] == [
                    (c["ChargeType"], Decimal(str(c["ChargeAmount"]["CurrencyAmount"])))
                    for c in raw_item.get("ItemChargeAdjustmentList", [])
                ]
    others = set(events) - {"RefundEventList", "ShipmentEventList"}
    assert set(value.financial_events.extra) == others


Row = tuple[str, str, Callable[[Any], Any], Callable[[dict[str, Any], Any], None]]

# (model, operationId, parser, check): one block per model.
MODEL_TABLE: list[Row] = [
    ("orders_2026-01-01.json", "getOrder", parse_order_response, check_get_order),
    ("orders_2026-01-01.json", "searchOrders", parse_orders_page, check_search_orders),
    ("ordersV0.json", "getOrders", parse_orders_v0_page, check_get_orders_v0),
    ("ordersV0.json", "getOrder", parse_order_v0, check_get_order_v0),
    ("ordersV0.json", "getOrderItems", parse_order_items_v0, check_get_order_items_v0),
    ("feeds_2021-06-30.json", "createFeedDocument", parse_feed_document_upload, check_create_feed_document),
    ("feeds_2021-06-30.json", "createFeed", parse_feed_id, check_create_feed),
    ("feeds_2021-06-30.json", "getFeed", parse_feed, check_get_feed),
    ("feeds_2021-06-30.json", "getFeeds", parse_feeds_page, check_get_feeds),
    ("feeds_2021-06-30.json", "getFeedDocument", parse_feed_document, check_get_feed_document),
    ("reports_2021-06-30.json", "createReport", parse_report_id, check_create_report),
    ("reports_2021-06-30.json", "getReport", parse_report, check_get_report),
    ("reports_2021-06-30.json", "getReportDocument", parse_report_document, check_get_report_document),
    ("listingsItems_2021-08-01.json", "getListingsItem", parse_listings_item, check_get_listings_item),
    ("listingsItems_2021-08-01.json", "searchListingsItems", parse_listings_items_page, check_search_listings_items),
    ("listingsItems_2021-08-01.json", "patchListingsItem", parse_listings_submission, check_submission),
    ("listingsItems_2021-08-01.json", "deleteListingsItem", parse_listings_submission, check_submission),
    (
        "fulfillmentOutbound_2020-07-01.json",
        "getFulfillmentOrder",
        parse_fulfillment_order,
        check_get_fulfillment_order,
    ),
    ("fulfillmentOutbound_2026-07-04.json", "getOrder", parse_fulfillment_order_2026, check_get_fulfillment_order_2026),
    ("financesV0.json", "listFinancialEventsByOrderId", parse_financial_events_page, check_financial_events),
]

EXAMPLE_CASES = [
    pytest.param(parse, check, body, id=f"{model.removesuffix('.json')}:{op_id}:{label}")
    for model, op_id, parse, check in MODEL_TABLE
    for label, body in examples(model, op_id)
]


def test_every_row_has_examples() -> None:
    """Each operation of the table has at least one example in Amazon's model (the table tests something)."""
    for model, op_id, _parse, _check in MODEL_TABLE:
        assert list(examples(model, op_id)), f"{model} {op_id} has no example"


@pytest.mark.parametrize(("parse", "check", "body"), EXAMPLE_CASES)
def test_amazon_examples_parse_into_their_typed_values(
    parse: Callable[[Any], Any], check: Callable[[dict[str, Any], Any], None], body: dict[str, Any]
) -> None:
    """Every sandbox static response and example in Amazon's models reads into a value that agrees with it."""
    check(body, parse(body))


# Promotions 2025-12-01 is absent from the public models: a PromotionSummary shaped like the SDK's
# (promotion_summary.py), with the fields facts §9 lists.
PROMOTION_SUMMARY: dict[str, Any] = {
    "promotionId": "amzn1.promotion.1",
    "promotionTitle": "Spring lightning",
    "promotionType": "DEAL",
    "couponType": None,
    "trackingId": "TRK-1",
    "marketplaceId": "ATVPDKIKX0DER",
    "status": "UPCOMING",
    "schedule": {"startDate": "2026-03-04T10:00:00Z", "endDate": "2026-03-04T16:00:00Z"},
    "selection": {"selectionId": "sel-1", "revisionId": 1, "type": "ITEMS"},
    "createdDate": "2026-02-01T00:00:00Z",
    "lastUpdatedDate": "2026-02-02T00:00:00Z",
}


def test_promotion_summary_reads_as_the_sdk_spells_it() -> None:
    """Promotions: getPromotion (flat or nested) and searchPromotions read the SDK's PromotionSummary fields."""
    flat, nested = parse_promotion(PROMOTION_SUMMARY), parse_promotion({"promotion": PROMOTION_SUMMARY})
    assert flat == nested
    assert (flat.promotion_id, flat.promotion_type, flat.status, flat.promotion_title) == (
        "amzn1.promotion.1",
        "DEAL",
        "UPCOMING",
        "Spring lightning",
    )
    assert flat.schedule is not None
    assert flat.schedule.start_date == datetime(2026, 3, 4, 10, tzinfo=UTC)
    assert flat.extra["selection"] == PROMOTION_SUMMARY["selection"]
    page = parse_promotions_page({"promotions": [PROMOTION_SUMMARY], "pagination": {"nextToken": "t2"}})
    assert (page.promotions, page.next_token) == ((flat,), "t2")
    assert parse_promotions_page({"promotions": [], "nextToken": "t3"}).next_token == "t3"


def test_an_unreadable_deal_schedule_is_unknown_not_fatal() -> None:
    """A schedule date that is not ISO 8601 is None (the deal stays readable); its text is kept in extra."""
    summary = {**PROMOTION_SUMMARY, "schedule": {"startDate": "next tuesday", "endDate": "2026-03-04T16:00:00Z"}}
    schedule = parse_promotion(summary).schedule
    assert schedule is not None
    assert schedule.start_date is None
    assert schedule.end_date == datetime(2026, 3, 4, 16, tzinfo=UTC)
    assert schedule.extra["startDate"] == "next tuesday"


# -- optional and unknown fields ---------------------------------------------------------------------


def call(key: str, body: Any, status: int | None = None) -> Any:
    """Call operation ``key`` through ``SpApi`` against an Amazon answering ``body``."""
    amazon = Amazon(lambda _: json_response(body, status=status or OPERATIONS[key].success))
    return TYPED_CALLS[key](make_api(amazon))


OPTIONAL_ABSENT: list[tuple[str, Callable[[Any], Any], Any]] = [
    ("orders.getOrder", lambda v: (v.fulfilled_by, v.order.ship_by, v.order.marketplace_id, v.order.currency), None),
    ("orders.getOrder", lambda v: (v.order.items[0].sku, v.order.items[0].asin, v.order.items[0].cancel_reason), None),
    ("orders.getOrder", lambda v: (v.order.status, dict(v.order.items[0].charged)), ("PENDING", {})),
    ("orders.searchOrders", lambda v: (v.next_token, v.created_before, v.last_updated_before), None),
    ("ordersV0.getOrders", lambda v: (v.next_token, v.created_before, v.orders[0].fulfillment_channel), None),
    ("ordersV0.getOrder", lambda v: (v.fulfillment_channel, v.marketplace_id, v.order_total, v.latest_ship_date), None),
    ("ordersV0.getOrderItems", lambda v: (v.next_token, v.order_items[0].quantity_shipped), None),
    ("ordersV0.getOrderItems", lambda v: (v.order_items[0].item_price, v.order_items[0].buyer_requested_cancel), None),
    ("feeds.getFeed", lambda v: (v.result_feed_document_id, v.processing_start_time, v.processing_end_time), None),
    ("feeds.getFeed", lambda v: v.marketplace_ids, ()),
    ("feeds.getFeeds", lambda v: v.next_token, None),
    ("feeds.getFeedDocument", lambda v: v.compression_algorithm, None),
    ("reports.getReport", lambda v: (v.report_document_id, v.data_start_time, v.report_schedule_id), None),
    ("reports.getReportDocument", lambda v: v.compression_algorithm, None),
    ("listings.getListingsItem", lambda v: (v.summaries, v.issues, v.fulfillment_availability), ((), (), ())),
    ("listings.getListingsItem", lambda v: (dict(v.attributes), v.attributes_fulfillment_availability), ({}, ())),
    ("listings.searchListingsItems", lambda v: (v.next_token, v.previous_token), None),
    ("listings.patchListingsItem", lambda v: v.issues, ()),
    ("fbaOutbound.getFulfillmentOrder", lambda v: v.fulfillment_order.shipping_speed_category, None),
    ("fbaOutbound2026.getOrder", lambda v: (v.status, v.status_update_time, v.channel), None),
    ("promotions.getPromotion", lambda v: (v.promotion_type, v.status, v.schedule, v.deal_type), None),
    ("promotions.searchPromotions", lambda v: (v.promotions, v.next_token), ((), None)),
    ("finances.listFinancialEventsByOrderId", lambda v: (v.next_token, v.financial_events.refund_event_list), None),
]


@pytest.mark.parametrize(("key", "read", "expected"), OPTIONAL_ABSENT, ids=[k for k, _, _ in OPTIONAL_ABSENT])
def test_missing_optional_fields_are_none(key: str, read: Callable[[Any], Any], expected: Any) -> None:
    """The smallest answer Amazon's model allows reads; what it leaves out is None (or empty)."""
    value = read(call(key, MINIMAL[key]))
    if expected is None:
        expected = (None,) * len(value) if isinstance(value, tuple) else None
        if key == "finances.listFinancialEventsByOrderId":
            expected = (None, ())
    assert value == expected


# (operation, where the unknown member goes in the minimal answer ("" = top level), where its extra is)
UNKNOWN_KEPT: list[tuple[str, str, Callable[[Any], Any]]] = [
    ("orders.getOrder", "order", lambda v: v.extra),
    ("orders.searchOrders", "", lambda v: v.extra),
    ("ordersV0.getOrders", "payload.Orders.0", lambda v: v.orders[0].extra),
    ("ordersV0.getOrder", "payload", lambda v: v.extra),
    ("ordersV0.getOrderItems", "payload.OrderItems.0", lambda v: v.order_items[0].extra),
    ("feeds.createFeedDocument", "", lambda v: v.extra),
    ("feeds.getFeed", "", lambda v: v.extra),
    ("feeds.getFeeds", "feeds.0", lambda v: v.feeds[0].extra),
    ("feeds.getFeedDocument", "", lambda v: v.extra),
    ("reports.getReport", "", lambda v: v.extra),
    ("reports.getReportDocument", "", lambda v: v.extra),
    ("listings.getListingsItem", "", lambda v: v.extra),
    ("listings.searchListingsItems", "items.0", lambda v: v.items[0].extra),
    ("listings.patchListingsItem", "", lambda v: v.extra),
    ("listings.deleteListingsItem", "", lambda v: v.extra),
    ("fbaOutbound.getFulfillmentOrder", "payload.fulfillmentOrder", lambda v: v.fulfillment_order.extra),
    ("fbaOutbound2026.getOrder", "order", lambda v: v.extra),
    ("promotions.getPromotion", "", lambda v: v.extra),
    ("finances.listFinancialEventsByOrderId", "payload", lambda v: v.extra),
]


def _at(body: Any, path: str) -> Any:
    for part in filter(None, path.split(".")):
        body = body[int(part)] if isinstance(body, list) else body[part]
    return body


@pytest.mark.parametrize(("key", "where", "extra_of"), UNKNOWN_KEPT, ids=[f"{k}:{w}" for k, w, _ in UNKNOWN_KEPT])
def test_unknown_fields_are_kept_read_only_in_extra(key: str, where: str, extra_of: Callable[[Any], Any]) -> None:
    """A member Amazon adds tomorrow is not lost: it is in the value's extra, which cannot be changed."""
    body = json.loads(json.dumps(MINIMAL[key]))
    _at(body, where)["futureField"] = {"added": [1, 2]}
    extra = extra_of(call(key, body))
    assert extra["futureField"] == {"added": [1, 2]}
    with pytest.raises(TypeError):
        extra["futureField"] = "changed"


def test_extra_is_left_out_of_reprs() -> None:
    """The extra (which may hold buyer data: addresses, e-mail) and presigned URLs never show in a repr."""
    body = json.loads(json.dumps(MINIMAL["fbaOutbound.getFulfillmentOrder"]))
    body["payload"]["fulfillmentOrder"]["destinationAddress"] = {"name": "Jane Buyer", "city": "Seattle"}
    value = call("fbaOutbound.getFulfillmentOrder", body)
    assert "Jane Buyer" not in repr(value)
    assert value.fulfillment_order.extra["destinationAddress"]["name"] == "Jane Buyer"
    assert "s3.example.test" not in repr(call("feeds.getFeedDocument", MINIMAL["feeds.getFeedDocument"]))


# -- answers that do not fit the model --------------------------------------------------------------


def _shown(path: str) -> str:
    """``orders.0.orderId`` as the error names it: ``orders[0].orderId``."""
    return re.sub(r"\.(\d+)", r"[\1]", path)


REQUIRED_CASES = [pytest.param(key, path, id=f"{key}:{path}") for key, paths in REQUIRED.items() for path in paths]


@pytest.mark.parametrize(("key", "path"), REQUIRED_CASES)
def test_missing_required_field_is_a_server_error_naming_it(key: str, path: str) -> None:
    """An answer without a field Amazon's model requires raises from SpApi, with the operation and the field."""
    op = OPERATIONS[key]
    expected = ServerError if op.idempotent else OutcomeUnknownError
    amazon = Amazon(lambda _: json_response(without(MINIMAL[key] or {}, path), status=op.success))
    with pytest.raises(expected) as caught:
        TYPED_CALLS[key](make_api(amazon))
    error = caught.value
    assert (error.operation, error.status, error.request_id) == (op.name, op.success, "req-1")
    assert f"{_shown(path)} is missing" in error.message
    assert error.body_excerpt.startswith("{")


WRONG_TYPES = [
    ("feeds.getFeed", "processingStatus", "SHREDDED", "processingStatus is 'SHREDDED'"),
    ("feeds.getFeed", "createdTime", 1767261600, "createdTime is a JSON int, not a date-time string"),
    ("feeds.getFeed", "marketplaceIds", "ATVPDKIKX0DER", "marketplaceIds is a JSON str, not an array"),
    ("feeds.getFeeds", "feeds", {"feedId": "F1"}, "feeds is a JSON dict, not an array"),
    ("reports.getReport", "processingStatus", None, "processingStatus is missing"),
    ("listings.searchListingsItems", "numberOfResults", True, "numberOfResults is a JSON bool, not an integer"),
    ("listings.getListingsItem", "fulfillmentAvailability", [{"quantity": 3}], "fulfillmentChannelCode is missing"),
    ("ordersV0.getOrder", "payload", [], "payload is a JSON list, not an object"),
    ("orders.getOrder", "order", "171-9876543-2109876", "order is a JSON str, not an object"),
]


@pytest.mark.parametrize(("key", "field", "value", "message"), WRONG_TYPES, ids=[f"{r[0]}:{r[1]}" for r in WRONG_TYPES])
def test_a_field_of_the_wrong_type_is_a_server_error(key: str, field: str, value: Any, message: str) -> None:
    """A field of the wrong type (or an unknown value of a closed set) is a ServerError, not a bad value later."""
    body = json.loads(json.dumps(MINIMAL[key]))
    body[field] = value
    with pytest.raises(ServerError) as caught:
        call(key, body)
    assert caught.value.operation == OPERATIONS[key].name
    assert message in caught.value.message


def test_a_malformed_answer_to_a_read_is_asked_again() -> None:
    """A GET whose answer does not fit the model is retried like any unreadable 2xx, then succeeds."""
    answers = [json_response({"feedId": "F1"}), json_response(MINIMAL["feeds.getFeed"])]
    amazon = Amazon(lambda _: answers.pop(0))
    clock = FakeClock()
    feed = make_api(amazon, retry=RetryPolicy(), clock=clock).get_feed("F1")
    assert feed.feed_id == "F1"
    assert len(amazon.requests) == 2


def test_a_create_feed_answer_without_feed_id_is_outcome_unknown_and_not_resent() -> None:
    """A createFeed answered 202 without a feedId: Amazon may have created the feed, so it is never sent again."""
    amazon = Amazon(lambda _: json_response({"feedid": "F1"}, status=202))
    with pytest.raises(OutcomeUnknownError, match="feedId is missing"):
        make_api(amazon, retry=RetryPolicy()).create_feed(
            feed_type="POST_ORDER_ACKNOWLEDGEMENT_DATA", input_feed_document_id="d"
        )
    assert len(amazon.requests) == 1


def test_minimal_answers_route_to_their_operation() -> None:
    """The helper's router finds each operation from its method and path (so the tables test what they name)."""
    for key, make_call in TYPED_CALLS.items():
        amazon = Amazon()
        make_call(make_api(amazon))
        assert operation_of(amazon.last) == key
        assert answer(amazon.last).status_code == OPERATIONS[key].success


def test_malformed_names_the_path_and_the_problem() -> None:
    """Malformed carries where and what: the transport's message is built from it."""
    error = Malformed("order.orderItems[1].quantityOrdered", "is missing")
    assert str(error) == "order.orderItems[1].quantityOrdered is missing"
    assert (error.path, error.problem) == ("order.orderItems[1].quantityOrdered", "is missing")


def test_amounts_never_pass_through_binary_floats() -> None:
    """A JSON number amount (a float to json) reads as the Decimal of its shortest repr."""
    charge = {"ChargeType": "Principal", "ChargeAmount": {"CurrencyCode": "USD", "CurrencyAmount": -19.99}}
    refund = {"ShipmentItemAdjustmentList": [{"ItemChargeAdjustmentList": [charge]}]}
    body = {"payload": {"FinancialEvents": {"RefundEventList": [refund]}}}
    page = call("finances.listFinancialEventsByOrderId", body)
    item = page.financial_events.refund_event_list[0].shipment_item_adjustment_list[0]
    amount = item.item_charge_adjustment_list[0].charge_amount
    assert amount is not None
    assert amount.currency_amount == Decimal("-19.99")


def test_a_time_without_offset_is_utc() -> None:
    """Amazon's times are UTC: one sent without an offset reads as an aware UTC datetime, never a naive one."""
    body = {**MINIMAL["feeds.getFeed"], "createdTime": "2026-01-01T10:00:00"}
    assert call("feeds.getFeed", body).created_time == datetime(2026, 1, 1, 10, tzinfo=UTC)


def test_a_json_list_where_an_object_is_due_is_refused_before_parsing() -> None:
    """The body check still comes first: a 200 with a JSON list is 'JSON list', not a parser error."""
    amazon = Amazon(lambda _: httpx.Response(200, content=b"[]", headers={"content-type": "application/json"}))
    with pytest.raises(ServerError, match="JSON list"):
        make_api(amazon).get_feed("F1")


def test_messaging_actions_name_what_amazon_offers() -> None:
    """The HAL links of getMessagingActionsForOrder become the offered message types; none offered is empty."""
    from sp_cancel.transport._messaging import parse_messaging_actions  # noqa: PLC0415

    answer = {
        "_links": {
            "self": {"href": "/messaging/v1/orders/112-1234567-1234567"},
            "actions": [
                {
                    "href": "/messaging/v1/orders/112-1234567-1234567/messages/unexpectedProblem",
                    "name": "unexpectedProblem",
                },
                {"href": "/messaging/v1/orders/112-1234567-1234567/messages/warranty", "name": "warranty"},
            ],
        },
        "_embedded": {"actions": []},
    }
    actions = parse_messaging_actions(answer)
    assert actions.names == ("unexpectedProblem", "warranty")
    assert actions.offers("unexpectedProblem")
    assert "_embedded" in actions.extra
    assert not parse_messaging_actions({"_links": {"self": {"href": "/x"}}}).offers("unexpectedProblem")
