"""Reading a listing for the close workflows: product type, fulfillment channels, issues.

Shared by ``sp_cancel._listings.items`` (one listing, ``getListingsItem``) and
``sp_cancel._listings.feed`` (``JSON_LISTINGS_FEED``; SKUs read 20 at a time with ``searchListingsItems``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Final, Literal

import attrs

from sp_cancel._listings.outcomes import ListingIssue
from sp_cancel.errors import NotCancellableError, NotFoundError

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context
    from sp_cancel.transport import ListingsIssue, ListingsItem

__all__ = [
    "DEFAULT_CHANNEL",
    "FALLBACK_PRODUCT_TYPE",
    "FBA_HINT",
    "READ_BACK_PAUSES",
    "SEARCH_BATCH",
    "ListingView",
    "check_closable",
    "listing_issues",
    "listing_view",
    "read_back_closed",
    "read_listing",
    "read_listings",
]

DEFAULT_CHANNEL: Final = "DEFAULT"
# Facts §7: the generic type works for offer-only patches when the real one is unknown.
FALLBACK_PRODUCT_TYPE: Final = "PRODUCT"
_READ_DATA: Final = ("summaries", "attributes", "fulfillmentAvailability")
# searchListingsItems: "identifiers" has maxItems 20 and "pageSize" maximum 20 (listingsItems_2021-08-01 model).
SEARCH_BATCH: Final = 20
# Pauses between read-backs of a close Amazon accepted but may not have applied yet (it applies listings
# submissions asynchronously): 4 more reads over 2 minutes of the injected clock.
READ_BACK_PAUSES: Final = (10.0, 20.0, 30.0, 60.0)
_SEVERITY: Final[Mapping[str, Literal["ERROR", "WARNING", "INFO"]]] = {
    "ERROR": "ERROR",
    "WARNING": "WARNING",
    "INFO": "INFO",
}
FBA_HINT: Final = (
    "Amazon sets the quantity of an FBA offer from the fulfillment-center stock, so it cannot be set to 0. "
    "To stop selling it: delete the listing (delete_listing), or create a removal order for the inventory "
    "in Seller Central (Inventory > Manage FBA Inventory > Create removal order)."
)


@attrs.frozen(kw_only=True)
class ListingView:
    """What ``getListingsItem`` (or a ``searchListingsItems`` item) says about one listing, as closing needs it.

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


def _channels(item: ListingsItem) -> dict[str, int | None]:
    channels: dict[str, int | None] = {}
    for entry in item.attributes_fulfillment_availability:
        channels[entry.fulfillment_channel_code] = entry.quantity
    for entry in item.fulfillment_availability:
        if entry.fulfillment_channel_code and channels.get(entry.fulfillment_channel_code) is None:
            channels[entry.fulfillment_channel_code] = entry.quantity
    return channels


def listing_view(item: ListingsItem, sku: str, marketplace_id: str) -> ListingView:
    """Turn a ``getListingsItem`` answer (or one ``searchListingsItems`` item) into a ``ListingView``."""
    summaries = item.summaries
    summary = next((s for s in summaries if s.marketplace_id == marketplace_id), None)
    if summary is None and summaries:
        summary = summaries[0]
    product_type = FALLBACK_PRODUCT_TYPE
    status: tuple[str, ...] = ()
    if summary is not None:
        if summary.product_type.strip():
            product_type = summary.product_type
        status = summary.status
    return ListingView(sku=sku, product_type=product_type, channels=_channels(item), status=status)


def read_listing(ctx: Context, sku: str) -> ListingView:
    """Read one listing in the client's marketplace (``getListingsItem``).

    Raises:
        NotFoundError: the seller has no such SKU in the marketplace.
    """
    item = ctx.api.get_listings_item(sku, marketplace_ids=[ctx.marketplace_id], included_data=_READ_DATA)
    return listing_view(item, sku, ctx.marketplace_id)


def _search(ctx: Context, skus: list[str]) -> tuple[dict[str, ListingsItem], str | None]:
    """The ``Item`` of each of ``skus`` that ``searchListingsItems`` finds, by SKU, and the last request id."""
    items: dict[str, ListingsItem] = {}
    token: str | None = None
    request_id: str | None = None
    for _ in range(SEARCH_BATCH):  # one page holds them all (pageSize 20); follow a nextToken all the same
        page = ctx.api.search_listings_items(
            identifiers=skus,
            identifiers_type="SKU",
            marketplace_ids=[ctx.marketplace_id],
            included_data=_READ_DATA,
            page_size=SEARCH_BATCH,
            page_token=token,
        )
        request_id = page.request_id or request_id
        for item in page.items:
            items.setdefault(item.sku, item)
        token = page.next_token
        if not token or not page.items:
            break
    return items, request_id


def _not_found(sku: str, marketplace_id: str, request_id: str | None) -> NotFoundError:
    return NotFoundError(
        f"SKU {sku!r} not found in marketplace {marketplace_id} (not among the searchListingsItems results)",
        operation="searchListingsItems",
        status=404,
        code="NOT_FOUND",
        request_id=request_id,
    )


def read_listings(ctx: Context, skus: Iterable[str]) -> dict[str, ListingView | NotFoundError]:
    """Read many listings in the client's marketplace: ``searchListingsItems``, 20 SKUs per call.

    A SKU missing from the results maps to the ``NotFoundError`` (status 404)
    that reading it alone would raise. ``identifiers`` is a comma-separated list, so a SKU holding a
    comma cannot be named in it: such a SKU is read alone (``getListingsItem``).

    Raises:
        ApiError: a search failed (after the retry policy), as ``read_listing`` would.
    """
    wanted = list(dict.fromkeys(skus))
    searchable = [sku for sku in wanted if "," not in sku]
    found: dict[str, ListingView | NotFoundError] = {}
    for start in range(0, len(searchable), SEARCH_BATCH):
        chunk = searchable[start : start + SEARCH_BATCH]
        items, request_id = _search(ctx, chunk)
        for sku in chunk:
            item = items.get(sku)
            found[sku] = (
                listing_view(item, sku, ctx.marketplace_id)
                if item is not None
                else _not_found(sku, ctx.marketplace_id, request_id)
            )
    for sku in wanted:
        if "," in sku:
            try:
                found[sku] = read_listing(ctx, sku)
            except NotFoundError as exc:
                found[sku] = exc
    return found


def read_back_closed(ctx: Context, skus: Iterable[str]) -> dict[str, tuple[bool, str]]:
    """Read ``skus`` back until each shows its seller-fulfilled quantity at 0, or ``READ_BACK_PAUSES`` run out.

    Amazon applies an accepted listings submission (a patch, a listings feed's message) asynchronously,
    seconds to minutes after accepting it; a read at once can still show the old quantity. So a SKU that
    does not read back closed is read again after each pause (about two minutes in all) before the
    answer is "not closed". Returns ``sku -> (closed, what was seen)``.
    """
    wanted = list(dict.fromkeys(skus))
    seen: dict[str, tuple[bool, str]] = {}
    waited = 0.0
    for pause in (0.0, *READ_BACK_PAUSES):
        open_skus = [sku for sku in wanted if not seen.get(sku, (False, ""))[0]]
        if not open_skus:
            break
        if pause:
            ctx.sleep(pause)
            waited += pause
        when = f" ({waited:.0f} s after the first read)" if waited else ""
        for sku, view in read_listings(ctx, open_skus).items():
            if isinstance(view, NotFoundError):
                seen[sku] = (False, "the listing could not be read back (404)")
            elif view.closed:
                seen[sku] = (True, f"the quantity reads back as 0{when}")
            else:
                seen[sku] = (False, f"the quantity does not read back as 0{when}")
    return seen


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


def listing_issues(issues: Iterable[ListingsIssue]) -> tuple[ListingIssue, ...]:
    """Amazon's ``issues`` (Listings Items API) as the public ``ListingIssue`` (an unknown severity is an ERROR)."""
    return tuple(
        ListingIssue(
            code=issue.code,
            message=issue.message,
            severity=_SEVERITY.get(issue.severity, "ERROR"),
            attribute_names=issue.attribute_names,
        )
        for issue in issues
    )
