"""SP-API plumbing: the only package that imports ``sp_api`` and ``httpx``.

``SpApi`` makes every SP-API call sp_cancel needs (LWA token, rate limiter,
retries, one typed error per failure) and moves feed/report documents to and
from S3 through the same injected ``httpx.Client``. Each of its methods returns
Amazon's answer parsed once into a typed value (the types below; orders as
``sp_cancel.Order``), so nothing above this package reads Amazon's JSON.
"""

import httpx

from sp_cancel._operations import OPERATIONS, Operation, operation
from sp_cancel.transport._api import SpApi
from sp_cancel.transport._base import DOWNLOAD_OPERATION, UPLOAD_OPERATION
from sp_cancel.transport._endpoints import DEFAULT_TOKEN_URL, Marketplace, resolve_marketplace
from sp_cancel.transport._feeds import (
    Feed,
    FeedDocument,
    FeedDocumentUpload,
    FeedsPage,
    ProcessingStatus,
    Report,
    ReportDocument,
)
from sp_cancel.transport._finances import (
    ChargeComponent,
    Currency,
    FinancialEvents,
    FinancialEventsPage,
    ShipmentEvent,
    ShipmentItem,
)
from sp_cancel.transport._fulfillment import FulfillmentOrder, FulfillmentOrder2026, FulfillmentOrderDetails
from sp_cancel.transport._interop import sp_api_client, sp_api_credentials
from sp_cancel.transport._listings import (
    ListingsFulfillmentAvailability,
    ListingsIssue,
    ListingsItem,
    ListingsItemsPage,
    ListingsItemSummary,
    ListingsSubmission,
)
from sp_cancel.transport._lwa import LwaCredentials, LwaTokenClient
from sp_cancel.transport._messaging import MessagingActions
from sp_cancel.transport._notifications import Destination, EventFilter, Subscription
from sp_cancel.transport._orders import (
    BuyerRequestedCancel,
    OrderItemsV0Page,
    OrderItemV0,
    OrderResponse,
    OrdersPage,
    OrdersV0Page,
    OrderV0,
    order_from_v0,
)
from sp_cancel.transport._promotions import Promotion, PromotionSchedule, PromotionsPage
from sp_cancel.transport._v0 import V0_REMOVAL, OrdersV0, OrdersV0Mode
from sp_cancel.transport._wire import error_for_status, network_error

__all__ = [
    "DEFAULT_TOKEN_URL",
    "DOWNLOAD_OPERATION",
    "OPERATIONS",
    "UPLOAD_OPERATION",
    "V0_REMOVAL",
    "BuyerRequestedCancel",
    "ChargeComponent",
    "Currency",
    "Destination",
    "EventFilter",
    "Feed",
    "FeedDocument",
    "FeedDocumentUpload",
    "FeedsPage",
    "FinancialEvents",
    "FinancialEventsPage",
    "FulfillmentOrder",
    "FulfillmentOrder2026",
    "FulfillmentOrderDetails",
    "HttpTransport",
    "ListingsFulfillmentAvailability",
    "ListingsIssue",
    "ListingsItem",
    "ListingsItemSummary",
    "ListingsItemsPage",
    "ListingsSubmission",
    "LwaCredentials",
    "LwaTokenClient",
    "Marketplace",
    "MessagingActions",
    "Operation",
    "OrderItemV0",
    "OrderItemsV0Page",
    "OrderResponse",
    "OrderV0",
    "OrdersPage",
    "OrdersV0",
    "OrdersV0Mode",
    "OrdersV0Page",
    "ProcessingStatus",
    "Promotion",
    "PromotionSchedule",
    "PromotionsPage",
    "Report",
    "ReportDocument",
    "ShipmentEvent",
    "ShipmentItem",
    "SpApi",
    "Subscription",
    "error_for_status",
    "network_error",
    "operation",
    "order_from_v0",
    "resolve_marketplace",
    "sp_api_client",
    "sp_api_credentials",
]

#: What ``SellerClient(transport=...)`` takes: any httpx transport (the simulator's, ``httpx.MockTransport``...).
HttpTransport = httpx.BaseTransport
