"""run_report against the scripted fake transport: create, poll on the learned cadence, done, failures, document."""

from __future__ import annotations

import pytest
from runtime_fakes import FakeAmazon
from unit_fakes import fake_context

from sp_cancel._runtime.context import Context
from sp_cancel._runtime.reports import run_report
from sp_cancel.clock import FakeClock
from sp_cancel.errors import ReportError, ReportTimeoutError
from sp_cancel.journal import Journal

PERFORMANCE = "GET_V2_SELLER_PERFORMANCE_REPORT"


def context(amazon: FakeAmazon, journal: Journal, clock: FakeClock) -> Context:
    """A workflow context over the fake transport; the report cadence is its runner's."""
    return fake_context(amazon, journal, clock)


def report_looks(amazon: FakeAmazon, clock: FakeClock, ctx: Context, **options: object) -> tuple[bytes, list[float]]:
    """Run one report; its document and the seconds after createReport at which getReport was called."""
    start = clock.monotonic()
    times: list[float] = []
    original = amazon.get_report

    def timed(report_id: str) -> object:
        times.append(clock.monotonic() - start)
        return original(report_id)

    amazon.get_report = timed  # type: ignore[method-assign,assignment]  # a spy around the fake's method
    try:
        body = run_report(ctx, PERFORMANCE, **options)  # type: ignore[arg-type]  # the test passes run_report's own
    finally:
        amazon.get_report = original  # type: ignore[method-assign]
    return body, times


def test_create_poll_done_and_download(journal: Journal, clock: FakeClock) -> None:
    """One createReport, getReport until DONE, one getReportDocument, one download that gunzips the GZIP document."""
    amazon = FakeAmazon(clock, queue=10.0, processing=30.0)
    body, _ = report_looks(amazon, clock, context(amazon, journal, clock))
    assert body == b"report-body"
    assert amazon.count("createReport") == amazon.count("getReportDocument") == amazon.count("download") == 1
    assert amazon.calls[0] == "createReport"
    assert amazon.calls[-2:] == ["getReportDocument", "download"]
    assert amazon.compressions == ["GZIP"]


def test_inflate_false_leaves_the_document_compressed(journal: Journal, clock: FakeClock) -> None:
    """inflate=False downloads without asking to gunzip (the caller inflates chunk by chunk)."""
    amazon = FakeAmazon(clock, queue=1.0, processing=1.0)
    report_looks(amazon, clock, context(amazon, journal, clock), inflate=False)
    assert amazon.compressions == [None]


@pytest.mark.parametrize("final", ["CANCELLED", "FATAL"])
def test_a_cancelled_or_fatal_report_is_a_report_error(journal: Journal, clock: FakeClock, final: str) -> None:
    """CANCELLED (no data) or FATAL: ReportError with the status and the report id; no document is fetched."""
    amazon = FakeAmazon(clock, queue=1.0, processing=1.0, final=final)  # type: ignore[arg-type]  # a status
    with pytest.raises(ReportError) as caught:
        run_report(context(amazon, journal, clock), PERFORMANCE)
    assert type(caught.value) is ReportError
    assert caught.value.processing_status == final
    assert caught.value.report_id == next(iter(amazon.reports))
    assert amazon.count("getReportDocument") == 0


def test_done_without_a_document_is_a_report_error(journal: Journal, clock: FakeClock) -> None:
    """DONE but no reportDocumentId: ReportError, nothing downloaded."""
    amazon = FakeAmazon(clock, queue=1.0, processing=1.0)
    amazon.report_document = None
    with pytest.raises(ReportError, match="without a reportDocumentId"):
        run_report(context(amazon, journal, clock), PERFORMANCE)
    assert amazon.count("download") == 0


def test_a_report_still_running_at_the_timeout(journal: Journal, clock: FakeClock) -> None:
    """Still IN_PROGRESS at the timeout: ReportTimeoutError with the report id, after exactly the timeout."""
    amazon = FakeAmazon(clock, queue=1.0, processing=10_000.0)
    with pytest.raises(ReportTimeoutError) as caught:
        run_report(context(amazon, journal, clock), PERFORMANCE, timeout=600.0)
    assert caught.value.report_id == next(iter(amazon.reports))
    assert caught.value.processing_status == "IN_PROGRESS"
    assert clock.monotonic() == pytest.approx(600.0)


def test_a_100x_scaled_report_is_asked_after_its_processing_time(journal: Journal, clock: FakeClock) -> None:
    """A 0.4 s report (Amazon's 40 s at 100x, getReport's plan 100x): done within 0.8 s, then asked once at 0.42 s."""
    amazon = FakeAmazon(clock, queue=0.1, processing=0.3)
    amazon.rates["reports.getReport"] = 200.0
    ctx = context(amazon, journal, clock)
    _, first = report_looks(amazon, clock, ctx)
    assert first[0] == pytest.approx(1 / 200)
    assert 0.4 <= first[-1] <= 0.8
    assert ctx.runner.cadence.typical(PERFORMANCE) == pytest.approx(0.4)
    _, second = report_looks(amazon, clock, ctx)
    assert second == [pytest.approx(0.42)]


def test_against_amazon_like_timing_the_report_poller_does_not_hammer(journal: Journal, clock: FakeClock) -> None:
    """A 40 s report at Amazon's documented 2 calls/s: eight looks on the doubling schedule, then one."""
    amazon = FakeAmazon(clock, queue=10.0, processing=30.0)
    ctx = context(amazon, journal, clock)
    _, first = report_looks(amazon, clock, ctx)
    assert first == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]
    _, second = report_looks(amazon, clock, ctx)
    assert second == [pytest.approx(42.0)]
