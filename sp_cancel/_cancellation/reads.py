"""Reading a batch's orders for the pre-flight checks, priced in plan time (docs/orders-api-versions.md).

A call costs ``1 / rate`` seconds of its operation's usage plan whether or not it fits in the burst: the burst
is capacity every process of the seller draws on, so spending it is spending the plan. Amazon's routes to an
order's state and items, priced that way:

- ``getOrder`` (2026-01-01): one order with its items per call, 0.5/s: **2 s of plan per order**;
- ``searchOrders`` (2026-01-01): up to 100 of the seller's orders per page, 0.0056/s: **179 s per page**,
  so at least 1.79 s per order even when every order on every page is one the batch wants, and no
  order-id filter: the window's other orders are paid for too;
- v0 ``getOrders`` with ``AmazonOrderIds`` (deprecated, removal 2027-03-27): 50 named orders per call, without
  items, 0.0167/s: **1.2 s per order**, on top of the 2 s (or 1.79 s) still needed for each cancellable
  order's items.

Priced that way ``getOrder`` is the cheapest route for any batch: v0 ``getOrders`` plus a fully dense
``searchOrders`` window costs at least ``1.2 + 1.79 = 2.99`` s per order, ``searchOrders`` alone has no window
without v0's purchase dates, and ``getOrder`` costs 2 s. So the pre-check reads each order once with
``getOrder``, whatever the seller's size and whether or not Orders v0 is served: a 40-order batch costs 40
reads (80 s of plan) for a 3,000-order seller and a 50,000-order one alike, and never a ``searchOrders``
page. (The earlier plan counted calls inside the burst as free: a 40-order batch of a seller with 1,880 open
orders spent 19 ``searchOrders`` pages, 57 minutes of that plan.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final

from sp_cancel._operations import OPERATIONS
from sp_cancel.errors import NotCancellableError, NotFoundError, SpCancelError
from sp_cancel.orders import Order, OrderStatus, get_order, search_orders

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context

__all__ = ["Calls", "plan_seconds", "read_orders", "shipped_since"]

# A ship-confirmed order reads one of these (Orders 2026-01-01 has no INVOICE_UNCONFIRMED filter value).
SHIPPED_STATUSES: Final = (OrderStatus.SHIPPED, OrderStatus.PARTIALLY_SHIPPED)


def plan_seconds(key: str, count: int = 1) -> float:
    """Seconds of ``key``'s usage plan ``count`` calls consume (``count / rate``; the burst is not free)."""
    return count / OPERATIONS[key].rate


class Calls:
    """Calls made per operation in one read, and the plan time they consumed."""

    def __init__(self) -> None:
        """Start with nothing spent."""
        self.made: dict[str, int] = {}

    def spend(self, key: str, count: int = 1) -> None:
        """Count ``count`` calls of ``key``."""
        self.made[key] = self.made.get(key, 0) + count

    def seconds(self, key: str, more: int) -> float:
        """Plan time ``more`` calls of ``key`` would consume (the same whatever was spent before)."""
        return plan_seconds(key, more)

    @property
    def plan_time(self) -> Mapping[str, float]:
        """Plan time consumed so far per operation, in seconds."""
        return {key: plan_seconds(key, count) for key, count in self.made.items()}


def read_orders(ctx: Context, order_ids: Sequence[str], calls: Calls | None = None) -> dict[str, Order | SpCancelError]:
    """Read the batch's orders for the pre-flight checks, each once with ``getOrder`` (see the module docstring).

    An order Amazon does not know maps to the ``NotFoundError`` ``getOrder`` raised; one whose channel Amazon did
    not say (and v0 could not tell) to the ``NotCancellableError`` ``FULFILLMENT_UNKNOWN`` that refuses it.
    """
    calls = calls if calls is not None else Calls()
    out: dict[str, Order | SpCancelError] = {}
    for order_id in dict.fromkeys(order_ids):
        calls.spend("orders.getOrder")
        try:
            out[order_id] = get_order(ctx.api, order_id)
        except (NotFoundError, NotCancellableError) as exc:  # unknown order; a channel Amazon did not give
            out[order_id] = exc
    return out


def shipped_since(
    ctx: Context, order_ids: Sequence[str], *, since: datetime, calls: Calls | None = None
) -> dict[str, Order]:
    """The orders of ``order_ids`` that read shipped (or partly shipped) now, each updated after ``since``.

    Priced like the pre-check: ``len(order_ids)`` ``getOrder`` reads (2 s of plan each) while that costs no
    more than one ``searchOrders`` page (179 s: up to 89 orders); past that, one ``searchOrders`` of the
    seller's merchant-fulfilled orders updated after ``since`` and shipped now (``lastUpdatedAfter`` +
    ``fulfillmentStatuses``): one page per 100 such orders of the seller, however large the batch. An order
    that cannot be read is left out (it is not known to have shipped).
    """
    calls = calls if calls is not None else Calls()
    wanted = set(order_ids)
    out: dict[str, Order] = {}
    if plan_seconds("orders.getOrder", len(wanted)) <= plan_seconds("orders.searchOrders"):
        for order_id in dict.fromkeys(order_ids):
            calls.spend("orders.getOrder")
            try:
                order = get_order(ctx.api, order_id)
            except (NotFoundError, NotCancellableError):
                continue
            if order.status in SHIPPED_STATUSES:
                out[order_id] = order
        return out
    pages = search_orders(
        ctx.api,
        last_updated_after=since,
        fulfilled_by="MERCHANT",
        statuses=SHIPPED_STATUSES,
        included_data=("FULFILLMENT",),
    )
    seen = 0
    for order in pages:
        seen += 1
        if order.order_id in wanted and order.status in SHIPPED_STATUSES:
            out[order.order_id] = order
    calls.spend("orders.searchOrders", max(1, -(-seen // 100)))
    return out
