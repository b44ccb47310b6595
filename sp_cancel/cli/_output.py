"""What ``sp-cancel`` prints: exit codes, tables or one JSON document, error reports, outcome summaries."""

from __future__ import annotations

import enum
import importlib
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, Final

import attrs

from sp_cancel.clock import human_duration

if TYPE_CHECKING:
    from sp_cancel._outcomes import FeedState
from sp_cancel.cli._progress import DEFAULT_FEED_SECONDS, EXPECTED_FEED_SECONDS, Bar, is_terminal, rich_module

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_OUTPUT_CLOSED",
    "EXIT_UNCONFIRMED",
    "EXIT_USAGE",
    "ErrorReport",
    "Output",
    "OutputClosedError",
    "UsageError",
    "jsonable",
    "when",
]


# The exit codes of docs/cli.md.
EXIT_OK: Final = 0


EXIT_FAILED: Final = 1  # a workflow failed or Amazon refused


EXIT_USAGE: Final = 2  # bad usage or bad input


EXIT_UNCONFIRMED: Final = 3  # a refund or unit cancel may have been sent and Amazon has not shown it yet


EXIT_INTERRUPTED: Final = 130


EXIT_OUTPUT_CLOSED: Final = 141  # 128 + SIGPIPE: what `cat`, `seq`, `git log` give when `| head` stops reading


# A table wider than this (or than the terminal) wraps its longest cells.
_TABLE_WIDTH: Final = 120


_MIN_COLUMN: Final = 12


class UsageError(Exception):
    """Bad usage or input found by the command line itself (an option, a file): exit 2.

    Attributes:
        hint: the command to run or what to change, for a shell user.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        """Build the error with an optional ``hint``."""
        super().__init__(message)
        self.hint = hint


class OutputClosedError(Exception):
    """Whoever reads the command's output stopped reading (``| head``): the command ends quietly, exit 141."""


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
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, Exception):
        return {"error": type(value).__name__, "message": str(value)}
    return value


@attrs.frozen(kw_only=True)
class ErrorReport:
    """An error as the command line shows it: ``{"error": {"type", "message", "request_id", "hint"}}``."""

    type: str
    message: str
    request_id: str | None = None
    hint: str | None = None
    exit_code: int = EXIT_FAILED

    def as_json(self) -> dict[str, object]:
        """The JSON document printed with ``--json``."""
        return {"error": {"type": self.type, "message": self.message, "request_id": self.request_id, "hint": self.hint}}


class Output:
    """Writes what a command found: tables for people, one JSON document with ``--json``; progress on stderr.

    Args:
        as_json: print one JSON document on stdout instead of tables and lines.
        stream: where results go (stdout).
        err: where progress and errors go (stderr).
        fancy: rich tables on ``stream``; default: rich is installed and ``stream`` is a terminal.
        interactive: draw progress on ``err``; default: ``err`` is a terminal.
    """

    def __init__(
        self,
        *,
        as_json: bool = False,
        stream: IO[str] | None = None,
        err: IO[str] | None = None,
        fancy: bool | None = None,
        interactive: bool | None = None,
    ) -> None:
        self.as_json = as_json
        self.stream = stream or sys.stdout
        self.err = err or sys.stderr
        self.rich = rich_module()
        self.fancy = self.rich is not None and (is_terminal(self.stream) if fancy is None else fancy)
        self.interactive = is_terminal(self.err) if interactive is None else interactive
        self._bar: Bar | None = None

    # -- results ----------------------------------------------------------------------------------

    def _print(self, text: str) -> None:
        """Write ``text`` and a newline on ``stream``; a closed pipe raises ``OutputClosedError``."""
        try:
            print(text, file=self.stream, flush=True)
        except BrokenPipeError:
            raise OutputClosedError from None

    def note(self, text: str) -> None:
        """Write one line on stderr (a note beside the results); a closed stderr is ignored."""
        with suppress(BrokenPipeError):
            print(text, file=self.err, flush=True)

    def text(self, text: str) -> None:
        """Print ``text`` as it is, ``--json`` or not (the help)."""
        self._print(text.rstrip("\n"))

    def line(self, text: str = "") -> None:
        """Print one line (suppressed in JSON mode)."""
        if not self.as_json:
            self._print(text)

    def heading(self, text: str) -> None:
        """Print a section heading (suppressed in JSON mode)."""
        self.line()
        self.line(text)
        self.line("-" * len(text))

    def table(self, rows: Iterable[Sequence[object]], headers: Sequence[str], *, title: str | None = None) -> None:
        """Print a table: rich on a terminal, aligned plain text otherwise (suppressed in JSON mode)."""
        if self.as_json:
            return
        text_rows = [[_cell(c) for c in row] for row in rows]
        if self.fancy and self.rich is not None:
            self._rich_table(text_rows, headers, title)
            return
        if title:
            self.line(title)
        natural = [max([len(h), *(len(r[i]) for r in text_rows)]) for i, h in enumerate(headers)]
        widths = _fit(natural, self.width())
        self.line("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
        self.line("  ".join("-" * w for w in widths))
        for row in text_rows:
            cells = [_wrap(c, w) for c, w in zip(row, widths, strict=True)]
            for number in range(max(len(c) for c in cells)):
                parts = [c[number] if number < len(c) else "" for c in cells]
                self.line("  ".join(p.ljust(w) for p, w in zip(parts, widths, strict=True)).rstrip())

    def width(self) -> int:
        """How wide a plain table may be: ``COLUMNS``, else the terminal's width, else 120 characters."""
        columns = os.environ.get("COLUMNS", "")
        if columns.isdigit() and int(columns) > 0:
            return int(columns)
        if is_terminal(self.stream):
            return shutil.get_terminal_size((_TABLE_WIDTH, 24)).columns
        return _TABLE_WIDTH

    def _rich_table(self, rows: list[list[str]], headers: Sequence[str], title: str | None) -> None:
        console_mod = importlib.import_module("rich.console")
        table_mod = importlib.import_module("rich.table")
        box = importlib.import_module("rich.box")
        table = table_mod.Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
        for header in headers:
            table.add_column(header, overflow="fold")
        for row in rows:
            table.add_row(*row)
        try:
            console_mod.Console(file=self.stream, highlight=False).print(table)
            self.stream.flush()
        except BrokenPipeError:
            raise OutputClosedError from None

    def json(self, value: object) -> None:
        """Print ``value`` as the command's one JSON document (only in JSON mode)."""
        if self.as_json:
            self._print(json.dumps(jsonable(value), indent=2, sort_keys=True))

    def error(self, report: ErrorReport) -> int:
        """Show an error (JSON on stdout with ``--json``, else stderr) and return its exit code."""
        self.finish_progress()
        if self.as_json:
            self._print(json.dumps(report.as_json(), indent=2, sort_keys=True))
            return report.exit_code
        head = f"sp-cancel: {report.type}: " if report.type not in {"UsageError", "Interrupted"} else "sp-cancel: "
        self.note(f"{head}{report.message}")
        if report.hint:
            self.note(f"  hint: {report.hint}")
        return report.exit_code

    # -- progress ---------------------------------------------------------------------------------

    def progress(self, state: FeedState, waited: float) -> None:
        """A feed-progress callback: a bar with elapsed and expected time on a terminal's stderr, else nothing.

        The expected time is what the poller learned from the last feed of this type (``state.expected_seconds``),
        or Amazon's usual time for the type before one finished.
        """
        if not self.interactive:
            return
        expected = state.expected_seconds
        if expected is None:
            expected = EXPECTED_FEED_SECONDS.get(state.feed_type, DEFAULT_FEED_SECONDS)
        label = f"feed {state.feed_id} {state.status}"
        if self._bar is None or self._bar.key != state.feed_id:
            self.finish_progress()
            self._bar = Bar(self, key=state.feed_id, total=expected)
        with suppress(BrokenPipeError):
            self._bar.update(label, waited, done=state.finished)
        if state.finished:
            self.finish_progress()

    @contextmanager
    def activity(self, text: str, *, expected: float | None = None) -> Iterator[None]:
        """Show ``text`` with the elapsed time (and the ``expected`` seconds) while the block runs."""
        if not self.interactive:
            yield
            return
        self.finish_progress()
        bar = Bar(self, key=text, total=expected, ticking=True)
        self._bar = bar
        try:
            yield
        finally:
            if self._bar is bar:
                self.finish_progress()

    def finish_progress(self) -> None:
        """Close the progress bar being drawn, if any (a closed stderr is ignored)."""
        if self._bar is not None:
            bar, self._bar = self._bar, None
            with suppress(BrokenPipeError):
                bar.close()


def when(moment: datetime | None) -> str:
    """A moment as the command line writes every time: ``2026-11-26 14:06 UTC`` (converted to UTC)."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _cell(value: object) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, timedelta):
        return human_duration(value)
    return "" if value is None else str(value)


def _fit(natural: Sequence[int], width: int) -> list[int]:
    """Column widths within ``width`` (two spaces between columns): the widest columns give way first."""
    available = width - 2 * (len(natural) - 1)
    if sum(natural) <= available:
        return list(natural)
    widths = list(natural)
    # Shrink the widest column to the next width down, until everything fits or all are at the minimum.
    while sum(widths) > available:
        widest = max(widths)
        if widest <= _MIN_COLUMN:
            break
        second = max([w for w in widths if w < widest] or [_MIN_COLUMN])
        count = widths.count(widest)
        excess = sum(widths) - available
        target = max(_MIN_COLUMN, second, widest - -(-excess // count))
        widths = [target if w == widest else w for w in widths]
    return widths


def _wrap(text: str, width: int) -> list[str]:
    """A cell's text in lines of at most ``width`` characters (words kept whole where they fit)."""
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]
