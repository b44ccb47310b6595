"""Whether this client still reads Orders v0: the ``orders_v0`` switch, Amazon's removal date, and retirement.

Amazon deprecated the Orders v0 reads (``getOrders``, ``getOrder``, ``getOrderItems``...) with a migration
deadline of 27 March 2027 (docs/orders-api-versions.md). ``"auto"`` reads v0 where it is cheaper while Amazon
serves it; ``"never"`` does not call it at all. ``"auto"`` becomes ``"never"``, for the rest of this
client's life, on the first answer that says the v0 resource is gone (410, or a 404 where an order cannot be
missing: a list call, or an order the 2026-01-01 API just read), and on the removal date by the client's
clock. Either switch is logged once (``sp_cancel.orders_v0_retired``).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final, Literal

from sp_cancel._events import ORDERS_V0_RETIRED
from sp_cancel.errors import NotFoundError
from sp_cancel.logging import get_logger

if TYPE_CHECKING:
    from sp_cancel.clock import Clock

__all__ = ["V0_REMOVAL", "OrdersV0", "OrdersV0Mode"]

OrdersV0Mode = Literal["auto", "never"]
# Amazon's migration deadline for the Orders v0 reads (changelog "New: Introducing the Orders API v2026-01-01").
V0_REMOVAL: Final = datetime(2027, 3, 27, tzinfo=UTC)


class OrdersV0:
    """The ``orders_v0`` switch of one client (thread-safe; it only ever goes from served to not served)."""

    def __init__(self, mode: OrdersV0Mode, clock: Clock) -> None:
        """``mode`` as the caller set it (checked at ``SellerClient``'s door); ``clock`` tells the date."""
        self.mode: OrdersV0Mode = mode
        self._clock = clock
        self._why: str | None = "orders_v0='never'" if mode == "never" else None
        self._lock = threading.Lock()

    @property
    def served(self) -> bool:
        """Whether a workflow may call an Orders v0 read now."""
        if self._why is not None:
            return False
        if self._clock.now() >= V0_REMOVAL:
            self.retire("the Orders v0 removal date (2027-03-27) has passed")
            return False
        return True

    @property
    def reason(self) -> str | None:
        """Why v0 is not used (``None`` while it is)."""
        return self._why

    def retire(self, why: str, *, operation: str | None = None, status: int | None = None) -> None:
        """Stop using v0 for the rest of this client's life; the first call logs it (once)."""
        with self._lock:
            if self._why is not None:
                return
            self._why = why
        get_logger().warning(ORDERS_V0_RETIRED, reason=why, operation=operation, status=status)

    def require(self, operation: str) -> None:
        """Raise ``NotFoundError`` (before any request) when v0 is not used."""
        if not self.served:
            raise NotFoundError(
                f"Orders v0 is not used ({self._why}), so it was not called; every workflow reads "
                "Orders 2026-01-01 instead (docs/orders-api-versions.md)",
                operation=operation,
            )
