"""Type-checked (mypy --strict), never executed: the public API reads as the design says."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sp_cancel import (
    AdjustmentReason,
    BatchOutcome,
    CancelOutcome,
    CancelReason,
    CancelRequest,
    Credentials,
    ItemCancel,
    ItemRefund,
    Money,
    PriceComponent,
    RefundOutcome,
    SellerClient,
)
from sp_cancel.metrics import CancellationRateReport, OrderRecord, cancellation_rate, what_if


def usage(client: SellerClient) -> None:
    """Every intent, typed."""
    one: CancelOutcome = client.cancel_order("112-1234567-1234567", CancelReason.NO_INVENTORY)
    some: CancelOutcome = client.cancel_order(
        "112-1234567-1234567",
        "NO_INVENTORY",
        items=[ItemCancel(order_item_id="12345678901234", quantity=1)],
        wait=False,
    )
    batch: BatchOutcome[CancelOutcome] = client.cancel_orders(
        [CancelRequest(order_id="112-1234567-1234567", reason=CancelReason.BUYER_CANCELED)], max_rate=0.02
    )
    refund: RefundOutcome = client.partial_refund(
        "112-1234567-1234567",
        [
            ItemRefund(
                order_item_id="12345678901234",
                components={PriceComponent.PRINCIPAL: Money(amount=Decimal("5.00"), currency="USD")},
            )
        ],
        reason=AdjustmentReason.CUSTOMER_RETURN,
    )
    report: CancellationRateReport = client.cancellation_rate(window=timedelta(days=7), compare_with_amazon=True)
    del one, some, batch, refund, report
    client.wait(client.refresh(client.cancel_order("112-1234567-1234567", "NO_INVENTORY", wait=False)))


def pure(records: list[OrderRecord]) -> Decimal:
    """The calculator without a client."""
    report = cancellation_rate(records, window=timedelta(days=7))
    return what_if(report, 3).projected_rate


def build() -> SellerClient:
    """Constructors."""
    return SellerClient(
        credentials=Credentials(refresh_token="r", client_id="c", client_secret="s"),
        seller_id="A1SELLER",
        marketplace="US",
    )
