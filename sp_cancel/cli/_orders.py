"""``sp-cancel cancel``, ``cancel-batch``, ``buyer-requests`` and ``resume``."""

from __future__ import annotations

import argparse
import csv
from datetime import timedelta
from pathlib import Path
from typing import Any

from sp_cancel._outcomes import BatchOutcome, CancelOutcome
from sp_cancel.cli._common import Output, add_client_options, make_client
from sp_cancel.errors import InvalidInputError
from sp_cancel.models import CancelReason, CancelRequest, ItemCancel

__all__ = ["read_batch_csv", "register"]

_REASONS = [r.name for r in CancelReason]


def register(subparsers: Any) -> None:
    """Add the order cancellation commands."""
    cancel = subparsers.add_parser("cancel", help="cancel one unshipped seller-fulfilled order (or some units)")
    cancel.add_argument("order_id")
    cancel.add_argument("--reason", required=True, choices=_REASONS, metavar="REASON", help=", ".join(_REASONS))
    cancel.add_argument(
        "--item",
        action="append",
        default=[],
        metavar="ORDER_ITEM_ID:QTY",
        help="cancel only QTY unshipped units of this item (repeatable)",
    )
    cancel.add_argument("--via", choices=["feed", "orders_api"], default="feed")
    cancel.add_argument("--no-wait", action="store_true", help="return once Amazon accepted the feed")
    cancel.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for the feed (default 1800)")
    add_client_options(cancel)
    cancel.set_defaults(run=_cancel)

    batch = subparsers.add_parser(
        "cancel-batch",
        help="cancel many orders from a CSV (columns: order_id, reason[, order_item_id, quantity])",
    )
    batch.add_argument("file", type=Path)
    batch.add_argument("--max-rate", type=float, default=None, help="refuse the batch if it would push the rate above")
    batch.add_argument("--no-wait", action="store_true")
    batch.add_argument("--timeout", type=float, default=3600.0)
    add_client_options(batch)
    batch.set_defaults(run=_cancel_batch)

    buyer = subparsers.add_parser("buyer-requests", help="list buyer cancellation requests; --accept cancels them")
    buyer.add_argument("--days", type=float, default=7.0, help="look back this many days (default 7)")
    buyer.add_argument("--accept", action="store_true", help="cancel them with BuyerCanceled (metric-safe)")
    add_client_options(buyer)
    buyer.set_defaults(run=_buyer_requests)

    resume = subparsers.add_parser("resume", help="finish every submission the journal holds as unfinished")
    resume.add_argument("--timeout", type=float, default=3600.0)
    add_client_options(resume)
    resume.set_defaults(run=_resume)


def _items(values: list[str]) -> list[ItemCancel] | None:
    items = []
    for value in values:
        item_id, sep, qty = value.partition(":")
        if not sep or not qty.isdigit():
            raise InvalidInputError(f"--item {value!r} must be ORDER_ITEM_ID:QTY", field="item")
        items.append(ItemCancel(order_item_id=item_id, quantity=int(qty)))
    return items or None


def read_batch_csv(path: Path) -> list[CancelRequest]:
    """Read cancel requests from a CSV: ``order_id, reason`` and optional ``order_item_id, quantity``.

    Rows of one order with item columns are merged into one item-level request.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise InvalidInputError(f"{path} has no rows", field="file")
    missing = {"order_id", "reason"} - set(rows[0])
    if missing:
        raise InvalidInputError(f"{path} lacks column(s) {sorted(missing)}", field="file")
    merged: dict[str, tuple[str, list[ItemCancel]]] = {}
    for number, row in enumerate(rows, 2):
        order_id = (row.get("order_id") or "").strip()
        reason = (row.get("reason") or "").strip()
        item_id = (row.get("order_item_id") or "").strip()
        reason_seen, items = merged.setdefault(order_id, (reason, []))
        if reason_seen != reason:
            raise InvalidInputError(f"{path}:{number}: order {order_id} has two reasons", field="file")
        if item_id:
            quantity = (row.get("quantity") or "").strip()
            if not quantity.isdigit():
                raise InvalidInputError(f"{path}:{number}: quantity {quantity!r} is not a whole number", field="file")
            items.append(ItemCancel(order_item_id=item_id, quantity=int(quantity)))
    return [CancelRequest(order_id=o, reason=r, items=i or None) for o, (r, i) in merged.items()]


def _show(out: Output, outcomes: list[CancelOutcome]) -> None:
    out.table(
        [
            (o.order_id, o.status, o.reason, o.feed_id, "; ".join(m.description for m in o.messages) or o.detail)
            for o in outcomes
        ],
        ["order", "status", "reason", "feed", "messages"],
    )


def _show_batch(out: Output, batch: BatchOutcome[CancelOutcome]) -> None:
    _show(out, list(batch))
    if batch.errors:
        out.heading("Refused before sending")
        out.table([(k, type(e).__name__, str(e)) for k, e in batch.errors.items()], ["order", "error", "why"])
    out.line(f"\n{batch!r}")
    out.json(batch)


def _cancel(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        outcome = client.cancel_order(
            args.order_id,
            CancelReason[args.reason],
            items=_items(args.item),
            via=args.via,
            wait=not args.no_wait,
            timeout=args.timeout,
            progress=out.progress,
        )
    _show(out, [outcome])
    out.json(outcome)
    return 0 if outcome.ok or outcome.status.value == "SUBMITTED" else 1


def _cancel_batch(args: argparse.Namespace, out: Output) -> int:
    requests = read_batch_csv(args.file)
    with make_client(args) as client:
        batch = client.cancel_orders(
            requests, wait=not args.no_wait, timeout=args.timeout, max_rate=args.max_rate, progress=out.progress
        )
    _show_batch(out, batch)
    return 0 if not batch.failed and not batch.errors else 1


def _buyer_requests(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        requests = client.buyer_cancellation_requests(since=timedelta(days=args.days))
        out.table(
            [(r.order_id, ", ".join(r.order_item_ids), r.reason_text, r.requested_at) for r in requests],
            ["order", "items", "buyer's reason", "requested"],
        )
        if not args.accept:
            out.json(requests)
            return 0
        if not requests:
            out.line("nothing to accept")
            out.json([])
            return 0
        batch = client.accept_buyer_cancellations(requests, progress=out.progress)
    _show_batch(out, batch)
    return 0 if not batch.failed and not batch.errors else 1


def _resume(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        outcomes = client.resume(timeout=args.timeout, progress=out.progress)
    out.table(
        [(type(o).__name__, getattr(o, "order_id", getattr(o, "sku", "")), o.status) for o in outcomes],
        ["kind", "target", "status"],
    )
    out.json(outcomes)
    return 0
