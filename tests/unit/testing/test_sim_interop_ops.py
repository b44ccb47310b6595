"""What the simulator answers beyond sp_cancel's own calls, and what it says about the rest (issue 21, item 11)."""

from __future__ import annotations

import httpx
import pytest

from sp_cancel._operations import OPERATIONS
from sp_cancel.testing import Simulator

PERFORMANCE = "GET_V2_SELLER_PERFORMANCE_REPORT"


def _http(sim: Simulator) -> httpx.Client:
    return httpx.Client(
        transport=sim.transport(), base_url=sim.base_url, headers={"x-amz-access-token": sim.issue_access_token()}
    )


def test_it_answers_every_operation_the_library_calls() -> None:
    """Each operation in sp_cancel's table has a simulator route with the same method and path."""
    served = Simulator(seed=0, orders=1).operations()
    missing = {key: (op.method, op.path) for key, op in OPERATIONS.items() if served.get(key) != (op.method, op.path)}
    assert missing == {}
    assert {"reports.getReports", "sellers.getMarketplaceParticipations"} <= set(served)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sellers/v1/account"),
        ("GET", "/reports/2021-06-30/schedules"),
        ("POST", "/messaging/v1/orders/111-1111111-1111111/messages/confirmOrderDetails"),
        ("GET", "/no/such/api"),
    ],
)
def test_an_operation_it_does_not_simulate_gets_501_not_simulated(method: str, path: str) -> None:
    """Not Amazon's 404 "not found": a 501 NotSimulated naming the request and what is simulated, marked as such."""
    sim = Simulator(seed=0, orders=1)
    with _http(sim) as http:
        answer = http.request(method, path)
    assert answer.status_code == 501
    [error] = answer.json()["errors"]
    assert error["code"] == "NotSimulated"
    assert f"{method} {path}" in error["message"]
    assert "reports.getReports" in error["details"]
    assert answer.headers["x-sp-cancel-simulator"] == "not-simulated"


def test_an_unknown_resource_of_a_simulated_operation_is_still_404() -> None:
    """A report id Amazon would not know stays a 404 NotFound: only unsimulated operations get 501."""
    sim = Simulator(seed=0, orders=1)
    with _http(sim) as http:
        answer = http.get("/reports/2021-06-30/reports/424242")
    assert answer.status_code == 404


def test_get_reports_filters_pages_and_validates() -> None:
    """getReports: reportTypes or nextToken required, newest first, pageSize pages, nextToken alone."""
    sim = Simulator(seed=0, orders=1)
    with _http(sim) as http:
        ids = []
        for number in range(3):
            sim.advance(60 if number else 0)  # the last one is still queued, the others are done
            created = http.post(
                "/reports/2021-06-30/reports", json={"reportType": PERFORMANCE, "marketplaceIds": [sim.marketplace_id]}
            )
            ids.append(created.json()["reportId"])
        assert http.get("/reports/2021-06-30/reports").status_code == 400
        first = http.get("/reports/2021-06-30/reports", params={"reportTypes": PERFORMANCE, "pageSize": "2"}).json()
        assert [r["reportId"] for r in first["reports"]] == ids[::-1][:2]
        assert first["reports"][0]["processingStatus"] == "IN_QUEUE"
        assert first["reports"][1]["processingStatus"] == "DONE"
        token = first["nextToken"]
        mixed = http.get("/reports/2021-06-30/reports", params={"nextToken": token, "pageSize": "2"})
        assert mixed.status_code == 400
        second = http.get("/reports/2021-06-30/reports", params={"nextToken": token}).json()
        assert [r["reportId"] for r in second["reports"]] == [ids[0]]
        assert "nextToken" not in second
        done = http.get(
            "/reports/2021-06-30/reports", params={"reportTypes": PERFORMANCE, "processingStatuses": "DONE"}
        ).json()
        assert [r["reportId"] for r in done["reports"]] == ids[:2][::-1]
        other = http.get(
            "/reports/2021-06-30/reports",
            params={"reportTypes": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"},
        ).json()
        assert other == {"reports": []}
        assert http.get("/reports/2021-06-30/reports", params={"reportTypes": PERFORMANCE, "pageSize": "0"}).is_error


def test_marketplace_participations_list_the_home_marketplace_first() -> None:
    """getMarketplaceParticipations: home first, participating, with the marketplace's currency and country."""
    sim = Simulator(seed=0, orders=5, marketplace="DE")
    with _http(sim) as http:
        payload = http.get("/sellers/v1/marketplaceParticipations").json()["payload"]
    home = payload[0]
    assert home["marketplace"]["id"] == sim.marketplace_id
    assert (home["marketplace"]["countryCode"], home["marketplace"]["defaultCurrencyCode"]) == ("DE", "EUR")
    assert home["participation"] == {"isParticipating": True, "hasSuspendedListings": False}
    assert sim.request_counts["sellers.getMarketplaceParticipations"] == 1
