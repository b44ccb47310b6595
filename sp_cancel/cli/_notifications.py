"""``sp-cancel notifications setup`` and ``sp-cancel notifications check``: ORDER_CHANGE delivery to SQS.

``setup`` is ``client.notifications.ensure``: get or create the destination (grantless) and the seller's
``ORDER_CHANGE`` subscription, safe to repeat. ``check`` reads the queue with boto3 (``sp-cancel[watch]``; its
own configuration: credentials chain, ``AWS_ENDPOINT_URL_SQS`` for a local endpoint) and says why notifications
would not arrive; it exits 1 when something would stop them.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from sp_cancel.cli._inputs import add_client_options, make_client
from sp_cancel.cli._output import EXIT_FAILED, EXIT_OK, Output, UsageError, jsonable

__all__ = ["register"]

_CHANGE_TYPES = ("BuyerRequestedChange", "OrderStatusChange", "DeliveryTipChange")


def register(subparsers: Any) -> None:
    """Add ``notifications setup`` and ``notifications check``."""
    group = subparsers.add_parser("notifications", help="ORDER_CHANGE notifications to an SQS queue: set up, check")
    commands = group.add_subparsers(
        dest="notifications_command", metavar="ACTION", required=True, help="setup, or check a queue"
    )
    setup = commands.add_parser(
        "setup", help="get or create the destination and the ORDER_CHANGE subscription (safe to repeat)"
    )
    setup.add_argument("--queue-arn", required=True, help="a standard SQS queue in the endpoint's AWS region")
    setup.add_argument(
        "--change-type",
        action="append",
        choices=_CHANGE_TYPES,
        dest="change_types",
        help="an orderChangeType to deliver (repeatable; default BuyerRequestedChange and OrderStatusChange)",
    )
    setup.add_argument(
        "--marketplace-id", action="append", dest="marketplace_ids", help="deliver only this marketplace (repeatable)"
    )
    setup.add_argument(
        "--replace",
        action="store_true",
        help="replace a subscription that delivers elsewhere or filters out a change type asked for",
    )
    add_client_options(setup)
    setup.set_defaults(run=_setup)
    check = commands.add_parser(
        "check", help="say why notifications would not reach a queue (FIFO, region, policy, KMS); exit 1 if so"
    )
    check.add_argument("--queue-arn", required=True, help="the SQS queue notifications should reach")
    check.add_argument(
        "--no-test", action="store_true", help="do not send Amazon's test notification (sandbox and simulator only)"
    )
    add_client_options(check)
    check.set_defaults(run=_check)


def _setup(args: argparse.Namespace, out: Output) -> int:
    kwargs: dict[str, Any] = {"replace": args.replace}
    if args.change_types:
        kwargs["order_change_types"] = args.change_types
    if args.marketplace_ids:
        kwargs["marketplace_ids"] = args.marketplace_ids
    with make_client(args) as client:
        setup = client.notifications.ensure(args.queue_arn, **kwargs)
    verb = {True: "created", False: "found"}
    out.line(f"destination {setup.destination_id} ({verb[setup.created_destination]}) for {setup.queue_arn}")
    out.line(
        f"ORDER_CHANGE subscription {setup.subscription_id} ({verb[setup.created_subscription]}): "
        f"{', '.join(setup.order_change_types) or 'every change type'}"
        + (f" in {', '.join(setup.marketplace_ids)}" if setup.marketplace_ids else "")
    )
    out.json(jsonable(setup))
    return EXIT_OK


def _boto3() -> Any:
    try:
        return importlib.import_module("boto3")
    except ImportError:
        raise UsageError(
            "sp-cancel notifications check reads the queue with boto3: pip install 'sp-cancel[watch]'"
        ) from None


def _check(args: argparse.Namespace, out: Output) -> int:
    boto3 = _boto3()
    parts = str(args.queue_arn).split(":")
    region = parts[3] if len(parts) == 6 else None
    sqs = boto3.client("sqs", region_name=region)
    kms = boto3.client("kms", region_name=region)
    with make_client(args) as client:
        findings = client.notifications.check(args.queue_arn, sqs=sqs, kms=kms, send_test=not args.no_test)
    out.table([(f.check, f.status, f.message) for f in findings], ["check", "status", "finding"])
    problems = [f for f in findings if not f.ok]
    out.line(
        f"{len(problems)} problem(s): notifications would not arrive until they are fixed"
        if problems
        else "nothing found that would stop ORDER_CHANGE notifications from arriving"
    )
    out.json({"queue_arn": args.queue_arn, "ok": not problems, "findings": [jsonable(f) for f in findings]})
    return EXIT_FAILED if problems else EXIT_OK
