"""The wire helpers of the transport: query and path encoding, bodies, headers and the errors they map to."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta, timezone

import httpx
import pytest

from sp_cancel.errors import (
    ApiError,
    AuthError,
    InvalidInputError,
    NetworkError,
    NotFoundError,
    ServerError,
    ThrottledError,
)
from sp_cancel.transport._wire import (
    encode_query,
    error_for_status,
    format_path,
    iso8601,
    json_safe,
    malformed_answer,
    network_error,
    parse_rate_limit,
    parse_retry_after,
    parse_success_body,
    pick_headers,
    query_string,
    token_rejected,
)

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


class Colour(enum.Enum):
    """An enum sent by value."""

    RED = "Red"


def test_iso8601_is_utc_with_z_and_refuses_naive_datetimes() -> None:
    """Any zone becomes UTC with Z; milliseconds only when there are some; dates stay dates."""
    plus_two = timezone(timedelta(hours=2))
    assert iso8601(datetime(2026, 1, 1, 2, 0, tzinfo=plus_two)) == "2026-01-01T00:00:00Z"
    assert iso8601(datetime(2026, 1, 1, 0, 0, 0, 250_000, tzinfo=UTC)) == "2026-01-01T00:00:00.250Z"
    assert iso8601(date(2026, 1, 1)) == "2026-01-01"
    with pytest.raises(InvalidInputError, match="naive"):
        iso8601(datetime(2026, 1, 1))  # noqa: DTZ001 - the naive value is the point


def test_encode_query_drops_none_and_empty_lists_and_formats_values() -> None:
    """Lists comma-joined (csv), booleans lower-case, datetimes ISO Z, enums by value; None and [] left out."""
    encoded = encode_query(
        {
            "marketplaceIds": ["A", "B"],
            "empty": [],
            "missing": None,
            "flag": True,
            "off": False,
            "since": datetime(2026, 1, 1, tzinfo=UTC),
            "colour": Colour.RED,
            "size": 100,
            "text": "a b",
        }
    )
    assert encoded == {
        "marketplaceIds": "A,B",
        "flag": "true",
        "off": "false",
        "since": "2026-01-01T00:00:00Z",
        "colour": "Red",
        "size": "100",
        "text": "a b",
    }
    assert encode_query(None) == {}


def test_query_string_encodes_as_httpx_does() -> None:
    """The cached query string is byte for byte what httpx sends for the same params."""
    params = (("feedTypes", "A,B"), ("createdSince", "2026-01-01T00:00:00Z"), ("q", "a b/ü"))
    assert query_string(params) == httpx.Request("GET", "https://x.example/", params=params).url.query.decode()


def test_format_path_keeps_each_value_one_segment() -> None:
    """Slashes, spaces, ? and # are encoded; a dot-only value is encoded so no normaliser removes it."""
    template = "/listings/2021-08-01/items/{sellerId}/{sku}"
    assert format_path(template, {"sellerId": "S1", "sku": "a/b c?#ü"}) == (
        "/listings/2021-08-01/items/S1/a%2Fb%20c%3F%23%C3%BC"
    )
    assert format_path(template, {"sellerId": "S1", "sku": ".."}) == "/listings/2021-08-01/items/S1/%2E%2E"
    assert format_path(template, {"sellerId": "S1", "sku": "a.b"}) == "/listings/2021-08-01/items/S1/a.b"


@pytest.mark.parametrize("value", [None, "", "   ", 5])
def test_format_path_refuses_a_missing_or_empty_value(value: object) -> None:
    """An empty id would address another resource: refused before any request, naming the placeholder."""
    with pytest.raises(InvalidInputError) as caught:
        format_path("/orders/v0/orders/{orderId}", {"orderId": value})  # type: ignore[dict-item]  # on purpose
    assert caught.value.field == "orderId"


def test_json_safe_drops_none_and_converts_nested_values() -> None:
    """Nested mappings lose None values; tuples become lists; datetimes and enums become strings."""
    body = {"a": None, "b": (1, {"c": datetime(2026, 1, 1, tzinfo=UTC), "d": None}), "e": Colour.RED}
    assert json_safe(body) == {"b": [1, {"c": "2026-01-01T00:00:00Z"}], "e": "Red"}


def test_pick_headers_takes_the_first_of_each_case_insensitively() -> None:
    """Only the four headers the transport reads, canonical names, the first occurrence winning."""
    raw = [
        (b"X-Amzn-RequestId", b"r1"),
        (b"x-amzn-requestid", b"r2"),
        (b"X-AMZN-RATELIMIT-LIMIT", b"0.5"),
        (b"DATE", b"Sat, 05 Dec 2026 12:00:00 GMT"),
        (b"Content-Type", b"application/json"),
        (b"Set-Cookie", b"secret"),
    ]
    assert pick_headers(raw) == {
        "x-amzn-RequestId": "r1",
        "x-amzn-RateLimit-Limit": "0.5",
        "Date": "Sat, 05 Dec 2026 12:00:00 GMT",
        "content-type": "application/json",
    }


@pytest.mark.parametrize(
    ("raw", "rate"), [("2.0", 2.0), ("0.0167", 0.0167), (None, None), ("x", None), ("0", None), ("inf", None)]
)
def test_parse_rate_limit(raw: str | None, rate: float | None) -> None:
    """A positive finite rate, or nothing."""
    assert parse_rate_limit({} if raw is None else {"x-amzn-RateLimit-Limit": raw}) == rate


@pytest.mark.parametrize(
    ("raw", "now", "seconds"),
    [
        ("7", None, 7.0),
        ("-3", None, 0.0),
        ("nan", None, None),
        ("Sat, 05 Dec 2026 12:00:30 GMT", NOW, 30.0),
        ("Sat, 05 Dec 2026 11:59:00 GMT", NOW, 0.0),
        ("Sat, 05 Dec 2026 12:00:30 GMT", None, None),
        ("soon", NOW, None),
    ],
)
def test_parse_retry_after(raw: str, now: datetime | None, seconds: float | None) -> None:
    """Seconds or an HTTP date (needs our time); never negative; nonsense is no value."""
    assert parse_retry_after({"retry-after": raw}, now) == seconds


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (429, ThrottledError),
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (503, ServerError),
        (400, ApiError),
    ],
)
def test_error_for_status_maps_each_status_to_its_error(status: int, cls: type[ApiError]) -> None:
    """The typed error, with Amazon's first error code and message, the request id and the operation."""
    body = b'{"errors": [{"code": "InvalidInput", "message": "bad id", "details": "orderId"}]}'
    headers = httpx.Headers({"x-amzn-RequestId": "rid", "content-type": "application/json"})
    error = error_for_status("getOrder", status, headers, body)
    assert type(error) is cls
    assert (error.operation, error.status, error.request_id, error.code) == ("getOrder", status, "rid", "InvalidInput")
    assert error.message == "bad id (orderId)"


@pytest.mark.parametrize(
    ("body", "content_type", "code", "message"),
    [
        (b"", None, None, "empty body"),
        (b"<html>Bad Gateway</html>", "text/html; charset=utf-8", None, "non-JSON body (text/html)"),
        (
            b"<Error><Code>AccessDenied</Code><Message>Expired</Message></Error>",
            "application/xml",
            "AccessDenied",
            "Expired",
        ),
        (b'{"error": "invalid_grant", "error_description": "revoked"}', "application/json", "invalid_grant", "revoked"),
        (b'{"message": "Forbidden"}', "application/json", None, "Forbidden"),
        (b"{}", "application/json", None, "JSON body without an error list"),
    ],
    ids=["empty", "html", "s3-xml", "lwa", "gateway", "no-errors"],
)
def test_error_bodies_of_every_shape_are_described(
    body: bytes, content_type: str | None, code: str | None, message: str
) -> None:
    """JSON, HTML, S3's XML, LWA's and the gateway's shapes all give a code (when any) and a message."""
    headers = httpx.Headers({"content-type": content_type} if content_type else {})
    error = error_for_status("op", 500, headers, body)
    assert (error.code, error.message) == (code, message)


def test_error_for_status_carries_retry_after() -> None:
    """A Retry-After header reaches the error (seconds)."""
    error = error_for_status("op", 503, httpx.Headers({"retry-after": "12"}), b"", now=NOW)
    assert error.retry_after == 12.0


@pytest.mark.parametrize(
    ("status", "code", "message", "rejected"),
    [
        (401, None, "Unauthorized", True),
        (403, "Unauthorized", "The access token you provided has expired.", True),
        (403, "Unauthorized", "Access to requested resource is denied.", False),
        (400, None, "token expired", False),
    ],
)
def test_token_rejected(status: int, code: str | None, message: str, rejected: bool) -> None:
    """A 401, or a 403 that says the token expired: a new token may help; another 403 is not about the token."""
    assert token_rejected(ApiError(message, operation="op", status=status, code=code)) is rejected


def test_parse_success_body() -> None:
    """A JSON object is returned; an empty body only where allowed; anything else is a ServerError or ApiError."""
    assert parse_success_body("getOrder", 200, {}, b'{"a": 1}', may_be_empty=False) == {"a": 1}
    assert parse_success_body("cancelFeed", 200, {}, b"  ", may_be_empty=True) == {}
    with pytest.raises(ServerError, match="empty body"):
        parse_success_body("getOrder", 200, {}, b"", may_be_empty=False)
    with pytest.raises(ServerError, match="non-JSON body"):
        parse_success_body("getOrder", 200, {"content-type": "text/html"}, b"<html/>", may_be_empty=False)
    with pytest.raises(ServerError, match="JSON list"):
        parse_success_body("getOrder", 200, {}, b"[]", may_be_empty=False)
    with pytest.raises(ApiError, match="bad") as caught:
        parse_success_body("getOrder", 200, {}, b'{"errors": [{"code": "X", "message": "bad"}]}', may_be_empty=False)
    assert type(caught.value) is ApiError
    assert caught.value.code == "X"


def test_malformed_answer_names_the_operation_and_the_problem() -> None:
    """An answer that does not fit the model is a ServerError that says where."""
    error = malformed_answer("getFeed", 200, {"x-amzn-RequestId": "rid"}, b"{}", ValueError("feedId is missing"))
    assert isinstance(error, ServerError)
    assert (error.status, error.request_id) == (200, "rid")
    assert "getFeed" in str(error)
    assert "feedId is missing" in str(error)


@pytest.mark.parametrize(
    ("exc", "sent"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("slow"), False),
        (httpx.PoolTimeout("full"), False),
        (httpx.ReadTimeout("slow"), True),
        (httpx.RemoteProtocolError("dropped"), True),
    ],
)
def test_network_error_says_whether_the_request_may_have_been_sent(exc: httpx.HTTPError, sent: bool) -> None:
    """Connect failures sent nothing; a read timeout or a dropped connection may have reached Amazon."""
    error = network_error("createFeed", exc, attempts=2)
    assert isinstance(error, NetworkError)
    assert (error.request_sent, error.attempts) == (sent, 2)
    assert ("may have reached Amazon" in str(error)) is sent
