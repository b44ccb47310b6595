"""Closing and deleting listings.

``view`` reads a listing, ``items`` closes or deletes one through the Listings Items API, ``feed`` closes many
through one ``JSON_LISTINGS_FEED``.
"""

from sp_cancel._listings.items import (
    close_listing,
    close_listings,
    delete_listing,
    refresh_listing,
    resume_listing_closes,
)

__all__ = ["close_listing", "close_listings", "delete_listing", "refresh_listing", "resume_listing_closes"]
