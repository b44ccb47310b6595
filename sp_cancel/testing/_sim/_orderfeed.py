"""Order feeds in the simulator: XSD-equivalent validation, Amazon's business rules, the ProcessingReport.

Handles ``POST_ORDER_ACKNOWLEDGEMENT_DATA`` (``OrderAcknowledgement``) and
``POST_PAYMENT_ADJUSTMENT_DATA`` (``OrderAdjustment``) documents exactly as
uploaded. The schema rules live in :mod:`._orderschema` (a hand-written mirror of
Amazon's XSDs); the acknowledgement rules in :mod:`._orderfeed_ack`, the
adjustment rules in :mod:`._orderfeed_adjust`, and the report writer in
:mod:`._orderfeed_report`.

Any schema violation rejects the whole document: the report has
``MessagesProcessed`` 0, ``MessagesWithError`` 1 and one ``Result`` with ``MessageID`` 0 and
``ResultMessageCode`` 5000. So do a ``DOCTYPE`` (Amazon's parser disallows it),
a ``MerchantIdentifier`` other than the seller, a ``MessageType`` (or message
element) that does not match the feed type, and a repeated ``MessageID``.

Otherwise each message is checked against the simulated world and is applied
atomically (all of its items, or nothing). Failing messages get one ``Error``
result per problem; messages without a ``Result`` succeeded.

Result codes. ``5000`` (malformed or invalid document) and ``18028`` (order
not found) are Amazon's; the others are **simulator codes**: Amazon does not
publish its order-feed codes, so do not key production logic on them.

======  =====================================================================
code    meaning
======  =====================================================================
5000    document rejected (XML/schema error, DOCTYPE, header, MessageType, duplicate MessageID)
18028   order not found ("Your order cannot be found using Merchant ID ... and Merchant Order ...")
90201   order item not in the order (unknown AmazonOrderItemCode, or any MerchantOrderItemID)
90202   Amazon-fulfilled (AFN) order: cannot be cancelled or adjusted by the seller
90203   acknowledgement Failure on a Shipped order
90204   acknowledgement Failure on a PartiallyShipped order (never cancel after a ship-confirm)
90205   acknowledgement Failure on a Pending / PendingAvailability order
90206   acknowledgement Failure on an order that is already Canceled
90207   acknowledgement Failure on an order in another status (InvoiceUnconfirmed, Unfulfillable)
90210   QuantityCancelled larger than the item's unshipped quantity
90211   QuantityCancelled on an order whose status forbids cancelling units (Pending, Shipped, ...)
90212   "The requested refund amount exceeds the amount that can be refunded" (per item or per component)
90213   refund on an AFN order ("... was Fulfilled by Amazon and cannot be refunded from within your seller account")
90214   currency attribute differs from the order's currency
90215   the net of the adjustment is not a credit to the buyer
90216   price refund on an item with nothing shipped yet (Amazon keeps such refunds pending until the
        ship-confirm; the simulator refuses them instead)
======  =====================================================================

Refund caps: per component type, ``charged`` (pro rata to the units not
cancelled) minus what was already refunded of that type; per item, the same
over all types. ``MerchantAdjustmentItemID`` gives no duplicate protection
(Amazon documents none): a repeated adjustment is applied again and shows up
twice in ``world.refunds``. ``DirectPaymentAdjustments`` (COD) are validated
and ignored. Promotion adjustments count towards the net and are recorded in
``world.refunds`` as ``Promotion<Type>`` but not in ``item.refunded``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from sp_cancel.testing._sim._orderfeed_ack import _acknowledge
from sp_cancel.testing._sim._orderfeed_adjust import _adjust
from sp_cancel.testing._sim._orderfeed_context import _Context
from sp_cancel.testing._sim._orderfeed_report import ReportResult, render_processing_report
from sp_cancel.testing._sim._orderschema import Record, validate_envelope

if TYPE_CHECKING:
    from datetime import datetime

    from sp_cancel.testing._sim._feeds_common import FeedSim
    from sp_cancel.testing._sim._state import SimFeed

__all__ = ["ACK_FEED", "ADJ_FEED", "OrderFeedResult", "ReportResult", "process_order_feed", "render_processing_report"]

ACK_FEED: Final = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
ADJ_FEED: Final = "POST_PAYMENT_ADJUSTMENT_DATA"
_MESSAGE_TYPE_FOR_FEED: Final = {ACK_FEED: "OrderAcknowledgement", ADJ_FEED: "OrderAdjustment"}
_MESSAGE_BODIES: Final = ("OrderAcknowledgement", "OrderAdjustment", "ProcessingReport")
_WS: Final = " \t\r\n"


@dataclass
class OrderFeedResult:
    """What processing an order feed produced."""

    report: bytes
    processed: int
    errors: int
    results: list[ReportResult]
    applied_message_ids: list[int]


def process_order_feed(
    sim: FeedSim,
    feed: SimFeed,
    content: bytes,
    at: datetime,
    *,
    select: Callable[[int], bool] | None = None,
) -> OrderFeedResult:
    """Validate and apply an order feed document; return its ProcessingReport.

    Args:
        sim: the simulator (world, seller id, refund posting delay).
        feed: the feed being processed (its id goes into the report and the ledger).
        content: the uploaded document bytes.
        at: the simulated processing time (stamped on cancellations and refunds).
        select: when given, only messages whose 0-based position it accepts are looked at (FATAL feeds).
    """
    document, problem = validate_envelope(content)
    expected = _MESSAGE_TYPE_FOR_FEED.get(feed.feed_type, "")
    messages: list[tuple[int, Record]] = []
    if document is not None:
        problem = _document_rules(sim, document, expected, messages)
    if problem is not None:
        results = [ReportResult(0, 5000, problem)]
        report = render_processing_report(sim.seller_id, feed.feed_id, 0, results, messages_with_error=1)
        return OrderFeedResult(report, 0, 1, results, [])
    ctx = _Context(sim, feed, at)
    applied: list[int] = []
    failed = 0
    handler = _acknowledge if expected == "OrderAcknowledgement" else _adjust
    for position, (message_id, body) in enumerate(messages):
        if select is not None and not select(position):
            continue
        if handler(ctx, message_id, body):
            applied.append(message_id)
        else:
            failed += 1
    report = render_processing_report(
        sim.seller_id, feed.feed_id, len(messages), ctx.results, messages_with_error=failed
    )
    return OrderFeedResult(report, len(messages), failed, ctx.results, applied)


def _document_rules(sim: FeedSim, document: Record, expected: str, messages: list[tuple[int, Record]]) -> str | None:
    merchant = document["Header"]["MerchantIdentifier"]
    if merchant != sim.seller_id:
        return (
            f"The MerchantIdentifier '{merchant}' in the feed header does not match the seller ID "
            f"'{sim.seller_id}' that submitted the feed."
        )
    message_type = document["MessageType"]
    if message_type != expected:
        return f"MessageType '{message_type}' is not valid for this feed type; expected '{expected}'."
    seen: set[int] = set()
    for message in document["Message"]:
        message_id = int(message["MessageID"].strip(_WS))
        if message_id in seen:
            return f"MessageID {message_id} appears more than once; MessageIDs must be unique within a feed."
        seen.add(message_id)
        body = message.get(expected)
        if body is None:
            other = next(name for name in _MESSAGE_BODIES if name in message)
            return f"Message {message_id} contains {other} but the MessageType is {expected}."
        messages.append((message_id, body))
    return None
