"""The simulated seller's world: orders, listings, MCF orders, deals, feeds, reports, refunds, buyer messages.

Plain mutable dataclasses owned by the simulator and guarded by its lock.
Money is ``Decimal``; every amount on an item is a *line total* (Amazon's
convention), per price component. Statuses use Amazon's Orders v0 spelling
(``Unshipped``, ``PartiallyShipped``, ``Canceled``...); the 2026-01-01 views
convert on the way out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "Component",
    "SimBuyerMessage",
    "SimCancellation",
    "SimDeal",
    "SimDestination",
    "SimFeed",
    "SimFeedDocument",
    "SimItem",
    "SimListing",
    "SimMcfOrder",
    "SimNotification",
    "SimOrder",
    "SimOutgoing",
    "SimRefund",
    "SimReport",
    "SimSubscription",
    "World",
]

# The adjustment feed's price component types this simulator tracks per item.
Component = Literal["Principal", "Shipping", "Tax", "ShippingTax", "GiftWrap", "GiftWrapTax", "COD", "Other"]

V0Status = Literal[
    "PendingAvailability",
    "Pending",
    "Unshipped",
    "PartiallyShipped",
    "Shipped",
    "Canceled",
    "Unfulfillable",
    "InvoiceUnconfirmed",
]


@dataclass
class SimItem:
    """One order line."""

    order_item_id: str  # 14 digits
    sku: str
    asin: str
    title: str
    quantity_ordered: int
    quantity_shipped: int = 0
    quantity_cancelled: int = 0
    # What was charged, per component, as line totals in the order's currency.
    charged: dict[str, Decimal] = field(default_factory=dict)
    # What has been refunded so far, per component (positive = refunded to the buyer).
    refunded: dict[str, Decimal] = field(default_factory=dict)
    # Promotions (line totals, positive) taken off a charged component: the buyer paid charged - discount.
    discounts: dict[str, Decimal] = field(default_factory=dict)
    buyer_requested_cancel: bool = False
    buyer_cancel_reason: str | None = None

    @property
    def quantity_unshipped(self) -> int:
        """Units neither shipped nor cancelled."""
        return self.quantity_ordered - self.quantity_shipped - self.quantity_cancelled


@dataclass
class SimOrder:
    """One Amazon order of the simulated seller."""

    order_id: str  # \\d{3}-\\d{7}-\\d{7}
    marketplace_id: str
    purchase_date: datetime
    last_update_date: datetime
    status: V0Status
    fulfillment_channel: Literal["MFN", "AFN"]
    currency: str
    items: list[SimItem]
    latest_ship_date: datetime | None = None
    buyer_requested_at: datetime | None = None
    cancelled_at: datetime | None = None
    # Who executed the cancellation and why (2026-01-01 cancellationExecution).
    cancelled_by: Literal["MERCHANT", "BUYER", "AMAZON"] | None = None
    cancel_reason: str | None = None
    # Set when Amazon auto-cancelled for late shipment (counts against the seller).
    late_ship_auto_cancel: bool = False
    acknowledged: bool = False

    def item(self, order_item_id: str) -> SimItem | None:
        """Return the item with ``order_item_id``."""
        return next((i for i in self.items if i.order_item_id == order_item_id), None)


@dataclass
class SimRefund:
    """One applied adjustment component, as Finances will report it."""

    order_id: str
    order_item_id: str
    component: str  # feed Type, e.g. "Principal"
    amount: Decimal  # positive = refunded to the buyer
    currency: str
    adjustment_item_id: str | None  # MerchantAdjustmentItemID
    feed_id: str
    posted_at: datetime  # when Finances shows it (applied time + posting delay)
    sku: str = ""


@dataclass
class SimCancellation:
    """Units of one order item that Amazon cancelled on the seller's request (a feed, or cancelOrder)."""

    order_id: str
    order_item_id: str
    quantity: int
    source: str  # the feed id, or "orders.cancelOrder"
    at: datetime


@dataclass
class SimDestination:
    """A Notifications API destination of the application (an SQS queue, by ARN)."""

    destination_id: str
    name: str
    sqs_arn: str


@dataclass
class SimSubscription:
    """The seller's subscription to one notification type (Notifications API)."""

    subscription_id: str
    notification_type: str
    payload_version: str
    destination_id: str
    processing_directive: dict[str, Any] | None = None


@dataclass
class SimNotification:
    """One notification Amazon published, and what its delivery did (``DeliveryFaults``).

    ``copies`` were scheduled (0 when ``dropped``); ``delivered`` counts the copies sent to the queue so far.
    """

    notification_id: str
    notification_type: str
    order_id: str
    change_type: str
    published_at: datetime
    body: str  # the JSON message body, exactly as delivered
    queue_arn: str
    copies: int
    dropped: bool = False
    reordered: bool = False
    delivered: int = 0


@dataclass
class SimOutgoing:
    """One copy of a notification waiting for its delivery time."""

    due: datetime
    seq: int
    notification_id: str
    queue_arn: str
    body: str


@dataclass
class SimBuyerMessage:
    """One message the seller sent a buyer through the Messaging API, as Amazon delivered it."""

    order_id: str
    marketplace_id: str
    message_type: str  # the Messaging action, e.g. "unexpectedProblem"
    text: str
    at: datetime


@dataclass
class SimListing:
    """One listing (SKU) in one marketplace."""

    sku: str
    marketplace_id: str
    product_type: str
    asin: str
    item_name: str
    attributes: dict[str, object]  # Amazon attribute JSON, incl. fulfillment_availability
    status: list[str] = field(default_factory=lambda: ["BUYABLE", "DISCOVERABLE"])
    created: datetime | None = None
    last_updated: datetime | None = None
    deleted_at: datetime | None = None  # delete accepted; gone from reads after a short delay
    delete_ignored: bool = False  # Amazon's known case: the delete is accepted but never takes effect
    # Accepted patches not yet in effect: (when it takes effect, the attributes from then on), oldest first.
    pending: list[tuple[datetime, dict[str, object]]] = field(default_factory=list)


@dataclass
class SimMcfOrder:
    """One Multi-Channel Fulfillment order (Fulfillment Outbound)."""

    seller_fulfillment_order_id: str
    marketplace_id: str
    displayable_order_id: str
    received_at: datetime
    status: str  # 2020-07-01 FulfillmentOrderStatus: New, Received, Planning, Processing, Cancelled, ...
    status_updated_at: datetime
    items: list[dict[str, object]] = field(default_factory=list)
    shipping_speed: str = "Standard"
    # Amazon's fulfillment overtakes a cancel: a cancel that arrives while the order is cancellable is answered as
    # a success (200 {} / 202 {}) but the FC already has it: it moves on to this status instead of Cancelled.
    cancel_overtaken_by: str | None = None
    # Moves Amazon makes on its own, due at a time: (when, status), oldest first (Simulator.move_mcf_order).
    scheduled: list[tuple[datetime, str]] = field(default_factory=list)


@dataclass
class SimDeal:
    """One Lightning/Best deal as the Promotions API 2025-12-01 shows it."""

    promotion_id: str
    title: str
    deal_type: str  # LIGHTNING_DEAL | BEST_DEAL
    status: str  # PROCESSING, UPCOMING, RUNNING, EXPIRED, FAILED, CANCELLING, CANCELLED
    marketplace_id: str
    start: datetime
    end: datetime
    skus: list[str] = field(default_factory=list)
    created: datetime | None = None
    updated: datetime | None = None


@dataclass
class SimFeedDocument:
    """An input or result document (upload target / download source)."""

    document_id: str
    content_type: str
    created_at: datetime
    content: bytes | None = None  # None until uploaded
    compression: Literal["GZIP"] | None = None
    # A result document spoiled by fault injection (the report_* fault, e.g. "report_truncated"): its
    # downloads are marked with it for observers, since no schema describes a damaged document.
    damage: str | None = None


@dataclass
class SimFeed:
    """One submitted feed."""

    feed_id: str
    feed_type: str
    marketplace_ids: list[str]
    input_document_id: str
    created_at: datetime
    status: str = "IN_QUEUE"  # IN_QUEUE, IN_PROGRESS, DONE, CANCELLED, FATAL
    started_at: datetime | None = None
    ended_at: datetime | None = None
    result_document_id: str | None = None
    force: Literal["stuck", "fatal"] | None = None  # fault injection
    report_fault: str | None = None  # a report_* fault: what this feed's processing report will be (faults.py)
    # When getFeeds starts listing it (createFeed time + the listing lag); None: at once (feeds built in tests).
    listed_at: datetime | None = None


@dataclass
class SimReport:
    """One requested report."""

    report_id: str
    report_type: str
    marketplace_ids: list[str]
    created_at: datetime
    data_start: datetime | None = None
    data_end: datetime | None = None
    status: str = "IN_QUEUE"
    started_at: datetime | None = None
    ended_at: datetime | None = None
    document_id: str | None = None


@dataclass
class World:
    """Everything the simulated seller has. Keyed by id; guarded by the simulator's lock."""

    seller_id: str
    marketplace_id: str
    orders: dict[str, SimOrder] = field(default_factory=dict)
    listings: dict[tuple[str, str], SimListing] = field(default_factory=dict)  # (sku, marketplace)
    mcf_orders: dict[str, SimMcfOrder] = field(default_factory=dict)
    deals: dict[str, SimDeal] = field(default_factory=dict)
    documents: dict[str, SimFeedDocument] = field(default_factory=dict)
    feeds: dict[str, SimFeed] = field(default_factory=dict)
    reports: dict[str, SimReport] = field(default_factory=dict)
    # Amazon's reporting copy of the unshipped order lines (reports.py): when it was taken, and the rows.
    unshipped_copy: tuple[datetime, list[tuple[str, datetime, list[str]]]] | None = None
    # Its copy of every order's All Orders lines: when taken, and (marketplace, purchased, last updated, lines).
    all_orders_copy: tuple[datetime, list[tuple[str, datetime, datetime, list[str]]]] | None = None
    refunds: list[SimRefund] = field(default_factory=list)
    # Every order adjustment/cancel ever applied, for tests: (feed_id, message_id, order_id, what)
    ledger: list[tuple[str, int, str, str]] = field(default_factory=list)
    # Every unit cancellation Amazon applied on the seller's request, one entry per item and application.
    cancellations: list[SimCancellation] = field(default_factory=list)
    # Order item ids issued or in use (new_item_id keeps ids unique without scanning every order).
    item_ids: set[str] = field(default_factory=set)
    # Every message Amazon delivered to a buyer (Messaging API), oldest first: a duplicate shows up here.
    buyer_messages: list[SimBuyerMessage] = field(default_factory=list)
    # Orders for which Amazon offers no messaging action at all (a test closes them: messaging.py).
    messaging_closed: set[str] = field(default_factory=set)
    # Notifications API (notifications.py): the application's destinations, the seller's subscriptions by type.
    destinations: dict[str, SimDestination] = field(default_factory=dict)
    subscriptions: dict[str, SimSubscription] = field(default_factory=dict)
    # Every notification published (oldest first) and the copies still to deliver (notifications.py).
    notifications: list[SimNotification] = field(default_factory=list)
    outbox: list[SimOutgoing] = field(default_factory=list)
    # Each order's status when ORDER_CHANGE last looked (a change since is published as OrderStatusChange).
    notified_status: dict[str, str] = field(default_factory=dict)

    def cancelled_units(self, order_id: str, order_item_id: str | None = None) -> int:
        """Units Amazon cancelled on the seller's requests for an order (or one of its items), every time summed.

        Counted from ``cancellations`` (what Amazon applied), not from the order's state: a unit cancelled
        twice counts twice, so a duplicate shows up.
        """
        return sum(
            c.quantity
            for c in self.cancellations
            if c.order_id == order_id and (order_item_id is None or c.order_item_id == order_item_id)
        )

    def refunded(self, order_id: str, order_item_id: str | None = None) -> dict[str, Decimal]:
        """What Amazon refunded on an order (or one item), per component type: ``{"Principal": Decimal(...)}``.

        Summed over ``refunds`` (every applied adjustment component, whole-order refunds included); promotion
        adjustments appear as ``Promotion<Type>``. A refund applied twice counts twice.
        """
        totals: dict[str, Decimal] = {}
        for refund in self.refunds:
            if refund.order_id == order_id and (order_item_id is None or refund.order_item_id == order_item_id):
                totals[refund.component] = totals.get(refund.component, Decimal(0)) + refund.amount
        return totals
