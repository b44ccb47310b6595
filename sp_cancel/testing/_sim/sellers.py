"""Sellers API v1: ``getMarketplaceParticipations``, the marketplaces the simulated seller sells in.

https://developer-docs.amazon.com/sp-api/reference/getmarketplaceparticipations [M sellers.json]: no parameters;
``{"payload": [MarketplaceParticipation{marketplace, participation, storeName}]}``. The seller participates in its
home marketplace and in every other marketplace its orders or listings are in; nothing is suspended.
"""

from __future__ import annotations

from typing import Any, Final

from sp_cancel.testing._sim.core import Router, SimRequest, SimResponse, SimulatorCore
from sp_cancel.testing._sim.markets import Market, market_for

__all__ = ["register"]

# Amazon's retail domain of each simulated marketplace (the model's Marketplace.domainName).
_DOMAINS: Final = {
    "ATVPDKIKX0DER": "www.amazon.com",
    "A2EUQ1WTGCTBG2": "www.amazon.ca",
    "A1AM78C64UM0Y8": "www.amazon.com.mx",
    "A1F83G8C2ARO7P": "www.amazon.co.uk",
    "A1PA6795UKMFR9": "www.amazon.de",
    "A13V1IB3VIYZZH": "www.amazon.fr",
    "APJ6JRA9NG5V4": "www.amazon.it",
    "A1RKKUPIHCS9HS": "www.amazon.es",
    "A1VC38T7YXB528": "www.amazon.co.jp",
    "A21TJRUUN4KGV": "www.amazon.in",
    "A39IBJ37TRP1C6": "www.amazon.com.au",
}


def _participation(market: Market, store_name: str) -> dict[str, Any]:
    return {
        "marketplace": {
            "id": market.marketplace_id,
            "name": market.name,
            "countryCode": market.ship_country,
            "defaultCurrencyCode": market.currency,
            "defaultLanguageCode": market.language,
            "domainName": _DOMAINS.get(market.marketplace_id, market.name.lower()),
        },
        "participation": {"isParticipating": True, "hasSuspendedListings": False},
        "storeName": store_name,
    }


def get_marketplace_participations(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /sellers/v1/marketplaceParticipations`` → ``{"payload": [...]}``, the home marketplace first."""
    del request
    world = sim.world
    others = {o.marketplace_id for o in world.orders.values()} | {market for _, market in world.listings}
    ids = [world.marketplace_id, *sorted(others - {world.marketplace_id})]
    markets = [m for m in (market_for(i) for i in ids) if m is not None]
    store_name = f"Simulated store {sim.seller_id}"
    return SimResponse(status=200, body={"payload": [_participation(m, store_name) for m in markets]})


def register(router: Router) -> None:
    """Add the Sellers route."""
    path = "/sellers/v1/marketplaceParticipations"
    router.add("GET", path, "sellers.getMarketplaceParticipations", get_marketplace_participations)
