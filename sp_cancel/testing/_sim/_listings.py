"""Listings logic shared by the Listings Items API and ``JSON_LISTINGS_FEED``: patches, deletes, visibility.

Patch semantics (facts §7): only top-level attributes (``/attributes/<name>``)
are patchable. On ``/attributes/fulfillment_availability`` ``merge`` matches
entries by their non-empty ``fulfillment_channel_code`` selector and keeps the
fields it does not mention (``lead_time_to_ship_max_days``, ``restock_date``);
``replace``/``add`` replace the entries and drop unmentioned fields, but
entries of the other fulfillment family (FBA vs merchant) are kept, so a
replace with an FBA code *adds* an entry (GH #2061). A seller cannot set the
quantity of an FBA (``AMAZON_*``) entry. Any ERROR issue rejects the whole
submission (nothing is applied).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sp_cancel.testing._sim._state import SimListing

if TYPE_CHECKING:
    from sp_cancel.testing._sim._core import SimulatorCore

__all__ = [
    "KNOWN_PRODUCT_TYPES",
    "apply_listing_patches",
    "delete_listing",
    "listing_status",
    "not_found_issue",
    "plan_listing_patches",
    "visible_listing",
]

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


def apply_listing_patches(
    sim: SimulatorCore, listing: SimListing, product_type: str, patches: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Apply ``patches`` to ``listing`` unless an ERROR issue arises; return the issues (empty = accepted)."""
    attributes, issues = plan_listing_patches(listing, product_type, patches)
    if any(i["severity"] == "ERROR" for i in issues):
        return issues
    listing.attributes = attributes
    listing.status = listing_status(attributes)
    listing.last_updated = sim.now()
    return issues


def delete_listing(sim: SimulatorCore, listing: SimListing) -> None:
    """Accept a delete.

    The listing disappears from reads after ``sim.listing_delete_delay``
    (never, when ``delete_ignored`` is set: Amazon's known no-effect deletes, facts §7).
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
    return listing
