"""Settling a refund: its processing report, or Amazon's Finances API after a FATAL feed.

Refunds as Finances shows them (what was already refunded, per order item and
component) and the turning of a refund's feed into its outcome.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

import sp_cancel._events as events
from sp_cancel._codec import refund_from_json, refund_to_json
from sp_cancel._outcomes import ProcessingMessage, RefundOutcome, RefundStatus
from sp_cancel._refunds.send import KIND, SEND_LEASE, reread, resend
from sp_cancel._runtime import SEARCH_POLL, Expected
from sp_cancel.errors import FeedError, FeedTimeoutError, ServerError
from sp_cancel.feeds import FEED_TYPE_PAYMENT_ADJUSTMENT
from sp_cancel.feeds.report import ReportParseError, parse_processing_report
from sp_cancel.journal import JournalError
from sp_cancel.logging import get_logger
from sp_cancel.models import CURRENCY_DECIMALS, Money, PriceComponent

if TYPE_CHECKING:
    from sp_cancel._runtime import Context, FeedState, Progress
    from sp_cancel.journal import Entry
    from sp_cancel.transport import SpApi

__all__ = [
    "CHARGE_TYPES",
    "CLOCK_SLACK",
    "POSTING_WINDOW",
    "REFUND_FINISHED",
    "PendingRefund",
    "RefundLine",
    "already_refunded",
    "amounts",
    "correlate",
    "finish",
    "journal_lines",
    "make_outcome",
    "refund_lines",
    "settle_uncertain",
    "totals",
]


# --- from _refund_finish.py ----------------------------------------

# Amazon posts refunds to Finances "with up to 48 hours" of delay (facts §4).
POSTING_WINDOW: Final = timedelta(hours=48)

REFUND_FINISHED: Final = events.REFUND_FINISHED

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


# --- a refund whose createFeed answer was lost ----------------------------------------------------


def _posted_for(ctx: Context, entry: Entry, candidate: FeedState) -> bool | None:
    """Whether Finances shows this refund posted: yes, certainly not (its posting window passed), or not yet."""
    order_id = entry.payload["order_id"]
    pending = journal_lines(ctx, order_id, now=ctx.clock.now())
    matched = correlate(pending, refund_lines(ctx.api, order_id))
    mine = [n for n, line in enumerate(pending) if line.key == entry.key]
    if mine and all(n in matched for n in mine):
        return True
    since = candidate.created_at or entry.submitted_at or ctx.clock.now()
    return False if ctx.clock.now() - since >= POSTING_WINDOW else None


def _expected(entry: Entry) -> Expected:
    items = entry.payload["items"]
    return Expected(
        messages=len(items),
        message_ids=frozenset(int(item["message_id"]) for item in items),
        order_ids=frozenset({str(entry.payload["order_id"])}),
        item_ids=frozenset(str(item["order_item_id"]) for item in items),
        report=parse_processing_report,
    )


def settle_uncertain(ctx: Context, entry: Entry, *, wait: bool, timeout: float) -> Entry:
    """Settle a refund whose ``createFeed`` answer was lost (or whose process stopped); never send it twice.

    The one feed-recovery routine (``resolve``) looks for the feed it
    may have created. A candidate becomes this refund's feed when its processing report names this
    order (and fits what was sent), or when Amazon's Finances shows this refund posted. While a
    candidate may still prove it (processing, or not posted within ``POSTING_WINDOW``), the refund
    stays ``SUBMITTED``: neither done nor sent again. Only when Amazon shows no feed that could be it,
    past the listing lag, and ``SEND_LEASE`` has passed since it started (so a live sender in another
    process is never raced), is it sent again.
    """
    deadline = ctx.clock.monotonic() + (timeout if wait else 0.0)
    while True:
        entry = reread(ctx, entry.key)
        if not entry.send_uncertain:
            return entry
        assert entry.submitted_at is not None  # noqa: S101 - send_uncertain implies it
        found = ctx.runner.resolve(
            feed_type=entry.feed_type or FEED_TYPE_PAYMENT_ADJUSTMENT,
            marketplace_ids=[entry.payload.get("marketplace_id") or ctx.marketplace_id],
            sent_at=entry.submitted_at,
            expected=_expected(entry),
            effect=functools.partial(_posted_for, ctx, entry),
        )
        if found.feed is not None:
            with suppress(JournalError):  # its sender recorded a feed id meanwhile: keep that one
                ctx.journal.mark_submitted([entry.key], feed_id=found.feed.feed_id)
            return reread(ctx, entry.key)
        if not found.pending and found.conclusive and ctx.clock.now() - entry.submitted_at >= SEND_LEASE:
            return resend(ctx, entry)
        remaining = deadline - ctx.clock.monotonic()
        if remaining <= 0:
            return entry
        ctx.sleep(min(SEARCH_POLL, remaining))


# --- from _finances.py ----------------------------------------

OPERATION: Final = "finances.listFinancialEventsByOrderId"

PAGE_SIZE: Final = 100

# Our clock and Amazon's may disagree by a little; a posting this much before our submission still counts.
CLOCK_SLACK: Final = timedelta(minutes=2)

_EARLIEST: Final = datetime.min.replace(tzinfo=UTC)

# Finances v0 ChargeType (financesV0.json, ChargeComponent) -> the adjustment feed's component Type.
CHARGE_TYPES: Final[Mapping[str, PriceComponent]] = {
    "principal": PriceComponent.PRINCIPAL,
    "tax": PriceComponent.TAX,
    "shippingcharge": PriceComponent.SHIPPING,
    "shipping": PriceComponent.SHIPPING,  # not a documented ChargeType; accepted for robustness
    "shippingtax": PriceComponent.SHIPPING_TAX,
    "giftwrap": PriceComponent.GIFT_WRAP,  # documented spelling "Giftwrap"
    "giftwraptax": PriceComponent.GIFT_WRAP_TAX,  # documented spelling "GiftwrapTax"
    "goodwill": PriceComponent.GOODWILL,
    "restockingfee": PriceComponent.RESTOCKING_FEE,
    "returnshipping": PriceComponent.RETURN_SHIPPING,
    "exportcharge": PriceComponent.EXPORT_CHARGE,
    "freereplacementreturnshipping": PriceComponent.FREE_REPLACEMENT_RETURN_SHIPPING,
}


@attrs.frozen(kw_only=True)
class RefundLine:
    """One refunded charge Amazon posted: positive ``amount`` = refunded to the buyer."""

    order_item_id: str
    component: PriceComponent
    amount: Money
    posted_at: datetime | None


@attrs.frozen(kw_only=True)
class PendingRefund:
    """One line of a refund this library sent (from the journal), to correlate with ``RefundLine``."""

    key: str
    order_item_id: str
    component: PriceComponent
    amount: Money
    submitted_at: datetime | None


def _money(raw: object) -> Money | None:
    if not isinstance(raw, Mapping):
        return None
    currency = raw.get("CurrencyCode")
    amount = raw.get("CurrencyAmount")
    if not isinstance(currency, str) or amount is None or isinstance(amount, bool):
        return None
    try:
        # JSON numbers arrive as floats: go through their shortest repr, never through binary arithmetic.
        value = Decimal(str(amount))
    except InvalidOperation:
        return None
    places = Decimal(1).scaleb(-CURRENCY_DECIMALS.get(currency, 2))
    return Money(amount=-value.quantize(places), currency=currency)


def _posted(raw: object) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def _lines(event: Mapping[str, Any]) -> Iterable[RefundLine]:
    posted = _posted(event.get("PostedDate"))
    for item in event.get("ShipmentItemAdjustmentList") or []:
        item_id = item.get("OrderItemId")
        if not isinstance(item_id, str):
            continue
        for charge in item.get("ItemChargeAdjustmentList") or []:
            component = CHARGE_TYPES.get(str(charge.get("ChargeType", "")).lower())
            money = _money(charge.get("ChargeAmount"))
            if component is None or money is None or money.amount == 0:
                continue
            yield RefundLine(order_item_id=item_id, component=component, amount=money, posted_at=posted)


def refund_lines(api: SpApi, order_id: str) -> list[RefundLine]:
    """Every refund charge Amazon shows for ``order_id`` (all pages), oldest posting first.

    Raises:
        ApiError: the Finances call failed after retries.
        ServerError: the answer has no ``payload``.
    """
    # https://developer-docs.amazon.com/sp-api/reference/listfinancialeventsbyorderid (0.5 rps, burst 30)
    out: list[RefundLine] = []
    token: str | None = None
    while True:
        data = api.list_financial_events_by_order_id(order_id, max_results_per_page=PAGE_SIZE, next_token=token).data
        payload = data.get("payload") if isinstance(data, Mapping) else None
        if not isinstance(payload, Mapping):
            raise ServerError("listFinancialEventsByOrderId answered without a payload", operation=OPERATION)
        refund_events = (payload.get("FinancialEvents") or {}).get("RefundEventList") or []
        for event in refund_events:
            if isinstance(event, Mapping) and event.get("AmazonOrderId", order_id) == order_id:
                out.extend(_lines(event))
        token = payload.get("NextToken")
        if not token:
            break
    out.sort(key=lambda line: _naive(line.posted_at))
    return out


def totals(amounts: Iterable[tuple[str, PriceComponent, Money]]) -> dict[str, dict[PriceComponent, Money]]:
    """Sum ``(order item, component, amount)`` triples per item and component."""
    out: dict[str, dict[PriceComponent, Money]] = {}
    for item_id, component, money in amounts:
        per_item = out.setdefault(item_id, {})
        per_item[component] = per_item[component] + money if component in per_item else money
    return out


def correlate(pending: Sequence[PendingRefund], lines: Sequence[RefundLine]) -> dict[int, RefundLine]:
    """Match our journaled refund lines with Amazon's postings; return ``{index in pending: line}``.

    A posting matches a journaled line with the same order item, component and amount that was
    submitted no later than the posting (minus ``CLOCK_SLACK``). Each posting serves one line
    at most; earlier submissions are served first, postings oldest first, so two identical refunds
    never claim the same posting.
    """
    order = sorted(range(len(pending)), key=lambda i: _naive(pending[i].submitted_at))
    used: set[int] = set()
    matched: dict[int, RefundLine] = {}
    for index in order:
        wanted = pending[index]
        for n, line in enumerate(lines):
            if n in used or line.order_item_id != wanted.order_item_id or line.component is not wanted.component:
                continue
            if line.amount != wanted.amount or _too_early(line, wanted):
                continue
            used.add(n)
            matched[index] = line
            break
    return matched


def _too_early(line: RefundLine, wanted: PendingRefund) -> bool:
    if wanted.submitted_at is None or line.posted_at is None:
        return False
    return _naive(line.posted_at) < _naive(wanted.submitted_at - CLOCK_SLACK)


def _naive(value: datetime | None) -> datetime:
    """A comparable aware UTC datetime (the earliest one for ``None``; naive values are taken as UTC)."""
    if value is None:
        return _EARLIEST
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
