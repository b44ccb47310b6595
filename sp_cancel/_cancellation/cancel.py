"""Seller cancellation of unshipped seller-fulfilled orders: the single-order call.

Whole orders go through ``POST_ORDER_ACKNOWLEDGEMENT_DATA`` (``StatusCode``
Failure, every item with its ``CancelReason``); units of items through
``POST_PAYMENT_ADJUSTMENT_DATA`` (``QuantityCancelled``). Every request is
journaled planned -> submitted -> done/rejected under a deterministic key, so a
repeated call returns the earlier outcome and a crashed process resumes
instead of sending twice. Keys, journal payloads and feed submission are in
``record``, finishing and crash recovery in ``finish``, batches in ``batch``,
the opt-in Orders API route in ``orders_api``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from sp_cancel._cancellation.finish import finish
from sp_cancel._cancellation.notify import attach, journal_pending
from sp_cancel._cancellation.orders_api import cancel_via_orders_api
from sp_cancel._cancellation.record import (
    Planned,
    check,
    check_conflict,
    claim,
    kind_of,
    live_key,
    payload_of,
    previous_outcome,
    submission_key,
    submit_or_settle,
)
from sp_cancel._outcomes import CancelOutcome, CancelStatus
from sp_cancel._runtime import LOCAL
from sp_cancel.errors import FeedError, InvalidInputError
from sp_cancel.models import CancelReason, CancelRequest, ItemCancel, check_order_id
from sp_cancel.orders import OrderState, get_order

if TYPE_CHECKING:
    from sp_cancel._runtime import Context, Progress

__all__ = ["cancel_order"]


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
    notify_buyer: str | None = None,
) -> CancelOutcome:
    """See ``sp_cancel.SellerClient.cancel_order``; ``notify_buyer`` is a text ``notify.check_text`` passed."""
    request = CancelRequest(order_id=check_order_id(order_id), reason=reason, items=items)
    if via not in {"feed", "orders_api"}:
        raise InvalidInputError(f"via must be 'feed' or 'orders_api', got {via!r}", field="via")
    if timeout <= 0:
        raise InvalidInputError("timeout must be positive (seconds)", field="timeout")
    if via == "orders_api":
        return attach(ctx, cancel_via_orders_api(ctx, request, notify_buyer=notify_buyer), notify_buyer)
    with LOCAL.lead(ctx.journal, submission_key(ctx.seller_id, request)):
        outcome = _cancel(ctx, request, wait=wait, timeout=timeout, progress=progress, notify_buyer=notify_buyer)
        return attach(ctx, outcome, notify_buyer)


def _cancel(
    ctx: Context,
    request: CancelRequest,
    *,
    wait: bool,
    timeout: float,
    progress: Progress | None,
    notify_buyer: str | None,
) -> CancelOutcome:
    key = live_key(ctx, request)
    existing = ctx.journal.get(key)
    if existing is not None and existing.state != "planned":
        outcome = finish(ctx, existing, wait=wait, timeout=timeout, progress=progress)
        if outcome.status is not CancelStatus.NOT_SENT:
            return outcome
        key = live_key(ctx, request)  # that attempt is now known not sent: asking again sends the next one
    check_conflict(ctx, request, key)
    order = get_order(ctx.api, request.order_id)
    if order.status is OrderState.CANCELLED and request.items is None:
        previous = previous_outcome(ctx, request.order_id)
        if previous is not None:
            return previous
    check(order, request)
    payload = payload_of(request, order, ctx.marketplace_id)
    # The buyer's message is journaled before the cancel goes out: a crash from here on cannot lose it.
    journal_pending(ctx, key, request.order_id, notify_buyer, marketplace_id=str(payload["marketplace_id"]))
    entry, owner = claim(ctx, key, kind_of(request), request.order_id, payload)
    if entry is None:
        planned = Planned(
            key=key,
            request=request,
            item_ids=tuple(payload["order_items"]),
            marketplace_id=str(payload["marketplace_id"]),
            owner=owner,
        )
        submit_or_settle(ctx, [planned])
        entry = ctx.journal.get(key)
        if entry is None:
            raise FeedError("the journal lost this submission", feed_id="unknown")
    return finish(ctx, entry, wait=wait, timeout=timeout, progress=progress)
