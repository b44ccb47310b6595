"""Telling the buyer why: sent once Amazon confirmed the cancel, at most once per order and cancel, never blind."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import fakeredis
import httpx
import pytest
import redis

from sp_cancel import (
    BuyerMessageStatus,
    CancelReason,
    CancelRequest,
    CancelStatus,
    InvalidInputError,
    Journal,
    JournalUnavailableError,
    RedisJournal,
    ServerError,
)
from sp_cancel._cancellation.notify import SENDING_GRACE
from sp_cancel.journal._owner import start_id
from sp_cancel.testing import Simulator

TEXT = "We are sorry: the last unit was damaged in our warehouse, so we cancelled your order. You are not charged."
SEND = "messaging.createUnexpectedProblem"
ASK = "messaging.getMessagingActionsForOrder"


@pytest.fixture
def sim() -> Simulator:
    """An empty simulated seller (orders are added per test)."""
    return Simulator(seed=12, orders=0)


def _messaging_calls(sim: Simulator) -> tuple[int, int]:
    counts = sim.request_counts
    return counts.get(ASK, 0), counts.get(SEND, 0)


def test_sent_once_after_a_confirmed_cancel(sim: Simulator) -> None:
    """The cancel is confirmed, then one createUnexpectedProblem; asking again never sends a second message."""
    order = sim.add_order()
    client = sim.client()
    outcome = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, notify_buyer=f"  {TEXT}\n")
    assert outcome.status is CancelStatus.CANCELLED
    message = outcome.buyer_message
    assert message is not None
    assert message.status is BuyerMessageStatus.SENT
    assert message.sent
    assert message.text == TEXT
    assert message.submission_id is not None
    assert [m.text for m in sim.buyer_messages(order.order_id)] == [TEXT]
    assert _messaging_calls(sim) == (1, 1)
    again = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, notify_buyer=TEXT)
    assert again.buyer_message == message
    other_text = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, notify_buyer="Another text.")
    assert other_text.buyer_message == message  # one message per order and cancel: the first text stands
    assert client.notify_buyer(order.order_id, "Yet another text.") == message
    assert len(sim.buyer_messages(order.order_id)) == 1
    assert _messaging_calls(sim) == (1, 1)


def test_without_notify_buyer_nothing_is_asked(sim: Simulator) -> None:
    """A cancel without a text has no buyer message and makes no Messaging call."""
    order = sim.add_order()
    outcome = sim.client().cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert outcome.buyer_message is None
    assert _messaging_calls(sim) == (0, 0)


def test_pending_until_the_cancel_is_confirmed_then_sent_by_refresh(sim: Simulator) -> None:
    """wait=False: PENDING with nothing asked of the Messaging API; refresh sends it once Amazon confirms."""
    order = sim.add_order()
    client = sim.client()
    outcome = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, wait=False, notify_buyer=TEXT)
    assert outcome.status is CancelStatus.SUBMITTED
    assert outcome.buyer_message is not None
    assert outcome.buyer_message.status is BuyerMessageStatus.PENDING
    assert "waiting for Amazon to confirm the cancel" in (outcome.buyer_message.detail or "")
    assert client.refresh(outcome).buyer_message.status is BuyerMessageStatus.PENDING  # still processing
    assert _messaging_calls(sim) == (0, 0)
    sim.advance(600)
    done = client.refresh(outcome)
    assert done.status is CancelStatus.CANCELLED
    assert done.buyer_message is not None
    assert done.buyer_message.status is BuyerMessageStatus.SENT
    assert client.wait(outcome).buyer_message == done.buyer_message
    assert len(sim.buyer_messages(order.order_id)) == 1


def test_pending_message_is_sent_by_resume_in_another_process(sim: Simulator, tmp_path: Path) -> None:
    """A process returns SUBMITTED and exits; a later one's resume() finishes the cancel and sends the message once."""
    order = sim.add_order()
    path = tmp_path / "journal.sqlite"
    first = sim.client(journal=str(path))
    assert first.cancel_order(order.order_id, "NO_INVENTORY", wait=False, notify_buyer=TEXT).buyer_message is not None
    first.close()
    sim.advance(600)
    later = sim.client(journal=str(path))
    [resumed] = later.resume()
    assert resumed.order_id == order.order_id
    assert resumed.status is CancelStatus.CANCELLED
    assert resumed.buyer_message is not None
    assert resumed.buyer_message.status is BuyerMessageStatus.SENT
    assert later.resume() == []
    assert len(sim.buyer_messages(order.order_id)) == 1


def test_a_message_amazon_could_not_be_asked_about_waits_for_resume(sim: Simulator) -> None:
    """The actions call failing past the retry budget leaves the message PENDING; resume() sends it."""
    order = sim.add_order()
    sim.add_fault(ASK, "503", count=6)
    client = sim.client()
    outcome = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, notify_buyer=TEXT)
    assert outcome.status is CancelStatus.CANCELLED
    assert outcome.buyer_message is not None
    assert outcome.buyer_message.status is BuyerMessageStatus.PENDING
    assert "could not be asked now" in (outcome.buyer_message.detail or "")
    assert sim.buyer_messages(order.order_id) == []
    [resumed] = client.resume()
    assert resumed.status is CancelStatus.CANCELLED
    assert resumed.buyer_message is not None
    assert resumed.buyer_message.status is BuyerMessageStatus.SENT
    assert len(sim.buyer_messages(order.order_id)) == 1


@pytest.mark.parametrize("how", ["closed", "window", "afn"])
def test_skipped_with_a_reason_when_amazon_offers_no_such_message(sim: Simulator, how: str) -> None:
    """No unexpectedProblem among the order's actions: SKIPPED with the reason, nothing sent, the cancel done."""
    order = sim.add_order()
    client = sim.client()
    if how == "closed":
        sim.close_messaging(order.order_id)
        outcome = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, notify_buyer=TEXT)
    elif how == "window":  # the cancel is confirmed after the order's messaging window closed
        pending = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, wait=False, notify_buyer=TEXT)
        sim.advance(31 * 86400)
        outcome = client.refresh(pending)
    else:  # an Amazon-fulfilled order cancelled outside the library (Seller Support): notify_buyer alone
        afn = sim.add_order(channel="AFN", status="Canceled")
        message = client.notify_buyer(afn.order_id, TEXT)
        assert message.status is BuyerMessageStatus.SKIPPED
        assert "offers no unexpectedProblem message" in (message.detail or "")
        assert _messaging_calls(sim) == (1, 0)
        return
    assert outcome.status is CancelStatus.CANCELLED
    assert outcome.buyer_message is not None
    assert outcome.buyer_message.status is BuyerMessageStatus.SKIPPED
    assert "offers no unexpectedProblem message" in (outcome.buyer_message.detail or "")
    assert _messaging_calls(sim) == (1, 0)
    assert client.refresh(outcome).buyer_message == outcome.buyer_message
    assert _messaging_calls(sim) == (1, 0)


def test_never_for_a_rejected_cancel(sim: Simulator) -> None:
    """A cancel Amazon did not make (the feed applied nothing): the pending message is SKIPPED, no Messaging call."""
    order = sim.add_order()
    sim.add_fault("feeds.createFeed", "report_nothing_processed")
    client = sim.client()
    outcome = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, notify_buyer=TEXT)
    assert outcome.status is CancelStatus.REJECTED
    assert outcome.buyer_message is not None
    assert outcome.buyer_message.status is BuyerMessageStatus.SKIPPED
    assert "the cancel was not done (REJECTED)" in (outcome.buyer_message.detail or "")
    assert client.resume() == []
    assert _messaging_calls(sim) == (0, 0)


def test_never_for_a_cancel_refused_before_sending(sim: Simulator) -> None:
    """A shipped order in a batch is refused before sending; its buyer hears nothing, the other's buyer does."""
    shipped = sim.add_order(status="Shipped")
    open_one = sim.add_order()
    batch = sim.client().cancel_orders(
        [CancelRequest(order_id=o.order_id, reason="NO_INVENTORY") for o in (shipped, open_one)], notify_buyer=TEXT
    )
    refused, done = batch[shipped.order_id], batch[open_one.order_id]
    assert refused.status is CancelStatus.REFUSED
    assert refused.buyer_message is not None
    assert refused.buyer_message.status is BuyerMessageStatus.SKIPPED
    assert done.buyer_message is not None
    assert done.buyer_message.status is BuyerMessageStatus.SENT
    assert [m.order_id for m in sim.buyer_messages()] == [open_one.order_id]


@pytest.mark.parametrize("fault", ["500_after_commit", "503_after_commit", "drop_after_commit", "timeout_after_commit"])
def test_a_lost_answer_is_never_resent(sim: Simulator, fault: str) -> None:
    """Amazon delivered it and the answer was lost: UNCONFIRMED, and no later call sends it again."""
    order = sim.add_order()
    sim.add_fault(SEND, fault)
    client = sim.client()
    outcome = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, notify_buyer=TEXT)
    assert outcome.status is CancelStatus.CANCELLED
    message = outcome.buyer_message
    assert message is not None
    assert message.status is BuyerMessageStatus.UNCONFIRMED
    assert "never sent again" in (message.detail or "")
    assert len(sim.buyer_messages(order.order_id)) == 1
    assert client.refresh(outcome).buyer_message == message
    assert client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, notify_buyer=TEXT).buyer_message == message
    assert client.notify_buyer(order.order_id, TEXT) == message
    assert client.resume() == []
    assert sim.request_counts[SEND] == 1
    assert len(sim.buyer_messages(order.order_id)) == 1


def test_a_5xx_that_delivered_nothing_is_still_not_resent(sim: Simulator) -> None:
    """A 500 may or may not have delivered it: the library cannot tell, so it is UNCONFIRMED and never resent."""
    order = sim.add_order()
    sim.add_fault(SEND, "500")
    client = sim.client()
    outcome = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, notify_buyer=TEXT)
    assert outcome.buyer_message is not None
    assert outcome.buyer_message.status is BuyerMessageStatus.UNCONFIRMED
    client.resume()
    client.refresh(outcome)
    assert sim.request_counts[SEND] == 1
    assert sim.buyer_messages(order.order_id) == []


class _Crash(BaseException):
    """The process dies (a kill, a power cut) while createUnexpectedProblem is on its way."""


def test_a_crash_after_sending_began_is_unconfirmed_not_resent(sim: Simulator, tmp_path: Path) -> None:
    """The process dies while the message is on its way: the next process reports UNCONFIRMED and sends nothing."""
    order = sim.add_order()
    inner = sim.transport()

    def crash_on_send(request: httpx.Request) -> httpx.Response:
        response = inner.handle_request(request)  # Amazon gets it and delivers it...
        if request.url.path.endswith("/messages/unexpectedProblem"):
            raise _Crash  # ...and the process dies before it reads the answer
        return response

    path = tmp_path / "journal.sqlite"
    dying = sim.client(journal=str(path), transport=httpx.MockTransport(crash_on_send))
    with pytest.raises(_Crash):
        dying.cancel_order(order.order_id, CancelReason.NO_INVENTORY, notify_buyer=TEXT)
    later = sim.client(journal=str(path))
    [resumed] = later.resume()
    assert resumed.status is CancelStatus.CANCELLED
    assert resumed.buyer_message is not None
    assert resumed.buyer_message.status is BuyerMessageStatus.UNCONFIRMED
    assert sim.request_counts[SEND] == 1
    assert len(sim.buyer_messages(order.order_id)) == 1


def _token(pid: int) -> tuple[int, str]:
    """A lease token naming process ``pid`` of this host, as that process would have written it."""
    return pid, f"{socket.gethostname()}:{pid}:{start_id(pid)}:{uuid.uuid4().hex}"


@pytest.mark.parametrize("sender", ["alive", "dead"])
def test_a_send_another_process_began_waits_for_it_unless_it_died(sim: Simulator, tmp_path: Path, sender: str) -> None:
    """Another live process may still get the answer: PENDING until SENDING_GRACE; a dead one's is UNCONFIRMED."""
    order = sim.add_order()
    inner = sim.transport()

    def crash_on_send(request: httpx.Request) -> httpx.Response:
        response = inner.handle_request(request)
        if request.url.path.endswith("/messages/unexpectedProblem"):
            raise _Crash
        return response

    path = tmp_path / "journal.sqlite"
    with pytest.raises(_Crash):
        sim.client(journal=str(path), transport=httpx.MockTransport(crash_on_send)).cancel_order(
            order.order_id, CancelReason.NO_INVENTORY, notify_buyer=TEXT
        )
    pid, token = _token(os.getppid()) if sender == "alive" else _ended_token()
    with sqlite3.connect(path) as db:  # the sending worker is another process
        db.execute("UPDATE entries SET owner = ? WHERE kind = 'buyer_message'", (token,))
    later = sim.client(journal=str(path))
    [first] = later.resume()
    assert first.buyer_message is not None
    if sender == "alive":
        assert first.buyer_message.status is BuyerMessageStatus.PENDING
        assert f"being sent by pid {pid}" in (first.buyer_message.detail or "")
        sim.advance(SENDING_GRACE.total_seconds())
        [first] = later.resume()
        assert first.buyer_message is not None
    assert first.buyer_message.status is BuyerMessageStatus.UNCONFIRMED
    assert later.resume() == []
    assert sim.request_counts[SEND] == 1


def _ended_token() -> tuple[int, str]:
    """The token of a process that has ended (its start id read while it still existed, so a reused pid differs)."""
    process = subprocess.Popen(["sleep", "0.2"])  # noqa: S607 - any short-lived process
    found = _token(process.pid)
    process.wait()
    return found


def test_a_refusal_is_failed_and_asking_again_sends_it(sim: Simulator) -> None:
    """Amazon refuses the message (400): FAILED, nothing delivered; notify_buyer sends a new attempt once."""
    order = sim.add_order()
    sim.add_fault(SEND, "400")
    client = sim.client()
    outcome = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, notify_buyer=TEXT)
    assert outcome.buyer_message is not None
    assert outcome.buyer_message.status is BuyerMessageStatus.FAILED
    assert "Amazon refused it" in (outcome.buyer_message.detail or "")
    assert sim.buyer_messages(order.order_id) == []
    again = client.notify_buyer(order.order_id, TEXT)
    assert again.status is BuyerMessageStatus.SENT
    assert again.submission_id != outcome.buyer_message.submission_id
    assert client.notify_buyer(order.order_id, TEXT) == again
    assert client.refresh(outcome).buyer_message == again
    assert len(sim.buyer_messages(order.order_id)) == 1


def test_batch_with_per_order_texts(sim: Simulator) -> None:
    """A function gives each order its text (None: no message); each buyer gets their own, once."""
    orders = [sim.add_order() for _ in range(4)]
    quiet = orders[2].order_id

    def text_for(request: CancelRequest) -> str | None:
        return None if request.order_id == quiet else f"Sorry, order {request.order_id} is cancelled: out of stock."

    client = sim.client()
    requests = [CancelRequest(order_id=o.order_id, reason="NO_INVENTORY") for o in orders]
    batch = client.cancel_orders(requests, notify_buyer=text_for)
    assert all(o.status is CancelStatus.CANCELLED for o in batch.values())
    assert batch[quiet].buyer_message is None
    for order in orders:
        expected = (
            [] if order.order_id == quiet else [text_for(CancelRequest(order_id=order.order_id, reason="NO_INVENTORY"))]
        )
        assert [m.text for m in sim.buyer_messages(order.order_id)] == expected
        if order.order_id != quiet:
            message = batch[order.order_id].buyer_message
            assert message is not None
            assert message.status is BuyerMessageStatus.SENT
    again = client.cancel_orders(requests, notify_buyer=text_for)
    assert {k: v.buyer_message for k, v in again.items()} == {k: v.buyer_message for k, v in batch.items()}
    assert len(sim.buyer_messages()) == 3


def test_batch_one_text_for_all_waits_then_resume_sends(sim: Simulator) -> None:
    """wait=False: every message PENDING; resume() finishes the cancels and sends each message once."""
    orders = [sim.add_order() for _ in range(3)]
    client = sim.client()
    batch = client.cancel_orders(
        [CancelRequest(order_id=o.order_id, reason="NO_INVENTORY") for o in orders], wait=False, notify_buyer=TEXT
    )
    assert {o.buyer_message.status for o in batch.values() if o.buyer_message} == {BuyerMessageStatus.PENDING}
    sim.advance(600)
    resumed = client.resume()
    assert sorted(o.order_id for o in resumed) == sorted(o.order_id for o in orders)
    assert all(o.buyer_message is not None and o.buyer_message.sent for o in resumed)
    assert len(sim.buyer_messages()) == 3


@pytest.mark.parametrize(
    "call",
    [
        lambda c, o: c.cancel_order(o, CancelReason.NO_INVENTORY, notify_buyer="<p>Sorry</p>"),
        lambda c, o: c.cancel_order(o, CancelReason.NO_INVENTORY, via="orders_api", notify_buyer="x" * 2001),
        lambda c, o: c.cancel_orders([CancelRequest(order_id=o, reason="NO_INVENTORY")], notify_buyer="mail a@b.io"),
        lambda c, o: c.cancel_orders(
            [CancelRequest(order_id=o, reason="NO_INVENTORY")], notify_buyer=lambda _: "see www.shop.example"
        ),
        lambda c, o: c.cancel_orders([CancelRequest(order_id=o, reason="NO_INVENTORY")], notify_buyer=42),
        lambda c, o: c.notify_buyer(o, "   "),
    ],
    ids=["html", "too-long-orders-api", "email", "link-per-order", "not-a-text", "blank-standalone"],
)
def test_a_bad_text_raises_before_any_request(sim: Simulator, call: Any) -> None:
    """InvalidInputError, and not one request: neither the message nor the cancel (nor a token) is sent."""
    order = sim.add_order()
    client = sim.client()
    with pytest.raises(InvalidInputError, match=r"notify_buyer|text"):
        call(client, order.order_id)
    assert sim.request_counts == {}
    assert sim.order(order.order_id).status == "Unshipped"


def test_notify_buyer_for_an_order_cancelled_elsewhere_once(sim: Simulator) -> None:
    """An order cancelled in Seller Central gets one message; an open order has no cancel to explain."""
    cancelled = sim.add_order(status="Canceled", cancelled_by="MERCHANT", cancel_reason="NoInventory")
    open_one = sim.add_order()
    client = sim.client()
    first = client.notify_buyer(cancelled.order_id, TEXT)
    assert first.status is BuyerMessageStatus.SENT
    assert client.notify_buyer(cancelled.order_id, "A second explanation.") == first
    assert [m.text for m in sim.buyer_messages(cancelled.order_id)] == [TEXT]
    refused = client.notify_buyer(open_one.order_id, TEXT)
    assert refused.status is BuyerMessageStatus.SKIPPED
    assert "no cancel to explain" in (refused.detail or "")
    assert sim.buyer_messages(open_one.order_id) == []


def test_notify_buyer_for_a_cancel_in_flight_waits_for_it(sim: Simulator) -> None:
    """notify_buyer for a cancel Amazon has not confirmed yet journals it PENDING; the cancel's refresh sends it."""
    order = sim.add_order()
    client = sim.client()
    pending = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, wait=False)
    message = client.notify_buyer(order.order_id, TEXT)
    assert message.status is BuyerMessageStatus.PENDING
    assert _messaging_calls(sim) == (0, 0)
    sim.advance(600)
    done = client.refresh(pending)
    assert done.buyer_message is not None
    assert done.buyer_message.status is BuyerMessageStatus.SENT
    assert done.buyer_message.submission_id == message.submission_id
    assert len(sim.buyer_messages(order.order_id)) == 1


def test_the_journal_keeps_one_buyer_message_entry_per_cancel(sim: Simulator, tmp_path: Path) -> None:
    """The message has its own journal kind, keyed by seller, order and cancel, written before it is sent."""
    order = sim.add_order()
    path = tmp_path / "journal.sqlite"
    client = sim.client(journal=str(path))
    outcome = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, notify_buyer=TEXT)
    client.close()
    with Journal(str(path)) as journal:
        [entry] = journal.find("buyer_message", order.order_id)
        assert entry.state == "done"
        assert entry.payload["cancel_key"] == outcome.submission_id
        assert entry.payload["text"] == TEXT
        assert entry.submitted_at is not None  # sending was journaled before the call
        assert entry.outcome is not None
        assert entry.outcome["status"] == "SENT"


@pytest.mark.parametrize(("via", "path"), [("feed", "/feeds/2021-06-30/feeds"), ("orders_api", "/cancellation")])
def test_journaled_before_the_cancel_goes_out_so_a_crash_cannot_lose_it(
    sim: Simulator, tmp_path: Path, via: str, path: str
) -> None:
    """The process dies as the cancel reaches Amazon; the next process's resume() settles it and tells the buyer."""
    order = sim.add_order()
    inner = sim.transport()

    def crash_on_cancel(request: httpx.Request) -> httpx.Response:
        response = inner.handle_request(request)
        if request.method in {"POST", "PUT"} and request.url.path.endswith(path):
            raise _Crash  # Amazon has the cancel; the process never learns it
        return response

    journal = str(tmp_path / "journal.sqlite")
    dying = sim.client(journal=journal, transport=httpx.MockTransport(crash_on_cancel))
    with pytest.raises(_Crash):
        dying.cancel_order(order.order_id, CancelReason.NO_INVENTORY, via=via, notify_buyer=TEXT)  # type: ignore[arg-type]
    sim.advance(600)
    later = sim.client(journal=journal)
    [resumed] = later.resume()
    assert resumed.status is CancelStatus.CANCELLED
    assert resumed.buyer_message is not None
    assert resumed.buyer_message.status is BuyerMessageStatus.SENT
    assert [m.text for m in sim.buyer_messages(order.order_id)] == [TEXT]


def test_workers_racing_for_one_pending_message_send_it_once(sim: Simulator, tmp_path: Path) -> None:
    """Four clients sharing a journal refresh the same confirmed cancel at once: one message reaches the buyer."""
    order = sim.add_order()
    journal = str(tmp_path / "journal.sqlite")
    pending = sim.client(journal=journal).cancel_order(order.order_id, "NO_INVENTORY", wait=False, notify_buyer=TEXT)
    sim.advance(600)
    clients = [sim.client(journal=journal) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: c.refresh(pending), clients))
    assert {r.status for r in results} == {CancelStatus.CANCELLED}
    assert [r.buyer_message.status if r.buyer_message else None for r in results] == [BuyerMessageStatus.SENT] * 4
    assert sim.request_counts[SEND] == 1
    assert len(sim.buyer_messages(order.order_id)) == 1


@pytest.fixture(params=["fakeredis", pytest.param("redis", marks=pytest.mark.redis)])
def redis_journal(request: pytest.FixtureRequest, sim: Simulator) -> Iterator[RedisJournal]:
    """A Redis journal on the simulator's clock: fakeredis, or the real server at REDIS_URL (keys removed after)."""
    prefix = f"sp_cancel:test:{uuid.uuid4().hex}:"
    if request.param == "fakeredis":
        with RedisJournal(client=fakeredis.FakeRedis(), clock=sim.client_clock, prefix=prefix) as journal:
            yield journal
        return
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set")
    with RedisJournal(url, clock=sim.client_clock, prefix=prefix) as journal:
        yield journal
    with redis.Redis.from_url(url) as client:
        for name in client.scan_iter(match=f"{prefix}*"):
            client.delete(name)


def test_the_same_flow_on_a_redis_journal(sim: Simulator, redis_journal: RedisJournal) -> None:
    """Pending, then sent once by a second client on the same Redis journal; a third finds it sent."""
    order = sim.add_order()
    first = sim.client(journal=redis_journal)
    pending = first.cancel_order(order.order_id, "NO_INVENTORY", wait=False, notify_buyer=TEXT)
    assert pending.buyer_message is not None
    assert pending.buyer_message.status is BuyerMessageStatus.PENDING
    sim.advance(600)
    done = sim.client(journal=redis_journal).refresh(pending)
    assert done.buyer_message is not None
    assert done.buyer_message.status is BuyerMessageStatus.SENT
    assert sim.client(journal=redis_journal).notify_buyer(order.order_id, "Again.") == done.buyer_message
    assert len(sim.buyer_messages(order.order_id)) == 1


def test_batch_records_show_each_buyer_message(sim: Simulator) -> None:
    """to_records() carries each told buyer's message status, for a DataFrame; untold orders have none."""
    told, quiet = sim.add_order(), sim.add_order()
    batch = sim.client().cancel_orders(
        [CancelRequest(order_id=o.order_id, reason="NO_INVENTORY") for o in (told, quiet)],
        notify_buyer=lambda r: "Sorry, sold out." if r.order_id == told.order_id else None,
    )
    records = {r["key"]: r for r in batch.to_records()}
    assert records[told.order_id]["buyer_message"] == "SENT"
    assert "buyer_message" not in records[quiet.order_id]


class _FailingOnce:
    """A journal whose store fails once, when a buyer message's sending is to be recorded."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self.failed = False

    def mark_submitting(self, keys: Any, **kwargs: Any) -> Any:
        """Fail the first time a buyer message is about to be sent; pass everything else through."""
        if not self.failed and all(str(k).startswith("message-") for k in keys):
            self.failed = True
            raise JournalUnavailableError("database is locked", backend="sqlite", transient=True)
        return self._journal.mark_submitting(keys, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._journal, name)


def test_a_journal_failure_before_sending_leaves_it_pending_and_unsent(sim: Simulator, tmp_path: Path) -> None:
    """Sending is never begun unrecorded: the journal failing there leaves the message PENDING, then sent once."""
    order = sim.add_order()
    journal = _FailingOnce(Journal(str(tmp_path / "journal.sqlite"), clock=sim.client_clock))
    client = sim.client(journal=journal)
    outcome = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, notify_buyer=TEXT)
    assert journal.failed
    assert outcome.buyer_message is not None
    assert outcome.buyer_message.status is BuyerMessageStatus.PENDING
    assert "the journal failed" in (outcome.buyer_message.detail or "")
    assert sim.request_counts.get(SEND, 0) == 0
    again = client.refresh(outcome)
    assert again.buyer_message is not None
    assert again.buyer_message.status is BuyerMessageStatus.SENT
    assert len(sim.buyer_messages(order.order_id)) == 1


def test_a_cancel_that_failed_before_sending_keeps_its_message_for_the_retry(sim: Simulator) -> None:
    """Amazon failing before createFeed: nothing sent, the message waits; resume() keeps it; a retry sends both."""
    order = sim.add_order()
    sim.add_fault("feeds.createFeedDocument", "500", count=6)
    client = sim.client()
    with pytest.raises(ServerError):
        client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, notify_buyer=TEXT)
    assert sim.request_counts.get("feeds.createFeed", 0) == 0
    assert client.resume() == []
    outcome = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, notify_buyer=TEXT)
    assert outcome.status is CancelStatus.CANCELLED
    assert outcome.buyer_message is not None
    assert outcome.buyer_message.status is BuyerMessageStatus.SENT
    assert len(sim.buyer_messages(order.order_id)) == 1
