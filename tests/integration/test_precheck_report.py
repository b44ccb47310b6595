"""Large batches read like a warehouse (issue 18 item 4): the Unshipped Orders report, then a narrow re-read.

Past the break-even size (``reads.report_break_even``: the report's plan time and processing against 2 s of
``getOrder`` plan per order) the pre-check reads the Unshipped Orders report once, then the orders updated after
its data end with one ``searchOrders``; below it, one ``getOrder`` per order. The simulator builds the report from
a copy of the order book up to ``Lags.report_data`` old (Amazon: "about 30 min"), so an order shipped after the
copy reads unshipped in the report and must be read again; one shipped after the report is refused by ``finish``
(never ``CANCELLED``).
"""

from __future__ import annotations

from structlog.testing import capture_logs

from sp_cancel import CancelReason, CancelRequest
from sp_cancel._cancellation.outcomes import CancelStatus
from sp_cancel._cancellation.reads import report_break_even
from sp_cancel._events import PRECHECK_REPORT_FAILED, PRECHECK_REPORT_READ
from sp_cancel.testing import Lags, Simulator
from sp_cancel.testing._sim.reports import unshipped_tsv

REPORT_OPS = ("reports.createReport", "reports.getReport", "reports.getReportDocument")


def _sim(seed: int, orders: int) -> tuple[Simulator, list[str]]:
    sim = Simulator(seed=seed, orders=0, lags=Lags(feed_listing=0))
    return sim, [sim.add_order().order_id for _ in range(orders)]


def _requests(ids: list[str]) -> list[CancelRequest]:
    return [CancelRequest(order_id=i, reason=CancelReason.NO_INVENTORY) for i in ids]


def _ship(sim: Simulator, order_id: str) -> None:
    item = sim.order(order_id).items[0]
    sim.ship(order_id, item.order_item_id, item.quantity_ordered)


def test_the_report_route_is_taken_only_past_the_break_even_size() -> None:
    """One order below the break-even: getOrder per order, no report; at the break-even: one report, no getOrder."""
    sim, ids = _sim(61, 0)
    sim._core.feed_timing.queue_seconds = 3600.0  # the feeds stay queued: only the pre-check reads are counted
    size = report_break_even(sim.client()._ctx)
    assert 100 < size < 1_000  # 2 s of getOrder plan per order against roughly ten minutes of report
    ids = [sim.add_order().order_id for _ in range(2 * size - 1)]
    below, at = ids[: size - 1], ids[size - 1 :]

    before = sim.request_counts
    first = sim.client().cancel_orders(_requests(below), wait=False)
    assert first.counts == {"SUBMITTED": size - 1}
    spent = {k: v - before.get(k, 0) for k, v in sim.request_counts.items()}
    assert spent.get("orders.getOrder") == size - 1
    assert not any(spent.get(op) for op in REPORT_OPS)

    before = sim.request_counts
    with capture_logs() as logged:
        second = sim.client().cancel_orders(_requests(at), wait=False)
    assert len(at) == size
    assert second.counts == {"SUBMITTED": size}
    spent = {k: v - before.get(k, 0) for k, v in sim.request_counts.items()}
    assert spent.get("reports.createReport") == 1
    assert spent.get("reports.getReportDocument") == 1
    assert not spent.get("orders.getOrder")
    assert spent.get("orders.searchOrders") == 1  # the orders updated after the report's data end
    read = [e for e in logged if e["event"] == PRECHECK_REPORT_READ]
    assert len(read) == 1
    assert read[0]["from_report"] == size


def test_an_order_updated_after_the_reports_data_end_is_read_again() -> None:
    """Shipped after Amazon's reporting copy: the report lists it unshipped; the re-read refuses it, nothing sent."""
    sim, ids = _sim(62, 400)
    marketplace = sim.world.marketplace_id
    unshipped_tsv(sim._core, [marketplace], sim.now())  # Amazon's reporting copy is taken now
    late, early_cancelled = ids[7], ids[8]
    _ship(sim, late)
    sim.advance(600)  # ten minutes later: the copy (up to 30 minutes old) still shows it unshipped
    copy = sim._core.world.unshipped_copy
    assert copy is not None
    assert any(row[0] == late for _, _, row in copy[1])
    batch = sim.client().cancel_orders(_requests(ids), timeout=86_400)
    assert sim.request_counts.get("reports.createReport") == 1
    refused = batch[late]
    assert refused.status is CancelStatus.REFUSED
    assert refused.error is not None
    assert getattr(refused.error, "state", None) == "SHIPPED"
    assert sim.order(late).status == "Shipped"
    assert not any(order_id == late for _, _, order_id, _ in sim.world.ledger)  # never in a feed
    assert batch[early_cancelled].status is CancelStatus.CANCELLED
    assert batch.counts == {"CANCELLED": 399, "REFUSED": 1}


def test_an_order_shipped_after_the_report_is_never_cancelled() -> None:
    """The report read it unshipped, it ships before Amazon processes the feed: REJECTED, never CANCELLED."""
    sim, ids = _sim(63, 400)
    sim._core.feed_timing.queue_seconds = 3600.0  # the feed waits an hour in Amazon's queue
    client = sim.client()
    batch = client.cancel_orders(_requests(ids), wait=False)
    assert sim.request_counts.get("reports.createReport") == 1
    assert batch.counts == {"SUBMITTED": 400}
    shipped = set(ids[10:13])
    for order_id in shipped:
        _ship(sim, order_id)
    final = {i: client.wait(batch[i], timeout=86_400) for i in ids}
    assert {i for i, o in final.items() if o.status is CancelStatus.REJECTED} == shipped
    assert {i for i, o in final.items() if o.status is CancelStatus.CANCELLED} == set(ids) - shipped
    assert all(sim.order(i).status == "Shipped" for i in shipped)


def test_an_account_without_the_reports_role_reads_each_order() -> None:
    """CreateReport answers 403 (a restricted report): the batch falls back to getOrder and still cancels."""
    sim, ids = _sim(64, 400)
    sim._core.unshipped_report_role = False
    with capture_logs() as logged:
        batch = sim.client().cancel_orders(_requests(ids), timeout=86_400)
    assert batch.counts == {"CANCELLED": 400}
    assert sim.request_counts.get("reports.createReport") == 1
    assert sim.request_counts.get("orders.getOrder") == 400
    assert [e["event"] for e in logged if e["event"] == PRECHECK_REPORT_FAILED] == [PRECHECK_REPORT_FAILED]
