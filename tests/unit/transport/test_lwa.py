"""Tests for sp_cancel.transport._lwa: the per-client LWA token cache."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs

import httpx
import pytest

from sp_cancel import Credentials
from sp_cancel.clock import FakeClock
from sp_cancel.errors import AuthError, NetworkError, ServerError, ThrottledError
from sp_cancel.transport import LwaTokenClient

TOKEN_URL = "https://lwa.example.test/auth/o2/token"
CREDS = Credentials(
    refresh_token="Atzr|IwEBIrefresh-token-SECRET-123",
    client_id="amzn1.application-oa2-client.test",
    client_secret="amzn1.oa2-cs.v1.clientsecretSECRET789",
)


class Lwa:
    """A MockTransport handler playing LWA; counts exchanges and hands out numbered tokens."""

    def __init__(self, response: httpx.Response | None = None, *, expires_in: int = 3600) -> None:
        self.response = response
        self.expires_in = expires_in
        self.requests: list[httpx.Request] = []
        self.gate: threading.Event | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """Answer one token request (after the gate opens, when there is one)."""
        request.read()
        self.requests.append(request)
        if self.gate is not None:
            assert self.gate.wait(timeout=10)
        if self.response is not None:
            return self.response
        number = len(self.requests)
        return httpx.Response(
            200, json={"access_token": f"Atza|token-{number}", "token_type": "bearer", "expires_in": self.expires_in}
        )


def make(lwa: Lwa, clock: FakeClock | None = None) -> LwaTokenClient:
    """A token client talking to ``lwa``."""
    return LwaTokenClient(
        credentials=CREDS,
        token_url=TOKEN_URL,
        http=httpx.Client(transport=httpx.MockTransport(lwa)),
        clock=clock or FakeClock(),
    )


def test_form_encoded_refresh_token_grant() -> None:
    """The exchange is a form-encoded POST of grant_type, refresh_token, client_id, client_secret."""
    lwa = Lwa()
    assert make(lwa).access_token() == "Atza|token-1"
    request = lwa.requests[0]
    assert request.method == "POST"
    assert str(request.url) == TOKEN_URL
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": [CREDS.refresh_token],
        "client_id": [CREDS.client_id],
        "client_secret": [CREDS.client_secret],
    }


def test_token_is_cached_until_60_seconds_before_expiry() -> None:
    """The token is reused until 60 s before it expires, then refreshed once."""
    lwa = Lwa()
    clock = FakeClock()
    client = make(lwa, clock)
    assert client.access_token() == "Atza|token-1"
    clock.advance(3600 - 61)
    assert client.access_token() == "Atza|token-1"
    assert len(lwa.requests) == 1
    clock.advance(1)
    assert client.access_token() == "Atza|token-2"
    assert client.access_token() == "Atza|token-2"
    assert len(lwa.requests) == 2


def test_cache_is_per_client_not_global() -> None:
    """Two clients with the same credentials do not share a token (no module-global cache)."""
    lwa = Lwa()
    make(lwa).access_token()
    make(lwa).access_token()
    assert len(lwa.requests) == 2


def test_eight_threads_cause_one_exchange() -> None:
    """Threads needing a token at once wait for the one refresh in flight and reuse it."""
    lwa = Lwa()
    lwa.gate = threading.Event()
    client = make(lwa)
    arrived = threading.Semaphore(0)
    tokens: list[str] = []

    def worker() -> None:
        arrived.release()
        tokens.append(client.access_token())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for _ in threads:
        assert arrived.acquire(timeout=10)
    lwa.gate.set()
    for thread in threads:
        thread.join(timeout=10)
    assert len(lwa.requests) == 1
    assert tokens == ["Atza|token-1"] * 8


def test_invalidate_forces_a_refresh() -> None:
    """invalidate() drops the cached token."""
    lwa = Lwa()
    client = make(lwa)
    client.access_token()
    client.invalidate()
    assert client.access_token() == "Atza|token-2"


def test_invalid_grant_says_the_authorization_was_revoked() -> None:
    """invalid_grant raises AuthError saying the token is wrong or the app was de-authorized."""
    body = {"error": "invalid_grant", "error_description": "The request has an invalid grant parameter"}
    lwa = Lwa(httpx.Response(400, json=body, headers={"x-amzn-RequestId": "lwa-1"}))
    with pytest.raises(AuthError) as caught:
        make(lwa).access_token()
    error = caught.value
    assert error.code == "invalid_grant"
    assert error.status == 400
    assert error.request_id == "lwa-1"
    assert "revoked" in error.message
    assert "Manage Your Apps" in error.message
    assert str(error).startswith("[request lwa-1]")


def test_invalid_client_points_at_the_app_credentials() -> None:
    """invalid_client raises AuthError pointing at the client id and secret."""
    lwa = Lwa(
        httpx.Response(401, json={"error": "invalid_client", "error_description": "Client authentication failed"})
    )
    with pytest.raises(AuthError, match="client secret") as caught:
        make(lwa).access_token()
    assert caught.value.code == "invalid_client"


def test_other_lwa_error_carries_its_code() -> None:
    """Any other LWA 4xx is an AuthError with LWA's error code."""
    lwa = Lwa(httpx.Response(400, json={"error": "unauthorized_client", "error_description": "nope"}))
    with pytest.raises(AuthError, match="unauthorized_client") as caught:
        make(lwa).access_token()
    assert caught.value.code == "unauthorized_client"


@pytest.mark.parametrize(
    ("response", "cls"),
    [
        (httpx.Response(500, text=""), ServerError),
        (httpx.Response(503, text="<html>down</html>"), ServerError),
        (httpx.Response(429, json={"error": "slow_down"}), ThrottledError),
        (httpx.Response(200, text="<html>captive portal</html>"), ServerError),
        (httpx.Response(200, json={"token_type": "bearer"}), ServerError),
    ],
)
def test_transient_or_unreadable_lwa_answers(response: httpx.Response, cls: type[Exception]) -> None:
    """5xx, 429 and 200-without-token are typed (retryable) errors, not AuthError."""
    with pytest.raises(cls):
        make(Lwa(response)).access_token()


def test_lwa_connect_error_is_a_network_error() -> None:
    """A refused connection to LWA is NetworkError(request_sent=False)."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    client = LwaTokenClient(
        credentials=CREDS,
        token_url=TOKEN_URL,
        http=httpx.Client(transport=httpx.MockTransport(refuse)),
        clock=FakeClock(),
    )
    with pytest.raises(NetworkError) as caught:
        client.access_token()
    assert caught.value.request_sent is False


def test_repr_hides_secrets() -> None:
    """The repr shows the URL and client id, never the refresh token or secret."""
    text = repr(make(Lwa()))
    assert TOKEN_URL in text
    assert CREDS.refresh_token not in text
    assert CREDS.client_secret not in text
