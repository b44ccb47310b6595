"""Pure builders and parsers of Amazon feed documents and processing reports."""

from sp_cancel.feeds._chunk import chunk_messages
from sp_cancel.feeds._common import (
    FEED_CONTENT_TYPES,
    FEED_TYPE_JSON_LISTINGS,
    FEED_TYPE_ORDER_ACKNOWLEDGEMENT,
    FEED_TYPE_PAYMENT_ADJUSTMENT,
    JSON_CONTENT_TYPE,
    MAX_FEED_BYTES,
    XML_CONTENT_TYPE,
    document_hash,
)
from sp_cancel.feeds.acknowledgement import AckItem, AckMessage, build_acknowledgement_feed
from sp_cancel.feeds.adjustment import BASE_CURRENCY_CODES, AdjustedItem, AdjustmentMessage, build_adjustment_feed
from sp_cancel.feeds.listings import MAX_LISTINGS_MESSAGES, ListingsMessage, build_listings_feed, close_listing_patch
from sp_cancel.feeds.report import (
    ListingsReport,
    ProcessingReport,
    ReportParseError,
    parse_listings_report,
    parse_processing_report,
)

__all__ = [
    "BASE_CURRENCY_CODES",
    "FEED_CONTENT_TYPES",
    "FEED_TYPE_JSON_LISTINGS",
    "FEED_TYPE_ORDER_ACKNOWLEDGEMENT",
    "FEED_TYPE_PAYMENT_ADJUSTMENT",
    "JSON_CONTENT_TYPE",
    "MAX_FEED_BYTES",
    "MAX_LISTINGS_MESSAGES",
    "XML_CONTENT_TYPE",
    "AckItem",
    "AckMessage",
    "AdjustedItem",
    "AdjustmentMessage",
    "ListingsMessage",
    "ListingsReport",
    "ProcessingReport",
    "ReportParseError",
    "build_acknowledgement_feed",
    "build_adjustment_feed",
    "build_listings_feed",
    "chunk_messages",
    "close_listing_patch",
    "document_hash",
    "parse_listings_report",
    "parse_processing_report",
]
