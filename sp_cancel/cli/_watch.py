"""``sp-cancel watch``: answer buyer cancellation requests as a service; ``watch status``; ``watch dlq``.

``sp-cancel watch [--queue-url URL] [--sweep-every SECONDS] [--journal PATH] [--dry-run]`` (design §6) reads
SP-API settings like every other command and SQS settings from boto3's own configuration (credentials chain,
``AWS_REGION``, ``AWS_ENDPOINT_URL_SQS`` for a local endpoint). SIGTERM or SIGINT stops it after the message in
hand, exit 0.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from sp_cancel.cli._inputs import add_client_options, make_client, positive_int
from sp_cancel.cli._output import EXIT_OK, Output, UsageError, when

if TYPE_CHECKING:
    from sp_cancel.cli._story import DemoStory
    from sp_cancel.client import SellerClient
    from sp_cancel.orders import Order
    from sp_cancel.testing import Simulator
    from sp_cancel.watch import Decision, SqsQueue, Watch

__all__ = ["ENV_APPLICATION_ID", "demo_section", "register"]

ENV_APPLICATION_ID: Final = "SP_API_APPLICATION_ID"
_SIMULATED_HOURS: Final = 24.0
MIN_SWEEP: Final = 180.0  # sp_cancel.watch.MIN_SWEEP_SECONDS, without importing the watch for `--help`


def register(subparsers: Any) -> None:
    """Add ``watch``, ``watch status`` and ``watch dlq``."""
    watch = subparsers.add_parser(
        "watch",
        help="answer buyer cancellation requests as they come (SQS ORDER_CHANGE and a polling sweep)",
        description="Accept buyer cancellation requests for unshipped orders and report Amazon's own cancels, "
        "from Amazon's ORDER_CHANGE notifications on SQS and a polling sweep; each request is decided once "
        "(journaled with its reason) however many times it is delivered. SIGTERM or SIGINT stops it after the "
        "message in hand (exit 0).",
    )
    watch.add_argument("--queue-url", default=None, metavar="URL", help="the SQS queue (without it: the sweep alone)")
    watch.add_argument(
        "--sweep-every",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help="seconds between sweeps, at least 180 (searchOrders allows one call per ~180 s); default 900",
    )
    watch.add_argument("--dry-run", action="store_true", help="decide and journal, send nothing")
    watch.add_argument(
        "--max-age-hours", type=float, default=None, metavar="HOURS", help="leave older requests to a person"
    )
    watch.add_argument(
        "--application-id",
        default=os.environ.get(ENV_APPLICATION_ID),
        metavar="ID",
        help=f"your SP-API application's id (default ${ENV_APPLICATION_ID}); messages of another are refused",
    )
    watch.add_argument(
        "--visibility",
        type=positive_int,
        default=65,
        metavar="SECONDS",
        help="seconds a received message stays invisible, extended while it is handled (default 65, as Amazon's "
        "sample worker); a watcher that dies leaves its messages to the others after this",
    )
    watch.add_argument(
        "--no-dead-letters", action="store_true", help="run even though the queue has no dead-letter queue"
    )
    watch.add_argument(
        "--health-port", type=int, default=None, metavar="PORT", help="serve /healthz and /metrics on this port"
    )
    watch.add_argument(
        "--hours",
        type=float,
        default=None,
        metavar="HOURS",
        help=f"with --simulator: how many simulated hours to watch (default {_SIMULATED_HOURS:g})",
    )
    add_client_options(watch)
    watch.set_defaults(run=_watch, sends=True)
    sub = watch.add_subparsers(
        dest="watch_command", metavar="SUBCOMMAND", help="status or dlq (without one: run the watch)"
    )

    status = sub.add_parser("status", help="recent decisions with their reasons")
    status.add_argument("--limit", type=positive_int, default=50, help="show at most this many (default 50)")
    add_client_options(status)
    status.set_defaults(run=_status, sends=False)

    dlq = sub.add_parser("dlq", help="list the queue's dead letters; --redrive moves them back")
    dlq.add_argument("--queue-url", required=True, metavar="URL", help="the watched SQS queue")
    dlq.add_argument("--redrive", action="store_true", help="move them back to the queue")
    dlq.add_argument("--limit", type=positive_int, default=100, help="at most this many (default 100)")
    dlq.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    dlq.set_defaults(run=_dlq, sends=False)


def _queue(url: str, *, visibility: int = 65) -> SqsQueue:
    from sp_cancel.watch import SqsQueue  # noqa: PLC0415 - keeps `sp-cancel --help` fast

    return SqsQueue(url, visibility=visibility)


def _make_watch(args: argparse.Namespace, client: SellerClient, *, simulated: Simulator | None) -> Watch:
    from sp_cancel.watch import Watch, WatchPolicy  # noqa: PLC0415 - keeps `sp-cancel --help` fast

    if args.max_age_hours is not None and args.max_age_hours <= 0:
        raise UsageError("--max-age-hours must be positive")
    policy = WatchPolicy(
        dry_run=args.dry_run,
        max_age=None if args.max_age_hours is None else timedelta(hours=args.max_age_hours),
    )
    queue = None
    if args.queue_url:
        if not args.application_id:
            raise UsageError(
                "--queue-url needs your application's id, to refuse other applications' messages",
                hint=f"pass --application-id amzn1.sp.solution.... or set {ENV_APPLICATION_ID}",
            )
        queue = _queue(args.queue_url, visibility=args.visibility)
        if not args.no_dead_letters:
            queue.require_dead_letters()
    timing: dict[str, Any] = {}
    if simulated is not None:
        timing = {"clock": simulated.client_clock, "sleep": simulated.advance}
    return Watch(
        client,
        policy=policy,
        queue=queue,
        application_id=args.application_id,
        sweep_every=args.sweep_every,
        **timing,
    )


@contextmanager
def _stop_on_signals(watch: Watch) -> Iterator[None]:
    """SIGTERM and SIGINT ask the watch to stop (after the message in hand), in the main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        del signum, frame
        watch.stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _watch(args: argparse.Namespace, out: Output) -> int:
    from sp_cancel.watch import serve_health  # noqa: PLC0415 - keeps `sp-cancel --help` fast

    if args.hours is not None and args.simulator is None:
        raise UsageError("--hours is for --simulator runs only")
    simulated = None
    if args.simulator is not None:
        from sp_cancel.testing import Simulator  # noqa: PLC0415 - only for --simulator

        simulated = Simulator(seed=args.simulator)
        client = simulated.client(journal=args.journal or ":memory:")
        args.endpoint_in_use = client.endpoint
    else:
        client = make_client(args)
    watch = _make_watch(args, client, simulated=simulated)
    with ExitStack() as stack:
        health = None
        if args.health_port is not None:
            health = stack.enter_context(
                serve_health(watch.metrics, lambda: not watch.stopping.is_set(), port=args.health_port)
            )
        stack.enter_context(_stop_on_signals(watch))
        watch.sweep()  # catch up on what changed while no watcher ran, before saying "ready"
        where = args.queue_url or "no queue (sweep alone)"
        out.note(
            f"watch ready: seller {client.seller_id}, {where}, sweep every {watch.sweep_every:g} s"
            + (f", health {health}/healthz" if health else "")
            + (" (dry run)" if args.dry_run else "")
        )
        if simulated is not None and args.queue_url is None:
            _simulated_run(watch, simulated, hours=args.hours or _SIMULATED_HOURS)
        else:
            watch.run(sweep_at_start=False)
    _summary(watch, client, out)
    return EXIT_OK


def _simulated_run(watch: Watch, simulator: Simulator, *, hours: float) -> None:
    """Sweeps on the simulator's clock, one after another, for ``hours`` simulated hours (or until stopped)."""
    end = simulator.client_clock.monotonic() + hours * 3600
    while not watch.stopping.is_set() and simulator.client_clock.monotonic() < end:
        simulator.advance(watch.sweep_every)
        watch.sweep()


def _summary(watch: Watch, client: SellerClient, out: Output) -> None:
    from sp_cancel.watch import decisions  # noqa: PLC0415

    snap = watch.metrics.snapshot()
    made = decisions(watch.journal, client.seller_id)
    out.json({"metrics": snap, "decisions": made})
    out.note(
        f"watch stopped: {snap.received} event(s), {snap.duplicates} duplicate(s) dropped, "
        f"{sum(snap.decisions.values())} decision(s), {snap.sweep_catches} caught by the sweep, "
        f"{snap.rejected} message(s) refused"
    )
    _decision_table(made[:50], out)


def _decision_table(made: list[Decision], out: Output) -> None:
    out.table(
        [(when(d.decided_at), d.order_id, d.kind.value, d.source, d.reason) for d in made],
        ["decided", "order", "decision", "source", "reason"],
        title="Decisions (newest first)",
    )


def _status(args: argparse.Namespace, out: Output) -> int:
    from sp_cancel.watch import decisions  # noqa: PLC0415

    client = make_client(args)
    made = decisions(client.journal, client.seller_id, limit=args.limit)
    out.json(made)
    if not made:
        out.line(f"No decisions journaled for seller {client.seller_id} yet.")
    _decision_table(made, out)
    return EXIT_OK


def _dlq(args: argparse.Namespace, out: Output) -> int:
    queue = _queue(args.queue_url)
    if args.redrive:
        moved = queue.redrive(limit=args.limit)
        out.json({"redriven": moved})
        out.line(f"{moved} message(s) moved back to {args.queue_url}")
        return EXIT_OK
    letters = queue.dead_letters(limit=args.limit)
    out.json([{"message_id": m.message_id, "receive_count": m.receive_count, "body": m.body} for m in letters])
    if not letters:
        out.line("The dead-letter queue is empty.")
    out.table(
        [(m.message_id, m.receive_count, m.body[:100]) for m in letters],
        ["message id", "receives", "body (start)"],
        title="Dead letters",
    )
    return EXIT_OK


def demo_section(client: SellerClient, sim: Simulator, story: DemoStory) -> None:
    """The demo's watch part: new requests decided once each, with reasons; a shipped one and a held one."""
    from sp_cancel.watch import Watch, WatchPolicy  # noqa: PLC0415 - keeps `sp-cancel --help` fast

    out = story.out
    story.section("`sp-cancel watch`: buyer requests answered as they come, each decided once")
    asked = sim.now() - timedelta(hours=1)  # placed an hour ago; the buyers ask now
    waiting = [sim.add_order(buyer_requested_cancel=True, purchase_date=asked) for _ in range(3)]
    shipped = sim.add_order(buyer_requested_cancel=True, purchase_date=asked, items=[{"quantity": 2}])
    sim.ship(shipped.order_id, shipped.items[0].order_item_id, 1)  # one unit left meanwhile
    labelled = waiting[-1].order_id

    def hold(order: Order) -> str | None:
        return "a shipping label was bought at 09:12" if order.order_id == labelled else None

    watch = Watch(client, policy=WatchPolicy(hold=hold), clock=sim.client_clock, sweep_every=MIN_SWEEP)
    out.line(
        "Four buyers asked to cancel; one order partly shipped meanwhile, one has a label (the hold hook says so)."
    )
    handled = [h for h in watch.sweep() if h.decision is not None]
    out.table(
        [(h.decision.order_id, h.decision.kind.value, h.decision.reason) for h in handled if h.decision],
        ["order", "decision", "reason"],
    )
    first = next((h.event for h in handled if h.event is not None), None)
    if first is not None:
        again = watch.handle(first)  # the same request again: another delivery of its notification
        out.line(
            f"The same request delivered again: {'dropped as a duplicate' if again.duplicate else 'DECIDED AGAIN'}."
        )
    out.line("Each decision is in the journal with its reason: `sp-cancel watch status` lists them.")
    accepted = sum(h.decision.kind.value == "accepted" for h in handled if h.decision)
    if accepted and first is not None and again.duplicate:
        story.succeeded("watch", f"{len(handled)} requests decided once each, {accepted} accepted")
