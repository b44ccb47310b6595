"""Feed documents and reports checked against Amazon's XSDs and JSON schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from sp_cancel.feeds import (
    BASE_CURRENCY_CODES,
    AckItem,
    AckMessage,
    AdjustedItem,
    AdjustmentMessage,
    ListingsMessage,
    build_acknowledgement_feed,
    build_adjustment_feed,
    build_listings_feed,
    close_listing_patch,
    parse_processing_report,
)
from sp_cancel.models import CURRENCY_DECIMALS, AdjustmentReason, CancelReason, Money, PriceComponent

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.fixture(scope="session")
def order_schema(contracts_dir: Path) -> etree.XMLSchema:
    """Amazon's order-feed envelope schema (ack, adjustment, processing report)."""
    return etree.XMLSchema(etree.parse(str(contracts_dir / "xsd" / "order-feeds-envelope.xsd")))


@pytest.fixture(scope="session")
def listings_validator(contracts_dir: Path) -> jsonschema.Draft7Validator:
    """A validator for the JSON_LISTINGS_FEED v2 schema."""
    schema = json.loads((contracts_dir / "schemas" / "listings-feed-schema-v2.json").read_text())
    return jsonschema.Draft7Validator(schema)


def assert_valid(schema: etree.XMLSchema, document: bytes) -> None:
    """Validate ``document`` and show lxml's error log when it fails."""
    tree = etree.fromstring(document)
    assert schema.validate(tree), schema.error_log


@pytest.mark.parametrize(
    "name",
    [
        "ack_two_items.xml",
        "adjustment_refund.xml",
        "processing_report_mixed.xml",
        "processing_report_document_error.xml",
        "processing_report_success.xml",
    ],
)
def test_xml_samples_are_valid(order_schema: etree.XMLSchema, name: str) -> None:
    """Every golden XML document and report sample validates against the envelope XSD."""
    assert_valid(order_schema, (SAMPLES / name).read_bytes())


def test_listings_sample_is_valid(listings_validator: jsonschema.Draft7Validator) -> None:
    """The golden listings feed validates against listings-feed-schema-v2.json."""
    listings_validator.validate(json.loads((SAMPLES / "listings_close_delete.json").read_bytes()))


def test_amazon_listings_example_patch_matches(contracts_dir: Path) -> None:
    """close_listing_patch has the shape of the merge patch in Amazon's own feed example."""
    example = json.loads((contracts_dir / "schemas" / "listings-feed-schema-v2.example.json").read_text())
    merges = [m["patches"][0] for m in example["messages"] if m.get("patches") and m["patches"][0]["op"] == "merge"]
    (ours,) = close_listing_patch()
    assert any(m["path"] == ours["path"] and m["value"][0].keys() == ours["value"][0].keys() for m in merges)


def test_base_currency_codes_match_xsd(contracts_dir: Path) -> None:
    """BASE_CURRENCY_CODES is exactly amzn-base.xsd's BaseCurrencyCode enumeration."""
    base = etree.parse(str(contracts_dir / "xsd" / "amzn-base.xsd"))
    ns = {"xsd": "http://www.w3.org/2001/XMLSchema"}
    values = base.xpath("//xsd:simpleType[@name='BaseCurrencyCode']//xsd:enumeration/@value", namespaces=ns)
    assert set(values) == BASE_CURRENCY_CODES


def test_reason_enums_match_xsd(contracts_dir: Path) -> None:
    """CancelReason, AdjustmentReason and PriceComponent values are the XSD enumerations."""
    ns = {"xsd": "http://www.w3.org/2001/XMLSchema"}
    ack = etree.parse(str(contracts_dir / "xsd" / "OrderAcknowledgement.xsd"))
    adj = etree.parse(str(contracts_dir / "xsd" / "OrderAdjustment.xsd"))
    cancel = ack.xpath("//xsd:element[@name='CancelReason']//xsd:enumeration/@value", namespaces=ns)
    adjustment = adj.xpath("//xsd:element[@name='AdjustmentReason']//xsd:enumeration/@value", namespaces=ns)
    types = adj.xpath(
        "//xsd:complexType[@name='AdjustmentBuyerPrice']//xsd:element[@name='Type']//xsd:enumeration/@value",
        namespaces=ns,
    )
    assert set(cancel) == {r.value for r in CancelReason}
    assert set(adjustment) == {r.value for r in AdjustmentReason}
    assert set(types) == {c.value for c in PriceComponent}


def test_large_documents_are_valid(order_schema: etree.XMLSchema) -> None:
    """A 500-message acknowledgement with every reason validates."""
    reasons = list(CancelReason)
    messages = [
        AckMessage(
            message_id=i + 1,
            order_id=f"{i % 1000:03d}-{i:07d}-{i:07d}",
            status="Failure",
            items=tuple(
                AckItem(order_item_id=f"{i:010d}{j:04d}", reason=reasons[(i + j) % len(reasons)]) for j in range(2)
            ),
        )
        for i in range(500)
    ]
    assert_valid(order_schema, build_acknowledgement_feed("A1SELLERID", messages))


# --- property tests ---------------------------------------------------------------------------------

ORDER_IDS = st.from_regex(re.compile(r"[0-9A-Za-z]{3}-[0-9A-Za-z]{7}-[0-9A-Za-z]{7}"), fullmatch=True)
ITEM_IDS = st.from_regex(re.compile(r"[0-9]{14}"), fullmatch=True)
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    min_size=1,
    max_size=50,
).filter(lambda s: s.strip() != "")
SELLER = TEXT
MESSAGE_IDS = st.integers(min_value=1, max_value=10**20 - 1)
CURRENCIES = st.sampled_from(sorted(BASE_CURRENCY_CODES | {"AUD", "MXN", "SEK", "KWD", "BRL"}))


@st.composite
def ack_messages(draw: st.DrawFn) -> list[AckMessage]:
    """Random valid acknowledgement messages with unique ids."""
    ids = draw(st.lists(MESSAGE_IDS, min_size=1, max_size=5, unique=True))
    out = []
    for message_id in ids:
        status = draw(st.sampled_from(["Failure", "Success"]))
        item_ids = draw(st.lists(ITEM_IDS, max_size=4, unique=True))
        items = tuple(
            AckItem(
                order_item_id=item_id,
                reason=draw(st.sampled_from(list(CancelReason))) if status == "Failure" else None,
            )
            for item_id in item_ids
        )
        out.append(AckMessage(message_id=message_id, order_id=draw(ORDER_IDS), status=status, items=items))
    return out


@st.composite
def money(draw: st.DrawFn, currency: str) -> Money:
    """A random signed amount with at most the currency's (and the feed's) decimals."""
    decimals = min(2, CURRENCY_DECIMALS.get(currency, 2))
    cents = draw(st.integers(min_value=-(10**12), max_value=10**12))
    amount = f"{cents}" if decimals == 0 else f"{cents / 10**decimals:.{decimals}f}"
    return Money(amount=amount, currency=currency)


@st.composite
def adjustment_messages(draw: st.DrawFn) -> list[AdjustmentMessage]:
    """Random valid adjustment messages with unique message and adjustment ids."""
    ids = draw(st.lists(MESSAGE_IDS, min_size=1, max_size=4, unique=True))
    adjustment_ids = iter(draw(st.lists(TEXT, min_size=16, max_size=16, unique=True)))
    out = []
    for message_id in ids:
        currency = draw(CURRENCIES)
        items = []
        for item_id in draw(st.lists(ITEM_IDS, min_size=1, max_size=4, unique=True)):
            kinds = draw(st.lists(st.sampled_from(list(PriceComponent)), max_size=4, unique=True))
            cancelled = draw(st.none() | st.integers(min_value=1, max_value=99))
            if not kinds and cancelled is None:
                cancelled = 1
            items.append(
                AdjustedItem(
                    order_item_id=item_id,
                    merchant_adjustment_item_id=draw(st.none() | st.just(next(adjustment_ids))),
                    reason=draw(st.sampled_from(list(AdjustmentReason))),
                    components=tuple((kind, draw(money(currency))) for kind in kinds),
                    quantity_cancelled=cancelled,
                    quantity=draw(st.none() | st.integers(min_value=1, max_value=99)),
                )
            )
        out.append(AdjustmentMessage(message_id=message_id, order_id=draw(ORDER_IDS), items=tuple(items)))
    return out


@st.composite
def listings_messages(draw: st.DrawFn) -> list[ListingsMessage]:
    """Random valid PATCH/DELETE listings messages."""
    ids = draw(st.lists(st.integers(min_value=1, max_value=2**31 - 1), min_size=1, max_size=6, unique=True))
    out = []
    for message_id in ids:
        sku = draw(TEXT.filter(lambda s: len(s) <= 40))
        if draw(st.booleans()):
            out.append(ListingsMessage(message_id=message_id, sku=sku, operation="DELETE"))
        else:
            quantity = draw(st.integers(min_value=0, max_value=10_000))
            patch: dict[str, Any] = {
                "op": "merge",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
            }
            out.append(
                ListingsMessage(
                    message_id=message_id, sku=sku, operation="PATCH", product_type=draw(TEXT), patches=[patch]
                )
            )
    return out


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(seller=SELLER, messages=ack_messages())
def test_random_acknowledgements_are_valid(
    order_schema: etree.XMLSchema, seller: str, messages: list[AckMessage]
) -> None:
    """Any valid acknowledgement messages give an XSD-valid document."""
    assert_valid(order_schema, build_acknowledgement_feed(seller, messages))


@SETTINGS
@given(seller=SELLER, messages=adjustment_messages())
def test_random_adjustments_are_valid(
    order_schema: etree.XMLSchema, seller: str, messages: list[AdjustmentMessage]
) -> None:
    """Any valid adjustment messages give an XSD-valid document."""
    assert_valid(order_schema, build_adjustment_feed(seller, messages))


@SETTINGS
@given(seller=SELLER, messages=listings_messages())
def test_random_listings_are_valid(
    listings_validator: jsonschema.Draft7Validator, seller: str, messages: list[ListingsMessage]
) -> None:
    """Any valid listings messages give a schema-valid JSON document."""
    listings_validator.validate(json.loads(build_listings_feed(seller, messages, issue_locale="en_US")))


@SETTINGS
@given(messages=ack_messages())
def test_seller_and_results_round_trip(order_schema: etree.XMLSchema, messages: list[AckMessage]) -> None:
    """A processing report written for a built feed validates and parses back to its message ids."""
    results = "".join(
        f"<Result><MessageID>{m.message_id}</MessageID><ResultCode>Error</ResultCode>"
        f"<ResultMessageCode>18028</ResultMessageCode><ResultDescription>x</ResultDescription>"
        f"<AdditionalInfo><AmazonOrderID>{m.order_id}</AmazonOrderID></AdditionalInfo></Result>"
        for m in messages
    )
    report = (
        '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.02</DocumentVersion>'
        "<MerchantIdentifier>A1</MerchantIdentifier></Header><MessageType>ProcessingReport</MessageType>"
        "<Message><MessageID>1</MessageID><ProcessingReport><DocumentTransactionID>1</DocumentTransactionID>"
        f"<StatusCode>Complete</StatusCode>{results}</ProcessingReport></Message></AmazonEnvelope>"
    ).encode()
    assert_valid(order_schema, report)
    parsed = parse_processing_report(report)
    assert [r.message_id for r in parsed.results] == [m.message_id for m in messages]
    assert all(parsed.results_for(m.message_id)[0].order_id == m.order_id for m in messages)
