"""Order feeds in the simulator: XSD-equivalent validation, Amazon's business rules, the ProcessingReport.

Handles ``POST_ORDER_ACKNOWLEDGEMENT_DATA`` (``OrderAcknowledgement``) and
``POST_PAYMENT_ADJUSTMENT_DATA`` (``OrderAdjustment``) documents exactly as
uploaded. The schema rules live in ``.order_feed_schema`` (a hand-written
mirror of Amazon's XSDs); this module holds the document rules, the
acknowledgement and adjustment business rules, and the ProcessingReport writer.

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
90203   (unused: Amazon acts on a Failure for a Shipped order, see below)
90204   (unused: Amazon acts on a Failure for a PartiallyShipped order, see below)
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

Amazon's race: an acknowledgement ``Failure`` for an order that shipped (wholly or partly) after the
seller's check is *acted on*, as Amazon's feed documentation says it does ("would refund the entire order amount"):
the unshipped units are cancelled and every charge still refundable is refunded (``world.refunds``),
with no error in the report. Only Pending, Canceled and other statuses are refused.

Refund caps: per component type, ``charged`` net of promotions (``item.discounts``; pro rata to the
units not cancelled) minus what was already refunded of that type; per item, the same
over all types. ``MerchantAdjustmentItemID`` gives no duplicate protection
(Amazon documents none): a repeated adjustment is applied again and shows up
twice in ``world.refunds``. ``DirectPaymentAdjustments`` (COD) are validated
and ignored. Promotion adjustments count towards the net and are recorded in
``world.refunds`` as ``Promotion<Type>`` but not in ``item.refunded``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal
from xml.sax.saxutils import escape

from sp_cancel.testing._sim.core import FeedSim
from sp_cancel.testing._sim.order_feed_schema import Record, validate_envelope
from sp_cancel.testing._sim.world import SimCancellation, SimFeed, SimItem, SimOrder, SimRefund

__all__ = [
    "ACK_FEED",
    "ADJ_FEED",
    "OrderFeedResult",
    "ReportResult",
    "hollow_report",
    "process_order_feed",
    "render_processing_report",
]

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


def hollow_report(sim: FeedSim, feed: SimFeed, content: bytes, fault: str) -> bytes:
    """The ProcessingReport of an order feed Amazon applied nothing of (a ``HOLLOW_REPORT_FAULTS`` fault).

    The world is not touched. ``report_nothing_processed``: ``Complete``, every count 0, no results;
    ``report_processing``: ``Processing``, no summary; ``report_rejected``: ``Rejected``, no summary, no results;
    ``report_foreign``: ``Complete`` with a summary counting the feed's messages (all but one successful) and one
    ``Error`` result for a ``MessageID`` the feed does not have and an order it does not name. Every one
    validates against the ProcessingReport XSD.
    """
    if fault == "report_processing":
        return render_processing_report(
            sim.seller_id, feed.feed_id, 0, [], messages_with_error=0, status_code="Processing", summary=False
        )
    if fault == "report_rejected":
        return render_processing_report(
            sim.seller_id, feed.feed_id, 0, [], messages_with_error=0, status_code="Rejected", summary=False
        )
    if fault != "report_foreign":
        return render_processing_report(sim.seller_id, feed.feed_id, 0, [], messages_with_error=0)
    messages: list[tuple[int, Record]] = []
    document, problem = validate_envelope(content)
    if document is not None and problem is None:
        _document_rules(sim, document, _MESSAGE_TYPE_FOR_FEED.get(feed.feed_type, ""), messages)
    named = {str(body.get("AmazonOrderID")) for _, body in messages}
    other = next((o for o in sorted(sim.world.orders) if o not in named), "999-0000000-0000000")
    other_message = max((message_id for message_id, _ in messages), default=0) + 1
    stranger = ReportResult(
        other_message,
        _NOT_FOUND,
        f"Your order cannot be found using Merchant ID {sim.seller_id} and Merchant Order {other}. "
        "Please check the order ID and try again.",
        order_id=other,
    )
    return render_processing_report(
        sim.seller_id, feed.feed_id, max(len(messages), 1), [stranger], messages_with_error=1
    )


# -- the ProcessingReport ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportResult:
    """One ``Result`` of a ProcessingReport."""

    message_id: int
    code: int
    description: str
    severity: str = "Error"
    order_id: str | None = None
    order_item_id: str | None = None


def render_processing_report(
    seller_id: str,
    feed_id: str,
    processed: int,
    results: list[ReportResult],
    *,
    messages_with_error: int,
    status_code: Literal["Complete", "Processing", "Rejected"] = "Complete",
    summary: bool = True,
) -> bytes:
    """Write a ProcessingReport envelope as Amazon does (``MessageType`` ProcessingReport, ``MessageID`` 1).

    ``summary`` False leaves the (optional) ``ProcessingSummary`` out; ``status_code`` is the XSD's
    ``Complete | Processing | Rejected``.
    """
    warned = len(
        {r.message_id for r in results if r.severity == "Warning"}
        - {r.message_id for r in results if r.severity == "Error"}
    )
    successful = max(processed - messages_with_error, 0)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        (
            '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">\n'
        ),
        "\t<Header>\n\t\t<DocumentVersion>1.02</DocumentVersion>\n",
        f"\t\t<MerchantIdentifier>{escape(seller_id)}</MerchantIdentifier>\n\t</Header>\n",
        "\t<MessageType>ProcessingReport</MessageType>\n\t<Message>\n\t\t<MessageID>1</MessageID>\n",
        "\t\t<ProcessingReport>\n",
        f"\t\t\t<DocumentTransactionID>{escape(feed_id)}</DocumentTransactionID>\n",
        f"\t\t\t<StatusCode>{status_code}</StatusCode>\n",
    ]
    if summary:
        out += [
            "\t\t\t<ProcessingSummary>\n",
            f"\t\t\t\t<MessagesProcessed>{processed}</MessagesProcessed>\n",
            f"\t\t\t\t<MessagesSuccessful>{successful}</MessagesSuccessful>\n",
            f"\t\t\t\t<MessagesWithError>{messages_with_error}</MessagesWithError>\n",
            f"\t\t\t\t<MessagesWithWarning>{warned}</MessagesWithWarning>\n",
            "\t\t\t</ProcessingSummary>\n",
        ]
    for result in results:
        out.append(
            f"\t\t\t<Result>\n\t\t\t\t<MessageID>{result.message_id}</MessageID>\n"
            f"\t\t\t\t<ResultCode>{result.severity}</ResultCode>\n"
            f"\t\t\t\t<ResultMessageCode>{result.code}</ResultMessageCode>\n"
            f"\t\t\t\t<ResultDescription>{escape(result.description)}</ResultDescription>\n"
        )
        if result.order_id or result.order_item_id:
            out.append("\t\t\t\t<AdditionalInfo>\n")
            if result.order_id:
                out.append(f"\t\t\t\t\t<AmazonOrderID>{escape(result.order_id)}</AmazonOrderID>\n")
            if result.order_item_id:
                out.append(f"\t\t\t\t\t<AmazonOrderItemCode>{escape(result.order_item_id)}</AmazonOrderItemCode>\n")
            out.append("\t\t\t\t</AdditionalInfo>\n")
        out.append("\t\t\t</Result>\n")
    out.append("\t\t</ProcessingReport>\n\t</Message>\n</AmazonEnvelope>\n")
    return "".join(out).encode("utf-8")


# -- what the business rules share: the processing context, the ledger, common result codes ------

_NOT_FOUND: Final = 18028
_ITEM_NOT_FOUND: Final = 90201
_AFN: Final = 90202


@dataclass
class _Context:
    sim: FeedSim
    feed: SimFeed
    at: datetime
    results: list[ReportResult] = field(default_factory=list)

    def not_found(self, message_id: int, order_id: str | None, merchant_order_id: str | None) -> None:
        reference = merchant_order_id if order_id is None else order_id
        self.results.append(
            ReportResult(
                message_id,
                _NOT_FOUND,
                f"Your order cannot be found using Merchant ID {self.sim.seller_id} and Merchant Order "
                f"{reference}. Please check the order ID and try again.",
                order_id=order_id,
            )
        )


def _ledger(ctx: _Context, message_id: int, order_id: str, what: str) -> None:
    ctx.sim.world.ledger.append((ctx.feed.feed_id, message_id, order_id, what))


def _cancel_units(ctx: _Context, order: SimOrder, item: SimItem, quantity: int) -> None:
    """Cancel ``quantity`` unshipped units of ``item`` (never shipped ones) and record it in the world."""
    if quantity <= 0:
        return
    item.quantity_cancelled += quantity
    ctx.sim.world.cancellations.append(
        SimCancellation(order.order_id, item.order_item_id, quantity, ctx.feed.feed_id, ctx.at)
    )


# -- OrderAcknowledgement: acknowledge an order, or cancel it with StatusCode Failure -------------

_ACK_STATUS_CODES: Final = {
    "Shipped": 90203,
    "PartiallyShipped": 90204,
    "Pending": 90205,
    "PendingAvailability": 90205,
    "Canceled": 90206,
}
_ACK_OTHER_STATUS: Final = 90207
_SHIP_CONFIRMED: Final = frozenset({"Shipped", "PartiallyShipped"})
_ACK_ACTS_ON: Final = frozenset({"Unshipped"}) | _SHIP_CONFIRMED


def _post_refund(
    ctx: _Context,
    order: SimOrder,
    item: SimItem,
    component: str,
    amount: Decimal,
    *,
    adjustment_item_id: str | None,
    posted: datetime,
) -> None:
    """Record one refunded component of ``item`` from this feed, as Finances will show it from ``posted``."""
    ctx.sim.world.refunds.append(
        SimRefund(
            order_id=order.order_id,
            order_item_id=item.order_item_id,
            component=component,
            amount=amount,
            currency=order.currency,
            adjustment_item_id=adjustment_item_id,
            feed_id=ctx.feed.feed_id,
            posted_at=posted,
            sku=item.sku,
        )
    )


def _refund_whole_order(ctx: _Context, message_id: int, order: SimOrder) -> None:
    """A Failure after a ship-confirm: cancel the unshipped, refund the entire order amount (docs/cancel-orders.md)."""
    posted = ctx.at + ctx.sim.refund_posting_delay
    for item in order.items:
        _cancel_units(ctx, order, item, item.quantity_unshipped)
        for component, charged in item.charged.items():
            left = charged - item.discounts.get(component, Decimal(0)) - item.refunded.get(component, Decimal(0))
            if left <= 0:
                continue
            item.refunded[component] = item.refunded.get(component, Decimal(0)) + left
            _post_refund(ctx, order, item, component, left, adjustment_item_id=None, posted=posted)
    order.status = "Shipped"
    _ledger(ctx, message_id, order.order_id, "refunded_whole_order")


def _acknowledge(ctx: _Context, message_id: int, body: Record) -> bool:  # noqa: C901 - one check per rule
    order_id: str = body["AmazonOrderID"]
    status: str = body["StatusCode"]
    order = ctx.sim.world.orders.get(order_id)
    if order is None:
        ctx.not_found(message_id, order_id, None)
        return False
    before = len(ctx.results)
    if order.fulfillment_channel == "AFN":
        ctx.results.append(
            ReportResult(
                message_id,
                _AFN,
                f"Order {order_id} is fulfilled by Amazon; it cannot be acknowledged or cancelled by the seller.",
                order_id=order_id,
            )
        )
        return False
    reasons: list[str] = []
    for line in body.get("Item", ()):
        code: str = line["AmazonOrderItemCode"]
        if order.item(code) is None:
            ctx.results.append(
                ReportResult(
                    message_id,
                    _ITEM_NOT_FOUND,
                    f"Order item {code} is not part of order {order_id}.",
                    order_id=order_id,
                    order_item_id=code,
                )
            )
        reason: str | None = line.get("CancelReason")
        if reason:
            reasons.append(reason)
    if status == "Failure" and order.status not in _ACK_ACTS_ON:
        status_code = _ACK_STATUS_CODES.get(order.status, _ACK_OTHER_STATUS)
        ctx.results.append(
            ReportResult(
                message_id,
                status_code,
                f"Order {order_id} cannot be cancelled with an order acknowledgement because its status is "
                f"{order.status}; only Unshipped orders can be cancelled this way.",
                order_id=order_id,
            )
        )
    if len(ctx.results) > before:
        return False
    order.acknowledged = True
    order.last_update_date = ctx.at
    if status == "Success":
        _ledger(ctx, message_id, order_id, "acknowledged")
        return True
    if order.status in _SHIP_CONFIRMED:
        _refund_whole_order(ctx, message_id, order)
        return True
    for item in order.items:
        _cancel_units(ctx, order, item, item.quantity_unshipped)
    order.status = "Canceled"
    order.cancelled_by = "MERCHANT"
    order.cancel_reason = reasons[0] if reasons else None
    order.cancelled_at = ctx.at
    _ledger(ctx, message_id, order_id, f"cancelled:{order.cancel_reason or ''}")
    return True


# -- OrderAdjustment: refunds (with their caps) and unit cancellations ----------------------------

# Every item of a message is planned and checked first; only a message whose items all pass is applied.

_CENT: Final = Decimal("0.01")
_QTY_TOO_HIGH: Final = 90210
_QTY_STATUS: Final = 90211
_REFUND_CAP: Final = 90212
_REFUND_AFN: Final = 90213
_CURRENCY: Final = 90214
_NET_NOT_CREDIT: Final = 90215
_REFUND_UNSHIPPED: Final = 90216
# The charge types the simulator tracks per item (``Component`` in world.py); each has its own cap.
_TRACKED: Final = frozenset(("Principal", "Shipping", "Tax", "ShippingTax", "GiftWrap", "GiftWrapTax"))
_CAP_TEXT: Final = "The requested refund amount exceeds the amount that can be refunded"


@dataclass
class _ItemPlan:
    item: SimItem
    adjustment_item_id: str | None
    reason: str
    quantity_cancelled: int
    components: list[tuple[str, Decimal]]  # price components (Type, signed amount)
    promotions: list[tuple[str, Decimal]]


def _refundable(item: SimItem, component: str | None) -> Decimal:
    """What is still refundable on ``item`` for one component type (or all of them when ``None``)."""
    # What the buyer paid: charged net of promotions (a DISCOUNT is never refundable money).
    if component is None:
        charged = sum(item.charged.values(), Decimal(0)) - sum(item.discounts.values(), Decimal(0))
        refunded = sum(item.refunded.values(), Decimal(0))
    else:
        charged = item.charged.get(component, Decimal(0)) - item.discounts.get(component, Decimal(0))
        refunded = item.refunded.get(component, Decimal(0))
    if item.quantity_cancelled:
        kept = Decimal(item.quantity_ordered - item.quantity_cancelled) / Decimal(max(item.quantity_ordered, 1))
        charged = (charged * kept).quantize(_CENT, rounding=ROUND_HALF_UP)
    return charged - refunded


def _amounts(
    ctx: _Context, order: SimOrder, parent: Record | None, message_id: int, item_code: str
) -> list[tuple[str, Decimal]] | None:
    if parent is None:
        return []
    out: list[tuple[str, Decimal]] = []
    ok = True
    for component in parent["Component"]:
        text, currency = component["Amount"]
        if currency is not None and currency != order.currency:
            ctx.results.append(
                ReportResult(
                    message_id,
                    _CURRENCY,
                    f"The currency {currency} does not match the order currency {order.currency}.",
                    order_id=order.order_id,
                    order_item_id=item_code,
                )
            )
            ok = False
        out.append((component["Type"], Decimal(text.strip(_WS))))
    return out if ok else None


def _plan_item(ctx: _Context, order: SimOrder, message_id: int, adjusted: Record) -> _ItemPlan | None:  # noqa: C901 - one branch per Amazon rule
    code: str | None = adjusted.get("AmazonOrderItemCode")
    item = order.item(code) if code is not None else None
    if item is None:
        reference = code if code is not None else adjusted.get("MerchantOrderItemID")
        ctx.results.append(
            ReportResult(
                message_id,
                _ITEM_NOT_FOUND,
                f"Order item {reference} is not part of order {order.order_id}.",
                order_id=order.order_id,
                order_item_id=code,
            )
        )
        return None
    errors_before = len(ctx.results)
    components = _amounts(ctx, order, adjusted.get("ItemPriceAdjustments"), message_id, item.order_item_id)
    promotions: list[tuple[str, Decimal]] = []
    for promo in adjusted.get("PromotionAdjustments", ()):
        found = _amounts(ctx, order, promo, message_id, item.order_item_id)
        promotions.extend(found or [])
    # DirectPaymentAdjustments (COD): currency is still checked, the amounts are ignored.
    _amounts(ctx, order, adjusted.get("DirectPaymentAdjustments"), message_id, item.order_item_id)
    qty_text: str | None = adjusted.get("QuantityCancelled")
    quantity_cancelled = int(qty_text.strip(_WS)) if qty_text is not None else 0
    money = (components or []) + promotions
    if order.fulfillment_channel == "AFN" and (money or quantity_cancelled):
        text = (
            f"{_CAP_TEXT}: order {order.order_id} was Fulfilled by Amazon and cannot be refunded from within "
            "your seller account."
            if money
            else f"Order {order.order_id} is fulfilled by Amazon; its units cannot be cancelled by the seller."
        )
        ctx.results.append(
            ReportResult(
                message_id,
                _REFUND_AFN if money else _AFN,
                text,
                order_id=order.order_id,
                order_item_id=item.order_item_id,
            )
        )
        return None
    if quantity_cancelled:
        if order.status not in ("Unshipped", "PartiallyShipped"):
            ctx.results.append(
                ReportResult(
                    message_id,
                    _QTY_STATUS,
                    f"Units of order {order.order_id} cannot be cancelled because its status is {order.status}.",
                    order_id=order.order_id,
                    order_item_id=item.order_item_id,
                )
            )
        elif quantity_cancelled > item.quantity_unshipped:
            ctx.results.append(
                ReportResult(
                    message_id,
                    _QTY_TOO_HIGH,
                    f"QuantityCancelled {quantity_cancelled} exceeds the {item.quantity_unshipped} unshipped "
                    f"unit(s) of order item {item.order_item_id}.",
                    order_id=order.order_id,
                    order_item_id=item.order_item_id,
                )
            )
    if money:
        if item.quantity_shipped == 0:
            ctx.results.append(
                ReportResult(
                    message_id,
                    _REFUND_UNSHIPPED,
                    f"Order item {item.order_item_id} has not been shipped; confirm the shipment before refunding "
                    "it (to cancel unshipped units use QuantityCancelled).",
                    order_id=order.order_id,
                    order_item_id=item.order_item_id,
                )
            )
        elif sum((a for _, a in money), Decimal(0)) <= 0:
            ctx.results.append(
                ReportResult(
                    message_id,
                    _NET_NOT_CREDIT,
                    "The net amount of the adjustment must be a credit to the buyer.",
                    order_id=order.order_id,
                    order_item_id=item.order_item_id,
                )
            )
    if len(ctx.results) > errors_before or components is None:
        return None
    return _ItemPlan(
        item=item,
        adjustment_item_id=adjusted.get("MerchantAdjustmentItemID"),
        reason=adjusted["AdjustmentReason"],
        quantity_cancelled=quantity_cancelled,
        components=components,
        promotions=promotions,
    )


def _check_caps(ctx: _Context, order: SimOrder, message_id: int, plans: list[_ItemPlan]) -> bool:
    per_component: dict[tuple[str, str], Decimal] = {}
    per_item: dict[str, Decimal] = {}
    items = {p.item.order_item_id: p.item for p in plans}
    for plan in plans:
        for component, amount in plan.components:
            key = (plan.item.order_item_id, component)
            per_component[key] = per_component.get(key, Decimal(0)) + amount
            per_item[plan.item.order_item_id] = per_item.get(plan.item.order_item_id, Decimal(0)) + amount
    ok = True
    for (item_id, component), amount in per_component.items():
        if component not in _TRACKED:
            continue  # Goodwill, Other, ...: only the per-item cap applies
        limit = _refundable(items[item_id], component)
        if amount > 0 and amount > limit:
            ctx.results.append(
                ReportResult(
                    message_id,
                    _REFUND_CAP,
                    f"{_CAP_TEXT}: {component} {amount} requested, {max(limit, Decimal(0))} refundable on order "
                    f"item {item_id}.",
                    order_id=order.order_id,
                    order_item_id=item_id,
                )
            )
            ok = False
    for item_id, amount in per_item.items():
        limit = _refundable(items[item_id], None)
        if amount > limit and ok:
            ctx.results.append(
                ReportResult(
                    message_id,
                    _REFUND_CAP,
                    f"{_CAP_TEXT}: {amount} requested, {max(limit, Decimal(0))} refundable on order item {item_id}.",
                    order_id=order.order_id,
                    order_item_id=item_id,
                )
            )
            ok = False
    return ok


def _adjust(ctx: _Context, message_id: int, body: Record) -> bool:
    order_id: str | None = body.get("AmazonOrderID")
    order = ctx.sim.world.orders.get(order_id) if order_id is not None else None
    if order is None:
        ctx.not_found(message_id, order_id, body.get("MerchantOrderID"))
        return False
    plans = [_plan_item(ctx, order, message_id, adjusted) for adjusted in body["AdjustedItem"]]
    valid = [p for p in plans if p is not None]
    if len(valid) != len(plans) or not _check_caps(ctx, order, message_id, valid):
        return False
    for plan in valid:
        _apply_plan(ctx, order, message_id, plan)
    _settle_status(ctx, order, valid)
    order.last_update_date = ctx.at
    return True


def _apply_plan(ctx: _Context, order: SimOrder, message_id: int, plan: _ItemPlan) -> None:
    item = plan.item
    if plan.quantity_cancelled:
        _cancel_units(ctx, order, item, plan.quantity_cancelled)
        _ledger(ctx, message_id, order.order_id, f"units_cancelled:{item.order_item_id}:{plan.quantity_cancelled}")
    posted = ctx.at + ctx.sim.refund_posting_delay
    entries = [(c, a, True) for c, a in plan.components] + [(f"Promotion{c}", a, False) for c, a in plan.promotions]
    for component, amount, tracked in entries:
        if tracked:
            item.refunded[component] = item.refunded.get(component, Decimal(0)) + amount
        _post_refund(ctx, order, item, component, amount, adjustment_item_id=plan.adjustment_item_id, posted=posted)
        _ledger(ctx, message_id, order.order_id, f"refunded:{item.order_item_id}:{component}:{amount}")


def _settle_status(ctx: _Context, order: SimOrder, plans: list[_ItemPlan]) -> None:
    cancelled_units = [p for p in plans if p.quantity_cancelled]
    if not cancelled_units or any(i.quantity_unshipped for i in order.items):
        return
    if any(i.quantity_shipped for i in order.items):
        order.status = "Shipped"
        return
    order.status = "Canceled"
    order.cancelled_by = "MERCHANT"
    order.cancel_reason = cancelled_units[0].reason
    order.cancelled_at = ctx.at
