"""Cancelling many orders at once: one feed per kind, one outcome per order.

Pre-flight refusals (bad input, not cancellable, a failed extra check) are
reported per order and never sent; they do not stop the rest. A ``guard`` sees
everything that passed pre-flight and may stop the whole batch before anything
is sent (the ``max_rate`` check uses it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from sp_cancel._cancellation.finish import finish
from sp_cancel._cancellation.notify import attach, journal_pending
from sp_cancel._cancellation.outcomes import CancelOutcome, CancelStatus, cancel_from_json
from sp_cancel._cancellation.payload import CancelPayload
from sp_cancel._cancellation.reads import Calls, read_orders
from sp_cancel._cancellation.record import (
    Planned,
    check,
    check_conflict,
    claim,
    kind_of,
    live_key,
    previous_outcome,
    submission_key,
    submit_or_settle,
)
from sp_cancel._outcomes import BatchOutcome
from sp_cancel._runtime.claims import LOCAL
from sp_cancel._runtime.feeds import finish_each
from sp_cancel.errors import InvalidInputError, NotCancellableError, SpCancelError
from sp_cancel.models import CancelRequest
from sp_cancel.orders import Order, OrderState

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context
    from sp_cancel._runtime.feeds import Progress
    from sp_cancel.journal import Entry

__all__ = ["Check", "Guard", "cancel_orders"]


Check = Callable[[CancelRequest, Order], None]
"""An extra per-order pre-flight check; it raises to refuse that order (the rest go on)."""
Guard = Callable[[list[CancelRequest], Mapping[str, Order]], None]
"""Sees every request that passed pre-flight and its order; raises to stop the batch before sending."""


@attrs.define
class _Batch:
    """Where each order of a batch stands while it is prepared."""

    unique: list[CancelRequest] = attrs.field(factory=list)
    errors: dict[str, Exception] = attrs.field(factory=dict)
    outcomes: dict[str, CancelOutcome] = attrs.field(factory=dict)
    entries: dict[str, Entry] = attrs.field(factory=dict)  # order id -> journal entry to finish
    checked: dict[str, Order] = attrs.field(factory=dict)
    sendable: list[CancelRequest] = attrs.field(factory=list)
    read_at: datetime | None = None  # when the pre-check's reads began (our clock): a re-check starts there


def _sort(ctx: Context, batch: list[CancelRequest]) -> tuple[_Batch, list[CancelRequest]]:
    """Merge exact repeats, refuse conflicting requests for one order, pick out those the journal knows."""
    state = _Batch()
    first: dict[str, CancelRequest] = {}
    for request in batch:
        seen = first.setdefault(request.order_id, request)
        if seen != request:  # two different cancels of one order: sending either could be the wrong one
            state.errors[request.order_id] = InvalidInputError(
                f"order {request.order_id} appears twice in the batch with different reasons or items; "
                "merge the requests",
                field="requests",
            )
    fresh: list[CancelRequest] = []
    for request in first.values():  # an exact repeat is the same cancel: it is sent once
        if request.order_id in state.errors:
            continue
        state.unique.append(request)
        existing = ctx.journal.get(live_key(ctx, request))
        if existing is not None and existing.state != "planned":
            state.entries[request.order_id] = existing
        else:
            fresh.append(request)
    return state, fresh


def _preflight(
    ctx: Context, state: _Batch, fresh: list[CancelRequest], extra: Check | None, *, buyer_request: bool
) -> None:
    calls = Calls()
    orders = read_orders(ctx, [r.order_id for r in fresh], calls)
    state.read_at = calls.began
    for request in fresh:
        order = orders[request.order_id]
        if isinstance(order, SpCancelError):
            state.errors[request.order_id] = order
            continue
        try:
            check_conflict(ctx, request, live_key(ctx, request))
        except InvalidInputError as exc:
            state.errors[request.order_id] = exc
            continue
        if order.status is OrderState.CANCELLED and request.items is None:
            previous = previous_outcome(ctx, request.order_id)
            if previous is not None:
                state.outcomes[request.order_id] = previous
                continue
        try:
            check(order, request, buyer_request=buyer_request)
            if extra is not None:
                extra(request, order)
        except (NotCancellableError, InvalidInputError) as exc:
            state.errors[request.order_id] = exc
            continue
        state.checked[request.order_id] = order
        state.sendable.append(request)


def _plan(ctx: Context, state: _Batch, *, buyer_request: bool) -> list[Planned]:
    planned: list[Planned] = []
    for request in state.sendable:
        order = state.checked[request.order_id]
        key = live_key(ctx, request)
        payload = CancelPayload.of(request, order, ctx.marketplace_id, buyer_request=buyer_request)
        # Issue 20: the time before the claim, no later than the plan's own created_at (and no earlier than
        # the check), so _recheck needs no journal read to know how long ago the order was checked.
        planned_at = ctx.clock.now()
        entry, owner = claim(ctx, key, kind_of(request), payload)
        if entry is None:
            planned.append(Planned(key=key, payload=payload, owner=owner, planned_at=planned_at, read_at=state.read_at))
        else:
            state.entries[request.order_id] = entry
    return planned


def _collect(ctx: Context, state: _Batch, *, wait: bool, timeout: float, progress: Progress | None) -> None:
    """Finish every journaled entry; a feed's report is read once for all its orders."""
    state.outcomes.update(
        finish_each(
            ctx.journal,
            state.entries,
            finish=lambda entry: finish(ctx, entry, wait=wait, timeout=timeout, progress=progress),
            decode=cancel_from_json,
        )
    )


def cancel_orders(
    ctx: Context,
    requests: Sequence[CancelRequest],
    *,
    wait: bool,
    timeout: float,
    progress: Progress | None = None,
    guard: Guard | None = None,
    extra_check: Check | None = None,
    buyer_request: bool = False,
    texts: Mapping[str, str] | None = None,
) -> BatchOutcome[CancelOutcome]:
    """See ``sp_cancel.SellerClient.cancel_orders``.

    ``buyer_request``: the batch accepts buyers' requests (``BuyerCanceled``): each order must show its
    buyer's request when checked and again right before any send. ``texts``: order id -> the checked text
    to tell that order's buyer once Amazon confirmed its cancel (``notify.texts_for``).
    """
    batch = list(requests)  # checked at SellerClient's door: CancelRequest values, at least one
    keys = [submission_key(ctx.seller_id, r) for r in batch]
    run = functools.partial(
        _run,
        ctx,
        wait=wait,
        timeout=timeout,
        progress=progress,
        guard=guard,
        extra_check=extra_check,
        buyer_request=buyer_request,
        texts=texts or {},
    )
    with LOCAL.lead(ctx.journal, keys):  # one call of this process per cancel at a time
        result = run(batch)
        # An attempt this call found not sent (its horizon passed with nothing seen): asking again sends it.
        again = [r for r in batch if (o := result.get(r.order_id)) is not None and o.status is CancelStatus.NOT_SENT]
        if not again:
            return result
        retried = run(again)
    merged = {order_id: retried.get(order_id, outcome) for order_id, outcome in result.items()}
    return BatchOutcome(outcomes=merged, feed_ids=result.feed_ids + retried.feed_ids)


def _run(
    ctx: Context,
    batch: list[CancelRequest],
    *,
    wait: bool,
    timeout: float,
    progress: Progress | None,
    guard: Guard | None,
    extra_check: Check | None,
    buyer_request: bool,
    texts: Mapping[str, str],
) -> BatchOutcome[CancelOutcome]:
    state, fresh = _sort(ctx, batch)
    _preflight(ctx, state, fresh, extra_check, buyer_request=buyer_request)
    if guard is not None and state.sendable:
        guard(state.sendable, state.checked)  # raises before anything is planned or sent
    planned = _plan(ctx, state, buyer_request=buyer_request)
    for one in planned:  # buyers' messages are journaled before the feed goes out: a crash cannot lose them
        journal_pending(
            ctx, one.key, one.request.order_id, texts.get(one.request.order_id), marketplace_id=one.marketplace_id
        )
    feed_ids = submit_or_settle(ctx, planned) if planned else []
    for one in planned:
        entry = ctx.journal.get(one.key)
        if entry is not None:
            state.entries[one.request.order_id] = entry
    _collect(ctx, state, wait=wait, timeout=timeout, progress=progress)
    outcomes = {order_id: attach(ctx, o, texts.get(order_id)) for order_id, o in _in_order(batch, state).items()}
    return BatchOutcome(outcomes=outcomes, feed_ids=tuple(feed_ids))


def _in_order(batch: list[CancelRequest], state: _Batch) -> dict[str, CancelOutcome]:
    """One outcome per order, in the order first asked; a refusal is a ``REFUSED`` outcome with its error."""
    ordered: dict[str, CancelOutcome] = {}
    for request in batch:
        order_id = request.order_id
        if order_id in ordered:
            continue
        error = state.errors.get(order_id)
        if isinstance(error, SpCancelError):
            ordered[order_id] = CancelOutcome(
                order_id=order_id,
                status=CancelStatus.REFUSED,
                reason=request.reason,
                items=None if request.items is None else tuple(request.items),
                detail=str(error),
                error=error,
            )
        elif order_id in state.outcomes:
            ordered[order_id] = state.outcomes[order_id]
    return ordered
