"""Typed results of the workflows, exported from :mod:`sp_cancel`.

Every outcome is an attrs frozen value with a readable ``repr``; collections of
them (:class:`BatchOutcome`) also render as an HTML table in notebooks and turn
into plain records for DataFrames.
"""

from __future__ import annotations

import enum
import html
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Generic, Literal, TypeVar

import attrs

from sp_cancel.models import CancelReason, ItemCancel, Money, PriceComponent

__all__ = [
    "BatchOutcome",
    "BuyerCancelRequest",
    "CancelOutcome",
    "CancelStatus",
    "Deal",
    "FbaCancelOutcome",
    "ListingIssue",
    "ListingOutcome",
    "ListingStatus",
    "ProcessingMessage",
    "RefundOutcome",
    "RefundStatus",
    "RefundVerification",
    "SystemCancellation",
]

Severity = Literal["ERROR", "WARNING", "INFO"]


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


class CancelStatus(enum.Enum):
    """What happened to a cancellation, as Amazon reported it."""

    CANCELLED = "CANCELLED"
    PARTIALLY_CANCELLED = "PARTIALLY_CANCELLED"
    REJECTED = "REJECTED"
    SUBMITTED = "SUBMITTED"


@attrs.frozen(kw_only=True)
class CancelOutcome:
    """The outcome of cancelling one order (whole, or some units with ``items``).

    Attributes:
        order_id: the Amazon order id.
        status: CANCELLED / PARTIALLY_CANCELLED (item-level) / REJECTED / SUBMITTED (not finished yet).
        reason: the cancel reason sent.
        feed_id: Amazon's feed id (``None`` for ``via="orders_api"`` or before submission).
        submission_id: the journal key of this submission; ``client.wait``/``refresh`` use it.
        messages: Amazon's results for this order (errors and warnings).
        items: the item-level cancels sent, or ``None`` for a whole order.
        via: ``"feed"`` or ``"orders_api"``.
        detail: a human sentence about what was observed (e.g. after a FATAL feed).
    """

    order_id: str
    status: CancelStatus
    reason: CancelReason
    feed_id: str | None = None
    submission_id: str | None = None
    messages: tuple[ProcessingMessage, ...] = ()
    items: tuple[ItemCancel, ...] | None = None
    via: Literal["feed", "orders_api"] = "feed"
    detail: str | None = None

    @property
    def ok(self) -> bool:
        """True when the order (or the asked units) ended cancelled."""
        return self.status in {CancelStatus.CANCELLED, CancelStatus.PARTIALLY_CANCELLED}


class RefundStatus(enum.Enum):
    """What happened to a refund."""

    APPLIED = "APPLIED"
    PARTIALLY_APPLIED = "PARTIALLY_APPLIED"
    REJECTED = "REJECTED"
    SUBMITTED = "SUBMITTED"


@attrs.frozen(kw_only=True)
class RefundOutcome:
    """The outcome of one partial refund (one idempotency key).

    Attributes:
        amounts: what was asked, per order item and component.
        item_status: Amazon's verdict per order item (APPLIED or REJECTED).
    """

    order_id: str
    status: RefundStatus
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
    status: Literal["POSTED", "NOT_YET_POSTED", "PARTIALLY_POSTED"]
    posted: Mapping[str, Mapping[PriceComponent, Money]] = attrs.field(hash=False)
    expected: Mapping[str, Mapping[PriceComponent, Money]] = attrs.field(hash=False)
    message: str = ""

    @property
    def is_posted(self) -> bool:
        """True when everything asked is visible in Finances."""
        return self.status == "POSTED"


class ListingStatus(enum.Enum):
    """What happened to a listing."""

    ACCEPTED = "ACCEPTED"
    INVALID = "INVALID"
    SUBMITTED = "SUBMITTED"
    DELETED = "DELETED"
    DELETE_PENDING = "DELETE_PENDING"


@attrs.frozen(kw_only=True)
class ListingIssue:
    """One issue Amazon reported for a listing."""

    code: str
    message: str
    severity: Severity
    attribute_names: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class ListingOutcome:
    """The outcome of closing or deleting one listing."""

    sku: str
    status: ListingStatus
    submission_id: str | None = None
    issues: tuple[ListingIssue, ...] = ()
    feed_id: str | None = None
    detail: str | None = None

    @property
    def messages(self) -> tuple[ProcessingMessage, ...]:
        """The issues as :class:`ProcessingMessage` values (uniform with other outcomes)."""
        return tuple(
            ProcessingMessage(code=i.code, severity=i.severity, description=i.message, sku=self.sku)
            for i in self.issues
        )

    @property
    def ok(self) -> bool:
        """True when Amazon accepted the change (or the listing is gone)."""
        return self.status in {ListingStatus.ACCEPTED, ListingStatus.DELETED}


@attrs.frozen(kw_only=True)
class FbaCancelOutcome:
    """The outcome of cancelling a Multi-Channel Fulfillment order.

    Attributes:
        status: ``CANCELLED`` (read back as cancelled) or ``CANCEL_REQUESTED`` (accepted, not yet visible).
        observed_status: the MCF status read before cancelling.
    """

    order_id: str
    status: Literal["CANCELLED", "CANCEL_REQUESTED"]
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


@attrs.frozen(kw_only=True)
class SystemCancellation:
    """An order Amazon cancelled itself (``cancelledBy == "AMAZON"``), with Amazon's reason text."""

    order_id: str
    cancelled_at: datetime | None
    reason_text: str | None
    marketplace_id: str | None = None


@attrs.frozen(kw_only=True)
class Deal:
    """A Lightning or Best deal, read from the (read-only) Promotions API."""

    deal_id: str
    type: str
    status: str
    start: datetime | None
    end: datetime | None
    title: str | None = None
    marketplace_id: str | None = None


_O = TypeVar("_O", CancelOutcome, RefundOutcome, ListingOutcome)


@attrs.frozen(kw_only=True)
class BatchOutcome(Generic[_O]):
    """One outcome per key (order id or SKU), in submission order.

    Iterating yields the outcomes; ``batch[key]`` looks one up; ``failed`` and
    ``succeeded`` split them; ``errors`` holds pre-flight refusals (never sent).
    """

    outcomes: Mapping[str, _O] = attrs.field(hash=False)
    errors: Mapping[str, Exception] = attrs.field(factory=dict, hash=False)
    feed_ids: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[_O]:
        return iter(self.outcomes.values())

    def __len__(self) -> int:
        return len(self.outcomes) + len(self.errors)

    def __getitem__(self, key: str) -> _O:
        return self.outcomes[key]

    @property
    def succeeded(self) -> list[_O]:
        """Outcomes that ended as asked."""
        return [o for o in self.outcomes.values() if o.ok]

    @property
    def failed(self) -> list[_O]:
        """Outcomes Amazon rejected or that are not finished (pre-flight refusals are in ``errors``)."""
        return [o for o in self.outcomes.values() if not o.ok]

    @property
    def counts(self) -> Mapping[str, int]:
        """How many outcomes per status, plus ``PREFLIGHT_REFUSED`` for ``errors``."""
        counts: dict[str, int] = {}
        for outcome in self.outcomes.values():
            counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
        if self.errors:
            counts["PREFLIGHT_REFUSED"] = len(self.errors)
        return counts

    def to_records(self) -> list[dict[str, object]]:
        """Plain dicts, one per key, for ``pandas.DataFrame(batch.to_records())``."""
        records: list[dict[str, object]] = []
        for key, outcome in self.outcomes.items():
            record: dict[str, object] = {"key": key, "status": outcome.status.value}
            record["feed_id"] = outcome.feed_id
            record["messages"] = "; ".join(f"{m.code}: {m.description}" for m in outcome.messages)
            records.append(record)
        records.extend(
            {"key": key, "status": "PREFLIGHT_REFUSED", "feed_id": None, "messages": str(error)}
            for key, error in self.errors.items()
        )
        return records

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
        return f"BatchOutcome({len(self)} keys: {counts})"

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(r[c] or ''))}</td>" for c in _COLUMNS) + "</tr>"
            for r in self.to_records()
        )
        head = "".join(f"<th>{c}</th>" for c in _COLUMNS)
        return f"<table><caption>{html.escape(repr(self))}</caption><tr>{head}</tr>{rows}</table>"


_COLUMNS: Sequence[str] = ("key", "status", "feed_id", "messages")
