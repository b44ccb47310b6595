"""parse_order_change on Amazon's ORDER_CHANGE example and its variations."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sp_cancel.errors import InvalidInputError
from sp_cancel.notifications import parse_order_change

# The example of schemas/OrderChangeNotification.json in amzn/selling-partner-api-models (@34dc93fe).
SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "order_change_buyer_requested_cancel.json"


@pytest.fixture
def note() -> dict[str, Any]:
    """Amazon's example notification, fresh for each test."""
    data: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return data


def change(note: dict[str, Any]) -> dict[str, Any]:
    """The OrderChangeNotification body of ``note``."""
    body: dict[str, Any] = note["Payload"]["OrderChangeNotification"]
    return body


def test_amazons_example_is_a_buyer_cancellation_request(note: dict[str, Any]) -> None:
    """Amazon's own example becomes a BuyerCancelRequest with its order, item, reason, time and marketplace."""
    request = parse_order_change(note)
    assert request is not None
    assert request.order_id == "903-8868176-2219830"
    assert request.order_item_ids == ("OIID34853450",)
    assert request.reason_text == "Buyer Requested Cancel"
    assert request.requested_at == datetime(2022, 11, 29, 19, 42, 4, 284000, tzinfo=UTC)
    assert request.marketplace_id == "ATVPDKIKX0DER"


@pytest.mark.parametrize("encode", [json.dumps, lambda d: json.dumps(d).encode()])
def test_json_text_and_bytes_are_accepted(note: dict[str, Any], encode: Any) -> None:
    """The notification may be given as JSON text or bytes (an SQS message body)."""
    assert parse_order_change(encode(note)) == parse_order_change(note)


@pytest.mark.parametrize("change_type", ["OrderStatusChange", "", None])
def test_other_order_changes_are_not_buyer_requests(note: dict[str, Any], change_type: str | None) -> None:
    """A status change (or no change type) is not a buyer cancellation request: None."""
    change(note)["OrderChangeType"] = change_type
    assert parse_order_change(note) is None


@pytest.mark.parametrize("flag", [False, "true", 1, None])
def test_only_a_real_true_boolean_flags_an_item(note: dict[str, Any], flag: object) -> None:
    """IsBuyerRequestedCancel is a boolean here: False, the v0 string "true" or 1 do not count."""
    change(note)["Summary"]["OrderItems"][0]["IsBuyerRequestedCancel"] = flag
    assert parse_order_change(note) is None


def test_only_flagged_items_are_listed(note: dict[str, Any]) -> None:
    """Of several items, only those the buyer asked to cancel are in order_item_ids."""
    items = change(note)["Summary"]["OrderItems"]
    other = copy.deepcopy(items[0]) | {"OrderItemId": "12345678901234", "IsBuyerRequestedCancel": False}
    third = copy.deepcopy(items[0]) | {"OrderItemId": "12345678901235"}
    items.extend([other, third])
    request = parse_order_change(note)
    assert request is not None
    assert request.order_item_ids == ("OIID34853450", "12345678901235")


@pytest.mark.parametrize(
    "payload",
    [
        {"NotificationType": "FEED_PROCESSING_FINISHED", "Payload": {}},
        {"NotificationType": "ORDER_CHANGE", "Payload": {}},
        {"NotificationType": "ORDER_CHANGE", "Payload": {"OrderChangeNotification": {"OrderChangeType": "X"}}},
        [],
        "[1, 2]",
    ],
)
def test_payloads_that_are_not_order_change_notifications_are_refused(payload: Any) -> None:
    """Other notification types, a missing body or order id, or non-objects raise InvalidInputError."""
    with pytest.raises(InvalidInputError):
        parse_order_change(payload)


def test_invalid_json_text_is_refused() -> None:
    """Text that is not JSON raises InvalidInputError, not a bare JSONDecodeError."""
    with pytest.raises(InvalidInputError):
        parse_order_change("{not json")


def test_a_malformed_change_time_is_refused(note: dict[str, Any]) -> None:
    """An unreadable TimeOfOrderChange raises InvalidInputError rather than a bare ValueError."""
    change(note)["OrderChangeTrigger"]["TimeOfOrderChange"] = "yesterday"
    with pytest.raises(InvalidInputError):
        parse_order_change(note)
