"""Large batches read like a warehouse (issue 18 item 4): the Unshipped Orders report, then a narrow re-read.

Past the break-even size (``reads.report_break_even``: the report's plan time and processing against 2 s of
``getOrder`` plan per order) the pre-check reads the Unshipped Orders report once, then the orders updated after
its data end with one ``searchOrders``; below it, one ``getOrder`` per order. The simulator builds the report from
a copy of the order book up to ``Lags.report_data`` old (Amazon: "about 30 min"), so an order shipped after the
copy reads unshipped in the report and must be read again; one shipped after the report is refused by ``finish``
(never ``CANCELLED``).
"""

from __future__ import annotations

import attrs
from structlog.testing import capture_logs

from sp_cancel import CancelReason, CancelRequest
from sp_cancel._cancellation.outcomes import CancelStatus
from sp_cancel._cancellation.reads import report_break_even
from sp_cancel._events import PRECHECK_REPORT_FAILED, PRECHECK_REPORT_READ
from sp_cancel._operations import OPERATIONS
from sp_cancel.testing import Lags, Simulator
from sp_cancel.testing._sim.reports import unshipped_tsv
from sp_cancel.transport import Report

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


def _record(client: object, sim: Simulator, names: tuple[str, ...]) -> list[tuple[str, float]]:
    """Wrap ``client._api``'s ``names``: each call is recorded with the client's clock when it was made."""
    api = client._api  # type: ignore[attr-defined]
    calls: list[tuple[str, float]] = []
    for name in names:
        real = getattr(api, name)

        def wrapped(*args: object, _real: object = real, _name: str = name, **kwargs: object) -> object:
            calls.append((_name, sim.client_clock.monotonic()))
            return _real(*args, **kwargs)  # type: ignore[operator]

        setattr(api, name, wrapped)
    return calls


def _spend_search_burst(client: object) -> None:
    """Take every token of searchOrders' burst (20): its next call waits 179 s for the usage plan."""
    api = client._api  # type: ignore[attr-defined]
    op = OPERATIONS["orders.searchOrders"]
    for _ in range(op.burst):
        assert api._limiter.acquire(api._limit_scope(op), op) == 0.0


def test_the_re_read_waits_for_its_plan_while_amazon_processes_the_report() -> None:
    """With searchOrders' burst spent (179 s a call) the pre-check takes about max(report, 179 s), not the sum.

    The re-read's call comes after the report is DONE and before its document is downloaded; its plan wait ran
    while Amazon processed the report (40 s here). Run one after the other they took 40 s + 179 s.
    """
    sim, ids = _sim(65, 400)
    sim._core.feed_timing.queue_seconds = 3600.0  # only the pre-check's time is measured
    client = sim.client()
    _spend_search_burst(client)
    calls = _record(client, sim, ("create_report", "get_report", "search_orders", "get_report_document"))
    batch = client.cancel_orders(_requests(ids), wait=False)
    assert batch.counts == {"SUBMITTED": 400}
    names = [name for name, _ in calls]
    assert names.count("create_report") == 1
    assert names.count("search_orders") == 1
    assert names.count("get_report_document") == 1
    search, document = names.index("search_orders"), names.index("get_report_document")
    assert names[0] == "create_report"
    assert names[search - 1] == "get_report"  # the poll that saw DONE: the re-read follows it
    assert search < document  # the re-read is read before the document is downloaded
    created, searched, downloaded = calls[0][1], calls[search][1], calls[document][1]
    report = sim.lags.report_queue + sim.lags.report_processing
    assert report == 40.0
    plan = 1 / OPERATIONS["orders.searchOrders"].rate
    assert searched - created >= plan - 1.0  # the plan wait was real ...
    assert downloaded - created < max(report, plan) + 5.0  # ... and overlapped the report's processing
    assert downloaded - created < report + plan - 30.0  # far from the sum


def test_a_report_that_fails_falls_back_to_get_order_for_every_order_once() -> None:
    """A FATAL report: no re-read was made, every order is read with getOrder once, and the batch goes on."""
    sim, ids = _sim(66, 400)
    sim._core.feed_timing.queue_seconds = 3600.0  # the feed stays queued: the outcomes stay SUBMITTED
    client = sim.client()
    api = client._api
    real = api.get_report

    def fatal(report_id: str) -> Report:
        return attrs.evolve(real(report_id), processing_status="FATAL", report_document_id=None)

    api.get_report = fatal
    before = sim.request_counts
    with capture_logs() as logged:
        batch = client.cancel_orders(_requests(ids), wait=False)
    assert batch.counts == {"SUBMITTED": 400}
    spent = {k: v - before.get(k, 0) for k, v in sim.request_counts.items()}
    assert spent.get("reports.createReport") == 1
    assert not spent.get("reports.getReportDocument")
    assert not spent.get("orders.searchOrders")  # the re-read comes after DONE: none was made
    assert spent.get("orders.getOrder") == 400
    assert [e["event"] for e in logged if e["event"] == PRECHECK_REPORT_FAILED] == [PRECHECK_REPORT_FAILED]


def test_a_document_that_cannot_be_parsed_keeps_the_re_reads_answers() -> None:
    """The re-read answered, then the document is unreadable: getOrder reads only the orders the re-read did not."""
    sim, ids = _sim(67, 400)
    sim._core.feed_timing.queue_seconds = 3600.0  # the feed stays queued: the outcomes stay SUBMITTED
    sim.advance(3 * 3600)  # the orders are older than the report's data end ...
    updated = ids[:150]
    for order_id in updated:  # ... but these were updated since: the re-read answers for them
        with sim.lock:
            sim.order(order_id).last_update_date = sim.now()
    client = sim.client()
    api = client._api
    real = api.download
    api.download = lambda url, *, compression: (
        b"not a report\n" if "document" in url else real(url, compression=compression)
    )
    got: list[str] = []
    real_get = api.get_order

    def get_order(order_id: str, **kwargs: object) -> object:
        got.append(order_id)
        return real_get(order_id, **kwargs)

    api.get_order = get_order
    with capture_logs() as logged:
        batch = client.cancel_orders(_requests(ids), wait=False)
    assert batch.counts == {"SUBMITTED": 400}
    assert [e["event"] for e in logged if e["event"] == PRECHECK_REPORT_FAILED] == [PRECHECK_REPORT_FAILED]
    assert sorted(got) == sorted(set(ids) - set(updated))  # each other order once; the re-read's not again


def test_a_large_batchs_re_check_reads_what_changed_not_a_second_report() -> None:
    """The re-check before a delayed createFeed reads the orders updated since the first read, not a report.

    One order ships while the batch waits for createFeed's plan: the re-check still drops it (REJECTED, not
    sent), and the others go out. Before, the re-check read the batch again through a second report.
    """
    sim, ids = _sim(68, 400)
    sim.advance(3 * 3600)  # the orders were placed hours ago: only what changes now is in a recent window
    sim._core.feed_timing.queue_seconds = 3600.0  # the feeds stay queued: only the reads before them are counted
    client = sim.client()
    for order_id in [sim.add_order().order_id for _ in range(15)]:  # spend createFeed's burst: then it waits
        client.cancel_order(order_id, CancelReason.NO_INVENTORY, wait=False)
    late = ids[5]
    real_reserve = client._api.reserve

    def reserve_then_ship(op_key: str) -> float:
        waited = real_reserve(op_key)
        if op_key == "feeds.createFeed" and sim.order(late).status == "Unshipped":
            _ship(sim, late)  # ship-confirmed while the batch waited for createFeed's usage plan
        return waited

    client._api.reserve = reserve_then_ship
    before = sim.request_counts
    batch = client.cancel_orders(_requests(ids), wait=False)
    spent = {k: v - before.get(k, 0) for k, v in sim.request_counts.items()}
    assert spent.get("reports.createReport") == 1  # the pre-check's only: the re-check made none
    # the pre-check's re-read, and one page per re-check: the second before the createFeed without the shipped order
    assert spent.get("orders.searchOrders") == 3
    assert not spent.get("orders.getOrder")
    assert batch[late].status is CancelStatus.REJECTED
    assert "changed after it was checked" in (batch[late].detail or "")
    assert batch.counts == {"SUBMITTED": 399, "REJECTED": 1}
    assert not any(order_id == late for _, _, order_id, _ in sim.world.ledger)
