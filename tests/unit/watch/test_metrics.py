"""The watch's counters and what ``/healthz`` and ``/metrics`` answer (sp_cancel.watch._metrics)."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

import pytest

from sp_cancel.watch._metrics import WatchMetrics, serve_health


def _get(url: str) -> tuple[int, str, str]:
    """Status, content type and body of a GET on loopback (errors answered as statuses, not raised)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback http
            return answer.status, answer.headers["Content-Type"], answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def _some_traffic(metrics: WatchMetrics) -> None:
    for _ in range(3):
        metrics.received()
    metrics.duplicate()
    metrics.rejected()
    metrics.decided("accepted", lag=12.0, by_sweep=False)
    metrics.decided("held", lag=None, by_sweep=True)


def test_snapshot_counts_each_kind() -> None:
    """Each counter moves with its own event; a decision without a change time adds no lag."""
    metrics = WatchMetrics()
    _some_traffic(metrics)

    snap = metrics.snapshot()

    assert (snap.received, snap.duplicates, snap.rejected, snap.sweep_catches) == (3, 1, 1, 1)
    assert snap.decisions == {"accepted": 1, "held": 1}
    assert snap.lags == (12.0,)


def test_exposition_carries_the_same_counts() -> None:
    """/metrics carries the snapshot's counts, decisions by kind and the lag histogram's buckets."""
    pytest.importorskip("prometheus_client")
    metrics = WatchMetrics()
    _some_traffic(metrics)

    text = (metrics.exposition() or b"").decode()

    assert "sp_cancel_watch_received_total 3.0" in text
    assert "sp_cancel_watch_duplicates_dropped_total 1.0" in text
    assert "sp_cancel_watch_rejected_total 1.0" in text
    assert "sp_cancel_watch_sweep_catches_total 1.0" in text
    assert 'sp_cancel_watch_decisions_total{kind="accepted"} 1.0' in text
    assert 'sp_cancel_watch_decisions_total{kind="held"} 1.0' in text
    # One lag of 12 s: counted from the 15 s bucket up, not in the 5 s one.
    assert 'sp_cancel_watch_lag_seconds_bucket{le="5.0"} 0.0' in text
    assert 'sp_cancel_watch_lag_seconds_bucket{le="15.0"} 1.0' in text
    assert "sp_cancel_watch_lag_seconds_count 1.0" in text


def test_two_watchers_in_one_process_keep_their_own_counts() -> None:
    """Each watcher has a registry of its own (never the global one), so two in one process do not mix."""
    pytest.importorskip("prometheus_client")
    first, second = WatchMetrics(), WatchMetrics()
    first.received()

    assert "sp_cancel_watch_received_total 1.0" in (first.exposition() or b"").decode()
    assert "sp_cancel_watch_received_total 0.0" in (second.exposition() or b"").decode()


def test_endpoints_answer_health_metrics_and_nothing_else() -> None:
    """/healthz follows the health callable, /metrics the counters at each request, other paths 404."""
    pytest.importorskip("prometheus_client")
    metrics = WatchMetrics()
    metrics.received()
    healthy = [True]

    with serve_health(metrics, lambda: healthy[0]) as base:
        assert _get(base + "/healthz") == (200, "text/plain", "ok\n")
        status, kind, body = _get(base + "/metrics")
        assert (status, kind) == (200, "text/plain; version=0.0.4")
        assert "sp_cancel_watch_received_total 1.0" in body
        metrics.received()  # the endpoint reads the counters at each request
        assert "sp_cancel_watch_received_total 2.0" in _get(base + "/metrics")[2]
        healthy[0] = False
        assert _get(base + "/healthz") == (503, "text/plain", "stopping\n")
        assert _get(base + "/other")[0] == 404


def test_without_prometheus_client_metrics_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without prometheus-client the counters still count and /metrics answers 501 with the extra to install."""
    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # import fails as if it were not installed
    metrics = WatchMetrics()
    metrics.received()

    assert metrics.exposition() is None
    assert metrics.snapshot().received == 1  # the counters are kept all the same
    with serve_health(metrics, lambda: True) as base:
        status, _, body = _get(base + "/metrics")
    assert status == 501
    assert "sp-cancel[watch]" in body
