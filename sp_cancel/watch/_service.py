"""``Watch``: events from SQS and the sweep, one decision each (journaled with its reason), as a service."""

from __future__ import annotations

import queue as queues
import threading
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal

import attrs

from sp_cancel._cancellation.outcomes import CancelOutcome, CancelStatus
from sp_cancel._runtime.claims import LOCAL, release_plan
from sp_cancel.clock import Clock, Sleep, SystemClock, system_sleep, utc
from sp_cancel.errors import InvalidInputError, NotFoundError, SpCancelError
from sp_cancel.journal import JournalLike, JournalUnavailableError
from sp_cancel.logging import get_logger
from sp_cancel.watch._events import EventKind, ForeignMessageError, WatchEvent, event_from_message, events_from_order
from sp_cancel.watch._ledger import claim, decision_key, stuck
from sp_cancel.watch._metrics import WatchMetrics
from sp_cancel.watch._policy import Decision, DecisionKind, WatchPolicy, decide
from sp_cancel.watch._sqs import BATCH, Heartbeat, QueueMessage, SqsQueue

if TYPE_CHECKING:
    from sp_cancel.client import SellerClient

__all__ = ["MIN_SWEEP_SECONDS", "Handled", "Watch"]

# searchOrders is 0.0056 requests/s (one per ~180 s) per seller and application: a sweep more often than
# this would spend the budget every other reader of the seller's orders shares.
MIN_SWEEP_SECONDS: Final = 180.0
SWEEP_OVERLAP: Final = timedelta(minutes=5)  # a change's LastUpdateDate may trail it: read a little back
LANE_DEPTH: Final = 20  # messages waiting per seller; more are left in the queue for later
#: Messages one seller's lane may hold, invisible, while it is behind and another seller's lane has room: SQS
#: cannot receive by seller, and a message received only to be put back counts towards maxReceiveCount.
LANE_HOLD: Final = 4 * LANE_DEPTH
# How long the receiving loop waits for a lane to have room before it looks again (wall time: the messages it
# would receive are on a real server's clock). Receiving only what a lane can take keeps messages from being
# received and put back, each receive counting towards the dead-letter queue's limit.
_FULL_PAUSE: Final = 0.5
SWEEP_BATCH: Final = 100  # events decided together by the sweep (their accepts: one feed)
RETRY_AFTER: Final = 30  # seconds before a message left for later is visible again
_FAILED_OUTCOMES: Final = frozenset({CancelStatus.REFUSED, CancelStatus.REJECTED, CancelStatus.NOT_SENT})

_log = get_logger()


@attrs.frozen(kw_only=True)
class Handled:
    """What became of one event or queue message.

    Attributes:
        event: the event (``None`` for a message refused or a change the watch does not act on).
        decision: the decision journaled now (``None`` when none was made by this call).
        duplicate: the request was decided already (by an earlier delivery, the sweep, another watcher).
        busy: another live watcher is deciding it now; its plan in the journal is decided by that watcher, or
            taken over by the next one (or the sweep) if it stops, so this copy is settled.
        rejected: why a message was refused (not ``ORDER_CHANGE``, another application's, unreadable).
        other_seller: the event is for a seller this watch does not serve.
        failed: a transient failure (throttled, Amazon or the journal unavailable): decided later.
    """

    event: WatchEvent | None
    decision: Decision | None = None
    duplicate: bool = False
    busy: bool = False
    rejected: str | None = None
    other_seller: bool = False
    failed: str | None = None

    @property
    def settled(self) -> bool:
        """Whether a queue message carrying it may be deleted: decided now or before, being decided, or nothing to do.

        A copy whose request another live watcher is deciding (``busy``) is deleted too: left in the queue it would
        come back once per visibility timeout for as long as that decision takes, and each receive counts towards
        the dead-letter queue's ``maxReceiveCount``, which a healthy request must never reach. Its decision does
        not depend on the copy: the plan is in the journal, with the event.
        """
        return self.rejected is None and not self.other_seller and self.failed is None


@attrs.frozen(kw_only=True, eq=False)
class _Claimed:
    """An event this call claimed: where its answer goes, its journal key and lease."""

    index: int
    event: WatchEvent
    key: str
    owner: str | None
    created: bool


def _clients(value: SellerClient | Iterable[SellerClient]) -> dict[str, SellerClient]:
    from sp_cancel.client import SellerClient  # noqa: PLC0415 - the type is checked at the door only

    given = [value] if isinstance(value, SellerClient) else list(value)
    if not given or not all(isinstance(c, SellerClient) for c in given):
        raise InvalidInputError("clients must be one SellerClient or a list of them", field="clients")
    by_seller = {c.seller_id: c for c in given}
    if len(by_seller) != len(given):
        raise InvalidInputError("clients must be for different sellers (one client per seller id)", field="clients")
    return by_seller


def _check_settings(
    *, policy: object, journal: object, queue: object, application_id: object, sweep_every: object, lookback: object
) -> None:
    if policy is not None and not isinstance(policy, WatchPolicy):
        raise InvalidInputError("policy must be a WatchPolicy", field="policy")
    if journal is not None and not isinstance(journal, JournalLike):
        raise InvalidInputError("journal must be a Journal, a RedisJournal or another JournalLike", field="journal")
    if queue is not None and not isinstance(queue, SqsQueue):
        raise InvalidInputError("queue must be a sp_cancel.watch.SqsQueue or None", field="queue")
    if application_id is not None and (not isinstance(application_id, str) or not application_id):
        raise InvalidInputError("application_id must be the application's id or None", field="application_id")
    if isinstance(sweep_every, bool) or not isinstance(sweep_every, int | float) or sweep_every < MIN_SWEEP_SECONDS:
        raise InvalidInputError(
            f"sweep_every must be at least {MIN_SWEEP_SECONDS:.0f} s (searchOrders: one call per ~180 s), "
            f"got {sweep_every!r}",
            field="sweep_every",
        )
    if not isinstance(lookback, timedelta) or lookback <= timedelta(0):
        raise InvalidInputError(f"lookback must be a positive timedelta, got {lookback!r}", field="lookback")


class Watch:
    """Answers buyer cancellation requests and reports Amazon's own cancels, from SQS and a polling sweep.

    Every event, whatever its source and however many times it comes, is claimed in the journal under its
    order's key (``sp_cancel.watch`` module docs): exactly one watcher, on any host sharing the journal,
    decides it, and the decision is journaled with its reason before its queue message is deleted.

    Args:
        clients: one ``SellerClient`` per seller served (events are routed by ``SellerId``).
        policy: what may be done (default ``WatchPolicy()``: accept unshipped requests).
        journal: where decisions are journaled (default the first client's journal). Watchers that must not
            decide twice share it: a SQLite file on one host, a ``RedisJournal`` across hosts.
        queue: the SQS queue Amazon delivers ``ORDER_CHANGE`` to, or ``None`` to run the sweep alone.
        application_id: the SP-API application's id; a message of another application is refused
            (``None``: not checked).
        sweep_every: seconds between sweeps (at least 180: ``searchOrders`` allows one call per ~180 s).
        lookback: how far back the first sweep reads.
        metrics: the counters to update (default new ones).
        clock: the watch's clock (decision times, sweep schedule); default the system clock.
        sleep: how the sweep-only loop waits; default a real sleep.

    Raises:
        InvalidInputError: a setting of the wrong type or range, before anything runs.
    """

    def __init__(
        self,
        clients: SellerClient | Iterable[SellerClient],
        *,
        policy: WatchPolicy | None = None,
        journal: JournalLike | None = None,
        queue: SqsQueue | None = None,
        application_id: str | None = None,
        sweep_every: float = 900.0,
        lookback: timedelta = timedelta(hours=24),
        metrics: WatchMetrics | None = None,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        self._clients = _clients(clients)
        _check_settings(
            policy=policy,
            journal=journal,
            queue=queue,
            application_id=application_id,
            sweep_every=sweep_every,
            lookback=lookback,
        )
        self.policy = policy if policy is not None else WatchPolicy()
        self.journal: JournalLike = journal if journal is not None else next(iter(self._clients.values())).journal
        self.queue = queue
        self.application_id = application_id
        self.sweep_every = float(sweep_every)
        self.lookback = lookback
        self.metrics = metrics if metrics is not None else WatchMetrics()
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._sleep: Sleep = sleep if sleep is not None else system_sleep
        self._cursors: dict[str, datetime] = {}
        self._cursor_lock = threading.Lock()
        self._warned_sellers: set[str] = set()  # sellers warned of once (sp_cancel.watch_seller_not_served)
        self.stopping = threading.Event()

    @property
    def sellers(self) -> tuple[str, ...]:
        """The seller ids this watch serves."""
        return tuple(self._clients)

    # --- one event ------------------------------------------------------------------------------

    def handle_message(self, body: str | bytes) -> Handled:
        """Handle one queue message's body (``ORDER_CHANGE`` JSON)."""
        try:
            event = event_from_message(body, application_id=self.application_id)
        except ForeignMessageError as exc:
            self.metrics.rejected()
            _log.warning("sp_cancel.watch_message_rejected", reason=str(exc))
            return Handled(event=None, rejected=str(exc))
        if event is None:
            return Handled(event=None)
        return self.handle(event)

    def handle(self, event: WatchEvent) -> Handled:
        """Decide ``event`` once: claim it in the journal, decide, act, journal the decision.

        Returns:
            What happened; ``settled`` says whether a queue message carrying it may be deleted.
        """
        return self.handle_many([event])[0]

    def _not_served(self, seller_id: str) -> None:
        """Warn, once per seller, that a message for a seller this watch does not serve is put back."""
        if seller_id in self._warned_sellers:
            return
        self._warned_sellers.add(seller_id)
        _log.warning(
            "sp_cancel.watch_seller_not_served",
            seller_id=seller_id,
            hint="its messages are put back for another watcher, each receive counting towards the queue's "
            "maxReceiveCount: give each process its sellers' own queue, or serve every seller of the queue here",
        )

    def handle_many(self, events: Sequence[WatchEvent]) -> list[Handled]:
        """Decide several events, each once; the accepts of one seller go out in **one** feed.

        ``createFeed`` allows one call per ~2 minutes once its burst is spent: a feed per request would keep a
        burst of buyers waiting behind the rate limiter. Returns one ``Handled`` per event, in order.
        """
        results: list[Handled | None] = [None] * len(events)
        by_seller: dict[str, list[int]] = {}
        for index, event in enumerate(events):
            if event.seller_id in self._clients:
                by_seller.setdefault(event.seller_id, []).append(index)
            else:
                self._not_served(event.seller_id)
                results[index] = Handled(event=event, other_seller=True)
        for seller, indexes in by_seller.items():
            handled = self._handle_seller(self._clients[seller], [events[i] for i in indexes])
            for index, one in zip(indexes, handled, strict=True):
                results[index] = one
        return [one for one in results if one is not None]

    def _duplicate(self, event: WatchEvent) -> Handled:
        self.metrics.duplicate()
        _log.info("sp_cancel.watch_duplicate_dropped", order_id=event.order_id, source=event.source)
        return Handled(event=event, duplicate=True)

    def _handle_seller(self, client: SellerClient, events: list[WatchEvent]) -> list[Handled]:
        out: list[Handled | None] = [None] * len(events)
        first: dict[str, int] = {}
        for index, event in enumerate(events):
            self.metrics.received()
            key = decision_key(event)
            if key in first:  # two deliveries in one batch
                out[index] = self._duplicate(event)
            else:
                first[key] = index
        # Threads of this process take turns on a key (LOCAL); other processes and hosts: the journal.
        with LOCAL.lead(self.journal, list(first)):
            claimed: list[_Claimed] = []
            for key, index in first.items():
                event = events[index]
                try:
                    got = claim(self.journal, event, now=utc(self._clock.now()))
                except JournalUnavailableError as exc:
                    out[index] = Handled(event=event, failed=str(exc))
                    continue
                if got.duplicate:
                    out[index] = self._duplicate(event)
                elif got.entry is None:
                    _log.info("sp_cancel.watch_busy_copy_dropped", order_id=event.order_id, source=event.source)
                    out[index] = Handled(event=event, busy=True)
                else:
                    claimed.append(
                        _Claimed(index=index, event=event, key=key, owner=got.entry.owner, created=got.created)
                    )
            for one, handled in self._decide_claimed(client, claimed):
                out[one.index] = handled
        return [one for one in out if one is not None]

    def _decide_claimed(self, client: SellerClient, claimed: list[_Claimed]) -> list[tuple[_Claimed, Handled]]:
        try:
            deferred, verdicts, pending = self._judge_all(client, claimed)
            verdicts = self._earlier_accepts(client, verdicts)
            refused, accepted = self._accept_all(client, pending)
        except BaseException:
            for one in claimed:  # nothing was journaled: every plan goes (one already released is ignored)
                release_plan(self.journal, one.key, one.owner)
            raise
        return deferred + refused + [(one, self._journal(one, d)) for one, d in verdicts + accepted]

    def _judge_all(
        self, client: SellerClient, claimed: list[_Claimed]
    ) -> tuple[list[tuple[_Claimed, Handled]], list[tuple[_Claimed, Decision]], list[_Claimed]]:
        """(deferred, decided, to accept): each event judged on its order read again."""
        deferred: list[tuple[_Claimed, Handled]] = []
        decided: list[tuple[_Claimed, Decision]] = []
        pending: list[_Claimed] = []
        for one in claimed:
            try:
                verdict = self._judge(client, one.event)
            except InvalidInputError:
                raise
            except SpCancelError as exc:
                deferred.append((one, self._defer(one, exc)))
                continue
            if verdict is None:
                pending.append(one)
            else:
                decided.append((one, verdict))
        return deferred, decided, pending

    def _earlier_accepts(
        self, client: SellerClient, verdicts: list[tuple[_Claimed, Decision]]
    ) -> list[tuple[_Claimed, Decision]]:
        """A request found cancelled on a decision taken over from a watcher that stopped: its accept, if it sent one.

        A watcher killed after the cancel pipeline journaled (and sent) its accept, but before it journaled the
        decision, leaves the decision planned; the order read again shows it cancelled, so the request would be
        recorded as ``no_request``. The pipeline is asked for that accept instead: it answers an accept it has
        journaled with its outcome, sending nothing (the same key), and refuses a cancelled order it never
        accepted, also sending nothing; then the verdict stands.
        """
        earlier = [
            (index, one)
            for index, (one, verdict) in enumerate(verdicts)
            if not one.created and one.event.kind is EventKind.BUYER_REQUEST and verdict.kind is DecisionKind.NO_REQUEST
        ]
        if not earlier:
            return verdicts
        try:
            batch = client.accept_buyer_cancellations([one.event.order_id for _, one in earlier], wait=False)
        except SpCancelError:
            return verdicts  # the verdicts read from Amazon stand
        out = list(verdicts)
        for index, one in earlier:
            outcome = batch[one.event.order_id]
            if outcome.ok and outcome.submission_id is not None:
                out[index] = (one, self._accepted(one.event, outcome))
        return out

    def _accept_all(
        self, client: SellerClient, pending: list[_Claimed]
    ) -> tuple[list[tuple[_Claimed, Handled]], list[tuple[_Claimed, Decision]]]:
        """(deferred, decided): the accepts in one feed (the pipeline reads each order again before sending)."""
        if not pending:
            return [], []
        try:
            batch = client.accept_buyer_cancellations([one.event.order_id for one in pending], wait=False)
        except InvalidInputError:
            raise
        except SpCancelError as exc:
            return [(one, self._defer(one, exc)) for one in pending], []
        return [], [(one, self._accepted(one.event, batch[one.event.order_id])) for one in pending]

    def _defer(self, one: _Claimed, exc: SpCancelError) -> Handled:
        # Throttled, Amazon or the network down, the journal unavailable: nothing is decided; the message comes
        # back (or the next sweep finds it) and is decided then.
        release_plan(self.journal, one.key, one.owner)
        _log.warning(
            "sp_cancel.watch_decision_deferred", order_id=one.event.order_id, error=type(exc).__name__, detail=str(exc)
        )
        return Handled(event=one.event, failed=f"{type(exc).__name__}: {exc}")

    def _journal(self, one: _Claimed, decision: Decision) -> Handled:
        state: Literal["done", "failed"] = "failed" if decision.kind is DecisionKind.FAILED else "done"
        self.journal.mark_done(one.key, state=state, outcome=decision.to_json())
        lag = decision.lag
        self.metrics.decided(
            decision.kind.value,
            lag=None if lag is None else lag.total_seconds(),
            by_sweep=one.created and one.event.source == "sweep",
        )
        _log.info(
            "sp_cancel.watch_decided",
            order_id=one.event.order_id,
            seller_id=one.event.seller_id,
            decision=decision.kind.value,
            reason=decision.reason,
            source=one.event.source,
            notification_id=one.event.notification_id,
        )
        return Handled(event=one.event, decision=decision)

    def _made(self, event: WatchEvent, kind: DecisionKind, reason: str, outcome: str | None = None) -> Decision:
        return Decision(
            kind=kind,
            reason=reason,
            seller_id=event.seller_id,
            order_id=event.order_id,
            source=event.source,
            notification_id=event.notification_id,
            requested_at=event.changed_at,
            decided_at=utc(self._clock.now()),
            outcome=outcome,
        )

    def _judge(self, client: SellerClient, event: WatchEvent) -> Decision | None:
        """The decision on ``event``, or ``None`` when the policy accepts it (sent with the batch's others)."""
        try:
            order = client.order(event.order_id)  # read again right before anything is decided
        except NotFoundError as exc:
            return self._made(event, DecisionKind.FAILED, f"Amazon has no such order for this seller: {exc}")
        if event.kind is EventKind.ORDER_CANCELLED:
            by = order.cancelled_by
            if by == "AMAZON":
                text = next((i.cancel_reason for i in order.items if i.cancel_reason), None) or event.reason_text
                _log.warning("sp_cancel.watch_system_cancel_reported", order_id=order.order_id, reason=text)
                return self._made(
                    event, DecisionKind.SYSTEM_CANCELLED, f"Amazon cancelled the order: {text or 'no reason given'}"
                )
            return self._made(
                event, DecisionKind.CANCELLED, f"cancelled by {by or 'someone Amazon did not name'}: nothing to do"
            )
        kind, reason = decide(self.policy, order, requested_at=event.changed_at, now=utc(self._clock.now()))
        return None if kind is DecisionKind.ACCEPTED else self._made(event, kind, reason)

    def _accepted(self, event: WatchEvent, outcome: CancelOutcome) -> Decision:
        if outcome.status in _FAILED_OUTCOMES:
            why = (
                outcome.error or outcome.detail or "; ".join(m.description for m in outcome.messages) or outcome.status
            )
            return self._made(
                event, DecisionKind.FAILED, f"the accept was {outcome.status}: {why}", outcome.status.value
            )
        reason = "unshipped, requested by the buyer: accepted (BuyerCanceled)"
        return self._made(event, DecisionKind.ACCEPTED, reason, outcome.status.value)

    # --- the sweep ------------------------------------------------------------------------------

    def sweep(self, seller_id: str | None = None) -> list[Handled]:
        """Read orders updated since the last sweep (and finish decisions a dead watcher left) for one or all sellers.

        Raises:
            InvalidInputError: ``seller_id`` is not served by this watch.
        """
        if seller_id is not None and seller_id not in self._clients:
            raise InvalidInputError(f"seller {seller_id!r} is not served by this watch", field="seller_id")
        handled: list[Handled] = []
        for seller in [seller_id] if seller_id is not None else list(self._clients):
            handled.extend(self._sweep_one(seller))
        return handled

    def _sweep_one(self, seller_id: str) -> list[Handled]:
        client = self._clients[seller_id]
        started = utc(self._clock.now())
        with self._cursor_lock:
            since = self._cursors.get(seller_id, started - self.lookback)
        handled = self.handle_many(stuck(self.journal, seller_id))
        found = [
            e
            for order in client.updated_orders(since=since - SWEEP_OVERLAP)
            for e in events_from_order(order, seller_id=seller_id)
        ]
        for start in range(0, len(found), SWEEP_BATCH):  # one feed per batch of accepts
            handled.extend(self.handle_many(found[start : start + SWEEP_BATCH]))
        with self._cursor_lock:
            self._cursors[seller_id] = self._next_cursor(handled, since=since, started=started)
        _log.info("sp_cancel.watch_swept", seller_id=seller_id, since=since.isoformat(), events=len(handled))
        return handled

    def _next_cursor(self, handled: list[Handled], *, since: datetime, started: datetime) -> datetime:
        """Where the next sweep reads from: this one's start, unless an event it read could not be decided.

        A deferred event (throttled, Amazon or the journal unavailable) has nothing journaled and no other
        source may ever bring it back (no notification came), so the next sweep's window must still hold its
        order: the cursor stays at the earliest such order's last update (at ``since`` for an event without
        one), never further back than ``lookback`` (an order that keeps failing must not grow every window).
        """
        cursor = started
        for one in handled:
            if one.failed is not None and one.event is not None:
                cursor = min(cursor, one.event.changed_at or since)
        if cursor < started:
            _log.info("sp_cancel.watch_sweep_cursor_held", since=cursor.isoformat(), reason="deferred decisions")
        return max(cursor, started - self.lookback)

    # --- the queue, one batch -------------------------------------------------------------------

    def poll(self) -> list[Handled]:
        """Receive one batch from the queue and handle it here; what became of each message, in order.

        A message is deleted once its decision is journaled (or it was a duplicate, or a change the watch does
        not act on); one refused or that failed stays in the queue, to come back or end in the dead-letter queue.
        The batch's accepts go out in one feed.

        Raises:
            InvalidInputError: the watch has no queue.
        """
        if self.queue is None:
            raise InvalidInputError("this watch has no queue (Watch(queue=SqsQueue(...)))", field="queue")
        messages = self.queue.receive()
        read = [self._read(m) for m in messages]
        decided = iter(
            self.handle_carried([(m, r) for m, r in zip(messages, read, strict=True) if isinstance(r, WatchEvent)])
        )
        handled: list[Handled] = []
        for message, one in zip(messages, read, strict=True):
            if isinstance(one, WatchEvent):
                handled.append(next(decided))  # settled by handle_carried
            else:
                self._settle(message, one)
                handled.append(one)
        return handled

    def _read(self, message: QueueMessage) -> Handled | WatchEvent:
        """The event a message carries, or what became of it (refused, or nothing to act on)."""
        try:
            event = event_from_message(message.body, application_id=self.application_id)
        except ForeignMessageError as exc:
            # Never acted on, never deleted: after the redrive policy's receives it lands in the dead-letter queue,
            # where `sp-cancel watch dlq` shows it to a person.
            self.metrics.rejected()
            _log.warning("sp_cancel.watch_message_rejected", reason=str(exc), message_id=message.message_id)
            return Handled(event=None, rejected=str(exc))
        return Handled(event=None) if event is None else event

    def handle_carried(self, carrying: Sequence[tuple[QueueMessage, WatchEvent]]) -> list[Handled]:
        """Handle the events of received messages together (kept invisible meanwhile), then settle each message."""
        with ExitStack() as beating:
            for message, _ in carrying:
                beating.enter_context(Heartbeat(self._require_queue(), message).running())
            handled = self.handle_many([event for _, event in carrying])
        self._settle_all(carrying, handled)
        return handled

    def _settle_all(self, carrying: Sequence[tuple[QueueMessage, WatchEvent]], handled: Sequence[Handled]) -> None:
        for (message, _), one in zip(carrying, handled, strict=True):
            self._settle(message, one)

    def _require_queue(self) -> SqsQueue:
        if self.queue is None:
            raise InvalidInputError("this watch has no queue (Watch(queue=SqsQueue(...)))", field="queue")
        return self.queue

    def _settle(self, message: QueueMessage, handled: Handled) -> None:
        queue = self._require_queue()
        if handled.settled:
            queue.delete(message)
        elif handled.rejected is None:
            # A transient failure or another process's seller: visible again a little later. A refused message
            # is left to reach the dead-letter queue.
            queue.release(message, after=RETRY_AFTER)

    # --- the service ----------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask ``run`` to stop: the messages in hand are finished, the rest are left visible in the queue."""
        self.stopping.set()

    def run(self, *, cycles: int | None = None, sweep_at_start: bool = True) -> None:
        """Serve until ``stop`` (a signal handler calls it), or for ``cycles`` receive/sleep rounds.

        One lane (a thread and a short queue) per seller: a throttled seller's messages and sweeps wait in
        its own lane and never stall another seller's. A sweep runs at start (unless ``sweep_at_start`` is
        false: the caller just swept) and every ``sweep_every`` seconds; with a queue, batches are long-polled
        in between.
        """
        lanes = {seller: _Lane(self, seller) for seller in self._clients}
        for lane in lanes.values():
            lane.start()
        next_sweep = self._clock.monotonic() + (0.0 if sweep_at_start else self.sweep_every)
        rounds = 0
        try:
            while not self.stopping.is_set() and (cycles is None or rounds < cycles):
                rounds += 1
                if self._clock.monotonic() >= next_sweep:
                    for lane in lanes.values():
                        lane.sweep_due()
                    next_sweep = self._clock.monotonic() + self.sweep_every
                if self.queue is not None:
                    # Take what some seller's lane has room for, but never more than the fullest lane can still
                    # hold: any message received may be that seller's, and putting one back costs it a receive.
                    room = max((lane.room() for lane in lanes.values()), default=0)
                    take = min(BATCH, room, min((lane.slack() for lane in lanes.values()), default=0))
                    if take == 0:  # every seller is behind, or one holds all it may: leave the queue untouched
                        self.stopping.wait(_FULL_PAUSE)
                        continue
                    self._dispatch(self.queue.receive(at_most=take), lanes)
                else:
                    self._sleep(max(0.0, min(1.0, next_sweep - self._clock.monotonic())))
        finally:
            self.stopping.set()
            for lane in lanes.values():
                lane.finish()

    def _dispatch(self, messages: Sequence[QueueMessage], lanes: dict[str, _Lane]) -> None:
        assert self.queue is not None  # noqa: S101 - only called with a queue
        for message in messages:
            if self.stopping.is_set():
                self.queue.release(message)
                continue
            read = self._read(message)
            if isinstance(read, Handled):
                if read.rejected is None:  # a change the watch does not act on (a tip, another status)
                    self.queue.delete(message)
                continue
            event = read
            lane = lanes.get(event.seller_id)
            if lane is None:
                self._not_served(event.seller_id)
            # No lane: another process serves that seller. A lane that holds all it may cannot happen (the
            # receive took no more than the fullest lane's slack); it would be put back, for later.
            if lane is None or not lane.offer(message, event):
                self.queue.release(message, after=RETRY_AFTER)


class _Lane:
    """One seller's worker: its messages and sweeps, one at a time, apart from every other seller's.

    It wants ``LANE_DEPTH`` messages waiting; while it is behind and another seller's lane has room, it holds
    what the receives bring it, up to ``LANE_HOLD``.

    A message it takes is kept invisible from then on (a ``Heartbeat``), while it waits its turn as while it is
    decided: a seller whose decisions wait on Amazon's usage plans must not see its messages time out in the lane
    and come back to other watchers, each receive counting towards the dead-letter queue's limit.
    """

    def __init__(self, watch: Watch, seller_id: str) -> None:
        self._watch = watch
        self._seller_id = seller_id
        self._jobs: queues.Queue[tuple[QueueMessage, WatchEvent] | None] = queues.Queue(maxsize=LANE_HOLD)
        self._beats: dict[str, Heartbeat] = {}  # by receipt handle: the messages this lane holds
        self._sweep = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._work, name=f"sp-cancel-watch-{seller_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def room(self) -> int:
        """How many more messages this lane wants now (``LANE_DEPTH`` waiting at most)."""
        return max(0, LANE_DEPTH - self._jobs.qsize())

    def slack(self) -> int:
        """How many more messages this lane can hold (``LANE_HOLD``), past what it wants, for another's batch."""
        return max(0, LANE_HOLD - self._jobs.qsize())

    def offer(self, message: QueueMessage, event: WatchEvent) -> bool:
        queue = self._watch.queue
        assert queue is not None  # noqa: S101 - messages come from the queue
        beat = Heartbeat(queue, message)
        self._beats[message.receipt_handle] = beat  # before the worker can take (and settle) the job
        beat.start()
        try:
            self._jobs.put_nowait((message, event))
        except queues.Full:
            self._stop_beating([(message, event)])
            return False
        self._wake.set()
        return True

    def _stop_beating(self, jobs: Sequence[tuple[QueueMessage, WatchEvent]]) -> None:
        for message, _ in jobs:
            beat = self._beats.pop(message.receipt_handle, None)
            if beat is not None:
                beat.stop()

    def sweep_due(self) -> None:
        self._sweep.set()
        self._wake.set()

    def finish(self) -> None:
        self._wake.set()
        self._thread.join()
        queue = self._watch.queue
        while True:  # what was never started goes back to the queue, visible at once
            try:
                job = self._jobs.get_nowait()
            except queues.Empty:
                return
            if job is not None and queue is not None:
                self._stop_beating([job])
                queue.release(job[0])

    def _work(self) -> None:
        watch = self._watch
        while not watch.stopping.is_set():
            if self._sweep.is_set():
                self._sweep.clear()
                try:
                    watch.sweep(self._seller_id)
                except SpCancelError as exc:  # the next sweep reads from the same cursor
                    _log.warning("sp_cancel.watch_sweep_failed", seller_id=self._seller_id, error=str(exc))
                continue
            jobs: list[tuple[QueueMessage, WatchEvent]] = []
            while len(jobs) < BATCH:  # what waits is decided together: its accepts in one feed
                try:
                    job = self._jobs.get_nowait()
                except queues.Empty:
                    break
                if job is not None:
                    jobs.append(job)
            if not jobs:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            self._handle(jobs)

    def _handle(self, jobs: list[tuple[QueueMessage, WatchEvent]]) -> None:
        queue = self._watch.queue
        assert queue is not None  # noqa: S101 - messages come from the queue
        try:
            try:  # kept invisible since the lane took them (offer)
                handled = self._watch.handle_many([event for _, event in jobs])
            finally:
                self._stop_beating(jobs)
            self._watch._settle_all(jobs, handled)  # noqa: SLF001 - the lane is the watch's own worker
        except Exception as exc:  # noqa: BLE001 - one bad batch must not end the seller's lane
            _log.error(
                "sp_cancel.watch_event_failed",
                orders=[e.order_id for _, e in jobs],
                error=type(exc).__name__,
                detail=str(exc),
            )
            for message, _ in jobs:
                queue.release(message, after=RETRY_AFTER)
