"""The Reports API lifecycle: create a report, wait for it, download (and gunzip) its document."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final

from sp_cancel.errors import ReportError, ReportTimeoutError

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context

__all__ = ["run_report"]

_POLL_INITIAL: Final = 15.0

_POLL_MAX: Final = 120.0


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
    report_id = ctx.api.create_report(
        report_type=report_type,
        marketplace_ids=list(marketplace_ids or [ctx.marketplace_id]),
        data_start_time=start,
        data_end_time=end,
    )
    begun = ctx.clock.monotonic()
    interval = _POLL_INITIAL
    while True:
        waited = ctx.clock.monotonic() - begun
        ctx.sleep(min(interval, max(timeout - waited, 0.0)))
        interval = min(interval * 1.5, _POLL_MAX)
        report = ctx.api.get_report(report_id)
        status = report.processing_status
        if status == "DONE":
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
    return ctx.api.download(document.url, compression=compression)
