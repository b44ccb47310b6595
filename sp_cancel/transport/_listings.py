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
from typing import Any, Final

import attrs

from sp_cancel.transport._parse import (
    EMPTY,
    extra,
    obj,
    opt_int,
    opt_list,
    opt_obj,
    opt_str,
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

    code: str
    message: str
    severity: str
    categories: tuple[str, ...] = ()
    attribute_names: tuple[str, ...] = ()
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


_ISSUE_KNOWN: Final = frozenset({"code", "message", "severity", "categories", "attributeNames"})


def _issue(data: Mapping[str, Any]) -> ListingsIssue:
    return ListingsIssue(
        code=req_str(data, "code", ""),
        message=req_str(data, "message", ""),
        severity=req_str(data, "severity", ""),
        categories=req_str_list(data, "categories", ""),
        attribute_names=str_list(data, "attributeNames", ""),
        extra=extra(data, _ISSUE_KNOWN),
    )


@attrs.frozen(kw_only=True)
class ListingsItemSummary:
    """One ``ItemSummaryByMarketplace`` (``includedData=summaries``)."""

    marketplace_id: str
    product_type: str
    status: tuple[str, ...]  # BUYABLE, DISCOVERABLE
    created_date: datetime
    last_updated_date: datetime
    asin: str | None = None
    condition_type: str | None = None
    fn_sku: str | None = None
    item_name: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


_SUMMARY_KNOWN: Final = frozenset(
    {
        "marketplaceId",
        "productType",
        "status",
        "createdDate",
        "lastUpdatedDate",
        "asin",
        "conditionType",
        "fnSku",
        "itemName",
    }
)


def _summary(data: Mapping[str, Any]) -> ListingsItemSummary:
    return ListingsItemSummary(
        marketplace_id=req_str(data, "marketplaceId", ""),
        product_type=req_str(data, "productType", ""),
        status=req_str_list(data, "status", ""),
        created_date=req_time(data, "createdDate", ""),
        last_updated_date=req_time(data, "lastUpdatedDate", ""),
        asin=opt_str(data, "asin", ""),
        condition_type=opt_str(data, "conditionType", ""),
        fn_sku=opt_str(data, "fnSku", ""),
        item_name=opt_str(data, "itemName", ""),
        extra=extra(data, _SUMMARY_KNOWN),
    )


@attrs.frozen(kw_only=True)
class ListingsFulfillmentAvailability:
    """One fulfillment channel's quantity: ``DEFAULT`` is seller-fulfilled, ``AMAZON_*`` FBA.

    ``quantity`` is ``None`` when Amazon shows none (or, in the product type's attributes, not an integer).
    """

    fulfillment_channel_code: str
    quantity: int | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def _availability(data: Mapping[str, Any]) -> ListingsFulfillmentAvailability:
    return ListingsFulfillmentAvailability(
        fulfillment_channel_code=req_str(data, "fulfillmentChannelCode", ""),
        quantity=opt_int(data, "quantity", ""),
        extra=extra(data, frozenset({"fulfillmentChannelCode", "quantity"})),
    )


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

    sku: str
    summaries: tuple[ListingsItemSummary, ...] = ()
    attributes: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)
    attributes_fulfillment_availability: tuple[ListingsFulfillmentAvailability, ...] = ()
    issues: tuple[ListingsIssue, ...] = ()
    fulfillment_availability: tuple[ListingsFulfillmentAvailability, ...] = ()
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


_ITEM_KNOWN: Final = frozenset({"sku", "summaries", "attributes", "issues", "fulfillmentAvailability"})


def _item(data: Mapping[str, Any]) -> ListingsItem:
    attributes = opt_obj(data, "attributes", "") or EMPTY
    return ListingsItem(
        sku=req_str(data, "sku", ""),
        summaries=opt_list(data, "summaries", "", _summary),
        attributes=MappingProxyType(dict(attributes)) if attributes else EMPTY,
        attributes_fulfillment_availability=_attribute_availability(attributes),
        issues=opt_list(data, "issues", "", _issue),
        fulfillment_availability=opt_list(data, "fulfillmentAvailability", "", _availability),
        extra=extra(data, _ITEM_KNOWN),
    )


def parse_listings_item(data: Mapping[str, Any]) -> ListingsItem:
    """``getListingsItem``'s ``Item``."""
    return _item(obj(data, ""))


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

    number_of_results: int
    items: tuple[ListingsItem, ...]
    next_token: str | None = None
    previous_token: str | None = None
    request_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_listings_items_page(data: Mapping[str, Any], request_id: str | None = None) -> ListingsItemsPage:
    """``ItemSearchResults`` as ``ListingsItemsPage``."""
    pagination = opt_obj(data, "pagination", "") or EMPTY
    return ListingsItemsPage(
        number_of_results=req_int(data, "numberOfResults", ""),
        items=req_list(data, "items", "", _item),
        next_token=opt_str(pagination, "nextToken", "pagination") or None,
        previous_token=opt_str(pagination, "previousToken", "pagination") or None,
        request_id=request_id,
        extra=extra(data, frozenset({"numberOfResults", "items", "pagination"})),
    )


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

    sku: str
    status: str
    submission_id: str
    issues: tuple[ListingsIssue, ...] = ()
    request_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_listings_submission(data: Mapping[str, Any], request_id: str | None = None) -> ListingsSubmission:
    """``ListingsItemSubmissionResponse`` as ``ListingsSubmission``."""
    return ListingsSubmission(
        sku=req_str(data, "sku", ""),
        status=req_str(data, "status", ""),
        submission_id=req_str(data, "submissionId", ""),
        issues=opt_list(data, "issues", "", _issue),
        request_id=request_id,
        extra=extra(data, frozenset({"sku", "status", "submissionId", "issues"})),
    )
