"""``sp-cancel demo`` and ``sp-cancel simulator serve``."""

from __future__ import annotations

import argparse
import errno
import json
import math
import shlex
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from sp_cancel.cli._inputs import parsed, read_text_file
from sp_cancel.cli._output import EXIT_INTERRUPTED, Output, OutputClosedError, UsageError
from sp_cancel.client import (
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    ENV_ENDPOINT,
    ENV_MARKETPLACE,
    ENV_REFRESH_TOKEN,
    ENV_SELLER_ID,
    ENV_TOKEN_URL,
)

if TYPE_CHECKING:
    from sp_cancel.testing._sim.faults import FaultRule
    from sp_cancel.testing._sim.timing import Lags

__all__ = ["environment_lines", "load_faults_file", "register"]

FAULTS_FORMAT: Final = (
    'a JSON list of rules, e.g. [{"operation": "feeds.createFeed", "fault": "503", "count": 2}] '
    '(or {"faults": [...]}); each rule takes operation, fault, nth, probability, count, seconds: '
    'see "Faults file" in docs/testing.md'
)
_RULE_KEYS: Final = ("operation", "fault", "nth", "probability", "count", "seconds")
# What `sp-cancel simulator serve` prints -> the variable SellerClient.from_env reads it from.
_ENVIRONMENT: Final = (
    (ENV_ENDPOINT, "base_url"),
    (ENV_TOKEN_URL, "token_url"),
    (ENV_REFRESH_TOKEN, "refresh_token"),
    (ENV_CLIENT_ID, "client_id"),
    (ENV_CLIENT_SECRET, "client_secret"),
    (ENV_SELLER_ID, "seller_id"),
    (ENV_MARKETPLACE, "marketplace_id"),
)


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
        help="serve the simulator over HTTP; prints its URLs and credentials as JSON on the first line "
        "(or, with --print-env, as shell export lines)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000; 0 picks a free one)")
    serve.add_argument("--seed", type=int, default=0, help="seeds the orders, listings and ids (default 0)")
    serve.add_argument(
        "--scale",
        type=_scale,
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
    serve.add_argument(
        "--print-env",
        action="store_true",
        help="print `export NAME=value` lines for the seven variables sp-cancel reads (SP_API_ENDPOINT, "
        "SP_API_TOKEN_URL, the credentials, SP_API_SELLER_ID, SP_API_MARKETPLACE) instead of the JSON line",
    )
    serve.set_defaults(run=_serve, interrupt_note="the simulator stopped (Ctrl-C)")
    simulator.set_defaults(help_parser=simulator)


def _port(text: str) -> int:
    port = parsed(text, int, "a port number")
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535 (0 picks a free one), got {port}")
    return port


def _scale(text: str) -> float:
    scale = parsed(text, float, "a number")
    if not (math.isfinite(scale) and scale > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number (10 runs ten times Amazon's pace), got {text}")
    return scale


def _demo(args: argparse.Namespace, out: Output) -> int:
    from sp_cancel.cli._demo import run_demo  # noqa: PLC0415 - imports the simulator only when asked

    return run_demo(seed=args.seed, out=out)


def load_faults_file(path: str) -> tuple[list[FaultRule], Lags | None]:
    """The fault rules (and lags) of a ``--faults`` file; anything wrong is a ``UsageError`` naming what.

    The file holds a list of rules, or settings ``{"faults": [...], "lags": {...}}``.

    Raises:
        UsageError: the file is missing or unreadable, is not JSON, is not a list of rules, a rule is wrong, or
            its lags are.
    """
    from sp_cancel.testing._sim.faults import parse_rules  # noqa: PLC0415 - the simulator only when asked

    text = read_text_file(path, what="faults file", hint=f"give the path of {FAULTS_FORMAT}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"faults file {path} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            hint=f"write {FAULTS_FORMAT}",
        ) from None
    data, lags = _settings(data, path)
    if not isinstance(data, list):
        raise UsageError(f"faults file {path} holds a {type(data).__name__}, not a list of rules", hint=FAULTS_FORMAT)
    rules: list[FaultRule] = []
    for number, raw in enumerate(data, 1):
        where = f"faults file {path}, rule {number}"
        if not isinstance(raw, dict):
            raise UsageError(f"{where} is a {type(raw).__name__}, not an object", hint=FAULTS_FORMAT)
        unknown = sorted(set(raw) - set(_RULE_KEYS))
        if unknown:
            raise UsageError(
                f"{where}: unknown key(s) {', '.join(unknown)}; a rule takes {', '.join(_RULE_KEYS)}",
                hint=FAULTS_FORMAT,
            )
        if "fault" not in raw:
            raise UsageError(f"{where}: no 'fault' (which failure to inject)", hint=FAULTS_FORMAT)
        try:
            rules.extend(parse_rules([raw]))
        except (ValueError, TypeError) as exc:
            raise UsageError(f"{where}: {exc}", hint=FAULTS_FORMAT) from None
    return rules, lags


def _settings(data: object, path: str) -> tuple[object, Lags | None]:
    """The rules of a settings file ``{"faults": [...], "lags": {...}}`` and its lags; other data as it is."""
    from sp_cancel.testing._sim.timing import Lags  # noqa: PLC0415 - the simulator only when asked

    if not (isinstance(data, dict) and set(data) <= {"faults", "lags"} and "faults" in data):
        return data, None
    try:
        lags = Lags.from_mapping(data["lags"]) if "lags" in data else None
    except (ValueError, TypeError, AttributeError) as exc:
        raise UsageError(f"faults file {path}: lags: {exc}", hint=FAULTS_FORMAT) from None
    return data["faults"], lags


def environment_lines(info: Mapping[str, str]) -> str:
    """The served simulator as ``export`` lines for a POSIX shell, then a comment saying it is serving."""
    lines = [f"export {name}={shlex.quote(str(info[key]))}" for name, key in _ENVIRONMENT]
    lines.append(f"# sp-cancel simulator serving at {info['base_url']} (Ctrl-C stops it)")
    return "\n".join(lines) + "\n"


def _serve(args: argparse.Namespace, out: Output) -> int:
    from sp_cancel.clock import SystemClock  # noqa: PLC0415
    from sp_cancel.testing import Simulator, SimulatorCredentials  # noqa: PLC0415
    from sp_cancel.testing._sim.app import serve_forever  # noqa: PLC0415

    faults, lags = load_faults_file(args.faults) if args.faults else (None, None)
    defaults = SimulatorCredentials()  # an option not given keeps the simulator's default
    credentials = SimulatorCredentials(
        refresh_token=args.refresh_token or defaults.refresh_token,
        client_id=args.client_id or defaults.client_id,
        client_secret=args.client_secret or defaults.client_secret,
    )
    sim = Simulator(
        seed=args.seed,
        scale=args.scale,
        faults=faults,
        lags=lags,
        seller_id=args.seller_id or "A1SIMSELLER0001",
        clock=SystemClock(),
        credentials=credentials,
    )
    announce = environment_lines if args.print_env else None
    try:
        serve_forever(sim, host=args.host, port=args.port, out=out.stream, announce=announce)
    except BrokenPipeError:
        raise OutputClosedError from None
    except OSError as exc:
        raise _listen_error(exc, args.host, args.port) from None
    # serve_forever returns only once Ctrl-C (SIGINT) stopped it.
    out.note("sp-cancel: the simulator stopped (Ctrl-C)")
    return EXIT_INTERRUPTED


def _listen_error(exc: OSError, host: str, port: int) -> UsageError:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return UsageError(
            f"port {port} is already in use on {host}",
            hint="stop what listens there, choose another --port, or use --port 0 for a free one",
        )
    if exc.errno == errno.EACCES:
        return UsageError(f"not allowed to listen on {where}", hint="use a port above 1023, e.g. --port 8000")
    return UsageError(f"cannot listen on {where}: {exc.strerror or exc}", hint="use --host 127.0.0.1 --port 0")
