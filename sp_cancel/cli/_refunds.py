"""``sp-cancel refund`` and the refund section of ``sp-cancel demo``."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from sp_cancel._refunds.outcomes import RefundOutcome, RefundStatus
from sp_cancel.cli._inputs import add_client_options, make_client
from sp_cancel.cli._output import EXIT_UNCONFIRMED, Output
from sp_cancel.clock import human_duration
from sp_cancel.errors import InvalidInputError, SpCancelError
from sp_cancel.models import AdjustmentReason, ItemRefund, Money, PriceComponent

if TYPE_CHECKING:
    from sp_cancel.cli._story import DemoStory
    from sp_cancel.client import SellerClient
    from sp_cancel.testing import Simulator

__all__ = ["demo_section", "register"]

_REASONS: Final = [r.name for r in AdjustmentReason]
# --flag -> component; the restocking fee is given as the positive amount charged to the buyer.
_FLAGS: Final = {
    "principal": PriceComponent.PRINCIPAL,
    "shipping": PriceComponent.SHIPPING,
    "tax": PriceComponent.TAX,
    "shipping_tax": PriceComponent.SHIPPING_TAX,
    "gift_wrap": PriceComponent.GIFT_WRAP,
    "gift_wrap_tax": PriceComponent.GIFT_WRAP_TAX,
    "goodwill": PriceComponent.GOODWILL,
    "restocking_fee": PriceComponent.RESTOCKING_FEE,
}


def register(subparsers: Any) -> None:
    """Add ``refund``."""
    refund = subparsers.add_parser(
        "refund",
        help="refund part of a shipped seller-fulfilled order through Amazon (once per idempotency key)",
        description="Refund part of a shipped seller-fulfilled order with POST_PAYMENT_ADJUSTMENT_DATA. Amounts are "
        "line totals, refunded to the buyer; each is checked against what was charged minus what was already "
        "refunded before anything is sent. Repeating the same command never refunds twice.",
    )
    refund.add_argument("order_id", metavar="ORDER_ID", help="Amazon's order id, e.g. 112-1234567-1234567")
    refund.add_argument("--item", default=None, metavar="ORDER_ITEM_ID", help="the item (optional on one-item orders)")
    for flag, component in _FLAGS.items():
        what = "charged to the buyer (given positive)" if flag == "restocking_fee" else "refunded"
        refund.add_argument(
            f"--{flag.replace('_', '-')}", dest=flag, default=None, metavar="AMOUNT", help=f"{component.value} {what}"
        )
    refund.add_argument("--currency", required=True, help="the order's currency, e.g. USD")
    refund.add_argument("--reason", required=True, choices=_REASONS, metavar="REASON", help=", ".join(_REASONS))
    refund.add_argument("--key", default=None, help="your idempotency key (default: derived from the refund itself)")
    refund.add_argument("--verify", action="store_true", help="also say whether Amazon's Finances shows it yet")
    refund.add_argument("--no-wait", action="store_true", help="return once Amazon accepted the feed")
    refund.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for the feed (default 1800)")
    add_client_options(refund)
    refund.set_defaults(run=_refund, sends=True)


def _refunds_from(args: argparse.Namespace) -> list[ItemRefund] | Money:
    components: dict[PriceComponent, Money] = {}
    for flag, component in _FLAGS.items():
        value = getattr(args, flag)
        if value is None:
            continue
        amount = f"-{value}" if component is PriceComponent.RESTOCKING_FEE else value
        components[component] = Money(amount=amount, currency=args.currency)
    if not components:
        raise InvalidInputError("give at least one amount, e.g. --principal 5.00", field="amount")
    if args.item is None:
        if set(components) != {PriceComponent.PRINCIPAL}:
            raise InvalidInputError("--item is required unless only --principal is given", field="item")
        return components[PriceComponent.PRINCIPAL]
    return [ItemRefund(order_item_id=args.item, components=components)]


def _show(out: Output, outcome: RefundOutcome) -> None:
    rows = [
        (item, component.value, money, outcome.item_status.get(item, outcome.status))
        for item, components in outcome.amounts.items()
        for component, money in components.items()
    ]
    out.table(rows, ["item", "component", "amount", "status"])
    out.line(f"order {outcome.order_id}: {outcome.status.value}; feed {outcome.feed_id}; key {outcome.idempotency_key}")
    for message in outcome.messages:
        out.line(f"  {message.severity} {message.code}: {message.description}")
    if outcome.status is RefundStatus.REJECTED:
        out.line("  Amazon refused it; this key keeps that answer. A corrected refund needs a new --key.")
    if outcome.status is RefundStatus.UNCONFIRMED:
        out.line(f"  {outcome.detail}")
        out.line(
            "  It is never sent again on its own; `sp-cancel unconfirmed` lists it with the commands that settle it."
        )


def _refund(args: argparse.Namespace, out: Output) -> int:
    refunds = _refunds_from(args)
    with make_client(args) as client:
        outcome = client.partial_refund(
            args.order_id,
            refunds,
            reason=AdjustmentReason[args.reason],
            idempotency_key=args.key,
            wait=not args.no_wait,
            timeout=args.timeout,
            progress=out.progress,
        )
        _show(out, outcome)
        result: dict[str, object] = {"outcome": outcome}
        if args.verify and outcome.status is not RefundStatus.REJECTED:
            verification = client.verify_refund(outcome)
            out.line(f"Finances: {verification.status} - {verification.message}")
            result["verification"] = verification
    out.json(result)
    if outcome.status is RefundStatus.UNCONFIRMED:
        return EXIT_UNCONFIRMED
    return 0 if outcome.ok or outcome.status is RefundStatus.SUBMITTED else 1


def demo_section(client: SellerClient, sim: Simulator, story: DemoStory) -> None:
    """The refund part of ``sp-cancel demo``: damaged item, idempotent repeat, over-cap refusal, verification."""
    out = story.out
    story.section("Refund part of a shipped order: the item arrived damaged")
    candidates = [
        o
        for o in sim.orders(status="Shipped", channel="MFN")
        if len(o.items) == 1 and o.currency == "USD" and not any(i.refunded for i in o.items)
    ]
    order = candidates[0] if candidates else sim.add_order(status="Shipped", items=[{"price": "24.99"}])
    item = order.items[0]
    amount = Money(amount="5.00", currency=order.currency)
    outcome = client.partial_refund(
        order.order_id, amount, reason=AdjustmentReason.GENERAL_ADJUSTMENT, progress=out.progress
    )
    _show(out, outcome)
    if outcome.ok:
        story.succeeded("partial_refund", f"{amount.amount} {amount.currency} refunded on {order.order_id}")
    applied = [r for r in sim.world.refunds if r.order_id == order.order_id]
    out.line(f"Amazon's ledger: {len(applied)} adjustment(s), MerchantAdjustmentItemID {applied[0].adjustment_item_id}")

    again = client.partial_refund(order.order_id, amount, reason=AdjustmentReason.GENERAL_ADJUSTMENT)
    applied = [r for r in sim.world.refunds if r.order_id == order.order_id]
    out.line(
        f"Asked again: {again.status.value} from the journal; still {len(applied)} adjustment(s) at Amazon, "
        "so a retried script never refunds twice."
    )

    too_much = ItemRefund(
        order_item_id=item.order_item_id,
        components={PriceComponent.PRINCIPAL: Money(amount=str(item.charged["Principal"]), currency=order.currency)},
    )
    try:
        client.partial_refund(order.order_id, [too_much], reason=AdjustmentReason.GENERAL_ADJUSTMENT)
    except SpCancelError as exc:
        out.line(f"The full price on top of it is more than is left, so it is refused before sending: {exc}")

    verification = client.verify_refund(outcome)
    out.line(f"Finances right away: {verification.status} ({verification.message})")
    waited = 0
    for _ in range(48):  # Amazon posts within 48 h; let simulated hours pass until it shows
        if verification.is_posted:
            break
        sim.advance(timedelta(hours=1).total_seconds())
        waited += 1
        verification = client.verify_refund(outcome)
    out.line(
        f"Finances {human_duration(timedelta(hours=waited))} later: {verification.status} ({verification.message})"
    )
    if verification.is_posted:
        story.succeeded("verify_refund", f"posted in Finances after {human_duration(timedelta(hours=waited))}")
