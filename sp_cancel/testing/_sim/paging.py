"""What ``getFeeds`` and ``getReports`` share: their query rules, newest-first pages and the ``nextToken``.

Both operations [M feeds_2021-06-30.json, reports_2021-06-30.json] take the types (1..10) or ``nextToken``
(alone); ``processingStatuses``, ``marketplaceIds`` (1..10), ``pageSize`` (1..100, default 10),
``createdSince`` (default 90 days ago: feeds and reports are kept 90 days) and ``createdUntil`` (default now),
and list newest first, each page as ``{<feeds|reports>, nextToken?}``. The token carries the whole query and the
last item listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar

from sp_cancel.testing._sim.core import SimRequest, SimResponse, invalid_input
from sp_cancel.testing._sim.formats import decode_token, encode_token, parse_iso
from sp_cancel.testing._sim.processing import Processed

__all__ = ["PROCESSING_STATUSES", "RETENTION", "newest_page", "parse_query", "selects"]

PROCESSING_STATUSES: Final = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
RETENTION: Final = timedelta(days=90)

_Item = TypeVar("_Item")


def _decode_token(token: str) -> dict[str, Any] | None:
    state = decode_token(token)
    return state if state is not None and {"t", "s", "m", "p", "cs", "cu", "after"} <= state.keys() else None


def parse_query(request: SimRequest, now: datetime, types: str) -> dict[str, Any] | SimResponse:  # noqa: PLR0911 - one rule each
    """The query of a list call whose type parameter is ``types``, or the 400 that refuses it."""
    token = request.one("nextToken")
    if token is not None:
        if any(name != "nextToken" for name in request.query):
            return invalid_input("nextToken must be the only parameter when it is given.")
        state = _decode_token(token)
        return state if state is not None else invalid_input("Invalid nextToken.")
    wanted = request.many(types)
    if not wanted:
        return invalid_input(f"Either {types} or nextToken is required.")
    if len(wanted) > 10:
        return invalid_input(f"{types} accepts at most 10 values.")
    statuses = request.many("processingStatuses")
    if any(s not in PROCESSING_STATUSES for s in statuses):
        return invalid_input(f"processingStatuses must be values from {', '.join(PROCESSING_STATUSES)}.")
    marketplaces = request.many("marketplaceIds")
    if len(marketplaces) > 10:
        return invalid_input("marketplaceIds accepts at most 10 values.")
    size_text = request.one("pageSize") or "10"
    if not size_text.isdigit() or not 1 <= int(size_text) <= 100:
        return invalid_input("pageSize must be an integer from 1 to 100.")
    since_text, until_text = request.one("createdSince"), request.one("createdUntil")
    since, until = parse_iso(since_text), parse_iso(until_text)
    if (since_text and since is None) or (until_text and until is None):
        return invalid_input("createdSince and createdUntil must be ISO 8601 date-times.")
    since = since or now - RETENTION
    until = until or now
    if until < since:
        return invalid_input("createdUntil must not be before createdSince.")
    return {
        "t": wanted,
        "s": statuses,
        "m": marketplaces,
        "p": int(size_text),
        "cs": since.isoformat(),
        "cu": until.isoformat(),
        "after": None,
    }


def selects(query: dict[str, Any], item_type: str, item: Processed) -> bool:
    """Whether ``query`` (from ``parse_query``) asks for ``item``, whose feed or report type is ``item_type``."""
    since, until = datetime.fromisoformat(query["cs"]), datetime.fromisoformat(query["cu"])
    return (
        item_type in query["t"]
        and (not query["s"] or item.status in query["s"])
        and (not query["m"] or not set(query["m"]).isdisjoint(item.marketplace_ids))
        and since <= item.created_at <= until
    )


def newest_page(
    items: Iterable[_Item],
    query: dict[str, Any],
    key: Callable[[_Item], tuple[datetime, int, str]],
    member: str,
    to_json: Callable[[_Item], dict[str, Any]],
) -> dict[str, Any]:
    """The page of ``items`` (already filtered) that ``query`` asks for, newest first: ``{member, nextToken?}``.

    ``key`` is ``(created, len(id), id)``: newest first, ties by id; ``to_json`` writes one item.
    """
    page, token = _newest_page(items, query, key)
    body: dict[str, Any] = {member: [to_json(item) for item in page]}
    if token is not None:
        body["nextToken"] = token
    return body


def _newest_page(
    items: Iterable[_Item], query: dict[str, Any], key: Callable[[_Item], tuple[datetime, int, str]]
) -> tuple[list[_Item], str | None]:
    matching = sorted(items, key=key, reverse=True)
    if query["after"] is not None:
        created, item_id = query["after"]
        cursor = (datetime.fromisoformat(created), len(item_id), item_id)
        matching = [item for item in matching if key(item) < cursor]
    page = matching[: query["p"]]
    if len(matching) <= len(page):
        return page, None
    last_created, _, last_id = key(page[-1])
    return page, encode_token({**query, "after": [last_created.isoformat(), last_id]})
