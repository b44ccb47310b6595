"""Crash tests: a worker killed with SIGKILL after each request step, then ``resume()`` alone in a fresh process.

The simulator is served over HTTP (a thread here). A child process runs one workflow (a refund, a unit cancel,
a whole-order cancel, or a batch of three whole-order cancels in one feed) and kills itself with SIGKILL right
after the chosen request was answered: after the LWA token, the order read, the Finances read,
``createFeedDocument``, the upload, ``createFeed``, a ``getFeed`` that is not ``DONE`` yet, or the report download.
Nothing is flushed, no handler runs. Two minutes of Amazon's time later (within the dead worker's five-minute
lease), another fresh process runs ``resume()`` alone on the same journal (a SQLite file, or Redis when one answers
at ``REDIS_URL``), and what it *returned* and what it *sent* are asserted:

* a plan that never reached ``createFeed`` is sent by ``resume()``, once, and reported done;
* a submission that may have reached Amazon is never sent again: done when Amazon shows it (a report, a
  read-back), ``UNCONFIRMED`` with a reason until then;
* nothing was journaled before the plan: ``resume()`` has nothing to do and sends nothing;
* every outcome ``resume()`` could not finish carries its reason (``detail``).

Then the seller (in this process) asks again, letting Amazon's time pass in a bounded loop until Amazon shows it
done, and Amazon's ledger must show it carried out exactly once.

No timing luck: the served simulator runs on a fake clock that moves only when this test moves it, or by 30 s
with every ``getFeed`` it answers (so feeds are processed as the workers poll them, however loaded the machine);
each worker's own clock is fake too, starting at Amazon's time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sp_cancel import (
    AdjustmentReason,
    CancelOutcome,
    CancelReason,
    CancelRequest,
    CancelStatus,
    ItemCancel,
    Money,
    RefundOutcome,
    RefundStatus,
    SellerClient,
)
from sp_cancel.testing import Exchange, Lags, Simulator

WORKER = r"""
import json, os, signal, sys, time
from datetime import datetime

import httpx

from sp_cancel import AdjustmentReason, CancelReason, CancelRequest, Credentials, ItemCancel, Money, SellerClient
from sp_cancel.clock import FakeClock
from sp_cancel.journal import RedisJournal

cfg = json.loads(sys.argv[1])
clock = FakeClock(start=datetime.fromisoformat(cfg["now"]))


def sleep(seconds):
    clock.advance(seconds)  # the worker's own time; Amazon's moves as it polls its feeds (see the test)
    time.sleep(0.001)


class KillAfter(httpx.HTTPTransport):
    def handle_request(self, request):
        response = super().handle_request(request)
        kill = cfg["kill"]
        if kill and request.method == kill[0] and kill[1] in request.url.path:
            response.read()
            if kill[2] is None or json.loads(response.content).get("processingStatus") != "DONE":
                os.kill(os.getpid(), signal.SIGKILL)
        return response


if cfg["backend"] == "sqlite":
    journal = cfg["journal"]
else:
    journal = RedisJournal(cfg["journal"], prefix=cfg["prefix"], clock=clock)
client = SellerClient(
    credentials=Credentials(**cfg["credentials"]), seller_id=cfg["seller_id"], marketplace=cfg["marketplace"],
    endpoint=cfg["base_url"], token_url=cfg["base_url"] + "/auth/o2/token", journal=journal,
    transport=KillAfter(), clock=clock, sleep=sleep,
)
(order_id, item_id), *others = cfg["targets"]
if cfg["action"] == "resume":
    outcomes = client.resume(timeout=3600)
    print(json.dumps([
        {"order_id": o.order_id, "status": str(o.status), "detail": o.detail, "feed_id": o.feed_id} for o in outcomes
    ]))
elif cfg["workflow"] == "refund":
    client.partial_refund(order_id, Money("3.00", "USD"), reason=AdjustmentReason.CUSTOMER_RETURN)
elif cfg["workflow"] == "unit_cancel":
    client.cancel_order(order_id, CancelReason.NO_INVENTORY, items=[ItemCancel(order_item_id=item_id, quantity=1)])
elif cfg["workflow"] == "batch_cancel":
    client.cancel_orders([CancelRequest(order_id=o, reason=CancelReason.NO_INVENTORY) for o, _ in cfg["targets"]])
else:
    client.cancel_order(order_id, CancelReason.NO_INVENTORY)
sys.exit(0)
"""

# Where the worker dies: right after Amazon answered this request (method, path part, "not DONE": a getFeed
# whose feed is still processing).
KILL_POINTS: dict[str, tuple[str, str, str | None]] = {
    "token": ("POST", "/auth/o2/token", None),
    "order-read": ("GET", "/orders/2026-01-01/orders/", None),
    "finances-read": ("GET", "/financialEvents", None),
    "createFeedDocument": ("POST", "/feeds/2021-06-30/documents", None),
    "upload": ("PUT", "/_sim/documents/", None),
    "createFeed": ("POST", "/feeds/2021-06-30/feeds", None),
    "getFeed-not-DONE": ("GET", "/feeds/2021-06-30/feeds/", "not DONE"),
    "download": ("GET", "/_sim/documents/", None),
}
BEFORE_THE_PLAN = frozenset({"token", "order-read", "finances-read"})  # nothing journaled yet
PLANNED_NOT_SENT = frozenset({"createFeedDocument", "upload"})  # planned, createFeed never called


Target = tuple[str, str]  # (order id, order item id)


@dataclass(frozen=True)
class Workflow:
    """One workflow: its orders, how the seller asks again, and how Amazon's ledger counts it per order."""

    setup: Callable[[Simulator], list[Target]]
    ask: Callable[[SellerClient, list[Target]], list[RefundOutcome | CancelOutcome]]  # one outcome per order
    applications: Callable[[Simulator, Target], Decimal]  # how many times Amazon carried it out for one order
    done: RefundStatus | CancelStatus
    feed_type: str
    finances: bool  # the workflow reads Finances before planning


def _whole_cancels(sim: Simulator, target: Target) -> Decimal:
    sim.cancelled_units(target[0])  # Amazon's own pace first: feeds due by now are processed
    with sim.lock:
        return Decimal(len({c.source for c in sim.world.cancellations if c.order_id == target[0]}))


def _ids(order: Any) -> Target:
    return order.order_id, order.items[0].order_item_id


def _cancel_whole(client: SellerClient, targets: list[Target]) -> list[RefundOutcome | CancelOutcome]:
    return [client.cancel_order(targets[0][0], CancelReason.NO_INVENTORY)]


def _cancel_batch(client: SellerClient, targets: list[Target]) -> list[RefundOutcome | CancelOutcome]:
    batch = client.cancel_orders([CancelRequest(order_id=o, reason=CancelReason.NO_INVENTORY) for o, _ in targets])
    return [batch[o] for o, _ in targets]


WORKFLOWS = {
    "refund": Workflow(
        setup=lambda sim: [_ids(sim.add_order(status="Shipped", items=[{"price": "20.00", "shipping": "4.00"}]))],
        ask=lambda client, targets: [
            client.partial_refund(
                targets[0][0], Money(amount="3.00", currency="USD"), reason=AdjustmentReason.CUSTOMER_RETURN
            )
        ],
        applications=lambda sim, target: sum(sim.refunded(target[0]).values(), Decimal(0)) / Decimal("3.00"),
        done=RefundStatus.APPLIED,
        feed_type="POST_PAYMENT_ADJUSTMENT_DATA",
        finances=True,
    ),
    "unit_cancel": Workflow(
        setup=lambda sim: [_ids(sim.add_order(items=[{"price": "10.00", "quantity": 3}]))],
        ask=lambda client, targets: [
            client.cancel_order(
                targets[0][0],
                CancelReason.NO_INVENTORY,
                items=[ItemCancel(order_item_id=targets[0][1], quantity=1)],
            )
        ],
        applications=lambda sim, target: Decimal(sim.cancelled_units(*target)),
        done=CancelStatus.PARTIALLY_CANCELLED,
        feed_type="POST_PAYMENT_ADJUSTMENT_DATA",
        finances=False,
    ),
    "whole_cancel": Workflow(
        setup=lambda sim: [_ids(sim.add_order(items=[{"price": "10.00", "quantity": 2}]))],
        ask=_cancel_whole,
        applications=_whole_cancels,
        done=CancelStatus.CANCELLED,
        feed_type="POST_ORDER_ACKNOWLEDGEMENT_DATA",
        finances=False,
    ),
    "batch_cancel": Workflow(
        setup=lambda sim: [_ids(sim.add_order(items=[{"price": "10.00"}])) for _ in range(3)],
        ask=_cancel_batch,
        applications=_whole_cancels,
        done=CancelStatus.CANCELLED,
        feed_type="POST_ORDER_ACKNOWLEDGEMENT_DATA",
        finances=False,
    ),
}

# What resume() answers for a submission that may have reached Amazon (killed right after createFeed, before
# its feed id was journaled): a refund is UNCONFIRMED until Finances posts it (a report of a successful
# adjustment names no order); the orders read back prove a cancel.
AFTER_CREATE_FEED = {
    "refund": "UNCONFIRMED",
    "unit_cancel": "PARTIALLY_CANCELLED",
    "whole_cancel": "CANCELLED",
    "batch_cancel": "CANCELLED",
}

CASES = [
    pytest.param(name, point, id=f"{name}-after-{point}")
    for name, workflow in WORKFLOWS.items()
    for point in KILL_POINTS
    if point != "finances-read" or workflow.finances
]


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
    prefix = f"sp_cancel:test:{uuid.uuid4().hex}:"
    yield "redis", url, prefix
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


def _run(cfg: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", WORKER, json.dumps(cfg)], capture_output=True, text=True, timeout=180, check=False
    )


def _polls_move_amazon(sim: Simulator) -> None:
    """Amazon's clock moves 30 s with every ``getFeed`` it answers (and otherwise only when the test moves it)."""

    def move(exchange: Exchange) -> None:
        if exchange.operation == "feeds.getFeed":
            sim.advance(30)

    sim.observe(move)


def _journal(sim: Simulator, kind: str, location: str, prefix: str) -> Any:
    if kind == "sqlite":
        return location
    from sp_cancel.journal import RedisJournal  # noqa: PLC0415 - needs the redis extra, which the fixture checked

    return RedisJournal(location, prefix=prefix, clock=sim.client_clock)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "point"), CASES)
def test_sigkill_then_resume_alone_in_a_fresh_process(name: str, point: str, backend: tuple[str, str, str]) -> None:
    """Killed right after ``point``; ``resume()`` alone in a fresh process sends only what never left; done once."""
    kind, location, prefix = backend
    workflow = WORKFLOWS[name]
    sim = Simulator(seed=41, orders=0, lags=Lags(feed_listing=45))
    targets = workflow.setup(sim)
    _polls_move_amazon(sim)
    with sim.serve() as base_url:
        creds = sim.credentials
        cfg: dict[str, Any] = {
            "backend": kind,
            "journal": location,
            "prefix": prefix,
            "credentials": {
                "refresh_token": creds.refresh_token,
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
            },
            "seller_id": sim.seller_id,
            "marketplace": sim.marketplace_id,
            "base_url": base_url,
            "workflow": name,
            "targets": targets,
            "kill": KILL_POINTS[point],
            "action": "run",
            "now": sim.now().isoformat(),
        }
        child = _run(cfg)
        assert child.returncode == -9, child.stderr[-2000:]  # died by SIGKILL where we said
        sent_by_child = sim.request_counts.get("feeds.createFeed", 0)
        sim.advance(120)  # a restarted worker, two minutes later: within the dead worker's lease
        resumed = _run({**cfg, "kill": None, "action": "resume", "now": sim.now().isoformat()})
        assert resumed.returncode == 0, resumed.stderr[-2000:]
    sent_by_resume = sim.request_counts.get("feeds.createFeed", 0) - sent_by_child
    ours = {order_id for order_id, _ in targets}
    outcomes = [o for o in json.loads(resumed.stdout.strip().splitlines()[-1]) if o["order_id"] in ours]
    statuses = [o["status"] for o in outcomes]
    counts = {target: workflow.applications(sim, target) for target in targets}
    assert all(n <= 1 for n in counts.values()), f"carried out twice: {counts}; resume() answered {outcomes}"
    for outcome in outcomes:
        if outcome["status"] == workflow.done:
            shown = [n for (order_id, _), n in counts.items() if order_id == outcome["order_id"]]
            assert shown == [1], f"resume() answered {outcome}; Amazon shows {shown}"
        else:
            assert outcome["detail"], f"resume() did not say why it could not finish: {outcome}"
    if point in BEFORE_THE_PLAN:
        assert (sent_by_child, sent_by_resume, statuses) == (0, 0, []), outcomes  # nothing planned, nothing sent
    elif point in PLANNED_NOT_SENT:
        assert (sent_by_child, sent_by_resume) == (0, 1), "resume() must send a plan that never left, once"
        assert statuses == [workflow.done] * len(targets), outcomes
    else:
        assert (sent_by_child, sent_by_resume) == (1, 0), "resume() sent again what may have reached Amazon"
        expected = AFTER_CREATE_FEED[name] if point == "createFeed" else workflow.done
        assert statuses == [expected] * len(targets), outcomes
    # The seller asks again; Amazon's time passes (bounded) until Amazon shows it done: then exactly once.
    with sim.client(journal=_journal(sim, kind, location, prefix)) as seller:
        for _ in range(12):
            again = workflow.ask(seller, targets)
            assert all(workflow.applications(sim, target) <= 1 for target in targets)
            if all(o.status is workflow.done for o in again):
                break
            assert {o.status for o in again} <= {workflow.done, "UNCONFIRMED"}, again  # shown, or not yet
            sim.advance(1800)
    assert [o.status for o in again] == [workflow.done] * len(targets), again
    assert all(workflow.applications(sim, target) == 1 for target in targets)
    with sim.lock:
        feeds = [f for f in sim.world.feeds.values() if f.feed_type == workflow.feed_type]
    assert len(feeds) == 1, "sent more than once"
