"""Every public SellerClient method refuses bad arguments with InvalidInputError, before any request.

Property-based (hypothesis): each example calls one method with valid values everywhere except at least
one argument, which gets a hostile value of the wrong type or shape (None, NaN, ``"10"``, ``True``, a
string where a list belongs, a naive datetime, a 41-character SKU...). Whatever it is, only an
``InvalidInputError`` (an ``SpCancelError``) may escape, and the HTTP transport must never be reached:
the client's transport fails the test on the first request.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sp_cancel import (
    AdjustmentReason,
    CancelReason,
    CancelRequest,
    Credentials,
    ItemRefund,
    Money,
    PriceComponent,
    SellerClient,
)
from sp_cancel._cancellation.outcomes import CancelOutcome, CancelStatus
from sp_cancel._listings.resource import Listings
from sp_cancel._outcomes import BatchOutcome
from sp_cancel.clock import FakeClock
from sp_cancel.errors import InvalidInputError, SpCancelError

ORDER_ID = "112-1234567-1234567"
ITEM_ID = "12345678901234"


class NoRequests(httpx.BaseTransport):
    """A transport that records and refuses every request: bad input must never get this far."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Record the request and fail the call."""
        self.requests.append(f"{request.method} {request.url}")
        raise AssertionError(f"a request was sent for bad input: {request.method} {request.url}")


def make_client(transport: httpx.BaseTransport) -> SellerClient:
    """A client whose every request goes to ``transport``."""
    clock = FakeClock()
    return SellerClient(
        credentials=Credentials(refresh_token="Atzr|r", client_id="app", client_secret="secret"),
        seller_id="A1SELLER",
        endpoint="https://sp.example",
        token_url="https://sp.example/auth/o2/token",
        journal=":memory:",
        transport=transport,
        clock=clock,
        sleep=clock.sleep,
    )


# -- hostile values, by what the argument should be ------------------------------------------------------

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just(b"bytes"),
    st.just(object()),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
bad_text = st.one_of(
    junk,
    st.sampled_from(["", " ", "\t", "a\nb", "nul\x00", "x" * 1001]),
)
bad_order_id = st.one_of(
    bad_text,
    st.text(max_size=30).filter(lambda s: not (len(s) == 19 and s[3] == "-" and s[11] == "-")),
    st.sampled_from(["112-1234567-123456", "../../orders", "112 1234567 1234567"]),
)
bad_sku = st.one_of(bad_text, st.text(min_size=41, max_size=60).filter(str.strip))
bad_timeout = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(["10", "1800", b"10", [10], Decimal("NaN"), Decimal(-1), Decimal("1E+999999")]),
    st.floats().filter(lambda x: not (math.isfinite(x) and 0 < x <= 7 * 24 * 3600)),
    st.integers(max_value=0),
    st.integers(min_value=7 * 24 * 3600 + 1),
)
bad_flag = st.one_of(st.none(), st.integers(), st.sampled_from(["true", "false", "", 1.0]), st.just([True]))
bad_callable = st.one_of(st.booleans(), st.integers(), st.text(max_size=5), st.just([print]))
bad_since = st.one_of(
    junk.filter(lambda v: v is not None),
    st.text(max_size=10),
    st.just(datetime(2026, 1, 1)),  # noqa: DTZ001 - naive on purpose
    st.timedeltas(max_value=timedelta(seconds=-1)),
)
bad_collection = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=10),  # a string is not a list of anything
    st.just(b"ab"),
    st.just({"a": 1}),
    st.just([]),
    st.lists(junk, min_size=1, max_size=3),
)
bad_reason = st.one_of(
    st.none(), st.integers(), st.floats(), st.just(b"NO_INVENTORY"), st.just([CancelReason.NO_INVENTORY])
)
bad_choice = st.one_of(junk, st.text(max_size=12).filter(lambda s: s not in {"feed", "orders_api"}))
bad_outcome = st.one_of(
    junk,
    st.text(max_size=10),
    st.just(BatchOutcome(outcomes={})),
    st.just([CancelOutcome(order_id=ORDER_ID, status=CancelStatus.SUBMITTED, reason=CancelReason.NO_INVENTORY)]),
)
bad_window = st.one_of(junk, st.timedeltas(max_value=timedelta(0)), st.just(7))
bad_end = st.one_of(
    junk.filter(lambda v: v is not None),
    st.just(datetime(2026, 1, 1)),  # noqa: DTZ001 - naive on purpose
    st.text(max_size=5),
)
bad_max_rate = st.one_of(
    st.booleans(),
    st.sampled_from(["0.02", math.nan, math.inf, -0.1, 1.5, Decimal("NaN"), [0.02]]),
)
bad_key = st.one_of(st.sampled_from(["", "  ", "k\n"]), st.integers(), st.just(b"key"), st.just(["k"]))
bad_message = st.one_of(
    st.integers(),
    st.just(b"Sorry."),
    st.just(["Sorry."]),
    st.sampled_from(["", "   ", "<b>Sorry</b>", "mail a@b.io", "see https://x.example", "x" * 2001, "a\x00b"]),
)
bad_messages = st.one_of(bad_message, st.just(lambda _: "<p>Sorry</p>"), st.just(lambda _: 5))
bad_refunds = st.one_of(bad_collection, st.just(Decimal("5.00")), st.just("5.00"), st.just(5))

MONEY = Money(amount="1.00", currency="USD")
REFUND = ItemRefund(order_item_id=ITEM_ID, components={PriceComponent.PRINCIPAL: MONEY})
SUBMITTED = CancelOutcome(order_id=ORDER_ID, status=CancelStatus.SUBMITTED, reason=CancelReason.NO_INVENTORY)
UNCONFIRMED = CancelOutcome(
    order_id=ORDER_ID, status=CancelStatus.UNCONFIRMED, reason=CancelReason.NO_INVENTORY, submission_id="cancel-x"
)

# method -> (valid arguments, {argument: hostile values})
CASES: dict[str, tuple[dict[str, Any], dict[str, st.SearchStrategy[Any]]]] = {
    "cancel_order": (
        {
            "order_id": ORDER_ID,
            "reason": CancelReason.NO_INVENTORY,
            "items": None,
            "via": "feed",
            "wait": True,
            "timeout": 1800,
            "progress": None,
            "notify_buyer": None,
        },
        {
            "order_id": bad_order_id,
            "reason": bad_reason,
            "items": bad_collection.filter(lambda v: v is not None),
            "via": bad_choice,
            "wait": bad_flag,
            "timeout": bad_timeout,
            "progress": bad_callable,
            "notify_buyer": bad_message,
        },
    ),
    "cancel_orders": (
        {
            "requests": [CancelRequest(order_id=ORDER_ID, reason=CancelReason.NO_INVENTORY)],
            "wait": True,
            "timeout": 3600,
            "max_rate": None,
            "progress": None,
            "notify_buyer": None,
        },
        {
            "requests": bad_collection,
            "wait": bad_flag,
            "timeout": bad_timeout,
            "max_rate": bad_max_rate,
            "progress": bad_callable,
            "notify_buyer": bad_messages,
        },
    ),
    "notify_buyer": (
        {"order_id": ORDER_ID, "text": "Sorry, sold out."},
        {"order_id": bad_order_id, "text": bad_message},
    ),
    "buyer_cancellation_requests": ({"since": timedelta(days=7)}, {"since": bad_since}),
    "system_cancellations": ({"since": timedelta(days=7)}, {"since": bad_since}),
    "updated_orders": ({"since": datetime(2026, 1, 1, tzinfo=UTC)}, {"since": bad_since}),
    "accept_buyer_cancellations": (
        {"requests": [ORDER_ID], "wait": True, "timeout": 3600, "progress": None},
        {"requests": bad_collection, "wait": bad_flag, "timeout": bad_timeout, "progress": bad_callable},
    ),
    "partial_refund": (
        {
            "order_id": ORDER_ID,
            "refunds": [REFUND],
            "reason": AdjustmentReason.CUSTOMER_RETURN,
            "idempotency_key": None,
            "wait": True,
            "timeout": 1800,
            "progress": None,
        },
        {
            "order_id": bad_order_id,
            "refunds": bad_refunds,
            "reason": bad_reason,
            "idempotency_key": bad_key,
            "wait": bad_flag,
            "timeout": bad_timeout,
            "progress": bad_callable,
        },
    ),
    "verify_refund": ({"outcome": None}, {"outcome": bad_outcome}),
    "close_listing": ({"sku": "SKU-1"}, {"sku": bad_sku}),
    "close_listings": ({"skus": ["SKU-1"], "wait": True}, {"skus": bad_collection, "wait": bad_flag}),
    "delete_listing": ({"sku": "SKU-1", "verify": True}, {"sku": bad_sku, "verify": bad_flag}),
    # The resource is the door the flat methods go through: called directly, it checks the same arguments.
    "listings.close": ({"sku": "SKU-1"}, {"sku": bad_sku}),
    "listings.close_many": ({"skus": ["SKU-1"], "wait": True}, {"skus": bad_collection, "wait": bad_flag}),
    "listings.delete": ({"sku": "SKU-1", "verify": True}, {"sku": bad_sku, "verify": bad_flag}),
    "cancel_fba_order": (
        {"seller_fulfillment_order_id": "MCF-1", "api": "2020-07-01"},
        {"seller_fulfillment_order_id": bad_sku, "api": bad_choice},
    ),
    "deals": ({"statuses": None}, {"statuses": bad_collection.filter(lambda v: v is not None and v != [])}),
    "cancel_flash_deal": ({"deal_id": "deal-1"}, {"deal_id": bad_text}),
    "cancellation_rate": (
        {"window": timedelta(days=7), "end": None, "source": "auto", "compare_with_amazon": False},
        {"window": bad_window, "end": bad_end, "source": bad_choice, "compare_with_amazon": bad_flag},
    ),
    "refresh": ({"outcome": SUBMITTED}, {"outcome": bad_outcome}),
    "wait": (
        {"outcome": SUBMITTED, "timeout": 1800, "progress": None},
        {"outcome": bad_outcome, "timeout": bad_timeout, "progress": bad_callable},
    ),
    "resume": ({"timeout": 3600, "progress": None}, {"timeout": bad_timeout, "progress": bad_callable}),
    "order": ({"order_id": ORDER_ID}, {"order_id": bad_order_id}),
    "declare_not_sent": (
        {"outcome": UNCONFIRMED, "by": "ops@example.com", "note": None},
        {"outcome": bad_outcome, "by": bad_text, "note": bad_text.filter(lambda v: v is not None)},
    ),
}
POSITIONAL = {
    "cancel_order": ("order_id", "reason"),
    "cancel_orders": ("requests",),
    "notify_buyer": ("order_id", "text"),
    "accept_buyer_cancellations": ("requests",),
    "partial_refund": ("order_id", "refunds"),
    "verify_refund": ("outcome",),
    "close_listing": ("sku",),
    "close_listings": ("skus",),
    "delete_listing": ("sku",),
    "listings.close": ("sku",),
    "listings.close_many": ("skus",),
    "listings.delete": ("sku",),
    "cancel_fba_order": ("seller_fulfillment_order_id",),
    "cancel_flash_deal": ("deal_id",),
    "refresh": ("outcome",),
    "wait": ("outcome",),
    "order": ("order_id",),
    "declare_not_sent": ("outcome",),
}


@st.composite
def bad_calls(draw: st.DrawFn) -> tuple[str, dict[str, Any], list[str]]:
    """A method, its arguments with at least one hostile value, and which arguments are hostile."""
    method = draw(st.sampled_from(sorted(CASES)))
    valid, hostile = CASES[method]
    names = draw(st.lists(st.sampled_from(sorted(hostile)), min_size=1, max_size=len(hostile), unique=True))
    arguments = dict(valid)
    for name in names:
        arguments[name] = draw(hostile[name])
    return method, arguments, names


def call(client: SellerClient, method: str, arguments: dict[str, Any]) -> Any:
    """Call ``method`` with its leading arguments positional, as users write it."""
    positional = [arguments[name] for name in POSITIONAL.get(method, ())]
    keywords = {k: v for k, v in arguments.items() if k not in POSITIONAL.get(method, ())}
    owner: Any = client
    *path, name = method.split(".")
    for part in path:  # a resource: client.listings.close(...)
        owner = getattr(owner, part)
    function: Callable[..., Any] = getattr(owner, name)
    return function(*positional, **keywords)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bad_calls())
def test_bad_arguments_raise_invalid_input_before_any_request(case: tuple[str, dict[str, Any], list[str]]) -> None:
    """Any hostile argument: InvalidInputError naming an argument, and not one request."""
    method, arguments, hostile = case
    transport = NoRequests()
    client = make_client(transport)
    try:
        with pytest.raises(SpCancelError) as caught:
            call(client, method, arguments)
    finally:
        client.close()
    assert transport.requests == []
    assert isinstance(caught.value, InvalidInputError), (method, hostile, caught.value)
    assert caught.value.field, (method, hostile, caught.value)


def test_every_public_method_is_covered() -> None:
    """A new public method must get its hostile values here too."""
    public = {
        name
        for name in dir(SellerClient)
        if not name.startswith("_") and callable(getattr(SellerClient, name)) and name not in {"from_env", "close"}
    }
    not_covered = public - set(CASES) - {"orders", "sp_api", "from_sp_api", "unconfirmed"}  # API classes, or nothing
    assert not_covered == set()
    resource = {f"listings.{name}" for name in dir(Listings) if not name.startswith("_")}
    assert resource - set(CASES) == set()


@pytest.mark.parametrize(
    ("method", "arguments", "field"),
    [
        ("cancel_order", {"order_id": ORDER_ID, "reason": "NO_INVENTORY", "timeout": "10"}, "timeout"),
        ("cancel_order", {"order_id": ORDER_ID, "reason": "NO_INVENTORY", "timeout": math.nan}, "timeout"),
        ("cancel_order", {"order_id": ORDER_ID, "reason": "NO_INVENTORY", "timeout": math.inf}, "timeout"),
        ("cancel_order", {"order_id": ORDER_ID, "reason": "NO_INVENTORY", "timeout": -1}, "timeout"),
        ("cancel_order", {"order_id": ORDER_ID, "reason": "NO_INVENTORY", "timeout": True}, "timeout"),
        ("cancel_orders", {"requests": None}, "requests"),
        ("wait", {"outcome": None}, "outcome"),
        ("refresh", {"outcome": "x"}, "outcome"),
        ("wait", {"outcome": BatchOutcome(outcomes={})}, "outcome"),
        ("close_listing", {"sku": "x" * 41}, "sku"),
    ],
)
def test_the_issue_examples(method: str, arguments: dict[str, Any], field: str) -> None:
    """The cases issue 11 item 9 found, one by one."""
    transport = NoRequests()
    client = make_client(transport)
    with pytest.raises(InvalidInputError) as caught:
        call(client, method, arguments)
    assert caught.value.field == field
    assert transport.requests == []


def test_since_must_be_aware() -> None:
    """A naive ``since`` is refused: it would be read in the machine's local time."""
    client = make_client(NoRequests())
    with pytest.raises(InvalidInputError, match="timezone"):
        client.system_cancellations(since=datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test
    assert client.buyer_cancellation_requests is not None
    aware = datetime(2026, 1, 1, tzinfo=UTC)
    assert aware.tzinfo is UTC
