"""The core of ``SpApi``: one SP-API call, one document upload or download.

One *attempt* = get an access token (cached) -> ``limiter.acquire`` -> send through
the injected ``httpx.Client`` -> map the answer to a ``Response`` and parse it into the
operation's typed value, or raise exactly one typed error. ``retry.call(attempt, ...)`` decides whether to try
again. Requests are built here (URL, JSON body), never with python-amazon-sp-api's
client, transport or retry decorators; documents go to S3's presigned URLs through
the same httpx client, without our access token.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Final, TypeVar

import httpx

from sp_cancel._events import (
    CALL_COMPLETED,
    CALL_FAILED,
    DOCUMENT_DOWNLOADED,
    DOCUMENT_UPLOADED,
    TOKEN_REJECTED,
)
from sp_cancel._inflate import GZIP_MAGIC, inflate_document
from sp_cancel._operations import OPERATIONS, HttpMethod, Operation
from sp_cancel._version import __version__
from sp_cancel.clock import Clock, ClockOffset, Sleep
from sp_cancel.errors import ApiError, AuthError, NetworkError, ServerError, ThrottledError
from sp_cancel.logging import get_logger
from sp_cancel.ratelimit import RateLimiter
from sp_cancel.retry import RetryPolicy
from sp_cancel.transport._lwa import LwaCredentials, LwaTokenClient
from sp_cancel.transport._parse import Malformed
from sp_cancel.transport._v0 import OrdersV0, OrdersV0Mode
from sp_cancel.transport._wire import (
    REQUEST_ID_HEADER,
    Response,
    encode_query,
    error_for_status,
    format_path,
    json_safe,
    malformed_answer,
    network_error,
    parse_rate_limit,
    parse_success_body,
    pick_headers,
    query_string,
    token_rejected,
)

__all__ = ["DOWNLOAD_OPERATION", "UPLOAD_OPERATION", "SpApiCore"]

T = TypeVar("T")

USER_AGENT: Final = f"sp-cancel/{__version__} (Language=Python)"

# Operations that legitimately answer 2xx with no body (their models declare no schema, or only
# optional fields): cancelFeed 200 has no schema; both cancelOrder answer 202 {}; cancelFulfillmentOrder
# and createUnexpectedProblem (201) answer {errors?}, as do the Notifications API's deletes and test
# notification. Any other empty 2xx is a ServerError.
_MAY_BE_EMPTY: Final = frozenset(
    {
        "feeds.cancelFeed",
        "orders.cancelOrder",
        "fbaOutbound.cancelFulfillmentOrder",
        "fbaOutbound2026.cancelOrder",
        "messaging.createUnexpectedProblem",
        "notifications.deleteSubscriptionById",
        "notifications.deleteDestination",
        "notifications.sendTestNotification",
    }
)


def _document_operation(key: str, name: str, method: HttpMethod) -> Operation:
    """A call to a feed or report document's S3 presigned URL (valid 5 minutes).

    S3 is not metered by SP-API usage plans, so these skip the limiter. Re-sending the same bytes to the
    same URL is harmless.
    """
    return Operation(key=key, name=name, api="s3", method=method, path="{url}", rate=10.0, burst=10)


UPLOAD_OPERATION: Final = _document_operation("documents.upload", "uploadDocument", "PUT")
DOWNLOAD_OPERATION: Final = _document_operation("documents.download", "downloadDocument", "GET")
_S3_DENIED_HINT: Final = (
    "S3 refused the presigned URL: it expires 5 minutes after it was issued (ask for a new one), "
    "and an upload's Content-Type must equal the contentType given to createFeedDocument"
)


class SpApiCore:
    """One seller + marketplace's SP-API access: requests, error mapping, rate limiting, retries.

    Args:
        credentials: LWA refresh token, client id and secret.
        seller_id: the seller (merchant) id; fills ``{sellerId}`` in listings paths.
        marketplace_id: the marketplace requests default to.
        endpoint: SP-API base URL (production region host, sandbox, proxy or simulator).
        token_url: LWA token URL.
        http: the one httpx client for SP-API, LWA and documents (the caller owns it); ``None`` makes one
            from ``transport`` and ``timeout``, owned (and closed by ``close``) by this object.
        transport: an httpx transport for every request when ``http`` is ``None``.
        timeout: httpx timeout in seconds when ``http`` is ``None``.
        limiter: token buckets, acquired before every SP-API request.
        retry: what to retry and how long.
        clock: time source.
        sleep: how waiting happens.
        orders_v0: ``"auto"`` (read Orders v0 where cheaper while Amazon serves it) or ``"never"``; the
            switch (``orders_v0``) also turns ``"never"`` on Amazon's first "gone" answer and on 2027-03-27.
    """

    def __init__(
        self,
        *,
        credentials: LwaCredentials,
        seller_id: str,
        marketplace_id: str,
        endpoint: str,
        token_url: str,
        http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        limiter: RateLimiter,
        retry: RetryPolicy,
        clock: Clock,
        sleep: Sleep,
        orders_v0: OrdersV0Mode = "auto",
    ) -> None:
        self.seller_id = seller_id
        self.orders_v0 = OrdersV0(orders_v0, clock)
        self.marketplace_id = marketplace_id
        self.endpoint = endpoint.rstrip("/")
        self._offset = ClockOffset()
        self._last_date: tuple[str, datetime] | None = None  # the last Date header seen, parsed
        self._reserved: dict[str, int] = {}  # usage-plan tokens taken ahead by reserve(), per operation
        self._reserved_lock = threading.Lock()
        self._reported_rates: dict[str, float] = {}  # x-amzn-RateLimit-Limit last seen, per operation key
        self._owns_http = http is None
        # An injected transport (the simulator's, a MockTransport) also carries python-amazon-sp-api's requests.
        self.injected_transport = transport if http is None else None
        http = http if http is not None else httpx.Client(transport=transport, timeout=timeout)
        self._http = http
        self._limiter = limiter
        self._retry = retry
        self._clock = clock
        self._sleep = sleep
        self._scope = f"{credentials.client_id}:{seller_id}"
        self._tokens = LwaTokenClient(credentials=credentials, token_url=token_url, http=http, clock=clock)
        self._credentials = credentials
        self._grantless: dict[str, LwaTokenClient] = {}  # grantless tokens by LWA scope, made on first use
        self._grantless_lock = threading.Lock()
        self._log = get_logger()

    def close(self) -> None:
        """Close the HTTP connections this object opened (a given ``http`` client stays open)."""
        if self._owns_http:
            self._http.close()

    @property
    def token_url(self) -> str:
        """The LWA token URL."""
        return self._tokens.token_url

    def access_token(self) -> str:
        """A valid LWA access token for this seller authorization (cached until shortly before it expires)."""
        return self._tokens.access_token()

    @property
    def scope(self) -> str:
        """The rate-limit scope, ``"<client_id>:<seller_id>"``."""
        return self._scope

    def _limit_scope(self, op: Operation) -> str:
        """The bucket an operation draws from: the seller's, or for a grantless one the application's alone.

        Amazon meters a grantless call by application (no seller authorised it), so every seller of the
        application shares that bucket: ``"<client_id>"``.
        """
        return self._credentials.client_id if op.scope is not None else self._scope

    def _token_client(self, op: Operation) -> LwaTokenClient:
        """The seller's token client, or for a grantless operation the client-credentials one of its scope."""
        if op.scope is None:
            return self._tokens
        with self._grantless_lock:
            found = self._grantless.get(op.scope)
            if found is None:
                found = self._grantless[op.scope] = LwaTokenClient(
                    credentials=self._credentials,
                    token_url=self._tokens.token_url,
                    http=self._http,
                    clock=self._clock,
                    scope=op.scope,
                )
            return found

    def _call(
        self,
        op_key: str,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, object] | None = None,
        body: object | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Call one SP-API operation and return its answer as it came (the JSON body untyped, in ``data``).

        For what has no typed method (the typed methods of ``SpApi`` parse their answers with ``_request``).
        """
        return self._request(op_key, _as_is, path=path, query=query, body=body, headers=headers)

    def _request(
        self,
        op_key: str,
        parse: Callable[[Response], T],
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, object] | None = None,
        body: object | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        """Call one SP-API operation (by key, e.g. ``"feeds.getFeed"``) with limiter and retries; ``parse`` its answer.

        ``parse`` runs inside each attempt: an answer it cannot read (``Malformed``, or a value Amazon's types
        refuse) is a ``ServerError`` of that attempt, which the retry policy treats like any unreadable 2xx
        (an idempotent call is asked again; a non-idempotent one ends in ``OutcomeUnknownError``).

        Args:
            op_key: a key of ``OPERATIONS``.
            parse: turns the ``Response`` into the typed value the method returns.
            path: path parameters (URL-encoded here); ``sellerId`` defaults to this seller.
            query: query parameters; sequences are comma-joined, datetimes ISO 8601 with ``Z``.
            body: JSON body (datetimes and enums converted).
            headers: extra request headers.

        Raises:
            InvalidInputError: a path parameter is missing or empty (nothing is sent).
            ApiError: or one of its subclasses, after the retry policy gave up.
        """
        op = OPERATIONS[op_key]
        path_params = {"sellerId": self.seller_id, **(path or {})}
        url = self.endpoint + format_path(op.path, path_params)
        params = encode_query(query)
        if params:
            # Encoded once here, exactly as httpx encodes ``params=`` (form style, spaces as "+"): the same
            # bytes go out, without httpx merging a query into the URL on every attempt.
            url = f"{url}?{query_string(tuple(params.items()))}"
        data = json_safe(body) if body is not None else None
        state = _AttemptState()

        def send() -> T:
            state.number += 1
            return self._attempt(op=op, url=url, data=data, extra_headers=headers, state=state, parse=parse)

        def attempt() -> T:
            try:
                return send()
            except AuthError as error:
                if state.token_refreshed or not token_rejected(error):
                    raise
            # SP-API refused the access token itself (401, or a 403 saying it expired early). Amazon did not act
            # on the request, so even a createFeed may be sent again: once, with a freshly exchanged token
            # (_attempt dropped the rejected one). A second refusal is raised as it is, an AuthError.
            state.token_refreshed = True
            self._log.info(TOKEN_REJECTED, operation=op.name, attempt=state.number)
            return send()

        return self._retry.call(
            attempt,
            op=op,
            clock=self._clock,
            sleep=self._sleep,
            throttle_wait=lambda: self._limiter.on_throttled(self._limit_scope(op), op),
            log=self._log,
            sent_at=lambda: state.sent_at or self._clock.now(),
        )

    def _attempt(
        self,
        *,
        op: Operation,
        url: str,
        data: Any,
        extra_headers: Mapping[str, str] | None,
        state: _AttemptState,
        parse: Callable[[Response], T],
    ) -> T:
        token = self._access_token(op, state.number)
        waited = 0.0 if self._use_reserved(op) else self._limiter.acquire(self._limit_scope(op), op)
        now = self._clock.now()
        headers = {
            "user-agent": USER_AGENT,
            "accept": "application/json",
            "x-amz-access-token": token,
            "x-amz-date": now.strftime("%Y%m%dT%H%M%SZ"),
            **({"content-type": "application/json"} if data is not None else {}),
            **(extra_headers or {}),
        }
        # A JSON body only on the methods that carry one; an empty body is sent as "{}".
        content: str | None = None
        if data is not None and op.method in {"POST", "PUT", "PATCH"}:
            content = json.dumps(data) if data else "{}"
        context = {"operation": op.name, "attempt": state.number, "rate_limit_wait": round(waited, 3)}
        state.sent_at = now
        try:
            raw = self._http.request(op.method, url, content=content, headers=headers)
            response = self._to_response(op, raw, state.number)
        except httpx.HTTPError as exc:
            error = network_error(op.name, exc, attempts=state.number)
            self._failed(error, context)
            raise error from exc
        except ApiError as error:
            if isinstance(error, AuthError):
                self._token_client(op).invalidate(token)
            self._failed(error, context)
            raise
        if response.rate_limit is not None:
            self._limiter.update(self._limit_scope(op), op, response.rate_limit)
            self._reported_rates[op.key] = response.rate_limit
        try:
            value = parse(response)
        except (Malformed, ValueError, ArithmeticError) as exc:
            failure = malformed_answer(op.name, response.status, raw.headers, raw.content, exc, attempts=state.number)
            self._failed(failure, context)
            raise failure from exc
        self._log.debug(
            CALL_COMPLETED,
            **context,
            status=response.status,
            request_id=response.request_id,
            rate_limit=response.rate_limit,
            seller_id=self.seller_id,
            marketplace_id=self.marketplace_id,
        )
        return value

    def _access_token(self, op: Operation, attempt: int) -> str:
        """Return the access token; a transient LWA failure becomes "not sent" for ``op`` so it is retried."""
        try:
            return self._token_client(op).access_token()
        except AuthError:
            raise
        except (ServerError, ThrottledError, NetworkError) as exc:
            error = NetworkError(
                f"could not get an LWA access token, so the request was not sent: {exc}",
                operation=op.name,
                request_id=exc.request_id,
                code=exc.code,
                attempts=attempt,
                request_sent=False,
            )
            self._failed(error, {"operation": op.name, "attempt": attempt})
            raise error from exc

    def _to_response(self, op: Operation, raw: httpx.Response, attempt: int) -> Response:
        status, body = raw.status_code, raw.content
        picked = pick_headers(raw.headers.raw)
        self._learn_offset(picked.get("Date"))
        if not 200 <= status < 300:
            raise error_for_status(op.name, status, raw.headers, body, attempts=attempt, now=self._clock.now())
        data = parse_success_body(op.name, status, picked, body, may_be_empty=op.key in _MAY_BE_EMPTY, attempts=attempt)
        return Response(
            status=status,
            headers=raw.headers,
            data=data,
            request_id=picked.get(REQUEST_ID_HEADER),
            rate_limit=parse_rate_limit(picked),
        )

    def plan_rate(self, op_key: str) -> float:
        """Calls per second ``op_key``'s usage plan allows this seller: what Amazon reported, else what it documents.

        The rate of the last ``x-amzn-RateLimit-Limit`` header this object received for the operation (Amazon
        sends it "on a best-effort basis"), else the documented rate in ``sp_cancel._operations``. Pollers use it
        as the shortest pause between two status reads; the rate limiter still paces every call.
        """
        reported = self._reported_rates.get(op_key)
        return reported if reported is not None else OPERATIONS[op_key].rate

    def reserve(self, op_key: str) -> float:
        """Wait for ``op_key``'s usage plan now; the next call of it goes out without waiting again.

        For a caller that must check something right before a slow-to-schedule call (``createFeed``
        allows one call every two minutes once its burst is spent): wait first, check, then call.
        Returns the seconds waited.
        """
        op = OPERATIONS[op_key]
        waited = self._limiter.acquire(self._limit_scope(op), op)
        with self._reserved_lock:
            self._reserved[op.key] = self._reserved.get(op.key, 0) + 1
        return waited

    def _use_reserved(self, op: Operation) -> bool:
        if not self._reserved.get(op.key):
            return False  # nothing reserved (the common case): no lock; a reservation is only ever taken under it
        with self._reserved_lock:
            if self._reserved.get(op.key, 0) <= 0:
                return False
            self._reserved[op.key] -= 1
            return True

    @property
    def clock_offset(self) -> timedelta:
        """Amazon's clock minus ours: the median of the ``Date`` headers of its recent answers (zero before any).

        ``Date`` has one-second resolution; an implausible one (more than 12 h off) is ignored, and one stray
        header among several does not move the estimate (``sp_cancel.clock.ClockOffset``). What compares our
        times with Amazon's (a lost feed's ``createdTime``, a refund's posting) goes through it, so a host
        clock off by hours moves nothing.
        """
        return self._offset.value

    def amazon_now(self) -> datetime:
        """Amazon's time now, as estimated from its ``Date`` headers (our clock until one is seen)."""
        return self._clock.now() + self._offset.value

    def _learn_offset(self, date: str | None) -> None:
        if not date:
            return
        # A Date header has one-second resolution: answers within the same second repeat it; parse it once.
        last = self._last_date
        if last is not None and last[0] == date:
            theirs = last[1]
        else:
            try:
                theirs = parsedate_to_datetime(date)
            except (TypeError, ValueError, IndexError):
                return
            self._last_date = (date, theirs)
        self._offset.learn(theirs, self._clock.now())

    def _failed(self, error: ApiError, context: Mapping[str, object]) -> None:
        # A 404 or 400 is often an answer the workflow expects (a deleted listing reads back 404):
        # info; throttling, server and network failures are warnings.
        expected = error.status is not None and 400 <= error.status < 500 and error.status != 429
        log = self._log.info if expected else self._log.warning
        log(
            CALL_FAILED,
            **context,
            status=error.status,
            request_id=error.request_id,
            code=error.code,
            error=type(error).__name__,
            **({"request_sent": error.request_sent} if isinstance(error, NetworkError) else {}),
            seller_id=self.seller_id,
            marketplace_id=self.marketplace_id,
        )

    # -- documents (S3 presigned URLs) -------------------------------------------------------------

    def upload(self, url: str, body: bytes, content_type: str) -> None:
        """PUT ``body`` to a presigned feed-document URL with exactly ``content_type``; retried.

        The ``Content-Type`` must equal the ``contentType`` given to ``createFeedDocument``,
        or S3 rejects the signature (403).

        Raises:
            AuthError: 403 from S3 (URL expired after 5 minutes, or ``Content-Type`` mismatch).
            ApiError: or a subclass, after retries.
        """
        op = UPLOAD_OPERATION

        def attempt() -> None:
            raw = self._document_request(op, "PUT", url, content=body, headers={"Content-Type": content_type})
            if not raw.headers.get("ETag"):
                # S3 confirms a stored object with its ETag. A 2xx without one (an empty answer from a proxy, a
                # store that kept nothing) is no proof: uploading again is harmless, a feed over nothing is FATAL.
                failure = ServerError(
                    "the document store answered without an ETag: the upload is not confirmed",
                    operation=op.name,
                    status=raw.status_code,
                    request_id=raw.headers.get("x-amz-request-id"),
                    body_excerpt=raw.content[:200].decode("utf-8", "replace"),
                )
                self._failed(failure, {"operation": op.name})
                raise failure
            self._log.info(DOCUMENT_UPLOADED, operation=op.name, status=raw.status_code, size=len(body))

        self._retry.call(attempt, op=op, clock=self._clock, sleep=self._sleep, log=self._log)

    def download(self, url: str, *, compression: str | None) -> bytes:
        """GET a presigned document URL and return its bytes, gunzipped only when ``compression == "GZIP"``.

        Raises:
            ServerError: the document claims GZIP but is not (retried like a bad body).
            ApiError: or a subclass, after retries.
        """
        op = DOWNLOAD_OPERATION

        def attempt() -> bytes:
            raw = self._document_request(op, "GET", url)
            content = raw.content
            if compression == "GZIP":
                content = self._gunzip(op, raw)
            self._log.info(
                DOCUMENT_DOWNLOADED,
                operation=op.name,
                status=raw.status_code,
                size=len(content),
                compression=compression,
            )
            return content

        return self._retry.call(attempt, op=op, clock=self._clock, sleep=self._sleep, log=self._log)

    def _document_request(
        self,
        op: Operation,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        try:
            raw = self._http.request(method, url, content=content, headers=headers)
        except httpx.HTTPError as exc:
            failure = network_error(op.name, exc)
            self._failed(failure, {"operation": op.name})
            raise failure from exc
        if not 200 <= raw.status_code < 300:
            error: ApiError = error_for_status(
                op.name, raw.status_code, raw.headers, raw.content, now=self._clock.now()
            )
            if isinstance(error, AuthError):
                call = error.call_details()
                call["request_id"] = error.request_id or raw.headers.get("x-amz-request-id")  # S3's own header
                error = AuthError(f"{error.message}. {_S3_DENIED_HINT}", **call)
            self._failed(error, {"operation": op.name})
            raise error
        return raw

    @staticmethod
    def _gunzip(op: Operation, raw: httpx.Response) -> bytes:
        content = raw.content
        if content.startswith(GZIP_MAGIC):
            try:
                return inflate_document(content)
            except (zlib.error, EOFError) as exc:
                raise ServerError(
                    f"the document is not valid GZIP: {exc}",
                    operation=op.name,
                    status=raw.status_code,
                ) from exc
        if raw.headers.get("content-encoding", "").lower() == "gzip":
            return content  # served with Content-Encoding: gzip; httpx already decompressed it
        raise ServerError(
            "the document was announced as GZIP but is not compressed",
            operation=op.name,
            status=raw.status_code,
        )


def _as_is(response: Response) -> Response:
    return response


class _AttemptState:
    """Mutable bookkeeping shared by the attempts of one call."""

    def __init__(self) -> None:
        self.number = 0
        self.sent_at: datetime | None = None
        self.token_refreshed = False  # the one refresh-and-resend after a rejected access token was used
