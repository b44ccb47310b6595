"""Helpers shared by the feed tests: a stand-in simulator, world builders, feed documents.

Used by ``test_sim_feeds``, ``test_sim_order_feeds``, ``test_sim_listings_feeds`` and ``test_sim_order_feed_schema``.
"""

from __future__ import annotations

import gzip
import itertools
import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import amazon_contracts
import httpx

from sp_cancel.clock import FakeClock
from sp_cancel.testing._sim import feeds
from sp_cancel.testing._sim.core import FeedTiming, Router, SimRequest, SimResponse
from sp_cancel.testing._sim.faults import HOLLOW_REPORT_FAULTS
from sp_cancel.testing._sim.world import SimItem, SimListing, SimOrder, World

SELLER = "A1SIMSELLER0001"
MARKETPLACE = "ATVPDKIKX0DER"
XML_TYPE = "text/xml; charset=UTF-8"
JSON_TYPE = "application/json; charset=UTF-8"
ACK = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
ADJ = "POST_PAYMENT_ADJUSTMENT_DATA"
LISTINGS = "JSON_LISTINGS_FEED"
START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def contracts_dir() -> Path:
    """Where Amazon's models/XSDs are: ``SP_CANCEL_CONTRACTS_DIR``, else the copies in ``tests/contract/amazon``."""
    return amazon_contracts.contracts_dir()


class StubSim:
    """The slice of the simulator core the feeds module uses, plus request helpers."""

    def __init__(self, *, seed: int = 0, faults: tuple[str, ...] = (), scale: float = 1.0) -> None:
        self.clock = FakeClock(START)
        self.world = World(seller_id=SELLER, marketplace_id=MARKETPLACE)
        self.rng = random.Random(seed)  # noqa: S311 - seeded simulation, not crypto
        self.seller_id = SELLER
        self.base_url = "http://sim.test"
        self.scale = scale
        self.feed_timing = FeedTiming()
        self.refund_posting_delay = timedelta(hours=2)
        self.listing_lag = timedelta(0)
        self._faults = list(faults)
        self._ids = itertools.count(50_000_000_001)
        self.router = Router()
        feeds.register(self.router)

    def now(self) -> datetime:
        """Simulated now."""
        return self.clock.now()

    def new_id(self, kind: str) -> str:
        """Digits for feeds (as Amazon), UUID-ish otherwise."""
        n = next(self._ids)
        return str(n) if kind == "feed" else f"amzn1.tortuga.4.na.{n}"

    def feed_listing_delay(self) -> timedelta:
        """Every feed is listed ``listing_lag`` after it was created."""
        return self.listing_lag

    def take_feed_fault(self, *, order_feed: bool = True) -> str | None:
        """Next configured feed fault (an XML-report fault waits for an order feed, as in the core)."""
        if not self._faults or (not order_feed and self._faults[0] in HOLLOW_REPORT_FAULTS):
            return None
        return self._faults.pop(0)

    def advance(self, seconds: float) -> None:
        """Move the clock."""
        self.clock.advance(seconds)

    def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> SimResponse:
        """Tick, route and handle one request as the core would (minus auth and usage plans)."""
        feeds.tick(self)
        parts = urlsplit(url)
        matched = self.router.match(method, parts.path)
        assert matched is not None, f"no route for {method} {parts.path}"
        route, params = matched
        if json_body is not None:
            body = json.dumps(json_body).encode()
        request = SimRequest(
            method=method,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in (headers or {}).items()},
            body=body,
            path_params=params,
        )
        return route.handler(self, request)  # type: ignore[arg-type]

    def upload_document(self, content: bytes, content_type: str = XML_TYPE) -> str:
        """Call createFeedDocument, PUT the bytes; return the document id."""
        created = self.request("POST", "/feeds/2021-06-30/documents", json_body={"contentType": content_type})
        assert created.status == 201
        put = self.request("PUT", created.body["url"], body=content, headers={"Content-Type": content_type})
        assert put.status == 200, put.raw
        return str(created.body["feedDocumentId"])

    def submit(self, feed_type: str, content: bytes, content_type: str | None = None) -> str:
        """Upload ``content`` and create a feed; return its id."""
        if content_type is None:
            content_type = JSON_TYPE if feed_type == LISTINGS else XML_TYPE
        document_id = self.upload_document(content, content_type)
        response = self.request(
            "POST",
            "/feeds/2021-06-30/feeds",
            json_body={"feedType": feed_type, "marketplaceIds": [MARKETPLACE], "inputFeedDocumentId": document_id},
        )
        assert response.status == 202, response.body
        return str(response.body["feedId"])

    def feed(self, feed_id: str) -> dict[str, Any]:
        """Return the getFeed body."""
        response = self.request("GET", f"/feeds/2021-06-30/feeds/{feed_id}")
        assert response.status == 200
        return dict(response.body)

    def run(self, feed_id: str, seconds: float = 3600) -> dict[str, Any]:
        """Let ``seconds`` pass and return the feed."""
        self.advance(seconds)
        return self.feed(feed_id)

    def result(self, feed_id: str) -> bytes:
        """Download and gunzip the feed's result document."""
        feed = self.feed(feed_id)
        document = self.request("GET", f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}")
        assert document.status == 200
        assert document.body["compressionAlgorithm"] == "GZIP"
        download = self.request("GET", document.body["url"])
        assert download.status == 200
        assert download.raw is not None
        return gzip.decompress(download.raw)


def make_item(
    code: str = "12345678901234",
    *,
    ordered: int = 2,
    shipped: int = 0,
    principal: str = "20.00",
    tax: str = "1.60",
    shipping: str = "4.00",
) -> SimItem:
    """One order line with Principal/Tax/Shipping charged."""
    return SimItem(
        order_item_id=code,
        sku=f"SKU-{code[-4:]}",
        asin="B000TEST01",
        title="Test item",
        quantity_ordered=ordered,
        quantity_shipped=shipped,
        charged={"Principal": Decimal(principal), "Tax": Decimal(tax), "Shipping": Decimal(shipping)},
    )


def add_order(
    sim: StubSim,
    order_id: str = "112-1234567-1234567",
    *,
    status: str = "Unshipped",
    channel: str = "MFN",
    items: list[SimItem] | None = None,
    currency: str = "USD",
) -> SimOrder:
    """Put an order into the stand-in world."""
    order = SimOrder(
        order_id=order_id,
        marketplace_id=MARKETPLACE,
        purchase_date=START - timedelta(days=1),
        last_update_date=START - timedelta(days=1),
        status=status,  # type: ignore[arg-type]
        fulfillment_channel=channel,  # type: ignore[arg-type]
        currency=currency,
        items=items if items is not None else [make_item()],
    )
    sim.world.orders[order_id] = order
    return order


def add_listing(sim: StubSim, sku: str = "SKU-1") -> SimListing:
    """Put a listing into the stand-in world."""
    listing = SimListing(
        sku=sku,
        marketplace_id=MARKETPLACE,
        product_type="PRODUCT",
        asin="B000TEST01",
        item_name="Test",
        attributes={"fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 5}]},
    )
    sim.world.listings[(sku, MARKETPLACE)] = listing
    return listing


def envelope(message_type: str, messages: list[str], *, seller: str = SELLER) -> bytes:
    """An order-feed envelope around ``messages`` (each the inner XML of one message body)."""
    body = "".join(f"<Message><MessageID>{n}</MessageID>{m}</Message>\n" for n, m in enumerate(messages, start=1))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">\n'
        f"<Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>{seller}</MerchantIdentifier></Header>\n"
        f"<MessageType>{message_type}</MessageType>\n{body}</AmazonEnvelope>\n"
    ).encode()


def ack(order_id: str, status: str = "Failure", items: list[tuple[str, str | None]] | None = None) -> str:
    """One OrderAcknowledgement body."""
    lines = "".join(
        f"<Item><AmazonOrderItemCode>{code}</AmazonOrderItemCode>"
        + (f"<CancelReason>{reason}</CancelReason>" if reason else "")
        + "</Item>"
        for code, reason in (items if items is not None else [("12345678901234", "NoInventory")])
    )
    return (
        f"<OrderAcknowledgement><AmazonOrderID>{order_id}</AmazonOrderID>"
        f"<StatusCode>{status}</StatusCode>{lines}</OrderAcknowledgement>"
    )


def adjusted_item(
    code: str = "12345678901234",
    *,
    reason: str = "CustomerReturn",
    components: list[tuple[str, str]] | None = None,
    currency: str | None = "USD",
    quantity_cancelled: int | None = None,
    adjustment_id: str | None = None,
) -> str:
    """One AdjustedItem."""
    parts = [f"<AdjustedItem><AmazonOrderItemCode>{code}</AmazonOrderItemCode>"]
    if adjustment_id:
        parts.append(f"<MerchantAdjustmentItemID>{adjustment_id}</MerchantAdjustmentItemID>")
    parts.append(f"<AdjustmentReason>{reason}</AdjustmentReason>")
    if components:
        attr = f' currency="{currency}"' if currency else ""
        parts.append("<ItemPriceAdjustments>")
        parts.extend(
            f"<Component><Type>{kind}</Type><Amount{attr}>{amount}</Amount></Component>" for kind, amount in components
        )
        parts.append("</ItemPriceAdjustments>")
    if quantity_cancelled is not None:
        parts.append(f"<QuantityCancelled>{quantity_cancelled}</QuantityCancelled>")
    parts.append("</AdjustedItem>")
    return "".join(parts)


def adjustment(order_id: str, *items: str) -> str:
    """One OrderAdjustment body."""
    return f"<OrderAdjustment><AmazonOrderID>{order_id}</AmazonOrderID>{''.join(items)}</OrderAdjustment>"


def submit_over_http(http: httpx.Client, feed_type: str, content: bytes, content_type: str = XML_TYPE) -> str:
    """Through a simulator's HTTP API: createFeedDocument, upload ``content``, createFeed; return the feed id."""
    created = http.post("/feeds/2021-06-30/documents", json={"contentType": content_type}).json()
    http.put(created["url"], content=content, headers={"Content-Type": content_type}).raise_for_status()
    body = {"feedType": feed_type, "marketplaceIds": [MARKETPLACE], "inputFeedDocumentId": created["feedDocumentId"]}
    answer = http.post("/feeds/2021-06-30/feeds", json=body)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["feedId"])
