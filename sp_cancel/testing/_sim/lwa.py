"""Login with Amazon: ``POST /auth/o2/token`` (refresh-token and client-credentials grants).

https://developer-docs.amazon.com/sp-api/docs/connect-to-the-sp-api
"""

from __future__ import annotations

import json
from typing import Final
from urllib.parse import parse_qs

from sp_cancel.testing._sim.core import Router, SimRequest, SimResponse, SimulatorCore

__all__ = ["GRANTLESS_SCOPES", "register"]

#: The scopes LWA grants with client credentials (grantless operations) [D grantless-operations].
GRANTLESS_SCOPES: Final = frozenset(
    {"sellingpartnerapi::notifications", "sellingpartnerapi::client_credential:rotation"}
)


def _oauth_error(status: int, error: str, description: str) -> SimResponse:
    return SimResponse(status=status, body={"error": error, "error_description": description})


def _form(request: SimRequest) -> dict[str, str]:
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        try:
            data = request.json()
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    parsed = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items() if v}


def token(sim: SimulatorCore, request: SimRequest) -> SimResponse:  # noqa: PLR0911 - one answer per OAuth error
    """Exchange a refresh token (or client credentials) for a one-hour access token."""
    try:
        form = _form(request)
    except json.JSONDecodeError:  # pragma: no cover - _form already guards
        form = {}
    grant = form.get("grant_type")
    if grant not in {"refresh_token", "client_credentials"}:
        return _oauth_error(400, "unsupported_grant_type", "The authorization grant type is not supported.")
    creds = sim.credentials
    if not form.get("client_id") or not form.get("client_secret"):
        return _oauth_error(400, "invalid_request", "The request is missing a required parameter : client_id")
    if form["client_id"] != creds.client_id or form["client_secret"] != creds.client_secret:
        return _oauth_error(401, "invalid_client", "Client authentication failed")
    if grant == "refresh_token":
        if not form.get("refresh_token"):
            return _oauth_error(400, "invalid_request", "The request is missing a required parameter : refresh_token")
        if form["refresh_token"] != creds.refresh_token or sim.authorization_revoked:
            return _oauth_error(400, "invalid_grant", "The request has an invalid grant parameter : refresh_token")
    elif form.get("scope") not in GRANTLESS_SCOPES:
        return _oauth_error(400, "invalid_scope", "The request has an invalid parameter : scope")
    access = sim.issue_access_token(form.get("scope") if grant == "client_credentials" else None)
    body: dict[str, object] = {
        "access_token": access,
        "token_type": "bearer",
        "expires_in": int(sim.token_lifetime.total_seconds()),
    }
    if grant == "refresh_token":
        body["refresh_token"] = creds.refresh_token
    return SimResponse(status=200, body=body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def register(router: Router) -> None:
    """Add the LWA token route (operation key ``lwa.token``: faultable, no usage plan, no SP-API auth)."""
    router.add("POST", "/auth/o2/token", "lwa.token", token)
