"""Random mutations of valid order feeds: our hand-written rules reject whatever Amazon's XSDs reject."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from feeds_support import ack, adjusted_item, adjustment, contracts_dir, envelope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from sp_cancel.testing._sim.order_feed_schema import validate_envelope

XSI = "http://www.w3.org/2001/XMLSchema-instance"
PROMOTION = (
    "<PromotionAdjustments><PromotionClaimCode>ABCDEF12</PromotionClaimCode><MerchantPromotionID>P1</MerchantPromotionID>"
    '<Component><Type>Principal</Type><Amount currency="USD">-1.00</Amount></Component></PromotionAdjustments>'
)
SEEDS = [
    envelope(
        "OrderAcknowledgement",
        [
            ack("112-1234567-1234567", items=[("12345678901234", "NoInventory"), ("12345678901235", None)]),
            ack("112-1234567-7654321", "Success", items=[]),
        ],
    ),
    envelope(
        "OrderAdjustment",
        [
            adjustment(
                "112-1234567-1234567",
                adjusted_item(components=[("Principal", "10.00"), ("Tax", "0.80")], adjustment_id="adj-1"),
                adjusted_item("12345678901235", reason="NoInventory", quantity_cancelled=1).replace(
                    "<QuantityCancelled>", PROMOTION + "<QuantityCancelled>"
                ),
            )
        ],
    ).replace(
        b"<MessageType>OrderAdjustment</MessageType>",
        b"<MessageType>OrderAdjustment</MessageType><PurgeAndReplace>false</PurgeAndReplace><EffectiveDate>2026-11-26T12:00:00Z</EffectiveDate>",
    ),
]
TAGS = [
    "AmazonEnvelope",
    "Header",
    "DocumentVersion",
    "MerchantIdentifier",
    "OverrideReleaseId",
    "MessageType",
    "PurgeAndReplace",
    "EffectiveDate",
    "Message",
    "MessageID",
    "OperationType",
    "OrderAcknowledgement",
    "AmazonOrderID",
    "MerchantOrderID",
    "StatusCode",
    "Item",
    "AmazonOrderItemCode",
    "MerchantOrderItemID",
    "CancelReason",
    "OrderAdjustment",
    "ActionType",
    "AdjustedItem",
    "MerchantAdjustmentItemID",
    "AdjustmentReason",
    "ItemPriceAdjustments",
    "PromotionAdjustments",
    "PromotionClaimCode",
    "MerchantPromotionID",
    "Component",
    "Type",
    "Amount",
    "QuantityCancelled",
    "Quantity",
    "DirectPaymentAdjustments",
    "ProcessingReport",
    "Unknown",
]
VALUES = [
    "",
    " ",
    "0",
    "1",
    "01",
    "+1",
    "-1",
    "7 ",
    "1.5",
    "1.555",
    "1.500",
    "-0.00",
    ".5",
    "5.",
    "1e3",
    "123456789012345678901",
    "12345678901234",
    "1234567890123",
    "112-1234567-1234567",
    "112_1234567-1234567",
    "$$$-1234567-1234567",
    "USD",
    "AUD",
    "Failure",
    "Success",
    "NoInventory",
    "CustomerReturn",
    "Principal",
    "Shipping",
    "Update",
    "true",
    "yes",
    "1.01",
    "1.001",
    "x" * 51,
    "y" * 50,
    "ABCDE",
    "ABCDEFGHIJKLM",
    "2026-02-30T00:00:00Z",
    "2026-11-26T12:00:00",
    "\u00e9t\u00e9",
    "A1SIMSELLER0001",
]
ATTRIBUTES = ["currency", "foo", f"{{{XSI}}}nil", f"{{{XSI}}}noNamespaceSchemaLocation"]


def _mutate(root: etree._Element, draw: Any) -> None:
    elements = list(root.iter(tag=etree.Element))
    target = elements[draw(st.integers(0, len(elements) - 1))]
    parent = target.getparent()
    kind = draw(st.sampled_from(["delete", "duplicate", "swap", "text", "attribute", "rename", "insert", "stray"]))
    if kind == "delete" and parent is not None:
        parent.remove(target)
    elif kind == "duplicate" and parent is not None:
        target.addnext(copy.deepcopy(target))
    elif kind == "swap" and parent is not None and target.getnext() is not None:
        target.getnext().addnext(target)  # type: ignore[union-attr]
    elif kind == "text" and len(target) == 0:
        target.text = draw(st.sampled_from(VALUES))
    elif kind == "attribute":
        target.set(draw(st.sampled_from(ATTRIBUTES)), draw(st.sampled_from(VALUES)))
    elif kind == "rename":
        target.tag = draw(st.sampled_from(TAGS))
    elif kind == "insert":
        child = etree.Element(draw(st.sampled_from(TAGS)))
        child.text = draw(st.sampled_from(VALUES))
        target.insert(draw(st.integers(0, len(target))), child)
    elif kind == "stray":
        target.tail = draw(st.sampled_from(["\n  ", "oops", " "]))


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    """Amazon's order-feed envelope XSD."""
    root = contracts_dir()
    return etree.XMLSchema(etree.parse(str(root / "xsd" / "order-feeds-envelope.xsd")))


def test_seeds_are_valid(schema: etree.XMLSchema) -> None:
    """The unmutated documents pass both the XSD and our rules."""
    for seed in SEEDS:
        assert schema.validate(etree.fromstring(seed)), schema.error_log
        assert validate_envelope(seed)[1] is None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutations_rejected_when_xsd_rejects(schema: etree.XMLSchema, data: st.DataObject) -> None:
    """Whenever libxml2 + Amazon's XSD rejects a mutated document, our validator rejects it too (and vice versa)."""
    root = etree.fromstring(data.draw(st.sampled_from(SEEDS)))
    for _ in range(data.draw(st.integers(1, 3))):
        _mutate(root, data.draw)
    content = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    try:
        xsd_valid = schema.validate(etree.fromstring(content))
    except etree.XMLSyntaxError:  # e.g. text after the root element: not even well-formed
        xsd_valid = False
    _record, problem = validate_envelope(content)
    if not xsd_valid:
        assert problem is not None, schema.error_log.last_error
        assert problem.startswith("XML Parsing Error at Line ")
    else:
        assert problem is None, problem
