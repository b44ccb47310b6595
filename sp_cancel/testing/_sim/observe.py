"""Observers: callbacks that see every request the simulator answers (for contract checks, traces, counts).

An observer is any ``callable(exchange) -> None``. Attach one to a simulator with
``Simulator.observe(callback)``, or to every simulator at once (including ones
created later, in-process or served) with ``observe_all(callback)``. Observers run
after the simulator answered, outside its lock, on the thread that made the
request; an exception raised by an observer propagates to that request.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

__all__ = ["Exchange", "Observer", "has_observers", "next_serial", "notify", "observe_all"]


@dataclass(frozen=True)
class Exchange:
    """One request the simulator answered, and its answer, as the client would see them.

    Attributes:
        simulator: a serial number telling simulators apart (two simulators with one seed issue the same ids).
        operation: the simulator's operation key (``"feeds.createFeed"``, ``"lwa.token"``,
            ``"document.upload"``, ``"document.download"``), ``""`` when no route matched.
        route: the matched path template (``"/feeds/2021-06-30/feeds/{feedId}"``), ``""`` when none matched.
        method: the HTTP method.
        path: the raw (percent-encoded) path.
        query: query parameters as parsed, every value a list.
        request_headers: request headers, names lower-cased.
        request_body: the request body bytes.
        status: the HTTP status answered.
        response_headers: response headers (``x-amzn-RequestId``...).
        response_body: the response body bytes.
        fault: the injected fault that shaped the answer (``"500"``, ``"drop"``, ``"delay"``...), ``""`` if none.
    """

    simulator: int
    operation: str
    route: str
    method: str
    path: str
    query: Mapping[str, list[str]]
    request_headers: Mapping[str, str]
    request_body: bytes
    status: int
    response_headers: Mapping[str, str]
    response_body: bytes
    fault: str = ""


Observer = Callable[[Exchange], None]

_GLOBAL: Final[list[Observer]] = []
_SERIALS: Final = itertools.count(1)


def next_serial() -> int:
    """A new simulator serial number."""
    return next(_SERIALS)


def notify(local: list[Observer], exchange: Exchange) -> None:
    """Hand ``exchange`` to the simulator's own observers, then to the global ones."""
    for observer in [*local, *_GLOBAL]:
        observer(exchange)


def has_observers(local: list[Observer]) -> bool:
    """Whether anyone listens (the app skips building exchanges otherwise)."""
    return bool(local or _GLOBAL)


@contextmanager
def observe_all(observer: Observer) -> Iterator[None]:
    """Report every exchange of every simulator (existing or created inside the block) to ``observer``.

    Made for a test suite's ``conftest.py``: one session fixture checks everything any test sent.
    """
    _GLOBAL.append(observer)
    try:
        yield
    finally:
        _GLOBAL.remove(observer)
