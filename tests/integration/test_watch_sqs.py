"""The watch on a real SQS-compatible queue (``moto_server`` on loopback): delete after journaling, dead letters."""

import threading
import time
from collections import Counter
from contextlib import contextmanager

import pytest
from order_change import APPLICATION_ID, deliver, order_change

from sp_cancel.journal import Journal
from sp_cancel.testing import Simulator
from sp_cancel.watch import (
    DecisionKind,
    SqsQueue,
    Watch,
    WatchEvent,
    WatchPolicy,
    WatchSetupError,
    decision_key,
    decisions,
)
from sp_cancel.watch._service import LANE_DEPTH
from sp_cancel.watch._sqs import BATCH

pytestmark = pytest.mark.slow


@pytest.fixture
def sim():
    """An empty simulated seller."""
    return Simulator(seed=11, orders=0)


def counts(sqs, url):
    """(visible, in flight) messages of a queue."""
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


def make_watch(sim, sqs, url, **kwargs):
    """A watch of the simulated seller on the queue, 1 s long polls."""
    queue = SqsQueue(url, sqs=sqs, wait_seconds=1, visibility=30)
    return Watch(sim.client(), queue=queue, application_id=APPLICATION_ID, clock=sim.client_clock, **kwargs)


def poll_until_empty(watch, limit=20):
    """Poll batches until one comes back empty (bounded)."""
    handled = []
    for _ in range(limit):
        batch = watch.poll()
        if not batch:
            return handled
        handled.extend(batch)
    pytest.fail(f"the queue was not empty after {limit} batches")


class Holding:
    """A policy ``hold`` hook that blocks one order's decision (as a throttled call would) until ``release``."""

    def __init__(self, order_id):
        self.order_id = order_id
        self.entered, self.release = threading.Event(), threading.Event()

    def __call__(self, order):
        """Block while this is the order held."""
        if order.order_id == self.order_id:
            self.entered.set()
            self.release.wait(120)  # bounded: each test sets it once what it checks has happened


def two_sellers():
    """Two simulated sellers, A and B, of one application."""
    return Simulator(seed=1, orders=0), Simulator(seed=2, orders=0, seller_id="A2SIMSELLER0002")


def watch_both(a, b, journal, queue, hold):
    """One watch serving sellers A and B on one queue and one journal."""
    return Watch(
        [a.client(journal=journal), b.client(journal=journal)],
        journal=journal,
        queue=queue,
        application_id=APPLICATION_ID,
        policy=WatchPolicy(hold=hold),
        clock=a.client_clock,
    )


@contextmanager
def serving(watch, hold=None, *, sweep_at_start=False):
    """``watch.run`` in a thread for the block; then the hold let go, the watch stopped and its thread ended."""
    thread = threading.Thread(target=watch.run, kwargs={"sweep_at_start": sweep_at_start})
    thread.start()
    try:
        yield
    finally:
        if hold is not None:
            hold.release.set()
        watch.stop()
        thread.join(timeout=120)
    assert not thread.is_alive()


def decided(journal, seller_id, count):
    """The seller's decisions once ``count`` are journaled (readiness, bounded at 120 s)."""
    for _ in range(1200):
        if len(found := decisions(journal, seller_id)) >= count:
            return found
        time.sleep(0.1)
    return decisions(journal, seller_id)


def test_duplicates_on_the_queue_make_one_decision_and_every_copy_is_deleted(sim, sqs, watch_queue):
    """Ten deliveries of one notification and one of another: two decisions, eleven messages deleted."""
    first = sim.add_order(buyer_requested_cancel=True)
    second = sim.add_order(buyer_requested_cancel=True)
    deliver(sqs, watch_queue, order_change(sim, first.order_id), times=10)
    deliver(sqs, watch_queue, order_change(sim, second.order_id))
    watch = make_watch(sim, sqs, watch_queue)
    handled = poll_until_empty(watch)
    assert len(handled) == 11
    assert sorted(h.decision.order_id for h in handled if h.decision) == sorted([first.order_id, second.order_id])
    assert sum(h.duplicate for h in handled) == 9
    assert counts(sqs, watch_queue) == (0, 0)
    sim.advance(600)
    assert sim.cancelled_units(first.order_id) == sim.cancelled_units(second.order_id) == 1
    assert sim.request_counts["feeds.createFeed"] <= 2  # one per batch received (SQS decides the batches)


def test_a_foreign_message_is_never_acted_on_nor_deleted(sim, sqs, watch_queue):
    """Another application's notification stays in the queue (to reach the dead-letter queue)."""
    order = sim.add_order(buyer_requested_cancel=True)
    deliver(sqs, watch_queue, order_change(sim, order.order_id, application_id="amzn1.sp.solution.other"))
    watch = make_watch(sim, sqs, watch_queue)
    [handled] = watch.poll()
    assert handled.rejected is not None
    assert counts(sqs, watch_queue) == (0, 1)
    assert decisions(watch.journal, sim.seller_id) == []


def test_a_failed_decision_leaves_the_message_for_redelivery(sim, sqs, watch_queue):
    """Amazon down while deciding: nothing is journaled, the message is not deleted."""
    order = sim.add_order(buyer_requested_cancel=True)
    deliver(sqs, watch_queue, order_change(sim, order.order_id))
    sim.add_fault("orders.getOrder", "503", count=100)
    watch = make_watch(sim, sqs, watch_queue)
    [handled] = watch.poll()
    assert handled.failed is not None
    assert not handled.settled
    assert counts(sqs, watch_queue) == (0, 1)
    assert watch.journal.get(f"watch:{sim.seller_id}:buyer_request:{order.order_id}") is None


def test_the_dead_letter_queue_is_checked_listed_and_redriven(sim, sqs, watch_queue):
    """A redrive policy is required at start; dead letters are listed and moved back."""
    queue = SqsQueue(watch_queue, sqs=sqs, wait_seconds=0)
    policy = queue.require_dead_letters()
    assert policy.max_receive_count == 3
    dead = queue.dead_letter_queue()
    sqs.send_message(QueueUrl=dead.queue_url, MessageBody="not json")
    assert [m.body for m in queue.dead_letters()] == ["not json"]
    assert [m.body for m in queue.dead_letters()] == ["not json"]  # listing leaves them there
    assert queue.redrive() == 1
    assert counts(sqs, watch_queue)[0] == 1
    assert counts(sqs, dead.queue_url) == (0, 0)
    bare = sqs.create_queue(QueueName="watch-no-dlq")["QueueUrl"]
    with pytest.raises(WatchSetupError, match="no dead-letter queue"):
        SqsQueue(bare, sqs=sqs).require_dead_letters()
    with pytest.raises(WatchSetupError, match="FIFO"):
        SqsQueue(bare + ".fifo", sqs=sqs)


def test_run_serves_until_stopped_and_leaves_the_rest_visible(sim, sqs, watch_queue):
    """run() decides what arrives; stop() ends it after the messages in hand (bounded wait on decisions)."""
    orders = [sim.add_order(buyer_requested_cancel=True) for _ in range(3)]
    for order in orders:
        deliver(sqs, watch_queue, order_change(sim, order.order_id), times=2)
    watch = make_watch(sim, sqs, watch_queue)
    with serving(watch, sweep_at_start=True):
        decided(watch.journal, sim.seller_id, 3)  # readiness: all three decided (each check is one journal read)
    assert sorted(d.order_id for d in decisions(watch.journal, sim.seller_id)) == sorted(o.order_id for o in orders)
    assert {d.kind for d in decisions(watch.journal, sim.seller_id)} == {DecisionKind.ACCEPTED}


def test_a_stalled_seller_never_stalls_another(sqs, watch_queue, tmp_path):
    """Seller A's lane is stuck (its hold hook blocks, as a throttled call would): seller B's request is decided."""
    a, b = two_sellers()
    stuck = a.add_order(buyer_requested_cancel=True)
    hold = Holding(stuck.order_id)
    journal = Journal(tmp_path / "shared.sqlite")
    watch = watch_both(a, b, journal, SqsQueue(watch_queue, sqs=sqs, wait_seconds=1, visibility=30), hold)
    deliver(sqs, watch_queue, order_change(a, stuck.order_id))
    with serving(watch, hold):
        assert hold.entered.wait(120), "seller A's request never reached its hold hook"
        other = b.add_order(buyer_requested_cancel=True)
        deliver(sqs, watch_queue, order_change(b, other.order_id))
        assert [d.order_id for d in decided(journal, b.seller_id, 1)] == [other.order_id]  # while A is held
        assert decisions(journal, a.seller_id) == []
    assert [d.order_id for d in decisions(journal, a.seller_id)] == [stuck.order_id]


class _CountingReceives:
    """The boto3 SQS client, counting how many times each message was received (a message id's every receive)."""

    def __init__(self, sqs):
        self._sqs = sqs
        self.received = Counter()

    def receive_message(self, **kwargs):
        answer = self._sqs.receive_message(**kwargs)
        self.received.update(m["MessageId"] for m in answer.get("Messages") or [])
        return answer

    def __getattr__(self, name):
        return getattr(self._sqs, name)


def test_a_busy_sellers_messages_wait_invisible_and_are_received_once(sim, sqs, watch_queue):
    """A lane stuck on a slow decision: what it holds stays invisible past its visibility; no more is received.

    Each receive counts towards the dead-letter queue's limit (3 here): messages timing out while they wait their
    turn, or received only to be put back, would reach it without ever being decided.
    """
    orders = [sim.add_order(buyer_requested_cancel=True) for _ in range(35)]
    for order in orders:
        deliver(sqs, watch_queue, order_change(sim, order.order_id))
    hold = Holding(orders[0].order_id)

    counting = _CountingReceives(sqs)
    watch = Watch(
        sim.client(),
        queue=SqsQueue(watch_queue, sqs=counting, wait_seconds=1, visibility=2),
        application_id=APPLICATION_ID,
        clock=sim.client_clock,
        policy=WatchPolicy(hold=hold),
    )
    with serving(watch, hold):
        assert hold.entered.wait(120), "the first request never reached its hold hook"
        for _ in range(600):  # readiness: the lane is full (a batch in hand, LANE_DEPTH waiting behind it)
            if sum(counting.received.values()) > LANE_DEPTH:
                break
            time.sleep(0.1)
        taken = sum(counting.received.values())
        assert LANE_DEPTH < taken <= LANE_DEPTH + BATCH
        time.sleep(5.0)  # the condition under test: more than twice the 2 s visibility passes while they wait
        assert sum(counting.received.values()) == taken  # nothing more received while the lane is full
        assert counts(sqs, watch_queue) == (35 - taken, taken)  # all it took still held, none back in the queue
        hold.release.set()
        assert len(decided(watch.journal, sim.seller_id, 35)) == 35
    assert set(counting.received.values()) == {1}  # each message received once, decided, deleted
    assert counts(sqs, watch_queue) == (0, 0)


def test_a_stalled_sellers_messages_are_held_not_put_back_while_another_seller_is_served(sqs, watch_queue, tmp_path):
    """Seller A's lane is stuck and full, seller B's has room: what the receives bring A is held, not put back.

    SQS cannot receive by seller: the receives B's room asks for bring A's messages too. Put back, each would come
    back and be received again, every receive counting towards the dead-letter queue's limit (3 here), for as long
    as A is behind. Held (invisible) in A's lane, up to ``LANE_HOLD``, each is received once.
    """
    a, b = two_sellers()
    a_orders = [a.add_order(buyer_requested_cancel=True) for _ in range(35)]
    hold = Holding(a_orders[0].order_id)
    journal = Journal(tmp_path / "shared.sqlite")
    counting = _CountingReceives(sqs)
    watch = watch_both(a, b, journal, SqsQueue(watch_queue, sqs=counting, wait_seconds=1, visibility=2), hold)
    for order in a_orders:
        deliver(sqs, watch_queue, order_change(a, order.order_id))
    b_orders = []
    with serving(watch, hold):
        assert hold.entered.wait(120), "seller A's first request never reached its hold hook"
        for _ in range(5):  # B's requests come in while A is stuck; A's lane is full (LANE_DEPTH waiting)
            b_orders.append(b.add_order(buyer_requested_cancel=True))
            deliver(sqs, watch_queue, order_change(b, b_orders[-1].order_id))
        served = decided(journal, b.seller_id, len(b_orders))  # while A is still held
        assert sorted(d.order_id for d in served) == sorted(o.order_id for o in b_orders)
        time.sleep(5.0)  # more than twice the 2 s visibility passes while A's messages wait in its lane
        assert max(counting.received.values()) == 1  # none of A's was put back and received again
        hold.release.set()
        assert len(decided(journal, a.seller_id, len(a_orders))) == len(a_orders)
    assert set(counting.received.values()) == {1}  # each of the 40 messages received once, decided, deleted
    assert len(counting.received) == len(a_orders) + len(b_orders)
    assert counts(sqs, watch_queue) == (0, 0)


def test_a_receipt_handle_sqs_no_longer_knows_is_left_not_fatal(sim, sqs, watch_queue):
    """A message another watcher received again and deleted leaves the first handle stale: putting it back is a hint.

    The first receiver's ``release``/``keep``/``delete`` is logged and left (a release used to kill the watcher
    process with ``ReceiptHandleIsInvalid``). Any other SQS error still raises.
    """
    order = sim.add_order()
    sim.request_cancellation(order.order_id)
    deliver(sqs, watch_queue, order_change(sim, order.order_id))
    queue = SqsQueue(watch_queue, sqs=sqs, wait_seconds=1, visibility=30)
    (first,) = queue.receive()
    queue.release(first)  # visible again at once (as when its visibility runs out)
    (second,) = queue.receive()  # another watcher's receive: a new handle
    queue.delete(second)  # that watcher decided it and deleted it
    assert counts(sqs, watch_queue) == (0, 0)
    queue.release(first, after=30)  # stale: logged, no error
    queue.keep(first)  # stale: logged, no error
    queue.delete(first)  # stale or already deleted: no error
    gone = SqsQueue(watch_queue + "-no-such-queue", sqs=sqs, wait_seconds=1, visibility=30)
    with pytest.raises(Exception, match=r"NonExistentQueue|QueueDoesNotExist"):
        gone.keep(second)


def test_a_copy_of_a_request_another_watcher_is_deciding_is_deleted_not_left_for_the_dead_letter_queue(
    sim, sqs, watch_queue
):
    """A copy received while another live watcher decides its request goes; the plan in the journal is decided.

    Left in the queue it would come back once per visibility timeout for as long as that decision takes (Amazon's
    usage plans can hold it for minutes), each receive counting towards ``maxReceiveCount``: a healthy request in
    the dead-letter queue. When that watcher stops, its plan is taken over (here by the sweep) and decided once.
    """
    order = sim.add_order(buyer_requested_cancel=True)
    watch = make_watch(sim, sqs, watch_queue)
    event = WatchEvent(kind="buyer_request", seller_id=sim.seller_id, order_id=order.order_id, notification_id="n-1")
    watch.journal.plan(  # another watcher (another host) is deciding it: its plan, a ten-minute lease
        decision_key(event), kind="watch_decision", target=f"watch:{sim.seller_id}", payload=event.to_json(),
        lease_seconds=600,
    )  # fmt: skip
    deliver(sqs, watch_queue, order_change(sim, order.order_id))
    [handled] = watch.poll()
    assert handled.busy
    assert handled.settled
    assert counts(sqs, watch_queue) == (0, 0)  # deleted: nothing to come back
    assert decisions(watch.journal, sim.seller_id) == []
    sim.advance(601)  # that watcher stopped; its lease ran out
    decided = [h.decision for h in watch.sweep() if h.decision is not None and h.decision.order_id == order.order_id]
    assert [d.kind for d in decided] == [DecisionKind.ACCEPTED]
    sim.advance(600)
    assert sim.cancelled_units(order.order_id) == 1
