"""Feeds and Reports API answers (2021-06-30) as typed values.

The two APIs share their shapes: a submission (``Feed``, ``Report``) with a processing status and, once
``DONE``, a document id; a document (``FeedDocument``, ``ReportDocument``) with a presigned URL valid five
minutes and an optional ``compressionAlgorithm``. Field names are Amazon's in snake_case; what a parser
does not read stays in ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Final, Literal, TypeAlias, cast

import attrs

from sp_cancel.transport._parse import (
    EMPTY,
    Malformed,
    Wire,
    at_path,
    opt_nonempty_str,
    opt_str,
    opt_time,
    parse_as,
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


def _status(data: Mapping[str, Any], key: str, where: str) -> ProcessingStatus:
    value = req_str(data, key, where)
    if value not in PROCESSING_STATUSES:
        raise Malformed(at_path(where, key), f"is {value[:40]!r}, unknown")
    return cast("ProcessingStatus", value)


# The members a feed and a report share, read alike.
_CreatedTime: TypeAlias = Annotated[datetime, Wire("createdTime", req_time)]
_Status: TypeAlias = Annotated[ProcessingStatus, Wire("processingStatus", _status)]
_MarketplaceIds: TypeAlias = Annotated[tuple[str, ...], Wire("marketplaceIds", str_list)]
_StartTime: TypeAlias = Annotated[datetime | None, Wire("processingStartTime", opt_time)]
_EndTime: TypeAlias = Annotated[datetime | None, Wire("processingEndTime", opt_time)]
# ... and a feed document and a report document: a presigned URL (its query string is a credential), and how
# the document is compressed ("GZIP"; absent when it is not).
_Url: TypeAlias = Annotated[str, Wire("url", req_str)]
_Compression: TypeAlias = Annotated[str | None, Wire("compressionAlgorithm", opt_str)]


@attrs.frozen(kw_only=True)
class FeedDocumentUpload:
    """``createFeedDocument``'s answer: where to upload the feed (the URL is valid five minutes)."""

    feed_document_id: Annotated[str, Wire("feedDocumentId", req_str)]
    url: _Url = attrs.field(repr=False)  # presigned: its query string is a credential
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_feed_document_upload(data: Mapping[str, Any]) -> FeedDocumentUpload:
    """``CreateFeedDocumentResponse`` as ``FeedDocumentUpload``."""
    return parse_as(FeedDocumentUpload, data)


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

    feed_id: Annotated[str, Wire("feedId", req_str)]
    feed_type: Annotated[str, Wire("feedType", req_str)]
    created_time: _CreatedTime
    processing_status: _Status
    marketplace_ids: _MarketplaceIds = ()
    processing_start_time: _StartTime = None
    processing_end_time: _EndTime = None
    result_feed_document_id: Annotated[str | None, Wire("resultFeedDocumentId", opt_nonempty_str)] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_feed(data: Mapping[str, Any]) -> Feed:
    """``getFeed``'s ``Feed``."""
    return parse_as(Feed, data)


@attrs.frozen(kw_only=True)
class FeedsPage:
    """One page of ``getFeeds``: ``next_token`` (pass it alone for the next page) is ``None`` on the last."""

    feeds: Annotated[tuple[Feed, ...], Wire("feeds", req_list, Feed)]
    next_token: Annotated[str | None, Wire("nextToken", opt_nonempty_str)] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_feeds_page(data: Mapping[str, Any]) -> FeedsPage:
    """``GetFeedsResponse`` as ``FeedsPage``."""
    return parse_as(FeedsPage, data)


@attrs.frozen(kw_only=True)
class FeedDocument:
    """``getFeedDocument``'s answer: where to download a document (valid five minutes) and how it is compressed."""

    feed_document_id: Annotated[str, Wire("feedDocumentId", req_str)]
    url: _Url = attrs.field(repr=False)  # presigned: its query string is a credential
    compression_algorithm: _Compression = None  # "GZIP" when compressed
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_feed_document(data: Mapping[str, Any]) -> FeedDocument:
    """``FeedDocument`` (the model's name for ``getFeedDocument``'s answer)."""
    return parse_as(FeedDocument, data)


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

    report_id: Annotated[str, Wire("reportId", req_str)]
    report_type: Annotated[str, Wire("reportType", req_str)]
    created_time: _CreatedTime
    processing_status: _Status
    marketplace_ids: _MarketplaceIds = ()
    data_start_time: Annotated[datetime | None, Wire("dataStartTime", opt_time)] = None
    data_end_time: Annotated[datetime | None, Wire("dataEndTime", opt_time)] = None
    report_schedule_id: Annotated[str | None, Wire("reportScheduleId", opt_str)] = None
    processing_start_time: _StartTime = None
    processing_end_time: _EndTime = None
    report_document_id: Annotated[str | None, Wire("reportDocumentId", opt_nonempty_str)] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_report(data: Mapping[str, Any]) -> Report:
    """``getReport``'s ``Report``."""
    return parse_as(Report, data)


@attrs.frozen(kw_only=True)
class ReportDocument:
    """``getReportDocument``'s answer: where to download the report (valid five minutes), how it is compressed."""

    report_document_id: Annotated[str, Wire("reportDocumentId", req_str)]
    url: _Url = attrs.field(repr=False)  # presigned: its query string is a credential
    compression_algorithm: _Compression = None  # "GZIP" when compressed
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_report_document(data: Mapping[str, Any]) -> ReportDocument:
    """``ReportDocument`` as ``ReportDocument``."""
    return parse_as(ReportDocument, data)
