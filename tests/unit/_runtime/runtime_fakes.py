"""A scripted fake of the few typed ``SpApi`` methods the feed and report runners call (no HTTP, no simulator).

``FakeAmazon`` keeps feeds and reports as timelines on Amazon's clock (the test's ``FakeClock`` plus ``offset``):
a feed is ``IN_QUEUE`` for ``queue`` seconds, ``IN_PROGRESS`` for ``processing`` seconds, then ends ``final``.
``create_answers`` scripts each ``createFeed``: ``"ok"``, ``"lost"`` (Amazon created the feed, the answer was
lost: ``OutcomeUnknownError`` after the effect), ``"lost_before"`` (the same error, nothing created) or
``"refused"`` (a 400: nothing created). Every call is recorded in ``calls`` (operation names), so a test can
count ``createFeed``s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Literal

import attrs

from sp_cancel._operations import OPERATIONS
from sp_cancel.clock import FakeClock
from sp_cancel.errors import ApiError, OutcomeUnknownError, ServerError
from sp_cancel.transport import (
    Feed,
    FeedDocument,
    FeedDocumentUpload,
    FeedsPage,
    ProcessingStatus,
    Report,
    ReportDocument,
)

CreateAnswer = Literal["ok", "lost", "lost_before", "refused"]
MARKET = "ATVPDKIKX0DER"
ORDER_FEED = "POST_ORDER_ACKNOWLEDGEMENT_DATA"


@attrs.define
class Timeline:
    """One feed or report at the fake Amazon: created at ``created`` (Amazon's clock), then queued, processed, ended."""

    ident: str
    kind: str  # the feed or report type
    created: datetime
    queue: float
    processing: float
    final: ProcessingStatus = "DONE"
    document: bytes | None = None  # the processing report (feeds) or the report document (reports)
    marketplace_ids: tuple[str, ...] = (MARKET,)
    listed_after: float = 0.0  # seconds after creation before getFeeds lists it

    def status(self, now: datetime) -> tuple[ProcessingStatus, datetime | None, datetime | None]:
        """The status at ``now`` and the processing start and end times Amazon shows then."""
        started = self.created + timedelta(seconds=self.queue)
        ended = started + timedelta(seconds=self.processing)
        if now < started:
            return "IN_QUEUE", None, None
        if now < ended:
            return "IN_PROGRESS", started, None
        return self.final, started, ended


class FakeAmazon:
    """The Feeds and Reports operations of ``SpApi``, scripted per test (see the module docstring)."""

    def __init__(
        self,
        clock: FakeClock,
        *,
        offset: timedelta = timedelta(0),
        queue: float = 20.0,
        processing: float = 40.0,
        final: ProcessingStatus = "DONE",
        report: Callable[[bytes], bytes | None] | None = None,
        listed_after: float = 0.0,
        page_size: int = 100,
    ) -> None:
        """Amazon ``offset`` ahead of ``clock``; new feeds take ``queue`` + ``processing`` seconds and end ``final``.

        ``report`` builds a new feed's processing report from the uploaded document (``None``: no report).
        """
        self.clock = clock
        self.offset = offset
        self.queue = queue
        self.processing = processing
        self.final: ProcessingStatus = final
        self.report = report
        self.listed_after = listed_after
        self.page_size = page_size
        self.calls: list[str] = []
        self.create_answers: list[CreateAnswer] = []
        self.feeds: dict[str, Timeline] = {}
        self.reports: dict[str, Timeline] = {}
        self.uploads: dict[str, bytes] = {}
        self.compressions: list[str | None] = []  # the compression each download was asked to undo
        self.report_compression: str | None = "GZIP"  # what getReportDocument says
        self.rates: dict[str, float] = {}  # x-amzn-RateLimit-Limit as Amazon reports it, per operation key
        self.get_feed_errors: list[Exception] = []  # raised by the next getFeed calls, in order
        self._ids = 0

    # -- clocks --------------------------------------------------------------------------------------

    @property
    def clock_offset(self) -> timedelta:
        """Amazon's clock minus ours, as the transport would have learned it."""
        return self.offset

    def amazon_now(self) -> datetime:
        """Amazon's time now."""
        return self.clock.now() + self.offset

    def plan_rate(self, op_key: str) -> float:
        """The rate Amazon reports for ``op_key`` (``rates``), else its documented rate."""
        return self.rates.get(op_key, OPERATIONS[op_key].rate)

    def _next(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}{self._ids}"

    def count(self, operation: str) -> int:
        """How many calls of ``operation`` (e.g. ``"createFeed"``) were made."""
        return self.calls.count(operation)

    # -- scripting -----------------------------------------------------------------------------------

    def add_feed(self, **fields: object) -> Timeline:
        """A feed created by someone else (or earlier): fields of ``Timeline``; ``created`` defaults to now."""
        ident = str(fields.pop("ident", self._next("F")))
        created = fields.pop("created", self.amazon_now())
        line = Timeline(
            ident=ident,
            kind=str(fields.pop("kind", ORDER_FEED)),
            created=created,  # type: ignore[arg-type]  # a datetime, as the test gives it
            queue=float(fields.pop("queue", self.queue)),  # type: ignore[arg-type]  # seconds
            processing=float(fields.pop("processing", self.processing)),  # type: ignore[arg-type]  # seconds
            **fields,  # type: ignore[arg-type]  # the other Timeline fields
        )
        self.feeds[ident] = line
        return line

    # -- Feeds API -----------------------------------------------------------------------------------

    def create_feed_document(self, *, content_type: str) -> FeedDocumentUpload:
        """``createFeedDocument``."""
        del content_type  # the fake does not check it
        self.calls.append("createFeedDocument")
        document_id = self._next("D")
        return FeedDocumentUpload(feed_document_id=document_id, url=f"https://s3.example/{document_id}")

    def upload(self, url: str, body: bytes, content_type: str) -> None:
        """The PUT to the presigned URL."""
        del content_type  # the fake does not check it
        self.calls.append("upload")
        self.uploads[url.rsplit("/", 1)[1]] = body

    def reserve(self, op_key: str) -> float:
        """Wait for a usage plan (nothing to wait for here)."""
        self.calls.append(f"reserve:{op_key}")
        return 0.0

    def create_feed(
        self, *, feed_type: str, input_feed_document_id: str, marketplace_ids: Sequence[str] | None = None
    ) -> str:
        """``createFeed`` as scripted by ``create_answers`` (default ``"ok"``)."""
        self.calls.append("createFeed")
        answer = self.create_answers.pop(0) if self.create_answers else "ok"
        if answer == "refused":
            raise ApiError("Invalid input", operation="createFeed", status=400)
        if answer == "lost_before":
            raise OutcomeUnknownError("timed out", operation="createFeed", status=None, sent_at=self.clock.now())
        body = self.uploads.get(input_feed_document_id, b"")
        line = self.add_feed(
            kind=feed_type,
            final=self.final,
            document=None if self.report is None else self.report(body),
            marketplace_ids=tuple(marketplace_ids or (MARKET,)),
            listed_after=self.listed_after,
        )
        if answer == "lost":
            raise OutcomeUnknownError("HTTP 503", operation="createFeed", status=503, sent_at=self.clock.now())
        return line.ident

    def _feed(self, line: Timeline) -> Feed:
        status, started, ended = line.status(self.amazon_now())
        return Feed(
            feed_id=line.ident,
            feed_type=line.kind,
            created_time=line.created,
            processing_status=status,
            marketplace_ids=line.marketplace_ids,
            processing_start_time=started,
            processing_end_time=ended,
            result_feed_document_id=f"R{line.ident}" if status == "DONE" and line.document is not None else None,
        )

    def get_feed(self, feed_id: str) -> Feed:
        """``getFeed``."""
        self.calls.append("getFeed")
        if self.get_feed_errors:
            raise self.get_feed_errors.pop(0)
        return self._feed(self.feeds[feed_id])

    def get_feeds(
        self,
        *,
        feed_types: Sequence[str] | None = None,
        page_size: int | None = None,
        created_since: datetime | None = None,
        next_token: str | None = None,
    ) -> FeedsPage:
        """``getFeeds``: the listed feeds of ``feed_types`` created since ``created_since``, ``page_size`` a page."""
        self.calls.append("getFeeds")
        if next_token is not None:
            kinds_text, since_text, start_text = next_token.split("|")
            kinds, since, start = kinds_text.split(","), datetime.fromisoformat(since_text), int(start_text)
        else:
            kinds, since, start = list(feed_types or ()), created_since, 0
        now = self.amazon_now()
        listed = [
            line
            for line in self.feeds.values()
            if line.kind in kinds
            and (since is None or line.created >= since)
            and now >= line.created + timedelta(seconds=line.listed_after)
        ]
        size = min(page_size or self.page_size, self.page_size)
        page = listed[start : start + size]
        more = start + size < len(listed)
        token = f"{','.join(kinds)}|{(since or now).isoformat()}|{start + size}" if more else None
        return FeedsPage(feeds=tuple(self._feed(line) for line in page), next_token=token)

    def get_feed_document(self, feed_document_id: str) -> FeedDocument:
        """``getFeedDocument`` for a processing report (``R<feed id>``)."""
        self.calls.append("getFeedDocument")
        return FeedDocument(feed_document_id=feed_document_id, url=f"https://s3.example/{feed_document_id}")

    def download(self, url: str, *, compression: str | None) -> bytes:
        """The GET of a presigned document URL: a feed's processing report or a report's document."""
        self.calls.append("download")
        self.compressions.append(compression)  # the fake's documents are stored as they read
        name = url.rsplit("/", 1)[1]
        line = self.feeds.get(name[1:]) or self.reports.get(name[1:])
        if line is None or line.document is None:
            raise ServerError("no such document", operation="download", status=404)
        return line.document

    # -- Reports API ---------------------------------------------------------------------------------

    def create_report(
        self,
        *,
        report_type: str,
        marketplace_ids: Sequence[str] | None = None,
        data_start_time: datetime | None = None,
        data_end_time: datetime | None = None,
    ) -> str:
        """``createReport``: a report on the default timeline; its document is ``report_document``."""
        del data_start_time, data_end_time  # the fake's reports hold no data
        self.calls.append("createReport")
        ident = self._next("P")
        self.reports[ident] = Timeline(
            ident=ident,
            kind=report_type,
            created=self.amazon_now(),
            queue=self.queue,
            processing=self.processing,
            final=self.final,
            document=self.report_document,
            marketplace_ids=tuple(marketplace_ids or (MARKET,)),
        )
        return ident

    report_document: bytes | None = b"report-body"

    def get_report(self, report_id: str) -> Report:
        """``getReport``."""
        self.calls.append("getReport")
        line = self.reports[report_id]
        status, started, ended = line.status(self.amazon_now())
        return Report(
            report_id=line.ident,
            report_type=line.kind,
            created_time=line.created,
            processing_status=status,
            processing_start_time=started,
            processing_end_time=ended,
            report_document_id=f"R{line.ident}" if status == "DONE" and line.document is not None else None,
        )

    def get_report_document(self, report_document_id: str) -> ReportDocument:
        """``getReportDocument``."""
        self.calls.append("getReportDocument")
        return ReportDocument(
            report_document_id=report_document_id,
            url=f"https://s3.example/{report_document_id}",
            compression_algorithm=self.report_compression,
        )
