"""Simulator responses validate against Amazon's official models (Draft 4, $ref under definitions)."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from functools import cache
from typing import Any

import jsonschema
import pytest
from amazon_contracts import contracts_dir
from sim_support import sim_http

from sp_cancel.testing import Simulator
from sp_cancel.testing._sim.formats import iso
from sp_cancel.testing._sim.world import SimRefund

CONTRACTS = contracts_dir()


@cache
def _model(name: str) -> dict[str, Any]:
    return json.loads((CONTRACTS / "models" / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _validate(model: str, definition: str, body: object) -> None:
    schema = {"$ref": f"#/definitions/{definition}", "definitions": _model(model)["definitions"]}
    jsonschema.Draft4Validator(schema).validate(body)


@pytest.fixture(scope="module")
def sim() -> Simulator:
    """One seeded simulator for every contract check."""
    return Simulator(seed=21, orders=60)


ALL_2026 = "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT,FULFILLMENT_ORDERS"


def test_orders_2026_search_and_get(sim: Simulator) -> None:
    """The searchOrders (every includedData) and getOrder match SearchOrdersResponse / GetOrderResponse."""
    http = sim_http(sim)
    since = iso(sim.now() - timedelta(days=31))
    body = http.get(
        "/orders/2026-01-01/orders", params={"createdAfter": since, "includedData": ALL_2026, "maxResultsPerPage": "40"}
    ).json()
    _validate("orders_2026-01-01", "SearchOrdersResponse", body)
    assert body["pagination"]["nextToken"]
    order_id = body["orders"][0]["orderId"]
    _validate("orders_2026-01-01", "GetOrderResponse", http.get(f"/orders/2026-01-01/orders/{order_id}").json())
    _validate("orders_2026-01-01", "ErrorList", http.get("/orders/2026-01-01/orders").json())


def test_orders_v0(sim: Simulator) -> None:
    """v0 getOrders, getOrder and getOrderItems match their response models, for every order."""
    http = sim_http(sim)
    since = iso(sim.now() - timedelta(days=31))
    orders = http.get("/orders/v0/orders", params={"MarketplaceIds": "ATVPDKIKX0DER", "CreatedAfter": since}).json()
    _validate("ordersV0", "GetOrdersResponse", orders)
    for order_id in list(sim.world.orders)[:20]:
        _validate("ordersV0", "GetOrderResponse", http.get(f"/orders/v0/orders/{order_id}").json())
        _validate("ordersV0", "GetOrderItemsResponse", http.get(f"/orders/v0/orders/{order_id}/orderItems").json())


def test_listings(sim: Simulator) -> None:
    """The getListingsItem (all sets), searchListingsItems and patch answers match the model's definitions."""
    http = sim_http(sim)
    base = f"/listings/2021-08-01/items/{sim.seller_id}"
    params = {
        "marketplaceIds": sim.marketplace_id,
        "includedData": "summaries,attributes,issues,offers,fulfillmentAvailability,productTypes",
    }
    for sku in ("SIM-MFN-004", "SIM-FBA-001"):
        _validate("listingsItems_2021-08-01", "Item", http.get(f"{base}/{sku}", params=params).json())
    patch = {
        "productType": "PRODUCT",
        "patches": [{"op": "merge", "path": "/attributes/fulfillment_availability", "value": [{"quantity": 1}]}],
    }
    answer = http.patch(
        f"{base}/SIM-MFN-005",
        params={"marketplaceIds": sim.marketplace_id, "includedData": "identifiers,issues"},
        json=patch,
    )
    _validate("listingsItems_2021-08-01", "ListingsItemSubmissionResponse", answer.json())
    _validate("listingsItems_2021-08-01", "ErrorList", http.get(f"{base}/NOPE", params=params).json())
    search = {**params, "identifiersType": "SKU", "identifiers": "SIM-MFN-004,SIM-FBA-001,NOPE", "pageSize": "1"}
    page = http.get(base, params=search).json()
    _validate("listingsItems_2021-08-01", "ItemSearchResults", page)
    assert page["numberOfResults"] == 2
    assert "nextToken" in page["pagination"]
    _validate("listingsItems_2021-08-01", "ErrorList", http.get(base, params={**search, "pageSize": "99"}).json())


def test_fulfillment_outbound(sim: Simulator) -> None:
    """MCF reads in both versions match GetFulfillmentOrderResponse and GetOrderResponse."""
    http = sim_http(sim)
    for order_id in sim.world.mcf_orders:
        _validate(
            "fulfillmentOutbound_2020-07-01",
            "GetFulfillmentOrderResponse",
            http.get(f"/fba/outbound/2020-07-01/fulfillmentOrders/{order_id}").json(),
        )
        _validate(
            "fulfillmentOutbound_2026-07-04",
            "GetOrderResponse",
            http.get(f"/fulfillment/outbound/2026-07-04/orders/{order_id}").json(),
        )
    refused = http.put("/fba/outbound/2020-07-01/fulfillmentOrders/MCF-SIM-0005/cancel").json()
    _validate("fulfillmentOutbound_2020-07-01", "CancelFulfillmentOrderResponse", refused)


def test_reports_and_finances() -> None:
    """Report, ReportDocument, the performance report document, and finances events match their schemas."""
    sim = Simulator(seed=22, orders=40)
    http = sim_http(sim)
    report_id = http.post(
        "/reports/2021-06-30/reports",
        json={"reportType": "GET_V2_SELLER_PERFORMANCE_REPORT", "marketplaceIds": [sim.marketplace_id]},
    ).json()["reportId"]
    _validate("reports_2021-06-30", "CreateReportResponse", {"reportId": report_id})
    sim.advance(60)
    http = sim_http(sim)
    report = http.get(f"/reports/2021-06-30/reports/{report_id}").json()
    _validate("reports_2021-06-30", "Report", report)
    document = http.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}").json()
    _validate("reports_2021-06-30", "ReportDocument", document)
    health = json.loads((CONTRACTS / "schemas" / "accountHealthReport-2020-11-18.json").read_text(encoding="utf-8"))
    content = sim.world.documents[report["reportDocumentId"]].content
    assert content is not None
    jsonschema.Draft7Validator(health).validate(json.loads(gzip.decompress(content)))
    order = next(iter(sim.world.orders.values()))
    sim.world.refunds.append(
        SimRefund(
            order.order_id,
            order.items[0].order_item_id,
            "Principal",
            order.items[0].charged["Principal"],
            order.currency,
            None,
            "50000000009",
            sim.now(),
        )
    )
    events = http.get(f"/finances/v0/orders/{order.order_id}/financialEvents").json()
    _validate("financesV0", "ListFinancialEventsResponse", events)
    assert events["payload"]["FinancialEvents"]["RefundEventList"]
