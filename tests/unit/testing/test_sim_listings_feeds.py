"""JSON_LISTINGS_FEED in the simulator: validation, application, and the JSON processing report."""

from __future__ import annotations

import json
from typing import Any

import pytest
from feeds_support import LISTINGS, MARKETPLACE, SELLER, START, StubSim, add_listing, contracts_dir

from sp_cancel.testing import Lags
from sp_cancel.testing._sim.core import SimulatorCore
from sp_cancel.testing._sim.listings_feeds import process_listings_feed, validate_message
from sp_cancel.testing._sim.world import SimFeed, SimListing

CLOSE = [
    {
        "op": "merge",
        "path": "/attributes/fulfillment_availability",
        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}],
    }
]


class FakeOps:
    """Records calls to apply_listing_patches / delete_listing and answers with canned issues."""

    def __init__(self, issues: list[dict[str, Any]] | None = None) -> None:
        self.patched: list[tuple[str, str, list[dict[str, Any]]]] = []
        self.deleted: list[str] = []
        self.issues = issues or []

    def patch(
        self,
        sim: Any,  # noqa: ARG002 - same signature as apply_listing_patches
        listing: SimListing,
        product_type: str,
        patches: list[dict[str, Any]],
    ) -> Any:
        """Stand-in for apply_listing_patches."""
        self.patched.append((listing.sku, product_type, patches))
        return list(self.issues)

    def delete(self, sim: Any, listing: SimListing) -> None:  # noqa: ARG002 - same signature as delete_listing
        """Stand-in for delete_listing."""
        self.deleted.append(listing.sku)


def _doc(*messages: dict[str, Any], seller: str = SELLER, version: str = "2.0") -> bytes:
    return json.dumps({"header": {"sellerId": seller, "version": version}, "messages": list(messages)}).encode()


def _process(sim: StubSim, content: bytes, ops: FakeOps) -> dict[str, Any]:
    feed = SimFeed("50000000123", LISTINGS, [MARKETPLACE], "doc", START)
    report = json.loads(process_listings_feed(sim, feed, content, START, ops=(ops.patch, ops.delete)))  # type: ignore[arg-type]
    _check_schema(report)
    return dict(report)


def _check_schema(report: dict[str, Any]) -> None:
    root = contracts_dir()
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((root / "schemas" / "listings-feed-processing-report-schema-v2.json").read_text())
    jsonschema.validate(report, schema)


def test_patch_is_applied_and_report_valid() -> None:
    """A PATCH message goes to apply_listing_patches and is counted as accepted."""
    sim = StubSim()
    add_listing(sim)
    ops = FakeOps()
    report = _process(
        sim,
        _doc({"messageId": 1, "sku": "SKU-1", "operationType": "PATCH", "productType": "PRODUCT", "patches": CLOSE}),
        ops,
    )
    assert ops.patched == [("SKU-1", "PRODUCT", CLOSE)]
    assert report["header"] == {"sellerId": SELLER, "version": "2.0", "feedId": "50000000123"}
    assert report["issues"] == []
    assert report["summary"] == {
        "errors": 0,
        "warnings": 0,
        "messagesProcessed": 1,
        "messagesAccepted": 1,
        "messagesInvalid": 0,
    }


def test_report_validates_against_amazon_schema() -> None:
    """The report (with issues) validates against listings-feed-processing-report-schema-v2.json."""
    sim = StubSim()
    add_listing(sim)
    report = _process(
        sim,
        _doc(
            {"messageId": 1, "sku": "SKU-1", "operationType": "DELETE"},
            {"messageId": 2, "sku": "NOPE", "operationType": "DELETE"},
            {"messageId": 3, "sku": "SKU-1", "operationType": "PATCH"},
        ),
        FakeOps(),
    )
    assert report["summary"]["messagesInvalid"] == 2


def test_patch_unknown_sku_is_an_error_issue() -> None:
    """PATCH on a SKU with no listing gets an ERROR issue for that message."""
    sim = StubSim()
    ops = FakeOps()
    report = _process(
        sim,
        _doc({"messageId": 7, "sku": "NOPE", "operationType": "PATCH", "productType": "PRODUCT", "patches": CLOSE}),
        ops,
    )
    assert ops.patched == []
    assert report["issues"][0]["messageId"] == 7
    assert report["issues"][0]["sku"] == "NOPE"
    assert report["issues"][0]["severity"] == "ERROR"
    assert report["issues"][0]["code"] == "9000003"
    assert report["summary"]["messagesInvalid"] == 1


def test_listing_issues_are_passed_through() -> None:
    """ERROR issues from apply_listing_patches make the message invalid and appear in the report."""
    sim = StubSim()
    add_listing(sim)
    issue = {"code": "90220", "message": "'x' is required", "severity": "ERROR", "attributeNames": ["x"]}
    report = _process(
        sim,
        _doc({"messageId": 1, "sku": "SKU-1", "operationType": "PATCH", "productType": "PRODUCT", "patches": CLOSE}),
        FakeOps([issue]),
    )
    assert report["issues"] == [
        {
            "messageId": 1,
            "sku": "SKU-1",
            "code": "90220",
            "severity": "ERROR",
            "message": "'x' is required",
            "attributeName": "x",
        }
    ]
    assert report["summary"]["messagesInvalid"] == 1


def test_delete_and_partial_update() -> None:
    """DELETE calls delete_listing; PARTIAL_UPDATE becomes one replace patch per attribute."""
    sim = StubSim()
    add_listing(sim)
    ops = FakeOps()
    attributes = {"item_name": [{"value": "New"}]}
    report = _process(
        sim,
        _doc(
            {
                "messageId": 1,
                "sku": "SKU-1",
                "operationType": "PARTIAL_UPDATE",
                "productType": "PRODUCT",
                "attributes": attributes,
            },
            {"messageId": 2, "sku": "SKU-1", "operationType": "DELETE"},
        ),
        ops,
    )
    assert ops.patched == [
        ("SKU-1", "PRODUCT", [{"op": "replace", "path": "/attributes/item_name", "value": attributes["item_name"]}])
    ]
    assert ops.deleted == ["SKU-1"]
    assert report["summary"]["messagesAccepted"] == 2


def test_update_replaces_attributes() -> None:
    """UPDATE replaces the attributes of an existing listing."""
    sim = StubSim()
    listing = add_listing(sim)
    _process(
        sim,
        _doc(
            {
                "messageId": 1,
                "sku": "SKU-1",
                "operationType": "UPDATE",
                "productType": "SHOES",
                "attributes": {"a": [1]},
            }
        ),
        FakeOps(),
    )
    assert listing.attributes == {"a": [1]}
    assert listing.product_type == "SHOES"


@pytest.mark.parametrize(
    ("content", "processed"),
    [
        (b"<not json>", 0),
        (_doc({"messageId": 1, "sku": "SKU-1", "operationType": "DELETE"}, seller="A2OTHER"), 1),
        (_doc({"messageId": 1, "sku": "SKU-1", "operationType": "DELETE"}, version="1.0"), 1),
        (_doc(), 0),
        (json.dumps({"header": {"sellerId": SELLER, "version": "2.0"}}).encode(), 0),
    ],
)
def test_invalid_document_rejects_everything(content: bytes, processed: int) -> None:
    """Non-JSON, another seller, wrong version or no messages: one document ERROR, nothing applied."""
    sim = StubSim()
    add_listing(sim)
    ops = FakeOps()
    report = _process(sim, content, ops)
    assert ops.deleted == []
    assert [i["code"] for i in report["issues"]] == ["9000001"]
    assert "messageId" not in report["issues"][0]
    assert report["summary"]["messagesInvalid"] == processed
    assert report["summary"]["messagesAccepted"] == 0


@pytest.mark.parametrize(
    "message",
    [
        {"messageId": 1, "sku": "S", "operationType": "DELETE", "productType": "PRODUCT"},
        {"messageId": 1, "sku": "S", "operationType": "PATCH", "productType": "PRODUCT"},
        {
            "messageId": 1,
            "sku": "S",
            "operationType": "PATCH",
            "productType": "PRODUCT",
            "patches": CLOSE,
            "attributes": {"a": 1},
        },
        {
            "messageId": 1,
            "sku": "S",
            "operationType": "UPDATE",
            "productType": "P",
            "attributes": {"a": 1},
            "patches": CLOSE,
        },
        {"messageId": 1, "sku": "S", "operationType": "PARTIAL_UPDATE", "productType": "P", "attributes": {}},
        {"messageId": 0, "sku": "S", "operationType": "DELETE"},
        {"messageId": True, "sku": "S", "operationType": "DELETE"},
        {"messageId": 1, "sku": "", "operationType": "DELETE"},
        {"messageId": 1, "sku": "S", "operationType": "REMOVE"},
        {
            "messageId": 1,
            "sku": "S",
            "operationType": "PATCH",
            "productType": "P",
            "patches": [{"op": "move", "path": "/a"}],
        },
    ],
)
def test_invalid_messages_are_refused(message: dict[str, Any]) -> None:
    """Per-operationType required/forbidden fields, types and enums are enforced per message."""
    assert validate_message(message) is not None


def test_message_validator_agrees_with_schema() -> None:
    """Our message rules accept and refuse the same messages as the JSON schema."""
    root = contracts_dir()
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((root / "schemas" / "listings-feed-message-schema-v2.json").read_text())
    samples = [
        {"messageId": 1, "sku": "S", "operationType": "DELETE"},
        {"messageId": 1, "sku": "S", "operationType": "PATCH", "productType": "P", "patches": CLOSE},
        {
            "messageId": 1,
            "sku": "S",
            "operationType": "UPDATE",
            "productType": "P",
            "attributes": {"a": 1},
            "requirements": "LISTING",
        },
        {"messageId": 1, "sku": "S", "operationType": "DELETE", "requirements": "LISTING"},
        {
            "messageId": 1,
            "sku": "S",
            "operationType": "PARTIAL_UPDATE",
            "productType": "P",
            "attributes": {"a": 1},
            "requirements": "LISTING",
        },
        {"messageId": 2, "sku": "S", "operationType": "PATCH", "productType": "", "patches": CLOSE},
        {
            "messageId": 2,
            "sku": "S",
            "operationType": "PATCH",
            "productType": "P",
            "patches": [{"op": "add", "path": "/a", "value": [1]}],
        },
    ]
    for sample in samples:
        ours = validate_message(sample) is None
        theirs = jsonschema.Draft7Validator(schema).is_valid(sample)
        assert ours == theirs, sample


def test_fatal_selection_skips_messages() -> None:
    """With a selection (FATAL feeds), unselected messages are not applied."""
    sim = StubSim()
    add_listing(sim, "A")
    add_listing(sim, "B")
    ops = FakeOps()
    feed = SimFeed("50000000123", LISTINGS, [MARKETPLACE], "doc", START)
    content = _doc(
        {"messageId": 1, "sku": "A", "operationType": "DELETE"}, {"messageId": 2, "sku": "B", "operationType": "DELETE"}
    )
    process_listings_feed(sim, feed, content, START, ops=(ops.patch, ops.delete), select=lambda p: p == 1)  # type: ignore[arg-type]
    assert ops.deleted == ["B"]


def test_with_the_real_listings_simulator() -> None:
    """Against the real core and listings module, a closing PATCH sets the MFN quantity to 0."""
    core = SimulatorCore(seller_id=SELLER, lags=Lags.none())
    listing = add_listing(core)  # type: ignore[arg-type]
    feed = SimFeed("50000000123", LISTINGS, [MARKETPLACE], "doc", START)
    content = _doc(
        {"messageId": 1, "sku": "SKU-1", "operationType": "PATCH", "productType": "PRODUCT", "patches": CLOSE}
    )
    report = json.loads(process_listings_feed(core, feed, content, START))
    assert report["summary"]["messagesAccepted"] == 1, report
    assert listing.attributes["fulfillment_availability"] == [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}]
