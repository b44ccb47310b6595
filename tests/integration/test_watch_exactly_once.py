"""Issue 19's "Done when": 200 buyer requests, messy delivery, two watchers, one killed -> each answered once.

The served simulator (real HTTP, real clock at 1000x Amazon's pace) holds the orders; ``moto_server`` is the SQS
queue; two ``sp-cancel watch`` processes share one SQLite journal. Each notification is delivered 1-10 times,
10 % are never delivered, 20 % of the messages are moved later in the queue. One watcher is killed (SIGKILL)
once it has decided some; the other finishes, a sweep catches the dropped ones. Every wait is a bounded loop on
a readiness line or on what the journal shows, never a fixed sleep that a loaded machine could outrun.
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
from order_change import APPLICATION_ID, body, order_change

from sp_cancel import Credentials, SellerClient
from sp_cancel.clock import SystemClock
from sp_cancel.journal import Journal
from sp_cancel.testing import Simulator
from sp_cancel.watch import DecisionKind, Watch, decisions

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 200
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
            "SP_API_APPLICATION_ID": APPLICATION_ID,
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


def _until(condition, what: str, watchers: tuple[subprocess.Popen[str], ...] = ()) -> None:
    """Wait (bounded) for ``condition``; a watcher that died meanwhile fails the test at once, with its stderr."""
    deadline = time.monotonic() + WAIT
    while not condition():
        for process in watchers:
            if process.poll() is not None:
                _, err = process.communicate(timeout=60)
                pytest.fail(f"a watcher exited ({process.returncode}) while waiting for {what}:\n{err}")
        if time.monotonic() > deadline:
            pytest.fail(f"not within {WAIT:.0f} s: {what}")
        time.sleep(0.2)


def _deliveries(sim: Simulator, order_ids: list[str], rng: random.Random) -> tuple[list[str], set[str]]:
    """Every message body to send, in the order sent, and the orders whose notification was dropped."""
    dropped = set(rng.sample(order_ids, len(order_ids) // 10))
    messages: list[str] = []
    for order_id in order_ids:
        if order_id not in dropped:
            messages.extend([body(order_change(sim, order_id))] * rng.randint(1, 10))
    for _ in range(len(messages) // 5):  # 20 % of the messages arrive later than their place
        moved = messages.pop(rng.randrange(len(messages)))
        messages.insert(rng.randrange(len(messages) + 1), moved)
    return messages, dropped


def test_two_hundred_requests_are_each_answered_exactly_once(  # noqa: C901, PLR0915 - one scenario, told in order
    sqs, watch_queue, moto_server, tmp_path
):
    """One cancel per request, 0 duplicates, 0 shipped orders cancelled, dropped ones caught by the sweep."""
    rng = random.Random(19)  # noqa: S311 - a seeded test scenario, not cryptography
    sim = Simulator(seed=19, orders=0, clock=SystemClock(), scale=1000)
    journal_path = tmp_path / "shared.sqlite"
    with sim.serve() as _:
        env = _env(sim, moto_server)
        first, second = _watcher(env, watch_queue, journal_path), _watcher(env, watch_queue, journal_path)
        try:
            orders = [sim.add_order(buyer_requested_cancel=True, items=rng.randint(1, 3)) for _ in range(REQUESTS)]
            ids = [o.order_id for o in orders]
            shipped = set(rng.sample(ids, 20))  # shipped after the buyer asked, before any watcher looked
            for order_id in shipped:
                item = sim.order(order_id).items[0]
                sim.ship(order_id, item.order_item_id, 1)
            messages, dropped = _deliveries(sim, ids, rng)
            for start in range(0, len(messages), 10):
                entries = [{"Id": str(n), "MessageBody": m} for n, m in enumerate(messages[start : start + 10])]
                sqs.send_message_batch(QueueUrl=watch_queue, Entries=entries)

            journal = Journal(journal_path)

            def decided() -> list:
                return decisions(journal, sim.seller_id)

            _until(lambda: len(decided()) >= 40, "the watchers decided 40 requests", (first, second))
            first.kill()  # mid-way: whatever it held is left planned under a dead process's lease
            first.communicate(timeout=60)  # reaped, its pipe closed
            delivered = set(ids) - dropped
            _until(lambda: {d.order_id for d in decided()} >= delivered, "every delivered request decided", (second,))

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
