"""Feeds: ``createFeed`` (with the ``JSON_LISTINGS_FEED`` quota), ``getFeed``, ``getFeeds`` (paged), ``cancelFeed``."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sp_cancel.testing._sim._feeds_common import (
    FEED_RETENTION,
    INPUT_DOCUMENT_LIFETIME,
    LISTINGS_FEED,
    LISTINGS_FEED_LIMIT,
    LISTINGS_FEED_WINDOW,
    PROCESSING_STATUSES,
    _bad,
    _not_found,
    _sort_key,
)
from sp_cancel.testing._sim._http import SimResponse, error_response
from sp_cancel.testing._sim._state import SimFeed

if TYPE_CHECKING:
    from sp_cancel.testing._sim._feeds_common import FeedSim
    from sp_cancel.testing._sim._http import SimRequest

__all__: list[str] = []


def _iso(value: datetime) -> str:
    """ISO 8601 UTC with milliseconds and ``Z``, as the Feeds API writes times."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _feed_json(feed: SimFeed) -> dict[str, Any]:
    out: dict[str, Any] = {
        "feedId": feed.feed_id,
        "feedType": feed.feed_type,
        "marketplaceIds": list(feed.marketplace_ids),
        "createdTime": _iso(feed.created_at),
        "processingStatus": feed.status,
    }
    if feed.started_at is not None:
        out["processingStartTime"] = _iso(feed.started_at)
    if feed.ended_at is not None:
        out["processingEndTime"] = _iso(feed.ended_at)
    if feed.result_document_id is not None:
        out["resultFeedDocumentId"] = feed.result_document_id
    return out


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _create_feed(sim: FeedSim, request: SimRequest) -> SimResponse:  # noqa: C901, PLR0911 - one return per rule
    try:
        body = request.json()
    except ValueError:
        return _bad("The request body is not valid JSON.")
    if not isinstance(body, dict):
        return _bad("The request body must be a JSON object.")
    feed_type = body.get("feedType")
    marketplace_ids = body.get("marketplaceIds")
    document_id = body.get("inputFeedDocumentId")
    options = body.get("feedOptions")
    if not isinstance(feed_type, str) or not feed_type:
        return _bad("feedType is required.")
    if (
        not isinstance(marketplace_ids, list)
        or not 1 <= len(marketplace_ids) <= 25
        or not all(isinstance(m, str) and m for m in marketplace_ids)
    ):
        return _bad("marketplaceIds must contain from 1 to 25 marketplace identifiers.")
    if not isinstance(document_id, str) or not document_id:
        return _bad("inputFeedDocumentId is required.")
    if options is not None and (not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values())):
        return _bad("feedOptions must be a map of strings.")
    document = sim.world.documents.get(document_id)
    now = sim.now()
    if document is None or document.compression is not None:
        return _bad(f"Invalid inputFeedDocumentId {document_id}.")
    if document.content is None:
        return _bad(f"Feed document {document_id} has no content; upload it before calling createFeed.")
    if now - document.created_at > INPUT_DOCUMENT_LIFETIME:
        return _bad(f"Feed document {document_id} has expired; feed documents are valid for 2 days.")
    if feed_type == LISTINGS_FEED:
        recent = sum(
            1
            for f in sim.world.feeds.values()
            if f.feed_type == LISTINGS_FEED and now - f.created_at < LISTINGS_FEED_WINDOW
        )
        if recent >= LISTINGS_FEED_LIMIT:
            return error_response(429, "QuotaExceeded", "You exceeded your quota for the requested resource.", "")
    fault = sim.take_feed_fault()
    feed = SimFeed(
        feed_id=sim.new_id("feed"),
        feed_type=feed_type,
        marketplace_ids=list(marketplace_ids),
        input_document_id=document_id,
        created_at=now,
        force="stuck" if fault == "stuck" else "fatal" if fault == "fatal" else None,
    )
    sim.world.feeds[feed.feed_id] = feed
    return SimResponse(202, {"feedId": feed.feed_id})


def _get_feed(sim: FeedSim, request: SimRequest) -> SimResponse:
    feed_id = request.path_params["feedId"]
    feed = sim.world.feeds.get(feed_id)
    if feed is None:
        return _not_found(f"Feed {feed_id} not found.")
    return SimResponse(200, _feed_json(feed))


def _cancel_feed(sim: FeedSim, request: SimRequest) -> SimResponse:
    feed_id = request.path_params["feedId"]
    feed = sim.world.feeds.get(feed_id)
    if feed is None:
        return _not_found(f"Feed {feed_id} not found.")
    if feed.status != "IN_QUEUE":
        return _bad(f"Feed {feed_id} is {feed.status}; only IN_QUEUE feeds can be cancelled.")
    feed.status = "CANCELLED"
    return SimResponse(200, raw=b"")


def _encode_token(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_token(token: str) -> dict[str, Any] | None:
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error):
        return None
    return state if isinstance(state, dict) and {"t", "s", "m", "p", "cs", "cu", "after"} <= state.keys() else None


def _feeds_query(sim: FeedSim, request: SimRequest) -> dict[str, Any] | SimResponse:  # noqa: PLR0911 - one return per rule
    token = request.one("nextToken")
    if token is not None:
        if any(name != "nextToken" for name in request.query):
            return _bad("nextToken must be the only parameter when it is given.")
        state = _decode_token(token)
        return state if state is not None else _bad("Invalid nextToken.")
    feed_types = request.many("feedTypes")
    if not feed_types:
        return _bad("Either feedTypes or nextToken is required.")
    if len(feed_types) > 10:
        return _bad("feedTypes accepts at most 10 values.")
    statuses = request.many("processingStatuses")
    if any(s not in PROCESSING_STATUSES for s in statuses):
        return _bad(f"processingStatuses must be values from {', '.join(PROCESSING_STATUSES)}.")
    marketplaces = request.many("marketplaceIds")
    if len(marketplaces) > 10:
        return _bad("marketplaceIds accepts at most 10 values.")
    size_text = request.one("pageSize") or "10"
    if not size_text.isdigit() or not 1 <= int(size_text) <= 100:
        return _bad("pageSize must be an integer from 1 to 100.")
    now = sim.now()
    try:
        since = _parse_time(request.one("createdSince") or _iso(now - FEED_RETENTION))
        until = _parse_time(request.one("createdUntil") or _iso(now))
    except ValueError:
        return _bad("createdSince and createdUntil must be ISO 8601 date-times.")
    if since > until:
        return _bad("createdSince must be before createdUntil.")
    return {
        "t": feed_types,
        "s": statuses,
        "m": marketplaces,
        "p": int(size_text),
        "cs": _iso(since),
        "cu": _iso(until),
        "after": None,
    }


def _get_feeds(sim: FeedSim, request: SimRequest) -> SimResponse:
    query = _feeds_query(sim, request)
    if isinstance(query, SimResponse):
        return query
    since, until = _parse_time(query["cs"]), _parse_time(query["cu"])
    types, statuses, marketplaces = set(query["t"]), set(query["s"]), set(query["m"])
    matching = [
        f
        for f in sim.world.feeds.values()
        if f.feed_type in types
        and (not statuses or f.status in statuses)
        and (not marketplaces or marketplaces & set(f.marketplace_ids))
        and since <= f.created_at <= until
    ]
    matching.sort(key=_sort_key, reverse=True)  # newest first
    if query["after"] is not None:
        created, feed_id = query["after"]
        cursor = (_parse_time(created), len(feed_id), feed_id)
        matching = [f for f in matching if _sort_key(f) < cursor]
    page = matching[: query["p"]]
    body: dict[str, Any] = {"feeds": [_feed_json(f) for f in page]}
    if len(matching) > len(page):
        last = page[-1]
        body["nextToken"] = _encode_token({**query, "after": [last.created_at.isoformat(), last.feed_id]})
    return SimResponse(200, body)
