"""The client's configuration is checked whole at construction, before any request (issue 21, item 10)."""

from __future__ import annotations

import httpx
import pytest

from sp_cancel import Credentials, InvalidInputError, SellerClient
from sp_cancel.cli import main

CREDS = Credentials(refresh_token="Atzr|r", client_id="amzn1.application-oa2-client.c", client_secret="s")
ENV = {
    "SP_API_REFRESH_TOKEN": "Atzr|r",
    "LWA_APP_ID": "amzn1.application-oa2-client.c",
    "LWA_CLIENT_SECRET": "s",
    "SP_API_SELLER_ID": "A1SELLER",
    "SP_API_MARKETPLACE": "US",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SP_API_*, LWA_* or AWS_ENV from the developer's shell leaks into a test."""
    for name in [*ENV, "SP_API_ENDPOINT", "SP_API_TOKEN_URL", "SP_API_DEFAULT_MARKETPLACE", "AWS_ENV"]:
        monkeypatch.delenv(name, raising=False)


def _never(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a request was sent: {request.method} {request.url}")


def test_from_env_names_every_problem_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset marketplace, a URL that is not one, a seller id with a space: one error, all three, nothing sent."""
    for name, value in {**ENV, "SP_API_SELLER_ID": "A1 SELLER", "SP_API_ENDPOINT": "not a url"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SP_API_MARKETPLACE")
    with pytest.raises(InvalidInputError) as caught:
        SellerClient.from_env(transport=httpx.MockTransport(_never), sleep=_never)  # type: ignore[arg-type]
    message = str(caught.value)
    assert caught.value.field == "environment"
    assert "3 problems" in message
    assert "SP_API_MARKETPLACE is not set" in message
    assert "SP_API_ENDPOINT='not a url' is not an http(s) URL" in message
    assert "SP_API_SELLER_ID='A1 SELLER' contains whitespace" in message


def test_from_env_refuses_a_marketplace_of_another_region(monkeypatch: pytest.MonkeyPatch) -> None:
    """A US marketplace on the EU endpoint (sandbox or not) is refused before any call, naming both regions."""
    for name, value in {**ENV, "SP_API_ENDPOINT": "https://sandbox.sellingpartnerapi-eu.amazon.com"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(InvalidInputError, match=r"SP_API_MARKETPLACE US .* North America endpoint .* \(Europe\)"):
        SellerClient.from_env()


def test_from_env_still_reports_missing_credentials_with_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Missing credential variables and a wrong value come in the same message."""
    monkeypatch.setenv("SP_API_SELLER_ID", "a1seller")
    monkeypatch.setenv("SP_API_MARKETPLACE", "US")
    with pytest.raises(InvalidInputError) as caught:
        SellerClient.from_env()
    message = str(caught.value)
    for part in ("SP_API_REFRESH_TOKEN is not set", "LWA_APP_ID is not set", "'a1seller' is not a seller id"):
        assert part in message


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"seller_id": "A1 SELLER"}, "seller_id", "contains whitespace"),
        ({"seller_id": "a1seller"}, "seller_id", "upper-case letters and digits"),
        ({"seller_id": "A" * 51}, "seller_id", "1 to 50"),
        ({"seller_id": "A1-SELLER"}, "seller_id", "not a seller id"),
        ({"endpoint": "not a url"}, "endpoint", "not an http(s) URL"),
        ({"endpoint": "ftp://sellingpartnerapi-na.amazon.com"}, "endpoint", "not an http(s) URL"),
        ({"endpoint": "https://sellingpartnerapi-na.amazon.com?x=1"}, "endpoint", "query"),
        ({"token_url": "api.amazon.com/auth/o2/token"}, "token_url", "not an http(s) URL"),
        (
            {"marketplace": "DE", "endpoint": "https://sellingpartnerapi-na.amazon.com"},
            "marketplace",
            "Europe endpoint",
        ),
        ({"marketplace": "JP", "endpoint": "https://sellingpartnerapi-eu.amazon.com"}, "marketplace", "Far East"),
        ({"timeout": 0}, "timeout", "positive number"),
        ({"timeout": float("nan")}, "timeout", "positive number"),
    ],
)
def test_the_constructor_refuses_a_wrong_setting(kwargs: dict[str, object], field: str, words: str) -> None:
    """Each wrong setting is one InvalidInputError naming it, raised before anything is sent."""
    arguments: dict[str, object] = {"credentials": CREDS, "seller_id": "A1SELLER", **kwargs}
    with pytest.raises(InvalidInputError, match="nothing was sent") as caught:
        SellerClient(**arguments, transport=httpx.MockTransport(_never))  # type: ignore[arg-type]
    assert caught.value.field == field
    assert words in str(caught.value)


def test_several_wrong_settings_are_listed_together() -> None:
    """Two wrong settings: one error, numbered, field "configuration"."""
    with pytest.raises(InvalidInputError, match=r"2 problems.*\(1\).*seller_id.*\(2\).*endpoint") as caught:
        SellerClient(credentials=CREDS, seller_id="a b", endpoint="nope")
    assert caught.value.field == "configuration"


@pytest.mark.parametrize(
    ("marketplace", "endpoint"),
    [
        ("US", "https://sellingpartnerapi-na.amazon.com"),
        ("DE", "https://sandbox.sellingpartnerapi-eu.amazon.com/"),
        ("JP", "http://127.0.0.1:8000"),  # a simulator, a proxy: not Amazon's host, not judged
        ("UK", "https://proxy.internal/sp-api"),
    ],
)
def test_good_settings_pass(marketplace: str, endpoint: str) -> None:
    """Matching regions, sandboxes, local simulators and proxies are accepted; a trailing slash is dropped."""
    client = SellerClient(credentials=CREDS, seller_id="A2EXAMPLE12345", marketplace=marketplace, endpoint=endpoint)
    assert client.endpoint == endpoint.rstrip("/")


def test_the_cli_shows_the_problems_and_what_to_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """sp-cancel with a wrong environment: exit 2, every problem in one message, the hint about the variables."""
    for name, value in {**ENV, "SP_API_ENDPOINT": "not a url"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SP_API_MARKETPLACE")
    assert main(["deals"]) == 2
    err = capsys.readouterr().err
    assert "SP_API_MARKETPLACE is not set" in err
    assert "SP_API_ENDPOINT='not a url'" in err
    assert "hint: set them" in err
