"""The usage plans the simulator enforces: its own table, from Amazon's models (docs/retries-and-rate-limits.md).

Deliberately not the client's table (``sp_cancel._operations``): a wrong limit in the library must
show up as 429s here, not be copied into the simulator. ``tests/contract/test_usage_plans.py``
compares both tables with the ``Usage Plan`` table in each operation's description in Amazon's
models, where the model states one.

Keys are operation keys (``"<api>.<operationId>"``); values are ``(rate per second, burst)``.
"""

from __future__ import annotations

from typing import Final

__all__ = ["DECLARES_401", "GRANTLESS", "USAGE_PLANS"]

USAGE_PLANS: Final[dict[str, tuple[float, int]]] = {
    # Orders 2026-01-01 [M orders_2026-01-01.json]; cancelOrder from the withdrawn model [MH]
    "orders.searchOrders": (0.0056, 20),
    "orders.getOrder": (0.5, 30),
    "orders.cancelOrder": (1.0, 5),
    # Orders v0 [M ordersV0.json]
    "ordersV0.getOrders": (0.0167, 20),
    "ordersV0.getOrder": (0.5, 30),
    "ordersV0.getOrderItems": (0.5, 30),
    # Feeds 2021-06-30 [M feeds_2021-06-30.json]
    "feeds.createFeedDocument": (0.5, 15),
    "feeds.createFeed": (0.0083, 15),
    "feeds.getFeed": (2.0, 15),
    "feeds.getFeeds": (0.0222, 10),
    "feeds.cancelFeed": (2.0, 15),
    "feeds.getFeedDocument": (0.0222, 10),
    # Reports 2021-06-30 [M reports_2021-06-30.json]
    "reports.createReport": (0.0167, 15),
    "reports.getReport": (2.0, 15),
    "reports.getReportDocument": (0.0167, 15),
    "reports.getReports": (0.0222, 10),
    # Listings Items 2021-08-01 [M listingsItems_2021-08-01.json]
    "listings.getListingsItem": (5.0, 10),
    "listings.searchListingsItems": (5.0, 5),
    "listings.patchListingsItem": (5.0, 5),
    "listings.deleteListingsItem": (5.0, 5),
    # Fulfillment Outbound 2020-07-01 and 2026-07-04 [M]
    "fbaOutbound.getFulfillmentOrder": (2.0, 30),
    "fbaOutbound.cancelFulfillmentOrder": (2.0, 30),
    "fbaOutbound2026.getOrder": (2.0, 30),
    "fbaOutbound2026.cancelOrder": (2.0, 30),
    # Sandbox-only operations run at the sandbox's fixed 5 rps / burst 15 (docs/retries-and-rate-limits.md)
    "fbaOutbound.submitFulfillmentOrderStatusUpdate": (5.0, 15),
    "fbaOutbound2026.updateOrderStatus": (5.0, 15),
    # Promotions 2025-12-01: not in the public models, plan unpublished; the common 1 rps / burst 5 [INF]
    "promotions.searchPromotions": (1.0, 5),
    "promotions.getPromotion": (1.0, 5),
    # Finances v0 [M financesV0.json]
    "finances.listFinancialEventsByOrderId": (0.5, 30),
    # Messaging v1 [M messaging.json]
    "messaging.getMessagingActionsForOrder": (1.0, 5),
    "messaging.createUnexpectedProblem": (1.0, 5),
    # Notifications v1 [M notifications.json]: 1 rps / burst 5 for every operation
    "notifications.getSubscription": (1.0, 5),
    "notifications.createSubscription": (1.0, 5),
    "notifications.getSubscriptionById": (1.0, 5),
    "notifications.deleteSubscriptionById": (1.0, 5),
    "notifications.getDestinations": (1.0, 5),
    "notifications.createDestination": (1.0, 5),
    "notifications.getDestination": (1.0, 5),
    "notifications.deleteDestination": (1.0, 5),
    "notifications.sendTestNotification": (1.0, 5),
    # Sellers v1 [M sellers.json]: not used by sp_cancel; served for python-amazon-sp-api users
    "sellers.getMarketplaceParticipations": (0.016, 15),
}

# Operations whose model declares a 401 answer ("malformed or missing token"); the others declare only 403, so
# a missing token gets 403 there (Amazon's models, checked by the suite's contract test).
DECLARES_401: Final = frozenset(
    {
        "orders.cancelOrder",  # the withdrawn model's error list (docs/cancel-orders.md)
        "feeds.createFeed",
        "feeds.getFeed",
        "feeds.getFeeds",
        "feeds.cancelFeed",
        "feeds.getFeedDocument",
        "reports.createReport",
        "reports.getReport",
        "reports.getReportDocument",
        "reports.getReports",
        "fbaOutbound.getFulfillmentOrder",
        "fbaOutbound.cancelFulfillmentOrder",
        "fbaOutbound.submitFulfillmentOrderStatusUpdate",
        "fbaOutbound2026.getOrder",
        "fbaOutbound2026.cancelOrder",
        "fbaOutbound2026.updateOrderStatus",
    }
)

# Grantless operations [M notifications.json: "The `getDestinations` operation is grantless"...] and the LWA scope
# their token must carry (client-credentials grant). A seller's token is refused there, and a grantless token
# everywhere else, with 403 "Access to requested resource is denied."
GRANTLESS: Final[dict[str, str]] = {
    "notifications.getSubscriptionById": "sellingpartnerapi::notifications",
    "notifications.deleteSubscriptionById": "sellingpartnerapi::notifications",
    "notifications.getDestinations": "sellingpartnerapi::notifications",
    "notifications.createDestination": "sellingpartnerapi::notifications",
    "notifications.getDestination": "sellingpartnerapi::notifications",
    "notifications.deleteDestination": "sellingpartnerapi::notifications",
    "notifications.sendTestNotification": "sellingpartnerapi::notifications",
}
