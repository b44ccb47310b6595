"""Listings in the simulator: Listings Items API 2021-08-01 and the patch, delete and visibility rules.

``getListingsItem``, ``searchListingsItems``, ``patchListingsItem``, ``deleteListingsItem``;
the same patch and delete rules serve ``JSON_LISTINGS_FEED`` (``.listings_feeds``).

https://developer-docs.amazon.com/sp-api/reference/patchlistingsitem
https://developer-docs.amazon.com/sp-api/reference/searchlistingsitems

Patch semantics (docs/listings.md): only top-level attributes (``/attributes/<name>``)
are patchable. On ``/attributes/fulfillment_availability`` ``merge`` matches
entries by their non-empty ``fulfillment_channel_code`` selector and keeps the
fields it does not mention (``lead_time_to_ship_max_days``, ``restock_date``);
``replace``/``add`` replace the entries and drop unmentioned fields, but
entries of the other fulfillment family (FBA vs merchant) are kept, so a
replace with an FBA code *adds* an entry (GH #2061). A seller cannot set the
quantity of an FBA (``AMAZON_*``) entry. Any ERROR issue rejects the whole
submission (nothing is applied). An accepted patch takes effect ``sim.listing_patch_delay`` later
(``Lags.listing_patch``), as Amazon applies listings submissions asynchronously.
"""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from sp_cancel.testing._sim.core import Router, SimRequest, SimResponse, SimulatorCore, error_response, unauthorized
from sp_cancel.testing._sim.formats import BY_QUERY, decode_token, iso, money_str, parse_iso, query_digest
from sp_cancel.testing._sim.markets import MARKETS
from sp_cancel.testing._sim.world import SimListing

__all__ = [
    "INCLUDED_DATA",
    "KNOWN_PRODUCT_TYPES",
    "apply_listing_patches",
    "delete_listing",
    "listing_item",
    "listing_status",
    "not_found_issue",
    "plan_listing_patches",
    "register",
    "search_listings_items",
    "visible_listing",
]

# -- patches, deletes, visibility (shared with JSON_LISTINGS_FEED) ---------------------------------

KNOWN_PRODUCT_TYPES: Final = frozenset(
    {
        "PRODUCT",
        "HOME",
        "KITCHEN",
        "TOY_FIGURE",
        "SHIRT",
        "SHOES",
        "BOOK",
        "LUGGAGE",
        "SPORTING_GOODS",
        "OFFICE_PRODUCTS",
        "PET_SUPPLIES",
        "BEAUTY",
        "ELECTRONIC_DEVICE",
    }
)
_FA: Final = "fulfillment_availability"
_SELECTORS: Final = ("marketplace_id", "language_tag")


def _issue(code: str, message: str, attribute: str | None = None, severity: str = "ERROR") -> dict[str, Any]:
    issue: dict[str, Any] = {
        "code": code,
        "message": message,
        "severity": severity,
        "categories": ["INVALID_ATTRIBUTE"],
    }
    if attribute:
        issue["attributeNames"] = [attribute]
    return issue


def not_found_issue(sku: str, marketplace_id: str) -> dict[str, Any]:
    """The issue answered for a patch or delete of a SKU that does not exist (simulator-defined code)."""
    return {
        "code": "4000004",
        "message": f"SKU '{sku}' does not exist in marketplace {marketplace_id}.",
        "severity": "ERROR",
        "categories": ["INVALID_ATTRIBUTE"],
    }


def _is_fba(entry: dict[str, Any]) -> bool:
    return str(entry.get("fulfillment_channel_code", "")).startswith("AMAZON_")


def _fa_values(value: object, op: str, issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    entries = value if isinstance(value, list) else []
    out: list[dict[str, Any]] = []
    for entry in entries:
        if not isinstance(entry, dict):
            issues.append(_issue("90000900", "The attributes are invalid: entries must be objects.", _FA))
            continue
        code = entry.get("fulfillment_channel_code")
        if not isinstance(code, str) or not code:
            issues.append(
                _issue("90000900", f"'{op}' needs a non-empty 'fulfillment_channel_code' selector on every entry.", _FA)
            )
            continue
        if code.startswith("AMAZON_") and "quantity" in entry:
            issues.append(
                _issue(
                    "90000900", f"The quantity of '{code}' is managed by Amazon and cannot be set by the seller.", _FA
                )
            )
            continue
        qty = entry.get("quantity")
        if qty is not None and (not isinstance(qty, int) or isinstance(qty, bool) or qty < 0):
            issues.append(_issue("90000900", "'quantity' must be a non-negative integer.", _FA))
            continue
        out.append(dict(entry))
    return out


def _patch_fa(current: list[dict[str, Any]], op: str, value: object, issues: list[dict[str, Any]]) -> list[Any]:
    if op == "delete":
        if not isinstance(value, list) or not value:
            return []
        codes = {e.get("fulfillment_channel_code") for e in value if isinstance(e, dict)}
        return [e for e in current if e.get("fulfillment_channel_code") not in codes]
    entries = _fa_values(value, op, issues)
    if op == "merge":
        merged = [dict(e) for e in current]
        for entry in entries:
            target = next(
                (e for e in merged if e.get("fulfillment_channel_code") == entry["fulfillment_channel_code"]), None
            )
            if target is None:
                merged.append(entry)
            else:
                target.update(entry)
        return merged
    families = {_is_fba(e) for e in entries}
    return [dict(e) for e in current if _is_fba(e) not in families] + entries


def _merge_generic(current: list[Any], value: list[Any], name: str, issues: list[dict[str, Any]]) -> list[Any]:
    merged = [copy.deepcopy(e) for e in current]
    for entry in value:
        if not isinstance(entry, dict) or not any(entry.get(s) for s in _SELECTORS):
            issues.append(_issue("90000900", f"'merge' on '{name}' needs a selector ({', '.join(_SELECTORS)}).", name))
            continue
        key = tuple(entry.get(s) for s in _SELECTORS)
        target = next((e for e in merged if isinstance(e, dict) and tuple(e.get(s) for s in _SELECTORS) == key), None)
        if target is None:
            merged.append(copy.deepcopy(entry))
        else:
            target.update(copy.deepcopy(entry))
    return merged


def plan_listing_patches(
    listing: SimListing, product_type: str, patches: list[dict[str, Any]]
) -> tuple[dict[str, object], list[dict[str, Any]]]:
    """Compute the attributes ``patches`` would produce, and the issues; nothing is changed."""
    issues: list[dict[str, Any]] = []
    if product_type not in KNOWN_PRODUCT_TYPES and product_type != listing.product_type:
        issues.append(
            {
                "code": "4000003",
                "message": f"The provided product type '{product_type}' is invalid or not supported.",
                "severity": "ERROR",
                "categories": ["INVALID_ATTRIBUTE"],
            }
        )
        return listing.attributes, issues
    attributes: dict[str, object] = copy.deepcopy(listing.attributes)
    if not patches:
        issues.append(_issue("90000900", "At least one patch operation is required."))
    for patch in patches:
        op, path = patch.get("op"), patch.get("path")
        if op not in {"add", "replace", "merge", "delete"}:
            issues.append(_issue("90000900", f"Unsupported patch operation '{op}'."))
            continue
        parts = str(path or "").split("/")
        if len(parts) != 3 or parts[0] != "" or parts[1] != "attributes" or not parts[2]:
            issues.append(_issue("90000900", f"Only top-level attributes can be patched, not '{path}'."))
            continue
        name, value = parts[2], patch.get("value")
        if op != "delete" and not isinstance(value, list):
            issues.append(_issue("90000900", f"'{op}' on '{name}' needs an array value.", name))
            continue
        current = attributes.get(name)
        current_list: list[Any] = list(current) if isinstance(current, list) else []
        if name == _FA:
            attributes[name] = _patch_fa([e for e in current_list if isinstance(e, dict)], str(op), value, issues)
        elif op == "delete":
            attributes.pop(name, None)
        elif op == "merge":
            attributes[name] = _merge_generic(current_list, list(value or []), name, issues)
        else:
            attributes[name] = copy.deepcopy(value)
    return attributes, issues


def listing_status(attributes: dict[str, object]) -> list[str]:
    """``BUYABLE`` while any offer has stock (FBA always counts), plus ``DISCOVERABLE``."""
    entries = attributes.get(_FA)
    buyable = False
    if isinstance(entries, list):
        for entry in entries:
            if isinstance(entry, dict) and (_is_fba(entry) or int(entry.get("quantity") or 0) > 0):
                buyable = True
    return ["BUYABLE", "DISCOVERABLE"] if buyable else ["DISCOVERABLE"]


def _latest(listing: SimListing) -> SimListing:
    """``listing`` as it will be once every accepted patch is in effect (what the next patch applies to)."""
    if not listing.pending:
        return listing
    return _with_attributes(listing, listing.pending[-1][1])


def _with_attributes(listing: SimListing, attributes: dict[str, object]) -> SimListing:
    later = copy.copy(listing)
    later.attributes = attributes
    return later


def _settle(listing: SimListing, now: datetime) -> None:
    """Put into effect the accepted patches whose time has come."""
    while listing.pending and listing.pending[0][0] <= now:
        at, attributes = listing.pending.pop(0)
        listing.attributes = attributes
        listing.status = listing_status(attributes)
        listing.last_updated = at


def apply_listing_patches(
    sim: SimulatorCore, listing: SimListing, product_type: str, patches: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Accept ``patches`` unless an ERROR issue arises; return the issues (empty = accepted).

    Like Amazon, an accepted patch takes effect later: ``sim.listing_patch_delay`` after it was accepted
    (``Lags.listing_patch``; at once when 0). Until then reads show the attributes as they were.
    """
    now = sim.now()
    _settle(listing, now)
    attributes, issues = plan_listing_patches(_latest(listing), product_type, patches)
    if any(i["severity"] == "ERROR" for i in issues):
        return issues
    listing.pending.append((now + sim.listing_patch_delay, attributes))
    _settle(listing, now)
    return issues


def delete_listing(sim: SimulatorCore, listing: SimListing) -> None:
    """Accept a delete.

    The listing disappears from reads after ``sim.listing_delete_delay``
    (never, when ``delete_ignored`` is set: Amazon's known no-effect deletes, docs/listings.md).
    """
    if listing.deleted_at is None:
        listing.deleted_at = sim.now()


def _gone(sim: SimulatorCore, listing: SimListing, now: datetime) -> bool:
    return (
        listing.deleted_at is not None
        and not listing.delete_ignored
        and now >= listing.deleted_at + sim.listing_delete_delay
    )


def visible_listing(sim: SimulatorCore, sku: str, marketplace_id: str) -> SimListing | None:
    """The listing as reads see it (``None`` when absent or deleted long enough ago; deleted ones are purged)."""
    listing = sim.world.listings.get((sku, marketplace_id))
    if listing is None:
        return None
    if _gone(sim, listing, sim.now()):
        del sim.world.listings[(sku, marketplace_id)]
        return None
    _settle(listing, sim.now())
    return listing


# -- Listings Items API 2021-08-01 -----------------------------------------------------------------

# getListingsItem's includedData values (also a listings feed message's "includedData").
INCLUDED_DATA: Final = (
    "summaries",
    "attributes",
    "issues",
    "offers",
    "fulfillmentAvailability",
    "procurement",
    "relationships",
    "productTypes",
)
_GET_INCLUDED: Final = frozenset(INCLUDED_DATA)
_PATCH_INCLUDED: Final = frozenset({"identifiers", "issues"})
# searchListingsItems (model parameters: identifiers maxItems 20, pageSize maximum 20 default 10,
# sortBy default lastUpdatedDate, sortOrder default DESC; at most 1000 items can be paged through).
_IDENTIFIER_TYPES: Final = frozenset({"ASIN", "EAN", "FNSKU", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC"})
_MAX_IDENTIFIERS: Final = 20
_MAX_PAGE_SIZE: Final = 20
_DEFAULT_PAGE_SIZE: Final = 10
_MAX_PAGED: Final = 1000
_STATUSES: Final = frozenset({"BUYABLE", "DISCOVERABLE"})
_SEVERITIES: Final = frozenset({"WARNING", "ERROR"})
_SORT_BY: Final = frozenset({"sku", "createdDate", "lastUpdatedDate"})
_DATE_FILTERS: Final = ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore")
_DEFAULT_DATE: Final = "2026-01-01T00:00:00Z"
_KNOWN_MARKETPLACES: Final = frozenset(m.marketplace_id for m in MARKETS.values())


def _bad_request(message: str) -> SimResponse:
    return error_response(400, "BAD_REQUEST", message)


def _common(sim: SimulatorCore, request: SimRequest, allowed: frozenset[str]) -> tuple[str, set[str]] | SimResponse:
    if request.path_params["sellerId"] != sim.seller_id:
        return unauthorized()
    marketplaces = request.many("marketplaceIds")
    if len(marketplaces) != 1:
        return _bad_request("Exactly one value is required for the 'marketplaceIds' parameter.")
    if not sim.marketplace_known(marketplaces[0]):
        return error_response(400, "BAD_REQUEST", "Invalid input", "Invalid input")  # Amazon's sandbox answer
    included = set(request.many("includedData"))
    if included - allowed:
        return _bad_request(f"Invalid 'includedData' value(s): {', '.join(sorted(included - allowed))}.")
    return marketplaces[0], included


def _addressed(
    sim: SimulatorCore, request: SimRequest, allowed: frozenset[str]
) -> tuple[str, set[str], str, SimListing | None] | SimResponse:
    """A call on one SKU: its marketplace, ``includedData``, SKU and listing (``None``: none the seller can see).

    Or the answer that refuses the call (``_common``).
    """
    common = _common(sim, request, allowed)
    if isinstance(common, SimResponse):
        return common
    marketplace_id, included = common
    sku = request.path_params["sku"]
    return marketplace_id, included, sku, visible_listing(sim, sku, marketplace_id)


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


def _created(listing: SimListing) -> datetime:
    return listing.created or datetime.fromisoformat(_DEFAULT_DATE)


def _last_updated(listing: SimListing) -> datetime:
    if listing.created is None:
        return _created(listing)
    return listing.last_updated or listing.created


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
            "createdDate": iso(_created(listing)),
            "lastUpdatedDate": iso(_last_updated(listing)),
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
    addressed = _addressed(sim, request, _GET_INCLUDED)
    if isinstance(addressed, SimResponse):
        return addressed
    marketplace_id, included, sku, listing = addressed
    if listing is None:
        return error_response(404, "NOT_FOUND", f"SKU '{sku}' not found in marketplace {marketplace_id}")
    return SimResponse(status=200, body=listing_item(listing, included))


def _search_problem(request: SimRequest) -> str | None:  # noqa: C901, PLR0911 - one message per rule
    """What is wrong with a ``searchListingsItems`` query (beyond seller, marketplace and includedData), if anything."""
    identifiers, id_type = request.many("identifiers"), request.one("identifiersType")
    if identifiers and id_type is None:
        return "'identifiersType' is required when 'identifiers' is provided."
    if id_type is not None and not identifiers:
        return "'identifiers' is required when 'identifiersType' is provided."
    if id_type is not None and id_type not in _IDENTIFIER_TYPES:
        return f"Invalid 'identifiersType' value: {id_type}."
    if len(identifiers) > _MAX_IDENTIFIERS:
        return f"At most {_MAX_IDENTIFIERS} values are allowed for 'identifiers'."
    exclusive = [n for n in ("identifiers", "variationParentSku", "packageHierarchySku") if request.one(n)]
    if len(exclusive) > 1:
        return f"'{exclusive[0]}' cannot be used with '{exclusive[1]}'."
    for name, allowed in (("withStatus", _STATUSES), ("withoutStatus", _STATUSES), ("withIssueSeverity", _SEVERITIES)):
        unknown = set(request.many(name)) - allowed
        if unknown:
            return f"Invalid '{name}' value(s): {', '.join(sorted(unknown))}."
    if request.one("sortBy") not in {None, *_SORT_BY}:
        return f"Invalid 'sortBy' value: {request.one('sortBy')}."
    if request.one("sortOrder") not in {None, "ASC", "DESC"}:
        return f"Invalid 'sortOrder' value: {request.one('sortOrder')}."
    size = request.one("pageSize")
    if size is not None and (not size.isdigit() or not 1 <= int(size) <= _MAX_PAGE_SIZE):
        return f"'pageSize' must be between 1 and {_MAX_PAGE_SIZE}."
    for name in _DATE_FILTERS:
        if request.one(name) is not None and parse_iso(request.one(name)) is None:
            return f"'{name}' must be an ISO 8601 date-time."
    return None


def _search_candidates(sim: SimulatorCore, request: SimRequest, marketplace_id: str) -> list[SimListing]:
    """The visible listings of the marketplace the identifier filters allow (SKUs are looked up directly)."""
    identifiers, id_type = request.many("identifiers"), request.one("identifiersType")
    if id_type == "SKU":
        found = (visible_listing(sim, sku, marketplace_id) for sku in dict.fromkeys(identifiers))
        return [listing for listing in found if listing is not None]
    if request.one("variationParentSku") or request.one("packageHierarchySku"):
        return []  # the simulated catalogue has no variation families or package hierarchies
    keys = [sku for sku, market in list(sim.world.listings) if market == marketplace_id]
    listings = [listing for sku in keys if (listing := visible_listing(sim, sku, marketplace_id)) is not None]
    if id_type == "ASIN":
        return [listing for listing in listings if listing.asin in identifiers]
    if id_type is not None:
        return []  # EAN, UPC, FNSKU...: the simulated listings carry no such identifiers
    return listings


def _search_keeps(listing: SimListing, request: SimRequest) -> bool:
    """Whether ``listing`` passes the status, issue and date filters."""
    status = set(listing.status)
    if not set(request.many("withStatus")) <= status or set(request.many("withoutStatus")) & status:
        return False
    if request.many("withIssueSeverity"):
        return False  # simulated listings carry no issues
    created, updated = _created(listing), _last_updated(listing)
    bounds = (
        ("createdAfter", created, True),
        ("createdBefore", created, False),
        ("lastUpdatedAfter", updated, True),
        ("lastUpdatedBefore", updated, False),
    )
    for name, value, after in bounds:
        bound = parse_iso(request.one(name))
        if bound is not None and (value < bound if after else value > bound):
            return False
    return True


def _sort_key(listing: SimListing, sort_by: str) -> tuple[str, str]:
    if sort_by == "sku":
        return (listing.sku, "")
    when = _created(listing) if sort_by == "createdDate" else _last_updated(listing)
    return (iso(when), listing.sku)


def search_listings_items(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /listings/2021-08-01/items/{sellerId}``: ``ItemSearchResults{numberOfResults, pagination?, items}``."""
    common = _common(sim, request, _GET_INCLUDED)
    if isinstance(common, SimResponse):
        return common
    marketplace_id, included = common
    if marketplace_id not in _KNOWN_MARKETPLACES:
        return error_response(400, "BAD_REQUEST", "Invalid input", "Invalid input")  # Amazon's sandbox answer
    problem = _search_problem(request)
    if problem is not None:
        return _bad_request(problem)
    binding = query_digest("searchListingsItems", request.query, "pageToken")
    start = 0
    token = request.one("pageToken")
    if token is not None:
        data = decode_token(token)
        if data is None or data.get("h") != binding or not isinstance(data.get("o"), int):
            return _bad_request("Invalid 'pageToken': it must be sent with the same parameters as before.")
        start = data["o"]
    sort_by = request.one("sortBy") or "lastUpdatedDate"
    matching = sorted(
        (listing for listing in _search_candidates(sim, request, marketplace_id) if _search_keeps(listing, request)),
        key=lambda listing: _sort_key(listing, sort_by),
        reverse=(request.one("sortOrder") or "DESC") == "DESC",
    )
    size = int(request.one("pageSize") or _DEFAULT_PAGE_SIZE)
    pageable = matching[:_MAX_PAGED]
    body: dict[str, Any] = {
        "numberOfResults": len(matching),
        "items": [listing_item(listing, included) for listing in pageable[start : start + size]],
    }
    pagination: dict[str, str] = {}
    following = BY_QUERY.following(binding, start, size, len(pageable))
    if following is not None:
        pagination["nextToken"] = following
    if start > 0:
        pagination["previousToken"] = BY_QUERY.token(binding, max(0, start - size))
    if pagination:
        body["pagination"] = pagination
    return SimResponse(status=200, body=body)


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
    addressed = _addressed(sim, request, frozenset())
    if isinstance(addressed, SimResponse):
        return addressed
    marketplace_id, _, sku, listing = addressed
    if listing is None:
        return _submission(sim, sku, "INVALID", [not_found_issue(sku, marketplace_id)])
    delete_listing(sim, listing)
    return _submission(sim, sku, "ACCEPTED", [])


def register(router: Router) -> None:
    """Add the Listings Items routes."""
    path = "/listings/2021-08-01/items/{sellerId}/{sku}"
    router.add("GET", path, "listings.getListingsItem", get_listings_item)
    router.add("GET", "/listings/2021-08-01/items/{sellerId}", "listings.searchListingsItems", search_listings_items)
    router.add("PATCH", path, "listings.patchListingsItem", patch_listings_item)
    router.add("DELETE", path, "listings.deleteListingsItem", delete_listings_item)
