"""Feeds API 2021-06-30 in the simulator: documents, feeds, and the processing lifecycle.

Routes (operation keys for usage plans in brackets)::

    POST   /feeds/2021-06-30/documents                  [feeds.createFeedDocument]  201 {feedDocumentId, url}
    PUT    /_sim/documents/{documentId}                 []  the presigned upload (S3-like)
    POST   /feeds/2021-06-30/feeds                      [feeds.createFeed]          202 {feedId}
    GET    /feeds/2021-06-30/feeds/{feedId}             [feeds.getFeed]             200 Feed
    GET    /feeds/2021-06-30/feeds                      [feeds.getFeeds]            200 {feeds, nextToken?}
    DELETE /feeds/2021-06-30/feeds/{feedId}             [feeds.cancelFeed]          200 (IN_QUEUE only)
    GET    /feeds/2021-06-30/documents/{feedDocumentId} [feeds.getFeedDocument]     200 FeedDocument
    GET    /_sim/documents/{documentId}                 []  the presigned download

Presigned URLs (upload and download) carry ``X-Amz-Date``/``X-Amz-Expires`` and are refused (S3's
403 XML) without them or 5 minutes after signing. ``createFeedDocument`` refuses a ``contentType`` that
is not a media type; ``createFeed`` refuses an unknown marketplace id. ``getFeeds`` lists a feed only from its
``listed_at``, set when it is created to ``createdTime`` plus ``sim.feed_listing_delay()`` (``Lags.feed_listing``, by
default drawn per feed); ``getFeed`` by id sees it at once.

Lifecycle (driven by ``tick``, which the core calls before every request):
``IN_QUEUE`` for ``queue_seconds / scale``, then ``IN_PROGRESS`` for
``(base_seconds + per_message_seconds * messages) / scale``; at that moment
the uploaded document is processed and the feed becomes ``DONE`` with a
GZIP result document. Fault injection at ``createFeed``: ``feed_stuck`` keeps the
feed ``IN_PROGRESS`` forever; ``feed_fatal`` ends it ``FATAL`` with no result
document after applying a seeded random subset of the messages (possibly none,
possibly all: "some, none, or all of the operations may have completed"). The
``report_*`` faults end it ``DONE`` with a report that says nothing (Amazon
applied nothing: ``report_nothing_processed``, ``report_processing``,
``report_rejected``, ``report_foreign``) or a feed applied as usual whose
report is cut, empty, an HTML page or missing (``report_truncated``,
``report_empty``, ``report_not_xml``, ``report_missing``); see ``.faults``.
Downloads of a spoiled document carry the fault in ``SimResponse.fault``.
Feed types other than the two order feeds and ``JSON_LISTINGS_FEED`` end
``FATAL`` with nothing applied, as Amazon does for the retired XML/flat-file
listing feeds. A document in the wrong format for its type ends ``DONE`` with a
report that rejects it (XML: ``ResultMessageCode`` 5000, ``MessageID`` 0; JSON:
one document-level ``ERROR`` issue).

``createFeed`` also enforces the ``JSON_LISTINGS_FEED`` limit of 5 submissions
per 5 minutes (429 ``QuotaExceeded``), separate from the usage plan.

The documents themselves are processed by ``.order_feeds`` and ``.listings_feeds``.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sp_cancel.testing._sim.core import (
    AMZ_DATE_FORMAT,
    URL_SECONDS,
    FeedSim,
    Router,
    SimRequest,
    SimResponse,
    error_response,
    json_body,
    presigned_url,
)
from sp_cancel.testing._sim.faults import APPLIED_REPORT_FAULTS, HOLLOW_REPORT_FAULTS, REPORT_FAULTS
from sp_cancel.testing._sim.listings_feeds import LISTINGS_FEED, process_listings_feed
from sp_cancel.testing._sim.markets import MARKETS
from sp_cancel.testing._sim.order_feeds import ACK_FEED, ADJ_FEED, hollow_report, process_order_feed
from sp_cancel.testing._sim.paging import newest_page, parse_query, selects
from sp_cancel.testing._sim.processing import document_json, processing_json
from sp_cancel.testing._sim.world import SimFeed, SimFeedDocument

__all__ = [
    "INPUT_DOCUMENT_LIFETIME",
    "LISTINGS_FEED_LIMIT",
    "LISTINGS_FEED_WINDOW",
    "ORDER_FEEDS",
    "SUPPORTED_FEED_TYPES",
    "URL_LIFETIME",
    "register",
    "tick",
]

ORDER_FEEDS: Final = frozenset({ACK_FEED, ADJ_FEED})
SUPPORTED_FEED_TYPES: Final = ORDER_FEEDS | {LISTINGS_FEED}
URL_LIFETIME: Final = timedelta(seconds=URL_SECONDS)  # presigned upload/download URLs
INPUT_DOCUMENT_LIFETIME: Final = timedelta(days=2)  # [D submit-a-feed]
LISTINGS_FEED_LIMIT: Final = 5  # per 5 minutes [D listings-feed-type-values, changelog 2025-05-06]
LISTINGS_FEED_WINDOW: Final = timedelta(minutes=5)
# A media type: type/subtype with optional ;parameter=value pairs (RFC 9110 §8.3.1).
MEDIA_TYPE: Final = re.compile(r"^[\w.+-]+/[\w.+-]+(\s*;\s*[\w.+-]+=(\"[^\"]*\"|[\w.+-]+))*$")
KNOWN_MARKETPLACES: Final = frozenset(m.marketplace_id for m in MARKETS.values())


def _bad(message: str) -> SimResponse:
    return error_response(400, "InvalidInput", message)


def _not_found(message: str) -> SimResponse:
    return error_response(404, "NotFound", message)


def _sort_key(feed: SimFeed) -> tuple[datetime, int, str]:
    return feed.created_at, len(feed.feed_id), feed.feed_id


# -- feed documents: createFeedDocument, getFeedDocument, the presigned (S3-like) upload and download


def _s3_error(code: str, message: str) -> SimResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>SIMULATOR</RequestId></Error>"
    ).encode()
    return SimResponse(status=403, raw=body, headers={"Content-Type": "application/xml"})


def _presigned(sim: FeedSim, document_id: str, extra: str = "") -> str:
    """A presigned S3-style URL for ``document_id``, signed now and valid ``URL_LIFETIME``; ``extra`` is appended."""
    return presigned_url(sim.base_url, sim.now(), document_id) + extra


def _url_problem(sim: FeedSim, request: SimRequest) -> SimResponse | None:
    """S3's refusal of a presigned URL that is unsigned, badly signed or expired (every URL expires)."""
    signed_at = request.one("X-Amz-Date")
    if signed_at is None:
        return _s3_error("AccessDenied", "Query-string authentication requires the X-Amz-Date parameter")
    try:
        issued = datetime.strptime(signed_at, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return _s3_error("AccessDenied", "Access Denied")
    if sim.now() - issued > URL_LIFETIME:
        return _s3_error("AccessDenied", "Request has expired")
    return None


def _create_feed_document(sim: FeedSim, request: SimRequest) -> SimResponse:
    body = json_body(request)
    if isinstance(body, SimResponse):
        return body
    content_type = body.get("contentType") if isinstance(body, dict) else None
    if not isinstance(content_type, str) or not content_type:
        return _bad("contentType is required.")
    if not MEDIA_TYPE.match(content_type):
        return _bad(f"contentType {content_type!r} is not a media type (type/subtype[; parameter=value]).")
    document_id = sim.new_id("feedDocument")
    sim.world.documents[document_id] = SimFeedDocument(document_id, content_type, sim.now())
    return SimResponse(201, {"feedDocumentId": document_id, "url": _presigned(sim, document_id)})


def _upload(sim: FeedSim, request: SimRequest) -> SimResponse:
    document = sim.world.documents.get(request.path_params["documentId"])
    if document is None or document.compression is not None:
        return _s3_error("AccessDenied", "Access Denied")
    expired = _url_problem(sim, request)
    if expired is not None:
        return expired
    if sim.now() - document.created_at > URL_LIFETIME:
        return _s3_error("AccessDenied", "Request has expired")
    if request.headers.get("content-type") != document.content_type:
        return _s3_error(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )
    document.content = bytes(request.body)
    etag = hashlib.md5(document.content, usedforsecurity=False).hexdigest()
    return SimResponse(200, raw=b"", headers={"ETag": f'"{etag}"'})


def _get_feed_document(sim: FeedSim, request: SimRequest) -> SimResponse:
    document_id = request.path_params["feedDocumentId"]
    document = sim.world.documents.get(document_id)
    if document is None:
        return _not_found(f"Feed document {document_id} not found.")
    extra = ""
    if (request.one("enableContentEncodingUrlHeader") or "").lower() == "true" and document.compression:
        extra = "&response-content-encoding=gzip"
    url = _presigned(sim, document_id, extra)
    return SimResponse(200, document_json({"feedDocumentId": document_id}, url, document.compression))


def _download(sim: FeedSim, request: SimRequest) -> SimResponse:
    document = sim.world.documents.get(request.path_params["documentId"])
    if document is None or document.content is None:
        return _s3_error("AccessDenied", "Access Denied")
    expired = _url_problem(sim, request)
    if expired is not None:
        return expired
    headers = {"Content-Type": document.content_type}
    if request.one("response-content-encoding") == "gzip":
        headers["Content-Encoding"] = "gzip"
    # A result document spoiled by a report_* fault: the answer is marked with it for observers.
    return SimResponse(200, raw=document.content, headers=headers, fault=document.damage or "")


# -- feeds: createFeed (with the JSON_LISTINGS_FEED quota), getFeed, getFeeds (paged), cancelFeed ----


def _feed_json(feed: SimFeed) -> dict[str, Any]:
    identity = {"feedId": feed.feed_id, "feedType": feed.feed_type}
    # The Feeds API writes its date-times with milliseconds.
    return processing_json(feed, identity, ("resultFeedDocumentId", feed.result_document_id), "milliseconds")


def _create_feed(sim: FeedSim, request: SimRequest) -> SimResponse:  # noqa: C901, PLR0911 - one return per rule
    body = json_body(request)
    if isinstance(body, SimResponse):
        return body
    if not isinstance(body, dict):
        return _bad("The request body must be a JSON object.")
    feed_type = body.get("feedType")
    marketplace_ids = body.get("marketplaceIds")
    document_id = body.get("inputFeedDocumentId")
    options = body.get("feedOptions")
    if not isinstance(feed_type, str) or not feed_type:
        return _bad("feedType is required.")
    if (
        not isinstance(marketplace_ids, list)
        or not 1 <= len(marketplace_ids) <= 25
        or not all(isinstance(m, str) and m for m in marketplace_ids)
    ):
        return _bad("marketplaceIds must contain from 1 to 25 marketplace identifiers.")
    unknown = [m for m in marketplace_ids if m not in KNOWN_MARKETPLACES]
    if unknown:
        return _bad(f"Invalid marketplaceIds: {', '.join(unknown)}.")
    if not isinstance(document_id, str) or not document_id:
        return _bad("inputFeedDocumentId is required.")
    if options is not None and (not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values())):
        return _bad("feedOptions must be a map of strings.")
    document = sim.world.documents.get(document_id)
    now = sim.now()
    if document is None or document.compression is not None:
        return _bad(f"Invalid inputFeedDocumentId {document_id}.")
    if document.content is None:
        return _bad(f"Feed document {document_id} has no content; upload it before calling createFeed.")
    if now - document.created_at > INPUT_DOCUMENT_LIFETIME:
        return _bad(f"Feed document {document_id} has expired; feed documents are valid for 2 days.")
    if feed_type == LISTINGS_FEED:
        recent = sum(
            1
            for f in sim.world.feeds.values()
            if f.feed_type == LISTINGS_FEED and now - f.created_at < LISTINGS_FEED_WINDOW
        )
        if recent >= LISTINGS_FEED_LIMIT:
            return error_response(429, "QuotaExceeded", "You exceeded your quota for the requested resource.", "")
    fault = sim.take_feed_fault(order_feed=feed_type in ORDER_FEEDS)
    feed = SimFeed(
        feed_id=sim.new_id("feed"),
        feed_type=feed_type,
        marketplace_ids=list(marketplace_ids),
        input_document_id=document_id,
        created_at=now,
        force="stuck" if fault == "feed_stuck" else "fatal" if fault == "feed_fatal" else None,
        report_fault=fault if fault in REPORT_FAULTS else None,
        listed_at=now + sim.feed_listing_delay(),
    )
    sim.world.feeds[feed.feed_id] = feed
    return SimResponse(202, {"feedId": feed.feed_id})


def _get_feed(sim: FeedSim, request: SimRequest) -> SimResponse:
    feed_id = request.path_params["feedId"]
    feed = sim.world.feeds.get(feed_id)
    if feed is None:
        return _not_found(f"Feed {feed_id} not found.")
    return SimResponse(200, _feed_json(feed))


def _cancel_feed(sim: FeedSim, request: SimRequest) -> SimResponse:
    feed_id = request.path_params["feedId"]
    feed = sim.world.feeds.get(feed_id)
    if feed is None:
        return _not_found(f"Feed {feed_id} not found.")
    if feed.status != "IN_QUEUE":
        return _bad(f"Feed {feed_id} is {feed.status}; only IN_QUEUE feeds can be cancelled.")
    feed.status = "CANCELLED"
    return SimResponse(200, raw=b"")


def _get_feeds(sim: FeedSim, request: SimRequest) -> SimResponse:
    query = parse_query(request, sim.now(), "feedTypes")
    if isinstance(query, SimResponse):
        return query
    now = sim.now()
    matching = [
        f
        for f in sim.world.feeds.values()
        if (f.listed_at or f.created_at) <= now  # getFeeds lists a new feed only after its own lag
        and selects(query, f.feed_type, f)
    ]
    return SimResponse(200, newest_page(matching, query, _sort_key, "feeds", _feed_json))


# -- the lifecycle: IN_QUEUE, IN_PROGRESS, then DONE (or FATAL), driven by tick ---------------------


def _message_count(feed: SimFeed, content: bytes) -> int:
    """Cheap message count for timing (the document is parsed properly only when processed)."""
    if feed.feed_type == LISTINGS_FEED:
        return content.count(b'"messageId"')
    return content.count(b"<MessageID>")


def _due(sim: FeedSim, feed: SimFeed, started: datetime) -> datetime:
    document = sim.world.documents.get(feed.input_document_id)
    messages = _message_count(feed, document.content or b"") if document is not None else 0
    timing = sim.feed_timing
    seconds = (timing.base_seconds + timing.per_message_seconds * messages) / sim.scale
    return started + timedelta(seconds=seconds)


def _fatal_selection(sim: FeedSim) -> Callable[[int], bool]:
    """A seeded random subset of message positions: none, all, or each message with probability 1/2."""
    draw = sim.rng.random()
    if draw < 1 / 3:
        return lambda _position: False
    if draw < 2 / 3:
        return lambda _position: True
    chosen = sim.rng.getrandbits(64)
    salt = sim.rng.getrandbits(32)
    return lambda position: bool((hash((salt, position)) ^ chosen) & 1)


_HTML_ERROR_PAGE: Final = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<html><head><title>500 Internal Server Error</title></head>\n"
    b"<body><h1>Internal Server Error</h1><p>We encountered an internal error. Please try again.</p></body></html>\n"
)


def _truncated(report: bytes) -> bytes:
    """``report`` cut in the middle of what follows its summary (a complete summary, the rest cut off)."""
    marker = report.find(b"</ProcessingSummary>")
    keep = 0 if marker < 0 else marker + len(b"</ProcessingSummary>")
    return report[: keep + (len(report) - keep) // 2]


def _spoil(report: bytes, content_type: str, fault: str) -> tuple[bytes, str]:
    """What a ``report_truncated``/``report_empty``/``report_not_xml`` fault leaves of a result document.

    Returns the stored bytes (GZIP, as every result document; zero bytes for ``report_empty``) and the content type.
    """
    if fault == "report_empty":
        return b"", content_type
    if fault == "report_not_xml":
        return gzip.compress(_HTML_ERROR_PAGE, mtime=0), "text/html; charset=UTF-8"
    return gzip.compress(_truncated(report), mtime=0), content_type


def _finish(sim: FeedSim, feed: SimFeed, at: datetime) -> None:
    feed.ended_at = at
    document = sim.world.documents.get(feed.input_document_id)
    content = document.content if document is not None and document.content is not None else b""
    if feed.feed_type not in SUPPORTED_FEED_TYPES:
        feed.status = "FATAL"
        return
    fatal = feed.force == "fatal"
    select = _fatal_selection(sim) if fatal else None
    if feed.report_fault in HOLLOW_REPORT_FAULTS:
        report = hollow_report(sim, feed, content, feed.report_fault)  # Amazon applied nothing
        content_type = "text/xml; charset=UTF-8"
    elif feed.feed_type == LISTINGS_FEED:
        report = process_listings_feed(sim, feed, content, at, select=select)
        content_type = "application/json; charset=UTF-8"
    else:
        report = process_order_feed(sim, feed, content, at, select=select).report
        content_type = "text/xml; charset=UTF-8"
    if fatal:
        feed.status = "FATAL"
        return
    feed.status = "DONE"
    if feed.report_fault == "report_missing":
        return  # applied, DONE, but no resultFeedDocumentId
    stored, damage = gzip.compress(report, mtime=0), None
    if feed.report_fault in APPLIED_REPORT_FAULTS:
        stored, content_type = _spoil(report, content_type, feed.report_fault)
        damage = feed.report_fault
    result_id = sim.new_id("feedDocument")
    sim.world.documents[result_id] = SimFeedDocument(
        result_id, content_type, at, content=stored, compression="GZIP", damage=damage
    )
    feed.result_document_id = result_id


def tick(sim: FeedSim) -> None:
    """Advance every queued or running feed to where the simulated clock says it is; process finished ones."""
    now = sim.now()
    due: list[tuple[datetime, SimFeed]] = []
    queue = timedelta(seconds=sim.feed_timing.queue_seconds / sim.scale)
    for feed in sim.world.feeds.values():
        if feed.status == "IN_QUEUE" and now >= feed.created_at + queue:
            feed.status = "IN_PROGRESS"
            feed.started_at = feed.created_at + queue
        if feed.status == "IN_PROGRESS" and feed.force != "stuck" and feed.started_at is not None:
            finish_at = _due(sim, feed, feed.started_at)
            if now >= finish_at:
                due.append((finish_at, feed))
    due.sort(key=lambda pair: (pair[0], _sort_key(pair[1])))
    for finish_at, feed in due:
        _finish(sim, feed, finish_at)


# -- wiring ---------------------------------------------------------------------------------------

_PREFIX: Final = "/feeds/2021-06-30"


def register(router: Router) -> None:
    """Register the Feeds API 2021-06-30 routes and the presigned document URLs on ``router``."""
    router.add("POST", f"{_PREFIX}/documents", "feeds.createFeedDocument", _create_feed_document)
    router.add("GET", f"{_PREFIX}/documents/{{feedDocumentId}}", "feeds.getFeedDocument", _get_feed_document)
    router.add("POST", f"{_PREFIX}/feeds", "feeds.createFeed", _create_feed)
    router.add("GET", f"{_PREFIX}/feeds", "feeds.getFeeds", _get_feeds)
    router.add("GET", f"{_PREFIX}/feeds/{{feedId}}", "feeds.getFeed", _get_feed)
    router.add("DELETE", f"{_PREFIX}/feeds/{{feedId}}", "feeds.cancelFeed", _cancel_feed)
    router.add("PUT", "/_sim/documents/{documentId}", "", _upload)
    router.add("GET", "/_sim/documents/{documentId}", "", _download)
