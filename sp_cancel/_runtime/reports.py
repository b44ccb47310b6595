"""The Reports API lifecycle: create a report, wait for it, download (and gunzip) its document.

The wait follows the processing time learned for the report type (``ctx.runner.cadence``, shared with the
feed runner: see ``sp_cancel._runtime.cadence``), bounded below by ``getReport``'s usage plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final

from sp_cancel.errors import ReportError, ReportTimeoutError

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context
    from sp_cancel.transport import Report

__all__ = ["fetch_report", "run_report"]

_POLL_MAX: Final = 120.0


def _took(report: Report, waited: float) -> float:
    """How long a DONE report took: Amazon's ``createdTime`` to ``processingEndTime``, else the time waited."""
    if report.processing_end_time is None:
        return waited
    return (report.processing_end_time - report.created_time).total_seconds()


def run_report(
    ctx: Context,
    report_type: str,
    *,
    marketplace_ids: Sequence[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    timeout: float = 1800.0,
    inflate: bool = True,
) -> bytes:
    """Request ``report_type``, wait for it and return its document.

    Args:
        ctx: the client's context (API, clock, sleep).
        report_type: e.g. ``GET_V2_SELLER_PERFORMANCE_REPORT``.
        marketplace_ids: default: the client's marketplace.
        start: ``dataStartTime``, when the report takes one.
        end: ``dataEndTime``, when the report takes one.
        timeout: seconds to wait for ``DONE``.
        inflate: gunzip a ``GZIP`` document here; ``False`` returns the bytes as downloaded (still compressed),
            for a parser that inflates them chunk by chunk (the All Orders report: memory holds the compressed
            document, not the text).

    Raises:
        ReportError: the report ended ``CANCELLED`` (Amazon's answer when there is no data) or ``FATAL``
            (``processing_status`` says which), or is ``DONE`` without a ``reportDocumentId``.
        ReportTimeoutError: still in progress after ``timeout`` seconds (carries the report id).
    """
    return fetch_report(
        ctx, report_type, marketplace_ids=marketplace_ids, start=start, end=end, timeout=timeout, inflate=inflate
    )[1]


def fetch_report(
    ctx: Context,
    report_type: str,
    *,
    marketplace_ids: Sequence[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    timeout: float = 1800.0,
    inflate: bool = True,
) -> tuple[Report, bytes]:
    """``run_report``, also returning the ``DONE`` report (its ``createdTime``, ``processingEndTime``...)."""
    report_id = ctx.api.create_report(
        report_type=report_type,
        marketplace_ids=list(marketplace_ids or [ctx.marketplace_id]),
        data_start_time=start,
        data_end_time=end,
    )
    cadence = ctx.runner.cadence
    begun = ctx.clock.monotonic()
    while True:
        waited = ctx.clock.monotonic() - begun
        floor = 1.0 / ctx.api.plan_rate("reports.getReport")
        pause = cadence.pause(report_type, waited=waited, floor=floor, ceiling=_POLL_MAX)
        ctx.sleep(min(pause, max(timeout - waited, 0.0)))
        report = ctx.api.get_report(report_id)
        status = report.processing_status
        if status == "DONE":
            cadence.learn(report_type, _took(report, ctx.clock.monotonic() - begun))
            break
        if status in {"CANCELLED", "FATAL"}:
            raise ReportError(f"ended {status}", report_id=report_id, report_type=report_type, processing_status=status)
        waited = ctx.clock.monotonic() - begun
        if waited >= timeout:
            raise ReportTimeoutError(
                f"still {status} after {waited:.0f} s",
                report_id=report_id,
                report_type=report_type,
                processing_status=status,
            )
    document_id = report.report_document_id
    if not document_id:
        raise ReportError("DONE but without a reportDocumentId", report_id=report_id, report_type=report_type)
    document = ctx.api.get_report_document(document_id)
    compression = document.compression_algorithm if inflate else None
    return report, ctx.api.download(document.url, compression=compression)
