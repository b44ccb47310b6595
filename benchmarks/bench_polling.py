"""Wall time of ``sp-cancel cancel`` against ``sp-cancel simulator serve --scale N`` (issue 18 item 9).

Run from the repository root::

    .venv/bin/python benchmarks/bench_polling.py                 # scale 100, 3 cancels
    .venv/bin/python benchmarks/bench_polling.py --scale 10 --runs 2

Serves the simulator in a subprocess on loopback, then runs the console script's ``cancel`` (one whole-order
cancel of a different unshipped MFN order each run, ``--journal :memory:``) and reports, per run, the wall time of
the whole command, the ``waited`` the library logged when the feed finished (its own clock) and how many
``getFeed`` polls it made. Each run is a new process, so the poller has learned nothing (the first feed's cadence).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = "import sys\nfrom _sp_cancel_cli import main\nsys.exit(main())\n"


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SP_API_", "LWA_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.update(extra)
    return env


def _run(served: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CLI, *args], capture_output=True, text=True, env=_env(served), cwd=ROOT, check=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=100.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    serve = ["simulator", "serve", "--port", "0", "--seed", "3", "--scale", str(args.scale), "--print-env"]
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CLI, *serve],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env({}),
        cwd=ROOT,
    )
    try:
        if server.stdout is None:
            raise SystemExit("the simulator has no stdout")
        served: dict[str, str] = {}
        for line in server.stdout:
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").strip().partition("=")
                served[name] = value
            if line.startswith("# sp-cancel simulator serving at"):
                break
        listed = _run(
            served, "orders", "--status", "UNSHIPPED", "--channel", "MFN", "--limit", str(args.runs), "--json"
        )
        orders = [o["order_id"] for o in json.loads(listed.stdout)]
        print(f"scale {args.scale:g}, Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}")
        print("| run | wall (s) | feed waited, logged (s) | getFeed polls |\n| ---: | ---: | ---: | ---: |")
        for n, order in enumerate(orders, 1):
            started = time.perf_counter()
            done = _run(
                served, "--log-level", "DEBUG", "cancel", order, "--reason", "NO_INVENTORY", "--journal", ":memory:"
            )
            wall = time.perf_counter() - started
            waited = re.findall(r"feed_finished.*?waited=([0-9.]+)", done.stderr)
            polls = len(re.findall(r"feed_polled", done.stderr))
            print(f"| {n} | {wall:.2f} | {waited[0] if waited else '?'} | {polls} |")
    finally:
        server.terminate()
        server.wait()
        if server.stdout is not None:
            server.stdout.close()


if __name__ == "__main__":
    main()
