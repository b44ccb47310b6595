"""python-amazon-sp-api, the package sp_cancel is built on, as its users know it.

Two bridges, both through sp_api's public API only:

- ``sp_api_credentials`` reads LWA credentials where python-amazon-sp-api keeps them
  (``credentials.yml`` accounts, ``SP_API_REFRESH_TOKEN``/``LWA_APP_ID``/``LWA_CLIENT_SECRET``
  and their ``_<account>`` variants, AWS Secrets Manager), with its ``CredentialProvider``.
- ``sp_api_client`` builds one of its API clients (``Orders``, ``Reports``...) for the same
  seller authorization, marketplace, endpoint and LWA token URL as a ``SellerClient``, for the
  operations sp_cancel does not wrap. When the ``SellerClient`` was given an httpx transport (the
  simulator's in-process one, an ``httpx.MockTransport``), the API client's requests go through it too:
  its private ``_transport`` is replaced by sp_api's own ``HttpxTransport(client=...)`` (sp_api is
  pinned to 2.1.x for this; style guide §5).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import httpx
from sp_api.auth import AccessTokenClient, AccessTokenResponse
from sp_api.base import CredentialProvider, Marketplaces, MissingCredentials
from sp_api.base._transport_httpx import HttpxTransport

from sp_cancel.errors import InvalidInputError
from sp_cancel.transport._lwa import LwaCredentials

__all__ = ["sp_api_client", "sp_api_credentials"]

T = TypeVar("T")


def sp_api_credentials(
    account: str = "default",
    *,
    credential_providers: Iterable[type[Any]] | None = None,
    refresh_token: str | None = None,
) -> tuple[str, str, str]:
    """Return ``(refresh_token, client_id, client_secret)`` from python-amazon-sp-api's credential sources.

    Args:
        account: the account name of its ``credentials.yml`` (and the ``_<account>`` suffix of its
            environment variables).
        credential_providers: its provider classes to try, in order (default: its own chain: code,
            environment, cached secrets, secrets, config file).
        refresh_token: used when the source holds only the app's id and secret (or to override it).

    Raises:
        InvalidInputError: no source holds a complete set (the refresh token included).
    """
    try:
        found = CredentialProvider(account, credential_providers=credential_providers).credentials
    except MissingCredentials as exc:
        raise InvalidInputError(
            f"python-amazon-sp-api found no credentials for account {account!r}: {exc}", field="account"
        ) from None
    values = (refresh_token or found.refresh_token, found.lwa_app_id, found.lwa_client_secret)
    if not all(isinstance(v, str) and v.strip() for v in values):
        names = ("refresh_token", "lwa_app_id", "lwa_client_secret")
        missing = [n for n, v in zip(names, values, strict=True) if not v]
        raise InvalidInputError(
            f"python-amazon-sp-api's account {account!r} lacks {', '.join(missing)}", field="account"
        )
    return str(values[0]).strip(), str(values[1]).strip(), str(values[2]).strip()


def _token_client_class(token_url: str, access_token: Callable[[], str] | None) -> type[Any]:
    """sp_api's LWA token client, aimed at ``token_url`` (its scheme, host and path are class attributes).

    With ``access_token``, its ``get_auth`` hands out the token sp_cancel's own LWA client holds for the same
    authorization (one token exchange, not two; and none of sp_api's process-wide token cache).
    """
    parts = urlsplit(token_url)
    attributes: dict[str, Any] = {"scheme": f"{parts.scheme}://", "host": parts.netloc, "path": parts.path or "/"}
    if access_token is not None:

        def get_auth(_self: Any) -> Any:
            return AccessTokenResponse(access_token=access_token(), token_type="bearer")  # noqa: S106 - a type

        attributes["get_auth"] = get_auth
    return type("SpCancelTokenClient", (AccessTokenClient,), attributes)


def _marketplace(marketplace_id: str) -> Any:
    for member in Marketplaces:
        if member.marketplace_id == marketplace_id:
            return member
    raise InvalidInputError(f"python-amazon-sp-api does not know marketplace {marketplace_id!r}", field="marketplace")


class _BorrowedTransport(httpx.BaseTransport):
    """Sends through a transport it does not own: closing the sp_api client leaves the ``SellerClient``'s open."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self._transport = transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Hand the request to the borrowed transport."""
        return self._transport.handle_request(request)


def sp_api_client(
    api: type[T],
    *,
    credentials: LwaCredentials,
    marketplace_id: str,
    endpoint: str,
    token_url: str,
    access_token: Callable[[], str] | None = None,
    transport: httpx.BaseTransport | None = None,
    **kwargs: Any,
) -> T:
    """Build a python-amazon-sp-api client of class ``api`` for this seller, marketplace, endpoint and token URL.

    ``access_token`` (sp_cancel's own LWA client) supplies its access tokens; ``transport`` (when the
    ``SellerClient`` has an injected one) carries its requests; ``kwargs`` go to ``api``
    (``version="2026-01-01"``, ``timeout=``, ``proxies=``...).
    """
    factory: Any = api  # sp_api is untyped: its clients take (marketplace, *, refresh_token, credentials, ...)
    client = factory(
        _marketplace(marketplace_id),
        refresh_token=credentials.refresh_token,
        credentials={
            "refresh_token": credentials.refresh_token,
            "lwa_app_id": credentials.client_id,
            "lwa_client_secret": credentials.client_secret,
        },
        auth_token_client_class=_token_client_class(token_url, access_token),
        **kwargs,
    )
    client.endpoint = endpoint.rstrip("/")  # every sp_api client sends its requests to .endpoint
    if transport is not None:
        client._transport.close()  # noqa: SLF001 - sp_api's documented seam (pinned 2.1.x), see the module docstring
        timeout = kwargs.get("timeout")
        http = httpx.Client(transport=_BorrowedTransport(transport), timeout=timeout if timeout is not None else 30.0)
        client._transport = HttpxTransport(client=http)  # noqa: SLF001 - same seam
    return cast("T", client)
