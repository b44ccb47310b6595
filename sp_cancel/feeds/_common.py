"""Constants and small helpers shared by the feed builders and parsers."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Final, Protocol, TypeVar

import attrs

from sp_cancel.errors import InvalidInputError
from sp_cancel.models import check_order_id, check_order_item_id

# Feed types (https://developer-docs.amazon.com/sp-api/docs/order-feed-type-values,
# https://developer-docs.amazon.com/sp-api/docs/listings-feed-type-values).
FEED_TYPE_ORDER_ACKNOWLEDGEMENT: Final = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
FEED_TYPE_PAYMENT_ADJUSTMENT: Final = "POST_PAYMENT_ADJUSTMENT_DATA"
FEED_TYPE_JSON_LISTINGS: Final = "JSON_LISTINGS_FEED"

# Content types for createFeedDocument; the upload's Content-Type must be identical (docs/reliability.md).
XML_CONTENT_TYPE: Final = "text/xml; charset=UTF-8"
JSON_CONTENT_TYPE: Final = "application/json; charset=UTF-8"

FEED_CONTENT_TYPES: Final = {
    FEED_TYPE_ORDER_ACKNOWLEDGEMENT: XML_CONTENT_TYPE,
    FEED_TYPE_PAYMENT_ADJUSTMENT: XML_CONTENT_TYPE,
    FEED_TYPE_JSON_LISTINGS: JSON_CONTENT_TYPE,
}

# "Keep file size less than 10 MiB" (https://developer-docs.amazon.com/sp-api/docs/feeds-api-best-practices).
MAX_FEED_BYTES: Final = 10 * 1024 * 1024

# IDNumber in amzn-base.xsd: positiveInteger, \d{1,20}.
MAX_XML_MESSAGE_ID: Final = 10**20 - 1

# Amazon's "String" (normalizedString, <= 50) must not carry characters XML 1.0 cannot hold,
# nor the tab/CR/LF that normalizedString silently turns into spaces.
_NOT_NORMALIZED: Final = re.compile(r"[\x00-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


# amzn-base.xsd's AmazonOrderID is \w{3}-\w{7}-\w{7} in XML Schema regex, where \w excludes punctuation such
# as "_" (unlike Python's \w). Letters and digits are what both accept.
_XSD_ORDER_ID: Final = re.compile(r"[0-9A-Za-z]{3}-[0-9A-Za-z]{7}-[0-9A-Za-z]{7}")


def check_feed_order_id(value: object, *, field: str = "order_id") -> str:
    """Return ``value`` if it is an Amazon order id the order-feed XSD accepts (letters and digits, 3-7-7)."""
    check_order_id(value, field=field)
    if not isinstance(value, str) or not _XSD_ORDER_ID.fullmatch(value):
        raise InvalidInputError(f"{field} {value!r} has characters Amazon's feed schema refuses", field=field)
    return value


def document_hash(data: bytes) -> str:
    """Return the SHA-256 hex digest of a feed document (what the journal records)."""
    return hashlib.sha256(data).hexdigest()


def check_normalized_string(value: object, *, field: str, max_length: int = 50, min_length: int = 1) -> str:
    """Return ``value`` if it is an Amazon ``String`` (no control characters, length in range)."""
    if not isinstance(value, str):
        raise InvalidInputError(f"{field} must be a string, got {value!r}", field=field)
    if not min_length <= len(value) <= max_length:
        raise InvalidInputError(f"{field} {value!r} must be {min_length} to {max_length} characters", field=field)
    if _NOT_NORMALIZED.search(value):
        raise InvalidInputError(f"{field} {value!r} contains control characters", field=field)
    if min_length and not value.strip():
        raise InvalidInputError(f"{field} must not be blank", field=field)
    return value


def check_message_id(value: object, *, maximum: int = MAX_XML_MESSAGE_ID, field: str = "message_id") -> int:
    """Return ``value`` if it is a positive integer no larger than ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise InvalidInputError(f"{field} must be an integer from 1 to {maximum}, got {value!r}", field=field)
    return value


def valid_order_item_id(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    """Validate (for attrs) a message's ``OrderItemID`` (named after the attribute in its error)."""
    check_order_item_id(value, field=attribute.name)


def valid_feed_order_id(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    """Validate (for attrs) an order feed's ``AmazonOrderID`` (see ``check_feed_order_id``)."""
    check_feed_order_id(value, field=attribute.name)


def valid_message_id(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    """Validate (for attrs) an XML feed's ``MessageID`` (1 to ``MAX_XML_MESSAGE_ID``)."""
    check_message_id(value, field=attribute.name)


def check_unique_message_ids(message_ids: Iterable[int]) -> None:
    """Raise InvalidInputError if a message id repeats (the processing report correlates on them)."""
    seen: set[int] = set()
    for message_id in message_ids:
        if message_id in seen:
            raise InvalidInputError(f"message_id {message_id} is used twice in one feed document", field="message_id")
        seen.add(message_id)


class _Numbered(Protocol):
    @property
    def message_id(self) -> int: ...


_Message = TypeVar("_Message", bound=_Numbered)


def check_messages(messages: Sequence[_Message], kind: type[_Message], feed: str, *, most: int | None = None) -> None:
    """Refuse ``feed`` without messages, with more than ``most``, with a value not a ``kind``, or a message id twice."""
    if not messages:
        raise InvalidInputError(f"{feed} needs at least one message", field="messages")
    if most is not None and len(messages) > most:
        raise InvalidInputError(
            f"{feed} takes at most {most} messages, got {len(messages)}; split it", field="messages"
        )
    for message in messages:
        if not isinstance(message, kind):
            raise InvalidInputError(f"messages must be {kind.__name__} values, got {message!r}", field="messages")
    check_unique_message_ids(m.message_id for m in messages)


def escape_text(value: str) -> str:
    """Escape ``&``, ``<`` and ``>`` for XML character data."""
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    return value


XML_DECLARATION: Final = '<?xml version="1.0" encoding="UTF-8"?>\n'


def envelope_head(seller_id: str, message_type: str) -> str:
    """The ``AmazonEnvelope`` start, ``Header`` and ``MessageType`` of an order feed."""
    seller = escape_text(check_normalized_string(seller_id, field="seller_id"))
    return (
        XML_DECLARATION
        + '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        + ' xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">\n'
        + "  <Header>\n"
        + "    <DocumentVersion>1.01</DocumentVersion>\n"
        + f"    <MerchantIdentifier>{seller}</MerchantIdentifier>\n"
        + "  </Header>\n"
        + f"  <MessageType>{message_type}</MessageType>\n"
    )


ENVELOPE_TAIL: Final = "</AmazonEnvelope>\n"
