"""What the order-feed business rules share: the processing context, the ledger, common result codes.

The result codes are listed in :mod:`._orderfeed`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from sp_cancel.testing._sim._orderfeed_report import ReportResult

if TYPE_CHECKING:
    from datetime import datetime

    from sp_cancel.testing._sim._feeds_common import FeedSim
    from sp_cancel.testing._sim._state import SimFeed

__all__: list[str] = []

_NOT_FOUND: Final = 18028
_ITEM_NOT_FOUND: Final = 90201
_AFN: Final = 90202


@dataclass
class _Context:
    sim: FeedSim
    feed: SimFeed
    at: datetime
    results: list[ReportResult] = field(default_factory=list)

    def not_found(self, message_id: int, order_id: str | None, merchant_order_id: str | None) -> None:
        reference = merchant_order_id if order_id is None else order_id
        self.results.append(
            ReportResult(
                message_id,
                _NOT_FOUND,
                f"Your order cannot be found using Merchant ID {self.sim.seller_id} and Merchant Order "
                f"{reference}. Please check the order ID and try again.",
                order_id=order_id,
            )
        )


def _ledger(ctx: _Context, message_id: int, order_id: str, what: str) -> None:
    ctx.sim.world.ledger.append((ctx.feed.feed_id, message_id, order_id, what))
