"""The ``sp-cancel`` command: every workflow from a shell, plus the demo and the simulator.

This is the only place that configures logging. Each group of sub-commands
lives in its own ``_cli_*`` module with a ``register(subparsers)`` function.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Final

from sp_cancel._cli_common import Output
from sp_cancel._version import __version__
from sp_cancel.errors import SpCancelError

__all__ = ["main"]

_COMMAND_MODULES: Final = (
    "sp_cancel._cli_sim",
    "sp_cancel._cli_orders",
    "sp_cancel._cli_refunds",
    "sp_cancel._cli_listings",
    "sp_cancel._cli_rate",
)


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
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
