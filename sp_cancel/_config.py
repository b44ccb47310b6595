"""A client's configuration, checked whole before anything is sent: every problem named in one error.

``SellerClient(...)`` and ``SellerClient.from_env()`` call ``check_configuration``; it raises one
``InvalidInputError`` whose message lists every problem found (not the first one only), so a seller fixes
their settings in one go instead of one error per run. Checked, before any request:

- the seller id: Amazon's merchant token, upper-case letters and digits (``A2EXAMPLE12345``), at most 50
  characters (``MerchantIdentifier`` of the feed header; docs/cancel-orders.md); no space, no lower case,
  no punctuation;
- the marketplace: a country code or marketplace id Amazon has (``from_env`` requires ``SP_API_MARKETPLACE``:
  no silent default);
- the endpoint and the LWA token URL: absolute ``http(s)`` URLs with a host, no query or fragment;
- the marketplace's region against an Amazon endpoint's (``sellingpartnerapi-na|eu|fe``, sandbox or not): a
  US marketplace on the EU endpoint would be refused by Amazon at every call. A proxy, a simulator or any
  other host is not judged;
- the timeout: a positive number of seconds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

import attrs

from sp_cancel.errors import InvalidInputError

if TYPE_CHECKING:
    from sp_cancel.transport import Marketplace, OrdersV0Mode

__all__ = [
    "ENV_CLIENT_ID",
    "ENV_CLIENT_SECRET",
    "ENV_ENDPOINT",
    "ENV_MARKETPLACE",
    "ENV_REFRESH_TOKEN",
    "ENV_SELLER_ID",
    "ENV_TOKEN_URL",
    "ClientConfig",
    "EnvironmentSettings",
    "check_configuration",
    "settings_from_environment",
]

# The environment variables SellerClient.from_env reads (and only it).
ENV_REFRESH_TOKEN: Final = "SP_API_REFRESH_TOKEN"  # noqa: S105 - the variable's name, not a secret
ENV_CLIENT_ID: Final = "LWA_APP_ID"
ENV_CLIENT_SECRET: Final = "LWA_CLIENT_SECRET"  # noqa: S105 - the variable's name, not a secret
ENV_SELLER_ID: Final = "SP_API_SELLER_ID"
ENV_MARKETPLACE: Final = "SP_API_MARKETPLACE"
ENV_ENDPOINT: Final = "SP_API_ENDPOINT"
ENV_TOKEN_URL: Final = "SP_API_TOKEN_URL"  # noqa: S105 - the variable's name, not a secret

# MerchantIdentifier is an amzn-base String of at most 50 characters; merchant tokens are upper-case alphanumerics.
_SELLER_ID: Final = re.compile(r"[A-Z0-9]{1,50}")
# Amazon's SP-API hosts: https://sellingpartnerapi-{na|eu|fe}.amazon.com, and the sandbox ones
# (docs/retries-and-rate-limits.md).
_AMAZON_HOST: Final = re.compile(r"(?:sandbox\.)?sellingpartnerapi-(na|eu|fe)\.amazon\.com")
_REGIONS: Final = {"na": "North America", "eu": "Europe", "fe": "the Far East"}


@attrs.frozen(kw_only=True)
class ClientConfig:
    """A checked configuration: the seller id, the marketplace, the endpoint and the token URL to use."""

    seller_id: str
    marketplace: Marketplace
    endpoint: str
    token_url: str
    orders_v0: OrdersV0Mode = "auto"


_V0_MODES: Final = ("auto", "never")


def _url_problem(name: str, value: object) -> str | None:
    if not isinstance(value, str):
        return f"{name} must be a URL string like 'https://sellingpartnerapi-na.amazon.com', not {value!r}"
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return f"{name}={value!r} is not an http(s) URL (e.g. 'https://sellingpartnerapi-eu.amazon.com')"
    if parts.query or parts.fragment:
        return f"{name}={value!r} must not carry a query or a fragment"
    return None


def _seller_problem(name: str, value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"{name} must be your seller id (merchant token, e.g. 'A2EXAMPLE12345'), not {value!r}"
    if any(c.isspace() for c in value):
        return f"{name}={value!r} contains whitespace; a seller id is upper-case letters and digits"
    if not _SELLER_ID.fullmatch(value):
        return (
            f"{name}={value!r} is not a seller id: Amazon's merchant tokens are 1 to 50 upper-case letters and "
            "digits (Seller Central > Settings > Account Info > Merchant Token)"
        )
    return None


def _region(endpoint: str) -> str | None:
    """``"na"``, ``"eu"`` or ``"fe"`` for an Amazon SP-API host, ``None`` for any other host."""
    found = _AMAZON_HOST.fullmatch(urlsplit(endpoint).hostname or "")
    return found.group(1) if found else None


# The shortest unconfirmed_horizon: Amazon's Finances API may post a refund up to 48 hours after it was applied,
# so a refund that may have been sent is not taken as unsent any sooner (docs/reliability.md).
MIN_UNCONFIRMED_HORIZON: Final = timedelta(hours=48)


def _horizon_problem(value: object) -> str | None:
    if not isinstance(value, timedelta):
        return f"unconfirmed_horizon must be a datetime.timedelta, not {type(value).__name__}"
    if value < MIN_UNCONFIRMED_HORIZON:
        return (
            f"unconfirmed_horizon must be at least 48 hours (Amazon's Finances API may post a refund up to 48 h "
            f"after it was applied), not {value}; to settle one sooner, look in Seller Central and call "
            "client.declare_not_sent(outcome, by=...)"
        )
    return None


def check_configuration(  # noqa: C901, PLR0912 - one check per setting, every problem collected
    *,
    seller_id: object,
    marketplace: object,
    endpoint: object,
    token_url: object,
    default_token_url: str,
    timeout: object = 30.0,
    unconfirmed_horizon: object = MIN_UNCONFIRMED_HORIZON,
    orders_v0: object = "auto",
    names: Mapping[str, str] | None = None,
    missing: Sequence[str] = (),
) -> ClientConfig:
    """Check every setting and return them normalised; raise one error naming every problem.

    Args:
        seller_id: the seller (merchant) id.
        marketplace: a country code or a marketplace id (``None``: not given, a problem).
        endpoint: the SP-API base URL, or ``None`` for the marketplace region's production endpoint.
        token_url: the LWA token URL, or ``None`` for ``default_token_url``.
        default_token_url: Amazon's LWA token URL.
        timeout: seconds for each HTTP request.
        unconfirmed_horizon: how long a money-moving submission in doubt stays ``UNCONFIRMED`` (at least 48 h).
        orders_v0: ``"auto"`` or ``"never"`` (whether Orders v0 may be read; docs/orders-api-versions.md).
        names: how to call each setting in messages (``{"endpoint": "SP_API_ENDPOINT"}`` for ``from_env``).
        missing: problems found before (unset environment variables), listed first.

    Raises:
        InvalidInputError: the message lists every problem; ``field`` is the setting at fault when there is one
            (``"seller_id"``, ``"marketplace"``, ``"endpoint"``...), ``"configuration"`` for several, and
            ``"environment"`` whenever the values come from the environment (``from_env``).
    """
    called = {"seller_id": "seller_id", "marketplace": "marketplace", "endpoint": "endpoint", "token_url": "token_url"}
    called.update(names or {})
    problems: list[tuple[str, str]] = [("environment", text) for text in missing]
    # A setting already reported missing (an unset variable) is not judged again.
    seller_problem = None if seller_id is None and missing else _seller_problem(called["seller_id"], seller_id)
    if seller_problem:
        problems.append(("seller_id", seller_problem))
    market: Marketplace | None = None
    if marketplace is not None:
        # Issue 20: the transport (httpx, python-amazon-sp-api's marketplace table) loads when a client is
        # configured, not when sp_cancel is imported.
        from sp_cancel.transport import resolve_marketplace  # noqa: PLC0415

        try:
            market = resolve_marketplace(marketplace)  # type: ignore[arg-type]  # it refuses a non-str itself
        except InvalidInputError as exc:
            problems.append(("marketplace", f"{called['marketplace']}: {exc}"))
    for key, value in (("endpoint", endpoint), ("token_url", token_url)):
        problem = _url_problem(called[key], value) if value is not None else None
        if problem:
            problems.append((key, problem))
    if isinstance(endpoint, str) and market is not None and not _url_problem("", endpoint):
        asked, serves = _region(endpoint), _region(market.endpoint)
        if asked is not None and serves is not None and asked != serves:
            region = (
                f"{called['marketplace']} {market.country} ({market.marketplace_id}) is sold through Amazon's "
                f"{_REGIONS[serves]} endpoint ({market.endpoint}), not {called['endpoint']}={endpoint!r} "
                f"({_REGIONS[asked]}): Amazon would refuse every call"
            )
            problems.append(("marketplace", region))
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not (math.isfinite(timeout) and timeout > 0)
    ):
        problems.append(("timeout", f"timeout must be a positive number of seconds, not {timeout!r}"))
    horizon = _horizon_problem(unconfirmed_horizon)
    if horizon:
        problems.append(("unconfirmed_horizon", horizon))
    if orders_v0 not in _V0_MODES:
        problems.append(("orders_v0", f"orders_v0 must be 'auto' or 'never', not {orders_v0!r}"))
    if len(problems) == 1 and not names:
        field, text = problems[0]
        raise InvalidInputError(f"{text} (nothing was sent)", field=field)
    if problems:
        numbered = "; ".join(f"({n}) {text}" for n, (_, text) in enumerate(problems, 1))
        raise InvalidInputError(
            f"the client's configuration has {len(problems)} problems, nothing was sent: {numbered}"
            if len(problems) > 1
            else f"the client's configuration has a problem, nothing was sent: {problems[0][1]}",
            field="environment" if names else "configuration",
        )
    if not isinstance(seller_id, str) or market is None:  # both were checked above: a bug if reached
        raise TypeError("unreachable: an unchecked seller id or marketplace")
    return ClientConfig(
        seller_id=seller_id.strip(),
        marketplace=market,
        endpoint=(endpoint.strip() if isinstance(endpoint, str) else market.endpoint).rstrip("/"),
        token_url=token_url.strip() if isinstance(token_url, str) else default_token_url,
        orders_v0="never" if orders_v0 == "never" else "auto",
    )


@attrs.frozen(kw_only=True)
class EnvironmentSettings:
    """What ``from_env`` read and checked: credential fields (empty when given in code) and the settings."""

    credentials: Mapping[str, str]
    seller_id: str
    marketplace: str
    endpoint: str | None
    token_url: str | None


def settings_from_environment(
    env: Mapping[str, str],
    *,
    credentials_given: bool,
    seller_id: str | None,
    marketplace: str | None,
    endpoint: str | None,
    token_url: str | None,
    default_token_url: str,
    timeout: object,
) -> EnvironmentSettings:
    """Read the variables ``from_env`` uses (an argument given wins) and check everything at once.

    Raises:
        InvalidInputError: ``field="environment"``; every unset variable and every wrong value, in one message.
    """
    missing: list[str] = []
    credentials: dict[str, str] = {}
    if not credentials_given:
        fields = {"refresh_token": ENV_REFRESH_TOKEN, "client_id": ENV_CLIENT_ID, "client_secret": ENV_CLIENT_SECRET}
        credentials = {key: env.get(name, "").strip() for key, name in fields.items()}
        missing += [f"{fields[key]} is not set" for key, value in credentials.items() if not value]
    given = {"seller_id": seller_id, "marketplace": marketplace, "endpoint": endpoint, "token_url": token_url}
    variables = {
        "seller_id": ENV_SELLER_ID,
        "marketplace": ENV_MARKETPLACE,
        "endpoint": ENV_ENDPOINT,
        "token_url": ENV_TOKEN_URL,
    }
    found = {
        key: value if value is not None else env.get(variables[key], "").strip() or None for key, value in given.items()
    }
    missing += [f"{variables[key]} is not set" for key in ("seller_id", "marketplace") if found[key] is None]
    check_configuration(
        seller_id=found["seller_id"],
        marketplace=found["marketplace"],
        endpoint=found["endpoint"],
        token_url=found["token_url"],
        default_token_url=default_token_url,
        timeout=timeout,
        names={key: key if given[key] is not None else variables[key] for key in variables},
        missing=missing,
    )
    return EnvironmentSettings(
        credentials=credentials,
        seller_id=str(found["seller_id"]),
        marketplace=str(found["marketplace"]),
        endpoint=found["endpoint"],
        token_url=found["token_url"],
    )
