"""Every workflow without Orders v0 (issue 18 items 1 and 2): the ``orders_v0`` switch and a simulator that retired v0.

Amazon removes the Orders v0 reads on 2027-03-27. ``orders_v0="never"`` must never call them; ``"auto"`` must
turn into ``"never"`` on Amazon's first "gone" answer (logged once) and on the date.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from sp_cancel import CancelReason, CancelRequest, InvalidInputError, ItemRefund, Money
from sp_cancel import PriceComponent as P
from sp_cancel._events import ORDERS_V0_RETIRED
from sp_cancel.errors import NotCancellableError, NotFoundError
from sp_cancel.models import AdjustmentReason
from sp_cancel.testing import FakeClock, Simulator

V0 = ("ordersV0.getOrders", "ordersV0.getOrder", "ordersV0.getOrderItems")


def usd(amount: str) -> Money:
    """US dollars."""
    return Money(amount=amount, currency="USD")


def v0_calls(sim: Simulator) -> dict[str, int]:
    """Requests the simulator received on Orders v0 routes."""
    return {k: v for k, v in sim.request_counts.items() if k in V0}


class Rewrite(httpx.BaseTransport):
    """Passes requests to the simulator and rewrites the JSON of 2026-01-01 ``getOrder`` answers with ``edit``."""

    def __init__(self, inner: httpx.BaseTransport, edit: Any) -> None:
        self.inner = inner
        self.edit = edit

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Forward, then edit a ``getOrder`` body."""
        response = self.inner.handle_request(request)
        path = request.url.path
        if not path.startswith("/orders/2026-01-01/orders/") or response.status_code != 200:
            return response
        response.read()
        body = json.loads(response.content)
        self.edit(body["order"])
        headers = {k: v for k, v in response.headers.items() if k.lower() not in {"content-length", "content-encoding"}}
        return httpx.Response(200, json=body, headers=headers)


def no_tax_split(order: dict[str, Any]) -> None:
    """Leave out every TAX ``detailedBreakdowns`` (optional in Amazon's model): one TAX subtotal per item."""
    for item in order.get("orderItems") or []:
        for breakdown in (item.get("proceeds") or {}).get("breakdowns") or []:
            breakdown.pop("detailedBreakdowns", None)


def no_channel(order: dict[str, Any]) -> None:
    """Leave out ``fulfillment.fulfilledBy`` (optional in Amazon's model)."""
    (order.get("fulfillment") or {}).pop("fulfilledBy", None)


@pytest.fixture
def retired() -> Simulator:
    """An empty seller on an SP-API whose Orders v0 routes answer 404."""
    return Simulator(seed=181, orders=0, orders_v0="retired")


def test_a_bad_switch_value_is_refused_before_any_request(retired: Simulator) -> None:
    """Only "auto" and "never" are accepted, at the client's door."""
    with pytest.raises(InvalidInputError, match="orders_v0 must be 'auto' or 'never'") as caught:
        retired.client(orders_v0="sometimes")
    assert caught.value.field == "orders_v0"
    assert retired.request_counts == {}


def test_never_runs_every_order_workflow_without_a_v0_call(retired: Simulator) -> None:
    """Single and batch cancels, buyer requests, Amazon's cancels, a refund and the rate: no v0 request at all."""
    sim = retired
    client = sim.client(orders_v0="never")
    assert client.orders_v0 == "never"
    one = sim.add_order()
    batch = [sim.add_order() for _ in range(40)]
    asked = sim.add_order(items=2, buyer_requested_cancel=True, buyer_cancel_reason="Found it cheaper")
    sim.add_order(status="Canceled", cancelled_by="AMAZON", cancel_reason="Payment verification failed")
    shipped = sim.add_order(status="Shipped", items=[{"price": "20.00", "shipping": "4.00"}])
    assert client.cancel_order(one.order_id, reason=CancelReason.NO_INVENTORY).status.value == "CANCELLED"
    outcome = client.cancel_orders(
        [CancelRequest(order_id=o.order_id, reason=CancelReason.NO_INVENTORY) for o in batch]
    )
    assert outcome.counts == {"CANCELLED": 40}
    requests = client.buyer_cancellation_requests(since=timedelta(days=2))
    assert [r.order_id for r in requests] == [asked.order_id]
    assert client.accept_buyer_cancellations(requests).counts == {"CANCELLED": 1}
    assert len(client.system_cancellations(since=timedelta(days=2))) == 1
    refund = client.partial_refund(
        shipped.order_id,
        [ItemRefund(order_item_id=shipped.items[0].order_item_id, components={P.SHIPPING_TAX: usd("0.32")})],
        reason=AdjustmentReason.CUSTOMER_RETURN,
    )
    assert refund.status.value == "APPLIED"
    client.cancellation_rate(window=timedelta(days=7))
    assert v0_calls(sim) == {}


def test_auto_switches_to_never_on_the_first_gone_answer_and_logs_it_once(retired: Simulator) -> None:
    """A channel Amazon left out is read from v0 while served; a 404 retires v0 and the order is refused clearly."""
    sim = retired
    orders = [sim.add_order() for _ in range(3)]
    client = sim.client(transport=Rewrite(sim.transport(), no_channel))
    assert client.orders_v0 == "auto"
    with capture_logs() as events:
        outcome = client.cancel_orders(
            [CancelRequest(order_id=o.order_id, reason=CancelReason.NO_INVENTORY) for o in orders]
        )
    assert outcome.counts == {"REFUSED": 3}
    assert all("did not say whether it is seller- or Amazon-fulfilled" in (outcome[o].detail or "") for o in outcome)
    assert v0_calls(sim) == {"ordersV0.getOrder": 1}  # the first 404 switched v0 off: no second v0 call
    assert client.orders_v0 == "never"
    retired_events = [e for e in events if e["event"] == ORDERS_V0_RETIRED]
    assert len(retired_events) == 1
    assert retired_events[0]["status"] == 404


def test_a_list_route_answering_404_retires_v0_and_later_calls_send_nothing(retired: Simulator) -> None:
    """v0 getOrders 404 (a list cannot be "not found") switches v0 off; the next v0 call is refused locally."""
    client = retired.client()
    api = client._api
    with pytest.raises(NotFoundError):
        api.get_orders_v0(created_after=retired.now() - timedelta(days=1))
    assert client.orders_v0 == "never"
    with pytest.raises(NotFoundError, match="not used"):
        api.get_orders_v0(created_after=retired.now() - timedelta(days=1))
    assert v0_calls(retired) == {"ordersV0.getOrders": 1}


def test_auto_means_never_from_the_removal_date() -> None:
    """On 2027-03-27 by the client's clock, "auto" stops reading v0 even while a server still serves it."""
    clock = FakeClock(datetime(2027, 3, 26, 23, 59, tzinfo=UTC))
    sim = Simulator(seed=182, orders=0, clock=clock, orders_v0="served")
    client = sim.client()
    assert client.orders_v0 == "auto"
    clock.advance(60)
    with capture_logs() as events:
        assert client.orders_v0 == "never"
        assert client.orders_v0 == "never"
    assert [e["event"] for e in events] == [ORDERS_V0_RETIRED]


def test_an_undivided_tax_refund_is_capped_at_the_subtotal_without_v0(retired: Simulator) -> None:
    """One TAX subtotal (1.92 = 1.60 item + 0.32 shipping) without its split: named parts over it are refused."""
    sim = retired
    order = sim.add_order(status="Shipped", items=[{"price": "20.00", "shipping": "4.00"}])
    item = order.items[0].order_item_id
    client = sim.client(orders_v0="never", transport=Rewrite(sim.transport(), no_tax_split))
    with pytest.raises(InvalidInputError, match=r"one Tax subtotal of 1\.92 USD without its split") as caught:
        client.partial_refund(
            order.order_id,
            [ItemRefund(order_item_id=item, components={P.TAX: usd("1.60"), P.SHIPPING_TAX: usd("0.40")})],
            reason=AdjustmentReason.CUSTOMER_RETURN,
        )
    assert "Nothing was sent" in str(caught.value)
    assert "feeds.createFeed" not in sim.request_counts
    named = client.partial_refund(
        order.order_id,
        [ItemRefund(order_item_id=item, components={P.TAX: usd("1.60"), P.SHIPPING_TAX: usd("0.32")})],
        reason=AdjustmentReason.CUSTOMER_RETURN,
    )
    assert named.status.value == "APPLIED"
    assert v0_calls(sim) == {}


def test_the_simulator_retires_every_v0_route_as_a_404() -> None:
    """``orders_v0="retired"``: getOrders, getOrder, getOrderItems all answer 404 NotFound."""
    sim = Simulator(seed=183, orders=0, orders_v0="retired")
    order = sim.add_order()
    transport = sim.transport()
    client = httpx.Client(transport=transport, base_url=sim.base_url)
    token = sim.client()._api.access_token()
    for path in (
        "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2026-01-01T00:00:00Z",
        f"/orders/v0/orders/{order.order_id}",
        f"/orders/v0/orders/{order.order_id}/orderItems",
    ):
        answer = client.get(path, headers={"x-amz-access-token": token})
        assert answer.status_code == 404, path
        assert answer.json()["errors"][0]["code"] == "NotFound"
    assert sim.orders_v0 == "retired"
    with pytest.raises(ValueError, match="orders_v0"):
        Simulator(orders_v0="gone")  # type: ignore[arg-type]


def test_the_environment_variable_retires_v0_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """CI's second run sets SP_CANCEL_SIMULATOR_ORDERS_V0=retired; an explicit argument wins."""
    monkeypatch.setenv("SP_CANCEL_SIMULATOR_ORDERS_V0", "retired")
    assert Simulator(orders=0).orders_v0 == "retired"
    assert Simulator(orders=0, orders_v0="served").orders_v0 == "served"
    monkeypatch.delenv("SP_CANCEL_SIMULATOR_ORDERS_V0")
    assert Simulator(orders=0).orders_v0 == "served"


def test_an_unknown_channel_without_v0_is_refused_not_assumed(retired: Simulator) -> None:
    """Mode "never" and no fulfilledBy: NotCancellableError FULFILLMENT_UNKNOWN, nothing sent, no v0 call."""
    order = retired.add_order()
    client = retired.client(orders_v0="never", transport=Rewrite(retired.transport(), no_channel))
    with pytest.raises(NotCancellableError) as caught:
        client.cancel_order(order.order_id, reason=CancelReason.NO_INVENTORY)
    assert caught.value.state == "FULFILLMENT_UNKNOWN"
    assert v0_calls(retired) == {}
    assert "feeds.createFeed" not in retired.request_counts
