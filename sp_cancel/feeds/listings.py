"""The ``JSON_LISTINGS_FEED`` (v2): close listings (quantity 0 merge patch) or delete them.

Shape per ``schemas/feeds/listings-feed-schema-v2.json``; see docs/listings.md. Only
the ``PATCH`` and ``DELETE`` operations are built: cancellation workflows never
send full ``UPDATE``/``PARTIAL_UPDATE`` listings.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from sp_cancel.errors import InvalidInputError
from sp_cancel.feeds._common import check_message_id, check_messages
from sp_cancel.models import check_sku

__all__ = [
    "MAX_LISTINGS_MESSAGES",
    "ListingsMessage",
    "build_listings_feed",
    "close_listing_patch",
]

# "25,000 messages per feed" (https://developer-docs.amazon.com/sp-api/docs/listings-feed-type-values, 2025-05-06).
MAX_LISTINGS_MESSAGES: Final = 25_000
# messageId: integer 1..2^31-1 in the feed schema.
MAX_LISTINGS_MESSAGE_ID: Final = 2**31 - 1
_OPERATIONS: Final = frozenset({"PATCH", "DELETE"})
_PATCH_OPS: Final = frozenset({"add", "replace", "merge", "delete"})


def close_listing_patch() -> list[dict[str, Any]]:
    """Return Amazon's patch that sets the seller-fulfilled (``DEFAULT``) quantity to 0.

    It is a ``merge``, never a ``replace``: merge keeps ``lead_time_to_ship_max_days``
    and ``restock_date`` (docs/listings.md). A fresh list is returned on every call.
    """
    return [
        {
            "op": "merge",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}],
        }
    ]


def _nonblank(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _message_id(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    check_message_id(value, maximum=MAX_LISTINGS_MESSAGE_ID, field=attribute.name)


def _sku(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    check_sku(value, field=attribute.name)


def _patch(patch: object) -> dict[str, Any]:
    if not isinstance(patch, Mapping):
        raise InvalidInputError(f"each patch must be a mapping, got {patch!r}", field="patches")
    unknown = set(patch) - {"op", "path", "value"}
    if unknown:
        raise InvalidInputError(f"patch has unknown keys {sorted(unknown)}", field="patches")
    op = patch.get("op")
    if op not in _PATCH_OPS:
        raise InvalidInputError(f"patch op must be one of {sorted(_PATCH_OPS)}, got {op!r}", field="patches")
    path = patch.get("path")
    if not isinstance(path, str) or not path.startswith("/attributes/"):
        raise InvalidInputError(
            f"patch path must be a top-level '/attributes/...' pointer, got {path!r}", field="patches"
        )
    out: dict[str, Any] = {"op": op, "path": path}
    if "value" in patch:
        value = patch["value"]
        if not isinstance(value, list | tuple) or not all(isinstance(v, Mapping) for v in value):
            raise InvalidInputError("patch value must be a list of objects", field="patches")
        out["value"] = [copy.deepcopy(dict(v)) for v in value]
    return out


def _patches(value: Iterable[Mapping[str, Any]]) -> tuple[dict[str, Any], ...]:
    if isinstance(value, Mapping | str | bytes):
        raise InvalidInputError("patches must be a sequence of patch objects", field="patches")
    return tuple(_patch(p) for p in value)


@attrs.frozen(kw_only=True)
class ListingsMessage:
    """One message of a listings feed: ``PATCH`` a SKU (with a product type and patches) or ``DELETE`` it.

    Attributes:
        message_id: 1 to 2^31-1, unique in the feed.
        sku: the seller SKU (1 to 40 characters).
        operation: ``"PATCH"`` or ``"DELETE"``.
        product_type: required for ``PATCH`` (``"PRODUCT"`` works for offer-only patches), forbidden for ``DELETE``.
        patches: JSON Patch operations (copied on construction); required for ``PATCH``, forbidden for ``DELETE``.
    """

    message_id: int = attrs.field(validator=_message_id)
    sku: str = attrs.field(validator=_sku)
    operation: Literal["PATCH", "DELETE"]
    product_type: str | None = None
    patches: tuple[Mapping[str, Any], ...] = attrs.field(default=(), converter=_patches, hash=False)

    def __attrs_post_init__(self) -> None:
        """Apply the feed schema's per-operation rules."""
        if self.operation not in _OPERATIONS:
            raise InvalidInputError(f"operation must be 'PATCH' or 'DELETE', got {self.operation!r}", field="operation")
        if self.operation == "PATCH":
            if not _nonblank(self.product_type):
                raise InvalidInputError(f"PATCH of {self.sku!r} needs a product_type", field="product_type")
            if not self.patches:
                raise InvalidInputError(f"PATCH of {self.sku!r} needs at least one patch", field="patches")
        else:
            if self.product_type is not None:
                raise InvalidInputError("DELETE takes no product_type", field="product_type")
            if self.patches:
                raise InvalidInputError("DELETE takes no patches", field="patches")

    def to_json(self) -> dict[str, Any]:
        """The message as the feed writes it."""
        out: dict[str, Any] = {"messageId": self.message_id, "sku": self.sku, "operationType": self.operation}
        if self.operation == "PATCH":
            out["productType"] = self.product_type
            out["patches"] = [dict(p) for p in self.patches]
        return out


def build_listings_feed(
    seller_id: str, messages: Sequence[ListingsMessage], *, issue_locale: str | None = None
) -> bytes:
    """Build a ``JSON_LISTINGS_FEED`` v2 document (UTF-8 JSON bytes).

    Args:
        seller_id: the seller id (``header.sellerId``).
        messages: 1 to 25,000 ``ListingsMessage`` values with unique message ids.
        issue_locale: optional ``header.issueLocale`` such as ``"en_US"``.

    Raises:
        InvalidInputError: no messages, more than 25,000, a repeated message id, or a bad header value.
    """
    if not _nonblank(seller_id):
        raise InvalidInputError(f"seller_id must be a non-empty string, got {seller_id!r}", field="seller_id")
    if issue_locale is not None and not _nonblank(issue_locale):
        raise InvalidInputError(
            f"issue_locale must be a locale like 'en_US', got {issue_locale!r}", field="issue_locale"
        )
    check_messages(messages, ListingsMessage, "a listings feed", most=MAX_LISTINGS_MESSAGES)
    header: dict[str, Any] = {"sellerId": seller_id, "version": "2.0"}
    if issue_locale is not None:
        header["issueLocale"] = issue_locale
    document = {"header": header, "messages": [m.to_json() for m in messages]}
    try:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise InvalidInputError(f"the listings feed cannot be written as UTF-8 JSON: {exc}", field="messages") from exc
