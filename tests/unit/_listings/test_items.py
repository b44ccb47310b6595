"""Closing and deleting one listing (sp_cancel/_listings/items.py) against a scripted Listings Items fake."""

from __future__ import annotations

from typing import Any

import pytest
from listing_fakes import Ctx

from sp_cancel._listings.items import DELETE_POLLS, close_listing, delete_listing
from sp_cancel._listings.outcomes import ListingStatus
from sp_cancel.errors import NotCancellableError, NotFoundError, OutcomeUnknownError
from sp_cancel.transport import ListingsItemsPage
from sp_cancel.transport._listings import ListingsItem, ListingsSubmission, parse_listings_item

US = "ATVPDKIKX0DER"


def item(sku: str, channels: dict[str, int]) -> ListingsItem:
    """A listing with these channel quantities, its summary in US."""
    return parse_listings_item(
        {
            "sku": sku,
            "summaries": [
                {
                    "marketplaceId": US,
                    "productType": "SHOES",
                    "status": ["BUYABLE"],
                    "createdDate": "2026-01-01T00:00:00Z",
                    "lastUpdatedDate": "2026-01-01T00:00:00Z",
                }
            ],
            "fulfillmentAvailability": [{"fulfillmentChannelCode": c, "quantity": q} for c, q in channels.items()],
        }
    )


class Listings:
    """getListingsItem/searchListingsItems read ``channels`` (``None``: gone); patch and delete are scripted."""

    def __init__(self, channels: dict[str, int] | None, *, answer: str = "ACCEPTED", lost: bool = False) -> None:
        """A listing with ``channels``; writes answer ``answer``, or lose their answer (``lost``) after acting."""
        self.channels = channels
        self.answer = answer
        self.lost = lost
        self.patches: list[dict[str, Any]] = []
        self.deletes = 0
        self.gone_after_reads: int | None = None  # after a delete: reads until the listing is gone
        self.reads = 0

    def _read(self, sku: str) -> ListingsItem:
        self.reads += 1
        if self.gone_after_reads is not None and self.reads > self.gone_after_reads:
            self.channels = None
        if self.channels is None:
            raise NotFoundError("no such SKU", operation="getListingsItem", status=404)
        return item(sku, self.channels)

    def get_listings_item(self, sku: str, **_: object) -> ListingsItem:
        """One listing, or a 404."""
        return self._read(sku)

    def search_listings_items(self, *, identifiers: list[str], **_: object) -> ListingsItemsPage:
        """The listing, if it exists."""
        try:
            found: tuple[ListingsItem, ...] = (self._read(identifiers[0]),)
        except NotFoundError:
            found = ()
        return ListingsItemsPage(number_of_results=len(found), items=found)

    def _answer(self, sku: str, operation: str) -> ListingsSubmission:
        if self.lost:
            raise OutcomeUnknownError("timed out", operation=operation, status=None)
        return ListingsSubmission(sku=sku, status=self.answer, submission_id="sub-1")

    def patch_listings_item(
        self, sku: str, *, product_type: str, patches: list[dict[str, Any]], **_: object
    ) -> ListingsSubmission:
        """The patch: applied to DEFAULT at once, then answered."""
        self.patches.append({"product_type": product_type, "patches": patches})
        if self.channels is not None:
            self.channels["DEFAULT"] = 0
        return self._answer(sku, "patchListingsItem")

    def delete_listings_item(self, sku: str, **_: object) -> ListingsSubmission:
        """The delete: the listing goes after ``gone_after_reads`` more reads."""
        self.deletes += 1
        return self._answer(sku, "deleteListingsItem")


def test_close_patches_the_seller_quantity_with_the_listings_product_type() -> None:
    """One merge patch of DEFAULT to 0 under the listing's product type; the FBA offer is named and left as is."""
    api = Listings({"DEFAULT": 4, "AMAZON_NA": 2})
    outcome = close_listing(Ctx(api), "SKU-1")  # type: ignore[arg-type]  # the fake context
    assert (outcome.status, outcome.submission_id) == (ListingStatus.ACCEPTED, "sub-1")
    (patch,) = api.patches
    assert patch["product_type"] == "SHOES"
    assert patch["patches"][0]["op"] == "merge"
    assert "AMAZON_NA" in (outcome.detail or "")


def test_a_listing_already_at_zero_is_not_patched() -> None:
    """Already closed: ACCEPTED, nothing sent, no submission id."""
    api = Listings({"DEFAULT": 0})
    outcome = close_listing(Ctx(api), "SKU-1")  # type: ignore[arg-type]  # the fake context
    assert (outcome.status, outcome.submission_id, api.patches) == (ListingStatus.ACCEPTED, None, [])
    assert "nothing was sent" in (outcome.detail or "")


def test_an_fba_only_listing_is_refused_before_any_patch() -> None:
    """FBA only: NotCancellableError, no patch."""
    api = Listings({"AMAZON_NA": 3})
    with pytest.raises(NotCancellableError):
        close_listing(Ctx(api), "SKU-1")  # type: ignore[arg-type]  # the fake context
    assert api.patches == []


def test_a_lost_patch_answer_is_read_back_before_anything_else() -> None:
    """The answer was lost but the listing reads 0: ACCEPTED without a second patch."""
    api = Listings({"DEFAULT": 4}, lost=True)
    outcome = close_listing(Ctx(api), "SKU-1")  # type: ignore[arg-type]  # the fake context
    assert outcome.status is ListingStatus.ACCEPTED
    assert "answer was lost" in (outcome.detail or "")
    assert len(api.patches) == 1


def test_an_invalid_patch_is_invalid() -> None:
    """Amazon answered INVALID: the outcome says so."""
    outcome = close_listing(Ctx(Listings({"DEFAULT": 4}, answer="INVALID")), "SKU-1")  # type: ignore[arg-type]
    assert outcome.status is ListingStatus.INVALID


def test_delete_verified_is_deleted_once_reads_answer_404() -> None:
    """Accepted, then read back: gone at the second read (15 s of the client's clock) is DELETED."""
    api = Listings({"DEFAULT": 4})
    api.gone_after_reads = 1
    ctx = Ctx(api)
    outcome = delete_listing(ctx, "SKU-1", verify=True)  # type: ignore[arg-type]  # the fake context
    assert outcome.status is ListingStatus.DELETED
    assert outcome.detail == "getListingsItem answers 404 15 s after the delete"
    assert ctx.clock.monotonic() == DELETE_POLLS[0] + DELETE_POLLS[1]


def test_delete_still_readable_is_pending_and_unverified_is_pending_at_once() -> None:
    """Still readable after every read: DELETE_PENDING with advice; verify=False: DELETE_PENDING, no reads."""
    ctx = Ctx(Listings({"DEFAULT": 4}))
    pending = delete_listing(ctx, "SKU-1", verify=True)  # type: ignore[arg-type]  # the fake context
    assert pending.status is ListingStatus.DELETE_PENDING
    assert "close_listing(sku) stops sales" in (pending.detail or "")
    assert ctx.clock.monotonic() == sum(DELETE_POLLS)
    quick = Ctx(Listings({"DEFAULT": 4}))
    assert delete_listing(quick, "SKU-1", verify=False).status is ListingStatus.DELETE_PENDING  # type: ignore[arg-type]
    assert quick.api.reads == 0


def test_a_lost_delete_answer_with_the_listing_gone_is_deleted_else_unknown() -> None:
    """The answer lost: gone on read-back is DELETED; still there after every read, the error propagates."""
    api = Listings({"DEFAULT": 4}, lost=True)
    api.gone_after_reads = 0
    assert delete_listing(Ctx(api), "SKU-1", verify=False).status is ListingStatus.DELETED  # type: ignore[arg-type]
    with pytest.raises(OutcomeUnknownError):
        delete_listing(Ctx(Listings({"DEFAULT": 4}, lost=True)), "SKU-1", verify=False)  # type: ignore[arg-type]
