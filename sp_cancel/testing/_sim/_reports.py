"""Reports API 2021-06-30: ``createReport``, ``getReport``, ``getReportDocument``.

Reports wait ``sim.report_queue_time`` in ``IN_QUEUE``, process for
``sim.report_processing_time`` (both ÷ scale), then end ``DONE`` with a GZIP
document in ``world.documents`` (or ``CANCELLED`` when an orders report has no
rows, as Amazon does). https://developer-docs.amazon.com/sp-api/reference/createreport
"""

from __future__ import annotations

import gzip
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from sp_cancel.testing._sim._http import Router, SimRequest, SimResponse
from sp_cancel.testing._sim._report_docs import all_orders_tsv, seller_performance_json
from sp_cancel.testing._sim._state import SimFeedDocument, SimReport
from sp_cancel.testing._sim._util import invalid_input, iso, not_found, parse_iso

if TYPE_CHECKING:
    from sp_cancel.testing._sim._core import SimulatorCore

__all__ = ["REPORT_TYPES", "register", "tick"]

PERFORMANCE: Final = "GET_V2_SELLER_PERFORMANCE_REPORT"
BY_ORDER_DATE: Final = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
BY_LAST_UPDATE: Final = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
REPORT_TYPES: Final = frozenset({PERFORMANCE, BY_ORDER_DATE, BY_LAST_UPDATE})
_DEFAULT_SPAN: Final = timedelta(days=30)


def _finish(sim: SimulatorCore, report: SimReport) -> None:
    assert report.ended_at is not None  # noqa: S101 - set by the caller
    end = report.ended_at
    if report.report_type == PERFORMANCE:
        content, content_type = seller_performance_json(sim, report.marketplace_ids, end), "application/json"
    else:
        data_end = min(report.data_end or end, end)
        data_start = report.data_start or (data_end - _DEFAULT_SPAN)
        content, rows = all_orders_tsv(
            sim, report.marketplace_ids, data_start, data_end, by_last_update=report.report_type == BY_LAST_UPDATE
        )
        content_type = "text/tab-separated-values; charset=UTF-8"
        if rows == 0:
            report.status = "CANCELLED"
            return
    document_id = sim.new_id("document")
    sim.world.documents[document_id] = SimFeedDocument(
        document_id=document_id,
        content_type=content_type,
        created_at=end,
        content=gzip.compress(content, mtime=0),
        compression="GZIP",
    )
    report.document_id = document_id
    report.status = "DONE"


def tick(sim: SimulatorCore) -> None:
    """Advance reports: ``IN_QUEUE`` → ``IN_PROGRESS`` → ``DONE``/``CANCELLED`` on the simulator clock."""
    now = sim.now()
    for report in sim.world.reports.values():
        if report.status == "IN_QUEUE" and now >= report.created_at + sim.report_queue_time:
            report.status = "IN_PROGRESS"
            report.started_at = report.created_at + sim.report_queue_time
        if report.status == "IN_PROGRESS" and report.started_at is not None:
            done_at = report.started_at + sim.report_processing_time
            if now >= done_at:
                report.ended_at = done_at
                _finish(sim, report)


def create_report(sim: SimulatorCore, request: SimRequest) -> SimResponse:  # noqa: PLR0911 - one rule per check
    """``POST /reports/2021-06-30/reports`` → 202 ``{reportId}``."""
    try:
        body = request.json()
    except ValueError:
        return invalid_input("The request body is not valid JSON.")
    if not isinstance(body, dict):
        return invalid_input("The request body must be a CreateReportSpecification.")
    report_type = body.get("reportType")
    if not isinstance(report_type, str) or not report_type:
        return invalid_input("reportType is required.")
    if report_type not in REPORT_TYPES:
        return invalid_input(f"Invalid reportType: {report_type}.")
    marketplaces = body.get("marketplaceIds")
    if not isinstance(marketplaces, list) or not 1 <= len(marketplaces) <= 25:
        return invalid_input("marketplaceIds must hold 1 to 25 marketplace ids.")
    start_text, end_text = body.get("dataStartTime"), body.get("dataEndTime")
    start, end = parse_iso(start_text), parse_iso(end_text)
    if (start_text and start is None) or (end_text and end is None):
        return invalid_input("dataStartTime and dataEndTime must be ISO 8601 date-times.")
    if start is not None and end is not None and end < start:
        return invalid_input("dataEndTime must not be before dataStartTime.")
    report = SimReport(
        report_id=sim.new_id("report"),
        report_type=report_type,
        marketplace_ids=[str(m) for m in marketplaces],
        created_at=sim.now(),
        data_start=start,
        data_end=end,
    )
    sim.world.reports[report.report_id] = report
    return SimResponse(status=202, body={"reportId": report.report_id})


def get_report(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /reports/2021-06-30/reports/{reportId}``."""
    report = sim.world.reports.get(request.path_params["reportId"])
    if report is None:
        return not_found(f"Report {request.path_params['reportId']} not found.")
    body: dict[str, Any] = {
        "reportId": report.report_id,
        "reportType": report.report_type,
        "marketplaceIds": report.marketplace_ids,
        "createdTime": iso(report.created_at),
        "processingStatus": report.status,
    }
    if report.data_start is not None:
        body["dataStartTime"] = iso(report.data_start)
    if report.data_end is not None:
        body["dataEndTime"] = iso(report.data_end)
    if report.started_at is not None:
        body["processingStartTime"] = iso(report.started_at)
    if report.ended_at is not None:
        body["processingEndTime"] = iso(report.ended_at)
    if report.document_id is not None:
        body["reportDocumentId"] = report.document_id
    return SimResponse(status=200, body=body)


def get_report_document(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /reports/2021-06-30/documents/{reportDocumentId}`` → ``{reportDocumentId, url, compressionAlgorithm}``."""
    document_id = request.path_params["reportDocumentId"]
    known = any(r.document_id == document_id for r in sim.world.reports.values())
    document = sim.world.documents.get(document_id)
    if not known or document is None:
        return not_found(f"Report document {document_id} not found.")
    body: dict[str, Any] = {"reportDocumentId": document_id, "url": sim.document_url(document_id)}
    if document.compression:
        body["compressionAlgorithm"] = document.compression
    return SimResponse(status=200, body=body)


def register(router: Router) -> None:
    """Add the Reports routes."""
    router.add("POST", "/reports/2021-06-30/reports", "reports.createReport", create_report)
    router.add("GET", "/reports/2021-06-30/reports/{reportId}", "reports.getReport", get_report)
    router.add(
        "GET", "/reports/2021-06-30/documents/{reportDocumentId}", "reports.getReportDocument", get_report_document
    )
