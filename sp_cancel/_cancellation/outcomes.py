"""What a cancellation returns, exported from ``sp_cancel``, and how the journal keeps it.

``CancelOutcome``, ``BuyerMessage``, ``SystemCancellation``; ``cancel_to_json``/``cancel_from_json`` let the
journal return an earlier outcome in any process.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Literal

import attrs

from sp_cancel._amazon_cancel import AmazonCancelKind
from sp_cancel._outcomes import NOT_JOURNALED, ProcessingMessage, from_json, to_json
from sp_cancel.errors import SpCancelError
from sp_cancel.models import CancelReason, ItemCancel

__all__ = [
    "BuyerMessage",
    "BuyerMessageStatus",
    "CancelOutcome",
    "CancelStatus",
    "SystemCancellation",
    "buyer_message_from_json",
    "buyer_message_to_json",
    "cancel_from_json",
    "cancel_to_json",
]


class CancelStatus(enum.StrEnum):
    """What happened to a cancellation, as Amazon showed it.

    ``CANCELLED``/``PARTIALLY_CANCELLED``: Amazon's processing report or a read-back of the order shows it.
    ``REJECTED``: Amazon refused it (or the order changed and nothing was sent). ``SUBMITTED``: Amazon has the
    feed and is processing it. ``UNCONFIRMED``: possibly sent, Amazon has not shown it yet (the answer to
    ``createFeed`` was lost, or its report says nothing): not done, not failed; ``client.refresh``/``resume()``
    keep looking, and it is never sent again on its own. ``NOT_SENT``: Amazon shows no sign of it (the
    seller's horizon passed with nothing seen, an operator declared it, or ``createFeed`` was refused
    outright): asking again sends it. ``REFUSED``: refused before sending (a batch member's bad input).
    """

    CANCELLED = "CANCELLED"
    PARTIALLY_CANCELLED = "PARTIALLY_CANCELLED"
    REJECTED = "REJECTED"
    SUBMITTED = "SUBMITTED"
    UNCONFIRMED = "UNCONFIRMED"
    NOT_SENT = "NOT_SENT"
    REFUSED = "REFUSED"


class BuyerMessageStatus(enum.StrEnum):
    """What happened to the explanation sent to the buyer after a cancel (``createUnexpectedProblem``).

    ``SENT``: Amazon accepted the message (201). ``PENDING``: journaled, waiting for Amazon to confirm the
    cancel (or for a moment when Amazon answers): ``client.refresh``/``wait``/``resume()`` send it then.
    ``SKIPPED``: not sent, and never will be: Amazon offers no ``unexpectedProblem`` message for the order, or
    the cancel was not done. ``UNCONFIRMED``: sent, but Amazon's answer was lost (a timeout, a 5xx, a dropped
    connection): it may have reached the buyer, so it is never sent again (Amazon offers no API to read
    messages back: Seller Central's Buyer-Seller Messages show it). ``FAILED``: Amazon refused it (its
    error is in ``detail``); nothing reached the buyer, and asking again sends it.
    """

    SENT = "SENT"
    PENDING = "PENDING"
    SKIPPED = "SKIPPED"
    UNCONFIRMED = "UNCONFIRMED"
    FAILED = "FAILED"


@attrs.resolve_types  # the journal codec reads the field types (_outcomes.to_json)
@attrs.frozen(kw_only=True)
class BuyerMessage:
    """What happened to the seller's explanation to the buyer of a cancelled order.

    Attributes:
        order_id: the Amazon order id.
        status: ``SENT`` / ``PENDING`` / ``SKIPPED`` / ``UNCONFIRMED`` / ``FAILED`` (see
            [BuyerMessageStatus][sp_cancel.BuyerMessageStatus]).
        detail: a sentence saying why (the reason it was skipped, Amazon's refusal, what to check).
        submission_id: the journal key of the message (one per order and cancel).
        text: the text sent, or to be sent (the seller's own words; not in the ``repr``).
    """

    order_id: str
    status: BuyerMessageStatus = attrs.field(converter=BuyerMessageStatus)
    detail: str | None = None
    submission_id: str | None = None
    text: str = attrs.field(default="", repr=False)

    @property
    def sent(self) -> bool:
        """True when Amazon accepted the message."""
        return self.status is BuyerMessageStatus.SENT


@attrs.resolve_types  # the journal codec reads the field types (_outcomes.to_json)
@attrs.frozen(kw_only=True)
class CancelOutcome:
    """The outcome of cancelling one order (whole, or some units with ``items``).

    Attributes:
        order_id: the Amazon order id.
        status: CANCELLED / PARTIALLY_CANCELLED (item-level) / REJECTED / SUBMITTED (Amazon is processing it) /
            UNCONFIRMED (possibly sent, not shown by Amazon yet) / NOT_SENT (Amazon shows no sign of it: asking
            again sends it) / REFUSED (in a batch: refused before sending; ``error`` says why, nothing was sent).
        reason: the cancel reason sent.
        feed_id: Amazon's feed id (``None`` for ``via="orders_api"`` or before submission).
        submission_id: the journal key of this submission; ``client.wait``/``refresh`` use it.
        messages: Amazon's results for this order (errors and warnings).
        items: the item-level cancels sent, or ``None`` for a whole order.
        via: ``"feed"`` or ``"orders_api"``.
        detail: a human sentence about what was observed (e.g. after a FATAL feed).
        error: for ``REFUSED``, the typed error that refused it (``InvalidInputError``, ``NotCancellableError``,
            ``NotFoundError``...); ``None`` otherwise.
        buyer_message: what happened to the explanation sent to the buyer (``notify_buyer=``), or ``None``
            when none was asked for.
    """

    order_id: str
    status: CancelStatus = attrs.field(converter=CancelStatus)
    reason: CancelReason
    feed_id: str | None = None
    submission_id: str | None = None
    messages: tuple[ProcessingMessage, ...] = ()
    items: tuple[ItemCancel, ...] | None = None
    via: Literal["feed", "orders_api"] = "feed"
    detail: str | None = None
    error: SpCancelError | None = attrs.field(default=None, eq=False, metadata=NOT_JOURNALED)
    buyer_message: BuyerMessage | None = None

    kind: ClassVar[str] = "order"

    @property
    def ok(self) -> bool:
        """True when the order (or the asked units) ended cancelled."""
        return self.status in {CancelStatus.CANCELLED, CancelStatus.PARTIALLY_CANCELLED}


@attrs.frozen(kw_only=True)
class SystemCancellation:
    """An order Amazon cancelled itself (``cancelledBy == "AMAZON"``), with Amazon's reason text and why.

    Attributes:
        order_id: the order.
        cancelled_at: when (the order's last update: Amazon gives no cancellation time).
        reason_text: Amazon's own words, when it gave any.
        marketplace_id: the marketplace.
        kind: why: ``UNPAID``, ``LATE_SHIPMENT`` or ``OTHER`` (``classify_amazon_cancel``).
    """

    order_id: str
    cancelled_at: datetime | None
    reason_text: str | None
    marketplace_id: str | None = None
    kind: AmazonCancelKind = attrs.field(default=AmazonCancelKind.OTHER, converter=AmazonCancelKind)


def buyer_message_to_json(message: BuyerMessage) -> dict[str, Any]:
    """Serialise a ``BuyerMessage``."""
    return to_json(message)


def buyer_message_from_json(data: Mapping[str, Any]) -> BuyerMessage:
    """Deserialise a ``BuyerMessage``."""
    return from_json(BuyerMessage, data)


def cancel_to_json(outcome: CancelOutcome) -> dict[str, Any]:
    """Serialise a ``CancelOutcome`` (its ``buyer_message`` too, when it has one; not its ``error``)."""
    return to_json(outcome)


def cancel_from_json(data: Mapping[str, Any]) -> CancelOutcome:
    """Deserialise a ``CancelOutcome`` (an outcome journaled before ``buyer_message`` existed has none)."""
    return from_json(CancelOutcome, data)
