"""What the journal keeps of a cancel, as a typed value, and its codec (the only reader of the JSON form)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from sp_cancel.models import CancelRequest, ItemCancel

if TYPE_CHECKING:
    from sp_cancel.journal import Entry
    from sp_cancel.orders import Order

__all__ = ["CancelPayload"]


def _counts(value: Mapping[str, int] | None) -> Mapping[str, int] | None:
    return None if value is None else MappingProxyType({str(k): int(v) for k, v in value.items()})


@attrs.frozen(kw_only=True)
class CancelPayload:
    """One cancel as the journal keeps it, enough to rebuild, re-check and reconcile it in any process.

    Attributes:
        request: the cancel asked for (whole order, or units of items).
        marketplace_id: the order's marketplace (the feed goes to it).
        order_items: every item of the order (a whole-order acknowledgement lists them all).
        unshipped_before: each item's unshipped quantity when the order was checked.
        cancelled_before: each item's cancelled quantity then, so a read-back counts the units this cancel
            cancelled, never units that shipped meanwhile (``None``: journaled by a version that kept none).
        buyer_request: accepting the buyer's request (``BuyerCanceled``): it must still be there when sent.
    """

    request: CancelRequest
    marketplace_id: str
    order_items: tuple[str, ...]
    unshipped_before: Mapping[str, int] = attrs.field(factory=dict, converter=_counts, hash=False)
    cancelled_before: Mapping[str, int] | None = attrs.field(default=None, converter=_counts, hash=False)
    buyer_request: bool = False

    @classmethod
    def of(
        cls, request: CancelRequest, order: Order, marketplace_id: str, *, buyer_request: bool = False
    ) -> CancelPayload:
        """The payload of ``request`` for ``order`` as it was just read."""
        return cls(
            request=request,
            marketplace_id=order.marketplace_id or marketplace_id,
            order_items=tuple(i.order_item_id for i in order.items),
            unshipped_before={i.order_item_id: i.quantity_unshipped for i in order.items},
            cancelled_before={i.order_item_id: i.quantity_cancelled for i in order.items},
            buyer_request=buyer_request,
        )

    @classmethod
    def of_entry(cls, entry: Entry) -> CancelPayload:
        """The payload of a journaled cancel."""
        return cls.from_json(entry.payload)

    @property
    def order_id(self) -> str:
        """The order this cancel is about."""
        return self.request.order_id

    def to_json(self) -> dict[str, Any]:
        """The JSON form the journal stores."""
        items = None if self.request.items is None else [attrs.asdict(i) for i in self.request.items]
        return {
            "order_id": self.request.order_id,
            "reason": self.request.reason.value,
            "marketplace_id": self.marketplace_id,
            "order_items": list(self.order_items),
            "items": items,
            "unshipped_before": dict(self.unshipped_before),
            "cancelled_before": None if self.cancelled_before is None else dict(self.cancelled_before),
            "buyer_request": self.buyer_request,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CancelPayload:
        """Read the JSON form back (older journals: fields added later take their defaults)."""
        items = data.get("items")
        return cls(
            request=CancelRequest(
                order_id=data["order_id"],
                reason=data["reason"],
                items=None if items is None else [ItemCancel(**i) for i in items],
            ),
            marketplace_id=str(data.get("marketplace_id") or ""),
            order_items=tuple(data.get("order_items") or ()),
            unshipped_before=data.get("unshipped_before") or {},
            cancelled_before=data.get("cancelled_before"),
            buyer_request=bool(data.get("buyer_request")),
        )
