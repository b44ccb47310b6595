"""Finishing feed cancels: outcomes from processing reports, reconciliation, crash recovery and resume.

Entries of the Orders API route are handed to ``orders_api`` to finish.
"""

from __future__ import annotations

import functools
from contextlib import suppress
from datetime import timedelta
from typing import TYPE_CHECKING, Final

import attrs

import sp_cancel._events as events
from sp_cancel._cancellation.notify import follow, settle_pending
from sp_cancel._cancellation.orders_api import finish_orders_api
from sp_cancel._cancellation.outcomes import CancelOutcome, CancelStatus, cancel_from_json, cancel_to_json
from sp_cancel._cancellation.payload import CancelPayload
from sp_cancel._cancellation.reads import shipped_since
from sp_cancel._cancellation.record import (
    CANCEL_KINDS,
    KIND_ITEMS,
    KIND_ORDERS_API,
    Planned,
    check,
    not_sent_outcome,
    planned_of,
    request_of,
    submit_or_settle,
    submitted_outcome,
    unconfirmed_outcome,
)
from sp_cancel._outcomes import ProcessingMessage
from sp_cancel._runtime.claims import (
    LOCAL,
    base_key,
    claim_note,
    in_doubt,
    money_moving,
    sent_on_amazon_clock,
    stale_claim,
)
from sp_cancel._runtime.context import past_horizon, until_settled
from sp_cancel._runtime.declare import declare_not_sent
from sp_cancel._runtime.feeds import UNCONFIRMED_PATIENCE, Expected
from sp_cancel.clock import human_duration
from sp_cancel.errors import FeedTimeoutError, InvalidInputError, NotCancellableError, NotFoundError, SpCancelError
from sp_cancel.feeds.report import parse_processing_report
from sp_cancel.journal import FeedTakenError
from sp_cancel.logging import get_logger
from sp_cancel.orders import OrderState, get_order

if TYPE_CHECKING:
    from sp_cancel._outcomes import FeedState
    from sp_cancel._runtime.context import Context
    from sp_cancel._runtime.feeds import Progress, Resolution
    from sp_cancel.journal import Entry, FinalState

__all__ = [
    "declare_cancel_not_sent",
    "finish",
    "finish_feed",
    "recover",
    "refresh_cancel",
    "resume_cancels",
    "unconfirmed_cancels",
]

_log = get_logger()


def _done_status(entry: Entry) -> CancelStatus:
    return CancelStatus.CANCELLED if request_of(entry).items is None else CancelStatus.PARTIALLY_CANCELLED


def _outcome(
    entry: Entry,
    status: CancelStatus,
    *,
    feed_id: str | None = None,
    messages: tuple[ProcessingMessage, ...] = (),
    detail: str | None = None,
) -> CancelOutcome:
    return attrs.evolve(
        submitted_outcome(entry), status=status, feed_id=feed_id or entry.feed_id, messages=messages, detail=detail
    )


def _already_cancelled(ctx: Context, entry: Entry, outcome: CancelOutcome) -> CancelOutcome:
    """A whole-order cancel Amazon refused because the order is already cancelled is done, not rejected.

    It happens when an earlier send of this same cancel did it (a retried ``createFeed`` whose first answer
    was lost): Amazon refuses to cancel a cancelled order. The order is read back to tell.
    """
    done, seen = _read_back(ctx, entry)
    if done is not True:
        return outcome
    return attrs.evolve(
        outcome,
        status=CancelStatus.CANCELLED,
        detail=f"Amazon refused this feed's cancel and {seen}: an earlier send of this cancel did it",
    )


def _by_read_back(ctx: Context, entry: Entry, feed: FeedState, why: str) -> tuple[CancelOutcome, FinalState | None]:
    """Settle one cancel of a feed whose report cannot tell (FATAL, CANCELLED, unreadable, says nothing).

    The order is read back: done when it shows the cancel (the order cancelled, or the asked units
    cancelled). A whole-order cancel that does not show is ``REJECTED`` and journaled ``failed`` (asking
    again sends it again: harmless). A unit cancel moves money: unless the feed was cancelled before
    Amazon processed it, it stays ``UNCONFIRMED`` until the seller's horizon, then ``NOT_SENT``.
    """
    done, seen = _read_back(ctx, entry)
    detail = f"feed {feed.feed_id}: {why}; {seen}"
    if done is True:
        return _outcome(entry, _done_status(entry), feed_id=feed.feed_id, detail=detail), "done"
    if not money_moving(entry.feed_type) or feed.status == "CANCELLED":
        return _outcome(entry, CancelStatus.REJECTED, feed_id=feed.feed_id, detail=detail), "failed"
    if done is False and past_horizon(ctx, entry):
        outcome = _outcome(
            entry,
            CancelStatus.NOT_SENT,
            feed_id=feed.feed_id,
            detail=f"{detail}, {human_duration(ctx.horizon)} after it was sent: asking again sends it",
        )
        return outcome, "failed"
    return unconfirmed_outcome(ctx, entry, detail), None


def finish_feed(ctx: Context, feed: FeedState) -> dict[str, CancelOutcome]:
    """Turn a finished feed into one outcome per cancel it carried, and journal those that ended.

    A processing report counts only when it speaks for the document and agrees with itself
    (``ProcessingReport.verdict``); otherwise each order is read back. A unit cancel whose effect is not
    visible yet is ``UNCONFIRMED`` and stays submitted.
    """
    entries = [e for e in ctx.journal.by_feed(feed.feed_id) if e.kind in CANCEL_KINDS and not e.finished]
    decided: dict[str, tuple[CancelOutcome, FinalState | None]] = {}
    failed: frozenset[int] | None = None
    report = None
    if feed.status == "DONE":
        report = ctx.runner.report_of(feed, parse_processing_report)
        sent = {e.message_id: e.target for e in entries if e.message_id is not None}
        failed = None if report is None or len(sent) != len(entries) else report.verdict(sent)
    for entry in entries:
        if feed.status != "DONE":
            decided[entry.key] = _by_read_back(ctx, entry, feed, f"the feed ended {feed.status}")
            continue
        if report is None or failed is None:
            why = "its processing report is unreadable" if report is None else "its processing report says nothing"
            decided[entry.key] = _by_read_back(ctx, entry, feed, why)
            continue
        assert entry.message_id is not None  # noqa: S101 - the verdict covers every entry's message
        messages: tuple[ProcessingMessage, ...] = report.document_results + report.results_for(entry.message_id)
        if entry.message_id in failed:
            outcome = _outcome(entry, CancelStatus.REJECTED, feed_id=feed.feed_id, messages=messages)
            if request_of(entry).items is None:
                outcome = _already_cancelled(ctx, entry, outcome)
            decided[entry.key] = (outcome, "done" if outcome.ok else "rejected")
        else:
            decided[entry.key] = (_outcome(entry, _done_status(entry), feed_id=feed.feed_id, messages=messages), "done")
    _refuse_shipped_meanwhile(ctx, entries, decided)
    outcomes: dict[str, CancelOutcome] = {}
    for key, (outcome, state) in decided.items():
        outcomes[key] = outcome
        if state is None:
            continue  # UNCONFIRMED, or the ship check could not be made: stays submitted
        ctx.journal.mark_done(key, state=state, outcome=cancel_to_json(outcome))
        event = events.ORDER_CANCELLED if outcome.ok else events.ORDER_REJECTED
        _log.info(event, order_id=outcome.order_id, feed_id=outcome.feed_id, status=outcome.status.value)
    return outcomes


SHIPPED_MEANWHILE_DETAIL: Final = (
    "it shipped before Amazon processed the cancel (the order reads {status} after the feed): Amazon documents "
    'an acknowledgement Failure after a ship-confirm as one that "would refund the entire order amount", so it '
    "was not cancelled; check the refund of this order in Seller Central"
)
# How far before a cancel's check the search for orders shipped meanwhile starts: our clock against Amazon's.
_CHECK_MARGIN: Final = timedelta(minutes=5)


def _refuse_shipped_meanwhile(
    ctx: Context, entries: list[Entry], decided: dict[str, tuple[CancelOutcome, FinalState | None]]
) -> None:
    """A whole-order cancel the report calls a success, of an order that shipped meanwhile, is ``REJECTED``.

    Amazon acts on an acknowledgement ``Failure`` for an order ship-confirmed after the pre-check: it "would
    refund the entire order amount" (Seller Central's help on order acknowledgement feeds, quoted in
    docs/cancel-orders.md), so the order stays shipped and is refunded, and the report's success is not a
    cancel. Which of them shipped is read at the lower plan time of two routes (``shipped_since``): one
    ``getOrder`` each, or one ``searchOrders`` of the seller's orders updated since the earliest of them was
    checked that are shipped now.
    """
    done = [e for e in entries if request_of(e).items is None and (d := decided.get(e.key)) is not None and d[0].ok]
    if not done:
        return
    since = min(e.created_at for e in done) - _CHECK_MARGIN
    try:
        shipped = shipped_since(ctx, [e.target for e in done], since=since)
    except SpCancelError as exc:  # not known: they stay submitted, and the next look checks again
        for entry in done:
            outcome, _state = decided[entry.key]
            detail = f"Amazon applied it; whether the order shipped before that could not be read yet: {exc}"
            decided[entry.key] = (attrs.evolve(outcome, status=CancelStatus.SUBMITTED, detail=detail), None)
        return
    for entry in done:
        order = shipped.get(entry.target)
        if order is None:
            continue
        outcome, _state = decided[entry.key]
        detail = SHIPPED_MEANWHILE_DETAIL.format(status=order.status.value)
        _log.warning(
            events.ORDER_SHIPPED_MEANWHILE,
            order_id=entry.target,
            feed_id=outcome.feed_id,
            order_status=order.status.value,
        )
        decided[entry.key] = (attrs.evolve(outcome, status=CancelStatus.REJECTED, detail=detail), "rejected")


def finish(  # noqa: PLR0911 - one answer per state the journal can hold the cancel in
    ctx: Context, entry: Entry, *, wait: bool, timeout: float, progress: Progress | None
) -> CancelOutcome:
    """Bring a journaled cancel to its outcome: reuse it, poll its feed once, or wait for it."""
    if entry.finished and entry.outcome:
        return cancel_from_json(entry.outcome)
    if entry.kind == KIND_ORDERS_API:
        return finish_orders_api(ctx, entry, wait=wait, timeout=timeout)
    if entry.state == "planned":
        return submitted_outcome(entry, detail=f"not sent yet: {claim_note(entry)}")
    if entry.send_uncertain:
        entry = _settle(ctx, entry, wait=wait, timeout=timeout)
        if entry.finished and entry.outcome:
            return cancel_from_json(entry.outcome)
        if entry.send_uncertain:
            return unconfirmed_outcome(
                ctx, entry, "createFeed's answer was lost and Amazon has not shown this cancel yet"
            )
    if entry.feed_id is None:
        return submitted_outcome(entry)
    return _finish_sent(ctx, entry, entry.feed_id, wait=wait, timeout=timeout, progress=progress)


def _finish_sent(
    ctx: Context, entry: Entry, feed_id: str, *, wait: bool, timeout: float, progress: Progress | None
) -> CancelOutcome:
    """Poll (or wait for) the entry's feed and turn its report into the outcome."""
    if wait:
        try:
            feed = ctx.runner.wait(feed_id, timeout=timeout, progress=progress)
        except FeedTimeoutError as exc:
            exc.outcome = submitted_outcome(entry)  # so the caller can client.wait(err.outcome) later
            raise
    else:
        feed = ctx.runner.status(feed_id)
    if not feed.finished:
        return submitted_outcome(entry)
    done = finish_feed(ctx, feed)
    if entry.key in done:
        return done[entry.key]
    current = ctx.journal.get(entry.key)  # finished meanwhile by another process
    if current is not None and current.finished and current.outcome:
        return cancel_from_json(current.outcome)
    return submitted_outcome(current or entry)


def refresh_cancel(ctx: Context, key: str, *, wait: bool, timeout: float, progress: Progress | None) -> CancelOutcome:
    """Re-read (or wait for) the cancel journaled under ``key``, from any process; its buyer message follows it."""
    entry = ctx.journal.get(key)
    if entry is None:
        raise InvalidInputError(f"the journal has no submission {key!r}", field="outcome")
    return follow(ctx, finish(ctx, entry, wait=wait, timeout=timeout, progress=progress))


# --- crash recovery -----------------------------------------------------------------------------------


def _read_back(ctx: Context, entry: Entry) -> tuple[bool | None, str]:
    """Whether Amazon shows this cancel done, and what was seen; ``None`` when the order cannot tell.

    A whole-order cancel is done when the order reads ``CANCELLED``. A unit cancel is done when each asked
    item's *cancelled* quantity grew by the asked units since the order was checked: units that shipped
    meanwhile are never counted as cancelled.
    """
    payload = CancelPayload.of_entry(entry)
    request = payload.request
    try:
        order = get_order(ctx.api, request.order_id)
    except NotFoundError:
        return None, "the order could not be read back"
    if request.items is None:
        return order.status is OrderState.CANCELLED, f"the order reads back as {order.status.value}"
    before = payload.cancelled_before
    if before is None:  # journaled by an older version, which kept no cancelled quantities
        return None, "the order's cancelled units cannot be compared (no record of them before)"
    theirs, rivals = _overlapping(ctx, entry, {i.order_item_id for i in request.items})
    if rivals:
        return None, (
            f"the order's cancelled units cannot be told apart from those of another unit cancel of the same "
            f"item(s) ({', '.join(rivals)})"
        )
    counts = {
        i.order_item_id: (
            (it.quantity_cancelled if (it := order.item(i.order_item_id)) else 0)
            - int(before.get(i.order_item_id, 0))
            - theirs.get(i.order_item_id, 0),
            i.quantity,
        )
        for i in request.items
    }
    done = all(grew >= asked for grew, asked in counts.values())
    seen = ", ".join(f"item {item}: {grew} of {asked} units cancelled since" for item, (grew, asked) in counts.items())
    return done, f"the order reads back {seen}"


def _overlapping(ctx: Context, entry: Entry, items: set[str]) -> tuple[dict[str, int], list[str]]:
    """Other unit cancels of the same items that may have cancelled units after ``entry`` was checked.

    Returns the units to discount (unit cancels Amazon proved done that were sent after ``entry``: their units
    cannot be in its ``cancelled_before``, and they are theirs) and the others that blur the read-back (in
    doubt, or sent before ``entry`` without having ended before it was planned): with those, it cannot tell
    whose the units are, and says so rather than guess. A unit cancel that ended before ``entry`` was planned
    is in its ``cancelled_before``.
    """
    theirs: dict[str, int] = {}
    rivals: list[str] = []
    mine = sent_on_amazon_clock(entry)
    for other in ctx.journal.find(KIND_ITEMS, entry.target):
        if other.key == entry.key or other.state in {"failed", "rejected"}:
            continue
        if other.finished and other.updated_at < entry.created_at:
            continue
        shared = [i for i in (request_of(other).items or ()) if i.order_item_id in items]
        if not shared:
            continue
        sent = sent_on_amazon_clock(other)
        if other.state == "done" and mine is not None and sent is not None and sent >= mine:
            for item in shared:
                theirs[item.order_item_id] = theirs.get(item.order_item_id, 0) + item.quantity
        else:
            rivals.append(other.key)
    return theirs, rivals


def _expected(siblings: list[Entry]) -> Expected:
    items = {i.order_item_id for e in siblings for i in (request_of(e).items or ())}
    return Expected(
        messages=len(siblings),
        message_ids=frozenset(e.message_id for e in siblings if e.message_id is not None),
        order_ids=frozenset(e.target for e in siblings),
        item_ids=frozenset(items),
        report=parse_processing_report,
    )


def recover(ctx: Context, entry: Entry) -> Entry:
    """An entry was being submitted when its process stopped, or ``createFeed``'s answer was lost.

    Every entry sent in the same document is settled together. A feed Amazon lists that may be theirs
    is only a candidate: it becomes theirs when its processing report names their orders, and their
    cancels are reported done without a feed id when reading the orders back shows them cancelled. A
    candidate still processing keeps them uncertain.

    What happens when nothing proves a feed depends on what the cancel is. A whole-order cancel is
    harmless to repeat (Amazon refuses to cancel a cancelled order): once Amazon lists no feed that could
    be it (the search is conclusive), it is claimed back (one worker wins), checked again (the order may
    have shipped, the buyer's request may be gone) and sent again. A unit cancel moves money: it is never
    sent again on the strength of a search; it is done when the order shows its units cancelled, and
    ``NOT_SENT`` only once the seller's horizon has passed with nothing seen.
    """
    if entry.feed_type is None or entry.submitted_at is None:
        return entry
    siblings = [e for e in ctx.journal.unfinished() if e.send_uncertain and e.document_hash == entry.document_hash] or [
        entry
    ]
    marketplace = CancelPayload.of_entry(entry).marketplace_id or ctx.marketplace_id
    seen: dict[str, tuple[bool | None, str]] = {}

    def effect(_candidate: FeedState) -> bool | None:
        for e in siblings:
            seen[e.key] = _read_back(ctx, e)
        if all(done is True for done, _ in seen.values()):
            return True
        return None if any(done is None for done, _ in seen.values()) else False

    found = ctx.runner.resolve(
        feed_type=entry.feed_type,
        marketplace_ids=[marketplace],
        entry=entry,
        expected=_expected(siblings),
        effect=effect,
    )
    if found.feed is not None and found.by_report:
        with suppress(FeedTakenError):  # its owner recorded it meanwhile: it is not ours after all
            ctx.journal.mark_submitted([e.key for e in siblings], feed_id=found.feed.feed_id)
    elif found.feed is not None:
        for e in siblings:  # Amazon shows it done; which feed did it is not proven: no feed id is claimed
            _done_by_read_back(ctx, e, seen.get(e.key) or _read_back(ctx, e))
    else:
        _settle_unproven(ctx, siblings, seen, found)
    return ctx.journal.get(entry.key) or entry


def _settle_unproven(
    ctx: Context, siblings: list[Entry], seen: dict[str, tuple[bool | None, str]], found: Resolution
) -> None:
    """Cancels no candidate feed proves: done when the order shows them; otherwise it depends on what they move.

    A unit cancel (money) is never sent again on a search: past the horizon with nothing seen, it is
    ``NOT_SENT``. A whole-order cancel is claimed back and sent again once the search is conclusive.
    """
    open_ones: list[Entry] = []
    for e in siblings:
        done, what = seen.get(e.key) or _read_back(ctx, e)
        if done is True:
            _done_by_read_back(ctx, e, (done, what))
        elif not money_moving(e.feed_type):
            open_ones.append(e)
        elif done is False and not found.pending and past_horizon(ctx, e):
            not_sent_outcome(
                ctx,
                e,
                f"createFeed's answer was lost and, {human_duration(ctx.horizon)} later, Amazon lists no feed "
                f"that could be it ({found.candidates} ruled out) and {what}",
            )
    if open_ones and not found.pending and found.conclusive:
        _resend(ctx, open_ones)


def _settle(ctx: Context, entry: Entry, *, wait: bool, timeout: float) -> Entry:
    """``recover`` until the entry is no longer uncertain, or once (``wait=False``); bounded by ``timeout``.

    A unit cancel (money) is looked for at most ``UNCONFIRMED_PATIENCE`` s before the answer is
    ``UNCONFIRMED``; a whole-order cancel up to ``timeout`` (it is sent again once Amazon shows no feed of it).
    """
    patience = (min(timeout, UNCONFIRMED_PATIENCE) if money_moving(entry.feed_type) else timeout) if wait else 0.0
    return until_settled(ctx, entry, functools.partial(recover, ctx), timeout=patience) or entry


def _done_by_read_back(ctx: Context, entry: Entry, seen: tuple[bool | None, str]) -> None:
    outcome = _outcome(entry, _done_status(entry), detail=f"createFeed's answer was lost; {seen[1]}")
    ctx.journal.mark_done(entry.key, state="done", outcome=cancel_to_json(outcome))
    _log.info(events.ORDER_CANCELLED, order_id=outcome.order_id, feed_id=None, status=outcome.status.value)


def _send_late(ctx: Context, taken: list[Entry]) -> None:
    """Send plans this caller holds the lease of, after the same checks as the first time.

    A plan the checks now refuse (the order shipped, the buyer's request is gone) is journaled
    ``REJECTED``, nothing sent.
    """
    planned: list[Planned] = []
    for entry in taken:
        again = attrs.evolve(planned_of(entry), read_at=ctx.clock.now())  # checked again just below
        try:
            order = get_order(ctx.api, again.request.order_id)
            check(order, again.request, buyer_request=again.buyer_request)
        except (NotCancellableError, InvalidInputError, NotFoundError) as exc:
            _log.warning(events.ORDER_REJECTED, order_id=again.request.order_id, reason=str(exc))
            outcome = _outcome(entry, CancelStatus.REJECTED, detail=f"not sent: {exc}")
            ctx.journal.mark_done(entry.key, state="rejected", outcome=cancel_to_json(outcome))
            continue
        planned.append(again)
    if planned:
        submit_or_settle(ctx, planned)


def _resend(ctx: Context, entries: list[Entry]) -> None:
    """Send again whole-order cancels Amazon shows no feed of (harmless to repeat): one worker wins each."""
    taken = [t for e in entries if (t := ctx.journal.take_back(e.key, version=e.version)) is not None]
    if taken:
        _log.warning(events.JOURNAL_RESUMED, keys=[t.key for t in taken], action="resend", reason="no feed at Amazon")
        _send_late(ctx, taken)


def _resume_one(ctx: Context, entry: Entry, *, timeout: float, progress: Progress | None) -> CancelOutcome:
    _log.info(events.JOURNAL_RESUMED, key=entry.key, state=entry.state, feed_id=entry.feed_id)
    if entry.finished and entry.outcome:
        return cancel_from_json(entry.outcome)
    try:
        return finish(ctx, entry, wait=True, timeout=timeout, progress=progress)
    except FeedTimeoutError:  # still processing: report it SUBMITTED (for client.wait) and go on
        return submitted_outcome(ctx.journal.get(entry.key) or entry)


def resume_cancels(ctx: Context, *, timeout: float, progress: Progress | None = None) -> list[CancelOutcome]:
    """Finish every cancel the journal holds as planned or submitted: one outcome per cancel.

    Plans never sent whose worker is gone (lease expired, or its process on this host is dead) are taken
    over and sent now, after the same pre-flight checks (an order that shipped meanwhile is reported
    ``REJECTED``, nothing sent); a plan a live worker holds is reported with that worker and its lease. A
    feed still processing after ``timeout`` yields a ``SUBMITTED`` outcome (with its feed id) instead of
    stopping the others; a unit cancel that may have been sent is looked for once (``UNCONFIRMED``), never
    sent again; a cancel that cannot be settled now (Amazon or the journal failing) is reported with the
    reason. Every cancel of a batch gets its outcome, also those finished along with a sibling's feed.
    Pending buyer messages are sent once their cancel is confirmed (``notify.settle_pending``).
    """
    start = [e for e in ctx.journal.unfinished() if e.kind in CANCEL_KINDS]
    abandoned: list[Entry] = []
    for listed in start:
        if listed.kind == KIND_ORDERS_API or listed.state != "planned":
            continue
        with LOCAL.lead(ctx.journal, base_key(listed.key)):  # no call of this process is working on it now
            current = ctx.journal.get(listed.key)
            stale = None if current is None else stale_claim(current, ctx.clock.now())
            taken = None if stale is None else ctx.journal.take_over(listed.key, stale_owner=stale or None)
        if taken is not None:
            _log.warning(events.JOURNAL_TAKEN_OVER, key=listed.key, previous_owner=listed.owner)
            abandoned.append(taken)
    outcomes: dict[str, CancelOutcome] = {}
    if abandoned:
        try:
            _send_late(ctx, abandoned)
        except SpCancelError as exc:
            _log.warning(events.RESUME_FAILED, keys=[e.key for e in abandoned], reason=str(exc)[:300])
    for entry in start:
        current = ctx.journal.get(entry.key)  # a sibling's recovery may have moved it on
        if current is None:
            continue
        try:
            outcomes[current.key] = _resume_one(ctx, current, timeout=timeout, progress=progress)
        except SpCancelError as exc:
            _log.warning(events.RESUME_FAILED, key=current.key, reason=str(exc)[:300])
            latest = ctx.journal.get(current.key) or current
            status = CancelStatus.UNCONFIRMED if latest.send_uncertain else CancelStatus.SUBMITTED
            outcomes[current.key] = _outcome(latest, status, detail=f"could not be settled now: {exc}")
    # Buyer messages follow their cancels; those whose cancel ended earlier (a crash between the two) go now.
    return [follow(ctx, o) for o in outcomes.values()] + settle_pending(ctx, skip=outcomes)


# --- cancels in doubt ---------------------------------------------------------------------------------


def _look(ctx: Context, key: str) -> CancelOutcome:
    """The cancel ``key`` as Amazon shows it now, asked once without waiting."""
    return refresh_cancel(ctx, key, wait=False, timeout=1.0, progress=None)


def unconfirmed_cancels(ctx: Context) -> list[CancelOutcome]:
    """Every cancel the journal holds as possibly sent and not yet shown by Amazon, looked at once more."""
    return in_doubt(
        ctx.journal,
        CANCEL_KINDS,
        look=functools.partial(_look, ctx),
        unconfirmed=lambda entry, detail: _outcome(entry, CancelStatus.UNCONFIRMED, detail=detail),
    )


def declare_cancel_not_sent(ctx: Context, outcome: CancelOutcome, *, by: str, note: str | None) -> CancelOutcome:
    """Journal an ``UNCONFIRMED`` cancel as not sent, on an operator's word (who and when are kept).

    It is looked at once more first: if Amazon shows it now, nothing is declared.

    Raises:
        InvalidInputError: the cancel is not ``UNCONFIRMED`` (Amazon shows it, or it is finished).
    """
    key = outcome.submission_id
    if key is None:
        raise InvalidInputError(
            "this outcome was never journaled (no submission_id): nothing to declare", field="outcome"
        )
    settle = functools.partial(not_sent_outcome, ctx)
    return declare_not_sent(ctx, "cancel", key, look=functools.partial(_look, ctx), settle=settle, by=by, note=note)
