"""Crash tests: a worker killed with SIGKILL after each step, then ``resume()`` in a fresh process (issue 11).

The simulator is served over HTTP (its own thread here). A child process runs one workflow and kills itself
with SIGKILL right after the chosen request was answered: nothing is flushed, no handler runs. Another
fresh process then calls ``resume()`` on the same journal (a SQLite file, or Redis when one answers at
``REDIS_URL``). Amazon (the simulator) must end with every cancel and refund applied exactly once: 0
duplicates, 0 lost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sp_cancel.clock import SystemClock
from sp_cancel.testing import Lags, Simulator

WORKER = r"""
import json, os, signal, sys, time
import httpx
from sp_cancel import AdjustmentReason, CancelReason, CancelRequest, Credentials, Money, SellerClient
from sp_cancel.clock import FakeClock, SystemClock
from sp_cancel.journal import RedisJournal

cfg = json.loads(sys.argv[1])


class KillAfter(httpx.HTTPTransport):
    def handle_request(self, request):
        response = super().handle_request(request)
        if cfg.get("kill") and request.method == cfg["kill"][0] and cfg["kill"][1] in request.url.path:
            response.read()
            if cfg["kill"][2] is None or b'"DONE"' in response.content:
                os.kill(os.getpid(), signal.SIGKILL)
        return response


# The simulator runs 1000 times faster than Amazon: so does this worker's clock while it waits.
clock = FakeClock(start=SystemClock().now())


def sleep(seconds):
    clock.advance(seconds)
    time.sleep(min(seconds / 1000, 0.05))


if cfg["backend"] == "sqlite":
    journal = cfg["journal"]
else:
    journal = RedisJournal(cfg["journal"], prefix=cfg["prefix"], clock=clock)
client = SellerClient(
    credentials=Credentials(**cfg["credentials"]), seller_id=cfg["seller_id"], marketplace=cfg["marketplace"],
    endpoint=cfg["base_url"], token_url=cfg["base_url"] + "/auth/o2/token", journal=journal,
    transport=KillAfter(), clock=clock, sleep=sleep,
)
if cfg["action"] == "resume":
    print(json.dumps([[type(o).__name__, str(o.status)] for o in client.resume(timeout=120)]))
elif cfg["workflow"] == "cancel":
    client.cancel_order(cfg["orders"][0], CancelReason.NO_INVENTORY)
elif cfg["workflow"] == "batch":
    client.cancel_orders([CancelRequest(order_id=o, reason=CancelReason.NO_INVENTORY) for o in cfg["orders"]])
else:
    client.partial_refund(cfg["orders"][0], Money("5.00", "USD"), reason=AdjustmentReason.CUSTOMER_RETURN)
sys.exit(0)
"""

KILL_POINTS = {
    "after-createFeedDocument": ("POST", "/feeds/2021-06-30/documents", None),
    "after-upload": ("PUT", "/_sim/documents/", None),
    "after-createFeed": ("POST", "/feeds/2021-06-30/feeds", None),
    "after-getFeed-DONE": ("GET", "/feeds/2021-06-30/feeds/", True),
    "after-getFeedDocument": ("GET", "/feeds/2021-06-30/documents/", None),
}


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """``(backend, journal location, key prefix)``: a SQLite file, or a Redis database (skipped without one)."""
    if request.param == "sqlite":
        yield "sqlite", str(tmp_path / "journal.sqlite3"), ""
        return
    redis = pytest.importorskip("redis")
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis server answers at {url} (set REDIS_URL to run this test): {exc}")
    yield "redis", url, f"sp_cancel:test:{uuid.uuid4().hex}:"


def _run(cfg: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", WORKER, json.dumps(cfg)], capture_output=True, text=True, timeout=180, check=False
    )


@pytest.mark.slow
@pytest.mark.parametrize("workflow", ["cancel", "batch", "refund"])
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_then_resume_in_a_fresh_process(workflow: str, point: str, backend: tuple[str, str, str]) -> None:
    """Killed after ``point``; a fresh process resumes: each order cancelled (or refunded) exactly once."""
    kind, journal, prefix = backend
    sim = Simulator(seed=41, orders=4, scale=1000, clock=SystemClock(), lags=Lags(refund_posting=0))
    if workflow == "refund":
        orders = [sim.add_order(status="Shipped", items=[{"price": "20.00", "shipping": "4.00"}]).order_id]
    else:
        orders = [sim.add_order().order_id for _ in range(3 if workflow == "batch" else 1)]
    with sim.serve() as base_url:
        creds = sim.credentials
        cfg: dict[str, Any] = {
            "backend": kind,
            "journal": journal,
            "prefix": prefix,
            "credentials": {
                "refresh_token": creds.refresh_token,
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
            },
            "seller_id": sim.seller_id,
            "marketplace": sim.marketplace_id,
            "base_url": base_url,
            "workflow": workflow,
            "orders": orders,
            "kill": KILL_POINTS[point],
            "action": "run",
        }
        child = _run(cfg)
        assert child.returncode == -9, child.stderr[-2000:]  # died by SIGKILL where we said
        resumed = _run({**cfg, "kill": None, "action": "resume"})
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        again = _run({**cfg, "kill": None, "action": "run"})  # the seller repeats the call: nothing new is sent
        assert again.returncode == 0, again.stderr[-2000:]
    if workflow == "refund":
        applied = [r for r in sim.world.refunds if r.order_id == orders[0]]
        assert [r.amount for r in applied] == [Decimal("5.00")], applied  # 0 lost, 0 duplicates
    else:
        for order_id in orders:
            rows = [row for row in sim.world.ledger if row[2] == order_id]
            assert len(rows) == 1, (order_id, rows)  # cancelled exactly once
            assert sim.order(order_id).status == "Canceled"
