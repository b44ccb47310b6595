"""The Reports API lifecycle: create, poll (limiter-paced, bounded), download, gunzip.

A report is never ready the moment it is created (Amazon queues it; the simulator takes 40 s), so the first
``getReport`` comes after one poll interval rather than straight away: one call fewer per report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final

from sp_cancel.errors import FeedError, FeedTimeoutError, ServerError

if TYPE_CHECKING:
    from sp_cancel._context import Context

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
        FeedError: the report ended ``CANCELLED`` (Amazon's answer when there is no data) or ``FATAL``;
            ``processing_status`` says which.
        FeedTimeoutError: still in progress after ``timeout`` seconds (carries the report id).
        ServerError: ``DONE`` without a ``reportDocumentId``.
    """
    body: dict[str, object] = {
        "reportType": report_type,
        "marketplaceIds": list(marketplace_ids or [ctx.marketplace_id]),
    }
    if start is not None:
        body["dataStartTime"] = start
    if end is not None:
        body["dataEndTime"] = end
    report_id = str(ctx.api.call("reports.createReport", body=body).data["reportId"])
    begun = ctx.clock.monotonic()
    interval = _POLL_INITIAL
    while True:
        waited = ctx.clock.monotonic() - begun
        ctx.sleep(min(interval, max(timeout - waited, 0.0)))
        interval = min(interval * 1.5, _POLL_MAX)
        report = ctx.api.call("reports.getReport", path={"reportId": report_id}).data
        status = report.get("processingStatus")
        if status == "DONE":
            break
        if status in {"CANCELLED", "FATAL"}:
            raise FeedError(f"report {report_type} ended {status}", feed_id=report_id, processing_status=status)
        waited = ctx.clock.monotonic() - begun
        if waited >= timeout:
            raise FeedTimeoutError(
                f"report {report_type} still {status} after {waited:.0f} s", feed_id=report_id, processing_status=status
            )
    document_id = report.get("reportDocumentId")
    if not document_id:
        raise ServerError(f"report {report_id} is DONE but has no reportDocumentId", operation="getReport")
    document = ctx.api.call("reports.getReportDocument", path={"reportDocumentId": document_id}).data
    compression = document.get("compressionAlgorithm") if inflate else None
    return ctx.api.download(document["url"], compression=compression)
