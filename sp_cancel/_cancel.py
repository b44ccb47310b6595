"""Seller cancellation of unshipped seller-fulfilled orders: one, some units, or many.

Whole orders go through ``POST_ORDER_ACKNOWLEDGEMENT_DATA`` (``StatusCode``
Failure, every item with its ``CancelReason``); units of items through
``POST_PAYMENT_ADJUSTMENT_DATA`` (``QuantityCancelled``). A batch sends one
feed of each kind (split only past Amazon's 10 MiB guidance). Every request is
journaled planned -> submitted -> done/rejected, keyed deterministically, so a
repeated call returns the earlier outcome and a crashed process resumes
instead of sending twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs
import structlog

from sp_cancel import _events
from sp_cancel._codec import cancel_from_json, cancel_to_json
from sp_cancel._feedrun import FeedState, Progress
from sp_cancel._outcomes import BatchOutcome, CancelOutcome, CancelStatus, ProcessingMessage
from sp_cancel.errors import FeedError, InvalidInputError, NotCancellableError, NotFoundError, SpCancelError
from sp_cancel.feeds import chunk_messages
from sp_cancel.feeds._common import (
    FEED_TYPE_ORDER_ACKNOWLEDGEMENT,
    FEED_TYPE_PAYMENT_ADJUSTMENT,
    XML_CONTENT_TYPE,
)
from sp_cancel.feeds.acknowledgement import AckItem, AckMessage, build_acknowledgement_feed
from sp_cancel.feeds.adjustment import AdjustedItem, AdjustmentMessage, build_adjustment_feed
from sp_cancel.feeds.report import ReportParseError, parse_processing_report
from sp_cancel.models import CancelReason, CancelRequest, ItemCancel, check_order_id
from sp_cancel.orders import Order, OrderState, check_item_cancel, check_whole_cancel, get_order, search_orders

if TYPE_CHECKING:
    from sp_cancel._context import Context
    from sp_cancel.journal import Entry

__all__ = ["cancel_order", "cancel_orders", "finish", "refresh_cancel", "resume_cancels"]

KIND_WHOLE: Final = "cancel"
KIND_ITEMS: Final = "item_cancel"
KIND_ORDERS_API: Final = "orders_api_cancel"
CANCEL_KINDS: Final = (KIND_WHOLE, KIND_ITEMS, KIND_ORDERS_API)
# getOrder's burst; past it, one searchOrders page (100 orders) costs fewer calls than getOrder each.
SEARCH_THRESHOLD: Final = 30
SEARCH_LOOKBACK: Final = timedelta(days=30)
_log = structlog.get_logger(_events.LOGGER_NAME)


def submission_key(seller_id: str, request: CancelRequest, via: str = "feed") -> str:
    """The journal key of a cancel: the same request for the same seller always maps to it."""
    items = "" if request.items is None else ",".join(f"{i.order_item_id}x{i.quantity}" for i in request.items)
    raw = f"{seller_id}|{request.order_id}|{request.reason.value}|{items}|{via}"
    return "cancel-" + hashlib.sha256(raw.encode()).hexdigest()[:32]


@attrs.frozen(kw_only=True)
class _Planned:
    """A request that passed pre-flight and holds its journal lease."""

    key: str
    request: CancelRequest
    order: Order


def _kind(request: CancelRequest) -> str:
    return KIND_WHOLE if request.items is None else KIND_ITEMS


def _payload(request: CancelRequest, order: Order) -> dict[str, Any]:
    return {
        "order_id": request.order_id,
        "reason": request.reason.value,
        "marketplace_id": order.marketplace_id,
        "order_items": [i.order_item_id for i in order.items],
        "items": None
        if request.items is None
        else [{"order_item_id": i.order_item_id, "quantity": i.quantity} for i in request.items],
        "unshipped_before": {i.order_item_id: i.quantity_unshipped for i in order.items},
    }


def _request_from_payload(payload: Mapping[str, Any]) -> CancelRequest:
    items = payload.get("items")
    return CancelRequest(
        order_id=payload["order_id"],
        reason=payload["reason"],
        items=None if items is None else [ItemCancel(**i) for i in items],
    )


def _submitted(entry: Entry) -> CancelOutcome:
    request = _request_from_payload(entry.payload)
    return CancelOutcome(
        order_id=request.order_id,
        status=CancelStatus.SUBMITTED,
        reason=request.reason,
        feed_id=entry.feed_id,
        submission_id=entry.key,
        items=request.items,
        via="orders_api" if entry.kind == KIND_ORDERS_API else "feed",
    )


def _previous(ctx: Context, order_id: str) -> CancelOutcome | None:
    """An earlier finished cancel of this order by this library, if the journal has one."""
    for entry in ctx.journal.find(KIND_WHOLE, order_id) + ctx.journal.find(KIND_ORDERS_API, order_id):
        if entry.state == "done" and entry.outcome:
            return cancel_from_json(entry.outcome)
    return None


def _check(order: Order, request: CancelRequest) -> None:
    if request.items is None:
        check_whole_cancel(order)
    else:
        check_item_cancel(order, request.items)


# --- building documents -------------------------------------------------------------------------------


def _ack_message(message_id: int, planned: _Planned) -> AckMessage:
    reason = planned.request.reason
    return AckMessage(
        message_id=message_id,
        order_id=planned.request.order_id,
        status="Failure",
        items=tuple(AckItem(order_item_id=i.order_item_id, reason=reason) for i in planned.order.items),
    )


def _adjustment_message(message_id: int, planned: _Planned) -> AdjustmentMessage:
    reason = planned.request.reason.adjustment_reason
    assert planned.request.items is not None  # noqa: S101 - only item-level requests come here
    return AdjustmentMessage(
        message_id=message_id,
        order_id=planned.request.order_id,
        items=tuple(
            AdjustedItem(order_item_id=i.order_item_id, reason=reason, quantity_cancelled=i.quantity)
            for i in planned.request.items
        ),
    )


_BUILDERS: Final[dict[str, tuple[Callable[[int, _Planned], Any], Callable[..., bytes]]]] = {
    FEED_TYPE_ORDER_ACKNOWLEDGEMENT: (_ack_message, build_acknowledgement_feed),
    FEED_TYPE_PAYMENT_ADJUSTMENT: (_adjustment_message, build_adjustment_feed),
}


def _submit(ctx: Context, planned: Sequence[_Planned]) -> list[str]:
    """Send one acknowledgement feed (whole orders) and one adjustment feed (items) per marketplace.

    A group is split only when its document would pass Amazon's 10 MiB guidance.
    """
    groups: dict[tuple[str, str], list[_Planned]] = {}
    for p in planned:
        feed_type = FEED_TYPE_ORDER_ACKNOWLEDGEMENT if p.request.items is None else FEED_TYPE_PAYMENT_ADJUSTMENT
        groups.setdefault((feed_type, p.order.marketplace_id or ctx.marketplace_id), []).append(p)
    feed_ids: list[str] = []
    for (feed_type, marketplace), members in groups.items():
        make, build = _BUILDERS[feed_type]

        def render(group: Sequence[_Planned], make: Any = make, build: Any = build) -> bytes:
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


# --- finishing feeds ----------------------------------------------------------------------------------


def _outcome_from_results(entry: Entry, results: tuple[ProcessingMessage, ...], feed_id: str) -> CancelOutcome:
    request = _request_from_payload(entry.payload)
    errors = [m for m in results if m.severity == "ERROR"]
    if errors:
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
    request = _request_from_payload(entry.payload)
    why = f"feed {feed.feed_id} ended {feed.status}"
    try:
        order = get_order(ctx.api, request.order_id)
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


def _finish_feed(ctx: Context, feed: FeedState) -> dict[str, CancelOutcome]:
    """Turn a finished feed into one outcome per journal entry, and journal them."""
    entries = [e for e in ctx.journal.by_feed(feed.feed_id) if e.kind in CANCEL_KINDS]
    outcomes: dict[str, CancelOutcome] = {}
    if feed.status == "DONE":
        try:
            report = parse_processing_report(ctx.runner.result(feed))
        except ReportParseError as exc:
            raise FeedError(f"processing report unreadable: {exc}", feed_id=feed.feed_id) from exc
        document_level = tuple(r for r in report.results if not r.message_id)
        for entry in entries:
            mine = tuple(r for r in report.results if r.message_id == entry.message_id)
            outcomes[entry.key] = _outcome_from_results(entry, document_level + mine, feed.feed_id)
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
    if entry.state in {"done", "rejected", "failed"} and entry.outcome:
        return cancel_from_json(entry.outcome)
    if entry.kind == KIND_ORDERS_API:
        return _finish_orders_api(ctx, entry)
    if entry.feed_id is None:
        return _submitted(entry)
    feed = (
        ctx.runner.wait(entry.feed_id, timeout=timeout, progress=progress) if wait else ctx.runner.status(entry.feed_id)
    )
    if not feed.finished:
        return _submitted(entry)
    return _finish_feed(ctx, feed)[entry.key]


def refresh_cancel(ctx: Context, key: str, *, wait: bool, timeout: float, progress: Progress | None) -> CancelOutcome:
    """Re-read (or wait for) the cancel journaled under ``key``, from any process."""
    entry = ctx.journal.get(key)
    if entry is None:
        raise InvalidInputError(f"the journal has no submission {key!r}", field="outcome")
    if entry.feed_id is None and entry.state == "planned" and entry.submitted_at is not None:
        entry = _recover(ctx, entry)
    return finish(ctx, entry, wait=wait, timeout=timeout, progress=progress)


# --- crash recovery -----------------------------------------------------------------------------------


def _recover(ctx: Context, entry: Entry) -> Entry:
    """An entry was being submitted when its process stopped: find its feed, or send it again."""
    if entry.feed_type is None or entry.submitted_at is None:
        return entry
    marketplace = entry.payload.get("marketplace_id") or ctx.marketplace_id
    feed_id = ctx.runner.recover(feed_type=entry.feed_type, sent_at=entry.submitted_at, marketplace_ids=[marketplace])
    if feed_id is not None:
        siblings = [
            e.key
            for e in ctx.journal.unfinished()
            if e.feed_id is None and e.document_hash == entry.document_hash and e.submitted_at == entry.submitted_at
        ]
        ctx.journal.mark_submitted(siblings or [entry.key], feed_id=feed_id)
    else:
        request = _request_from_payload(entry.payload)
        order = get_order(ctx.api, request.order_id)
        _submit(ctx, [_Planned(key=entry.key, request=request, order=order)])
    refreshed = ctx.journal.get(entry.key)
    assert refreshed is not None  # noqa: S101 - we just wrote it
    return refreshed


def resume_cancels(ctx: Context, *, timeout: float, progress: Progress | None = None) -> list[CancelOutcome]:
    """Finish every cancel the journal holds as planned or submitted."""
    outcomes = []
    for entry in ctx.journal.unfinished():
        if entry.kind not in CANCEL_KINDS:
            continue
        _log.info(_events.JOURNAL_RESUMED, key=entry.key, state=entry.state, feed_id=entry.feed_id)
        if entry.state == "planned" and entry.submitted_at is None:
            # Never sent: nothing to resume; drop the plan so the next call starts clean.
            ctx.journal.release(entry.key)
            continue
        current = _recover(ctx, entry) if entry.feed_id is None else entry
        outcomes.append(finish(ctx, current, wait=True, timeout=timeout, progress=progress))
    return outcomes


# --- claiming journal entries ------------------------------------------------------------------------


def _claim(ctx: Context, key: str, request: CancelRequest, order: Order, kind: str) -> Entry | None:
    """Plan ``key``; return ``None`` if this call now owns it, or the existing entry to reuse."""
    entry, created = ctx.journal.plan(key, kind=kind, target=request.order_id, payload=_payload(request, order))
    if created:
        return None
    if entry.state == "planned":
        entry = ctx.journal.wait_for_change(key, timeout=600.0, poll=1.0, sleep=ctx.sleep)
        if entry.state == "planned" and ctx.journal.take_over(key):
            if entry.submitted_at is None:
                return None  # the owner died before sending: ours to send
            return _recover(ctx, entry)
    return entry


# --- the public workflows ----------------------------------------------------------------------------


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
        return _cancel_via_orders_api(ctx, request)
    key = submission_key(ctx.seller_id, request)
    existing = ctx.journal.get(key)
    if existing is not None and existing.state != "planned":
        return finish(ctx, existing, wait=wait, timeout=timeout, progress=progress)
    order = get_order(ctx.api, request.order_id)
    if order.state is OrderState.CANCELLED and request.items is None:
        previous = _previous(ctx, request.order_id)
        if previous is not None:
            return previous
    _check(order, request)
    entry = _claim(ctx, key, request, order, _kind(request))
    if entry is None:
        try:
            _submit(ctx, [_Planned(key=key, request=request, order=order)])
        except SpCancelError:
            current = ctx.journal.get(key)
            if current is not None and current.submitted_at is None:
                ctx.journal.release(key)  # nothing was sent: leave no trace
            raise
        entry = ctx.journal.get(key)
        assert entry is not None  # noqa: S101 - we just wrote it
    return finish(ctx, entry, wait=wait, timeout=timeout, progress=progress)


def _read_orders(ctx: Context, order_ids: Sequence[str]) -> dict[str, Order | SpCancelError]:
    """Read the orders for pre-checks with as few calls as Amazon's usage plans allow."""
    found: dict[str, Order | SpCancelError] = {}
    wanted = set(order_ids)
    if len(wanted) > SEARCH_THRESHOLD:
        since = ctx.clock.now() - SEARCH_LOOKBACK
        statuses = (OrderState.UNSHIPPED, OrderState.PARTIALLY_SHIPPED)
        for order in search_orders(ctx.api, created_after=since, statuses=statuses):
            if order.order_id in wanted:
                found[order.order_id] = order
                if len(found) == len(wanted):
                    break
    for order_id in order_ids:
        if order_id not in found:
            try:
                found[order_id] = get_order(ctx.api, order_id)
            except NotFoundError as exc:
                found[order_id] = exc
    return found


def _validate_batch(requests: Iterable[CancelRequest], timeout: float) -> list[CancelRequest]:
    batch = list(requests)
    if not batch:
        raise InvalidInputError("no cancel requests: the batch is empty", field="requests")
    for request in batch:
        if not isinstance(request, CancelRequest):
            raise InvalidInputError(f"requests must be CancelRequest values, got {request!r}", field="requests")
    if timeout <= 0:
        raise InvalidInputError("timeout must be positive (seconds)", field="timeout")
    return batch


@attrs.define
class _Batch:
    """Where each order of a batch stands while it is being prepared."""

    unique: list[CancelRequest] = attrs.field(factory=list)
    errors: dict[str, Exception] = attrs.field(factory=dict)
    outcomes: dict[str, CancelOutcome] = attrs.field(factory=dict)
    entries: dict[str, Entry] = attrs.field(factory=dict)  # order id -> journal entry to finish
    checked: dict[str, Order] = attrs.field(factory=dict)
    sendable: list[CancelRequest] = attrs.field(factory=list)


def _sort(ctx: Context, batch: list[CancelRequest]) -> tuple[_Batch, list[CancelRequest]]:
    """Drop duplicates (a pre-flight error each) and pick out requests the journal already knows."""
    state = _Batch()
    fresh: list[CancelRequest] = []
    for request in batch:
        if request.order_id in {r.order_id for r in state.unique}:
            state.errors[request.order_id] = InvalidInputError(
                f"order {request.order_id} appears twice in the batch; merge the requests", field="requests"
            )
            continue
        state.unique.append(request)
        existing = ctx.journal.get(submission_key(ctx.seller_id, request))
        if existing is not None and existing.state != "planned":
            state.entries[request.order_id] = existing
        else:
            fresh.append(request)
    return state, fresh


Check = Callable[[CancelRequest, Order], None]
"""An extra per-order pre-flight check; it raises to refuse that order (the rest go on)."""


def _preflight(ctx: Context, state: _Batch, fresh: list[CancelRequest], extra: Check | None) -> None:
    """Read the orders and check each request; refusals become per-order errors, never sent."""
    orders = _read_orders(ctx, [r.order_id for r in fresh])
    for request in fresh:
        order = orders[request.order_id]
        if isinstance(order, SpCancelError):
            state.errors[request.order_id] = order
            continue
        if order.state is OrderState.CANCELLED and request.items is None:
            previous = _previous(ctx, request.order_id)
            if previous is not None:
                state.outcomes[request.order_id] = previous
                continue
        try:
            _check(order, request)
            if extra is not None:
                extra(request, order)
        except (NotCancellableError, InvalidInputError) as exc:
            state.errors[request.order_id] = exc
            continue
        state.checked[request.order_id] = order
        state.sendable.append(request)


def _collect(ctx: Context, state: _Batch, *, wait: bool, timeout: float, progress: Progress | None) -> None:
    """Finish every journaled entry of the batch; a feed's report is read once for all its orders."""
    by_feed: dict[str, dict[str, CancelOutcome]] = {}
    for order_id, entry in state.entries.items():
        if entry.feed_id and entry.feed_id in by_feed and entry.key in by_feed[entry.feed_id]:
            state.outcomes[order_id] = by_feed[entry.feed_id][entry.key]
            continue
        outcome = finish(ctx, entry, wait=wait, timeout=timeout, progress=progress)
        if entry.feed_id and outcome.status is not CancelStatus.SUBMITTED:
            by_feed[entry.feed_id] = {
                e.key: cancel_from_json(e.outcome) for e in ctx.journal.by_feed(entry.feed_id) if e.outcome
            }
        state.outcomes[order_id] = outcome


def cancel_orders(
    ctx: Context,
    requests: Iterable[CancelRequest],
    *,
    wait: bool,
    timeout: float,
    progress: Progress | None = None,
    guard: Callable[[list[CancelRequest], Mapping[str, Order]], None] | None = None,
    extra_check: Check | None = None,
) -> BatchOutcome[CancelOutcome]:
    """See :meth:`sp_cancel.SellerClient.cancel_orders`.

    ``guard`` sees every request that passed pre-flight (and its order) and may
    raise to stop the whole batch before anything is sent; ``extra_check``
    refuses single orders.
    """
    state, fresh = _sort(ctx, _validate_batch(requests, timeout))
    _preflight(ctx, state, fresh, extra_check)
    if guard is not None:
        guard(state.sendable, state.checked)  # raises before anything is sent
    planned: list[_Planned] = []
    for request in state.sendable:
        key = submission_key(ctx.seller_id, request)
        entry = _claim(ctx, key, request, state.checked[request.order_id], _kind(request))
        if entry is None:
            planned.append(_Planned(key=key, request=request, order=state.checked[request.order_id]))
        else:
            state.entries[request.order_id] = entry
    feed_ids = _submit(ctx, planned) if planned else []
    for one in planned:
        entry = ctx.journal.get(one.key)
        assert entry is not None  # noqa: S101 - just written
        state.entries[one.request.order_id] = entry
    _collect(ctx, state, wait=wait, timeout=timeout, progress=progress)
    ordered = {r.order_id: state.outcomes[r.order_id] for r in state.unique if r.order_id in state.outcomes}
    return BatchOutcome(outcomes=ordered, errors=state.errors, feed_ids=tuple(feed_ids))


# --- Orders API 2026-01-01 cancelOrder (opt-in) ------------------------------------------------------


def _cancel_via_orders_api(ctx: Context, request: CancelRequest) -> CancelOutcome:
    if request.items is not None:
        raise InvalidInputError(
            "via='orders_api' cancels whole orders only (Amazon: partial cancellations are not supported)",
            field="items",
        )
    code = request.reason.orders_api_code
    if code is None:
        usable = ", ".join(r.name for r in CancelReason if r.orders_api_code)
        raise InvalidInputError(
            f"reason {request.reason.name} has no cancelReasonCode in the Orders API; use via='feed' or one of: "
            f"{usable}",
            field="reason",
        )
    key = submission_key(ctx.seller_id, request, via="orders_api")
    existing = ctx.journal.get(key)
    if existing is not None and existing.state != "planned":
        return finish(ctx, existing, wait=False, timeout=1.0, progress=None)
    order = get_order(ctx.api, request.order_id)
    if order.state is OrderState.CANCELLED:
        previous = _previous(ctx, request.order_id)
        if previous is not None:
            return previous
    check_whole_cancel(order)
    entry, created = ctx.journal.plan(
        key, kind=KIND_ORDERS_API, target=request.order_id, payload=_payload(request, order)
    )
    if not created and entry.state != "planned":
        return finish(ctx, entry, wait=False, timeout=1.0, progress=None)
    ctx.journal.mark_submitting(
        [key], feed_type="orders.cancelOrder", document_hash="", message_ids={key: 1}, sent_at=ctx.clock.now()
    )
    ctx.api.call("orders.cancelOrder", path={"orderId": request.order_id}, body={"cancelReasonCode": code})
    entry = ctx.journal.get(key)
    assert entry is not None  # noqa: S101 - just written
    return _finish_orders_api(ctx, entry)


def _finish_orders_api(ctx: Context, entry: Entry) -> CancelOutcome:
    """``cancelOrder`` answers 202: read the order back to learn whether it is cancelled yet."""
    request = _request_from_payload(entry.payload)
    order = get_order(ctx.api, request.order_id)
    if order.state is not OrderState.CANCELLED:
        return attrs.evolve(
            _submitted(entry), via="orders_api", detail=f"Amazon accepted; order is {order.state.value}"
        )
    outcome = CancelOutcome(
        order_id=request.order_id,
        status=CancelStatus.CANCELLED,
        reason=request.reason,
        submission_id=entry.key,
        via="orders_api",
    )
    ctx.journal.mark_done(entry.key, state="done", outcome=cancel_to_json(outcome))
    return outcome
