"""Finances refunds in the simulator: posting delay, sign, pagination."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sim_support import sim_http

from sp_cancel.testing import Simulator
from sp_cancel.testing._sim.world import SimRefund


def _refund(sim: Simulator, order_id: str, item_id: str, *, component: str, amount: str, posted_in: timedelta) -> None:
    sim.world.refunds.append(
        SimRefund(
            order_id=order_id,
            order_item_id=item_id,
            component=component,
            amount=Decimal(amount),
            currency="USD",
            adjustment_item_id="adj-1",
            feed_id="50000000001",
            posted_at=sim.now() + posted_in,
        )
    )


def test_finances_posting_delay_and_sign() -> None:
    """Refunds appear only once posted, as negative charges with Finances ChargeType names."""
    sim = Simulator(seed=1, orders=0)
    order = sim.add_order(status="Shipped", items=[{"sku": "R1"}])
    item_id = order.items[0].order_item_id
    _refund(sim, order.order_id, item_id, component="Principal", amount="12.50", posted_in=timedelta(hours=2))
    _refund(sim, order.order_id, item_id, component="Shipping", amount="4.99", posted_in=timedelta(hours=2))
    path = f"/finances/v0/orders/{order.order_id}/financialEvents"
    before = sim_http(sim).get(path).json()["payload"]["FinancialEvents"]["RefundEventList"]
    assert before == []
    sim.advance(2 * 3600)
    events = sim_http(sim).get(path).json()["payload"]["FinancialEvents"]["RefundEventList"]
    assert len(events) == 1
    adjustment = events[0]["ShipmentItemAdjustmentList"][0]
    assert adjustment["OrderItemId"] == item_id
    assert adjustment["SellerSKU"] == "R1"
    charges = {c["ChargeType"]: c["ChargeAmount"] for c in adjustment["ItemChargeAdjustmentList"]}
    assert charges == {
        "Principal": {"CurrencyCode": "USD", "CurrencyAmount": -12.5},
        "ShippingCharge": {"CurrencyCode": "USD", "CurrencyAmount": -4.99},
    }


def test_finances_pagination_and_validation() -> None:
    """MaxResultsPerPage bounds the page and NextToken walks the rest; bad ids and sizes answer 400."""
    sim = Simulator(seed=1, orders=0)
    order = sim.add_order(status="Shipped")
    for n in range(3):
        sim.world.refunds.append(
            SimRefund(
                order.order_id,
                order.items[0].order_item_id,
                "Principal",
                Decimal(1),
                "USD",
                None,
                f"5000000000{n}",
                sim.now(),
            )
        )
    http = sim_http(sim)
    path = f"/finances/v0/orders/{order.order_id}/financialEvents"
    first = http.get(path, params={"MaxResultsPerPage": "2"}).json()["payload"]
    assert len(first["FinancialEvents"]["RefundEventList"]) == 2
    rest = http.get(path, params={"MaxResultsPerPage": "2", "NextToken": first["NextToken"]}).json()["payload"]
    assert len(rest["FinancialEvents"]["RefundEventList"]) == 1
    assert "NextToken" not in rest
    assert http.get(path, params={"MaxResultsPerPage": "101"}).status_code == 400
    assert (
        http.get("/finances/v0/orders/BAD-ORDER/financialEvents").json()["errors"][0]["message"]
        == "Bad order ID provided."
    )
