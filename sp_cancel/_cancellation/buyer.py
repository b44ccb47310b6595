"""Buyer cancellation requests (metric-safe to accept) and cancellations Amazon made itself."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from sp_cancel._amazon_cancel import classify_amazon_cancel
from sp_cancel._cancellation.batch import cancel_orders
from sp_cancel._cancellation.outcomes import CancelOutcome, SystemCancellation
from sp_cancel._order import BuyerCancelRequest
from sp_cancel._outcomes import BatchOutcome
from sp_cancel.clock import utc
from sp_cancel.errors import AuthError, InvalidInputError, NotFoundError
from sp_cancel.logging import get_logger
from sp_cancel.models import CancelReason, CancelRequest
from sp_cancel.orders import Order, OrderState, get_order_v0, search_orders

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sp_cancel._runtime.context import Context
    from sp_cancel._runtime.feeds import Progress

__all__ = ["accept_buyer_cancellations", "buyer_cancellation_requests", "system_cancellations"]

_OPEN: Final = (OrderState.UNSHIPPED, OrderState.PARTIALLY_SHIPPED)
_log = get_logger()


def _since(ctx: Context, since: datetime | timedelta) -> datetime:
    if isinstance(since, timedelta):
        if since <= timedelta(0):
            raise InvalidInputError("since must be a positive timedelta or a datetime", field="since")
        return ctx.clock.now() - since
    if not isinstance(since, datetime):
        raise InvalidInputError(f"since must be a datetime or timedelta, got {since!r}", field="since")
    try:
        return utc(since)
    except ValueError as exc:
        raise InvalidInputError(str(exc), field="since") from None


def _request_of(order: Order) -> BuyerCancelRequest | None:
    asked = [i for i in order.items if i.buyer_requested_cancel and i.quantity_unshipped > 0]
    if not asked or order.status not in _OPEN:
        return None
    return BuyerCancelRequest(
        order_id=order.order_id,
        order_item_ids=tuple(i.order_item_id for i in asked),
        reason_text=next((i.buyer_cancel_reason for i in asked if i.buyer_cancel_reason), None),
        # The 2026-01-01 model has no request timestamp: a request updates the order, so this is its last update.
        requested_at=order.last_updated_at,
        marketplace_id=order.marketplace_id or "",
    )


def _v0_requests(ctx: Context, since: datetime) -> list[BuyerCancelRequest]:
    """Fallback through Orders v0: ``getOrders`` then ``getOrderItems`` per open order."""
    found: list[BuyerCancelRequest] = []
    token: str | None = None
    while True:
        if token is None:
            response = ctx.api.get_orders_v0(
                marketplace_ids=[ctx.marketplace_id],
                last_updated_after=since,
                fulfillment_channels=["MFN"],
                order_statuses=["Unshipped", "PartiallyShipped"],
            )
        else:
            response = ctx.api.get_orders_v0(marketplace_ids=[ctx.marketplace_id], next_token=token)
        for raw in response.orders:
            request = _request_of(get_order_v0(ctx.api, raw.amazon_order_id))
            if request is not None:
                found.append(request)
        token = response.next_token
        if not token:
            return found


def buyer_cancellation_requests(ctx: Context, *, since: datetime | timedelta) -> list[BuyerCancelRequest]:
    """See ``sp_cancel.SellerClient.buyer_cancellation_requests``."""
    start = _since(ctx, since)
    try:
        orders = search_orders(
            ctx.api,
            last_updated_after=start,
            fulfilled_by="MERCHANT",
            statuses=_OPEN,
            included_data=("CANCELLATION", "FULFILLMENT"),
            marketplace_ids=[ctx.marketplace_id],
        )
        return [r for order in orders if (r := _request_of(order)) is not None]
    except (AuthError, NotFoundError) as exc:
        # The application may not be granted Orders 2026-01-01 yet: Orders v0 (deprecated) may still answer,
        # while the client uses it (orders_v0="auto", before 2027-03-27, not retired); else Amazon's refusal stands.
        if not ctx.api.orders_v0.served:
            raise
        _log.warning("sp_cancel.orders_fallback_used", operation="orders.searchOrders", status=exc.status)
        return _v0_requests(ctx, start)


def accept_buyer_cancellations(
    ctx: Context,
    order_ids: Sequence[str],
    *,
    wait: bool,
    timeout: float,
    progress: Progress | None = None,
) -> BatchOutcome[CancelOutcome]:
    """See ``sp_cancel.SellerClient.accept_buyer_cancellations`` (which checks the order ids)."""
    # The order is read again before sending: whether the buyer asked is Amazon's word, not the caller's.
    batch = [CancelRequest(order_id=order_id, reason=CancelReason.BUYER_CANCELED) for order_id in order_ids]
    return cancel_orders(ctx, batch, wait=wait, timeout=timeout, progress=progress, buyer_request=True)


def system_cancellations(ctx: Context, *, since: datetime | timedelta) -> list[SystemCancellation]:
    """See ``sp_cancel.SellerClient.system_cancellations``."""
    start = _since(ctx, since)
    found = []
    for order in search_orders(
        ctx.api,
        last_updated_after=start,
        statuses=(OrderState.CANCELLED,),
        included_data=("CANCELLATION", "FULFILLMENT"),
        marketplace_ids=[ctx.marketplace_id],
    ):
        by_amazon = [i for i in order.items if i.cancelled_by == "AMAZON"]
        if by_amazon:
            found.append(
                SystemCancellation(
                    order_id=order.order_id,
                    cancelled_at=order.last_updated_at,
                    reason_text=(reason := next((i.cancel_reason for i in by_amazon if i.cancel_reason), None)),
                    marketplace_id=order.marketplace_id,
                    kind=classify_amazon_cancel(
                        reason_text=reason,
                        purchased_at=order.purchased_at,
                        cancelled_at=order.last_updated_at,
                        ship_by=order.ship_by,
                    ),
                )
            )
    return found
