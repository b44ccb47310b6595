"""Why Amazon cancelled (issue 18 item 7): the classification, the calculator's switchable rule, the separate counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sp_cancel import AmazonCancelKind, SystemCancellation
from sp_cancel._amazon_cancel import classify_amazon_cancel
from sp_cancel.errors import InvalidInputError
from sp_cancel.metrics import OrderRecord, cancellation_rate, rate_from_all_orders_file

END = datetime(2026, 11, 26, tzinfo=UTC)
BOUGHT = END - timedelta(days=6)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Payment not authorised", AmazonCancelKind.UNPAID),
        ("Payment verification failed", AmazonCancelKind.UNPAID),
        ("Order pending payment for too long", AmazonCancelKind.UNPAID),
        ("Not shipped within 7 business days of the ship-by date", AmazonCancelKind.LATE_SHIPMENT),
        ("Late shipment auto-cancel", AmazonCancelKind.LATE_SHIPMENT),
    ],
)
def test_amazons_words_decide_first(text: str, kind: AmazonCancelKind) -> None:
    """A text naming a payment or a late shipment decides, whatever the timing says."""
    assert classify_amazon_cancel(reason_text=text, purchased_at=BOUGHT, cancelled_at=BOUGHT, ship_by=None) is kind
    late = BOUGHT + timedelta(days=20)
    assert classify_amazon_cancel(reason_text=text, purchased_at=BOUGHT, cancelled_at=late, ship_by=BOUGHT) is kind


@pytest.mark.parametrize(
    ("after_purchase", "ship_by_after_purchase", "kind"),
    [
        (timedelta(hours=3), None, AmazonCancelKind.UNPAID),
        (timedelta(days=5) - timedelta(microseconds=1), None, AmazonCancelKind.UNPAID),
        (timedelta(days=5), None, AmazonCancelKind.LATE_SHIPMENT),  # ship-by unknown: the reading that counts
        (timedelta(days=9), timedelta(days=2), AmazonCancelKind.LATE_SHIPMENT),  # ship-by + 7 days
        (timedelta(days=9) - timedelta(microseconds=1), timedelta(days=2), AmazonCancelKind.OTHER),
        (timedelta(hours=3), timedelta(days=2), AmazonCancelKind.UNPAID),
    ],
)
def test_timing_decides_when_the_words_do_not(
    after_purchase: timedelta, ship_by_after_purchase: timedelta | None, kind: AmazonCancelKind
) -> None:
    """Ship-by + 7 days is the auto-cancel; within 5 days of purchase a payment cancel; else OTHER (ship-by known)."""
    ship_by = None if ship_by_after_purchase is None else BOUGHT + ship_by_after_purchase
    got = classify_amazon_cancel(
        reason_text="Cancelled by Amazon", purchased_at=BOUGHT, cancelled_at=BOUGHT + after_purchase, ship_by=ship_by
    )
    assert got is kind


def test_unknown_cancellation_time_is_the_reading_that_counts() -> None:
    """No cancellation time, no words: LATE_SHIPMENT (counted by default), as the calculator always did."""
    got = classify_amazon_cancel(reason_text=None, purchased_at=None, cancelled_at=None, ship_by=None)
    assert got is AmazonCancelKind.LATE_SHIPMENT


def test_system_cancellation_keeps_its_fields_and_gains_the_kind() -> None:
    """Existing constructors still work (kind defaults to OTHER); a string kind is converted."""
    old = SystemCancellation(order_id="1", cancelled_at=None, reason_text=None)
    assert old.kind is AmazonCancelKind.OTHER
    assert SystemCancellation(order_id="1", cancelled_at=None, reason_text=None, kind="UNPAID").kind is (
        AmazonCancelKind.UNPAID
    )


def _amazon(n: int, after: timedelta, reason: str | None = None, ship_by: datetime | None = None) -> OrderRecord:
    return OrderRecord(
        order_id=f"amazon-{n}",
        purchased_at=BOUGHT,
        marketplace_id="ATVPDKIKX0DER",
        fulfillment="MFN",
        status="Canceled",
        cancelled_by="AMAZON",
        cancelled_at=BOUGHT + after,
        cancel_reason=reason,
        ship_by=ship_by,
    )


def _world() -> list[OrderRecord]:
    plain = [
        OrderRecord(
            order_id=f"plain-{n}",
            purchased_at=BOUGHT,
            marketplace_id="ATVPDKIKX0DER",
            fulfillment="MFN",
            status="Shipped",
        )
        for n in range(20)
    ]
    return [
        *plain,
        _amazon(1, timedelta(hours=3)),  # unpaid: out of both counts
        _amazon(2, timedelta(hours=30), "Payment not authorised"),  # unpaid
        _amazon(3, timedelta(days=5, hours=1), "Not shipped within 7 business days of the ship-by date"),  # late
        _amazon(4, timedelta(days=5, hours=2), None, ship_by=BOUGHT + timedelta(days=2)),  # other: too early
    ]


def test_the_report_separates_amazons_cancels_by_kind() -> None:
    """Two unpaid (in neither count), one late shipment and one other (both counted by default)."""
    report = cancellation_rate(_world(), end=END)
    assert (report.amazon_unpaid, report.amazon_late_shipment, report.amazon_other) == (2, 1, 1)
    assert report.amazon_cancellations == {
        AmazonCancelKind.UNPAID: 2,
        AmazonCancelKind.LATE_SHIPMENT: 1,
        AmazonCancelKind.OTHER: 1,
    }
    assert (report.cancelled, report.total, report.late_shipment_counts) == (2, 22, True)
    day = next(d for d in report.by_day if d.day == BOUGHT.date())
    assert (day.amazon_unpaid, day.amazon_late_shipment, day.amazon_other) == (2, 1, 1)
    assert "2 unpaid" in str(report)
    assert "1 for late shipment (counted)" in str(report)


def test_the_late_shipment_rule_is_a_switch() -> None:
    """``late_shipment_counts=False``: the late-shipment cancel stays in the total, leaves the numerator."""
    report = cancellation_rate(_world(), end=END, late_shipment_counts=False)
    assert (report.cancelled, report.total, report.amazon_late_shipment) == (1, 22, 1)
    assert report.late_shipment_counts is False
    assert "(not counted)" in str(report)


@pytest.mark.parametrize("value", ["false", 0, None])
def test_the_switch_takes_only_a_bool(value: object) -> None:
    """``"false"`` would read the wrong way: refused."""
    with pytest.raises(InvalidInputError, match="late_shipment_counts"):
        cancellation_rate(_world(), end=END, late_shipment_counts=value)  # type: ignore[arg-type]


def test_the_dataframe_carries_the_kinds() -> None:
    """``to_pandas`` has a column per kind, summing to the report's counts."""
    pytest.importorskip("pandas")
    frame = cancellation_rate(_world(), end=END).to_pandas()
    assert (
        frame["amazon_unpaid"].sum(),
        frame["amazon_late_shipment"].sum(),
        frame["amazon_other"].sum(),
    ) == (2, 1, 1)


@pytest.mark.parametrize("engine", ["pyarrow", "python"])
def test_the_file_route_classifies_and_switches_too(engine: str, tmp_path) -> None:
    """The All Orders report has no words and no ship-by: the timing classifies, the switch applies."""
    header = "amazon-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tsales-channel"
    rows = [
        f"111-000000{n}-000000{n}\t{BOUGHT.isoformat()}\t{(BOUGHT + after).isoformat()}\tCancelled\tMerchant\t"
        "Amazon.com"
        for n, after in ((1, timedelta(hours=3)), (2, timedelta(days=5, hours=1)))
    ]
    rows.append(f"111-0000003-0000003\t{BOUGHT.isoformat()}\t{BOUGHT.isoformat()}\tShipped\tMerchant\tAmazon.com")
    path = tmp_path / "r.tsv"
    path.write_text("\n".join([header, *rows]) + "\n")
    attribution = {"111-0000001-0000001": ("AMAZON", False), "111-0000002-0000002": ("AMAZON", False)}
    counted = rate_from_all_orders_file(path, attribution=attribution, end=END, engine=engine)  # type: ignore[arg-type]
    assert (counted.amazon_unpaid, counted.amazon_late_shipment, counted.cancelled, counted.total) == (1, 1, 1, 2)
    not_counted = rate_from_all_orders_file(
        path,
        attribution=attribution,
        end=END,
        engine=engine,  # type: ignore[arg-type]
        late_shipment_counts=False,
    )
    assert (not_counted.cancelled, not_counted.total) == (0, 2)
