"""Order feeds in the simulator: schema rules, business rules, the ProcessingReport."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from feeds_support import (
    ACK,
    ADJ,
    SELLER,
    START,
    StubSim,
    ack,
    add_order,
    adjusted_item,
    adjustment,
    contracts_dir,
    envelope,
    make_item,
)
from lxml import etree

from sp_cancel.testing._sim.order_feed_schema import validate_envelope
from sp_cancel.testing._sim.order_feeds import ReportResult, process_order_feed, render_processing_report
from sp_cancel.testing._sim.world import SimFeed

ORDER = "112-1234567-1234567"


def _feed(feed_type: str = ACK) -> SimFeed:
    return SimFeed("50000000777", feed_type, ["ATVPDKIKX0DER"], "doc", START)


def _run(sim: StubSim, feed_type: str, messages: list[str], **kw: str) -> etree._Element:
    content = envelope("OrderAcknowledgement" if feed_type == ACK else "OrderAdjustment", messages, **kw)
    result = process_order_feed(sim, _feed(feed_type), content, START)  # type: ignore[arg-type]
    return etree.fromstring(result.report)


def _summary(report: etree._Element) -> tuple[int, int, int]:
    s = report.find("Message/ProcessingReport/ProcessingSummary")
    assert s is not None
    return (
        int(s.findtext("MessagesProcessed") or -1),
        int(s.findtext("MessagesSuccessful") or -1),
        int(s.findtext("MessagesWithError") or -1),
    )


def _codes(report: etree._Element) -> list[tuple[int, int]]:
    return [
        (int(r.findtext("MessageID") or -1), int(r.findtext("ResultMessageCode") or -1))
        for r in report.iterfind("Message/ProcessingReport/Result")
    ]


def _description(report: etree._Element) -> str:
    return report.findtext("Message/ProcessingReport/Result/ResultDescription") or ""


# --------------------------------------------------------------------------- acknowledgement


def test_ack_failure_cancels_unshipped_order() -> None:
    """StatusCode=Failure cancels the whole order, records who/why/when, and reports no Result."""
    sim = StubSim()
    order = add_order(sim, items=[make_item(ordered=3)])
    report = _run(sim, ACK, [ack(ORDER)])
    assert _summary(report) == (1, 1, 0)
    assert _codes(report) == []
    assert order.status == "Canceled"
    assert order.cancelled_by == "MERCHANT"
    assert order.cancel_reason == "NoInventory"
    assert order.cancelled_at == START
    assert order.items[0].quantity_cancelled == 3
    assert order.items[0].quantity_unshipped == 0
    assert sim.world.ledger == [("50000000777", 1, ORDER, "cancelled:NoInventory")]


def test_ack_success_marks_acknowledged_only() -> None:
    """StatusCode=Success acknowledges without cancelling."""
    sim = StubSim()
    order = add_order(sim)
    report = _run(sim, ACK, [ack(ORDER, "Success", items=[])])
    assert _summary(report) == (1, 1, 0)
    assert order.acknowledged
    assert order.status == "Unshipped"


def test_ack_unknown_order_is_18028() -> None:
    """An unknown order gives Amazon's 18028 with the order in AdditionalInfo."""
    sim = StubSim()
    report = _run(sim, ACK, [ack("999-9999999-9999999")])
    assert _codes(report) == [(1, 18028)]
    assert "cannot be found using Merchant ID" in _description(report)
    assert report.findtext("Message/ProcessingReport/Result/AdditionalInfo/AmazonOrderID") == "999-9999999-9999999"
    assert _summary(report) == (1, 0, 1)


@pytest.mark.parametrize(("status", "code"), [("Pending", 90205), ("Canceled", 90206)])
def test_ack_failure_refused_when_pending_or_cancelled(status: str, code: int) -> None:
    """Ack Failure on a Pending or Canceled order is refused with its own simulator code."""
    sim = StubSim()
    order = add_order(sim, status=status, items=[make_item(ordered=2, shipped=1)])
    report = _run(sim, ACK, [ack(ORDER)])
    assert _codes(report) == [(1, code)]
    assert order.status == status
    assert order.items[0].quantity_cancelled == 0
    assert sim.world.ledger == []


@pytest.mark.parametrize("status", ["Shipped", "PartiallyShipped"])
def test_ack_failure_after_a_ship_confirm_refunds_the_whole_order(status: str) -> None:
    """Amazon's race (facts §3.1): a Failure for an order that shipped meanwhile is acted on, silently.

    The unshipped units are cancelled and the entire order amount is refunded; the report shows no error.
    """
    sim = StubSim()
    order = add_order(sim, status=status, items=[make_item(ordered=2, shipped=1)])
    charged = dict(order.items[0].charged)
    report = _run(sim, ACK, [ack(ORDER)])
    assert _codes(report) == []
    assert order.status == "Shipped"
    assert order.items[0].quantity_cancelled == 1
    assert order.items[0].refunded == charged
    assert sum(r.amount for r in sim.world.refunds) == sum(charged.values())
    assert sim.world.ledger[-1][3] == "refunded_whole_order"


def test_ack_failure_on_afn_order_refused() -> None:
    """Amazon-fulfilled orders cannot be cancelled by the seller."""
    sim = StubSim()
    order = add_order(sim, channel="AFN")
    report = _run(sim, ACK, [ack(ORDER)])
    assert _codes(report) == [(1, 90202)]
    assert order.status == "Unshipped"


def test_ack_item_not_in_order_refused() -> None:
    """An Item that is not part of the order fails the message and nothing is cancelled."""
    sim = StubSim()
    order = add_order(sim)
    report = _run(sim, ACK, [ack(ORDER, items=[("12345678901234", "NoInventory"), ("99999999999999", "NoInventory")])])
    assert _codes(report) == [(1, 90201)]
    assert report.findtext("Message/ProcessingReport/Result/AdditionalInfo/AmazonOrderItemCode") == "99999999999999"
    assert order.status == "Unshipped"


def test_mixed_feed_applies_good_messages() -> None:
    """One failing message does not stop the others."""
    sim = StubSim()
    add_order(sim)
    other = add_order(sim, "113-1234567-1234567", status="Pending")
    report = _run(sim, ACK, [ack(ORDER), ack(other.order_id), ack("114-0000000-0000000")])
    assert _summary(report) == (3, 1, 2)
    assert _codes(report) == [(2, 90205), (3, 18028)]
    assert sim.world.orders[ORDER].status == "Canceled"


# --------------------------------------------------------------------------- document-level rejection


def _rejected(sim: StubSim, content: bytes, feed_type: str = ACK) -> str:
    result = process_order_feed(sim, _feed(feed_type), content, START)  # type: ignore[arg-type]
    report = etree.fromstring(result.report)
    assert _codes(report) == [(0, 5000)]
    assert _summary(report) == (0, 0, 1)
    assert sim.world.ledger == []
    return _description(report)


def test_malformed_xml_is_5000_with_position() -> None:
    """Unparseable XML is rejected with 5000 and an 'XML Parsing Error at Line N, Column M' text."""
    sim = StubSim()
    add_order(sim)
    text = _rejected(sim, envelope("OrderAcknowledgement", [ack(ORDER)]).replace(b"</Header>", b"</Heder>"))
    assert text.startswith("XML Parsing Error at Line 3, Column ")


def test_element_order_violation_is_5000() -> None:
    """StatusCode before AmazonOrderID breaks the xsd:sequence and rejects the document."""
    sim = StubSim()
    order = add_order(sim)
    body = (
        f"<OrderAcknowledgement><StatusCode>Failure</StatusCode><AmazonOrderID>{ORDER}</AmazonOrderID>"
        "</OrderAcknowledgement>"
    )
    text = _rejected(sim, envelope("OrderAcknowledgement", [body]))
    assert "cvc-complex-type.2.4.a" in text
    assert "'StatusCode'" in text
    assert "Line 5" in text
    assert order.status == "Unshipped"


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        (b"NoInventory", b"OutOfStock", "cvc-enumeration-valid"),
        (b"<AmazonOrderItemCode>12345678901234", b"<AmazonOrderItemCode>1234567890123", "cvc-pattern-valid"),
        (b"112-1234567-1234567", b"112-1234567_1234567", "cvc-pattern-valid"),
        (b"<DocumentVersion>1.01", b"<DocumentVersion>1.001", "cvc-pattern-valid"),
        (b"<MessageID>1</MessageID>", b"<MessageID>0</MessageID>", "cvc-minInclusive-valid"),
        (b"<MessageType>OrderAcknowledgement</MessageType>\n", b"", "cvc-complex-type.2.4.a"),
        (b"<StatusCode>Failure</StatusCode>", b"", "cvc-complex-type.2.4.a"),
        (b"<Item>", b'<Item foo="1">', "cvc-complex-type.3.2.2"),
        (b"<Item>", b"<Item>text", "cvc-complex-type.2.3"),
        (b"<AmazonEnvelope ", b"<Envelope ", "cvc-elt.1"),
    ],
)
def test_schema_violations_are_5000(old: bytes, new: bytes, needle: str) -> None:
    """Enumerations, patterns, required elements, attributes and stray text are all enforced."""
    sim = StubSim()
    add_order(sim)
    content = envelope("OrderAcknowledgement", [ack(ORDER)]).replace(old, new, 1)
    if old == b"<AmazonEnvelope ":
        content = content.replace(b"</AmazonEnvelope>", b"</Envelope>")
    assert needle in _rejected(sim, content)


@pytest.mark.parametrize(
    ("components", "currency", "needle"),
    [
        ([("Principal", "1.555")], "USD", "cvc-fractionDigits-valid"),
        ([("Principal", "123456789012345678901")], "USD", "cvc-totalDigits-valid"),
        ([("Principal", "1e3")], "USD", "cvc-datatype-valid"),
        ([("Principal", "5.00")], "AUD", "cvc-enumeration-valid"),
        ([("Fee", "5.00")], "USD", "cvc-enumeration-valid"),
    ],
)
def test_amount_rules_are_5000(components: list[tuple[str, str]], currency: str, needle: str) -> None:
    """Amount is a decimal with <= 2 fraction digits, <= 20 digits, currency from BaseCurrencyCode."""
    sim = StubSim()
    add_order(sim, items=[make_item(shipped=2)])
    item = adjusted_item(components=components, currency=currency)
    assert needle in _rejected(sim, envelope("OrderAdjustment", [adjustment(ORDER, item)]), ADJ)


def test_quantity_cancelled_must_be_positive() -> None:
    """QuantityCancelled is an xsd:positiveInteger."""
    sim = StubSim()
    add_order(sim)
    item = adjusted_item(reason="NoInventory", quantity_cancelled=0)
    assert "cvc-minInclusive-valid" in _rejected(sim, envelope("OrderAdjustment", [adjustment(ORDER, item)]), ADJ)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (envelope("OrderAcknowledgement", [ack(ORDER)], seller="A2OTHER"), "MerchantIdentifier"),
        (envelope("OrderAdjustment", [adjustment(ORDER, adjusted_item())]), "MessageType"),
        (
            envelope("OrderAcknowledgement", [ack(ORDER), ack(ORDER)]).replace(
                b"<MessageID>2</MessageID>", b"<MessageID>1</MessageID>"
            ),
            "more than once",
        ),
        (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><AmazonEnvelope/>', "DOCTYPE is disallowed"),
        (b'{"header": {}}', "XML Parsing Error at Line 1"),
    ],
)
def test_document_rules_are_5000(content: bytes, needle: str) -> None:
    """Wrong seller, wrong MessageType, duplicate MessageID, DOCTYPE and non-XML reject the document."""
    sim = StubSim()
    add_order(sim)
    assert needle in _rejected(sim, content)
    assert sim.world.orders[ORDER].status == "Unshipped"


def test_authored_examples_are_valid() -> None:
    """The facts document's example feeds pass the validator."""
    example = envelope("OrderAcknowledgement", [ack(ORDER, items=[("12345678901234", "NoInventory")])])
    root, problem = validate_envelope(example)
    assert problem is None
    assert root is not None


# --------------------------------------------------------------------------- adjustment: quantities


def test_partial_then_full_unit_cancel() -> None:
    """QuantityCancelled reduces the unshipped units; cancelling the last one cancels the order."""
    sim = StubSim()
    order = add_order(sim)
    first = _run(sim, ADJ, [adjustment(ORDER, adjusted_item(reason="NoInventory", quantity_cancelled=1))])
    assert _codes(first) == []
    assert order.items[0].quantity_unshipped == 1
    assert order.status == "Unshipped"
    second = _run(sim, ADJ, [adjustment(ORDER, adjusted_item(reason="NoInventory", quantity_cancelled=1))])
    assert _codes(second) == []
    assert order.status == "Canceled"
    assert order.cancelled_by == "MERCHANT"
    assert order.cancel_reason == "NoInventory"
    assert [entry[3] for entry in sim.world.ledger] == ["units_cancelled:12345678901234:1"] * 2


def test_quantity_cancelled_beyond_unshipped_refused() -> None:
    """Cancelling more units than are unshipped is refused and changes nothing."""
    sim = StubSim()
    order = add_order(sim, status="PartiallyShipped", items=[make_item(ordered=3, shipped=2)])
    report = _run(sim, ADJ, [adjustment(ORDER, adjusted_item(reason="NoInventory", quantity_cancelled=2))])
    assert _codes(report) == [(1, 90210)]
    assert order.items[0].quantity_cancelled == 0


def test_cancel_rest_of_partially_shipped_order_makes_it_shipped() -> None:
    """Shipped units plus cancelled rest leave the order Shipped, not Canceled."""
    sim = StubSim()
    order = add_order(sim, status="PartiallyShipped", items=[make_item(ordered=3, shipped=2)])
    report = _run(sim, ADJ, [adjustment(ORDER, adjusted_item(reason="CustomerCancel", quantity_cancelled=1))])
    assert _codes(report) == []
    assert order.status == "Shipped"
    assert order.cancelled_by is None


def test_quantity_cancel_on_shipped_order_refused() -> None:
    """A Shipped order has nothing left to cancel."""
    sim = StubSim()
    add_order(sim, status="Shipped", items=[make_item(ordered=2, shipped=2)])
    report = _run(sim, ADJ, [adjustment(ORDER, adjusted_item(reason="NoInventory", quantity_cancelled=1))])
    assert _codes(report) == [(1, 90211)]


# --------------------------------------------------------------------------- adjustment: refunds


def test_refund_applied_and_posted_later() -> None:
    """A refund on a shipped item lands in item.refunded and world.refunds with the posting delay."""
    sim = StubSim()
    order = add_order(sim, status="Shipped", items=[make_item(shipped=2)])
    item = adjusted_item(components=[("Principal", "5.00"), ("Tax", "0.40")], adjustment_id="adj-1")
    report = _run(sim, ADJ, [adjustment(ORDER, item)])
    assert _codes(report) == []
    assert order.items[0].refunded == {"Principal": Decimal("5.00"), "Tax": Decimal("0.40")}
    assert [(r.component, r.amount, r.adjustment_item_id) for r in sim.world.refunds] == [
        ("Principal", Decimal("5.00"), "adj-1"),
        ("Tax", Decimal("0.40"), "adj-1"),
    ]
    assert all(r.posted_at == START + timedelta(hours=2) for r in sim.world.refunds)
    assert all(r.feed_id == "50000000777" and r.currency == "USD" for r in sim.world.refunds)


def test_refund_cap_per_component() -> None:
    """After refunding 15 of a 20 Principal, 6 more is refused (Amazon's exceeds text) but 5 is fine."""
    sim = StubSim()
    order = add_order(sim, status="Shipped", items=[make_item(shipped=2)])
    _run(sim, ADJ, [adjustment(ORDER, adjusted_item(components=[("Principal", "15.00")]))])
    refused = _run(sim, ADJ, [adjustment(ORDER, adjusted_item(components=[("Principal", "6.00")]))])
    assert _codes(refused) == [(1, 90212)]
    assert "The requested refund amount exceeds the amount that can be refunded" in _description(refused)
    tax = _run(sim, ADJ, [adjustment(ORDER, adjusted_item(components=[("Tax", "1.61")]))])
    assert _codes(tax) == [(1, 90212)]
    ok = _run(sim, ADJ, [adjustment(ORDER, adjusted_item(components=[("Principal", "5.00")]))])
    assert _codes(ok) == []
    assert order.items[0].refunded["Principal"] == Decimal("20.00")


def test_refund_cap_is_net_of_promotions() -> None:
    """A 20.00 Principal with a 4.00 promotion: the buyer paid 16.00, so 16.01 is Amazon's 'exceeds' error."""
    sim = StubSim()
    order = add_order(sim, status="Shipped", items=[make_item(shipped=2)])
    order.items[0].discounts["Principal"] = Decimal("4.00")
    refused = _run(sim, ADJ, [adjustment(ORDER, adjusted_item(components=[("Principal", "16.01")]))])
    assert _codes(refused) == [(1, 90212)]
    ok = _run(sim, ADJ, [adjustment(ORDER, adjusted_item(components=[("Principal", "16.00")]))])
    assert _codes(ok) == []


def test_refund_cap_per_item_for_untracked_types() -> None:
    """Goodwill has no charge of its own but cannot exceed what is left on the item."""
    sim = StubSim()
    add_order(sim, status="Shipped", items=[make_item(shipped=2)])
    refused = _run(sim, ADJ, [adjustment(ORDER, adjusted_item(components=[("Goodwill", "25.61")]))])
    assert _codes(refused) == [(1, 90212)]
    ok = _run(sim, ADJ, [adjustment(ORDER, adjusted_item(components=[("Goodwill", "25.60")]))])
    assert _codes(ok) == []


def test_refund_currency_mismatch_refused() -> None:
    """The currency attribute must be the order's currency."""
    sim = StubSim()
    add_order(sim, status="Shipped", items=[make_item(shipped=2)])
    report = _run(sim, ADJ, [adjustment(ORDER, adjusted_item(components=[("Principal", "5.00")], currency="EUR"))])
    assert _codes(report) == [(1, 90214)]
    assert sim.world.refunds == []


def test_refund_on_afn_order_refused() -> None:
    """AFN orders cannot be refunded from the seller account."""
    sim = StubSim()
    add_order(sim, status="Shipped", channel="AFN", items=[make_item(shipped=2)])
    report = _run(sim, ADJ, [adjustment(ORDER, adjusted_item(components=[("Principal", "5.00")]))])
    assert _codes(report) == [(1, 90213)]
    assert "Fulfilled by Amazon and cannot be refunded from within your seller account" in _description(report)


def test_net_must_be_credit() -> None:
    """A restocking fee larger than the refund is not a credit to the buyer."""
    sim = StubSim()
    add_order(sim, status="Shipped", items=[make_item(shipped=2)])
    report = _run(
        sim, ADJ, [adjustment(ORDER, adjusted_item(components=[("Principal", "2.00"), ("RestockingFee", "-4.00")]))]
    )
    assert _codes(report) == [(1, 90215)]


def test_refund_on_unshipped_item_refused() -> None:
    """Price refunds need a ship-confirm first (the simulator refuses instead of leaving them pending)."""
    sim = StubSim()
    add_order(sim)
    report = _run(sim, ADJ, [adjustment(ORDER, adjusted_item(components=[("Principal", "5.00")]))])
    assert _codes(report) == [(1, 90216)]


def test_duplicate_adjustment_id_applied_twice() -> None:
    """Amazon documents no duplicate protection: the same MerchantAdjustmentItemID refunds twice."""
    sim = StubSim()
    add_order(sim, status="Shipped", items=[make_item(shipped=2)])
    message = adjustment(ORDER, adjusted_item(components=[("Principal", "5.00")], adjustment_id="same"))
    _run(sim, ADJ, [message])
    _run(sim, ADJ, [message])
    assert [r.adjustment_item_id for r in sim.world.refunds] == ["same", "same"]


def test_message_is_atomic() -> None:
    """When one AdjustedItem fails, the other items of the message are not applied either."""
    sim = StubSim()
    order = add_order(sim, status="Shipped", items=[make_item(shipped=2), make_item("12345678901235", shipped=2)])
    items = [
        adjusted_item(components=[("Principal", "5.00")]),
        adjusted_item("12345678901235", components=[("Principal", "50.00")]),
    ]
    report = _run(sim, ADJ, [adjustment(ORDER, *items)])
    assert _codes(report) == [(1, 90212)]
    assert order.items[0].refunded == {}


def test_unknown_item_in_adjustment() -> None:
    """An AdjustedItem that is not in the order is refused."""
    sim = StubSim()
    add_order(sim, status="Shipped", items=[make_item(shipped=2)])
    report = _run(sim, ADJ, [adjustment(ORDER, adjusted_item("99999999999999", components=[("Principal", "1.00")]))])
    assert _codes(report) == [(1, 90201)]


# --------------------------------------------------------------------------- report


def _xsd() -> etree.XMLSchema:
    root = contracts_dir()
    return etree.XMLSchema(etree.parse(str(root / "xsd" / "order-feeds-envelope.xsd")))


def test_reports_validate_against_xsd() -> None:
    """Success, per-message error and document-level error reports all validate against the envelope XSD."""
    schema = _xsd()
    sim = StubSim()
    add_order(sim)
    reports = [
        _run(sim, ACK, [ack(ORDER)]),
        _run(sim, ACK, [ack(ORDER), ack("999-9999999-9999999")]),
        etree.fromstring(
            process_order_feed(sim, _feed(), b"<nope", START).report  # type: ignore[arg-type]
        ),
    ]
    for report in reports:
        assert schema.validate(report), schema.error_log
    assert reports[0].findtext("Header/MerchantIdentifier") == SELLER
    assert reports[0].findtext("Header/DocumentVersion") == "1.02"
    assert reports[0].findtext("MessageType") == "ProcessingReport"
    assert reports[0].findtext("Message/ProcessingReport/DocumentTransactionID") == "50000000777"
    assert reports[0].findtext("Message/ProcessingReport/StatusCode") == "Complete"


def test_report_writer_escapes_and_validates_itself() -> None:
    """Descriptions are XML-escaped and the writer's output passes our own XSD mirror."""
    report = render_processing_report(
        SELLER, "50000000001", 1, [ReportResult(1, 18028, "a < b & c", order_id=ORDER)], messages_with_error=1
    )
    parsed = etree.fromstring(report)
    assert parsed.findtext("Message/ProcessingReport/Result/ResultDescription") == "a < b & c"
    _record, problem = validate_envelope(report)
    assert problem is None


def test_ten_thousand_messages_well_under_a_second() -> None:
    """A 10,000-message cancel feed is validated, applied and reported in well under a second."""
    sim = StubSim()
    messages = []
    for n in range(10_000):
        order_id = f"112-{n:07d}-0000000"
        add_order(sim, order_id, items=[make_item(f"{n:014d}")])
        messages.append(ack(order_id, items=[(f"{n:014d}", "NoInventory")]))
    content = envelope("OrderAcknowledgement", messages)
    started = time.process_time()  # CPU time: robust to a busy machine, still "no real sleeps"
    result = process_order_feed(sim, _feed(), content, START)  # type: ignore[arg-type]
    elapsed = time.process_time() - started
    assert result.processed == 10_000
    assert result.errors == 0
    assert all(o.status == "Canceled" for o in sim.world.orders.values())
    assert elapsed < 1.0, f"took {elapsed:.2f}s"
