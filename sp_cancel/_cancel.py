"""Seller cancellation of unshipped seller-fulfilled orders: the shared core and the single-order call.

Whole orders go through ``POST_ORDER_ACKNOWLEDGEMENT_DATA`` (``StatusCode``
Failure, every item with its ``CancelReason``); units of items through
``POST_PAYMENT_ADJUSTMENT_DATA`` (``QuantityCancelled``). Every request is
journaled planned -> submitted -> done/rejected under a deterministic key, so a
repeated call returns the earlier outcome and a crashed process resumes
instead of sending twice. Journal payloads and feed submission are in
:mod:`sp_cancel._cancel_submit`, finishing and crash recovery in
:mod:`sp_cancel._cancel_finish` (both re-exported here). Batches are in
:mod:`sp_cancel._cancel_batch`, the opt-in Orders API route in :mod:`sp_cancel._cancel_api`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

from sp_cancel._cancel_finish import finish, finish_feed, recover, refresh_cancel, resume_cancels
from sp_cancel._cancel_submit import (
    CANCEL_KINDS,
    KIND_ITEMS,
    KIND_ORDERS_API,
    KIND_WHOLE,
    Planned,
    check,
    payload_of,
    planned_of,
    request_of,
    submit,
    submit_or_release,
    submitted_outcome,
)
from sp_cancel._codec import cancel_from_json
from sp_cancel._outcomes import CancelOutcome
from sp_cancel.errors import FeedError, InvalidInputError
from sp_cancel.models import CancelReason, CancelRequest, ItemCancel, check_order_id
from sp_cancel.orders import OrderState, get_order

if TYPE_CHECKING:
    from sp_cancel._context import Context
    from sp_cancel._feedrun import Progress
    from sp_cancel.journal import Entry

__all__ = [
    "CANCEL_KINDS",
    "KIND_ITEMS",
    "KIND_ORDERS_API",
    "KIND_WHOLE",
    "Planned",
    "cancel_order",
    "check",
    "finish",
    "finish_feed",
    "payload_of",
    "planned_of",
    "recover",
    "refresh_cancel",
    "request_of",
    "resume_cancels",
    "submission_key",
    "submit",
    "submit_or_release",
    "submitted_outcome",
]

# How long a loser of a planning race waits for the winner (seconds on the client's clock).
CLAIM_WAIT: Final = 900.0


def submission_key(seller_id: str, request: CancelRequest, via: str = "feed") -> str:
    """The journal key of a cancel: the same request for the same seller always maps to it."""
    items = "" if request.items is None else ",".join(f"{i.order_item_id}x{i.quantity}" for i in request.items)
    raw = f"{seller_id}|{request.order_id}|{request.reason.value}|{items}|{via}"
    return "cancel-" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def kind_of(request: CancelRequest) -> str:
    """The journal kind of a feed cancel."""
    return KIND_WHOLE if request.items is None else KIND_ITEMS


def previous_outcome(ctx: Context, order_id: str) -> CancelOutcome | None:
    """An earlier successful whole-order cancel of this order by this library, if the journal has one."""
    for entry in ctx.journal.find(KIND_WHOLE, order_id) + ctx.journal.find(KIND_ORDERS_API, order_id):
        if entry.state == "done" and entry.outcome:
            return cancel_from_json(entry.outcome)
    return None


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
