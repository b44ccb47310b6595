"""A feed belongs to one submission: lost createFeed answers never credit another submission's feed (issue 11).

The two hostile scenarios of issue 11, reproduced against the simulator with one shared SQLite journal:

1. X's ``createFeed`` draws a 429 and is created minutes later; Y's ``createFeed`` then loses its connection
   before Amazon saw it. Y must not come back done on X's feed.
2. Process A dies right after its refund's ``createFeed`` was committed at Amazon; process B, on the same
   journal, refunds another order and its ``createFeed`` gets a 500 that created nothing. B must not report
   its refund applied on A's feed, and A's refund, resumed, is applied exactly once.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sp_cancel import AdjustmentReason, CancelReason, Money
from sp_cancel.journal import Journal
from sp_cancel.testing import Simulator


class Killed(BaseException):
    """The process died here."""


def die(self: Journal, keys: Any, *, feed_id: str) -> Any:
    """Journal.mark_submitted of a process killed before it could write the feed id."""
    raise Killed


def refunds_of(sim: Simulator, order_id: str) -> list[Any]:
    """What Amazon refunded on ``order_id``."""
    return [r for r in sim.world.refunds if r.order_id == order_id]


def shipped(sim: Simulator) -> str:
    """A shipped seller-fulfilled order (one 20.00 item)."""
    return str(sim.add_order(status="Shipped", items=[{"price": "20.00", "shipping": "4.00"}]).order_id)


def test_a_throttled_feed_is_never_credited_to_a_later_submission(tmp_path: Path) -> None:
    """Scenario 1 (cancels): Y's lost createFeed is sent again, not credited with X's throttled feed."""
    sim = Simulator(seed=21, orders=4)
    client = sim.client(journal=tmp_path / "journal.sqlite3")
    x, y = sim.add_order().order_id, sim.add_order().order_id
    sim.add_fault("feeds.createFeed", "429")  # X: the usage plan's gate; the client waits ~2 minutes
    first = client.cancel_order(x, CancelReason.NO_INVENTORY)
    assert first.status == "CANCELLED"
    sim.add_fault("feeds.createFeed", "drop")  # Y: the connection drops before Amazon sees it
    second = client.cancel_order(y, CancelReason.NO_INVENTORY)
    assert second.status == "CANCELLED"
    assert sim.order(y).status == "Canceled"  # Amazon did cancel Y: it was sent again
    assert second.feed_id != first.feed_id
    assert len(sim.world.feeds) == 2


def test_a_crashed_refund_feed_is_not_adopted_by_another_refund(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scenario 2 (refunds): B's refund stays unresolved (never APPLIED on A's feed); each is applied once."""
    sim = Simulator(seed=22, orders=4)
    journal = tmp_path / "journal.sqlite3"
    x, y = shipped(sim), shipped(sim)
    with monkeypatch.context() as patch:
        patch.setattr(Journal, "mark_submitted", die)
        with pytest.raises(Killed):  # process A dies after Amazon created its feed
            sim.client(journal=journal).partial_refund(
                x, Money(Decimal("5.00"), "USD"), reason=AdjustmentReason.CUSTOMER_RETURN
            )
    assert len(sim.world.feeds) == 1
    sim.add_fault("feeds.createFeed", "500")  # B: a 500 that created nothing
    b = sim.client(journal=journal)
    refund_y = b.partial_refund(y, Money(Decimal("3.00"), "USD"), reason=AdjustmentReason.CUSTOMER_RETURN)
    # B never reports Y done on A's feed: it is applied on a feed that refunded Y, or still unresolved (its
    # createFeed answer was lost: UNCONFIRMED, never sent again on a search).
    if refund_y.status == "APPLIED":
        assert {r.feed_id for r in refunds_of(sim, y)} == {refund_y.feed_id}
    else:
        assert refund_y.status == "UNCONFIRMED"
        assert refunds_of(sim, y) == []
    # Later (Finances posts within hours), A's refund is resumed and applied once; Y stays unconfirmed.
    for _ in range(12):
        statuses = {o.order_id: o.status for o in b.resume() if hasattr(o, "idempotency_key")}
        if statuses.get(x) == "APPLIED":
            break
        sim.advance(1800)
    assert len(refunds_of(sim, x)) == 1
    assert refunds_of(sim, y) == []
    # Past the 48 h horizon with no feed and nothing posted, Y is not sent: asking again sends it, once.
    sim.advance(49 * 3600)
    again_y = b.partial_refund(y, Money(Decimal("3.00"), "USD"), reason=AdjustmentReason.CUSTOMER_RETURN)
    again_x = b.partial_refund(x, Money(Decimal("5.00"), "USD"), reason=AdjustmentReason.CUSTOMER_RETURN)
    assert (again_x.status, again_y.status) == ("APPLIED", "APPLIED")
    assert len(refunds_of(sim, x)) == 1
    assert len(refunds_of(sim, y)) == 1
    assert {r.feed_id for r in refunds_of(sim, x)} == {again_x.feed_id} or again_x.feed_id is None
    assert {r.feed_id for r in refunds_of(sim, y)} == {again_y.feed_id}
