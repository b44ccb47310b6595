"""Pins the public surface: ``__all__``, each SellerClient signature, each outcome's fields and status enum.

A change here is a change users see: update the tables on purpose, and docs/changelog.md with them.
"""
# ruff: noqa: E501 - a pinned signature is one exact string, however long

from __future__ import annotations

import enum
import inspect
import warnings
from collections.abc import Mapping

import attrs
import pytest

import sp_cancel
from sp_cancel import (
    BatchOutcome,
    BuyerCancelRequest,
    BuyerMessage,
    BuyerMessageStatus,
    CancellationRateReport,
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
    Order,
    OrderItem,
    OrderStatus,
    PostingStatus,
    ProcessingMessage,
    RateStatus,
    RefundOutcome,
    RefundStatus,
    RefundVerification,
    SellerClient,
    SystemCancellation,
)

PUBLIC = [
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

# Every public SellerClient method, with its exact signature (names, kinds, defaults, annotations).
CLIENT_METHODS = [
    (
        "accept_buyer_cancellations",
        "(self, requests: 'Iterable[BuyerCancelRequest | str]', *, wait: 'bool' = True, timeout: 'float' = 3600, progress: 'ProgressCallback | None' = None) -> 'BatchOutcome[CancelOutcome]'",
    ),
    (
        "buyer_cancellation_requests",
        "(self, *, since: 'datetime | timedelta' = datetime.timedelta(days=7)) -> 'list[BuyerCancelRequest]'",
    ),
    (
        "cancel_fba_order",
        "(self, seller_fulfillment_order_id: 'str', *, api: \"Literal['2020-07-01', '2026-07-04']\" = '2020-07-01') -> 'FbaCancelOutcome'",
    ),
    ("cancel_flash_deal", "(self, deal_id: 'str') -> 'NoReturn'"),
    (
        "cancel_order",
        "(self, order_id: 'str', reason: 'CancelReason | str', *, items: 'Sequence[ItemCancel] | None' = None, via: \"Literal['feed', 'orders_api']\" = 'feed', wait: 'bool' = True, timeout: 'float' = 1800, progress: 'ProgressCallback | None' = None, notify_buyer: 'str | None' = None) -> 'CancelOutcome'",
    ),
    (
        "cancel_orders",
        "(self, requests: 'Iterable[CancelRequest]', *, wait: 'bool' = True, timeout: 'float' = 3600, max_rate: 'float | None' = None, progress: 'ProgressCallback | None' = None, notify_buyer: 'str | Callable[[CancelRequest], str | None] | None' = None) -> 'BatchOutcome[CancelOutcome]'",
    ),
    (
        "cancellation_rate",
        "(self, *, window: 'timedelta' = datetime.timedelta(days=7), end: 'datetime | None' = None, source: \"Literal['auto', 'orders', 'report']\" = 'auto', compare_with_amazon: 'bool' = False, late_shipment_counts: 'bool' = True) -> 'CancellationRateReport'",
    ),
    ("close", "(self) -> 'None'"),
    ("close_listing", "(self, sku: 'str') -> 'ListingOutcome'"),
    ("close_listings", "(self, skus: 'Iterable[str]', *, wait: 'bool' = True) -> 'BatchOutcome[ListingOutcome]'"),
    ("deals", "(self, *, statuses: 'Iterable[str] | None' = None) -> 'list[Deal]'"),
    (
        "declare_not_sent",
        "(self, outcome: 'CancelOutcome | RefundOutcome', *, by: 'str', note: 'str | None' = None) -> 'CancelOutcome | RefundOutcome'",
    ),
    ("delete_listing", "(self, sku: 'str', *, verify: 'bool' = True) -> 'ListingOutcome'"),
    (
        "from_env",
        "(*, credentials: 'Credentials | None' = None, seller_id: 'str | None' = None, marketplace: 'str | None' = None, endpoint: 'str | None' = None, token_url: 'str | None' = None, journal: 'str | os.PathLike[str] | JournalLike | None' = None, rate_limiter: 'RateLimiter | None' = None, retry: 'RetryPolicy | None' = None, transport: 'HttpTransport | None' = None, clock: 'Clock | None' = None, sleep: 'Sleep | None' = None, timeout: 'float' = 30.0, unconfirmed_horizon: 'timedelta' = datetime.timedelta(days=2), orders_v0: 'OrdersV0Mode' = 'auto') -> 'Self'",
    ),
    ("notify_buyer", "(self, order_id: 'str', text: 'str') -> 'BuyerMessage'"),
    ("order", "(self, order_id: 'str') -> 'Order'"),
    (
        "orders",
        "(self, *, status: 'OrderStatus | str | None' = None, channel: 'Fulfillment | str | None' = None, since: 'datetime | timedelta' = datetime.timedelta(days=7)) -> 'Iterator[Order]'",
    ),
    (
        "partial_refund",
        "(self, order_id: 'str', refunds: 'Sequence[ItemRefund] | Money', *, reason: 'AdjustmentReason | str', idempotency_key: 'str | None' = None, wait: 'bool' = True, timeout: 'float' = 1800, progress: 'ProgressCallback | None' = None) -> 'RefundOutcome'",
    ),
    ("refresh", "(self, outcome: 'Outcome') -> 'Outcome'"),
    ("resume", "(self, *, timeout: 'float' = 3600, progress: 'ProgressCallback | None' = None) -> 'list[Outcome]'"),
    ("sp_api", "(self, api: 'type[_Api]', **kwargs: 'Any') -> '_Api'"),
    (
        "system_cancellations",
        "(self, *, since: 'datetime | timedelta' = datetime.timedelta(days=7)) -> 'list[SystemCancellation]'",
    ),
    ("unconfirmed", "(self) -> 'list[CancelOutcome | RefundOutcome]'"),
    ("updated_orders", "(self, *, since: 'datetime') -> 'Iterator[Order]'"),
    ("verify_refund", "(self, outcome: 'RefundOutcome') -> 'RefundVerification'"),
    (
        "wait",
        "(self, outcome: 'Outcome', *, timeout: 'float' = 1800, progress: 'ProgressCallback | None' = None) -> 'Outcome'",
    ),
]

# Every result type that carries a status: its fields in order, and its status enum.
OUTCOMES = [
    (
        CancelOutcome,
        (
            "order_id",
            "status",
            "reason",
            "feed_id",
            "submission_id",
            "messages",
            "items",
            "via",
            "detail",
            "error",
            "buyer_message",
        ),
        CancelStatus,
    ),
    (BuyerMessage, ("order_id", "status", "detail", "submission_id", "text"), BuyerMessageStatus),
    (
        RefundOutcome,
        (
            "order_id",
            "status",
            "idempotency_key",
            "amounts",
            "feed_id",
            "messages",
            "item_status",
            "submission_id",
            "detail",
        ),
        RefundStatus,
    ),
    (RefundVerification, ("order_id", "idempotency_key", "status", "posted", "expected", "message"), PostingStatus),
    (ListingOutcome, ("sku", "status", "submission_id", "issues", "feed_id", "detail", "error"), ListingStatus),
    (FbaCancelOutcome, ("order_id", "status", "api", "observed_status"), FbaCancelStatus),
    (Deal, ("deal_id", "type", "status", "start", "end", "title", "marketplace_id"), DealStatus),
    (
        CancellationRateReport,
        (
            "rate",
            "cancelled",
            "total",
            "target",
            "status",
            "window_start",
            "window_end",
            "by_day",
            "headroom",
            "amazon_rate",
            "amazon_target",
            "difference",
            "source",
            "unattributed",
            "requested_window_start",
            "requested_window_end",
            "amazon_window_start",
            "amazon_window_end",
            "amazon_unpaid",
            "amazon_late_shipment",
            "amazon_other",
            "late_shipment_counts",
        ),
        RateStatus,
    ),
    (
        Order,
        (
            "order_id",
            "marketplace_id",
            "status",
            "channel",
            "purchased_at",
            "last_updated_at",
            "currency",
            "items",
            "ship_by",
        ),
        OrderStatus,
    ),
    (
        FeedState,
        (
            "feed_id",
            "feed_type",
            "status",
            "created_at",
            "result_document_id",
            "processing_end_time",
            "expected_seconds",
        ),
        FeedStatus,
    ),
]

# Public value types users receive that carry no status.
VALUES = [
    (
        OrderItem,
        (
            "order_item_id",
            "sku",
            "quantity_ordered",
            "quantity_shipped",
            "quantity_unshipped",
            "asin",
            "quantity_cancelled",
            "charged",
            "refundable",
            "buyer_requested_cancel",
            "buyer_cancel_reason",
            "cancelled_by",
            "cancel_reason",
        ),
    ),
    (BuyerCancelRequest, ("order_id", "order_item_ids", "reason_text", "requested_at", "marketplace_id")),
    (SystemCancellation, ("order_id", "cancelled_at", "reason_text", "marketplace_id", "kind")),
    (ProcessingMessage, ("code", "severity", "description", "message_id", "order_id", "order_item_id", "sku")),
    (ListingIssue, ("code", "message", "severity", "attribute_names")),
]

# The workflow methods the API reference must show (tests/test_docs_site.py checks the built site).
WORKFLOWS = [name for name, _ in CLIENT_METHODS if name not in {"close", "from_env"}]


def test_all_is_pinned() -> None:
    """__all__ is exactly the agreed public surface, sorted."""
    assert sp_cancel.__all__ == PUBLIC


@pytest.mark.parametrize("name", [n for n in PUBLIC if n != "__version__"])
def test_exported_name_says_sp_cancel(name: str) -> None:
    """Exported classes report module 'sp_cancel' (their public import path) and have a docstring."""
    value = getattr(sp_cancel, name)
    assert inspect.isclass(value)
    assert value.__module__ == "sp_cancel"
    assert inspect.getdoc(value)


@pytest.mark.parametrize(("name", "signature"), CLIENT_METHODS, ids=[n for n, _ in CLIENT_METHODS])
def test_client_method_signature_is_pinned(name: str, signature: str) -> None:
    """Each public SellerClient method keeps its signature and has a docstring."""
    method = getattr(SellerClient, name)
    assert str(inspect.signature(method)) == signature
    assert inspect.getdoc(method)


def test_no_unpinned_client_method() -> None:
    """Every public SellerClient method is in the table (a new one is a decision, not an accident)."""
    public = {n for n, m in inspect.getmembers(SellerClient) if not n.startswith("_") and callable(m)}
    assert public == {n for n, _ in CLIENT_METHODS}


@pytest.mark.parametrize(("cls", "fields", "status"), OUTCOMES, ids=[c.__name__ for c, _, _ in OUTCOMES])
def test_outcome_fields_and_status_enum(cls: type, fields: tuple[str, ...], status: type[enum.StrEnum]) -> None:
    """Each outcome keeps its fields; its status is a str enum whose str() is the value, equal to the old string."""
    assert tuple(f.name for f in attrs.fields(cls)) == fields
    assert attrs.fields_dict(cls)["status"].type in {status, status.__name__}
    assert issubclass(status, enum.StrEnum)
    assert status.__module__ == "sp_cancel"
    for member in status:
        assert str(member) == member.value
        assert member == member.value


@pytest.mark.parametrize(("cls", "fields"), VALUES, ids=[c.__name__ for c, _ in VALUES])
def test_value_fields(cls: type, fields: tuple[str, ...]) -> None:
    """Each public value type keeps its fields and is an attrs class."""
    assert tuple(f.name for f in attrs.fields(cls)) == fields


def test_batch_outcome_is_a_read_only_mapping() -> None:
    """BatchOutcome is a Mapping[str, outcome] with no way to change it."""
    assert issubclass(BatchOutcome, Mapping)
    assert not hasattr(BatchOutcome, "__setitem__")


def test_version_is_a_string() -> None:
    """__version__ is a non-empty string."""
    assert isinstance(sp_cancel.__version__, str)
    assert sp_cancel.__version__


def test_error_tree() -> None:
    """Every exported error derives from SpCancelError; the API errors from ApiError."""
    for name in (
        "ThrottledError",
        "AuthError",
        "NotFoundError",
        "OperationWithdrawnError",
        "ServerError",
        "NetworkError",
        "OutcomeUnknownError",
    ):
        assert issubclass(getattr(sp_cancel, name), sp_cancel.ApiError)
    assert issubclass(sp_cancel.IdempotencyConflictError, sp_cancel.InvalidInputError)
    for name in PUBLIC:
        value = getattr(sp_cancel, name)
        if inspect.isclass(value) and issubclass(value, Exception):
            assert issubclass(value, sp_cancel.SpCancelError)


def test_the_public_surface_touches_no_deprecated_name() -> None:
    """Reading every exported name warns about nothing."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in PUBLIC:
            getattr(sp_cancel, name)
