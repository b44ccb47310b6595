"""The simulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import httpx
import pytest

from sp_cancel.testing import Simulator


def _token(http: httpx.Client, sim: Simulator) -> str:
    creds = sim.credentials
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
    return str(answer.json()["access_token"])


def test_serve_answers_over_http() -> None:
    """serve() yields a 127.0.0.1 base URL that answers LWA and SP-API calls; URLs follow it."""
    sim = Simulator(seed=7, orders=10, orders_v0="served")
    order_id = next(iter(sim.world.orders))
    with sim.serve() as base_url, httpx.Client(base_url=base_url, timeout=5) as http:
        assert base_url.startswith("http://127.0.0.1:")
        assert sim.token_url == base_url + "/auth/o2/token"
        token = _token(http, sim)
        answer = http.get(f"/orders/v0/orders/{order_id}", headers={"x-amz-access-token": token})
        assert answer.status_code == 200
        assert answer.json()["payload"]["AmazonOrderId"] == order_id
        assert answer.headers["x-amzn-RateLimit-Limit"] == "0.5"
        sku = http.get(
            f"/listings/2021-08-01/items/{sim.seller_id}/SIM-MFN-004",
            params={"marketplaceIds": sim.marketplace_id},
            headers={"x-amz-access-token": token},
        )
        assert sku.status_code == 200
    assert not sim.base_url.startswith("http://127.0.0.1")


def test_served_faults_drop_and_hang() -> None:
    """Over HTTP, drop closes the socket unanswered; timeout_after_commit commits and stays silent."""
    sim = Simulator(seed=7, orders=0, orders_v0="served")
    sim._core.http_hang_seconds = 1.0
    sim.add_mcf_order("MCF-H1", status="Received")
    sim.add_mcf_order("MCF-H2", status="Received")
    with sim.serve() as base_url, httpx.Client(base_url=base_url, timeout=0.3) as http:
        headers = {"x-amz-access-token": _token(http, sim)}
        sim.add_fault("fbaOutbound.cancelFulfillmentOrder", "drop")
        with pytest.raises(httpx.RemoteProtocolError):
            http.put("/fba/outbound/2020-07-01/fulfillmentOrders/MCF-H1/cancel", headers=headers)
        assert sim.world.mcf_orders["MCF-H1"].status == "Received"
        sim.add_fault("fbaOutbound.cancelFulfillmentOrder", "timeout_after_commit")
        with pytest.raises(httpx.ReadTimeout):
            http.put("/fba/outbound/2020-07-01/fulfillmentOrders/MCF-H2/cancel", headers=headers)
        assert sim.world.mcf_orders["MCF-H2"].status == "Cancelled"


def test_serve_forever_prints_connection_info_first() -> None:
    """serve_forever's first stdout line is the JSON connection info; SIGINT stops it."""
    code = (
        "from sp_cancel.clock import SystemClock; from sp_cancel.testing import Simulator; "
        "from sp_cancel.testing._sim.app import serve_forever; "
        "serve_forever(Simulator(seed=3, scale=60, orders=5, clock=SystemClock()), port=0)"
    )
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as proc:  # noqa: S603
        try:
            assert proc.stdout is not None
            info = json.loads(proc.stdout.readline())
            form = {
                "grant_type": "refresh_token",
                "refresh_token": info["refresh_token"],
                "client_id": info["client_id"],
                "client_secret": info["client_secret"],
            }
            with httpx.Client(timeout=5) as http:
                token = http.post(info["token_url"], data=form).json()["access_token"]
                answer = http.get(
                    info["base_url"] + "/promotions/2025-12-01/promotions",
                    params={"marketplaceIds": info["marketplace_id"]},
                    headers={"x-amz-access-token": token},
                )
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=10)
    assert set(info) == {
        "base_url",
        "token_url",
        "seller_id",
        "marketplace_id",
        "client_id",
        "client_secret",
        "refresh_token",
    }
    assert answer.status_code == 200
    assert answer.headers["x-amzn-RateLimit-Limit"] == "60.0"
    assert proc.returncode == 0
