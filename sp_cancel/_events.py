"""Names of the structlog events sp_cancel emits: ``sp_cancel.<noun>_<past participle>``.

Events are key/value data (operation, attempt, request_id, seller_id,
marketplace_id, feed_id, order_id, wait...). Never a token, secret or buyer PII:
``sp_cancel.logging.redact`` removes them if they slip in.
"""

from __future__ import annotations

from typing import Final

LOGGER_NAME: Final = "sp_cancel"

CALL_COMPLETED: Final = "sp_cancel.call_completed"
CALL_FAILED: Final = "sp_cancel.call_failed"
RETRY_SCHEDULED: Final = "sp_cancel.retry_scheduled"
RETRY_ABANDONED: Final = "sp_cancel.retry_abandoned"
RATE_LIMIT_WAITED: Final = "sp_cancel.rate_limit_waited"
RATE_LIMIT_UPDATED: Final = "sp_cancel.rate_limit_updated"
TOKEN_REFRESHED: Final = "sp_cancel.token_refreshed"  # noqa: S105 - an event name
TOKEN_REJECTED: Final = "sp_cancel.token_rejected"  # noqa: S105 - an event name
DOCUMENT_UPLOADED: Final = "sp_cancel.document_uploaded"
DOCUMENT_DOWNLOADED: Final = "sp_cancel.document_downloaded"
FEED_SUBMITTED: Final = "sp_cancel.feed_submitted"
FEED_POLLED: Final = "sp_cancel.feed_polled"
FEED_FINISHED: Final = "sp_cancel.feed_finished"
FEED_RECOVERED: Final = "sp_cancel.feed_recovered"
FEED_UNCERTAIN: Final = "sp_cancel.feed_uncertain"
ORDER_CANCELLED: Final = "sp_cancel.order_cancelled"
ORDER_REJECTED: Final = "sp_cancel.order_rejected"
ORDER_SHIPPED_MEANWHILE: Final = "sp_cancel.order_shipped_meanwhile"
PRECHECK_REPORT_READ: Final = "sp_cancel.precheck_report_read"
PRECHECK_REPORT_FAILED: Final = "sp_cancel.precheck_report_failed"
RATE_REPORT_READ: Final = "sp_cancel.rate_report_read"
REFUND_SUBMITTED: Final = "sp_cancel.refund_submitted"
REFUND_REUSED: Final = "sp_cancel.refund_reused"
REFUND_FINISHED: Final = "sp_cancel.refund_finished"
LISTING_CLOSED: Final = "sp_cancel.listing_closed"
LISTING_DELETED: Final = "sp_cancel.listing_deleted"
JOURNAL_RESUMED: Final = "sp_cancel.journal_resumed"
JOURNAL_TAKEN_OVER: Final = "sp_cancel.journal_taken_over"
REPORT_UNREADABLE: Final = "sp_cancel.report_unreadable"
SUBMISSION_UNCONFIRMED: Final = "sp_cancel.submission_unconfirmed"
SUBMISSION_NOT_SENT: Final = "sp_cancel.submission_not_sent"
RESUME_FAILED: Final = "sp_cancel.resume_failed"
ORDERS_V0_RETIRED: Final = "sp_cancel.orders_v0_retired"
BUYER_MESSAGE_PENDING: Final = "sp_cancel.buyer_message_pending"
BUYER_MESSAGE_SENT: Final = "sp_cancel.buyer_message_sent"
BUYER_MESSAGE_SKIPPED: Final = "sp_cancel.buyer_message_skipped"
BUYER_MESSAGE_FAILED: Final = "sp_cancel.buyer_message_failed"
NOTIFICATIONS_DESTINATION_CREATED: Final = "sp_cancel.notifications_destination_created"
NOTIFICATIONS_SUBSCRIPTION_CREATED: Final = "sp_cancel.notifications_subscription_created"
