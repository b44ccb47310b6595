"""Listings Items API (2021-08-01) answers as typed values.

``ListingsItem`` (``getListingsItem``, an item of ``searchListingsItems``), ``ListingsItemsPage``
(``searchListingsItems``) and ``ListingsSubmission`` (``patchListingsItem``, ``deleteListingsItem``).
A listing's ``attributes`` are the product type's own JSON (Amazon's model leaves them open): they stay a
read-only mapping, and the one attribute sp_cancel reads, ``fulfillment_availability``, is also parsed
(``attributes_fulfillment_availability``). Field names are Amazon's in snake_case; what a parser does not
read stays in ``extra``. The page and the submission carry the answer's ``x-amzn-RequestId``, which an
error built from them (a SKU the search did not find) or a log line needs for a support case.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Annotated, Any

import attrs

from sp_cancel.transport._parse import (
    EMPTY,
    Wire,
    extra,
    member,
    obj,
    opt_int,
    opt_list,
    opt_nonempty_str,
    opt_obj,
    opt_str,
    parse_as,
    req_int,
    req_list,
    req_str,
    req_str_list,
    req_time,
    str_list,
)

__all__ = [
    "ListingsFulfillmentAvailability",
    "ListingsIssue",
    "ListingsItem",
    "ListingsItemSummary",
    "ListingsItemsPage",
    "ListingsSubmission",
    "parse_listings_item",
    "parse_listings_items_page",
    "parse_listings_submission",
]


@attrs.frozen(kw_only=True)
class ListingsIssue:
    """One ``Issue`` Amazon reports about a listing or a submission.

    Attributes:
        code: Amazon's issue code (e.g. ``90220``).
        message: what is wrong, in the issue locale.
        severity: ``ERROR``, ``WARNING`` or ``INFO``, as Amazon sent it.
        categories: e.g. ``INVALID_ATTRIBUTE``.
        attribute_names: the attributes concerned.
        extra: members this type does not read (``enforcements``, ``marketplaceIds``...), read-only.
    """

    code: Annotated[str, Wire("code", req_str)]
    message: Annotated[str, Wire("message", req_str)]
    severity: Annotated[str, Wire("severity", req_str)]
    categories: Annotated[tuple[str, ...], Wire("categories", req_str_list)] = ()
    attribute_names: Annotated[tuple[str, ...], Wire("attributeNames", str_list)] = ()
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


@attrs.frozen(kw_only=True)
class ListingsItemSummary:
    """One ``ItemSummaryByMarketplace`` (``includedData=summaries``)."""

    marketplace_id: Annotated[str, Wire("marketplaceId", req_str)]
    product_type: Annotated[str, Wire("productType", req_str)]
    status: Annotated[tuple[str, ...], Wire("status", req_str_list)]  # BUYABLE, DISCOVERABLE
    created_date: Annotated[datetime, Wire("createdDate", req_time)]
    last_updated_date: Annotated[datetime, Wire("lastUpdatedDate", req_time)]
    asin: Annotated[str | None, Wire("asin", opt_str)] = None
    condition_type: Annotated[str | None, Wire("conditionType", opt_str)] = None
    fn_sku: Annotated[str | None, Wire("fnSku", opt_str)] = None
    item_name: Annotated[str | None, Wire("itemName", opt_str)] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


@attrs.frozen(kw_only=True)
class ListingsFulfillmentAvailability:
    """One fulfillment channel's quantity: ``DEFAULT`` is seller-fulfilled, ``AMAZON_*`` FBA.

    ``quantity`` is ``None`` when Amazon shows none (or, in the product type's attributes, not an integer).
    """

    fulfillment_channel_code: Annotated[str, Wire("fulfillmentChannelCode", req_str)]
    quantity: Annotated[int | None, Wire("quantity", opt_int)] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def _attribute_quantity(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _attribute_availability(attributes: Mapping[str, Any]) -> tuple[ListingsFulfillmentAvailability, ...]:
    """``attributes.fulfillment_availability``: the product type's schema, not the API model's, defines it.

    Entries without a ``fulfillment_channel_code`` are skipped; a quantity that is not an integer is ``None``.
    """
    entries = attributes.get("fulfillment_availability")
    out = []
    for entry in entries if isinstance(entries, list) else ():
        code = entry.get("fulfillment_channel_code") if isinstance(entry, Mapping) else None
        if code:
            out.append(
                ListingsFulfillmentAvailability(
                    fulfillment_channel_code=str(code),
                    quantity=_attribute_quantity(entry.get("quantity")),
                    extra=extra(entry, frozenset({"fulfillment_channel_code", "quantity"})),
                )
            )
    return tuple(out)


def _attributes(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    """The product type's attributes, read-only (``EMPTY`` when absent)."""
    attributes = opt_obj(data, key, where)
    return MappingProxyType(dict(attributes)) if attributes else EMPTY


def _attributes_availability(
    data: Mapping[str, Any], key: str, where: str
) -> tuple[ListingsFulfillmentAvailability, ...]:
    """``fulfillment_availability`` of the product type's attributes."""
    return _attribute_availability(opt_obj(data, key, where) or EMPTY)


@attrs.frozen(kw_only=True)
class ListingsItem:
    """One listing (``Item``): what ``includedData`` asked for; the rest is empty.

    Attributes:
        sku: the seller SKU.
        summaries: one per marketplace (``summaries``).
        attributes: the product type's attributes, as Amazon sent them (read-only).
        attributes_fulfillment_availability: ``attributes.fulfillment_availability``, parsed.
        issues: ``issues``.
        fulfillment_availability: ``fulfillmentAvailability``.
        extra: members this type does not read (``offers``, ``procurement``...), read-only.
    """

    sku: Annotated[str, Wire("sku", req_str)]
    summaries: Annotated[tuple[ListingsItemSummary, ...], Wire("summaries", opt_list, ListingsItemSummary)] = ()
    attributes: Annotated[Mapping[str, Any], Wire("attributes", _attributes)] = attrs.field(
        default=EMPTY, repr=False, hash=False
    )
    attributes_fulfillment_availability: Annotated[
        tuple[ListingsFulfillmentAvailability, ...], Wire("attributes", _attributes_availability)
    ] = ()
    issues: Annotated[tuple[ListingsIssue, ...], Wire("issues", opt_list, ListingsIssue)] = ()
    fulfillment_availability: Annotated[
        tuple[ListingsFulfillmentAvailability, ...],
        Wire("fulfillmentAvailability", opt_list, ListingsFulfillmentAvailability),
    ] = ()
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_listings_item(data: Mapping[str, Any]) -> ListingsItem:
    """``getListingsItem``'s ``Item``."""
    return parse_as(ListingsItem, obj(data, ""))


@attrs.frozen(kw_only=True)
class ListingsItemsPage:
    """One page of ``searchListingsItems`` (``ItemSearchResults``).

    Attributes:
        number_of_results: how many listings match, over every page.
        items: the listings on this page.
        next_token: ``pagination.nextToken`` (pass it as ``page_token``); ``None`` on the last page.
        previous_token: ``pagination.previousToken``.
        request_id: the answer's ``x-amzn-RequestId``.
        extra: the answer's other members (read-only).
    """

    number_of_results: Annotated[int, Wire("numberOfResults", req_int)]
    items: Annotated[tuple[ListingsItem, ...], Wire("items", req_list, ListingsItem)]
    next_token: Annotated[str | None, Wire("pagination", member("nextToken", opt_nonempty_str))] = None
    previous_token: Annotated[str | None, Wire("pagination", member("previousToken", opt_nonempty_str))] = None
    request_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_listings_items_page(data: Mapping[str, Any], request_id: str | None = None) -> ListingsItemsPage:
    """``ItemSearchResults`` as ``ListingsItemsPage``."""
    return parse_as(ListingsItemsPage, data, request_id=request_id)


@attrs.frozen(kw_only=True)
class ListingsSubmission:
    """``ListingsItemSubmissionResponse``: Amazon's answer to a patch or delete (HTTP 200 even when ``INVALID``).

    Attributes:
        sku: the SKU.
        status: ``ACCEPTED``, ``INVALID`` or ``VALID`` (a ``VALIDATION_PREVIEW``), as Amazon sent it.
        submission_id: Amazon's id for the submission.
        issues: what Amazon found.
        request_id: the answer's ``x-amzn-RequestId``.
        extra: members this type does not read (``identifiers``...), read-only.
    """

    sku: Annotated[str, Wire("sku", req_str)]
    status: Annotated[str, Wire("status", req_str)]
    submission_id: Annotated[str, Wire("submissionId", req_str)]
    issues: Annotated[tuple[ListingsIssue, ...], Wire("issues", opt_list, ListingsIssue)] = ()
    request_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_listings_submission(data: Mapping[str, Any], request_id: str | None = None) -> ListingsSubmission:
    """``ListingsItemSubmissionResponse`` as ``ListingsSubmission``."""
    return parse_as(ListingsSubmission, data, request_id=request_id)
