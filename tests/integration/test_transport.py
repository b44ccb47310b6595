"""Transport regression tests replaying cassettes recorded against ``sp-cancel simulator serve`` over HTTP.

Replay (the default, and CI): nothing listens, the network is blocked, vcrpy answers from
``tests/cassettes/test_transport/*.yaml``. Re-record (see docs/testing.md)::

    SP_CANCEL_RECORD=1 .venv/bin/python -m pytest tests/integration/test_transport.py

which starts ``sp-cancel simulator serve --port 0`` for the module (and a second, unscaled one
for the throttling test), rewrites every cassette, and scrubs tokens and secrets on the way.
The client runs on a fixed :class:`FakeClock` so every request it sends (times in query
strings included) is the same when recording and when replaying; while recording, its sleeps
also really wait (divided by the server's ``--scale``) so the real-time server moves on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from sp_cancel import Credentials, NotFoundError, SellerClient
from sp_cancel._events import CALL_COMPLETED
from sp_cancel.models import CancelReason
from sp_cancel.testing import FakeClock, SimulatorCredentials

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "test_transport"
SCALE = 100.0
START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SINCE = datetime(2020, 1, 1, tzinfo=UTC)
REPLAY_URL = "http://127.0.0.1:9"  # never contacted: vcrpy answers, matching on method, path and query
SECRETS = SimulatorCredentials()

# Run in another process while recording (vcrpy records only the client): find an unshipped merchant
# order, send getOrder for it until the first 429, print the order id.
_DRAIN = """
import sys, httpx
base, token_url, refresh, client_id, secret = sys.argv[1:]
form = {"grant_type": "refresh_token", "refresh_token": refresh, "client_id": client_id, "client_secret": secret}
token = httpx.post(token_url, data=form).json()["access_token"]
with httpx.Client(base_url=base, headers={"x-amz-access-token": token}) as http:
    query = {"createdAfter": "2020-01-01T00:00:00Z", "marketplaceIds": "ATVPDKIKX0DER",
             "fulfilledBy": "MERCHANT", "fulfillmentStatuses": "UNSHIPPED", "maxResultsPerPage": "5"}
    order_id = http.get("/orders/2026-01-01/orders", params=query).json()["orders"][0]["orderId"]
    for _ in range(200):
        if http.get(f"/orders/2026-01-01/orders/{order_id}").status_code == 429:
            print(order_id)
            sys.exit(0)
sys.exit(1)
"""


def _recording(config: pytest.Config) -> bool:
    return os.environ.get("SP_CANCEL_RECORD") == "1" or config.getoption("--record-mode") not in {None, "none"}


@contextmanager
def _serve(scale: float) -> Iterator[dict[str, Any]]:
    command = [sys.executable, "-m", "sp_cancel.cli", "simulator", "serve", "--port", "0", "--seed", "11"]
    with subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [*command, "--scale", str(scale)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as process:
        try:
            assert process.stdout is not None
            yield json.loads(process.stdout.readline())
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def recording(pytestconfig: pytest.Config) -> bool:
    """Whether this run records cassettes (``SP_CANCEL_RECORD=1`` or ``--record-mode`` other than none)."""
    return _recording(pytestconfig)


@pytest.fixture(scope="module")
def server(recording: bool) -> Iterator[dict[str, Any]]:
    """While recording, a served simulator (``--scale 100``); while replaying, where it was."""
    if not recording:
        yield {"base_url": REPLAY_URL, "token_url": REPLAY_URL + "/auth/o2/token", "scale": SCALE}
        return
    with _serve(SCALE) as info:
        yield {**info, "scale": SCALE}


def _client(info: dict[str, Any], *, recording: bool) -> SellerClient:
    clock = FakeClock(START)
    scale = float(info["scale"])

    def sleep(seconds: float) -> None:
        clock.advance(seconds)
        if recording:
            time.sleep(seconds / scale)

    return SellerClient(
        credentials=Credentials(
            refresh_token=SECRETS.refresh_token, client_id=SECRETS.client_id, client_secret=SECRETS.client_secret
        ),
        seller_id="A1SIMSELLER0001",
        marketplace="US",
        endpoint=info["base_url"],
        token_url=info["token_url"],
        journal=":memory:",
        clock=clock,
        sleep=sleep,
    )


@pytest.fixture
def client(server: dict[str, Any], recording: bool) -> Iterator[SellerClient]:
    """A client over real httpx (vcrpy patches its transport) on a fixed fake clock."""
    with _client(server, recording=recording) as seller:
        yield seller


def _unshipped_merchant_order(client: SellerClient) -> str:
    page = client._api.search_orders(
        created_after=SINCE, fulfilled_by="MERCHANT", fulfillment_statuses=["UNSHIPPED"], max_results_per_page=5
    )
    return page.orders[0].order_id


@pytest.mark.vcr
def test_token_exchange(client: SellerClient, vcr: Any) -> None:
    """One LWA exchange gives the access token; the second read is served from the client's cache."""
    first = client._api._tokens.access_token()
    assert first == client._api._tokens.access_token()
    assert first
    assert [r.path for r in vcr.requests] == ["/auth/o2/token"]
    assert _fully_replayed(vcr)


@pytest.mark.vcr
def test_get_order(client: SellerClient, vcr: Any) -> None:
    """A getOrder is sent with the token and read into its Order; the request id and rate header are read."""
    order_id = _unshipped_merchant_order(client)
    with capture_logs() as events:
        answer = client._api.get_order(order_id)
    assert answer.order.order_id == order_id
    (completed,) = [e for e in events if e["event"] == CALL_COMPLETED and e["operation"] == "getOrder"]
    assert completed["status"] == 200
    assert completed["request_id"]
    assert completed["rate_limit"] == pytest.approx(0.5 * SCALE)
    assert _fully_replayed(vcr)


@pytest.mark.vcr
def test_search_orders_pages(client: SellerClient, vcr: Any) -> None:
    """The searchOrders pages follow paginationToken until there is none; no order is seen twice."""
    seen: list[str] = []
    sizes: list[int] = []
    token: str | None = None
    while len(sizes) < 10:
        page = client._api.search_orders(created_after=SINCE, max_results_per_page=50, pagination_token=token)
        sizes.append(len(page.orders))
        seen += [o.order_id for o in page.orders]
        token = page.next_token
        if token is None:
            break
    assert token is None
    assert len(sizes) >= 3
    assert sizes[:-1] == [50] * (len(sizes) - 1)
    assert len(seen) == len(set(seen))
    assert _fully_replayed(vcr)


@pytest.mark.vcr
def test_cancel_order_runs_a_feed_end_to_end(client: SellerClient, vcr: Any) -> None:
    """cancel_order: getOrder, createFeedDocument, upload, createFeed, getFeed polls, report, read back."""
    order_id = _unshipped_merchant_order(client)
    outcome = client.cancel_order(order_id, CancelReason.NO_INVENTORY)
    assert outcome.status.value == "CANCELLED", outcome
    assert outcome.feed_id
    paths = [r.path for r in vcr.requests]
    assert "/feeds/2021-06-30/documents" in paths
    assert any(p.startswith("/_sim/documents/") for p in paths)
    assert "/feeds/2021-06-30/feeds" in paths
    assert _fully_replayed(vcr)


@pytest.mark.vcr
def test_unknown_order_is_not_found(client: SellerClient, vcr: Any) -> None:
    """A 404 from getOrder becomes NotFoundError carrying the request id; it is not retried."""
    with pytest.raises(NotFoundError) as caught:
        client._api.get_order("999-0000000-0000000")
    assert caught.value.status == 404
    assert caught.value.request_id
    assert str(caught.value).startswith(f"[request {caught.value.request_id}]")
    assert [r.path for r in vcr.requests].count("/orders/2026-01-01/orders/999-0000000-0000000") == 1
    assert _fully_replayed(vcr)


@pytest.fixture
def throttled_server(recording: bool, server: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """While recording: an unscaled simulator whose getOrder bucket another process just emptied."""
    if not recording:
        yield {**server, "scale": 1.0, "order_id": None}
        return
    with _serve(1.0) as info:
        drained = subprocess.run(  # noqa: S603 - our own interpreter and script
            [
                sys.executable,
                "-c",
                _DRAIN,
                info["base_url"],
                info["token_url"],
                SECRETS.refresh_token,
                SECRETS.client_id,
                SECRETS.client_secret,
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert drained.returncode == 0, f"could not empty the getOrder bucket: {drained.stderr}"
        yield {**info, "scale": 1.0, "order_id": drained.stdout.strip()}


@pytest.mark.vcr
def test_a_429_is_waited_out_and_retried(throttled_server: dict[str, Any], recording: bool, vcr: Any) -> None:
    """A getOrder answered 429 QuotaExceeded is retried after the limiter's wait and then succeeds."""
    with _client(throttled_server, recording=recording) as seller:
        order_id = throttled_server["order_id"] or _recorded_order_id(vcr)
        answer = seller._api.get_order(order_id)
    statuses = [r["status"]["code"] for r in vcr.responses]
    assert answer.order.order_id == order_id
    assert statuses[0] == 200  # the token
    assert statuses[1] == 429
    assert statuses[-1] == 200
    assert _fully_replayed(vcr)


def _fully_replayed(cassette: Any) -> bool:
    """Replaying: every recorded interaction was used, each once. Recording: nothing to replay, so true."""
    return bool(cassette.all_played) if cassette.write_protected else True


def _recorded_order_id(cassette: Any) -> str:
    """The order the throttling cassette was recorded with (the only getOrder path in it)."""
    paths = {r.path for r in cassette.requests if r.path.startswith("/orders/2026-01-01/orders/")}
    (path,) = paths
    return path.rsplit("/", 1)[-1]


def test_cassettes_hold_no_credentials() -> None:
    """No cassette holds the refresh token, client id or secret, or an access token."""
    files = sorted(CASSETTES.glob("*.yaml"))
    assert len(files) >= 6
    for path in files:
        text = path.read_text(encoding="utf-8")
        for secret in (SECRETS.refresh_token, SECRETS.client_secret, SECRETS.client_id, "sim-access-"):
            assert secret not in text, f"{path.name} holds {secret}"
        assert "REDACTED" in text or "auth/o2/token" not in text
