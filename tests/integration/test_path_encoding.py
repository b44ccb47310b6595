"""Path parameters reach Amazon percent-encoded, one segment each: a SKU of "." or ".." is not a dot-segment.

httpx (like any URL normaliser) removes ``.`` and ``..`` segments, so an unencoded SKU ``..`` turned a PATCH
of one listing into a PATCH of ``/listings/2021-08-01/items/<sellerId>`` (issue 11 item 9).
"""

from __future__ import annotations

import pytest

from sp_cancel._listings.outcomes import ListingStatus
from sp_cancel.errors import InvalidInputError
from sp_cancel.testing import Exchange, Simulator
from sp_cancel.transport._wire import format_path

TEMPLATE = "/listings/2021-08-01/items/{sellerId}/{sku}"


@pytest.mark.parametrize(
    ("sku", "segment"),
    [
        (".", "%2E"),
        ("..", "%2E%2E"),
        ("...", "%2E%2E%2E"),
        ("a/b", "a%2Fb"),
        ("a#b?c", "a%23b%3Fc"),
        ("red shirt", "red%20shirt"),
        ("Größe-M", "Gr%C3%B6%C3%9Fe-M"),
        ("v1.2", "v1.2"),
        ("%2E", "%252E"),
    ],
)
def test_format_path_keeps_each_value_one_segment(sku: str, segment: str) -> None:
    """Reserved characters, spaces and non-ASCII are encoded; a value made only of dots is encoded too."""
    assert (
        format_path(TEMPLATE, {"sellerId": "A1SELLER", "sku": sku}) == f"/listings/2021-08-01/items/A1SELLER/{segment}"
    )


@pytest.mark.parametrize("value", ["", "   ", None, 5])
def test_format_path_refuses_empty_and_non_string_values(value: object) -> None:
    """An empty or non-string id would address another resource: refused before sending."""
    with pytest.raises(InvalidInputError) as caught:
        format_path(TEMPLATE, {"sellerId": "A1SELLER", "sku": value})  # type: ignore[dict-item]
    assert caught.value.field == "sku"


@pytest.mark.parametrize("sku", [".", "..", "a/b", "a#b?c d", "Größe-M"])
def test_close_listing_reaches_the_listing_itself(sku: str) -> None:
    """Closing listing ``sku`` patches that listing: the path Amazon sees is the encoded one, and only it."""
    sim = Simulator(seed=2, orders=0)
    sim.add_listing(sku, quantity=5)
    sim.add_listing("OTHER", quantity=5)
    other = repr(sim.world.listings["OTHER", sim.marketplace_id].attributes)
    seen: list[Exchange] = []
    sim.observe(seen.append)
    outcome = sim.client().close_listing(sku)
    assert outcome.sku == sku
    assert outcome.status is ListingStatus.ACCEPTED
    patches = [e for e in seen if e.method == "PATCH"]
    assert patches
    expected = format_path(TEMPLATE, {"sellerId": sim.seller_id, "sku": sku})
    assert {e.path for e in patches} == {expected}
    listings_calls = [e for e in seen if e.path.startswith("/listings/")]
    assert all(e.path == expected for e in listings_calls), [e.path for e in listings_calls]
    assert repr(sim.world.listings["OTHER", sim.marketplace_id].attributes) == other
