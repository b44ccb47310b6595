"""The seller's client: credentials, one marketplace, and the parts every workflow shares.

:class:`SellerClient` composes the transport (SP-API, LWA and documents through
one ``httpx.Client``), the rate limiter, the retry policy, the clock and the
journal; it makes no HTTP call of its own. Workflow methods (``cancel_order``,
``partial_refund``...) are added on top of this constructor.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

import attrs
import httpx

from sp_cancel._workflows import Workflows
from sp_cancel.clock import Clock, Sleep, SystemClock, system_sleep
from sp_cancel.errors import InvalidInputError
from sp_cancel.ratelimit import InMemoryRateLimiter, RateLimiter
from sp_cancel.retry import DEFAULT_RETRY_POLICY, RetryPolicy
from sp_cancel.transport import DEFAULT_TOKEN_URL, SpApi, resolve_marketplace

if TYPE_CHECKING:
    from sp_cancel.journal import JournalLike

__all__ = ["Credentials", "SellerClient"]

# Environment variables read by SellerClient.from_env (and only there).
ENV_REFRESH_TOKEN: Final = "SP_API_REFRESH_TOKEN"  # noqa: S105 - the variable's name, not a secret
ENV_CLIENT_ID: Final = "LWA_APP_ID"
ENV_CLIENT_SECRET: Final = "LWA_CLIENT_SECRET"  # noqa: S105 - the variable's name, not a secret
ENV_SELLER_ID: Final = "SP_API_SELLER_ID"
ENV_MARKETPLACE: Final = "SP_API_MARKETPLACE"
ENV_ENDPOINT: Final = "SP_API_ENDPOINT"
ENV_TOKEN_URL: Final = "SP_API_TOKEN_URL"  # noqa: S105 - the variable's name, not a secret


def _non_empty(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{attribute.name} must be a non-empty string", field=attribute.name)


def _check_seller_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(
            f"seller_id must be a non-empty string (your Merchant Token), not {value!r}", field="seller_id"
        )
    return value.strip()


@attrs.frozen(kw_only=True, repr=False)
class Credentials:
    """LWA credentials of one seller authorization: the seller's refresh token and the app's client id/secret.

    ``repr`` shows the client id and hides the refresh token and the client secret.
    """

    refresh_token: str = attrs.field(validator=_non_empty)
    client_id: str = attrs.field(validator=_non_empty)
    client_secret: str = attrs.field(validator=_non_empty)

    def __repr__(self) -> str:
        return f"Credentials(client_id={self.client_id!r}, refresh_token=<hidden>, client_secret=<hidden>)"


class SellerClient(Workflows):
    """Everything one seller does in one marketplace through SP-API.

    Args:
        credentials: LWA refresh token, client id and client secret.
        seller_id: the seller (merchant) id: ``MerchantIdentifier`` in feeds, ``sellerId`` in listings paths.
        marketplace: a country code (``"US"``, ``"DE"``, ``"UK"``) or a marketplace id (``"ATVPDKIKX0DER"``).
        endpoint: SP-API base URL; default the marketplace region's production endpoint
            (``https://sellingpartnerapi-na.amazon.com``...). Sandbox, proxy or simulator otherwise.
        token_url: LWA token URL; default ``https://api.amazon.com/auth/o2/token``.
        journal: a path, a journal object (:class:`~sp_cancel.journal.Journal`,
            :class:`~sp_cancel.journal.RedisJournal` to share one between hosts, or anything implementing
            :class:`~sp_cancel.journal.JournalLike`), or ``None`` for the default journal file.
        rate_limiter: shared token buckets; default an in-process :class:`~sp_cancel.ratelimit.InMemoryRateLimiter`.
        retry: the retry policy; default :data:`~sp_cancel.retry.DEFAULT_RETRY_POLICY`.
        transport: an httpx transport for every request (the simulator's, ``httpx.MockTransport``...).
        clock: time source; default the system clock.
        sleep: how to wait; default :func:`time.sleep`.
        timeout: httpx timeout in seconds for every request.

    Raises:
        InvalidInputError: empty seller id or unknown marketplace.
    """

    def __init__(
        self,
        *,
        credentials: Credentials,
        seller_id: str,
        marketplace: str = "US",
        endpoint: str | None = None,
        token_url: str | None = None,
        journal: str | os.PathLike[str] | JournalLike | None = None,
        rate_limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        timeout: float = 30.0,
    ) -> None:
        if not isinstance(credentials, Credentials):
            raise InvalidInputError("credentials must be a sp_cancel.Credentials", field="credentials")
        seller_id = _check_seller_id(seller_id)
        market = resolve_marketplace(marketplace)
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._sleep: Sleep = sleep if sleep is not None else system_sleep
        self._credentials = credentials
        self._seller_id = seller_id
        self._marketplace_id = market.marketplace_id
        self._journal_arg = journal
        self._limiter: RateLimiter = (
            rate_limiter if rate_limiter is not None else InMemoryRateLimiter(clock=self._clock, sleep=self._sleep)
        )
        self._retry = retry if retry is not None else DEFAULT_RETRY_POLICY
        self._http = httpx.Client(transport=transport, timeout=timeout)
        self._api = SpApi(
            credentials=credentials,
            seller_id=self._seller_id,
            marketplace_id=self._marketplace_id,
            endpoint=endpoint or market.endpoint,
            token_url=token_url or DEFAULT_TOKEN_URL,
            http=self._http,
            limiter=self._limiter,
            retry=self._retry,
            clock=self._clock,
            sleep=self._sleep,
        )

    @classmethod
    def from_env(cls, **overrides: Any) -> Self:
        """Build a client from the environment; keyword ``overrides`` win over it.

        Reads ``SP_API_REFRESH_TOKEN``, ``LWA_APP_ID``, ``LWA_CLIENT_SECRET``, ``SP_API_SELLER_ID``,
        ``SP_API_MARKETPLACE`` (default ``US``), and optionally ``SP_API_ENDPOINT``, ``SP_API_TOKEN_URL``.

        Raises:
            InvalidInputError: naming every required variable that is missing or empty.
        """
        env: Mapping[str, str] = os.environ
        kwargs: dict[str, Any] = dict(overrides)
        missing: list[str] = []
        if "credentials" not in kwargs:
            names = (ENV_REFRESH_TOKEN, ENV_CLIENT_ID, ENV_CLIENT_SECRET)
            values = [env.get(name, "").strip() for name in names]
            missing += [name for name, value in zip(names, values, strict=True) if not value]
            if all(values):
                kwargs["credentials"] = Credentials(
                    refresh_token=values[0], client_id=values[1], client_secret=values[2]
                )
        if "seller_id" not in kwargs:
            seller_id = env.get(ENV_SELLER_ID, "").strip()
            if seller_id:
                kwargs["seller_id"] = seller_id
            else:
                missing.append(ENV_SELLER_ID)
        if missing:
            raise InvalidInputError(
                f"missing environment variable(s): {', '.join(missing)}; set them or pass the values explicitly",
                field="environment",
            )
        for key, name in (("marketplace", ENV_MARKETPLACE), ("endpoint", ENV_ENDPOINT), ("token_url", ENV_TOKEN_URL)):
            value = env.get(name, "").strip()
            if key not in kwargs and value:
                kwargs[key] = value
        return cls(**kwargs)

    @property
    def seller_id(self) -> str:
        """The seller (merchant) id."""
        return self._seller_id

    @property
    def marketplace_id(self) -> str:
        """The marketplace id requests default to (e.g. ``ATVPDKIKX0DER``)."""
        return self._marketplace_id

    @property
    def endpoint(self) -> str:
        """The SP-API base URL in use."""
        return self._api.endpoint

    def close(self) -> None:
        """Close the HTTP connections and the journal (the client cannot be used afterwards)."""
        self._http.close()
        journal = None if self._context is None else self._context.journal
        if journal is not None and journal is not self._journal_arg:
            from sp_cancel.journal import Journal  # noqa: PLC0415 - loaded with the context already

            if isinstance(journal, Journal):  # the one this client opened from a path; a given journal stays open
                journal.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"SellerClient(seller_id={self._seller_id!r}, marketplace_id={self._marketplace_id!r}, "
            f"endpoint={self._api.endpoint!r}, client_id={self._credentials.client_id!r})"
        )
