"""Reading a batch's orders for the pre-flight checks, at a cost proportional to the batch, not the seller.

Amazon offers three routes to an order's state and items, each under its own usage plan (docs/buyer-requests.md, §11):

- ``getOrder`` (2026-01-01): one order with its items per call, 0.5/s after a burst of 30;
- ``searchOrders`` (2026-01-01): 100 of the seller's orders per page, 0.0056/s (one page every ~3 min)
  after a burst of 20; no order-id filter, only a creation-time window;
- v0 ``getOrders`` with ``AmazonOrderIds``: up to 50 named orders per call (status, channel, purchase
  date; no items), 0.0167/s after a burst of 20.

The plan, for more orders than ``getOrder``'s burst:

1. v0 ``getOrders`` names the batch's orders, 50 per call: their states settle every order that cannot be
   cancelled anyway (shipped, cancelled, pending, Amazon-fulfilled) without reading its items, and their
   purchase dates bound the creation-time window the rest were placed in.
2. The cancellable ones need their items. ``searchOrders`` is paged over *that* window only (unshipped and
   partly shipped, merchant-fulfilled), oldest first; after each page the pages still to come are
   estimated from the share of the window the pages so far covered, and paging goes on only while those
   pages cost less time, under their usage plan, than ``getOrder`` for the orders still missing.
3. Whatever is still missing is read with ``getOrder``, one by one.

So 1,000 orders placed today by a seller with 50,000 open orders cost 20 ``getOrders`` calls and the ~10
pages of today's orders, never the 500 pages of the whole month; 1,000 orders spread over the month
cost 20 ``getOrders`` calls and 1,000 ``getOrder`` reads (about 32 minutes at 0.5/s), not 500 pages
(about a day). v0 ``getOrders`` is deprecated (removal 2027-03-27): if it fails, step 1 is skipped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from sp_cancel._operations import OPERATIONS
from sp_cancel.errors import ApiError, NotFoundError, SpCancelError
from sp_cancel.models import Fulfillment
from sp_cancel.orders import Order, OrderState, get_order

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context

__all__ = ["IDS_PER_CALL", "Calls", "read_orders"]

IDS_PER_CALL: Final = 50  # v0 getOrders AmazonOrderIds maxItems (ordersV0.json)
PAGE_SIZE: Final = 100  # searchOrders maxResultsPerPage
_LOOKBACK: Final = timedelta(days=730)  # orders older than 2 years are not returned (docs/buyer-requests.md)
# A *Before bound must be >= 2 minutes before Amazon's now; 5 more for clock skew (else it is left out).
_BEFORE_MIN_AGE: Final = timedelta(minutes=7)
_CANCELLABLE: Final = frozenset({OrderState.UNSHIPPED, OrderState.PARTIALLY_SHIPPED})
_ITEMS_DATA: Final = ("FULFILLMENT", "PROCEEDS", "CANCELLATION")


class Calls:
    """Calls made per operation in this read, and what more would cost under the usage plans."""

    def __init__(self) -> None:
        """Start with nothing spent."""
        self.made: dict[str, int] = {}

    def spend(self, key: str, count: int = 1) -> None:
        """Count ``count`` calls of ``key``."""
        self.made[key] = self.made.get(key, 0) + count

    def seconds(self, key: str, more: int) -> float:
        """Seconds ``more`` calls of ``key`` add, beyond those made, under its usage plan (burst first)."""
        op = OPERATIONS[key]
        used = self.made.get(key, 0)
        beyond = max(0, used + more - op.burst) - max(0, used - op.burst)
        return beyond / op.rate


def _by_ids(ctx: Context, ids: Sequence[str], calls: Calls) -> dict[str, Order] | None:
    """v0 ``getOrders`` by ``AmazonOrderIds``: the named orders without items, or ``None`` if v0 failed."""
    found: dict[str, Order] = {}
    since = ctx.clock.now() - _LOOKBACK
    try:
        for start in range(0, len(ids), IDS_PER_CALL):
            token: str | None = None
            chunk = list(ids[start : start + IDS_PER_CALL])
            while True:
                calls.spend("ordersV0.getOrders")
                page = ctx.api.get_orders_v0(
                    created_after=None if token else since,
                    amazon_order_ids=None if token else chunk,
                    marketplace_ids=None if token else [ctx.marketplace_id],
                    next_token=token,
                )
                for raw in page.orders:
                    order = raw.to_order()
                    found[order.order_id] = order
                token = page.next_token
                if not token:
                    break
    except ApiError:
        return None  # deprecated route unavailable: read every order with getOrder instead
    return found


def _search(ctx: Context, wanted: set[str], start: datetime, stop: datetime, calls: Calls) -> dict[str, Order]:
    """Page ``searchOrders`` over ``[start, stop]`` while that costs less than ``getOrder`` for the rest."""
    found: dict[str, Order] = {}
    now = ctx.clock.now()
    before = stop if stop <= now - _BEFORE_MIN_AGE else None
    horizon = before or now
    token: str | None = None
    seen = 0
    newest = start
    while len(found) < len(wanted):
        calls.spend("orders.searchOrders")
        page = ctx.api.search_orders(
            created_after=start,
            created_before=before,
            fulfilled_by="MERCHANT",
            fulfillment_statuses=[s.value for s in sorted(_CANCELLABLE, key=lambda s: s.value)],
            included_data=list(_ITEMS_DATA),
            marketplace_ids=[ctx.marketplace_id],
            max_results_per_page=PAGE_SIZE,
            pagination_token=token,
        )
        for order in page.orders:
            seen += 1
            newest = max(newest, order.purchased_at or newest)
            if order.order_id in wanted:
                found[order.order_id] = order
        token = page.next_token
        if not token:
            break
        covered = (newest - start).total_seconds()
        span = (horizon - start).total_seconds()
        estimated = seen * span / covered if covered > 0 else float(seen + PAGE_SIZE)
        pages_left = max(1, math.ceil((estimated - seen) / PAGE_SIZE))
        missing = len(wanted) - len(found)
        if calls.seconds("orders.searchOrders", pages_left) > calls.seconds("orders.getOrder", missing):
            break  # reading the rest one by one is cheaper than paging on
    return found


def _one_by_one(ctx: Context, ids: Sequence[str], out: dict[str, Order | SpCancelError], calls: Calls) -> None:
    for order_id in ids:
        calls.spend("orders.getOrder")
        try:
            out[order_id] = get_order(ctx.api, order_id)
        except NotFoundError as exc:
            out[order_id] = exc


def read_orders(ctx: Context, order_ids: Sequence[str], calls: Calls | None = None) -> dict[str, Order | SpCancelError]:
    """Read the batch's orders for the pre-flight checks (see the module docstring for the plan).

    Orders that cannot be cancelled come back without items (their state is what refuses them); an
    order Amazon does not know maps to the ``NotFoundError`` ``getOrder`` raised.
    """
    calls = calls if calls is not None else Calls()
    wanted = list(dict.fromkeys(order_ids))
    out: dict[str, Order | SpCancelError] = {}
    if len(wanted) <= OPERATIONS["orders.getOrder"].burst:
        _one_by_one(ctx, wanted, out, calls)
        return out
    named = _by_ids(ctx, wanted, calls) or {}
    to_read: list[str] = []
    for order_id in wanted:
        order = named.get(order_id)
        if order is not None and (order.status not in _CANCELLABLE or order.channel is Fulfillment.AFN):
            out[order_id] = order  # refused on its state alone: no items needed
        else:
            to_read.append(order_id)
    dates = [o.purchased_at for i in to_read if (o := named.get(i)) is not None and o.purchased_at is not None]
    if len(to_read) > OPERATIONS["orders.getOrder"].burst and len(dates) == len(to_read):
        found = _search(ctx, set(to_read), min(dates), max(dates) + timedelta(seconds=1), calls)
        out.update(found)
        to_read = [i for i in to_read if i not in found]
    _one_by_one(ctx, to_read, out, calls)
    return out
