"""Seller cancellation of unshipped seller-fulfilled orders: the single-order call, a batch of one.

Whole orders go through ``POST_ORDER_ACKNOWLEDGEMENT_DATA`` (``StatusCode``
Failure, every item with its ``CancelReason``); units of items through
``POST_PAYMENT_ADJUSTMENT_DATA`` (``QuantityCancelled``). One cancel is the
batch pipeline (``batch``: pre-flight, plan, claim, submit, finish) with one
request, so a fix to any step is made once; a refusal the batch reports as a
``REFUSED`` outcome is raised here. The opt-in Orders API route is ``orders_api``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from sp_cancel._cancellation.batch import cancel_orders
from sp_cancel._cancellation.notify import attach
from sp_cancel._cancellation.orders_api import cancel_via_orders_api
from sp_cancel._cancellation.outcomes import CancelOutcome, CancelStatus

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context
    from sp_cancel._runtime.feeds import Progress
    from sp_cancel.models import CancelRequest

__all__ = ["cancel_order"]


def cancel_order(
    ctx: Context,
    request: CancelRequest,
    *,
    via: Literal["feed", "orders_api"],
    wait: bool,
    timeout: float,
    progress: Progress | None = None,
    notify_buyer: str | None = None,
) -> CancelOutcome:
    """See ``sp_cancel.SellerClient.cancel_order`` (arguments checked there, ``notify_buyer`` included).

    Raises:
        NotCancellableError, NotFoundError, IdempotencyConflictError...: what refused the order before sending.
    """
    if via == "orders_api":
        return attach(ctx, cancel_via_orders_api(ctx, request, notify_buyer=notify_buyer), notify_buyer)
    texts = None if notify_buyer is None else {request.order_id: notify_buyer}
    outcome = cancel_orders(ctx, [request], wait=wait, timeout=timeout, progress=progress, texts=texts)[
        request.order_id
    ]
    if outcome.status is CancelStatus.REFUSED and outcome.error is not None:
        raise outcome.error
    return outcome
