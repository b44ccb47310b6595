"""Processing reports that say nothing, or cannot be read: the report_* feed faults, end to end over HTTP."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from feeds_support import contracts_dir, submit_over_http
from lxml import etree

from sp_cancel.testing import Exchange, Lags, Scenario, Simulator
from sp_cancel.testing._sim.faults import REPORT_FAULTS

FEEDS = "/feeds/2021-06-30"
XML = "text/xml; charset=UTF-8"
ACK = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
ADJ = "POST_PAYMENT_ADJUSTMENT_DATA"
LISTINGS = "JSON_LISTINGS_FEED"
REPORT = "Message/ProcessingReport"


@contextmanager
def _api(sim: Simulator) -> Iterator[httpx.Client]:
    token = sim.issue_access_token()
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url, headers={"x-amz-access-token": token}) as http:
        yield http


def _world() -> tuple[Simulator, list[str]]:
    sim = Simulator(seed=8, scenario=Scenario(orders=0, listings=0, mcf_orders=False), lags=Lags.none())
    orders = [sim.add_order(status="Unshipped", items=[{"quantity": 2}]).order_id for _ in range(3)]
    return sim, orders


def _envelope(sim: Simulator, message_type: str, bodies: list[str]) -> bytes:
    messages = "".join(f"<Message><MessageID>{n}</MessageID>{b}</Message>" for n, b in enumerate(bodies, 1))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>'
        f"<MerchantIdentifier>{sim.seller_id}</MerchantIdentifier></Header><MessageType>{message_type}</MessageType>"
        f"{messages}</AmazonEnvelope>"
    ).encode()


def _cancel_all(sim: Simulator, order_ids: list[str]) -> bytes:
    bodies = []
    for order_id in order_ids:
        code = sim.order(order_id).items[0].order_item_id
        bodies.append(
            f"<OrderAcknowledgement><AmazonOrderID>{order_id}</AmazonOrderID><StatusCode>Failure</StatusCode>"
            f"<Item><AmazonOrderItemCode>{code}</AmazonOrderItemCode><CancelReason>NoInventory</CancelReason>"
            "</Item></OrderAcknowledgement>"
        )
    return _envelope(sim, "OrderAcknowledgement", bodies)


def _run(sim: Simulator, http: httpx.Client, feed_id: str) -> dict[str, Any]:
    sim.advance(120)  # queued 20 s, processed 30 s: done well within the access token's hour
    feed: dict[str, Any] = http.get(f"{FEEDS}/feeds/{feed_id}").json()
    assert feed["processingStatus"] == "DONE"
    return feed


def _download(http: httpx.Client, feed: dict[str, Any]) -> tuple[bytes, httpx.Response]:
    document = http.get(f"{FEEDS}/documents/{feed['resultFeedDocumentId']}").json()
    assert document["compressionAlgorithm"] == "GZIP"
    raw = http.get(document["url"])
    assert raw.status_code == 200
    return raw.content, raw


def _report(http: httpx.Client, feed: dict[str, Any]) -> etree._Element:
    content, _ = _download(http, feed)
    return etree.fromstring(gzip.decompress(content))


def _cancelled(sim: Simulator, order_ids: list[str]) -> list[str]:
    return [o for o in order_ids if sim.order(o).status == "Canceled"]


def _assert_valid(report: etree._Element) -> None:
    found = contracts_dir()
    if found is None:
        pytest.skip("Amazon's XSDs not found: set SP_CANCEL_CONTRACTS_DIR")
    schema = etree.XMLSchema(etree.parse(str(found / "xsd" / "order-feeds-envelope.xsd")))
    assert schema.validate(report), schema.error_log


# --------------------------------------------------------------------------- reports that say nothing


def test_nothing_processed_is_complete_with_zero_counts_and_nothing_applied() -> None:
    """report_nothing_processed: DONE, StatusCode Complete, 0 processed and 0 successful, no results; no cancel."""
    sim, orders = _world()
    sim.add_fault("feeds.createFeed", "report_nothing_processed")
    with _api(sim) as http:
        report = _report(http, _run(sim, http, submit_over_http(http, ACK, _cancel_all(sim, orders))))
    _assert_valid(report)
    assert report.findtext(f"{REPORT}/StatusCode") == "Complete"
    summary = {e.tag: e.text for e in report.find(f"{REPORT}/ProcessingSummary")}  # type: ignore[union-attr]
    assert summary == {
        "MessagesProcessed": "0",
        "MessagesSuccessful": "0",
        "MessagesWithError": "0",
        "MessagesWithWarning": "0",
    }
    assert report.findall(f"{REPORT}/Result") == []
    assert _cancelled(sim, orders) == []
    assert sim.world.ledger == []


@pytest.mark.parametrize(("fault", "status"), [("report_processing", "Processing"), ("report_rejected", "Rejected")])
def test_processing_and_rejected_reports_have_no_summary_and_apply_nothing(fault: str, status: str) -> None:
    """report_processing / report_rejected: DONE, that StatusCode, no summary, no results; never applied."""
    sim, orders = _world()
    sim.add_fault("feeds.createFeed", fault)
    with _api(sim) as http:
        report = _report(http, _run(sim, http, submit_over_http(http, ACK, _cancel_all(sim, orders))))
        sim.advance(30 * 86400)
    _assert_valid(report)
    assert report.findtext(f"{REPORT}/StatusCode") == status
    assert report.find(f"{REPORT}/ProcessingSummary") is None
    assert report.findall(f"{REPORT}/Result") == []
    assert _cancelled(sim, orders) == []  # "never will for this feed": a month later, still nothing


def test_foreign_report_counts_our_messages_but_names_another_message_and_order() -> None:
    """report_foreign: the summary counts the 2 messages; the only result is for MessageID 3 and another order."""
    sim, orders = _world()
    sim.add_fault("feeds.createFeed", "report_foreign")
    ours = orders[:2]
    with _api(sim) as http:
        report = _report(http, _run(sim, http, submit_over_http(http, ACK, _cancel_all(sim, ours))))
    _assert_valid(report)
    assert report.findtext(f"{REPORT}/ProcessingSummary/MessagesProcessed") == "2"
    assert report.findtext(f"{REPORT}/ProcessingSummary/MessagesSuccessful") == "1"
    [result] = report.findall(f"{REPORT}/Result")
    assert result.findtext("MessageID") == "3"
    assert result.findtext("AdditionalInfo/AmazonOrderID") not in ours
    assert _cancelled(sim, orders) == []


def test_hollow_report_faults_wait_for_an_order_feed() -> None:
    """A listings feed does not take an XML-report fault; the next order feed does."""
    sim, orders = _world()
    sim.add_listing("HOLLOW-1", quantity=3)
    sim.add_fault("feeds.createFeed", "report_nothing_processed")
    listings = (
        b'{"header":{"sellerId":"%s","version":"2.0"},"messages":[{"messageId":1,"sku":"HOLLOW-1",'
        b'"operationType":"DELETE"}]}' % sim.seller_id.encode()
    )
    with _api(sim) as http:
        listed = _run(sim, http, submit_over_http(http, LISTINGS, listings, "application/json; charset=UTF-8"))
        assert b'"messagesAccepted":1' in gzip.decompress(_download(http, listed)[0]).replace(b" ", b"")
        report = _report(http, _run(sim, http, submit_over_http(http, ACK, _cancel_all(sim, orders))))
    assert report.findtext(f"{REPORT}/ProcessingSummary/MessagesProcessed") == "0"
    assert _cancelled(sim, orders) == []


# --------------------------------------------------------------------------- applied feeds, spoiled reports


def test_truncated_report_is_cut_after_its_summary_and_the_feed_was_applied() -> None:
    """report_truncated: the world changed; the report stops mid-document after a complete summary."""
    sim, orders = _world()
    sim.add_fault("feeds.createFeed", "report_truncated")
    bad = "<OrderAcknowledgement><AmazonOrderID>111-0000000-0000000</AmazonOrderID><StatusCode>Failure</StatusCode>"
    document = _cancel_all(sim, orders).replace(b"</AmazonEnvelope>", b"")
    document += f"<Message><MessageID>9</MessageID>{bad}</OrderAcknowledgement></Message></AmazonEnvelope>".encode()
    with _api(sim) as http:
        content, _ = _download(http, _run(sim, http, submit_over_http(http, ACK, document)))
    text = gzip.decompress(content)
    assert b"<MessagesWithError>1</MessagesWithError>" in text
    assert b"</ProcessingSummary>" in text
    assert not text.rstrip().endswith(b"</AmazonEnvelope>")
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(text)
    assert _cancelled(sim, orders) == orders


def test_empty_and_html_reports_of_an_applied_feed() -> None:
    """report_empty: zero bytes; report_not_xml: a well-formed HTML error page; both feeds were applied."""
    sim, orders = _world()
    sim.add_fault("feeds.createFeed", "report_empty")
    sim.add_fault("feeds.createFeed", "report_not_xml")
    with _api(sim) as http:
        empty, _ = _download(http, _run(sim, http, submit_over_http(http, ACK, _cancel_all(sim, orders[:1]))))
        html, answer = _download(http, _run(sim, http, submit_over_http(http, ACK, _cancel_all(sim, orders[1:2]))))
    assert empty == b""
    page = etree.fromstring(gzip.decompress(html))
    assert page.tag == "html"
    assert page.find("ProcessingReport") is None
    assert answer.headers["content-type"].startswith("text/html")
    assert _cancelled(sim, orders) == orders[:2]


@pytest.mark.parametrize("fault", ["report_truncated", "report_empty", "report_not_xml"])
def test_a_listings_feeds_report_is_spoiled_too_and_the_feed_applied(fault: str) -> None:
    """The spoiling faults apply to a JSON_LISTINGS_FEED as well: the listing is deleted, its report unreadable."""
    sim, _ = _world()
    sim.add_listing("SPOIL-1", quantity=3)
    sim.add_fault("feeds.createFeed", fault)
    listings = (
        b'{"header":{"sellerId":"%s","version":"2.0"},"messages":[{"messageId":1,"sku":"SPOIL-1",'
        b'"operationType":"DELETE"}]}' % sim.seller_id.encode()
    )
    with _api(sim) as http:
        content, _ = _download(http, _run(sim, http, submit_over_http(http, LISTINGS, listings, "application/json")))
        sim.advance(120)  # the accepted delete leaves reads after Amazon's lag (off here)
        gone = http.get(
            f"/listings/2021-08-01/items/{sim.seller_id}/SPOIL-1", params={"marketplaceIds": "ATVPDKIKX0DER"}
        )
    assert gone.status_code == 404
    text = gzip.decompress(content) if content else b""
    with pytest.raises(ValueError):  # not JSON: cut, empty, or an HTML page
        json.loads(text)


def test_missing_report_feed_is_done_without_a_result_document_and_applied() -> None:
    """report_missing: DONE without resultFeedDocumentId; the refund and cancel were applied all the same."""
    sim, orders = _world()
    sim.add_fault("feeds.createFeed", "report_missing")
    with _api(sim) as http:
        feed = _run(sim, http, submit_over_http(http, ACK, _cancel_all(sim, orders)))
    assert "resultFeedDocumentId" not in feed
    assert _cancelled(sim, orders) == orders


def test_spoiled_downloads_are_marked_for_observers_and_sound_ones_are_not() -> None:
    """A spoiled result document's download carries its fault (no schema describes it); a hollow report does not."""
    sim, orders = _world()
    seen: list[Exchange] = []
    sim.observe(seen.append)
    for fault in ("report_truncated", "report_not_xml", "report_foreign"):
        sim.add_fault("feeds.createFeed", fault)
    with _api(sim) as http:
        for order_id in orders:
            _download(http, _run(sim, http, submit_over_http(http, ACK, _cancel_all(sim, [order_id]))))
    downloads = [e.fault for e in seen if e.operation == "document.download"]
    assert downloads == ["report_truncated", "report_not_xml", ""]


@pytest.mark.parametrize("fault", sorted(REPORT_FAULTS))
def test_report_faults_apply_to_feeds_create_feed_only(fault: str) -> None:
    """Every report fault is a feed fault: refused on any other operation."""
    sim, _ = _world()
    with pytest.raises(ValueError, match=r"feeds\.createFeed only"):
        sim.add_fault("orders.getOrder", fault)
    sim.add_fault("*", fault)  # '*' is allowed: createFeed takes it


def test_adjustment_feed_with_a_hollow_report_refunds_nothing() -> None:
    """A money-moving feed under report_nothing_processed moves no money."""
    sim = Simulator(seed=9, scenario=Scenario(orders=0, listings=0, mcf_orders=False), lags=Lags.none())
    order = sim.add_order(status="Shipped", items=[{"price": "20.00"}])
    code = order.items[0].order_item_id
    adjustment = (
        f"<OrderAdjustment><AmazonOrderID>{order.order_id}</AmazonOrderID><AdjustedItem>"
        f"<AmazonOrderItemCode>{code}</AmazonOrderItemCode><AdjustmentReason>CustomerReturn</AdjustmentReason>"
        '<ItemPriceAdjustments><Component><Type>Principal</Type><Amount currency="USD">5.00</Amount></Component>'
        "</ItemPriceAdjustments></AdjustedItem></OrderAdjustment>"
    )
    sim.add_fault("feeds.createFeed", "report_nothing_processed")
    with _api(sim) as http:
        _run(sim, http, submit_over_http(http, ADJ, _envelope(sim, "OrderAdjustment", [adjustment])))
    assert sim.world.refunds == []
    assert order.items[0].refunded == {}
