"""Parsers of Amazon's processing reports: the XML ``ProcessingReport`` and the JSON listings report.

Reports come from the network, so the XML parser is hardened: no DTD loading,
no entity expansion, no network access, no huge trees, and any document with a
``DOCTYPE`` is refused outright (Amazon's reports never carry one). Problems
raise ``ReportParseError``; the workflow, which knows the feed id, wraps it
into ``sp_cancel.errors.FeedError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Final, Literal

import attrs
from lxml import etree

from sp_cancel._outcomes import ProcessingMessage

__all__ = [
    "ListingsReport",
    "ProcessingReport",
    "ReportParseError",
    "parse_listings_report",
    "parse_processing_report",
]

_SEVERITY: Final[Mapping[str, Literal["ERROR", "WARNING"]]] = {"Error": "ERROR", "Warning": "WARNING"}
_LISTING_SEVERITIES: Final = frozenset({"ERROR", "WARNING", "INFO"})


class ReportParseError(ValueError):
    """The document is not a readable processing report (malformed, hostile, or another kind of document)."""


def _index(results: tuple[ProcessingMessage, ...]) -> dict[int | None, tuple[ProcessingMessage, ...]]:
    grouped: dict[int | None, list[ProcessingMessage]] = {}
    for result in results:
        grouped.setdefault(result.message_id, []).append(result)
    return {key: tuple(value) for key, value in grouped.items()}


@attrs.frozen(kw_only=True)
class ProcessingReport:
    """An XML feed's ``ProcessingReport``.

    A message with no result succeeded; a message with only ``WARNING`` results
    was applied; ``message_id == 0`` marks a document-level result (e.g. 5000,
    malformed XML).

    Attributes:
        document_transaction_id: Amazon's ``DocumentTransactionID``.
        status_code: ``Complete``, ``Processing`` or ``Rejected``.
        messages_processed: from ``ProcessingSummary`` (``None`` when the summary is absent); same for the
            other counts.
        results: every ``Result``, in document order.
    """

    document_transaction_id: str
    status_code: str
    messages_processed: int | None = None
    messages_successful: int | None = None
    messages_with_error: int | None = None
    messages_with_warning: int | None = None
    results: tuple[ProcessingMessage, ...] = ()
    _by_message: Mapping[int | None, tuple[ProcessingMessage, ...]] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        """Index the results by message id."""
        object.__setattr__(self, "_by_message", _index(self.results))

    def results_for(self, message_id: int) -> tuple[ProcessingMessage, ...]:
        """The results Amazon reported for one message (empty: it succeeded)."""
        return self._by_message.get(message_id, ())

    @property
    def document_results(self) -> tuple[ProcessingMessage, ...]:
        """Results about the whole document (``MessageID`` 0)."""
        return self._by_message.get(0, ())

    @property
    def errors(self) -> tuple[ProcessingMessage, ...]:
        """Every ``ERROR`` result."""
        return tuple(r for r in self.results if r.severity == "ERROR")

    def failed(self, message_id: int) -> bool:
        """Whether the message has an ``ERROR`` result or the whole document failed."""
        if self.status_code == "Rejected" or any(r.severity == "ERROR" for r in self.document_results):
            return True
        return any(r.severity == "ERROR" for r in self.results_for(message_id))

    @property
    def complete(self) -> bool:
        """Whether Amazon finished processing (``StatusCode`` ``Complete``)."""
        return self.status_code == "Complete"

    def verdict(self, sent: Mapping[int, str]) -> frozenset[int] | None:
        """Which of the messages we sent Amazon reports failed; ``None`` when the report does not say.

        ``sent`` maps each ``MessageID`` of the document to its order id. The report speaks for the
        document only when it is about it and agrees with itself: ``Rejected``, or a document-level
        ``ERROR``, fails every message; otherwise ``StatusCode`` must be ``Complete``, ``MessagesProcessed``
        must count every message sent, every result must name one of our messages (or the document) and,
        where it names an order, that message's order, and ``MessagesWithError``/``MessagesSuccessful``
        must match the messages with ``ERROR`` results (a message with only warnings counts as successful,
        or apart). A report that says nothing (``MessagesProcessed`` 0, ``Processing``, no summary,
        results for another message or order) is never read as success.

        Returns:
            The message ids that failed (empty: every message applied), or ``None``.
        """
        if not self._about(sent):
            return None
        if self.status_code == "Rejected" or any(r.severity == "ERROR" for r in self.document_results):
            return frozenset(sent)
        if not self.complete or self.messages_processed != len(sent):
            return None
        failed = frozenset(m for m in sent if any(r.severity == "ERROR" for r in self.results_for(m)))
        # Amazon's examples count a message with only warnings as successful; some reports count it apart.
        warned = sum(1 for m in sent if m not in failed and self.results_for(m))
        successful = {len(sent) - len(failed), len(sent) - len(failed) - warned}
        if self.messages_with_error not in {None, len(failed)} or self.messages_successful not in {None, *successful}:
            return None
        return failed

    def _about(self, sent: Mapping[int, str]) -> bool:
        """Whether every result names one of the ``sent`` messages (or the document) and, if any, its order."""
        orders = set(sent.values())
        for result in self.results:
            if result.message_id and result.message_id not in sent:
                return False  # a result for a message we did not send: not (only) our document
            if result.order_id is None:
                continue
            wanted = sent.get(result.message_id) if result.message_id else None
            if (wanted is not None and result.order_id != wanted) or result.order_id not in orders:
                return False
        return True


@attrs.frozen(kw_only=True)
class ListingsReport:
    """A ``JSON_LISTINGS_FEED`` processing report: summary counts and issues.

    Attributes:
        feed_id: ``header.feedId`` (may differ from the createFeed id, e.g. ``amzn1.spfeed...``).
        issues: each issue as a ``ProcessingMessage`` with ``message_id`` and ``sku`` (``code`` is
            ``""`` when Amazon sent none).
    """

    feed_id: str
    seller_id: str
    errors: int
    warnings: int
    messages_processed: int
    messages_accepted: int
    messages_invalid: int
    issues: tuple[ProcessingMessage, ...] = ()
    _by_message: Mapping[int | None, tuple[ProcessingMessage, ...]] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        """Index the issues by message id."""
        object.__setattr__(self, "_by_message", _index(self.issues))

    def results_for(self, message_id: int) -> tuple[ProcessingMessage, ...]:
        """The issues Amazon reported for one message."""
        return self._by_message.get(message_id, ())

    @property
    def document_issues(self) -> tuple[ProcessingMessage, ...]:
        """Issues not tied to a message (a feed formatting issue)."""
        return self._by_message.get(None, ())

    def failed(self, message_id: int) -> bool:
        """Whether the message (or the whole feed) has an ``ERROR`` issue."""
        issues = self.results_for(message_id) + self.document_issues
        return any(i.severity == "ERROR" for i in issues)


# --- XML ---------------------------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def _local(tag: object) -> str | None:
    if not isinstance(tag, str):
        return None  # comments, processing instructions, entity references
    return tag.rpartition("}")[2]


def _children(element: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    for child in element:
        name = _local(child.tag)
        if name is not None:
            yield name, child


def _text(element: etree._Element) -> str:
    if len(element):
        return "".join(t if isinstance(t, str) else t.decode() for t in element.itertext()).strip()
    return (element.text or "").strip()


def _count(element: etree._Element, name: str) -> int:
    text = _text(element)
    if not text.isdigit():
        raise ReportParseError(f"{name} is not a non-negative integer: {text!r}")
    return int(text)


def _result(element: etree._Element) -> ProcessingMessage:
    # Hot path (10,000s of results): one flat pass over the Result and its AdditionalInfo, whose
    # element names do not overlap.
    fields: dict[str, str] = {}
    for node in element.iter():
        tag: object = node.tag
        if not isinstance(tag, str):  # comments, processing instructions, entity references
            continue
        if tag[0] == "{":
            tag = tag.rpartition("}")[2]
        text = node.text
        if tag == "ResultDescription" and len(node):
            text = _text(node)
        if text:
            fields[tag] = text
    message_id = fields.get("MessageID", "").strip()
    if not message_id.isdigit():
        raise ReportParseError(f"Result has no valid MessageID: {message_id!r}")
    return ProcessingMessage(
        code=fields.get("ResultMessageCode", "").strip(),
        severity=_SEVERITY.get(fields.get("ResultCode", "").strip(), "INFO"),
        description=fields.get("ResultDescription", "").strip(),
        message_id=int(message_id),
        order_id=fields.get("AmazonOrderID", "").strip() or None,
        order_item_id=fields.get("AmazonOrderItemCode", "").strip() or None,
        sku=fields.get("SKU", "").strip() or None,
    )


def _parse_xml(data: bytes) -> etree._Element:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ReportParseError(f"a report is bytes, got {type(data).__name__}")
    data = bytes(data)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ReportParseError("the report has a DOCTYPE or entity declaration; refused")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise ReportParseError(f"the report is not well-formed XML: {exc}") from exc
    if root is None:  # pragma: no cover - lxml raises on empty input
        raise ReportParseError("the report is empty")
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise ReportParseError("the report has a DOCTYPE; refused")
    return root


def parse_processing_report(data: bytes) -> ProcessingReport:
    """Parse an XML ``ProcessingReport`` (inside its ``AmazonEnvelope``, or bare).

    Raises:
        ReportParseError: malformed XML, a DTD or entity declaration, or no ``ProcessingReport`` in it.
    """
    root = _parse_xml(data)
    if _local(root.tag) == "ProcessingReport":
        report = root
    else:
        found = next(root.iter("{*}ProcessingReport"), None)
        if found is None:
            raise ReportParseError(f"no ProcessingReport in a <{_local(root.tag)}> document")
        report = found
    transaction_id: str | None = None
    status: str | None = None
    summary: dict[str, int] = {}
    results: list[ProcessingMessage] = []
    for name, child in _children(report):
        if name == "Result":
            results.append(_result(child))
        elif name == "DocumentTransactionID":
            transaction_id = _text(child)
        elif name == "StatusCode":
            status = _text(child)
        elif name == "ProcessingSummary":
            summary = {sub: _count(el, sub) for sub, el in _children(child)}
    if not transaction_id:
        raise ReportParseError("the ProcessingReport has no DocumentTransactionID")
    if not status:
        raise ReportParseError("the ProcessingReport has no StatusCode")
    return ProcessingReport(
        document_transaction_id=transaction_id,
        status_code=status,
        messages_processed=summary.get("MessagesProcessed"),
        messages_successful=summary.get("MessagesSuccessful"),
        messages_with_error=summary.get("MessagesWithError"),
        messages_with_warning=summary.get("MessagesWithWarning"),
        results=tuple(results),
    )


# --- JSON --------------------------------------------------------------------------------------


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReportParseError(f"{name} is not a non-negative integer: {value!r}")
    return value


def _issue(raw: object) -> ProcessingMessage:
    if not isinstance(raw, dict):
        raise ReportParseError(f"an issue is not an object: {raw!r}")
    severity = raw.get("severity")
    if severity not in _LISTING_SEVERITIES:
        raise ReportParseError(f"issue severity {severity!r} is not ERROR, WARNING or INFO")
    message_id = raw.get("messageId")
    if message_id is not None:
        message_id = _int(message_id, "issue messageId")
    sku = raw.get("sku")
    code = raw.get("code")
    attribute = raw.get("attributeName")
    description = str(raw.get("message", ""))
    if attribute:
        description = f"{description} (attribute {attribute})"
    return ProcessingMessage(
        code=str(code) if code is not None else "",
        severity=severity,
        description=description,
        message_id=message_id,
        sku=str(sku) if sku is not None else None,
    )


def parse_listings_report(data: bytes) -> ListingsReport:
    """Parse a ``JSON_LISTINGS_FEED`` v2 processing report.

    Raises:
        ReportParseError: not JSON, or not shaped like the v2 processing report.
    """
    try:
        document: Any = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ReportParseError(f"the listings report is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ReportParseError("the listings report is not a JSON object")
    header, summary, issues = document.get("header"), document.get("summary"), document.get("issues", [])
    if not isinstance(header, dict) or not isinstance(summary, dict) or not isinstance(issues, list):
        raise ReportParseError("the listings report lacks header, summary or issues")
    feed_id = header.get("feedId")
    if not isinstance(feed_id, str | int) or isinstance(feed_id, bool):
        raise ReportParseError(f"the listings report header has no feedId: {feed_id!r}")
    return ListingsReport(
        feed_id=str(feed_id),
        seller_id=str(header.get("sellerId", "")),
        errors=_int(summary.get("errors"), "summary.errors"),
        warnings=_int(summary.get("warnings"), "summary.warnings"),
        messages_processed=_int(summary.get("messagesProcessed"), "summary.messagesProcessed"),
        messages_accepted=_int(summary.get("messagesAccepted"), "summary.messagesAccepted"),
        messages_invalid=_int(summary.get("messagesInvalid"), "summary.messagesInvalid"),
        issues=tuple(_issue(raw) for raw in issues),
    )
