"""The opt-in Orders API cancelOrder route (sp_cancel/_cancellation/orders_api.py) against a scripted fake.

Amazon answers 202 before the order changes: the order read back decides. A refusal is taken as such only when the
order does not read cancelled (an earlier attempt may have done it); an order still unshipped after the grace is
asked again, once per grace, never for an order that moved on.
"""

from __future__ import annotations

import pytest
from unit_fakes import AmazonOnOurClock, seller_order

from sp_cancel._cancellation.orders_api import RESEND_GRACE, cancel_via_orders_api, finish_orders_api
from sp_cancel._cancellation.outcomes import CancelStatus
from sp_cancel._order import OrderItem, OrderStatus
from sp_cancel._runtime.context import Context
from sp_cancel.clock import FakeClock
from sp_cancel.errors import ApiError, NotCancellableError
from sp_cancel.models import CancelReason, CancelRequest
from sp_cancel.transport import OrderResponse

US = "ATVPDKIKX0DER"
A = "111-0000000-0000001"
REQUEST = CancelRequest(order_id=A, reason=CancelReason.NO_INVENTORY)


class Amazon(AmazonOnOurClock):
    """getOrder and cancelOrder for one order; ``on_cancel`` is the status a cancel leaves, or a refusal."""

    def __init__(self, clock: FakeClock) -> None:
        """An unshipped order; a cancel cancels it."""
        super().__init__(clock)
        self.status = OrderStatus.UNSHIPPED
        self.on_cancel: OrderStatus | ApiError = OrderStatus.CANCELLED
        self.cancels: list[str] = []

    def get_order(self, order_id: str, *, included_data: list[str]) -> OrderResponse:
        """The order as it reads now."""
        del included_data  # the whole order
        item = OrderItem(
            order_item_id="11111111111111", sku=None, quantity_ordered=1, quantity_shipped=0, quantity_unshipped=1
        )
        order = seller_order(order_id, [item], status=self.status)
        return OrderResponse(order=order, fulfilled_by="MERCHANT")

    def cancel_order(self, order_id: str, *, cancel_reason_code: str) -> None:
        """cancelOrder: 202 (the order changes to ``on_cancel``) or the scripted refusal."""
        del order_id  # one order
        self.cancels.append(cancel_reason_code)
        if isinstance(self.on_cancel, ApiError):
            raise self.on_cancel
        self.status = self.on_cancel


@pytest.fixture
def amazon(clock: FakeClock) -> Amazon:
    """The fake."""
    return Amazon(clock)


def test_accepted_and_read_back_cancelled(ctx: Context, amazon: Amazon) -> None:
    """One cancelOrder with the reason's code; the order reads CANCELLED: CANCELLED, journaled done."""
    outcome = cancel_via_orders_api(ctx, REQUEST)
    assert (outcome.status, outcome.via) == (CancelStatus.CANCELLED, "orders_api")
    assert amazon.cancels == [CancelReason.NO_INVENTORY.orders_api_code]
    entry = ctx.journal.get(outcome.submission_id or "")
    assert entry is not None
    assert entry.state == "done"
    assert cancel_via_orders_api(ctx, REQUEST) == outcome  # asked again: the journaled outcome, no request
    assert len(amazon.cancels) == 1


def test_accepted_but_still_open_is_submitted_and_asked_again_once_per_grace(
    ctx: Context, amazon: Amazon, clock: FakeClock
) -> None:
    """202 and still UNSHIPPED: SUBMITTED; within the grace nothing is resent; past it, once, then decided."""
    amazon.on_cancel = OrderStatus.UNSHIPPED
    outcome = cancel_via_orders_api(ctx, REQUEST)
    assert outcome.status is CancelStatus.SUBMITTED
    entry = ctx.journal.get(outcome.submission_id or "")
    assert entry is not None
    clock.advance(RESEND_GRACE.total_seconds() - 1)
    assert finish_orders_api(ctx, entry).status is CancelStatus.SUBMITTED
    assert len(amazon.cancels) == 1
    clock.advance(1)
    amazon.on_cancel = OrderStatus.CANCELLED
    again = finish_orders_api(ctx, entry)
    assert len(amazon.cancels) == 2
    assert again.status is CancelStatus.SUBMITTED  # read before the resend; the next read decides
    latest = ctx.journal.get(entry.key)
    assert latest is not None
    assert finish_orders_api(ctx, latest).status is CancelStatus.CANCELLED


def test_an_order_that_shipped_instead_is_rejected(ctx: Context, amazon: Amazon) -> None:
    """Accepted, then the order reads SHIPPED: REJECTED (journaled rejected), never asked again."""
    amazon.on_cancel = OrderStatus.SHIPPED
    outcome = cancel_via_orders_api(ctx, REQUEST)
    assert outcome.status is CancelStatus.REJECTED
    assert "SHIPPED" in (outcome.detail or "")
    assert ctx.journal.get(outcome.submission_id or "").state == "rejected"  # type: ignore[union-attr]


def test_a_refusal_is_journaled_failed_so_asking_again_asks_amazon_again(ctx: Context, amazon: Amazon) -> None:
    """A 400 with the order still open: the error propagates, the attempt is failed (not rejected forever)."""
    amazon.on_cancel = ApiError("cannot cancel", operation="cancelOrder", status=400)
    with pytest.raises(ApiError):
        cancel_via_orders_api(ctx, REQUEST)
    (entry,) = ctx.journal.find("orders_api_cancel", A)
    assert entry.state == "failed"
    assert entry.outcome["status"] == "REJECTED"


def test_a_refusal_of_an_order_an_earlier_attempt_cancelled_is_success(ctx: Context, amazon: Amazon) -> None:
    """Amazon refuses because the order is already cancelled (an earlier attempt did it): CANCELLED."""
    amazon.on_cancel = ApiError("already cancelled", operation="cancelOrder", status=400)

    def refuse_after_cancelling(order_id: str, *, cancel_reason_code: str) -> None:
        amazon.status = OrderStatus.CANCELLED
        Amazon.cancel_order(amazon, order_id, cancel_reason_code=cancel_reason_code)

    amazon.cancel_order = refuse_after_cancelling  # type: ignore[method-assign]  # the lost-then-refused story
    assert cancel_via_orders_api(ctx, REQUEST).status is CancelStatus.CANCELLED


def test_an_order_not_cancellable_is_refused_before_any_request(ctx: Context, amazon: Amazon) -> None:
    """A shipped order: NotCancellableError, no cancelOrder, nothing journaled."""
    amazon.status = OrderStatus.SHIPPED
    with pytest.raises(NotCancellableError):
        cancel_via_orders_api(ctx, REQUEST)
    assert amazon.cancels == []
    assert ctx.journal.find("orders_api_cancel", A) == []
