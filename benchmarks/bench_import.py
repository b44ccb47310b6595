"""What importing sp_cancel costs, side by side with python-amazon-sp-api (issue 20 item 3).

Run from the repository root::

    python benchmarks/bench_import.py              # 20 pairs
    python benchmarks/bench_import.py --runs 50

Each row starts a fresh interpreter that runs one import statement, and the same number of times one that
runs python-amazon-sp-api's ``from sp_api.api import Orders``, in turn (A B A B ...), so load on a shared
machine hits both alike. A run's CPU time is the child's user + system time (``resource.getrusage``), its
wall time the ``subprocess`` call's; the table gives medians and the median of the per-pair ratios. An
interpreter that imports nothing (``python -c pass``) is the floor both pay.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REFERENCE = "from sp_api.api import Orders"
STATEMENTS = (
    "pass",
    "import sp_cancel",
    "from sp_cancel import SellerClient",
    "from sp_cancel import SellerClient; import sp_cancel.testing",
    "import sp_cancel.cli",
)


def run(statement: str) -> tuple[float, float]:
    """CPU and wall seconds of a fresh interpreter running ``statement``."""
    root = Path.cwd()  # the checkout to measure: run from its root
    env = {**os.environ, "PYTHONPATH": str(root)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True, env=env, cwd=root)  # noqa: S603 - constant statements
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def row(statement: str, runs: int) -> str:
    """One table row: ``statement`` against the reference, ``runs`` pairs."""
    run(statement)  # warm the file cache for both
    run(REFERENCE)
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(run(statement))
        theirs.append(run(REFERENCE))
    cpu = [a[0] / b[0] for a, b in zip(ours, theirs, strict=True)]
    wall = [a[1] / b[1] for a, b in zip(ours, theirs, strict=True)]
    return (
        f"| `{statement}` | {statistics.median(a[0] for a in ours) * 1000:.0f} "
        f"| {statistics.median(b[0] for b in theirs) * 1000:.0f} | {statistics.median(cpu):.2f} "
        f"| {statistics.median(a[1] for a in ours) * 1000:.0f} | {statistics.median(b[1] for b in theirs) * 1000:.0f} "
        f"| {statistics.median(wall):.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="pairs per row")
    args = parser.parse_args()
    print(f"Reference: `{REFERENCE}`; {args.runs} pairs per row, medians.\n")
    print("| statement | CPU (ms) | reference CPU (ms) | CPU ratio | wall (ms) | reference wall (ms) | wall ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for statement in STATEMENTS:
        print(row(statement, args.runs), flush=True)


if __name__ == "__main__":
    main()
