"""Type-checked (mypy --strict), never executed: the public API reads as the design says."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

from sp_cancel import (
    AdjustmentReason,
    BatchOutcome,
    BuyerMessage,
    BuyerMessageStatus,
    CancelOutcome,
    CancelReason,
    CancelRequest,
    CancelStatus,
    Credentials,
    FeedState,
    FeedStatus,
    Fulfillment,
    InMemoryRateLimiter,
    ItemCancel,
    ItemRefund,
    Money,
    NotificationSetup,
    Order,
    OrderItem,
    OrderStatus,
    PriceComponent,
    ProgressCallback,
    QueueFinding,
    RefundOutcome,
    RetryPolicy,
    SellerClient,
    SpCancelError,
)
from sp_cancel.clock import SystemClock, system_sleep
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


def telling_the_buyer(client: SellerClient) -> BuyerMessageStatus | None:
    """One text, a text per order, or a message for a cancel made earlier."""
    told = client.cancel_order("112-1234567-1234567", CancelReason.NO_INVENTORY, notify_buyer="Sorry, sold out.")
    requests = [CancelRequest(order_id="112-1234567-1234567", reason=CancelReason.NO_INVENTORY)]
    client.cancel_orders(requests, notify_buyer="Sorry, sold out.")

    def text_for(request: CancelRequest) -> str | None:
        return None if request.items else f"Sorry: order {request.order_id} is cancelled."

    client.cancel_orders(requests, notify_buyer=text_for)
    later: BuyerMessage = client.notify_buyer("112-1234567-1234567", "Sorry, sold out.")
    del later
    return None if told.buyer_message is None else told.buyer_message.status


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


def orders_and_batches(client: SellerClient) -> list[str]:
    """Order reads, a batch as a mapping, and a progress callback, typed."""
    order: Order = client.order("112-1234567-1234567")
    item: OrderItem = order.items[0]
    left: Money | None = None if item.refundable is None else item.refundable.get(PriceComponent.PRINCIPAL)
    status: OrderStatus = order.status
    channel: Fulfillment = order.channel
    unshipped: list[str] = [
        o.order_id for o in client.orders(status=OrderStatus.UNSHIPPED, channel="MFN", since=timedelta(days=3))
    ]

    seen: list[str] = []

    def show(state: FeedState, waited: float) -> None:
        feed_status: FeedStatus = state.status
        seen.append(f"{state.feed_id} {feed_status} {round(waited)}")

    progress: ProgressCallback = show
    batch: BatchOutcome[CancelOutcome] = client.cancel_orders(
        [CancelRequest(order_id=o, reason=CancelReason.NO_INVENTORY) for o in unshipped], progress=progress
    )
    mapping: Mapping[str, CancelOutcome] = batch
    refused: list[SpCancelError] = [o.error for o in batch.values() if o.error is not None]
    done: list[str] = [key for key, outcome in mapping.items() if outcome.status is CancelStatus.CANCELLED]
    counts: Mapping[str, int] = batch.counts
    del left, status, channel, refused, counts
    return done


def from_env_is_typed() -> SellerClient:
    """from_env takes the constructor's keywords, typed."""
    clock = SystemClock()
    limiter = InMemoryRateLimiter(clock=clock, sleep=system_sleep)
    return SellerClient.from_env(journal=":memory:", retry=RetryPolicy(), rate_limiter=limiter, marketplace="DE")


def money_positional() -> Money:
    """Money positional or keyword."""
    return Money("5.00", "USD") + Money(amount="1", currency="USD")


def notifications_are_typed(client: SellerClient) -> list[str]:
    """client.notifications: ensure returns a NotificationSetup, check a list of QueueFinding."""
    setup: NotificationSetup = client.notifications.ensure(
        "arn:aws:sqs:us-east-1:123456789012:q", order_change_types=["BuyerRequestedChange"], replace=False
    )
    findings: list[QueueFinding] = client.notifications.check(setup.queue_arn, sqs=object(), send_test=False)
    region: str = client.notifications.region
    return [region, *(f.message for f in findings if not f.ok)]
