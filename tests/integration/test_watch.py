"""The watch against the simulator in process: one decision per request, whatever delivers it, and why."""

from datetime import timedelta

import pytest
from order_change import APPLICATION_ID, body, order_change
from structlog.testing import capture_logs

from sp_cancel.clock import FakeClock
from sp_cancel.errors import InvalidInputError
from sp_cancel.journal import Journal
from sp_cancel.retry import DEFAULT_RETRY_POLICY
from sp_cancel.testing import Simulator
from sp_cancel.watch import DecisionKind, Watch, WatchEvent, WatchPolicy, decision_key, decisions


@pytest.fixture
def sim():
    """An empty simulated seller."""
    return Simulator(seed=7, orders=0)


@pytest.fixture
def client(sim):
    """A client of it (journal in memory)."""
    return sim.client()


def make_watch(sim, client, **kwargs):
    """A watch on the simulator's clock, checking the test application's id."""
    kwargs.setdefault("application_id", APPLICATION_ID)
    return Watch(client, clock=sim.client_clock, sleep=sim.advance, **kwargs)


def left_by_a_dead_watcher(sim, journal, order_id, notification_id):
    """The buyer request whose decision a watcher on another host planned (a 60 s lease) before it died."""
    event = WatchEvent(
        kind="buyer_request", seller_id=sim.seller_id, order_id=order_id, notification_id=notification_id
    )
    journal.plan(
        decision_key(event),
        kind="watch_decision",
        target=f"watch:{sim.seller_id}",
        payload=event.to_json(),
        lease_seconds=60,
    )
    return event


def cancels(sim, order_id):
    """Units Amazon cancelled once the feeds had time to run."""
    sim.advance(600)  # Amazon processes the acknowledgement feed
    return sim.cancelled_units(order_id)


def test_ten_deliveries_and_a_sweep_make_one_accept(sim, client):
    """Ten deliveries and a sweep make one accept."""
    order = sim.add_order(buyer_requested_cancel=True, buyer_cancel_reason="Changed mind", items=2)
    watch = make_watch(sim, client)
    note = body(order_change(sim, order.order_id))
    handled = [watch.handle_message(note) for _ in range(10)] + watch.sweep()
    decided = [h.decision for h in handled if h.decision is not None]
    assert [d.kind for d in decided] == [DecisionKind.ACCEPTED]
    assert sum(h.duplicate for h in handled) == 10
    assert all(h.settled for h in handled)
    assert cancels(sim, order.order_id) == sum(i.quantity_ordered for i in order.items)
    assert sim.request_counts["feeds.createFeed"] == 1
    assert [d.kind for d in decisions(client.journal, sim.seller_id)] == [DecisionKind.ACCEPTED]
    snap = watch.metrics.snapshot()
    assert (snap.received, snap.duplicates, snap.decisions) == (11, 10, {"accepted": 1})


def test_the_same_request_under_two_notification_ids_is_one_decision(sim, client):
    """The same request under two notification ids is one decision."""
    order = sim.add_order(buyer_requested_cancel=True)
    watch = make_watch(sim, client)
    first = watch.handle_message(body(order_change(sim, order.order_id, notification_id="n-1")))
    second = watch.handle_message(body(order_change(sim, order.order_id, notification_id="n-2")))
    assert first.decision is not None
    assert first.decision.notification_id == "n-1"
    assert second.duplicate


def test_a_lost_notification_is_caught_by_the_sweep(sim, client):
    """A lost notification is caught by the sweep."""
    order = sim.add_order(buyer_requested_cancel=True)
    watch = make_watch(sim, client)
    [handled] = [h for h in watch.sweep() if h.event is not None and h.event.order_id == order.order_id]
    assert handled.decision is not None
    assert handled.decision.kind is DecisionKind.ACCEPTED
    assert handled.decision.source == "sweep"
    assert watch.metrics.snapshot().sweep_catches == 1
    assert cancels(sim, order.order_id) == 1


def test_a_request_the_sweep_could_not_decide_is_found_again_by_the_next_sweep(sim, client):
    """Amazon down while the sweep decides: the next sweep, long after, reads that order again and decides it.

    The sweep's cursor moves past what it has read; a request it deferred (nothing journaled) must stay within
    the next sweep's window, or no source (no notification came) ever brings it back.
    """
    order = sim.add_order(buyer_requested_cancel=True)
    watch = make_watch(sim, client)
    sim.add_fault("orders.getOrder", "503", count=DEFAULT_RETRY_POLICY.max_attempts)  # one call's whole budget
    [deferred] = [h for h in watch.sweep() if h.event is not None and h.event.order_id == order.order_id]
    assert deferred.failed is not None
    assert watch.journal.get(f"watch:{sim.seller_id}:buyer_request:{order.order_id}") is None
    sim.advance(3 * watch.sweep_every)  # well past the sweeps' five minutes of overlap
    [handled] = [h for h in watch.sweep() if h.event is not None and h.event.order_id == order.order_id]
    assert handled.decision is not None
    assert handled.decision.kind is DecisionKind.ACCEPTED
    assert cancels(sim, order.order_id) == 1


def test_a_shipped_order_is_reported_never_cancelled(sim, client):
    """A shipped order is reported never cancelled."""
    order = sim.add_order(buyer_requested_cancel=True)
    note = body(order_change(sim, order.order_id))
    sim.ship(order.order_id, order.items[0].order_item_id, 1)  # shipped after the buyer asked
    handled = make_watch(sim, client).handle_message(note)
    assert handled.decision is not None
    assert handled.decision.kind is DecisionKind.SHIPPED
    assert "return path" in handled.decision.reason
    assert cancels(sim, order.order_id) == 0


def test_the_hold_hook_is_asked_with_the_order_read_again(sim, client):
    """The hold hook is asked with the order read again."""
    order = sim.add_order(buyer_requested_cancel=True)
    seen = []

    def hold(read):
        """Hold."""
        seen.append(read.order_id)
        return "label bought at 09:12"

    handled = make_watch(sim, client, policy=WatchPolicy(hold=hold)).handle_message(
        body(order_change(sim, order.order_id))
    )
    assert seen == [order.order_id]
    assert handled.decision is not None
    assert (handled.decision.kind, handled.decision.reason) == (DecisionKind.HELD, "label bought at 09:12")
    assert cancels(sim, order.order_id) == 0


def test_a_hold_hook_that_fails_holds_the_order(sim, client):
    """A hold hook that fails holds the order."""
    order = sim.add_order(buyer_requested_cancel=True)

    def hold(read):
        """Hold."""
        raise ConnectionError("WMS down")

    handled = make_watch(sim, client, policy=WatchPolicy(hold=hold)).handle_message(
        body(order_change(sim, order.order_id))
    )
    assert handled.decision is not None
    assert handled.decision.kind is DecisionKind.HELD
    assert "WMS down" in handled.decision.reason
    assert cancels(sim, order.order_id) == 0


def test_dry_run_decides_and_sends_nothing(sim, client):
    """Dry run decides and sends nothing."""
    order = sim.add_order(buyer_requested_cancel=True)
    handled = make_watch(sim, client, policy=WatchPolicy(dry_run=True)).handle_message(
        body(order_change(sim, order.order_id))
    )
    assert handled.decision is not None
    assert handled.decision.kind is DecisionKind.WOULD_ACCEPT
    assert cancels(sim, order.order_id) == 0
    assert "feeds.createFeed" not in sim.request_counts


def test_an_old_request_and_another_marketplace_are_left_to_a_person(sim, client):
    """An old request and another marketplace are left to a person."""
    old = sim.add_order(buyer_requested_cancel=True)
    note = body(order_change(sim, old.order_id))
    sim.advance(3 * 3600)
    watch = make_watch(sim, client, policy=WatchPolicy(max_age=timedelta(hours=1)))
    handled = watch.handle_message(note)
    assert handled.decision is not None
    assert handled.decision.kind is DecisionKind.TOO_OLD
    other = sim.add_order(buyer_requested_cancel=True)
    watch = make_watch(sim, client, policy=WatchPolicy(marketplaces=["A1F83G8C2ARO7P"]))
    handled = watch.handle_message(body(order_change(sim, other.order_id)))
    assert handled.decision is not None
    assert handled.decision.kind is DecisionKind.OTHER_MARKETPLACE
    assert cancels(sim, old.order_id) == cancels(sim, other.order_id) == 0


def test_amazons_own_cancel_is_reported_with_its_text(sim, client):
    """Amazons own cancel is reported with its text."""
    order = sim.add_order(status="Canceled", cancelled_by="AMAZON", cancel_reason="Not shipped in time")
    watch = make_watch(sim, client)
    handled = watch.handle_message(body(order_change(sim, order.order_id, change="OrderStatusChange")))
    assert handled.decision is not None
    assert handled.decision.kind is DecisionKind.SYSTEM_CANCELLED
    assert "Not shipped in time" in handled.decision.reason
    swept = [h for h in watch.sweep() if h.event is not None and h.event.order_id == order.order_id]
    assert [h.duplicate for h in swept] == [True]


def test_a_sellers_own_cancel_is_noted_not_reported_as_amazons(sim, client):
    """A sellers own cancel is noted not reported as amazons."""
    order = sim.add_order(status="Canceled", cancelled_by="MERCHANT", cancel_reason="No inventory")
    handled = make_watch(sim, client).handle_message(
        body(order_change(sim, order.order_id, change="OrderStatusChange"))
    )
    assert handled.decision is not None
    assert handled.decision.kind is DecisionKind.CANCELLED


def test_another_applications_message_is_not_acted_on(sim, client):
    """Another applications message is not acted on."""
    order = sim.add_order(buyer_requested_cancel=True)
    watch = make_watch(sim, client)
    handled = watch.handle_message(body(order_change(sim, order.order_id, application_id="amzn1.sp.solution.x")))
    assert handled.rejected is not None
    assert not handled.settled
    assert watch.metrics.snapshot().rejected == 1
    assert client.journal.get(f"watch:{sim.seller_id}:buyer_request:{order.order_id}") is None


def test_a_decision_a_dead_watcher_left_is_finished_by_the_sweep(sim, client, tmp_path):
    """A decision a dead watcher left is finished by the sweep."""
    journal = Journal(tmp_path / "j.sqlite", clock=sim.client_clock)
    watch = make_watch(sim, client, journal=journal)
    order = sim.add_order(buyer_requested_cancel=True)
    # A watcher on another host planned the decision, then died: its lease is all that is left of it.
    event = left_by_a_dead_watcher(sim, journal, order.order_id, "n-9")
    busy = watch.handle(event)
    assert busy.busy
    assert busy.settled  # a copy of it may go: the plan, with the event, is in the journal
    sim.advance(61)
    handled = [h for h in watch.sweep() if h.event is not None and h.event.order_id == order.order_id]
    assert [h.decision.kind for h in handled if h.decision] == [DecisionKind.ACCEPTED]
    assert cancels(sim, order.order_id) == 1


def test_an_accept_a_dead_watcher_sent_is_recorded_as_its_accept(sim, tmp_path):
    """A watcher died after its accept went out but before it journaled the decision: the next one records the accept.

    The order reads cancelled by then; without the pipeline's word the request would be recorded as "no request".
    """
    journal = Journal(tmp_path / "j.sqlite", clock=sim.client_clock)
    client = sim.client(journal=journal)
    order = sim.add_order(buyer_requested_cancel=True)
    # The dead watcher (another host): its decision planned, its accept sent through the pipeline, then nothing.
    event = left_by_a_dead_watcher(sim, journal, order.order_id, "n-7")
    sent = client.accept_buyer_cancellations([order.order_id], wait=False)[order.order_id]
    assert cancels(sim, order.order_id) == 1  # Amazon applied it: the order reads cancelled
    feeds = len(sim.world.feeds)

    handled = make_watch(sim, client, journal=journal).handle(event)  # its lease ran out meanwhile

    assert handled.decision is not None
    assert handled.decision.kind is DecisionKind.ACCEPTED
    assert handled.decision.outcome == "CANCELLED"
    assert len(sim.world.feeds) == feeds  # nothing sent again
    assert [d.kind for d in decisions(journal, sim.seller_id)] == [DecisionKind.ACCEPTED]
    assert sent.submission_id is not None


def test_a_request_cancelled_by_someone_else_is_still_no_request_after_a_takeover(sim, tmp_path):
    """The same takeover for an order cancelled outside the watch: the pipeline never accepted it, nothing is sent."""
    journal = Journal(tmp_path / "j.sqlite", clock=sim.client_clock)
    client = sim.client(journal=journal)
    order = sim.add_order(buyer_requested_cancel=True)
    event = left_by_a_dead_watcher(sim, journal, order.order_id, "n-8")
    sim.client().accept_buyer_cancellations([order.order_id], wait=False)  # another journal: a person, a tool
    assert cancels(sim, order.order_id) == 1
    feeds = len(sim.world.feeds)

    handled = make_watch(sim, client, journal=journal).handle(event)

    assert handled.decision is not None
    assert handled.decision.kind is DecisionKind.NO_REQUEST
    assert len(sim.world.feeds) == feeds


def test_settings_are_checked_at_the_door(sim, client):
    """Settings are checked at the door."""
    with pytest.raises(InvalidInputError, match="sweep_every"):
        Watch(client, sweep_every=60)
    with pytest.raises(InvalidInputError, match="different sellers"):
        Watch([client, sim.client()])
    with pytest.raises(InvalidInputError, match="max_age"):
        WatchPolicy(max_age=timedelta(0))
    with pytest.raises(InvalidInputError, match="hold"):
        WatchPolicy(hold="yes")
    with pytest.raises(InvalidInputError, match="marketplaces"):
        WatchPolicy(marketplaces="ATVPDKIKX0DER")
    assert isinstance(sim.client_clock, FakeClock)


def test_events_decided_together_send_their_accepts_in_one_feed(sim, client):
    """Five requests decided together make one feed (createFeed: one call per ~2 min); a repeat is dropped."""
    orders = [sim.add_order(buyer_requested_cancel=True) for _ in range(5)]
    shipped = sim.add_order(buyer_requested_cancel=True, items=[{"quantity": 2}])
    sim.ship(shipped.order_id, shipped.items[0].order_item_id, 1)
    watch = make_watch(sim, client)
    events = [
        WatchEvent(kind="buyer_request", seller_id=sim.seller_id, order_id=o.order_id, notification_id=f"n-{n}")
        for n, o in enumerate([*orders, shipped, orders[0]])
    ]
    handled = watch.handle_many(events)
    assert [h.decision.kind if h.decision else "duplicate" for h in handled] == [
        *[DecisionKind.ACCEPTED] * 5,
        DecisionKind.SHIPPED,
        "duplicate",
    ]
    assert sim.request_counts["feeds.createFeed"] == 1
    assert [cancels(sim, o.order_id) for o in orders] == [1] * 5
    assert cancels(sim, shipped.order_id) == 0


def test_many_sellers_in_one_process_are_routed_by_seller_id(tmp_path):
    """Each event goes to its seller's client; a seller this process does not serve is left for another."""
    first, second = Simulator(seed=1, orders=0), Simulator(seed=2, orders=0, seller_id="A2SIMSELLER0002")
    journal = Journal(tmp_path / "shared.sqlite", clock=first.client_clock)
    watch = Watch(
        [first.client(journal=journal), second.client(journal=journal)],
        journal=journal,
        application_id=APPLICATION_ID,
        clock=first.client_clock,
    )
    assert watch.sellers == (first.seller_id, second.seller_id)
    order = second.add_order(buyer_requested_cancel=True)
    handled = watch.handle_message(body(order_change(second, order.order_id)))
    assert handled.decision is not None
    assert handled.decision.kind is DecisionKind.ACCEPTED
    assert "feeds.createFeed" not in first.request_counts
    assert second.request_counts["feeds.createFeed"] == 1
    with capture_logs() as logs:
        stranger = watch.handle_message(body(order_change(second, order.order_id, seller_id="A3NOTSERVED0003")))
        watch.handle_message(body(order_change(second, order.order_id, seller_id="A3NOTSERVED0003")))
    assert stranger.other_seller
    assert not stranger.settled
    warned = [e for e in logs if e["event"] == "sp_cancel.watch_seller_not_served"]
    assert [e["seller_id"] for e in warned] == ["A3NOTSERVED0003"]  # once per seller: each receive costs a count
    assert "maxReceiveCount" in warned[0]["hint"]
