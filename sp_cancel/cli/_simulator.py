"""``sp-cancel demo`` and ``sp-cancel simulator serve``."""

from __future__ import annotations

import argparse
from typing import Any

from sp_cancel.cli._common import Output

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``demo`` and ``simulator serve``."""
    demo = subparsers.add_parser(
        "demo", help="run every workflow against an embedded SP-API simulator and show what happened"
    )
    demo.add_argument("--seed", type=int, default=7, help="simulator seed: another seed, another world (default 7)")
    demo.set_defaults(run=_demo)

    simulator = subparsers.add_parser("simulator", help="the local SP-API simulator")
    sim_sub = simulator.add_subparsers(dest="simulator_command", metavar="SUBCOMMAND")
    serve = sim_sub.add_parser(
        "serve",
        help="serve the simulator over HTTP; prints its URLs and credentials as JSON on the first line",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0 picks a free one)")
    serve.add_argument("--seed", type=int, default=0, help="seeds the orders, listings and ids (default 0)")
    serve.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply usage-plan rates and divide feed and report durations by this (default 1: Amazon's pace)",
    )
    serve.add_argument(
        "--faults", default=None, metavar="FILE", help="JSON list of fault rules to inject (see docs/testing.md)"
    )
    serve.add_argument("--seller-id", default=None, help="the simulated seller id (default A1SIMSELLER0001)")
    serve.add_argument("--client-id", default=None, help="the LWA client id it accepts (default: a fake one)")
    serve.add_argument("--client-secret", default=None, help="the LWA client secret it accepts (default: a fake one)")
    serve.add_argument("--refresh-token", default=None, help="the refresh token it accepts (default: a fake one)")
    serve.set_defaults(run=_serve)
    simulator.set_defaults(help_parser=simulator)


def _demo(args: argparse.Namespace, out: Output) -> int:
    from sp_cancel.cli._demo import run_demo  # noqa: PLC0415 - imports the simulator only when asked

    return run_demo(seed=args.seed, out=out)


def _serve(args: argparse.Namespace, out: Output) -> int:
    del out
    from sp_cancel.clock import SystemClock  # noqa: PLC0415
    from sp_cancel.testing import Simulator, SimulatorCredentials  # noqa: PLC0415
    from sp_cancel.testing._sim.app import serve_forever  # noqa: PLC0415

    defaults = SimulatorCredentials()  # an option not given keeps the simulator's default
    credentials = SimulatorCredentials(
        refresh_token=args.refresh_token or defaults.refresh_token,
        client_id=args.client_id or defaults.client_id,
        client_secret=args.client_secret or defaults.client_secret,
    )
    sim = Simulator(
        seed=args.seed,
        scale=args.scale,
        faults=args.faults or None,
        seller_id=args.seller_id or "A1SIMSELLER0001",
        clock=SystemClock(),
        credentials=credentials,
    )
    serve_forever(sim, host=args.host, port=args.port)
    return 0
