"""Shared plumbing of the ``sp-cancel`` command: output (tables or JSON), progress, the client."""

from __future__ import annotations

import argparse
import enum
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, Protocol

import attrs

if TYPE_CHECKING:
    from sp_cancel._runtime import FeedState
    from sp_cancel.client import SellerClient

__all__ = ["Command", "Output", "add_client_options", "jsonable", "make_client"]


class Command(Protocol):
    """A sub-command's body: returns the process exit code."""

    def __call__(self, args: argparse.Namespace, out: Output) -> int:
        """Run the command."""
        ...


def jsonable(value: Any) -> Any:  # noqa: PLR0911 - one return per kind of value
    """Turn outcomes (attrs), enums, Decimals, datetimes and mappings into JSON-ready values."""
    if attrs.has(type(value)):
        return {f.name: jsonable(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, Exception):
        return {"error": type(value).__name__, "message": str(value)}
    return value


class Output:
    """Writes what a command found: aligned tables for people, JSON with ``--json``."""

    def __init__(self, *, as_json: bool = False, stream: IO[str] | None = None, err: IO[str] | None = None) -> None:
        """Write to ``stream`` (stdout) and progress to ``err`` (stderr)."""
        self.as_json = as_json
        self.stream = stream or sys.stdout
        self.err = err or sys.stderr
        self._last_progress = ""

    def line(self, text: str = "") -> None:
        """Print one line (suppressed in JSON mode)."""
        if not self.as_json:
            print(text, file=self.stream)

    def heading(self, text: str) -> None:
        """Print a section heading (suppressed in JSON mode)."""
        self.line()
        self.line(text)
        self.line("-" * len(text))

    def table(self, rows: Iterable[Sequence[object]], headers: Sequence[str]) -> None:
        """Print an aligned table (suppressed in JSON mode)."""
        if self.as_json:
            return
        text_rows = [[_cell(c) for c in row] for row in rows]
        widths = [max([len(h), *(len(r[i]) for r in text_rows)]) for i, h in enumerate(headers)]
        self.line("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
        self.line("  ".join("-" * w for w in widths))
        for row in text_rows:
            self.line("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))

    def json(self, value: object) -> None:
        """Print ``value`` as JSON (only in JSON mode)."""
        if self.as_json:
            print(json.dumps(jsonable(value), indent=2, sort_keys=True), file=self.stream)

    def progress(self, state: FeedState, waited: float) -> None:
        """A feed-progress callback: one status line on stderr, rewritten in place on a terminal."""
        text = f"feed {state.feed_id}: {state.status} after {waited:.0f} s"
        if text == self._last_progress:
            return
        self._last_progress = text
        end = "\n" if state.finished or not self.err.isatty() else "\r"
        print(text, end=end, file=self.err, flush=True)


def _cell(value: object) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def add_client_options(parser: argparse.ArgumentParser) -> None:
    """Options every command that talks to Amazon shares."""
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument(
        "--simulator",
        type=int,
        metavar="SEED",
        default=None,
        help="run against an embedded SP-API simulator seeded with SEED instead of Amazon (for trying things out)",
    )
    parser.add_argument(
        "--journal",
        default=None,
        help="journal file (default: the user state directory); ':memory:' keeps nothing",
    )


def make_client(args: argparse.Namespace) -> SellerClient:
    """The client a command uses: Amazon through ``SellerClient.from_env()``, or an embedded simulator."""
    from sp_cancel.client import SellerClient  # noqa: PLC0415 - keeps `sp-cancel --help` fast

    if getattr(args, "simulator", None) is not None:
        from sp_cancel.testing import Simulator  # noqa: PLC0415

        return Simulator(seed=args.simulator).client(journal=args.journal or ":memory:")
    overrides: dict[str, Any] = {}
    if getattr(args, "journal", None):
        overrides["journal"] = args.journal
    return SellerClient.from_env(**overrides)


Subparsers = "argparse._SubParsersAction[argparse.ArgumentParser]"
Register = Callable[[Any], None]
