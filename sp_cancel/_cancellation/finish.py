"""Finishing feed cancels: outcomes from processing reports, reconciliation, crash recovery and resume.

Entries of the Orders API route are handed to ``orders_api`` to finish.
"""

from __future__ import annotations

import functools
from contextlib import suppress
from typing import TYPE_CHECKING

import attrs

import sp_cancel._events as events
from sp_cancel._cancellation.orders_api import finish_orders_api
from sp_cancel._cancellation.record import (
    CANCEL_KINDS,
    KIND_ORDERS_API,
    Planned,
    check,
    payload_of,
    planned_of,
    request_of,
    submit_or_release,
    submitted_outcome,
)
from sp_cancel._codec import cancel_from_json, cancel_to_json
from sp_cancel._outcomes import CancelOutcome, CancelStatus, ProcessingMessage
from sp_cancel._runtime import Expected, until_settled
from sp_cancel.errors import FeedError, FeedTimeoutError, InvalidInputError, NotCancellableError, NotFoundError
from sp_cancel.feeds.report import ReportParseError, parse_processing_report
from sp_cancel.journal import FeedTakenError, JournalError
from sp_cancel.logging import get_logger
from sp_cancel.orders import OrderState, get_order

if TYPE_CHECKING:
    from sp_cancel._runtime import Context, FeedState, Progress
    from sp_cancel.journal import Entry, FinalState

__all__ = ["finish", "finish_feed", "recover", "refresh_cancel", "resume_cancels"]

_log = get_logger()


def _from_results(entry: Entry, results: tuple[ProcessingMessage, ...], feed_id: str) -> CancelOutcome:
    request = request_of(entry.payload)
    if any(m.severity == "ERROR" for m in results):
        status = CancelStatus.REJECTED
    elif request.items is None:
        status = CancelStatus.CANCELLED
    else:
        status = CancelStatus.PARTIALLY_CANCELLED
    return CancelOutcome(
        order_id=request.order_id,
        status=status,
        reason=request.reason,
        feed_id=feed_id,
        submission_id=entry.key,
        messages=results,
        items=request.items,
    )


def _already_cancelled(ctx: Context, entry: Entry, outcome: CancelOutcome) -> CancelOutcome:
    """A whole-order cancel Amazon refused because the order is already cancelled is done, not rejected.

    It happens when an earlier send of this same cancel did it (a retried ``createFeed`` whose first answer
    was lost): Amazon refuses to cancel a cancelled order. The order is read back to tell.
    """
    done, seen = _read_back(ctx, entry)
    if not done:
        return outcome
    return attrs.evolve(
        outcome,
        status=CancelStatus.CANCELLED,
        detail=f"Amazon refused this feed's cancel and {seen}: an earlier send of this cancel did it",
    )


def _reconcile(ctx: Context, entry: Entry, feed: FeedState) -> CancelOutcome:
    """After FATAL (or CANCELLED), read the order back and report what actually happened."""
    request = request_of(entry.payload)
    done, seen = _read_back(ctx, entry)
    if not done:
        status = CancelStatus.REJECTED
    elif request.items is None:
        status = CancelStatus.CANCELLED
    else:
        status = CancelStatus.PARTIALLY_CANCELLED
    return CancelOutcome(
        order_id=request.order_id,
        status=status,
        reason=request.reason,
        feed_id=feed.feed_id,
        submission_id=entry.key,
        items=request.items,
        detail=f"feed {feed.feed_id} ended {feed.status}; {seen}",
    )


def finish_feed(ctx: Context, feed: FeedState) -> dict[str, CancelOutcome]:
    """Turn a finished feed into one outcome per cancel it carried, and journal them."""
    entries = [e for e in ctx.journal.by_feed(feed.feed_id) if e.kind in CANCEL_KINDS and not e.finished]
    outcomes: dict[str, CancelOutcome] = {}
    if feed.status == "DONE":
        try:
            report = parse_processing_report(ctx.runner.result(feed))
        except ReportParseError as exc:
            raise FeedError(f"processing report unreadable: {exc}", feed_id=feed.feed_id) from exc
        document_level = tuple(r for r in report.results if not r.message_id)
        for entry in entries:
            mine = tuple(r for r in report.results if r.message_id and r.message_id == entry.message_id)
            outcome = _from_results(entry, document_level + mine, feed.feed_id)
            if outcome.status is CancelStatus.REJECTED and outcome.items is None:
                outcome = _already_cancelled(ctx, entry, outcome)
            outcomes[entry.key] = outcome
    else:
        for entry in entries:
            outcomes[entry.key] = _reconcile(ctx, entry, feed)
    for key, outcome in outcomes.items():
        # A FATAL/CANCELLED feed that left the order open did not do the cancel: "failed", so asking again
        # sends it again (record.live_key); a rejection in Amazon's report is final ("rejected").
        state: FinalState = "done" if outcome.ok else "rejected" if feed.status == "DONE" else "failed"
        ctx.journal.mark_done(key, state=state, outcome=cancel_to_json(outcome))
        event = events.ORDER_CANCELLED if outcome.ok else events.ORDER_REJECTED
        _log.info(event, order_id=outcome.order_id, feed_id=outcome.feed_id, status=outcome.status.value)
    return outcomes


def finish(ctx: Context, entry: Entry, *, wait: bool, timeout: float, progress: Progress | None) -> CancelOutcome:
    """Bring a journaled cancel to its outcome: reuse it, poll its feed once, or wait for it."""
    if entry.finished and entry.outcome:
        return cancel_from_json(entry.outcome)
    if entry.kind == KIND_ORDERS_API:
        return finish_orders_api(ctx, entry, wait=wait, timeout=timeout)
    if entry.send_uncertain:
        entry = _settle(ctx, entry, wait=wait, timeout=timeout)
        if entry.finished and entry.outcome:
            return cancel_from_json(entry.outcome)
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
    if current is None or not current.outcome:
        raise FeedError("the journal lost this submission's outcome", feed_id=feed.feed_id)
    return cancel_from_json(current.outcome)


def refresh_cancel(ctx: Context, key: str, *, wait: bool, timeout: float, progress: Progress | None) -> CancelOutcome:
    """Re-read (or wait for) the cancel journaled under ``key``, from any process."""
    entry = ctx.journal.get(key)
    if entry is None:
        raise InvalidInputError(f"the journal has no submission {key!r}", field="outcome")
    return finish(ctx, entry, wait=wait, timeout=timeout, progress=progress)


# --- crash recovery -----------------------------------------------------------------------------------


def _read_back(ctx: Context, entry: Entry) -> tuple[bool, str]:
    """Whether Amazon shows this cancel done (the order cancelled, or the units), and what was seen."""
    request = request_of(entry.payload)
    try:
        order = get_order(ctx.api, request.order_id)
    except NotFoundError:
        return False, "the order could not be read back"
    if request.items is None:
        return order.status is OrderState.CANCELLED, f"the order reads back as {order.status.value}"
    before = entry.payload.get("unshipped_before") or {}
    done = all(
        (item := order.item(i.order_item_id)) is not None
        and before.get(i.order_item_id, 0) - item.quantity_unshipped >= i.quantity
        for i in request.items
    )
    return done, "the units read back as cancelled" if done else "the units read back as not cancelled"


def _expected(siblings: list[Entry]) -> Expected:
    items = {i.order_item_id for e in siblings for i in (request_of(e.payload).items or ())}
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
    candidate still processing keeps them ``SUBMITTED``. When Amazon shows no feed that could be theirs
    (the search is conclusive), the orders are checked again (one may have shipped meanwhile: an
    acknowledgement ``Failure`` after a ship-confirm would refund the whole order) and sent again:
    Amazon refuses a second cancel of a cancelled order, so a resend never cancels twice.
    """
    if entry.feed_type is None or entry.submitted_at is None:
        return entry
    siblings = [e for e in ctx.journal.unfinished() if e.send_uncertain and e.document_hash == entry.document_hash] or [
        entry
    ]
    marketplace = str(entry.payload.get("marketplace_id") or ctx.marketplace_id)
    seen: dict[str, tuple[bool, str]] = {}

    def effect(_candidate: FeedState) -> bool:
        for e in siblings:
            seen[e.key] = _read_back(ctx, e)
        return all(done for done, _ in seen.values())

    found = ctx.runner.resolve(
        feed_type=entry.feed_type,
        marketplace_ids=[marketplace],
        sent_at=entry.submitted_at,
        expected=_expected(siblings),
        effect=effect,
    )
    if found.feed is not None and found.by_report:
        with suppress(FeedTakenError):  # its owner recorded it meanwhile: it is not ours after all
            ctx.journal.mark_submitted([e.key for e in siblings], feed_id=found.feed.feed_id)
    elif found.feed is not None:
        for e in siblings:  # Amazon shows it done; which feed did it is not proven: no feed id is claimed
            _done_by_read_back(ctx, e, seen.get(e.key) or _read_back(ctx, e))
    elif not found.pending and found.conclusive:
        by_key = {e.key: e for e in siblings}
        for key, outcome in _resend(ctx, siblings).items():  # refused now (shipped meanwhile...): not sent
            with suppress(JournalError):  # keep the refusal, so a repeat or resume reports it
                ctx.journal.plan(key, kind=by_key[key].kind, target=by_key[key].target, payload=by_key[key].payload)
                ctx.journal.mark_done(key, state="rejected", outcome=cancel_to_json(outcome))
    refreshed = ctx.journal.get(entry.key)
    if refreshed is None:  # the resend refused it before sending
        return entry
    return refreshed


def _settle(ctx: Context, entry: Entry, *, wait: bool, timeout: float) -> Entry:
    """``recover`` until the entry is no longer uncertain, or (``wait=False``) once; bounded by ``timeout``."""
    return until_settled(ctx, entry, functools.partial(recover, ctx), timeout=timeout if wait else 0.0) or entry


def _done_by_read_back(ctx: Context, entry: Entry, seen: tuple[bool, str]) -> None:
    request = request_of(entry.payload)
    status = CancelStatus.CANCELLED if request.items is None else CancelStatus.PARTIALLY_CANCELLED
    outcome = CancelOutcome(
        order_id=request.order_id,
        status=status,
        reason=request.reason,
        submission_id=entry.key,
        items=request.items,
        detail=f"createFeed's answer was lost; {seen[1]}",
    )
    ctx.journal.mark_done(entry.key, state="done", outcome=cancel_to_json(outcome))
    _log.info(events.ORDER_CANCELLED, order_id=outcome.order_id, feed_id=None, status=outcome.status.value)


def _resend(ctx: Context, entries: list[Entry]) -> dict[str, CancelOutcome]:
    """Send again what certainly never reached Amazon, after the same pre-flight checks as the first time.

    Returns the entries the checks now refuse (the order shipped, was cancelled...), as ``REJECTED``
    outcomes saying nothing was sent; their plans are dropped.
    """
    planned: list[Planned] = []
    refused: dict[str, CancelOutcome] = {}
    for entry in entries:
        again = planned_of(entry)
        ctx.journal.release(entry.key)
        try:
            order = get_order(ctx.api, again.request.order_id)
            check(order, again.request)
        except (NotCancellableError, InvalidInputError, NotFoundError) as exc:
            _log.warning(events.ORDER_REJECTED, order_id=again.request.order_id, reason=str(exc))
            refused[entry.key] = CancelOutcome(
                order_id=again.request.order_id,
                status=CancelStatus.REJECTED,
                reason=again.request.reason,
                submission_id=entry.key,
                items=again.request.items,
                detail=f"not sent: {exc}",
            )
            continue
        _, created = ctx.journal.plan(
            entry.key,
            kind=entry.kind,
            target=entry.target,
            payload=payload_of(again.request, order, again.marketplace_id),
        )
        if created:
            planned.append(again)
    if planned:
        submit_or_release(ctx, planned)
    return refused


def resume_cancels(ctx: Context, *, timeout: float, progress: Progress | None = None) -> list[CancelOutcome]:
    """Finish every cancel the journal holds as planned or submitted: one outcome per cancel.

    Plans never sent whose worker is gone (lease expired) are sent now, after the same pre-flight checks
    (an order that shipped meanwhile is reported ``REJECTED``, nothing sent). A feed still processing after
    ``timeout`` yields a ``SUBMITTED`` outcome (with its feed id) instead of stopping the others. Every
    cancel of a batch gets its outcome, also those finished along with a sibling's feed.
    """
    now = ctx.clock.now()
    start = [e for e in ctx.journal.unfinished() if e.kind in CANCEL_KINDS]
    abandoned = [e for e in start if e.state == "planned" and e.lease_expired(now)]
    outcomes: dict[str, CancelOutcome] = _resend(ctx, abandoned) if abandoned else {}
    for entry in start:
        if entry.key in outcomes:
            continue
        current = ctx.journal.get(entry.key)  # a sibling's recovery may have moved it on
        if current is None:
            continue
        _log.info(events.JOURNAL_RESUMED, key=current.key, state=current.state, feed_id=current.feed_id)
        if current.finished and current.outcome:
            outcomes[current.key] = cancel_from_json(current.outcome)
            continue
        if current.state == "planned":  # a live worker holds it: it is sending it now
            outcomes[current.key] = submitted_outcome(current, detail="being sent by another worker")
            continue
        try:
            outcomes[current.key] = finish(ctx, current, wait=True, timeout=timeout, progress=progress)
        except FeedTimeoutError:  # still processing: report it SUBMITTED (for client.wait) and go on
            outcomes[current.key] = submitted_outcome(ctx.journal.get(current.key) or current)
    return list(outcomes.values())
