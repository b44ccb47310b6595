"""The Unshipped Orders report (``GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING``) read into ``Order`` values.

A tab-separated flat file, one row per line of each merchant-fulfilled order with something left to ship
(Amazon's report-type-values-order page: ``order-id, order-item-id, purchase-date, ..., sku,
quantity-purchased, quantity-shipped, quantity-to-ship``; third-party parsers add
``is-buyer-requested-cancellation`` and ``buyer-requested-cancel-reason``). It is a restricted report (role
Direct to Consumer Shipping). What the pre-check needs is there: the order item ids a whole-order acknowledgement
lists, the quantities an item cancel is checked against, and the buyer's request. Prices are not: the orders read
from it carry no charged amounts (a cancel does not need them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sp_cancel._order import Order, OrderItem, OrderStatus
from sp_cancel.models import Fulfillment

__all__ = ["UNSHIPPED_REPORT", "UnshippedReportError", "parse_unshipped_orders"]

UNSHIPPED_REPORT: Final = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"
_NEEDED: Final = ("order-id", "order-item-id", "quantity-purchased", "quantity-shipped", "quantity-to-ship")


class UnshippedReportError(ValueError):
    """The document is not an Unshipped Orders report this parser can read (a column missing, a bad number)."""


def _when(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _count(row: dict[str, str], name: str) -> int:
    text = row.get(name, "").strip()
    if not text.isdigit():
        msg = f"column {name} of order {row.get('order-id')!r} is {text!r}, not a count"
        raise UnshippedReportError(msg)
    return int(text)


def parse_unshipped_orders(document: bytes, *, marketplace_id: str | None) -> dict[str, Order]:
    """The orders the report lists, by order id (``UNSHIPPED``, or ``PARTIALLY_SHIPPED`` when a unit shipped).

    Raises:
        UnshippedReportError: a needed column is missing or a quantity is not a count.
    """
    lines = document.decode("utf-8", errors="replace").splitlines()
    if not lines:
        return {}
    header = lines[0].split("\t")
    missing = [c for c in _NEEDED if c not in header]
    if missing:
        msg = f"the report has no column {', '.join(missing)}"
        raise UnshippedReportError(msg)
    items: dict[str, list[OrderItem]] = {}
    purchased: dict[str, datetime | None] = {}
    for line in lines[1:]:
        if not line.strip():
            continue
        row = dict(zip(header, line.split("\t"), strict=False))
        order_id = row["order-id"].strip()
        ordered, shipped, to_ship = (_count(row, c) for c in _NEEDED[2:])
        requested = row.get("is-buyer-requested-cancellation", "").strip().lower() == "true"
        items.setdefault(order_id, []).append(
            OrderItem(
                order_item_id=row["order-item-id"].strip(),
                sku=row.get("sku", "").strip() or None,
                quantity_ordered=ordered,
                quantity_shipped=shipped,
                quantity_unshipped=to_ship,
                quantity_cancelled=max(ordered - shipped - to_ship, 0),
                buyer_requested_cancel=requested,
                buyer_cancel_reason=(row.get("buyer-requested-cancel-reason", "").strip() or None)
                if requested
                else None,
            )
        )
        purchased.setdefault(order_id, _when(row.get("purchase-date", "")))
    return {
        order_id: Order(
            order_id=order_id,
            marketplace_id=marketplace_id,
            status=OrderStatus.PARTIALLY_SHIPPED if any(i.quantity_shipped for i in lines_) else OrderStatus.UNSHIPPED,
            channel=Fulfillment.MFN,
            purchased_at=purchased[order_id],
            last_updated_at=None,
            currency=None,
            items=tuple(lines_),
        )
        for order_id, lines_ in items.items()
    }
