"""The simulator's front door: one ``dispatch`` for every request, a WSGI app and an httpx transport on top.

Order of checks for one request (all under ``sim.lock``): tick hooks → route
(unknown → 404 ``NotFound`` ErrorList) → injected fault (500/503/HTML 504/empty
200/drop answer before anything else) → auth (``x-amz-access-token`` issued by
the LWA route and unexpired, else 403 ``Unauthorized``) → usage plan (empty
bucket → 429 ``QuotaExceeded``, no ``Retry-After``, no rate header) → handler →
``delay``/``timeout_after_commit`` markers. Every answer carries
``x-amzn-RequestId``; every 2xx of an operation with a usage plan carries
``x-amzn-RateLimit-Limit`` (the rate the simulator enforces: Amazon's times scale).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, quote

import httpx

from sp_cancel.clock import system_sleep
from sp_cancel.testing._sim._core import SimulatorCore
from sp_cancel.testing._sim._http import SimRequest, SimResponse, error_response
from sp_cancel.testing._sim._observe import Exchange, has_observers, notify

__all__ = ["DropConnectionError", "SimTransport", "dispatch", "make_wsgi_app"]

_OPEN_PREFIXES = ("/auth/", "/_sim/")
_QUOTA = {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource.", "details": ""}
_HTML_504 = (
    b"<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    b"<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n"
)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class DropConnectionError(Exception):
    """Raised by the WSGI app to make the server close the socket without answering."""


def _fault_response(kind: str) -> SimResponse | None:
    if kind == "500":
        return error_response(500, "InternalFailure", "We encountered an internal error. Please try again.", "")
    if kind == "503":
        return error_response(503, "ServiceUnavailable", "Service is temporarily unavailable. Please try again.", "")
    if kind == "html_504":
        return SimResponse(status=504, raw=_HTML_504, headers={"Content-Type": "text/html"})
    if kind == "empty_200":
        return SimResponse(status=200, raw=b"", headers={"Content-Type": "application/json"})
    if kind == "drop":
        return SimResponse(status=502, raw=b"", drop_connection=True)
    return None


def _label(method: str, path: str) -> str:
    if path.startswith("/_sim/documents"):
        return "document.upload" if method == "PUT" else "document.download"
    if path.startswith("/auth/"):
        return "lwa.token"
    return f"{method} {path}"


def _run(sim: SimulatorCore, request: SimRequest) -> SimResponse:  # noqa: C901 - the checks in order, in one place
    for hook in list(sim.tick_hooks):
        hook(sim)
    found = sim.router.match(request.method, request.path)
    if found is None:
        return error_response(404, "NotFound", f"Resource {request.path} is not found.", "")
    route, params = found
    sim.request_counts[route.operation or _label(route.method, request.path)] += 1
    request = SimRequest(
        method=request.method,
        path=request.path,
        query=request.query,
        headers=request.headers,
        body=request.body,
        path_params=params,
    )
    fault = sim.faults.pick(route.operation) if route.operation else None
    if fault is not None:
        early = _fault_response(fault.fault)
        if early is not None:
            early.fault = fault.fault
            return early
    if not request.path.startswith(_OPEN_PREFIXES) and not sim.token_valid(request.headers.get("x-amz-access-token")):
        return error_response(403, "Unauthorized", "Access to requested resource is denied.", "")
    if route.operation and not sim.take_token(route.operation):
        return SimResponse(status=429, body={"errors": [dict(_QUOTA)]})
    try:
        response = route.handler(sim, request)
    except Exception:  # noqa: BLE001 - a handler bug must look like Amazon's 500, not crash the server
        return error_response(500, "InternalFailure", "We encountered an internal error. Please try again.", "")
    plan = sim.usage_plan(route.operation) if route.operation else None
    if plan is not None and 200 <= response.status < 300:
        response.headers.setdefault("x-amzn-RateLimit-Limit", repr(round(plan[0], 6)))
    if fault is not None and fault.fault == "delay":
        response.delay = float(fault.seconds or 0.0)
    elif fault is not None and fault.fault == "timeout_after_commit":
        response.delay = math.inf
        response.drop_connection = True
    if fault is not None:
        response.fault = fault.fault
    return response


def dispatch(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """Answer one request (state changes happen here, under ``sim.lock``); fault markers are left to the caller."""
    with sim.lock:
        request_id = sim.new_id("request")
        response = _run(sim, request)
    response.headers["x-amzn-RequestId"] = request_id
    if response.raw is None and response.body is not None:
        response.headers.setdefault("Content-Type", "application/json")
    if has_observers(sim.observers):
        _observe(sim, request, response)
    return response


def _observe(sim: SimulatorCore, request: SimRequest, response: SimResponse) -> None:
    found = sim.router.match(request.method, request.path)
    route = found[0] if found is not None else None
    operation = "" if route is None else route.operation or _label(route.method, request.path)
    exchange = Exchange(
        simulator=sim.serial,
        operation=operation,
        route="" if route is None else route.template,
        method=request.method,
        path=request.path,
        query={k: list(v) for k, v in request.query.items()},
        request_headers=dict(request.headers),
        request_body=request.body,
        status=response.status,
        response_headers=dict(response.headers),
        response_body=response.content(),
        fault=response.fault,
    )
    notify(sim.observers, exchange)


class SimTransport(httpx.BaseTransport):
    """An in-process httpx transport: no sockets; faults become httpx exceptions, delays advance the clock."""

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
        response = dispatch(self._sim, sim_request)
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
    ``drop`` raises :class:`DropConnectionError` (our server closes the socket; other servers answer 500);
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
