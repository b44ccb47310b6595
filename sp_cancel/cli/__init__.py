"""The ``sp-cancel`` command: every workflow from a shell, plus the demo and the simulator.

This is the only place that configures logging. Each group of sub-commands
lives in its own module of this package with a ``register(subparsers)`` function.
Exit codes (docs/cli.md): 0 done, 1 a workflow failed or Amazon refused, 2 bad
usage or bad input, 130 interrupted. With ``--json`` everything, errors included,
is one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Final

import sp_cancel.cli._doubt as cli_doubt
import sp_cancel.cli._listings as cli_listings
import sp_cancel.cli._orders as cli_orders
import sp_cancel.cli._rate as cli_rate
import sp_cancel.cli._refunds as cli_refunds
import sp_cancel.cli._simulator as cli_simulator
from sp_cancel._version import __version__
from sp_cancel.cli._common import EXIT_OK, Output, Parser, UsageError, describe_error, quiet_retries
from sp_cancel.errors import SpCancelError

__all__ = ["main"]

_COMMAND_GROUPS: Final = (cli_simulator, cli_orders, cli_refunds, cli_doubt, cli_listings, cli_rate)
_LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command."""
    parser = Parser(
        prog="sp-cancel",
        description="Amazon seller cancellation workflows through the Selling Partner API.",
        epilog="Credentials come from SP_API_REFRESH_TOKEN, LWA_APP_ID, LWA_CLIENT_SECRET, SP_API_SELLER_ID, "
        "SP_API_MARKETPLACE (and optionally SP_API_ENDPOINT, SP_API_TOKEN_URL), or use --simulator SEED. "
        "Exit codes: 0 done, 1 a workflow failed or Amazon refused, 2 bad usage or input, 130 interrupted.",
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
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    out = Output(as_json="--json" in arguments)
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except UsageError as exc:
        return out.error(describe_error(exc))
    if not getattr(args, "run", None):
        (getattr(args, "help_parser", None) or parser).print_help(file=sys.stdout)
        return EXIT_OK
    from sp_cancel.logging import configure_logging  # noqa: PLC0415 - only the CLI configures logging

    configure_logging(level=args.log_level)
    quiet_retries(args.log_level)
    try:
        code: int = args.run(args, out)
    except (SpCancelError, UsageError, OSError, KeyboardInterrupt) as exc:
        target = getattr(args, "order_id", None) or getattr(args, "sku", None) or "ID"
        return out.error(describe_error(exc, target=target, endpoint=getattr(args, "endpoint_in_use", None)))
    finally:
        out.finish_progress()
    return code
