"""Refunds as Amazon's Finances API shows them: what was already refunded, per order item and component.

Source: Finances v0 ``listFinancialEventsByOrderId`` (0.5 rps, burst 30), every page,
``payload.FinancialEvents.RefundEventList[].ShipmentItemAdjustmentList[].ItemChargeAdjustmentList[]``
(facts §4, "Verifying that a refund posted"). Refund charges are negative from the seller's
side; here they are turned around, so a positive amount is money refunded to the buyer
(the adjustment feed's convention) and a restocking fee is negative.

Finances ``ChargeType`` names differ from the feed's ``Type`` names (``ShippingCharge`` for
``Shipping``, ``Giftwrap`` for ``GiftWrap``...): :data:`CHARGE_TYPES` maps them. Charge types
with no feed counterpart (``MarketplaceFacilitatorTax-*``, ``Discount``, ``PointsFee``...) are
not refunds to the buyer and are skipped. Amazon shows events "with up to 48 hours" of delay and
never echoes our ``MerchantAdjustmentItemID``: correlation is on order item + component +
amount + ``PostedDate`` (see :func:`correlate`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

import attrs

from sp_cancel.errors import ServerError
from sp_cancel.models import CURRENCY_DECIMALS, Money, PriceComponent

if TYPE_CHECKING:
    from sp_cancel.transport import SpApi

__all__ = [
    "CHARGE_TYPES",
    "CLOCK_SLACK",
    "PendingRefund",
    "RefundLine",
    "correlate",
    "refund_lines",
    "totals",
]

OPERATION: Final = "finances.listFinancialEventsByOrderId"
PAGE_SIZE: Final = 100
# Our clock and Amazon's may disagree by a little; a posting this much before our submission still counts.
CLOCK_SLACK: Final = timedelta(minutes=2)
_EARLIEST: Final = datetime.min.replace(tzinfo=UTC)

# Finances v0 ChargeType (financesV0.json, ChargeComponent) -> the adjustment feed's component Type.
CHARGE_TYPES: Final[Mapping[str, PriceComponent]] = {
    "principal": PriceComponent.PRINCIPAL,
    "tax": PriceComponent.TAX,
    "shippingcharge": PriceComponent.SHIPPING,
    "shipping": PriceComponent.SHIPPING,  # not a documented ChargeType; accepted for robustness
    "shippingtax": PriceComponent.SHIPPING_TAX,
    "giftwrap": PriceComponent.GIFT_WRAP,  # documented spelling "Giftwrap"
    "giftwraptax": PriceComponent.GIFT_WRAP_TAX,  # documented spelling "GiftwrapTax"
    "goodwill": PriceComponent.GOODWILL,
    "restockingfee": PriceComponent.RESTOCKING_FEE,
    "returnshipping": PriceComponent.RETURN_SHIPPING,
    "exportcharge": PriceComponent.EXPORT_CHARGE,
    "freereplacementreturnshipping": PriceComponent.FREE_REPLACEMENT_RETURN_SHIPPING,
}


@attrs.frozen(kw_only=True)
class RefundLine:
    """One refunded charge Amazon posted: positive ``amount`` = refunded to the buyer."""

    order_item_id: str
    component: PriceComponent
    amount: Money
    posted_at: datetime | None


@attrs.frozen(kw_only=True)
class PendingRefund:
    """One line of a refund this library sent (from the journal), to correlate with :class:`RefundLine`."""

    key: str
    order_item_id: str
    component: PriceComponent
    amount: Money
    submitted_at: datetime | None


def _money(raw: object) -> Money | None:
    if not isinstance(raw, Mapping):
        return None
    currency = raw.get("CurrencyCode")
    amount = raw.get("CurrencyAmount")
    if not isinstance(currency, str) or amount is None or isinstance(amount, bool):
        return None
    try:
        # JSON numbers arrive as floats: go through their shortest repr, never through binary arithmetic.
        value = Decimal(str(amount))
    except InvalidOperation:
        return None
    places = Decimal(1).scaleb(-CURRENCY_DECIMALS.get(currency, 2))
    return Money(amount=-value.quantize(places), currency=currency)


def _posted(raw: object) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def _lines(event: Mapping[str, Any]) -> Iterable[RefundLine]:
    posted = _posted(event.get("PostedDate"))
    for item in event.get("ShipmentItemAdjustmentList") or []:
        item_id = item.get("OrderItemId")
        if not isinstance(item_id, str):
            continue
        for charge in item.get("ItemChargeAdjustmentList") or []:
            component = CHARGE_TYPES.get(str(charge.get("ChargeType", "")).lower())
            money = _money(charge.get("ChargeAmount"))
            if component is None or money is None or money.amount == 0:
                continue
            yield RefundLine(order_item_id=item_id, component=component, amount=money, posted_at=posted)


def refund_lines(api: SpApi, order_id: str) -> list[RefundLine]:
    """Every refund charge Amazon shows for ``order_id`` (all pages), oldest posting first.

    Raises:
        ApiError: the Finances call failed after retries.
        ServerError: the answer has no ``payload``.
    """
    # https://developer-docs.amazon.com/sp-api/reference/listfinancialeventsbyorderid (0.5 rps, burst 30)
    out: list[RefundLine] = []
    query: dict[str, object] = {"MaxResultsPerPage": PAGE_SIZE}
    while True:
        data = api.call(OPERATION, path={"orderId": order_id}, query=query).data
        payload = data.get("payload") if isinstance(data, Mapping) else None
        if not isinstance(payload, Mapping):
            raise ServerError("listFinancialEventsByOrderId answered without a payload", operation=OPERATION)
        events = (payload.get("FinancialEvents") or {}).get("RefundEventList") or []
        for event in events:
            if isinstance(event, Mapping) and event.get("AmazonOrderId", order_id) == order_id:
                out.extend(_lines(event))
        token = payload.get("NextToken")
        if not token:
            break
        query = {"MaxResultsPerPage": PAGE_SIZE, "NextToken": token}
    out.sort(key=lambda line: _naive(line.posted_at))
    return out


def totals(amounts: Iterable[tuple[str, PriceComponent, Money]]) -> dict[str, dict[PriceComponent, Money]]:
    """Sum ``(order item, component, amount)`` triples per item and component."""
    out: dict[str, dict[PriceComponent, Money]] = {}
    for item_id, component, money in amounts:
        per_item = out.setdefault(item_id, {})
        per_item[component] = per_item[component] + money if component in per_item else money
    return out


def correlate(pending: Sequence[PendingRefund], lines: Sequence[RefundLine]) -> dict[int, RefundLine]:
    """Match our journaled refund lines with Amazon's postings; return ``{index in pending: line}``.

    A posting matches a journaled line with the same order item, component and amount that was
    submitted no later than the posting (minus :data:`CLOCK_SLACK`). Each posting serves one line
    at most; earlier submissions are served first, postings oldest first, so two identical refunds
    never claim the same posting.
    """
    order = sorted(range(len(pending)), key=lambda i: _naive(pending[i].submitted_at))
    used: set[int] = set()
    matched: dict[int, RefundLine] = {}
    for index in order:
        wanted = pending[index]
        for n, line in enumerate(lines):
            if n in used or line.order_item_id != wanted.order_item_id or line.component is not wanted.component:
                continue
            if line.amount != wanted.amount or _too_early(line, wanted):
                continue
            used.add(n)
            matched[index] = line
            break
    return matched


def _too_early(line: RefundLine, wanted: PendingRefund) -> bool:
    if wanted.submitted_at is None or line.posted_at is None:
        return False
    return _naive(line.posted_at) < _naive(wanted.submitted_at - CLOCK_SLACK)


def _naive(value: datetime | None) -> datetime:
    """A comparable aware UTC datetime (the earliest one for ``None``; naive values are taken as UTC)."""
    if value is None:
        return _EARLIEST
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
