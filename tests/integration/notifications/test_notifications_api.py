"""The Notifications API against the simulator: grantless auth, 409s, the 400 without an event filter, ensure()."""

from __future__ import annotations

import httpx
import pytest

from sp_cancel import InvalidInputError
from sp_cancel.errors import ApiError, NotFoundError
from sp_cancel.testing import Simulator

ARN = "arn:aws:sqs:us-east-1:123456789012:sp-cancel-orders"
OTHER_ARN = "arn:aws:sqs:us-east-1:123456789012:other-queue"


def _raw(sim: Simulator, method: str, path: str, token: str, body: object | None = None) -> httpx.Response:
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url) as http:
        return http.request(method, path, json=body, headers={"x-amz-access-token": token})


def _grantless_token(sim: Simulator, scope: str = "sellingpartnerapi::notifications") -> httpx.Response:
    creds = sim.credentials
    form = {
        "grant_type": "client_credentials",
        "scope": scope,
        "client_id": creds.client_id,
        "client_secret": creds.client_secret,
    }
    with httpx.Client(transport=sim.transport()) as http:
        return http.post(sim.token_url, data=form)


def test_destinations_take_a_grantless_token_and_refuse_the_sellers() -> None:
    """Destinations take a client-credentials token and refuses the seller's (403); orders the reverse."""
    sim = Simulator(seed=1, orders=2)
    grantless = _grantless_token(sim).json()["access_token"]
    seller = sim.issue_access_token()
    assert _raw(sim, "GET", "/notifications/v1/destinations", grantless).status_code == 200
    refused = _raw(sim, "GET", "/notifications/v1/destinations", seller)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "Unauthorized"
    order_id = sim.orders()[0].order_id
    assert _raw(sim, "GET", f"/orders/2026-01-01/orders/{order_id}", grantless).status_code == 403
    assert _raw(sim, "GET", f"/orders/2026-01-01/orders/{order_id}", seller).status_code == 200


def test_lwa_refuses_an_unknown_grantless_scope() -> None:
    """The client-credentials grant needs a scope LWA knows."""
    answer = _grantless_token(Simulator(seed=1, orders=1), scope="sellingpartnerapi::orders")
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_scope"


def test_order_change_without_an_event_filter_is_refused_with_400() -> None:
    """Amazon refuses an ORDER_CHANGE subscription without processingDirective.eventFilter; the typed call says so."""
    sim = Simulator(seed=1, orders=1)
    api = sim.client()._ctx.api
    destination = api.create_destination(name="d", sqs_arn=ARN)
    with pytest.raises(ApiError) as caught:
        api.create_subscription("ORDER_CHANGE", destination_id=destination.destination_id)
    assert caught.value.status == 400
    assert "eventFilter must not be empty" in str(caught.value)
    # A change type outside Amazon's enum, sent raw (our client never sends one: ensure() checks them first).
    bad = _raw(
        sim,
        "POST",
        "/notifications/v1/subscriptions/ORDER_CHANGE",
        sim.issue_access_token(),
        {
            "payloadVersion": "1.0",
            "destinationId": destination.destination_id,
            "processingDirective": {"eventFilter": {"eventFilterType": "ORDER_CHANGE", "orderChangeTypes": ["Nope"]}},
        },
    )
    assert bad.status_code == 400
    assert "orderChangeTypes" in bad.json()["errors"][0]["message"]


def test_a_second_subscription_and_a_second_destination_are_409() -> None:
    """A createSubscription for a subscribed type and createDestination for a known queue answer 409 (exists)."""
    sim = Simulator(seed=1, orders=1)
    api = sim.client()._ctx.api
    destination = api.create_destination(name="d", sqs_arn=ARN)
    directive = {"eventFilter": {"eventFilterType": "ORDER_CHANGE", "orderChangeTypes": ["BuyerRequestedChange"]}}
    made = api.create_subscription(
        "ORDER_CHANGE", destination_id=destination.destination_id, processing_directive=directive
    )
    assert made.event_filter is not None
    assert made.event_filter.order_change_types == ("BuyerRequestedChange",)
    for call in (
        lambda: api.create_subscription(
            "ORDER_CHANGE", destination_id=destination.destination_id, processing_directive=directive
        ),
        lambda: api.create_destination(name="again", sqs_arn=ARN),
    ):
        with pytest.raises(ApiError) as caught:
            call()
        assert caught.value.status == 409
    assert api.get_subscription_by_id("ORDER_CHANGE", made.subscription_id) == made
    api.delete_subscription_by_id("ORDER_CHANGE", made.subscription_id)
    with pytest.raises(NotFoundError):
        api.get_subscription("ORDER_CHANGE")
    api.delete_destination(destination.destination_id)
    assert api.get_destinations() == ()


def test_ensure_creates_once_and_then_reuses() -> None:
    """ensure() creates the destination and the subscription with both change types, then finds them again."""
    sim = Simulator(seed=2, orders=1)
    client = sim.client()
    first = client.notifications.ensure(ARN)
    assert (first.created_destination, first.created_subscription) == (True, True)
    assert first.order_change_types == ("BuyerRequestedChange", "OrderStatusChange")
    again = sim.client().notifications.ensure(ARN)
    assert (again.created_destination, again.created_subscription) == (False, False)
    assert (again.destination_id, again.subscription_id) == (first.destination_id, first.subscription_id)
    counts = sim.request_counts
    assert counts["notifications.createDestination"] == 1
    assert counts["notifications.createSubscription"] == 1


def test_ensure_takes_a_409_as_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process subscribed between our read and our create: the 409 is read back and reused."""
    sim = Simulator(seed=3, orders=1)
    other = sim.client()
    setup = other.notifications.ensure(ARN)
    client = sim.client()
    api = client._ctx.api
    real = api.get_subscription
    calls = {"n": 0}

    def first_read_finds_nothing(notification_type: str, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise NotFoundError("No subscription", operation="getSubscription", status=404)
        return real(notification_type)

    monkeypatch.setattr(api, "get_subscription", first_read_finds_nothing)
    found = client.notifications.ensure(ARN)
    assert found.subscription_id == setup.subscription_id
    assert found.created_subscription is False
    assert sim.request_counts["notifications.createSubscription"] == 2  # ours got the 409


def test_ensure_reads_back_a_create_whose_answer_was_lost() -> None:
    """A createSubscription committed but its answer was lost: ensure() finds it instead of failing or resending."""
    sim = Simulator(seed=4, orders=1)
    sim.add_fault("notifications.createSubscription", "timeout_after_commit")
    sim.add_fault("notifications.createDestination", "500_after_commit")
    setup = sim.client().notifications.ensure(ARN)
    assert len(sim.world.subscriptions) == 1
    assert len(sim.world.destinations) == 1
    assert setup.subscription_id == sim.world.subscriptions["ORDER_CHANGE"].subscription_id
    assert sim.request_counts["notifications.createSubscription"] == 1  # never resent blindly


def test_ensure_will_not_silently_move_a_subscription() -> None:
    """A subscription delivering elsewhere is an error without replace=True, and replaced with it."""
    sim = Simulator(seed=5, orders=1)
    client = sim.client()
    old = client.notifications.ensure(OTHER_ARN)
    with pytest.raises(InvalidInputError, match="replace=True"):
        client.notifications.ensure(ARN)
    assert sim.world.subscriptions["ORDER_CHANGE"].subscription_id == old.subscription_id
    moved = client.notifications.ensure(ARN, replace=True)
    assert moved.subscription_id != old.subscription_id
    assert sim.world.subscriptions["ORDER_CHANGE"].destination_id == moved.destination_id


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        ("arn:aws:sqs:eu-west-1:123456789012:orders", "us-east-1"),
        ("arn:aws:sqs:us-east-1:123456789012:orders.fifo", "FIFO"),
        ("not-an-arn", "SQS queue ARN"),
    ],
)
def test_ensure_refuses_a_wrong_queue_before_any_request(arn: str, expected: str) -> None:
    """A queue in another region than the endpoint's, a FIFO queue, or no ARN at all: refused, nothing sent."""
    sim = Simulator(seed=6, orders=1)
    with pytest.raises(InvalidInputError, match=expected):
        sim.client().notifications.ensure(arn)
    assert sim.request_counts == {}


def test_the_queue_region_follows_the_endpoint() -> None:
    """An EU marketplace's notifications come from eu-west-1; an EU queue is accepted there."""
    sim = Simulator(seed=7, orders=1, marketplace="DE")
    client = sim.client()
    assert client.notifications.region == "eu-west-1"
    assert client.notifications.ensure("arn:aws:sqs:eu-west-1:123456789012:orders").created_subscription


def test_ensure_checks_its_arguments() -> None:
    """Unknown change types, a string for a list, an empty name: InvalidInputError before any request."""
    sim = Simulator(seed=8, orders=1)
    notifications = sim.client().notifications
    for kwargs in (
        {"order_change_types": ["BuyerRequestedChange", "Refund"]},
        {"order_change_types": "BuyerRequestedChange"},
        {"order_change_types": []},
        {"marketplace_ids": "ATVPDKIKX0DER"},
        {"destination_name": ""},
    ):
        with pytest.raises(InvalidInputError):
            notifications.ensure(ARN, **kwargs)  # type: ignore[arg-type]
    assert sim.request_counts == {}


def test_no_grantless_token_no_destination() -> None:
    """When LWA gives no client-credentials token, the grantless call is not sent and nothing is created."""
    sim = Simulator(seed=9, orders=1)
    client = sim.client()
    client.order(sim.orders()[0].order_id)  # the seller's token is fetched and works
    sim.add_fault("lwa.token", "503", count=None)
    with pytest.raises(ApiError) as caught:
        client.notifications.ensure(ARN)
    assert "access token" in str(caught.value)
    assert sim.request_counts.get("notifications.getDestinations", 0) == 0
    assert sim.world.destinations == {}
