"""A batch cancel reads its journal entries back only where it has to (issue 20 item 2).

Every state change already returns the entry it wrote; the workflow reads an entry again only to learn
what it cannot know (is the key journaled yet, what did submitting leave behind). Reading each plan back
to learn when it was planned cost one entry per order for nothing: ``Planned`` carries the time.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sp_cancel import CancelReason, CancelRequest
from sp_cancel.journal import Entry, Journal
from sp_cancel.testing import Lags, Scenario, Simulator

ORDERS = 40


class _Counting(Journal):
    """An in-memory journal that counts, by key, the ``get`` calls that found (and so built) an entry."""

    def __init__(self) -> None:
        super().__init__(":memory:")
        self.gets: Counter[str] = Counter()
        self.planned: list[str] = []

    def get(self, key: str) -> Entry | None:
        found = super().get(key)
        if found is not None:
            self.gets[key] += 1
        return found

    def plan(self, key: str, **kwargs: object) -> tuple[Entry, bool]:
        self.planned.append(key)
        return super().plan(key, **kwargs)  # type: ignore[arg-type]


def test_a_batch_reads_each_entry_back_once_after_planning() -> None:
    """Per order, ``get`` finds an entry once (after submitting); none is read back to recheck the plan."""
    sim = Simulator(seed=5, scenario=Scenario(orders=0, listings=0, mcf_orders=False, deals=False), lags=Lags.none())
    now = sim.now()
    ids = [sim.add_order(purchase_date=now - timedelta(minutes=30 + n)).order_id for n in range(ORDERS)]
    journal = _Counting()
    batch = sim.client(journal=journal).cancel_orders(
        [CancelRequest(order_id=i, reason=CancelReason.NO_INVENTORY) for i in ids]
    )
    assert batch.counts == {"CANCELLED": ORDERS}
    assert len(journal.planned) == ORDERS
    assert {key: journal.gets[key] for key in journal.planned} == dict.fromkeys(journal.planned, 1)
