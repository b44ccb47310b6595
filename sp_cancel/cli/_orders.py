"""``sp-cancel orders``, ``order``, ``cancel``, ``cancel-batch``, ``buyer-requests`` and ``resume``."""

from __future__ import annotations

import argparse
import csv
import io
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sp_cancel._cancellation.outcomes import CancelStatus
from sp_cancel.cli._hints import why
from sp_cancel.cli._inputs import add_client_options, make_client, parsed, positive_int, read_text_file
from sp_cancel.cli._output import EXIT_FAILED, EXIT_OK, EXIT_UNCONFIRMED, Output, UsageError, when
from sp_cancel.clock import human_duration
from sp_cancel.models import CancelReason, CancelRequest, ItemCancel
from sp_cancel.orders import OrderStatus

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sp_cancel._cancellation.outcomes import CancelOutcome
    from sp_cancel._outcomes import BatchOutcome
    from sp_cancel.orders import Order

__all__ = ["read_batch", "read_batch_csv", "register", "show_batch"]

_REASONS: Final = [r.name for r in CancelReason]
_TELL_HELP: Final = (
    "once Amazon confirmed the cancel, send the buyer this explanation (Messaging API, at most once per order; "
    "plain text, 1-2000 characters, no HTML, e-mail address or link)"
)
_STATUSES: Final = [s.value for s in OrderStatus]


def register(subparsers: Any) -> None:
    """Add the order commands."""
    _register_reads(subparsers)
    cancel = subparsers.add_parser("cancel", help="cancel one unshipped seller-fulfilled order (or some units)")
    cancel.add_argument("order_id", metavar="ORDER_ID", help="Amazon's order id, e.g. 112-1234567-1234567")
    cancel.add_argument("--reason", required=True, choices=_REASONS, metavar="REASON", help=", ".join(_REASONS))
    cancel.add_argument(
        "--item",
        action="append",
        default=[],
        metavar="ORDER_ITEM_ID:QTY",
        help="cancel only QTY unshipped units of this item (repeatable; `sp-cancel order ID` lists the items)",
    )
    cancel.add_argument(
        "--via",
        choices=["feed", "orders_api"],
        default="feed",
        help="feed (default): the acknowledgement or adjustment feed; orders_api: Orders 2026-01-01 cancelOrder "
        "(withdrawn from Amazon's public model; whole orders, five reasons only)",
    )
    cancel.add_argument("--no-wait", action="store_true", help="return once Amazon accepted the feed")
    cancel.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for the feed (default 1800)")
    cancel.add_argument("--tell-buyer", metavar="TEXT", default=None, help=_TELL_HELP)
    add_client_options(cancel)
    cancel.set_defaults(run=_cancel, sends=True)

    batch = subparsers.add_parser(
        "cancel-batch",
        help="cancel many orders from a CSV (columns: order_id, reason[, order_item_id, quantity, tell_buyer])",
    )
    batch.add_argument("file", type=Path, metavar="FILE.csv", help="UTF-8 CSV with a header row")
    batch.add_argument(
        "--max-rate",
        type=float,
        default=None,
        metavar="RATE",
        help="refuse the whole batch, sending nothing, if its cancellations would push the 7-day "
        "cancellation rate above RATE (a fraction: 0.02 is 2 %%; Amazon's target is under 0.025)",
    )
    batch.add_argument("--no-wait", action="store_true", help="return once Amazon accepted the feed")
    batch.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for the feed (default 3600)")
    batch.add_argument(
        "--tell-buyer",
        metavar="TEXT",
        default=None,
        help=_TELL_HELP + "; for every order of the file, except those whose tell_buyer column has their own text",
    )
    add_client_options(batch)
    batch.set_defaults(run=_cancel_batch, sends=True)

    buyer = subparsers.add_parser("buyer-requests", help="list buyer cancellation requests; --accept cancels them")
    buyer.add_argument("--days", type=_positive_days, default=7.0, help="look back this many days (default 7)")
    buyer.add_argument("--accept", action="store_true", help="cancel them with BuyerCanceled (metric-safe)")
    add_client_options(buyer)
    buyer.set_defaults(run=_buyer_requests, sends=True)

    resume = subparsers.add_parser("resume", help="finish every submission the journal holds as unfinished")
    resume.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for each feed (default 3600)")
    add_client_options(resume)
    resume.set_defaults(run=_resume, sends=True)


def _register_reads(subparsers: Any) -> None:
    orders = subparsers.add_parser(
        "orders", help="list your orders placed since a date, filtered by status and channel"
    )
    orders.add_argument(
        "--status",
        type=str.upper,
        choices=_STATUSES,
        metavar="STATUS",
        help=f"only orders in this status: {', '.join(_STATUSES)}",
    )
    orders.add_argument(
        "--channel",
        type=str.upper,
        choices=["MFN", "AFN"],
        metavar="CHANNEL",
        help="MFN (seller-fulfilled: what cancel and refund act on) or AFN (Amazon-fulfilled)",
    )
    orders.add_argument(
        "--since",
        type=_since,
        default=timedelta(days=7),
        metavar="DAYS|DATE",
        help="orders placed in the last DAYS days or since DATE (YYYY-MM-DD, UTC); default 7 days",
    )
    orders.add_argument(
        "--limit", type=positive_int, default=100, help="show at most this many orders, 1 or more (default 100)"
    )
    add_client_options(orders)
    orders.set_defaults(run=_orders)

    order = subparsers.add_parser(
        "order", help="one order: its items with their ids, quantities and refundable amounts"
    )
    order.add_argument("order_id", metavar="ORDER_ID", help="Amazon's order id, e.g. 112-1234567-1234567")
    add_client_options(order)
    order.set_defaults(run=_order)


def _positive_days(text: str) -> float:
    days = parsed(text, float, "a number of days")
    if not 0 < days <= 3650:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"must be a positive number of days, got {text}")
    return days


def _since(text: str) -> timedelta | datetime:
    try:
        return timedelta(days=_positive_days(text))
    except argparse.ArgumentTypeError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither a number of days nor a date (YYYY-MM-DD)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _items(values: list[str]) -> list[ItemCancel] | None:
    items = []
    for value in values:
        item_id, sep, qty = value.partition(":")
        if not sep or not qty.isdigit():
            raise UsageError(f"--item {value!r} must be ORDER_ITEM_ID:QTY", hint="e.g. --item 12345678901234:1")
        items.append(ItemCancel(order_item_id=item_id, quantity=int(qty)))
    return items or None


def read_batch_csv(path: Path) -> list[CancelRequest]:
    """Read cancel requests from a CSV: ``order_id, reason`` and optional ``order_item_id, quantity``.

    Rows of one order with item columns are merged into one item-level request.

    Raises:
        UsageError: the file is missing, unreadable, not CSV, or a row is wrong (the line is named).
    """
    return read_batch(path)[0]


def read_batch(path: Path) -> tuple[list[CancelRequest], dict[str, str]]:
    """The requests of a batch CSV (``read_batch_csv``) and the ``tell_buyer`` text of each order that has one.

    Raises:
        UsageError: as ``read_batch_csv``, and for an order given two different texts.
    """
    text = read_text_file(path)
    try:
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise UsageError(f"{path} is not a readable CSV file: {exc}") from None
    if not rows:
        raise UsageError(f"{path} has no rows", hint="the first line names the columns: order_id,reason")
    missing = {"order_id", "reason"} - set(rows[0])
    if missing:
        raise UsageError(
            f"{path} lacks column(s) {sorted(missing)}",
            hint="the first line names the columns: order_id,reason[,order_item_id,quantity]",
        )
    merged: dict[str, tuple[str, list[ItemCancel]]] = {}
    texts: dict[str, str] = {}
    for number, row in enumerate(rows, 2):
        order_id = (row.get("order_id") or "").strip()
        reason = (row.get("reason") or "").strip()
        item_id = (row.get("order_item_id") or "").strip()
        reason_seen, items = merged.setdefault(order_id, (reason, []))
        if reason_seen != reason:
            raise UsageError(f"{path}:{number}: order {order_id} has two reasons")
        text = (row.get("tell_buyer") or "").strip()
        if text and texts.setdefault(order_id, text) != text:
            raise UsageError(f"{path}:{number}: order {order_id} has two tell_buyer texts")
        if item_id:
            quantity = (row.get("quantity") or "").strip()
            if not quantity.isdigit():
                raise UsageError(f"{path}:{number}: quantity {quantity!r} is not a whole number")
            items.append(ItemCancel(order_item_id=item_id, quantity=int(quantity)))
    return [CancelRequest(order_id=o, reason=r, items=i or None) for o, (r, i) in merged.items()], texts


def _money_text(components: Any) -> str:
    if not components:
        return ""
    return ", ".join(f"{getattr(c, 'value', c)} {m.amount} {m.currency}" for c, m in components.items())


def _orders(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client, out.activity("reading orders"):
        found = list(islice(client.orders(status=args.status, channel=args.channel, since=args.since), args.limit))
    out.table(
        [
            (o.order_id, o.status, o.channel, o.purchased_at, len(o.items), "yes" if o.buyer_requested_cancel else "")
            for o in found
        ],
        ["order", "status", "channel", "purchased", "items", "buyer asked to cancel"],
    )
    if not found:
        out.line("no orders match")
    out.json(found)
    return EXIT_OK


def _order(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        order = client.order(args.order_id)
    show_order(out, order)
    out.json(order)
    return EXIT_OK


def show_order(out: Output, order: Order) -> None:
    """An order's header lines, its items, and what can be done with it from here."""
    out.line(f"order {order.order_id}: {order.status} ({order.channel}), placed {when(order.purchased_at)}")
    if order.ship_by:
        out.line(f"ship by {when(order.ship_by)}")
    if order.buyer_requested_cancel:
        out.line(f"the buyer asked to cancel it: {order.buyer_cancel_reason or 'no reason given'}")
    out.table(
        [
            (
                i.order_item_id,
                i.sku,
                i.quantity_ordered,
                i.quantity_shipped,
                i.quantity_unshipped,
                i.quantity_cancelled,
                _money_text(i.charged),
                "n/a" if i.refundable is None else (_money_text(i.refundable) or "nothing"),
            )
            for i in order.items
        ],
        ["item", "sku", "ordered", "shipped", "unshipped", "cancelled", "charged", "refundable"],
    )
    if order.channel != "MFN":
        return
    if order.status is OrderStatus.UNSHIPPED:
        out.line(f"cancel it: sp-cancel cancel {order.order_id} --reason NO_INVENTORY")
    if order.status in {OrderStatus.SHIPPED, OrderStatus.PARTIALLY_SHIPPED} and order.items:
        item = order.items[0]
        out.line(
            f"refund part of it: sp-cancel refund {order.order_id} --item {item.order_item_id} "
            f"--principal AMOUNT --currency {order.currency or 'USD'} --reason GENERAL_ADJUSTMENT"
        )


def _show(out: Output, outcomes: Iterable[CancelOutcome]) -> None:
    shown = list(outcomes)
    out.table(
        [(o.order_id, o.status, o.reason, o.feed_id, why(o)) for o in shown],
        ["order", "status", "reason", "feed", "messages"],
    )
    for outcome in shown:
        message = outcome.buyer_message
        if message is not None:
            said = f"buyer of {outcome.order_id}: explanation {message.status}"
            out.line(f"{said}: {message.detail}" if message.detail else said)


def show_batch(out: Output, batch: BatchOutcome[CancelOutcome]) -> bool:
    """Print a batch's outcomes (refusals included); return whether every order ended as asked or is pending."""
    _show(out, batch.values())
    out.line(f"\n{batch!r}")
    out.json(batch)
    return all(o.ok or o.status is CancelStatus.SUBMITTED for o in batch.values())


def _cancel(args: argparse.Namespace, out: Output) -> int:
    items = _items(args.item)
    with make_client(args) as client:
        outcome = client.cancel_order(
            args.order_id,
            CancelReason[args.reason],
            items=items,
            via=args.via,
            wait=not args.no_wait,
            timeout=args.timeout,
            progress=out.progress,
            notify_buyer=args.tell_buyer,
        )
    _show(out, [outcome])
    out.json(outcome)
    if outcome.status is CancelStatus.UNCONFIRMED:
        return EXIT_UNCONFIRMED
    return EXIT_OK if outcome.ok or outcome.status is CancelStatus.SUBMITTED else EXIT_FAILED


def _cancel_batch(args: argparse.Namespace, out: Output) -> int:
    requests, texts = read_batch(args.file)
    default = args.tell_buyer
    with make_client(args) as client:
        batch = client.cancel_orders(
            requests,
            wait=not args.no_wait,
            timeout=args.timeout,
            max_rate=args.max_rate,
            progress=out.progress,
            notify_buyer=(lambda r: texts.get(r.order_id, default)) if texts else default,
        )
    return EXIT_OK if show_batch(out, batch) else EXIT_FAILED


def _buyer_requests(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        requests = client.buyer_cancellation_requests(since=timedelta(days=args.days))
        out.table(
            [(r.order_id, ", ".join(r.order_item_ids), r.reason_text, r.requested_at) for r in requests],
            ["order", "items", "buyer's reason", "requested"],
        )
        if not args.accept:
            if not requests:
                out.line(f"no open buyer cancellation requests in the last {human_duration(args.days * 86400)}")
            out.json(requests)
            return EXIT_OK
        if not requests:
            out.line("nothing to accept")
            out.json([])
            return EXIT_OK
        batch = client.accept_buyer_cancellations(requests, progress=out.progress)
    return EXIT_OK if show_batch(out, batch) else EXIT_FAILED


def _resume(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        outcomes = client.resume(timeout=args.timeout, progress=out.progress)
    if not outcomes:
        out.line("nothing to resume: the journal holds no unfinished submission")
    else:
        out.table(
            [(type(o).__name__, getattr(o, "order_id", getattr(o, "sku", "")), o.status) for o in outcomes],
            ["kind", "target", "status"],
        )
    out.json(outcomes)
    return EXIT_OK
