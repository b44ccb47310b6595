"""The watch's counters, ``/healthz`` and Prometheus ``/metrics`` (``pip install 'sp-cancel[watch]'``).

Counters are kept here whatever is installed (``WatchMetrics.snapshot``); with ``prometheus-client`` they
are also exported in its text format on ``/metrics``.
"""

from __future__ import annotations

import importlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

import attrs

__all__ = ["MetricsSnapshot", "WatchMetrics", "serve_health"]

_NO_PROMETHEUS: Final = b"pip install 'sp-cancel[watch]' (prometheus-client) for /metrics\n"
_LAG_BUCKETS: Final = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 24 * 3600.0)


@attrs.frozen(kw_only=True)
class MetricsSnapshot:
    """The counters at one moment.

    Attributes:
        received: events handled (queue messages and sweep finds), duplicates included.
        duplicates: events dropped because their request was already decided (or being decided).
        rejected: queue messages refused (not ``ORDER_CHANGE``, another application's, unreadable).
        decisions: decisions journaled, by kind (``accepted``, ``shipped``, ``held``...).
        sweep_catches: requests the sweep decided first (their notification was lost or late).
        lags: seconds from each change to its decision.
    """

    received: int
    duplicates: int
    rejected: int
    decisions: Mapping[str, int]
    sweep_catches: int
    lags: tuple[float, ...]


class WatchMetrics:
    """Thread-safe counters of one watch process; exported to Prometheus when ``prometheus-client`` is installed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received = 0
        self._duplicates = 0
        self._rejected = 0
        self._sweep_catches = 0
        self._decisions: Counter[str] = Counter()
        self._lags: list[float] = []
        self._prometheus = _Prometheus.create()

    def received(self) -> None:
        """Count one event in."""
        with self._lock:
            self._received += 1
        if self._prometheus is not None:
            self._prometheus.received.inc()

    def duplicate(self) -> None:
        """Count one event dropped as already decided."""
        with self._lock:
            self._duplicates += 1
        if self._prometheus is not None:
            self._prometheus.duplicates.inc()

    def rejected(self) -> None:
        """Count one message refused."""
        with self._lock:
            self._rejected += 1
        if self._prometheus is not None:
            self._prometheus.rejected.inc()

    def decided(self, kind: str, *, lag: float | None, by_sweep: bool) -> None:
        """Count one decision of ``kind``, its lag in seconds, and whether the sweep made it first."""
        with self._lock:
            self._decisions[kind] += 1
            if lag is not None:
                self._lags.append(lag)
            if by_sweep:
                self._sweep_catches += 1
        if self._prometheus is not None:
            self._prometheus.decisions.labels(kind=kind).inc()
            if lag is not None:
                self._prometheus.lag.observe(lag)
            if by_sweep:
                self._prometheus.sweep_catches.inc()

    def snapshot(self) -> MetricsSnapshot:
        """The counters now."""
        with self._lock:
            return MetricsSnapshot(
                received=self._received,
                duplicates=self._duplicates,
                rejected=self._rejected,
                decisions=dict(self._decisions),
                sweep_catches=self._sweep_catches,
                lags=tuple(self._lags),
            )

    def exposition(self) -> bytes | None:
        """The Prometheus text format, or ``None`` without ``prometheus-client``."""
        return None if self._prometheus is None else self._prometheus.render()


class _Prometheus:
    """The same counters in a private ``prometheus_client`` registry (never the global one)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.registry = client.CollectorRegistry()
        self.received = client.Counter(
            "sp_cancel_watch_received", "Events received (queue and sweep)", registry=self.registry
        )
        self.duplicates = client.Counter(
            "sp_cancel_watch_duplicates_dropped", "Events dropped as already decided", registry=self.registry
        )
        self.rejected = client.Counter(
            "sp_cancel_watch_rejected", "Queue messages refused (foreign, unreadable)", registry=self.registry
        )
        self.decisions = client.Counter(
            "sp_cancel_watch_decisions", "Decisions journaled, by kind", ["kind"], registry=self.registry
        )
        self.sweep_catches = client.Counter(
            "sp_cancel_watch_sweep_catches", "Requests the sweep decided first", registry=self.registry
        )
        self.lag = client.Histogram(
            "sp_cancel_watch_lag_seconds",
            "Seconds from the order's change to the watch's decision",
            buckets=_LAG_BUCKETS,
            registry=self.registry,
        )

    @classmethod
    def create(cls) -> _Prometheus | None:
        try:
            client = importlib.import_module("prometheus_client")
        except ImportError:
            return None
        return cls(client)

    def render(self) -> bytes:
        rendered: bytes = self._client.generate_latest(self.registry)
        return rendered


def _handler(metrics: WatchMetrics, healthy: Callable[[], bool]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/healthz":
                ok = healthy()
                self._answer(200 if ok else 503, b"ok\n" if ok else b"stopping\n", "text/plain")
            elif self.path == "/metrics":
                body = metrics.exposition()
                if body is None:
                    self._answer(501, _NO_PROMETHEUS, "text/plain")
                else:
                    self._answer(200, body, "text/plain; version=0.0.4")
            else:
                self._answer(404, b"/healthz or /metrics\n", "text/plain")

        def _answer(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:  # the watch logs through structlog, not stderr
            return

    return Handler


@contextmanager
def serve_health(
    metrics: WatchMetrics, healthy: Callable[[], bool], *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve ``/healthz`` and ``/metrics`` from a background thread; yield the base URL."""
    server = ThreadingHTTPServer((host, port), _handler(metrics, healthy))
    thread = threading.Thread(target=server.serve_forever, name="sp-cancel-watch-http", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
