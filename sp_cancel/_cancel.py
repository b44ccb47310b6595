"""Seller cancellation of unshipped seller-fulfilled orders: the shared core and the single-order call.

Whole orders go through ``POST_ORDER_ACKNOWLEDGEMENT_DATA`` (``StatusCode``
Failure, every item with its ``CancelReason``); units of items through
``POST_PAYMENT_ADJUSTMENT_DATA`` (``QuantityCancelled``). Every request is
journaled planned -> submitted -> done/rejected under a deterministic key, so a
repeated call returns the earlier outcome and a crashed process resumes
instead of sending twice. Batches are in :mod:`sp_cancel._cancel_batch`, the
opt-in Orders API route in :mod:`sp_cancel._cancel_api`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from sp_cancel import _events
from sp_cancel._codec import cancel_from_json, cancel_to_json
from sp_cancel._outcomes import CancelOutcome, CancelStatus, ProcessingMessage
from sp_cancel.errors import (
    FeedError,
    FeedTimeoutError,
    InvalidInputError,
    NotCancellableError,
    NotFoundError,
    OutcomeUnknownError,
    SpCancelError,
)
from sp_cancel.feeds import chunk_messages
from sp_cancel.feeds._common import FEED_TYPE_ORDER_ACKNOWLEDGEMENT, FEED_TYPE_PAYMENT_ADJUSTMENT, XML_CONTENT_TYPE
from sp_cancel.feeds.acknowledgement import AckItem, AckMessage, build_acknowledgement_feed
from sp_cancel.feeds.adjustment import AdjustedItem, AdjustmentMessage, build_adjustment_feed
from sp_cancel.feeds.report import ReportParseError, parse_processing_report
from sp_cancel.logging import get_logger
from sp_cancel.models import CancelReason, CancelRequest, ItemCancel, check_order_id
from sp_cancel.orders import Order, OrderState, check_item_cancel, check_whole_cancel, get_order

if TYPE_CHECKING:
    from sp_cancel._context import Context
    from sp_cancel._feedrun import FeedState, Progress
    from sp_cancel.journal import Entry

__all__ = ["cancel_order", "finish", "refresh_cancel", "resume_cancels", "submission_key"]

KIND_WHOLE: Final = "cancel"
KIND_ITEMS: Final = "item_cancel"
KIND_ORDERS_API: Final = "orders_api_cancel"
CANCEL_KINDS: Final = (KIND_WHOLE, KIND_ITEMS, KIND_ORDERS_API)
# How long a loser of a planning race waits for the winner (seconds on the client's clock).
CLAIM_WAIT: Final = 900.0
_log = get_logger()


def submission_key(seller_id: str, request: CancelRequest, via: str = "feed") -> str:
    """The journal key of a cancel: the same request for the same seller always maps to it."""
    items = "" if request.items is None else ",".join(f"{i.order_item_id}x{i.quantity}" for i in request.items)
    raw = f"{seller_id}|{request.order_id}|{request.reason.value}|{items}|{via}"
    return "cancel-" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def kind_of(request: CancelRequest) -> str:
    """The journal kind of a feed cancel."""
    return KIND_WHOLE if request.items is None else KIND_ITEMS


@attrs.frozen(kw_only=True)
class Planned:
    """A request that passed pre-flight and is planned in the journal by this caller."""

    key: str
    request: CancelRequest
    item_ids: tuple[str, ...]  # every item of the order (a whole-order acknowledgement lists them all)
    marketplace_id: str


def payload_of(request: CancelRequest, order: Order, marketplace_id: str) -> dict[str, Any]:
    """What the journal keeps to rebuild (and reconcile) the request in any process."""
    return {
        "order_id": request.order_id,
        "reason": request.reason.value,
        "marketplace_id": order.marketplace_id or marketplace_id,
        "order_items": [i.order_item_id for i in order.items],
        "items": None
        if request.items is None
        else [{"order_item_id": i.order_item_id, "quantity": i.quantity} for i in request.items],
        "unshipped_before": {i.order_item_id: i.quantity_unshipped for i in order.items},
    }


def request_of(payload: Mapping[str, Any]) -> CancelRequest:
    """The request a journal payload describes."""
    items = payload.get("items")
    return CancelRequest(
        order_id=payload["order_id"],
        reason=payload["reason"],
        items=None if items is None else [ItemCancel(**i) for i in items],
    )


def planned_of(entry: Entry) -> Planned:
    """Rebuild a :class:`Planned` from its journal entry."""
    return Planned(
        key=entry.key,
        request=request_of(entry.payload),
        item_ids=tuple(entry.payload.get("order_items") or ()),
        marketplace_id=str(entry.payload.get("marketplace_id")),
    )


def submitted_outcome(entry: Entry, *, detail: str | None = None) -> CancelOutcome:
    """A ``SUBMITTED`` outcome for a journaled, unfinished cancel."""
    request = request_of(entry.payload)
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


def previous_outcome(ctx: Context, order_id: str) -> CancelOutcome | None:
    """An earlier successful whole-order cancel of this order by this library, if the journal has one."""
    for entry in ctx.journal.find(KIND_WHOLE, order_id) + ctx.journal.find(KIND_ORDERS_API, order_id):
        if entry.state == "done" and entry.outcome:
            return cancel_from_json(entry.outcome)
    return None


def check(order: Order, request: CancelRequest) -> None:
    """The pre-flight state check of one request (raises NotCancellableError / InvalidInputError)."""
    if request.items is None:
        check_whole_cancel(order)
    else:
        check_item_cancel(order, request.items)


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


def submit(ctx: Context, planned: Sequence[Planned]) -> list[str]:
    """Send one acknowledgement feed (whole orders) and one adjustment feed (items) per marketplace.

    A group is split only when its document would pass Amazon's 10 MiB guidance. Returns the feed ids.
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

        for group, document in chunk_messages(members, render):
            feed_ids.append(
                ctx.runner.submit(
                    feed_type=feed_type,
                    content_type=XML_CONTENT_TYPE,
                    document=document,
                    message_ids={p.key: n for n, p in enumerate(group, 1)},
                    marketplace_ids=[marketplace],
                )
            )
    return feed_ids


def submit_or_release(ctx: Context, planned: Sequence[Planned]) -> list[str]:
    """:func:`submit`, and on a definite failure drop the plans nothing was sent for.

    An :class:`OutcomeUnknownError` keeps them (submitted, no feed id) for recovery.
    """
    try:
        return submit(ctx, planned)
    except OutcomeUnknownError:
        raise
    except SpCancelError:
        for p in planned:
            current = ctx.journal.get(p.key)
            if current is not None and current.feed_id is None and not current.finished:
                ctx.journal.release(p.key)
        raise


# --- finishing ----------------------------------------------------------------------------------------


def _from_results(entry: Entry, results: tuple[ProcessingMessage, ...], feed_id: str) -> CancelOutcome:
    request = request_of(entry.payload)
    if any(m.severity == "ERROR" for m in results):
        status = CancelStatus.REJECTED
    elif request.items is None:
        status = CancelStatus.CANCELLED
    else:
        status = CancelStatus.PARTIALLY_CANCELLED
    return CancelOutcome(
        order_id=request.order_id,
        status=status,
        reason=request.reason,
        feed_id=feed_id,
        submission_id=entry.key,
        messages=results,
        items=request.items,
    )


def _reconcile(ctx: Context, entry: Entry, feed: FeedState) -> CancelOutcome:
    """After FATAL (or CANCELLED), read the order back and report what actually happened."""
    request = request_of(entry.payload)
    why = f"feed {feed.feed_id} ended {feed.status}"
    try:
        order: Order | None = get_order(ctx.api, request.order_id)
    except NotFoundError:
        order = None
    if order is None:
        status, seen = CancelStatus.REJECTED, "the order could not be read back"
    elif request.items is None:
        status = CancelStatus.CANCELLED if order.state is OrderState.CANCELLED else CancelStatus.REJECTED
        seen = f"the order reads back as {order.state.value}"
    else:
        before = entry.payload.get("unshipped_before") or {}
        done = all(
            (item := order.item(i.order_item_id)) is not None
            and before.get(i.order_item_id, 0) - item.quantity_unshipped >= i.quantity
            for i in request.items
        )
        status = CancelStatus.PARTIALLY_CANCELLED if done else CancelStatus.REJECTED
        seen = "the units read back as cancelled" if done else "the units read back as not cancelled"
    return CancelOutcome(
        order_id=request.order_id,
        status=status,
        reason=request.reason,
        feed_id=feed.feed_id,
        submission_id=entry.key,
        items=request.items,
        detail=f"{why}; {seen}",
    )


def finish_feed(ctx: Context, feed: FeedState) -> dict[str, CancelOutcome]:
    """Turn a finished feed into one outcome per cancel it carried, and journal them."""
    entries = [e for e in ctx.journal.by_feed(feed.feed_id) if e.kind in CANCEL_KINDS and not e.finished]
    outcomes: dict[str, CancelOutcome] = {}
    if feed.status == "DONE":
        try:
            report = parse_processing_report(ctx.runner.result(feed))
        except ReportParseError as exc:
            raise FeedError(f"processing report unreadable: {exc}", feed_id=feed.feed_id) from exc
        document_level = tuple(r for r in report.results if not r.message_id)
        for entry in entries:
            mine = tuple(r for r in report.results if r.message_id and r.message_id == entry.message_id)
            outcomes[entry.key] = _from_results(entry, document_level + mine, feed.feed_id)
    else:
        for entry in entries:
            outcomes[entry.key] = _reconcile(ctx, entry, feed)
    for key, outcome in outcomes.items():
        ctx.journal.mark_done(key, state="done" if outcome.ok else "rejected", outcome=cancel_to_json(outcome))
        event = _events.ORDER_CANCELLED if outcome.ok else _events.ORDER_REJECTED
        _log.info(event, order_id=outcome.order_id, feed_id=outcome.feed_id, status=outcome.status.value)
    return outcomes


def finish(ctx: Context, entry: Entry, *, wait: bool, timeout: float, progress: Progress | None) -> CancelOutcome:
    """Bring a journaled cancel to its outcome: reuse it, poll its feed once, or wait for it."""
    if entry.finished and entry.outcome:
        return cancel_from_json(entry.outcome)
    if entry.kind == KIND_ORDERS_API:
        from sp_cancel._cancel_api import finish_orders_api  # noqa: PLC0415 - avoids an import cycle

        return finish_orders_api(ctx, entry)
    if entry.send_uncertain:
        entry = recover(ctx, entry)
    if entry.feed_id is None:
        return submitted_outcome(entry)
    if wait:
        try:
            feed = ctx.runner.wait(entry.feed_id, timeout=timeout, progress=progress)
        except FeedTimeoutError as exc:
            exc.outcome = submitted_outcome(entry)  # so the caller can client.wait(err.outcome) later
            raise
    else:
        feed = ctx.runner.status(entry.feed_id)
    if not feed.finished:
        return submitted_outcome(entry)
    done = finish_feed(ctx, feed)
    if entry.key in done:
        return done[entry.key]
    current = ctx.journal.get(entry.key)  # finished meanwhile by another process
    if current is None or not current.outcome:
        raise FeedError("the journal lost this submission's outcome", feed_id=feed.feed_id)
    return cancel_from_json(current.outcome)


def refresh_cancel(ctx: Context, key: str, *, wait: bool, timeout: float, progress: Progress | None) -> CancelOutcome:
    """Re-read (or wait for) the cancel journaled under ``key``, from any process."""
    entry = ctx.journal.get(key)
    if entry is None:
        raise InvalidInputError(f"the journal has no submission {key!r}", field="outcome")
    return finish(ctx, entry, wait=wait, timeout=timeout, progress=progress)


# --- crash recovery -----------------------------------------------------------------------------------


def recover(ctx: Context, entry: Entry) -> Entry:
    """An entry was being submitted when its process stopped or ``createFeed`` timed out.

    Look for the feed Amazon may have created (``getFeeds``); adopt it for every entry sent in the same
    document. Only when Amazon shows none, re-check the orders (one may have shipped meanwhile: an
    acknowledgement ``Failure`` after a ship-confirm would refund the whole order) and send again.
    """
    if entry.feed_type is None or entry.submitted_at is None:
        return entry
    siblings = [e for e in ctx.journal.unfinished() if e.send_uncertain and e.document_hash == entry.document_hash] or [
        entry
    ]
    marketplace = str(entry.payload.get("marketplace_id") or ctx.marketplace_id)
    feed_id = ctx.runner.recover(feed_type=entry.feed_type, sent_at=entry.submitted_at, marketplace_ids=[marketplace])
    if feed_id is not None:
        ctx.journal.mark_submitted([e.key for e in siblings], feed_id=feed_id)
    else:
        _resend(ctx, siblings)
    refreshed = ctx.journal.get(entry.key)
    if refreshed is None:  # the resend refused it before sending
        return entry
    return refreshed


def _resend(ctx: Context, entries: list[Entry]) -> None:
    planned: list[Planned] = []
    for entry in entries:
        again = planned_of(entry)
        ctx.journal.release(entry.key)
        try:
            order = get_order(ctx.api, again.request.order_id)
            check(order, again.request)
        except (NotCancellableError, InvalidInputError, NotFoundError) as exc:
            _log.warning(_events.ORDER_REJECTED, order_id=again.request.order_id, reason=str(exc))
            continue
        fresh, created = ctx.journal.plan(
            entry.key,
            kind=entry.kind,
            target=entry.target,
            payload=payload_of(again.request, order, again.marketplace_id),
        )
        if created:
            planned.append(again)
        del fresh
    if planned:
        submit_or_release(ctx, planned)


def resume_cancels(ctx: Context, *, timeout: float, progress: Progress | None = None) -> list[CancelOutcome]:
    """Finish every cancel the journal holds as planned or submitted.

    A feed still processing after ``timeout`` yields a ``SUBMITTED`` outcome (with its feed id) instead of
    stopping the others.
    """
    outcomes = []
    now = ctx.clock.now()
    for entry in ctx.journal.unfinished():
        if entry.kind not in CANCEL_KINDS:
            continue
        current = ctx.journal.get(entry.key)  # a sibling's recovery may have moved it on
        if current is None or current.finished:
            continue
        _log.info(_events.JOURNAL_RESUMED, key=current.key, state=current.state, feed_id=current.feed_id)
        if current.state == "planned":
            if current.lease_expired(now):
                ctx.journal.release(current.key)  # never sent, its worker is gone: nothing to finish
            continue
        try:
            outcomes.append(finish(ctx, current, wait=True, timeout=timeout, progress=progress))
        except FeedTimeoutError:  # still processing: report it SUBMITTED (for client.wait) and go on
            outcomes.append(submitted_outcome(ctx.journal.get(current.key) or current))
    return outcomes


# --- claiming -----------------------------------------------------------------------------------------


def claim(ctx: Context, key: str, kind: str, target: str, payload: Mapping[str, Any]) -> Entry | None:
    """Plan ``key``: ``None`` when this caller now owns the plan, else the entry to follow instead.

    Two callers (threads or processes) planning the same key: one wins; the other waits until the winner
    has sent (then follows its entry) or gave up (then plans again), or its lease expired (then takes over).
    """
    while True:
        entry, created = ctx.journal.plan(key, kind=kind, target=target, payload=payload)
        if created:
            return None
        if entry.state != "planned":
            return entry
        changed = ctx.journal.wait_for_change(key, timeout=CLAIM_WAIT, poll=1.0, sleep=ctx.sleep)
        if changed is None:
            continue  # the winner released its plan: try again
        if changed.state != "planned":
            return changed
        if ctx.journal.take_over(key) is not None:
            return None  # the winner died before sending (a planned entry was never sent): ours now


# --- the single-order call ----------------------------------------------------------------------------


def cancel_order(
    ctx: Context,
    order_id: str,
    reason: CancelReason | str,
    *,
    items: Sequence[ItemCancel] | None,
    via: Literal["feed", "orders_api"],
    wait: bool,
    timeout: float,
    progress: Progress | None = None,
) -> CancelOutcome:
    """See :meth:`sp_cancel.SellerClient.cancel_order`."""
    request = CancelRequest(order_id=check_order_id(order_id), reason=reason, items=items)
    if via not in {"feed", "orders_api"}:
        raise InvalidInputError(f"via must be 'feed' or 'orders_api', got {via!r}", field="via")
    if timeout <= 0:
        raise InvalidInputError("timeout must be positive (seconds)", field="timeout")
    if via == "orders_api":
        from sp_cancel._cancel_api import cancel_via_orders_api  # noqa: PLC0415 - avoids an import cycle

        return cancel_via_orders_api(ctx, request)
    key = submission_key(ctx.seller_id, request)
    existing = ctx.journal.get(key)
    if existing is not None and existing.state != "planned":
        return finish(ctx, existing, wait=wait, timeout=timeout, progress=progress)
    order = get_order(ctx.api, request.order_id)
    if order.state is OrderState.CANCELLED and request.items is None:
        previous = previous_outcome(ctx, request.order_id)
        if previous is not None:
            return previous
    check(order, request)
    payload = payload_of(request, order, ctx.marketplace_id)
    entry = claim(ctx, key, kind_of(request), request.order_id, payload)
    if entry is None:
        planned = Planned(
            key=key,
            request=request,
            item_ids=tuple(payload["order_items"]),
            marketplace_id=str(payload["marketplace_id"]),
        )
        submit_or_release(ctx, [planned])
        entry = ctx.journal.get(key)
        if entry is None:
            raise FeedError("the journal lost this submission", feed_id="unknown")
    return finish(ctx, entry, wait=wait, timeout=timeout, progress=progress)
