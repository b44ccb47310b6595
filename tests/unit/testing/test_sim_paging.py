"""getFeeds and getReports in the simulator: one set of query rules, newest-first pages, nextToken paging."""

from __future__ import annotations

import httpx
import pytest

from sp_cancel.testing import Lags, Simulator

REPORTS = "/reports/2021-06-30/reports"
FEEDS = "/feeds/2021-06-30/feeds"
REPORT_TYPE = "GET_V2_SELLER_PERFORMANCE_REPORT"
FEED_TYPE = "POST_ORDER_ACKNOWLEDGEMENT_DATA"


@pytest.fixture
def sim() -> Simulator:
    """A simulator with no orders and no lags (a report is listed as soon as it is created)."""
    return Simulator(seed=5, orders=0, lags=Lags.none())


def _http(sim: Simulator) -> httpx.Client:
    token = sim.issue_access_token()
    return httpx.Client(transport=sim.transport(), base_url=sim.base_url, headers={"x-amz-access-token": token})


def test_get_reports_pages_newest_first_through_next_token(sim: Simulator) -> None:
    """Five reports a second apart come back two a page, newest first, each once; the token alone asks for the next."""
    with _http(sim) as http:
        created = []
        for _ in range(5):
            answer = http.post(REPORTS, json={"reportType": REPORT_TYPE, "marketplaceIds": [sim.marketplace_id]})
            assert answer.status_code == 202
            created.append(answer.json()["reportId"])
            sim.advance(1)
        seen: list[str] = []
        pages = 0
        page = http.get(REPORTS, params={"reportTypes": REPORT_TYPE, "pageSize": "2"})
        while True:
            assert page.status_code == 200
            pages += 1
            seen.extend(report["reportId"] for report in page.json()["reports"])
            token = page.json().get("nextToken")
            if token is None:
                break
            page = http.get(REPORTS, params={"nextToken": token})
        assert (seen, pages) == (list(reversed(created)), 3)
        other = http.get(REPORTS, params={"reportTypes": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"})
        assert other.json() == {"reports": []}


@pytest.mark.parametrize(
    ("path", "types"), [(REPORTS, f"reportTypes={REPORT_TYPE}"), (FEEDS, f"feedTypes={FEED_TYPE}")]
)
@pytest.mark.parametrize(
    "query",
    [
        "",
        "processingStatuses=DONE",
        "{types}&pageSize=0",
        "{types}&pageSize=101",
        "{types}&processingStatuses=BAD_VALUE",
        "{types}&marketplaceIds=" + ",".join(f"M{n}" for n in range(11)),
        "{types}&createdSince=yesterday",
        "{types}&createdSince=2026-01-02T00:00:00Z&createdUntil=2026-01-01T00:00:00Z",
        "{types}&nextToken=abc",
        "nextToken=!!!",
    ],
)
def test_both_list_calls_refuse_the_same_queries(sim: Simulator, path: str, types: str, query: str) -> None:
    """Types or nextToken (alone) required; pageSize 1..100; known statuses; at most 10 marketplaces; a valid window."""
    with _http(sim) as http:
        answer = http.get(f"{path}?{query.format(types=types)}")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "InvalidInput"
