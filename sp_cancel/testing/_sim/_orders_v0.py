"""Orders API v0 (deprecated, still served): ``getOrders``, ``getOrder``, ``getOrderItems``.

https://developer-docs.amazon.com/sp-api/reference/getorders
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from sp_cancel.testing._sim._http import Router, SimRequest, SimResponse
from sp_cancel.testing._sim._orderviews import order_item_v0, order_v0
from sp_cancel.testing._sim._state import SimOrder
from sp_cancel.testing._sim._util import (
    ORDER_ID_RE,
    decode_token,
    encode_token,
    invalid_input,
    iso,
    not_found,
    parse_iso,
)

if TYPE_CHECKING:
    from sp_cancel.testing._sim._core import SimulatorCore

__all__ = ["register"]

_V0_STATUSES: Final = frozenset(
    {
        "PendingAvailability",
        "Pending",
        "Unshipped",
        "PartiallyShipped",
        "Shipped",
        "Canceled",
        "Unfulfillable",
        "InvoiceUnconfirmed",
    }
)
_MIN_AGE: Final = timedelta(minutes=2)


def _query_from(request: SimRequest) -> dict[str, list[str]] | SimResponse:
    token = request.one("NextToken")
    if token is None:
        return {k: list(v) for k, v in request.query.items()}
    data = decode_token(token)
    if data is None or not isinstance(data.get("q"), dict):
        return invalid_input("Invalid NextToken.")
    query: dict[str, list[str]] = {str(k): [str(x) for x in v] for k, v in data["q"].items()}
    query["_cursor"] = [str(data.get("c", ""))]
    return query


def get_orders(sim: SimulatorCore, request: SimRequest) -> SimResponse:  # noqa: C901, PLR0911, PLR0912 - one rule per check
    """``GET /orders/v0/orders``."""
    query = _query_from(request)
    if isinstance(query, SimResponse):
        return query
    q = SimRequest(method="GET", path=request.path, query=query, headers=request.headers, body=b"")
    marketplaces = set(request.many("MarketplaceIds") or q.many("MarketplaceIds"))
    if not marketplaces:
        return invalid_input("MarketplaceIds is required.")
    created_after, updated_after = q.one("CreatedAfter"), q.one("LastUpdatedAfter")
    if (created_after is None) == (updated_after is None):
        return invalid_input("Either CreatedAfter or LastUpdatedAfter must be specified, not both.")
    if updated_after is not None and q.one("CreatedBefore") is not None:
        return invalid_input("CreatedBefore cannot be specified with LastUpdatedAfter.")
    after = parse_iso(created_after or updated_after)
    if after is None:
        return invalid_input("Invalid Input")
    before_text = q.one("CreatedBefore") if created_after else q.one("LastUpdatedBefore")
    before = parse_iso(before_text) if before_text else None
    if before_text and before is None:
        return invalid_input("Invalid Input")
    if before is not None and before > sim.now() - _MIN_AGE:
        return invalid_input("Before date must be no later than two minutes before the time of the request.")
    statuses = set(q.many("OrderStatuses"))
    if statuses - _V0_STATUSES:
        return invalid_input(f"Invalid OrderStatuses: {', '.join(sorted(statuses - _V0_STATUSES))}.")
    channels = set(q.many("FulfillmentChannels"))
    if channels - {"MFN", "AFN"}:
        return invalid_input("FulfillmentChannels must be MFN or AFN.")
    size_text = q.one("MaxResultsPerPage") or "100"
    if not size_text.isdigit() or not 1 <= int(size_text) <= 100:
        return invalid_input("MaxResultsPerPage must be between 1 and 100.")
    size = int(size_text)
    by_created = created_after is not None

    def stamp(order: SimOrder) -> str:
        return iso(order.purchase_date if by_created else order.last_update_date)

    def keep(order: SimOrder) -> bool:
        when = order.purchase_date if by_created else order.last_update_date
        return (
            when >= after
            and (before is None or when <= before)
            and order.marketplace_id in marketplaces
            and (not statuses or order.status in statuses)
            and (not channels or order.fulfillment_channel in channels)
        )

    matching = sorted((o for o in sim.world.orders.values() if keep(o)), key=lambda o: (stamp(o), o.order_id))
    cursor = q.one("_cursor")
    if cursor:
        matching = [o for o in matching if f"{stamp(o)}|{o.order_id}" > cursor]
    page, rest = matching[:size], matching[size:]
    payload: dict[str, Any] = {"Orders": [order_v0(o) for o in page]}
    if rest and page:
        original = {k: v for k, v in query.items() if k not in {"NextToken", "_cursor"}}
        payload["NextToken"] = encode_token({"q": original, "c": f"{stamp(page[-1])}|{page[-1].order_id}"})
    if before is not None:
        payload["CreatedBefore" if by_created else "LastUpdatedBefore"] = iso(before)
    return SimResponse(status=200, body={"payload": payload})


def _find(sim: SimulatorCore, order_id: str) -> SimOrder | SimResponse:
    if not ORDER_ID_RE.match(order_id):
        return invalid_input("Invalid Input")
    order = sim.world.orders.get(order_id)
    if order is None:
        return not_found(f"Order {order_id} not found.")
    return order


def get_order(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /orders/v0/orders/{orderId}``."""
    found = _find(sim, request.path_params["orderId"])
    if isinstance(found, SimResponse):
        return found
    return SimResponse(status=200, body={"payload": order_v0(found)})


def get_order_items(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /orders/v0/orders/{orderId}/orderItems`` (pages of 100 items; ``NextToken`` beyond)."""
    found = _find(sim, request.path_params["orderId"])
    if isinstance(found, SimResponse):
        return found
    start = 0
    token = request.one("NextToken")
    if token is not None:
        data = decode_token(token)
        if data is None or data.get("o") != found.order_id:
            return invalid_input("Invalid NextToken.")
        start = int(data.get("s", 0))
    items = found.items[start : start + 100]
    payload: dict[str, Any] = {
        "AmazonOrderId": found.order_id,
        "OrderItems": [order_item_v0(found, item) for item in items],
    }
    if start + 100 < len(found.items):
        payload["NextToken"] = encode_token({"o": found.order_id, "s": start + 100})
    return SimResponse(status=200, body={"payload": payload})


def register(router: Router) -> None:
    """Add the Orders v0 routes."""
    router.add("GET", "/orders/v0/orders", "ordersV0.getOrders", get_orders)
    router.add("GET", "/orders/v0/orders/{orderId}", "ordersV0.getOrder", get_order)
    router.add("GET", "/orders/v0/orders/{orderId}/orderItems", "ordersV0.getOrderItems", get_order_items)
