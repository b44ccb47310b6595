import gzip
import io
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sp_cancel.metrics._arrow as arrow_engine
from sp_cancel.errors import InvalidInputError
from sp_cancel.metrics import (
    CancelledBy,
    Fulfillment,
    OrderStatus,
    cancellation_rate,
    rate_from_all_orders_file,
    records_from_all_orders_report,
)
from sp_cancel.metrics._allorders import Counts
from sp_cancel.metrics._file import count_report

END = datetime(2026, 11, 26, tzinfo=UTC)
HEADER = (
    "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\t"
    "sales-channel\tproduct-name\tsku\titem-status\tquantity"
)


def row(order_id, bought, status="Shipped", channel="Merchant", item="Shipped", *, updated=None, sales="Amazon.com"):
    """One item row of an All Orders report."""
    updated = updated or bought + timedelta(hours=2)
    return "\t".join(
        [
            order_id,
            "",
            bought.isoformat(timespec="seconds"),
            updated.isoformat(timespec="seconds"),
            status,
            channel,
            sales,
            'Widget "deluxe"',
            "SKU-1",
            item,
            "1",
        ]
    )


def report(*rows: str, header: str = HEADER) -> bytes:
    """A report document from item rows."""
    return ("\n".join([header, *rows]) + "\n").encode()


DAY = END - timedelta(days=1)
SAMPLE = report(
    row("111-0000001-0000001", DAY),
    row("111-0000002-0000002", DAY, "Shipped", "Merchant", "Shipped"),
    row("111-0000002-0000002", DAY, "Shipped", "Merchant", "Cancelled"),  # partial cancel, second item
    row("111-0000003-0000003", DAY, "Cancelled", "Merchant", "Cancelled"),
    row("111-0000003-0000003", DAY, "Cancelled", "Merchant", "Cancelled"),
    row("111-0000004-0000004", DAY, "Shipped", "Amazon", "Shipped"),
    row("111-0000005-0000005", DAY, "Pending", "Merchant", "Unshipped"),
    row("111-0000006-0000006", DAY, "Cancelled", "Merchant", "Cancelled", sales="Amazon.in"),
    row("111-0000007-0000007", END - timedelta(days=9)),  # before the window
)


def test_items_are_grouped_into_orders():
    """Adjacent rows of one order become one record; order fields come from the first row."""
    records = list(records_from_all_orders_report(io.BytesIO(SAMPLE)))
    assert [r.order_id for r in records] == [f"111-000000{i}-000000{i}" for i in range(1, 8)]
    by_id = {r.order_id[4:11]: r for r in records}
    assert by_id["0000004"].fulfillment is Fulfillment.AFN
    assert by_id["0000005"].status is OrderStatus.PENDING
    assert by_id["0000006"].marketplace_id == "A21TJRUUN4KGV"
    assert by_id["0000001"].marketplace_id == "ATVPDKIKX0DER"


def test_cancelled_records_need_attribution():
    """Whole and partial cancellations carry cancelled_at = last-updated-date and need attribution."""
    records = {r.order_id[4:11]: r for r in records_from_all_orders_report(io.BytesIO(SAMPLE))}
    assert records["0000002"].status is OrderStatus.SHIPPED
    assert records["0000002"].cancelled_at == DAY + timedelta(hours=2)
    assert records["0000002"].needs_attribution
    assert records["0000003"].needs_attribution
    assert records["0000003"].cancelled_by is None
    assert not records["0000001"].needs_attribution
    assert records["0000001"].cancelled_at is None


@pytest.mark.parametrize("size", [1, 7, 64, 10_000], ids=lambda n: f"chunks-of-{n}")
def test_any_chunking(size):
    """Arbitrary byte chunks (an HTTP body) parse the same as a file."""
    chunks = [SAMPLE[i : i + size] for i in range(0, len(SAMPLE), size)]
    assert list(records_from_all_orders_report(chunks)) == list(records_from_all_orders_report(io.BytesIO(SAMPLE)))


def test_gzip_and_crlf():
    """Gzip-compressed and CRLF documents parse the same."""
    plain = list(records_from_all_orders_report(io.BytesIO(SAMPLE)))
    assert list(records_from_all_orders_report(io.BytesIO(gzip.compress(SAMPLE)))) == plain
    crlf = SAMPLE.replace(b"\n", b"\r\n")
    assert list(records_from_all_orders_report(io.BytesIO(crlf))) == plain


def test_bom_and_header_case():
    """A UTF-8 BOM and upper-case header names are accepted."""
    data = b"\xef\xbb\xbf" + SAMPLE.replace(b"amazon-order-id", b"Amazon-Order-Id", 1)
    assert len(list(records_from_all_orders_report(io.BytesIO(data)))) == 7


def test_marketplace_override():
    """marketplace_id overrides the sales-channel mapping."""
    records = list(records_from_all_orders_report(io.BytesIO(SAMPLE), marketplace_id="A1PA6795UKMFR9"))
    assert {r.marketplace_id for r in records} == {"A1PA6795UKMFR9"}


BAD_REPORTS = [
    ("missing-column", report(row("111-0000001-0000001", DAY), header=HEADER.replace("order-status", "status"))),
    ("short-row", report("111-0000001-0000001\t\t2026-11-25T00:00:00+00:00")),
    ("unknown-status", report(row("111-0000001-0000001", DAY, status="Lost"))),
    ("unknown-channel", report(row("111-0000001-0000001", DAY, channel="Drone"))),
    ("naive-date", report(row("111-0000001-0000001", DAY).replace("+00:00", "", 1))),
]


@pytest.mark.parametrize("data", [b[1] for b in BAD_REPORTS], ids=[b[0] for b in BAD_REPORTS])
def test_bad_reports(data, tmp_path):
    """Malformed reports raise InvalidInputError on every path."""
    with pytest.raises(InvalidInputError):
        list(records_from_all_orders_report(io.BytesIO(data)))
    path = tmp_path / "r.tsv"
    path.write_bytes(data)
    for engine in ("python", "pyarrow"):
        with pytest.raises(InvalidInputError):
            rate_from_all_orders_file(path, end=END, engine=engine)


def test_empty_report(tmp_path):
    """A header-only or empty file gives an empty window."""
    for data in (b"", (HEADER + "\n").encode()):
        path = tmp_path / "r.tsv"
        path.write_bytes(data)
        if not data:
            assert list(records_from_all_orders_report(io.BytesIO(data))) == []
            continue
        for engine in ("python", "pyarrow"):
            assert rate_from_all_orders_file(path, end=END, engine=engine).total == 0


ATTRIBUTION = {
    "111-0000002-0000002": (CancelledBy.BUYER, False),
    "111-0000003-0000003": ("MERCHANT", False),
}


@pytest.mark.parametrize("engine", ["python", "pyarrow"])
def test_file_rate(engine, tmp_path):
    """The file fast path applies the definition and the attribution."""
    path = tmp_path / "r.tsv"
    path.write_bytes(SAMPLE)
    result = rate_from_all_orders_file(path, end=END, engine=engine)
    # MFN non-Pending orders in the window: 1, 2 (partial), 3, 6 (India); all three cancelled unattributed.
    assert (result.total, result.cancelled, result.unattributed) == (4, 3, 3)
    assert result.target == Decimal("0.02")  # India present: strictest target
    attributed = rate_from_all_orders_file(path, end=END, engine=engine, attribution=ATTRIBUTION)
    assert (attributed.total, attributed.cancelled, attributed.unattributed) == (4, 2, 1)
    us = rate_from_all_orders_file(path, end=END, engine=engine, attribution=ATTRIBUTION, marketplace="ATVPDKIKX0DER")
    assert (us.total, us.cancelled, us.target) == (3, 1, Decimal("0.025"))
    assert result.source == "all_orders_report"


def test_file_path_matches_records_path(tmp_path):
    """rate_from_all_orders_file equals cancellation_rate over the parsed, attributed records."""
    path = tmp_path / "r.tsv"
    path.write_bytes(SAMPLE)
    records = (
        r.with_attribution(*ATTRIBUTION[r.order_id]) if r.order_id in ATTRIBUTION else r
        for r in records_from_all_orders_report(io.BytesIO(SAMPLE))
    )
    slow = cancellation_rate(records, end=END)
    fast = rate_from_all_orders_file(path, end=END, attribution=ATTRIBUTION)
    assert (slow.total, slow.cancelled, slow.by_day, slow.headroom) == (
        fast.total,
        fast.cancelled,
        fast.by_day,
        fast.headroom,
    )


def test_auto_engine_without_pyarrow(tmp_path, monkeypatch):
    """engine='auto' falls back to pure Python when pyarrow is not installed."""
    path = tmp_path / "r.tsv"
    path.write_bytes(SAMPLE)
    monkeypatch.setattr("importlib.util.find_spec", _not_found)
    monkeypatch.setattr(arrow_engine, "arrow_counts", _boom)
    assert rate_from_all_orders_file(path, end=END).total == 4


def _not_found(*_args, **_kwargs):
    return None


def _boom(*args, **kwargs):
    raise AssertionError("pyarrow path used")


def test_bad_engine(tmp_path):
    """An unknown engine is refused."""
    path = tmp_path / "r.tsv"
    path.write_bytes(SAMPLE)
    with pytest.raises(InvalidInputError):
        rate_from_all_orders_file(path, end=END, engine="duckdb")  # type: ignore[arg-type]


# Random reports: the two engines, with tiny pieces so orders straddle piece boundaries, agree with each other
# and with the record path.
STATUSES = ["Shipped", "Cancelled", "Pending", "Unshipped", "PartiallyShipped", "PendingAvailability"]
order_st = st.tuples(
    st.integers(min_value=0, max_value=11 * 24),  # hours before END
    st.sampled_from(STATUSES),
    st.sampled_from(["Merchant", "Amazon"]),
    st.lists(st.sampled_from(["Shipped", "Cancelled", "Unshipped"]), min_size=1, max_size=4),
    st.integers(min_value=0, max_value=14 * 24),  # hours from purchase to last update
    st.sampled_from([None, ("MERCHANT", False), ("MERCHANT", True), ("BUYER", False), ("AMAZON", False)]),
    st.sampled_from(["Amazon.com", "Amazon.in"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=st.lists(order_st, max_size=40), piece=st.sampled_from([120, 300, 1000, 1 << 20]))
def test_engines_agree(orders, piece, tmp_path, monkeypatch):
    """The pyarrow and pure-Python readers, and the record path, give the same report on any report."""
    monkeypatch.setattr(arrow_engine, "_CHUNK", piece)
    monkeypatch.setattr(arrow_engine, "_TAIL", 64)
    rows, attribution = [], {}
    for n, (hours, status, channel, items, lag, who, sales) in enumerate(orders):
        order_id = f"{100 + n % 7:03d}-{n:07d}-0000000"
        bought = END - timedelta(hours=hours, minutes=n % 60)
        for item in items:
            item_status = "Cancelled" if status == "Cancelled" else item
            rows.append(
                row(order_id, bought, status, channel, item_status, updated=bought + timedelta(hours=lag), sales=sales)
            )
        if who is not None:
            attribution[order_id] = who
    data = report(*rows)
    path = tmp_path / "r.tsv"
    path.write_bytes(data)
    results = [
        rate_from_all_orders_file(path, end=END, attribution=attribution, engine=e) for e in ("python", "pyarrow")
    ]
    zipped = tmp_path / "r.tsv.gz"
    zipped.write_bytes(gzip.compress(data))
    results.append(rate_from_all_orders_file(zipped, end=END, attribution=attribution, engine="pyarrow"))
    records = (  # the client attributes the orders the report shows cancelled; the file path ignores the rest
        r.with_attribution(*attribution[r.order_id]) if r.order_id in attribution and r.is_cancelled else r
        for r in records_from_all_orders_report(io.BytesIO(data))
    )
    results.append(cancellation_rate(records, end=END))
    keys = [(r.total, r.cancelled, r.unattributed, r.by_day, r.target, r.headroom) for r in results]
    assert all(k == keys[0] for k in keys)


# ---------------------------------------------------------------- notebook helpers


def test_to_pandas(tmp_path):
    """to_pandas gives the by-day table indexed by day."""
    path = tmp_path / "r.tsv"
    path.write_bytes(SAMPLE)
    frame = rate_from_all_orders_file(path, end=END).to_pandas()
    assert list(frame.columns) == [
        *("orders", "cancelled", "rate", "target"),
        *("amazon_unpaid", "amazon_late_shipment", "amazon_other"),
    ]
    assert len(frame) == 7
    assert frame["orders"].sum() == 4
    assert frame["rate"].iloc[-1] == pytest.approx(0.75)


def test_plot(tmp_path):
    """The plot draws the daily rate against the target line and returns the Axes."""
    import matplotlib as mpl  # noqa: PLC0415

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    path = tmp_path / "r.tsv"
    path.write_bytes(SAMPLE)
    ax = rate_from_all_orders_file(path, end=END).plot()
    try:
        assert len(ax.patches) == 7
        assert any(line.get_ydata()[0] == pytest.approx(0.02) for line in ax.get_lines())
    finally:
        plt.close(ax.figure)


def test_missing_notebook_extra(monkeypatch):
    """Without pandas, to_pandas says which extra to install."""
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 'sp-cancel\[notebook\]'"):
        cancellation_rate([], end=END).to_pandas()


# --- issue 18 item 5/6: the report's own buyer-request column, and the columnar path over bytes -----------

ASKED_HEADER = HEADER + "\tis-buyer-requested-cancellation"


def asked_row(order_id, bought, status, item, asked):
    """A row of a report that has the ``is-buyer-requested-cancellation`` column."""
    return row(order_id, bought, status, "Merchant", item) + "\t" + asked


ASKED = report(
    asked_row("111-0000001-0000001", DAY, "Cancelled", "Cancelled", "false"),
    asked_row("111-0000002-0000002", DAY, "Cancelled", "Cancelled", "false"),
    asked_row("111-0000002-0000002", DAY, "Cancelled", "Cancelled", "true"),  # second item asked
    asked_row("111-0000003-0000003", DAY, "Cancelled", "Cancelled", "TRUE"),
    asked_row("111-0000004-0000004", DAY, "Shipped", "Shipped", ""),
    header=ASKED_HEADER,
)


@pytest.mark.parametrize("engine", ["pyarrow", "python"])
def test_report_column_says_the_buyer_asked_and_nobody_is_looked_up(engine, tmp_path):
    """``is-buyer-requested-cancellation`` true on any item: the order does not count, and no attribution is read."""
    path = tmp_path / "asked.tsv"
    path.write_bytes(ASKED)
    asked_for: list[str] = []

    class Spy(dict):
        def get(self, key, _default=None):
            asked_for.append(key)
            return ("MERCHANT", False)

    result = rate_from_all_orders_file(path, attribution=Spy(), end=END, engine=engine)
    assert (result.cancelled, result.total) == (1, 4)  # only 0000001: nobody asked, the seller cancelled
    assert asked_for == ["111-0000001-0000001"]


def test_records_carry_the_report_buyer_request():
    """The record path reads the same column through the same parser."""
    records = {r.order_id[4:11]: r for r in records_from_all_orders_report(io.BytesIO(ASKED))}
    assert [records[k].buyer_requested for k in ("0000001", "0000002", "0000003", "0000004")] == [
        False,
        True,
        True,
        False,
    ]
    assert not records["0000002"].needs_attribution


def test_report_column_with_a_value_of_no_shape_is_refused(tmp_path):
    """``maybe`` is neither true nor false: refused, naming the column, by both engines."""
    path = tmp_path / "bad.tsv"
    path.write_bytes(report(asked_row("111-0000001-0000001", DAY, "Shipped", "Shipped", "maybe"), header=ASKED_HEADER))
    for engine in ("pyarrow", "python"):
        with pytest.raises(InvalidInputError, match="is-buyer-requested-cancellation"):
            rate_from_all_orders_file(path, end=END, engine=engine)


@pytest.mark.parametrize("engine", ["pyarrow", "python"])
@pytest.mark.parametrize("zipped", [False, True])
def test_count_report_over_bytes_matches_the_file(engine, zipped, tmp_path):
    """The client's report route counts the document's bytes (gzip or not) exactly as the file route counts a file."""
    path = tmp_path / "sample.tsv"
    path.write_bytes(SAMPLE)
    expected = rate_from_all_orders_file(path, end=END, engine=engine, marketplace="ATVPDKIKX0DER")
    counts = Counts(END - timedelta(days=7), END)
    data = gzip.compress(SAMPLE) if zipped else SAMPLE
    count_report(data, counts, None, "ATVPDKIKX0DER", None, engine=engine)
    got = counts.report(None, "ATVPDKIKX0DER")
    assert (got.cancelled, got.total, got.by_day, got.unattributed) == (
        expected.cancelled,
        expected.total,
        expected.by_day,
        expected.unattributed,
    )
    assert got.total > 0
