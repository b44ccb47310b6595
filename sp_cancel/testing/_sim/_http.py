"""Plain request/response values and the router of the simulator.

Handlers are functions ``(sim, request) -> SimResponse``. They never see WSGI;
``_app.py`` adapts WSGI (and the in-process httpx transport) to these values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sp_cancel.testing._sim._core import SimulatorCore

__all__ = ["Handler", "Route", "Router", "SimRequest", "SimResponse", "error_response"]


@dataclass(frozen=True)
class SimRequest:
    """One HTTP request as the simulator sees it."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    path_params: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """Parse the body as JSON (``ValueError`` when it is not)."""
        return json.loads(self.body or b"null")

    def one(self, name: str) -> str | None:
        """Return a single query parameter (first value) or ``None``."""
        values = self.query.get(name)
        return values[0] if values else None

    def many(self, name: str) -> list[str]:
        """Return a list-valued query parameter; Amazon sends arrays comma-separated."""
        out: list[str] = []
        for value in self.query.get(name, []):
            out.extend(v for v in value.split(",") if v)
        return out


@dataclass
class SimResponse:
    """One HTTP response. ``body`` is JSON-serialisable data, or raw bytes."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    # Fault markers interpreted by the transport layer (never sent on the wire):
    drop_connection: bool = False
    delay: float = 0.0
    fault: str = ""  # the injected fault that shaped this answer (for observers; never sent)

    def content(self) -> bytes:
        """Return the bytes to send."""
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body, separators=(",", ":"), default=str).encode()


def error_response(status: int, code: str, message: str, details: str | None = None) -> SimResponse:
    """Amazon's ``ErrorList`` body: ``{"errors":[{"code","message","details"?}]}``."""
    error: dict[str, str] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return SimResponse(status=status, body={"errors": [error]})


Handler = Callable[["SimulatorCore", SimRequest], SimResponse]


@dataclass(frozen=True)
class Route:
    """A method + path template bound to a handler and an operation key (for usage plans and faults)."""

    method: str
    template: str
    operation: str  # e.g. "feeds.createFeed"; "" for routes without a usage plan (LWA, uploads)
    handler: Handler
    pattern: re.Pattern[str]


class Router:
    """Matches ``(method, path)`` to a :class:`Route` and its path parameters."""

    def __init__(self) -> None:
        """Start empty."""
        self._routes: list[Route] = []

    def add(self, method: str, template: str, operation: str, handler: Handler) -> None:
        """Register ``handler`` for ``method template`` (``{name}`` matches one path segment)."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self._routes.append(Route(method, template, operation, handler, re.compile(f"^{regex}$")))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """Return the route and its (URL-decoded) path parameters, or ``None``."""
        from urllib.parse import unquote  # noqa: PLC0415 - tiny, keeps the module header clean

        for route in self._routes:
            if route.method != method:
                continue
            found = route.pattern.match(path)
            if found:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def operations(self) -> Mapping[str, Route]:
        """Return routes by operation key."""
        return {r.operation: r for r in self._routes if r.operation}
