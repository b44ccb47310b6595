"""Type-checked (mypy --strict), never executed: declared answers keep their constructors exact for mypy.

A member declared ``Annotated[T, Wire(...)]`` without a default stays a required keyword; with one, optional.
Each ``type: ignore`` below is an error mypy must report (``warn_unused_ignores`` fails the check if not).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sp_cancel.transport import Feed, ListingsIssue, OrderV0, Report

_AT = datetime(2026, 1, 1, tzinfo=UTC)

feed = Feed(feed_id="F1", feed_type="T", created_time=_AT, processing_status="DONE")
report = Report(report_id="R1", report_type="T", created_time=_AT, processing_status="IN_QUEUE", marketplace_ids=())
issue = ListingsIssue(code="1", message="m", severity="ERROR")
order = OrderV0(amazon_order_id="1", purchase_date=_AT, last_update_date=_AT, order_status="Unshipped")

Feed(feed_type="T", created_time=_AT, processing_status="DONE")  # type: ignore[call-arg]
Feed(feed_id="F1", feed_type="T", created_time=_AT, processing_status="DONE?")  # type: ignore[arg-type]
Feed("F1", "T", _AT, "DONE")  # type: ignore[call-arg]
OrderV0(purchase_date=_AT, last_update_date=_AT, order_status="Unshipped")  # type: ignore[call-arg]
issue_id: int = issue.code  # type: ignore[assignment]
token: str = feed.result_feed_document_id  # type: ignore[assignment]
