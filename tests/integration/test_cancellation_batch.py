"""cancel_orders against the simulator: mixed batches, one feed per kind, per-order outcomes, duplicates."""

from __future__ import annotations

from typing import Any

import pytest

from sp_cancel import CancelReason, CancelRequest, ItemCancel
from sp_cancel._cancellation.outcomes import CancelStatus
from sp_cancel.errors import InvalidInputError, NotCancellableError, NotFoundError
from sp_cancel.testing import Simulator

NO_INVENTORY = CancelReason.NO_INVENTORY


@pytest.fixture
def sim() -> Simulator:
    """An empty simulated seller (no seeded orders)."""
    return Simulator(seed=41, orders=0)


def whole(order: Any, reason: CancelReason = NO_INVENTORY) -> CancelRequest:
    """A whole-order cancel of ``order``."""
    return CancelRequest(order_id=order.order_id, reason=reason)


def units(order: Any, index: int, quantity: int) -> CancelRequest:
    """Cancel ``quantity`` units of the order's item number ``index``."""
    item = ItemCancel(order_item_id=order.items[index].order_item_id, quantity=quantity)
    return CancelRequest(order_id=order.order_id, reason=NO_INVENTORY, items=[item])


def test_mixed_batch_sends_one_feed_per_kind_and_reports_each_order(sim: Simulator) -> None:
    """Whole and item-level cancels go in one feed each; refusals are per order and never sent."""
    wholes = [sim.add_order(items=2) for _ in range(3)]
    open_units = sim.add_order(items=[{"quantity": 3}])
    partly = sim.add_order(status="PartiallyShipped", items=[{"quantity": 1}, {"quantity": 2}])
    shipped = sim.add_order(status="Shipped")
    amazon = sim.add_order(channel="AFN")
    too_many = sim.add_order(items=[{"quantity": 1}])
    partly_whole = sim.add_order(status="PartiallyShipped", items=2)
    requests = [
        *(whole(o) for o in wholes),
        units(open_units, 0, 2),
        units(partly, 1, 2),
        whole(shipped),
        whole(amazon),
        units(too_many, 0, 2),
        whole(partly_whole),
        CancelRequest(order_id="112-0000000-0000000", reason=NO_INVENTORY),
    ]
    batch = sim.client().cancel_orders(requests)

    assert list(batch) == [r.order_id for r in requests]  # one outcome per order, in submission order
    assert [o.order_id for o in batch.values()] == list(batch.keys())
    assert all(r.order_id in batch for r in requests)
    assert all(batch[o.order_id].status is CancelStatus.CANCELLED for o in wholes)
    assert batch[open_units.order_id].status is CancelStatus.PARTIALLY_CANCELLED
    assert batch[partly.order_id].status is CancelStatus.PARTIALLY_CANCELLED
    refused = {o.order_id: (type(o.error), getattr(o.error, "state", None)) for o in batch.refused}
    assert {o.status for o in batch.refused} == {CancelStatus.REFUSED}
    assert batch.failed == batch.refused
    assert refused == {
        shipped.order_id: (NotCancellableError, "SHIPPED"),
        amazon.order_id: (NotCancellableError, "AMAZON_FULFILLED"),
        too_many.order_id: (InvalidInputError, None),
        partly_whole.order_id: (NotCancellableError, "PARTIALLY_SHIPPED"),
        "112-0000000-0000000": (NotFoundError, None),
    }
    assert batch.counts == {"CANCELLED": 3, "PARTIALLY_CANCELLED": 2, "REFUSED": 5}
    assert repr(batch) == "10 orders: 3 cancelled, 2 partially cancelled, 5 refused"
    assert len(batch) == len(requests)

    assert len(batch.feed_ids) == 2
    assert sim.request_counts["feeds.createFeed"] == 2
    types = sorted(sim.world.feeds[f].feed_type for f in batch.feed_ids)
    assert types == ["POST_ORDER_ACKNOWLEDGEMENT_DATA", "POST_PAYMENT_ADJUSTMENT_DATA"]
    for order in (shipped, amazon, too_many, partly_whole):
        assert sim.order(order.order_id).status == order.status
        assert all(i.quantity_cancelled == 0 for i in sim.order(order.order_id).items)
    assert sim.order(open_units.order_id).items[0].quantity_cancelled == 2
    assert sim.order(partly.order_id).items[1].quantity_cancelled == 2


def test_message_ids_map_back_to_their_orders(sim: Simulator) -> None:
    """Each order's journaled MessageID is the one Amazon applied for that order in that feed."""
    orders = [sim.add_order() for _ in range(6)]
    client = sim.client()
    batch = client.cancel_orders([whole(o) for o in orders])
    [feed_id] = batch.feed_ids
    applied = {order_id: message_id for f, message_id, order_id, _ in sim.world.ledger if f == feed_id}
    assert sorted(applied.values()) == list(range(1, 7))
    for order in orders:
        outcome = batch[order.order_id]
        entry = client.journal.get(outcome.submission_id or "")
        assert entry is not None
        assert (entry.feed_id, entry.message_id) == (feed_id, applied[order.order_id])


def test_rejections_in_the_processing_report_land_on_the_right_orders(sim: Simulator) -> None:
    """An order Amazon marked Unfulfillable after the pre-check is REJECTED with its message; the others are cancelled.

    (An order that *shipped* meanwhile is not rejected: Amazon acts on the Failure, see test_cancellation_race.)
    """
    orders = [sim.add_order() for _ in range(5)]
    client = sim.client()
    requests = [whole(o) for o in orders]
    submitted = client.cancel_orders(requests, wait=False)
    assert {o.status for o in submitted.values()} == {CancelStatus.SUBMITTED}
    late = orders[2]
    with sim.lock:
        order = sim.world.orders[late.order_id]
        order.status = "Unfulfillable"
    batch = client.cancel_orders(requests)  # the same batch again: finishes the journaled feed
    assert sim.request_counts["feeds.createFeed"] == 1
    rejected = batch[late.order_id]
    assert rejected.status is CancelStatus.REJECTED
    assert [(m.code, m.severity, m.order_id) for m in rejected.messages] == [("90207", "ERROR", late.order_id)]
    assert all(batch[o.order_id].status is CancelStatus.CANCELLED for o in orders if o is not late)
    assert all(batch[o.order_id].messages == () for o in orders if o is not late)
    assert batch.failed == [rejected]


def test_exact_duplicates_are_sent_once(sim: Simulator) -> None:
    """The same request twice is one cancel: one message, one outcome, no error."""
    order, other = sim.add_order(), sim.add_order()
    batch = sim.client().cancel_orders([whole(order), whole(other), whole(order)])
    assert batch.refused == []
    assert list(batch) == [order.order_id, other.order_id]
    assert batch.counts == {"CANCELLED": 2}
    applied = [row for row in sim.world.ledger if row[2] == order.order_id]
    assert len(applied) == 1


def test_conflicting_duplicates_are_refused_and_not_sent(sim: Simulator) -> None:
    """Two different cancels of one order are both refused (not guessed); the rest of the batch goes on."""
    order, other = sim.add_order(items=[{"quantity": 2}]), sim.add_order()
    batch = sim.client().cancel_orders(
        [whole(order), whole(other), whole(order, CancelReason.CUSTOMER_EXCHANGE), units(order, 0, 1)]
    )
    assert [o.order_id for o in batch.refused] == [order.order_id]
    assert batch[order.order_id].status is CancelStatus.REFUSED
    assert isinstance(batch[order.order_id].error, InvalidInputError)
    assert batch[other.order_id].status is CancelStatus.CANCELLED
    assert sim.order(order.order_id).status == "Unshipped"
    assert len(batch) == 2


def test_the_same_batch_again_sends_nothing(sim: Simulator) -> None:
    """Re-running a finished batch returns the journaled outcomes with no HTTP call."""
    orders = [sim.add_order() for _ in range(3)]
    client = sim.client()
    first = client.cancel_orders([whole(o) for o in orders])
    before = sim.request_counts
    again = client.cancel_orders([whole(o) for o in orders])
    assert list(again) == list(first)
    assert sim.request_counts == before


def test_large_batches_read_each_order_once_at_the_cheapest_plan_time(sim: Simulator) -> None:
    """150 orders: 150 getOrder reads (300 s of plan) before the feed, never v0 getOrders; one search page after.

    After the feed, the 150 applied cancels are checked for an order shipped meanwhile with one ``searchOrders``
    page (179 s of plan) rather than 150 more ``getOrder`` reads (300 s).
    """
    orders = [sim.add_order() for _ in range(150)]
    shipped = sim.add_order(status="Shipped")
    batch = sim.client().cancel_orders([whole(o) for o in [*orders, shipped]])
    assert batch.counts == {"CANCELLED": 150, "REFUSED": 1}
    counts = sim.request_counts
    assert counts["orders.getOrder"] == 151
    assert counts["orders.searchOrders"] == 1
    assert "ordersV0.getOrders" not in counts
    assert counts["feeds.createFeed"] == 1


@pytest.mark.parametrize(
    ("requests", "match"),
    [([], "empty"), (["112-1234567-1234567"], "CancelRequest")],
)
def test_invalid_batches_are_refused_before_any_call(sim: Simulator, requests: list[Any], match: str) -> None:
    """An empty batch or a non-CancelRequest element raises InvalidInputError with no request sent."""
    with pytest.raises(InvalidInputError, match=match):
        sim.client().cancel_orders(requests)
    assert sim.request_counts == {}


def test_wait_false_batch_finishes_with_client_wait(sim: Simulator) -> None:
    """Each SUBMITTED outcome of a wait=False batch finishes with client.wait, reading the report once."""
    orders = [sim.add_order() for _ in range(4)]
    client = sim.client()
    batch = client.cancel_orders([whole(o) for o in orders], wait=False)
    done = [client.wait(o) for o in batch.values()]
    assert {o.status for o in done} == {CancelStatus.CANCELLED}
    assert sim.request_counts["feeds.getFeedDocument"] == 1
