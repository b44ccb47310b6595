"""Amazon-shaped ``ORDER_CHANGE`` notifications and putting them on an SQS queue, for the watch's tests.

The one place the tests build notifications (``schemas/OrderChangeNotification.json``, docs/notifications.md),
for tests that need one exact message on the queue (a duplicate, a foreign one, a stale handle). Where the
scenario is Amazon's delivery itself (copies, drops, reordering, the status changes that follow), the simulator
delivers ``ORDER_CHANGE`` to SQS (``Simulator.connect_sqs``), as tests/integration/test_watch_exactly_once.py
does.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from typing import Any

from sp_cancel.testing import Simulator

APPLICATION_ID = "amzn1.sp.solution.watchtest-0000-0000-0000-000000000000"
_SEQUENCE = itertools.count(1)


def order_change(
    sim: Simulator,
    order_id: str,
    *,
    change: str = "BuyerRequestedChange",
    application_id: str = APPLICATION_ID,
    seller_id: str | None = None,
    notification_id: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The notification Amazon sends for ``order_id`` as the simulator holds it now.

    ``change``: ``BuyerRequestedChange`` (items flagged ``IsBuyerRequestedCancel`` as the order says) or
    ``OrderStatusChange`` (``Summary.OrderStatus`` is the order's v0 status).
    """
    order = sim.order(order_id)
    when = (at or order.buyer_requested_at or order.cancelled_at or order.last_update_date).isoformat()
    number = next(_SEQUENCE)
    items = [
        {
            "OrderItemId": item.order_item_id,
            "SellerSKU": item.sku,
            "SupplySourceId": None,
            "Quantity": item.quantity_ordered,
            "QuantityShipped": item.quantity_shipped,
            "OrderItemStatus": "Shipped" if item.quantity_shipped else "Unshipped",
            "IsBuyerRequestedCancel": item.buyer_requested_cancel,
        }
        for item in order.items
    ]
    return {
        "NotificationVersion": "1.0",
        "NotificationType": "ORDER_CHANGE",
        "PayloadVersion": "1.0",
        "EventTime": when,
        "Payload": {
            "OrderChangeNotification": {
                "NotificationLevel": "OrderLevel",
                "SellerId": seller_id or sim.seller_id,
                "AmazonOrderId": order_id,
                "OrderChangeType": change,
                "OrderChangeTrigger": {
                    "TimeOfOrderChange": when,
                    "ChangeReason": "Buyer Requested Cancel" if change == "BuyerRequestedChange" else "Order Canceled",
                },
                "Summary": {
                    "MarketplaceId": order.marketplace_id,
                    "OrderStatus": order.status,
                    "PurchaseDate": order.purchase_date.isoformat(),
                    "DestinationPostalCode": "98101",
                    "FulfillmentType": order.fulfillment_channel,
                    "OrderType": "StandardOrder",
                    "NumberOfItemsShipped": sum(i.quantity_shipped for i in order.items),
                    "NumberOfItemsUnshipped": sum(i.quantity_unshipped for i in order.items),
                    "OrderItems": items,
                },
            }
        },
        "NotificationMetadata": {
            "ApplicationId": application_id,
            "SubscriptionId": "7d78cc50-95c8-4641-add7-000000000000",
            "PublishTime": when,
            "NotificationId": notification_id or f"a1b2c3d4-0000-0000-0000-{number:012d}",
        },
    }


def body(notification: dict[str, Any]) -> str:
    """The SQS message body Amazon sends: the notification's JSON text."""
    return json.dumps(notification)


def deliver(sqs: Any, queue_url: str, notification: dict[str, Any], *, times: int = 1) -> None:
    """Put ``notification`` on the queue ``times`` times (Amazon's at-least-once delivery)."""
    for _ in range(times):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body(notification))
