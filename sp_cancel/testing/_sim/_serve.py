"""Serving the simulator over real HTTP: a threaded wsgiref server, in the background or in the foreground.

Fault markers over HTTP: ``drop`` closes the socket without a byte;
``timeout_after_commit`` keeps the socket silent for ``sim.http_hang_seconds``
(5 real seconds by default; long enough for a client with a shorter read
timeout to give up) and then closes it; ``delay`` waits the given seconds.
"""

from __future__ import annotations

import json
import socket
import socketserver
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from sp_cancel.testing._sim._app import DropConnectionError, WsgiApp

__all__ = ["serve_forever", "serve_in_thread"]


class _ServerHandler(ServerHandler):
    dropped = False

    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], DropConnectionError):
            self.dropped = True
            return
        super().handle_error()

    def log_exception(self, exc_info: Any) -> None:
        """Stay quiet: the simulator answers 500 itself; stderr noise helps nobody."""


class _RequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """No access log."""

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ["sp_cancel.raw_path"] = self.path.split("?", 1)[0]
        return environ

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536 or not self.raw_requestline:
            return
        if not self.parse_request():
            return
        handler = _ServerHandler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]  # a socket file is a binary IO
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]  # wsgiref's logging backpointer
        handler.run(self.server.get_app())  # type: ignore[attr-defined]
        if handler.dropped:
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


def _make_server(app: WsgiApp, host: str, port: int) -> _ThreadingServer:
    server = _ThreadingServer((host, port), _RequestHandler)
    server.set_app(app)
    return server


@contextmanager
def serve_in_thread(app: WsgiApp, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` from a background thread; yield ``http://host:port``; stop on exit."""
    server = _make_server(app, host, port)
    bound_port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def serve_forever(  # noqa: PLR0917 - the CLI calls it with the documented positional order
    port: int = 8000,
    seed: int = 0,
    scale: float = 1.0,
    faults_file: str | Path | None = None,
    seller_id: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    refresh_token: str | None = None,
    *,
    host: str = "127.0.0.1",
    marketplace: str = "US",
    orders: int = 200,
    out: IO[str] | None = None,
) -> None:
    """Serve a real-time simulator on ``host:port`` until KeyboardInterrupt.

    The first line written to ``out`` (stdout by default) is one JSON object with
    ``base_url, token_url, seller_id, marketplace_id, client_id, client_secret,
    refresh_token``, so a parent process can read where and how to connect.
    ``None`` for the seller id or a credential means the simulator's default
    (``sp-cancel simulator serve`` passes ``None`` for options not given).
    """
    from sp_cancel.clock import SystemClock  # noqa: PLC0415
    from sp_cancel.testing import Simulator  # noqa: PLC0415 - the package imports this module
    from sp_cancel.testing._sim._core import SimulatorCredentials  # noqa: PLC0415
    from sp_cancel.testing._sim._faults import load_rules  # noqa: PLC0415

    defaults = SimulatorCredentials()
    credentials = SimulatorCredentials(
        refresh_token=refresh_token or defaults.refresh_token,
        client_id=client_id or defaults.client_id,
        client_secret=client_secret or defaults.client_secret,
    )
    rules = load_rules(faults_file) if faults_file else None
    sim = Simulator(
        seed=seed,
        scale=scale,
        faults=rules,
        seller_id=seller_id or "A1SIMSELLER0001",
        marketplace=marketplace,
        orders=orders,
        clock=SystemClock(),
        credentials=credentials,
    )
    server = _make_server(sim.wsgi_app, host, port)
    base_url = f"http://{host}:{server.server_address[1]}"
    sim._core.base_url = base_url  # noqa: SLF001 - the served address is only known here
    stream = out or sys.stdout
    info = {
        "base_url": base_url,
        "token_url": sim.token_url,
        "seller_id": sim.seller_id,
        "marketplace_id": sim.marketplace_id,
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "refresh_token": credentials.refresh_token,
    }
    stream.write(json.dumps(info) + "\n")
    stream.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
