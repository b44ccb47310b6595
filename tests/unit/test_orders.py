"""The pre-flight state checks on orders (reading Amazon's order JSON is tested in tests/unit/transport)."""

from __future__ import annotations

import pytest

from sp_cancel.errors import InvalidInputError, NotCancellableError
from sp_cancel.models import Fulfillment, ItemCancel
from sp_cancel.orders import (
    Order,
    OrderItem,
    OrderStatus,
    check_item_cancel,
    check_whole_cancel,
    search_orders,
)


def make(
    state: OrderStatus = OrderStatus.UNSHIPPED, fulfilled_by: str = "MFN", shipped: tuple[int, int] = (0, 0)
) -> Order:
    """An order of two two-unit items, ``shipped`` units shipped of each."""
    items = tuple(
        OrderItem(
            order_item_id=f"1234567890123{n}",
            sku=None,
            quantity_ordered=2,
            quantity_shipped=s,
            quantity_unshipped=2 - s,
        )
        for n, s in enumerate(shipped)
    )
    return Order(
        order_id="112-1234567-1234567",
        marketplace_id="ATVPDKIKX0DER",
        status=state,
        channel=Fulfillment(fulfilled_by),
        purchased_at=None,
        last_updated_at=None,
        currency="USD",
        items=items,
    )


@pytest.mark.parametrize(
    ("order", "state"),
    [
        (make(OrderStatus.SHIPPED), "SHIPPED"),
        (make(OrderStatus.INVOICE_UNCONFIRMED), "INVOICE_UNCONFIRMED"),
        (make(OrderStatus.PARTIALLY_SHIPPED), "PARTIALLY_SHIPPED"),
        (make(OrderStatus.PENDING), "PENDING"),
        (make(OrderStatus.PENDING_AVAILABILITY), "PENDING_AVAILABILITY"),
        (make(OrderStatus.CANCELLED), "CANCELLED"),
        (make(OrderStatus.UNFULFILLABLE), "UNFULFILLABLE"),
        (make(fulfilled_by="AFN"), "AMAZON_FULFILLED"),
    ],
)
def test_whole_cancel_is_refused_in_every_state_but_unshipped(order: Order, state: str) -> None:
    """check_whole_cancel raises NotCancellableError with the state and a hint for each other state."""
    with pytest.raises(NotCancellableError) as caught:
        check_whole_cancel(order)
    assert caught.value.state == state
    assert caught.value.hint


def test_whole_cancel_of_an_unshipped_merchant_order_passes() -> None:
    """An unshipped seller-fulfilled order passes the whole-order check."""
    check_whole_cancel(make())


def test_item_cancel_checks_units_against_what_is_unshipped() -> None:
    """Item-level cancels pass up to the unshipped units and are refused beyond, or for unknown items."""
    order = make(OrderStatus.PARTIALLY_SHIPPED, shipped=(2, 1))
    check_item_cancel(order, [ItemCancel(order_item_id="12345678901231", quantity=1)])
    with pytest.raises(InvalidInputError, match="1 unshipped"):
        check_item_cancel(order, [ItemCancel(order_item_id="12345678901231", quantity=2)])
    with pytest.raises(InvalidInputError, match="0 unshipped"):
        check_item_cancel(order, [ItemCancel(order_item_id="12345678901230", quantity=1)])
    with pytest.raises(InvalidInputError, match="has no item"):
        check_item_cancel(order, [ItemCancel(order_item_id="99999999999999", quantity=1)])


@pytest.mark.parametrize(
    ("order", "state"),
    [(make(OrderStatus.SHIPPED), "SHIPPED"), (make(fulfilled_by="AFN"), "AMAZON_FULFILLED")],
)
def test_item_cancel_is_refused_on_shipped_and_amazon_orders(order: Order, state: str) -> None:
    """Item-level cancels of shipped or Amazon-fulfilled orders raise NotCancellableError."""
    with pytest.raises(NotCancellableError) as caught:
        check_item_cancel(order, [ItemCancel(order_item_id="12345678901230", quantity=1)])
    assert caught.value.state == state


def test_search_orders_needs_exactly_one_time_filter() -> None:
    """A searchOrders call needs createdAfter or lastUpdatedAfter, not both, not neither (before any call)."""
    with pytest.raises(InvalidInputError):
        next(search_orders(None))  # type: ignore[arg-type]


def test_old_order_names_still_work_with_a_deprecation_warning() -> None:
    """Order.state and Order.fulfilled_by (before Order was public) warn and answer as before."""
    order = make(OrderStatus.SHIPPED, fulfilled_by="AFN")
    with pytest.warns(DeprecationWarning, match="Order.state"):
        assert order.state is OrderStatus.SHIPPED
    with pytest.warns(DeprecationWarning, match="Order.fulfilled_by"):
        assert order.fulfilled_by == "AMAZON"


def test_status_prints_its_value_and_compares_with_strings() -> None:
    """OrderStatus is a str enum: str() is Amazon's value, and the old plain strings still compare equal."""
    assert str(OrderStatus.PARTIALLY_SHIPPED) == "PARTIALLY_SHIPPED"
    assert OrderStatus.CANCELLED == "CANCELLED"
