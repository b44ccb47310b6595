"""Amazon's answers for the transport tests: the smallest valid one per operation, and its required fields.

``MINIMAL[key]`` holds only what Amazon's model requires of a 2xx answer of operation ``key`` (for the
Promotions API, absent from the public models: ``promotionId``); ``REQUIRED[key]`` lists the dotted paths
of the required fields the typed value reads, each of which, removed, makes the answer malformed.
``answer(request)`` routes a request to its operation's minimal answer, so tests about requests (shapes,
errors, retries) get an answer the typed methods can read.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import httpx

from sp_cancel.transport import OPERATIONS

_ORDER_2026: dict[str, Any] = {
    "orderId": "112-1234567-1234567",
    "createdTime": "2026-01-01T10:00:00Z",
    "lastUpdatedTime": "2026-01-01T11:00:00Z",
    "salesChannel": {"channelName": "AMAZON"},
    "orderItems": [{"orderItemId": "12345678901234", "quantityOrdered": 1, "product": {}}],
}
_ORDER_V0: dict[str, Any] = {
    "AmazonOrderId": "112-1234567-1234567",
    "PurchaseDate": "2026-01-01T10:00:00Z",
    "LastUpdateDate": "2026-01-01T11:00:00Z",
    "OrderStatus": "Unshipped",
}
_FEED: dict[str, Any] = {
    "feedId": "F1",
    "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
    "createdTime": "2026-01-01T10:00:00Z",
    "processingStatus": "IN_QUEUE",
}

MINIMAL: dict[str, dict[str, Any] | None] = {
    "orders.searchOrders": {"orders": [_ORDER_2026]},
    "orders.getOrder": {"order": _ORDER_2026},
    "orders.cancelOrder": None,
    "ordersV0.getOrders": {"payload": {"Orders": [_ORDER_V0]}},
    "ordersV0.getOrder": {"payload": _ORDER_V0},
    "ordersV0.getOrderItems": {
        "payload": {
            "AmazonOrderId": "112-1234567-1234567",
            "OrderItems": [{"OrderItemId": "12345678901234", "ASIN": "B000000001", "QuantityOrdered": 1}],
        }
    },
    "feeds.createFeedDocument": {"feedDocumentId": "D1", "url": "https://s3.example.test/d1"},
    "feeds.createFeed": {"feedId": "F1"},
    "feeds.getFeed": _FEED,
    "feeds.getFeeds": {"feeds": [_FEED]},
    "feeds.cancelFeed": None,
    "feeds.getFeedDocument": {"feedDocumentId": "D1", "url": "https://s3.example.test/d1"},
    "reports.createReport": {"reportId": "R1"},
    "reports.getReport": {
        "reportId": "R1",
        "reportType": "GET_V2_SELLER_PERFORMANCE_REPORT",
        "createdTime": "2026-01-01T10:00:00Z",
        "processingStatus": "IN_PROGRESS",
    },
    "reports.getReportDocument": {"reportDocumentId": "RD1", "url": "https://s3.example.test/rd1"},
    "listings.getListingsItem": {"sku": "SKU-1"},
    "listings.searchListingsItems": {"numberOfResults": 1, "items": [{"sku": "SKU-1"}]},
    "listings.patchListingsItem": {"sku": "SKU-1", "status": "ACCEPTED", "submissionId": "S1"},
    "listings.deleteListingsItem": {"sku": "SKU-1", "status": "ACCEPTED", "submissionId": "S1"},
    "fbaOutbound.getFulfillmentOrder": {
        "payload": {
            "fulfillmentOrder": {
                "sellerFulfillmentOrderId": "MCF-1",
                "marketplaceId": "ATVPDKIKX0DER",
                "displayableOrderId": "MCF-1",
                "fulfillmentOrderStatus": "Received",
                "receivedDate": "2026-01-01T10:00:00Z",
                "statusUpdatedDate": "2026-01-01T10:00:00Z",
            }
        }
    },
    "fbaOutbound.cancelFulfillmentOrder": None,
    "fbaOutbound2026.getOrder": {"order": {"orderId": "MCF-1", "receiveTime": "2026-01-01T10:00:00Z"}},
    "fbaOutbound2026.cancelOrder": None,
    "promotions.searchPromotions": {"promotions": []},
    "promotions.getPromotion": {"promotionId": "P1"},
    "finances.listFinancialEventsByOrderId": {"payload": {}},
    "messaging.getMessagingActionsForOrder": {"_links": {"self": {"href": "/x"}, "actions": []}},
    "messaging.createUnexpectedProblem": None,
    "notifications.getDestinations": {"payload": []},
    "notifications.createDestination": {"payload": {"destinationId": "D", "name": "n", "resource": {}}},
    "notifications.getDestination": {"payload": {"destinationId": "D", "name": "n", "resource": {}}},
    "notifications.deleteDestination": None,
    "notifications.getSubscription": {
        "payload": {"subscriptionId": "S", "payloadVersion": "1.0", "destinationId": "D"}
    },
    "notifications.createSubscription": {
        "payload": {"subscriptionId": "S", "payloadVersion": "1.0", "destinationId": "D"}
    },
    "notifications.getSubscriptionById": {
        "payload": {"subscriptionId": "S", "payloadVersion": "1.0", "destinationId": "D"}
    },
    "notifications.deleteSubscriptionById": None,
    "notifications.sendTestNotification": None,
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "orders.searchOrders": (
        "orders",
        "orders.0.orderId",
        "orders.0.createdTime",
        "orders.0.lastUpdatedTime",
        "orders.0.salesChannel",
        "orders.0.orderItems",
        "orders.0.orderItems.0.orderItemId",
        "orders.0.orderItems.0.quantityOrdered",
        "orders.0.orderItems.0.product",
    ),
    "orders.getOrder": (
        "order",
        "order.orderId",
        "order.createdTime",
        "order.lastUpdatedTime",
        "order.salesChannel",
        "order.orderItems",
        "order.orderItems.0.orderItemId",
        "order.orderItems.0.quantityOrdered",
        "order.orderItems.0.product",
    ),
    "ordersV0.getOrders": (
        "payload",
        "payload.Orders",
        "payload.Orders.0.AmazonOrderId",
        "payload.Orders.0.PurchaseDate",
        "payload.Orders.0.LastUpdateDate",
        "payload.Orders.0.OrderStatus",
    ),
    "ordersV0.getOrder": (
        "payload",
        "payload.AmazonOrderId",
        "payload.PurchaseDate",
        "payload.LastUpdateDate",
        "payload.OrderStatus",
    ),
    "ordersV0.getOrderItems": (
        "payload",
        "payload.AmazonOrderId",
        "payload.OrderItems",
        "payload.OrderItems.0.OrderItemId",
        "payload.OrderItems.0.ASIN",
        "payload.OrderItems.0.QuantityOrdered",
    ),
    "feeds.createFeedDocument": ("feedDocumentId", "url"),
    "feeds.createFeed": ("feedId",),
    "feeds.getFeed": ("feedId", "feedType", "createdTime", "processingStatus"),
    "feeds.getFeeds": ("feeds", "feeds.0.feedId", "feeds.0.createdTime", "feeds.0.processingStatus"),
    "feeds.getFeedDocument": ("feedDocumentId", "url"),
    "reports.createReport": ("reportId",),
    "reports.getReport": ("reportId", "reportType", "createdTime", "processingStatus"),
    "reports.getReportDocument": ("reportDocumentId", "url"),
    "listings.getListingsItem": ("sku",),
    "listings.searchListingsItems": ("numberOfResults", "items", "items.0.sku"),
    "listings.patchListingsItem": ("sku", "status", "submissionId"),
    "listings.deleteListingsItem": ("sku", "status", "submissionId"),
    "fbaOutbound.getFulfillmentOrder": (
        "payload",
        "payload.fulfillmentOrder",
        "payload.fulfillmentOrder.sellerFulfillmentOrderId",
        "payload.fulfillmentOrder.fulfillmentOrderStatus",
        "payload.fulfillmentOrder.receivedDate",
    ),
    "fbaOutbound2026.getOrder": ("order", "order.orderId", "order.receiveTime"),
    "promotions.getPromotion": ("promotionId",),
    "finances.listFinancialEventsByOrderId": ("payload",),
    "notifications.getDestinations": ("payload",),
    "notifications.createDestination": ("payload", "payload.destinationId", "payload.name", "payload.resource"),
    "notifications.getSubscription": (
        "payload",
        "payload.subscriptionId",
        "payload.payloadVersion",
        "payload.destinationId",
    ),
}


def without(body: dict[str, Any], path: str) -> dict[str, Any]:
    """A deep copy of ``body`` without the member at dotted ``path`` (list indexes are numbers)."""
    out = copy.deepcopy(body)
    *parents, last = path.split(".")
    target: Any = out
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    del target[last]
    return out


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$")


_ROUTES = [(op.method, _pattern(op.path), key) for key, op in OPERATIONS.items()]


def operation_of(request: httpx.Request) -> str:
    """The operation key a request is for (by method and path)."""
    for method, pattern, key in _ROUTES:
        if method == request.method and pattern.match(request.url.raw_path.split(b"?")[0].decode()):
            return key
    raise LookupError(f"no operation for {request.method} {request.url.path}")


def answer(request: httpx.Request, headers: dict[str, str] | None = None) -> httpx.Response:
    """The minimal valid answer of the request's operation, with its success status and a request id."""
    op = OPERATIONS[operation_of(request)]
    body = MINIMAL[op.key]
    all_headers = {"x-amzn-RequestId": "req-1", **(headers or {})}
    if body is None:
        return httpx.Response(op.success, content=b"", headers=all_headers)
    return httpx.Response(op.success, json=body, headers=all_headers)
