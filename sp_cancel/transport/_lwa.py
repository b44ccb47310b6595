"""Login with Amazon (LWA): exchange the seller's refresh token for an access token.

Our own client instead of sp_api's ``AccessTokenClient``, which keeps tokens in a
module-global ``TTLCache`` and builds its own HTTP client (style guide §5). Here
the token is cached **per instance**, refreshed ``refresh_margin`` seconds (60)
before it expires on the injected clock, one refresh at a time under a lock
(other threads wait and reuse it), and the form-encoded POST goes through the
injected ``httpx.Client``.

https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api
"""

from __future__ import annotations

import json
import threading
from typing import Final, Protocol

import httpx

from sp_cancel._events import TOKEN_REFRESHED
from sp_cancel.clock import Clock
from sp_cancel.errors import ApiError, AuthError, ServerError
from sp_cancel.logging import get_logger
from sp_cancel.transport._wire import REQUEST_ID_HEADER, error_for_status, network_error

__all__ = ["LWA_OPERATION", "LwaCredentials", "LwaTokenClient"]

LWA_OPERATION: Final = "lwaToken"
DEFAULT_EXPIRES_IN: Final = 3600.0

_INVALID_GRANT_HINT: Final = (
    "LWA refused the refresh token (invalid_grant): the refresh token is wrong, or the seller revoked "
    "this app's authorization (Seller Central > Apps and Services > Manage Your Apps). Ask the seller to "
    "authorize the app again and use the new refresh token."
)
_INVALID_CLIENT_HINT: Final = (
    "LWA refused the app credentials (invalid_client): check the LWA client id and client secret "
    "(LWA_APP_ID / LWA_CLIENT_SECRET); a rotated secret must be replaced."
)


class LwaCredentials(Protocol):
    """What the token exchange needs (``sp_cancel.Credentials`` satisfies it)."""

    @property
    def refresh_token(self) -> str:
        """The seller's LWA refresh token (``Atzr|...``)."""
        ...

    @property
    def client_id(self) -> str:
        """The application's LWA client id."""
        ...

    @property
    def client_secret(self) -> str:
        """The application's LWA client secret."""
        ...


class LwaTokenClient:
    """Access tokens for one seller authorization, cached on this instance; thread-safe.

    Args:
        credentials: refresh token, client id, client secret.
        token_url: the LWA token endpoint.
        http: the httpx client every request goes through.
        clock: time source for expiry (``monotonic()``).
        refresh_margin: refresh this many seconds before the token expires.
        scope: for a grantless operation's token: the LWA scope (``sellingpartnerapi::notifications``), asked
            with the client-credentials grant (client id and secret, no refresh token); ``None`` exchanges the
            seller's refresh token.
    """

    def __init__(
        self,
        *,
        credentials: LwaCredentials,
        token_url: str,
        http: httpx.Client,
        clock: Clock,
        refresh_margin: float = 60.0,
        scope: str | None = None,
    ) -> None:
        self._credentials = credentials
        self._scope = scope
        self._token_url = token_url
        self._http = http
        self._clock = clock
        self._margin = refresh_margin
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self._log = get_logger()

    @property
    def token_url(self) -> str:
        """The LWA token endpoint this client posts to."""
        return self._token_url

    def access_token(self) -> str:
        """Return a valid access token, exchanging the refresh token when none is cached or it is about to expire.

        Raises:
            AuthError: LWA refused the credentials (``invalid_grant``: wrong or revoked refresh token).
            ServerError: LWA answered 5xx or an unreadable body.
            ThrottledError: LWA answered 429.
            NetworkError: no answer from LWA.
        """
        with self._lock:
            started = self._clock.monotonic()
            if self._token is not None and started < self._refresh_at:
                return self._token
            token, expires_in = self._exchange()
            self._token = token
            self._refresh_at = started + max(0.0, expires_in - self._margin)
            return token

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (after SP-API rejected it); the next call refreshes.

        With ``token``, forget it only if it is still the cached one: a thread whose request was refused
        with an old token must not throw away the fresh token another thread has just fetched.
        """
        with self._lock:
            if token is not None and token != self._token:
                return
            self._token = None
            self._refresh_at = 0.0

    @property
    def scope(self) -> str | None:
        """The grantless scope this client's tokens carry (``None``: the seller's refresh-token grant)."""
        return self._scope

    def _exchange(self) -> tuple[str, float]:
        # https://developer-docs.amazon.com/sp-api/docs/grantless-operations: client_credentials + scope.
        form = (
            {
                "grant_type": "client_credentials",
                "scope": self._scope,
                "client_id": self._credentials.client_id,
                "client_secret": self._credentials.client_secret,
            }
            if self._scope
            else {
                "grant_type": "refresh_token",
                "refresh_token": self._credentials.refresh_token,
                "client_id": self._credentials.client_id,
                "client_secret": self._credentials.client_secret,
            }
        )
        try:
            response = self._http.post(self._token_url, data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise network_error(LWA_OPERATION, exc) from exc
        status, headers, body = response.status_code, response.headers, response.content
        if not 200 <= status < 300:
            raise self._error(status, headers, body)
        token, expires_in = self._parse(status, headers, body)
        self._log.info(
            TOKEN_REFRESHED,
            operation=LWA_OPERATION,
            request_id=headers.get(REQUEST_ID_HEADER),
            expires_in=expires_in,
            **({"scope": self._scope} if self._scope else {}),
        )
        return token, expires_in

    @staticmethod
    def _parse(status: int, headers: httpx.Headers, body: bytes) -> tuple[str, float]:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise ServerError(
                f"LWA answered HTTP {status} without an access_token",
                operation=LWA_OPERATION,
                status=status,
                request_id=headers.get(REQUEST_ID_HEADER),
            )
        assert isinstance(data, dict)  # noqa: S101 - narrowed above
        raw = data.get("expires_in", DEFAULT_EXPIRES_IN)
        expires_in = float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else DEFAULT_EXPIRES_IN
        return token, expires_in

    @staticmethod
    def _error(status: int, headers: httpx.Headers, body: bytes) -> ApiError:
        error = error_for_status(LWA_OPERATION, status, headers, body)
        if status == 429 or status >= 500:
            return error
        if error.code == "invalid_grant":
            message = f"{_INVALID_GRANT_HINT} LWA said: {error.message}"
        elif error.code == "invalid_client":
            message = f"{_INVALID_CLIENT_HINT} LWA said: {error.message}"
        else:
            message = f"LWA token exchange failed ({error.code or 'no error code'}): {error.message}"
        return AuthError(
            message,
            operation=LWA_OPERATION,
            status=status,
            request_id=error.request_id,
            code=error.code,
            body_excerpt=error.body_excerpt,
        )

    def __repr__(self) -> str:
        return f"LwaTokenClient(token_url={self._token_url!r}, client_id={self._credentials.client_id!r})"
