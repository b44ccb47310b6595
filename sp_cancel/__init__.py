"""sp_cancel: every Amazon seller cancellation workflow through the Selling Partner API.

The public surface is exactly ``__all__`` (plus the ``sp_cancel.testing``
toolkit): the client, its credentials, the value types, the outcome types and
the error tree. Exported classes report ``sp_cancel`` as their module, so
reprs and docs read ``sp_cancel.SellerClient``.
"""

from typing import TYPE_CHECKING, Final

from sp_cancel._amazon_cancel import AmazonCancelKind
from sp_cancel._cancellation.outcomes import (
    BuyerMessage,
    BuyerMessageStatus,
    CancelOutcome,
    CancelStatus,
    SystemCancellation,
)
from sp_cancel._listings.outcomes import ListingIssue, ListingOutcome, ListingStatus
from sp_cancel._order import BuyerCancelRequest
from sp_cancel._outcomes import BatchOutcome, FeedState, FeedStatus, ProcessingMessage, ProgressCallback
from sp_cancel._public import load, publish
from sp_cancel._refunds.outcomes import PostingStatus, RefundOutcome, RefundStatus, RefundVerification
from sp_cancel._version import __version__
from sp_cancel.deals import Deal, DealStatus
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
    OperationWithdrawnError,
    OutcomeUnknownError,
    ReportError,
    ReportTimeoutError,
    ServerError,
    SpCancelError,
    ThrottledError,
)
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

if TYPE_CHECKING:  # imported on first use (below): type checkers and the API reference read them here
    from sp_cancel._fba import FbaCancelOutcome, FbaCancelStatus
    from sp_cancel._subscriptions import Notifications, NotificationSetup, QueueFinding
    from sp_cancel.client import Credentials, SellerClient
    from sp_cancel.journal import Journal, JournalLike, JournalUnavailableError, RedisJournal
    from sp_cancel.metrics import CancellationRateReport, OrderRecord, RateStatus
    from sp_cancel.ratelimit import InMemoryRateLimiter, RateLimiter, RedisRateLimiter
    from sp_cancel.retry import RetryPolicy

# The names whose modules cost most of an import (the client and every workflow, the transport with httpx and
# python-amazon-sp-api, structlog, tenacity, the journal's drivers, the rate calculator): each is imported the
# first time it is used (issue 20), so ``import sp_cancel`` costs no more than ``from sp_api.api import Orders``.
_LAZY: Final = {
    "CancellationRateReport": "sp_cancel.metrics",
    "Credentials": "sp_cancel.client",
    "FbaCancelOutcome": "sp_cancel._fba",
    "FbaCancelStatus": "sp_cancel._fba",
    "InMemoryRateLimiter": "sp_cancel.ratelimit",
    "Journal": "sp_cancel.journal",
    "JournalLike": "sp_cancel.journal",
    "JournalUnavailableError": "sp_cancel.journal",
    "NotificationSetup": "sp_cancel._subscriptions",
    "Notifications": "sp_cancel._subscriptions",
    "OrderRecord": "sp_cancel.metrics",
    "QueueFinding": "sp_cancel._subscriptions",
    "RateLimiter": "sp_cancel.ratelimit",
    "RateStatus": "sp_cancel.metrics",
    "RedisJournal": "sp_cancel.journal",
    "RedisRateLimiter": "sp_cancel.ratelimit",
    "RetryPolicy": "sp_cancel.retry",
    "SellerClient": "sp_cancel.client",
}

__all__ = [
    "AdjustmentReason",
    "AmazonCancelKind",
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
    "OperationWithdrawnError",
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


publish(__name__, globals(), [name for name in __all__ if name not in _LAZY])


if not TYPE_CHECKING:  # type checkers see the imports above; a misspelt name stays an error for them

    def __getattr__(name: str) -> object:
        """A name of ``_LAZY``, imported now (and kept: the next use is a plain attribute)."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = load(module, name, public=__name__)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))
