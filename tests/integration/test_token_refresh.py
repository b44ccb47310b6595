"""An access token that Amazon expires early: refreshed once and the call sent once more, then AuthError.

The simulator's ``token_expired`` fault expires the presented token at Amazon's side (403 "The security
token included in the request is expired", handler not run) while the client still believes it has most
of an hour left. Amazon rejected the request before acting on it, so resending is safe even for createFeed.
"""

from __future__ import annotations

import json

import httpx
import pytest
from structlog.testing import capture_logs

from sp_cancel import CancelReason, Credentials, SellerClient
from sp_cancel._cancellation.outcomes import CancelStatus
from sp_cancel._events import TOKEN_REJECTED
from sp_cancel.errors import AuthError
from sp_cancel.testing import FakeClock, Simulator
from sp_cancel.transport._wire import error_for_status, token_rejected


@pytest.fixture
def sim() -> Simulator:
    """An empty simulated seller."""
    return Simulator(seed=5, orders=0, orders_v0="served")  # v0 getOrder is the route these tests call


def test_expired_token_is_refreshed_once_and_the_call_succeeds(sim: Simulator) -> None:
    """One early expiry costs one more LWA exchange and one more request, and the read succeeds."""
    order = sim.add_order()
    client = sim.client()
    api = client._api
    api.get_order_v0(order.order_id)  # a token is cached now
    sim.add_fault("ordersV0.getOrder", "token_expired")
    with capture_logs() as logs:
        read = api.get_order_v0(order.order_id)
    assert read.amazon_order_id == order.order_id
    assert sim.request_counts["ordersV0.getOrder"] == 3  # the first call, the refused one, the resend
    assert sim.request_counts["lwa.token"] == 2
    assert [e["operation"] for e in logs if e["event"] == TOKEN_REJECTED] == ["getOrder"]
    api.get_order_v0(order.order_id)  # the fresh token stays cached
    assert sim.request_counts["lwa.token"] == 2


def test_token_refused_again_after_the_refresh_is_an_auth_error(sim: Simulator) -> None:
    """Amazon expiring the fresh token too: exactly one refresh and one resend, then a typed AuthError."""
    order = sim.add_order()
    client = sim.client()
    sim.add_fault("ordersV0.getOrder", "token_expired", count=None)
    with pytest.raises(AuthError) as caught:
        client._api.get_order_v0(order.order_id)
    assert caught.value.status == 403
    assert "expired" in caught.value.message
    assert sim.request_counts["ordersV0.getOrder"] == 2
    assert sim.request_counts["lwa.token"] == 2


def test_a_403_that_is_not_about_the_token_is_not_retried() -> None:
    """A plain 403 (a missing role) is raised at once: a new token would be refused the same way."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/auth/o2/token":
            return httpx.Response(200, json={"access_token": "Atza|t", "expires_in": 3600})
        body = {"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied."}]}
        return httpx.Response(403, json=body)

    clock = FakeClock()
    client = SellerClient(
        credentials=Credentials(refresh_token="Atzr|r", client_id="id", client_secret="secret"),
        seller_id="A1SELLER",
        endpoint="https://sp.example",
        token_url="https://sp.example/auth/o2/token",
        journal=":memory:",
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
    )
    with pytest.raises(AuthError):
        client._api.get_order_v0("112-1234567-1234567")
    assert calls == ["/auth/o2/token", "/orders/v0/orders/112-1234567-1234567"]


def test_create_feed_refused_for_its_token_is_sent_again_and_acted_on_once(sim: Simulator) -> None:
    """A createFeed refused for an expired token is resent once, and Amazon acts on it once.

    createFeed is not idempotent, but Amazon rejected the first request before acting on it: exactly one
    feed exists and the order is cancelled once.
    """
    order = sim.add_order()
    client = sim.client()
    sim.add_fault("feeds.createFeed", "token_expired")
    outcome = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert outcome.status is CancelStatus.CANCELLED
    assert sim.request_counts["feeds.createFeed"] == 2  # the refused one and the resend
    assert len(sim.world.feeds) == 1
    assert outcome.feed_id in sim.world.feeds
    assert sim.order(order.order_id).status == "Canceled"


def test_create_feed_refused_twice_is_an_auth_error_and_nothing_was_created(sim: Simulator) -> None:
    """Both createFeed attempts refused for their tokens: AuthError, and Amazon holds no feed at all."""
    order = sim.add_order()
    client = sim.client()
    sim.add_fault("feeds.createFeed", "token_expired", count=None)
    with pytest.raises(AuthError):
        client.cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert sim.request_counts["feeds.createFeed"] == 2
    assert sim.world.feeds == {}
    assert sim.order(order.order_id).status == "Unshipped"


def _error(status: int, message: str) -> AuthError:
    body = json.dumps({"errors": [{"code": "Unauthorized", "message": message, "details": ""}]}).encode()
    error = error_for_status("getOrder", status, {}, body)
    assert isinstance(error, AuthError)
    return error


@pytest.mark.parametrize(
    ("status", "message", "rejected"),
    [
        (403, "The security token included in the request is expired", True),
        (403, "Expired token", True),
        (401, "Unauthorized", True),
        (403, "Access to requested resource is denied.", False),
        (403, "The seller has not authorized the Finance and Accounting role; expired roles cannot be used", False),
    ],
)
def test_token_rejected_reads_the_status_and_amazons_message(status: int, message: str, rejected: bool) -> None:
    """401 always means the token; a 403 only when Amazon says the token expired."""
    assert token_rejected(_error(status, message)) is rejected
