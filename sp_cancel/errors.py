"""The error tree of sp_cancel.

Every exception the library raises on purpose derives from
``SpCancelError``::

    SpCancelError
    ├── InvalidInputError            bad input, raised before any HTTP call (also a ValueError)
    │   └── IdempotencyConflictError the same idempotency key was used earlier with other parameters
    ├── NotCancellableError          the order/listing/MCF order's state forbids it (carries the state)
    ├── ManualActionRequired         Amazon offers no API for this (carries steps, url, deadlines)
    ├── CancellationRateError        a batch would push the cancellation rate above max_rate
    ├── ApiError                     an SP-API call failed after retries (operation, status, request id, code, body)
    │   ├── ThrottledError           429 after the retry budget
    │   ├── AuthError                LWA failure, 401/403; invalid_grant = authorization revoked
    │   ├── NotFoundError            404
    │   ├── OperationWithdrawnError  Amazon withdrew the operation (cancelOrder answered 404/403); hint: the feed route
    │   ├── ServerError              5xx, gateway HTML, empty or non-JSON body
    │   ├── NetworkError             no HTTP answer (connection refused/dropped, timeout) after retries
    │   └── OutcomeUnknownError      a non-idempotent call (createFeed, cancel, patch...) may or may not
    │                                have taken effect; never resent blindly
    ├── FeedError                    the feed ended FATAL/CANCELLED or its report is unreadable (feed id)
    │   └── FeedTimeoutError         still IN_QUEUE/IN_PROGRESS past the timeout (also a TimeoutError)
    └── ReportError                  a report ended CANCELLED (no data)/FATAL, or has no document (report id)
        └── ReportTimeoutError       still IN_QUEUE/IN_PROGRESS past the timeout (also a TimeoutError)

``str(err)`` of an ``ApiError`` leads with Amazon's ``x-amzn-RequestId``
when there is one, because that is what Amazon's support asks for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Required, TypedDict, Unpack

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime
    from decimal import Decimal

__all__ = [
    "ApiError",
    "AuthError",
    "CancellationRateError",
    "FeedError",
    "FeedTimeoutError",
    "IdempotencyConflictError",
    "InvalidInputError",
    "ManualActionRequired",
    "NetworkError",
    "NotCancellableError",
    "NotFoundError",
    "OperationWithdrawnError",
    "OutcomeUnknownError",
    "ReportError",
    "ReportTimeoutError",
    "ServerError",
    "SpCancelError",
    "ThrottledError",
]

_EXCERPT = 500


class SpCancelError(Exception):
    """Base class of every error sp_cancel raises on purpose."""


class InvalidInputError(SpCancelError, ValueError):
    """The input is wrong; raised before any HTTP call, so nothing was sent.

    Attributes:
        field: the argument or field at fault, when one can be named.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        """Build the error; ``message`` says what is wrong and what is allowed."""
        super().__init__(message)
        self.field = field


class IdempotencyConflictError(InvalidInputError):
    """The same intent (idempotency key) was submitted earlier with different parameters; nothing was sent.

    Repeating an intent with the same parameters returns the earlier outcome; repeating it with other
    parameters is refused with this error, so a retry never silently does something else.

    Attributes:
        submission_id: the id of the earlier submission (its journal key).
        differences: for each parameter that differs, ``(earlier value, new value)``.
    """

    def __init__(
        self,
        message: str,
        *,
        submission_id: str,
        differences: Mapping[str, tuple[object, object]],
        field: str | None = None,
    ) -> None:
        """Build the error; ``str()`` names the earlier submission and each differing parameter."""
        diffs = "; ".join(f"{name}: {old!r} then {new!r}" for name, (old, new) in differences.items())
        super().__init__(f"{message} (earlier submission {submission_id}{': ' + diffs if diffs else ''})", field=field)
        self.submission_id = submission_id
        self.differences: Mapping[str, tuple[object, object]] = dict(differences)


class NotCancellableError(SpCancelError):
    """The target's current state forbids the operation; checked before submitting.

    Attributes:
        target_id: the order id, SKU, MCF order id or deal id.
        state: the state observed at Amazon (e.g. ``"Shipped"``, ``"Processing"``).
        hint: what to do instead, when there is something to do.
    """

    def __init__(self, message: str, *, target_id: str, state: str, hint: str | None = None) -> None:
        """Build the error with the observed ``state``."""
        super().__init__(message if hint is None else f"{message} {hint}")
        self.target_id = target_id
        self.state = state
        self.hint = hint


class ManualActionRequired(SpCancelError):  # noqa: N818 - the design fixes this name; it reads as a verdict
    """Amazon offers no API for this; a person must do it in Seller Central.

    Attributes:
        action: what cannot be automated.
        steps: the manual steps, in order.
        url: where to do it.
        fee_free_until: for deals, the last moment to cancel without the deal fee.
        deadline_passed: for deals, whether ``fee_free_until`` is already past.
        details: anything else that was read (deal start, status...).
    """

    def __init__(
        self,
        message: str,
        *,
        action: str,
        steps: Sequence[str],
        url: str | None = None,
        fee_free_until: datetime | None = None,
        deadline_passed: bool | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        """Build the error; ``str()`` includes the numbered steps."""
        lines = [message, *(f"  {n}. {step}" for n, step in enumerate(steps, 1))]
        if url:
            lines.append(f"  Link: {url}")
        super().__init__("\n".join(lines))
        self.action = action
        self.steps = tuple(steps)
        self.url = url
        self.fee_free_until = fee_free_until
        self.deadline_passed = deadline_passed
        self.details = dict(details or {})


class CancellationRateError(SpCancelError):
    """Sending the batch would push the seller's cancellation rate above ``max_rate``; nothing was sent.

    Attributes:
        projected_rate: the rate the window would show after the batch.
        max_rate: the limit that was asked for.
        current_rate: the rate before the batch.
        seller_faulted: how many cancellations in the batch count against the seller.
        allowed: how many seller-faulted cancellations the window can still take.
        window_start: the start of the window both rates are over (the 7 days before the check), when known.
        window_end: its end (the moment of the check), when known.
    """

    def __init__(
        self,
        *,
        projected_rate: Decimal,
        max_rate: Decimal,
        current_rate: Decimal,
        seller_faulted: int,
        allowed: int,
        window_start: datetime | None = None,
        window_end: datetime | None = None,
    ) -> None:
        """Build the error with the projection; ``str()`` gives rates as percentages and names the window."""
        window = ""
        if window_start is not None and window_end is not None:
            window = f" over the 7 days from {window_start:%Y-%m-%d %H:%M} to {window_end:%Y-%m-%d %H:%M} UTC"
        super().__init__(
            f"cancelling would raise the cancellation rate{window} from {current_rate:.2%} to "
            f"{projected_rate:.2%}, above max_rate {max_rate:.2%}; {seller_faulted} cancellation(s) in the batch "
            f"count against the seller, at most {allowed} can be sent now. Nothing was sent."
        )
        self.projected_rate = projected_rate
        self.max_rate = max_rate
        self.current_rate = current_rate
        self.seller_faulted = seller_faulted
        self.allowed = allowed
        self.window_start = window_start
        self.window_end = window_end


class ApiError(SpCancelError):
    """An SP-API call failed (after the retry policy gave up, where it retries).

    Attributes:
        operation: Amazon's operation name, e.g. ``"createFeed"``.
        status: HTTP status, or ``None`` when there was no HTTP answer.
        request_id: Amazon's ``x-amzn-RequestId``, when sent.
        code: the first error code in Amazon's ``ErrorList`` (informational: Amazon is inconsistent).
        message: the first error message, or a description of what went wrong.
        body_excerpt: the first 500 characters of the response body.
        attempts: how many times the call was made.
        retry_after: seconds from a ``Retry-After`` header, when Amazon sent one (it rarely does).
    """

    retry_after: float | None = None

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        status: int | None = None,
        request_id: str | None = None,
        code: str | None = None,
        body_excerpt: str = "",
        attempts: int = 1,
        retry_after: float | None = None,
    ) -> None:
        """Build the error; see the class attributes."""
        self.retry_after = retry_after
        self.operation = operation
        self.status = status
        self.request_id = request_id
        self.code = code
        self.message = message
        self.body_excerpt = body_excerpt[:_EXCERPT]
        self.attempts = attempts
        super().__init__(self._render())

    def call_details(self) -> _CallDetails:
        """The call this error is about (operation, status, request id, code, body excerpt, attempts).

        They are another ``ApiError``'s keyword arguments, for an error that reports the same call otherwise
        (``OutcomeUnknownError`` after a retry gave up, ``OperationWithdrawnError`` for a withdrawn route).
        """
        return {
            "operation": self.operation,
            "status": self.status,
            "request_id": self.request_id,
            "code": self.code,
            "body_excerpt": self.body_excerpt,
            "attempts": self.attempts,
        }

    def _render(self) -> str:
        head = f"[request {self.request_id}] " if self.request_id else ""
        status = f"HTTP {self.status}" if self.status is not None else "no HTTP response"
        code = f" {self.code}" if self.code else ""
        return f"{head}{self.operation} failed: {status}{code}: {self.message}"


class _CallDetails(TypedDict, total=False):
    """``ApiError``'s keyword arguments but ``retry_after``, for the subclasses that add their own."""

    operation: Required[str]
    status: int | None
    request_id: str | None
    code: str | None
    body_excerpt: str
    attempts: int


class _RetriedCallDetails(_CallDetails, total=False):
    """All of ``ApiError``'s keyword arguments."""

    retry_after: float | None


class ThrottledError(ApiError):
    """Amazon answered 429 (QuotaExceeded) and the retry budget ran out."""


class AuthError(ApiError):
    """Authentication failed: the LWA exchange, or a 401/403 from SP-API.

    ``invalid_grant`` from LWA means the refresh token is wrong or the seller revoked the authorization.
    """


class NotFoundError(ApiError):
    """Amazon answered 404: the order, listing, feed, deal... does not exist for this seller."""


class OperationWithdrawnError(ApiError):
    """Amazon answered 404 or 403 to an operation it has withdrawn before (Orders 2026-01-01 ``cancelOrder``).

    Nothing was cancelled and the library does not fall back by itself: the other route has other semantics
    (the feed route takes every reason and item-level cancels, and settles through a processing report).

    Attributes:
        hint: what to do instead (for ``cancelOrder``: ``cancel_order(..., via="feed")``).
    """

    def __init__(self, message: str, *, hint: str, **details: Unpack[_RetriedCallDetails]) -> None:
        """Build the error; ``details`` are ``ApiError``'s (operation, status, request id...)."""
        self.hint = hint
        super().__init__(message, **details)

    def _render(self) -> str:
        return f"{super()._render()} {self.hint}"


class ServerError(ApiError):
    """Amazon (or a gateway) answered 5xx, HTML instead of JSON, or an empty body."""


class NetworkError(ApiError):
    """No HTTP answer: the connection failed, was dropped, or timed out (after retries).

    Attributes:
        request_sent: whether the request may have reached Amazon. ``False`` for a refused
            connection or connect/pool timeout (safe to resend anything); ``True`` for a read/write
            timeout or a dropped connection (only an idempotent call may be resent blindly).
    """

    def __init__(self, message: str, *, request_sent: bool = True, **details: Unpack[_RetriedCallDetails]) -> None:
        """Build the error; ``request_sent`` defaults to the cautious ``True``, ``details`` are ``ApiError``'s."""
        self.request_sent = request_sent
        super().__init__(message, **details)


class OutcomeUnknownError(ApiError):
    """A non-idempotent call may or may not have taken effect.

    For example a timeout after ``createFeed`` was sent. The library never resends
    such a call blindly: the workflow first looks for what was created (journal, ``getFeeds``).

    Attributes:
        sent_at: when the ambiguous request was sent (UTC).
    """

    def __init__(self, message: str, *, sent_at: datetime | None = None, **details: Unpack[_CallDetails]) -> None:
        """Build the error; the arguments are those of ``ApiError`` (but ``retry_after``) plus ``sent_at``."""
        self.sent_at = sent_at
        super().__init__(message, **details)


class FeedError(SpCancelError):
    """A feed ended ``FATAL`` or ``CANCELLED``, or its processing report is unreadable.

    Attributes:
        feed_id: Amazon's feed id.
        processing_status: the last status seen.
    """

    def __init__(self, message: str, *, feed_id: str, processing_status: str | None = None) -> None:
        """Build the error for ``feed_id``."""
        super().__init__(f"feed {feed_id}: {message}")
        self.feed_id = feed_id
        self.processing_status = processing_status


class FeedTimeoutError(FeedError, TimeoutError):
    """The feed was still ``IN_QUEUE``/``IN_PROGRESS`` when the timeout ran out.

    Nothing is lost: ``client.wait(err.outcome)`` (when the workflow attached its ``SUBMITTED`` outcome), the
    same call again, or ``client.resume()`` picks the feed up again.

    Attributes:
        outcome: the ``SUBMITTED`` outcome of the submission that timed out, when known.
    """

    outcome: object | None = None


class ReportError(SpCancelError):
    """A report (Reports API) ended ``CANCELLED`` (no data) or ``FATAL``, or is done without a document.

    Attributes:
        report_id: Amazon's report id.
        report_type: e.g. ``GET_V2_SELLER_PERFORMANCE_REPORT``.
        processing_status: the last status seen.
    """

    def __init__(self, message: str, *, report_id: str, report_type: str, processing_status: str | None = None) -> None:
        """Build the error for ``report_id``."""
        super().__init__(f"report {report_id} ({report_type}): {message}")
        self.report_id = report_id
        self.report_type = report_type
        self.processing_status = processing_status


class ReportTimeoutError(ReportError, TimeoutError):
    """The report was still ``IN_QUEUE``/``IN_PROGRESS`` when the timeout ran out."""
