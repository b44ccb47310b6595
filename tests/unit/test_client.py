"""Tests for SellerClient's constructor, from_env, and the wiring of its overrides."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sp_cancel import Credentials, InvalidInputError, SellerClient
from sp_cancel.clock import FakeClock
from sp_cancel.ratelimit import InMemoryRateLimiter
from sp_cancel.retry import DEFAULT_RETRY_POLICY, RetryPolicy

CREDS = Credentials(
    refresh_token="Atzr|IwEBIrefresh-token-SECRET-123",
    client_id="amzn1.application-oa2-client.test",
    client_secret="amzn1.oa2-cs.v1.clientsecretSECRET789",
)
ENV_NAMES = (
    "SP_API_REFRESH_TOKEN",
    "LWA_APP_ID",
    "LWA_CLIENT_SECRET",
    "SP_API_SELLER_ID",
    "SP_API_MARKETPLACE",
    "SP_API_ENDPOINT",
    "SP_API_TOKEN_URL",
    "SP_API_DEFAULT_MARKETPLACE",
    "AWS_ENV",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SP_API_*, LWA_* or AWS_ENV from the developer's shell leaks into a test."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    """Defaults: US, the NA production endpoint, in-memory limiter, default retry policy, 30 s timeout."""
    with SellerClient(credentials=CREDS, seller_id="A1SELLER") as client:
        assert client.seller_id == "A1SELLER"
        assert client.marketplace_id == "ATVPDKIKX0DER"
        assert client.endpoint == "https://sellingpartnerapi-na.amazon.com"
        assert client._api.token_url == "https://api.amazon.com/auth/o2/token"
        assert isinstance(client._limiter, InMemoryRateLimiter)
        assert client._retry is DEFAULT_RETRY_POLICY
        assert client._api._http.timeout == httpx.Timeout(30.0)
        assert client._journal_arg is None


@pytest.mark.parametrize(
    ("marketplace", "market_id", "endpoint"),
    [
        ("DE", "A1PA6795UKMFR9", "https://sellingpartnerapi-eu.amazon.com"),
        ("jp", "A1VC38T7YXB528", "https://sellingpartnerapi-fe.amazon.com"),
        ("A2EUQ1WTGCTBG2", "A2EUQ1WTGCTBG2", "https://sellingpartnerapi-na.amazon.com"),
    ],
)
def test_marketplace_picks_id_and_region(marketplace: str, market_id: str, endpoint: str) -> None:
    """A country code or marketplace id selects the marketplace id and its region's endpoint."""
    client = SellerClient(credentials=CREDS, seller_id="A1SELLER", marketplace=marketplace)
    assert (client.marketplace_id, client.endpoint) == (market_id, endpoint)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"seller_id": ""}, "seller_id"),
        ({"seller_id": "   "}, "seller_id"),
        ({"marketplace": "Narnia"}, "marketplace"),
    ],
)
def test_invalid_inputs(kwargs: dict[str, str], field: str) -> None:
    """An empty seller id or unknown marketplace is refused before anything is built."""
    arguments: dict[str, object] = {"credentials": CREDS, "seller_id": "A1SELLER", **kwargs}
    with pytest.raises(InvalidInputError) as caught:
        SellerClient(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize("field", ["refresh_token", "client_id", "client_secret"])
def test_credentials_refuse_empty_values(field: str) -> None:
    """Every credential must be a non-empty string."""
    values = {"refresh_token": "r", "client_id": "c", "client_secret": "s", field: ""}
    with pytest.raises(InvalidInputError, match=field):
        Credentials(**values)


def test_reprs_hide_secrets() -> None:
    """Credentials and SellerClient reprs show ids, never the refresh token or client secret."""
    client = SellerClient(credentials=CREDS, seller_id="A1SELLER")
    for text in (repr(CREDS), str(CREDS), repr(client)):
        assert CREDS.refresh_token not in text
        assert CREDS.client_secret not in text
    assert "A1SELLER" in repr(client)
    assert CREDS.client_id in repr(CREDS)


def test_every_override_reaches_its_path(tmp_path: Path) -> None:
    """One mock transport sees LWA at token_url, SP-API at endpoint, and the document PUT and GET."""
    seen: list[tuple[str, str]] = []
    report = b"<ProcessingReport/>"

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append((request.method, str(request.url).split("?")[0]))
        if request.url.host == "auth.proxy.test":
            return httpx.Response(200, json={"access_token": "Atza|tok", "expires_in": 3600})
        if request.url.host == "sp.proxy.test":
            assert request.headers["x-amz-access-token"] == "Atza|tok"
            return httpx.Response(201, json={"feedDocumentId": "D1", "url": "https://bucket.test/up?sig=1"})
        if request.method == "PUT":
            assert request.headers["content-type"] == "text/xml; charset=UTF-8"
            assert request.content == "<Envelope>é</Envelope>".encode()
            return httpx.Response(200, headers={"ETag": '"etag"'})  # S3 confirms what it stored
        return httpx.Response(200, content=gzip.compress(report))

    clock = FakeClock()
    client = SellerClient(
        credentials=CREDS,
        seller_id="A1SELLER",
        marketplace="GB",
        endpoint="https://sp.proxy.test",
        token_url="https://auth.proxy.test/o2/token",
        journal=tmp_path / "journal.sqlite3",
        retry=RetryPolicy(max_attempts=2),
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
        timeout=5.0,
    )
    created = client._api.create_feed_document(content_type="text/xml; charset=UTF-8")
    client._api.upload(created.url, "<Envelope>é</Envelope>".encode(), "text/xml; charset=UTF-8")
    assert client._api.download("https://bucket.test/report", compression="GZIP") == report
    assert seen == [
        ("POST", "https://auth.proxy.test/o2/token"),
        ("POST", "https://sp.proxy.test/feeds/2021-06-30/documents"),
        ("PUT", "https://bucket.test/up"),
        ("GET", "https://bucket.test/report"),
    ]
    assert client._journal_arg == tmp_path / "journal.sqlite3"
    assert client._api._http.timeout == httpx.Timeout(5.0)
    assert client._api.marketplace_id == "A1F83G8C2ARO7P"


def test_close_and_context_manager() -> None:
    """Leaving the with-block closes the HTTP client."""
    with SellerClient(credentials=CREDS, seller_id="A1SELLER") as client:
        assert not client._api._http.is_closed
    assert client._api._http.is_closed


def test_injected_limiter_is_used() -> None:
    """A given rate limiter is the one the transport draws from."""
    clock = FakeClock()
    limiter = InMemoryRateLimiter(clock=clock, sleep=clock.sleep)
    client = SellerClient(credentials=CREDS, seller_id="A1SELLER", rate_limiter=limiter)
    assert client._limiter is limiter
    assert client._api._limiter is limiter


def _set_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SP_API_REFRESH_TOKEN", CREDS.refresh_token)
    monkeypatch.setenv("LWA_APP_ID", CREDS.client_id)
    monkeypatch.setenv("LWA_CLIENT_SECRET", CREDS.client_secret)
    monkeypatch.setenv("SP_API_SELLER_ID", "A1ENV")


def test_from_env_reads_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """from_env builds credentials, seller, marketplace, endpoint and token URL from the environment."""
    _set_env(monkeypatch)
    monkeypatch.setenv("SP_API_MARKETPLACE", "DE")
    monkeypatch.setenv("SP_API_ENDPOINT", "https://sandbox.sellingpartnerapi-eu.amazon.com")
    monkeypatch.setenv("SP_API_TOKEN_URL", "https://lwa.test/token")
    client = SellerClient.from_env()
    assert client.seller_id == "A1ENV"
    assert client.marketplace_id == "A1PA6795UKMFR9"
    assert client.endpoint == "https://sandbox.sellingpartnerapi-eu.amazon.com"
    assert client._api.token_url == "https://lwa.test/token"
    assert client._credentials == CREDS


def test_from_env_requires_the_marketplace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without SP_API_MARKETPLACE from_env refuses (no silent US): the README lists it as required."""
    _set_env(monkeypatch)
    with pytest.raises(InvalidInputError, match="SP_API_MARKETPLACE is not set") as caught:
        SellerClient.from_env()
    assert caught.value.field == "environment"
    assert SellerClient.from_env(marketplace="US").marketplace_id == "ATVPDKIKX0DER"


def test_from_env_overrides_win(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keyword overrides beat the environment."""
    _set_env(monkeypatch)
    monkeypatch.setenv("SP_API_MARKETPLACE", "DE")
    client = SellerClient.from_env(seller_id="A1OVERRIDE", marketplace="JP", journal=":memory:")
    assert (client.seller_id, client.marketplace_id, client._journal_arg) == (
        "A1OVERRIDE",
        "A1VC38T7YXB528",
        ":memory:",
    )


def test_from_env_names_every_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Missing variables are all named in one InvalidInputError."""
    monkeypatch.setenv("LWA_APP_ID", CREDS.client_id)
    with pytest.raises(InvalidInputError) as caught:
        SellerClient.from_env()
    message = str(caught.value)
    for name in ("SP_API_REFRESH_TOKEN", "LWA_CLIENT_SECRET", "SP_API_SELLER_ID"):
        assert name in message
    assert "LWA_APP_ID" not in message


def test_sp_api_default_marketplace_does_not_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """SP_API_DEFAULT_MARKETPLACE (read by sp_api) never overrides the explicit marketplace."""
    monkeypatch.setenv("SP_API_DEFAULT_MARKETPLACE", "DE")
    assert SellerClient(credentials=CREDS, seller_id="A1SELLER", marketplace="US").marketplace_id == "ATVPDKIKX0DER"


def test_aws_env_sandbox_does_not_change_the_endpoint() -> None:
    """AWS_ENV=SANDBOX at import time still leaves the production default endpoint."""
    code = (
        "from sp_cancel import SellerClient, Credentials\n"
        "creds = Credentials(refresh_token='r', client_id='c', client_secret='s')\n"
        "c = SellerClient(credentials=creds, seller_id='S')\n"
        "print(c.endpoint)"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], env={"AWS_ENV": "SANDBOX"}, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "https://sellingpartnerapi-na.amazon.com"
