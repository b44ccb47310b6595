"""Shared plumbing of the ``sp-cancel`` command: output (tables or JSON), errors, progress, the client.

Tables and progress bars come from `rich <https://rich.readthedocs.io>`_ when it is installed
(``pip install 'sp-cancel[cli]'``); without it the same information is printed as plain aligned
text. Progress is drawn on stderr only when stderr is a terminal: piped or redirected, the command
writes nothing there but errors (and log events, at the level asked for).
"""

from __future__ import annotations

import argparse
import enum
import importlib
import json
import logging
import os
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import ModuleType
from typing import IO, TYPE_CHECKING, Any, Final, NoReturn, Protocol

import attrs

import sp_cancel._events as events
from sp_cancel.clock import human_duration
from sp_cancel.errors import (
    ApiError,
    AuthError,
    CancellationRateError,
    FeedTimeoutError,
    InvalidInputError,
    ManualActionRequired,
    NetworkError,
    NotCancellableError,
    NotFoundError,
    SpCancelError,
    ThrottledError,
)

if TYPE_CHECKING:
    from sp_cancel._outcomes import FeedState
    from sp_cancel.client import SellerClient

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_OUTPUT_CLOSED",
    "EXIT_USAGE",
    "Command",
    "DemoStory",
    "ErrorReport",
    "Output",
    "OutputClosedError",
    "Parser",
    "UsageError",
    "add_client_options",
    "describe_error",
    "human_duration",
    "interrupted",
    "jsonable",
    "make_client",
    "may_have_sent",
    "positive_int",
    "quiet_retries",
    "read_text_file",
    "when",
    "why",
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


class OutputClosedError(Exception):
    """Whoever reads the command's output stopped reading (``| head``): the command ends quietly, exit 141."""


class UsageError(Exception):
    """Bad usage or input found by the command line itself (an option, a file): exit 2.

    Attributes:
        hint: the command to run or what to change, for a shell user.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        """Build the error with an optional ``hint``."""
        super().__init__(message)
        self.hint = hint


class Parser(argparse.ArgumentParser):
    """argparse, raising ``UsageError`` instead of printing and exiting, so ``--json`` covers it too."""

    def error(self, message: str) -> NoReturn:
        """Turn argparse's complaint into a ``UsageError`` that names the command's help."""
        raise UsageError(message, hint=f"{self.prog} --help")


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
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, Exception):
        return {"error": type(value).__name__, "message": str(value)}
    return value


def _rich() -> ModuleType | None:
    """The ``rich`` package when it is installed (the ``cli`` extra), else ``None``."""
    try:
        return importlib.import_module("rich")
    except ImportError:
        return None


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# How long Amazon usually takes to process a feed, to show "expected" beside the elapsed time.
# Feeds are queued behind other sellers' (Amazon's feeds best practices: "processing can't be prioritized").
_EXPECTED_FEED_SECONDS: Final = {
    "POST_ORDER_ACKNOWLEDGEMENT_DATA": 180.0,
    "POST_PAYMENT_ADJUSTMENT_DATA": 180.0,
    "JSON_LISTINGS_FEED": 300.0,
}
_DEFAULT_FEED_SECONDS: Final = 300.0


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
        self.rich = _rich()
        self.fancy = self.rich is not None and (_isatty(self.stream) if fancy is None else fancy)
        self.interactive = _isatty(self.err) if interactive is None else interactive
        self._bar: _Bar | None = None

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
        if _isatty(self.stream):
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
        """A feed-progress callback: a bar with elapsed and expected time on a terminal's stderr, else nothing."""
        if not self.interactive:
            return
        expected = _EXPECTED_FEED_SECONDS.get(state.feed_type, _DEFAULT_FEED_SECONDS)
        label = f"feed {state.feed_id} {state.status}"
        if self._bar is None or self._bar.key != state.feed_id:
            self.finish_progress()
            self._bar = _Bar(self, key=state.feed_id, total=expected)
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
        bar = _Bar(self, key=text, total=expected, ticking=True)
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


class _Bar:
    """One progress line on stderr: rich's Progress when available, a rewritten plain line otherwise."""

    def __init__(self, out: Output, *, key: str, total: float | None, ticking: bool = False) -> None:
        self.key = key
        self._out = out
        self._total = total
        self._started = time.monotonic()
        self._plain_text = ""
        self._progress: Any = None
        self._task: Any = None
        rich_progress = importlib.import_module("rich.progress") if out.rich is not None else None
        if rich_progress is None:
            if ticking:
                self._plain(key, 0.0)
            return
        console = importlib.import_module("rich.console").Console(file=out.err, stderr=True)
        expected = f"expected ~{human_duration(total)}" if total else ""
        self._progress = rich_progress.Progress(
            rich_progress.SpinnerColumn(),
            rich_progress.TextColumn("{task.description}"),
            rich_progress.BarColumn(),
            rich_progress.TextColumn("elapsed"),
            rich_progress.TimeElapsedColumn(),
            rich_progress.TextColumn(expected),
            console=console,
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(key, total=total)

    def update(self, label: str, waited: float, *, done: bool) -> None:
        if self._progress is None:
            self._plain(label, waited)
            return
        completed = self._total if done else min(waited, (self._total or waited) * 0.95)
        self._progress.update(self._task, description=label, completed=completed)

    def _plain(self, label: str, waited: float) -> None:
        expected = f" (expected ~{human_duration(self._total)})" if self._total else ""
        text = f"{label}: {human_duration(waited)} elapsed{expected}"
        if text != self._plain_text:
            self._plain_text = text
            print(f"\r{text}", end="", file=self._out.err, flush=True)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
        elif self._plain_text:
            print(file=self._out.err, flush=True)


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


def why(outcome: Any) -> str:
    """The messages of an outcome in one cell: Amazon's messages, its detail, or why it was refused."""
    messages = "; ".join(getattr(m, "description", str(m)) for m in getattr(outcome, "messages", ()))
    error = getattr(outcome, "error", None)
    if not messages and isinstance(error, BaseException):
        report = describe_error(error, target=str(getattr(outcome, "order_id", None) or getattr(outcome, "sku", "")))
        return f"{report.message} {report.hint}" if report.hint else report.message
    return messages or (getattr(outcome, "detail", None) or "")


class DemoStory:
    """What ``sp-cancel demo`` tells: numbered sections, and which workflow succeeded how."""

    def __init__(self, out: Output) -> None:
        """Tell the story on ``out``."""
        self.out = out
        self.number = 0
        self.successes: dict[str, str] = {}

    def section(self, title: str) -> None:
        """Start the next numbered section."""
        self.number += 1
        self.out.heading(f"{self.number}. {title}")

    def say(self, text: str) -> None:
        """A sentence of the story."""
        self.out.line(text)

    def succeeded(self, workflow: str, what: str) -> None:
        """Record that ``workflow`` (a ``SellerClient`` method) succeeded, and what it did."""
        self.successes.setdefault(workflow, what)


# --- errors as a shell user reads them -------------------------------------------------------------

# The library's hints name Python calls; on the command line they name the command to run.
_CLI_HINTS: Final = (
    (
        "issue a refund with partial_refund() instead",
        "refund it instead: sp-cancel refund {id} --principal AMOUNT --currency CUR --reason REASON",
    ),
    (
        "cancel the unshipped units with items=[ItemCancel(...)]",
        (
            "cancel the unshipped units: sp-cancel cancel {id} --reason REASON --item ORDER_ITEM_ID:QTY "
            "(sp-cancel order {id} lists the items)"
        ),
    ),
    (
        (
            "cancel the unshipped units instead with client.cancel_order(order_id, reason, "
            "items=[ItemCancel(order_item_id=..., quantity=...)])"
        ),
        "cancel the unshipped units instead: sp-cancel cancel {id} --reason REASON --item ORDER_ITEM_ID:QTY",
    ),
    (
        "cancel with the real reason (e.g. NO_INVENTORY) through cancel_order() instead",
        "cancel with the real reason instead: sp-cancel cancel {id} --reason NO_INVENTORY",
    ),
    (
        "Cancel the requested items with cancel_order(order_id, BUYER_CANCELED, items=[ItemCancel(...)])",
        "Cancel the requested items: sp-cancel cancel {id} --reason BUYER_CANCELED --item ORDER_ITEM_ID:QTY",
    ),
    ("delete the listing (delete_listing)", "delete the listing (sp-cancel delete-listing {id})"),
)


def cli_hint(hint: str | None, target: str) -> str | None:
    """A library hint rephrased as the command to run (``partial_refund()`` -> ``sp-cancel refund ...``)."""
    if not hint:
        return hint
    for python, shell in _CLI_HINTS:
        for variant in (python, python[:1].upper() + python[1:], python[:1].lower() + python[1:]):
            if variant in hint:
                hint = hint.replace(variant, shell.format(id=target))
    return hint


def _network_hint(exc: NetworkError, endpoint: str | None) -> str:
    where = f"{endpoint} " if endpoint else "the SP-API endpoint "
    return (
        f"check that {where}answers (SP_API_ENDPOINT, SP_API_TOKEN_URL or the region of SP_API_MARKETPLACE), "
        "your network and proxy settings; or try the commands offline with --simulator SEED"
        + ("" if not exc.request_sent else "; if it was a write, `sp-cancel resume` finishes it safely later")
    )


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# What to do about bad input, by the field InvalidInputError names (the library's names for the values).
_INPUT_HINTS: Final = {
    "environment": "set them (see sp-cancel --help), or try the commands with --simulator SEED",
    "order_id": "`sp-cancel orders` lists your orders with their ids",
    "order_item_id": "an order item id is 14 digits: `sp-cancel order ORDER_ID` lists the order's items",
    "sku": "a seller SKU is 1 to 40 characters, as Seller Central shows it",
    "seller_fulfillment_order_id": "give the SellerFulfillmentOrderId you created the multi-channel order with",
    "max_rate": "give a fraction below 1: --max-rate 0.02 is 2 %",
    "amount": "give amounts like 5.00 with the currency's decimals, e.g. --principal 5.00 --currency USD",
}
INTERRUPTED_WHILE_SENDING: Final = (
    "run the same command again, or `sp-cancel resume`, to settle it: the journal recorded what was sent, "
    "so nothing goes out twice"
)


def may_have_sent(args: argparse.Namespace) -> bool:
    """Whether the command may have sent something to Amazon when interrupted.

    A command that writes sets ``sends=True`` on its parser; ``buyer-requests`` writes only with ``--accept``.
    """
    return bool(getattr(args, "sends", False)) and bool(getattr(args, "accept", True))


def interrupted(args: argparse.Namespace | None) -> ErrorReport:
    """What Ctrl-C says: for a command that sends, that something may be out and how to settle it."""
    if args is not None and getattr(args, "interrupt_note", None):
        return ErrorReport(type="Interrupted", message=str(args.interrupt_note), exit_code=EXIT_INTERRUPTED)
    if args is not None and may_have_sent(args):
        return ErrorReport(
            type="Interrupted",
            message="interrupted while talking to Amazon: a feed or a request may already have reached it",
            hint=INTERRUPTED_WHILE_SENDING,
            exit_code=EXIT_INTERRUPTED,
        )
    return ErrorReport(type="Interrupted", message="interrupted; nothing was sent", exit_code=EXIT_INTERRUPTED)


def describe_error(  # noqa: C901, PLR0911, PLR0912 - one answer per kind of error
    exc: BaseException, *, target: str = "ID", endpoint: str | None = None, command: str | None = None
) -> ErrorReport:
    """What the command line says about ``exc``: type, one-line message, request id, hint, exit code."""
    name = type(exc).__name__
    if isinstance(exc, UsageError):
        return ErrorReport(type=name, message=str(exc), hint=exc.hint, exit_code=EXIT_USAGE)
    if isinstance(exc, KeyboardInterrupt):
        return ErrorReport(type="Interrupted", message="interrupted", exit_code=EXIT_INTERRUPTED)
    if isinstance(exc, InvalidInputError):
        field = getattr(exc, "field", None)
        hint = _INPUT_HINTS.get(field or "")
        if hint is None:
            hint = f"sp-cancel {command} --help says what each argument takes" if command else "sp-cancel --help"
        return ErrorReport(type=name, message=str(exc), hint=hint, exit_code=EXIT_USAGE)
    if isinstance(exc, NotCancellableError):
        text = str(exc)
        if exc.hint and text.endswith(exc.hint):
            text = text[: -len(exc.hint)].rstrip()
        return ErrorReport(type=name, message=text, hint=cli_hint(exc.hint, exc.target_id or target))
    if isinstance(exc, ManualActionRequired):
        return ErrorReport(type=name, message=_first_line(exc), hint=exc.url or None)
    if isinstance(exc, NetworkError):
        root = exc  # the innermost network failure says what really happened (an LWA one names lwaToken)
        while isinstance(root.__cause__, NetworkError):
            root = root.__cause__
        cause = str(getattr(root, "message", root))
        if root.operation == "lwaToken":
            where = "the LWA token URL (SP_API_TOKEN_URL, default https://api.amazon.com/auth/o2/token)"
        else:
            where = endpoint or "the SP-API endpoint"
        return ErrorReport(
            type=name,
            message=f"cannot reach {where} ({root.operation}): {cause}",
            request_id=exc.request_id,
            hint=_network_hint(exc, endpoint),
        )
    if isinstance(exc, FeedTimeoutError):
        return ErrorReport(
            type=name,
            message=str(exc),
            hint="Amazon is still processing it: run `sp-cancel resume` later to finish it",
        )
    if isinstance(exc, ApiError):
        return ErrorReport(type=name, message=str(exc), request_id=exc.request_id, hint=_api_hint(exc, target=target))
    if isinstance(exc, CancellationRateError):
        return ErrorReport(type=name, message=str(exc), hint="send fewer orders, or raise or drop --max-rate")
    if isinstance(exc, SpCancelError):
        return ErrorReport(type=name, message=str(exc), request_id=getattr(exc, "request_id", None))
    if isinstance(exc, OSError):
        return ErrorReport(type=name, message=str(exc), exit_code=EXIT_USAGE)
    return ErrorReport(type=name, message=str(exc))


def _api_hint(exc: ApiError, *, target: str) -> str | None:
    if isinstance(exc, AuthError):
        if exc.code == "invalid_grant":
            return "the seller revoked the authorization or the refresh token is wrong: authorize the app again"
        return "check SP_API_REFRESH_TOKEN, LWA_APP_ID and LWA_CLIENT_SECRET, and the app's roles"
    if isinstance(exc, ThrottledError):
        return "Amazon's usage plan is exhausted for now: try again in a few minutes"
    if isinstance(exc, NotFoundError):
        return f"Amazon does not know {target}: sp-cancel orders lists your orders"
    if exc.request_id:
        return "quote the request id when you contact Seller Support"
    return None


def read_text_file(path: str | Any, *, what: str = "CSV file", hint: str | None = None) -> str:
    """Read a UTF-8 file given on the command line; a missing or unreadable file is a ``UsageError``.

    Args:
        path: the file.
        what: what the file is, for the messages (``"CSV file"``, ``"faults file"``).
        hint: the hint of every refusal (default: give the path of an existing ``what``).
    """
    hint = hint or f"give the path of an existing {what}"
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:  # noqa: PTH123 - a str or a Path
            return handle.read()
    except FileNotFoundError:
        raise UsageError(f"{what} {path}: no such file", hint=hint) from None
    except IsADirectoryError:
        raise UsageError(f"{what} {path} is a directory, not a file", hint=hint) from None
    except PermissionError:
        raise UsageError(f"{what} {path}: permission denied", hint=hint) from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{what} {path} is not UTF-8 text ({exc.reason} at byte {exc.start})", hint=hint) from None
    except OSError as exc:
        raise UsageError(f"{what} {path}: cannot read it ({exc.strerror or exc})", hint=hint) from None


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (``--limit``); anything else is a usage error (exit 2)."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


# --- logging ------------------------------------------------------------------------------------------

_RETRY_EVENTS: Final = frozenset(
    {events.CALL_FAILED, events.RETRY_SCHEDULED, events.RETRY_ABANDONED, events.RATE_LIMIT_WAITED}
)


class _QuietRetries(logging.Filter):
    """Drops the retry and rate-limit events: the command reports the final error once."""

    def filter(self, record: logging.LogRecord) -> bool:
        event = record.msg.get("event") if isinstance(record.msg, Mapping) else record.getMessage()
        return not (isinstance(event, str) and event.split(" ", 1)[0] in _RETRY_EVENTS)


def quiet_retries(level: str) -> None:
    """Above INFO, hide the events about retries and failed attempts (the final error is shown once)."""
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.WARNING)
    if numeric <= logging.INFO:
        return
    for handler in logging.getLogger().handlers:
        if getattr(handler, "_sp_cancel", False):
            handler.addFilter(_QuietRetries())


# --- the client --------------------------------------------------------------------------------------


def add_client_options(parser: argparse.ArgumentParser) -> None:
    """Options every command that talks to Amazon shares."""
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
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
        metavar="PATH",
        help="journal file (default: the user state directory, created on the first write); ':memory:' keeps nothing",
    )


def make_client(args: argparse.Namespace) -> SellerClient:
    """The client a command uses: Amazon through ``SellerClient.from_env()``, or an embedded simulator.

    The client opens its journal only when a command writes, so reading commands create no file.
    """
    from sp_cancel.client import SellerClient  # noqa: PLC0415 - keeps `sp-cancel --help` fast

    if getattr(args, "simulator", None) is not None:
        from sp_cancel.testing import Simulator  # noqa: PLC0415

        client = Simulator(seed=args.simulator).client(journal=args.journal or ":memory:")
    else:
        overrides: dict[str, Any] = {}
        if getattr(args, "journal", None):
            overrides["journal"] = args.journal
        client = SellerClient.from_env(**overrides)
    args.endpoint_in_use = client.endpoint
    return client


Register = Callable[[Any], None]
