"""Reports in the simulator: seller performance, All Orders."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from typing import Any

import pytest
from sim_support import sim_http

from sp_cancel.testing import Simulator

REPORTS = "/reports/2021-06-30"


def _run_report(sim: Simulator, report_type: str, **extra: Any) -> tuple[dict[str, Any], bytes | None]:
    http = sim_http(sim)
    created = http.post(
        f"{REPORTS}/reports", json={"reportType": report_type, "marketplaceIds": [sim.marketplace_id], **extra}
    )
    assert created.status_code == 202
    report_id = created.json()["reportId"]
    assert report_id.isdigit()
    assert http.get(f"{REPORTS}/reports/{report_id}").json()["processingStatus"] == "IN_QUEUE"
    sim.advance(11)
    assert http.get(f"{REPORTS}/reports/{report_id}").json()["processingStatus"] == "IN_PROGRESS"
    sim.advance(30)
    report = http.get(f"{REPORTS}/reports/{report_id}").json()
    if report["processingStatus"] != "DONE":
        return report, None
    document = http.get(f"{REPORTS}/documents/{report['reportDocumentId']}").json()
    assert document["compressionAlgorithm"] == "GZIP"
    assert document["url"].split("?")[0].endswith(report["reportDocumentId"])
    assert "X-Amz-Date=" in document["url"]
    content = sim.world.documents[report["reportDocumentId"]].content
    assert content is not None
    return report, gzip.decompress(content)


def _rate_world(marketplace: str = "US") -> Simulator:
    sim = Simulator(seed=8, orders=0, marketplace=marketplace)
    now = sim.now()

    def days(n: float) -> Any:
        return now - timedelta(days=n)

    for n in range(10):
        sim.add_order(status="Shipped", purchase_date=days(1 + n * 0.5))
    sim.add_order(status="Canceled", cancelled_by="MERCHANT", cancel_reason="No inventory", purchase_date=days(2))
    sim.add_order(status="Canceled", cancelled_by="MERCHANT", buyer_requested_cancel=True, purchase_date=days(2))
    sim.add_order(status="Canceled", cancelled_by="BUYER", purchase_date=days(3))
    sim.add_order(status="Canceled", cancelled_by="AMAZON", late_ship_auto_cancel=True, purchase_date=days(6))
    # A payment cancel of a Pending order: never released to the seller, in neither count.
    sim.add_order(status="Canceled", cancelled_by="AMAZON", purchase_date=days(4))
    sim.add_order(status="Pending", purchase_date=days(0.1))  # excluded from the denominator
    sim.add_order(status="Canceled", channel="AFN", cancelled_by="MERCHANT", purchase_date=days(2))  # AFN: excluded
    sim.add_order(status="Canceled", cancelled_by="MERCHANT", purchase_date=days(8))  # outside the 7 days
    return sim


def test_seller_performance_cancellation_rate() -> None:
    """The preFulfillmentCancellationRate counts merchant cancels without buyer request plus late-ship auto-cancels."""
    sim = _rate_world()
    _, content = _run_report(sim, "GET_V2_SELLER_PERFORMANCE_REPORT")
    assert content is not None
    document = json.loads(content)
    metric = document["performanceMetrics"][0]["preFulfillmentCancellationRate"]
    assert (metric["orderCount"], metric["cancellationCount"]) == (14, 2)
    assert metric["rate"] == pytest.approx(2 / 14)
    assert (metric["targetValue"], metric["targetCondition"], metric["status"]) == (0.025, "LESS_THAN", "BAD")
    assert document["accountStatuses"] == [{"marketplaceId": sim.marketplace_id, "status": "NORMAL"}]


def test_seller_performance_alternate_key_and_india_target() -> None:
    """The schema example's prefulfillmentCancelRate key is available, and India's target is 2 %."""
    sim = Simulator(seed=1, orders=0, marketplace="IN", cancel_rate_key="prefulfillmentCancelRate")
    _, content = _run_report(sim, "GET_V2_SELLER_PERFORMANCE_REPORT")
    assert content is not None
    metrics = json.loads(content)["performanceMetrics"][0]
    assert "preFulfillmentCancellationRate" not in metrics
    assert metrics["prefulfillmentCancelRate"]["targetValue"] == 0.02
    assert metrics["prefulfillmentCancelRate"]["status"] == "NONE"


def test_all_orders_flat_file() -> None:
    """The All Orders report is tab-separated with Amazon's header, one row per item."""
    sim = Simulator(seed=1, orders=0)
    sim.add_order(status="Shipped", items=[{"sku": "A", "quantity": 2, "price": "5.00"}, {"sku": "B"}])
    sim.add_order(status="Canceled", channel="AFN", cancelled_by="BUYER")
    _, content = _run_report(sim, "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL")
    assert content is not None
    lines = content.decode().splitlines()
    header = lines[0].split("\t")
    assert header[:6] == [
        "amazon-order-id",
        "merchant-order-id",
        "purchase-date",
        "last-updated-date",
        "order-status",
        "fulfillment-channel",
    ]
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    assert len(rows) == 3
    assert {r["fulfillment-channel"] for r in rows} == {"Merchant", "Amazon"}
    first = next(r for r in rows if r["sku"] == "A")
    assert (first["item-price"], first["quantity"], first["currency"], first["item-status"]) == (
        "10.00",
        "2",
        "USD",
        "Shipped",
    )
    assert {r["order-status"] for r in rows} == {"Shipped", "Cancelled"}


@pytest.mark.parametrize(
    "report_type",
    ["GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL", "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"],
)
def test_all_orders_reports_lag_like_amazons(report_type: str) -> None:
    """Amazon's order reports "lag by about 30 min": within ``Lags.report_data`` a report shows the older copy.

    An order shipped, and one placed, after the reporting copy was taken read as they did then (the old status;
    not listed) until the copy is ``Lags.report_data`` old; the next report after that shows both.
    """
    sim = Simulator(seed=1, orders=0)
    shipped = sim.add_order(status="Unshipped", purchase_date=sim.now() - timedelta(hours=3))
    _, content = _run_report(sim, report_type)
    assert content is not None
    assert [line.split("\t")[4] for line in content.decode().splitlines()[1:]] == ["Unshipped"]

    item = shipped.items[0]
    sim.ship(shipped.order_id, item.order_item_id, item.quantity_ordered)
    placed = sim.add_order(status="Unshipped", purchase_date=sim.now() - timedelta(minutes=5))
    sim.advance(600)  # ten minutes on: the copy is 10 min + a report old, under the 30 min
    _, stale = _run_report(sim, report_type)
    assert stale is not None
    rows = [line.split("\t") for line in stale.decode().splitlines()[1:]]
    assert [(r[0], r[4]) for r in rows] == [(shipped.order_id, "Unshipped")]

    sim.advance(sim.lags.report_data)  # the copy is now older than the lag: the next report retakes it
    _, fresh = _run_report(sim, report_type)
    assert fresh is not None
    rows = [line.split("\t") for line in fresh.decode().splitlines()[1:]]
    assert sorted((r[0], r[4]) for r in rows) == sorted([(shipped.order_id, "Shipped"), (placed.order_id, "Unshipped")])


def test_orders_report_without_rows_is_cancelled() -> None:
    """An orders report with no data ends CANCELLED without a document, as Amazon does."""
    sim = Simulator(seed=1, orders=0)
    report, content = _run_report(sim, "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL")
    assert report["processingStatus"] == "CANCELLED"
    assert content is None


def test_report_validation() -> None:
    """Unknown report types and missing marketplaces answer 400; unknown ids 404."""
    sim = Simulator(seed=1, orders=0)
    http = sim_http(sim)
    assert (
        http.post(
            f"{REPORTS}/reports", json={"reportType": "GET_NOPE", "marketplaceIds": ["ATVPDKIKX0DER"]}
        ).status_code
        == 400
    )
    assert http.post(f"{REPORTS}/reports", json={"reportType": "GET_V2_SELLER_PERFORMANCE_REPORT"}).status_code == 400
    assert http.get(f"{REPORTS}/reports/123").status_code == 404
    assert http.get(f"{REPORTS}/documents/nope").status_code == 404
