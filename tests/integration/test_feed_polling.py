"""Adaptive feed polling (issue 13 item 10, issue 18 item 9): poll intervals follow the processing time observed.

Simulated time only (the simulator's FakeClock, or the time the CLI's own clock measured): no real-time assertion.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from sp_cancel import CancelReason
from sp_cancel._operations import OPERATIONS
from sp_cancel.testing import Exchange, Lags, Simulator


def _polls(sim: Simulator) -> list[datetime]:
    seen: list[datetime] = []

    def watch(exchange: Exchange) -> None:
        if exchange.operation == "feeds.getFeed":
            seen.append(sim.now())

    sim.observe(watch)
    return seen


def test_the_second_feed_is_polled_around_the_processing_time_seen_for_the_first() -> None:
    """The first feed follows the doubling schedule; the next one is polled just after the time the first took."""
    sim = Simulator(seed=31, orders=40, lags=Lags.none())
    client = sim.client()
    orders = [o.order_id for o in sim.orders(status="Unshipped", channel="MFN")[:2]]
    polls = _polls(sim)
    client.cancel_order(orders[0], CancelReason.NO_INVENTORY)
    first = len(polls)
    first_feed = max(sim.world.feeds.values(), key=lambda f: f.created_at)
    client.cancel_order(orders[1], CancelReason.NO_INVENTORY)
    second = polls[first:]
    feed = max(sim.world.feeds.values(), key=lambda f: f.created_at)
    assert feed.ended_at is not None
    assert first_feed.ended_at is not None
    assert len(second) < first  # fewer getFeed calls once the processing time is known
    overshoot = (second[-1] - feed.ended_at).total_seconds()
    first_overshoot = (polls[first - 1] - first_feed.ended_at).total_seconds()
    assert 0 <= overshoot < first_overshoot  # the finish is seen sooner after it happened


def test_polls_never_come_faster_than_get_feeds_usage_plan() -> None:
    """However short the processing time learned, polls stay at least 1 / rate apart and draw no 429."""
    sim = Simulator(seed=32, orders=40, lags=Lags.none())
    # make processing nearly instant, so the learned time is shorter than getFeed's plan allows polling at
    sim._core.feed_timing.queue_seconds = 0.0
    sim._core.feed_timing.base_seconds = 0.1
    client = sim.client()
    polls = _polls(sim)
    for order in sim.orders(status="Unshipped", channel="MFN")[:3]:
        client.cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    floor = 1 / OPERATIONS["feeds.getFeed"].rate
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(polls)]
    assert all(g >= floor - 1e-6 for g in gaps if g > 0), gaps


# --- the CLI against `simulator serve --scale 100` ----------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
_CLI = "import sys\nfrom _sp_cancel_cli import main\nsys.exit(main())\n"
_WAIT = 60.0  # seconds for a process to answer: generous for a loaded machine


def _environment(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SP_API_", "LWA_", "COLUMNS"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.update(extra)
    return env


@pytest.fixture
def served_at_100x() -> Iterator[dict[str, str]]:
    """``sp-cancel simulator serve --scale 100 --print-env``: the variables it printed, as a dict."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            "-c",
            _CLI,
            "simulator",
            "serve",
            "--port",
            "0",
            "--seed",
            "3",
            "--scale",
            "100",
            "--print-env",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_environment({}),
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        variables: dict[str, str] = {}
        for raw in process.stdout:  # the lines come at once, the serving comment last
            line = raw.decode()
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").strip().partition("=")
                variables[name] = value
            if line.startswith("# sp-cancel simulator serving at"):
                break
        yield variables
    finally:
        process.terminate()
        process.wait(timeout=_WAIT)
        if process.stdout is not None:
            process.stdout.close()


def _run(served: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _CLI, *args],
        capture_output=True,
        text=True,
        env=_environment(served),
        cwd=ROOT,
        timeout=_WAIT,
        check=False,
    )


def test_a_cancel_against_a_100x_simulator_waits_for_its_feed_well_under_15_s(
    served_at_100x: dict[str, str],
) -> None:
    """The CLI's first feed (nothing learned) is seen DONE after well under 15 s on the client's own clock.

    The simulator processes the feed in 0.5 s (50 s of Amazon's time at 100x); the old fixed first poll
    waited 15 s. The figure is the ``waited`` the library measured on its injected clock and logged.
    """
    listed = _run(served_at_100x, "orders", "--status", "UNSHIPPED", "--channel", "MFN", "--limit", "1", "--json")
    assert listed.returncode == 0, listed.stderr
    (order,) = json.loads(listed.stdout)
    done = _run(
        served_at_100x,
        "--log-level",
        "INFO",
        "cancel",
        order["order_id"],
        "--reason",
        "NO_INVENTORY",
        "--journal",
        ":memory:",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "CANCELLED"
    finished = re.findall(r"feed_finished.*?waited=([0-9.]+)", done.stderr)
    assert len(finished) == 1, done.stderr
    assert float(finished[0]) < 7.5, done.stderr
