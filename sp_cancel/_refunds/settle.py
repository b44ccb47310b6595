"""Settling a refund: its processing report, Amazon's Finances API, and refunds whose send is uncertain.

Refunds as Finances shows them (what was already refunded, per order item and component), the turning
of a refund's feed into its outcome, and the search for a refund whose ``createFeed`` answer was lost.
A refund is done only when Amazon's report for it says so with a summary that agrees, or Finances shows
it posted; a refund that may have been sent is ``UNCONFIRMED`` (never sent again on its own) until then,
or until the seller's horizon passes with nothing seen (``NOT_SENT``: asking again sends it).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Final

import attrs

from sp_cancel._outcomes import ProcessingMessage
from sp_cancel._refunds.outcomes import RefundOutcome, RefundStatus, refund_from_json
from sp_cancel._refunds.payload import RefundPayload
from sp_cancel._refunds.record import KIND, make_outcome, not_sent, record, reread, unconfirmed
from sp_cancel._runtime.claims import sent_on_amazon_clock
from sp_cancel._runtime.context import past_horizon
from sp_cancel._runtime.feeds import SEARCH_POLL, Expected
from sp_cancel.clock import human_duration
from sp_cancel.errors import FeedTimeoutError
from sp_cancel.feeds import FEED_TYPE_PAYMENT_ADJUSTMENT
from sp_cancel.feeds.report import ProcessingReport, parse_processing_report
from sp_cancel.journal import JournalError
from sp_cancel.logging import get_logger
from sp_cancel.models import CURRENCY_DECIMALS, Money, PriceComponent

if TYPE_CHECKING:
    from sp_cancel._outcomes import FeedState
    from sp_cancel._runtime.context import Context
    from sp_cancel._runtime.feeds import Progress
    from sp_cancel.journal import Entry
    from sp_cancel.transport import Currency, ShipmentEvent, SpApi

__all__ = [
    "CHARGE_TYPES",
    "CLOCK_SLACK",
    "POSTING_WINDOW",
    "PendingRefund",
    "RefundLine",
    "already_refunded",
    "correlate",
    "finish",
    "journal_lines",
    "posted",
    "record_applied",
    "refund_lines",
    "settle_uncertain",
    "totals",
]

# Amazon posts refunds to Finances "with up to 48 hours" of delay (docs/refunds.md).
POSTING_WINDOW: Final = timedelta(hours=48)

_log = get_logger()


def journal_lines(ctx: Context, order_id: str, *, now: datetime, exclude: str | None = None) -> list[PendingRefund]:
    """Refund lines this library sent (or is sending) for ``order_id`` that may have been applied.

    ``now`` is Amazon's time (a plan being sent now is dated now); send times are Amazon's too.
    ``exclude``: a journal key left out (the refund being checked itself).
    """
    out: list[PendingRefund] = []
    for entry in ctx.journal.find(KIND, order_id):
        if entry.key == exclude or entry.state in {"rejected", "failed"}:
            continue
        if entry.state == "planned" and entry.lease_expired(ctx.clock.now()):
            continue  # never sent and abandoned
        applied: set[str] | None = None
        if entry.state == "done" and entry.outcome:
            statuses = entry.outcome.get("item_status") or {}
            applied = {item for item, status in statuses.items() if status == RefundStatus.APPLIED.value}
        submitted = sent_on_amazon_clock(entry) if entry.state != "planned" else now
        for item_id, components in RefundPayload.of_entry(entry).amounts.items():
            if applied is not None and item_id not in applied:
                continue
            out.extend(
                PendingRefund(
                    key=entry.key,
                    order_item_id=item_id,
                    component=c,
                    amount=m,
                    submitted_at=submitted,
                    proven=applied is not None,
                )
                for c, m in components.items()
            )
    return out


def already_refunded(
    ctx: Context, order_id: str, lines: Sequence[RefundLine], *, exclude: str | None = None
) -> dict[str, dict[PriceComponent, Money]]:
    """Amazon's posted refunds plus this library's refunds Amazon has not posted yet, per item and component."""
    pending = journal_lines(ctx, order_id, now=ctx.amazon_now(), exclude=exclude)
    matched = correlate(pending, lines)
    triples = [(line.order_item_id, line.component, line.amount) for line in lines]
    triples += [(p.order_item_id, p.component, p.amount) for n, p in enumerate(pending) if n not in matched]
    return totals(triples)


def posted(ctx: Context, entry: Entry) -> dict[str, bool | None]:
    """Per order item of the refund ``entry``: does Finances show it posted? ``None``: it cannot tell.

    Amazon does not echo ``MerchantAdjustmentItemID``: postings are matched to this journal's refunds of
    the order on item, component, amount, and a posting time no earlier than the send (on Amazon's clock),
    each posting serving one line. Refunds Amazon already proved applied (their report, or Finances before)
    are served first. When another refund in doubt of the same order asks for the same item, component and
    amount, a posting cannot say whose it is: unless there are postings enough for every one of them, the
    answer is ``None`` (never a guess either way: a wrong "posted" is a false success, a wrong "not posted"
    sends money again).
    """
    order_id = entry.target
    pending = journal_lines(ctx, order_id, now=ctx.amazon_now())
    if not any(p.key == entry.key for p in pending):  # a finished entry whose items are not applied
        pending += [
            PendingRefund(
                key=entry.key, order_item_id=i, component=c, amount=m, submitted_at=sent_on_amazon_clock(entry)
            )
            for i, components in RefundPayload.of_entry(entry).amounts.items()
            for c, m in components.items()
        ]
    lines = refund_lines(ctx.api, order_id)
    matched = correlate(pending, lines)
    by_proven = {id(matched[n]) for n, p in enumerate(pending) if p.proven and n in matched}
    answers: dict[str, list[bool | None]] = {}
    for n, line in enumerate(pending):
        if line.key != entry.key:
            continue
        triple = _triple(line)
        rivals = [p for p in pending if p.key != entry.key and not p.proven and _triple(p) == triple]
        if line.proven or not rivals:
            answer: bool | None = n in matched
        else:
            free = sum(1 for posting in lines if _triple(posting) == triple and id(posting) not in by_proven)
            answer = True if free >= 1 + len(rivals) else False if free == 0 else None
        answers.setdefault(line.order_item_id, []).append(answer)
    return {item: _all_or_none(values) for item, values in answers.items()}


def _triple(line: PendingRefund | RefundLine) -> tuple[str, PriceComponent, Money]:
    return line.order_item_id, line.component, line.amount


def _all_or_none(values: Sequence[bool | None]) -> bool | None:
    """``True`` when every component says so, ``False`` when none does, else ``None`` (a message is atomic)."""
    if all(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def all_posted(seen: Mapping[str, bool | None]) -> bool:
    """Whether every item of a refund is posted."""
    return bool(seen) and all(v is True for v in seen.values())


def record_applied(ctx: Context, entry: Entry, seen: Mapping[str, bool | None], detail: str) -> RefundOutcome:
    """Journal a refund that Finances shows posted in full (``all_posted(seen)``) as ``APPLIED``, every item too."""
    statuses = dict.fromkeys(seen, RefundStatus.APPLIED)
    return record(ctx, entry, make_outcome(entry, RefundStatus.APPLIED, item_status=statuses, detail=detail))


def none_posted(seen: Mapping[str, bool | None]) -> bool:
    """Whether Finances certainly shows no item of a refund posted."""
    return all(v is False for v in seen.values())


def _verdict_outcome(entry: Entry, feed: FeedState, report: ProcessingReport) -> RefundOutcome | None:
    """The outcome the report gives, or ``None`` when it does not speak for this refund's document."""
    payload = RefundPayload.of_entry(entry)
    failed = report.verdict({item.message_id: payload.order_id for item in payload.items})
    if failed is None:
        return None
    messages: list[ProcessingMessage] = list(report.document_results)
    item_status: dict[str, RefundStatus] = {}
    for item in payload.items:
        messages.extend(report.results_for(item.message_id))
        bad = item.message_id in failed
        item_status[item.order_item_id] = RefundStatus.REJECTED if bad else RefundStatus.APPLIED
    return make_outcome(
        entry, _overall(item_status), feed_id=feed.feed_id, messages=tuple(messages), item_status=item_status
    )


def _overall(item_status: Mapping[str, RefundStatus]) -> RefundStatus:
    applied = [s is RefundStatus.APPLIED for s in item_status.values()]
    if all(applied):
        return RefundStatus.APPLIED
    return RefundStatus.PARTIALLY_APPLIED if any(applied) else RefundStatus.REJECTED


def _window_passed(ctx: Context, entry: Entry, feed: FeedState | None) -> bool:
    """Whether Finances has had its whole window to post this refund, on Amazon's clock.

    The seller's horizon since sending, and ``POSTING_WINDOW`` since Amazon finished processing its feed (Finances
    posts up to 48 h after Amazon *applied* a refund, and a feed may be processed hours after it was created).
    """
    if not past_horizon(ctx, entry):
        return False
    if feed is None:
        return True
    applied = feed.processing_end_time or feed.created_at
    return applied is None or ctx.amazon_now() - applied >= POSTING_WINDOW


def _by_finances(ctx: Context, entry: Entry, why: str, feed: FeedState | None) -> RefundOutcome:
    """Settle a sent refund whose report cannot tell (FATAL, unreadable, says nothing) from Finances.

    Every item posted: ``APPLIED``. Once Finances has had its whole window (``_window_passed``): the items
    posted are applied, and nothing posted is ``NOT_SENT`` (asking again sends it). Until then, and whenever
    Finances cannot tell this refund from another one in doubt: ``UNCONFIRMED``.
    """
    seen = posted(ctx, entry)
    if all_posted(seen):
        return record_applied(ctx, entry, seen, f"{why}; Amazon's Finances API shows every amount posted")
    if not _window_passed(ctx, entry, feed):
        return unconfirmed(ctx, entry, f"{why}, and Amazon's Finances API does not show it posted yet")
    if none_posted(seen):
        return not_sent(
            ctx, entry, f"{why}, and Amazon's Finances API shows nothing of it {human_duration(ctx.horizon)} later"
        )
    if any(v is None for v in seen.values()):
        return unconfirmed(
            ctx, entry, f"{why}; Finances cannot tell its postings from another refund in doubt of the same amount"
        )
    statuses = {item: RefundStatus.APPLIED if ok else RefundStatus.REJECTED for item, ok in seen.items()}
    detail = f"{why}; Finances shows some items posted"
    return record(ctx, entry, make_outcome(entry, _overall(statuses), item_status=statuses, detail=detail))


def finish(ctx: Context, entry: Entry, *, wait: bool, timeout: float, progress: Progress | None) -> RefundOutcome:
    """Take a sent refund to its outcome: its feed's report, or Finances when the report cannot tell."""
    if entry.finished and entry.outcome:
        return refund_from_json(entry.outcome)
    if entry.feed_id is None:
        if entry.send_uncertain:
            return unconfirmed(ctx, entry, "createFeed's answer was lost and no feed of it is proven yet")
        return make_outcome(entry, RefundStatus.SUBMITTED)
    runner = ctx.runner
    try:
        feed = runner.wait(entry.feed_id, timeout=timeout, progress=progress) if wait else runner.status(entry.feed_id)
    except FeedTimeoutError as exc:
        exc.outcome = make_outcome(entry, RefundStatus.SUBMITTED)  # client.wait(err.outcome) resumes it
        raise
    if not feed.finished:
        return make_outcome(entry, RefundStatus.SUBMITTED)
    current = reread(ctx, entry.key)
    if current.finished and current.outcome:  # another worker finished it meanwhile
        return refund_from_json(current.outcome)
    return _finished_feed(ctx, current, feed)


def _finished_feed(ctx: Context, entry: Entry, feed: FeedState) -> RefundOutcome:
    """The outcome of a refund whose feed ended: its report when it speaks for it, else Finances."""
    if feed.status == "CANCELLED":  # cancelled before processing started: nothing was applied
        return not_sent(ctx, entry, f"feed {feed.feed_id} was cancelled before Amazon processed it")
    if feed.status == "FATAL":
        return _by_finances(ctx, entry, f"feed {feed.feed_id} ended FATAL (some, none or all may be applied)", feed)
    report = ctx.runner.report_of(feed, parse_processing_report)
    outcome = None if report is None else _verdict_outcome(entry, feed, report)
    if outcome is None:
        why = "unreadable" if report is None else "says nothing conclusive about this refund"
        return _by_finances(ctx, entry, f"the processing report of feed {feed.feed_id} is {why}", feed)
    return record(ctx, entry, outcome)


# --- a refund whose createFeed answer was lost ----------------------------------------------------


def _posted_for(ctx: Context, entry: Entry, candidate: FeedState) -> bool | None:
    """Whether Finances shows this refund posted: yes, certainly not, or not yet (``None``).

    Certainly not only when nothing of it is posted ``POSTING_WINDOW`` after Amazon finished the candidate
    feed (Finances posts up to 48 h after Amazon applied a refund), and no other refund in doubt blurs it.
    """
    seen = posted(ctx, entry)
    if all_posted(seen):
        return True
    if not none_posted(seen) or not candidate.finished:
        return None
    applied = candidate.processing_end_time or candidate.created_at or sent_on_amazon_clock(entry) or ctx.amazon_now()
    return False if ctx.amazon_now() - applied >= POSTING_WINDOW else None


def _expected(entry: Entry) -> Expected:
    payload = RefundPayload.of_entry(entry)
    return Expected(
        messages=len(payload.items),
        message_ids=frozenset(item.message_id for item in payload.items),
        order_ids=frozenset({payload.order_id}),
        item_ids=frozenset(item.order_item_id for item in payload.items),
        report=parse_processing_report,
    )


def _settle_once(ctx: Context, entry: Entry) -> Entry:
    """One look for an uncertain refund's feed: prove it, see it posted, or (past the horizon) rule it out."""
    found = ctx.runner.resolve(
        feed_type=entry.feed_type or FEED_TYPE_PAYMENT_ADJUSTMENT,
        marketplace_ids=[RefundPayload.of_entry(entry).marketplace_id or ctx.marketplace_id],
        entry=entry,
        expected=_expected(entry),
        effect=functools.partial(_posted_for, ctx, entry),
    )
    if found.feed is not None:
        with suppress(JournalError):  # its sender recorded a feed id meanwhile: keep that one
            ctx.journal.mark_submitted([entry.key], feed_id=found.feed.feed_id)
        return reread(ctx, entry.key)
    seen = posted(ctx, entry)
    if all_posted(seen):  # posted, though no listed feed proves which: done, no feed id claimed
        record_applied(
            ctx, entry, seen, "createFeed's answer was lost; Amazon's Finances API shows every amount posted"
        )
        return reread(ctx, entry.key)
    if not found.pending and past_horizon(ctx, entry) and none_posted(seen):
        not_sent(
            ctx,
            entry,
            f"createFeed's answer was lost and, {human_duration(ctx.horizon)} later, Amazon lists no feed that "
            f"could be it ({found.candidates} ruled out) and Finances shows nothing of it",
        )
        return reread(ctx, entry.key)
    return entry


def settle_uncertain(ctx: Context, entry: Entry, *, patience: float) -> Entry:
    """Look for a refund whose ``createFeed`` answer was lost (or whose process stopped); never send it again.

    The one feed-recovery routine (``resolve``) looks for the feed it may have created. A candidate becomes
    this refund's feed when its processing report names this order (and fits what was sent), or when
    Amazon's Finances shows this refund posted. Nothing else ends the doubt before the seller's horizon
    (``Context.horizon``, on Amazon's clock): Amazon documents no listing lag, so "not listed yet" proves
    nothing. Looks again every ``SEARCH_POLL`` s for up to ``patience`` s, then returns the entry: still
    uncertain (the caller answers ``UNCONFIRMED``), with its feed id, or finished.
    """
    deadline = ctx.clock.monotonic() + patience
    while True:
        entry = reread(ctx, entry.key)
        if not entry.send_uncertain:
            return entry
        entry = _settle_once(ctx, entry)
        if not entry.send_uncertain:
            return entry
        remaining = deadline - ctx.clock.monotonic()
        if remaining <= 0:
            return entry
        ctx.sleep(min(SEARCH_POLL, remaining))


# --- refunds as Amazon's Finances API shows them --------------------------------------------------

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
    proven: bool = False  # Amazon already proved this refund applied (its report, or Finances)


def _money(raw: Currency | None) -> Money | None:
    """A Finances amount as a refund: negated (Finances shows a refund to the buyer as negative), rounded."""
    if raw is None or raw.currency_code is None or raw.currency_amount is None:
        return None
    places = Decimal(1).scaleb(-CURRENCY_DECIMALS.get(raw.currency_code, 2))
    return Money(amount=-raw.currency_amount.quantize(places), currency=raw.currency_code)


def _lines(event: ShipmentEvent) -> Iterable[RefundLine]:
    posted = event.posted_date
    for item in event.shipment_item_adjustment_list:
        item_id = item.order_item_id
        if item_id is None:
            continue
        for charge in item.item_charge_adjustment_list:
            component = CHARGE_TYPES.get((charge.charge_type or "").lower())
            money = _money(charge.charge_amount)
            if component is None or money is None or money.amount == 0:
                continue
            yield RefundLine(order_item_id=item_id, component=component, amount=money, posted_at=posted)


def refund_lines(api: SpApi, order_id: str) -> list[RefundLine]:
    """Every refund charge Amazon shows for ``order_id`` (all pages), oldest posting first.

    Raises:
        ApiError: the Finances call failed after retries (a ``ServerError`` for an answer without a ``payload``).
    """
    # https://developer-docs.amazon.com/sp-api/reference/listfinancialeventsbyorderid (0.5 rps, burst 30)
    out: list[RefundLine] = []
    token: str | None = None
    while True:
        page = api.list_financial_events_by_order_id(order_id, max_results_per_page=PAGE_SIZE, next_token=token)
        for event in page.financial_events.refund_event_list:
            if (event.amazon_order_id or order_id) == order_id:
                out.extend(_lines(event))
        token = page.next_token
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
    at most; refunds Amazon proved applied are served first, then earlier submissions first, postings oldest
    first, so two identical refunds never claim the same posting and a refund in doubt never takes the
    posting of one whose own report proved it.
    """
    order = sorted(range(len(pending)), key=lambda i: (not pending[i].proven, _naive(pending[i].submitted_at)))
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
