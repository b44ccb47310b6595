"""The Feeds API lifecycle, once for every workflow: submit, find a lost feed and prove it, poll, read the report.

``FeedRunner.submit`` records a submission in the journal before ``createFeed`` (on both clocks);
``search``/``resolve`` find and prove the feed of a submission whose ``createFeed`` answer was lost;
``wait`` polls on the cadence the runner learned (``sp_cancel._runtime.cadence``); ``result``/``report_of`` read
the processing report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

import attrs

import sp_cancel._events as events
from sp_cancel._outcomes import FeedState, Outcome, ProgressCallback
from sp_cancel._runtime.cadence import Cadence
from sp_cancel._runtime.claims import sent_on_amazon_clock
from sp_cancel.errors import FeedError, FeedTimeoutError, OutcomeUnknownError, SpCancelError
from sp_cancel.feeds import document_hash
from sp_cancel.journal import JournalError
from sp_cancel.logging import get_logger

if TYPE_CHECKING:
    from sp_cancel.clock import Clock, Sleep
    from sp_cancel.feeds.report import ProcessingReport
    from sp_cancel.journal import Entry, JournalLike
    from sp_cancel.transport import Feed, SpApi

__all__ = [
    "LISTING_LAG",
    "RECOVERY_SLACK",
    "SEARCH_POLL",
    "UNCONFIRMED_PATIENCE",
    "Expected",
    "FeedRunner",
    "Progress",
    "Resolution",
    "Search",
    "finish_each",
]

TERMINAL: Final = frozenset({"DONE", "CANCELLED", "FATAL"})

# A recovered feed must have been created no earlier than this before our createFeed attempt (Amazon's
# createdTime against our record of Amazon's time when sending began: the Date header's 1 s resolution,
# and Amazon's own clocks).
RECOVERY_SLACK: Final = timedelta(minutes=2)

# Seconds after which a getFeeds search that finds nothing is taken as "not created" -- only ever for writes
# that are harmless to repeat (a whole-order cancel, a listing close). Amazon documents no listing lag, so a
# money-moving write is never sent again on the strength of a search, however long ago it was sent.
LISTING_LAG: Final = 90.0

# Between two searches for a lost feed (getFeeds allows one call per 45 s).
SEARCH_POLL: Final = 60.0

# How long a call whose money-moving createFeed answer was lost keeps looking before it answers
# UNCONFIRMED (refresh(), verify_refund() and resume() keep looking later).
UNCONFIRMED_PATIENCE: Final = 45.0

# The progress callback and the feed state it receives are public (sp_cancel.ProgressCallback, sp_cancel.FeedState).
Progress = ProgressCallback


@attrs.frozen(kw_only=True)
class Search:
    """What a ``getFeeds`` search for a lost feed found (``FeedRunner.search``)."""

    candidates: tuple[FeedState, ...]
    conclusive: bool  # harmless writes only: long enough since sending that no candidate means "not created"
    conclusive_in: float  # seconds until it will be (negative once it is)


@attrs.frozen(kw_only=True)
class Expected:
    """What a submission sent, for telling its feed's processing report from another's."""

    messages: int  # messages in the document
    message_ids: frozenset[int]
    order_ids: frozenset[str]
    item_ids: frozenset[str] = frozenset()
    report: Callable[[bytes], ProcessingReport] | None = None  # the report parser; None: reports cannot tell


@attrs.frozen(kw_only=True)
class Resolution:
    """Which candidate, if any, Amazon proved to be a lost submission's feed (``FeedRunner.resolve``)."""

    feed: FeedState | None
    by_report: bool = False  # the feed's report names the submission's orders (else: its effect was read back)
    pending: bool  # a candidate may still prove ours (processing, or its effect not visible yet)
    conclusive: bool  # harmless writes only: with nothing pending, no feed of ours exists
    candidates: int = 0  # feeds Amazon lists that could have been ours


_Target = TypeVar("_Target")
_Outcome = TypeVar("_Outcome", bound=Outcome)


def finish_each(
    journal: JournalLike,
    entries: Mapping[_Target, Entry],
    *,
    finish: Callable[[Entry], _Outcome],
    decode: Callable[[Mapping[str, Any]], _Outcome],
) -> dict[_Target, _Outcome]:
    """Finish each journaled submission of a batch, reading a feed's report once for all it carries.

    Once ``finish`` has settled one submission of a feed (its outcome is past ``SUBMITTED``, which in every
    intent means sent with the report not read yet: the report was read and journaled for every submission in
    it), the others of that feed are decoded from the journal instead of finished again.
    """
    outcomes: dict[_Target, _Outcome] = {}
    known: dict[str, _Outcome] = {}
    for target, entry in entries.items():
        if entry.key in known:
            outcomes[target] = known[entry.key]
            continue
        outcome = finish(entry)
        outcomes[target] = outcome
        if entry.feed_id and outcome.status != "SUBMITTED":
            known.update({e.key: decode(e.outcome) for e in journal.by_feed(entry.feed_id) if e.outcome})
    return outcomes


def _state(feed: Feed) -> FeedState:
    return FeedState(
        feed_id=feed.feed_id,
        feed_type=feed.feed_type,
        status=feed.processing_status,
        created_at=feed.created_time,
        result_document_id=feed.result_feed_document_id,
        processing_end_time=feed.processing_end_time,
    )


class FeedRunner:
    """Submits, recovers, polls and reads feeds for one seller."""

    def __init__(
        self,
        *,
        api: SpApi,
        journal: JournalLike,
        clock: Clock,
        sleep: Sleep,
        poll_max: float = 120.0,
        listing_lag: float = LISTING_LAG,
        cadence: Cadence | None = None,
    ) -> None:
        """Bind the runner to a transport, journal and clock.

        ``cadence`` holds the processing times learned per feed or report type (``wait`` and ``run_report``
        poll on it); by default the runner starts its own, knowing nothing.
        """
        self.listing_lag = listing_lag
        self.cadence = cadence if cadence is not None else Cadence()
        self._api = api
        self._journal = journal
        self._clock = clock
        self._sleep = sleep
        self._poll_max = poll_max
        self._log = get_logger()

    def submit(
        self,
        *,
        feed_type: str,
        content_type: str,
        document: bytes,
        message_ids: Mapping[str, int],
        marketplace_ids: Sequence[str],
        owner: str | None = None,
        before_create: Callable[[], None] | None = None,
    ) -> str | None:
        """Submit ``document`` for the journal entries ``message_ids`` names; return the feed id.

        The entries must be planned (leased to ``owner`` when given). They are marked submitting
        after the upload and just before ``createFeed``, with the time on our clock and on Amazon's;
        if anything fails before that, they are still planned and nothing reached Amazon.

        When ``createFeed``'s answer is lost (a 5xx, a timeout, a dropped connection), ``None`` is
        returned at once: the entries stay submitted with no feed id (``send_uncertain``), and the
        workflow settles them (``resolve``) -- a money-moving feed is never sent again on the strength
        of a search. When Amazon refuses ``createFeed`` outright (a 4xx other than 429), nothing was
        created: the error propagates (``nothing_sent`` says so) with the entries still submitted, for
        the workflow to journal as not sent. A 429 is retried by the transport once the plan refills.

        ``before_create``, when given, runs after ``createFeed``'s usage plan has let the call through and
        right before it is sent (the last moment to re-check what the document is about); whatever it
        raises propagates with the entries still planned, nothing sent. Every send passes it: the first,
        and every resend of a harmless write.
        """
        keys = list(message_ids)
        digest = document_hash(document)
        created = self._api.create_feed_document(content_type=content_type)
        self._api.upload(created.url, document, content_type)
        if before_create is not None:
            self._api.reserve("feeds.createFeed")  # wait for the usage plan first: then check, then send
            before_create()
        # From here on Amazon may create the feed: record that before asking, on both clocks.
        sent_at = self._clock.now()
        self._journal.mark_submitting(
            keys,
            feed_type=feed_type,
            document_hash=digest,
            message_ids=message_ids,
            sent_at=sent_at,
            amazon_sent_at=sent_at + self._api.clock_offset,
            owner=owner,
        )
        document_id = created.feed_document_id
        try:
            feed_id = self._create_feed(feed_type, document_id, marketplace_ids)
        except OutcomeUnknownError:
            self._log.warning(events.FEED_UNCERTAIN, feed_type=feed_type, messages=len(keys), candidates=None)
            return None
        self._journal.mark_submitted(keys, feed_id=feed_id)
        self._log.info(
            events.FEED_SUBMITTED, feed_id=feed_id, feed_type=feed_type, messages=len(keys), document_hash=digest
        )
        return feed_id

    def search(self, *, feed_type: str, marketplace_ids: Sequence[str], entry: Entry) -> Search:
        """List the feeds the submission ``entry`` may have created (``getFeeds``), on Amazon's clock.

        Candidates are feeds of ``feed_type`` for exactly these marketplaces, created from ``RECOVERY_SLACK``
        before the moment sending began (recorded on Amazon's clock when it began, so a host clock that was
        stepped or is hours off since moves nothing) to now (a throttled or retried ``createFeed`` may go out
        much later), that no journal entry owns. ``conclusive`` (``listing_lag`` since sending, on Amazon's
        clock) matters only to writes that are harmless to repeat.
        """
        sent = sent_on_amazon_clock(entry)
        if sent is None or entry.submitted_at is None:
            raise JournalError(f"journal entry {entry.key!r} was never sent; there is no feed to look for")
        # Feeds other submissions own are never candidates: look wide (a journal query, no request).
        known = self._journal.known_feed_ids(feed_type, entry.submitted_at - timedelta(days=2))
        since = sent - RECOVERY_SLACK
        token: str | None = None
        candidates: list[FeedState] = []
        while True:
            if token is None:
                page = self._api.get_feeds(feed_types=[feed_type], created_since=since, page_size=100)
            else:
                page = self._api.get_feeds(next_token=token)
            for feed in page.feeds:
                state = _state(feed)
                same_market = sorted(feed.marketplace_ids) == sorted(marketplace_ids)
                if state.feed_id in known or not same_market or state.created_at is None:
                    continue
                if state.created_at >= since:
                    candidates.append(state)
            token = page.next_token
            if not token:
                break
        waited = (self._api.amazon_now() - sent).total_seconds()
        candidates.sort(key=lambda s: s.created_at or since)
        return Search(
            candidates=tuple(candidates),
            conclusive=waited >= self.listing_lag,
            conclusive_in=self.listing_lag - waited,
        )

    def resolve(
        self,
        *,
        feed_type: str,
        marketplace_ids: Sequence[str],
        entry: Entry,
        expected: Expected,
        effect: Callable[[FeedState], bool | None],
    ) -> Resolution:
        """Decide which candidate feed (if any) is a lost submission's own; the one routine for every workflow.

        A candidate is this submission's only when Amazon proves it: its processing report names this
        submission's orders (and fits its message count), or the report fits and ``effect`` (a
        read-back of the submission's own targets: the order cancelled, the refund posted) shows what
        this submission asked for. ``effect`` answers ``True`` (seen), ``False`` (certainly not) or
        ``None`` (not knowable yet, e.g. Finances posts up to 48 h later).

        Returns:
            The proven feed, or none with ``pending`` (a candidate may still prove ours: wait) and
            ``conclusive`` (harmless writes: with nothing pending, no feed of ours exists).
        """
        found = self.search(feed_type=feed_type, marketplace_ids=marketplace_ids, entry=entry)
        pending = False
        for candidate in found.candidates:
            verdict = self._verdict(candidate, expected)
            if verdict == "not_mine":
                continue
            if not candidate.finished:
                pending = True
                continue
            if verdict == "mine":
                self._log.warning(events.FEED_RECOVERED, feed_id=candidate.feed_id, feed_type=feed_type, proof="report")
                return Resolution(feed=candidate, by_report=True, pending=False, conclusive=True, candidates=1)
            seen = effect(candidate)
            if seen is True:
                self._log.warning(events.FEED_RECOVERED, feed_id=candidate.feed_id, feed_type=feed_type, proof="effect")
                return Resolution(feed=candidate, pending=False, conclusive=True, candidates=1)
            if seen is None:
                pending = True
        return Resolution(feed=None, pending=pending, conclusive=found.conclusive, candidates=len(found.candidates))

    def _verdict(self, candidate: FeedState, expected: Expected) -> Literal["mine", "not_mine", "fits", "unknown"]:
        """What the candidate's processing report says about whose it is."""
        report = self._report(candidate, expected)
        if report is None:
            return "unknown"
        if report.messages_processed is not None and report.messages_processed != expected.messages:
            return "not_mine"
        named = False
        for result in report.results:
            foreign = (
                (result.message_id and result.message_id not in expected.message_ids)
                or (result.order_id is not None and result.order_id not in expected.order_ids)
                or (
                    (result.order_item_id is not None and bool(expected.item_ids))
                    and result.order_item_id not in expected.item_ids
                )
            )
            if foreign:
                return "not_mine"
            named = named or result.order_id is not None
        return "mine" if named and report.complete else "fits"

    def _report(self, candidate: FeedState, expected: Expected) -> ProcessingReport | None:
        if candidate.status != "DONE" or not candidate.result_document_id or expected.report is None:
            return None
        try:
            return expected.report(self.result(candidate))
        except (SpCancelError, ValueError):
            return None

    def _create_feed(self, feed_type: str, document_id: str, marketplace_ids: Sequence[str]) -> str:
        return self._api.create_feed(
            feed_type=feed_type, input_feed_document_id=document_id, marketplace_ids=list(marketplace_ids)
        )

    def status(self, feed_id: str) -> FeedState:
        """Read the feed's state once (``getFeed``)."""
        return _state(self._api.get_feed(feed_id))

    def _learn(self, state: FeedState, running_at: float | None, waited: float) -> None:
        """Remember how long a DONE feed of this type took, for the next ``wait``.

        Amazon's own times (``createdTime`` to ``processingEndTime``) when it sent both; otherwise the middle
        of the last look that saw the feed running and this one (nothing when it was done at the first look).
        """
        if state.status != "DONE":
            return  # a CANCELLED or FATAL feed says nothing about how long processing takes
        if state.created_at is not None and state.processing_end_time is not None:
            self.cadence.learn(state.feed_type, (state.processing_end_time - state.created_at).total_seconds())
        elif running_at is not None:
            self.cadence.learn(state.feed_type, (running_at + waited) / 2)

    def wait(self, feed_id: str, *, timeout: float, progress: Progress | None = None) -> FeedState:
        """Poll until the feed is DONE/CANCELLED/FATAL; raise ``FeedTimeoutError`` past ``timeout``.

        Polls follow the processing time learned from earlier feeds of the same type (``Cadence``): one look
        just past it; before anything was learned, each look doubles the time waited. Never more often than
        ``getFeed``'s usage plan allows (``plan_rate``), never more than ``poll_max`` apart. ``progress`` gets
        each state with ``expected_seconds``, the learned time (``None`` before one was learned).
        """
        start = self._clock.monotonic()
        running_at: float | None = None
        while True:
            state = self.status(feed_id)
            waited = self._clock.monotonic() - start
            self._log.debug(events.FEED_POLLED, feed_id=feed_id, status=state.status, waited=round(waited, 1))
            if progress is not None:
                progress(attrs.evolve(state, expected_seconds=self.cadence.typical(state.feed_type)), waited)
            if state.finished:
                self._learn(state, running_at, waited)
                self._log.info(events.FEED_FINISHED, feed_id=feed_id, status=state.status, waited=round(waited, 1))
                return state
            running_at = waited
            remaining = timeout - waited
            if remaining <= 0:
                raise FeedTimeoutError(
                    f"still {state.status} after {waited:.0f} s; call client.wait(outcome) to keep waiting",
                    feed_id=feed_id,
                    processing_status=state.status,
                )
            floor = 1.0 / self._api.plan_rate("feeds.getFeed")
            pause = self.cadence.pause(state.feed_type, waited=waited, floor=floor, ceiling=self._poll_max)
            self._sleep(min(pause, remaining))

    def result(self, state: FeedState) -> bytes:
        """Download the processing report of a DONE feed (gunzipped bytes)."""
        if state.status != "DONE" or not state.result_document_id:
            raise FeedError(
                f"has no processing report (status {state.status})",
                feed_id=state.feed_id,
                processing_status=state.status,
            )
        doc = self._api.get_feed_document(state.result_document_id)
        return self._api.download(doc.url, compression=doc.compression_algorithm)

    def report_of(self, state: FeedState, parse: Callable[[bytes], ProcessingReport]) -> ProcessingReport | None:
        """The DONE feed's processing report, or ``None`` when it cannot be had or read.

        A missing, empty, truncated or unreadable report is not an error of the submission: the workflow
        falls back to reading its targets back (and never reads such a report as success).
        """
        try:
            return parse(self.result(state))
        except (SpCancelError, ValueError) as exc:
            self._log.warning(events.REPORT_UNREADABLE, feed_id=state.feed_id, reason=str(exc)[:200])
            return None
