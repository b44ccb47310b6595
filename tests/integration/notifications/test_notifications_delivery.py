"""The simulator delivers Amazon-shaped ORDER_CHANGE messages to a real SQS queue (moto_server), with faults."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import jsonschema
import pytest
from amazon_contracts import contracts_dir

from sp_cancel.notifications import parse_order_change
from sp_cancel.testing import DeliveryFaults, Simulator

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _queue(aws: Any, name: str) -> tuple[str, str]:
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _drain(aws: Any, url: str) -> list[str]:
    """Every message in the queue (received and deleted), in the order SQS gave them; bounded."""
    sqs = aws("sqs")
    bodies: list[str] = []
    for _ in range(1000):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not got:
            break
        for message in got:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


@pytest.fixture(scope="module")
def order_change_schema() -> jsonschema.Draft7Validator:
    """Amazon's ORDER_CHANGE notification schema (schemas/OrderChangeNotification.json)."""
    schema = json.loads((contracts_dir() / "schemas" / "OrderChangeNotification.json").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def test_a_buyer_request_arrives_as_amazons_order_change(
    aws: Any, moto_url: str, moto_reset: None, order_change_schema: jsonschema.Draft7Validator
) -> None:
    """One request, one message: Amazon's schema, our application id, and parse_order_change reads the request."""
    url, arn = _queue(aws, "orders")
    sim = Simulator(seed=11, orders=5)
    setup = sim.client().notifications.ensure(arn)
    sim.connect_sqs(moto_url, **CREDENTIALS)
    order = sim.add_order(items=2)
    sim.request_cancellation(order.order_id, reason="Found it cheaper")
    bodies = _drain(aws, url)
    assert len(bodies) == 1
    message = json.loads(bodies[0])
    assert list(order_change_schema.iter_errors(message)) == []
    assert message["NotificationMetadata"]["ApplicationId"] == sim.application_id
    assert message["NotificationMetadata"]["SubscriptionId"] == setup.subscription_id
    change = message["Payload"]["OrderChangeNotification"]
    assert change["OrderChangeType"] == "BuyerRequestedChange"
    assert change["SellerId"] == sim.seller_id
    assert all(item["IsBuyerRequestedCancel"] is True for item in change["Summary"]["OrderItems"])
    request = parse_order_change(bodies[0])
    assert request is not None
    assert request.order_id == order.order_id
    assert set(request.order_item_ids) == {i.order_item_id for i in order.items}
    # The Orders API tells the same story as the notification.
    assert sim.client().order(order.order_id).order_id == order.order_id
    assert sim.order(order.order_id).buyer_requested_at == sim.now()


def test_faults_duplicate_drop_reorder_and_delay_as_drawn(aws: Any, moto_url: str, moto_reset: None) -> None:
    """1-10 copies each, 10 % dropped, 20 % held back: the queue holds exactly what the simulator says it sent."""
    url, arn = _queue(aws, "faulty")
    sim = Simulator(seed=12, orders=5)
    sim.client().notifications.ensure(arn)
    sent_order: list[str] = []
    faults = DeliveryFaults(duplicates=(1, 10), drop=0.1, reorder=0.2, delay=(0.0, 30.0), hold=120.0)
    sim.connect_sqs(moto_url, faults=faults, **CREDENTIALS)
    real_sender = sim._core.notification_sender
    assert real_sender is not None

    def recording(queue_arn: str, body: str) -> None:
        real_sender(queue_arn, body)
        sent_order.append(json.loads(body)["NotificationMetadata"]["NotificationId"])

    sim.connect_sqs(faults=faults, sender=recording)
    orders = [sim.add_order() for _ in range(40)]
    for order in orders:
        sim.request_cancellation(order.order_id)
        sim.advance(5)
    assert sim.deliver_notifications() >= 0
    before_due = sum(n.delivered for n in sim.notifications())
    sim.advance(200)  # past every delay and hold
    sim.deliver_notifications()
    published = sim.notifications()
    assert len(published) == 40
    assert before_due < sum(n.copies for n in published)  # delays held some copies back until their time
    received = Counter(json.loads(body)["NotificationMetadata"]["NotificationId"] for body in _drain(aws, url))
    assert received == Counter({n.notification_id: n.copies for n in published if n.copies})
    assert all(n.delivered == n.copies for n in published)
    dropped = [n for n in published if n.dropped]
    assert dropped, "seed 12 drops some notifications"
    assert all(n.notification_id not in received for n in dropped)
    assert max(n.copies for n in published) > 1
    # A held-back notification reaches the queue after one published later.
    first_sent = list(dict.fromkeys(sent_order))
    publish_order = [n.notification_id for n in published if n.copies]
    assert first_sent != publish_order
    assert any(n.reordered for n in published)


def test_fates_repeat_with_the_seed() -> None:
    """The same seed draws the same copies, drops and holds (no SQS needed: a recording sender)."""

    def fates(seed: int) -> list[tuple[int, bool, bool]]:
        sim = Simulator(seed=seed, orders=1)
        sim.client().notifications.ensure("arn:aws:sqs:us-east-1:123456789012:q")
        sent: list[str] = []
        sim.connect_sqs(
            faults=DeliveryFaults(duplicates=(1, 10), drop=0.1, reorder=0.2),
            sender=lambda _arn, body: sent.append(body),
        )
        for _ in range(30):
            sim.request_cancellation(sim.add_order().order_id)
        sim.advance(1000)
        sim.deliver_notifications()
        assert len(sent) == sum(n.copies for n in sim.notifications())
        return [(n.copies, n.dropped, n.reordered) for n in sim.notifications()]

    assert fates(21) == fates(21)
    assert fates(21) != fates(22)


def test_delays_and_holds_run_at_the_simulators_pace() -> None:
    """A simulator at 100x Amazon's pace waits a 100 s delivery delay for 1 s, as it does every other duration."""
    sim = Simulator(seed=3, orders=1, scale=100)
    sim.client().notifications.ensure("arn:aws:sqs:us-east-1:123456789012:q")
    sent: list[str] = []
    sim.connect_sqs(faults=DeliveryFaults(delay=(100.0, 100.0)), sender=lambda _arn, body: sent.append(body))
    sim.request_cancellation(sim.add_order().order_id)
    sim.advance(0.9)
    assert sim.deliver_notifications() == 0
    sim.advance(0.2)
    assert sim.deliver_notifications() == 1
    assert len(sent) == 1


def test_only_what_the_subscription_asks_for_is_published() -> None:
    """No subscription, or one filtering out buyer requests or the marketplace: nothing is published."""
    sim = Simulator(seed=13, orders=1)
    order = sim.add_order()
    sim.request_cancellation(order.order_id)
    assert sim.notifications() == []
    client = sim.client()
    client.notifications.ensure("arn:aws:sqs:us-east-1:123456789012:q", order_change_types=["OrderStatusChange"])
    sim.request_cancellation(sim.add_order().order_id)
    assert sim.notifications() == []
    shipped = sim.add_order()
    sim.ship(shipped.order_id, shipped.items[0].order_item_id, shipped.items[0].quantity_ordered)
    [status_change] = sim.notifications()
    assert status_change.change_type == "OrderStatusChange"
    assert json.loads(status_change.body)["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"] == "Shipped"
    other = Simulator(seed=13, orders=1)
    other.client().notifications.ensure("arn:aws:sqs:us-east-1:123456789012:q", marketplace_ids=["A1PA6795UKMFR9"])
    other.request_cancellation(other.add_order().order_id)
    assert other.notifications() == []


def test_copies_wait_in_the_outbox_until_a_sender_is_connected() -> None:
    """Published before connect_sqs: kept, then sent at the first delivery after connecting; a failing send is kept."""
    sim = Simulator(seed=14, orders=1)
    sim.client().notifications.ensure("arn:aws:sqs:us-east-1:123456789012:q")
    sim.request_cancellation(sim.add_order().order_id)
    assert sim.notifications()[0].delivered == 0
    attempts: list[str] = []

    def failing(_arn: str, body: str) -> None:
        attempts.append(body)
        raise ConnectionError("SQS is down")

    sim.connect_sqs(sender=failing)
    sim.request_cancellation(sim.add_order().order_id)  # Amazon's side goes on whatever its delivery does
    with pytest.raises(ConnectionError):
        sim.deliver_notifications()
    assert [n.delivered for n in sim.notifications()] == [0, 0]
    sent: list[str] = []
    sim.connect_sqs(sender=lambda _arn, body: sent.append(body))
    assert sim.deliver_notifications() == 2
    assert sent[0] == attempts[0]


def test_a_sellers_cancel_is_published_as_a_status_change() -> None:
    """An order the seller cancelled through a feed reaches the queue as OrderStatusChange, status Canceled."""
    sim = Simulator(seed=15, orders=1)
    client = sim.client()
    client.notifications.ensure("arn:aws:sqs:us-east-1:123456789012:q")
    sent: list[dict[str, Any]] = []
    sim.connect_sqs(sender=lambda _arn, body: sent.append(json.loads(body)))
    order = sim.add_order()
    outcome = client.cancel_order(order.order_id, "NO_INVENTORY")
    assert outcome.status.value == "CANCELLED"
    sim.deliver_notifications()
    changes = [m["Payload"]["OrderChangeNotification"] for m in sent]
    assert [(c["AmazonOrderId"], c["OrderChangeType"], c["Summary"]["OrderStatus"]) for c in changes] == [
        (order.order_id, "OrderStatusChange", "Canceled")
    ]


def test_amazons_own_cancel_is_published_and_readable() -> None:
    """cancel_by_amazon: the order reads cancelled by AMAZON, and an OrderStatusChange with Canceled is delivered."""
    sim = Simulator(seed=16, orders=1)
    client = sim.client()
    client.notifications.ensure("arn:aws:sqs:us-east-1:123456789012:q")
    sent: list[dict[str, Any]] = []
    sim.connect_sqs(sender=lambda _arn, body: sent.append(json.loads(body)))
    order = sim.add_order()
    sim.cancel_by_amazon(order.order_id, reason="Payment declined")
    [change] = [m["Payload"]["OrderChangeNotification"] for m in sent]
    assert (change["OrderChangeType"], change["Summary"]["OrderStatus"]) == ("OrderStatusChange", "Canceled")
    assert client.order(order.order_id).status.value == "CANCELLED"
    with pytest.raises(ValueError, match="nothing left"):
        sim.cancel_by_amazon(order.order_id)
