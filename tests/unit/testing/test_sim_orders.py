"""Orders 2026-01-01 and v0 in the simulator."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sim_support import sim_http

from sp_cancel.testing import Simulator
from sp_cancel.testing._sim.formats import iso

SEARCH = "/orders/2026-01-01/orders"


@pytest.fixture
def sim() -> Simulator:
    """A simulator without scenario orders."""
    return Simulator(seed=11, orders=0, orders_v0="served")  # these tests read the v0 routes too


def _since(sim: Simulator, days: int = 40) -> str:
    return iso(sim.now() - timedelta(days=days))


def _required(sim: Simulator, path: str) -> dict[str, str]:
    """The parameters a list call at ``path`` cannot go without (none for Finances)."""
    required = {
        SEARCH: {"createdAfter": _since(sim)},
        "/orders/v0/orders": {"CreatedAfter": _since(sim), "MarketplaceIds": sim.marketplace_id},
        "/promotions/2025-12-01/promotions": {"marketplaceIds": sim.marketplace_id},
    }
    return required.get(path, {})


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"createdAfter": "2026-01-01T00:00:00Z", "lastUpdatedAfter": "2026-01-01T00:00:00Z"},
        {"createdAfter": "yesterday"},
        {"createdAfter": "2026-01-01T00:00:00Z", "lastUpdatedBefore": "2026-02-01T00:00:00Z"},
        {"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": "0"},
        {"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": "101"},
        {"createdAfter": "2026-01-01T00:00:00Z", "includedData": "CANCELLATION,BOGUS"},
        {"createdAfter": "2026-01-01T00:00:00Z", "fulfillmentStatuses": "CANCELED"},
        {"createdAfter": "2026-01-01T00:00:00Z", "fulfilledBy": "SELLER"},
    ],
)
def test_search_orders_validation(sim: Simulator, params: dict[str, str]) -> None:
    """Each broken searchOrders query answers 400 InvalidInput."""
    answer = sim_http(sim).get(SEARCH, params=params)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "InvalidInput"


def test_search_orders_before_must_be_two_minutes_old(sim: Simulator) -> None:
    """A createdBefore later than now - 2 min is refused; earlier is accepted and echoed."""
    http = sim_http(sim)
    too_recent = http.get(
        SEARCH, params={"createdAfter": _since(sim), "createdBefore": iso(sim.now() - timedelta(seconds=60))}
    )
    assert too_recent.status_code == 400
    fine = http.get(
        SEARCH, params={"createdAfter": _since(sim), "createdBefore": iso(sim.now() - timedelta(minutes=3))}
    )
    assert fine.status_code == 200
    assert fine.json()["createdBefore"] == iso(sim.now() - timedelta(minutes=3))


def test_search_orders_paginates_with_bound_tokens(sim: Simulator) -> None:
    """Pages of maxResultsPerPage cover every order once; a token with other params is refused."""
    for n in range(7):
        sim.add_order(purchase_date=sim.now() - timedelta(hours=n + 1))
    http = sim_http(sim)
    params = {"createdAfter": _since(sim), "maxResultsPerPage": "3"}
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        query = dict(params) | ({"paginationToken": token} if token else {})
        body = http.get(SEARCH, params=query).json()
        seen += [o["orderId"] for o in body["orders"]]
        pages += 1
        token = body.get("pagination", {}).get("nextToken")
        if not token:
            break
        mismatch = http.get(SEARCH, params=dict(params, maxResultsPerPage="2", paginationToken=token))
        assert mismatch.status_code == 400
    assert pages == 3
    assert sorted(seen) == sorted(sim.world.orders)
    assert len(seen) == len(set(seen))


def test_search_orders_filters(sim: Simulator) -> None:
    """fulfilledBy, fulfillmentStatuses and marketplaceIds narrow the result."""
    mfn = sim.add_order(status="Unshipped", channel="MFN")
    sim.add_order(status="Shipped", channel="AFN")
    uk = sim.add_order(status="Canceled", channel="MFN", marketplace="UK")
    http = sim_http(sim)
    by_merchant = http.get(SEARCH, params={"createdAfter": _since(sim), "fulfilledBy": "MERCHANT"}).json()["orders"]
    assert {o["orderId"] for o in by_merchant} == {mfn.order_id, uk.order_id}
    cancelled = http.get(SEARCH, params={"createdAfter": _since(sim), "fulfillmentStatuses": "CANCELLED"}).json()
    assert [o["orderId"] for o in cancelled["orders"]] == [uk.order_id]
    in_uk = http.get(SEARCH, params={"createdAfter": _since(sim), "marketplaceIds": "A1F83G8C2ARO7P"}).json()
    assert [o["orderId"] for o in in_uk["orders"]] == [uk.order_id]


def test_included_data_controls_blocks(sim: Simulator) -> None:
    """Without includedData only the core shows; FULFILLMENT/CANCELLATION/PROCEEDS add their blocks."""
    order = sim.add_order(status="Unshipped", buyer_requested_cancel=True, buyer_cancel_reason="Ordered by mistake")
    http = sim_http(sim)
    bare = http.get(f"{SEARCH}/{order.order_id}").json()["order"]
    assert "fulfillment" not in bare
    assert "proceeds" not in bare
    assert "cancellation" not in bare["orderItems"][0]
    full = http.get(f"{SEARCH}/{order.order_id}", params={"includedData": "FULFILLMENT,CANCELLATION,PROCEEDS"}).json()
    item = full["order"]["orderItems"][0]
    assert full["order"]["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    assert full["order"]["fulfillment"]["fulfilledBy"] == "MERCHANT"
    assert item["cancellation"]["cancellationRequest"] == {"requester": "BUYER", "cancelReason": "Ordered by mistake"}
    assert item["fulfillment"] == {"quantityFulfilled": 0, "quantityUnfulfilled": 1}
    assert item["product"]["price"]["unitPrice"] == {"amount": "19.99", "currencyCode": "USD"}
    assert full["order"]["proceeds"]["grandTotal"]["currencyCode"] == "USD"


def test_cancelled_order_shows_execution(sim: Simulator) -> None:
    """A merchant cancellation shows cancellationExecution.cancelledBy MERCHANT and CANCELLED (double L)."""
    order = sim.add_order(status="Canceled", cancelled_by="MERCHANT", cancel_reason="No inventory")
    body = sim_http(sim).get(f"{SEARCH}/{order.order_id}", params={"includedData": "CANCELLATION,FULFILLMENT"}).json()
    assert body["order"]["fulfillment"]["fulfillmentStatus"] == "CANCELLED"
    execution = body["order"]["orderItems"][0]["cancellation"]["cancellationExecution"]
    assert execution == {"cancelledBy": "MERCHANT", "cancelReason": "No inventory"}


def test_partially_shipped_quantities(sim: Simulator) -> None:
    """Per-item quantities let a client tell the unshipped units of a partially shipped order."""
    order = sim.add_order(status="PartiallyShipped", items=[{"quantity": 2}, {"quantity": 3}])
    items = (
        sim_http(sim)
        .get(f"{SEARCH}/{order.order_id}", params={"includedData": "FULFILLMENT"})
        .json()["order"]["orderItems"]
    )
    assert [i["fulfillment"] for i in items] == [
        {"quantityFulfilled": 2, "quantityUnfulfilled": 0},
        {"quantityFulfilled": 0, "quantityUnfulfilled": 3},
    ]


@pytest.mark.parametrize(
    ("order_id", "status"), [("12-345", 400), ("TEST_CASE_400", 400), ("999-9999999-9999999", 404)]
)
def test_get_order_bad_and_unknown_ids(sim: Simulator, order_id: str, status: int) -> None:
    """Malformed ids answer 400 InvalidInput; well-formed unknown ids 404 NotFound (both versions)."""
    http = sim_http(sim)
    assert http.get(f"{SEARCH}/{order_id}").status_code == status
    assert http.get(f"/orders/v0/orders/{order_id}").status_code == status


def test_v0_buyer_requested_cancel_is_a_string(sim: Simulator) -> None:
    """v0 getOrderItems sends IsBuyerRequestedCancel as the strings 'true'/'false'."""
    asked = sim.add_order(status="Unshipped", buyer_requested_cancel=True, buyer_cancel_reason="Found cheaper")
    plain = sim.add_order(status="Unshipped")
    http = sim_http(sim)
    item = http.get(f"/orders/v0/orders/{asked.order_id}/orderItems").json()["payload"]["OrderItems"][0]
    assert item["BuyerRequestedCancel"] == {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "Found cheaper"}
    other = http.get(f"/orders/v0/orders/{plain.order_id}/orderItems").json()["payload"]["OrderItems"][0]
    assert other["BuyerRequestedCancel"] == {"IsBuyerRequestedCancel": "false"}
    assert re.fullmatch(r"\d{14}", item["OrderItemId"])
    assert item["ItemPrice"] == {"CurrencyCode": "USD", "Amount": "19.99"}


def test_v0_get_orders_paginates_and_requires_marketplace(sim: Simulator) -> None:
    """v0 getOrders needs MarketplaceIds and pages with NextToken."""
    for n in range(5):
        sim.add_order(purchase_date=sim.now() - timedelta(hours=n + 1))
    http = sim_http(sim)
    assert http.get("/orders/v0/orders", params={"CreatedAfter": _since(sim)}).status_code == 400
    params = {"MarketplaceIds": sim.marketplace_id, "CreatedAfter": _since(sim), "MaxResultsPerPage": "2"}
    first = http.get("/orders/v0/orders", params=params).json()["payload"]
    assert len(first["Orders"]) == 2
    ids = [o["AmazonOrderId"] for o in first["Orders"]]
    token = first["NextToken"]
    while token:
        page = http.get("/orders/v0/orders", params={"MarketplaceIds": sim.marketplace_id, "NextToken": token})
        payload = page.json()["payload"]
        ids += [o["AmazonOrderId"] for o in payload["Orders"]]
        token = payload.get("NextToken")
    assert sorted(ids) == sorted(sim.world.orders)


def test_cancel_order_2026(sim: Simulator) -> None:
    """The withdrawn cancelOrder cancels an Unshipped MFN order (202 {}) and refuses a shipped one."""
    order = sim.add_order(status="Unshipped", items=[{"quantity": 2}])
    shipped = sim.add_order(status="Shipped")
    http = sim_http(sim)
    answer = http.put(f"{SEARCH}/{order.order_id}/cancellation", json={"cancelReasonCode": "NO_INVENTORY"})
    assert (answer.status_code, answer.json()) == (202, {})
    assert order.status == "Canceled"
    assert order.cancelled_by == "MERCHANT"
    assert order.items[0].quantity_cancelled == 2
    refused = http.put(f"{SEARCH}/{shipped.order_id}/cancellation", json={"cancelReasonCode": "NO_INVENTORY"})
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        (SEARCH, {"fulfillmentStatuses": "CANCELED,SHIPPED,BOGUS"}, "Invalid fulfillmentStatuses: BOGUS, CANCELED."),
        (SEARCH, {"fulfilledBy": "MERCHANT,SELLER"}, "fulfilledBy must be MERCHANT or AMAZON."),
        ("/orders/v0/orders", {"FulfillmentChannels": "MFN,SELLER"}, "FulfillmentChannels must be MFN or AFN."),
        ("/orders/v0/orders", {"OrderStatuses": "Shipped,Cancelled,Gone"}, "Invalid OrderStatuses: Cancelled, Gone."),
        (
            "/promotions/2025-12-01/promotions",
            {"statuses": "RUNNING,LIVE", "promotionTypes": "DEAL,SALE"},
            "Invalid statuses: LIVE.",
        ),
        (
            "/promotions/2025-12-01/promotions",
            {"promotionTypes": "SALE,DEAL,BOGO"},
            "Invalid promotionTypes: BOGO, SALE.",
        ),
    ],
)
def test_values_outside_a_parameters_set_are_named_sorted(
    sim: Simulator, path: str, params: dict[str, str], message: str
) -> None:
    """A 400 ``InvalidInput`` naming each value outside the set once, sorted; a valid value is not named."""
    answer = sim_http(sim).get(path, params={**_required(sim, path), **params})
    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"code": "InvalidInput", "message": message}]


@pytest.mark.parametrize(
    ("path", "name", "size"),
    [
        (SEARCH, "maxResultsPerPage", "0"),
        ("/orders/v0/orders", "MaxResultsPerPage", "101"),
        ("/promotions/2025-12-01/promotions", "limit", "ten"),
        ("/finances/v0/orders/111-2222222-3333333/financialEvents", "MaxResultsPerPage", "0"),
    ],
)
def test_a_page_size_outside_1_to_100_is_refused_by_name(sim: Simulator, path: str, name: str, size: str) -> None:
    """A 400 ``InvalidInput``: ``<parameter> must be between 1 and 100.``."""
    answer = sim_http(sim).get(path, params={**_required(sim, path), name: size})
    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"code": "InvalidInput", "message": f"{name} must be between 1 and 100."}]
