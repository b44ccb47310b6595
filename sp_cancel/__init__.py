"""sp_cancel: every Amazon seller cancellation workflow through the Selling Partner API.

The public surface is exactly ``__all__`` (plus the ``sp_cancel.testing``
toolkit): the client, its credentials, the value types, the outcome types and
the error tree. Exported classes report ``sp_cancel`` as their module, so
reprs and docs read ``sp_cancel.SellerClient``.
"""

from sp_cancel._outcomes import (
    BatchOutcome,
    BuyerCancelRequest,
    BuyerMessage,
    BuyerMessageStatus,
    CancelOutcome,
    CancelStatus,
    Deal,
    DealStatus,
    FbaCancelOutcome,
    FbaCancelStatus,
    FeedState,
    FeedStatus,
    ListingIssue,
    ListingOutcome,
    ListingStatus,
    PostingStatus,
    ProcessingMessage,
    ProgressCallback,
    RefundOutcome,
    RefundStatus,
    RefundVerification,
    SystemCancellation,
)
from sp_cancel._public import publish
from sp_cancel._subscriptions import Notifications, NotificationSetup, QueueFinding
from sp_cancel._version import __version__
from sp_cancel.client import Credentials, SellerClient
from sp_cancel.errors import (
    ApiError,
    AuthError,
    CancellationRateError,
    FeedError,
    FeedTimeoutError,
    IdempotencyConflictError,
    InvalidInputError,
    ManualActionRequired,
    NetworkError,
    NotCancellableError,
    NotFoundError,
    OutcomeUnknownError,
    ReportError,
    ReportTimeoutError,
    ServerError,
    SpCancelError,
    ThrottledError,
)
from sp_cancel.journal import Journal, JournalLike, JournalUnavailableError, RedisJournal
from sp_cancel.metrics import CancellationRateReport, OrderRecord, RateStatus
from sp_cancel.models import (
    AdjustmentReason,
    CancelledBy,
    CancelReason,
    CancelRequest,
    Fulfillment,
    ItemCancel,
    ItemRefund,
    Money,
    PriceComponent,
)
from sp_cancel.orders import Order, OrderItem, OrderStatus
from sp_cancel.ratelimit import InMemoryRateLimiter, RateLimiter, RedisRateLimiter
from sp_cancel.retry import RetryPolicy

__all__ = [
    "AdjustmentReason",
    "ApiError",
    "AuthError",
    "BatchOutcome",
    "BuyerCancelRequest",
    "BuyerMessage",
    "BuyerMessageStatus",
    "CancelOutcome",
    "CancelReason",
    "CancelRequest",
    "CancelStatus",
    "CancellationRateError",
    "CancellationRateReport",
    "CancelledBy",
    "Credentials",
    "Deal",
    "DealStatus",
    "FbaCancelOutcome",
    "FbaCancelStatus",
    "FeedError",
    "FeedState",
    "FeedStatus",
    "FeedTimeoutError",
    "Fulfillment",
    "IdempotencyConflictError",
    "InMemoryRateLimiter",
    "InvalidInputError",
    "ItemCancel",
    "ItemRefund",
    "Journal",
    "JournalLike",
    "JournalUnavailableError",
    "ListingIssue",
    "ListingOutcome",
    "ListingStatus",
    "ManualActionRequired",
    "Money",
    "NetworkError",
    "NotCancellableError",
    "NotFoundError",
    "NotificationSetup",
    "Notifications",
    "Order",
    "OrderItem",
    "OrderRecord",
    "OrderStatus",
    "OutcomeUnknownError",
    "PostingStatus",
    "PriceComponent",
    "ProcessingMessage",
    "ProgressCallback",
    "QueueFinding",
    "RateLimiter",
    "RateStatus",
    "RedisJournal",
    "RedisRateLimiter",
    "RefundOutcome",
    "RefundStatus",
    "RefundVerification",
    "ReportError",
    "ReportTimeoutError",
    "RetryPolicy",
    "SellerClient",
    "ServerError",
    "SpCancelError",
    "SystemCancellation",
    "ThrottledError",
    "__version__",
]


publish(__name__, globals(), __all__)
