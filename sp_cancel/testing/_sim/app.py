"""The simulator on the wire: an in-process httpx transport, a WSGI app, and a threaded HTTP server.

Both adapt requests to ``.core.dispatch`` and turn its fault markers into
what a client sees. In process: ``drop`` → ``httpx.RemoteProtocolError``,
``timeout_after_commit`` → ``httpx.ReadTimeout``, a delay advances the clock.
Over HTTP (a wsgiref server, in the background or in the foreground): ``drop``
closes the socket without a byte; ``timeout_after_commit`` keeps the socket
silent for ``sim.http_hang_seconds`` (5 real seconds by default; long enough
for a client with a shorter read timeout to give up) and then closes it;
``delay`` waits the given seconds.
"""

from __future__ import annotations

import json
import math
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, suppress
from http import HTTPStatus
from typing import IO, Any, Protocol
from urllib.parse import parse_qs, quote
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

import httpx

from sp_cancel.clock import system_sleep
from sp_cancel.testing._sim.core import SimRequest, SimulatorCore, SimulatorCredentials, dispatch

__all__ = [
    "DropConnectionError",
    "ServedSimulator",
    "SimTransport",
    "WsgiApp",
    "make_wsgi_app",
    "serve_forever",
    "serve_in_thread",
]

# -- in process and WSGI ---------------------------------------------------------------------------

StartResponse = Callable[..., Any]


WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class DropConnectionError(Exception):
    """Raised by the WSGI app to make the server close the socket without answering."""


class SimTransport(httpx.BaseTransport):
    """An in-process httpx transport: no sockets; faults become httpx exceptions, delays advance the clock.

    ``sim.latency`` (one way) passes before the simulator answers and again before the client reads it.
    """

    def __init__(self, sim: SimulatorCore) -> None:
        """Serve requests from ``sim``."""
        self._sim = sim

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Dispatch ``request`` to the simulator and translate fault markers."""
        body = request.read()
        raw_path = request.url.raw_path.decode("ascii")
        path, _, query = raw_path.partition("?")
        sim_request = SimRequest(
            method=request.method,
            path=path,
            query=parse_qs(query, keep_blank_values=True),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )
        self._sim.pass_time(self._sim.latency)  # the request travels to Amazon
        response = dispatch(self._sim, sim_request)
        self._sim.pass_time(self._sim.latency)  # and the answer back
        timeouts = request.extensions.get("timeout") or {}
        read_timeout = timeouts.get("read") if isinstance(timeouts, dict) else None
        if response.delay > 0:
            if math.isinf(response.delay) or (read_timeout is not None and response.delay > read_timeout):
                self._sim.pass_time(float(read_timeout or 0.0))
                raise httpx.ReadTimeout("simulated: no answer before the read timeout", request=request)
            self._sim.pass_time(response.delay)
        if response.drop_connection:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return httpx.Response(response.status, headers=response.headers, content=response.content(), request=request)


def _environ_request(environ: dict[str, Any]) -> SimRequest:
    raw_path = environ.get("sp_cancel.raw_path")
    if not isinstance(raw_path, str):
        path_info = str(environ.get("PATH_INFO", "/"))
        raw_path = quote(path_info.encode("latin-1"), safe="/:@!$&'()*+,;=-._~")
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = str(value)
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    return SimRequest(
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        path=raw_path,
        query=parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True),
        headers=headers,
        body=body,
    )


def make_wsgi_app(sim: SimulatorCore) -> WsgiApp:
    """A WSGI callable serving ``sim``.

    Fault markers: delays wait (fake clock: advance; real clock: sleep);
    ``drop`` raises ``DropConnectionError`` (our server closes the socket; other servers answer 500);
    ``timeout_after_commit`` holds the socket ``sim.http_hang_seconds`` real seconds, then drops it.
    """

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        response = dispatch(sim, _environ_request(environ))
        if math.isinf(response.delay):
            system_sleep(sim.http_hang_seconds)
        elif response.delay > 0:
            sim.pass_time(response.delay)
        if response.drop_connection:
            raise DropConnectionError
        content = response.content()
        reason = HTTPStatus(response.status).phrase if response.status in HTTPStatus._value2member_map_ else ""
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(content))))
        start_response(f"{response.status} {reason}".rstrip(), headers)
        return [content]

    return app


# -- over HTTP ------------------------------------------------------------------------------------


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


class ServedSimulator(Protocol):
    """What ``serve_forever`` needs from a simulator (``sp_cancel.testing.Simulator`` is one)."""

    @property
    def seller_id(self) -> str:
        """The simulated seller id."""
        ...

    @property
    def marketplace_id(self) -> str:
        """The seller's home marketplace id."""
        ...

    @property
    def token_url(self) -> str:
        """The LWA token URL (it follows the served address)."""
        ...

    @property
    def credentials(self) -> SimulatorCredentials:
        """The credentials the LWA endpoint accepts."""
        ...

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> AbstractContextManager[str]:
        """Serve over HTTP while the context is open; yield the base URL."""
        ...


def serve_forever(
    sim: ServedSimulator,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    out: IO[str] | None = None,
    announce: Callable[[Mapping[str, str]], str] | None = None,
) -> None:
    """Serve an already-built simulator on ``host:port`` until KeyboardInterrupt (SIGINT), then return.

    The caller builds the simulator (``sp-cancel simulator serve`` gives it the real clock).
    Once the server listens, ``out`` (stdout by default) gets ``announce(info)``, where ``info`` holds
    ``base_url, token_url, seller_id, marketplace_id, client_id, client_secret, refresh_token``; the
    default writes it as one JSON line, so a parent process can read where and how to connect.
    Binding ``host:port`` may raise ``OSError`` (port in use...).
    """
    with suppress(KeyboardInterrupt), sim.serve(host, port) as base_url:
        credentials = sim.credentials
        info = {
            "base_url": base_url,
            "token_url": sim.token_url,
            "seller_id": sim.seller_id,
            "marketplace_id": sim.marketplace_id,
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
            "refresh_token": credentials.refresh_token,
        }
        stream = out or sys.stdout
        stream.write(announce(info) if announce is not None else json.dumps(info) + "\n")
        stream.flush()
        while True:  # the server runs on its own thread; this one waits for Ctrl+C (SIGINT)
            time.sleep(3600)
