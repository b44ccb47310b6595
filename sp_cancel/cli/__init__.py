"""The ``sp-cancel`` command: every workflow from a shell, plus the demo and the simulator.

This is the only place that configures logging. Each group of sub-commands
lives in its own module of this package with a ``register(subparsers)`` function.
Exit codes (docs/cli.md): 0 done, 1 a workflow failed or Amazon refused, 2 bad
usage or bad input, 130 interrupted, 141 the reader of the output stopped reading.
With ``--json`` everything, errors included, is one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Final

import sp_cancel.cli._doubt as cli_doubt
import sp_cancel.cli._listings as cli_listings
import sp_cancel.cli._notifications as cli_notifications
import sp_cancel.cli._orders as cli_orders
import sp_cancel.cli._rate as cli_rate
import sp_cancel.cli._refunds as cli_refunds
import sp_cancel.cli._simulator as cli_simulator
import sp_cancel.cli._watch as cli_watch
from sp_cancel._version import __version__
from sp_cancel.cli._hints import describe_error, interrupted
from sp_cancel.cli._inputs import Parser, quiet_retries
from sp_cancel.cli._output import EXIT_OK, EXIT_OUTPUT_CLOSED, Output, OutputClosedError, UsageError
from sp_cancel.cli._signals import Interrupts, detach, settle_output
from sp_cancel.errors import SpCancelError

__all__ = ["main", "settle_output"]

_COMMAND_GROUPS: Final = (
    cli_simulator,
    cli_orders,
    cli_refunds,
    cli_doubt,
    cli_listings,
    cli_rate,
    cli_notifications,
    cli_watch,
)
_LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command."""
    parser = Parser(
        prog="sp-cancel",
        description="Amazon seller cancellation workflows through the Selling Partner API.",
        epilog="Credentials come from SP_API_REFRESH_TOKEN, LWA_APP_ID, LWA_CLIENT_SECRET, SP_API_SELLER_ID, "
        "SP_API_MARKETPLACE (and optionally SP_API_ENDPOINT, SP_API_TOKEN_URL), or use --simulator SEED. "
        "Exit codes: 0 done, 1 a workflow failed or Amazon refused, 2 bad usage or input, 130 interrupted, "
        "141 the output's reader stopped reading (| head).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--log-level",
        default="WARNING",
        type=str.upper,
        choices=_LOG_LEVELS,
        metavar="LEVEL",
        help="log level for sp_cancel's events: DEBUG, INFO (also shows retries), WARNING (default), ERROR",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in _COMMAND_GROUPS:
        group.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sp-cancel``; returns the exit code (0 ok, 1 a workflow failed, 2 bad usage, 130 interrupted).

    ``sp-cancel`` alone (or a command group alone, like ``sp-cancel simulator``) prints its help and exits 0.
    Never a traceback: Ctrl-C exits 130 with a line saying what may be in flight; a reader that stops
    reading (``| head``) ends the command quietly with 141.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    out = Output(as_json="--json" in arguments)
    with Interrupts(out) as interrupts:
        try:
            return _run(arguments, out, interrupts)
        except OutputClosedError:
            detach(out.stream)
            return EXIT_OUTPUT_CLOSED


def _run(arguments: list[str], out: Output, interrupts: Interrupts) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except UsageError as exc:
        return out.error(describe_error(exc))
    interrupts.args = args
    if not getattr(args, "run", None):
        out.text((getattr(args, "help_parser", None) or parser).format_help())
        return EXIT_OK
    from sp_cancel.logging import configure_logging  # noqa: PLC0415 - only the CLI configures logging

    configure_logging(level=args.log_level)
    quiet_retries(args.log_level)
    try:
        with interrupts.work():
            code: int = args.run(args, out)
    except KeyboardInterrupt:
        return out.error(interrupted(args))
    except (SpCancelError, UsageError, OSError) as exc:
        target = getattr(args, "order_id", None) or getattr(args, "sku", None) or "ID"
        report = describe_error(
            exc, target=target, endpoint=getattr(args, "endpoint_in_use", None), command=args.command
        )
        return out.error(report)
    finally:
        out.finish_progress()
    return code
