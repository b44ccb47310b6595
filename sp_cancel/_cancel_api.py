"""The opt-in Orders API 2026-01-01 ``cancelOrder`` route.

Amazon published and withdrew this operation three times in 2026; it is off by
default. It cancels whole orders only, for five reason codes, and answers 202
before the order changes: the outcome is ``CANCELLED`` once the order reads
back as cancelled, ``SUBMITTED`` until then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from sp_cancel._cancel import (
    KIND_ORDERS_API,
    claim,
    payload_of,
    previous_outcome,
    request_of,
    submission_key,
    submitted_outcome,
)
from sp_cancel._codec import cancel_from_json, cancel_to_json
from sp_cancel._outcomes import CancelOutcome, CancelStatus
from sp_cancel.errors import InvalidInputError, OutcomeUnknownError, SpCancelError
from sp_cancel.models import CancelReason, CancelRequest
from sp_cancel.orders import OrderState, check_whole_cancel, get_order

if TYPE_CHECKING:
    from sp_cancel._context import Context
    from sp_cancel.journal import Entry

__all__ = ["cancel_via_orders_api", "finish_orders_api"]


def cancel_via_orders_api(ctx: Context, request: CancelRequest) -> CancelOutcome:
    """Cancel a whole order with ``PUT /orders/2026-01-01/orders/{orderId}/cancellation``."""
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
        return finish_orders_api(ctx, existing)
    order = get_order(ctx.api, request.order_id)
    if order.state is OrderState.CANCELLED:
        previous = previous_outcome(ctx, request.order_id)
        if previous is not None:
            return previous
    check_whole_cancel(order)
    entry = claim(ctx, key, KIND_ORDERS_API, request.order_id, payload_of(request, order, ctx.marketplace_id))
    if entry is not None:
        return finish_orders_api(ctx, entry)
    ctx.journal.mark_submitting([key], feed_type=None, document_hash=None, sent_at=ctx.clock.now())
    try:
        ctx.api.call("orders.cancelOrder", path={"orderId": request.order_id}, body={"cancelReasonCode": code})
    except OutcomeUnknownError:
        pass  # Amazon may have taken it: the read-back below (or a later refresh) tells
    except SpCancelError:
        ctx.journal.release(key)  # Amazon said no before doing anything: leave no trace
        raise
    current = ctx.journal.get(key)
    assert current is not None  # noqa: S101 - written above
    return finish_orders_api(ctx, current)


def finish_orders_api(ctx: Context, entry: Entry) -> CancelOutcome:
    """Read the order back: ``CANCELLED`` (journaled as done) once Amazon shows it, else ``SUBMITTED``."""
    if entry.finished and entry.outcome:
        return cancel_from_json(entry.outcome)
    request = request_of(entry.payload)
    order = get_order(ctx.api, request.order_id)
    if order.state is not OrderState.CANCELLED:
        return attrs.evolve(
            submitted_outcome(entry, detail=f"Amazon accepted the request; the order is {order.state.value}"),
            via="orders_api",
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
