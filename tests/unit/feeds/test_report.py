"""Processing report parsers: Amazon-shaped reports, listings reports, hostile and broken input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sp_cancel._outcomes import ProcessingMessage
from sp_cancel.feeds import ReportParseError, parse_listings_report, parse_processing_report

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def report_xml(results: str = "", summary: str | None = None, status: str = "Complete") -> bytes:
    """An Amazon-shaped ProcessingReport envelope around ``results``."""
    summary_xml = "" if summary is None else f"<ProcessingSummary>{summary}</ProcessingSummary>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.02</DocumentVersion>'
        "<MerchantIdentifier>A1</MerchantIdentifier></Header><MessageType>ProcessingReport</MessageType>"
        "<Message><MessageID>1</MessageID><ProcessingReport><DocumentTransactionID>7</DocumentTransactionID>"
        f"<StatusCode>{status}</StatusCode>{summary_xml}{results}</ProcessingReport></Message></AmazonEnvelope>"
    ).encode()


def test_mixed_report() -> None:
    """Errors and warnings carry message id, code, severity, description and AdditionalInfo."""
    report = parse_processing_report((SAMPLES / "processing_report_mixed.xml").read_bytes())
    assert report.document_transaction_id == "50123019999"
    assert report.status_code == "Complete"
    assert report.complete
    assert (report.messages_processed, report.messages_successful) == (4, 2)
    assert (report.messages_with_error, report.messages_with_warning) == (1, 1)
    error, warning = report.results
    assert error == ProcessingMessage(
        code="18028",
        severity="ERROR",
        description="Your order cannot be found using Merchant ID A1SELLERID and Merchant Order "
        "112-7654321-7654321 & item 22345678901234.",
        message_id=2,
        order_id="112-7654321-7654321",
        order_item_id="22345678901234",
    )
    assert warning.severity == "WARNING"
    assert warning.sku == "MY-SKU-3"
    assert warning.order_item_id is None
    assert report.results_for(2) == (error,)
    assert report.errors == (error,)


def test_success_has_no_results() -> None:
    """A message with no Result succeeded: no results, not failed."""
    report = parse_processing_report((SAMPLES / "processing_report_success.xml").read_bytes())
    assert report.results == ()
    assert report.results_for(1) == ()
    assert not report.failed(1)


def test_warning_only_message_is_not_failed() -> None:
    """A message with only warnings was applied."""
    report = parse_processing_report((SAMPLES / "processing_report_mixed.xml").read_bytes())
    assert not report.failed(3)
    assert report.failed(2)
    assert not report.failed(1)


def test_document_level_error() -> None:
    """MessageID 0 (error 5000) is a document-level result that fails every message."""
    report = parse_processing_report((SAMPLES / "processing_report_document_error.xml").read_bytes())
    (result,) = report.document_results
    assert (result.message_id, result.code, result.severity) == (0, "5000", "ERROR")
    assert report.failed(1)
    assert report.failed(99)


def test_rejected_status_fails_every_message() -> None:
    """A Rejected report fails every message even without results."""
    report = parse_processing_report(report_xml(status="Rejected"))
    assert report.failed(1)
    assert not report.complete


def test_bare_report_and_namespaces() -> None:
    """A bare ProcessingReport root and a namespaced envelope both parse."""
    bare = (
        b"<ProcessingReport><DocumentTransactionID>9</DocumentTransactionID>"
        b"<StatusCode>Processing</StatusCode></ProcessingReport>"
    )
    assert parse_processing_report(bare).status_code == "Processing"
    namespaced = report_xml().replace(b"<AmazonEnvelope>", b'<AmazonEnvelope xmlns="urn:x">')
    assert parse_processing_report(namespaced).document_transaction_id == "7"


def test_missing_summary_and_unknown_result_code() -> None:
    """No ProcessingSummary gives None counts; an unknown ResultCode is kept as INFO."""
    result = (
        "<Result><MessageID>4</MessageID><ResultCode>Notice</ResultCode>"
        "<ResultMessageCode>1</ResultMessageCode><ResultDescription>fyi</ResultDescription></Result>"
    )
    report = parse_processing_report(report_xml(result))
    assert report.messages_processed is None
    assert report.results[0].severity == "INFO"
    assert not report.failed(4)


def test_latin1_report() -> None:
    """An ISO-8859-1 declared report decodes through its declaration."""
    data = report_xml(
        "<Result><MessageID>1</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>8</ResultMessageCode>"
        "<ResultDescription>Bestellung ung\xfcltig</ResultDescription></Result>"
    )
    data = data.decode().replace("UTF-8", "ISO-8859-1").encode("latin-1")
    assert parse_processing_report(data).results[0].description == "Bestellung ungültig"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml",
        b"<AmazonEnvelope><Message>",
        b'{"header": {}}',
        b"<AmazonEnvelope><MessageType>OrderAcknowledgement</MessageType></AmazonEnvelope>",
        b"<ProcessingReport><StatusCode>Complete</StatusCode></ProcessingReport>",
        b"<ProcessingReport><DocumentTransactionID>1</DocumentTransactionID></ProcessingReport>",
        report_xml(summary="<MessagesProcessed>x</MessagesProcessed>"),
        report_xml("<Result><MessageID>one</MessageID><ResultCode>Error</ResultCode></Result>"),
    ],
)
def test_unreadable_reports(data: bytes) -> None:
    """Malformed or foreign documents raise ReportParseError (a ValueError)."""
    with pytest.raises(ReportParseError):
        parse_processing_report(data)
    assert issubclass(ReportParseError, ValueError)


def test_non_bytes_refused() -> None:
    """A str is refused: reports are bytes as downloaded."""
    with pytest.raises(ReportParseError):
        parse_processing_report("<ProcessingReport/>")  # type: ignore[arg-type]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ProcessingReport><DocumentTransactionID>1</DocumentTransactionID><StatusCode>Complete</StatusCode>
<Result><MessageID>1</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>1</ResultMessageCode>
<ResultDescription>&lol9;</ResultDescription></Result></ProcessingReport>"""


def test_billion_laughs_refused() -> None:
    """Entity-expansion bombs are refused before anything expands."""
    with pytest.raises(ReportParseError, match=r"DOCTYPE|entity"):
        parse_processing_report(BILLION_LAUGHS)


def test_external_entity_refused(tmp_path: Path) -> None:
    """An external entity (XXE) is refused and the file is never read."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        "<ProcessingReport><DocumentTransactionID>1</DocumentTransactionID><StatusCode>Complete</StatusCode>"
        "<Result><MessageID>1</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>1</ResultMessageCode>"
        "<ResultDescription>&xxe;</ResultDescription></Result></ProcessingReport>"
    ).encode()
    with pytest.raises(ReportParseError):
        parse_processing_report(data)


def test_doctype_hidden_by_encoding_refused() -> None:
    """A DOCTYPE hidden from the byte scan by UTF-16 is still refused after parsing."""
    data = BILLION_LAUGHS.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>')
    with pytest.raises(ReportParseError):
        parse_processing_report(data.decode().encode("utf-16"))


def test_undefined_entity_refused() -> None:
    """A reference to an undeclared entity is malformed XML."""
    data = report_xml(
        "<Result><MessageID>1</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>1</ResultMessageCode>"
        "<ResultDescription>&nope;</ResultDescription></Result>"
    )
    with pytest.raises(ReportParseError):
        parse_processing_report(data)


# --- listings JSON report ---------------------------------------------------------------------------


def test_listings_report() -> None:
    """Summary counts and issues (message id, sku, code, severity) are read; feed-level issues kept apart."""
    report = parse_listings_report((SAMPLES / "listings_report_mixed.json").read_bytes())
    assert report.feed_id == "amzn1.spfeed.1.na.1234567890"
    assert report.seller_id == "A1SELLERID"
    assert (report.errors, report.warnings) == (2, 1)
    assert (report.messages_processed, report.messages_accepted, report.messages_invalid) == (3, 2, 1)
    (error,) = report.results_for(2)
    assert (error.code, error.severity, error.sku, error.message_id) == ("4000003", "ERROR", "MY-SKU-2", 2)
    (warning,) = report.results_for(3)
    assert "batteries_required" in warning.description
    (document_issue,) = report.document_issues
    assert document_issue.code == ""
    assert document_issue.message_id is None
    assert report.failed(3)  # the feed-level error touches every message


def test_listings_report_amazon_example() -> None:
    """A report shaped like Amazon's example (with items) parses."""
    data = {
        "header": {"sellerId": "AXXXXXXXXXXXX", "version": "2.0", "feedId": "1234567890"},
        "issues": [{"messageId": 4, "sku": "My-SKU-B", "code": "90220", "severity": "ERROR", "message": "x"}],
        "summary": {"errors": 1, "warnings": 0, "messagesProcessed": 4, "messagesAccepted": 3, "messagesInvalid": 1},
        "items": [{"sku": "My-SKU-B"}],
    }
    report = parse_listings_report(json.dumps(data).encode())
    assert report.failed(4)
    assert not report.failed(1)


SUMMARY_OK = (
    b'{"header": {"feedId": "1"}, "summary": {"errors": 0, "warnings": 0, "messagesProcessed": 0, '
    b'"messagesAccepted": 0, "messagesInvalid": 0}, "issues": ISSUES}'
)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<xml/>",
        b"[]",
        b'{"header": {"feedId": "1"}}',
        b'{"header": {}, "summary": {}, "issues": []}',
        b'{"header": {"feedId": "1"}, "summary": {"errors": -1}, "issues": []}',
        SUMMARY_OK.replace(b"ISSUES", b'[{"severity": "FATAL", "message": "x"}]'),
        SUMMARY_OK.replace(b"ISSUES", b'["x"]'),
        SUMMARY_OK.replace(b"ISSUES", b'[{"severity": "ERROR", "message": "x", "messageId": "one"}]'),
        b"[" * 100_000,
    ],
)
def test_unreadable_listings_reports(data: bytes) -> None:
    """Non-JSON or mis-shaped listings reports raise ReportParseError."""
    with pytest.raises(ReportParseError):
        parse_listings_report(data)
