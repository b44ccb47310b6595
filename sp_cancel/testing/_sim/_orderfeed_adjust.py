"""``OrderAdjustment`` business rules: refunds (with their caps) and unit cancellations.

Every item of a message is planned and checked first; only a message whose
items all pass is applied (see :mod:`._orderfeed` for the rules and codes).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Final

from sp_cancel.testing._sim._orderfeed_context import _AFN, _ITEM_NOT_FOUND, _Context, _ledger
from sp_cancel.testing._sim._orderfeed_report import ReportResult
from sp_cancel.testing._sim._state import SimItem, SimOrder, SimRefund

if TYPE_CHECKING:
    from sp_cancel.testing._sim._orderschema import Record

__all__: list[str] = []

_WS: Final = " \t\r\n"
_CENT: Final = Decimal("0.01")
_QTY_TOO_HIGH: Final = 90210
_QTY_STATUS: Final = 90211
_REFUND_CAP: Final = 90212
_REFUND_AFN: Final = 90213
_CURRENCY: Final = 90214
_NET_NOT_CREDIT: Final = 90215
_REFUND_UNSHIPPED: Final = 90216
# The charge types the simulator tracks per item (``Component`` in _state); each has its own cap.
_TRACKED: Final = frozenset(("Principal", "Shipping", "Tax", "ShippingTax", "GiftWrap", "GiftWrapTax"))
_CAP_TEXT: Final = "The requested refund amount exceeds the amount that can be refunded"


@dataclass
class _ItemPlan:
    item: SimItem
    adjustment_item_id: str | None
    reason: str
    quantity_cancelled: int
    components: list[tuple[str, Decimal]]  # price components (Type, signed amount)
    promotions: list[tuple[str, Decimal]]


def _refundable(item: SimItem, component: str | None) -> Decimal:
    """What is still refundable on ``item`` for one component type (or all of them when ``None``)."""
    if component is None:
        charged = sum(item.charged.values(), Decimal(0))
        refunded = sum(item.refunded.values(), Decimal(0))
    else:
        charged = item.charged.get(component, Decimal(0))
        refunded = item.refunded.get(component, Decimal(0))
    if item.quantity_cancelled:
        kept = Decimal(item.quantity_ordered - item.quantity_cancelled) / Decimal(max(item.quantity_ordered, 1))
        charged = (charged * kept).quantize(_CENT, rounding=ROUND_HALF_UP)
    return charged - refunded


def _amounts(
    ctx: _Context, order: SimOrder, parent: Record | None, message_id: int, item_code: str
) -> list[tuple[str, Decimal]] | None:
    if parent is None:
        return []
    out: list[tuple[str, Decimal]] = []
    ok = True
    for component in parent["Component"]:
        text, currency = component["Amount"]
        if currency is not None and currency != order.currency:
            ctx.results.append(
                ReportResult(
                    message_id,
                    _CURRENCY,
                    f"The currency {currency} does not match the order currency {order.currency}.",
                    order_id=order.order_id,
                    order_item_id=item_code,
                )
            )
            ok = False
        out.append((component["Type"], Decimal(text.strip(_WS))))
    return out if ok else None


def _plan_item(ctx: _Context, order: SimOrder, message_id: int, adjusted: Record) -> _ItemPlan | None:  # noqa: C901 - one branch per Amazon rule
    code: str | None = adjusted.get("AmazonOrderItemCode")
    item = order.item(code) if code is not None else None
    if item is None:
        reference = code if code is not None else adjusted.get("MerchantOrderItemID")
        ctx.results.append(
            ReportResult(
                message_id,
                _ITEM_NOT_FOUND,
                f"Order item {reference} is not part of order {order.order_id}.",
                order_id=order.order_id,
                order_item_id=code,
            )
        )
        return None
    errors_before = len(ctx.results)
    components = _amounts(ctx, order, adjusted.get("ItemPriceAdjustments"), message_id, item.order_item_id)
    promotions: list[tuple[str, Decimal]] = []
    for promo in adjusted.get("PromotionAdjustments", ()):
        found = _amounts(ctx, order, promo, message_id, item.order_item_id)
        promotions.extend(found or [])
    # DirectPaymentAdjustments (COD): currency is still checked, the amounts are ignored.
    _amounts(ctx, order, adjusted.get("DirectPaymentAdjustments"), message_id, item.order_item_id)
    qty_text: str | None = adjusted.get("QuantityCancelled")
    quantity_cancelled = int(qty_text.strip(_WS)) if qty_text is not None else 0
    money = (components or []) + promotions
    if order.fulfillment_channel == "AFN" and (money or quantity_cancelled):
        text = (
            f"{_CAP_TEXT}: order {order.order_id} was Fulfilled by Amazon and cannot be refunded from within "
            "your seller account."
            if money
            else f"Order {order.order_id} is fulfilled by Amazon; its units cannot be cancelled by the seller."
        )
        ctx.results.append(
            ReportResult(
                message_id,
                _REFUND_AFN if money else _AFN,
                text,
                order_id=order.order_id,
                order_item_id=item.order_item_id,
            )
        )
        return None
    if quantity_cancelled:
        if order.status not in ("Unshipped", "PartiallyShipped"):
            ctx.results.append(
                ReportResult(
                    message_id,
                    _QTY_STATUS,
                    f"Units of order {order.order_id} cannot be cancelled because its status is {order.status}.",
                    order_id=order.order_id,
                    order_item_id=item.order_item_id,
                )
            )
        elif quantity_cancelled > item.quantity_unshipped:
            ctx.results.append(
                ReportResult(
                    message_id,
                    _QTY_TOO_HIGH,
                    f"QuantityCancelled {quantity_cancelled} exceeds the {item.quantity_unshipped} unshipped "
                    f"unit(s) of order item {item.order_item_id}.",
                    order_id=order.order_id,
                    order_item_id=item.order_item_id,
                )
            )
    if money:
        if item.quantity_shipped == 0:
            ctx.results.append(
                ReportResult(
                    message_id,
                    _REFUND_UNSHIPPED,
                    f"Order item {item.order_item_id} has not been shipped; confirm the shipment before refunding "
                    "it (to cancel unshipped units use QuantityCancelled).",
                    order_id=order.order_id,
                    order_item_id=item.order_item_id,
                )
            )
        elif sum((a for _, a in money), Decimal(0)) <= 0:
            ctx.results.append(
                ReportResult(
                    message_id,
                    _NET_NOT_CREDIT,
                    "The net amount of the adjustment must be a credit to the buyer.",
                    order_id=order.order_id,
                    order_item_id=item.order_item_id,
                )
            )
    if len(ctx.results) > errors_before or components is None:
        return None
    return _ItemPlan(
        item=item,
        adjustment_item_id=adjusted.get("MerchantAdjustmentItemID"),
        reason=adjusted["AdjustmentReason"],
        quantity_cancelled=quantity_cancelled,
        components=components,
        promotions=promotions,
    )


def _check_caps(ctx: _Context, order: SimOrder, message_id: int, plans: list[_ItemPlan]) -> bool:
    per_component: dict[tuple[str, str], Decimal] = {}
    per_item: dict[str, Decimal] = {}
    items = {p.item.order_item_id: p.item for p in plans}
    for plan in plans:
        for component, amount in plan.components:
            key = (plan.item.order_item_id, component)
            per_component[key] = per_component.get(key, Decimal(0)) + amount
            per_item[plan.item.order_item_id] = per_item.get(plan.item.order_item_id, Decimal(0)) + amount
    ok = True
    for (item_id, component), amount in per_component.items():
        if component not in _TRACKED:
            continue  # Goodwill, Other, ...: only the per-item cap applies
        limit = _refundable(items[item_id], component)
        if amount > 0 and amount > limit:
            ctx.results.append(
                ReportResult(
                    message_id,
                    _REFUND_CAP,
                    f"{_CAP_TEXT}: {component} {amount} requested, {max(limit, Decimal(0))} refundable on order "
                    f"item {item_id}.",
                    order_id=order.order_id,
                    order_item_id=item_id,
                )
            )
            ok = False
    for item_id, amount in per_item.items():
        limit = _refundable(items[item_id], None)
        if amount > limit and ok:
            ctx.results.append(
                ReportResult(
                    message_id,
                    _REFUND_CAP,
                    f"{_CAP_TEXT}: {amount} requested, {max(limit, Decimal(0))} refundable on order item {item_id}.",
                    order_id=order.order_id,
                    order_item_id=item_id,
                )
            )
            ok = False
    return ok


def _adjust(ctx: _Context, message_id: int, body: Record) -> bool:
    order_id: str | None = body.get("AmazonOrderID")
    order = ctx.sim.world.orders.get(order_id) if order_id is not None else None
    if order is None:
        ctx.not_found(message_id, order_id, body.get("MerchantOrderID"))
        return False
    plans = [_plan_item(ctx, order, message_id, adjusted) for adjusted in body["AdjustedItem"]]
    valid = [p for p in plans if p is not None]
    if len(valid) != len(plans) or not _check_caps(ctx, order, message_id, valid):
        return False
    for plan in valid:
        _apply_plan(ctx, order, message_id, plan)
    _settle_status(ctx, order, valid)
    order.last_update_date = ctx.at
    return True


def _apply_plan(ctx: _Context, order: SimOrder, message_id: int, plan: _ItemPlan) -> None:
    item = plan.item
    if plan.quantity_cancelled:
        item.quantity_cancelled += plan.quantity_cancelled
        _ledger(ctx, message_id, order.order_id, f"units_cancelled:{item.order_item_id}:{plan.quantity_cancelled}")
    posted = ctx.at + ctx.sim.refund_posting_delay
    entries = [(c, a, True) for c, a in plan.components] + [(f"Promotion{c}", a, False) for c, a in plan.promotions]
    for component, amount, tracked in entries:
        if tracked:
            item.refunded[component] = item.refunded.get(component, Decimal(0)) + amount
        ctx.sim.world.refunds.append(
            SimRefund(
                order_id=order.order_id,
                order_item_id=item.order_item_id,
                component=component,
                amount=amount,
                currency=order.currency,
                adjustment_item_id=plan.adjustment_item_id,
                feed_id=ctx.feed.feed_id,
                posted_at=posted,
                sku=item.sku,
            )
        )
        _ledger(ctx, message_id, order.order_id, f"refunded:{item.order_item_id}:{component}:{amount}")


def _settle_status(ctx: _Context, order: SimOrder, plans: list[_ItemPlan]) -> None:
    cancelled_units = [p for p in plans if p.quantity_cancelled]
    if not cancelled_units or any(i.quantity_unshipped for i in order.items):
        return
    if any(i.quantity_shipped for i in order.items):
        order.status = "Shipped"
        return
    order.status = "Canceled"
    order.cancelled_by = "MERCHANT"
    order.cancel_reason = cancelled_units[0].reason
    order.cancelled_at = ctx.at
