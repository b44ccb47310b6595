"""Refunds through every step of the feed lifecycle under every fault: never applied twice, never lost."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import sp_cancel._refunds.refund as refund_flow
from sp_cancel._refunds.outcomes import RefundOutcome, RefundStatus
from sp_cancel.clock import FakeClock, SystemClock
from sp_cancel.errors import FeedTimeoutError, SpCancelError
from sp_cancel.models import AdjustmentReason, Money
from sp_cancel.testing import Lags, Simulator

REASON = AdjustmentReason.GENERAL_ADJUSTMENT
API_STEPS = ("feeds.createFeedDocument", "feeds.createFeed", "feeds.getFeed", "feeds.getFeedDocument")
API_FAULTS: tuple[tuple[str, float | None], ...] = (
    ("500", None),
    ("503", None),
    ("html_504", None),
    ("empty_200", None),
    ("drop", None),
    ("timeout_after_commit", None),
    ("delay", 5.0),
    ("delay", 120.0),  # longer than the client's read timeout
)
DOCUMENT_FAULTS = ("500", "503", "drop", "timeout_after_commit")


class DocumentFaults(httpx.BaseTransport):
    """S3 faults for the presigned document URLs (the simulator's fault rules cannot name them).

    ``timeout_after_commit`` and ``500`` let S3 store the upload first; ``503`` and ``drop`` do not.
    """

    def __init__(self, inner: httpx.BaseTransport, method: str, fault: str) -> None:
        self.inner, self.method, self.fault, self.fired = inner, method, fault, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Forward and record."""
        hit = request.method == self.method and request.url.path.startswith("/_sim/documents/") and not self.fired
        if not hit:
            return self.inner.handle_request(request)
        self.fired += 1
        if self.fault == "503":
            return httpx.Response(503, content=b"<Error><Code>SlowDown</Code></Error>", request=request)
        if self.fault == "drop":
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        response = self.inner.handle_request(request)
        if self.fault == "500":
            return httpx.Response(500, content=b"<Error><Code>InternalError</Code></Error>", request=request)
        response.read()
        raise httpx.ReadTimeout("simulated: no answer before the read timeout", request=request)


class Seller:
    """Refund calls through the client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def refund(self, order_id: str, amount: str, **kwargs: Any) -> RefundOutcome:
        """Call partial_refund."""
        money = Money(amount=amount, currency="USD")
        return self.client.partial_refund(order_id, money, reason=REASON, **kwargs)  # type: ignore[no-any-return]

    def resume(self) -> list[Any]:
        """Resume the journal."""
        return list(self.client.resume())


def ledger(sim: Simulator, order_id: str) -> list[Any]:
    """What Amazon applied to the order."""
    with sim.lock:
        return [r for r in sim.world.refunds if r.order_id == order_id]


def drive(sim: Simulator, seller: Seller, order_id: str) -> tuple[RefundOutcome | None, list[BaseException]]:
    """Ask for the same refund until Amazon gives a verdict, as a careful caller would after errors."""
    outcome: RefundOutcome | None = None
    errors: list[BaseException] = []
    for _ in range(6):
        try:
            outcome = seller.refund(order_id, "5.00", timeout=900)
        except FeedTimeoutError as exc:  # a feed that never finishes: stop, it stays pending
            errors.append(exc)
            break
        except SpCancelError as exc:
            errors.append(exc)
            continue
        if outcome.status not in {RefundStatus.SUBMITTED, RefundStatus.UNCONFIRMED, RefundStatus.NOT_SENT}:
            break
        # A FATAL feed settles from Finances; an unconfirmed send (a lost createFeed answer) is proven by a
        # candidate feed or Finances, or becomes NOT_SENT (and the next call sends it) past the 48 h horizon.
        sim.advance(timedelta(hours=25).total_seconds())
    return outcome, errors


def check_once_and_not_lost(sim: Simulator, seller: Seller, order_id: str, outcome: RefundOutcome | None) -> None:
    """Applied at most once; an applied refund is reported APPLIED; an unapplied one is pending or REJECTED.

    Every attempt but the newest ended ``failed`` (not sent: Amazon showed no sign of it).
    """
    applied = ledger(sim, order_id)
    assert len(applied) <= 1, applied
    journal = seller.client.journal
    entry, *earlier = journal.find(refund_flow.KIND, order_id)  # newest first
    assert all(e.state == "failed" for e in earlier), earlier
    if applied:
        assert outcome is not None
        assert outcome.status is RefundStatus.APPLIED
        # Proven by its feed's report, or (no feed id claimed) by Finances after a lost createFeed answer.
        assert outcome.feed_id in {applied[0].feed_id, None}
        assert entry.feed_id in {applied[0].feed_id, None}
    elif outcome is None or outcome.status is RefundStatus.SUBMITTED:
        assert entry.feed_id is not None  # pending, with its feed id for wait()
    else:
        assert outcome.status is RefundStatus.REJECTED


def _order(sim: Simulator) -> str:
    return sim.add_order(status="Shipped", items=[{"price": "20.00"}]).order_id


@pytest.mark.parametrize("step", API_STEPS)
@pytest.mark.parametrize(("fault", "seconds"), API_FAULTS, ids=[f"{f}{s or ''}" for f, s in API_FAULTS])
def test_api_faults_at_every_step(step: str, fault: str, seconds: float | None) -> None:
    """Each simulator fault at each Feeds API step: the refund ends applied exactly once."""
    sim = Simulator(seed=21, orders=16)
    order_id = _order(sim)
    sim.add_fault(step, fault, seconds=seconds, count=2)
    seller = Seller(sim.client())
    outcome, _ = drive(sim, seller, order_id)
    check_once_and_not_lost(sim, seller, order_id, outcome)
    assert len(ledger(sim, order_id)) == 1


@pytest.mark.parametrize("method", ["PUT", "GET"], ids=["upload", "download"])
@pytest.mark.parametrize("fault", DOCUMENT_FAULTS)
def test_document_faults_at_upload_and_download(method: str, fault: str) -> None:
    """S3 faults on the upload and on the report download: still applied exactly once."""
    sim = Simulator(seed=22, orders=16)
    order_id = _order(sim)
    seller = Seller(sim.client(transport=DocumentFaults(sim.transport(), method, fault)))
    outcome, _ = drive(sim, seller, order_id)
    check_once_and_not_lost(sim, seller, order_id, outcome)
    assert len(ledger(sim, order_id)) == 1


@pytest.mark.parametrize("fault", ["feed_stuck", "feed_fatal"])
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_stuck_and_fatal_feeds_are_never_resent(fault: str, seed: int) -> None:
    """A stuck feed stays pending with its id; a FATAL one settles from Finances; neither is sent again blind.

    A FATAL feed that applied nothing is sent again only once the 48 h horizon passed with nothing posted
    (NOT_SENT): the refund is applied once in the end, whatever the FATAL feed did.
    """
    sim = Simulator(seed=seed, orders=16)
    order_id = _order(sim)
    sim.add_fault("feeds.createFeed", fault)
    seller = Seller(sim.client())
    outcome, errors = drive(sim, seller, order_id)
    check_once_and_not_lost(sim, seller, order_id, outcome)
    adjustment_feeds = sorted(
        (f for f in sim.world.feeds.values() if f.feed_type == "POST_PAYMENT_ADJUSTMENT_DATA"),
        key=lambda f: f.created_at,
    )
    first, *later = adjustment_feeds
    assert len(later) <= 1
    for feed in later:  # sent again: the FATAL feed applied nothing, and only after the horizon
        assert fault == "feed_fatal"
        assert all(r.feed_id != first.feed_id for r in ledger(sim, order_id))
        assert feed.created_at - first.created_at >= timedelta(hours=48)
    if fault == "feed_fatal":
        assert len(ledger(sim, order_id)) == 1
    if fault == "feed_stuck":
        assert isinstance(errors[-1], FeedTimeoutError)
        assert ledger(sim, order_id) == []


def test_faults_everywhere_at_random() -> None:
    """Ten refunds with a 30 % fault rate on every operation: each applied exactly once."""
    sim = Simulator(seed=23, orders=16)
    orders = [_order(sim) for _ in range(10)]
    for kind in ("503", "500", "drop", "timeout_after_commit", "html_504"):
        sim.add_fault("*", kind, probability=0.06, count=None)
    seller = Seller(sim.client())
    for order_id in orders:
        outcome, _ = drive(sim, seller, order_id)
        check_once_and_not_lost(sim, seller, order_id, outcome)
    assert sum(len(ledger(sim, o)) for o in orders) == 10


# --- a process killed between steps ----------------------------------------------------------------

CHILD = r"""
import json, os, sys, time
import httpx
from sp_cancel.client import Credentials, SellerClient
from sp_cancel.models import AdjustmentReason, Money

cfg = json.loads(sys.argv[1])

class KillAfter(httpx.HTTPTransport):
    def handle_request(self, request):
        response = super().handle_request(request)
        if request.method == cfg["method"] and cfg["path"] in request.url.path:
            response.read()
            if cfg.get("when_done") is None or b'"DONE"' in response.content:
                os._exit(17)
        return response

client = SellerClient(
    credentials=Credentials(**cfg["credentials"]), seller_id=cfg["seller_id"], marketplace=cfg["marketplace"],
    endpoint=cfg["base_url"], token_url=cfg["base_url"] + "/auth/o2/token", journal=cfg["journal"],
    transport=KillAfter(), sleep=lambda s: time.sleep(min(s, 0.02)),
)
money = Money(amount="5.00", currency="USD")
client.partial_refund(cfg["order_id"], money, reason=AdjustmentReason.GENERAL_ADJUSTMENT)
sys.exit(0)
"""

KILL_POINTS = {
    "after-createFeedDocument": ("POST", "/feeds/2021-06-30/documents", None),
    "after-upload": ("PUT", "/_sim/documents/", None),
    "after-createFeed": ("POST", "/feeds/2021-06-30/feeds", None),
    "after-getFeed-DONE": ("GET", "/feeds/2021-06-30/feeds/", True),
    "after-getFeedDocument": ("GET", "/feeds/2021-06-30/documents/", None),
    "after-download": ("GET", "/_sim/documents/", None),
}


@pytest.mark.slow
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_killed_process_is_resumed_without_a_second_refund(point: str, tmp_path: Path) -> None:
    """A child process dies right after a step; the parent resumes from the shared journal: applied once."""
    method, path, when_done = KILL_POINTS[point]
    # Finances posts at once here: a refund whose createFeed answer died with its process is proven by
    # Finances showing it (a success report names no order), and this test is about never paying twice.
    sim = Simulator(seed=31, orders=16, scale=1000, clock=SystemClock(), lags=Lags(refund_posting=0))
    order_id = _order(sim)
    journal = tmp_path / "journal.sqlite3"
    with sim.serve() as base_url:
        creds = sim.credentials
        cfg = {
            "method": method,
            "path": path,
            "when_done": when_done,
            "credentials": {
                "refresh_token": creds.refresh_token,
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
            },
            "seller_id": sim.seller_id,
            "marketplace": sim.marketplace_id,
            "base_url": base_url,
            "journal": str(journal),
            "order_id": order_id,
        }
        child = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", CHILD, json.dumps(cfg)], capture_output=True, timeout=120, check=False
        )
        assert child.returncode == 17, child.stderr.decode()[-2000:]
        # The parent starts later (an hour), as a restarted worker would: a send that never reached Amazon
        # is then known to be abandoned.
        clock = FakeClock(start=SystemClock().now() + timedelta(hours=1))

        def sleep(seconds: float) -> None:
            clock.advance(seconds)
            time.sleep(min(seconds / 1000, 0.05))  # the simulator runs 1000 times faster than Amazon: so do we

        parent = Seller(sim.client(transport=httpx.HTTPTransport(), journal=str(journal), clock=clock, sleep=sleep))
        refunds = [o for o in parent.resume() if isinstance(o, RefundOutcome)]
        # Killed before createFeed (nothing reached Amazon): resume checks the plan again and sends it, once.
        # Killed after it: the refund may be at Amazon, so resume never sends it again; it is APPLIED once Amazon
        # shows it (its feed's report, or Finances), UNCONFIRMED until then.
        [status] = [o.status for o in refunds]
        if point == "after-createFeed":
            assert status in {RefundStatus.APPLIED, RefundStatus.UNCONFIRMED}
        else:
            assert status is RefundStatus.APPLIED
        assert len(ledger(sim, order_id)) <= 1
        # Asking again (same derived key) follows the journal, never sends again: Amazon shows it applied, once.
        deadline = time.monotonic() + 60
        while (again := parent.refund(order_id, "5.00")).status is not RefundStatus.APPLIED:
            assert again.status is RefundStatus.UNCONFIRMED
            assert time.monotonic() < deadline, again
            sleep(60)  # a minute of the simulator's (Amazon's) time
        applied = ledger(sim, order_id)
        assert len(applied) == 1, applied
        assert again.feed_id in {applied[0].feed_id, None}  # None: proven by Finances, no feed id claimed
        adjustment_feeds = [f for f in sim.world.feeds.values() if f.feed_type == "POST_PAYMENT_ADJUSTMENT_DATA"]
        assert len(adjustment_feeds) == 1  # sent once, by the child or by resume(), never both
