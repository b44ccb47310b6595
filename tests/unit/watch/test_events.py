import json
from pathlib import Path

import jsonschema
import pytest
from order_change import APPLICATION_ID, body, order_change

from sp_cancel.testing import Simulator
from sp_cancel.watch import EventKind, ForeignMessageError, WatchEvent, event_from_message

SCHEMA = Path(__file__).resolve().parents[2] / "contract" / "amazon" / "schemas" / "OrderChangeNotification.json"


@pytest.fixture
def sim():
    """An empty simulated seller."""
    return Simulator(seed=3, orders=0)


def test_the_test_messages_are_amazons_shape(sim):
    """The test messages are amazons shape."""
    order = sim.add_order(buyer_requested_cancel=True, buyer_cancel_reason="Changed mind")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(order_change(sim, order.order_id), schema)
    jsonschema.validate(schema["examples"][0], schema)


def test_a_buyer_request_becomes_one_event_with_its_notification_id(sim):
    """A buyer request becomes one event with its notification id."""
    order = sim.add_order(buyer_requested_cancel=True)
    note = order_change(sim, order.order_id, notification_id="n-1")
    event = event_from_message(body(note), application_id=APPLICATION_ID)
    assert event == WatchEvent(
        kind=EventKind.BUYER_REQUEST,
        seller_id=sim.seller_id,
        order_id=order.order_id,
        marketplace_id=sim.marketplace_id,
        changed_at=event.changed_at,
        notification_id="n-1",
        reason_text="Buyer Requested Cancel",
    )
    assert event.changed_at is not None
    assert WatchEvent.from_json(event.to_json()) == event


def test_amazons_schema_example_is_read():
    """Amazons schema example is read."""
    example = json.loads(SCHEMA.read_text())["examples"][0]
    app = example["NotificationMetadata"]["ApplicationId"]
    event = event_from_message(json.dumps(example), application_id=app)
    # The example's only item says IsBuyerRequestedCancel false or true: parse_order_change decides.
    assert event is None or event.order_id == "903-8868176-2219830"


def test_another_applications_message_is_refused(sim):
    """Another applications message is refused."""
    order = sim.add_order(buyer_requested_cancel=True)
    note = order_change(sim, order.order_id, application_id="amzn1.sp.solution.someone-else")
    with pytest.raises(ForeignMessageError, match="not ours"):
        event_from_message(body(note), application_id=APPLICATION_ID)


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[]",
        json.dumps({"NotificationType": "FEED_PROCESSING_FINISHED"}),
        json.dumps(
            {
                "NotificationType": "ORDER_CHANGE",
                "NotificationMetadata": {"ApplicationId": APPLICATION_ID},
                "Payload": {"OrderChangeNotification": {"AmazonOrderId": "111-1111111-1111111"}},
            }
        ),
    ],
)
def test_unreadable_or_incomplete_messages_are_refused(raw):
    """Unreadable or incomplete messages are refused."""
    with pytest.raises(ForeignMessageError):
        event_from_message(raw, application_id=APPLICATION_ID)


def test_a_cancelled_status_change_is_an_order_cancelled_event(sim):
    """A cancelled status change is an order cancelled event."""
    order = sim.add_order(status="Canceled", cancelled_by="AMAZON", cancel_reason="Late shipment")
    event = event_from_message(body(order_change(sim, order.order_id, change="OrderStatusChange")), application_id=None)
    assert event is not None
    assert event.kind is EventKind.ORDER_CANCELLED


def test_other_changes_are_not_events(sim):
    """Other changes are not events."""
    order = sim.add_order()
    assert (
        event_from_message(body(order_change(sim, order.order_id, change="OrderStatusChange")), application_id=None)
        is None
    )
    assert (
        event_from_message(body(order_change(sim, order.order_id, change="DeliveryTipChange")), application_id=None)
        is None
    )
