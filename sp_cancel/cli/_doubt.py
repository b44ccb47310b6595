"""``sp-cancel unconfirmed`` and ``sp-cancel declare-not-sent``: refunds and unit cancels in doubt."""

from __future__ import annotations

import argparse
from typing import Any

from sp_cancel._cancellation.outcomes import CancelOutcome
from sp_cancel._refunds.outcomes import RefundOutcome
from sp_cancel.cli._inputs import add_client_options, make_client
from sp_cancel.cli._output import EXIT_OK, Output, UsageError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``unconfirmed`` and ``declare-not-sent``."""
    doubt = subparsers.add_parser(
        "unconfirmed",
        help="list refunds and unit cancels that may have been sent and that Amazon has not shown yet",
        description="Money-moving submissions (refunds, unit cancels) whose createFeed answer was lost, or whose "
        "processing report says nothing, are never sent again on their own. Each one the journal holds is looked "
        "at once more (feed search, processing report, Finances, the order); those Amazon still does not show are "
        "listed with the commands that settle them.",
    )
    add_client_options(doubt)
    doubt.set_defaults(run=_unconfirmed)
    declare = subparsers.add_parser(
        "declare-not-sent",
        help="take an UNCONFIRMED refund or unit cancel as not sent, after looking in Seller Central",
        description="Journal an UNCONFIRMED submission as NOT_SENT on your word (who and when are kept), so the same "
        "refund or cancel asked again is sent. Look in Seller Central first (Payments > Transactions for a refund, "
        "the order page for a cancel). It is looked at once more before: if Amazon shows it now, nothing is declared.",
    )
    declare.add_argument("submission_id", metavar="SUBMISSION_ID", help="as `sp-cancel unconfirmed` lists it")
    declare.add_argument("--by", required=True, help="who declares it (your name or e-mail), kept in the journal")
    declare.add_argument("--note", default=None, help="what you checked, kept in the journal")
    add_client_options(declare)
    declare.set_defaults(run=_declare)


def _target(outcome: CancelOutcome | RefundOutcome) -> str:
    return outcome.order_id


def _unconfirmed(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        doubtful = client.unconfirmed()
    if not doubtful:
        out.line("nothing in doubt: every refund and unit cancel the journal holds is settled or still processing")
        out.json([])
        return EXIT_OK
    out.table(
        [
            ("refund" if isinstance(o, RefundOutcome) else "unit cancel", _target(o), o.submission_id, o.feed_id or "-")
            for o in doubtful
        ],
        ["kind", "order", "submission id", "feed"],
        title="Possibly sent, not shown by Amazon yet (never sent again on their own)",
    )
    for outcome in doubtful:
        out.line(f"{outcome.submission_id}: {outcome.detail}")
    out.line()
    out.line("To settle them: run `sp-cancel resume` (looks again, sends nothing twice) or, after checking Seller")
    out.line("Central, `sp-cancel declare-not-sent SUBMISSION_ID --by YOUR_NAME` (the same call then sends it).")
    out.json(doubtful)
    return EXIT_OK


def _declare(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        match = next((o for o in client.unconfirmed() if o.submission_id == args.submission_id), None)
        if match is None:
            raise UsageError(
                f"no UNCONFIRMED submission {args.submission_id!r} in the journal; `sp-cancel unconfirmed` lists them"
            )
        outcome = client.declare_not_sent(match, by=args.by, note=args.note)
    out.line(f"{outcome.submission_id}: {outcome.status.value} ({outcome.detail}); asking again sends it")
    out.json(outcome)
    return EXIT_OK
