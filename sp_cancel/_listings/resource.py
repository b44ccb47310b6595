"""``client.listings``: the listing operations grouped under one attribute of ``SellerClient``.

The resource is the door for these operations: it checks and converts the arguments, then calls the workflow
with typed, valid values. ``SellerClient.close_listing``, ``close_listings`` and ``delete_listing`` (the 1.0
surface) are one-line delegations to it, so an argument is checked in one place whichever way it is called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import sp_cancel._checks as checks
from sp_cancel._public import Deferred
from sp_cancel.models import check_sku

if TYPE_CHECKING:
    import sp_cancel._listings.items as flow
    from sp_cancel._listings.outcomes import ListingOutcome
    from sp_cancel._outcomes import BatchOutcome
    from sp_cancel._runtime.context import Context
else:
    flow = Deferred("sp_cancel._listings.items")  # the workflow and its transport load at first use (issue 20)

__all__ = ["Listings"]


class Listings:
    """The seller's listings: stop selling one or many, delete one (``client.listings``).

    Example:
        ```python
        outcome = client.listings.close("MUG-RED-12")        # quantity 0, the listing stays
        batch = client.listings.close_many(["MUG-1", "MUG-2"])  # one JSON_LISTINGS_FEED
        gone = client.listings.delete("MUG-OLD")              # deleteListingsItem, read back
        ```
    """

    def __init__(self, context: Callable[[], Context]) -> None:
        """Build the resource over the client's (lazily built) workflow context."""
        self._context = context

    def close(self, sku: str) -> ListingOutcome:
        """Stop selling a seller-fulfilled listing without deleting it (quantity 0 by a ``merge`` patch).

        Same as ``SellerClient.close_listing``.
        """
        return flow.close_listing(self._context(), check_sku(sku))

    def close_many(self, skus: Iterable[str], *, wait: bool = True) -> BatchOutcome[ListingOutcome]:
        """Close many listings through one ``JSON_LISTINGS_FEED``; one outcome per SKU.

        Same as ``SellerClient.close_listings``.
        """
        checked = [check_sku(sku, field="skus") for sku in checks.check_items(skus, "skus", str, "SKUs")]
        return flow.close_listings(self._context(), checked, wait=checks.check_flag(wait, "wait"))

    def delete(self, sku: str, *, verify: bool = True) -> ListingOutcome:
        """Delete a listing (``deleteListingsItem``), then read back until it is gone (bounded).

        Same as ``SellerClient.delete_listing``.
        """
        sku = check_sku(sku)
        return flow.delete_listing(self._context(), sku, verify=checks.check_flag(verify, "verify"))

    def __repr__(self) -> str:
        """``<Listings of a SellerClient>``."""
        return "<Listings of a SellerClient>"
