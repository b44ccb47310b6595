"""Listings Items API and the shared patch logic."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sim_support import sim_http

from sp_cancel.testing import Lags, Simulator
from sp_cancel.testing._sim.listings import apply_listing_patches, delete_listing

FA = "/attributes/fulfillment_availability"


@pytest.fixture
def sim() -> Simulator:
    """A simulator with one MFN and one FBA test listing."""
    simulator = Simulator(seed=2, orders=0, lags=Lags(listing_patch=0.0))
    simulator.add_listing("T-MFN", quantity=7, lead_time_days=4, restock_date="2027-02-01")
    simulator.add_listing("T-FBA", channel="FBA", quantity=30)
    return simulator


def _path(sim: Simulator, sku: str, seller: str | None = None) -> str:
    return f"/listings/2021-08-01/items/{seller or sim.seller_id}/{sku}"


def _patch(sim: Simulator, sku: str, patches: list[dict[str, Any]], **params: str) -> httpx.Response:
    query = {"marketplaceIds": sim.marketplace_id, **params}
    return sim_http(sim).patch(_path(sim, sku), params=query, json={"productType": "PRODUCT", "patches": patches})


def _fa(sim: Simulator, sku: str) -> list[dict[str, Any]]:
    entries = sim.world.listings[(sku, sim.marketplace_id)].attributes["fulfillment_availability"]
    assert isinstance(entries, list)
    return entries


def test_merge_keeps_lead_time(sim: Simulator) -> None:
    """A merge with the DEFAULT selector sets quantity 0 and keeps lead time and restock date."""
    answer = _patch(
        sim, "T-MFN", [{"op": "merge", "path": FA, "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}]}]
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "ACCEPTED"
    assert answer.json()["submissionId"]
    assert _fa(sim, "T-MFN") == [
        {
            "fulfillment_channel_code": "DEFAULT",
            "quantity": 0,
            "lead_time_to_ship_max_days": 4,
            "restock_date": "2027-02-01",
        }
    ]
    assert sim.world.listings[("T-MFN", sim.marketplace_id)].status == ["DISCOVERABLE"]


def test_replace_drops_lead_time(sim: Simulator) -> None:
    """A replace writes exactly the given entry: the lead time is gone."""
    _patch(
        sim, "T-MFN", [{"op": "replace", "path": FA, "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}]}]
    )
    assert _fa(sim, "T-MFN") == [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}]


def test_merge_without_selector_is_invalid(sim: Simulator) -> None:
    """Merge entries without fulfillment_channel_code are an ERROR (HTTP 200, INVALID); nothing changes."""
    answer = _patch(sim, "T-MFN", [{"op": "merge", "path": FA, "value": [{"quantity": 0}]}])
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "INVALID"
    assert body["issues"][0]["severity"] == "ERROR"
    assert body["issues"][0]["attributeNames"] == ["fulfillment_availability"]
    assert _fa(sim, "T-MFN")[0]["quantity"] == 7


def test_fba_quantity_cannot_be_set(sim: Simulator) -> None:
    """Setting the quantity of an AMAZON_NA entry is an ERROR issue."""
    body = _patch(
        sim, "T-FBA", [{"op": "merge", "path": FA, "value": [{"fulfillment_channel_code": "AMAZON_NA", "quantity": 0}]}]
    ).json()
    assert body["status"] == "INVALID"
    assert _fa(sim, "T-FBA")[0]["quantity"] == 30


def test_replace_with_fba_code_adds_an_entry(sim: Simulator) -> None:
    """Replacing with an FBA code adds an entry instead of switching (GH #2061)."""
    apply_listing_patches(
        sim._core,
        sim.world.listings[("T-MFN", sim.marketplace_id)],
        "PRODUCT",
        [{"op": "replace", "path": FA, "value": [{"fulfillment_channel_code": "AMAZON_NA"}]}],
    )
    assert [e["fulfillment_channel_code"] for e in _fa(sim, "T-MFN")] == ["DEFAULT", "AMAZON_NA"]


def test_unknown_product_type_is_4000003(sim: Simulator) -> None:
    """An unknown productType answers issue 4000003 and applies nothing."""
    listing = sim.world.listings[("T-MFN", sim.marketplace_id)]
    issues = apply_listing_patches(
        sim._core,
        listing,
        "NOT_A_TYPE",
        [{"op": "merge", "path": FA, "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}]}],
    )
    assert [i["code"] for i in issues] == ["4000003"]
    assert _fa(sim, "T-MFN")[0]["quantity"] == 7


def test_nested_path_is_refused(sim: Simulator) -> None:
    """Only top-level attributes can be patched."""
    listing = sim.world.listings[("T-MFN", sim.marketplace_id)]
    issues = apply_listing_patches(
        sim._core, listing, "PRODUCT", [{"op": "replace", "path": FA + "/0/quantity", "value": [{}]}]
    )
    assert issues
    assert issues[0]["severity"] == "ERROR"


def test_validation_preview_does_not_apply(sim: Simulator) -> None:
    """VALIDATION_PREVIEW answers VALID/INVALID and changes nothing."""
    patch = [{"op": "merge", "path": FA, "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}]}]
    assert _patch(sim, "T-MFN", patch, mode="VALIDATION_PREVIEW").json()["status"] == "VALID"
    assert _fa(sim, "T-MFN")[0]["quantity"] == 7
    bad = [{"op": "merge", "path": FA, "value": [{"quantity": 0}]}]
    assert _patch(sim, "T-MFN", bad, mode="VALIDATION_PREVIEW").json()["status"] == "INVALID"


def test_get_listings_item_included_data(sim: Simulator) -> None:
    """The getListingsItem call returns summaries by default and the asked-for sets."""
    http = sim_http(sim)
    default = http.get(_path(sim, "T-MFN"), params={"marketplaceIds": sim.marketplace_id}).json()
    assert set(default) == {"sku", "summaries"}
    assert default["summaries"][0]["status"] == ["BUYABLE", "DISCOVERABLE"]
    full = http.get(
        _path(sim, "T-FBA"),
        params={
            "marketplaceIds": sim.marketplace_id,
            "includedData": "attributes,offers,fulfillmentAvailability,issues",
        },
    ).json()
    assert full["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "AMAZON_NA", "quantity": 30}]
    assert full["offers"][0]["price"] == {"currencyCode": "USD", "amount": "19.99"}
    assert full["issues"] == []


def test_unknown_sku_and_wrong_seller(sim: Simulator) -> None:
    """An unknown SKU answers 404; another seller's path answers 403."""
    http = sim_http(sim)
    assert http.get(_path(sim, "NOPE"), params={"marketplaceIds": sim.marketplace_id}).status_code == 404
    other = http.get(_path(sim, "T-MFN", seller="A2OTHERSELLER"), params={"marketplaceIds": sim.marketplace_id})
    assert other.status_code == 403
    assert http.get(_path(sim, "T-MFN")).status_code == 400  # marketplaceIds is required


def test_delete_disappears_after_a_delay(sim: Simulator) -> None:
    """A deleteListingsItem is ACCEPTED; the SKU still reads for a moment, then 404s."""
    http = sim_http(sim)
    params = {"marketplaceIds": sim.marketplace_id}
    answer = http.delete(_path(sim, "T-MFN"), params=params)
    assert answer.json()["status"] == "ACCEPTED"
    assert http.get(_path(sim, "T-MFN"), params=params).status_code == 200
    sim.advance(61)
    assert http.get(_path(sim, "T-MFN"), params=params).status_code == 404


def test_delete_ignored_listing_never_disappears(sim: Simulator) -> None:
    """A listing flagged delete_ignored accepts the delete and stays (Amazon's known bug)."""
    sim.add_listing("T-STUCK", delete_ignored=True)
    listing = sim.world.listings[("T-STUCK", sim.marketplace_id)]
    delete_listing(sim._core, listing)
    sim.advance(3600)
    answer = sim_http(sim).get(_path(sim, "T-STUCK"), params={"marketplaceIds": sim.marketplace_id})
    assert answer.status_code == 200


def test_sku_with_slash_is_url_decoded(sim: Simulator) -> None:
    """SKUs are URL-encoded in the path and decoded by the simulator."""
    sim.add_listing("A/B 1")
    answer = sim_http(sim).get(_path(sim, "A%2FB%201"), params={"marketplaceIds": sim.marketplace_id})
    assert answer.status_code == 200
    assert answer.json()["sku"] == "A/B 1"


# --- searchListingsItems ----------------------------------------------------------------------------


def _search(sim: Simulator, seller: str | None = None, **params: str) -> httpx.Response:
    query = {"marketplaceIds": sim.marketplace_id, **params}
    return sim_http(sim).get(f"/listings/2021-08-01/items/{seller or sim.seller_id}", params=query)


def test_search_by_sku_identifiers(sim: Simulator) -> None:
    """identifiersType=SKU returns only the named SKUs that exist, with the includedData sets asked for."""
    answer = _search(
        sim,
        identifiersType="SKU",
        identifiers="T-MFN,NOPE,T-FBA",
        includedData="summaries,attributes,issues,fulfillmentAvailability",
        pageSize="20",
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["numberOfResults"] == 2
    assert "pagination" not in body
    items = {item["sku"]: item for item in body["items"]}
    assert set(items) == {"T-MFN", "T-FBA"}
    assert items["T-FBA"]["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "AMAZON_NA", "quantity": 30}]
    assert items["T-MFN"]["attributes"]["fulfillment_availability"][0]["quantity"] == 7
    assert items["T-MFN"]["summaries"][0]["productType"] == "HOME"
    assert items["T-MFN"]["issues"] == []
    default = _search(sim, identifiersType="SKU", identifiers="T-MFN").json()
    assert set(default["items"][0]) == {"sku", "summaries"}


def test_search_pages_with_tokens(sim: Simulator) -> None:
    """The pageSize splits the results; nextToken and previousToken walk the pages; a foreign token is refused."""
    for n in range(3):
        sim.add_listing(f"T-PAGE-{n}")
    params = {"identifiersType": "SKU", "identifiers": "T-PAGE-0,T-PAGE-1,T-PAGE-2,T-MFN", "sortBy": "sku"}
    first = _search(sim, pageSize="3", sortOrder="ASC", **params).json()
    assert first["numberOfResults"] == 4
    assert [i["sku"] for i in first["items"]] == ["T-MFN", "T-PAGE-0", "T-PAGE-1"]
    assert set(first["pagination"]) == {"nextToken"}
    second = _search(sim, pageSize="3", sortOrder="ASC", pageToken=first["pagination"]["nextToken"], **params).json()
    assert [i["sku"] for i in second["items"]] == ["T-PAGE-2"]
    assert set(second["pagination"]) == {"previousToken"}
    other = _search(sim, pageSize="2", sortOrder="ASC", pageToken=first["pagination"]["nextToken"], **params)
    assert other.status_code == 400
    newest_first = _search(sim, pageSize="3", **params).json()
    assert len(newest_first["items"]) == 3


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"identifiers": "T-MFN"}, "identifiersType"),
        ({"identifiersType": "SKU"}, "'identifiers' is required"),
        ({"identifiersType": "NOPE", "identifiers": "T-MFN"}, "identifiersType"),
        ({"identifiersType": "SKU", "identifiers": ",".join(f"S-{n}" for n in range(21))}, "At most 20"),
        ({"identifiersType": "SKU", "identifiers": "T-MFN", "variationParentSku": "P"}, "cannot be used"),
        ({"pageSize": "21"}, "pageSize"),
        ({"withStatus": "SOLD"}, "withStatus"),
        ({"sortBy": "price"}, "sortBy"),
        ({"createdAfter": "yesterday"}, "createdAfter"),
        ({"includedData": "identifiers"}, "includedData"),
    ],
)
def test_search_rejects_bad_queries(sim: Simulator, params: dict[str, str], fragment: str) -> None:
    """Queries the model forbids (or the simulator cannot parse) answer 400 BAD_REQUEST naming the parameter."""
    answer = _search(sim, **params)
    assert answer.status_code == 400
    error = answer.json()["errors"][0]
    assert error["code"] == "BAD_REQUEST"
    assert fragment in error["message"]


def test_search_seller_and_marketplace_checks(sim: Simulator) -> None:
    """Another seller's path answers 403, an unknown marketplace 400 (Amazon's sandbox), none at all 400."""
    assert _search(sim, seller="A2OTHERSELLER").status_code == 403
    invalid = sim_http(sim).get(f"/listings/2021-08-01/items/{sim.seller_id}", params={"marketplaceIds": "invalid"})
    assert invalid.status_code == 400
    assert invalid.json()["errors"][0] == {
        "code": "BAD_REQUEST",
        "message": "Invalid input",
        "details": "Invalid input",
    }
    assert sim_http(sim).get(f"/listings/2021-08-01/items/{sim.seller_id}").status_code == 400


def test_search_filters(sim: Simulator) -> None:
    """withStatus/withoutStatus, ASIN identifiers and deleted listings filter the results."""
    sim.add_listing("T-ZERO", quantity=0)
    _patch(
        sim, "T-ZERO", [{"op": "merge", "path": FA, "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}]}]
    )
    skus = {"identifiersType": "SKU", "identifiers": "T-MFN,T-FBA,T-ZERO", "pageSize": "20"}
    buyable = {i["sku"] for i in _search(sim, withStatus="BUYABLE", **skus).json()["items"]}
    assert buyable == {"T-MFN", "T-FBA"}
    closed = {i["sku"] for i in _search(sim, withoutStatus="BUYABLE", **skus).json()["items"]}
    assert closed == {"T-ZERO"}
    asin = sim.world.listings[("T-MFN", sim.marketplace_id)].asin
    by_asin = _search(sim, identifiersType="ASIN", identifiers=asin).json()["items"]
    assert [i["sku"] for i in by_asin] == ["T-MFN"]
    delete_listing(sim._core, sim.world.listings[("T-FBA", sim.marketplace_id)])
    sim.advance(3600)
    assert {i["sku"] for i in _search(sim, **skus).json()["items"]} == {"T-MFN", "T-ZERO"}
