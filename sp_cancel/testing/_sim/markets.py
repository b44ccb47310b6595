"""The marketplaces the simulator knows: ids, currencies, FBA channel codes, cancellation-rate targets."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MARKETS", "Market", "market_for", "resolve_market"]


@dataclass(frozen=True)
class Market:
    """One Amazon marketplace as the simulator uses it."""

    country: str
    marketplace_id: str
    currency: str
    name: str  # "Amazon.com": the sales channel / marketplace name
    fba_channel: str  # fulfillment_channel_code of FBA offers there
    language: str
    cancel_target: float  # preFulfillmentCancellationRate target (docs/cancellation-rate.md)
    ship_country: str


MARKETS: dict[str, Market] = {
    m.country: m
    for m in (
        Market("US", "ATVPDKIKX0DER", "USD", "Amazon.com", "AMAZON_NA", "en_US", 0.025, "US"),
        Market("CA", "A2EUQ1WTGCTBG2", "CAD", "Amazon.ca", "AMAZON_NA", "en_CA", 0.025, "CA"),
        Market("MX", "A1AM78C64UM0Y8", "MXN", "Amazon.com.mx", "AMAZON_NA", "es_MX", 0.025, "MX"),
        Market("UK", "A1F83G8C2ARO7P", "GBP", "Amazon.co.uk", "AMAZON_EU", "en_GB", 0.025, "GB"),
        Market("DE", "A1PA6795UKMFR9", "EUR", "Amazon.de", "AMAZON_EU", "de_DE", 0.025, "DE"),
        Market("FR", "A13V1IB3VIYZZH", "EUR", "Amazon.fr", "AMAZON_EU", "fr_FR", 0.025, "FR"),
        Market("IT", "APJ6JRA9NG5V4", "EUR", "Amazon.it", "AMAZON_EU", "it_IT", 0.025, "IT"),
        Market("ES", "A1RKKUPIHCS9HS", "EUR", "Amazon.es", "AMAZON_EU", "es_ES", 0.025, "ES"),
        Market("JP", "A1VC38T7YXB528", "JPY", "Amazon.co.jp", "AMAZON_JP", "ja_JP", 0.025, "JP"),
        Market("IN", "A21TJRUUN4KGV", "INR", "Amazon.in", "AMAZON_IN", "en_IN", 0.02, "IN"),
        Market("AU", "A39IBJ37TRP1C6", "AUD", "Amazon.com.au", "AMAZON_FE", "en_AU", 0.025, "AU"),
    )
}
MARKETS["GB"] = MARKETS["UK"]

_BY_ID = {m.marketplace_id: m for m in MARKETS.values()}


def resolve_market(marketplace: str) -> Market:
    """Return the market for a country code (``"US"``) or a marketplace id; ``ValueError`` if unknown."""
    found = MARKETS.get(marketplace.upper()) or _BY_ID.get(marketplace)
    if found is None:
        msg = f"unknown marketplace {marketplace!r}; use one of {sorted(MARKETS)} or a marketplace id"
        raise ValueError(msg)
    return found


def market_for(marketplace_id: str) -> Market | None:
    """Return the market with ``marketplace_id``, or ``None``."""
    return _BY_ID.get(marketplace_id)
