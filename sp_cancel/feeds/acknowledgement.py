"""The ``POST_ORDER_ACKNOWLEDGEMENT_DATA`` feed: cancel whole orders (``StatusCode=Failure``).

Element order follows ``OrderAcknowledgement.xsd`` (rev. 7) inside the
``AmazonEnvelope``; see docs/cancel-orders.md. The builder is pure: the same messages give
the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final, Literal

import attrs

from sp_cancel.errors import InvalidInputError
from sp_cancel.feeds._common import (
    ENVELOPE_TAIL,
    check_messages,
    envelope_head,
    valid_feed_order_id,
    valid_message_id,
    valid_order_item_id,
)
from sp_cancel.models import CancelReason, check_items

__all__ = ["AckItem", "AckMessage", "build_acknowledgement_feed"]

MESSAGE_TYPE: Final = "OrderAcknowledgement"
_STATUSES: Final = frozenset({"Failure", "Success"})


def _reason(value: CancelReason | str | None) -> CancelReason | None:
    return None if value is None else CancelReason.parse(value)


@attrs.frozen(kw_only=True)
class AckItem:
    """One ``Item`` of an acknowledgement: the order item and, for a cancel, its ``CancelReason``."""

    order_item_id: str = attrs.field(validator=valid_order_item_id)
    reason: CancelReason | None = attrs.field(default=None, converter=_reason)


def _ack_items(value: Iterable[AckItem]) -> tuple[AckItem, ...]:
    return check_items(value, AckItem, twice="items names the same order_item_id twice")


@attrs.frozen(kw_only=True)
class AckMessage:
    """One ``Message`` of an acknowledgement feed: one order, ``Failure`` (cancel) or ``Success``.

    ``Failure`` cancels the whole order; Amazon wants every item listed with its
    ``CancelReason``, so each item of a ``Failure`` needs a reason. ``Success``
    items carry none (the XSD's ``CancelReason`` is "used only when sending
    StatusCode Failure").
    """

    message_id: int = attrs.field(validator=valid_message_id)
    order_id: str = attrs.field(validator=valid_feed_order_id)
    status: Literal["Failure", "Success"]
    items: tuple[AckItem, ...] = attrs.field(default=(), converter=_ack_items)

    def __attrs_post_init__(self) -> None:
        """Check the status and that reasons go only with ``Failure``."""
        if self.status not in _STATUSES:
            raise InvalidInputError(f"status must be 'Failure' or 'Success', got {self.status!r}", field="status")
        for item in self.items:
            if self.status == "Success" and item.reason is not None:
                raise InvalidInputError(
                    f"order {self.order_id}: CancelReason is only sent with StatusCode Failure", field="items"
                )
            if self.status == "Failure" and item.reason is None:
                raise InvalidInputError(
                    f"order {self.order_id}: item {item.order_item_id} needs a CancelReason with StatusCode Failure",
                    field="items",
                )


def _message_xml(message: AckMessage) -> str:
    parts = [
        "  <Message>\n",
        f"    <MessageID>{message.message_id}</MessageID>\n",
        "    <OrderAcknowledgement>\n",
        f"      <AmazonOrderID>{message.order_id}</AmazonOrderID>\n",
        f"      <StatusCode>{message.status}</StatusCode>\n",
    ]
    for item in message.items:
        parts.append("      <Item>\n")
        parts.append(f"        <AmazonOrderItemCode>{item.order_item_id}</AmazonOrderItemCode>\n")
        if item.reason is not None:
            parts.append(f"        <CancelReason>{item.reason.feed_value}</CancelReason>\n")
        parts.append("      </Item>\n")
    parts.append("    </OrderAcknowledgement>\n  </Message>\n")
    return "".join(parts)


def build_acknowledgement_feed(seller_id: str, messages: Sequence[AckMessage]) -> bytes:
    """Build an ``OrderAcknowledgement`` feed document (UTF-8 XML bytes).

    Args:
        seller_id: the seller id, written as ``MerchantIdentifier`` (at most 50 characters).
        messages: one ``AckMessage`` per order; their ``message_id`` values must be unique.

    Raises:
        InvalidInputError: no messages, a repeated message id, a value of the wrong type, or a bad seller id.
    """
    check_messages(messages, AckMessage, "an acknowledgement feed")
    body = "".join(_message_xml(m) for m in messages)
    return (envelope_head(seller_id, MESSAGE_TYPE) + body + ENVELOPE_TAIL).encode()
