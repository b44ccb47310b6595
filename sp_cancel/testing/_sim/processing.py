"""What Amazon's ``Feed`` and ``Report`` models share, and their documents' (Feeds and Reports API 2021-06-30).

A ``Feed`` and a ``Report`` each carry their id and type, ``marketplaceIds``, ``createdTime``,
``processingStatus`` and, once reached, ``processingStartTime`` and ``processingEndTime``, then the id of
their result document when there is one. A ``FeedDocument`` and a ``ReportDocument`` are the document's id,
a presigned ``url`` and, for a compressed document, ``compressionAlgorithm``.
https://developer-docs.amazon.com/sp-api/reference/getfeed
https://developer-docs.amazon.com/sp-api/reference/getreport
https://developer-docs.amazon.com/sp-api/reference/getfeeddocument
https://developer-docs.amazon.com/sp-api/reference/getreportdocument
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from sp_cancel.testing._sim.formats import iso

__all__ = ["Processed", "document_json", "processing_json"]


class Processed(Protocol):
    """A feed or a report as the simulator keeps it (``world.SimFeed``, ``world.SimReport``)."""

    marketplace_ids: list[str]
    created_at: datetime
    status: str
    started_at: datetime | None
    ended_at: datetime | None


def processing_json(
    item: Processed,
    identity: Mapping[str, str],
    result: tuple[str, str | None],
    timespec: str,
    window: Mapping[str, datetime | None] | None = None,
) -> dict[str, Any]:
    """The ``Feed`` or ``Report`` of ``item``.

    ``identity``: its id and type members; ``result``: the result document's member and id (left out while
    ``None``); ``window``: date-time members written before the processing times (a report's data window);
    every date-time is written to ``timespec`` (``formats.iso``). A member whose value is ``None`` is left out.
    """
    times = {**(window or {}), "processingStartTime": item.started_at, "processingEndTime": item.ended_at}
    body: dict[str, Any] = {
        **identity,
        "marketplaceIds": list(item.marketplace_ids),
        "createdTime": iso(item.created_at, timespec),
        "processingStatus": item.status,
    }
    body.update({name: iso(when, timespec) for name, when in times.items() if when is not None})
    member, document_id = result
    if document_id is not None:
        body[member] = document_id
    return body


def document_json(identity: Mapping[str, str], url: str, compression: str | None) -> dict[str, Any]:
    """A ``FeedDocument`` or ``ReportDocument``: ``identity`` (its id member), ``url``, ``compressionAlgorithm``."""
    body: dict[str, Any] = {**identity, "url": url}
    if compression is not None:
        body["compressionAlgorithm"] = compression
    return body
