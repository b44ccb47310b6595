"""Orders API 2026-01-01: ``searchOrders``, ``getOrder`` and the withdrawn ``cancelOrder`` (facts §3.2, §6).

https://developer-docs.amazon.com/sp-api/reference/searchorders
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from sp_cancel.testing._sim._http import Router, SimRequest, SimResponse
from sp_cancel.testing._sim._orderviews import STATUS_2026, fulfillment_status, order_2026
from sp_cancel.testing._sim._state import SimOrder
from sp_cancel.testing._sim._util import (
    ORDER_ID_RE,
    decode_token,
    digest,
    encode_token,
    invalid_input,
    iso,
    not_found,
    parse_iso,
)

if TYPE_CHECKING:
    from sp_cancel.testing._sim._core import SimulatorCore

__all__ = ["register"]

INCLUDED_DATA: Final = frozenset(
    {
        "BUYER",
        "RECIPIENT",
        "PROCEEDS",
        "EXPENSE",
        "PROMOTION",
        "CANCELLATION",
        "FULFILLMENT",
        "PACKAGES",
        "TAX",
        "PAYMENT",
        "FULFILLMENT_ORDERS",
    }
)
_STATUSES: Final = frozenset(STATUS_2026.values())
_TOKEN_LIFETIME: Final = timedelta(hours=24)
_MIN_AGE: Final = timedelta(minutes=2)
CANCEL_REASONS: Final = {
    "NO_INVENTORY": "NoInventory",
    "BUYER_CANCELLED": "BuyerCanceled",
    "SHIPPING_ADDRESS_UNDELIVERABLE": "ShippingAddressUndeliverable",
    "CUSTOMER_EXCHANGE": "CustomerExchange",
    "PRICING_ERROR": "PricingError",
}


def _included(request: SimRequest) -> tuple[set[str] | None, SimResponse | None]:
    values = set(request.many("includedData"))
    unknown = values - INCLUDED_DATA
    if unknown:
        return None, invalid_input(f"Invalid includedData value(s): {', '.join(sorted(unknown))}.")
    return values, None


def _window(  # noqa: C901, PLR0911 - one answer per documented rule
    sim: SimulatorCore, request: SimRequest
) -> tuple[Callable[[SimOrder], datetime], datetime, datetime | None] | SimResponse:
    created_after, updated_after = request.one("createdAfter"), request.one("lastUpdatedAfter")
    created_before, updated_before = request.one("createdBefore"), request.one("lastUpdatedBefore")
    if (created_after is None) == (updated_after is None):
        return invalid_input("Exactly one of createdAfter and lastUpdatedAfter must be provided.")
    if created_after is not None and (updated_before is not None):
        return invalid_input("lastUpdatedBefore cannot be provided together with createdAfter.")
    if updated_after is not None and (created_before is not None):
        return invalid_input("createdBefore cannot be provided together with lastUpdatedAfter.")
    after_text, before_text = (created_after, created_before) if created_after else (updated_after, updated_before)
    after = parse_iso(after_text)
    if after is None:
        return invalid_input(f"Invalid ISO 8601 date: {after_text}.")
    before: datetime | None = None
    if before_text is not None:
        before = parse_iso(before_text)
        if before is None:
            return invalid_input(f"Invalid ISO 8601 date: {before_text}.")
        if before < after:
            return invalid_input("The Before date must be equal to or after the After date.")
        if before > sim.now() - _MIN_AGE:
            return invalid_input("The Before date must be at least two minutes before the time of the request.")

    def created(order: SimOrder) -> datetime:
        return order.purchase_date

    def updated(order: SimOrder) -> datetime:
        return order.last_update_date

    return (created if created_after else updated), after, before


def search_orders(sim: SimulatorCore, request: SimRequest) -> SimResponse:  # noqa: C901, PLR0911 - one validation per rule
    """``GET /orders/2026-01-01/orders``."""
    window = _window(sim, request)
    if isinstance(window, SimResponse):
        return window
    key, after, before = window
    included, error = _included(request)
    if error is not None or included is None:
        return error or invalid_input("Invalid includedData.")
    statuses = set(request.many("fulfillmentStatuses"))
    if statuses - _STATUSES:
        return invalid_input(f"Invalid fulfillmentStatuses: {', '.join(sorted(statuses - _STATUSES))}.")
    fulfilled_by = set(request.many("fulfilledBy"))
    if fulfilled_by - {"MERCHANT", "AMAZON"}:
        return invalid_input("fulfilledBy must be MERCHANT or AMAZON.")
    marketplaces = set(request.many("marketplaceIds"))
    if len(marketplaces) > 50:
        return invalid_input("marketplaceIds accepts at most 50 values.")
    size_text = request.one("maxResultsPerPage") or "100"
    if not size_text.isdigit() or not 1 <= int(size_text) <= 100:
        return invalid_input("maxResultsPerPage must be between 1 and 100.")
    size = int(size_text)
    params = sorted((k, tuple(v)) for k, v in request.query.items() if k != "paginationToken")
    binding = digest("searchOrders", params)
    cursor: tuple[str, str] | None = None
    token = request.one("paginationToken")
    if token is not None:
        data = decode_token(token)
        issued = parse_iso(str(data.get("t"))) if data else None
        if data is None or issued is None or data.get("h") != binding:
            return invalid_input("Invalid paginationToken: it must be sent with the same parameters as before.")
        if sim.now() - issued > _TOKEN_LIFETIME:
            return invalid_input("The paginationToken has expired.")
        cursor = (str(data["c"][0]), str(data["c"][1]))

    def keep(order: SimOrder) -> bool:
        stamp = key(order)
        if stamp < after or (before is not None and stamp > before):
            return False
        if marketplaces and order.marketplace_id not in marketplaces:
            return False
        if statuses and fulfillment_status(order) not in statuses:
            return False
        by = "MERCHANT" if order.fulfillment_channel == "MFN" else "AMAZON"
        return not fulfilled_by or by in fulfilled_by

    matching = sorted((o for o in sim.world.orders.values() if keep(o)), key=lambda o: (iso(key(o)), o.order_id))
    if cursor is not None:
        matching = [o for o in matching if (iso(key(o)), o.order_id) > cursor]
    page, rest = matching[:size], matching[size:]
    body: dict[str, Any] = {"orders": [order_2026(o, included) for o in page]}
    if rest and page:
        last = page[-1]
        body["pagination"] = {
            "nextToken": encode_token({"h": binding, "c": [iso(key(last)), last.order_id], "t": iso(sim.now())})
        }
    if before is not None:
        body["createdBefore" if request.one("createdAfter") else "lastUpdatedBefore"] = iso(before)
    return SimResponse(status=200, body=body)


def _find(sim: SimulatorCore, order_id: str) -> SimOrder | SimResponse:
    if not ORDER_ID_RE.match(order_id):
        return invalid_input(f"OrderId: {order_id} is invalid, should be in 3-7-7 format.")
    order = sim.world.orders.get(order_id)
    if order is None:
        return not_found(f"Order {order_id} is not found.")
    return order


def get_order(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /orders/2026-01-01/orders/{orderId}``."""
    found = _find(sim, request.path_params["orderId"])
    if isinstance(found, SimResponse):
        return found
    included, error = _included(request)
    if error is not None or included is None:
        return error or invalid_input("Invalid includedData.")
    return SimResponse(status=200, body={"order": order_2026(found, included)})


def cancel_order(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``PUT /orders/2026-01-01/orders/{orderId}/cancellation`` (withdrawn from the model; whole orders only)."""
    found = _find(sim, request.path_params["orderId"])
    if isinstance(found, SimResponse):
        return found
    try:
        body = request.json()
    except ValueError:
        return invalid_input("The request body is not valid JSON.")
    code = body.get("cancelReasonCode") if isinstance(body, dict) else None
    if code not in CANCEL_REASONS:
        return invalid_input(f"cancelReasonCode must be one of {', '.join(CANCEL_REASONS)}.")
    if found.fulfillment_channel != "MFN":
        return invalid_input(f"Order {found.order_id} is fulfilled by Amazon and cannot be cancelled.")
    if found.status not in {"Unshipped", "Pending"}:
        return invalid_input(f"Order {found.order_id} cannot be cancelled in status {found.status}.")
    now = sim.now()
    found.status = "Canceled"
    found.cancelled_by = "MERCHANT"
    found.cancel_reason = CANCEL_REASONS[code]
    found.cancelled_at = now
    found.last_update_date = now
    for item in found.items:
        item.quantity_cancelled += max(item.quantity_unshipped, 0)
    return SimResponse(status=202, body={})


def register(router: Router) -> None:
    """Add the Orders 2026-01-01 routes."""
    router.add("GET", "/orders/2026-01-01/orders", "orders.searchOrders", search_orders)
    router.add("GET", "/orders/2026-01-01/orders/{orderId}", "orders.getOrder", get_order)
    router.add("PUT", "/orders/2026-01-01/orders/{orderId}/cancellation", "orders.cancelOrder", cancel_order)
