"""Reading a listing for the close workflows: product type, fulfillment channels, issues.

Shared by :mod:`sp_cancel._listings` (one listing) and :mod:`sp_cancel._listings_bulk`
(``JSON_LISTINGS_FEED``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

from sp_cancel._outcomes import ListingIssue
from sp_cancel.errors import NotCancellableError

if TYPE_CHECKING:
    from sp_cancel._context import Context

__all__ = [
    "DEFAULT_CHANNEL",
    "FALLBACK_PRODUCT_TYPE",
    "FBA_HINT",
    "ListingView",
    "check_closable",
    "issues_from_json",
    "listing_view",
    "read_listing",
]

DEFAULT_CHANNEL: Final = "DEFAULT"
# Facts §7: the generic type works for offer-only patches when the real one is unknown.
FALLBACK_PRODUCT_TYPE: Final = "PRODUCT"
_READ_DATA: Final = ("summaries", "attributes", "fulfillmentAvailability")
_SEVERITIES: Final = frozenset({"ERROR", "WARNING", "INFO"})
FBA_HINT: Final = (
    "Amazon sets the quantity of an FBA offer from the fulfillment-center stock, so it cannot be set to 0. "
    "To stop selling it: delete the listing (delete_listing), or create a removal order for the inventory "
    "in Seller Central (Inventory > Manage FBA Inventory > Create removal order)."
)


@attrs.frozen(kw_only=True)
class ListingView:
    """What ``getListingsItem`` says about one listing, as the close workflow needs it.

    Attributes:
        sku: the SKU.
        product_type: the listing's product type (``PRODUCT`` when Amazon did not say).
        channels: fulfillment channel code -> quantity (``None`` when not shown).
        status: the summary status (``BUYABLE``, ``DISCOVERABLE``).
    """

    sku: str
    product_type: str
    channels: Mapping[str, int | None] = attrs.field(factory=dict, hash=False)
    status: tuple[str, ...] = ()

    @property
    def fba_only(self) -> bool:
        """True when every offer is fulfilled by Amazon (``AMAZON_*``), none by the seller."""
        return bool(self.channels) and all(c.startswith("AMAZON_") for c in self.channels)

    @property
    def closed(self) -> bool:
        """True when the seller-fulfilled quantity already reads 0."""
        return self.channels.get(DEFAULT_CHANNEL) == 0


def _quantity(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _channels(data: Mapping[str, Any]) -> dict[str, int | None]:
    channels: dict[str, int | None] = {}
    attributes = data.get("attributes") or {}
    for entry in attributes.get("fulfillment_availability") or []:
        if isinstance(entry, Mapping) and entry.get("fulfillment_channel_code"):
            channels[str(entry["fulfillment_channel_code"])] = _quantity(entry.get("quantity"))
    for entry in data.get("fulfillmentAvailability") or []:
        if isinstance(entry, Mapping) and entry.get("fulfillmentChannelCode"):
            code = str(entry["fulfillmentChannelCode"])
            if channels.get(code) is None:
                channels[code] = _quantity(entry.get("quantity"))
    return channels


def listing_view(data: Mapping[str, Any], sku: str, marketplace_id: str) -> ListingView:
    """Turn a ``getListingsItem`` body into a :class:`ListingView`."""
    summaries = [s for s in data.get("summaries") or [] if isinstance(s, Mapping)]
    summary = next((s for s in summaries if s.get("marketplaceId") == marketplace_id), None)
    if summary is None and summaries:
        summary = summaries[0]
    product_type = FALLBACK_PRODUCT_TYPE
    status: tuple[str, ...] = ()
    if summary is not None:
        if isinstance(summary.get("productType"), str) and summary["productType"].strip():
            product_type = summary["productType"]
        status = tuple(str(s) for s in summary.get("status") or ())
    return ListingView(sku=sku, product_type=product_type, channels=_channels(data), status=status)


def read_listing(ctx: Context, sku: str) -> ListingView:
    """Read one listing in the client's marketplace (``getListingsItem``).

    Raises:
        NotFoundError: the seller has no such SKU in the marketplace.
    """
    response = ctx.api.get_listings_item(sku, marketplace_ids=[ctx.marketplace_id], included_data=_READ_DATA)
    return listing_view(response.data or {}, sku, ctx.marketplace_id)


def check_closable(view: ListingView) -> None:
    """Refuse a listing whose only offer is fulfilled by Amazon.

    Raises:
        NotCancellableError: state ``FBA`` with what to do instead.
    """
    if view.fba_only:
        codes = ", ".join(sorted(view.channels))
        raise NotCancellableError(
            f"listing {view.sku} is fulfilled by Amazon ({codes}); its quantity is Amazon's to set.",
            target_id=view.sku,
            state="FBA",
            hint=FBA_HINT,
        )


def issues_from_json(raw: object) -> tuple[ListingIssue, ...]:
    """Amazon's ``issues`` array (Listings Items API) as typed :class:`ListingIssue` values."""
    issues: list[ListingIssue] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, Mapping):
            continue
        severity = item.get("severity")
        names = item.get("attributeNames") or ()
        issues.append(
            ListingIssue(
                code=str(item.get("code", "")),
                message=str(item.get("message", "")),
                severity=severity if severity in _SEVERITIES else "ERROR",
                attribute_names=tuple(str(n) for n in names),
            )
        )
    return tuple(issues)
