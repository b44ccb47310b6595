"""Feed cancels on their way out: journal kinds and payloads, the pre-flight check, documents and submission.

Shared by the single-order call and batches (re-exported by ``sp_cancel._cancellation.cancel``) and by
finishing and recovery (``sp_cancel._cancellation.finish``).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import attrs

import sp_cancel._events as events
from sp_cancel._cancellation.outcomes import CancelOutcome, CancelStatus, cancel_from_json, cancel_to_json
from sp_cancel._cancellation.payload import CancelPayload
from sp_cancel._cancellation.reads import changed_since
from sp_cancel._runtime.claims import base_key, nothing_sent, release_plan, stale_claim
from sp_cancel._runtime.claims import live_key as attempt_key
from sp_cancel.clock import human_duration
from sp_cancel.errors import IdempotencyConflictError, NotCancellableError, SpCancelError
from sp_cancel.feeds import chunk_messages
from sp_cancel.feeds._common import FEED_TYPE_ORDER_ACKNOWLEDGEMENT, FEED_TYPE_PAYMENT_ADJUSTMENT, XML_CONTENT_TYPE
from sp_cancel.feeds.acknowledgement import AckItem, AckMessage, build_acknowledgement_feed
from sp_cancel.feeds.adjustment import AdjustedItem, AdjustmentMessage, build_adjustment_feed
from sp_cancel.logging import get_logger
from sp_cancel.models import CancelReason, CancelRequest
from sp_cancel.orders import Order, check_item_cancel, check_whole_cancel

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context
    from sp_cancel.journal import Entry

__all__ = [
    "CANCEL_KINDS",
    "CLAIM_WAIT",
    "KIND_ITEMS",
    "KIND_ORDERS_API",
    "KIND_WHOLE",
    "Planned",
    "check",
    "check_conflict",
    "claim",
    "kind_of",
    "live_key",
    "not_sent_outcome",
    "planned_of",
    "previous_outcome",
    "request_of",
    "require_buyer_request",
    "submission_key",
    "submit",
    "submit_or_settle",
    "submitted_outcome",
    "unconfirmed_outcome",
]

KIND_WHOLE: Final = "cancel"
KIND_ITEMS: Final = "item_cancel"
KIND_ORDERS_API: Final = "orders_api_cancel"
CANCEL_KINDS: Final = (KIND_WHOLE, KIND_ITEMS, KIND_ORDERS_API)
# Orders checked longer ago than this before their createFeed can go out (createFeed's usage plan lets one
# call through every two minutes once its burst is spent) are checked again right before it.
RECHECK_AFTER: Final = timedelta(seconds=30)
# How far before the first read a re-check's ``searchOrders`` window starts: our clock against Amazon's, and
# an update Amazon's order index shows a little late (the same margin as ``finish``'s ship check).
RECHECK_MARGIN: Final = timedelta(minutes=5)
NO_REQUEST_HINT: Final = (
    "Cancelling with BuyerCanceled without a buyer request through Amazon still counts against your "
    "cancellation rate; cancel with the real reason (e.g. NO_INVENTORY) through cancel_order() instead."
)
_log = get_logger()


@attrs.frozen(kw_only=True)
class Planned:
    """A request that passed pre-flight and is planned in the journal by this caller."""

    key: str
    payload: CancelPayload
    owner: str | None = None  # the lease token this caller holds on the plan
    # When it was planned (issue 20): ``_recheck`` reads it here instead of reading the entry back. ``None``:
    # unknown, ``_recheck`` reads the entry's ``created_at``.
    planned_at: datetime | None = None
    # When the reads its check rests on began (our clock; issue 18 item 4): a re-check reads again only the
    # orders updated since (``reads.changed_since``). ``None``: unknown, a re-check reads each order again.
    read_at: datetime | None = None

    @property
    def request(self) -> CancelRequest:
        """The cancel asked for."""
        return self.payload.request

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Every item of the order (a whole-order acknowledgement lists them all)."""
        return self.payload.order_items

    @property
    def marketplace_id(self) -> str:
        """The order's marketplace."""
        return self.payload.marketplace_id

    @property
    def buyer_request(self) -> bool:
        """Accepting a buyer's request: the order must still show it when sent."""
        return self.payload.buyer_request


def planned_of(entry: Entry) -> Planned:
    """Rebuild a ``Planned`` from its journal entry (leased to the entry's owner)."""
    return Planned(key=entry.key, payload=CancelPayload.of_entry(entry), owner=entry.owner, planned_at=entry.created_at)


def request_of(entry: Entry) -> CancelRequest:
    """The request a journaled cancel carries."""
    return CancelPayload.of_entry(entry).request


def submitted_outcome(entry: Entry, *, detail: str | None = None) -> CancelOutcome:
    """A ``SUBMITTED`` outcome for a journaled, unfinished cancel."""
    request = request_of(entry)
    return CancelOutcome(
        order_id=request.order_id,
        status=CancelStatus.SUBMITTED,
        reason=request.reason,
        feed_id=entry.feed_id,
        submission_id=entry.key,
        items=request.items,
        via="orders_api" if entry.kind == KIND_ORDERS_API else "feed",
        detail=detail,
    )


def unconfirmed_outcome(ctx: Context, entry: Entry, why: str) -> CancelOutcome:
    """A unit cancel that may have been sent and that Amazon has not shown yet (not journaled)."""
    _log.info(events.SUBMISSION_UNCONFIRMED, key=entry.key, order_id=entry.target, why=why)
    return attrs.evolve(
        submitted_outcome(entry),
        status=CancelStatus.UNCONFIRMED,
        detail=(
            f"{why}. It is never sent again on its own: client.refresh(outcome) and resume() keep looking (feed "
            f"search, processing report, the order's cancelled units); if Amazon shows nothing for "
            f"{human_duration(ctx.horizon)} after it was sent, it becomes NOT_SENT and asking again sends it. "
            "If Seller Central shows the units not cancelled, client.declare_not_sent(outcome, by=...) settles it now."
        ),
    )


def not_sent_outcome(ctx: Context, entry: Entry, detail: str) -> CancelOutcome:
    """Journal a cancel as not sent (``failed``): Amazon shows no sign of it, and asking again sends it."""
    _log.warning(events.SUBMISSION_NOT_SENT, key=entry.key, order_id=entry.target, detail=detail)
    outcome = attrs.evolve(submitted_outcome(entry), status=CancelStatus.NOT_SENT, detail=detail)
    ctx.journal.mark_done(entry.key, state="failed", outcome=cancel_to_json(outcome))
    return outcome


def require_buyer_request(order: Order) -> None:
    """Refuse an order the buyer did not ask (through Amazon) to cancel in full."""
    if not order.buyer_requested_cancel:
        raise NotCancellableError(
            f"order {order.order_id} has no buyer cancellation request.",
            target_id=order.order_id,
            state="NO_BUYER_REQUEST",
            hint=NO_REQUEST_HINT,
        )
    partial = [i.order_item_id for i in order.items if i.quantity_unshipped and not i.buyer_requested_cancel]
    if partial:
        raise NotCancellableError(
            f"order {order.order_id}: the buyer asked to cancel some items only, not {', '.join(partial)}.",
            target_id=order.order_id,
            state="PARTIAL_BUYER_REQUEST",
            hint="Cancel the requested items with cancel_order(order_id, BUYER_CANCELED, items=[ItemCancel(...)]).",
        )


def check(order: Order, request: CancelRequest, *, buyer_request: bool = False) -> None:
    """The pre-flight check of one request (raises NotCancellableError / InvalidInputError).

    Every send passes it, the first and any resend: the order's state, and with ``buyer_request`` (an
    accepted buyer request, sent as ``BuyerCanceled``) that the buyer's request is still there.
    """
    if request.items is None:
        check_whole_cancel(order)
    else:
        check_item_cancel(order, request.items)
    if buyer_request and request.reason is CancelReason.BUYER_CANCELED:
        require_buyer_request(order)


# --- documents and submission --------------------------------------------------------------------------


def _ack_message(message_id: int, planned: Planned) -> AckMessage:
    reason = planned.request.reason
    return AckMessage(
        message_id=message_id,
        order_id=planned.request.order_id,
        status="Failure",
        items=tuple(AckItem(order_item_id=i, reason=reason) for i in planned.item_ids),
    )


def _adjustment_message(message_id: int, planned: Planned) -> AdjustmentMessage:
    reason = planned.request.reason.adjustment_reason
    items = planned.request.items or ()
    return AdjustmentMessage(
        message_id=message_id,
        order_id=planned.request.order_id,
        items=tuple(
            AdjustedItem(order_item_id=i.order_item_id, reason=reason, quantity_cancelled=i.quantity) for i in items
        ),
    )


_BUILDERS: Final[dict[str, tuple[Callable[[int, Planned], Any], Callable[..., bytes]]]] = {
    FEED_TYPE_ORDER_ACKNOWLEDGEMENT: (_ack_message, build_acknowledgement_feed),
    FEED_TYPE_PAYMENT_ADJUSTMENT: (_adjustment_message, build_adjustment_feed),
}


class _Changed(Exception):  # noqa: N818 - control flow inside submit(), never leaves this module
    """Orders of a document changed since they were checked: they are not sent."""

    def __init__(self, refused: Mapping[str, SpCancelError]) -> None:
        super().__init__(", ".join(refused))
        self.refused = refused


def _recheck(ctx: Context, group: Sequence[Planned]) -> None:
    """Check the group's orders again right before ``createFeed`` when they were checked a while ago.

    An acknowledgement ``Failure`` for an order that shipped meanwhile makes Amazon refund the whole
    order, so an order that changed is dropped from the document (:class:`_Changed`).

    Only what changed since the first read is read again (issue 18 item 4): an order not updated since reads
    as it did when it passed its check. ``reads.changed_since`` reads the group's orders updated after the
    first read began, less :data:`RECHECK_MARGIN`: ``getOrder`` per order up to 89 orders, else one
    ``searchOrders`` (``lastUpdatedAfter``), never a second Unshipped Orders report for a large batch. A
    group whose first read time is not known reads each order with ``getOrder``. What is refused is what a
    full re-read refused: an order Amazon no longer knows, and one the check now refuses.
    """
    now = ctx.clock.now()
    # Issue 20: the plan time each Planned carries, and a journal read only where it carries none.
    planned_at = [p.planned_at for p in group if p.planned_at is not None] + [
        e.created_at for p in group if p.planned_at is None and (e := ctx.journal.get(p.key)) is not None
    ]
    if not planned_at or now - min(planned_at) < RECHECK_AFTER:
        return
    read_at = [p.read_at for p in group]
    since = (
        None
        if any(t is None for t in read_at)
        # our clock to Amazon's (the searchOrders filter is on Amazon's): the offset its Date headers show
        else min(t for t in read_at if t is not None) + ctx.api.clock_offset - RECHECK_MARGIN
    )
    orders = changed_since(
        ctx, [p.request.order_id for p in group], since=since, marketplace_id=group[0].marketplace_id
    )
    refused: dict[str, SpCancelError] = {}
    for p in group:
        order = orders.get(p.request.order_id)
        try:
            if isinstance(order, SpCancelError):
                raise order
            if order is not None:
                check(order, p.request, buyer_request=p.buyer_request)
        except SpCancelError as exc:
            refused[p.key] = exc
    if refused:
        raise _Changed(refused)


def _refuse_changed(ctx: Context, group: Sequence[Planned], refused: Mapping[str, SpCancelError]) -> None:
    """Journal the dropped orders as rejected, not sent, so every order of the batch keeps its outcome."""
    for p in group:
        exc = refused.get(p.key)
        if exc is None:
            continue
        outcome = CancelOutcome(
            order_id=p.request.order_id,
            status=CancelStatus.REJECTED,
            reason=p.request.reason,
            submission_id=p.key,
            items=p.request.items,
            detail=f"not sent: the order changed after it was checked ({exc})",
        )
        ctx.journal.mark_done(p.key, state="rejected", outcome=cancel_to_json(outcome))


def submit(ctx: Context, planned: Sequence[Planned]) -> list[str]:
    """Send one acknowledgement feed (whole orders) and one adjustment feed (items) per marketplace.

    A group is split only when its document would pass Amazon's 10 MiB guidance. Returns the feed ids Amazon
    answered with (a document whose ``createFeed`` answer was lost stays uncertain in the journal). Orders
    checked more than :data:`RECHECK_AFTER` before their ``createFeed`` can go out are checked again first;
    those that changed are journaled rejected (not sent) and the rest are sent.
    """
    groups: dict[tuple[str, str], list[Planned]] = {}
    for p in planned:
        feed_type = FEED_TYPE_ORDER_ACKNOWLEDGEMENT if p.request.items is None else FEED_TYPE_PAYMENT_ADJUSTMENT
        groups.setdefault((feed_type, p.marketplace_id), []).append(p)
    feed_ids: list[str] = []
    for (feed_type, marketplace), members in groups.items():
        make, build = _BUILDERS[feed_type]

        def render(group: Sequence[Planned], make: Any = make, build: Any = build) -> bytes:
            return build(ctx.seller_id, [make(n, p) for n, p in enumerate(group, 1)])  # type: ignore[no-any-return]

        for chunk, rendered in chunk_messages(members, render):
            group, document = list(chunk), rendered
            while group:
                try:
                    feed_id = ctx.runner.submit(
                        feed_type=feed_type,
                        content_type=XML_CONTENT_TYPE,
                        document=document,
                        message_ids={p.key: n for n, p in enumerate(group, 1)},
                        marketplace_ids=[marketplace],
                        before_create=functools.partial(_recheck, ctx, group),
                    )
                except _Changed as changed:
                    _refuse_changed(ctx, group, changed.refused)
                    group = [p for p in group if p.key not in changed.refused]
                    document = render(group) if group else b""  # the others go without the changed orders
                    continue
                if feed_id is not None:  # None: createFeed's answer was lost; finishing settles the entries
                    feed_ids.append(feed_id)
                break
    return feed_ids


def submit_or_settle(ctx: Context, planned: Sequence[Planned]) -> list[str]:
    """``submit``, and on a failure leave the journal true: drop plans never sent, keep what may have been.

    A plan still planned (the failure came before ``createFeed``) is released by its owner; a submission
    Amazon refused outright at ``createFeed`` is journaled ``NOT_SENT`` (asking again sends it); anything
    that may have reached Amazon stays submitted for recovery.
    """
    try:
        return submit(ctx, planned)
    except SpCancelError as exc:
        for p in planned:
            current = ctx.journal.get(p.key)
            if current is None or current.finished or current.feed_id is not None:
                continue
            if current.state == "planned" and current.owner == p.owner:
                release_plan(ctx.journal, p.key, p.owner)
            elif current.state == "submitted" and nothing_sent(exc):
                not_sent_outcome(ctx, current, f"not sent: Amazon refused createFeed, so no feed was created: {exc}")
        raise


# --- keys and claiming ---------------------------------------------------------------------------------

# How long a loser of a planning race waits for the winner (seconds on the client's clock).
CLAIM_WAIT: Final = 900.0


def submission_key(seller_id: str, request: CancelRequest, via: str = "feed") -> str:
    """The journal key of a cancel: the same request for the same seller always maps to it."""
    items = "" if request.items is None else ",".join(f"{i.order_item_id}x{i.quantity}" for i in request.items)
    raw = f"{seller_id}|{request.order_id}|{request.reason.value}|{items}|{via}"
    return "cancel-" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def live_key(ctx: Context, request: CancelRequest, via: str = "feed") -> str:
    """The journal key a cancel goes under now: ``submission_key``, or a fresh attempt after a failed one.

    A cancel Amazon did not do (its feed ended ``FATAL`` with the order still open, ``createFeed`` was
    refused, it was taken as not sent) is journaled ``failed``, so asking again must be able to succeed.
    Each such attempt keeps its record; the next one goes under ``<key>~2``, ``<key>~3``...
    """
    return attempt_key(ctx.journal, submission_key(ctx.seller_id, request, via))


def check_conflict(ctx: Context, request: CancelRequest, key: str) -> None:
    """Refuse a whole-order cancel of an order this library is already cancelling (or cancelled) differently.

    The same cancel repeated (same reason, by either route) returns the earlier outcome; another reason for
    the same order is another intent, refused before anything is sent.

    Raises:
        IdempotencyConflictError: naming the earlier submission and what differs.
    """
    if request.items is not None:
        return  # item-level cancels of other units are separate intents
    for kind in (KIND_WHOLE, KIND_ORDERS_API):
        for entry in ctx.journal.find(kind, request.order_id):
            if entry.key == key or entry.state in {"failed", "rejected"} or not entry.key.startswith("cancel-"):
                continue
            if base_key(entry.key) == base_key(key):
                continue  # an earlier attempt of this same cancel
            earlier = request_of(entry)
            differences: dict[str, tuple[object, object]] = {}
            if earlier.reason is not request.reason:
                differences["reason"] = (earlier.reason.name, request.reason.name)
            if differences:  # the route (feed or orders_api) is how, not what: it is no difference of intent
                raise IdempotencyConflictError(
                    f"order {request.order_id} is already being cancelled (or was) by this library with other "
                    "parameters; nothing was sent",
                    submission_id=entry.key,
                    differences=differences,
                    field="reason",
                )


def kind_of(request: CancelRequest) -> str:
    """The journal kind of a feed cancel."""
    return KIND_WHOLE if request.items is None else KIND_ITEMS


def previous_outcome(ctx: Context, order_id: str) -> CancelOutcome | None:
    """An earlier successful whole-order cancel of this order by this library, if the journal has one."""
    for entry in ctx.journal.find(KIND_WHOLE, order_id) + ctx.journal.find(KIND_ORDERS_API, order_id):
        if entry.state == "done" and entry.outcome:
            return cancel_from_json(entry.outcome)
    return None


def claim(ctx: Context, key: str, kind: str, payload: CancelPayload) -> tuple[Entry | None, str | None]:
    """Plan ``key``: ``(None, owner)`` when this caller now owns the plan, else ``(entry to follow, None)``.

    Two callers (threads or processes) planning the same key: one wins; the other waits until the winner
    has sent (then follows its entry) or gave up (then plans again), or takes the plan over at once when its
    worker is provably gone (lease expired, process dead, or this process's own stale token: callers hold
    the local lead for the key).
    """
    while True:
        entry, created = ctx.journal.plan(key, kind=kind, target=payload.order_id, payload=payload.to_json())
        if created:
            return None, entry.owner
        if entry.state != "planned":
            return entry, None
        stale = stale_claim(entry, ctx.clock.now())
        if stale is None:
            changed = ctx.journal.wait_for_change(key, timeout=CLAIM_WAIT, poll=1.0, sleep=ctx.sleep)
            if changed is None:
                continue  # the winner released its plan: try again
            if changed.state != "planned":
                return changed, None
            stale = stale_claim(changed, ctx.clock.now())
            if stale is None:
                continue
        taken = ctx.journal.take_over(key, stale_owner=stale or None)
        if taken is not None:
            _log.warning(events.JOURNAL_TAKEN_OVER, key=key, previous_owner=entry.owner)
            return None, taken.owner  # the winner died before sending (a planned entry was never sent): ours now
