"""How SP-API writes values, for the simulator's answers: timestamps, money, page tokens, order ids."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

__all__ = [
    "BY_ORDER",
    "BY_QUERY",
    "ORDER_ID_RE",
    "OffsetTokens",
    "decode_token",
    "encode_token",
    "iso",
    "money_str",
    "parse_iso",
    "quantize",
    "query_digest",
]

ORDER_ID_RE = re.compile(r"^\d{3}-\d{7}-\d{7}$")

_ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "CLP", "VND"})


def iso(value: datetime, timespec: str = "seconds") -> str:
    """Format ``value`` the way SP-API does: ``2026-11-26T12:00:00Z`` (UTC, ``Z``).

    ``timespec`` as ``datetime.isoformat`` takes it: the Feeds API writes milliseconds (``12:00:00.000Z``).
    """
    return value.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def parse_iso(text: str | None) -> datetime | None:
    """Parse an ISO 8601 timestamp (``Z`` or offset; a bare date means midnight UTC); ``None`` if unparsable."""
    if not text:
        return None
    candidate = text.strip().replace("z", "Z")
    if candidate.endswith("Z"):
        candidate = candidate[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` to the currency's minor unit (0 decimals for JPY, else 2)."""
    places = Decimal(1) if currency in _ZERO_DECIMAL_CURRENCIES else Decimal("0.01")
    return amount.quantize(places, rounding=ROUND_HALF_UP)


def money_str(amount: Decimal, currency: str) -> str:
    """Format ``amount`` as Amazon's decimal string for ``currency``."""
    return str(quantize(amount, currency))


def encode_token(data: dict[str, Any]) -> str:
    """Encode pagination state as an opaque URL-safe token."""
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> dict[str, Any] | None:
    """Decode a token made by ``encode_token``; ``None`` if it is not one."""
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def query_digest(operation: str, query: Mapping[str, Sequence[str]], token_parameter: str) -> str:
    """A short stable hash of ``operation``'s ``query`` but its page token (binds a page token to its query)."""
    params = sorted((k, tuple(v)) for k, v in query.items() if k != token_parameter)
    return hashlib.sha256(repr((operation, params)).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class OffsetTokens:
    """Page tokens that carry where the next page starts and what they were issued for.

    A token is ``{bind: <what it was issued for>, at: <offset>}`` (``encode_token``): an order id, or a query's
    ``query_digest``. A token sent back for anything else is not one.
    """

    bind: str
    at: str

    def start(self, token: str | None, bound: str) -> int | None:
        """Where the page ``token`` asks for starts: 0 without one, ``None`` if it is not one issued for ``bound``."""
        if token is None:
            return 0
        data = decode_token(token)
        if data is None or data.get(self.bind) != bound:
            return None
        return int(data.get(self.at, 0))

    def following(self, bound: str, start: int, size: int, total: int) -> str | None:
        """The token of the page after the ``size`` items from ``start`` of ``total``; ``None`` after the last."""
        return self.token(bound, start + size) if start + size < total else None

    def token(self, bound: str, start: int) -> str:
        """The token of the page that starts at ``start``."""
        return encode_token({self.bind: bound, self.at: start})


#: Finances' and getOrderItems' ``NextToken``: the order id (``o``) and the offset (``s``).
BY_ORDER: Final = OffsetTokens("o", "s")
#: searchPromotions' ``paginationToken`` and searchListingsItems' tokens: the query digest (``h``), the offset (``o``).
BY_QUERY: Final = OffsetTokens("h", "o")
