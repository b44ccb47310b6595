"""What Amazon does on its own while a feed is in flight, and its own ledger of what it applied.

Shipments confirmed for some units, a buyer's cancellation request that disappears, MCF orders that Amazon moves
on after a cancel was answered, and ``cancelled_units`` / ``refunded``: the counts tests judge duplicates on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import httpx
import pytest
from feeds_support import ACK, ADJ, ack, adjusted_item, adjustment, envelope, submit_over_http

from sp_cancel.testing import Exchange, Lags, Scenario, Simulator
from sp_cancel.testing._sim.orders import seller_cancelled

FEEDS = "/feeds/2021-06-30/feeds"
MCF_2020 = "/fba/outbound/2020-07-01/fulfillmentOrders/{}"
MCF_2026 = "/fulfillment/outbound/2026-07-04/orders/{}"


@pytest.fixture
def sim() -> Simulator:
    """An empty seeded world with Amazon's lags off (the feeds here are read back by id, never searched)."""
    return Simulator(
        seed=12,
        scenario=Scenario(orders=0, listings=0, mcf_orders=False, deals=False),
        lags=Lags.none(),
        orders_v0="served",  # these tests compare what v0 and 2026-01-01 show
    )


@contextmanager
def _api(sim: Simulator) -> Iterator[httpx.Client]:
    token = sim.issue_access_token()
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url, headers={"x-amz-access-token": token}) as http:
        yield http


def _process(sim: Simulator, http: httpx.Client, feed_id: str) -> None:
    sim.advance(120)
    assert http.get(f"{FEEDS}/{feed_id}").json()["processingStatus"] == "DONE"


def _fulfillment(http: httpx.Client, order_id: str) -> tuple[str, list[dict[str, Any]]]:
    order = http.get(f"/orders/2026-01-01/orders/{order_id}", params={"includedData": "FULFILLMENT"}).json()["order"]
    return order["fulfillment"]["fulfillmentStatus"], [i["fulfillment"] for i in order["orderItems"]]


def _v0_items(http: httpx.Client, order_id: str) -> list[dict[str, Any]]:
    return list(http.get(f"/orders/v0/orders/{order_id}/orderItems").json()["payload"]["OrderItems"])


# --------------------------------------------------------------------------- shipping units while a feed is in flight


def test_ship_some_units_then_the_rest(sim: Simulator) -> None:
    """sim.ship raises quantity_shipped: PartiallyShipped, then Shipped; both Orders APIs show it at once."""
    order = sim.add_order(items=[{"quantity": 3}, {"quantity": 1}])
    first, second = (i.order_item_id for i in order.items)
    before = order.last_update_date
    sim.advance(60)
    sim.ship(order.order_id, first, 2)
    with _api(sim) as http:
        status, lines = _fulfillment(http, order.order_id)
        assert status == "PARTIALLY_SHIPPED"
        assert lines[0] == {"quantityFulfilled": 2, "quantityUnfulfilled": 1}
        assert _v0_items(http, order.order_id)[0]["QuantityShipped"] == 2
        sim.ship(order.order_id, first, 1)
        sim.ship(order.order_id, second, 1)
        assert _fulfillment(http, order.order_id)[0] == "SHIPPED"
    assert [i.quantity_cancelled for i in order.items] == [0, 0]
    assert order.last_update_date > before


@pytest.mark.parametrize(
    ("status", "units", "match"),
    [
        ("Unshipped", 4, "left to ship"),
        ("Unshipped", 0, "left to ship"),
        ("Pending", 1, "Pending"),
        ("Canceled", 1, "Canceled"),
    ],
)
def test_ship_refuses_what_cannot_ship(sim: Simulator, status: str, units: int, match: str) -> None:
    """More units than are left, zero units, or an order that cannot ship: ValueError, nothing changes."""
    order = sim.add_order(status=status, items=[{"quantity": 3}])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=match):
        sim.ship(order.order_id, order.items[0].order_item_id, units)
    assert order.items[0].quantity_shipped == 0
    with pytest.raises(KeyError):
        sim.ship(order.order_id, "00000000000000", 1)


def test_a_unit_cancel_after_a_shipment_mid_flight_cancels_never_ships(sim: Simulator) -> None:
    """QuantityCancelled 2 of 3, one unit shipped while the feed waits: 2 cancelled, 1 shipped, order Shipped."""
    order = sim.add_order(items=[{"quantity": 3}])
    item = order.items[0]
    document = envelope(
        "OrderAdjustment",
        [adjustment(order.order_id, adjusted_item(item.order_item_id, reason="NoInventory", quantity_cancelled=2))],
    )
    with _api(sim) as http:
        feed_id = submit_over_http(http, ADJ, document)
        sim.ship(order.order_id, item.order_item_id, 1)  # the feed is still IN_QUEUE
        _process(sim, http, feed_id)
        status, lines = _fulfillment(http, order.order_id)
    assert (item.quantity_shipped, item.quantity_cancelled, item.quantity_unshipped) == (1, 2, 0)
    assert status == "SHIPPED"
    assert lines == [{"quantityFulfilled": 1, "quantityUnfulfilled": 0}]
    assert sim.cancelled_units(order.order_id, item.order_item_id) == 2


def test_a_unit_cancel_larger_than_what_is_left_after_a_shipment_is_refused(sim: Simulator) -> None:
    """Two of three units shipped mid-flight: QuantityCancelled 2 is refused; nothing cancelled, 1 left to ship."""
    order = sim.add_order(items=[{"quantity": 3}])
    item = order.items[0]
    document = envelope(
        "OrderAdjustment",
        [adjustment(order.order_id, adjusted_item(item.order_item_id, reason="NoInventory", quantity_cancelled=2))],
    )
    with _api(sim) as http:
        feed_id = submit_over_http(http, ADJ, document)
        sim.ship(order.order_id, item.order_item_id, 2)
        _process(sim, http, feed_id)
        assert _fulfillment(http, order.order_id) == (
            "PARTIALLY_SHIPPED",
            [{"quantityFulfilled": 2, "quantityUnfulfilled": 1}],
        )
    assert (item.quantity_shipped, item.quantity_cancelled) == (2, 0)
    assert sim.cancelled_units(order.order_id) == 0


def test_a_shipment_seen_by_an_observer_lands_between_create_feed_and_processing(sim: Simulator) -> None:
    """A test reaches inside a run with an observer: ship when createFeed is answered; the whole cancel then refunds."""
    order = sim.add_order(items=[{"quantity": 2, "price": "10.00"}])
    item = order.items[0]

    def ship_on_create(exchange: Exchange) -> None:
        if exchange.operation == "feeds.createFeed" and exchange.status == 202:
            sim.ship(order.order_id, item.order_item_id, 1)

    sim.observe(ship_on_create)
    with _api(sim) as http:
        _process(
            sim,
            http,
            submit_over_http(
                http,
                ACK,
                envelope("OrderAcknowledgement", [ack(order.order_id, items=[(item.order_item_id, "NoInventory")])]),
            ),
        )
    # Amazon acts on a Failure after a ship-confirm: the unshipped unit is cancelled, the whole order refunded.
    assert (item.quantity_shipped, item.quantity_cancelled) == (1, 1)
    assert order.status == "Shipped"
    assert sim.cancelled_units(order.order_id) == 1
    assert sim.refunded(order.order_id) == item.charged


def test_a_shipment_after_the_feed_was_due_comes_after_its_processing(sim: Simulator) -> None:
    """Time passed the feed's end without a request: sim.ship and the ledger first let Amazon process it."""
    order = sim.add_order(items=[{"quantity": 2}])
    code = order.items[0].order_item_id
    with _api(sim) as http:
        submit_over_http(
            http, ACK, envelope("OrderAcknowledgement", [ack(order.order_id, items=[(code, "NoInventory")])])
        )
    sim.advance(120)  # the feed was due 50 s after createFeed; no request since
    assert sim.cancelled_units(order.order_id) == 2
    with pytest.raises(ValueError, match="Canceled"):
        sim.ship(order.order_id, code, 1)


# --------------------------------------------------------------------------- a buyer's request that disappears


def test_a_withdrawn_buyer_request_is_gone_from_both_apis(sim: Simulator) -> None:
    """withdraw_buyer_request: v0 reads "false", 2026 has no cancellationRequest, lastUpdatedTime moves."""
    order = sim.add_order(buyer_requested_cancel=True, buyer_cancel_reason="Found it cheaper")
    with _api(sim) as http:
        assert _v0_items(http, order.order_id)[0]["BuyerRequestedCancel"]["IsBuyerRequestedCancel"] == "true"
        sim.advance(30)
        sim.withdraw_buyer_request(order.order_id)
        assert _v0_items(http, order.order_id)[0]["BuyerRequestedCancel"] == {"IsBuyerRequestedCancel": "false"}
        read = http.get(f"/orders/2026-01-01/orders/{order.order_id}", params={"includedData": "CANCELLATION"})
    item = read.json()["order"]["orderItems"][0]
    assert "cancellation" not in item
    assert order.last_update_date == sim.now()
    with pytest.raises(ValueError, match="no buyer cancellation request"):
        sim.withdraw_buyer_request(order.order_id)


def test_a_request_withdrawn_while_the_cancel_is_pending_makes_it_a_seller_cancel(sim: Simulator) -> None:
    """The seller cancels BuyerCanceled on a request that is withdrawn before the feed runs: it counts against CR."""
    order = sim.add_order(buyer_requested_cancel=True)
    code = order.items[0].order_item_id
    document = envelope("OrderAcknowledgement", [ack(order.order_id, items=[(code, "BuyerCanceled")])])
    with _api(sim) as http:
        feed_id = submit_over_http(http, ACK, document)
        sim.withdraw_buyer_request(order.order_id)
        _process(sim, http, feed_id)
    assert order.status == "Canceled"
    assert seller_cancelled(order)


# --------------------------------------------------------------------------- MCF orders Amazon moves on


@pytest.mark.parametrize(("path", "answer"), [(MCF_2020, 200), (MCF_2026, 202)])
@pytest.mark.parametrize("moved_to", ["Processing", "Complete"])
def test_a_cancel_overtaken_by_fulfillment_is_answered_as_success(
    sim: Simulator, path: str, answer: int, moved_to: str
) -> None:
    """cancel_overtaken_by: the cancel gets Amazon's success answer ({}), yet the order reads back moved on."""
    sim.add_mcf_order("MCF-LATE", status="Planning", cancel_overtaken_by=moved_to)
    with _api(sim) as http:
        cancelled = http.put(path.format("MCF-LATE") + "/cancel")
        assert (cancelled.status_code, cancelled.json()) == (answer, {})
        old = http.get(MCF_2020.format("MCF-LATE")).json()["payload"]["fulfillmentOrder"]["fulfillmentOrderStatus"]
        new = http.get(MCF_2026.format("MCF-LATE")).json()["order"]["status"]
    assert old == moved_to
    assert new == moved_to.upper()
    sim.advance(3600)
    assert sim.world.mcf_orders["MCF-LATE"].status == moved_to  # it stays where Amazon put it


@pytest.mark.parametrize("path", [MCF_2020, MCF_2026])
def test_an_empty_200_cancel_then_amazon_moves_the_order_on(sim: Simulator, path: str) -> None:
    """empty_200 on the cancel (not run), then move_mcf_order: Processing a second later, Complete a minute later."""
    sim.add_mcf_order("MCF-E200", status="Received")
    sim.add_fault("*", "empty_200", count=1)
    with _api(sim) as http:
        silent = http.put(path.format("MCF-E200") + "/cancel")
        assert (silent.status_code, silent.content) == (200, b"")
        sim.move_mcf_order("MCF-E200", "Processing", after=1)
        sim.move_mcf_order("MCF-E200", "Complete", after=60)
        assert http.get(MCF_2026.format("MCF-E200")).json()["order"]["status"] == "PROCESSING"  # not moved yet
        sim.advance(1)
        assert http.get(MCF_2026.format("MCF-E200")).json()["order"]["status"] == "PROCESSING"
        sim.advance(59)
        status = http.get(MCF_2020.format("MCF-E200")).json()["payload"]["fulfillmentOrder"]
    assert status["fulfillmentOrderStatus"] == "Complete"
    assert sim.world.mcf_orders["MCF-E200"].status_updated_at == sim.now()


def test_mcf_moves_are_checked(sim: Simulator) -> None:
    """An unknown status or order, a negative delay, or an overtaking status that is not a later one is refused."""
    sim.add_mcf_order("MCF-V")
    with pytest.raises(ValueError, match="status must be one of"):
        sim.move_mcf_order("MCF-V", "Shipped")
    with pytest.raises(ValueError, match="after"):
        sim.move_mcf_order("MCF-V", "Complete", after=-1)
    with pytest.raises(KeyError):
        sim.move_mcf_order("MCF-NOPE", "Complete")
    with pytest.raises(ValueError, match="cancel_overtaken_by"):
        sim.add_mcf_order("MCF-W", cancel_overtaken_by="Cancelled")
    sim.move_mcf_order("MCF-V", "Complete")
    assert sim.world.mcf_orders["MCF-V"].status == "Complete"


# --------------------------------------------------------------------------- Amazon's ledger


def test_a_refund_sent_twice_is_refunded_twice_in_the_ledger(sim: Simulator) -> None:
    """Sim.refunded sums every applied component; the same adjustment twice shows twice the money."""
    order = sim.add_order(status="Shipped", items=[{"quantity": 2, "price": "30.00"}])
    code = order.items[0].order_item_id
    line = adjusted_item(code, components=[("Principal", "5.00"), ("Tax", "0.40")], adjustment_id="adj-1")
    document = envelope("OrderAdjustment", [adjustment(order.order_id, line)])
    with _api(sim) as http:
        for _ in range(2):
            _process(sim, http, submit_over_http(http, ADJ, document))
    assert sim.refunded(order.order_id) == {"Principal": Decimal("10.00"), "Tax": Decimal("0.80")}
    assert sim.refunded(order.order_id, code) == sim.refunded(order.order_id)
    assert sim.refunded(order.order_id, "00000000000000") == {}
    assert sim.cancelled_units(order.order_id) == 0


def test_cancelled_units_count_every_cancel_amazon_applied(sim: Simulator) -> None:
    """Feeds and Orders cancelOrder both count; a second request that Amazon refuses adds nothing."""
    by_feed = sim.add_order(items=[{"quantity": 2}, {"quantity": 1}])
    by_api = sim.add_order(items=[{"quantity": 4}])
    messages = [ack(by_feed.order_id, items=[(i.order_item_id, "NoInventory") for i in by_feed.items])]
    with _api(sim) as http:
        _process(sim, http, submit_over_http(http, ACK, envelope("OrderAcknowledgement", messages)))
        _process(sim, http, submit_over_http(http, ACK, envelope("OrderAcknowledgement", messages)))  # refused
        body = {"cancelReasonCode": "NO_INVENTORY"}
        assert http.put(f"/orders/2026-01-01/orders/{by_api.order_id}/cancellation", json=body).status_code == 202
    first, second = (i.order_item_id for i in by_feed.items)
    assert (sim.cancelled_units(by_feed.order_id, first), sim.cancelled_units(by_feed.order_id, second)) == (2, 1)
    assert sim.cancelled_units(by_feed.order_id) == 3
    assert sim.cancelled_units(by_api.order_id) == 4
    assert [c.source for c in sim.world.cancellations][-1] == "orders.cancelOrder"
