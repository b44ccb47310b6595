"""Contract-true edges of the simulator (issue 13 item 6).

401 without a token (where the model declares it), marketplace and content-type checks, and expiry of
every presigned URL.
"""

from __future__ import annotations

import httpx
import pytest

from sp_cancel.testing import Lags, Simulator

FEEDS = "/feeds/2021-06-30"


@pytest.fixture
def sim() -> Simulator:
    """A small simulator, everything visible at once."""
    return Simulator(seed=3, orders=5, lags=Lags.none(), orders_v0="served")  # v0 routes are among the edges


def _http(sim: Simulator) -> httpx.Client:
    token = sim.issue_access_token()
    return httpx.Client(transport=sim.transport(), base_url=sim.base_url, headers={"x-amz-access-token": token})


def test_a_request_without_a_token_is_401(sim: Simulator) -> None:
    """The Feeds model: 401 for a malformed or missing token (403 is for a denied or expired one)."""
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url) as http:
        assert http.get(f"{FEEDS}/feeds/123").status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        (
            "POST",
            f"{FEEDS}/feeds",
            {
                "json": {
                    "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
                    "marketplaceIds": ["XX"],
                    "inputFeedDocumentId": "d",
                }
            },
        ),
        (
            "GET",
            "/orders/2026-01-01/orders",
            {"params": {"createdAfter": "2026-01-01T00:00:00Z", "marketplaceIds": "XX"}},
        ),
        ("GET", "/orders/v0/orders", {"params": {"CreatedAfter": "2026-01-01T00:00:00Z", "MarketplaceIds": "XX"}}),
        (
            "POST",
            "/reports/2021-06-30/reports",
            {"json": {"reportType": "GET_V2_SELLER_PERFORMANCE_REPORT", "marketplaceIds": ["XX"]}},
        ),
        ("GET", "/listings/2021-08-01/items/A1SIMSELLER0001/SKU1", {"params": {"marketplaceIds": "XX"}}),
    ],
)
def test_an_unknown_marketplace_is_400(sim: Simulator, method: str, path: str, kwargs: dict[str, object]) -> None:
    """Every operation that takes marketplace ids refuses one Amazon does not have."""
    with _http(sim) as http:
        assert http.request(method, path, **kwargs).status_code == 400  # type: ignore[arg-type]


def test_create_feed_document_refuses_a_content_type_that_is_not_a_media_type(sim: Simulator) -> None:
    """``contentType`` must be type/subtype (with parameters); free text is a 400."""
    with _http(sim) as http:
        assert http.post(f"{FEEDS}/documents", json={"contentType": "xml please"}).status_code == 400
        ok = http.post(f"{FEEDS}/documents", json={"contentType": "text/xml; charset=UTF-8"})
        assert ok.status_code == 201


def test_every_presigned_url_is_signed_and_expires(sim: Simulator) -> None:
    """Upload, feed result and report URLs carry X-Amz-Date and stop working after 5 minutes.

    An unsigned document URL is refused.
    """
    client = sim.client()
    order = sim.orders(status="Unshipped", channel="MFN")[0]
    client.cancel_order(order.order_id, "NO_INVENTORY")
    feed = next(iter(sim.world.feeds.values()))
    with _http(sim) as http:
        upload = http.post(f"{FEEDS}/documents", json={"contentType": "text/xml; charset=UTF-8"}).json()["url"]
        assert "X-Amz-Date=" in upload
        result = http.get(f"{FEEDS}/documents/{feed.result_document_id}").json()["url"]
        assert http.get(result).status_code == 200
        unsigned = result.split("?")[0]
        assert http.get(unsigned).status_code == 403  # no signature: S3's AccessDenied
        report_id = http.post(
            "/reports/2021-06-30/reports",
            json={"reportType": "GET_V2_SELLER_PERFORMANCE_REPORT", "marketplaceIds": [sim.marketplace_id]},
        ).json()["reportId"]
        sim.advance(60)
        document_id = http.get(f"/reports/2021-06-30/reports/{report_id}").json()["reportDocumentId"]
        report_url = http.get(f"/reports/2021-06-30/documents/{document_id}").json()["url"]
        assert http.get(report_url).status_code == 200
        sim.advance(301)
        assert http.get(report_url).status_code == 403
        assert http.get(result).status_code == 403
        put = http.put(upload, content=b"<x/>", headers={"Content-Type": "text/xml; charset=UTF-8"})
        assert put.status_code == 403
