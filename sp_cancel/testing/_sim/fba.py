"""Fulfillment Outbound (MCF) 2020-07-01 and 2026-07-04: read, cancel, and the sandbox-only status updates.

An MCF order in ``New``/``Received``/``Planning`` moves to ``Processing``
``sim.mcf_planning_window`` (15 min ÷ scale) after ``received_at``; from then on
it cannot be cancelled (docs/fba.md). Orders whose status was forced through a
status-update operation, or moved by a test (``move_mcf_order``), stay where they were put.

Amazon's fulfillment may overtake a cancel ("processing may finish before the cancellation reaches the FC",
docs/fba.md): an order with ``cancel_overtaken_by`` set answers a cancel as a success (2020-07-01: 200 ``{}``;
2026-07-04: 202 ``{}``) and moves on to that status instead of ``Cancelled``. With the ``empty_200`` fault the
cancel is not run at all; ``move_mcf_order(..., after=...)`` then moves the order on when a test wants it to.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from sp_cancel.testing._sim.core import (
    Router,
    SimRequest,
    SimResponse,
    SimulatorCore,
    invalid_input,
    json_body,
    not_found,
)
from sp_cancel.testing._sim.formats import iso
from sp_cancel.testing._sim.markets import market_for
from sp_cancel.testing._sim.world import SimMcfOrder

__all__ = ["MOVES_ON_TO", "STATUSES_2020", "move_mcf_order", "register", "tick"]

STATUSES_2020: Final = (
    "New",
    "Received",
    "Planning",
    "Processing",
    "Cancelled",
    "Complete",
    "CompletePartialled",
    "Unfulfillable",
    "Invalid",
)
CANCELLABLE: Final = frozenset({"Received", "Planning"})
#: Where a fulfillment that overtook a cancel can leave an order.
MOVES_ON_TO: Final = frozenset({"Processing", "Complete", "CompletePartialled"})
_TO_2026: Final = {
    "New": "PROCESSING",
    "Received": "PROCESSING",
    "Planning": "PROCESSING",
    "Processing": "PROCESSING",
    "Complete": "COMPLETE",
    "CompletePartialled": "COMPLETE_PARTIAL",
    "Cancelled": "CANCELLED",
    "Unfulfillable": "UNFULFILLABLE",
    "Invalid": "INVALID",
}
_AS_2020: Final = {status: status for status in STATUSES_2020}
_FROM_2026: Final = {
    "PROCESSING": "Processing",
    "COMPLETE": "Complete",
    "COMPLETE_PARTIAL": "CompletePartialled",
    "CANCELLED": "Cancelled",
    "UNFULFILLABLE": "Unfulfillable",
    "INVALID": "Invalid",
}


def tick(sim: SimulatorCore) -> None:
    """Apply due moves a test scheduled; advance MCF orders past their planning window to ``Processing``."""
    now = sim.now()
    for order in sim.world.mcf_orders.values():
        while order.scheduled and order.scheduled[0][0] <= now:
            at, status = order.scheduled.pop(0)
            _force(sim, order, status, at)
        if order.status in {"New", "Received", "Planning"} and order.seller_fulfillment_order_id not in sim.mcf_pinned:
            moved_at = order.received_at + sim.mcf_planning_window
            if now >= moved_at:
                order.status = "Processing"
                order.status_updated_at = moved_at


def _address(order: SimMcfOrder) -> dict[str, str]:
    market = market_for(order.marketplace_id)
    return {
        "name": "Sim Recipient",
        "addressLine1": "1 Simulator Way",
        "city": "SIMVILLE",
        "stateOrRegion": "WA",
        "postalCode": "98101",
        "countryCode": market.ship_country if market else "US",
    }


def _qty(item: dict[str, Any], key: str) -> int:
    return int(str(item.get(key, 0) or 0))


def _items_2020(order: SimMcfOrder) -> list[dict[str, Any]]:
    out = []
    for n, item in enumerate(order.items, 1):
        quantity = _qty(item, "quantity")
        cancelled = quantity if order.status == "Cancelled" else _qty(item, "cancelledQuantity")
        unfulfillable = quantity if order.status == "Unfulfillable" else _qty(item, "unfulfillableQuantity")
        out.append(
            {
                "sellerSku": str(item.get("sellerSku", "")),
                "sellerFulfillmentOrderItemId": str(item.get("sellerFulfillmentOrderItemId", f"item-{n}")),
                "quantity": quantity,
                "cancelledQuantity": cancelled,
                "unfulfillableQuantity": unfulfillable,
            }
        )
    return out


def _find(sim: SimulatorCore, order_id: str) -> SimMcfOrder | SimResponse:
    if len(order_id) > 40:
        return invalid_input("sellerFulfillmentOrderId must be at most 40 characters.")
    order = sim.world.mcf_orders.get(order_id)
    if order is None:
        return not_found(f"Fulfillment order {order_id} not found.")
    return order


def get_fulfillment_order(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}``."""
    order = _find(sim, request.path_params["sellerFulfillmentOrderId"])
    if isinstance(order, SimResponse):
        return order
    fulfillment_order = {
        "sellerFulfillmentOrderId": order.seller_fulfillment_order_id,
        "marketplaceId": order.marketplace_id,
        "displayableOrderId": order.displayable_order_id,
        "displayableOrderDate": iso(order.received_at),
        "displayableOrderComment": "Thank you for your order.",
        "shippingSpeedCategory": order.shipping_speed,
        "destinationAddress": _address(order),
        "fulfillmentAction": "Ship",
        "fulfillmentPolicy": "FillOrKill",
        "receivedDate": iso(order.received_at),
        "fulfillmentOrderStatus": order.status,
        "statusUpdatedDate": iso(order.status_updated_at),
    }
    payload = {
        "fulfillmentOrder": fulfillment_order,
        "fulfillmentOrderItems": _items_2020(order),
        "fulfillmentShipments": [],
        "returnItems": [],
        "returnAuthorizations": [],
    }
    return SimResponse(status=200, body={"payload": payload})


def _cancel(sim: SimulatorCore, order: SimMcfOrder) -> SimResponse | None:
    if order.status not in CANCELLABLE:
        return invalid_input(
            f"Fulfillment order {order.seller_fulfillment_order_id} cannot be cancelled in status {order.status}; "
            "only Received or Planning orders can be cancelled."
        )
    if order.cancel_overtaken_by is not None:  # answered as a success; the FC had it already
        _force(sim, order, order.cancel_overtaken_by)
        return None
    order.status = "Cancelled"
    order.status_updated_at = sim.now()
    return None


def cancel_fulfillment_order(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``PUT /fba/outbound/2020-07-01/fulfillmentOrders/{id}/cancel`` (only ``Received``/``Planning``)."""
    order = _find(sim, request.path_params["sellerFulfillmentOrderId"])
    if isinstance(order, SimResponse):
        return order
    return _cancel(sim, order) or SimResponse(status=200, body={})


def _force(sim: SimulatorCore, order: SimMcfOrder, status: str, at: datetime | None = None) -> None:
    order.status = status
    order.status_updated_at = at or sim.now()
    sim.mcf_pinned.add(order.seller_fulfillment_order_id)


def move_mcf_order(sim: SimulatorCore, order_id: str, status: str, *, after: float = 0.0) -> SimMcfOrder:
    """Amazon moves an MCF order on by itself (``Processing``, ``Complete``...), ``after`` simulated seconds from now.

    ``after`` 0 moves it at once; otherwise the move waits for the first request after it is due (as every
    simulated change does). From then on the order stays where it was put (no planning-window advance).
    ``KeyError`` for an unknown order; ``ValueError`` for a status that is not a 2020-07-01 status.
    """
    order = sim.world.mcf_orders[order_id]
    if status not in STATUSES_2020:
        msg = f"status must be one of {', '.join(STATUSES_2020)}, got {status!r}"
        raise ValueError(msg)
    if after < 0:
        msg = "after must be >= 0 seconds"
        raise ValueError(msg)
    if after == 0:
        _force(sim, order, status)
    else:
        order.scheduled.append((sim.now() + timedelta(seconds=after), status))
        order.scheduled.sort(key=lambda move: move[0])
    return order


def _update_status(
    sim: SimulatorCore, request: SimRequest, order_id: str, field: str, statuses: Mapping[str, str]
) -> SimResponse | None:
    """The sandbox status update of both API versions: body ``{field: status}``, ``statuses`` maps it to 2020's.

    Returns the refusal, or ``None`` once the order is forced to the status.
    """
    order = _find(sim, order_id)
    if isinstance(order, SimResponse):
        return order
    body = json_body(request)
    if isinstance(body, SimResponse):
        return body
    status = body.get(field) if isinstance(body, dict) else None
    if not isinstance(status, str) or status not in statuses:
        return invalid_input(f"{field} must be one of {', '.join(statuses)}.")
    _force(sim, order, statuses[status])
    return None


def submit_status_update(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """Sandbox-only ``PUT .../fulfillmentOrders/{id}/status`` ``{fulfillmentOrderStatus}``."""
    order_id = request.path_params["sellerFulfillmentOrderId"]
    refused = _update_status(sim, request, order_id, "fulfillmentOrderStatus", _AS_2020)
    return refused or SimResponse(status=200, body={})


def get_order_2026(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /fulfillment/outbound/2026-07-04/orders/{orderId}`` (Received/Planning show as ``PROCESSING``)."""
    order = _find(sim, request.path_params["orderId"])
    if isinstance(order, SimResponse):
        return order
    market = market_for(order.marketplace_id)
    line_items = []
    for item in _items_2020(order):
        line: dict[str, Any] = {
            "lineItemId": item["sellerFulfillmentOrderItemId"],
            "product": {"productIdentifier": {"amazonSku": item["sellerSku"]}},
            "amount": {"unit": "EACHES", "value": str(Decimal(item["quantity"]))},
        }
        if item["cancelledQuantity"]:
            line["cancelledAmount"] = {"unit": "EACHES", "value": str(item["cancelledQuantity"])}
        if item["unfulfillableQuantity"]:
            line["unfulfillableAmount"] = {"unit": "EACHES", "value": str(item["unfulfillableQuantity"])}
        line_items.append(line)
    body = {
        "order": {
            "orderId": order.seller_fulfillment_order_id,
            "channel": market.name if market else "Amazon",
            "receiveTime": iso(order.received_at),
            "status": _TO_2026.get(order.status, "PROCESSING"),
            "statusUpdateTime": iso(order.status_updated_at),
            "fulfillmentConfiguration": {"serviceLevel": {"serviceTiers": [order.shipping_speed.upper()]}},
            "origin": {"countryCode": market.ship_country if market else "US"},
            "destination": {"deliveryAddress": _address(order)},
            "lineItems": line_items,
            "shipments": [],
        }
    }
    return SimResponse(status=200, body=body)


def cancel_order_2026(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``PUT /fulfillment/outbound/2026-07-04/orders/{orderId}/cancel`` → 202 ``{}``."""
    order = _find(sim, request.path_params["orderId"])
    if isinstance(order, SimResponse):
        return order
    return _cancel(sim, order) or SimResponse(status=202, body={})


def update_order_status_2026(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """Sandbox-only ``PUT /fulfillment/outbound/2026-07-04/orders/{orderId}/status`` ``{status}`` → 204."""
    return _update_status(sim, request, request.path_params["orderId"], "status", _FROM_2026) or SimResponse(status=204)


def register(router: Router) -> None:
    """Add the Fulfillment Outbound routes (both versions)."""
    base = "/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}"
    router.add("GET", base, "fbaOutbound.getFulfillmentOrder", get_fulfillment_order)
    router.add("PUT", base + "/cancel", "fbaOutbound.cancelFulfillmentOrder", cancel_fulfillment_order)
    router.add("PUT", base + "/status", "fbaOutbound.submitFulfillmentOrderStatusUpdate", submit_status_update)
    new = "/fulfillment/outbound/2026-07-04/orders/{orderId}"
    router.add("GET", new, "fbaOutbound2026.getOrder", get_order_2026)
    router.add("PUT", new + "/cancel", "fbaOutbound2026.cancelOrder", cancel_order_2026)
    router.add("PUT", new + "/status", "fbaOutbound2026.updateOrderStatus", update_order_status_2026)
