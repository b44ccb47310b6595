"""Feeds API 2021-06-30 in the simulator: documents, feeds, getFeeds paging, cancelFeed, the lifecycle."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta

import pytest
from feeds_support import (
    ACK,
    JSON_TYPE,
    LISTINGS,
    MARKETPLACE,
    SELLER,
    XML_TYPE,
    StubSim,
    ack,
    add_order,
    envelope,
    make_item,
)
from lxml import etree

ORDER = "112-1234567-1234567"
FEEDS = "/feeds/2021-06-30/feeds"
DOCS = "/feeds/2021-06-30/documents"


def _cancel_doc(*order_ids: str) -> bytes:
    return envelope("OrderAcknowledgement", [ack(o) for o in order_ids])


def _listings_doc() -> bytes:
    message = {"messageId": 1, "sku": "SKU-1", "operationType": "DELETE"}
    return json.dumps({"header": {"sellerId": SELLER, "version": "2.0"}, "messages": [message]}).encode()


def _codes(report: bytes) -> list[str]:
    root = etree.fromstring(report)
    return [r.findtext("ResultMessageCode") or "" for r in root.iterfind("Message/ProcessingReport/Result")]


# --------------------------------------------------------------------------- documents


def test_create_feed_document_shape() -> None:
    """The createFeedDocument operation answers 201 with an id and an upload URL under the simulator."""
    sim = StubSim()
    response = sim.request("POST", DOCS, json_body={"contentType": XML_TYPE})
    assert response.status == 201
    document_id = response.body["feedDocumentId"]
    assert response.body["url"].startswith(f"http://sim.test/_sim/documents/{document_id}?X-Amz-Date=")


@pytest.mark.parametrize("body", [{}, {"contentType": ""}, {"contentType": 5}, []])
def test_create_feed_document_needs_content_type(body: object) -> None:
    """A missing or empty contentType is a 400 ErrorList."""
    response = StubSim().request("POST", DOCS, json_body=body)
    assert response.status == 400
    assert response.body["errors"][0]["code"] == "InvalidInput"


def test_upload_with_other_content_type_is_signature_mismatch() -> None:
    """The presigned PUT rejects a Content-Type different from the declared one (S3 SignatureDoesNotMatch)."""
    sim = StubSim()
    created = sim.request("POST", DOCS, json_body={"contentType": XML_TYPE})
    response = sim.request("PUT", created.body["url"], body=b"<x/>", headers={"Content-Type": "text/xml"})
    assert response.status == 403
    assert response.raw is not None
    assert b"<Code>SignatureDoesNotMatch</Code>" in response.raw
    assert response.headers["Content-Type"] == "application/xml"
    assert sim.world.documents[created.body["feedDocumentId"]].content is None


def test_upload_url_expires_after_five_minutes() -> None:
    """The upload URL is valid for 5 minutes on the simulated clock."""
    sim = StubSim()
    created = sim.request("POST", DOCS, json_body={"contentType": XML_TYPE})
    sim.advance(301)
    response = sim.request("PUT", created.body["url"], body=b"<x/>", headers={"Content-Type": XML_TYPE})
    assert response.status == 403
    assert response.raw is not None
    assert b"Request has expired" in response.raw


def test_upload_to_unknown_document_is_denied() -> None:
    """An id the simulator never issued is AccessDenied."""
    response = StubSim().request("PUT", "/_sim/documents/nope", body=b"x", headers={"Content-Type": XML_TYPE})
    assert response.status == 403
    assert response.raw is not None
    assert b"AccessDenied" in response.raw


def test_get_feed_document_unknown_is_404() -> None:
    """An unknown feed document id is a 404 ErrorList."""
    response = StubSim().request("GET", f"{DOCS}/nope")
    assert response.status == 404
    assert "errors" in response.body


# --------------------------------------------------------------------------- createFeed


def _create(sim: StubSim, **body: object) -> int:
    return sim.request("POST", FEEDS, json_body=body).status


def test_create_feed_validation() -> None:
    """Missing fields, bad marketplace lists, unknown/unuploaded/expired documents are 400s."""
    sim = StubSim()
    document_id = sim.upload_document(_cancel_doc(ORDER))
    ok = {"feedType": ACK, "marketplaceIds": [MARKETPLACE], "inputFeedDocumentId": document_id}
    assert _create(sim, **{**ok, "feedType": None}) == 400
    assert _create(sim, **{k: v for k, v in ok.items() if k != "feedType"}) == 400
    assert _create(sim, **{**ok, "marketplaceIds": []}) == 400
    assert _create(sim, **{**ok, "marketplaceIds": [f"M{n}" for n in range(26)]}) == 400
    assert _create(sim, **{**ok, "inputFeedDocumentId": "nope"}) == 400
    assert _create(sim, **{**ok, "feedOptions": {"a": 1}}) == 400
    empty = sim.request("POST", DOCS, json_body={"contentType": XML_TYPE}).body["feedDocumentId"]
    assert _create(sim, **{**ok, "inputFeedDocumentId": empty}) == 400
    assert _create(sim, **ok) == 202
    sim.advance(timedelta(days=2, seconds=1).total_seconds())
    assert _create(sim, **ok) == 400


def test_sixth_listings_feed_in_five_minutes_is_429() -> None:
    """JSON_LISTINGS_FEED allows 5 submissions per 5 minutes; the 6th gets QuotaExceeded."""
    sim = StubSim()
    for _ in range(5):
        sim.submit(LISTINGS, _listings_doc())
    document_id = sim.upload_document(_listings_doc(), JSON_TYPE)
    body = {"feedType": LISTINGS, "marketplaceIds": [MARKETPLACE], "inputFeedDocumentId": document_id}
    refused = sim.request("POST", FEEDS, json_body=body)
    assert refused.status == 429
    assert refused.body["errors"][0]["code"] == "QuotaExceeded"
    sim.advance(300)
    assert sim.request("POST", FEEDS, json_body=body).status == 202


# --------------------------------------------------------------------------- lifecycle


def test_lifecycle_queue_progress_done() -> None:
    """IN_QUEUE for queue_seconds, IN_PROGRESS for base + per-message time, then DONE with a GZIP result."""
    sim = StubSim()
    add_order(sim)
    feed_id = sim.submit(ACK, _cancel_doc(ORDER))
    feed = sim.feed(feed_id)
    assert feed["processingStatus"] == "IN_QUEUE"
    assert feed["createdTime"] == "2026-11-26T12:00:00.000Z"
    assert set(feed) == {"feedId", "feedType", "marketplaceIds", "createdTime", "processingStatus"}
    assert sim.world.orders[ORDER].status == "Unshipped"
    assert sim.run(feed_id, 20)["processingStatus"] == "IN_PROGRESS"
    assert sim.run(feed_id, 29.9)["processingStatus"] == "IN_PROGRESS"
    assert sim.world.orders[ORDER].status == "Unshipped"
    done = sim.run(feed_id, 0.2)
    assert done["processingStatus"] == "DONE"
    assert done["processingStartTime"] == "2026-11-26T12:00:20.000Z"
    assert done["processingEndTime"] == "2026-11-26T12:00:50.010Z"
    assert sim.world.orders[ORDER].status == "Canceled"
    report = sim.result(feed_id)
    assert etree.fromstring(report).findtext("Message/ProcessingReport/DocumentTransactionID") == feed_id


def test_scale_divides_feed_timing() -> None:
    """With scale 10 the same feed is done ten times sooner."""
    sim = StubSim(scale=10)
    add_order(sim)
    feed_id = sim.submit(ACK, _cancel_doc(ORDER))
    assert sim.run(feed_id, 5.1)["processingStatus"] == "DONE"


def test_document_is_processed_when_the_feed_finishes() -> None:
    """The world is read at processing time: an order shipped meanwhile is refunded in full, not cancelled."""
    sim = StubSim()
    order = add_order(sim, items=[make_item(shipped=0)])
    feed_id = sim.submit(ACK, _cancel_doc(ORDER))
    order.status = "Shipped"
    order.items[0].quantity_shipped = 2
    sim.run(feed_id)
    assert _codes(sim.result(feed_id)) == []  # Amazon's race: no error, the Failure is acted on
    assert order.status == "Shipped"
    assert order.items[0].refunded == order.items[0].charged


def test_stuck_feed_never_finishes() -> None:
    """A feed created under the 'stuck' fault stays IN_PROGRESS forever and applies nothing."""
    sim = StubSim(faults=("feed_stuck",))
    add_order(sim)
    feed_id = sim.submit(ACK, _cancel_doc(ORDER))
    feed = sim.run(feed_id, timedelta(days=30).total_seconds())
    assert feed["processingStatus"] == "IN_PROGRESS"
    assert "resultFeedDocumentId" not in feed
    assert sim.world.orders[ORDER].status == "Unshipped"


def _fatal_outcome(seed: int) -> int:
    sim = StubSim(seed=seed, faults=("feed_fatal",))
    ids = [f"112-{n:07d}-0000000" for n in range(20)]
    for order_id in ids:
        add_order(sim, order_id)
    feed_id = sim.submit(ACK, _cancel_doc(*ids))
    feed = sim.run(feed_id)
    assert feed["processingStatus"] == "FATAL"
    assert "resultFeedDocumentId" not in feed
    cancelled = {o.order_id for o in sim.world.orders.values() if o.status == "Canceled"}
    assert cancelled == {entry[2] for entry in sim.world.ledger}
    return len(cancelled)


def test_fatal_feed_applies_a_seeded_subset() -> None:
    """FATAL feeds apply some, none or all messages, chosen by the seed, with no result document."""
    outcomes = {seed: _fatal_outcome(seed) for seed in range(12)}
    assert outcomes == {seed: _fatal_outcome(seed) for seed in range(12)}  # reproducible
    counts = set(outcomes.values())
    assert 0 in counts
    assert 20 in counts
    assert counts - {0, 20}, "some seed should apply a strict subset"


def test_unsupported_feed_type_is_fatal() -> None:
    """Feed types the simulator does not process (e.g. retired XML listing feeds) end FATAL, nothing applied."""
    sim = StubSim()
    add_order(sim)
    feed_id = sim.submit("POST_PRODUCT_DATA", _cancel_doc(ORDER))
    feed = sim.run(feed_id)
    assert feed["processingStatus"] == "FATAL"
    assert "resultFeedDocumentId" not in feed
    assert sim.world.orders[ORDER].status == "Unshipped"


def test_wrong_format_for_type_is_done_with_rejection() -> None:
    """JSON sent as an order feed is DONE with a 5000 report; XML sent as a listings feed gets an ERROR issue."""
    sim = StubSim()
    order_feed = sim.submit(ACK, _listings_doc(), JSON_TYPE)
    listings_feed = sim.submit(LISTINGS, _cancel_doc(ORDER), XML_TYPE)
    sim.advance(3600)
    assert sim.feed(order_feed)["processingStatus"] == "DONE"
    assert _codes(sim.result(order_feed)) == ["5000"]
    report = json.loads(sim.result(listings_feed))
    assert report["issues"][0]["severity"] == "ERROR"
    assert report["summary"]["messagesAccepted"] == 0


def test_result_download_gzip_and_content_encoding() -> None:
    """Result URLs serve GZIP bytes; enableContentEncodingUrlHeader adds Content-Encoding: gzip; they expire."""
    sim = StubSim()
    add_order(sim)
    feed_id = sim.submit(ACK, _cancel_doc(ORDER))
    result_id = sim.run(feed_id)["resultFeedDocumentId"]
    plain = sim.request("GET", f"{DOCS}/{result_id}")
    assert set(plain.body) == {"feedDocumentId", "url", "compressionAlgorithm"}
    encoded = sim.request("GET", f"{DOCS}/{result_id}?enableContentEncodingUrlHeader=true")
    download = sim.request("GET", encoded.body["url"])
    assert download.headers.get("Content-Encoding") == "gzip"
    assert download.raw is not None
    assert gzip.decompress(download.raw).startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert "Content-Encoding" not in sim.request("GET", plain.body["url"]).headers
    sim.advance(301)
    assert sim.request("GET", plain.body["url"]).status == 403


# --------------------------------------------------------------------------- getFeed, getFeeds, cancelFeed


def test_get_feed_unknown_is_404() -> None:
    """An unknown feed id is a 404 ErrorList."""
    response = StubSim().request("GET", f"{FEEDS}/123")
    assert response.status == 404
    assert response.body["errors"][0]["message"]


def test_get_feeds_pages_newest_first() -> None:
    """The getFeeds operation pages with a real nextToken, newest first, without repeats, and filters by status."""
    sim = StubSim()
    ids = []
    for _ in range(5):
        ids.append(sim.submit(ACK, _cancel_doc(ORDER)))
        sim.advance(1)
    seen: list[str] = []
    page = sim.request("GET", f"{FEEDS}?feedTypes={ACK}&pageSize=2")
    while True:
        assert page.status == 200
        seen.extend(f["feedId"] for f in page.body["feeds"])
        token = page.body.get("nextToken")
        if token is None:
            break
        page = sim.request("GET", f"{FEEDS}?nextToken={token}")
    assert seen == list(reversed(ids))
    sim.advance(3600)
    sim.submit(ACK, _cancel_doc(ORDER))
    done = sim.request("GET", f"{FEEDS}?feedTypes={ACK}&processingStatuses=DONE&pageSize=100")
    assert {f["feedId"] for f in done.body["feeds"]} == set(ids)
    other = sim.request("GET", f"{FEEDS}?feedTypes=POST_PAYMENT_ADJUSTMENT_DATA")
    assert other.body == {"feeds": []}


@pytest.mark.parametrize(
    "query",
    [
        "",
        "processingStatuses=DONE",
        f"feedTypes={ACK}&pageSize=0",
        f"feedTypes={ACK}&pageSize=101",
        f"feedTypes={ACK}&processingStatuses=BAD_VALUE,DONE",
        f"feedTypes={ACK}&createdSince=yesterday",
        "nextToken=abc&pageSize=2",
        "nextToken=!!!",
    ],
)
def test_get_feeds_rejects_bad_queries(query: str) -> None:
    """Either feedTypes or nextToken (alone) is required; pageSize 1..100; statuses from the enum; valid dates."""
    assert StubSim().request("GET", f"{FEEDS}?{query}").status == 400


def test_cancel_feed_only_in_queue() -> None:
    """The cancelFeed operation cancels an IN_QUEUE feed (never processed) and refuses one already IN_PROGRESS."""
    sim = StubSim()
    add_order(sim)
    queued = sim.submit(ACK, _cancel_doc(ORDER))
    response = sim.request("DELETE", f"{FEEDS}/{queued}")
    assert response.status == 200
    assert sim.run(queued)["processingStatus"] == "CANCELLED"
    assert sim.world.orders[ORDER].status == "Unshipped"
    running = sim.submit(ACK, _cancel_doc(ORDER))
    sim.advance(25)
    refused = sim.request("DELETE", f"{FEEDS}/{running}")
    assert refused.status == 400
    assert sim.feed(running)["processingStatus"] == "IN_PROGRESS"
    assert sim.request("DELETE", f"{FEEDS}/404404").status == 404
