"""``JSON_LISTINGS_FEED`` in the simulator: validation, application, and the JSON processing report.

The document is checked with hand-written rules equivalent to
``listings-feed-schema-v2.json`` (the schemas do not ship with the package).
Document-level problems (not JSON, no ``header``/``messages``, a ``sellerId``
other than the seller, ``version`` not ``"2.0"``, fewer than 1 or more than
25,000 messages) reject the whole feed: one ``ERROR`` issue without
``messageId``, and every countable message is ``messagesInvalid``. A message
that breaks the message schema (required/forbidden fields per
``operationType``, types, enums, a repeated ``messageId``) gets an ``ERROR``
issue and is not applied; the others are applied in order, in every
marketplace of the feed:

- ``PATCH`` → the listings simulator's ``apply_listing_patches``;
- ``PARTIAL_UPDATE`` → the same with one ``replace`` per attribute (Amazon: "equivalent to PATCH with replace");
- ``UPDATE`` → the listing's attributes are replaced (existing SKUs only);
- ``DELETE`` → ``delete_listing``.

Issue codes are **simulator codes** (Amazon's listings issues carry their own
numeric codes that the simulator does not imitate), except the issues
returned by ``apply_listing_patches``, which are passed through:

=========  ================================================================
code       meaning
=========  ================================================================
9000001    the document is not a valid listings feed (JSON, header, message count)
9000002    a message does not match the message schema
9000003    the SKU has no listing in the feed's marketplace (PATCH, PARTIAL_UPDATE, UPDATE, DELETE)
=========  ================================================================

``header.report.includedData`` is accepted but the report carries no
``items`` section.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final, cast

from sp_cancel.testing._sim.core import FeedSim
from sp_cancel.testing._sim.listings import INCLUDED_DATA, apply_listing_patches, delete_listing
from sp_cancel.testing._sim.world import SimFeed, SimListing

__all__ = ["LISTINGS_FEED", "ListingOps", "listing_ops", "process_listings_feed", "validate_message"]

LISTINGS_FEED: Final = "JSON_LISTINGS_FEED"

MAX_MESSAGES: Final = 25_000
_MAX_MESSAGE_ID: Final = 2**31 - 1
_OPERATIONS: Final = ("UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE")
_REQUIREMENTS: Final = ("LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY")
_PATCH_OPS: Final = ("add", "replace", "merge", "delete")
# Per operationType: (required fields, forbidden fields), from the schema's oneOf.
_SHAPES: Final = {
    "UPDATE": (("productType", "attributes"), ("patches",)),
    "PARTIAL_UPDATE": (("productType", "attributes"), ("requirements", "patches")),
    "PATCH": (("productType", "patches"), ("requirements", "attributes")),
    "DELETE": ((), ("requirements", "attributes", "productType", "patches")),
}
INVALID_DOCUMENT: Final = "9000001"
INVALID_MESSAGE: Final = "9000002"
SKU_NOT_FOUND: Final = "9000003"

PatchFn = Callable[[Any, SimListing, str, list[dict[str, Any]]], list[dict[str, Any]]]
DeleteFn = Callable[[Any, SimListing], None]
ListingOps = tuple[PatchFn, DeleteFn]


def listing_ops() -> ListingOps:
    """Return ``(apply_listing_patches, delete_listing)`` of the listings simulator."""
    return apply_listing_patches, delete_listing


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _nonempty_str(value: object) -> bool:
    return isinstance(value, str) and len(value) >= 1


def _check_patches(patches: object) -> str | None:
    if not isinstance(patches, list) or not patches:
        return "'patches' must be a non-empty array."
    for number, patch in enumerate(patches):
        if not isinstance(patch, dict):
            return f"patches[{number}] must be an object."
        if patch.get("op") not in _PATCH_OPS:
            return f"patches[{number}].op must be one of {', '.join(_PATCH_OPS)}."
        if not isinstance(patch.get("path"), str):
            return f"patches[{number}].path is required and must be a string."
        if "value" in patch:
            value = patch["value"]
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                return f"patches[{number}].value must be an array of objects."
    return None


def validate_message(message: object) -> str | None:  # noqa: C901, PLR0911, PLR0912 - one return per schema rule
    """Check one message against ``listings-feed-message-schema-v2``; return the problem or ``None``."""
    if not isinstance(message, dict):
        return "The message must be a JSON object."
    message_id = message.get("messageId")
    if not _is_int(message_id) or not 1 <= cast("int", message_id) <= _MAX_MESSAGE_ID:
        return "'messageId' is required and must be an integer from 1 to 2147483647."
    if not _nonempty_str(message.get("sku")):
        return "'sku' is required and must be a non-empty string."
    operation = message.get("operationType")
    if operation not in _SHAPES:
        return f"'operationType' is required and must be one of {', '.join(_OPERATIONS)}."
    required, forbidden = _SHAPES[operation]
    for name in required:
        if name not in message:
            return f"'{name}' is required for operationType {operation}."
    for name in forbidden:
        if name in message:
            return f"'{name}' is not allowed for operationType {operation}."
    if "productType" in message and not _nonempty_str(message["productType"]):
        return "'productType' must be a non-empty string."
    if "requirements" in message and message["requirements"] not in _REQUIREMENTS:
        return f"'requirements' must be one of {', '.join(_REQUIREMENTS)}."
    if "attributes" in message:
        attributes = message["attributes"]
        if not isinstance(attributes, dict) or not attributes:
            return "'attributes' must be an object with at least one attribute."
    if "patches" in message:
        return _check_patches(message["patches"])
    return None


def _check_header(sim: FeedSim, document: object) -> str | None:  # noqa: PLR0911 - one return per rule
    if not isinstance(document, dict):
        return "The feed document must be a JSON object with 'header' and 'messages'."
    header = document.get("header")
    if not isinstance(header, dict):
        return "'header' is required and must be an object."
    if header.get("sellerId") != sim.seller_id:
        return f"The sellerId '{header.get('sellerId')}' in the header does not match the submitting seller."
    if header.get("version") != "2.0":
        return "'header.version' must be \"2.0\"."
    if "issueLocale" in header and not isinstance(header["issueLocale"], str):
        return "'header.issueLocale' must be a string."
    report = header.get("report")
    if report is not None:
        included = report.get("includedData") if isinstance(report, dict) else None
        if (
            not isinstance(report, dict)
            or not isinstance(included, list)
            or not included
            or any(i not in INCLUDED_DATA for i in included)
            or report.get("apiVersion") != "2021-08-01"
        ):
            return "'header.report' needs 'includedData' (non-empty, known values) and apiVersion \"2021-08-01\"."
    messages = document.get("messages")
    if not isinstance(messages, list):
        return "'messages' is required and must be an array."
    if not 1 <= len(messages) <= MAX_MESSAGES:
        return f"The feed must contain from 1 to {MAX_MESSAGES} messages; it contains {len(messages)}."
    return None


def _issue(message: dict[str, Any] | None, code: str, text: str, severity: str = "ERROR") -> dict[str, Any]:
    issue: dict[str, Any] = {}
    if message is not None:
        if _is_int(message.get("messageId")) and message["messageId"] >= 1:
            issue["messageId"] = message["messageId"]
        if _nonempty_str(message.get("sku")):
            issue["sku"] = message["sku"]
    issue.update({"code": code, "severity": severity, "message": text})
    return issue


def _from_listing_issue(message: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    severity = found.get("severity", "ERROR")
    issue = _issue(
        message,
        str(found.get("code") or INVALID_MESSAGE),
        str(found.get("message") or "The listing update was rejected."),
        severity if severity in ("ERROR", "WARNING", "INFO") else "ERROR",
    )
    names = found.get("attributeNames")
    if isinstance(names, list) and names:
        issue["attributeName"] = str(names[0])
    return issue


def _apply(sim: FeedSim, feed: SimFeed, message: dict[str, Any], ops: ListingOps) -> list[dict[str, Any]]:
    apply_patches, delete = ops
    sku = message["sku"]
    operation = message["operationType"]
    issues: list[dict[str, Any]] = []
    for marketplace_id in feed.marketplace_ids:
        listing = sim.world.listings.get((sku, marketplace_id))
        if listing is None or (listing.deleted_at is not None and not listing.delete_ignored):
            issues.append(
                _issue(message, SKU_NOT_FOUND, f"SKU '{sku}' has no listing in marketplace {marketplace_id}.")
            )
            continue
        if operation == "DELETE":
            delete(sim, listing)
        elif operation == "UPDATE":
            listing.attributes = copy.deepcopy(message["attributes"])
            listing.product_type = message["productType"]
            listing.last_updated = sim.now()
        else:
            patches = message.get("patches") or [
                {"op": "replace", "path": f"/attributes/{name}", "value": value}
                for name, value in message["attributes"].items()
            ]
            found = apply_patches(sim, listing, message["productType"], patches)
            issues.extend(_from_listing_issue(message, i) for i in found)
    return issues


def process_listings_feed(
    sim: FeedSim,
    feed: SimFeed,
    content: bytes,
    at: datetime,  # noqa: ARG001 - same signature as the order feeds; listings stamp their own time
    *,
    select: Callable[[int], bool] | None = None,
    ops: ListingOps | None = None,
) -> bytes:
    """Validate and apply a ``JSON_LISTINGS_FEED`` document; return its JSON processing report.

    Args:
        sim: the simulator.
        feed: the feed being processed (marketplaces, id for the report header).
        content: the uploaded document bytes.
        at: the simulated processing time.
        select: when given, only messages whose 0-based position it accepts are applied (FATAL feeds).
        ops: ``(apply_listing_patches, delete_listing)``; default from the listings simulator.
    """
    issues: list[dict[str, Any]] = []
    processed = accepted = invalid = 0
    try:
        document: Any = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        document = None
        problem: str | None = f"The feed document is not valid JSON: {exc}."
    else:
        problem = _check_header(sim, document)
    if problem is not None:
        issues.append(_issue(None, INVALID_DOCUMENT, problem))
        messages = document.get("messages") if isinstance(document, dict) else None
        if isinstance(messages, list):
            processed = invalid = len(messages)
    else:
        resolved = ops
        seen: set[int] = set()
        for position, message in enumerate(document["messages"]):
            processed += 1
            error = validate_message(message)
            if error is None and message["messageId"] in seen:
                error = f"messageId {message['messageId']} appears more than once in the feed."
            if error is not None:
                issues.append(_issue(message if isinstance(message, dict) else None, INVALID_MESSAGE, error))
                invalid += 1
                continue
            seen.add(message["messageId"])
            if select is not None and not select(position):
                continue
            resolved = resolved or listing_ops()
            found = _apply(sim, feed, message, resolved)
            issues.extend(found)
            if any(i["severity"] == "ERROR" for i in found):
                invalid += 1
            else:
                accepted += 1
    report = {
        "header": {"sellerId": sim.seller_id, "version": "2.0", "feedId": feed.feed_id},
        "issues": issues,
        "summary": {
            "errors": sum(1 for i in issues if i["severity"] == "ERROR"),
            "warnings": sum(1 for i in issues if i["severity"] == "WARNING"),
            "messagesProcessed": processed,
            "messagesAccepted": accepted,
            "messagesInvalid": invalid,
        },
    }
    return json.dumps(report, separators=(",", ":")).encode("utf-8")
