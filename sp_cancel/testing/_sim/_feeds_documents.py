"""Feed documents: ``createFeedDocument``, ``getFeedDocument`` and the presigned (S3-like) upload and download."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sp_cancel.testing._sim._feeds_common import URL_LIFETIME, _bad, _not_found
from sp_cancel.testing._sim._http import SimResponse
from sp_cancel.testing._sim._state import SimFeedDocument

if TYPE_CHECKING:
    from sp_cancel.testing._sim._feeds_common import FeedSim
    from sp_cancel.testing._sim._http import SimRequest

__all__: list[str] = []


def _s3_error(code: str, message: str) -> SimResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>SIMULATOR</RequestId></Error>"
    ).encode()
    return SimResponse(status=403, raw=body, headers={"Content-Type": "application/xml"})


def _create_feed_document(sim: FeedSim, request: SimRequest) -> SimResponse:
    try:
        body = request.json()
    except ValueError:
        return _bad("The request body is not valid JSON.")
    content_type = body.get("contentType") if isinstance(body, dict) else None
    if not isinstance(content_type, str) or not content_type:
        return _bad("contentType is required.")
    document_id = sim.new_id("feedDocument")
    sim.world.documents[document_id] = SimFeedDocument(document_id, content_type, sim.now())
    return SimResponse(201, {"feedDocumentId": document_id, "url": f"{sim.base_url}/_sim/documents/{document_id}"})


def _upload(sim: FeedSim, request: SimRequest) -> SimResponse:
    document = sim.world.documents.get(request.path_params["documentId"])
    if document is None or document.compression is not None:
        return _s3_error("AccessDenied", "Access Denied")
    if sim.now() - document.created_at > URL_LIFETIME:
        return _s3_error("AccessDenied", "Request has expired")
    if request.headers.get("content-type") != document.content_type:
        return _s3_error(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )
    document.content = bytes(request.body)
    etag = hashlib.md5(document.content, usedforsecurity=False).hexdigest()
    return SimResponse(200, raw=b"", headers={"ETag": f'"{etag}"'})


def _get_feed_document(sim: FeedSim, request: SimRequest) -> SimResponse:
    document_id = request.path_params["feedDocumentId"]
    document = sim.world.documents.get(document_id)
    if document is None:
        return _not_found(f"Feed document {document_id} not found.")
    now = sim.now()
    query = f"X-Amz-Date={now.strftime('%Y%m%dT%H%M%SZ')}&X-Amz-Expires={int(URL_LIFETIME.total_seconds())}"
    if (request.one("enableContentEncodingUrlHeader") or "").lower() == "true" and document.compression:
        query += "&response-content-encoding=gzip"
    body: dict[str, Any] = {
        "feedDocumentId": document_id,
        "url": f"{sim.base_url}/_sim/documents/{quote(document_id)}?{query}",
    }
    if document.compression is not None:
        body["compressionAlgorithm"] = document.compression
    return SimResponse(200, body)


def _download(sim: FeedSim, request: SimRequest) -> SimResponse:
    document = sim.world.documents.get(request.path_params["documentId"])
    if document is None or document.content is None:
        return _s3_error("AccessDenied", "Access Denied")
    signed_at = request.one("X-Amz-Date")
    if signed_at is not None:
        try:
            issued = datetime.strptime(signed_at, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            return _s3_error("AccessDenied", "Access Denied")
        if sim.now() - issued > URL_LIFETIME:
            return _s3_error("AccessDenied", "Request has expired")
    headers = {"Content-Type": document.content_type}
    if request.one("response-content-encoding") == "gzip":
        headers["Content-Encoding"] = "gzip"
    return SimResponse(200, raw=document.content, headers=headers)
