"""The Reports API lifecycle: create, poll (limiter-paced, bounded), download, gunzip."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final

from sp_cancel.errors import FeedError, FeedTimeoutError

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
) -> bytes:
    """Request ``report_type``, wait for it and return its (gunzipped) document.

    Raises:
        FeedError: the report ended ``CANCELLED`` (Amazon's answer when there is no data) or ``FATAL``.
        FeedTimeoutError: still in progress after ``timeout`` seconds (carries the report id).
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
        ctx.sleep(min(interval, timeout - waited))
        interval = min(interval * 1.5, _POLL_MAX)
    document = ctx.api.call("reports.getReportDocument", path={"reportDocumentId": report["reportDocumentId"]}).data
    return ctx.api.download(document["url"], compression=document.get("compressionAlgorithm"))
