"""Close many listings at once: one ``JSON_LISTINGS_FEED`` of ``PATCH`` messages (quantity 0 merge).

Every SKU is read first, 20 per ``searchListingsItems`` call (product type,
fulfillment channel; a SKU the search does not return is unknown): an FBA offer or an
unknown SKU is a pre-flight refusal (a ``REFUSED`` outcome carrying the error) and is never
sent; a SKU repeated in the batch is closed once; a SKU whose seller-fulfilled quantity already reads 0 is ``ACCEPTED``
without being sent. The rest go out in as few feeds as Amazon allows (25,000
messages each), each SKU journaled as ``listing_close`` *before* the feed is
created, so a crash between ``createFeed`` and the report never resends: the
next call (or ``resume``) finds the feed and reads its report.

Amazon allows 5 ``JSON_LISTINGS_FEED`` submissions per 5 minutes, separately
from ``createFeed``'s usage plan (docs/listings.md). Before each submission the
journal's own record of this seller's listings feeds is used as a sliding
window; when 5 fall inside the last 5 minutes, the workflow waits (through the
injected sleep) for the oldest to leave it.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from contextlib import suppress
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

import attrs

import sp_cancel._events as events
from sp_cancel._listings.outcomes import ListingIssue, ListingOutcome, ListingStatus, listing_from_json, listing_to_json
from sp_cancel._listings.view import ListingView, check_closable, read_back_closed, read_listings
from sp_cancel._outcomes import BatchOutcome, ProcessingMessage
from sp_cancel._runtime.claims import nothing_sent, release_plan
from sp_cancel._runtime.context import until_settled
from sp_cancel._runtime.feeds import Expected, finish_each
from sp_cancel.errors import FeedError, InvalidInputError, NotCancellableError, NotFoundError, SpCancelError
from sp_cancel.feeds import (
    FEED_TYPE_JSON_LISTINGS,
    JSON_CONTENT_TYPE,
    MAX_LISTINGS_MESSAGES,
    ListingsMessage,
    build_listings_feed,
    chunk_messages,
    close_listing_patch,
    parse_listings_report,
)
from sp_cancel.feeds.report import ReportParseError
from sp_cancel.journal import FeedTakenError, JournalError
from sp_cancel.logging import get_logger

if TYPE_CHECKING:
    from sp_cancel._outcomes import FeedState
    from sp_cancel._runtime.context import Context
    from sp_cancel._runtime.feeds import Progress
    from sp_cancel.journal import Entry

__all__ = [
    "DEFAULT_TIMEOUT",
    "KIND_CLOSE",
    "LISTINGS_FEED_LIMIT",
    "LISTINGS_FEED_WINDOW",
    "close_listings",
    "refresh_listing_close",
    "resume_listing_closes",
    "wait_for_listings_feed_slot",
]

KIND_CLOSE: Final = "listing_close"
DEFAULT_TIMEOUT: Final = 3600.0
# "5 submissions per 5 minutes" for JSON_LISTINGS_FEED, separate from createFeed's usage plan
# (https://developer-docs.amazon.com/sp-api/docs/listings-feed-type-values, changelog 2025-05-06).
LISTINGS_FEED_LIMIT: Final = 5
LISTINGS_FEED_WINDOW: Final = timedelta(minutes=5)
# Our record is taken just before createFeed; a second of slack covers the upload in between.
_WINDOW_SLACK_SECONDS: Final = 1.0
_log = get_logger()


# --- what the journal keeps of a close -------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ClosePayload:
    """One listing close as the journal keeps it, and its codec (the only reader of the JSON form)."""

    seller_id: str
    marketplace_id: str
    sku: str
    product_type: str

    @classmethod
    def of_entry(cls, entry: Entry) -> ClosePayload:
        """The payload of a journaled close."""
        data = entry.payload
        return cls(
            seller_id=str(data.get("seller_id", "")),
            marketplace_id=str(data.get("marketplace_id", "")),
            sku=str(data.get("sku", entry.target)),
            product_type=str(data.get("product_type", "PRODUCT")),
        )

    def to_json(self) -> dict[str, str]:
        """The JSON form the journal stores."""
        return attrs.asdict(self)


# --- the sliding window ----------------------------------------------------------------------------


def _submission_times(ctx: Context, since: datetime) -> list[datetime]:
    """When this seller's listings feeds known to the journal were sent, since ``since``."""
    times: list[datetime] = []
    for feed_id in ctx.journal.known_feed_ids(FEED_TYPE_JSON_LISTINGS, since):
        sent = [
            e.submitted_at
            for e in ctx.journal.by_feed(feed_id)
            if e.submitted_at is not None and ClosePayload.of_entry(e).seller_id == ctx.seller_id
        ]
        if sent:
            times.append(min(sent))
    return sorted(times)


def wait_for_listings_feed_slot(ctx: Context) -> float:
    """Wait until a ``JSON_LISTINGS_FEED`` may be sent (fewer than 5 in the last 5 minutes); return seconds waited."""
    waited = 0.0
    while True:
        now = ctx.clock.now()
        recent = [t for t in _submission_times(ctx, now - LISTINGS_FEED_WINDOW) if now - t < LISTINGS_FEED_WINDOW]
        if len(recent) < LISTINGS_FEED_LIMIT:
            return waited
        pause = (recent[-LISTINGS_FEED_LIMIT] + LISTINGS_FEED_WINDOW - now).total_seconds() + _WINDOW_SLACK_SECONDS
        _log.info(events.RATE_LIMIT_WAITED, operation=FEED_TYPE_JSON_LISTINGS, wait=round(pause, 1), recent=len(recent))
        ctx.sleep(pause)
        waited += pause


# --- outcomes ---------------------------------------------------------------------------------------


def _submitted(entry: Entry, detail: str | None = None) -> ListingOutcome:
    return ListingOutcome(
        sku=entry.target, status=ListingStatus.SUBMITTED, submission_id=entry.key, feed_id=entry.feed_id, detail=detail
    )


def _issue(message: ProcessingMessage) -> ListingIssue:
    return ListingIssue(code=message.code, message=message.description, severity=message.severity)


def _reconcile(entry: Entry, feed: FeedState, read_back: tuple[bool, str]) -> ListingOutcome:
    """After a FATAL or CANCELLED feed, report what reading the listing back showed (``read_back_closed``)."""
    why = f"feed {feed.feed_id} ended {feed.status}"
    closed, seen = read_back
    status = ListingStatus.ACCEPTED if closed else ListingStatus.INVALID
    return ListingOutcome(
        sku=entry.target,
        status=status,
        submission_id=entry.key,
        feed_id=feed.feed_id,
        detail=f"{why}; {seen}",
    )


def _finish_feed(ctx: Context, feed: FeedState) -> dict[str, ListingOutcome]:
    """Turn a finished feed into one outcome per journaled SKU, and journal them."""
    entries = [e for e in ctx.journal.by_feed(feed.feed_id) if e.kind == KIND_CLOSE]
    outcomes: dict[str, ListingOutcome] = {}
    if feed.status == "DONE":
        try:
            report = parse_listings_report(ctx.runner.result(feed))
        except ReportParseError as exc:
            raise FeedError(f"listings processing report unreadable: {exc}", feed_id=feed.feed_id) from exc
        for entry in entries:
            found = report.document_issues + (report.results_for(entry.message_id) if entry.message_id else ())
            failed = any(m.severity == "ERROR" for m in found)
            outcomes[entry.key] = ListingOutcome(
                sku=entry.target,
                status=ListingStatus.INVALID if failed else ListingStatus.ACCEPTED,
                submission_id=entry.key,
                feed_id=feed.feed_id,
                issues=tuple(_issue(m) for m in found),
            )
    else:
        read_back = read_back_closed(ctx, [e.target for e in entries])  # Amazon applies them with a delay
        for entry in entries:
            outcomes[entry.key] = _reconcile(entry, feed, read_back[entry.target])
    for key, outcome in outcomes.items():
        ctx.journal.mark_done(key, state="done" if outcome.ok else "rejected", outcome=listing_to_json(outcome))
        _log.info(events.LISTING_CLOSED, sku=outcome.sku, feed_id=feed.feed_id, status=outcome.status.value)
    return outcomes


def _finish(ctx: Context, entry: Entry, *, wait: bool, timeout: float, progress: Progress | None) -> ListingOutcome:
    if entry.finished and entry.outcome:
        return listing_from_json(entry.outcome)
    if entry.feed_id is None:
        return _submitted(entry, "being submitted by another worker")
    runner = ctx.runner
    feed = runner.wait(entry.feed_id, timeout=timeout, progress=progress) if wait else runner.status(entry.feed_id)
    if not feed.finished:
        return _submitted(entry)
    return _finish_feed(ctx, feed)[entry.key]


# --- the journal ------------------------------------------------------------------------------------


def _mine(ctx: Context, entry: Entry) -> bool:
    payload = ClosePayload.of_entry(entry)
    return (payload.seller_id, payload.marketplace_id) == (ctx.seller_id, ctx.marketplace_id)


def _recover(ctx: Context, entry: Entry, *, timeout: float = 0.0) -> Entry | None:
    """An entry was being sent when its process stopped, or ``createFeed``'s answer was lost.

    The one feed-recovery routine (``resolve``) decides: a candidate
    feed is this document's when reading its listings back shows them closed (a JSON listings report
    names no order, so only the read-back can tell); then its feed id is recorded. When Amazon shows no
    feed that could be it, the plan is released (``None``) and the close is sent again: closing a closed
    listing changes nothing. While a candidate is still processing (or Amazon may not list the feed
    yet), the search is repeated for up to ``timeout`` seconds, then the entry is left as it is.
    """
    return until_settled(ctx, entry, functools.partial(_recover_once, ctx), timeout=timeout)


def _recover_once(ctx: Context, entry: Entry) -> Entry | None:
    """One search for a lost listings feed (see ``_recover``)."""
    assert entry.submitted_at is not None  # noqa: S101 - only uncertain sends come here
    siblings = [
        e
        for e in ctx.journal.unfinished()
        if e.feed_id is None and e.document_hash == entry.document_hash and e.submitted_at == entry.submitted_at
    ] or [entry]

    def effect(_candidate: FeedState) -> bool:
        # Amazon applies an accepted listings message asynchronously: read back until it shows (bounded).
        return all(closed for closed, _ in read_back_closed(ctx, [e.target for e in siblings]).values())

    found = ctx.runner.resolve(
        feed_type=FEED_TYPE_JSON_LISTINGS,
        marketplace_ids=[ctx.marketplace_id],
        entry=entry,
        expected=Expected(
            messages=len(siblings),
            message_ids=frozenset(e.message_id for e in siblings if e.message_id is not None),
            order_ids=frozenset(),
        ),
        effect=effect,
    )
    if found.feed is not None:
        try:
            ctx.journal.mark_submitted([e.key for e in siblings], feed_id=found.feed.feed_id)
        except FeedTakenError:
            return ctx.journal.get(entry.key)  # another submission's feed: ours is still unknown
        return ctx.journal.get(entry.key)
    if found.pending or not found.conclusive:
        return ctx.journal.get(entry.key)
    for e in siblings:  # Amazon shows no such feed: it was never created (a close is harmless to send again)
        _not_created(ctx, e, "the feed was never created at Amazon; nothing was sent (it is closed again)")
    return None


def _not_created(ctx: Context, entry: Entry, detail: str) -> None:
    """Journal a close that never reached Amazon as ``failed``: its record stays, and the close goes again."""
    outcome = ListingOutcome(sku=entry.target, status=ListingStatus.INVALID, submission_id=entry.key, detail=detail)
    with suppress(JournalError):  # another worker settled it meanwhile
        ctx.journal.mark_done(entry.key, state="failed", outcome=listing_to_json(outcome))


def _pending(ctx: Context, sku: str, *, timeout: float = 0.0) -> Entry | None:
    """This seller's unfinished close of ``sku`` (to finish instead of sending again), if any."""
    for entry in ctx.journal.find(KIND_CLOSE, sku):
        if entry.finished or not _mine(ctx, entry):
            continue
        if entry.feed_id is not None:
            return entry
        if entry.state == "submitted":
            return _recover(ctx, entry, timeout=timeout)
        if entry.lease_expired(ctx.clock.now()):
            ctx.journal.release(entry.key)  # planned by a process that died before sending
            continue
        return entry
    return None


# --- the workflow -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Planned:
    key: str
    view: ListingView
    owner: str | None = None


def _submit(ctx: Context, planned: Sequence[_Planned]) -> list[str]:
    """Send the planned closes in as few feeds as allowed; on failure release what was not sent."""

    def render(group: Sequence[_Planned]) -> bytes:
        return build_listings_feed(ctx.seller_id, [_message(n, p) for n, p in enumerate(group, 1)])

    feed_ids: list[str] = []
    chunks = chunk_messages(planned, render, max_messages=MAX_LISTINGS_MESSAGES)
    for index, (group, document) in enumerate(chunks):
        try:
            wait_for_listings_feed_slot(ctx)
            feed_id = ctx.runner.submit(
                feed_type=FEED_TYPE_JSON_LISTINGS,
                content_type=JSON_CONTENT_TYPE,
                document=document,
                message_ids={p.key: n for n, p in enumerate(group, 1)},
                marketplace_ids=[ctx.marketplace_id],
            )
            if feed_id is not None:  # None: createFeed's answer was lost; finishing settles the entries
                feed_ids.append(feed_id)
        except BaseException as exc:
            for later, _ in chunks[index:]:
                for p in later:
                    current = ctx.journal.get(p.key)
                    if current is None or current.finished or current.feed_id is not None:
                        continue
                    if current.state == "planned" and current.owner == p.owner:
                        release_plan(ctx.journal, p.key, p.owner)  # never sent: leave no trace
                    elif current.state == "submitted" and nothing_sent(exc):
                        _not_created(ctx, current, f"Amazon refused createFeed, so nothing was sent: {exc}")
            raise
    return feed_ids


def _message(message_id: int, planned: _Planned) -> ListingsMessage:
    return ListingsMessage(
        message_id=message_id,
        sku=planned.view.sku,
        operation="PATCH",
        product_type=planned.view.product_type,
        patches=close_listing_patch(),
    )


@attrs.define
class _Batch:
    unique: list[str] = attrs.field(factory=list)
    errors: dict[str, SpCancelError] = attrs.field(factory=dict)
    outcomes: dict[str, ListingOutcome] = attrs.field(factory=dict)
    entries: dict[str, Entry] = attrs.field(factory=dict)
    sendable: list[ListingView] = attrs.field(factory=list)


def _preflight(ctx: Context, skus: list[str], *, timeout: float) -> _Batch:
    """Sort the SKUs: duplicates, journaled closes to finish, refusals, no-ops, and what to send.

    The SKUs left to read are read together, 20 per ``searchListingsItems`` call.
    """
    state = _Batch()
    seen: set[str] = set()
    to_read: list[str] = []
    for sku in skus:
        if sku in seen:  # an exact repeat is the same close: it is sent once
            continue
        seen.add(sku)
        state.unique.append(sku)
        pending = _pending(ctx, sku, timeout=timeout)
        if pending is not None:
            state.entries[sku] = pending
            continue
        to_read.append(sku)
    views = read_listings(ctx, to_read) if to_read else {}
    for sku in state.unique:  # in the batch's order
        if sku not in views:
            continue
        view = views[sku]
        if isinstance(view, NotFoundError):
            state.errors[sku] = view
            continue
        try:
            check_closable(view)
        except NotCancellableError as exc:
            state.errors[sku] = exc
            continue
        if view.closed:
            state.outcomes[sku] = ListingOutcome(
                sku=sku, status=ListingStatus.ACCEPTED, detail="the seller-fulfilled quantity already reads 0; not sent"
            )
            continue
        state.sendable.append(view)
    return state


def close_listings(
    ctx: Context,
    skus: Iterable[str],
    *,
    wait: bool,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
) -> BatchOutcome[ListingOutcome]:
    """See ``sp_cancel.SellerClient.close_listings`` (which checks the SKUs).

    Raises:
        FeedTimeoutError: with ``wait``, a feed still running after ``timeout`` (resume with ``client.wait``).
    """
    batch = list(skus)
    state = _preflight(ctx, batch, timeout=timeout if wait else 0.0)
    planned: list[_Planned] = []
    for view in state.sendable:
        key = f"listing-close-{uuid.uuid4().hex}"
        payload = ClosePayload(
            seller_id=ctx.seller_id, marketplace_id=ctx.marketplace_id, sku=view.sku, product_type=view.product_type
        )
        plan, _ = ctx.journal.plan(key, kind=KIND_CLOSE, target=view.sku, payload=payload.to_json())
        planned.append(_Planned(key=key, view=view, owner=plan.owner))
    feed_ids = _submit(ctx, planned) if planned else []
    for p in planned:
        entry = ctx.journal.get(p.key)
        assert entry is not None  # noqa: S101 - just written
        state.entries[p.view.sku] = entry
    state.outcomes.update(
        finish_each(
            ctx.journal,
            state.entries,
            finish=lambda entry: _finish(ctx, entry, wait=wait, timeout=timeout, progress=progress),
            decode=listing_from_json,
        )
    )
    ordered: dict[str, ListingOutcome] = {}
    for sku in state.unique:
        error = state.errors.get(sku)
        if error is not None:
            ordered[sku] = ListingOutcome(sku=sku, status=ListingStatus.REFUSED, detail=str(error), error=error)
        elif sku in state.outcomes:
            ordered[sku] = state.outcomes[sku]
    return BatchOutcome(outcomes=ordered, feed_ids=tuple(feed_ids))


def refresh_listing_close(
    ctx: Context, key: str, *, wait: bool, timeout: float = DEFAULT_TIMEOUT, progress: Progress | None = None
) -> ListingOutcome:
    """Re-read (or wait for) the listing close journaled under ``key`` (a ``submission_id``), from any process."""
    entry = ctx.journal.get(key)
    if entry is None or entry.kind != KIND_CLOSE:
        raise InvalidInputError(f"the journal has no listing close {key!r}", field="outcome")
    if not entry.finished and entry.feed_id is None and entry.state == "submitted":
        recovered = _recover(ctx, entry, timeout=timeout if wait else 0.0)
        if recovered is None:
            return ListingOutcome(
                sku=entry.target,
                status=ListingStatus.INVALID,
                submission_id=key,
                detail="the feed was never created at Amazon; nothing was sent (close it again)",
            )
        entry = recovered
    return _finish(ctx, entry, wait=wait, timeout=timeout, progress=progress)


def resume_listing_closes(
    ctx: Context, *, timeout: float = DEFAULT_TIMEOUT, progress: Progress | None = None
) -> list[ListingOutcome]:
    """Finish every listing close the journal holds (for ``client.resume()``): one outcome per SKU.

    Closes whose process died before Amazon had them (a plan whose lease expired, or a submission Amazon
    shows no feed for) are closed now, through the same checks as :func:`close_listings`.
    """
    outcomes: list[ListingOutcome] = []
    again: list[str] = []
    for entry in ctx.journal.unfinished():
        if entry.kind != KIND_CLOSE or not _mine(ctx, entry):
            continue
        if entry.state == "planned":
            if entry.lease_expired(ctx.clock.now()):
                ctx.journal.release(entry.key)  # never sent: close it now
                again.append(entry.target)
            continue
        _log.info(events.JOURNAL_RESUMED, key=entry.key, state=entry.state, feed_id=entry.feed_id)
        if entry.feed_id is None and _recover(ctx, entry, timeout=timeout) is None:
            again.append(entry.target)  # Amazon never had it: close it now
            continue
        outcomes.append(refresh_listing_close(ctx, entry.key, wait=True, timeout=timeout, progress=progress))
    if again:
        outcomes.extend(close_listings(ctx, again, wait=True, timeout=timeout, progress=progress).values())
    return outcomes
