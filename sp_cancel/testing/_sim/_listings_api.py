"""Listings Items API 2021-08-01: ``getListingsItem``, ``patchListingsItem``, ``deleteListingsItem``.

https://developer-docs.amazon.com/sp-api/reference/patchlistingsitem
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

from sp_cancel.testing._sim._http import Router, SimRequest, SimResponse, error_response
from sp_cancel.testing._sim._listings import (
    apply_listing_patches,
    delete_listing,
    not_found_issue,
    plan_listing_patches,
    visible_listing,
)
from sp_cancel.testing._sim._state import SimListing
from sp_cancel.testing._sim._util import iso, money_str, unauthorized

if TYPE_CHECKING:
    from sp_cancel.testing._sim._core import SimulatorCore

__all__ = ["listing_item", "register"]

_GET_INCLUDED: Final = frozenset(
    {
        "summaries",
        "attributes",
        "issues",
        "offers",
        "fulfillmentAvailability",
        "procurement",
        "relationships",
        "productTypes",
    }
)
_PATCH_INCLUDED: Final = frozenset({"identifiers", "issues"})


def _bad_request(message: str) -> SimResponse:
    return error_response(400, "BAD_REQUEST", message)


def _common(sim: SimulatorCore, request: SimRequest, allowed: frozenset[str]) -> tuple[str, set[str]] | SimResponse:
    if request.path_params["sellerId"] != sim.seller_id:
        return unauthorized()
    marketplaces = request.many("marketplaceIds")
    if len(marketplaces) != 1:
        return _bad_request("Exactly one value is required for the 'marketplaceIds' parameter.")
    included = set(request.many("includedData"))
    if included - allowed:
        return _bad_request(f"Invalid 'includedData' value(s): {', '.join(sorted(included - allowed))}.")
    return marketplaces[0], included


def _offers(listing: SimListing) -> list[dict[str, Any]]:
    offers: list[dict[str, Any]] = []
    entries = listing.attributes.get("purchasable_offer")
    for entry in entries if isinstance(entries, list) else []:
        try:
            price = entry["our_price"][0]["schedule"][0]["value_with_tax"]
            amount = Decimal(str(price))
        except (KeyError, IndexError, TypeError, InvalidOperation):
            continue
        currency = str(entry.get("currency", "USD"))
        offers.append(
            {
                "marketplaceId": listing.marketplace_id,
                "offerType": "B2C",
                "price": {"currencyCode": currency, "amount": money_str(amount, currency)},
            }
        )
    return offers


def listing_item(listing: SimListing, included: set[str]) -> dict[str, Any]:
    """The Listings ``Item`` of ``listing`` with the ``includedData`` sets asked for (default ``summaries``)."""
    included = included or {"summaries"}
    item: dict[str, Any] = {"sku": listing.sku}
    if "summaries" in included:
        summary: dict[str, Any] = {
            "marketplaceId": listing.marketplace_id,
            "asin": listing.asin,
            "productType": listing.product_type,
            "conditionType": "new_new",
            "status": list(listing.status),
            "itemName": listing.item_name,
            "createdDate": iso(listing.created) if listing.created else "2026-01-01T00:00:00Z",
            "lastUpdatedDate": iso(listing.last_updated or listing.created)
            if listing.created
            else "2026-01-01T00:00:00Z",
        }
        item["summaries"] = [summary]
    if "attributes" in included:
        item["attributes"] = listing.attributes
    if "issues" in included:
        item["issues"] = []
    if "offers" in included:
        item["offers"] = _offers(listing)
    if "fulfillmentAvailability" in included:
        entries = listing.attributes.get("fulfillment_availability")
        item["fulfillmentAvailability"] = [
            {"fulfillmentChannelCode": e["fulfillment_channel_code"], "quantity": int(e.get("quantity") or 0)}
            for e in (entries if isinstance(entries, list) else [])
            if isinstance(e, dict) and e.get("fulfillment_channel_code")
        ]
    if "productTypes" in included:
        item["productTypes"] = [{"marketplaceId": listing.marketplace_id, "productType": listing.product_type}]
    if "procurement" in included:
        item["procurement"] = []
    if "relationships" in included:
        item["relationships"] = [{"marketplaceId": listing.marketplace_id, "relationships": []}]
    return item


def get_listings_item(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /listings/2021-08-01/items/{sellerId}/{sku}``."""
    common = _common(sim, request, _GET_INCLUDED)
    if isinstance(common, SimResponse):
        return common
    marketplace_id, included = common
    sku = request.path_params["sku"]
    listing = visible_listing(sim, sku, marketplace_id)
    if listing is None:
        return error_response(404, "NOT_FOUND", f"SKU '{sku}' not found in marketplace {marketplace_id}")
    return SimResponse(status=200, body=listing_item(listing, included))


def _submission(
    sim: SimulatorCore, sku: str, status: str, issues: list[dict[str, Any]], extra: dict[str, Any] | None = None
) -> SimResponse:
    body: dict[str, Any] = {"sku": sku, "status": status, "submissionId": sim.new_id("submission"), "issues": issues}
    body.update(extra or {})
    return SimResponse(status=200, body=body)


def patch_listings_item(sim: SimulatorCore, request: SimRequest) -> SimResponse:  # noqa: PLR0911 - one answer per rule
    """``PATCH /listings/2021-08-01/items/{sellerId}/{sku}`` (``mode=VALIDATION_PREVIEW`` validates only)."""
    common = _common(sim, request, _PATCH_INCLUDED)
    if isinstance(common, SimResponse):
        return common
    marketplace_id, included = common
    mode = request.one("mode")
    if mode not in {None, "VALIDATION_PREVIEW"}:
        return _bad_request(f"Invalid 'mode' value: {mode}.")
    try:
        body = request.json()
    except ValueError:
        return _bad_request("The request body is not valid JSON.")
    if not isinstance(body, dict) or not isinstance(body.get("productType"), str):
        return _bad_request("The request body requires 'productType' and 'patches'.")
    patches = body.get("patches")
    if not isinstance(patches, list) or not patches or not all(isinstance(p, dict) for p in patches):
        return _bad_request("'patches' must be a non-empty array of patch operations.")
    sku = request.path_params["sku"]
    listing = visible_listing(sim, sku, marketplace_id)
    if listing is None:
        return _submission(sim, sku, "INVALID", [not_found_issue(sku, marketplace_id)])
    extra: dict[str, Any] = {}
    if "identifiers" in included:
        extra["identifiers"] = [{"marketplaceId": marketplace_id, "asin": listing.asin}]
    if mode == "VALIDATION_PREVIEW":
        _, issues = plan_listing_patches(listing, body["productType"], patches)
    else:
        issues = apply_listing_patches(sim, listing, body["productType"], patches)
    has_error = any(i["severity"] == "ERROR" for i in issues)
    if mode == "VALIDATION_PREVIEW":
        status = "INVALID" if has_error else "VALID"
    else:
        status = "INVALID" if has_error else "ACCEPTED"
    return _submission(sim, sku, status, issues, extra)


def delete_listings_item(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``DELETE /listings/2021-08-01/items/{sellerId}/{sku}`` (accepted; the SKU vanishes after a short delay)."""
    common = _common(sim, request, frozenset())
    if isinstance(common, SimResponse):
        return common
    marketplace_id, _ = common
    sku = request.path_params["sku"]
    listing = visible_listing(sim, sku, marketplace_id)
    if listing is None:
        return _submission(sim, sku, "INVALID", [not_found_issue(sku, marketplace_id)])
    delete_listing(sim, listing)
    return _submission(sim, sku, "ACCEPTED", [])


def register(router: Router) -> None:
    """Add the Listings Items routes."""
    path = "/listings/2021-08-01/items/{sellerId}/{sku}"
    router.add("GET", path, "listings.getListingsItem", get_listings_item)
    router.add("PATCH", path, "listings.patchListingsItem", patch_listings_item)
    router.add("DELETE", path, "listings.deleteListingsItem", delete_listings_item)
