"""The Feed and Report bodies the simulator writes from one model (``_sim.processing``), member by member."""

from __future__ import annotations

from datetime import UTC, datetime

from sp_cancel.testing._sim.formats import iso
from sp_cancel.testing._sim.processing import document_json, processing_json
from sp_cancel.testing._sim.world import SimFeed, SimReport

T0 = datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=UTC)
T1 = datetime(2026, 11, 26, 12, 0, 20, tzinfo=UTC)


def test_iso_writes_seconds_by_default_and_milliseconds_when_asked() -> None:
    """One formatter: seconds for most APIs, milliseconds for the Feeds API."""
    assert iso(T0) == "2026-11-26T12:00:00Z"
    assert iso(T0, "milliseconds") == "2026-11-26T12:00:00.123Z"


def test_a_new_feed_has_only_the_required_members_in_amazons_order() -> None:
    """Optional members are left out until reached; the members keep the order Amazon writes."""
    feed = SimFeed("F1", "POST_ORDER_ACKNOWLEDGEMENT_DATA", ["ATVPDKIKX0DER"], "D1", T0)
    body = processing_json(
        feed, {"feedId": "F1", "feedType": feed.feed_type}, ("resultFeedDocumentId", None), "milliseconds"
    )
    assert list(body.items()) == [
        ("feedId", "F1"),
        ("feedType", "POST_ORDER_ACKNOWLEDGEMENT_DATA"),
        ("marketplaceIds", ["ATVPDKIKX0DER"]),
        ("createdTime", "2026-11-26T12:00:00.123Z"),
        ("processingStatus", "IN_QUEUE"),
    ]


def test_a_finished_report_puts_its_data_window_before_the_processing_times() -> None:
    """A report's data window sits between processingStatus and the processing times; unset dates are left out."""
    report = SimReport("R1", "GET_V2_SELLER_PERFORMANCE_REPORT", ["ATVPDKIKX0DER"], T0, data_end=T1, status="DONE")
    report.started_at, report.ended_at, report.document_id = T0, T1, "DOC1"
    window = {"dataStartTime": report.data_start, "dataEndTime": report.data_end}
    body = processing_json(
        report, {"reportId": "R1", "reportType": report.report_type}, ("reportDocumentId", "DOC1"), "seconds", window
    )
    assert list(body) == [
        "reportId",
        "reportType",
        "marketplaceIds",
        "createdTime",
        "processingStatus",
        "dataEndTime",
        "processingStartTime",
        "processingEndTime",
        "reportDocumentId",
    ]
    assert body["dataEndTime"] == body["processingEndTime"] == "2026-11-26T12:00:20Z"


def test_a_document_names_its_compression_only_when_compressed() -> None:
    """``compressionAlgorithm`` only for a compressed document."""
    assert document_json({"feedDocumentId": "D1"}, "u", None) == {"feedDocumentId": "D1", "url": "u"}
    assert document_json({"reportDocumentId": "D2"}, "u", "GZIP") == {
        "reportDocumentId": "D2",
        "url": "u",
        "compressionAlgorithm": "GZIP",
    }
