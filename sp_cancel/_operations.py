"""Every SP-API operation sp_cancel calls: method, path, usage plan, idempotency.

Rates and bursts are Amazon's documented defaults (docs/retries-and-rate-limits.md,
https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits).
The rate limiter seeds its buckets from this table and adapts to
``x-amzn-RateLimit-Limit`` when Amazon sends it; the simulator enforces the
same table. ``idempotent=False`` marks calls that create or change something:
the retry policy never resends them after an ambiguous failure.
"""

from __future__ import annotations

from typing import Final, Literal

import attrs

__all__ = ["NOTIFICATIONS_SCOPE", "OPERATIONS", "Operation", "operation"]

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


@attrs.frozen(kw_only=True)
class Operation:
    """One SP-API operation.

    Attributes:
        key: unique key, ``"<api>.<operationId>"`` (Amazon's spelling), e.g. ``"feeds.createFeed"``.
        name: Amazon's operationId, e.g. ``"createFeed"``.
        api: the API and version, e.g. ``"feeds_2021-06-30"``.
        method: HTTP method.
        path: path template with ``{placeholders}``.
        rate: tokens per second.
        burst: bucket size.
        idempotent: whether resending after an ambiguous failure is harmless.
        success: the HTTP status Amazon answers on success.
        scope: the LWA scope of a grantless operation (its token comes from the client-credentials grant,
            not from the seller's refresh token); ``None`` for every operation a seller authorizes.
    """

    key: str
    name: str
    api: str
    method: HttpMethod
    path: str
    rate: float
    burst: int
    idempotent: bool = True
    success: int = 200
    scope: str | None = None


def _op(
    key: str,
    method: HttpMethod,
    path: str,
    rate: float,
    burst: int,
    *,
    idempotent: bool = True,
    success: int = 200,
    scope: str | None = None,
) -> Operation:
    api_short, name = key.split(".", 1)
    return Operation(
        key=key,
        name=name,
        api=_APIS[api_short],
        method=method,
        path=path,
        rate=rate,
        burst=burst,
        idempotent=idempotent,
        success=success,
        scope=scope,
    )


_APIS: Final = {
    "orders": "orders_2026-01-01",
    "ordersV0": "ordersV0",
    "feeds": "feeds_2021-06-30",
    "reports": "reports_2021-06-30",
    "listings": "listingsItems_2021-08-01",
    "fbaOutbound": "fulfillmentOutbound_2020-07-01",
    "fbaOutbound2026": "fulfillmentOutbound_2026-07-04",
    "promotions": "promotions_2025-12-01",
    "finances": "financesV0",
    "messaging": "messaging",
    "notifications": "notifications",
}

#: The LWA scope of the Notifications API's grantless operations (destinations, subscriptions by id).
NOTIFICATIONS_SCOPE: Final = "sellingpartnerapi::notifications"

_TABLE: Final = (
    # Orders 2026-01-01 https://developer-docs.amazon.com/sp-api/reference/searchorders
    _op("orders.searchOrders", "GET", "/orders/2026-01-01/orders", 0.0056, 20),
    _op("orders.getOrder", "GET", "/orders/2026-01-01/orders/{orderId}", 0.5, 30),
    # Withdrawn from the public model three times (docs/cancel-orders.md); opt-in only.
    # A whole-order cancel is harmless to repeat (Amazon refuses to cancel a cancelled order): a lost answer is
    # asked again (idempotent for the retry policy), and the order read back says what happened.
    _op("orders.cancelOrder", "PUT", "/orders/2026-01-01/orders/{orderId}/cancellation", 1.0, 5, success=202),
    # Orders v0 (deprecated 2026-02-25, removal 2027-03-27) https://developer-docs.amazon.com/sp-api/reference/getorders
    _op("ordersV0.getOrders", "GET", "/orders/v0/orders", 0.0167, 20),
    _op("ordersV0.getOrder", "GET", "/orders/v0/orders/{orderId}", 0.5, 30),
    _op("ordersV0.getOrderItems", "GET", "/orders/v0/orders/{orderId}/orderItems", 0.5, 30),
    # Feeds 2021-06-30 https://developer-docs.amazon.com/sp-api/reference/createfeed
    _op("feeds.createFeedDocument", "POST", "/feeds/2021-06-30/documents", 0.5, 15, success=201),
    _op("feeds.createFeed", "POST", "/feeds/2021-06-30/feeds", 0.0083, 15, idempotent=False, success=202),
    _op("feeds.getFeed", "GET", "/feeds/2021-06-30/feeds/{feedId}", 2.0, 15),
    _op("feeds.getFeeds", "GET", "/feeds/2021-06-30/feeds", 0.0222, 10),
    _op("feeds.cancelFeed", "DELETE", "/feeds/2021-06-30/feeds/{feedId}", 2.0, 15, idempotent=False),
    _op("feeds.getFeedDocument", "GET", "/feeds/2021-06-30/documents/{feedDocumentId}", 0.0222, 10),
    # Reports 2021-06-30 https://developer-docs.amazon.com/sp-api/reference/createreport
    _op("reports.createReport", "POST", "/reports/2021-06-30/reports", 0.0167, 15, idempotent=False, success=202),
    _op("reports.getReport", "GET", "/reports/2021-06-30/reports/{reportId}", 2.0, 15),
    _op("reports.getReportDocument", "GET", "/reports/2021-06-30/documents/{reportDocumentId}", 0.0167, 15),
    # Listings Items 2021-08-01 https://developer-docs.amazon.com/sp-api/reference/patchlistingsitem
    _op("listings.getListingsItem", "GET", "/listings/2021-08-01/items/{sellerId}/{sku}", 5.0, 10),
    # https://developer-docs.amazon.com/sp-api/reference/searchlistingsitems (up to 20 identifiers per call)
    _op("listings.searchListingsItems", "GET", "/listings/2021-08-01/items/{sellerId}", 5.0, 5),
    _op(
        "listings.patchListingsItem",
        "PATCH",
        "/listings/2021-08-01/items/{sellerId}/{sku}",
        5.0,
        5,
        idempotent=False,
    ),
    _op(
        "listings.deleteListingsItem",
        "DELETE",
        "/listings/2021-08-01/items/{sellerId}/{sku}",
        5.0,
        5,
        idempotent=False,
    ),
    # Fulfillment Outbound 2020-07-01 https://developer-docs.amazon.com/sp-api/reference/cancelfulfillmentorder
    _op(
        "fbaOutbound.getFulfillmentOrder",
        "GET",
        "/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}",
        2.0,
        30,
    ),
    # Cancelling an MCF order is harmless to repeat: a lost answer is asked again; the order read back decides.
    _op(
        "fbaOutbound.cancelFulfillmentOrder",
        "PUT",
        "/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}/cancel",
        2.0,
        30,
    ),
    # Fulfillment Outbound 2026-07-04
    _op("fbaOutbound2026.getOrder", "GET", "/fulfillment/outbound/2026-07-04/orders/{orderId}", 2.0, 30),
    _op(
        "fbaOutbound2026.cancelOrder",
        "PUT",
        "/fulfillment/outbound/2026-07-04/orders/{orderId}/cancel",
        2.0,
        30,
        success=202,
    ),
    # Promotions 2025-12-01 (read-only; usage plan unpublished: we assume the common 1 rps / burst 5)
    _op("promotions.searchPromotions", "GET", "/promotions/2025-12-01/promotions", 1.0, 5),
    _op("promotions.getPromotion", "GET", "/promotions/2025-12-01/promotions/{promotionId}", 1.0, 5),
    # Finances v0 https://developer-docs.amazon.com/sp-api/reference/listfinancialeventsbyorderid
    _op("finances.listFinancialEventsByOrderId", "GET", "/finances/v0/orders/{orderId}/financialEvents", 0.5, 30),
    # Messaging v1 https://developer-docs.amazon.com/sp-api/reference/getmessagingactionsfororder
    _op("messaging.getMessagingActionsForOrder", "GET", "/messaging/v1/orders/{amazonOrderId}", 1.0, 5),
    # https://developer-docs.amazon.com/sp-api/reference/createunexpectedproblem: a message to the buyer is sent
    # at most once; a lost answer may have delivered it, so it is never resent (201 on success).
    _op(
        "messaging.createUnexpectedProblem",
        "POST",
        "/messaging/v1/orders/{amazonOrderId}/messages/unexpectedProblem",
        1.0,
        5,
        idempotent=False,
        success=201,
    ),
    # Notifications v1 https://developer-docs.amazon.com/sp-api/reference/createsubscription (1 rps / burst 5 each).
    # Destinations, a subscription by id and the sandbox's test notification are grantless (NOTIFICATIONS_SCOPE).
    # Both creates are not resent after an ambiguous failure: notifications.ensure reads back what exists instead.
    _op("notifications.getSubscription", "GET", "/notifications/v1/subscriptions/{notificationType}", 1.0, 5),
    _op(
        "notifications.createSubscription",
        "POST",
        "/notifications/v1/subscriptions/{notificationType}",
        1.0,
        5,
        idempotent=False,
    ),
    _op(
        "notifications.getSubscriptionById",
        "GET",
        "/notifications/v1/subscriptions/{notificationType}/{subscriptionId}",
        1.0,
        5,
        scope=NOTIFICATIONS_SCOPE,
    ),
    _op(
        "notifications.deleteSubscriptionById",
        "DELETE",
        "/notifications/v1/subscriptions/{notificationType}/{subscriptionId}",
        1.0,
        5,
        scope=NOTIFICATIONS_SCOPE,
    ),
    _op("notifications.getDestinations", "GET", "/notifications/v1/destinations", 1.0, 5, scope=NOTIFICATIONS_SCOPE),
    _op(
        "notifications.createDestination",
        "POST",
        "/notifications/v1/destinations",
        1.0,
        5,
        idempotent=False,
        scope=NOTIFICATIONS_SCOPE,
    ),
    _op(
        "notifications.getDestination",
        "GET",
        "/notifications/v1/destinations/{destinationId}",
        1.0,
        5,
        scope=NOTIFICATIONS_SCOPE,
    ),
    _op(
        "notifications.deleteDestination",
        "DELETE",
        "/notifications/v1/destinations/{destinationId}",
        1.0,
        5,
        scope=NOTIFICATIONS_SCOPE,
    ),
    # Sandbox-only in Amazon's model: production answers it with an error.
    _op(
        "notifications.sendTestNotification",
        "POST",
        "/notifications/v1/subscriptions/{notificationType}/testNotification",
        1.0,
        5,
        idempotent=False,
        scope=NOTIFICATIONS_SCOPE,
    ),
)

OPERATIONS: Final[dict[str, Operation]] = {op.key: op for op in _TABLE}


def operation(key: str) -> Operation:
    """Return the operation for ``key`` (e.g. ``"feeds.createFeed"``); ``KeyError`` if unknown."""
    return OPERATIONS[key]
