"""One helper for the public gates: exported names report the public module, not the private one."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping

__all__ = ["publish"]


def publish(module: str, namespace: Mapping[str, object], names: Iterable[str]) -> None:
    """Make the classes and functions ``names`` of ``namespace`` say ``module`` is theirs.

    ``repr``, tracebacks and the API reference then read ``sp_cancel.journal.Journal`` (the path users import),
    not ``sp_cancel.journal._sqlite.Journal``, as httpx does for its own exports.
    """
    for name in names:
        value = namespace[name]
        if (inspect.isclass(value) or inspect.isfunction(value)) and value.__module__.startswith("sp_cancel"):
            value.__module__ = module
