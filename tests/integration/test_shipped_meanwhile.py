"""Issue 18 item 4's check: an order that ships between the pre-check and Amazon's processing of the feed.

Checked: the simulator does **not** refuse the acknowledgement ``Failure`` for such an order, on purpose. Amazon's
documentation says a ``Failure`` after a ship-confirm "would refund the entire order amount" (facts §3.1), so the
simulator acts on it as Amazon does (``test_cancellation_race.py``): the order stays ``Shipped`` and the whole amount
is refunded. The library then reports the cancel ``CANCELLED`` from the processing report's success, which is not
what happened. That is a known defect, recorded here as a strict expected failure until ``finish`` tells it apart
(it needs a read-back or another signal: see the report of issue 18).
"""

from __future__ import annotations

import pytest

from sp_cancel import CancelReason, CancelRequest
from sp_cancel._cancellation.outcomes import CancelStatus
from sp_cancel.testing import Lags, Simulator


@pytest.mark.xfail(
    strict=True,
    reason="known defect: a Failure Amazon applied to an order shipped meanwhile is reported CANCELLED (issue 18)",
)
def test_an_order_shipped_between_the_pre_check_and_processing_is_never_reported_cancelled() -> None:
    """Two orders pass the pre-check; one ships before Amazon processes the feed: it must not read CANCELLED."""
    sim = Simulator(seed=184, orders=0, lags=Lags.none())
    kept, shipped = sim.add_order(), sim.add_order()
    client = sim.client()
    batch = client.cancel_orders(
        [CancelRequest(order_id=o.order_id, reason=CancelReason.NO_INVENTORY) for o in (kept, shipped)], wait=False
    )
    assert {batch[o.order_id].status for o in (kept, shipped)} == {CancelStatus.SUBMITTED}
    item = shipped.items[0]
    sim.ship(shipped.order_id, item.order_item_id, item.quantity_ordered)  # the seller ships it meanwhile
    final = {o.order_id: client.wait(batch[o.order_id], timeout=3600) for o in (kept, shipped)}
    assert final[kept.order_id].status is CancelStatus.CANCELLED
    assert sim.order(shipped.order_id).status == "Shipped"  # Amazon refunded it in full; it was not cancelled
    assert final[shipped.order_id].status is not CancelStatus.CANCELLED
