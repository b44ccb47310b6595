"""Tests for sp_cancel.transport: request shapes, error mapping, retries, documents."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from sp_answers import MINIMAL, answer

from sp_cancel import Credentials
from sp_cancel.clock import FakeClock
from sp_cancel.errors import (
    ApiError,
    AuthError,
    InvalidInputError,
    NetworkError,
    NotFoundError,
    OutcomeUnknownError,
    ServerError,
    ThrottledError,
)
from sp_cancel.retry import RetryPolicy
from sp_cancel.transport import OPERATIONS, Operation, SpApi, resolve_marketplace
from sp_cancel.transport._endpoints import production_endpoint

ACCESS_TOKEN = "Atza|IwEBIaccess-token-SECRET-456"
CREDS = Credentials(
    refresh_token="Atzr|IwEBIrefresh-token-SECRET-123",
    client_id="amzn1.application-oa2-client.test",
    client_secret="amzn1.oa2-cs.v1.clientsecretSECRET789",
)
ENDPOINT = "https://sp.example.test"
TOKEN_URL = "https://lwa.example.test/auth/o2/token"
SELLER = "A1SELLER"
US = "ATVPDKIKX0DER"

Handler = Callable[[httpx.Request], httpx.Response]


class FakeLimiter:
    """Records what the transport asks of the limiter."""

    def __init__(self) -> None:
        self.acquired: list[tuple[str, str]] = []
        self.updates: list[tuple[str, str, float]] = []
        self.throttled: list[tuple[str, str]] = []

    def acquire(self, scope: str, op: Operation) -> float:
        """Record the acquisition; pretend a quarter second was waited."""
        self.acquired.append((scope, op.key))
        return 0.25

    def update(self, scope: str, op: Operation, rate: float) -> None:
        """Record the rate Amazon reported."""
        self.updates.append((scope, op.key, rate))

    def on_throttled(self, scope: str, op: Operation) -> float:
        """Record the 429; the next token comes in two seconds."""
        self.throttled.append((scope, op.key))
        return 2.0


class Amazon:
    """A MockTransport handler: LWA at TOKEN_URL, everything else by ``api`` (default: a minimal valid answer)."""

    def __init__(self, api: Handler | None = None) -> None:
        self.api = api or answer
        self.requests: list[httpx.Request] = []
        self.lwa_calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """Answer one request."""
        request.read()
        if str(request.url) == TOKEN_URL:
            self.lwa_calls += 1
            return json_response({"access_token": ACCESS_TOKEN, "token_type": "bearer", "expires_in": 3600})
        self.requests.append(request)
        return self.api(request)

    @property
    def last(self) -> httpx.Request:
        """The last SP-API or document request."""
        return self.requests[-1]


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    """A JSON answer with a request id."""
    return httpx.Response(status, json=data, headers={"x-amzn-RequestId": "req-1", **(headers or {})})


def make_api(
    amazon: Amazon,
    *,
    retry: RetryPolicy | None = None,
    limiter: FakeLimiter | None = None,
    clock: FakeClock | None = None,
) -> SpApi:
    """An SpApi on a mock transport, a fake clock and (by default) a single-attempt retry policy."""
    clock = clock or FakeClock()
    return SpApi(
        credentials=CREDS,
        seller_id=SELLER,
        marketplace_id=US,
        endpoint=ENDPOINT,
        token_url=TOKEN_URL,
        http=httpx.Client(transport=httpx.MockTransport(amazon)),
        limiter=limiter or FakeLimiter(),
        retry=retry or RetryPolicy(max_attempts=1),
        clock=clock,
        sleep=clock.sleep,
    )


def query(request: httpx.Request) -> dict[str, str]:
    """The request's query parameters, one value each."""
    return {k: v[0] for k, v in parse_qs(request.url.query.decode(), keep_blank_values=True).items()}


# -- request shapes ------------------------------------------------------------------------------


def test_search_orders_query_encoding() -> None:
    """Arrays are comma-joined, datetimes ISO 8601 with Z, the marketplace defaults to the client's."""
    amazon = Amazon()
    make_api(amazon).search_orders(
        last_updated_after=datetime(2026, 11, 1, 8, 30, tzinfo=UTC),
        fulfilled_by="MERCHANT",
        fulfillment_statuses=["UNSHIPPED", "CANCELLED"],
        included_data=["CANCELLATION", "FULFILLMENT"],
        max_results_per_page=100,
    )
    request = amazon.last
    assert request.method == "GET"
    assert request.url.path == "/orders/2026-01-01/orders"
    assert query(request) == {
        "lastUpdatedAfter": "2026-11-01T08:30:00Z",
        "fulfilledBy": "MERCHANT",
        "fulfillmentStatuses": "UNSHIPPED,CANCELLED",
        "includedData": "CANCELLATION,FULFILLMENT",
        "marketplaceIds": US,
        "maxResultsPerPage": "100",
    }


def test_request_headers_carry_the_access_token() -> None:
    """The LWA token travels in x-amz-access-token, with x-amz-date from the injected clock."""
    amazon = Amazon()
    make_api(amazon, clock=FakeClock(datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC))).get_order("112-1234567-1234567")
    headers = amazon.last.headers
    assert headers["x-amz-access-token"] == ACCESS_TOKEN
    assert headers["x-amz-date"] == "20260504T030201Z"
    assert headers["user-agent"].startswith("sp-cancel/")
    assert "authorization" not in headers


def test_datetime_with_offset_is_converted_to_utc() -> None:
    """An aware non-UTC datetime is sent as its UTC instant; milliseconds are kept."""
    from datetime import timedelta, timezone  # noqa: PLC0415 - local to this test

    amazon = Amazon()
    when = datetime(2026, 1, 1, 9, 0, 0, 123000, tzinfo=timezone(timedelta(hours=9)))
    make_api(amazon).get_orders_v0(created_after=when)
    assert query(amazon.last)["CreatedAfter"] == "2026-01-01T00:00:00.123Z"


def test_naive_datetime_is_refused_before_sending() -> None:
    """A naive datetime raises InvalidInputError and nothing is sent."""
    amazon = Amazon()
    with pytest.raises(InvalidInputError):
        make_api(amazon).search_orders(created_after=datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test
    assert amazon.requests == []


QUERY_VALUES = ["a b", "x+y", "S1,S 2", "é✓", "a/b?c#d&e=f", "~*'()!$;@[]", "2026-01-01T00:00:00.123Z", ""]


@pytest.mark.parametrize("value", QUERY_VALUES)
def test_the_query_goes_out_byte_for_byte_as_httpx_encodes_params(value: str) -> None:
    """The transport encodes the query itself: the bytes are those httpx sends for ``params=`` (cassettes match)."""
    amazon = Amazon(lambda _: json_response({"numberOfResults": 0, "items": []}))
    make_api(amazon).search_listings_items(identifiers=[value, "X"], identifiers_type="SKU", issue_locale="en_US")
    expected = httpx.Client().build_request(
        "GET",
        f"{ENDPOINT}/listings/2021-08-01/items/{SELLER}",
        params={"marketplaceIds": US, "issueLocale": "en_US", "identifiers": f"{value},X", "identifiersType": "SKU"},
    )
    assert amazon.last.url.raw_path == expected.url.raw_path


def test_answer_headers_are_read_whatever_their_case() -> None:
    """Request id, rate limit and Date are read from an answer however they are spelt; the first of each wins."""
    headers = [
        ("X-AMZN-REQUESTID", "rid-upper"),
        ("x-amzn-requestid", "rid-second"),
        ("X-Amzn-RateLimit-Limit", "2.5"),
        ("DATE", "Thu, 26 Nov 2026 12:00:30 GMT"),
    ]
    amazon = Amazon(lambda _: httpx.Response(200, json=MINIMAL["feeds.getFeed"], headers=headers))
    clock = FakeClock(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    api = make_api(amazon, clock=clock)
    response = api._call("feeds.getFeed", path={"feedId": "F1"})
    assert (response.request_id, response.rate_limit) == ("rid-upper", 2.5)
    assert api.clock_offset.total_seconds() == 30


def test_sku_is_url_encoded_in_the_path() -> None:
    """A SKU with '/', spaces and '#' is percent-encoded; sellerId comes from the client."""
    amazon = Amazon(lambda _: json_response({"sku": "x"}))
    make_api(amazon).get_listings_item("AB/C D#1", included_data=["summaries", "issues"], issue_locale="en_US")
    request = amazon.last
    assert request.url.raw_path.split(b"?")[0] == b"/listings/2021-08-01/items/A1SELLER/AB%2FC%20D%231"
    assert query(request) == {"marketplaceIds": US, "includedData": "summaries,issues", "issueLocale": "en_US"}


def test_empty_path_parameter_is_refused_before_sending() -> None:
    """An empty id would address another resource: InvalidInputError, no request."""
    amazon = Amazon()
    with pytest.raises(InvalidInputError, match="orderId"):
        make_api(amazon).get_order("  ")
    assert amazon.requests == []


def test_orders_v0_parameter_names() -> None:
    """Orders v0 spells its parameters in PascalCase (MarketplaceIds, CreatedAfter...)."""
    amazon = Amazon()
    make_api(amazon).get_orders_v0(
        created_after=datetime(2026, 1, 1, tzinfo=UTC),
        order_statuses=["Unshipped", "PartiallyShipped"],
        fulfillment_channels=["MFN"],
        next_token="tok",
    )
    assert query(amazon.last) == {
        "MarketplaceIds": US,
        "CreatedAfter": "2026-01-01T00:00:00Z",
        "OrderStatuses": "Unshipped,PartiallyShipped",
        "FulfillmentChannels": "MFN",
        "NextToken": "tok",
    }


def test_finances_parameter_names() -> None:
    """Finances v0 uses MaxResultsPerPage and NextToken."""
    amazon = Amazon()
    make_api(amazon).list_financial_events_by_order_id("112-1234567-1234567", max_results_per_page=10)
    assert amazon.last.url.path == "/finances/v0/orders/112-1234567-1234567/financialEvents"
    assert query(amazon.last) == {"MaxResultsPerPage": "10"}


def test_patch_listings_item_body_and_query() -> None:
    """The listings patch sends productType + patches as JSON and mode/includedData in the query."""
    amazon = Amazon(lambda _: json_response({"sku": "S1", "status": "ACCEPTED", "submissionId": "x", "issues": []}))
    patch = {"op": "merge", "path": "/attributes/fulfillment_availability", "value": [{"quantity": 0}]}
    make_api(amazon).patch_listings_item("S1", product_type="PRODUCT", patches=[patch], mode="VALIDATION_PREVIEW")
    request = amazon.last
    assert request.method == "PATCH"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"productType": "PRODUCT", "patches": [patch]}
    assert query(request) == {"marketplaceIds": US, "mode": "VALIDATION_PREVIEW"}


def test_search_listings_items_query_names() -> None:
    """The listings search sends the model's names: identifiers (comma-joined), identifiersType, pageSize..."""
    amazon = Amazon(lambda _: json_response({"numberOfResults": 0, "items": []}))
    make_api(amazon).search_listings_items(
        identifiers=["S1", "S 2"],
        identifiers_type="SKU",
        included_data=["summaries", "fulfillmentAvailability"],
        with_status=["BUYABLE"],
        page_size=20,
        page_token="tok",
    )
    request = amazon.last
    assert request.method == "GET"
    assert request.url.path == f"/listings/2021-08-01/items/{SELLER}"
    assert query(request) == {
        "marketplaceIds": US,
        "includedData": "summaries,fulfillmentAvailability",
        "identifiers": "S1,S 2",
        "identifiersType": "SKU",
        "withStatus": "BUYABLE",
        "pageSize": "20",
        "pageToken": "tok",
    }


def test_create_report_body_converts_datetimes() -> None:
    """JSON bodies get ISO 8601 Z datetimes and drop unset fields."""
    amazon = Amazon(lambda _: json_response({"reportId": "R1"}, status=202))
    report_id = make_api(amazon).create_report(
        report_type="GET_V2_SELLER_PERFORMANCE_REPORT", data_start_time=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert report_id == "R1"
    assert json.loads(amazon.last.content) == {
        "reportType": "GET_V2_SELLER_PERFORMANCE_REPORT",
        "marketplaceIds": [US],
        "dataStartTime": "2026-01-01T00:00:00Z",
    }


def test_fba_2026_sends_the_fulfillment_service_header() -> None:
    """The optional x-amzn-fulfillment-service-id header reaches the request."""
    amazon = Amazon(lambda _: httpx.Response(202, content=b""))
    assert make_api(amazon).cancel_fulfillment_order_2026("MCF-1", fulfillment_service_id="svc") is None
    assert amazon.last.headers["x-amzn-fulfillment-service-id"] == "svc"


TYPED_CALLS: dict[str, Callable[[SpApi], object]] = {
    "orders.searchOrders": lambda a: a.search_orders(created_after=datetime(2026, 1, 1, tzinfo=UTC)),
    "orders.getOrder": lambda a: a.get_order("112-1234567-1234567", included_data=["FULFILLMENT"]),
    "orders.cancelOrder": lambda a: a.cancel_order("112-1234567-1234567", cancel_reason_code="NO_INVENTORY"),
    "ordersV0.getOrders": lambda a: a.get_orders_v0(created_after=datetime(2026, 1, 1, tzinfo=UTC)),
    "ordersV0.getOrder": lambda a: a.get_order_v0("112-1234567-1234567"),
    "ordersV0.getOrderItems": lambda a: a.get_order_items_v0("112-1234567-1234567"),
    "feeds.createFeedDocument": lambda a: a.create_feed_document(content_type="text/xml; charset=UTF-8"),
    "feeds.createFeed": lambda a: a.create_feed(
        feed_type="POST_ORDER_ACKNOWLEDGEMENT_DATA", input_feed_document_id="d"
    ),
    "feeds.getFeed": lambda a: a.get_feed("F1"),
    "feeds.getFeeds": lambda a: a.get_feeds(feed_types=["POST_ORDER_ACKNOWLEDGEMENT_DATA"]),
    "feeds.cancelFeed": lambda a: a.cancel_feed("F1"),
    "feeds.getFeedDocument": lambda a: a.get_feed_document("D1"),
    "reports.createReport": lambda a: a.create_report(report_type="GET_V2_SELLER_PERFORMANCE_REPORT"),
    "reports.getReport": lambda a: a.get_report("R1"),
    "reports.getReportDocument": lambda a: a.get_report_document("RD1"),
    "listings.getListingsItem": lambda a: a.get_listings_item("SKU-1"),
    "listings.searchListingsItems": lambda a: a.search_listings_items(identifiers=["SKU-1"], identifiers_type="SKU"),
    "listings.patchListingsItem": lambda a: a.patch_listings_item(
        "SKU-1", product_type="PRODUCT", patches=[{"op": "delete", "path": "/attributes/x"}]
    ),
    "listings.deleteListingsItem": lambda a: a.delete_listings_item("SKU-1"),
    "fbaOutbound.getFulfillmentOrder": lambda a: a.get_fulfillment_order("MCF-1"),
    "fbaOutbound.cancelFulfillmentOrder": lambda a: a.cancel_fulfillment_order("MCF-1"),
    "fbaOutbound2026.getOrder": lambda a: a.get_fulfillment_order_2026("MCF-1", shipments="INCLUDE"),
    "fbaOutbound2026.cancelOrder": lambda a: a.cancel_fulfillment_order_2026("MCF-1"),
    "promotions.searchPromotions": lambda a: a.search_promotions(promotion_types=["DEAL"]),
    "promotions.getPromotion": lambda a: a.get_promotion("P1"),
    "finances.listFinancialEventsByOrderId": lambda a: a.list_financial_events_by_order_id("112-1234567-1234567"),
    "messaging.getMessagingActionsForOrder": lambda a: a.get_messaging_actions_for_order("112-1234567-1234567"),
    "messaging.createUnexpectedProblem": lambda a: a.create_unexpected_problem("112-1234567-1234567", text="Sorry."),
    "notifications.getDestinations": lambda a: a.get_destinations(),
    "notifications.createDestination": lambda a: a.create_destination(name="n", sqs_arn="arn:aws:sqs:us-east-1:1:q"),
    "notifications.getDestination": lambda a: a.get_destination("D1"),
    "notifications.deleteDestination": lambda a: a.delete_destination("D1"),
    "notifications.getSubscription": lambda a: a.get_subscription("ORDER_CHANGE"),
    "notifications.createSubscription": lambda a: a.create_subscription("ORDER_CHANGE", destination_id="D1"),
    "notifications.getSubscriptionById": lambda a: a.get_subscription_by_id("ORDER_CHANGE", "S1"),
    "notifications.deleteSubscriptionById": lambda a: a.delete_subscription_by_id("ORDER_CHANGE", "S1"),
    "notifications.sendTestNotification": lambda a: a.send_test_notification("ORDER_CHANGE", destination_id="D1"),
}


def test_every_operation_has_a_typed_method() -> None:
    """The typed-call table covers OPERATIONS exactly."""
    assert set(TYPED_CALLS) == set(OPERATIONS)


@pytest.mark.parametrize("key", sorted(TYPED_CALLS))
def test_typed_method_hits_its_operation(key: str) -> None:
    """Each typed method sends its operation's HTTP method to its path, through the limiter."""
    op = OPERATIONS[key]
    amazon = Amazon()
    limiter = FakeLimiter()
    TYPED_CALLS[key](make_api(amazon, limiter=limiter))
    request = amazon.last
    assert request.method == op.method
    filled = op.path.replace("{sellerId}", SELLER)
    for name, value in {
        "orderId": "112-1234567-1234567",
        "amazonOrderId": "112-1234567-1234567",
        "feedId": "F1",
        "feedDocumentId": "D1",
        "reportId": "R1",
        "reportDocumentId": "RD1",
        "sku": "SKU-1",
        "sellerFulfillmentOrderId": "MCF-1",
        "promotionId": "P1",
        "destinationId": "D1",
        "notificationType": "ORDER_CHANGE",
        "subscriptionId": "S1",
    }.items():
        filled = filled.replace("{" + name + "}", value)
    if key.startswith("fbaOutbound2026"):
        filled = filled.replace("112-1234567-1234567", "MCF-1")
    assert request.url.path == filled
    # A grantless operation draws from the application's bucket (no seller authorised it).
    scope = CREDS.client_id if op.scope is not None else f"{CREDS.client_id}:{SELLER}"
    assert limiter.acquired == [(scope, key)]


# -- error mapping -------------------------------------------------------------------------------

JSON = "application/json"
HTML = "text/html"


def errors(code: str, message: str, details: str | None = None) -> bytes:
    """An SP-API ErrorList body."""
    error = {"code": code, "message": message, **({"details": details} if details else {})}
    return json.dumps({"errors": [error]}).encode()


ERROR_TABLE = [
    # status, body, content type, error class, code, message fragment
    (400, errors("InvalidInput", "Invalid Input"), JSON, ApiError, "InvalidInput", "Invalid Input"),
    (401, errors("Unauthorized", "Access denied"), JSON, AuthError, "Unauthorized", "Access denied"),
    (403, b'{"message":"Forbidden"}', JSON, AuthError, None, "Forbidden"),
    (404, errors("NotFound", "No order"), JSON, NotFoundError, "NotFound", "No order"),
    (409, errors("Conflict", "state"), JSON, ApiError, "Conflict", "state"),
    (413, b"", None, ApiError, None, "empty body"),
    (429, errors("QuotaExceeded", "You exceeded your quota"), JSON, ThrottledError, "QuotaExceeded", "quota"),
    (500, b"", None, ServerError, None, "empty body"),
    (502, b"<html>Bad Gateway</html>", HTML, ServerError, None, "non-JSON body (text/html)"),
    (503, errors("ServiceUnavailable", "later", "x"), JSON, ServerError, "ServiceUnavailable", "later (x)"),
    (
        504,
        b"<html>504 Gateway Time-out</html>",
        "text/html; charset=utf-8",
        ServerError,
        None,
        "non-JSON body (text/html)",
    ),
]


@pytest.mark.parametrize(("status", "body", "content_type", "cls", "code", "fragment"), ERROR_TABLE)
def test_error_mapping_by_status(  # noqa: PLR0917 - one parameter per table column
    status: int, body: bytes, content_type: str | None, cls: type[ApiError], code: str | None, fragment: str
) -> None:
    """Every non-2xx answer, whatever its body, raises the typed error for its status."""
    headers = {"x-amzn-RequestId": "rid-42", **({"content-type": content_type} if content_type else {})}
    amazon = Amazon(lambda _: httpx.Response(status, content=body, headers=headers))
    with pytest.raises(ApiError) as caught:
        make_api(amazon).get_feed("F1")
    error = caught.value
    assert type(error) is cls
    assert error.status == status
    assert error.operation == "getFeed"
    assert error.request_id == "rid-42"
    assert error.code == code
    assert fragment in error.message
    assert error.body_excerpt == body.decode()[:500]


def test_request_id_leads_the_message() -> None:
    """str(err) starts with the Amazon request id."""
    amazon = Amazon(lambda _: httpx.Response(504, text="<html>504</html>", headers={"x-amzn-RequestId": "abc-123"}))
    with pytest.raises(ServerError) as caught:
        make_api(amazon).get_order("112-1234567-1234567")
    assert str(caught.value).startswith("[request abc-123] getOrder failed: HTTP 504")


def test_retry_after_header_is_kept() -> None:
    """A Retry-After header on a 429 becomes err.retry_after."""
    amazon = Amazon(lambda _: httpx.Response(429, json={"errors": []}, headers={"Retry-After": "3"}))
    with pytest.raises(ThrottledError) as caught:
        make_api(amazon).get_feed("F1")
    assert caught.value.retry_after == 3.0


SILENT_SUCCESS = [
    (200, b"", None, ServerError, "empty body"),
    (200, b"<html>oops</html>", "text/html", ServerError, "non-JSON body (text/html)"),
    (200, b"[1, 2]", "application/json", ServerError, "JSON list"),
    (200, b"null", "application/json", ServerError, "JSON NoneType"),
    (200, b'{"errors":[{"code":"InternalFailure","message":"boom"}]}', "application/json", ApiError, "boom"),
]


@pytest.mark.parametrize(("status", "body", "content_type", "cls", "fragment"), SILENT_SUCCESS)
def test_no_silent_empty_success(
    status: int, body: bytes, content_type: str | None, cls: type[ApiError], fragment: str
) -> None:
    """A 2xx whose body is empty, not JSON, not an object or an error list is an error, status kept."""
    headers = {"content-type": content_type} if content_type else {}
    amazon = Amazon(lambda _: httpx.Response(status, content=body, headers=headers))
    with pytest.raises(ApiError) as caught:
        make_api(amazon).get_feed("F1")
    assert type(caught.value) is cls
    assert caught.value.status == 200
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("call", "status"),
    [
        (lambda a: a.cancel_feed("F1"), 200),
        (lambda a: a.cancel_order("112-1234567-1234567", cancel_reason_code="NO_INVENTORY"), 202),
        (lambda a: a.cancel_fulfillment_order("MCF-1"), 200),
        (lambda a: a.cancel_fulfillment_order_2026("MCF-1"), 202),
    ],
)
def test_empty_body_where_the_operation_returns_nothing(call: Callable[[SpApi], Any], status: int) -> None:
    """Operations that legitimately answer with no body return None."""
    amazon = Amazon(lambda _: httpx.Response(status, content=b""))
    assert call(make_api(amazon)) is None


@pytest.mark.parametrize(
    ("exc", "sent"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("connect timeout"), False),
        (httpx.PoolTimeout("pool"), False),
        (httpx.ReadTimeout("read timeout"), True),
        (httpx.WriteTimeout("write timeout"), True),
        (httpx.RemoteProtocolError("dropped"), True),
        (httpx.ReadError("reset"), True),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_network_error_request_sent(exc: httpx.HTTPError, sent: bool) -> None:
    """Each httpx exception becomes NetworkError, request_sent telling whether Amazon may have seen it."""

    def fail(request: httpx.Request) -> httpx.Response:
        raise exc

    with pytest.raises(NetworkError) as caught:
        make_api(Amazon(fail)).get_feed("F1")
    assert caught.value.request_sent is sent
    assert caught.value.__cause__ is exc
    assert caught.value.status is None


# -- rate limits and retries ---------------------------------------------------------------------


def test_rate_limit_header_feeds_the_limiter() -> None:
    """x-amzn-RateLimit-Limit on a 2xx reaches limiter.update (typed call) and Response.rate_limit (``_call``)."""
    amazon = Amazon(lambda r: answer(r, headers={"x-amzn-RateLimit-Limit": "2.0"}))
    limiter = FakeLimiter()
    api = make_api(amazon, limiter=limiter)
    assert api.get_feed("F1").feed_id == "F1"
    response = api._call("feeds.getFeed", path={"feedId": "F1"})
    assert response.rate_limit == 2.0
    assert response.request_id == "req-1"
    assert limiter.updates == [(f"{CREDS.client_id}:{SELLER}", "feeds.getFeed", 2.0)] * 2


@pytest.mark.parametrize("header", [None, "abc", "0", "-1", "nan"])
def test_unusable_rate_limit_header_is_ignored(header: str | None) -> None:
    """A missing, malformed or non-positive rate header never updates the limiter."""
    headers = {"x-amzn-RateLimit-Limit": header} if header is not None else {}
    amazon = Amazon(lambda r: answer(r, headers=headers))
    limiter = FakeLimiter()
    api = make_api(amazon, limiter=limiter)
    assert api._call("feeds.getFeed", path={"feedId": "F1"}).rate_limit is None
    api.get_feed("F1")
    assert limiter.updates == []


def test_plan_rate_is_the_rate_amazon_reported_else_the_documented_one() -> None:
    """plan_rate: getFeed's documented 2/s until an answer reports another rate; other operations keep theirs."""
    amazon = Amazon(lambda r: answer(r, headers={"x-amzn-RateLimit-Limit": "200"}))
    api = make_api(amazon)
    assert api.plan_rate("feeds.getFeed") == 2.0
    api.get_feed("F1")
    assert api.plan_rate("feeds.getFeed") == 200.0
    assert api.plan_rate("reports.getReport") == 2.0


@pytest.mark.parametrize("header", ["abc", "0", "nan"])
def test_plan_rate_ignores_an_unusable_rate_header(header: str) -> None:
    """A rate header the limiter ignores leaves the documented rate."""
    api = make_api(Amazon(lambda r: answer(r, headers={"x-amzn-RateLimit-Limit": header})))
    api.get_feed("F1")
    assert api.plan_rate("feeds.getFeed") == 2.0


def test_503_is_retried_then_succeeds() -> None:
    """With the real policy a 503 is retried (fake sleep) and the token is fetched once."""
    answers = [httpx.Response(503, text=""), json_response(MINIMAL["feeds.getFeed"])]
    amazon = Amazon(lambda _: answers.pop(0))
    clock = FakeClock()
    feed = make_api(amazon, retry=RetryPolicy(), clock=clock).get_feed("F1")
    assert feed.feed_id == "F1"
    assert len(amazon.requests) == 2
    assert amazon.lwa_calls == 1


def test_429_asks_the_limiter_how_long_to_wait() -> None:
    """After a 429 the retry waits for limiter.on_throttled, then succeeds."""
    answers = [
        httpx.Response(429, json={"errors": [{"code": "QuotaExceeded", "message": "q"}]}),
        json_response(MINIMAL["feeds.getFeed"]),
    ]
    limiter = FakeLimiter()
    clock = FakeClock()
    make_api(Amazon(lambda _: answers.pop(0)), retry=RetryPolicy(), limiter=limiter, clock=clock).get_feed("F1")
    assert limiter.throttled == [(f"{CREDS.client_id}:{SELLER}", "feeds.getFeed")]
    assert clock.monotonic() >= 2.0


def test_create_feed_read_timeout_is_outcome_unknown() -> None:
    """A read timeout after createFeed was sent is never resent: OutcomeUnknownError with sent_at."""

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timeout")

    amazon = Amazon(timeout)
    clock = FakeClock()
    with pytest.raises(OutcomeUnknownError) as caught:
        make_api(amazon, retry=RetryPolicy(), clock=clock).create_feed(
            feed_type="POST_ORDER_ACKNOWLEDGEMENT_DATA", input_feed_document_id="d"
        )
    assert len(amazon.requests) == 1
    assert caught.value.sent_at == clock.now()


def test_lwa_outage_is_retried_without_sending_the_call() -> None:
    """A transient LWA failure means the SP-API request was not sent, so even createFeed is retried."""
    lwa_answers = [httpx.Response(503, text="")]
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            if lwa_answers:
                return lwa_answers.pop(0)
            return json_response({"access_token": ACCESS_TOKEN, "expires_in": 3600})
        requests.append(request)
        return json_response({"feedId": "F9"}, status=202)

    clock = FakeClock()
    api = SpApi(
        credentials=CREDS,
        seller_id=SELLER,
        marketplace_id=US,
        endpoint=ENDPOINT,
        token_url=TOKEN_URL,
        http=httpx.Client(transport=httpx.MockTransport(handler)),
        limiter=FakeLimiter(),
        retry=RetryPolicy(),
        clock=clock,
        sleep=clock.sleep,
    )
    feed_id = api.create_feed(feed_type="POST_ORDER_ACKNOWLEDGEMENT_DATA", input_feed_document_id="d")
    assert feed_id == "F9"
    assert len(requests) == 1


def test_auth_error_drops_the_cached_token() -> None:
    """After a 403 the next call exchanges the refresh token again."""
    answers = [httpx.Response(403, json={"message": "Forbidden"}), json_response(MINIMAL["feeds.getFeed"])]
    amazon = Amazon(lambda _: answers.pop(0))
    api = make_api(amazon)
    with pytest.raises(AuthError):
        api.get_feed("F1")
    api.get_feed("F1")
    assert amazon.lwa_calls == 2


# -- documents -----------------------------------------------------------------------------------

UPLOAD_URL = "https://s3.example.test/doc?X-Amz-Signature=abc123&X-Amz-Credential=AKIA%2Fx"


def test_upload_puts_exact_bytes_and_content_type_without_token() -> None:
    """The PUT carries exactly the declared Content-Type and bytes, and never our access token."""
    amazon = Amazon(lambda _: httpx.Response(200, headers={"ETag": '"d41d8cd98f00b204e9800998ecf8427e"'}))
    body = "<Envelope>Ünïcödé ✓</Envelope>".encode()
    make_api(amazon).upload(UPLOAD_URL, body, "text/xml; charset=UTF-8")
    request = amazon.last
    assert request.method == "PUT"
    assert str(request.url) == UPLOAD_URL
    assert request.headers["content-type"] == "text/xml; charset=UTF-8"
    assert request.content == body
    assert "x-amz-access-token" not in request.headers
    assert amazon.lwa_calls == 0


def test_upload_s3_403_is_an_auth_error_with_a_hint() -> None:
    """S3's XML 403 maps to AuthError with S3's code and what to check."""
    xml = b"<?xml version='1.0'?><Error><Code>SignatureDoesNotMatch</Code><Message>sig</Message></Error>"
    amazon = Amazon(lambda _: httpx.Response(403, content=xml, headers={"x-amz-request-id": "s3-req"}))
    with pytest.raises(AuthError) as caught:
        make_api(amazon).upload(UPLOAD_URL, b"x", "text/xml; charset=UTF-8")
    error = caught.value
    assert error.code == "SignatureDoesNotMatch"
    assert error.request_id == "s3-req"
    assert "Content-Type must equal the contentType" in str(error)


def test_upload_without_etag_is_not_confirmed_and_is_sent_again() -> None:
    """Issue 11: a 200 with no ETag stored nothing (S3 names a stored object by its ETag): upload again."""
    answers = [httpx.Response(200), httpx.Response(200, headers={"ETag": '"etag"'})]
    amazon = Amazon(lambda _: answers.pop(0))
    make_api(amazon, retry=RetryPolicy()).upload(UPLOAD_URL, b"x", "text/xml; charset=UTF-8")
    assert len(amazon.requests) == 2
    assert amazon.requests[0].content == amazon.requests[1].content == b"x"


def test_upload_never_confirmed_raises() -> None:
    """An upload the store never confirms fails before createFeed (nothing is created over an empty document)."""
    amazon = Amazon(lambda _: httpx.Response(200))
    with pytest.raises(ServerError, match="ETag"):
        make_api(amazon, retry=RetryPolicy(max_attempts=3)).upload(UPLOAD_URL, b"x", "text/xml; charset=UTF-8")
    assert len(amazon.requests) == 3


def test_upload_is_retried_on_5xx() -> None:
    """Re-sending the same bytes to a presigned URL is harmless, so a 500 is retried."""
    answers = [
        httpx.Response(500, text="<Error><Code>InternalError</Code></Error>"),
        httpx.Response(200, headers={"ETag": '"etag"'}),
    ]
    amazon = Amazon(lambda _: answers.pop(0))
    make_api(amazon, retry=RetryPolicy()).upload(UPLOAD_URL, b"x", "text/xml; charset=UTF-8")
    assert len(amazon.requests) == 2


def test_download_gunzips_only_gzip_documents() -> None:
    """compression='GZIP' is decompressed; no compression returns the bytes as they are."""
    data = b"<ProcessingReport/>" * 10
    amazon = Amazon(lambda _: httpx.Response(200, content=gzip.compress(data)))
    api = make_api(amazon)
    assert api.download("https://s3.example.test/r", compression="GZIP") == data
    assert api.download("https://s3.example.test/r", compression=None) == gzip.compress(data)
    assert "x-amz-access-token" not in amazon.last.headers


def test_download_with_content_encoding_is_not_decompressed_twice() -> None:
    """A document served with Content-Encoding: gzip is already decoded by httpx."""
    data = b"col1\tcol2\n"
    amazon = Amazon(lambda _: httpx.Response(200, content=gzip.compress(data), headers={"Content-Encoding": "gzip"}))
    assert make_api(amazon).download("https://s3.example.test/r", compression="GZIP") == data


def test_download_announced_gzip_that_is_not_is_a_server_error() -> None:
    """A document announced as GZIP that is not compressed raises ServerError."""
    amazon = Amazon(lambda _: httpx.Response(200, content=b"plain"))
    with pytest.raises(ServerError, match="GZIP"):
        make_api(amazon).download("https://s3.example.test/r", compression="GZIP")


def test_download_expired_url_is_an_auth_error() -> None:
    """An expired presigned URL (S3 403 AccessDenied) maps to AuthError."""
    xml = b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
    amazon = Amazon(lambda _: httpx.Response(403, content=xml))
    with pytest.raises(AuthError, match="Request has expired"):
        make_api(amazon).download("https://s3.example.test/r", compression=None)


# -- endpoints -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marketplace", "market_id", "endpoint"),
    [
        ("US", US, "https://sellingpartnerapi-na.amazon.com"),
        ("de", "A1PA6795UKMFR9", "https://sellingpartnerapi-eu.amazon.com"),
        ("UK", "A1F83G8C2ARO7P", "https://sellingpartnerapi-eu.amazon.com"),
        ("A1VC38T7YXB528", "A1VC38T7YXB528", "https://sellingpartnerapi-fe.amazon.com"),
    ],
)
def test_resolve_marketplace(marketplace: str, market_id: str, endpoint: str) -> None:
    """Country codes (any case, UK alias) and marketplace ids resolve to id and production endpoint."""
    market = resolve_marketplace(marketplace)
    assert (market.marketplace_id, market.endpoint) == (market_id, endpoint)


def test_unknown_marketplace_is_invalid_input() -> None:
    """An unknown marketplace names the accepted forms."""
    with pytest.raises(InvalidInputError, match="country code"):
        resolve_marketplace("XX")


def test_sandbox_table_endpoint_gives_production() -> None:
    """The production host is derived even from sp_api's sandbox-baked table entry."""
    assert production_endpoint("https://sandbox.sellingpartnerapi-eu.amazon.com") == (
        "https://sellingpartnerapi-eu.amazon.com"
    )
