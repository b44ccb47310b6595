"""A plain python-amazon-sp-api client (not ours) against ``sp-cancel simulator serve`` over real HTTP.

The simulator runs as the CLI runs it, in a subprocess on 127.0.0.1; the test reads the
JSON line it prints first (base URL, token URL, credentials) and points sp_api at it:
its ``AccessTokenClient`` (subclassed for the host and scheme) and each API client's
``endpoint``.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from lxml import etree

ENV_PREFIXES = ("SP_API_", "LWA_", "AWS_", "SP_CANCEL_")
SCALE = 100  # feeds finish in well under a second; rates x100, bursts unchanged


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, Any]]:
    """``sp-cancel simulator serve --port 0`` in a subprocess; its first JSON line."""
    command = [sys.executable, "-m", "sp_cancel.cli", "simulator", "serve", "--port", "0", "--seed", "5"]
    with subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [*command, "--scale", str(SCALE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # python-amazon-sp-api's Orders client reads Orders v0: this server keeps serving it in CI's second run.
        env={k: v for k, v in os.environ.items() if k != "SP_CANCEL_SIMULATOR_ORDERS_V0"},
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line, process.stderr.read() if process.stderr else "no output"
            yield json.loads(line)
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def sp_api(served: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The sp_api module, with a clean environment and no cached token of another run."""
    import os  # noqa: PLC0415 - only to list the variables to clear

    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            monkeypatch.delenv(name)
    import sp_api  # noqa: PLC0415 - imported after the environment is clean
    from sp_api.auth import access_token_client  # noqa: PLC0415

    access_token_client.cache.clear()
    yield sp_api
    access_token_client.cache.clear()


def _clients(sp_api: Any, served: dict[str, Any]) -> dict[str, Any]:
    from sp_api.api import Feeds, Orders  # noqa: PLC0415
    from sp_api.auth import AccessTokenClient  # noqa: PLC0415
    from sp_api.base import Marketplaces  # noqa: PLC0415

    scheme, _, rest = served["token_url"].partition("://")
    host, _, path = rest.partition("/")

    class SimulatorTokenClient(AccessTokenClient):  # type: ignore[misc]
        """sp_api's LWA client, aimed at the simulator's token URL."""

    SimulatorTokenClient.scheme = f"{scheme}://"
    SimulatorTokenClient.host = host
    SimulatorTokenClient.path = f"/{path}"
    credentials = {
        "lwa_app_id": served["client_id"],
        "lwa_client_secret": served["client_secret"],
        "refresh_token": served["refresh_token"],
    }
    common = {
        "marketplace": Marketplaces.US,
        "credentials": credentials,
        "auth_token_client_class": SimulatorTokenClient,
    }
    clients = {
        "orders": Orders(version="2026-01-01", **common),
        "orders_v0": Orders(**common),
        "feeds": Feeds(**common),
    }
    for client in clients.values():
        client.endpoint = served["base_url"]
    return clients


def test_token_exchange_and_order_reads(sp_api: Any, served: dict[str, Any]) -> None:
    """sp_api exchanges the refresh token, searches orders (2026-01-01) and reads one in both versions."""
    clients = _clients(sp_api, served)
    token = clients["orders"].auth
    assert token.access_token.startswith("sim-access-")
    found = clients["orders"].search_orders(
        createdAfter="2020-01-01T00:00:00Z", marketplaceIds=[served["marketplace_id"]], maxResultsPerPage=5
    )
    orders = found.payload["orders"]
    assert len(orders) == 5
    order_id = orders[0]["orderId"]
    assert clients["orders"].get_order(order_id).payload["order"]["orderId"] == order_id
    assert clients["orders_v0"].get_order(order_id).payload["AmazonOrderId"] == order_id


def _run_feed(clients: dict[str, Any], document: bytes, feed_type: str) -> tuple[dict[str, Any], bytes]:
    """Create a document, upload it, create the feed, poll it, download the report; return the feed and report."""
    from io import BytesIO  # noqa: PLC0415

    feeds = clients["feeds"]
    created = feeds.create_feed_document(BytesIO(document), "text/xml; charset=UTF-8")
    feed_id = feeds.create_feed(feed_type, created.payload["feedDocumentId"]).payload["feedId"]
    deadline = time.monotonic() + 20
    while True:
        feed = feeds.get_feed(feed_id).payload
        if feed["processingStatus"] in {"DONE", "FATAL", "CANCELLED"} or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert feed["processingStatus"] == "DONE", feed
    report = feeds.get_feed_result_document(feed["resultFeedDocumentId"])
    content = report.encode("iso-8859-1") if isinstance(report, str) else report
    return feed, gzip.decompress(content) if content[:2] == b"\x1f\x8b" else content


def _codes(report: bytes) -> list[str]:
    return [str(code.text) for code in etree.fromstring(report).iterfind(".//Result/ResultMessageCode")]


def _ack(seller_id: str, order_id: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">'
        f"<Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>{seller_id}</MerchantIdentifier></Header>"
        "<MessageType>OrderAcknowledgement</MessageType>"
        "<Message><MessageID>1</MessageID><OrderAcknowledgement>"
        f"<AmazonOrderID>{order_id}</AmazonOrderID><StatusCode>Failure</StatusCode>"
        "</OrderAcknowledgement></Message></AmazonEnvelope>"
    ).encode()


def test_a_feed_runs_end_to_end(sp_api: Any, served: dict[str, Any]) -> None:
    """An acknowledgement feed cancels an unshipped order: document, upload, createFeed, poll, report, read back."""
    clients = _clients(sp_api, served)
    found = clients["orders"].search_orders(
        createdAfter="2020-01-01T00:00:00Z",
        marketplaceIds=[served["marketplace_id"]],
        fulfillmentStatuses=["UNSHIPPED"],
        fulfilledBy=["MERCHANT"],
        maxResultsPerPage=5,
    )
    order_id = found.payload["orders"][0]["orderId"]
    feed, report = _run_feed(clients, _ack(served["seller_id"], order_id), "POST_ORDER_ACKNOWLEDGEMENT_DATA")
    root = etree.fromstring(report)
    assert root.findtext(".//StatusCode") == "Complete"
    assert root.findtext(".//MessagesSuccessful") == "1", report
    assert feed["feedType"] == "POST_ORDER_ACKNOWLEDGEMENT_DATA"
    assert clients["orders_v0"].get_order(order_id).payload["OrderStatus"] == "Canceled"


def test_a_malformed_feed_gives_5000(sp_api: Any, served: dict[str, Any]) -> None:
    """A document that is not XML still gets DONE, with one document-level result 5000."""
    clients = _clients(sp_api, served)
    _, report = _run_feed(clients, b"this is not xml <", "POST_ORDER_ACKNOWLEDGEMENT_DATA")
    assert _codes(report) == ["5000"]
    assert etree.fromstring(report).findtext(".//Result/MessageID") == "0"


def test_exceeding_a_burst_gives_429s(sp_api: Any, served: dict[str, Any]) -> None:
    """The getFeeds calls (burst 10) sent back to back is answered 429 QuotaExceeded once the bucket is empty."""
    from sp_api.base import SellingApiRequestThrottledException  # noqa: PLC0415

    feeds = _clients(sp_api, served)["feeds"]
    answered, throttled = 0, None
    for _ in range(60):
        try:
            feeds.get_feeds(feedTypes=["POST_ORDER_ACKNOWLEDGEMENT_DATA"])
        except SellingApiRequestThrottledException as exc:
            throttled = exc
            break
        answered += 1
    assert throttled is not None
    assert throttled.code == 429
    assert throttled.amzn_code == "QuotaExceeded"
    assert 10 <= answered < 60


# --- sp_cancel beside python-amazon-sp-api: its credential sources, and its clients from ours -------------------


def test_credentials_from_sp_api_environment(sp_api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials.from_sp_api reads python-amazon-sp-api's variables, the account-suffixed ones first."""
    from sp_cancel import Credentials  # noqa: PLC0415

    monkeypatch.setenv("SP_API_REFRESH_TOKEN", "Atzr|default")
    monkeypatch.setenv("LWA_APP_ID", "app-default")
    monkeypatch.setenv("LWA_CLIENT_SECRET", "secret-default")
    monkeypatch.setenv("LWA_APP_ID_eu", "app-eu")
    assert Credentials.from_sp_api().client_id == "app-default"
    eu = Credentials.from_sp_api("eu")
    assert (eu.client_id, eu.refresh_token) == ("app-eu", "Atzr|default")
    assert "secret-default" not in repr(eu)


def test_credentials_from_sp_api_config_file(sp_api: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """An account of python-amazon-sp-api's credentials.yml, through its FromConfigFileCredentialProvider."""
    from sp_api.base.credential_provider import FromConfigFileCredentialProvider  # noqa: PLC0415

    from sp_cancel import Credentials  # noqa: PLC0415

    monkeypatch.setenv("PYTHON-SP-APIDIR", str(tmp_path))  # confuse's directory variable for "python-sp-api"
    (tmp_path / "credentials.yml").write_text(
        "shop2:\n  refresh_token: Atzr|shop2\n  lwa_app_id: app-shop2\n  lwa_client_secret: secret-shop2\n",
        encoding="utf-8",
    )
    found = Credentials.from_sp_api("shop2", credential_providers=[FromConfigFileCredentialProvider])
    assert (found.refresh_token, found.client_id, found.client_secret) == ("Atzr|shop2", "app-shop2", "secret-shop2")


def test_credentials_from_sp_api_missing(sp_api: Any) -> None:
    """No source holds the account: one InvalidInputError naming it."""
    from sp_api.base.credential_provider import FromEnvironmentVariablesCredentialProvider  # noqa: PLC0415

    from sp_cancel import Credentials, InvalidInputError  # noqa: PLC0415

    with pytest.raises(InvalidInputError, match="nowhere"):
        Credentials.from_sp_api("nowhere", credential_providers=[FromEnvironmentVariablesCredentialProvider])


def test_client_sp_api_reaches_the_same_seller(sp_api: Any, served: dict[str, Any]) -> None:
    """client.sp_api(Orders) reads orders with the client's credentials, endpoint, token URL and marketplace."""
    from sp_api.api import Orders  # noqa: PLC0415

    from sp_cancel import Credentials, SellerClient  # noqa: PLC0415

    credentials = Credentials(
        refresh_token=served["refresh_token"], client_id=served["client_id"], client_secret=served["client_secret"]
    )
    with SellerClient(
        credentials=credentials,
        seller_id=served["seller_id"],
        marketplace=served["marketplace_id"],
        endpoint=served["base_url"],
        token_url=served["token_url"],
        journal=":memory:",
    ) as client:
        order = next(client.orders(status="UNSHIPPED", since=timedelta(days=3650)))
        orders_api = client.sp_api(Orders, version="2026-01-01")
        assert orders_api.endpoint == served["base_url"].rstrip("/")
        assert orders_api.marketplace_id == served["marketplace_id"]
        assert orders_api.get_order(order.order_id).payload["order"]["orderId"] == order.order_id
        v0 = client.sp_api(Orders)  # another version, same seller (getFeeds' burst is spent by the 429 test)
        assert v0.get_order(order.order_id).payload["AmazonOrderId"] == order.order_id


# --- operations sp_cancel does not call, which python-amazon-sp-api users reach for (issue 21, item 11) -----------


def test_reports_and_sellers_work_against_simulator_serve(sp_api: Any, served: dict[str, Any]) -> None:
    """Reports.get_reports and Sellers.get_marketplace_participation get Amazon's shapes, not a 404."""
    from sp_api.api import Reports, Sellers  # noqa: PLC0415

    common = _common(served)
    reports, sellers = Reports(**common), Sellers(**common)
    reports.endpoint = sellers.endpoint = served["base_url"]
    created = reports.create_report(
        reportType="GET_V2_SELLER_PERFORMANCE_REPORT", marketplaceIds=[served["marketplace_id"]]
    ).payload["reportId"]
    listed = reports.get_reports(reportTypes=["GET_V2_SELLER_PERFORMANCE_REPORT"]).payload["reports"]
    assert [r["reportId"] for r in listed] == [created]
    assert listed[0]["processingStatus"] in {"IN_QUEUE", "IN_PROGRESS", "DONE"}
    participations = sellers.get_marketplace_participation().payload
    assert participations[0]["marketplace"]["id"] == served["marketplace_id"]
    assert participations[0]["participation"] == {"isParticipating": True, "hasSuspendedListings": False}


def test_an_operation_it_does_not_simulate_is_not_a_404(sp_api: Any, served: dict[str, Any]) -> None:
    """Sellers getAccount is not simulated: a 501 NotSimulated naming what is, never Amazon's 404 "not found"."""
    from sp_api.api import Sellers  # noqa: PLC0415
    from sp_api.base import SellingApiException, SellingApiNotFoundException  # noqa: PLC0415

    sellers = Sellers(**_common(served))
    sellers.endpoint = served["base_url"]
    with pytest.raises(SellingApiException) as caught:
        sellers.get_account()
    assert not isinstance(caught.value, SellingApiNotFoundException)  # sp_api files an HTTP 501 under its code 999
    [error] = caught.value.error
    assert error["code"] == "NotSimulated"
    assert "GET /sellers/v1/account" in error["message"]
    assert "sellers.getMarketplaceParticipations" in error["details"]


def test_sim_client_sp_api_works_in_process(sp_api: Any) -> None:
    """Simulator().client().sp_api(...) goes through the in-process transport: no ConnectError, no sockets."""
    from sp_api.api import Orders, Reports, Sellers  # noqa: PLC0415

    from sp_cancel.testing import Simulator  # noqa: PLC0415

    sim = Simulator(seed=1)
    client = sim.client()
    order_id = sim.orders(status="Unshipped", channel="MFN")[0].order_id
    with client.sp_api(Orders) as orders:  # closing it leaves the SellerClient's transport open
        assert orders.get_order(order_id).payload["AmazonOrderId"] == order_id
    assert client.sp_api(Orders, version="2026-01-01").get_order(order_id).payload["order"]["orderId"] == order_id
    assert client.order(order_id).order_id == order_id
    assert client.sp_api(Reports).get_reports(reportTypes=["GET_V2_SELLER_PERFORMANCE_REPORT"]).payload == {
        "reports": []
    }
    assert client.sp_api(Sellers).get_marketplace_participation().payload[0]["marketplace"]["countryCode"] == "US"
    assert sim.request_counts["sellers.getMarketplaceParticipations"] == 1


def _common(served: dict[str, Any]) -> dict[str, Any]:
    """The constructor arguments of any sp_api client for the served simulator (endpoint set afterwards)."""
    from sp_api.auth import AccessTokenClient  # noqa: PLC0415
    from sp_api.base import Marketplaces  # noqa: PLC0415

    scheme, _, rest = served["token_url"].partition("://")
    host, _, path = rest.partition("/")
    token_client = type(
        "SimulatorTokenClient", (AccessTokenClient,), {"scheme": f"{scheme}://", "host": host, "path": f"/{path}"}
    )
    credentials = {
        "lwa_app_id": served["client_id"],
        "lwa_client_secret": served["client_secret"],
        "refresh_token": served["refresh_token"],
    }
    return {"marketplace": Marketplaces.US, "credentials": credentials, "auth_token_client_class": token_client}
