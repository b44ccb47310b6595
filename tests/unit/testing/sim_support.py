"""What most simulator tests open first: an HTTP client over the in-process simulator, already signed in.

(Named apart from the other test packages' support modules: they share one namespace.)
"""

from __future__ import annotations

import httpx

from sp_cancel.testing import Simulator


def sim_http(sim: Simulator) -> httpx.Client:
    """An ``httpx.Client`` over ``sim``'s transport, at its base URL, carrying an access token it issued."""
    return httpx.Client(
        transport=sim.transport(), base_url=sim.base_url, headers={"x-amz-access-token": sim.issue_access_token()}
    )
