"""The opt-in Orders API 2026-01-01 ``cancelOrder`` route.

Amazon published and withdrew this operation three times in 2026; it is off by
default. It cancels whole orders only, for five reason codes, and answers 202
before the order changes: the outcome is ``CANCELLED`` once the order reads
back as cancelled, ``SUBMITTED`` until then.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final

import attrs

import sp_cancel._events as events
from sp_cancel._cancellation.notify import journal_pending
from sp_cancel._cancellation.outcomes import CancelOutcome, CancelStatus, cancel_from_json, cancel_to_json
from sp_cancel._cancellation.payload import CancelPayload
from sp_cancel._cancellation.record import (
    KIND_ORDERS_API,
    check_conflict,
    claim,
    live_key,
    previous_outcome,
    request_of,
    submission_key,
    submitted_outcome,
)
from sp_cancel._runtime.claims import LOCAL
from sp_cancel.errors import ApiError, OperationWithdrawnError, SpCancelError
from sp_cancel.logging import get_logger
from sp_cancel.models import CancelRequest
from sp_cancel.orders import OrderState, check_whole_cancel, get_order

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context
    from sp_cancel.journal import Entry

__all__ = ["cancel_via_orders_api", "finish_orders_api"]

# States in which Amazon may still carry out an accepted cancelOrder; any other (shipped...) means it did not.
_STILL_OPEN: Final = frozenset({OrderState.UNSHIPPED, OrderState.PENDING, OrderState.PENDING_AVAILABILITY})
_log = get_logger()
# How long Amazon gets after an accepted cancelOrder to show the order cancelled before it is asked again.
RESEND_GRACE: Final = timedelta(minutes=2)
# What Amazon answers for an operation it withdrew (404: no such resource; 403: the gateway's answer for a
# path the application may not call). Amazon documents neither: both are taken as withdrawn.
WITHDRAWN_STATUSES: Final = frozenset({403, 404})
# Between read-backs while waiting for the order to show cancelled.
READ_BACK_POLL: Final = 30.0


def cancel_via_orders_api(ctx: Context, request: CancelRequest, *, notify_buyer: str | None = None) -> CancelOutcome:
    """Cancel a whole order with ``PUT /orders/2026-01-01/orders/{orderId}/cancellation``.

    ``request`` is whole-order with a reason that has a ``cancelReasonCode`` (checked at ``SellerClient``'s door).
    ``notify_buyer``: a checked text for the buyer, journaled pending before ``cancelOrder`` goes out.
    """
    code = request.reason.orders_api_code
    assert code is not None  # noqa: S101 - SellerClient refuses a reason without one
    with LOCAL.lead(ctx.journal, submission_key(ctx.seller_id, request, via="orders_api")):
        key = live_key(ctx, request, via="orders_api")
        existing = ctx.journal.get(key)
        if existing is not None and existing.state != "planned":
            return finish_orders_api(ctx, existing)
        check_conflict(ctx, request, key)
        order = get_order(ctx.api, request.order_id)
        if order.status is OrderState.CANCELLED:
            previous = previous_outcome(ctx, request.order_id)
            if previous is not None:
                return previous
        check_whole_cancel(order)
        payload = CancelPayload.of(request, order, ctx.marketplace_id)
        journal_pending(ctx, key, request.order_id, notify_buyer, marketplace_id=payload.marketplace_id)
        entry, owner = claim(ctx, key, KIND_ORDERS_API, payload)
        if entry is not None:
            return finish_orders_api(ctx, entry)
        ctx.journal.mark_submitting(
            [key],
            feed_type=None,
            document_hash=None,
            sent_at=ctx.clock.now(),
            amazon_sent_at=ctx.amazon_now(),
            owner=owner,
        )
        try:
            ctx.api.cancel_order(request.order_id, cancel_reason_code=code)  # a lost answer is asked again
        except SpCancelError as exc:
            # A refusal may follow an earlier attempt of this very call that Amazon carried out (an answer lost
            # after it acted, then a retry Amazon refused): the order tells. An answer lost every time is no
            # refusal: the order read back settles it (SUBMITTED until it shows).
            refused = isinstance(exc, ApiError) and exc.status is not None and 400 <= exc.status < 500
            withdrawn = isinstance(exc, ApiError) and exc.status in WITHDRAWN_STATUSES
            if refused and get_order(ctx.api, request.order_id).status is not OrderState.CANCELLED:
                current = ctx.journal.get(key)
                if current is not None and not current.finished:
                    outcome = attrs.evolve(
                        submitted_outcome(current),
                        status=CancelStatus.REJECTED,
                        detail=f"Amazon refused cancelOrder: {exc}",
                    )
                    # failed, not rejected: asking again asks Amazon again (a new attempt of this cancel)
                    ctx.journal.mark_done(key, state="failed", outcome=cancel_to_json(outcome))
                if withdrawn and isinstance(exc, ApiError):
                    raise _withdrawn(exc) from exc
                raise
        current = ctx.journal.get(key)
        assert current is not None  # noqa: S101 - written above
        return finish_orders_api(ctx, current)


def _withdrawn(exc: ApiError) -> OperationWithdrawnError:
    """``cancelOrder`` answered 404/403: Amazon withdrew it (again); the hint is the feed route, never taken."""
    return OperationWithdrawnError(
        f"Amazon answered {exc.status} to cancelOrder: the Orders API cancel route is not available to this "
        f"application (Amazon has withdrawn it from its public model three times). Nothing was cancelled.",
        hint=(
            'Cancel through the order feed instead: cancel_order(order_id, reason, via="feed") '
            "(the default; it also takes item-level cancels and every reason, and settles through the "
            "processing report)."
        ),
        **exc.call_details(),
    )


def _touched(ctx: Context, entry: Entry) -> Entry:
    """Record that ``cancelOrder`` is being sent again (the entry's send time moves to now); one worker wins."""
    taken = ctx.journal.take_back(entry.key, version=entry.version)
    if taken is None:  # another worker moved it on meanwhile: follow what it recorded
        return ctx.journal.get(entry.key) or entry
    [sent] = ctx.journal.mark_submitting(
        [taken.key],
        feed_type=None,
        document_hash=None,
        sent_at=ctx.clock.now(),
        amazon_sent_at=ctx.amazon_now(),
        owner=taken.owner,
    )
    return sent


def _send(ctx: Context, order_id: str, code: str) -> None:
    """Ask Amazon again (harmless: it refuses to cancel a cancelled order); the read-back decides what happened."""
    try:
        ctx.api.cancel_order(order_id, cancel_reason_code=code)
    except SpCancelError as exc:  # the read-back says what happened
        _log.warning(events.ORDER_REJECTED, order_id=order_id, reason=str(exc))


def finish_orders_api(ctx: Context, entry: Entry, *, wait: bool = False, timeout: float = 0.0) -> CancelOutcome:
    """Read the order back: ``CANCELLED`` (journaled as done) once Amazon shows it, else ``SUBMITTED``.

    An order still unshipped ``RESEND_GRACE`` after ``cancelOrder`` was sent means the cancel did not
    take (its answer may have been lost after a 5xx, or Amazon dropped it): it is asked again, which is
    harmless (Amazon refuses to cancel a cancelled order) and never happens for an order no longer unshipped.
    With ``wait``, the order is read again every ``READ_BACK_POLL`` seconds until ``timeout``.
    """
    if entry.finished and entry.outcome:
        return cancel_from_json(entry.outcome)
    request = request_of(entry)
    deadline = ctx.clock.monotonic() + (timeout if wait else 0.0)
    order = get_order(ctx.api, request.order_id)
    while order.status in _STILL_OPEN:
        sent = entry.submitted_at or ctx.clock.now()
        if order.status is OrderState.UNSHIPPED and ctx.clock.now() - sent >= RESEND_GRACE:
            code = request.reason.orders_api_code
            if code is not None:
                _log.warning(events.JOURNAL_RESUMED, key=entry.key, action="resend", reason="order still open")
                touched = _touched(ctx, entry)
                if touched.version != entry.version and touched.state == "submitted":
                    _send(ctx, request.order_id, code)
                entry = touched
        remaining = deadline - ctx.clock.monotonic()
        if remaining <= 0:
            break
        ctx.sleep(min(READ_BACK_POLL, remaining))
        order = get_order(ctx.api, request.order_id)
    if order.status in _STILL_OPEN:
        return attrs.evolve(
            submitted_outcome(
                entry, detail=f"cancelOrder was sent; the order still reads back as {order.status.value}"
            ),
            via="orders_api",
        )
    cancelled = order.status is OrderState.CANCELLED
    outcome = CancelOutcome(
        order_id=request.order_id,
        status=CancelStatus.CANCELLED if cancelled else CancelStatus.REJECTED,
        reason=request.reason,
        submission_id=entry.key,
        via="orders_api",
        detail=None if cancelled else f"the order reads back as {order.status.value}: it was not cancelled",
    )
    ctx.journal.mark_done(entry.key, state="done" if cancelled else "rejected", outcome=cancel_to_json(outcome))
    return outcome
