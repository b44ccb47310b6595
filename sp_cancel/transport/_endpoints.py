"""Marketplaces and default endpoints, from python-amazon-sp-api's ``Marketplaces`` table.

sp_api bakes the sandbox host into that table when ``AWS_ENV=SANDBOX`` is set at
import time; we only take the region suffix from it and always build the
production host ourselves, so the environment never overrides an explicit
choice. A sandbox or a simulator is reached with ``endpoint=``.
"""

from __future__ import annotations

from typing import Final

import attrs
from sp_api.base.marketplaces import Marketplaces

from sp_cancel.errors import InvalidInputError

__all__ = ["DEFAULT_TOKEN_URL", "Marketplace", "production_endpoint", "resolve_marketplace"]

# https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api
DEFAULT_TOKEN_URL: Final = "https://api.amazon.com/auth/o2/token"  # noqa: S105 - a URL, not a secret
_HOST_STEM: Final = "sellingpartnerapi"


@attrs.frozen(kw_only=True)
class Marketplace:
    """One Amazon marketplace: country code, marketplace id, production SP-API endpoint."""

    country: str
    marketplace_id: str
    endpoint: str


def production_endpoint(table_endpoint: str) -> str:
    """Return the production host for an sp_api table endpoint, sandbox or not.

    ``https://sandbox.sellingpartnerapi-eu.amazon.com`` and
    ``https://sellingpartnerapi-eu.amazon.com`` both give the latter.
    """
    _, _, suffix = table_endpoint.partition(_HOST_STEM)
    if not suffix:
        raise ValueError(f"unexpected SP-API endpoint {table_endpoint!r}")
    return f"https://{_HOST_STEM}{suffix}"


def _table() -> dict[str, Marketplace]:
    by_key: dict[str, Marketplace] = {}
    for name, member in Marketplaces.__members__.items():  # __members__ keeps aliases such as UK -> GB
        market = Marketplace(
            country=member.name,
            marketplace_id=str(member.marketplace_id),
            endpoint=production_endpoint(str(member.endpoint)),
        )
        by_key[name] = market
        by_key.setdefault(market.marketplace_id, market)
    return by_key


def resolve_marketplace(value: str) -> Marketplace:
    """Resolve a country code (``"US"``, ``"de"``, ``"UK"``) or a marketplace id (``"ATVPDKIKX0DER"``).

    Raises:
        InvalidInputError: unknown marketplace.
    """
    table = _table()
    if isinstance(value, str):
        text = value.strip()
        market = table.get(text) or (table.get(text.upper()) if len(text) == 2 else None)
        if market is not None:
            return market
    countries = ", ".join(sorted(k for k in table if len(k) == 2))
    raise InvalidInputError(
        f"unknown marketplace {value!r}: pass a country code ({countries}) or a marketplace id like 'ATVPDKIKX0DER'",
        field="marketplace",
    )
