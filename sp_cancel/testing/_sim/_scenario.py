"""Seeded scenario: a believable seller with orders, listings, MCF orders and deals around "now".

Always present (when ``orders`` ≥ 16): every v0 status seen by sellers (Pending,
Unshipped, PartiallyShipped, Shipped, Canceled), MFN and AFN, multi-item orders,
USD/GBP/EUR/JPY marketplaces, buyer cancellation requests on Unshipped MFN
orders, merchant cancellations (with and without a buyer request), buyer
self-cancels, Amazon late-shipment auto-cancels. Listings: MFN (``DEFAULT``
with quantity and lead time) and FBA (``AMAZON_*``) in every marketplace, one
with ``delete_ignored``. MCF orders in every 2020-07-01 status; deals in every
status, starting before and after now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Final, Literal

from sp_cancel.testing._sim._builders import add_deal, add_listing, add_mcf_order, add_order
from sp_cancel.testing._sim._markets import resolve_market
from sp_cancel.testing._sim._state import V0Status

if TYPE_CHECKING:
    from sp_cancel.testing._sim._core import SimulatorCore

__all__ = ["Scenario", "populate"]

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
