"""What ``sp-cancel`` reads: the parser, usage errors, files and numbers from the shell, the client to use."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, NoReturn, Protocol, TypeVar

import sp_cancel._events as events

if TYPE_CHECKING:
    from sp_cancel.client import SellerClient
from sp_cancel.cli._output import Output, UsageError

__all__ = [
    "Command",
    "Parser",
    "add_client_options",
    "make_client",
    "parsed",
    "positive_int",
    "quiet_retries",
    "read_text_file",
]

_Number = TypeVar("_Number", int, float)


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


def parsed(text: str, convert: Callable[[str], _Number], what: str) -> _Number:
    """``convert(text)`` for an argparse type; a text it cannot read is a usage error saying it is not ``what``."""
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (``--limit``); anything else is a usage error (exit 2)."""
    number = parsed(text, int, "a whole number")
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


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
    parser.add_argument(
        "--orders-v0",
        choices=("auto", "never"),
        default="auto",
        help="'never': make no Orders v0 call (deprecated by Amazon, removed on 2027-03-27); default 'auto'",
    )


def make_client(args: argparse.Namespace) -> SellerClient:
    """The client a command uses: Amazon through ``SellerClient.from_env()``, or an embedded simulator.

    The client opens its journal only when a command writes, so reading commands create no file.
    """
    from sp_cancel.client import SellerClient  # noqa: PLC0415 - keeps `sp-cancel --help` fast

    if getattr(args, "simulator", None) is not None:
        from sp_cancel.testing import Simulator  # noqa: PLC0415

        client = Simulator(seed=args.simulator).client(
            journal=args.journal or ":memory:", orders_v0=getattr(args, "orders_v0", "auto")
        )
    else:
        overrides: dict[str, Any] = {"orders_v0": getattr(args, "orders_v0", "auto")}
        if getattr(args, "journal", None):
            overrides["journal"] = args.journal
        client = SellerClient.from_env(**overrides)
    args.endpoint_in_use = client.endpoint
    return client
