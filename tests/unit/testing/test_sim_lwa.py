"""Login with Amazon in the simulator: the token exchange, its OAuth errors, revocation."""

from __future__ import annotations

import httpx
import pytest
from sim_support import sim_http

from sp_cancel.testing import Simulator


@pytest.fixture
def sim() -> Simulator:
    """A small seeded simulator."""
    return Simulator(seed=3, orders=20, orders_v0="served")  # v0 getOrders is the route these tests call


def test_token_exchange_form_encoded(sim: Simulator) -> None:
    """A form-encoded refresh-token grant returns a bearer token that opens SP-API calls."""
    creds = sim.credentials
    with httpx.Client(transport=sim.transport()) as http:
        answer = http.post(
            sim.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": creds.refresh_token,
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
            },
        )
        assert answer.status_code == 200
        body = answer.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 3600
        assert body["refresh_token"] == creds.refresh_token
        order_id = next(iter(sim.world.orders))
        got = http.get(
            f"{sim.base_url}/orders/v0/orders/{order_id}", headers={"x-amz-access-token": body["access_token"]}
        )
        assert got.status_code == 200


def test_token_exchange_accepts_json(sim: Simulator) -> None:
    """Amazon's Java client sends JSON; the simulator accepts it too."""
    creds = sim.credentials
    with httpx.Client(transport=sim.transport()) as http:
        answer = http.post(
            sim.token_url,
            json={
                "grant_type": "refresh_token",
                "refresh_token": creds.refresh_token,
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
            },
        )
    assert answer.status_code == 200
    assert answer.json()["access_token"].startswith("sim-access-")


def test_wrong_refresh_token_is_invalid_grant(sim: Simulator) -> None:
    """A refresh token the simulator did not issue answers 400 invalid_grant."""
    creds = sim.credentials
    with httpx.Client(transport=sim.transport()) as http:
        answer = http.post(
            sim.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": "not-it",
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
            },
        )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_wrong_client_is_invalid_client(sim: Simulator) -> None:
    """Wrong client credentials answer 401 invalid_client."""
    creds = sim.credentials
    with httpx.Client(transport=sim.transport()) as http:
        answer = http.post(
            sim.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": creds.refresh_token,
                "client_id": creds.client_id,
                "client_secret": "wrong",
            },
        )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


def test_revoked_authorization_breaks_refresh_and_tokens(sim: Simulator) -> None:
    """After revocation the refresh token is an invalid_grant and live access tokens get 403."""
    http = sim_http(sim)
    sim.revoke_authorization()
    creds = sim.credentials
    refreshed = http.post(
        sim.token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": creds.refresh_token,
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
        },
    )
    assert refreshed.json()["error"] == "invalid_grant"
    assert http.get(f"/orders/v0/orders/{next(iter(sim.world.orders))}").status_code == 403
