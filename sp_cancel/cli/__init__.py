"""The ``sp-cancel`` command: every workflow from a shell, plus the demo and the simulator.

This is the only place that configures logging. Each group of sub-commands
lives in its own module of this package with a ``register(subparsers)`` function.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Final

import sp_cancel.cli._listings as cli_listings
import sp_cancel.cli._orders as cli_orders
import sp_cancel.cli._rate as cli_rate
import sp_cancel.cli._refunds as cli_refunds
import sp_cancel.cli._simulator as cli_simulator
from sp_cancel._version import __version__
from sp_cancel.cli._common import Output
from sp_cancel.errors import SpCancelError

__all__ = ["main"]

_COMMAND_GROUPS: Final = (cli_simulator, cli_orders, cli_refunds, cli_listings, cli_rate)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="sp-cancel",
        description="Amazon seller cancellation workflows through the Selling Partner API.",
        epilog="Credentials come from SP_API_REFRESH_TOKEN, LWA_APP_ID, LWA_CLIENT_SECRET, SP_API_SELLER_ID, "
        "SP_API_MARKETPLACE (and optionally SP_API_ENDPOINT, SP_API_TOKEN_URL), or use --simulator SEED.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--log-level", default="WARNING", help="log level for sp_cancel's events (default WARNING)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in _COMMAND_GROUPS:
        group.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sp-cancel``; returns the exit code (0 ok, 1 a workflow failed, 2 bad usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    from sp_cancel.logging import configure_logging  # noqa: PLC0415 - only the CLI configures logging

    configure_logging(level=args.log_level)
    out = Output(as_json=getattr(args, "json", False))
    try:
        code: int = args.run(args, out)
    except SpCancelError as exc:
        print(f"sp-cancel: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code
