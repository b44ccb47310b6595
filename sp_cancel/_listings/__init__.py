"""Closing and deleting listings.

``view`` reads a listing, ``items`` closes or deletes one through the Listings Items API, ``feed`` closes many
through one ``JSON_LISTINGS_FEED``.
"""
