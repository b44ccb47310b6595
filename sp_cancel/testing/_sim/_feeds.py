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

Lifecycle (driven by :func:`tick`, which the core calls before every request):
``IN_QUEUE`` for ``queue_seconds / scale``, then ``IN_PROGRESS`` for
``(base_seconds + per_message_seconds * messages) / scale``; at that moment
the uploaded document is processed and the feed becomes ``DONE`` with a
GZIP result document. Fault injection at ``createFeed``: ``"stuck"`` keeps the
feed ``IN_PROGRESS`` forever; ``"fatal"`` ends it ``FATAL`` with no result
document after applying a seeded random subset of the messages (possibly none,
possibly all: "some, none, or all of the operations may have completed").
Feed types other than the two order feeds and ``JSON_LISTINGS_FEED`` end
``FATAL`` with nothing applied, as Amazon does for the retired XML/flat-file
listing feeds. A document in the wrong format for its type ends ``DONE`` with a
report that rejects it (XML: ``ResultMessageCode`` 5000, ``MessageID`` 0; JSON:
one document-level ``ERROR`` issue).

``createFeed`` also enforces the ``JSON_LISTINGS_FEED`` limit of 5 submissions
per 5 minutes (429 ``QuotaExceeded``), separate from the usage plan.

The document routes live in :mod:`._feeds_documents`, the feed routes in
:mod:`._feeds_routes`, the lifecycle in :mod:`._feeds_lifecycle` and what they
share in :mod:`._feeds_common`; this module wires the routes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from sp_cancel.testing._sim._feeds_common import FeedSim, FeedTiming
from sp_cancel.testing._sim._feeds_documents import _create_feed_document, _download, _get_feed_document, _upload
from sp_cancel.testing._sim._feeds_lifecycle import tick
from sp_cancel.testing._sim._feeds_routes import _cancel_feed, _create_feed, _get_feed, _get_feeds

if TYPE_CHECKING:
    from sp_cancel.testing._sim._http import Router

__all__ = ["FeedSim", "FeedTiming", "register", "tick"]

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
