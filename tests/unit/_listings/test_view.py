"""Reading a listing for the close workflows (sp_cancel/_listings/view.py), over a scripted listings fake."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from listing_fakes import Ctx

from sp_cancel._listings.view import (
    FALLBACK_PRODUCT_TYPE,
    READ_BACK_PAUSES,
    SEARCH_BATCH,
    ListingView,
    check_closable,
    listing_issues,
    listing_view,
    read_back_closed,
    read_listings,
)
from sp_cancel.errors import NotCancellableError, NotFoundError
from sp_cancel.transport import ListingsItemsPage
from sp_cancel.transport._listings import ListingsIssue, ListingsItem, parse_listings_item

US, UK = "ATVPDKIKX0DER", "A1F83G8C2ARO7P"


def item(sku: str, *, quantity: int | None = 5, channel: str = "DEFAULT", summaries: Any = None) -> ListingsItem:
    """An Amazon-shaped listing answer, parsed as the transport would."""
    data: dict[str, Any] = {
        "sku": sku,
        "summaries": summaries
        if summaries is not None
        else [
            {
                "marketplaceId": US,
                "productType": "SHOES",
                "status": ["BUYABLE"],
                "createdDate": "2026-01-01T00:00:00Z",
                "lastUpdatedDate": "2026-01-02T00:00:00Z",
            }
        ],
        "fulfillmentAvailability": [{"fulfillmentChannelCode": channel, "quantity": quantity}],
    }
    return parse_listings_item(data)


def test_listing_view_reads_the_marketplaces_summary_and_channels() -> None:
    """The summary of the asked marketplace (else the first), its product type and status; each channel's quantity."""
    uk_first = [
        {"marketplaceId": UK, "productType": "BOOTS", "status": [], "createdDate": "2026-01-01T00:00:00Z",
         "lastUpdatedDate": "2026-01-01T00:00:00Z"},
        {"marketplaceId": US, "productType": "SHOES", "status": ["BUYABLE", "DISCOVERABLE"],
         "createdDate": "2026-01-01T00:00:00Z", "lastUpdatedDate": "2026-01-01T00:00:00Z"},
    ]  # fmt: skip
    view = listing_view(item("A", summaries=uk_first), "A", US)
    assert (view.product_type, view.status, dict(view.channels)) == (
        "SHOES",
        ("BUYABLE", "DISCOVERABLE"),
        {"DEFAULT": 5},
    )
    assert listing_view(item("A", summaries=uk_first), "A", "A13V1IB3VIYZZH").product_type == "BOOTS"
    assert listing_view(item("A", summaries=[]), "A", US).product_type == FALLBACK_PRODUCT_TYPE


def test_the_attribute_quantity_wins_over_the_availability_summary() -> None:
    """``attributes.fulfillment_availability`` (what the seller set) is read first; the summary fills gaps only."""
    data = {
        "sku": "A",
        "attributes": {"fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}]},
        "fulfillmentAvailability": [
            {"fulfillmentChannelCode": "DEFAULT", "quantity": 7},
            {"fulfillmentChannelCode": "AMAZON_NA", "quantity": 3},
        ],
    }
    view = listing_view(parse_listings_item(data), "A", US)
    assert dict(view.channels) == {"DEFAULT": 0, "AMAZON_NA": 3}
    assert view.closed
    assert not view.fba_only


def test_closed_and_fba_only() -> None:
    """Closed: the seller-fulfilled quantity reads 0 (unknown is not closed); FBA-only: every channel Amazon's."""
    assert ListingView(sku="A", product_type="P", channels={"DEFAULT": 0}).closed
    assert not ListingView(sku="A", product_type="P", channels={"DEFAULT": None}).closed
    assert not ListingView(sku="A", product_type="P", channels={}).closed
    assert ListingView(sku="A", product_type="P", channels={"AMAZON_NA": 4, "AMAZON_EU": 1}).fba_only
    assert not ListingView(sku="A", product_type="P", channels={}).fba_only


def test_check_closable_refuses_an_fba_only_listing() -> None:
    """An FBA-only listing cannot be closed by quantity: NotCancellableError FBA with what to do instead."""
    check_closable(ListingView(sku="A", product_type="P", channels={"DEFAULT": 3, "AMAZON_NA": 1}))
    with pytest.raises(NotCancellableError) as caught:
        check_closable(ListingView(sku="A", product_type="P", channels={"AMAZON_NA": 1}))
    assert caught.value.state == "FBA"
    assert "removal order" in str(caught.value)


def test_listing_issues_map_an_unknown_severity_to_error() -> None:
    """Amazon's issues become public ListingIssues; a severity we do not know is treated as an ERROR."""
    issues = listing_issues(
        [
            ListingsIssue(code="1", message="warn", severity="WARNING", attribute_names=("price",)),
            ListingsIssue(code="2", message="new", severity="FATAL_NEW"),
        ]
    )
    assert [(i.code, i.severity, i.attribute_names) for i in issues] == [
        ("1", "WARNING", ("price",)),
        ("2", "ERROR", ()),
    ]


class Listings:
    """The two listings reads of SpApi, scripted: ``quantities`` per SKU, changed by ``later`` after each read."""

    def __init__(self, quantities: dict[str, int | None], later: dict[str, int] | None = None) -> None:
        """Listings with these seller-fulfilled quantities (a SKU left out does not exist)."""
        self.quantities = quantities
        self.later = later or {}
        self.searches: list[list[str]] = []
        self.gets: list[str] = []

    def search_listings_items(self, *, identifiers: Sequence[str], **_: object) -> ListingsItemsPage:
        """One page with every SKU that exists."""
        self.searches.append(list(identifiers))
        found = tuple(item(s, quantity=self.quantities[s]) for s in identifiers if s in self.quantities)
        self.quantities.update(self.later)
        return ListingsItemsPage(number_of_results=len(found), items=found, request_id="rid-search")

    def get_listings_item(self, sku: str, **_: object) -> ListingsItem:
        """One SKU, or a 404."""
        self.gets.append(sku)
        if sku not in self.quantities:
            raise NotFoundError("no such SKU", operation="getListingsItem", status=404)
        return item(sku, quantity=self.quantities[sku])


def test_read_listings_searches_twenty_at_a_time_and_reads_comma_skus_alone() -> None:
    """45 SKUs: three searches (20, 20, 5); a SKU with a comma cannot be named in a search: read alone."""
    skus = [f"S{n}" for n in range(45)]
    api = Listings({**dict.fromkeys(skus, 1), "A,B": 2})
    found = read_listings(Ctx(api), [*skus, "A,B", "S0", "GONE"])  # type: ignore[arg-type]  # the fake context
    assert [len(s) for s in api.searches] == [SEARCH_BATCH, SEARCH_BATCH, 6]  # the 46th is GONE; S0 once
    assert api.gets == ["A,B"]
    assert isinstance(found["A,B"], ListingView)
    missing = found["GONE"]
    assert isinstance(missing, NotFoundError)
    assert (missing.status, missing.request_id) == (404, "rid-search")
    assert len(found) == 47


def test_read_back_closed_reads_again_after_each_pause_until_closed() -> None:
    """A close Amazon applies late: read again after 10 s; one that never shows 0 is read over about two minutes."""
    api = Listings({"LATE": 5, "NEVER": 5}, later={"LATE": 0})
    ctx = Ctx(api)
    seen = read_back_closed(ctx, ["LATE", "NEVER", "GONE"])  # type: ignore[arg-type]  # the fake context
    assert seen["LATE"] == (True, "the quantity reads back as 0 (10 s after the first read)")
    assert seen["NEVER"] == (False, "the quantity does not read back as 0 (120 s after the first read)")
    assert seen["GONE"] == (False, "the listing could not be read back (404)")
    assert ctx.clock.monotonic() == sum(READ_BACK_PAUSES)
    assert api.searches[1:3] == [["LATE", "NEVER", "GONE"], ["NEVER", "GONE"]]  # LATE not read once closed


def test_read_back_closed_does_not_wait_when_the_first_read_shows_it() -> None:
    """Closed at the first read: one search, no pause."""
    ctx = Ctx(Listings({"A": 0}))
    assert read_back_closed(ctx, ["A"]) == {"A": (True, "the quantity reads back as 0")}  # type: ignore[arg-type]
    assert ctx.clock.monotonic() == 0.0
