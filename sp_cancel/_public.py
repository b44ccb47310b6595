"""Helpers for the public gates: exported names report the public module; costly modules load on first use."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Final

__all__ = ["Deferred", "load", "publish"]

_TOP: Final = "sp_cancel"


def publish(module: str, namespace: Mapping[str, object], names: Iterable[str]) -> None:
    """Make the classes and functions ``names`` of ``namespace`` say ``module`` is theirs.

    ``repr``, tracebacks and the API reference then read ``sp_cancel.journal.Journal`` (the path users import),
    not ``sp_cancel.journal._sqlite.Journal``, as httpx does for its own exports. A name ``sp_cancel`` itself
    exports keeps saying ``sp_cancel``, whichever gate is imported later (``sp_cancel`` loads some of its
    names on first use, after their own package published them).
    """
    for name in names:
        value = namespace[name]
        if (
            (inspect.isclass(value) or inspect.isfunction(value))
            and value.__module__.startswith("sp_cancel")
            and value.__module__ != _TOP
        ):
            value.__module__ = module


def load(module: str, name: str, *, public: str) -> object:
    """``name`` from ``module``, imported now, published as ``public``'s: a package gate's lazy export."""
    imported = importlib.import_module(module)
    publish(public, vars(imported), [name])
    value: object = getattr(imported, name)
    return value


class Deferred:
    """A module imported at its first attribute use: ``flows = Deferred("sp_cancel._cancellation")``.

    What only some calls need (a workflow, the transport with httpx and python-amazon-sp-api) then costs
    nothing at import. Declare the real module for type checkers under ``TYPE_CHECKING`` beside it.
    """

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> object:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<deferred module {self._name!r}>"
