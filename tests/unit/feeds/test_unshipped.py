"""The Unshipped Orders report read into orders: quantities, partly shipped orders, buyer requests, bad files."""

from __future__ import annotations

import pytest

from sp_cancel._order import OrderStatus
from sp_cancel.feeds.unshipped import UnshippedReportError, parse_unshipped_orders
from sp_cancel.models import Fulfillment

HEADER = (
    "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tquantity-shipped\tquantity-to-ship\t"
    "is-buyer-requested-cancellation\tbuyer-requested-cancel-reason"
)


def _doc(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def test_lines_group_into_orders_with_their_quantities() -> None:
    """Two lines of one order, one of another: two orders, items in file order, cancelled units derived."""
    orders = parse_unshipped_orders(
        _doc(
            "111-0000001-0000001\t11111111111111\t2026-12-01T10:00:00+00:00\tA\t3\t0\t2\tfalse\t",
            "111-0000001-0000001\t11111111111112\t2026-12-01T10:00:00+00:00\tB\t1\t0\t1\tfalse\t",
            "111-0000002-0000002\t22222222222222\t2026-12-02T10:00:00+00:00\tC\t2\t1\t1\ttrue\tFound it cheaper",
        ),
        marketplace_id="ATVPDKIKX0DER",
    )
    first, second = orders["111-0000001-0000001"], orders["111-0000002-0000002"]
    assert first.status is OrderStatus.UNSHIPPED
    assert first.channel is Fulfillment.MFN
    assert [(i.order_item_id, i.quantity_unshipped, i.quantity_cancelled) for i in first.items] == [
        ("11111111111111", 2, 1),
        ("11111111111112", 1, 0),
    ]
    assert second.status is OrderStatus.PARTIALLY_SHIPPED
    assert second.items[0].buyer_requested_cancel
    assert second.items[0].buyer_cancel_reason == "Found it cheaper"
    assert not first.items[0].buyer_requested_cancel


@pytest.mark.parametrize(
    ("document", "match"),
    [
        (b"order-id\tsku\n111-0000001-0000001\tA\n", "no column order-item-id"),
        (_doc("111-0000001-0000001\t11111111111111\t\tA\tthree\t0\t2\tfalse\t"), "not a count"),
    ],
)
def test_a_file_it_cannot_read_is_refused(document: bytes, match: str) -> None:
    """A missing column or a quantity that is not a count raises UnshippedReportError (the caller falls back)."""
    with pytest.raises(UnshippedReportError, match=match):
        parse_unshipped_orders(document, marketplace_id=None)


def test_an_empty_document_lists_nothing() -> None:
    """No bytes: no orders."""
    assert parse_unshipped_orders(b"", marketplace_id=None) == {}
