"""Notifications API answers parsed once into Destination and Subscription (Amazon's model examples)."""

from __future__ import annotations

import pytest

from sp_cancel.transport._notifications import parse_destination, parse_destinations, parse_subscription
from sp_cancel.transport._parse import Malformed


def test_the_models_examples_parse() -> None:
    """The examples of getDestinations and getSubscription become typed values; EventBridge is kept in extra."""
    [sqs, bridge] = parse_destinations(
        {
            "payload": [
                {
                    "destinationId": "9e7a83ee-7730-11e9-8f9e-2a86e4085a59",
                    "name": "SQSDestination",
                    "resource": {"sqs": {"arn": "arn:aws:sqs:us-east-2:444455556666:queue1"}},
                },
                {
                    "destinationId": "8d6a8f7e",
                    "name": "EB",
                    "resource": {"eventBridge": {"name": "n", "region": "us-east-1", "accountId": "1"}},
                },
            ]
        }
    )
    assert sqs.sqs_arn == "arn:aws:sqs:us-east-2:444455556666:queue1"
    assert bridge.sqs_arn is None
    assert "eventBridge" in bridge.extra["resource"]
    subscription = parse_subscription(
        {
            "payload": {
                "subscriptionId": "7fcacc7e-727b-11e9-8848-1681be663d3e",
                "payloadVersion": "1.0",
                "destinationId": "3acafc7e-121b-1329-8ae8-1571be663aa2",
                "processingDirective": {
                    "eventFilter": {
                        "marketplaceIds": ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
                        "aggregationSettings": {"aggregationTimePeriod": "FiveMinutes"},
                        "eventFilterType": "ORDER_CHANGE",
                        "orderChangeTypes": ["BuyerRequestedChange"],
                    }
                },
            }
        }
    )
    assert subscription.event_filter is not None
    assert subscription.event_filter.order_change_types == ("BuyerRequestedChange",)
    assert subscription.event_filter.marketplace_ids == ("ATVPDKIKX0DER", "A2EUQ1WTGCTBG2")
    assert subscription.event_filter.aggregation_time_period == "FiveMinutes"
    bare = parse_subscription({"payload": {"subscriptionId": "s", "payloadVersion": "1.0", "destinationId": "d"}})
    assert bare.event_filter is None


@pytest.mark.parametrize(
    ("parse", "data", "path"),
    [
        (parse_destination, {"payload": {"destinationId": "d", "name": "n"}}, "payload.resource"),
        (parse_destinations, {"payload": [{"destinationId": "d", "resource": {}}]}, "payload[0].name"),
        (parse_subscription, {"payload": {"subscriptionId": "s", "payloadVersion": "1.0"}}, "payload.destinationId"),
        (parse_subscription, {}, "payload"),
    ],
)
def test_an_answer_off_the_model_names_the_field(parse: object, data: dict[str, object], path: str) -> None:
    """A required field missing is Malformed at its path (the transport makes it a ServerError)."""
    with pytest.raises(Malformed, match=path.replace("[", r"\[").replace("]", r"\]")):
        parse(data)  # type: ignore[operator]
