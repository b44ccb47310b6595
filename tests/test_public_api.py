"""Pins the public surface: sp_cancel.__all__ and how exported names present themselves."""

from __future__ import annotations

import inspect

import pytest

import sp_cancel

PUBLIC = [
    "AdjustmentReason",
    "ApiError",
    "AuthError",
    "BatchOutcome",
    "BuyerCancelRequest",
    "CancelOutcome",
    "CancelReason",
    "CancelRequest",
    "CancelStatus",
    "CancellationRateError",
    "CancellationRateReport",
    "CancelledBy",
    "Credentials",
    "Deal",
    "FbaCancelOutcome",
    "FeedError",
    "FeedTimeoutError",
    "Fulfillment",
    "IdempotencyConflictError",
    "InvalidInputError",
    "ItemCancel",
    "ItemRefund",
    "ListingIssue",
    "ListingOutcome",
    "ListingStatus",
    "ManualActionRequired",
    "Money",
    "NetworkError",
    "NotCancellableError",
    "NotFoundError",
    "Order",
    "OrderItem",
    "OrderRecord",
    "OrderStatus",
    "OutcomeUnknownError",
    "PriceComponent",
    "ProcessingMessage",
    "RefundOutcome",
    "RefundStatus",
    "RefundVerification",
    "SellerClient",
    "ServerError",
    "SpCancelError",
    "SystemCancellation",
    "ThrottledError",
    "__version__",
]


def test_all_is_pinned() -> None:
    """__all__ is exactly the agreed public surface, sorted."""
    assert sp_cancel.__all__ == PUBLIC


@pytest.mark.parametrize("name", [n for n in PUBLIC if n != "__version__"])
def test_exported_class_says_sp_cancel(name: str) -> None:
    """Exported classes report module 'sp_cancel' and have a docstring."""
    value = getattr(sp_cancel, name)
    assert inspect.isclass(value)
    assert value.__module__ == "sp_cancel"
    assert inspect.getdoc(value)


def test_version_is_a_string() -> None:
    """__version__ is a non-empty string."""
    assert isinstance(sp_cancel.__version__, str)
    assert sp_cancel.__version__


def test_error_tree() -> None:
    """Every exported error derives from SpCancelError; the API errors from ApiError."""
    for name in ("ThrottledError", "AuthError", "NotFoundError", "ServerError", "NetworkError", "OutcomeUnknownError"):
        assert issubclass(getattr(sp_cancel, name), sp_cancel.ApiError)
    for name in PUBLIC:
        value = getattr(sp_cancel, name)
        if inspect.isclass(value) and issubclass(value, Exception):
            assert issubclass(value, sp_cancel.SpCancelError)
