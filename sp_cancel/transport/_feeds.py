"""Feeds and Reports API answers (2021-06-30) as typed values.

The two APIs share their shapes: a submission (``Feed``, ``Report``) with a processing status and, once
``DONE``, a document id; a document (``FeedDocument``, ``ReportDocument``) with a presigned URL valid five
minutes and an optional ``compressionAlgorithm``. Field names are Amazon's in snake_case; what a parser
does not read stays in ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, Literal, cast

import attrs

from sp_cancel.transport._parse import (
    EMPTY,
    Malformed,
    extra,
    opt_str,
    opt_time,
    req_list,
    req_str,
    req_time,
    str_list,
)

__all__ = [
    "PROCESSING_STATUSES",
    "Feed",
    "FeedDocument",
    "FeedDocumentUpload",
    "FeedsPage",
    "ProcessingStatus",
    "Report",
    "ReportDocument",
    "parse_feed",
    "parse_feed_document",
    "parse_feed_document_upload",
    "parse_feed_id",
    "parse_feeds_page",
    "parse_report",
    "parse_report_document",
    "parse_report_id",
]

#: A feed's or report's ``processingStatus`` (the same closed set in both models).
ProcessingStatus = Literal["IN_QUEUE", "IN_PROGRESS", "DONE", "CANCELLED", "FATAL"]
PROCESSING_STATUSES: Final = frozenset({"IN_QUEUE", "IN_PROGRESS", "DONE", "CANCELLED", "FATAL"})


def _status(data: Mapping[str, Any], where: str) -> ProcessingStatus:
    value = req_str(data, "processingStatus", where)
    if value not in PROCESSING_STATUSES:
        raise Malformed(f"{where}.processingStatus" if where else "processingStatus", f"is {value[:40]!r}, unknown")
    return cast("ProcessingStatus", value)


@attrs.frozen(kw_only=True)
class FeedDocumentUpload:
    """``createFeedDocument``'s answer: where to upload the feed (the URL is valid five minutes)."""

    feed_document_id: str
    url: str = attrs.field(repr=False)  # presigned: its query string is a credential
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_feed_document_upload(data: Mapping[str, Any]) -> FeedDocumentUpload:
    """``CreateFeedDocumentResponse`` as ``FeedDocumentUpload``."""
    return FeedDocumentUpload(
        feed_document_id=req_str(data, "feedDocumentId", ""),
        url=req_str(data, "url", ""),
        extra=extra(data, frozenset({"feedDocumentId", "url"})),
    )


def parse_feed_id(data: Mapping[str, Any]) -> str:
    """``CreateFeedResponse``'s ``feedId``."""
    return req_str(data, "feedId", "")


@attrs.frozen(kw_only=True)
class Feed:
    """One feed (``getFeed``, an item of ``getFeeds``).

    Attributes:
        feed_id: Amazon's feed id.
        feed_type: e.g. ``POST_ORDER_ACKNOWLEDGEMENT_DATA``.
        created_time: when Amazon created it.
        processing_status: ``IN_QUEUE``, ``IN_PROGRESS``, ``DONE``, ``CANCELLED`` or ``FATAL``.
        marketplace_ids: the marketplaces it was submitted for (empty when Amazon does not say).
        processing_start_time: when processing started.
        processing_end_time: when processing ended.
        result_feed_document_id: the processing report's document, once ``DONE``.
        extra: members this type does not read (read-only).
    """

    feed_id: str
    feed_type: str
    created_time: datetime
    processing_status: ProcessingStatus
    marketplace_ids: tuple[str, ...] = ()
    processing_start_time: datetime | None = None
    processing_end_time: datetime | None = None
    result_feed_document_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


_FEED_KNOWN: Final = frozenset(
    {
        "feedId",
        "feedType",
        "createdTime",
        "processingStatus",
        "marketplaceIds",
        "processingStartTime",
        "processingEndTime",
        "resultFeedDocumentId",
    }
)


def _feed(data: Mapping[str, Any]) -> Feed:
    return Feed(
        feed_id=req_str(data, "feedId", ""),
        feed_type=req_str(data, "feedType", ""),
        created_time=req_time(data, "createdTime", ""),
        processing_status=_status(data, ""),
        marketplace_ids=str_list(data, "marketplaceIds", ""),
        processing_start_time=opt_time(data, "processingStartTime", ""),
        processing_end_time=opt_time(data, "processingEndTime", ""),
        result_feed_document_id=opt_str(data, "resultFeedDocumentId", "") or None,
        extra=extra(data, _FEED_KNOWN),
    )


def parse_feed(data: Mapping[str, Any]) -> Feed:
    """``getFeed``'s ``Feed``."""
    return _feed(data)


@attrs.frozen(kw_only=True)
class FeedsPage:
    """One page of ``getFeeds``: ``next_token`` (pass it alone for the next page) is ``None`` on the last."""

    feeds: tuple[Feed, ...]
    next_token: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_feeds_page(data: Mapping[str, Any]) -> FeedsPage:
    """``GetFeedsResponse`` as ``FeedsPage``."""
    return FeedsPage(
        feeds=req_list(data, "feeds", "", _feed),
        next_token=opt_str(data, "nextToken", "") or None,
        extra=extra(data, frozenset({"feeds", "nextToken"})),
    )


@attrs.frozen(kw_only=True)
class FeedDocument:
    """``getFeedDocument``'s answer: where to download a document (valid five minutes) and how it is compressed."""

    feed_document_id: str
    url: str = attrs.field(repr=False)  # presigned: its query string is a credential
    compression_algorithm: str | None = None  # "GZIP" when compressed
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_feed_document(data: Mapping[str, Any]) -> FeedDocument:
    """``FeedDocument`` (the model's name for ``getFeedDocument``'s answer)."""
    return FeedDocument(
        feed_document_id=req_str(data, "feedDocumentId", ""),
        url=req_str(data, "url", ""),
        compression_algorithm=opt_str(data, "compressionAlgorithm", ""),
        extra=extra(data, frozenset({"feedDocumentId", "url", "compressionAlgorithm"})),
    )


def parse_report_id(data: Mapping[str, Any]) -> str:
    """``CreateReportResponse``'s ``reportId``."""
    return req_str(data, "reportId", "")


@attrs.frozen(kw_only=True)
class Report:
    """One report (``getReport``).

    Attributes:
        report_id: Amazon's report id.
        report_type: e.g. ``GET_V2_SELLER_PERFORMANCE_REPORT``.
        created_time: when Amazon created it.
        processing_status: ``IN_QUEUE``, ``IN_PROGRESS``, ``DONE``, ``CANCELLED`` (no data) or ``FATAL``.
        marketplace_ids: the marketplaces it covers.
        data_start_time: the start of the data it covers, when it takes one.
        data_end_time: the end of the data it covers, when it takes one.
        report_schedule_id: the schedule that created it, if any.
        processing_start_time: when processing started.
        processing_end_time: when processing ended.
        report_document_id: its document, once ``DONE``.
        extra: members this type does not read (read-only).
    """

    report_id: str
    report_type: str
    created_time: datetime
    processing_status: ProcessingStatus
    marketplace_ids: tuple[str, ...] = ()
    data_start_time: datetime | None = None
    data_end_time: datetime | None = None
    report_schedule_id: str | None = None
    processing_start_time: datetime | None = None
    processing_end_time: datetime | None = None
    report_document_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


_REPORT_KNOWN: Final = frozenset(
    {
        "reportId",
        "reportType",
        "createdTime",
        "processingStatus",
        "marketplaceIds",
        "dataStartTime",
        "dataEndTime",
        "reportScheduleId",
        "processingStartTime",
        "processingEndTime",
        "reportDocumentId",
    }
)


def parse_report(data: Mapping[str, Any]) -> Report:
    """``getReport``'s ``Report``."""
    return Report(
        report_id=req_str(data, "reportId", ""),
        report_type=req_str(data, "reportType", ""),
        created_time=req_time(data, "createdTime", ""),
        processing_status=_status(data, ""),
        marketplace_ids=str_list(data, "marketplaceIds", ""),
        data_start_time=opt_time(data, "dataStartTime", ""),
        data_end_time=opt_time(data, "dataEndTime", ""),
        report_schedule_id=opt_str(data, "reportScheduleId", ""),
        processing_start_time=opt_time(data, "processingStartTime", ""),
        processing_end_time=opt_time(data, "processingEndTime", ""),
        report_document_id=opt_str(data, "reportDocumentId", "") or None,
        extra=extra(data, _REPORT_KNOWN),
    )


@attrs.frozen(kw_only=True)
class ReportDocument:
    """``getReportDocument``'s answer: where to download the report (valid five minutes), how it is compressed."""

    report_document_id: str
    url: str = attrs.field(repr=False)  # presigned: its query string is a credential
    compression_algorithm: str | None = None  # "GZIP" when compressed
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_report_document(data: Mapping[str, Any]) -> ReportDocument:
    """``ReportDocument`` as ``ReportDocument``."""
    return ReportDocument(
        report_document_id=req_str(data, "reportDocumentId", ""),
        url=req_str(data, "url", ""),
        compression_algorithm=opt_str(data, "compressionAlgorithm", ""),
        extra=extra(data, frozenset({"reportDocumentId", "url", "compressionAlgorithm"})),
    )
