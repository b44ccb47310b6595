"""Typed results of the workflows, exported from ``sp_cancel``.

Every outcome is an attrs frozen value with a readable ``repr``; every ``status``
is a ``str`` enum (``str(status)`` is its value, and it compares equal to it).
A batch ([BatchOutcome][sp_cancel.BatchOutcome]) is a read-only mapping of one
outcome per key; it also renders as an HTML table in notebooks and turns into
plain records for DataFrames.
"""

from __future__ import annotations

import enum
import html
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final, Literal, Protocol, TypeVar

import attrs

from sp_cancel.errors import SpCancelError
from sp_cancel.models import CancelReason, ItemCancel, Money, PriceComponent

__all__ = [
    "LATE_SHIPMENT_AFTER_SHIP_BY",
    "UNPAID_WITHIN",
    "AmazonCancelKind",
    "BatchOutcome",
    "BuyerCancelRequest",
    "BuyerMessage",
    "BuyerMessageStatus",
    "CancelOutcome",
    "CancelStatus",
    "Deal",
    "DealStatus",
    "FbaCancelOutcome",
    "FbaCancelStatus",
    "FeedState",
    "FeedStatus",
    "ListingIssue",
    "ListingOutcome",
    "ListingStatus",
    "PostingStatus",
    "ProcessingMessage",
    "ProgressCallback",
    "RefundOutcome",
    "RefundStatus",
    "RefundVerification",
    "SystemCancellation",
    "classify_amazon_cancel",
]

Severity = Literal["ERROR", "WARNING", "INFO"]


class FeedStatus(enum.StrEnum):
    """A feed's ``processingStatus`` (Feeds API 2021-06-30)."""

    IN_QUEUE = "IN_QUEUE"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    CANCELLED = "CANCELLED"
    FATAL = "FATAL"


@attrs.frozen(kw_only=True)
class FeedState:
    """What ``getFeed`` said about one feed: the event a [ProgressCallback][sp_cancel.ProgressCallback] receives.

    Attributes:
        feed_id: Amazon's feed id.
        feed_type: e.g. ``POST_ORDER_ACKNOWLEDGEMENT_DATA``.
        status: the feed's processing status.
        created_at: when Amazon created the feed.
        result_document_id: the processing report's document id, once the feed is done.
        processing_end_time: when Amazon finished processing it (``processingEndTime``), once known.
    """

    feed_id: str
    feed_type: str
    status: FeedStatus = attrs.field(converter=FeedStatus)
    created_at: datetime | None = None
    result_document_id: str | None = None
    processing_end_time: datetime | None = None

    @property
    def finished(self) -> bool:
        """True once the feed is DONE, CANCELLED or FATAL."""
        return self.status in {FeedStatus.DONE, FeedStatus.CANCELLED, FeedStatus.FATAL}


class ProgressCallback(Protocol):
    """The ``progress=`` argument of the workflows that wait for a feed.

    Called after each ``getFeed`` poll with the feed's [FeedState][sp_cancel.FeedState] and the seconds
    waited so far. Any function ``(state, waited) -> None`` fits:

    ```python
    def show(state: FeedState, waited: float) -> None:
        print(f"feed {state.feed_id}: {state.status} after {waited:.0f} s")

    client.cancel_order(order_id, CancelReason.NO_INVENTORY, progress=show)
    ```
    """

    def __call__(self, state: FeedState, waited: float, /) -> None:
        """Receive one poll's state and the seconds waited."""


@attrs.frozen(kw_only=True)
class ProcessingMessage:
    """One result Amazon reported for a submission (a ProcessingReport ``Result`` or a listings issue)."""

    code: str
    severity: Severity
    description: str
    message_id: int | None = None
    order_id: str | None = None
    order_item_id: str | None = None
    sku: str | None = None


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
    error: SpCancelError | None = attrs.field(default=None, eq=False)
    buyer_message: BuyerMessage | None = None

    @property
    def ok(self) -> bool:
        """True when the order (or the asked units) ended cancelled."""
        return self.status in {CancelStatus.CANCELLED, CancelStatus.PARTIALLY_CANCELLED}


class RefundStatus(enum.StrEnum):
    """What happened to a refund.

    ``APPLIED``/``PARTIALLY_APPLIED``: Amazon's processing report or its Finances API shows it. ``REJECTED``:
    Amazon refused it. ``SUBMITTED``: Amazon has the feed and is processing it. ``UNCONFIRMED``: possibly sent,
    Amazon has not shown it yet (the answer to ``createFeed`` was lost, or its report says nothing): not done,
    not failed; ``verify_refund``/``refresh``/``resume()`` keep looking, and it is **never** sent again on its
    own. ``NOT_SENT``: Amazon shows no sign of it after the seller's horizon (``unconfirmed_horizon``), an
    operator declared it not sent (``declare_not_sent``), or ``createFeed`` was refused outright: calling
    ``partial_refund`` again sends it.
    """

    APPLIED = "APPLIED"
    PARTIALLY_APPLIED = "PARTIALLY_APPLIED"
    REJECTED = "REJECTED"
    SUBMITTED = "SUBMITTED"
    UNCONFIRMED = "UNCONFIRMED"
    NOT_SENT = "NOT_SENT"


@attrs.frozen(kw_only=True)
class RefundOutcome:
    """The outcome of one partial refund (one idempotency key).

    Attributes:
        amounts: what was asked, per order item and component.
        item_status: Amazon's verdict per order item (APPLIED or REJECTED).
    """

    order_id: str
    status: RefundStatus = attrs.field(converter=RefundStatus)
    idempotency_key: str
    amounts: Mapping[str, Mapping[PriceComponent, Money]] = attrs.field(hash=False)
    feed_id: str | None = None
    messages: tuple[ProcessingMessage, ...] = ()
    item_status: Mapping[str, RefundStatus] = attrs.field(factory=dict, hash=False)
    submission_id: str | None = None
    detail: str | None = None

    @property
    def ok(self) -> bool:
        """True when Amazon applied the whole refund."""
        return self.status is RefundStatus.APPLIED


class PostingStatus(enum.StrEnum):
    """Whether Amazon's Finances API shows a refund yet."""

    POSTED = "POSTED"
    NOT_YET_POSTED = "NOT_YET_POSTED"
    PARTIALLY_POSTED = "PARTIALLY_POSTED"


@attrs.frozen(kw_only=True)
class RefundVerification:
    """Whether Amazon's Finances API shows a refund yet (it posts with up to 48 h delay).

    Attributes:
        status: ``POSTED`` (all amounts seen), ``NOT_YET_POSTED`` (none seen; not a failure),
            ``PARTIALLY_POSTED`` (some seen).
        posted: the refund amounts seen per order item and component (positive = to the buyer).
    """

    order_id: str
    idempotency_key: str
    status: PostingStatus = attrs.field(converter=PostingStatus)
    posted: Mapping[str, Mapping[PriceComponent, Money]] = attrs.field(hash=False)
    expected: Mapping[str, Mapping[PriceComponent, Money]] = attrs.field(hash=False)
    message: str = ""

    @property
    def is_posted(self) -> bool:
        """True when everything asked is visible in Finances."""
        return self.status is PostingStatus.POSTED


class ListingStatus(enum.StrEnum):
    """What happened to a listing (``REFUSED``: refused before sending)."""

    ACCEPTED = "ACCEPTED"
    INVALID = "INVALID"
    SUBMITTED = "SUBMITTED"
    DELETED = "DELETED"
    DELETE_PENDING = "DELETE_PENDING"
    REFUSED = "REFUSED"


@attrs.frozen(kw_only=True)
class ListingIssue:
    """One issue Amazon reported for a listing."""

    code: str
    message: str
    severity: Severity
    attribute_names: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class ListingOutcome:
    """The outcome of closing or deleting one listing.

    Attributes:
        sku: the seller SKU.
        status: ACCEPTED / INVALID / SUBMITTED / DELETED / DELETE_PENDING / REFUSED (in a batch: refused
            before sending; ``error`` says why).
        submission_id: the journal key of this submission; ``client.wait``/``refresh`` use it.
        issues: Amazon's issues for this SKU.
        feed_id: the ``JSON_LISTINGS_FEED`` id, for bulk closes.
        detail: a human sentence about what was observed.
        error: for ``REFUSED``, the typed error that refused it; ``None`` otherwise.
    """

    sku: str
    status: ListingStatus = attrs.field(converter=ListingStatus)
    submission_id: str | None = None
    issues: tuple[ListingIssue, ...] = ()
    feed_id: str | None = None
    detail: str | None = None
    error: SpCancelError | None = attrs.field(default=None, eq=False)

    @property
    def messages(self) -> tuple[ProcessingMessage, ...]:
        """The issues as ``ProcessingMessage`` values (uniform with other outcomes)."""
        return tuple(
            ProcessingMessage(code=i.code, severity=i.severity, description=i.message, sku=self.sku)
            for i in self.issues
        )

    @property
    def ok(self) -> bool:
        """True when Amazon accepted the change (or the listing is gone)."""
        return self.status in {ListingStatus.ACCEPTED, ListingStatus.DELETED}


class FbaCancelStatus(enum.StrEnum):
    """What happened to a Multi-Channel Fulfillment cancel."""

    CANCELLED = "CANCELLED"
    CANCEL_REQUESTED = "CANCEL_REQUESTED"


@attrs.frozen(kw_only=True)
class FbaCancelOutcome:
    """The outcome of cancelling a Multi-Channel Fulfillment order.

    Attributes:
        status: ``CANCELLED`` (read back as cancelled) or ``CANCEL_REQUESTED`` (accepted, not yet visible).
        observed_status: the MCF status read before cancelling.
    """

    order_id: str
    status: FbaCancelStatus = attrs.field(converter=FbaCancelStatus)
    api: Literal["2020-07-01", "2026-07-04"] = "2020-07-01"
    observed_status: str | None = None

    @property
    def ok(self) -> bool:
        """Always True: failures raise."""
        return True


@attrs.frozen(kw_only=True)
class BuyerCancelRequest:
    """A cancellation the buyer requested through Amazon (does not count against the seller if accepted)."""

    order_id: str
    order_item_ids: tuple[str, ...]
    reason_text: str | None
    requested_at: datetime | None
    marketplace_id: str


class AmazonCancelKind(enum.StrEnum):
    """Why Amazon cancelled an order itself (see ``classify_amazon_cancel``).

    - ``UNPAID``: the payment never completed (unpaid, pending payment, a payment or fraud check): the order
      was never released to the seller and does not count against the cancellation rate [3P cedcommerce, ecer];
    - ``LATE_SHIPMENT``: Amazon's auto-cancel of an order still unshipped 7 business days after its ship-by date;
      sellers report that these count against the rate ("counted as defects to your Cancellation Rate", Seller
      Central forums thread t/694871, 2020; SC help G201722390 "seven days have passed since the expected
      shipping availability date"); Amazon's help pages do not say it outright, so the calculator's rule is a
      switch (``late_shipment_counts``);
    - ``OTHER``: anything else; ``SystemCancellation.reason_text`` keeps Amazon's own words.
    """

    UNPAID = "UNPAID"
    LATE_SHIPMENT = "LATE_SHIPMENT"
    OTHER = "OTHER"


#: Amazon auto-cancels an order still unshipped 7 *business* days after its ship-by date; 7 calendar days is the
#: earliest that can be (so an Amazon cancel that late is taken as the late-shipment one).
LATE_SHIPMENT_AFTER_SHIP_BY: Final = timedelta(days=7)
#: An Amazon cancel this soon after purchase is a payment cancel of an order that never left Pending (24-48 h
#: [3P]); a late-shipment auto-cancel comes 9+ calendar days after purchase. The line leaves room on both sides.
UNPAID_WITHIN: Final = timedelta(days=5)
_UNPAID_WORDS: Final = re.compile(r"payment|unpaid|not paid|pending|authori[sz]|fraud|declined", re.IGNORECASE)
_LATE_WORDS: Final = re.compile(r"not shipped|unshipped|ship[- ]?by|late|not confirmed", re.IGNORECASE)


def classify_amazon_cancel(
    *,
    reason_text: str | None,
    purchased_at: datetime | None,
    cancelled_at: datetime | None,
    ship_by: datetime | None,
) -> AmazonCancelKind:
    """Say why Amazon cancelled an order: its words first, then the timing.

    1. Amazon's text naming a payment (payment, unpaid, pending, authorisation, fraud, declined): ``UNPAID``;
       naming a late shipment (not shipped, unshipped, ship-by, late, not confirmed): ``LATE_SHIPMENT``.
    2. Cancelled ``LATE_SHIPMENT_AFTER_SHIP_BY`` or more after the ship-by date: ``LATE_SHIPMENT``.
    3. Cancelled within ``UNPAID_WITHIN`` of the purchase: ``UNPAID``.
    4. Otherwise ``OTHER`` when the ship-by date is known (too early for the auto-cancel), and ``LATE_SHIPMENT``
       when it is not or the cancellation time is unknown: the reading that counts, so a rate errs high, never low.
    """
    if reason_text:
        if _UNPAID_WORDS.search(reason_text):
            return AmazonCancelKind.UNPAID
        if _LATE_WORDS.search(reason_text):
            return AmazonCancelKind.LATE_SHIPMENT
    if cancelled_at is None:
        return AmazonCancelKind.LATE_SHIPMENT
    if ship_by is not None and cancelled_at - ship_by >= LATE_SHIPMENT_AFTER_SHIP_BY:
        return AmazonCancelKind.LATE_SHIPMENT
    if purchased_at is not None and cancelled_at - purchased_at < UNPAID_WITHIN:
        return AmazonCancelKind.UNPAID
    return AmazonCancelKind.OTHER if ship_by is not None else AmazonCancelKind.LATE_SHIPMENT


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


class DealStatus(enum.StrEnum):
    """A deal's status (Promotions API 2025-12-01 ``PromotionSummary.status``)."""

    PROCESSING = "PROCESSING"
    UPCOMING = "UPCOMING"
    RUNNING = "RUNNING"
    EXPIRED = "EXPIRED"
    FAILED = "FAILED"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"


@attrs.frozen(kw_only=True)
class Deal:
    """A Lightning or Best deal, read from the (read-only) Promotions API."""

    deal_id: str
    type: str
    status: DealStatus = attrs.field(converter=DealStatus)
    start: datetime | None
    end: datetime | None
    title: str | None = None
    marketplace_id: str | None = None


_O = TypeVar("_O", CancelOutcome, ListingOutcome)

_DONE: Final = frozenset(
    {CancelStatus.CANCELLED, CancelStatus.PARTIALLY_CANCELLED, ListingStatus.ACCEPTED, ListingStatus.DELETED}
)


@attrs.frozen(kw_only=True, repr=False)
class BatchOutcome(Mapping[str, _O]):
    """One outcome per key (order id or SKU), in submission order: a read-only ``Mapping[str, Outcome]``.

    ``len``, iteration, ``in``, ``keys()``, ``values()`` and ``items()`` all agree: every key asked for has
    exactly one outcome. A key refused before sending (bad input, not cancellable, unknown) has status
    ``REFUSED`` and carries the typed error in ``outcome.error``; nothing was sent for it.

    Example:
        ```python
        batch = client.cancel_orders(requests)
        for order_id, outcome in batch.items():
            print(order_id, outcome.status)
        batch.failed      # every outcome not done: refused, rejected, still submitted
        ```
    """

    outcomes: Mapping[str, _O] = attrs.field(hash=False)
    feed_ids: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> _O:
        """The outcome for ``key`` (``KeyError`` when it was not in the batch)."""
        return self.outcomes[key]

    def __iter__(self) -> Iterator[str]:
        """The keys, in submission order."""
        return iter(self.outcomes)

    def __len__(self) -> int:
        """How many keys (orders or SKUs) the batch had."""
        return len(self.outcomes)

    @property
    def succeeded(self) -> list[_O]:
        """Outcomes that ended as asked (cancelled, partially cancelled, accepted, deleted)."""
        return [o for o in self.outcomes.values() if o.status in _DONE]

    @property
    def failed(self) -> list[_O]:
        """Every outcome not done: refused before sending, rejected by Amazon, or not finished (submitted)."""
        return [o for o in self.outcomes.values() if o.status not in _DONE]

    @property
    def refused(self) -> list[_O]:
        """Outcomes refused before sending (status ``REFUSED``; each carries its ``error``)."""
        return [o for o in self.outcomes.values() if o.error is not None]

    @property
    def counts(self) -> Mapping[str, int]:
        """How many outcomes per status value, in the order the statuses first appear."""
        counts: dict[str, int] = {}
        for outcome in self.outcomes.values():
            counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
        return counts

    @property
    def errors(self) -> Mapping[str, Exception]:
        """Deprecated: the refusals are outcomes now (status ``REFUSED``, ``outcome.error``); see ``refused``."""
        warnings.warn(
            "BatchOutcome.errors is deprecated: refusals are outcomes with status REFUSED and an .error; "
            "use batch.refused or {k: o.error for k, o in batch.items() if o.error}",
            DeprecationWarning,
            stacklevel=2,
        )
        return {k: o.error for k, o in self.outcomes.items() if o.error is not None}

    def to_records(self) -> list[dict[str, object]]:
        """Plain dicts, one per key, for ``pandas.DataFrame(batch.to_records())``.

        A cancel that told its buyer why also has ``buyer_message``: that message's status.
        """
        records: list[dict[str, object]] = []
        for key, outcome in self.outcomes.items():
            if outcome.error is not None:
                messages = f"{type(outcome.error).__name__}: {outcome.error}"
            else:
                messages = "; ".join(f"{m.code}: {m.description}" for m in outcome.messages)
            record: dict[str, object] = {
                "key": key,
                "status": outcome.status.value,
                "feed_id": outcome.feed_id,
                "messages": messages,
            }
            told = getattr(outcome, "buyer_message", None)
            if told is not None:
                record["buyer_message"] = told.status.value
            records.append(record)
        return records

    def __repr__(self) -> str:
        """``9 orders: 8 cancelled, 1 refused``."""
        listings = any(isinstance(o, ListingOutcome) for o in self.outcomes.values())
        noun = "listing" if listings else "order"
        plural = "" if len(self) == 1 else "s"
        counts = ", ".join(f"{n} {status.lower().replace('_', ' ')}" for status, n in self.counts.items())
        return f"{len(self)} {noun}{plural}" + (f": {counts}" if counts else "")

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(r[c] or ''))}</td>" for c in _COLUMNS) + "</tr>"
            for r in self.to_records()
        )
        head = "".join(f"<th>{c}</th>" for c in _COLUMNS)
        return f"<table><caption>{html.escape(repr(self))}</caption><tr>{head}</tr>{rows}</table>"


_COLUMNS: Sequence[str] = ("key", "status", "feed_id", "messages")
