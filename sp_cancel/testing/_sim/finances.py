"""Finances v0 ``listFinancialEventsByOrderId``: refunds from ``world.refunds`` once posted.

A refund shows up when ``posted_at <= now`` (the feeds module sets ``posted_at``
to the apply time + ``sim.refund_posting_delay``). One ``RefundEventList`` entry
per (order, feed, posting time); charges are negative (money leaving the seller).
https://developer-docs.amazon.com/sp-api/reference/listfinancialeventsbyorderid
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from sp_cancel.testing._sim.core import Router, SimRequest, SimResponse, SimulatorCore, invalid_input, page_size
from sp_cancel.testing._sim.formats import BY_ORDER, ORDER_ID_RE, iso, quantize
from sp_cancel.testing._sim.markets import market_for
from sp_cancel.testing._sim.world import SimRefund

__all__ = ["CHARGE_TYPES", "register"]

# Feed component Type -> Finances ChargeType (docs/refunds.md).
CHARGE_TYPES: Final = {
    "Principal": "Principal",
    "Tax": "Tax",
    "Shipping": "ShippingCharge",
    "ShippingTax": "ShippingTax",
    "GiftWrap": "Giftwrap",  # Finances spells it "Giftwrap" (financesV0.json ChargeType)
    "GiftWrapTax": "GiftwrapTax",
}


def _amount(amount: Decimal, currency: str) -> dict[str, Any]:
    # BigDecimal is a JSON number in this model; two-decimal floats print exactly.
    return {"CurrencyCode": currency, "CurrencyAmount": float(quantize(-amount, currency))}


def _adjustment_id(refund: SimRefund) -> str:
    return str(int(hashlib.sha256(f"{refund.feed_id}|{refund.order_item_id}".encode()).hexdigest(), 16))[:14]


def _events(sim: SimulatorCore, order_id: str) -> list[dict[str, Any]]:
    now = sim.now()
    groups: dict[tuple[str, datetime], list[SimRefund]] = defaultdict(list)
    for refund in sim.world.refunds:
        if refund.order_id == order_id and refund.posted_at <= now:
            groups[(refund.feed_id, refund.posted_at)].append(refund)
    order = sim.world.orders.get(order_id)
    market = market_for(order.marketplace_id) if order else None
    events = []
    for (_, posted), refunds in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        items: dict[str, dict[str, Any]] = {}
        for refund in refunds:
            sku = refund.sku or next(
                (i.sku for i in (order.items if order else []) if i.order_item_id == refund.order_item_id), ""
            )
            entry = items.setdefault(
                refund.order_item_id,
                {
                    "SellerSKU": sku,
                    "OrderItemId": refund.order_item_id,
                    "OrderAdjustmentItemId": _adjustment_id(refund),
                    "QuantityShipped": 0,
                    "ItemChargeAdjustmentList": [],
                    "ItemFeeAdjustmentList": [],
                    "PromotionAdjustmentList": [],
                },
            )
            entry["ItemChargeAdjustmentList"].append(
                {
                    "ChargeType": CHARGE_TYPES.get(refund.component, refund.component),
                    "ChargeAmount": _amount(refund.amount, refund.currency),
                }
            )
        events.append(
            {
                "AmazonOrderId": order_id,
                "MarketplaceName": market.name if market else "Amazon.com",
                "PostedDate": iso(posted),
                "ShipmentItemAdjustmentList": list(items.values()),
            }
        )
    return events


def list_financial_events_by_order_id(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /finances/v0/orders/{orderId}/financialEvents``."""
    order_id = request.path_params["orderId"]
    if not ORDER_ID_RE.match(order_id):
        return invalid_input("Bad order ID provided.")
    size = page_size(request, "MaxResultsPerPage", 100)
    if isinstance(size, SimResponse):
        return size
    start = BY_ORDER.start(request.one("NextToken"), order_id)
    if start is None:
        return invalid_input("Invalid NextToken.")
    events = _events(sim, order_id)
    payload: dict[str, Any] = {
        "FinancialEvents": {
            "ShipmentEventList": [],
            "RefundEventList": events[start : start + size],
            "GuaranteeClaimEventList": [],
            "ChargebackEventList": [],
            "AdjustmentEventList": [],
        }
    }
    token = BY_ORDER.following(order_id, start, size, len(events))
    if token is not None:
        payload["NextToken"] = token
    return SimResponse(status=200, body={"payload": payload})


def register(router: Router) -> None:
    """Add the Finances route."""
    router.add(
        "GET",
        "/finances/v0/orders/{orderId}/financialEvents",
        "finances.listFinancialEventsByOrderId",
        list_financial_events_by_order_id,
    )
