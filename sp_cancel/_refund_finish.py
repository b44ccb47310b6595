"""Turning a refund's feed into its outcome: the processing report, or Finances after a FATAL feed.

Also what was already refunded on an order: Amazon's posted refunds plus this library's
refunds Amazon has not posted yet (correlated, so nothing is counted twice).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal

from sp_cancel import _events
from sp_cancel._codec import refund_from_json, refund_to_json
from sp_cancel._finances import PendingRefund, RefundLine, correlate, refund_lines, totals
from sp_cancel._outcomes import ProcessingMessage, RefundOutcome, RefundStatus
from sp_cancel._refund_send import KIND, reread
from sp_cancel.errors import FeedError, FeedTimeoutError
from sp_cancel.feeds.report import ReportParseError, parse_processing_report
from sp_cancel.logging import get_logger
from sp_cancel.models import Money, PriceComponent

if TYPE_CHECKING:
    from sp_cancel._context import Context
    from sp_cancel._feedrun import FeedState, Progress
    from sp_cancel.journal import Entry

__all__ = [
    "POSTING_WINDOW",
    "REFUND_FINISHED",
    "already_refunded",
    "amounts",
    "finish",
    "journal_lines",
    "make_outcome",
]

# Amazon posts refunds to Finances "with up to 48 hours" of delay (facts §4).
POSTING_WINDOW: Final = timedelta(hours=48)
REFUND_FINISHED: Final = _events.REFUND_FINISHED
_log = get_logger()


def amounts(payload: Mapping[str, Any]) -> dict[str, dict[PriceComponent, Money]]:
    currency = payload["currency"]
    return {
        item["order_item_id"]: {
            PriceComponent(c): Money(amount=Decimal(a), currency=currency) for c, a in item["components"].items()
        }
        for item in payload["items"]
    }


def make_outcome(entry: Entry, status: RefundStatus, **extra: Any) -> RefundOutcome:
    return RefundOutcome(
        order_id=entry.payload["order_id"],
        status=status,
        idempotency_key=entry.payload["idempotency_key"],
        amounts=amounts(entry.payload),
        feed_id=extra.pop("feed_id", entry.feed_id),
        submission_id=entry.key,
        **extra,
    )


def journal_lines(ctx: Context, order_id: str, *, now: datetime) -> list[PendingRefund]:
    """Refund lines this library sent (or is sending) for ``order_id`` that may have been applied."""
    out: list[PendingRefund] = []
    for entry in ctx.journal.find(KIND, order_id):
        if entry.state in {"rejected", "failed"}:
            continue
        if entry.state == "planned" and entry.lease_expired(now):
            continue  # never sent and abandoned
        applied: set[str] | None = None
        if entry.state == "done" and entry.outcome:
            statuses = entry.outcome.get("item_status") or {}
            applied = {item for item, status in statuses.items() if status == RefundStatus.APPLIED.value}
        submitted = entry.submitted_at if entry.state != "planned" else now
        for item_id, components in amounts(entry.payload).items():
            if applied is not None and item_id not in applied:
                continue
            out.extend(
                PendingRefund(key=entry.key, order_item_id=item_id, component=c, amount=m, submitted_at=submitted)
                for c, m in components.items()
            )
    return out


def already_refunded(
    ctx: Context, order_id: str, lines: Sequence[RefundLine]
) -> dict[str, dict[PriceComponent, Money]]:
    """Amazon's posted refunds plus this library's refunds Amazon has not posted yet, per item and component."""
    pending = journal_lines(ctx, order_id, now=ctx.clock.now())
    matched = correlate(pending, lines)
    triples = [(line.order_item_id, line.component, line.amount) for line in lines]
    triples += [(p.order_item_id, p.component, p.amount) for n, p in enumerate(pending) if n not in matched]
    return totals(triples)


def _from_report(entry: Entry, feed_id: str, report_bytes: bytes) -> RefundOutcome:
    try:
        report = parse_processing_report(report_bytes)
    except ReportParseError as exc:
        raise FeedError(f"processing report unreadable: {exc}", feed_id=feed_id) from exc
    whole = tuple(r for r in report.results if not r.message_id)
    document_failed = report.status_code == "Rejected" or any(r.severity == "ERROR" for r in whole)
    messages: list[ProcessingMessage] = list(whole)
    item_status: dict[str, RefundStatus] = {}
    for item in entry.payload["items"]:
        mine = report.results_for(item["message_id"])
        messages.extend(mine)
        failed = document_failed or any(r.severity == "ERROR" for r in mine)
        item_status[item["order_item_id"]] = RefundStatus.REJECTED if failed else RefundStatus.APPLIED
    return make_outcome(
        entry,
        _overall(item_status),
        feed_id=feed_id,
        messages=tuple(messages),
        item_status=item_status,
    )


def _overall(item_status: Mapping[str, RefundStatus]) -> RefundStatus:
    applied = [s is RefundStatus.APPLIED for s in item_status.values()]
    if all(applied):
        return RefundStatus.APPLIED
    return RefundStatus.PARTIALLY_APPLIED if any(applied) else RefundStatus.REJECTED


def _record(ctx: Context, entry: Entry, outcome: RefundOutcome) -> RefundOutcome:
    state: Literal["done", "rejected"] = "rejected" if outcome.status is RefundStatus.REJECTED else "done"
    ctx.journal.mark_done(entry.key, state=state, outcome=refund_to_json(outcome))
    _log.info(
        REFUND_FINISHED,
        order_id=outcome.order_id,
        feed_id=outcome.feed_id,
        key=entry.key,
        status=outcome.status.value,
    )
    return outcome


def _after_fatal(ctx: Context, entry: Entry, feed: FeedState) -> RefundOutcome:
    """A FATAL feed may have applied some, none or all messages: settle each item from Finances."""
    if feed.status == "CANCELLED":  # cancelled before processing started: nothing was applied
        statuses = {item["order_item_id"]: RefundStatus.REJECTED for item in entry.payload["items"]}
        return _record(ctx, entry, make_outcome(entry, RefundStatus.REJECTED, item_status=statuses))
    order_id = entry.payload["order_id"]
    lines = refund_lines(ctx.api, order_id)
    pending = journal_lines(ctx, order_id, now=ctx.clock.now())
    matched = correlate(pending, lines)
    posted_items: dict[str, bool] = {}
    for n, line in enumerate(pending):
        if line.key == entry.key:
            posted_items[line.order_item_id] = posted_items.get(line.order_item_id, True) and n in matched
    statuses = {
        item: RefundStatus.APPLIED if posted else RefundStatus.REJECTED for item, posted in posted_items.items()
    }
    settled = entry.submitted_at is not None and ctx.clock.now() - entry.submitted_at >= POSTING_WINDOW
    if all(posted_items.values()) or settled:
        return _record(ctx, entry, make_outcome(entry, _overall(statuses), item_status=statuses))
    return make_outcome(entry, RefundStatus.SUBMITTED)


def finish(ctx: Context, entry: Entry, *, wait: bool, timeout: float, progress: Progress | None) -> RefundOutcome:
    if entry.finished and entry.outcome:
        return refund_from_json(entry.outcome)
    if entry.feed_id is None:
        return make_outcome(entry, RefundStatus.SUBMITTED)
    runner = ctx.runner
    try:
        feed = runner.wait(entry.feed_id, timeout=timeout, progress=progress) if wait else runner.status(entry.feed_id)
    except FeedTimeoutError as exc:
        exc.outcome = make_outcome(entry, RefundStatus.SUBMITTED)  # client.wait(err.outcome) resumes it
        raise
    if not feed.finished:
        return make_outcome(entry, RefundStatus.SUBMITTED)
    if feed.status != "DONE":
        return _after_fatal(ctx, entry, feed)
    result = _from_report(entry, feed.feed_id, runner.result(feed))
    current = reread(ctx, entry.key)
    if current.finished and current.outcome:  # another worker finished it meanwhile
        return refund_from_json(current.outcome)
    return _record(ctx, entry, result)
