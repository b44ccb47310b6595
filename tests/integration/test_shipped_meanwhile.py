"""Issue 18 item 4's check: an order that ships between the pre-check and Amazon's processing of the feed.

The simulator does **not** refuse the acknowledgement ``Failure`` for such an order, on purpose. Amazon's
documentation says a ``Failure`` after a ship-confirm "would refund the entire order amount" (facts §3.1), so the
simulator acts on it as Amazon does (``test_cancellation_race.py``): the order stays ``Shipped`` and the whole amount
is refunded, while the processing report says success. ``finish`` must then report the cancel ``REJECTED``, never
``CANCELLED``, and say so; it reads which orders shipped with one ``getOrder`` each for a small batch and with one
``searchOrders`` of the orders updated since the check for a large one (``reads.shipped_since``).
"""

from __future__ import annotations

from structlog.testing import capture_logs

from sp_cancel import CancelReason, CancelRequest
from sp_cancel._cancellation.outcomes import CancelStatus
from sp_cancel._events import ORDER_SHIPPED_MEANWHILE
from sp_cancel.testing import Lags, Simulator


def _ship(sim: Simulator, order_id: str) -> None:
    order = sim.order(order_id)
    item = order.items[0]
    sim.ship(order_id, item.order_item_id, item.quantity_ordered)


def test_an_order_shipped_between_the_pre_check_and_processing_is_never_reported_cancelled() -> None:
    """Two orders pass the pre-check; one ships before Amazon processes the feed: it reads REJECTED, and why."""
    sim = Simulator(seed=184, orders=0, lags=Lags.none())
    kept, shipped = sim.add_order(), sim.add_order()
    client = sim.client()
    batch = client.cancel_orders(
        [CancelRequest(order_id=o.order_id, reason=CancelReason.NO_INVENTORY) for o in (kept, shipped)], wait=False
    )
    assert {batch[o.order_id].status for o in (kept, shipped)} == {CancelStatus.SUBMITTED}
    _ship(sim, shipped.order_id)  # the seller ships it meanwhile
    with capture_logs() as logged:
        final = {o.order_id: client.wait(batch[o.order_id], timeout=3600) for o in (kept, shipped)}
    assert final[kept.order_id].status is CancelStatus.CANCELLED
    assert sim.order(shipped.order_id).status == "Shipped"  # Amazon refunded it in full; it was not cancelled
    refused = final[shipped.order_id]
    assert refused.status is CancelStatus.REJECTED
    assert "shipped before Amazon processed the cancel" in (refused.detail or "")
    assert "would refund the entire order amount" in (refused.detail or "")
    assert "Seller Central" in (refused.detail or "")
    said = [e for e in logged if e["event"] == ORDER_SHIPPED_MEANWHILE]
    assert [e["order_id"] for e in said] == [shipped.order_id]
    again = client.wait(batch[shipped.order_id], timeout=60)  # journaled: asking again gives the same answer
    assert again.status is CancelStatus.REJECTED


def test_a_large_batch_where_several_ship_meanwhile_reads_them_with_one_search() -> None:
    """120 orders pass; 7 ship before processing: those 7 are REJECTED, the 113 others CANCELLED, by one search."""
    sim = Simulator(seed=185, orders=0, lags=Lags.none())
    orders = [sim.add_order() for _ in range(120)]
    other = sim.add_order()  # another of the seller's orders ships meanwhile too: the search sees it, not reported
    sim._core.feed_timing.queue_seconds = 3600.0  # the feed waits an hour: the ships below come before processing
    client = sim.client()
    batch = client.cancel_orders(
        [CancelRequest(order_id=o.order_id, reason=CancelReason.NO_INVENTORY) for o in orders], wait=False
    )
    assert batch.counts == {"SUBMITTED": 120}
    shipped = {orders[n].order_id for n in (0, 3, 17, 40, 77, 101, 119)}
    for order_id in [*shipped, other.order_id]:
        _ship(sim, order_id)
    before = sim.request_counts
    final = {o.order_id: client.wait(batch[o.order_id], timeout=3600) for o in orders}
    reads = {k: v - before.get(k, 0) for k, v in sim.request_counts.items() if k.startswith("orders.")}
    assert {k: v for k, v in reads.items() if v} == {"orders.searchOrders": 1}  # not one getOrder per order
    assert {i for i, o in final.items() if o.status is CancelStatus.REJECTED} == shipped
    assert {i for i, o in final.items() if o.status is CancelStatus.CANCELLED} == {o.order_id for o in orders} - shipped
    assert all(sim.order(i).status == "Shipped" for i in shipped)
    assert all("would refund the entire order amount" in (final[i].detail or "") for i in shipped)
    assert other.order_id not in final


def test_a_small_batch_reads_each_order_back_once() -> None:
    """Three orders, one shipped meanwhile: three getOrder reads (6 s of plan) rather than a 179 s search page."""
    sim = Simulator(seed=186, orders=0, lags=Lags.none())
    orders = [sim.add_order() for _ in range(3)]
    client = sim.client()
    batch = client.cancel_orders(
        [CancelRequest(order_id=o.order_id, reason=CancelReason.NO_INVENTORY) for o in orders], wait=False
    )
    _ship(sim, orders[1].order_id)
    before = sim.request_counts
    final = {o.order_id: client.wait(batch[o.order_id], timeout=3600) for o in orders}
    reads = {k: v - before.get(k, 0) for k, v in sim.request_counts.items() if k.startswith("orders.")}
    assert {k: v for k, v in reads.items() if v} == {"orders.getOrder": 3}
    assert [final[o.order_id].status for o in orders] == [
        CancelStatus.CANCELLED,
        CancelStatus.REJECTED,
        CancelStatus.CANCELLED,
    ]
