"""Builders that put one order, listing, MCF order or deal into the simulated world (for scenarios and tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal

from sp_cancel.testing._sim._markets import Market, market_for, resolve_market
from sp_cancel.testing._sim._state import SimDeal, SimItem, SimListing, SimMcfOrder, SimOrder, V0Status
from sp_cancel.testing._sim._util import ORDER_ID_RE, quantize

if TYPE_CHECKING:
    from sp_cancel.testing._sim._core import SimulatorCore

__all__ = ["add_deal", "add_listing", "add_mcf_order", "add_order", "new_item_id", "new_order_id"]

_TAX: Final = {"USD": Decimal("0.08"), "GBP": Decimal("0.20"), "EUR": Decimal("0.19"), "JPY": Decimal("0.10")}
_REGION_DIGIT: Final = {"USD": "1", "CAD": "7", "MXN": "7", "GBP": "2", "EUR": "3", "JPY": "5", "INR": "4", "AUD": "2"}
_ALNUM: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


def _market(sim: SimulatorCore, marketplace: str | None) -> Market:
    return (
        resolve_market(marketplace) if marketplace else (market_for(sim.world.marketplace_id) or resolve_market("US"))
    )


def new_order_id(sim: SimulatorCore, currency: str = "USD") -> str:
    """A fresh 3-7-7 digit order id (the first digit hints the region)."""
    rng = sim.data_rng
    while True:
        first = _REGION_DIGIT.get(currency, "1") + "".join(str(rng.randrange(10)) for _ in range(2))
        order_id = f"{first}-{rng.randrange(10**7):07d}-{rng.randrange(10**7):07d}"
        if order_id not in sim.world.orders:
            return order_id


def new_item_id(sim: SimulatorCore) -> str:
    """A fresh 14-digit order item id."""
    taken = {i.order_item_id for o in sim.world.orders.values() for i in o.items}
    while True:
        item_id = str(sim.data_rng.randrange(10**13, 10**14))
        if item_id not in taken:
            return item_id


def _asin(sim: SimulatorCore, sku: str) -> str:
    for (listing_sku, _), listing in sim.world.listings.items():
        if listing_sku == sku:
            return listing.asin
    return "B0" + "".join(sim.data_rng.choice(_ALNUM) for _ in range(8))


def _make_item(sim: SimulatorCore, spec: Mapping[str, Any], currency: str, channel: str) -> SimItem:
    quantity = int(spec.get("quantity", 1))
    unit = Decimal(str(spec.get("price", "19.99")))
    principal = quantize(unit * quantity, currency)
    charged = {"Principal": principal}
    rate = _TAX.get(currency, Decimal("0.10"))
    charged["Tax"] = quantize(principal * rate, currency)
    shipping = spec.get("shipping")
    if shipping is None and channel == "MFN":
        shipping = "0"
    if shipping is not None and Decimal(str(shipping)) > 0:
        charged["Shipping"] = quantize(Decimal(str(shipping)), currency)
        charged["ShippingTax"] = quantize(charged["Shipping"] * rate, currency)
    if spec.get("gift_wrap"):
        charged["GiftWrap"] = quantize(Decimal(str(spec["gift_wrap"])), currency)
        charged["GiftWrapTax"] = quantize(charged["GiftWrap"] * rate, currency)
    sku = str(spec.get("sku") or f"SIM-{channel}-{sim.data_rng.randrange(1000):03d}")
    return SimItem(
        order_item_id=str(spec.get("order_item_id") or new_item_id(sim)),
        sku=sku,
        asin=str(spec.get("asin") or _asin(sim, sku)),
        title=str(spec.get("title") or f"Simulated product {sku}"),
        quantity_ordered=quantity,
        quantity_shipped=int(spec.get("shipped", 0)),
        charged=charged,
    )


def add_order(  # noqa: C901 - a builder with sensible defaults
    sim: SimulatorCore,
    *,
    order_id: str | None = None,
    status: V0Status = "Unshipped",
    channel: Literal["MFN", "AFN"] = "MFN",
    marketplace: str | None = None,
    items: int | Sequence[Mapping[str, Any]] = 1,
    purchase_date: datetime | None = None,
    buyer_requested_cancel: bool = False,
    buyer_cancel_reason: str | None = None,
    cancelled_by: Literal["MERCHANT", "BUYER", "AMAZON"] | None = None,
    cancel_reason: str | None = None,
    late_ship_auto_cancel: bool = False,
) -> SimOrder:
    """Add one order.

    ``items`` is a count or item specs (``sku, quantity, price`` (unit), ``shipping``,
    ``gift_wrap``, ``shipped``, ``title``, ``asin``, ``order_item_id``); status fills in shipped and
    cancelled quantities (``Shipped``: all shipped, ``PartiallyShipped``: the first item, ``Canceled``: all).
    """
    market = _market(sim, marketplace)
    now = sim.now()
    purchased = purchase_date or now - timedelta(hours=2)
    specs: list[Mapping[str, Any]] = [{} for _ in range(items)] if isinstance(items, int) else list(items)
    if order_id is not None and not ORDER_ID_RE.match(order_id):
        raise ValueError(f"order id {order_id!r} is not in the 3-7-7 digit format")
    order = SimOrder(
        order_id=order_id or new_order_id(sim, market.currency),
        marketplace_id=market.marketplace_id,
        purchase_date=purchased,
        last_update_date=purchased,
        status=status,
        fulfillment_channel=channel,
        currency=market.currency,
        items=[_make_item(sim, spec, market.currency, channel) for spec in specs],
        latest_ship_date=purchased + timedelta(days=2),
    )
    if status in {"Shipped", "InvoiceUnconfirmed"}:
        for item in order.items:
            item.quantity_shipped = item.quantity_ordered
        order.acknowledged = True
    elif status == "PartiallyShipped":
        first = order.items[0]
        if len(order.items) > 1:
            first.quantity_shipped = first.quantity_ordered
        elif first.quantity_ordered > 1:
            first.quantity_shipped = 1
        else:
            raise ValueError("a PartiallyShipped order needs two items or two units")
        order.acknowledged = True
    if buyer_requested_cancel:
        order.buyer_requested_at = purchased + timedelta(hours=1)
        for item in order.items:
            item.buyer_requested_cancel = True
            item.buyer_cancel_reason = buyer_cancel_reason or "Changed mind about purchase"
    if status == "Canceled":
        order.cancelled_by = cancelled_by or "MERCHANT"
        order.cancel_reason = cancel_reason
        order.late_ship_auto_cancel = late_ship_auto_cancel
        order.cancelled_at = min(now, purchased + (timedelta(days=10) if late_ship_auto_cancel else timedelta(hours=3)))
        for item in order.items:
            item.quantity_cancelled = item.quantity_ordered - item.quantity_shipped
    order.last_update_date = max(
        [purchased] + [d for d in (order.buyer_requested_at, order.cancelled_at) if d is not None]
    )
    if status in {"Shipped", "PartiallyShipped"}:
        order.last_update_date = min(now, max(order.last_update_date, purchased + timedelta(days=1)))
    sim.world.orders[order.order_id] = order
    return order


def add_listing(
    sim: SimulatorCore,
    sku: str,
    *,
    channel: Literal["MFN", "FBA"] = "MFN",
    quantity: int = 10,
    lead_time_days: int | None = 2,
    restock_date: str | None = None,
    price: str | Decimal = "19.99",
    product_type: str = "HOME",
    marketplace: str | None = None,
    item_name: str | None = None,
    asin: str | None = None,
    delete_ignored: bool = False,
) -> SimListing:
    """Add one listing.

    MFN offers get ``fulfillment_availability=[{DEFAULT, quantity, lead_time...}]``,
    FBA offers the marketplace's ``AMAZON_*`` entry (quantity controlled by Amazon).
    """
    market = _market(sim, marketplace)
    if channel == "MFN":
        entry: dict[str, object] = {"fulfillment_channel_code": "DEFAULT", "quantity": quantity}
        if lead_time_days is not None:
            entry["lead_time_to_ship_max_days"] = lead_time_days
        if restock_date is not None:
            entry["restock_date"] = restock_date
    else:
        entry = {"fulfillment_channel_code": market.fba_channel, "quantity": quantity}
    name = item_name or f"Simulated product {sku}"
    price_value = quantize(Decimal(str(price)), market.currency)
    attributes: dict[str, object] = {
        "item_name": [{"value": name, "language_tag": market.language, "marketplace_id": market.marketplace_id}],
        "condition_type": [{"value": "new_new", "marketplace_id": market.marketplace_id}],
        "purchasable_offer": [
            {
                "marketplace_id": market.marketplace_id,
                "currency": market.currency,
                "our_price": [{"schedule": [{"value_with_tax": float(price_value)}]}],
            }
        ],
        "fulfillment_availability": [entry],
    }
    from sp_cancel.testing._sim._listings import listing_status  # noqa: PLC0415 - avoids an import cycle

    now = sim.now()
    listing = SimListing(
        sku=sku,
        marketplace_id=market.marketplace_id,
        product_type=product_type,
        asin=asin or _asin(sim, sku),
        item_name=name,
        attributes=attributes,
        status=listing_status(attributes),
        created=now - timedelta(days=90),
        last_updated=now - timedelta(days=1),
        delete_ignored=delete_ignored,
    )
    sim.world.listings[(sku, market.marketplace_id)] = listing
    return listing


def add_mcf_order(
    sim: SimulatorCore,
    seller_fulfillment_order_id: str | None = None,
    *,
    status: str = "Received",
    received_at: datetime | None = None,
    items: Sequence[Mapping[str, Any]] | None = None,
    marketplace: str | None = None,
    shipping_speed: str = "Standard",
) -> SimMcfOrder:
    """Add one multi-channel fulfillment order (``received_at`` defaults to one minute ago)."""
    market = _market(sim, marketplace)
    order_id = seller_fulfillment_order_id or f"MCF-{sim.data_rng.randrange(10**8):08d}"
    received = received_at or sim.now() - timedelta(minutes=1)
    lines = [dict(i) for i in (items or [{"sellerSku": "SIM-FBA-001", "quantity": 1}])]
    for n, line in enumerate(lines, 1):
        line.setdefault("sellerFulfillmentOrderItemId", f"{order_id}-{n}")
    order = SimMcfOrder(
        seller_fulfillment_order_id=order_id,
        marketplace_id=market.marketplace_id,
        displayable_order_id=f"D-{order_id}"[:40],
        received_at=received,
        status=status,
        status_updated_at=received,
        items=lines,
        shipping_speed=shipping_speed,
    )
    sim.world.mcf_orders[order_id] = order
    return order


def add_deal(
    sim: SimulatorCore,
    promotion_id: str | None = None,
    *,
    deal_type: str = "LIGHTNING_DEAL",
    status: str = "UPCOMING",
    start: datetime | None = None,
    end: datetime | None = None,
    title: str | None = None,
    marketplace: str | None = None,
    skus: Sequence[str] = (),
) -> SimDeal:
    """Add one deal (``LIGHTNING_DEAL``/``BEST_DEAL``) or promotion (``COUPON``, ``PRICE_DISCOUNT``...)."""
    market = _market(sim, marketplace)
    now = sim.now()
    starts = start or now + timedelta(days=3)
    default_length = timedelta(hours=6) if deal_type == "LIGHTNING_DEAL" else timedelta(days=7)
    deal = SimDeal(
        promotion_id=promotion_id or sim.new_id("promotion"),
        title=title or f"Simulated {deal_type.replace('_', ' ').lower()}",
        deal_type=deal_type,
        status=status,
        marketplace_id=market.marketplace_id,
        start=starts,
        end=end or starts + default_length,
        skus=list(skus),
        created=min(now, starts) - timedelta(days=7),
        updated=min(now, starts) - timedelta(days=1),
    )
    sim.world.deals[deal.promotion_id] = deal
    return deal
