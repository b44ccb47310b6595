"""The journal side of a cancel (sp_cancel/_cancellation/record.py): keys, kinds, pre-flight, conflicts, outcomes."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import attrs
import pytest
from unit_fakes import seller_order

from sp_cancel._cancellation.outcomes import CancelStatus
from sp_cancel._cancellation.payload import CancelPayload
from sp_cancel._cancellation.record import (
    KIND_ITEMS,
    KIND_ORDERS_API,
    KIND_WHOLE,
    check,
    check_conflict,
    kind_of,
    require_buyer_request,
    submission_key,
    submitted_outcome,
    unconfirmed_outcome,
)
from sp_cancel._order import Order, OrderItem, OrderStatus
from sp_cancel.errors import IdempotencyConflictError, InvalidInputError, NotCancellableError
from sp_cancel.journal import Journal
from sp_cancel.models import CancelReason, CancelRequest, ItemCancel

ORDER_ID = "111-2222222-3333333"
I1, I2 = "11111111111111", "22222222222222"
WHOLE = CancelRequest(order_id=ORDER_ID, reason=CancelReason.NO_INVENTORY)
UNITS = CancelRequest(
    order_id=ORDER_ID, reason=CancelReason.NO_INVENTORY, items=[ItemCancel(order_item_id=I1, quantity=1)]
)


def order(*, status: OrderStatus = OrderStatus.UNSHIPPED, requested: tuple[bool, bool] = (False, False)) -> Order:
    """A seller-fulfilled two-item order; ``requested`` marks which items the buyer asked to cancel."""
    items = (
        OrderItem(
            order_item_id=item,
            sku=None,
            quantity_ordered=2,
            quantity_shipped=0,
            quantity_unshipped=2,
            buyer_requested_cancel=asked,
        )
        for item, asked in zip((I1, I2), requested, strict=True)
    )
    return seller_order(ORDER_ID, items, status=status)


def test_submission_key_is_stable_and_tells_every_intent_apart() -> None:
    """The same request for the same seller maps to one key; seller, reason, units or route change it."""
    key = submission_key("S1", WHOLE)
    assert key == submission_key("S1", CancelRequest(order_id=ORDER_ID, reason="NO_INVENTORY"))
    assert key.startswith("cancel-")
    assert len(key) == len("cancel-") + 32
    others = {
        submission_key("S2", WHOLE),
        submission_key("S1", attrs.evolve(WHOLE, reason=CancelReason.BUYER_CANCELED)),
        submission_key("S1", UNITS),
        submission_key(
            "S1",
            CancelRequest(order_id=ORDER_ID, reason="NO_INVENTORY", items=[ItemCancel(order_item_id=I1, quantity=2)]),
        ),
        submission_key("S1", WHOLE, "orders_api"),
    }
    assert key not in others
    assert len(others) == 5


def test_kind_of() -> None:
    """A whole-order cancel and a unit cancel are journaled as different kinds."""
    assert (kind_of(WHOLE), kind_of(UNITS)) == (KIND_WHOLE, KIND_ITEMS)


def test_check_dispatches_on_whole_or_units() -> None:
    """A whole cancel of a shipped order is refused; a unit cancel of more than is unshipped is invalid input."""
    check(order(), WHOLE)
    check(order(), UNITS)
    with pytest.raises(NotCancellableError):
        check(order(status=OrderStatus.SHIPPED), WHOLE)
    with pytest.raises(InvalidInputError):
        check(order(), attrs.evolve(UNITS, items=[ItemCancel(order_item_id=I1, quantity=3)]))


def test_an_accepted_buyer_request_must_still_be_there() -> None:
    """Accepting a buyer's request (BUYER_CANCELED) needs it on every unshipped item; otherwise none is required."""
    buyer = attrs.evolve(WHOLE, reason=CancelReason.BUYER_CANCELED)
    check(order(requested=(True, True)), buyer, buyer_request=True)
    check(order(), buyer)  # not accepting a request: nothing to require
    check(order(), WHOLE, buyer_request=True)  # another reason: not a buyer request
    with pytest.raises(NotCancellableError) as none:
        check(order(), buyer, buyer_request=True)
    assert none.value.state == "NO_BUYER_REQUEST"
    with pytest.raises(NotCancellableError) as partial:
        require_buyer_request(order(requested=(True, False)))
    assert partial.value.state == "PARTIAL_BUYER_REQUEST"
    assert I2 in str(partial.value)


def journaled(journal: Journal, request: CancelRequest, key: str, kind: str = KIND_WHOLE) -> None:
    """Plan ``request`` under ``key`` as a cancel of ``kind``."""
    payload = CancelPayload(request=request, marketplace_id="ATVPDKIKX0DER", order_items=(I1, I2))
    journal.plan(key, kind=kind, target=request.order_id, payload=payload.to_json())


def test_check_conflict_refuses_another_reason_for_the_same_order(journal: Journal) -> None:
    """An earlier cancel of this order with another reason (by either route) is another intent: refused."""
    ctx = SimpleNamespace(journal=journal)
    earlier = submission_key("S1", WHOLE, "orders_api")
    journaled(journal, WHOLE, earlier, KIND_ORDERS_API)
    buyer = attrs.evolve(WHOLE, reason=CancelReason.BUYER_CANCELED)
    with pytest.raises(IdempotencyConflictError) as caught:
        check_conflict(ctx, buyer, submission_key("S1", buyer))  # type: ignore[arg-type]  # only .journal is read
    assert caught.value.submission_id == earlier
    assert caught.value.differences == {"reason": ("NO_INVENTORY", "BUYER_CANCELED")}


def test_check_conflict_lets_the_same_intent_and_failed_attempts_through(journal: Journal) -> None:
    """The same reason by another route, a failed earlier attempt, and unit cancels are no conflict."""
    ctx = SimpleNamespace(journal=journal)
    journaled(journal, WHOLE, submission_key("S1", WHOLE, "orders_api"), KIND_ORDERS_API)
    check_conflict(ctx, WHOLE, submission_key("S1", WHOLE))  # type: ignore[arg-type]  # only .journal is read
    buyer = attrs.evolve(WHOLE, reason=CancelReason.BUYER_CANCELED)
    failed = submission_key("S1", buyer, "orders_api")
    journaled(journal, buyer, failed, KIND_ORDERS_API)
    journal.mark_done(failed, state="failed", outcome={})
    key = submission_key("S1", WHOLE)
    check_conflict(ctx, WHOLE, key)  # type: ignore[arg-type]  # the failed one is not an intent any more
    check_conflict(ctx, attrs.evolve(UNITS, reason=CancelReason.BUYER_CANCELED), key)  # type: ignore[arg-type]


def test_submitted_and_unconfirmed_outcomes_carry_the_journaled_request(journal: Journal) -> None:
    """SUBMITTED names the key, the feed and the units; UNCONFIRMED says it is never sent again on its own."""
    key = submission_key("S1", UNITS)
    journaled(journal, UNITS, key, KIND_ITEMS)
    entry = journal.get(key)
    assert entry is not None
    outcome = submitted_outcome(entry, detail="waiting")
    assert (outcome.status, outcome.order_id, outcome.submission_id, outcome.via) == (
        CancelStatus.SUBMITTED,
        ORDER_ID,
        key,
        "feed",
    )
    assert outcome.items == UNITS.items
    assert outcome.detail == "waiting"
    ctx = SimpleNamespace(horizon=timedelta(hours=48))
    unconfirmed = unconfirmed_outcome(ctx, entry, "createFeed's answer was lost")  # type: ignore[arg-type]
    assert unconfirmed.status is CancelStatus.UNCONFIRMED
    assert "never sent again on its own" in (unconfirmed.detail or "")
    assert "2 days after it was sent" in (unconfirmed.detail or "")
