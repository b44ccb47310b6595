"""What the listings workflows send, checked against Amazon's Listings Items model and the listings feed schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import fastjsonschema
import httpx
import jsonschema
import pytest

import sp_cancel._listings.items as listing_items
from sp_cancel._listings.view import listing_issues
from sp_cancel._runtime.context import Context
from sp_cancel._runtime.feeds import FeedRunner
from sp_cancel.errors import InvalidInputError
from sp_cancel.feeds import build_listings_feed, close_listing_patch, parse_listings_report
from sp_cancel.feeds.listings import MAX_LISTINGS_MESSAGES, ListingsMessage
from sp_cancel.journal import Journal
from sp_cancel.testing import Scenario, Simulator
from sp_cancel.transport._listings import parse_listings_submission

ITEM_PATH = "/listings/2021-08-01/items/{sellerId}/{sku}"


class Recorder(httpx.BaseTransport):
    """Keeps every request sent to the simulator."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Record the request, then let the simulator answer it."""
        request.read()
        self.requests.append(request)
        return self.inner.handle_request(request)


@pytest.fixture(scope="module")
def model(contracts_dir: Path) -> dict[str, Any]:
    """Amazon's Listings Items 2021-08-01 model."""
    return json.loads((contracts_dir / "models" / "listingsItems_2021-08-01.json").read_text())


@pytest.fixture(scope="module")
def feed_schema(contracts_dir: Path) -> dict[str, Any]:
    """Amazon's listings-feed-schema-v2.json."""
    return json.loads((contracts_dir / "schemas" / "listings-feed-schema-v2.json").read_text())


def definition_validator(model: dict[str, Any], name: str) -> jsonschema.Draft4Validator:
    """A Draft 4 validator for ``#/definitions/<name>`` with the model's definitions resolvable."""
    schema = {"$ref": f"#/definitions/{name}", "definitions": model["definitions"]}
    return jsonschema.Draft4Validator(schema)


@pytest.fixture
def sim_ctx() -> tuple[Simulator, Recorder, Context]:
    """A simulator, its recording transport and a workflow context."""
    sim = Simulator(seed=2, scenario=Scenario(orders=0, listings=4, mcf_orders=False, deals=False))
    recorder = Recorder(sim.transport())
    client = sim.client(transport=recorder)
    ctx = getattr(client, "_ctx", None)
    if not isinstance(ctx, Context):
        journal = Journal(":memory:", clock=sim.clock)
        ctx = Context(
            api=client._api,
            journal=journal,
            runner=FeedRunner(api=client._api, journal=journal, clock=sim.clock, sleep=sim.advance),
            clock=sim.clock,
            sleep=sim.advance,
            seller_id=sim.seller_id,
            marketplace_id=sim.marketplace_id,
        )
    return sim, recorder, ctx


def test_close_listing_patch_body_matches_the_model(model, sim_ctx):
    """The PATCH body close_listing sends validates as ListingsItemPatchRequest; query names are the model's."""
    sim, recorder, ctx = sim_ctx
    sim.add_listing("CT-1", quantity=4)
    listing_items.close_listing(ctx, "CT-1")
    patch = next(r for r in recorder.requests if r.method == "PATCH")
    body = json.loads(patch.content)
    definition_validator(model, "ListingsItemPatchRequest").validate(body)
    assert body["patches"][0]["op"] == "merge"
    allowed = {p["name"] for p in model["paths"][ITEM_PATH]["patch"]["parameters"] if p["in"] == "query"}
    assert set(patch.url.params) <= allowed
    assert "marketplaceIds" in patch.url.params


def test_read_and_delete_use_the_model_query_names(model, sim_ctx):
    """Reads (getListingsItem) and deletes (deleteListingsItem) send only query parameters the model defines."""
    sim, recorder, ctx = sim_ctx
    sim.add_listing("CT-2")
    listing_items.delete_listing(ctx, "CT-2", verify=True)
    for method, op in (("GET", "get"), ("DELETE", "delete")):
        sent = [r for r in recorder.requests if r.method == method and "/listings/" in r.url.path]
        assert sent
        allowed = {p["name"] for p in model["paths"][ITEM_PATH][op]["parameters"] if p["in"] == "query"}
        for request in sent:
            assert set(request.url.params) <= allowed
    get = next(r for r in recorder.requests if r.method == "GET" and "/listings/" in r.url.path)
    included = set(get.url.params["includedData"].split(","))
    enum = next(p for p in model["paths"][ITEM_PATH]["get"]["parameters"] if p["name"] == "includedData")["items"]
    assert included <= set(enum["enum"])


def test_close_listings_feed_document_matches_the_schema(feed_schema, sim_ctx):
    """The JSON_LISTINGS_FEED document close_listings uploads validates against listings-feed-schema-v2.json."""
    sim, recorder, ctx = sim_ctx
    for sku in ("CT-3", "CT-4"):
        sim.add_listing(sku, quantity=2)
    listing_items.close_listings(ctx, ["CT-3", "CT-4"], wait=True)
    upload = next(r for r in recorder.requests if r.method == "PUT" and "/_sim/documents/" in r.url.path)
    document = json.loads(upload.content)
    jsonschema.Draft7Validator(feed_schema).validate(document)
    assert [m["operationType"] for m in document["messages"]] == ["PATCH", "PATCH"]
    assert document["messages"][0]["patches"] == close_listing_patch()
    assert upload.headers["content-type"].startswith("application/json")


@pytest.mark.slow
def test_largest_feed_validates(feed_schema):
    """A feed at Amazon's 25,000-message limit still validates (and one more is refused by the builder)."""
    messages = [
        ListingsMessage(
            message_id=n, sku=f"S-{n}", operation="PATCH", product_type="PRODUCT", patches=close_listing_patch()
        )
        for n in range(1, MAX_LISTINGS_MESSAGES + 1)
    ]
    document = json.loads(build_listings_feed("A1SELLER", messages))
    fastjsonschema.compile(feed_schema)(document)  # jsonschema takes half a minute on 25,000 messages
    assert len(document["messages"]) == 25_000
    with pytest.raises(InvalidInputError):
        build_listings_feed("A1SELLER", [*messages, attrs.evolve(messages[0], message_id=25_001)])


def test_amazon_example_report_parses_into_typed_issues(contracts_dir):
    """Amazon's example processing report parses; its issues map to ListingIssue values."""
    example = (contracts_dir / "schemas" / "listings-feed-processing-report-schema-v2.example.json").read_bytes()
    report = parse_listings_report(example)
    assert report.issues
    assert all(i.severity in {"ERROR", "WARNING", "INFO"} for i in report.issues)


def test_submission_response_issues_map_from_the_model(model):
    """The model's Issue shape (code, message, severity, attributeNames) maps onto ListingIssue."""
    issue_props = set(model["definitions"]["Issue"]["properties"])
    assert {"code", "message", "severity", "attributeNames"} <= issue_props
    raw = [{"code": "90220", "message": "x", "severity": "WARNING", "attributeNames": ["a"], "categories": []}]
    submission = parse_listings_submission({"sku": "S", "status": "INVALID", "submissionId": "s1", "issues": raw})
    (issue,) = listing_issues(submission.issues)
    assert (issue.code, issue.severity, issue.attribute_names) == ("90220", "WARNING", ("a",))
