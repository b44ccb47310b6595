"""client.order and client.orders: the public order reads, over the simulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sp_cancel import (
    AdjustmentReason,
    Fulfillment,
    InvalidInputError,
    ItemRefund,
    Money,
    Order,
    OrderStatus,
    PriceComponent,
    SellerClient,
)
from sp_cancel.testing import Simulator


@pytest.fixture
def sim() -> Simulator:
    """A seeded simulated seller."""
    return Simulator(seed=12)


@pytest.fixture
def client(sim: Simulator) -> SellerClient:
    """A client wired to ``sim``."""
    return sim.client()


def test_order_reads_status_channel_dates_and_items(sim: Simulator, client: SellerClient) -> None:
    """client.order gives the status, channel, dates and each item's ids, SKU, ASIN and quantities."""
    seeded = next(o for o in sim.orders(status="Unshipped", channel="MFN") if o.marketplace_id == client.marketplace_id)
    order = client.order(seeded.order_id)
    assert isinstance(order, Order)
    assert (order.order_id, order.status, order.channel) == (seeded.order_id, OrderStatus.UNSHIPPED, Fulfillment.MFN)
    assert order.purchased_at == seeded.purchase_date.replace(microsecond=0)  # Amazon sends whole seconds
    assert seeded.latest_ship_date is not None
    assert order.ship_by == seeded.latest_ship_date.replace(microsecond=0)
    assert [i.order_item_id for i in order.items] == [i.order_item_id for i in seeded.items]
    first, sim_first = order.items[0], seeded.items[0]
    assert (first.sku, first.asin, first.quantity_ordered, first.quantity_unshipped) == (
        sim_first.sku,
        sim_first.asin,
        sim_first.quantity_ordered,
        sim_first.quantity_unshipped,
    )
    assert all(i.refundable == {} for i in order.items)  # unshipped: cancel, do not refund
    assert repr(order).startswith(f"Order({seeded.order_id!r}, UNSHIPPED, MFN, ")


def test_order_refundable_is_what_partial_refund_allows(sim: Simulator, client: SellerClient) -> None:
    """A shipped order's refundable drops by what was refunded, and partial_refund refuses more than it."""
    seeded = next(o for o in sim.orders(status="Shipped", channel="MFN") if o.marketplace_id == client.marketplace_id)
    before = client.order(seeded.order_id)
    item = before.items[0]
    assert item.refundable is not None
    principal = item.refundable[PriceComponent.PRINCIPAL]
    part = Money(amount=principal.amount - Decimal(1), currency=principal.currency)
    client.partial_refund(
        seeded.order_id,
        [ItemRefund(order_item_id=item.order_item_id, components={PriceComponent.PRINCIPAL: part})],
        reason=AdjustmentReason.CUSTOMER_RETURN,
    )
    after = client.order(seeded.order_id).item(item.order_item_id)
    assert after is not None
    assert after.refundable is not None
    assert after.refundable[PriceComponent.PRINCIPAL] == Money(amount="1", currency=principal.currency)


def test_orders_filters_pages_and_respects_the_filters(sim: Simulator, client: SellerClient) -> None:
    """client.orders yields every matching order across pages; refundable is left unread."""
    here = client.marketplace_id
    expected = {o.order_id for o in sim.orders(status="Unshipped", channel="MFN") if o.marketplace_id == here}
    found = list(client.orders(status="Unshipped", channel="MFN", since=timedelta(days=365)))
    assert {o.order_id for o in found} == expected
    assert all(o.status is OrderStatus.UNSHIPPED and o.channel is Fulfillment.MFN for o in found)
    assert all(i.refundable is None for o in found for i in o.items)
    afn = list(client.orders(channel=Fulfillment.AFN, since=timedelta(days=365)))
    assert {o.order_id for o in afn} == {o.order_id for o in sim.orders(channel="AFN") if o.marketplace_id == here}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": "SHIPPING"}, "status"),
        ({"channel": "FBM"}, "channel"),
        ({"since": timedelta(0)}, "since"),
        ({"since": datetime(2020, 1, 1)}, "since"),  # noqa: DTZ001 - the naive datetime is the point
        ({"since": datetime(2999, 1, 1, tzinfo=UTC)}, "since"),
    ],
)
def test_orders_refuses_bad_filters_at_the_call(
    sim: Simulator, client: SellerClient, kwargs: dict[str, object], field: str
) -> None:
    """Bad filters raise InvalidInputError when orders() is called, before any request."""
    before = dict(sim.request_counts)
    with pytest.raises(InvalidInputError) as caught:
        client.orders(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert dict(sim.request_counts) == before


def test_order_refuses_a_malformed_id_before_any_request(sim: Simulator, client: SellerClient) -> None:
    """client.order checks the 3-7-7 shape first."""
    before = dict(sim.request_counts)
    with pytest.raises(InvalidInputError):
        client.order("not-an-order")
    assert dict(sim.request_counts) == before
