"""Optional fields absent (issue 13 item 4): the simulator may leave out every optional order field.

``Simulator(omit_optional=p)`` drops each optional field of an Orders answer with probability ``p`` (seeded).
The library never guesses a value that decides a write: a missing ``fulfilledBy`` is read another way
(v0 ``FulfillmentChannel``), and when that is missing too the order is refused, with nothing sent.
"""

from __future__ import annotations

import httpx
import pytest

from sp_cancel import CancelReason, NotCancellableError
from sp_cancel.testing import Lags, Simulator


def test_the_switch_leaves_optional_fields_out_and_keeps_required_ones() -> None:
    """With p=1 every optional field is gone; orderId, createdTime, salesChannel, orderItems stay."""
    sim = Simulator(seed=61, orders=40, lags=Lags.none(), omit_optional=1.0)
    order = sim.orders(status="Unshipped", channel="MFN")[0]
    token = sim.issue_access_token()
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url) as http:
        body = http.get(
            f"/orders/2026-01-01/orders/{order.order_id}",
            params={"includedData": "FULFILLMENT,PROCEEDS,BUYER"},
            headers={"x-amz-access-token": token},
        ).json()["order"]
    assert {"orderId", "createdTime", "lastUpdatedTime", "salesChannel", "orderItems"} <= body.keys()
    assert "fulfilledBy" not in body["fulfillment"]
    assert "proceeds" not in body
    assert "buyer" not in body


def test_an_order_whose_channel_amazon_does_not_state_is_refused_unsent() -> None:
    """FulfilledBy and FulfillmentChannel both absent: NotCancellableError, no feed (was read as MERCHANT)."""
    sim = Simulator(seed=62, orders=40, lags=Lags.none(), omit_optional=1.0)
    order = sim.orders(status="Unshipped", channel="MFN")[0]
    with pytest.raises(NotCancellableError) as caught:
        sim.client().cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert caught.value.state == "FULFILLMENT_UNKNOWN"
    assert sim.request_counts.get("feeds.createFeed", 0) == 0


def test_a_missing_fulfilled_by_is_read_from_v0_not_assumed(monkeypatch: pytest.MonkeyPatch) -> None:
    """An Amazon-fulfilled order whose fulfilledBy is absent is still refused as Amazon-fulfilled (v0 says AFN)."""
    import sp_cancel.testing._sim.orders as sim_orders  # noqa: PLC0415

    monkeypatch.setattr(sim_orders, "OPTIONAL_V0_FIELDS", ())
    sim = Simulator(seed=63, orders=40, lags=Lags.none(), omit_optional=1.0, orders_v0="served")
    afn = sim.orders(status="Unshipped", channel="AFN")[0]
    with pytest.raises(NotCancellableError) as caught:
        sim.client().cancel_order(afn.order_id, CancelReason.NO_INVENTORY)
    assert caught.value.state == "AMAZON_FULFILLED"
    assert sim.request_counts["ordersV0.getOrder"] == 1
    assert sim.request_counts.get("feeds.createFeed", 0) == 0
