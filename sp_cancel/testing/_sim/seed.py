"""Seeding the simulated world: a believable seeded scenario, and builders for one object at a time.

The builders put one order, listing, MCF order or deal into the world (for
scenarios and tests: ``Simulator.add_order``...); ``populate`` builds a
seeded ``Scenario`` from them.

The scenario always holds (when ``orders`` ≥ 16): every v0 status seen by sellers (Pending,
Unshipped, PartiallyShipped, Shipped, Canceled), MFN and AFN, multi-item orders,
USD/GBP/EUR/JPY marketplaces, buyer cancellation requests on Unshipped MFN
orders, merchant cancellations (with and without a buyer request), buyer
self-cancels, Amazon late-shipment auto-cancels. Listings: MFN (``DEFAULT``
with quantity and lead time) and FBA (``AMAZON_*``) in every marketplace, one
with ``delete_ignored``. MCF orders in every 2020-07-01 status; deals in every
status, starting before and after now.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Literal

from sp_cancel.testing._sim.core import SimulatorCore
from sp_cancel.testing._sim.fba import MOVES_ON_TO
from sp_cancel.testing._sim.formats import ORDER_ID_RE, quantize
from sp_cancel.testing._sim.listings import listing_status
from sp_cancel.testing._sim.markets import Market, market_for, resolve_market
from sp_cancel.testing._sim.world import SimDeal, SimItem, SimListing, SimMcfOrder, SimOrder, V0Status

__all__ = [
    "Scenario",
    "add_deal",
    "add_listing",
    "add_mcf_order",
    "add_order",
    "new_item_id",
    "new_order_id",
    "populate",
]

# -- builders -------------------------------------------------------------------------------------

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
    """A fresh 14-digit order item id (the ids in use are kept in ``world.item_ids``: no scan per item)."""
    taken = sim.world.item_ids
    if not taken and sim.world.orders:  # orders put into the world directly
        taken.update(i.order_item_id for o in sim.world.orders.values() for i in o.items)
    while True:
        item_id = str(sim.data_rng.randrange(10**13, 10**14))
        if item_id not in taken:
            taken.add(item_id)
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
    for key, component in (("cod_fee", "COD"), ("other", "Other")):
        if spec.get(key):
            charged[component] = quantize(Decimal(str(spec[key])), currency)
    discounts = {
        component: quantize(Decimal(str(spec[key])), currency)
        for key, component in (("discount", "Principal"), ("shipping_discount", "Shipping"))
        if spec.get(key)
    }
    sku = str(spec.get("sku") or f"SIM-{channel}-{sim.data_rng.randrange(1000):03d}")
    return SimItem(
        discounts=discounts,
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
    ``gift_wrap``, ``shipped``, ``title``, ``asin``, ``order_item_id``; ``discount`` and ``shipping_discount``:
    promotions off the item price and the shipping, line totals; ``cod_fee``, ``other``: COD fee and OTHER
    charges); status fills in shipped and
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
    cancel_overtaken_by: str | None = None,
) -> SimMcfOrder:
    """Add one multi-channel fulfillment order (``received_at`` defaults to one minute ago).

    ``cancel_overtaken_by`` (``Processing``, ``Complete``, ``CompletePartialled``): Amazon's fulfillment overtakes
    a cancel; the cancel is answered as a success but the order moves on to that status (see ``.fba``).
    """
    if cancel_overtaken_by is not None and cancel_overtaken_by not in MOVES_ON_TO:
        msg = f"cancel_overtaken_by must be one of {sorted(MOVES_ON_TO)}, got {cancel_overtaken_by!r}"
        raise ValueError(msg)
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
        cancel_overtaken_by=cancel_overtaken_by,
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


# -- the seeded scenario ---------------------------------------------------------------------------

_PRODUCT_TYPES: Final = ("HOME", "KITCHEN", "TOY_FIGURE", "SHIRT", "BOOK", "LUGGAGE")
_NOUNS: Final = ("Mug", "Lamp", "Backpack", "Notebook", "Kettle", "Puzzle", "Scarf", "Candle", "Towel", "Planter")
_ADJECTIVES: Final = ("Blue", "Compact", "Deluxe", "Classic", "Bamboo", "Travel", "Vintage", "Cozy")
_FX: Final = {"USD": Decimal(1), "GBP": Decimal("0.8"), "EUR": Decimal("0.92"), "JPY": Decimal(150)}
_BUYER_REASONS: Final = ("Changed mind about purchase", "Found cheaper somewhere else.", "Ordered by mistake")
# kind -> (weight MFN, weight AFN, min age days, max age days)
_KINDS: Final[dict[str, tuple[float, float, float, float]]] = {
    "pending": (4, 8, 0.0, 0.4),
    "unshipped": (15, 5, 0.03, 2.5),
    "unshipped_buyer_request": (4, 0, 0.05, 2.0),
    "partially": (5, 0, 0.5, 4.0),
    "shipped": (60, 80, 1.0, 30.0),
    "cancel_merchant": (1.5, 0, 0.1, 30.0),
    "cancel_merchant_buyer_request": (3, 0, 0.1, 30.0),
    "buyer_self_cancel": (3, 6, 0.02, 30.0),
    "late_ship_auto_cancel": (0.5, 0, 12.0, 30.0),
    "amazon_payment_cancel": (1, 1, 1.0, 30.0),
}
_FORCED_MFN: Final = tuple(k for k in _KINDS if k != "amazon_payment_cancel")
_FORCED_AFN: Final = ("pending", "shipped", "buyer_self_cancel")


@dataclass(frozen=True)
class Scenario:
    """What the seeded world holds.

    Attributes:
        orders: number of orders.
        days: orders are spread over this many past days.
        marketplaces: countries of the orders (the seller's home marketplace is always included, first).
        listings: SKUs per marketplace (about a quarter of them FBA).
        home_share: fraction of orders in the home marketplace.
        afn_share: fraction of Amazon-fulfilled orders.
        mcf_orders: add one MCF order per 2020-07-01 status.
        deals: add deals in every status.
    """

    orders: int = 200
    days: int = 30
    marketplaces: tuple[str, ...] = ("US", "UK", "DE", "JP")
    listings: int = 12
    home_share: float = 0.6
    afn_share: float = 0.3
    mcf_orders: bool = True
    deals: bool = True


def _countries(sim: SimulatorCore, scenario: Scenario) -> list[str]:
    home = resolve_market(sim.world.marketplace_id).country
    out = [home]
    for country in scenario.marketplaces:
        market = resolve_market(country)
        if market.country not in out:
            out.append(market.country)
    return out


def _listings(sim: SimulatorCore, scenario: Scenario, countries: list[str]) -> dict[tuple[str, str], list[str]]:
    rng = sim.data_rng
    skus: dict[tuple[str, str], list[str]] = {}
    n_fba = max(1, scenario.listings // 4)
    catalog = []
    for n in range(scenario.listings):
        channel: Literal["MFN", "FBA"] = "FBA" if n < n_fba else "MFN"
        sku = f"SIM-{channel}-{n + 1:03d}"
        name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
        asin = "B0" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(8))
        catalog.append((sku, channel, name, asin, Decimal(rng.randrange(599, 9999)) / 100, rng.choice(_PRODUCT_TYPES)))
    for index, country in enumerate(countries):
        market = resolve_market(country)
        for n, (sku, channel, name, asin, usd, product_type) in enumerate(catalog):
            quantity = 0 if (channel == "MFN" and n % 7 == 3) else rng.randrange(1, 60)
            add_listing(
                sim,
                sku,
                channel=channel,
                quantity=quantity,
                lead_time_days=rng.choice((1, 2, 3)),
                restock_date="2027-01-15" if quantity == 0 else None,
                price=usd * _FX.get(market.currency, Decimal(1)),
                product_type=product_type,
                marketplace=country,
                item_name=name,
                asin=asin,
                delete_ignored=index == 0 and sku == f"SIM-MFN-{n_fba + 1:03d}",
            )
            skus.setdefault((country, "MFN" if channel == "MFN" else "AFN"), []).append(sku)
    return skus


def _order(
    sim: SimulatorCore,
    scenario: Scenario,
    *,
    kind: str,
    channel: Literal["MFN", "AFN"],
    country: str,
    skus: dict[tuple[str, str], list[str]],
) -> None:
    rng = sim.data_rng
    market = resolve_market(country)
    _, _, lo, hi = _KINDS[kind]
    hi = min(hi, float(scenario.days))
    lo = min(lo, hi * 0.8)
    purchased = sim.now() - timedelta(days=rng.uniform(lo, hi))
    pool = skus.get((country, channel)) or [f"SIM-{channel}-X"]
    n_items = 2 if kind == "partially" else rng.choices((1, 2, 3), weights=(70, 20, 10))[0]
    fx = _FX.get(market.currency, Decimal(1))
    listing_prices = {
        sku: sim.world.listings[(sku, market.marketplace_id)].attributes["purchasable_offer"]
        for sku in pool
        if (sku, market.marketplace_id) in sim.world.listings
    }
    items: list[dict[str, object]] = []
    for sku in rng.sample(pool, k=min(n_items, len(pool))):
        offer = listing_prices.get(sku)
        price = Decimal(str(offer[0]["our_price"][0]["schedule"][0]["value_with_tax"])) if offer else Decimal(20) * fx  # type: ignore[index]
        spec: dict[str, object] = {
            "sku": sku,
            "quantity": rng.choices((1, 2, 3), weights=(75, 18, 7))[0],
            "price": price,
        }
        if channel == "MFN" and not items and rng.random() < 0.5:
            spec["shipping"] = Decimal("4.99") * fx
        if rng.random() < 0.04:
            spec["gift_wrap"] = Decimal("3.99") * fx
        items.append(spec)
    status: V0Status = {
        "pending": "Pending",
        "unshipped": "Unshipped",
        "unshipped_buyer_request": "Unshipped",
        "partially": "PartiallyShipped",
        "shipped": "Shipped",
    }.get(kind, "Canceled")  # type: ignore[assignment]
    by: Literal["MERCHANT", "BUYER", "AMAZON"] | None = {
        "cancel_merchant": "MERCHANT",
        "cancel_merchant_buyer_request": "MERCHANT",
        "buyer_self_cancel": "BUYER",
        "late_ship_auto_cancel": "AMAZON",
        "amazon_payment_cancel": "AMAZON",
    }.get(kind)  # type: ignore[assignment]
    reason = {
        "cancel_merchant": rng.choice(("No inventory", "Shipping address undeliverable")),
        "cancel_merchant_buyer_request": "Buyer requested cancellation",
        "buyer_self_cancel": "Buyer cancelled",
        "late_ship_auto_cancel": "Not shipped within 7 business days of the ship-by date",
        "amazon_payment_cancel": "Payment not authorised",
    }.get(kind)
    add_order(
        sim,
        status=status,
        channel=channel,
        marketplace=country,
        items=items,
        purchase_date=purchased,
        buyer_requested_cancel=kind in {"unshipped_buyer_request", "cancel_merchant_buyer_request"},
        buyer_cancel_reason=rng.choice(_BUYER_REASONS),
        cancelled_by=by,
        cancel_reason=reason,
        late_ship_auto_cancel=kind == "late_ship_auto_cancel",
    )


def _orders(
    sim: SimulatorCore, scenario: Scenario, countries: list[str], skus: dict[tuple[str, str], list[str]]
) -> None:
    rng = sim.data_rng
    plan: list[tuple[str, Literal["MFN", "AFN"], str]] = []
    if scenario.orders >= 16:
        plan += [(k, "MFN", countries[0]) for k in _FORCED_MFN]
        plan += [(k, "AFN", countries[0]) for k in _FORCED_AFN]
        plan += [("shipped", "MFN", c) for c in countries[1:]]
    plan = plan[: scenario.orders]
    while len(plan) < scenario.orders:
        channel: Literal["MFN", "AFN"] = "AFN" if rng.random() < scenario.afn_share else "MFN"
        weights = [w[0] if channel == "MFN" else w[1] for w in _KINDS.values()]
        kind = rng.choices(list(_KINDS), weights=weights)[0]
        country = (
            countries[0] if rng.random() < scenario.home_share or len(countries) == 1 else rng.choice(countries[1:])
        )
        plan.append((kind, channel, country))
    for kind, channel, country in plan:
        _order(sim, scenario, kind=kind, channel=channel, country=country, skus=skus)


def _mcf(sim: SimulatorCore) -> None:
    now = sim.now()
    ages = {
        "New": timedelta(minutes=1),
        "Received": timedelta(minutes=2),
        "Planning": timedelta(minutes=6),
        "Processing": timedelta(hours=1),
        "Complete": timedelta(days=3),
        "CompletePartialled": timedelta(days=4),
        "Cancelled": timedelta(days=2),
        "Unfulfillable": timedelta(days=1),
        "Invalid": timedelta(days=5),
    }
    for n, (status, age) in enumerate(ages.items(), 1):
        add_mcf_order(
            sim,
            f"MCF-SIM-{n:04d}",
            status=status,
            received_at=now - age,
            items=[{"sellerSku": "SIM-FBA-001", "quantity": 1 + n % 3}],
        )


def _deals(sim: SimulatorCore) -> None:
    now = sim.now()
    hour, day = timedelta(hours=1), timedelta(days=1)
    plan = [
        ("UPCOMING", "LIGHTNING_DEAL", now + 3 * day),
        ("UPCOMING", "BEST_DEAL", now + 10 * hour),
        ("RUNNING", "LIGHTNING_DEAL", now - 2 * hour),
        ("RUNNING", "BEST_DEAL", now - day),
        ("EXPIRED", "LIGHTNING_DEAL", now - 10 * day),
        ("EXPIRED", "BEST_DEAL", now - 20 * day),
    ]
    for status in ("PROCESSING", "FAILED", "CANCELLING", "CANCELLED"):
        plan.append((status, "LIGHTNING_DEAL", now + 2 * day))
        plan.append((status, "BEST_DEAL", now - 3 * day))
    for n, (status, kind, start) in enumerate(plan, 1):
        length = 6 * hour if kind == "LIGHTNING_DEAL" else 7 * day
        add_deal(
            sim,
            deal_type=kind,
            status=status,
            start=start,
            end=start + length,
            title=f"Sim {kind.replace('_', ' ').title()} #{n}",
            skus=["SIM-MFN-004"],
        )
    add_deal(sim, deal_type="COUPON", status="RUNNING", start=now - day, end=now + 9 * day, title="Sim coupon")
    add_deal(sim, deal_type="PRICE_DISCOUNT", status="UPCOMING", start=now + day, title="Sim price discount")


def populate(sim: SimulatorCore, scenario: Scenario) -> None:
    """Fill ``sim.world`` from ``scenario`` (deterministic per ``sim`` seed)."""
    countries = _countries(sim, scenario)
    skus = _listings(sim, scenario, countries)
    _orders(sim, scenario, countries, skus)
    if scenario.mcf_orders:
        _mcf(sim)
    if scenario.deals:
        _deals(sim)
