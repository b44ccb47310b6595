"""Pure request/response plumbing: query and path encoding, body checks, and the one error mapper.

Nothing here does I/O. ``error_for_status`` is the single place an HTTP
status becomes an exception (keyed on the status: Amazon's ``code`` strings are
inconsistent across APIs, sp-api-docs/retries-and-rate-limits.md); ``network_error`` does the same
for httpx's transport exceptions.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any, Final, TypeVar
from urllib.parse import quote, urlencode

import attrs
import httpx

from sp_cancel.errors import (
    ApiError,
    AuthError,
    InvalidInputError,
    NetworkError,
    NotFoundError,
    ServerError,
    ThrottledError,
)

__all__ = [
    "Response",
    "encode_query",
    "error_for_status",
    "format_path",
    "iso8601",
    "json_safe",
    "malformed_answer",
    "network_error",
    "parse_rate_limit",
    "parse_success_body",
    "pick_headers",
    "query_string",
    "token_rejected",
]

REQUEST_ID_HEADER: Final = "x-amzn-RequestId"
RATE_LIMIT_HEADER: Final = "x-amzn-RateLimit-Limit"
_EXCERPT: Final = 500
_PLACEHOLDER: Final = re.compile(r"\{(\w+)\}")
_XML_CODE: Final = re.compile(r"<Code>([^<]*)</Code>")
_XML_MESSAGE: Final = re.compile(r"<Message>([^<]*)</Message>")
# Amazon's 403 for an access token it no longer accepts: {"errors":[{"code":"Unauthorized","message":
# "The security token included in the request is expired","details":""}]} (amzn/selling-partner-api-models#2595,
# #4122); its models describe 403 as "Access Denied, Unauthorized, Expired Token, or Invalid Signature".
_EXPIRED_TOKEN: Final = re.compile(r"\btoken\b[^.]*\bexpired\b|\bexpired\b[^.]*\btoken\b", re.IGNORECASE)

# httpx exceptions raised before a single byte of the request can have reached Amazon.
_NOT_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@attrs.frozen(kw_only=True)
class Response:
    """One successful SP-API answer.

    Attributes:
        status: HTTP status (2xx).
        headers: response headers (case-insensitive mapping).
        data: the parsed JSON body; ``{}`` for an operation that legitimately answers with no body.
        request_id: Amazon's ``x-amzn-RequestId``.
        rate_limit: ``x-amzn-RateLimit-Limit`` as a float, when Amazon sent it.
    """

    status: int
    headers: Mapping[str, str]
    data: Any
    request_id: str | None = None
    rate_limit: float | None = None


# The answer headers the transport reads on every call, by their lower-case raw name -> the name used here.
_PICKED: Final = {
    b"date": "Date",
    REQUEST_ID_HEADER.lower().encode(): REQUEST_ID_HEADER,
    RATE_LIMIT_HEADER.lower().encode(): RATE_LIMIT_HEADER,
    b"content-type": "content-type",
}


def pick_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """``Date``, ``x-amzn-RequestId``, ``x-amzn-RateLimit-Limit`` and ``content-type`` of an answer, in one pass.

    ``raw`` is httpx's ``Headers.raw``; the first of each wins, as ``Headers.get`` would give it (each
    ``Headers.get`` walks every header again).
    """
    out: dict[str, str] = {}
    for name, value in raw:
        key = _PICKED.get(name.lower())
        if key is not None and key not in out:
            out[key] = value.decode("latin-1")
    return out


@functools.lru_cache(maxsize=1024)
def query_string(params: tuple[tuple[str, str], ...]) -> str:
    """``params`` (``encode_query``'s items) as the URL's query, byte for byte as httpx encodes ``params=``.

    Form style (``urllib.parse.urlencode``: spaces as ``+``, everything else but unreserved characters
    percent-encoded). Cached: a client sends the same few queries again and again (``includedData``,
    ``marketplaceIds``), and encoding one costs more than the lookup.
    """
    return urlencode(params)


def iso8601(value: datetime | date) -> str:
    """Format ``value`` as ISO 8601 UTC with a ``Z`` (naive datetimes are refused)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInputError(f"naive datetime {value!r}: pass a timezone-aware datetime", field="datetime")
        text = value.astimezone(UTC).isoformat(timespec="milliseconds" if value.microsecond else "seconds")
        return text.replace("+00:00", "Z")
    return value.isoformat()


def _scalar(value: object) -> str:
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return iso8601(value)
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def encode_query(query: Mapping[str, object] | None) -> dict[str, str]:
    """Turn Python values into SP-API query strings.

    ``None`` is dropped; sequences become comma-joined lists (Amazon's
    ``collectionFormat: csv``; an empty sequence is dropped); datetimes become
    ISO 8601 with ``Z``; booleans ``true``/``false``.
    """
    out: dict[str, str] = {}
    for name, value in (query or {}).items():
        if value is None:
            continue
        if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
            items = [_scalar(v) for v in value]
            if items:
                out[name] = ",".join(items)
            continue
        out[name] = _scalar(value)
    return out


def format_path(template: str, params: Mapping[str, str]) -> str:
    """Fill ``{placeholders}`` with percent-encoded values, each staying exactly one path segment.

    Everything but unreserved characters is encoded (a SKU may hold ``/``, ``?``, ``#``, spaces, non-ASCII).
    A value made only of dots (``.``, ``..``) is encoded too (``%2E``): left bare it is a dot-segment that
    httpx, like any URL normaliser, removes, so a PATCH of listing ``..`` would become a PATCH of the path above.

    Raises:
        InvalidInputError: a placeholder is missing, empty or not a string (an empty id would address another
            resource).
    """
    parts = _template_parts(template)
    out = [parts[0]]
    for n in range(1, len(parts), 2):
        name = parts[n]
        value = params.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidInputError(f"{name} must be a non-empty string, not {value!r}", field=name)
        out.append("%2E" * len(value) if set(value) == {"."} else quote(value, safe=""))
        out.append(parts[n + 1])
    return "".join(out)


@functools.lru_cache(maxsize=256)
def _template_parts(template: str) -> list[str]:
    """A path template split into literal text and placeholder names, alternating (``re.split`` keeps groups)."""
    return _PLACEHOLDER.split(template)


def json_safe(value: object) -> Any:
    """Make a request body JSON-serialisable: datetimes as ISO 8601 Z, enums by value, tuples as lists."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime | date):
        return iso8601(value)
    if isinstance(value, Enum):
        return value.value
    return value


def parse_rate_limit(headers: Mapping[str, str]) -> float | None:
    """Return ``x-amzn-RateLimit-Limit`` as a positive finite float, or ``None``."""
    raw = headers.get(RATE_LIMIT_HEADER)
    if raw is None:
        return None
    try:
        rate = float(raw)
    except ValueError:
        return None
    return rate if math.isfinite(rate) and rate > 0 else None


def parse_retry_after(headers: Mapping[str, str], now: datetime | None) -> float | None:
    """Return the ``Retry-After`` delay in seconds (number or HTTP date), or ``None``."""
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        if now is None or when.tzinfo is None:
            return None
        seconds = (when - now).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _excerpt(body: bytes) -> str:
    return body[: _EXCERPT * 4].decode("utf-8", errors="replace")[:_EXCERPT]


def _describe_body(body: bytes, content_type: str | None) -> str:
    if not body.strip():
        return "empty body"
    kind = (content_type or "unknown content type").split(";")[0].strip()
    return f"non-JSON body ({kind})"


def _error_fields(body: bytes, content_type: str | None) -> tuple[str | None, str]:
    """Return ``(code, message)`` from an SP-API ``ErrorList``, a bare ``{"message"}``, LWA or S3 XML."""
    try:
        data = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", errors="replace")
        code = _XML_CODE.search(text)
        if code:  # S3 (presigned document URLs) answers errors in XML
            message = _XML_MESSAGE.search(text)
            return code.group(1), message.group(1) if message else code.group(1)
        return None, _describe_body(body, content_type)
    if isinstance(data, Mapping):
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            first = errors[0]
            code, message, details = first.get("code"), first.get("message"), first.get("details")
            text = str(message) if message else "no message"
            if details:
                text = f"{text} ({details})"
            return (str(code) if code is not None else None), text
        if "error" in data:  # LWA: {"error": "invalid_grant", "error_description": "..."}
            return str(data["error"]), str(data.get("error_description") or data["error"])
        if data.get("message"):  # API gateway: {"message": "Forbidden"}
            return None, str(data["message"])
    return None, "JSON body without an error list"


def error_for_status(
    operation: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    attempts: int = 1,
    now: datetime | None = None,
) -> ApiError:
    """Return the typed error for a non-2xx answer; works for any body (JSON, HTML, XML, empty).

    429 -> ``ThrottledError``; 401/403 -> ``AuthError``; 404 -> ``NotFoundError``;
    5xx -> ``ServerError``; any other status -> ``ApiError``.
    """
    code, message = _error_fields(body, headers.get("content-type"))
    cls: type[ApiError]
    if status == 429:
        cls = ThrottledError
    elif status in {401, 403}:
        cls = AuthError
    elif status == 404:
        cls = NotFoundError
    elif status >= 500:
        cls = ServerError
    else:
        cls = ApiError
    return _answered(
        cls, message, operation, status, headers, body=body, attempts=attempts, code=code,
        retry_after=parse_retry_after(headers, now),
    )  # fmt: skip


def token_rejected(error: ApiError) -> bool:
    """Whether SP-API refused the access token itself, so a fresh token may succeed where this one failed.

    True for a 401 (the models: a missing or malformed token) and for a 403 whose error says the token
    expired (Amazon can expire an access token before the hour LWA announced). A 403 for anything else
    (a missing role, another seller's resource) is not about the token: a new one would fail the same way.
    Either way Amazon rejected the request before acting on it.
    """
    if error.status == 401:
        return True
    if error.status != 403:
        return False
    return bool(_EXPIRED_TOKEN.search(f"{error.code or ''} {error.message} {error.body_excerpt}"))


def parse_success_body(
    operation: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    may_be_empty: bool,
    attempts: int = 1,
) -> Any:
    """Parse a 2xx body as a JSON object; never a silent empty success.

    Returns ``{}`` for an empty body only when ``may_be_empty`` (an operation that
    legitimately answers with nothing, like ``cancelFeed``).

    Raises:
        ServerError: empty (where a body is due), non-JSON or non-object body; status kept.
        ApiError: a 2xx whose body carries a non-empty ``errors`` list.
    """
    if not body.strip():
        if may_be_empty:
            return {}
        message = f"HTTP {status} with an empty body where {operation} returns JSON"
        raise _unreadable(message, operation, status, headers, b"", attempts=attempts)
    try:
        data = json.loads(body)
    except ValueError:
        message = (
            f"HTTP {status} with a {_describe_body(body, headers.get('content-type'))} where {operation} returns JSON"
        )
        raise _unreadable(message, operation, status, headers, body, attempts=attempts) from None
    if not isinstance(data, dict):
        message = f"HTTP {status} with a JSON {type(data).__name__} where {operation} returns an object"
        raise _unreadable(message, operation, status, headers, body, attempts=attempts)
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        code, message = _error_fields(body, "application/json")
        raise _answered(ApiError, message, operation, status, headers, body=body, attempts=attempts, code=code)
    return data


def malformed_answer(
    operation: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    problem: Exception,
    *,
    attempts: int = 1,
) -> ServerError:
    """The ``ServerError`` for a 2xx answer that does not fit Amazon's model (``problem`` says where).

    A required field missing, a field of the wrong type, an unknown value of a closed set: the answer cannot
    be read, like an empty or non-JSON one (``parse_success_body``), and is retried the same way.
    """
    message = f"the answer does not fit Amazon's model of {operation}: {problem}"
    return _unreadable(message, operation, status, headers, body, attempts=attempts)


def _unreadable(
    message: str, operation: str, status: int, headers: Mapping[str, str], body: bytes, *, attempts: int
) -> ServerError:
    """The ``ServerError`` for a 2xx answer that cannot be read (retried like a 5xx), ``body`` as its excerpt."""
    return _answered(ServerError, message, operation, status, headers, body=body, attempts=attempts)


_E = TypeVar("_E", bound=ApiError)


def _answered(
    cls: type[_E],
    message: str,
    operation: str,
    status: int,
    headers: Mapping[str, str],
    *,
    body: bytes,
    attempts: int,
    code: str | None = None,
    retry_after: float | None = None,
) -> _E:
    """An error about an HTTP answer: its request id (``x-amzn-RequestId``) and an excerpt of its body kept."""
    return cls(
        message,
        operation=operation,
        status=status,
        request_id=headers.get(REQUEST_ID_HEADER),
        code=code,
        body_excerpt=_excerpt(body),
        attempts=attempts,
        retry_after=retry_after,
    )


def network_error(operation: str, exc: httpx.HTTPError, *, attempts: int = 1) -> NetworkError:
    """Map an httpx exception to ``NetworkError``, telling whether the request may have been sent.

    Connect errors, connect and pool timeouts never sent anything (``request_sent=False``);
    read/write timeouts, dropped connections and anything else may have (``request_sent=True``).
    """
    sent = not isinstance(exc, _NOT_SENT)
    kind = type(exc).__name__
    detail = str(exc) or kind
    where = "the request may have reached Amazon" if sent else "the request was not sent"
    return NetworkError(
        f"{kind}: {detail} ({where})",
        operation=operation,
        attempts=attempts,
        request_sent=sent,
    )
