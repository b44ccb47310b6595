"""Listings Items API and the shared patch logic."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sp_cancel.testing import Simulator
from sp_cancel.testing._sim._listings import apply_listing_patches, delete_listing

FA = "/attributes/fulfillment_availability"


def _api(sim: Simulator) -> httpx.Client:
    return httpx.Client(
        transport=sim.transport(), base_url=sim.base_url, headers={"x-amz-access-token": sim.issue_access_token()}
    )


@pytest.fixture
def sim() -> Simulator:
    """A simulator with one MFN and one FBA test listing."""
    simulator = Simulator(seed=2, orders=0)
    simulator.add_listing("T-MFN", quantity=7, lead_time_days=4, restock_date="2027-02-01")
    simulator.add_listing("T-FBA", channel="FBA", quantity=30)
    return simulator


def _path(sim: Simulator, sku: str, seller: str | None = None) -> str:
    return f"/listings/2021-08-01/items/{seller or sim.seller_id}/{sku}"


def _patch(sim: Simulator, sku: str, patches: list[dict[str, Any]], **params: str) -> httpx.Response:
    query = {"marketplaceIds": sim.marketplace_id, **params}
    return _api(sim).patch(_path(sim, sku), params=query, json={"productType": "PRODUCT", "patches": patches})


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
    http = _api(sim)
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
    http = _api(sim)
    assert http.get(_path(sim, "NOPE"), params={"marketplaceIds": sim.marketplace_id}).status_code == 404
    other = http.get(_path(sim, "T-MFN", seller="A2OTHERSELLER"), params={"marketplaceIds": sim.marketplace_id})
    assert other.status_code == 403
    assert http.get(_path(sim, "T-MFN")).status_code == 400  # marketplaceIds is required


def test_delete_disappears_after_a_delay(sim: Simulator) -> None:
    """A deleteListingsItem is ACCEPTED; the SKU still reads for a moment, then 404s."""
    http = _api(sim)
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
    answer = _api(sim).get(_path(sim, "T-STUCK"), params={"marketplaceIds": sim.marketplace_id})
    assert answer.status_code == 200


def test_sku_with_slash_is_url_decoded(sim: Simulator) -> None:
    """SKUs are URL-encoded in the path and decoded by the simulator."""
    sim.add_listing("A/B 1")
    answer = _api(sim).get(_path(sim, "A%2FB%201"), params={"marketplaceIds": sim.marketplace_id})
    assert answer.status_code == 200
    assert answer.json()["sku"] == "A/B 1"
