"""Everything the suite sent to the simulator, and everything it answered, checked against Amazon's contracts.

``tests/conftest.py`` records every simulator exchange of the session; the last test here
(``suite_contracts``: it runs after all others) checks them with ``_sp_contracts.ContractChecker``.
The tests before it prove the checker catches what it should and give it a workload of its own,
so the file means something when run alone.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from _sp_contracts import ContractChecker, Report

from sp_cancel import ApiError, CancelReason, Money
from sp_cancel.models import AdjustmentReason
from sp_cancel.testing import Exchange, Simulator


@pytest.fixture(scope="module")
def checker(contracts_dir: Path) -> ContractChecker:
    """One checker (models parsed once) for the module."""
    return ContractChecker(contracts_dir)


def _exchange(
    method: str,
    path: str,
    *,
    query: dict[str, list[str]] | None = None,
    body: object = None,
    status: int = 200,
    answer: object = None,
    operation: str = "test.op",
    ours: bool = True,
) -> Exchange:
    headers = {"user-agent": "sp-cancel/0 (Language=Python)" if ours else "python-httpx/0", "x-amz-access-token": "t"}
    if body is not None:
        headers["content-type"] = "application/json"
    return Exchange(
        simulator=0,
        operation=operation,
        route="",
        method=method,
        path=path,
        query=query or {},
        request_headers=headers,
        request_body=b"" if body is None else json.dumps(body).encode(),
        status=status,
        response_headers={},
        response_body=b"" if answer is None else json.dumps(answer).encode(),
    )


def _problems(report: Report) -> list[str]:
    return [v.problem for v in report.violations]


def test_a_well_formed_exchange_passes(checker: ContractChecker) -> None:
    """A getFeed request and answer that follow feeds_2021-06-30 give no violation."""
    feed = {
        "feedId": "501",
        "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
        "createdTime": "2026-01-01T00:00:00Z",
        "processingStatus": "IN_QUEUE",
    }
    report = checker.check([("t", _exchange("GET", "/feeds/2021-06-30/feeds/501", answer=feed))])
    assert report.violations == []
    assert report.requests_checked["feeds_2021-06-30:getFeed"] == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"marketplaceIds": ["ATVPDKIKX0DER"], "nope": ["1"]}, "query parameter 'nope' is not declared"),
        ({"marketplaceIds": ["ATVPDKIKX0DER"], "maxResultsPerPage": ["x"]}, "maxResultsPerPage='x' is not an integer"),
        ({"marketplaceIds": ["ATVPDKIKX0DER"], "createdAfter": ["yesterday"]}, "is not an ISO 8601 date-time"),
        ({"marketplaceIds": ["ATVPDKIKX0DER"], "includedData": ["BUYER,NOPE"]}, "includedData='NOPE' is not one of"),
        ({"marketplaceIds": ["A", "B"]}, "marketplaceIds is sent 2 times; the model's collectionFormat is csv"),
        ({"marketplaceIds": [",".join(["A"] * 51)]}, "marketplaceIds has 51 items; maxItems is 50"),
    ],
)
def test_bad_queries_are_caught(checker: ContractChecker, query: dict[str, list[str]], expected: str) -> None:
    """Undeclared names, wrong types, bad dates, bad enum items, repeated arrays and too many items are violations."""
    answer = {"orders": [], "createdAfter": "2026-01-01T00:00:00Z"}
    report = checker.check([("t", _exchange("GET", "/orders/2026-01-01/orders", query=query, answer=answer))])
    assert any(expected in p for p in _problems(report)), _problems(report)


def test_bad_bodies_and_answers_are_caught(checker: ContractChecker) -> None:
    """A createFeed body without feedType, an undeclared status and a malformed answer are violations."""
    bad_body = _exchange(
        "POST",
        "/feeds/2021-06-30/feeds",
        body={"marketplaceIds": ["ATVPDKIKX0DER"], "inputFeedDocumentId": "d"},
        status=202,
        answer={"feedId": "1"},
    )
    odd_status = _exchange("GET", "/orders/v0/orders/1", status=418, answer={}, ours=False)
    bad_answer = _exchange("GET", "/feeds/2021-06-30/feeds/1", answer={"feedId": 1}, ours=False)
    report = checker.check([("a", bad_body), ("b", odd_status), ("c", bad_answer)])
    problems = _problems(report)
    assert any("'feedType' is a required property" in p for p in problems), problems
    assert any("status 418 is not declared" in p for p in problems), problems
    assert any("1 is not of type 'string'" in p for p in problems), problems
    assert report.requests_checked["feeds_2021-06-30:createFeed"] == 1
    assert sum(report.requests_checked.values()) == 1  # requests from other user agents are not ours to check


def test_unmodelled_operations_are_checked_against_facts(checker: ContractChecker) -> None:
    """Orders 2026 cancelOrder and Promotions are checked against the facts §3.2 / §9 shapes."""
    cancel = _exchange(
        "PUT", "/orders/2026-01-01/orders/1/cancellation", body={"cancelReasonCode": "OOPS"}, status=202, answer={}
    )
    promotions = _exchange(
        "GET",
        "/promotions/2025-12-01/promotions",
        query={"marketplaceIds": ["A,B"], "limit": ["500"]},
        answer={"promotions": [{"promotionId": "p", "promotionType": "DEAL", "status": "LIVE", "marketplaceId": "A"}]},
    )
    problems = _problems(checker.check([("t", cancel), ("t", promotions)]))
    assert any("'OOPS' is not one of" in p for p in problems), problems
    assert any("marketplaceIds has 2 items; maxItems is 1" in p for p in problems), problems
    assert any("limit=500 is above the maximum 100" in p for p in problems), problems
    assert any("'LIVE' is not one of" in p for p in problems), problems


def test_documents_and_lwa_are_checked(checker: ContractChecker) -> None:
    """A malformed XML feed, a Content-Type mismatch and an LWA form without a secret are violations."""
    created = _exchange(
        "POST",
        "/feeds/2021-06-30/documents",
        body={"contentType": "text/xml; charset=UTF-8"},
        status=201,
        answer={"feedDocumentId": "doc-1", "url": "http://sim/_sim/documents/doc-1"},
        operation="feeds.createFeedDocument",
    )
    upload = Exchange(
        simulator=0,
        operation="document.upload",
        route="/_sim/documents/{documentId}",
        method="PUT",
        path="/_sim/documents/doc-1",
        query={},
        request_headers={"content-type": "text/xml"},
        request_body=b"<AmazonEnvelope><Header/></AmazonEnvelope>",
        status=200,
        response_headers={},
        response_body=b"",
    )
    token = Exchange(
        simulator=0,
        operation="lwa.token",
        route="/auth/o2/token",
        method="POST",
        path="/auth/o2/token",
        query={},
        request_headers={"content-type": "application/x-www-form-urlencoded"},
        request_body=b"grant_type=refresh_token&refresh_token=r&client_id=c",
        status=200,
        response_headers={},
        response_body=b'{"access_token":"a","token_type":"bearer","expires_in":3600}',
    )
    report = checker.check([("t", created), ("t", upload), ("t", token)])
    problems = _problems(report)
    assert any("but createFeedDocument asked 'text/xml; charset=UTF-8'" in p for p in problems), problems
    assert any("Element 'Header'" in p for p in problems), problems
    assert any("form lacks ['client_secret']" in p for p in problems), problems


def test_a_workload_of_every_workflow_meets_the_contracts(checker: ContractChecker) -> None:
    """Cancel, refund, close a listing, cancel an MCF order, read deals and the rate: 0 violations (own observer)."""
    sim = Simulator(seed=7, orders=40)
    seen: list[Exchange] = []
    sim.observe(seen.append)
    client = sim.client()
    unshipped = sim.orders(status="Unshipped", channel="MFN")
    client.cancel_order(unshipped[0].order_id, reason=CancelReason.NO_INVENTORY)
    shipped = next(o for o in sim.orders(status="Shipped", channel="MFN") if len(o.items) == 1)
    client.partial_refund(
        shipped.order_id, Money(amount="1", currency=shipped.currency), reason=AdjustmentReason.GENERAL_ADJUSTMENT
    )
    sku = next(key[0] for key in sim.world.listings if "MFN" in key[0])
    client.close_listing(sku)
    mcf = sim.add_mcf_order(status="Received")
    client.cancel_fba_order(mcf.seller_fulfillment_order_id)
    client.cancel_fba_order(sim.add_mcf_order(status="Planning").seller_fulfillment_order_id, api="2026-07-04")
    client.deals()
    client.buyer_cancellation_requests()
    client.system_cancellations(since=timedelta(days=3))
    report = checker.check([("workload", e) for e in seen])
    assert report.violations == [], "\n".join(str(v) for v in report.violations)
    assert {"feeds_2021-06-30:createFeed", "orders_2026-01-01:getOrder"} <= set(report.requests_checked)
    assert report.documents_checked


@pytest.mark.suite_contracts
def test_every_exchange_of_the_suite_meets_the_contracts(checker: ContractChecker, simulator_exchanges) -> None:
    """Every request our client sent and every simulator answer in this session: 0 violations."""
    if not simulator_exchanges.records:
        pytest.skip("no simulator exchange was recorded in this session: run it with the tests it checks")
    report = checker.check(simulator_exchanges.records)
    print(report.summary())  # noqa: T201 - shown with -rP: what the suite covered
    listing = "\n".join(str(v) for v in report.violations[:200])
    assert report.violations == [], f"{len(report.violations)} contract violations:\n{listing}\n\n{report.summary()}"
    assert sum(report.responses_checked.values()) > 0


def test_the_notifications_workload_meets_the_contracts(checker: ContractChecker) -> None:
    """ensure(), its 409s and 400s, a test notification, deletes: every request and answer fits notifications.json."""
    sim = Simulator(seed=8, orders=2)
    seen: list[Exchange] = []
    sim.observe(seen.append)
    client = sim.client()
    arn = "arn:aws:sqs:us-east-1:123456789012:sp-cancel-orders"
    setup = client.notifications.ensure(arn)
    client.notifications.ensure(arn)
    api = client._ctx.api
    with pytest.raises(ApiError):
        api.create_subscription("ORDER_CHANGE", destination_id=setup.destination_id)  # 400: no eventFilter
    with pytest.raises(ApiError):
        api.create_destination(name="again", sqs_arn=arn)  # 409
    api.send_test_notification("ORDER_CHANGE", destination_id=setup.destination_id)
    api.get_subscription_by_id("ORDER_CHANGE", setup.subscription_id)
    api.get_destination(setup.destination_id)
    api.delete_subscription_by_id("ORDER_CHANGE", setup.subscription_id)
    api.delete_destination(setup.destination_id)
    report = checker.check([("notifications", e) for e in seen])
    assert report.violations == [], "\n".join(str(v) for v in report.violations)
    assert {
        "notifications:createSubscription",
        "notifications:createDestination",
        "notifications:sendTestNotification",
    } <= set(report.requests_checked)
