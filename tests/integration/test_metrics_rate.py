"""The client side of the cancellation rate against the simulator: routes, auto, compare, the batch guard, the CLI."""

from __future__ import annotations

import gzip
import json
import math
import re
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sp_cancel import CancellationRateError
from sp_cancel._runtime.reports import REPORT_DATA_LAG
from sp_cancel.cli import main
from sp_cancel.errors import InvalidInputError
from sp_cancel.metrics import MarketplaceCancellationRate, OrderRecord, parse_seller_performance_report
from sp_cancel.models import CancelReason, CancelRequest
from sp_cancel.testing import Scenario, Simulator
from sp_cancel.testing._sim.world import SimOrder

PERFORMANCE = "GET_V2_SELLER_PERFORMANCE_REPORT"
ALL_ORDERS = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
EMPTY = Scenario(orders=0, listings=2, mcf_orders=False, deals=False)
# Float noise only: Amazon's ``rate`` is a JSON number (a binary float), ours an exact Decimal.
FLOAT_NOISE = Decimal("1e-15")


def calls(sim: Simulator) -> int:
    """API calls made so far (the LWA token exchange is not an SP-API call)."""
    return sum(n for op, n in sim.request_counts.items() if op != "lwa.token")


def amazon_entry(sim: Simulator) -> MarketplaceCancellationRate:
    """Parse the last seller performance report the simulator produced."""
    report = [r for r in sim.world.reports.values() if r.report_type == PERFORMANCE][-1]
    assert report.document_id is not None
    content = sim.world.documents[report.document_id].content
    assert content is not None
    return parse_seller_performance_report(gzip.decompress(content)).get(sim.marketplace_id)


def report_end(sim: Simulator) -> datetime:
    """When a report requested now ends: the simulator's Amazon window ends then (7 days back from it)."""
    core = sim._core
    return sim.now() + core.report_queue_time + core.report_processing_time


def quick_amazon_cancels(sim: Simulator, start: datetime, end: datetime) -> list[SimOrder]:
    """Amazon's payment/fraud cancels of home-marketplace MFN orders purchased in ``[start, end)``."""
    return [
        o
        for o in sim.world.orders.values()
        if o.marketplace_id == sim.marketplace_id
        and o.fulfillment_channel == "MFN"
        and start <= o.purchase_date < end
        and o.cancelled_by == "AMAZON"
        and not o.late_ship_auto_cancel
    ]


def attribution_world() -> tuple[Simulator, int]:
    """A world of known orders around the window; returns it and how many getOrder calls attribution needs."""
    sim = Simulator(seed=11, scenario=EMPTY)
    now = sim.now()
    day = timedelta(days=1)
    for n in range(10):
        sim.add_order(status="Shipped", purchase_date=now - (0.5 + n * 0.6) * day)
    sim.add_order(status="Pending", purchase_date=now - timedelta(hours=3))
    sim.add_order(status="Canceled", cancelled_by="MERCHANT", purchase_date=now - 2 * day)
    sim.add_order(status="Canceled", cancelled_by="MERCHANT", purchase_date=now - 3 * day)
    sim.add_order(status="Canceled", cancelled_by="MERCHANT", buyer_requested_cancel=True, purchase_date=now - day)
    sim.add_order(status="Canceled", cancelled_by="BUYER", purchase_date=now - 4 * day)
    sim.add_order(status="Canceled", cancelled_by="AMAZON", purchase_date=now - 5 * day)  # payment cancel
    sim.add_order(status="Canceled", cancelled_by="AMAZON", late_ship_auto_cancel=True, purchase_date=now - 6.5 * day)
    sim.add_order(status="Canceled", cancelled_by="BUYER", channel="AFN", purchase_date=now - day)
    # Purchased before the window, cancelled (last updated) inside it: in the report, not in the rate.
    sim.add_order(status="Canceled", cancelled_by="MERCHANT", purchase_date=now - 7 * day - timedelta(hours=1))
    # The six cancelled MFN orders purchased in the window but the late-shipment auto-cancel: cancelled just now,
    # after the report's data end, it comes with its canceller in the re-read that follows the report.
    return sim, 5


def reread_ids(sim: Simulator) -> set[str]:
    """The orders the report route reads again: MFN, updated after the last All Orders report's data end."""
    report = [r for r in sim.world.reports.values() if r.report_type == ALL_ORDERS][-1]
    data_end = report.created_at - REPORT_DATA_LAG
    return {
        o.order_id
        for o in sim.world.orders.values()
        if o.fulfillment_channel == "MFN" and o.marketplace_id == sim.marketplace_id and o.last_update_date > data_end
    }


def build_large_seller() -> Simulator:
    """3,200 seller-fulfilled orders in the last 7 days, 8 of them cancelled by the seller (0.25 %)."""
    sim = Simulator(seed=5, scenario=EMPTY)
    first = sim.now() - timedelta(days=6.9)
    for n in range(3200):
        purchased = first + timedelta(seconds=180 * n)
        if n % 400 == 150:
            sim.add_order(status="Canceled", cancelled_by="MERCHANT", purchase_date=purchased)
        else:
            sim.add_order(status="Shipped" if n % 3 else "Unshipped", purchase_date=purchased)
    return sim


@pytest.fixture(scope="module")
def large_seller() -> Simulator:
    """The large seller's world, built once (it takes a few seconds)."""
    return build_large_seller()


@pytest.fixture
def guard_world() -> Simulator:
    """40 MFN orders this week, none cancelled: 30 shipped, 7 unshipped, 3 unshipped with a buyer request."""
    sim = Simulator(seed=21, scenario=EMPTY)
    now = sim.now()
    for n in range(40):
        purchased = now - timedelta(hours=4 + 3 * n)
        if n < 7:
            sim.add_order(status="Unshipped", purchase_date=purchased)
        elif n < 10:
            sim.add_order(status="Unshipped", buyer_requested_cancel=True, purchase_date=purchased)
        else:
            sim.add_order(status="Shipped", purchase_date=purchased)
    return sim


def unshipped(sim: Simulator, *, buyer_requested: bool) -> list[str]:
    """Ids of the guard world's unshipped orders, with or without a buyer request."""
    return [o.order_id for o in sim.orders(status="Unshipped", channel="MFN", buyer_requested=buyer_requested)]


# --- the two routes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 6, 8])
def test_both_routes_give_the_same_report_on_the_same_world(seed: int) -> None:
    """The searchOrders route and the All Orders report + getOrder route compute identical reports."""
    sim = Simulator(seed=seed)
    client = sim.client()
    end = sim.now()
    by_orders = client.cancellation_rate(source="orders", end=end)
    by_report = client.cancellation_rate(source="report", end=end)
    assert (by_orders.source, by_report.source) == ("orders", "report")
    assert (by_report.rate, by_report.cancelled, by_report.total) == (
        by_orders.rate,
        by_orders.cancelled,
        by_orders.total,
    )
    assert by_report.by_day == by_orders.by_day
    assert by_orders.total > 20
    assert by_report.unattributed == by_orders.unattributed == 0


def test_report_route_attributes_only_the_cancelled_mfn_orders_of_the_window() -> None:
    """One getOrder per cancelled seller-fulfilled order in the window, none for AFN or older ones."""
    sim, expected_lookups = attribution_world()
    report = sim.client().cancellation_rate(source="report")
    assert sim.request_counts.get("orders.getOrder") == expected_lookups
    assert sim.request_counts.get("orders.searchOrders") == 1  # the orders updated after the report's data end
    late = next(o for o in sim.world.orders.values() if o.late_ship_auto_cancel)
    assert late.order_id in reread_ids(sim)  # hence read again, not looked up
    # merchant x2 + late-ship auto-cancel; buyer request, buyer cancel, payment cancel and Pending do not count
    assert (report.cancelled, report.total, report.unattributed) == (3, 15, 0)


def test_report_route_builds_no_record_per_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """The report route counts columns, as the file route does: no ``OrderRecord`` for a report's order.

    Only the orders read again after the report's data end (``searchOrders``, as the orders route reads them) are
    records; none of the report's (issue 18 item 5).
    """
    sim, expected_lookups = attribution_world()
    built: list[str] = []

    def recorded(self: OrderRecord) -> None:
        built.append(self.order_id)

    monkeypatch.setattr(OrderRecord, "__attrs_post_init__", recorded)
    report = sim.client().cancellation_rate(source="report")
    assert (report.cancelled, report.total, report.unattributed, report.source) == (3, 15, 0, "report")
    assert sim.request_counts.get("orders.getOrder") == expected_lookups
    reread = reread_ids(sim)
    assert 0 < len(reread) < len(sim.world.orders)
    assert sorted(built) == sorted(reread)


def test_orders_route_agrees_on_the_attribution_world() -> None:
    """The searchOrders route reads the same world the same way, with no getOrder at all."""
    sim, _ = attribution_world()
    report = sim.client().cancellation_rate(source="orders")
    assert (report.cancelled, report.total, report.source) == (3, 15, "orders")
    assert "orders.getOrder" not in sim.request_counts


@pytest.mark.parametrize("source", ["orders", "report"])
def test_both_routes_separate_amazons_cancels_and_switch_the_late_rule(source: Any) -> None:
    """Amazon's payment cancel and late-ship auto-cancel are counted apart by both routes (issue 18 item 7).

    A late-shipment auto-cancel comes 9+ days after purchase, so only a window longer than 7 days (India's 30) can
    hold one that already happened. Without the late-shipment rule the figure drops by one, the total does not.
    """
    sim = Simulator(seed=11, scenario=EMPTY)
    now = sim.now()
    for n in range(10):
        sim.add_order(status="Shipped", purchase_date=now - timedelta(days=1 + 2 * n))
    sim.add_order(status="Canceled", cancelled_by="MERCHANT", purchase_date=now - timedelta(days=3))
    sim.add_order(status="Canceled", cancelled_by="AMAZON", purchase_date=now - timedelta(days=4))  # payment
    sim.add_order(
        status="Canceled", cancelled_by="AMAZON", late_ship_auto_cancel=True, purchase_date=now - timedelta(days=20)
    )
    client = sim.client()
    report = client.cancellation_rate(source=source, window=timedelta(days=30))
    assert (report.amazon_unpaid, report.amazon_late_shipment, report.amazon_other) == (1, 1, 0)
    assert (report.cancelled, report.total) == (2, 12)
    lenient = client.cancellation_rate(source=source, window=timedelta(days=30), late_shipment_counts=False)
    assert (lenient.cancelled, lenient.total, lenient.late_shipment_counts) == (1, 12, False)


def test_report_route_with_no_data_gives_an_empty_window() -> None:
    """Amazon CANCELs an All Orders report with no rows; that is an empty window (NONE), not an error."""
    sim = Simulator(seed=2, scenario=EMPTY)
    report = sim.client().cancellation_rate(source="report")
    assert (report.total, report.cancelled, report.status) == (0, 0, "NONE")
    assert sim.request_counts.get("reports.createReport") == 1


def test_report_route_downloads_gzip_once_and_polls_after_waiting() -> None:
    """One create, one document, one download; the polls double the wait, then follow the time learned."""
    sim = Simulator(seed=1)
    client = sim.client()
    client.cancellation_rate(source="report")
    counts = sim.request_counts
    assert counts["reports.createReport"] == counts["reports.getReportDocument"] == counts["document.download"] == 1
    assert counts["reports.getReport"] == 8  # at 0.5, 1, 2, 4 ... 64 s: DONE at 40 s
    client.cancellation_rate(source="report")
    assert sim.request_counts["reports.getReport"] == 9  # once, at 42 s: the 40 s learned


# --- auto ------------------------------------------------------------------------------------------------


def test_auto_picks_orders_for_a_small_seller_and_that_is_cheaper() -> None:
    """One searchOrders page holds the whole window: auto stops there, cheaper than the report route."""
    sim = Simulator(seed=1)
    client = sim.client()
    report = client.cancellation_rate()
    auto_calls = calls(sim)
    assert report.source == "orders"
    assert sim.request_counts == {"lwa.token": 1, "orders.searchOrders": 1}
    client.cancellation_rate(source="report")
    assert calls(sim) - auto_calls > auto_calls


def test_auto_picks_the_report_for_a_large_seller_and_makes_fewer_calls(large_seller: Simulator) -> None:
    """3,200 orders, 8 cancelled: auto reads one page, then the report route beats 31 more pages."""
    before = calls(large_seller)
    report = large_seller.client().cancellation_rate()
    made = calls(large_seller) - before
    pages = math.ceil(sum(1 for o in large_seller.world.orders.values() if o.fulfillment_channel == "MFN") / 100)
    assert report.source == "report"
    assert (report.cancelled, report.total) == (8, 3200)
    # The orders updated after the report's data end, read again: the week's last day of shipped orders was
    # ship-confirmed just now in this world (none of the 8 cancelled ones, each looked up with getOrder).
    reread = reread_ids(large_seller)
    assert not any(large_seller.order(o).status == "Canceled" for o in reread)
    reread_pages = math.ceil(len(reread) / 100)
    assert reread_pages == 3
    # first page; create, 8 polls, document, download; the re-read; 8 getOrder
    assert made == 1 + 11 + reread_pages + 8
    assert made < pages == 32


def test_orders_route_pages_through_a_large_seller() -> None:
    """The searchOrders route pages through 32 pages at 0.0056 rps and agrees with the report route."""
    by_orders = build_large_seller().client().cancellation_rate(source="orders")
    assert (by_orders.cancelled, by_orders.total) == (8, 3200)


# --- Amazon's own figure ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["preFulfillmentCancellationRate", "prefulfillmentCancelRate"])
def test_compare_with_amazon_reads_both_report_keys(key: Any) -> None:
    """Both spellings of the performance metric give Amazon's rate, its target and the difference."""
    sim = Simulator(seed=6, cancel_rate_key=key)
    report = sim.client().cancellation_rate(compare_with_amazon=True)
    entry = amazon_entry(sim)
    assert report.amazon_rate == entry.rate
    assert (entry.cancellation_count, entry.order_count) == (report.cancelled, report.total)
    assert report.amazon_target == Decimal("0.025")
    assert report.difference == (report.rate - entry.rate).quantize(Decimal("0.000001"))
    assert sim.request_counts["reports.createReport"] == 1


def test_compare_with_amazon_takes_the_target_from_the_report() -> None:
    """India's report says 2 %: the amazon_target is the report's, not a hard-coded 2.5 %."""
    sim = Simulator(seed=4, marketplace="IN")
    report = sim.client().cancellation_rate(compare_with_amazon=True)
    assert report.amazon_target == Decimal("0.02")
    assert report.target == Decimal("0.02")


@pytest.mark.parametrize("seed", range(8))
def test_local_and_amazon_rates_agree_on_aligned_windows(seed: int) -> None:
    """Computed over Amazon's reportingDateRange, our figure equals Amazon's: same orders, same cancellations."""
    sim = Simulator(seed=seed)
    client = sim.client()
    # Two more seller cancellations of this week's orders, through the real feed, so the numerator is not 0.
    mine = [o.order_id for o in sim.orders(status="Unshipped", channel="MFN", buyer_requested=False)]
    home = [o for o in mine if sim.order(o).marketplace_id == sim.marketplace_id][:2]
    client.cancel_orders([CancelRequest(order_id=o, reason=CancelReason.NO_INVENTORY) for o in home])
    report = client.cancellation_rate(compare_with_amazon=True)  # the window asked for: the last 7x24 h
    entry = amazon_entry(sim)
    assert (report.window_start, report.window_end) == (entry.date_from, entry.date_to + timedelta(minutes=1))
    assert (report.amazon_window_start, report.amazon_window_end) == (report.window_start, report.window_end)
    assert report.requested_window_start != report.window_start  # both windows are shown
    assert report.cancelled == entry.cancellation_count >= 2
    # Amazon's payment cancels of Pending orders are in neither figure (never released to the seller).
    assert report.total == entry.order_count
    assert report.amazon_rate is not None
    assert abs(report.rate - report.amazon_rate) < FLOAT_NOISE
    assert report.difference == 0


# --- the batch guard -----------------------------------------------------------------------------------------


def test_guard_refuses_a_batch_and_sends_nothing(guard_world: Simulator) -> None:
    """Three seller-faulted cancels of 40 orders (7.5 %) against max_rate 2.5 %: refused, no feed sent."""
    client = guard_world.client()
    requests = [
        CancelRequest(order_id=o, reason=CancelReason.NO_INVENTORY)
        for o in unshipped(guard_world, buyer_requested=False)[:3]
    ]
    with pytest.raises(CancellationRateError) as caught:
        client.cancel_orders(requests, max_rate=0.025)
    error = caught.value
    assert error.projected_rate == Decimal(3) / Decimal(40)
    assert error.current_rate == 0
    assert (error.seller_faulted, error.allowed) == (3, 1)
    assert "feeds.createFeed" not in guard_world.request_counts
    assert "feeds.createFeedDocument" not in guard_world.request_counts
    assert all(guard_world.order(r.order_id).status == "Unshipped" for r in requests)


def test_guard_allowed_count_is_really_allowed(guard_world: Simulator) -> None:
    """The error's ``allowed`` cancellations then pass the same guard, and the rate lands where projected."""
    client = guard_world.client()
    ids = unshipped(guard_world, buyer_requested=False)
    with pytest.raises(CancellationRateError) as caught:
        client.cancel_orders(
            [CancelRequest(order_id=o, reason=CancelReason.NO_INVENTORY) for o in ids[:5]], max_rate=0.05
        )
    allowed = caught.value.allowed
    assert allowed == 2  # floor(5 % of 40) - 0
    projection = client.cancellation_rate().what_if(allowed)
    batch = client.cancel_orders(
        [CancelRequest(order_id=o, reason=CancelReason.NO_INVENTORY) for o in ids[:allowed]], max_rate=0.05
    )
    assert len(batch) == allowed
    assert not batch.refused
    after = client.cancellation_rate()
    assert after.rate == projection.projected_rate == Decimal("0.05")


def test_guard_does_not_count_buyer_requested_buyer_canceled(guard_world: Simulator) -> None:
    """Three BuyerCanceled answers to real buyer requests plus one no-inventory cancel: 1/40, allowed and sent."""
    client = guard_world.client()
    requests = [
        CancelRequest(order_id=o, reason=CancelReason.BUYER_CANCELED)
        for o in unshipped(guard_world, buyer_requested=True)
    ]
    requests.append(
        CancelRequest(order_id=unshipped(guard_world, buyer_requested=False)[0], reason=CancelReason.NO_INVENTORY)
    )
    batch = client.cancel_orders(requests, max_rate=0.025)
    assert len(batch) == 4
    assert not batch.refused
    assert guard_world.request_counts["feeds.createFeed"] >= 1
    after = client.cancellation_rate()
    assert (after.cancelled, after.total) == (1, 40)


def test_guard_counts_buyer_canceled_without_a_buyer_request(guard_world: Simulator) -> None:
    """BuyerCanceled on an order the buyer never asked about still counts: 2/40 is above 2.5 %."""
    client = guard_world.client()
    requests = [
        CancelRequest(order_id=o, reason=CancelReason.BUYER_CANCELED)
        for o in unshipped(guard_world, buyer_requested=False)[:2]
    ]
    with pytest.raises(CancellationRateError) as caught:
        client.cancel_orders(requests, max_rate=0.025)
    assert caught.value.seller_faulted == 2
    assert "feeds.createFeed" not in guard_world.request_counts


def test_what_if_projects_on_the_window(guard_world: Simulator) -> None:
    """what_if adds to the numerator only, and says the headroom below the target."""
    report = guard_world.client().cancellation_rate()
    projection = report.what_if(2)
    assert (projection.cancelled, projection.total, projection.projected_rate) == (2, 40, Decimal("0.05"))
    assert not projection.within_target
    assert projection.headroom == report.headroom == 0  # 1/40 = 2.5 % is not below 2.5 %


# --- input checks ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"window": timedelta(0)},
        {"window": timedelta(days=-7)},
        {"window": 7},
        {"source": "fast"},
        {"end": datetime(2026, 1, 1)},  # noqa: DTZ001 - naive on purpose
        {"end": "yesterday"},
    ],
)
def test_invalid_rate_arguments_fail_before_any_request(kwargs: dict[str, Any]) -> None:
    """A bad window, end or source raises InvalidInputError and nothing reaches Amazon."""
    sim = Simulator(seed=1)
    with pytest.raises(InvalidInputError):
        sim.client().cancellation_rate(**kwargs)
    assert sim.request_counts == {}


@pytest.mark.parametrize("max_rate", [1.5, 1, -0.01, float("nan"), float("inf"), True, "0.02"])
def test_invalid_max_rate_fails_before_any_request(max_rate: Any) -> None:
    """max_rate must be a fraction in [0, 1): anything else is refused before reading a single order."""
    sim = Simulator(seed=1)
    order = sim.orders(status="Unshipped", channel="MFN", buyer_requested=False)[0].order_id
    with pytest.raises(InvalidInputError) as caught:
        sim.client().cancel_orders([CancelRequest(order_id=order, reason=CancelReason.NO_INVENTORY)], max_rate=max_rate)
    assert caught.value.field == "max_rate"
    assert sim.request_counts == {}


# --- the CLI ---------------------------------------------------------------------------------------------


def test_cli_rate_json(capsys: pytest.CaptureFixture[str]) -> None:
    """``sp-cancel rate --simulator 3 --json`` prints the report as JSON: rate, counts, source and 8 days."""
    assert main(["rate", "--simulator", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["source"], data["total"], data["status"]) == ("orders", 42, "GOOD")
    assert Decimal(data["rate"]) == Decimal(data["cancelled"]) / data["total"]
    assert len(data["by_day"]) == 8
    assert sum(d["orders"] for d in data["by_day"]) == 42
    assert data["amazon_rate"] is None
    assert data["late_shipment_counts"] is True
    assert {"amazon_unpaid", "amazon_late_shipment", "amazon_other"} <= set(data) & set(data["by_day"][0])
    assert sum(d["amazon_late_shipment"] for d in data["by_day"]) == data["amazon_late_shipment"]


def test_cli_rate_late_shipment_switch(capsys: pytest.CaptureFixture[str]) -> None:
    """``--late-shipment-not-counted`` reaches the calculator and the JSON says which rule was used."""
    assert main(["rate", "--simulator", "3", "--json", "--late-shipment-not-counted"]) == 0
    assert json.loads(capsys.readouterr().out)["late_shipment_counts"] is False


def test_cli_rate_compare_and_days(capsys: pytest.CaptureFixture[str]) -> None:
    """``--compare`` computes over Amazon's 7 whole days (whatever ``--days``), one row per day."""
    assert main(["rate", "--simulator", "3", "--compare", "--days", "3"]) == 0
    out = capsys.readouterr().out
    assert "Amazon reports" in out
    assert "source: orders" in out
    assert out.count("\n2026-") == 7


def test_cli_rate_refuses_a_bad_window(capsys: pytest.CaptureFixture[str]) -> None:
    """``--days 0`` is a usage error (exit 2), before any client is made."""
    assert main(["rate", "--simulator", "3", "--days", "0"]) == 2
    assert "--days must be a positive number" in capsys.readouterr().err


# --- the docs page -----------------------------------------------------------------------------------------


def test_docs_page_examples_run_against_the_simulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every Python block of docs/cancellation-rate.md runs, and the printed figures are the ones shown."""
    pytest.importorskip("pandas")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    page = (Path(__file__).parents[2] / "docs" / "cancellation-rate.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    assert len(blocks) == 3
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    for block in blocks:
        exec(compile(block, "docs/cancellation-rate.md", "exec"), namespace)  # noqa: S102 - our own docs
    out = capsys.readouterr().out
    assert "Cancellation rate 3.03% (1 of 33 orders), target < 2.50%: BAD" in out
    assert "Amazon reports 3.03% (difference +0.00%)" in out
    assert "Both figures over Amazon's window 2026-11-19 00:00 to 2026-11-26 00:00 UTC" in out
    assert (tmp_path / "cancellation-rate.png").stat().st_size > 0
    assert "<table" in namespace["report"]._repr_html_()


# --- the report's data lag (Amazon: order reports "lag by about 30 min") ------------------------------------


def recent_unshipped(sim: Simulator, count: int) -> list[str]:
    """The ``count`` most recently purchased unshipped home-marketplace MFN orders without a buyer request."""
    found = [
        o
        for o in sim.orders(status="Unshipped", channel="MFN", buyer_requested=False)
        if o.marketplace_id == sim.marketplace_id
    ]
    return [o.order_id for o in sorted(found, key=lambda o: o.purchase_date, reverse=True)[:count]]


def last_report_statuses(sim: Simulator, order_ids: list[str]) -> list[str | None]:
    """Each order's ``order-status`` in the last All Orders report's document (``None``: not listed)."""
    report = [r for r in sim.world.reports.values() if r.report_type == ALL_ORDERS][-1]
    assert report.document_id is not None
    content = sim.world.documents[report.document_id].content
    assert content is not None
    rows = {line.split("\t")[0]: line.split("\t")[4] for line in gzip.decompress(content).decode().splitlines()[1:]}
    return [rows.get(o) for o in order_ids]


def test_report_route_counts_a_cancellation_sent_after_an_earlier_reports_data_end() -> None:
    """A cancel sent minutes after a report: the next report (same lagging copy) misses it, the re-read counts it.

    The simulator's All Orders reports come from a copy of the order book up to ``Lags.report_data`` (30 min)
    old, as Amazon's order reports lag; the second rate read falls within that lag of the first.
    """
    sim = build_large_seller()
    client = sim.client()
    first = client.cancellation_rate(source="report")
    assert (first.cancelled, first.total) == (8, 3200)
    (order_id,) = recent_unshipped(sim, 1)
    batch = client.cancel_orders([CancelRequest(order_id=order_id, reason=CancelReason.NO_INVENTORY)])
    assert not batch.refused
    assert sim.order(order_id).status == "Canceled"
    second = client.cancellation_rate(source="report")
    assert last_report_statuses(sim, [order_id]) == ["Unshipped"]  # the report's copy predates the cancel
    # Counted once, as it reads now: one more cancellation, the same orders.
    assert (second.cancelled, second.total) == (9, 3200)
    assert second.rate == Decimal(9) / Decimal(3200)


def test_an_order_changed_after_the_data_end_is_counted_once_in_its_new_state() -> None:
    """Listed in the report in its old state, changed since: each counted once, as it reads now; one placed since too.

    Four orders change after the reporting copy: one cancelled by the seller (counted), one cancelled by the buyer
    (in the total only), one shipped (in the total), and one order placed (added to the total). Neither cancelled
    one needs a ``getOrder``: the re-read says who cancelled.
    """
    sim = Simulator(seed=31, scenario=EMPTY)
    now = sim.now()
    ids = [
        sim.add_order(status="Unshipped", purchase_date=now - timedelta(days=1 + n * 0.5)).order_id for n in range(6)
    ]
    for n in range(6):
        sim.add_order(status="Shipped", purchase_date=now - timedelta(days=1.2 + n * 0.7))
    client = sim.client()
    first = client.cancellation_rate(source="report")
    assert (first.cancelled, first.total) == (0, 12)
    by_seller, by_buyer, shipped = ids[:3]
    client.cancel_orders([CancelRequest(order_id=by_seller, reason=CancelReason.NO_INVENTORY)])
    sim.request_cancellation(by_buyer)
    client.cancel_orders([CancelRequest(order_id=by_buyer, reason=CancelReason.BUYER_CANCELED)])
    item = sim.order(shipped).items[0]
    sim.ship(shipped, item.order_item_id, item.quantity_ordered)
    placed = sim.add_order(status="Unshipped", purchase_date=sim.now() - timedelta(minutes=1)).order_id
    lookups = sim.request_counts.get("orders.getOrder", 0)
    second = client.cancellation_rate(source="report")
    # The second report shows the old copy: the three as they were, the new order not at all.
    assert last_report_statuses(sim, [by_seller, by_buyer, shipped, placed]) == ["Unshipped"] * 3 + [None]
    assert (second.cancelled, second.total, second.unattributed) == (1, 13, 0)
    assert sim.request_counts.get("orders.getOrder", 0) == lookups
    assert second.by_day == client.cancellation_rate(source="orders").by_day


def test_a_report_without_rows_is_still_followed_by_the_re_read() -> None:
    """Amazon CANCELs a report whose (lagging) data has no row; orders placed and cancelled since still count."""
    sim = Simulator(seed=2, scenario=EMPTY)
    client = sim.client()
    assert client.cancellation_rate(source="report").total == 0  # the reporting copy: no order yet
    now = sim.now()
    sim.add_order(status="Unshipped", purchase_date=now - timedelta(minutes=20))
    sim.add_order(status="Canceled", cancelled_by="MERCHANT", purchase_date=now - timedelta(minutes=10))
    report = client.cancellation_rate(source="report")
    assert [r.status for r in sim.world.reports.values()] == ["CANCELLED", "CANCELLED"]
    assert (report.cancelled, report.total, report.unattributed) == (1, 2, 0)


def test_guard_on_the_report_route_refuses_a_second_batch_right_after_the_first() -> None:
    """The guard's rate (auto: the report for a large seller) counts the first batch's cancels within the lag.

    3,200 orders, 8 cancelled; ``max_rate`` 0.35 % allows 11: a first batch of 3 passes (11 / 3,200), a second
    batch of 3 sent right after would make 14 and is refused, although the report still shows 8.
    """
    sim = build_large_seller()
    client = sim.client()
    ids = recent_unshipped(sim, 6)
    first = client.cancel_orders(
        [CancelRequest(order_id=o, reason=CancelReason.NO_INVENTORY) for o in ids[:3]], max_rate=0.0035
    )
    assert not first.refused
    assert all(sim.order(o).status == "Canceled" for o in ids[:3])
    assert sim.request_counts.get("reports.createReport") == 1  # the guard read the rate on the report route
    with pytest.raises(CancellationRateError) as caught:
        client.cancel_orders(
            [CancelRequest(order_id=o, reason=CancelReason.NO_INVENTORY) for o in ids[3:]], max_rate=0.0035
        )
    assert sim.request_counts.get("reports.createReport") == 2
    assert last_report_statuses(sim, ids[:3]) == ["Unshipped"] * 3  # the report still shows 8 cancelled
    error = caught.value
    assert error.current_rate == Decimal(11) / Decimal(3200)
    assert (error.seller_faulted, error.allowed) == (3, 0)
    assert all(sim.order(o).status == "Unshipped" for o in ids[3:])
    assert client.cancellation_rate(source="orders").cancelled == 11
