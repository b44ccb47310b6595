"""Issue 19's "Done when": 200 buyer requests, messy delivery, two watchers, one killed -> each answered once.

The served simulator (real HTTP, real clock at 1000x Amazon's pace) holds the orders and delivers ``ORDER_CHANGE``
itself to the SQS queue (``moto_server``) through the seller's subscription, with ``DeliveryFaults``: each
notification 1-10 times, 10 % never, 20 % held back so later ones overtake them, every copy delayed up to 30 s.
It publishes what Amazon would: the buyer's request, and the status changes that follow (the shipments made
before any watcher looked, the watch's own cancels). Two ``sp-cancel watch`` processes share one SQLite journal;
the requests of the orders that ship wait in Amazon's outbox until the queue is connected, the others arrive
while the watchers run. One watcher is killed
(SIGKILL) once it has decided some; the other finishes, a sweep catches the requests whose notification was
dropped. Every wait is a bounded loop on a readiness line or on what the journal shows, never a fixed sleep
that a loaded machine could outrun.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sp_cancel import Credentials, SellerClient
from sp_cancel.clock import SystemClock
from sp_cancel.journal import Journal
from sp_cancel.testing import DeliveryFaults, Simulator
from sp_cancel.watch import DecisionKind, Watch, decisions

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 200
FAULTS = DeliveryFaults(duplicates=(1, 10), drop=0.1, reorder=0.2, delay=(0.0, 30.0), hold=120.0)
BUYER_REQUEST = "BuyerRequestedChange"
# Decisions about a buyer's request (the watch also notes each cancel it is told of, its own accepts' among them).
NOTED = frozenset({DecisionKind.CANCELLED, DecisionKind.SYSTEM_CANCELLED})
WAIT = 600.0  # a bound for each wait on a loaded machine; a healthy run needs a fraction of it


def _env(sim: Simulator, moto_url: str) -> dict[str, str]:
    creds = sim.credentials
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SP_API_", "LWA_"))}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
            "SP_API_ENDPOINT": sim.base_url,
            "SP_API_TOKEN_URL": sim.token_url,
            "SP_API_REFRESH_TOKEN": creds.refresh_token,
            "LWA_APP_ID": creds.client_id,
            "LWA_CLIENT_SECRET": creds.client_secret,
            "SP_API_SELLER_ID": sim.seller_id,
            "SP_API_MARKETPLACE": sim.marketplace_id,
            "SP_API_APPLICATION_ID": sim.application_id,
            "AWS_ENDPOINT_URL_SQS": moto_url,
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
    )
    return env


def _watcher(env: dict[str, str], queue_url: str, journal: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "sp_cancel.cli",
            "watch",
            "--queue-url",
            queue_url,
            "--journal",
            str(journal),
            "--visibility",
            "10",
            "--sweep-every",
            "3600",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert process.stderr is not None
    ready = process.stderr.readline()  # its readiness line (EOF if it died first)
    assert "watch ready" in ready, ready + process.stderr.read()
    return process


def _until(
    condition, what: str, watchers: tuple[subprocess.Popen[str], ...] = (), sim: Simulator | None = None
) -> None:
    """Wait (bounded) for ``condition``; a watcher that died meanwhile fails the test at once, with its stderr.

    With ``sim``, Amazon's delivery goes on meanwhile: the simulator sends what is due at each request it
    serves, and here at each round (a watcher waiting on an empty queue asks it nothing).
    """
    deadline = time.monotonic() + WAIT
    while not condition():
        if sim is not None:
            sim.deliver_notifications()
        for process in watchers:
            if process.poll() is not None:
                _, err = process.communicate(timeout=60)
                pytest.fail(f"a watcher exited ({process.returncode}) while waiting for {what}:\n{err}")
        if time.monotonic() > deadline:
            pytest.fail(f"not within {WAIT:.0f} s: {what}")
        time.sleep(0.2)


def _not_yet(_queue_arn: str, _body: str) -> None:
    """A sender that cannot send yet: the simulator keeps every copy in its outbox until SQS is connected."""
    raise ConnectionError("the queue is not connected yet")


def _all_sent(sim: Simulator) -> bool:
    """Whether every copy the simulator scheduled has reached the queue (its delays and holds are past)."""
    sim.deliver_notifications()
    return all(n.delivered == n.copies for n in sim.notifications())


def test_two_hundred_requests_are_each_answered_exactly_once(  # noqa: C901, PLR0915 - one scenario, told in order
    sqs, watch_queue, moto_server, tmp_path
):
    """One cancel per request, 0 duplicates, 0 shipped orders cancelled, dropped ones caught by the sweep."""
    rng = random.Random(19)  # noqa: S311 - a seeded test scenario, not cryptography
    sim = Simulator(seed=19, orders=0, clock=SystemClock(), scale=1000)
    journal_path = tmp_path / "shared.sqlite"
    arn = sqs.get_queue_attributes(QueueUrl=watch_queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sim.client().notifications.ensure(arn)  # the seller's ORDER_CHANGE subscription, as `notifications setup` makes it
    sim.connect_sqs(faults=FAULTS, sender=_not_yet)  # copies are drawn and wait in Amazon's outbox
    with sim.serve() as _:
        env = _env(sim, moto_server)
        first, second = _watcher(env, watch_queue, journal_path), _watcher(env, watch_queue, journal_path)
        try:
            orders = [sim.add_order(items=rng.randint(1, 3)) for _ in range(REQUESTS)]
            ids = [o.order_id for o in orders]
            shipped = set(rng.sample(ids, 20))  # shipped after the buyer asked, before any watcher looked
            for order_id in (i for i in ids if i in shipped):  # in a seeded order: the fates repeat
                sim.request_cancellation(order_id)
                item = sim.order(order_id).items[0]
                sim.ship(order_id, item.order_item_id, 1)
            sim.connect_sqs(moto_server, aws_access_key_id="testing", aws_secret_access_key="testing")
            for order_id in ids:  # the others ask while the watchers run
                if order_id not in shipped:
                    sim.request_cancellation(order_id)
            journal = Journal(journal_path)

            def decided() -> list:
                return [d for d in decisions(journal, sim.seller_id) if d.kind not in NOTED]

            _until(lambda: len(decided()) >= 40, "the watchers decided 40 requests", (first, second), sim)
            first.kill()  # mid-way: whatever it held is left planned under a dead process's lease
            first.communicate(timeout=60)  # reaped, its pipe closed
            _until(lambda: _all_sent(sim), "every notification on the queue", (second,), sim)
            requests = [n for n in sim.notifications() if n.change_type == BUYER_REQUEST]
            assert sorted(n.order_id for n in requests) == sorted(ids)  # one request notification per order
            dropped = {n.order_id for n in requests if n.dropped}
            assert dropped, "seed 19 drops some requests' notifications"
            assert max(n.copies for n in requests) > 1, "seed 19 sends some requests more than once"
            assert any(n.reordered for n in requests), "seed 19 holds some requests back"
            delivered = set(ids) - dropped
            _until(
                lambda: {d.order_id for d in decided()} >= delivered, "every delivered request decided", (second,), sim
            )

            client = SellerClient(
                credentials=Credentials(
                    refresh_token=sim.credentials.refresh_token,
                    client_id=sim.credentials.client_id,
                    client_secret=sim.credentials.client_secret,
                ),
                seller_id=sim.seller_id,
                marketplace=sim.marketplace_id,
                endpoint=sim.base_url,
                token_url=sim.token_url,
                journal=journal,
            )
            swept = Watch(client, journal=journal).sweep()
            assert {h.decision.order_id for h in swept if h.decision} == dropped

            second.send_signal(signal.SIGTERM)
            _, err = second.communicate(timeout=WAIT)
            assert second.returncode == 0, err
        finally:
            for process in (first, second):  # every pipe closed, a dead watcher's too
                if process.poll() is None:
                    process.kill()
                if process.stderr is not None and not process.stderr.closed:
                    process.communicate(timeout=60)

        made = decided()
        by_order: dict[str, list] = {}
        for decision in made:
            by_order.setdefault(decision.order_id, []).append(decision)
        assert set(by_order) == set(ids)
        assert all(len(found) == 1 for found in by_order.values()), "a request was decided twice"
        assert {o for o, [d] in by_order.items() if d.kind is DecisionKind.SHIPPED} == shipped
        assert {o for o, [d] in by_order.items() if d.kind is DecisionKind.ACCEPTED} == set(ids) - shipped
        assert {o for o, [d] in by_order.items() if d.source == "sweep"} == dropped
        for order_id in ids:
            assert len(journal.find("cancel", order_id)) == (0 if order_id in shipped else 1), order_id

        def applied(order_id: str) -> set[str]:
            return {c.source for c in sim.world.cancellations if c.order_id == order_id}

        _until(
            lambda: all(sim.cancelled_units(o) > 0 for o in set(ids) - shipped),  # each read lets Amazon catch up
            "Amazon applied every accept",
        )
        for order_id in ids:
            order = sim.order(order_id)
            if order_id in shipped:
                assert sim.cancelled_units(order_id) == 0
            else:
                assert sim.cancelled_units(order_id) == sum(i.quantity_ordered for i in order.items)
                assert len(applied(order_id)) == 1
        journal.close()
        client.close()
