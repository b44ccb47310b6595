import gzip
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest
from amazon_contracts import contracts_dir
from hypothesis import given
from hypothesis import strategies as st

from sp_cancel.clock import FakeClock
from sp_cancel.errors import InvalidInputError
from sp_cancel.metrics import (
    DEFAULT_TARGET,
    TARGETS,
    CancelledBy,
    Fulfillment,
    OrderRecord,
    OrderStatus,
    cancellation_rate,
    compare_with_amazon,
    headroom,
    parse_seller_performance_report,
    target_for,
    what_if,
)

END = datetime(2026, 11, 26, tzinfo=UTC)
START = END - timedelta(days=7)
US = "ATVPDKIKX0DER"
INDIA = "A21TJRUUN4KGV"
SCHEMA = contracts_dir() / "schemas" / "accountHealthReport-2020-11-18.json"


def rec(n: int = 0, **kw: object) -> OrderRecord:
    """Build an OrderRecord with sensible defaults (an MFN shipped US order a day before END)."""
    fields: dict[str, object] = {
        "order_id": f"111-{n:07d}-0000000",
        "purchased_at": END - timedelta(days=1),
        "marketplace_id": US,
        "fulfillment": "MFN",
        "status": "Shipped",
    }
    fields.update(kw)
    return OrderRecord(**fields)  # type: ignore[arg-type]


def rate(records: list[OrderRecord], **kw: object):
    """Compute the rate over ``records`` ending at END."""
    kw.setdefault("end", END)
    return cancellation_rate(records, **kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------- what counts


CANCELLED_AT = END - timedelta(hours=1)

COUNTING = [
    # id, record fields, counted in total, counted as seller-cancelled
    ("shipped", {}, 1, 0),
    ("afn-excluded", {"fulfillment": "AFN"}, 0, 0),
    ("afn-cancelled-excluded", {"fulfillment": "AFN", "status": "Canceled", "cancelled_by": "MERCHANT"}, 0, 0),
    ("merchant-cancel", {"status": "Canceled", "cancelled_by": "MERCHANT"}, 1, 1),
    ("merchant-partial-cancel", {"status": "Shipped", "cancelled_by": "MERCHANT"}, 1, 1),
    ("buyer-requested", {"status": "Canceled", "cancelled_by": "MERCHANT", "buyer_requested": True}, 1, 0),
    ("buyer-requested-string", {"status": "Canceled", "cancelled_by": "MERCHANT", "buyer_requested": "true"}, 1, 0),
    ("buyer-self-cancel", {"status": "Canceled", "cancelled_by": "BUYER"}, 1, 0),
    ("pending", {"status": "Pending"}, 0, 0),
    ("pending-availability", {"status": "PendingAvailability"}, 0, 0),
    ("pending-buyer-cancel", {"status": "Pending", "cancelled_by": "BUYER"}, 0, 0),
    (
        "amazon-late-ship",
        {"status": "Canceled", "cancelled_by": "AMAZON", "purchased_at": START, "cancelled_at": CANCELLED_AT},
        1,
        1,
    ),
    (
        "amazon-payment-cancel-excluded",
        {"status": "Canceled", "cancelled_by": "AMAZON", "cancelled_at": END - timedelta(hours=20)},
        0,
        0,
    ),
    ("amazon-no-time-counts", {"status": "Canceled", "cancelled_by": "AMAZON"}, 1, 1),
    ("amazon-buyer-requested", {"status": "Canceled", "cancelled_by": "AMAZON", "buyer_requested": True}, 1, 0),
    ("unattributed-counts", {"status": "Canceled"}, 1, 1),
    ("unattributed-partial", {"status": "Shipped", "cancelled_at": CANCELLED_AT}, 1, 1),
]


@pytest.mark.parametrize(("fields", "total", "cancelled"), [c[1:] for c in COUNTING], ids=[c[0] for c in COUNTING])
def test_what_counts(fields, total, cancelled):
    """Each kind of order lands in the denominator and numerator as the definition says."""
    report = rate([rec(**fields)])
    assert (report.total, report.cancelled) == (total, cancelled)


def test_amazon_cancel_age_boundary():
    """An Amazon cancel exactly LATE_SHIP_CANCEL_MIN_AGE after purchase counts; a microsecond less is excluded."""
    bought = END - timedelta(days=6)
    counted = rec(status="Canceled", cancelled_by="AMAZON", purchased_at=bought, cancelled_at=bought + timedelta(5))
    quick = rec(
        status="Canceled",
        cancelled_by="AMAZON",
        purchased_at=bought,
        cancelled_at=bought + timedelta(days=5, microseconds=-1),
    )
    assert (rate([counted]).cancelled, rate([counted]).total) == (1, 1)
    assert rate([quick]).total == 0


def test_unattributed_is_reported():
    """Cancellations counted without attribution are reported as unattributed."""
    report = rate([rec(1, status="Canceled"), rec(2, status="Canceled", cancelled_by="MERCHANT")])
    assert (report.cancelled, report.unattributed) == (2, 1)


WINDOW_EDGES = [
    ("start-inclusive", START, 1),
    ("before-start", START - timedelta(microseconds=1), 0),
    ("end-exclusive", END, 0),
    ("just-before-end", END - timedelta(microseconds=1), 1),
    ("other-zone-inside", datetime(2026, 11, 19, 1, tzinfo=timezone(timedelta(hours=2))), 0),
    ("other-zone-at-start", datetime(2026, 11, 19, 2, tzinfo=timezone(timedelta(hours=2))), 1),
]


@pytest.mark.parametrize(("bought", "total"), [w[1:] for w in WINDOW_EDGES], ids=[w[0] for w in WINDOW_EDGES])
def test_window_edges(bought, total):
    """The window is [end - window, end), to the microsecond, whatever the time zone."""
    assert rate([rec(purchased_at=bought)]).total == total


def test_window_length_and_clock():
    """``window`` sets the length and ``end=None`` reads the injected clock."""
    clock = FakeClock(END)
    records = [rec(1, purchased_at=END - timedelta(days=10)), rec(2)]
    assert cancellation_rate(records, clock=clock).total == 1
    assert cancellation_rate(records, window=timedelta(days=30), clock=clock).total == 2


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"window": timedelta(0)}, "window"),
        ({"window": 7}, "window"),
        ({"end": datetime(2026, 11, 26)}, "end"),  # noqa: DTZ001 - the naive value is the point
        ({"target": Decimal(0)}, "target"),
        ({"target": Decimal("1.5")}, "target"),
        ({"target": "abc"}, "target"),
        ({"marketplace": ""}, "marketplace"),
    ],
    ids=["zero-window", "int-window", "naive-end", "zero-target", "target-above-1", "target-nan", "empty-market"],
)
def test_bad_arguments(kw, field):
    """Bad arguments raise InvalidInputError naming the argument."""
    with pytest.raises(InvalidInputError) as err:
        rate([rec()], **kw)
    assert err.value.field == field


# ---------------------------------------------------------------- targets, status, headroom


def test_targets_are_data():
    """Targets are per-marketplace data: India 2 %, everything else 2.5 %."""
    assert TARGETS[INDIA] == Decimal("0.02")
    assert Decimal("0.025") == DEFAULT_TARGET
    assert target_for(INDIA) == Decimal("0.02")
    assert target_for(US) == target_for(None) == Decimal("0.025")


def test_marketplace_filters_and_picks_target():
    """``marketplace=`` counts only that marketplace and uses its target."""
    records = [rec(1), rec(2, marketplace_id=INDIA), rec(3, marketplace_id=INDIA, status="Canceled")]
    india = rate(records, marketplace=INDIA)
    assert (india.total, india.cancelled, india.target) == (2, 1, Decimal("0.02"))
    us = rate(records, marketplace=US)
    assert (us.total, us.target) == (1, Decimal("0.025"))


def test_mixed_marketplaces_use_strictest_target():
    """Without ``marketplace=``, records from several marketplaces are held to the strictest target."""
    assert rate([rec(1), rec(2, marketplace_id=INDIA)]).target == Decimal("0.02")
    assert rate([rec(1)]).target == Decimal("0.025")


def test_target_override():
    """``target=`` overrides the marketplace's target."""
    assert rate([rec()], marketplace=INDIA, target="0.05").target == Decimal("0.05")
    assert rate([rec()], target=Decimal("0.01")).target == Decimal("0.01")


def _orders(total: int, cancelled: int) -> list[OrderRecord]:
    return [rec(i, status="Canceled", cancelled_by="MERCHANT") if i < cancelled else rec(i) for i in range(total)]


HEADROOM = [
    # id, total, cancelled, target, headroom, status
    ("100-orders-none-cancelled", 100, 0, "0.025", 2, "GOOD"),
    ("100-orders-2-cancelled", 100, 2, "0.025", 0, "GOOD"),
    ("100-orders-3-cancelled", 100, 3, "0.025", 0, "BAD"),
    ("200-orders-exact-target", 200, 5, "0.025", 0, "BAD"),
    ("200-orders-4-cancelled", 200, 4, "0.025", 0, "GOOD"),
    ("200-orders-none", 200, 0, "0.025", 4, "GOOD"),
    ("40-orders", 40, 0, "0.025", 0, "GOOD"),
    ("41-orders", 41, 0, "0.025", 1, "GOOD"),
    ("india-100", 100, 0, "0.02", 1, "GOOD"),
    ("india-101", 101, 1, "0.02", 1, "GOOD"),
    ("empty", 0, 0, "0.025", 0, "NONE"),
    ("one-order", 1, 0, "0.025", 0, "GOOD"),
]


@pytest.mark.parametrize(
    ("total", "cancelled", "target", "room", "status"), [h[1:] for h in HEADROOM], ids=[h[0] for h in HEADROOM]
)
def test_headroom_and_status(total, cancelled, target, room, status):
    """Headroom is the most extra seller cancellations that keep the rate strictly below target."""
    report = rate(_orders(total, cancelled), target=target)
    assert (report.headroom, report.status) == (room, status)
    assert headroom(cancelled, total, Decimal(target)) == room
    if status == "GOOD":  # the boundary: one more would reach the target
        assert Decimal(cancelled + room) / total < Decimal(target)
        assert Decimal(cancelled + room + 1) / total >= Decimal(target)


def test_empty_window():
    """An empty window: rate 0, headroom 0, status NONE, one zero entry per day."""
    report = rate([])
    assert (report.rate, report.total, report.headroom, report.status) == (Decimal(0), 0, 0, "NONE")
    assert len(report.by_day) == 7
    assert all(d.orders == d.cancelled == 0 for d in report.by_day)


def test_by_day():
    """by_day has one entry per UTC day touched, empty days included, summing to the totals."""
    records = [
        rec(1, purchased_at=START),
        rec(2, purchased_at=START + timedelta(hours=23, minutes=59), status="Canceled", cancelled_by="MERCHANT"),
        rec(3, purchased_at=END - timedelta(microseconds=1)),
    ]
    report = rate(records)
    assert [d.day for d in report.by_day] == [date(2026, 11, 19) + timedelta(days=i) for i in range(7)]
    assert (report.by_day[0].orders, report.by_day[0].cancelled, report.by_day[0].rate) == (2, 1, Decimal("0.5"))
    assert report.by_day[-1].orders == 1
    assert sum(d.orders for d in report.by_day) == report.total == 3
    assert sum(d.cancelled for d in report.by_day) == report.cancelled == 1


def test_mid_day_window_touches_eight_days():
    """A window ending mid-day touches eight UTC days."""
    report = rate([], end=END + timedelta(hours=12))
    assert len(report.by_day) == 8


def test_records_are_consumed_once():
    """The calculator takes any iterable, e.g. a generator, in one pass."""
    report = cancellation_rate((rec(i) for i in range(10)), end=END)
    assert report.total == 10


# ---------------------------------------------------------------- what_if


WHAT_IF = [
    ("within", 100, 0, 2, Decimal("0.02"), True),
    ("reaches-target", 100, 0, 3, Decimal("0.03"), False),
    ("zero", 100, 2, 0, Decimal("0.02"), True),
    ("empty-window-zero", 0, 0, 0, Decimal(0), True),
    ("empty-window-one", 0, 0, 1, Decimal(1), False),
    ("more-than-orders", 2, 0, 3, Decimal(1), False),
]


@pytest.mark.parametrize(
    ("total", "cancelled", "extra", "projected", "ok"), [w[1:] for w in WHAT_IF], ids=[w[0] for w in WHAT_IF]
)
def test_what_if(total, cancelled, extra, projected, ok):
    """what_if projects the rate after more seller cancellations of existing orders."""
    report = rate(_orders(total, cancelled))
    projection = what_if(report, extra)
    assert (projection.projected_rate, projection.within_target) == (projected, ok)
    assert projection.headroom == report.headroom
    assert report.what_if(extra) == projection


@pytest.mark.parametrize("extra", [-1, 1.5, True], ids=["negative", "float", "bool"])
def test_what_if_refuses_bad_counts(extra):
    """what_if refuses negative or non-int counts."""
    with pytest.raises(InvalidInputError):
        what_if(rate([]), extra)


@given(
    total=st.integers(min_value=0, max_value=400),
    data=st.data(),
    target=st.sampled_from([Decimal("0.025"), Decimal("0.02"), Decimal("0.01"), Decimal("0.333"), Decimal(1)]),
)
def test_rate_properties(total, data, target):
    """The rate is cancelled / total, and using all the headroom never reaches the target."""
    cancelled = data.draw(st.integers(min_value=0, max_value=total))
    report = rate(_orders(total, cancelled), target=target)
    assert report.rate == (Decimal(cancelled) / total if total else 0)
    projection = what_if(report, report.headroom)
    if report.headroom:
        assert projection.within_target
        assert not what_if(report, report.headroom + 1).within_target
    assert report.status == ("NONE" if not total else ("GOOD" if report.rate < target else "BAD"))


# ---------------------------------------------------------------- OrderRecord


CONVERSIONS = [
    ("fulfillment", "MFN", Fulfillment.MFN),
    ("fulfillment", "Merchant", Fulfillment.MFN),
    ("fulfillment", "MERCHANT", Fulfillment.MFN),
    ("fulfillment", "afn", Fulfillment.AFN),
    ("fulfillment", "Amazon", Fulfillment.AFN),
    ("status", "Cancelled", OrderStatus.CANCELED),
    ("status", "CANCELLED", OrderStatus.CANCELED),
    ("status", "PENDING_AVAILABILITY", OrderStatus.PENDING_AVAILABILITY),
    ("status", "partiallyShipped", OrderStatus.PARTIALLY_SHIPPED),
    ("cancelled_by", "Merchant", CancelledBy.MERCHANT),
    ("cancelled_by", "AMAZON", CancelledBy.AMAZON),
    ("cancelled_by", "buyer", CancelledBy.BUYER),
    ("cancelled_by", "", None),
    ("buyer_requested", "false", False),
    ("buyer_requested", "TRUE", True),
]


@pytest.mark.parametrize(("field", "raw", "value"), CONVERSIONS, ids=[f"{c[0]}={c[1]!r}" for c in CONVERSIONS])
def test_string_conversion(field, raw, value):
    """Amazon's spellings convert to the enums (or bool)."""
    assert getattr(rec(**{field: raw}), field) == value


BAD_VALUES = [
    ("fulfillment", "FBA"),
    ("status", "Lost"),
    ("cancelled_by", "SELLER_CENTRAL"),
    ("buyer_requested", "maybe"),
    ("purchased_at", datetime(2026, 11, 25)),  # noqa: DTZ001 - naive on purpose
    ("purchased_at", "yesterday"),
    ("cancelled_at", END - timedelta(days=3)),  # before purchase
    ("order_id", ""),
    ("marketplace_id", None),
    ("cancel_reason", 5),
]


@pytest.mark.parametrize(("field", "raw"), BAD_VALUES, ids=[f"{b[0]}={b[1]!r}" for b in BAD_VALUES])
def test_bad_values_raise(field, raw):
    """Values Amazon never writes raise InvalidInputError naming the field."""
    with pytest.raises(InvalidInputError) as err:
        rec(**{field: raw})
    assert err.value.field == field


def test_datetimes_are_utc():
    """Datetimes, objects or ISO strings, are stored in UTC."""
    record = rec(purchased_at="2026-11-25T10:00:00-07:00")
    assert record.purchased_at == datetime(2026, 11, 25, 17, tzinfo=UTC)
    assert record.purchased_at.tzinfo is UTC


def test_needs_attribution():
    """Only a cancelled record with no canceller and no buyer request needs attribution."""
    assert rec(status="Canceled").needs_attribution
    assert rec(cancelled_at=CANCELLED_AT).needs_attribution
    assert not rec(status="Canceled", cancelled_by="MERCHANT").needs_attribution
    assert not rec(status="Canceled", buyer_requested=True).needs_attribution
    assert not rec().needs_attribution
    filled = rec(status="Canceled").with_attribution("BUYER", "false")
    assert (filled.cancelled_by, filled.buyer_requested) == (CancelledBy.BUYER, False)


def test_record_is_frozen_and_keyword_only():
    """OrderRecord is frozen and keyword-only."""
    record = rec()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        record.status = OrderStatus.CANCELED  # type: ignore[misc]
    with pytest.raises(TypeError):
        OrderRecord("111-0000000-0000000")  # type: ignore[call-arg,misc]


# ---------------------------------------------------------------- display


def test_repr_and_str():
    """The repr and str are short and readable."""
    report = rate(_orders(100, 1))
    assert repr(report).startswith("CancellationRateReport(rate=1.00%, cancelled=1, total=100, target=2.50%")
    assert "by_day" not in repr(report)
    assert "Cancellation rate 1.00% (1 of 100 orders), target < 2.50%: GOOD" in str(report)


def test_repr_html():
    """_repr_html_ is a summary table plus the daily table."""
    html = rate(_orders(100, 1))._repr_html_()
    assert html.count("<table>") == 2
    assert "1.00% (1 / 100)" in html
    assert "&lt; 2.50%" in html


# ---------------------------------------------------------------- Amazon's figure


def _performance_report(key: str, entry: dict[str, object], marketplace: str = US) -> bytes:
    doc = {
        "accountStatuses": [{"marketplaceId": marketplace, "status": "NORMAL"}],
        "performanceMetrics": [{"marketplaceId": marketplace, key: entry}],
    }
    return json.dumps(doc).encode()


def _entry(**kw: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "reportingDateRange": {"reportingDateFrom": "2026-11-19T00:00Z", "reportingDateTo": "2026-11-25T23:59Z"},
        "orderCount": 1000,
        "cancellationCount": 12,
        "status": "GOOD",
        "rate": 0.012,
        "targetValue": 0.025,
        "targetCondition": "LESS_THAN",
    }
    entry.update(kw)
    return entry


@pytest.mark.parametrize("key", ["preFulfillmentCancellationRate", "prefulfillmentCancelRate"])
def test_both_report_keys(key):
    """Both the schema's property and its example's key are read."""
    amazon = parse_seller_performance_report(_performance_report(key, _entry()))
    entry = amazon.get()
    assert (entry.marketplace_id, entry.rate, entry.order_count, entry.cancellation_count) == (
        US,
        Decimal("0.012"),
        1000,
        12,
    )
    assert (entry.target_value, entry.target_condition, entry.account_status) == (
        Decimal("0.025"),
        "LESS_THAN",
        "NORMAL",
    )
    assert entry.consistent
    assert entry.meets_target
    assert entry.date_from == datetime(2026, 11, 19, tzinfo=UTC)


SCALES = [
    # id, reported rate, reported target, orders, cancellations, rate, target, consistent
    ("fraction", 0.012, 0.025, 1000, 12, Decimal("0.012"), Decimal("0.025"), True),
    ("percent", 1.2, 2.5, 1000, 12, Decimal("0.012"), Decimal("0.025"), True),
    ("small-percent", 0.5, 0.5, 1000, 5, Decimal("0.005"), Decimal("0.005"), True),
    ("inconsistent", 0.005, 0.01, 17197, 551, Decimal("0.005"), Decimal("0.01"), False),
    ("no-orders", 0, 0.025, 0, 0, Decimal(0), Decimal("0.025"), True),
]


@pytest.mark.parametrize(
    ("reported", "target", "orders", "cancels", "rate", "goal", "consistent"),
    [s[1:] for s in SCALES],
    ids=[s[0] for s in SCALES],
)
def test_rate_scale(reported, target, orders, cancels, rate, goal, consistent):  # noqa: PLR0917 - table columns
    """The rate is read as a fraction, rescaled when it is a percentage, and flagged when the counts disagree."""
    entry = _entry(rate=reported, targetValue=target, orderCount=orders, cancellationCount=cancels)
    found = parse_seller_performance_report(_performance_report("preFulfillmentCancellationRate", entry)).get(US)
    assert (found.rate, found.target_value, found.consistent) == (rate, goal, consistent)


def test_schema_example_and_gzip():
    """The schema's own example parses (gzip too); its rate disagrees with its counts and says so."""
    schema = json.loads(SCHEMA.read_text())
    example = schema["examples"][0]
    amazon = parse_seller_performance_report(gzip.compress(json.dumps(example).encode()))
    assert len(amazon) >= 1
    entry = next(iter(amazon))
    assert (entry.order_count, entry.cancellation_count, entry.rate) == (17197, 551, Decimal("0.005"))
    assert (entry.target_value, entry.target_condition) == (Decimal("0.01"), "LESS_THAN")
    assert not entry.consistent


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[]",
        b'{"performanceMetrics": [{"marketplaceId": "X"}]}',
        b'{"performanceMetrics": 3}',
        gzip.compress(b'{"performanceMetrics": []}')[:-6],
        b"\x1f\x8b" + b"\xff" * 30,
    ],
    ids=["not-json", "list", "no-rate", "metrics-not-list", "gzip-truncated", "gzip-corrupt"],
)
def test_bad_performance_reports(data):
    """Reports without a cancellation rate raise InvalidInputError."""
    with pytest.raises(InvalidInputError):
        parse_seller_performance_report(data)


def test_bad_performance_entry():
    """A malformed entry raises InvalidInputError."""
    data = _performance_report("preFulfillmentCancellationRate", _entry(orderCount="many"))
    with pytest.raises(InvalidInputError):
        parse_seller_performance_report(data)
    data = _performance_report("preFulfillmentCancellationRate", _entry(targetCondition="ABOUT"))
    with pytest.raises(InvalidInputError):
        parse_seller_performance_report(data)


def test_marketplace_choice():
    """get() needs a marketplace id when the report has several, and refuses unknown ones."""
    doc = {
        "performanceMetrics": [
            {"marketplaceId": US, "preFulfillmentCancellationRate": _entry()},
            {"marketplaceId": INDIA, "preFulfillmentCancellationRate": _entry(targetValue=0.02)},
        ]
    }
    amazon = parse_seller_performance_report(json.dumps(doc).encode())
    assert amazon.get(INDIA).target_value == Decimal("0.02")
    with pytest.raises(InvalidInputError):
        amazon.get()
    with pytest.raises(InvalidInputError):
        amazon.get("A1PA6795UKMFR9")


def test_compare_with_amazon():
    """compare_with_amazon fills amazon_rate, amazon_target and the difference."""
    report = rate(_orders(100, 2))
    amazon = parse_seller_performance_report(_performance_report("preFulfillmentCancellationRate", _entry()))
    compared = compare_with_amazon(report, amazon)
    assert (compared.amazon_rate, compared.amazon_target) == (Decimal("0.012"), Decimal("0.025"))
    assert compared.difference == Decimal("0.008")
    assert "amazon_rate=1.20%" in repr(compared)
    assert "Amazon reports 1.20%" in str(compared)
