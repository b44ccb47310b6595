"""Fakes that more than one package of the unit tests builds on: orders as Amazon reads them, a workflow context.

Imported by name (``from unit_fakes import ...``), as tests/unit is on the path for its conftest; the ``clock`` and
``journal`` fixtures that go with ``fake_context`` are in tests/unit/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sp_cancel._order import Order, OrderItem, OrderStatus
from sp_cancel._runtime.context import Context
from sp_cancel._runtime.feeds import FeedRunner
from sp_cancel.clock import FakeClock
from sp_cancel.journal import Journal
from sp_cancel.models import Fulfillment
from sp_cancel.transport import SpApi

US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"
PURCHASED = datetime(2026, 12, 1, tzinfo=UTC)


def seller_order(
    order_id: str,
    items: Iterable[OrderItem],
    *,
    status: OrderStatus = OrderStatus.UNSHIPPED,
    marketplace_id: str | None = US,
    currency: str = "USD",
    purchased_at: datetime = PURCHASED,
) -> Order:
    """A seller-fulfilled (MFN) order of ``items``, as ``getOrder`` reads it (no update time)."""
    return Order(
        order_id=order_id,
        marketplace_id=marketplace_id,
        status=status,
        channel=Fulfillment("MFN"),
        purchased_at=purchased_at,
        last_updated_at=None,
        currency=currency,
        items=tuple(items),
    )


class AmazonOnOurClock:
    """What every fake Amazon answers of its clock: the test's, no offset (``SpApi.amazon_now``, ``clock_offset``)."""

    clock_offset = timedelta(0)

    def __init__(self, clock: FakeClock) -> None:
        """Amazon reads ``clock``."""
        self.clock = clock

    def amazon_now(self) -> datetime:
        """Amazon's clock is ours."""
        return self.clock.now()


def fake_context(
    amazon: object, journal: Journal, clock: FakeClock, *, horizon: timedelta = timedelta(hours=48)
) -> Context:
    """A workflow context over ``amazon`` (a fake of what the code under test calls of ``SpApi``).

    Seller ``S1`` in the US marketplace; the feed runner and every wait sleep on ``clock``.
    """
    api: SpApi = amazon  # type: ignore[assignment]  # the fake implements what the code under test calls
    return Context(
        api=api,
        journal=journal,
        runner=FeedRunner(api=api, journal=journal, clock=clock, sleep=clock.sleep),
        clock=clock,
        sleep=clock.sleep,
        seller_id="S1",
        marketplace_id=US,
        horizon=horizon,
    )
