"""The Reports API lifecycle: create a report, wait for it, download (and gunzip) its document.

``fetch_report`` does the three in a row; ``request_report``, ``wait_report`` and ``download_report`` are the
same three steps for a caller with work to do while Amazon processes the report (the batch pre-check).

The wait follows the processing time learned for the report type (``ctx.runner.cadence``, shared with the
feed runner: see ``sp_cancel._runtime.cadence``), bounded below by ``getReport``'s usage plan.

An order report's data is older than the report: ``REPORT_DATA_LAG`` is how much older a reader assumes (the
batch pre-check's Unshipped Orders report, the cancellation rate's All Orders report), and what it reads again
with ``searchOrders`` (``lastUpdatedAfter``) to make up for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, TypedDict, Unpack

import attrs

from sp_cancel.errors import ReportError, ReportTimeoutError

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context
    from sp_cancel.transport import Report

__all__ = [
    "REPORT_DATA_LAG",
    "Requested",
    "download_report",
    "fetch_report",
    "request_report",
    "run_report",
    "wait_report",
]

_POLL_MAX: Final = 120.0
#: How stale an order report's data may be, before its ``createdTime``: Amazon says order reports "lag by about 30
#: min" and documents no bound, so twice that is assumed. Everything updated after ``createdTime - REPORT_DATA_LAG``
#: is read again with ``searchOrders`` by the readers of such a report (the pre-check, the cancellation rate).
REPORT_DATA_LAG: Final = timedelta(hours=1)


def _took(report: Report, waited: float) -> float:
    """How long a DONE report took: Amazon's ``createdTime`` to ``processingEndTime``, else the time waited."""
    if report.processing_end_time is None:
        return waited
    return (report.processing_end_time - report.created_time).total_seconds()


class _ReportOptions(TypedDict, total=False):
    """``run_report``'s and ``fetch_report``'s keywords (see ``run_report``)."""

    marketplace_ids: Sequence[str] | None
    start: datetime | None
    end: datetime | None
    timeout: float
    inflate: bool


def run_report(ctx: Context, report_type: str, **options: Unpack[_ReportOptions]) -> bytes:
    """Request ``report_type``, wait for it and return its document (``fetch_report`` without the report).

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
    return fetch_report(ctx, report_type, **options)[1]


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
    requested = request_report(ctx, report_type, marketplace_ids=marketplace_ids, start=start, end=end)
    report = wait_report(ctx, requested, timeout=timeout)
    return report, download_report(ctx, report, inflate=inflate)


@attrs.frozen
class Requested:
    """A report asked for (``createReport`` answered): its id, type and when it was asked (``monotonic``)."""

    report_id: str
    report_type: str
    asked: float


def request_report(
    ctx: Context,
    report_type: str,
    *,
    marketplace_ids: Sequence[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Requested:
    """``createReport``: the first of ``fetch_report``'s three steps, for a caller with other work meanwhile.

    Between this and ``wait_report`` the caller may do anything that does not need the report (another usage
    plan's wait, say): Amazon processes the report in the meantime, and ``wait_report`` counts that time.
    """
    report_id = ctx.api.create_report(
        report_type=report_type,
        marketplace_ids=list(marketplace_ids or [ctx.marketplace_id]),
        data_start_time=start,
        data_end_time=end,
    )
    return Requested(report_id=report_id, report_type=report_type, asked=ctx.clock.monotonic())


def wait_report(ctx: Context, requested: Requested, *, timeout: float = 1800.0) -> Report:
    """Poll ``getReport`` on the learned cadence until the report is ``DONE``; ``timeout`` counts from the request.

    The first look lands where it would have had the caller waited from the request (the cadence's first pause
    counted from ``createReport``, at once when that is past), so time the caller spent meanwhile is not waited
    again.

    Raises:
        ReportError: the report ended ``CANCELLED`` (Amazon's answer when there is no data) or ``FATAL``.
        ReportTimeoutError: still in progress ``timeout`` seconds after the request.
    """
    report_id, report_type = requested.report_id, requested.report_type
    cadence = ctx.runner.cadence
    floor = 1.0 / ctx.api.plan_rate("reports.getReport")
    first = True
    while True:
        waited = ctx.clock.monotonic() - requested.asked
        if first:  # counted from the request: the caller's time meanwhile is part of it
            pause = max(cadence.pause(report_type, waited=0.0, floor=floor, ceiling=_POLL_MAX) - waited, 0.0)
            first = False
        else:
            pause = cadence.pause(report_type, waited=waited, floor=floor, ceiling=_POLL_MAX)
        ctx.sleep(min(pause, max(timeout - waited, 0.0)))
        report = ctx.api.get_report(report_id)
        status = report.processing_status
        if status == "DONE":
            cadence.learn(report_type, _took(report, ctx.clock.monotonic() - requested.asked))
            return report
        if status in {"CANCELLED", "FATAL"}:
            raise ReportError(f"ended {status}", report_id=report_id, report_type=report_type, processing_status=status)
        waited = ctx.clock.monotonic() - requested.asked
        if waited >= timeout:
            raise ReportTimeoutError(
                f"still {status} after {waited:.0f} s",
                report_id=report_id,
                report_type=report_type,
                processing_status=status,
            )


def download_report(ctx: Context, report: Report, *, inflate: bool = True) -> bytes:
    """``getReportDocument`` and the download of a ``DONE`` report's document (gunzipped unless ``inflate`` is off).

    Raises:
        ReportError: the report has no ``reportDocumentId``.
    """
    document_id = report.report_document_id
    if not document_id:
        raise ReportError(
            "DONE but without a reportDocumentId", report_id=report.report_id, report_type=report.report_type
        )
    document = ctx.api.get_report_document(document_id)
    compression = document.compression_algorithm if inflate else None
    return ctx.api.download(document.url, compression=compression)
