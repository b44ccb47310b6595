"""Typed calls, one per SP-API operation sp_cancel uses (parameter names checked against Amazon's models).

Each method builds the request exactly as the official model spells it
(``MarketplaceIds`` in Orders v0, ``marketplaceIds`` elsewhere, ``issueLocale``...)
and returns Amazon's answer parsed once into a typed value (``_orders``, ``_feeds``, ``_listings``,
``_fulfillment``, ``_promotions``, ``_finances``), a plain ``str`` id, or ``None`` for a write whose answer
carries nothing. An answer that does not fit Amazon's model raises ``ServerError`` naming the operation.
``marketplace_ids=None`` means this client's marketplace, except for
``getFeeds``, where it means no marketplace filter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal, TypeVar

from sp_cancel.errors import ApiError
from sp_cancel.transport._base import SpApiCore
from sp_cancel.transport._feeds import (
    Feed,
    FeedDocument,
    FeedDocumentUpload,
    FeedsPage,
    Report,
    ReportDocument,
    parse_feed,
    parse_feed_document,
    parse_feed_document_upload,
    parse_feed_id,
    parse_feeds_page,
    parse_report,
    parse_report_document,
    parse_report_id,
)
from sp_cancel.transport._finances import FinancialEventsPage, parse_financial_events_page
from sp_cancel.transport._fulfillment import (
    FulfillmentOrder2026,
    FulfillmentOrderDetails,
    parse_fulfillment_order,
    parse_fulfillment_order_2026,
)
from sp_cancel.transport._listings import (
    ListingsItem,
    ListingsItemsPage,
    ListingsSubmission,
    parse_listings_item,
    parse_listings_items_page,
    parse_listings_submission,
)
from sp_cancel.transport._messaging import MessagingActions, parse_messaging_actions
from sp_cancel.transport._notifications import (
    Destination,
    Subscription,
    parse_destination,
    parse_destinations,
    parse_subscription,
)
from sp_cancel.transport._orders import (
    OrderItemsV0Page,
    OrderResponse,
    OrdersPage,
    OrdersV0Page,
    OrderV0,
    parse_order_items_v0,
    parse_order_response,
    parse_order_v0,
    parse_orders_page,
    parse_orders_v0_page,
)
from sp_cancel.transport._promotions import Promotion, PromotionsPage, parse_promotion, parse_promotions_page
from sp_cancel.transport._wire import Response

__all__ = ["SpApi"]

T = TypeVar("T")


def _body(parse: Callable[[Any], T]) -> Callable[[Response], T]:
    """Read the answer's JSON body with ``parse``."""

    def read(response: Response) -> T:
        return parse(response.data)

    return read


def _nothing(_response: Response) -> None:
    """For writes whose answer carries nothing (``{}``, or ``{errors?}`` without errors)."""


def _submission(response: Response) -> ListingsSubmission:
    return parse_listings_submission(response.data, response.request_id)


def _listings_page(response: Response) -> ListingsItemsPage:
    return parse_listings_items_page(response.data, response.request_id)


_ORDERS_PAGE: Final = _body(parse_orders_page)
_ORDER: Final = _body(parse_order_response)
_ORDERS_V0_PAGE: Final = _body(parse_orders_v0_page)
_ORDER_V0: Final = _body(parse_order_v0)
_ORDER_ITEMS_V0: Final = _body(parse_order_items_v0)
_FEED_DOCUMENT_UPLOAD: Final = _body(parse_feed_document_upload)
_FEED_ID: Final = _body(parse_feed_id)
_FEED: Final = _body(parse_feed)
_FEEDS_PAGE: Final = _body(parse_feeds_page)
_FEED_DOCUMENT: Final = _body(parse_feed_document)
_REPORT_ID: Final = _body(parse_report_id)
_REPORT: Final = _body(parse_report)
_REPORT_DOCUMENT: Final = _body(parse_report_document)
_LISTINGS_ITEM: Final = _body(parse_listings_item)
_FULFILLMENT_ORDER: Final = _body(parse_fulfillment_order)
_FULFILLMENT_ORDER_2026: Final = _body(parse_fulfillment_order_2026)
_PROMOTIONS_PAGE: Final = _body(parse_promotions_page)
_PROMOTION: Final = _body(parse_promotion)
_FINANCIAL_EVENTS_PAGE: Final = _body(parse_financial_events_page)
_MESSAGING_ACTIONS: Final = _body(parse_messaging_actions)
_DESTINATION: Final = _body(parse_destination)
_DESTINATIONS: Final = _body(parse_destinations)
_SUBSCRIPTION: Final = _body(parse_subscription)


class SpApi(SpApiCore):
    """SP-API for one seller and marketplace: ``_call``, typed operations, document upload/download."""

    def _markets(self, marketplace_ids: Sequence[str] | None) -> list[str]:
        return list(marketplace_ids) if marketplace_ids else [self.marketplace_id]

    # -- Orders 2026-01-01 -------------------------------------------------------------------------

    def search_orders(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        last_updated_after: datetime | None = None,
        last_updated_before: datetime | None = None,
        fulfilled_by: Literal["MERCHANT", "AMAZON"] | None = None,
        fulfillment_statuses: Sequence[str] | None = None,
        included_data: Sequence[str] = (),
        marketplace_ids: Sequence[str] | None = None,
        max_results_per_page: int | None = None,
        pagination_token: str | None = None,
    ) -> OrdersPage:
        """Search orders (``searchOrders``); exactly one of ``created_after``/``last_updated_after``.

        Returns one page of ``Order`` values; pass its ``next_token`` as ``pagination_token`` for the next.
        """
        # https://developer-docs.amazon.com/sp-api/reference/searchorders
        return self._request(
            "orders.searchOrders",
            _ORDERS_PAGE,
            query={
                "createdAfter": created_after,
                "createdBefore": created_before,
                "lastUpdatedAfter": last_updated_after,
                "lastUpdatedBefore": last_updated_before,
                "fulfilledBy": [fulfilled_by] if fulfilled_by else None,
                "fulfillmentStatuses": fulfillment_statuses,
                "includedData": included_data,
                "marketplaceIds": self._markets(marketplace_ids),
                "maxResultsPerPage": max_results_per_page,
                "paginationToken": pagination_token,
            },
        )

    def get_order(self, order_id: str, *, included_data: Sequence[str] = ()) -> OrderResponse:
        """Read one order (Orders 2026-01-01 ``getOrder``): the ``Order``, and whether Amazon said who fulfils it."""
        # https://github.com/amzn/selling-partner-api-models/blob/main/models/orders-api-model/orders_2026-01-01.json
        return self._request(
            "orders.getOrder", _ORDER, path={"orderId": order_id}, query={"includedData": included_data}
        )

    def cancel_order(self, order_id: str, *, cancel_reason_code: str) -> None:
        """Cancel a whole order (Orders 2026-01-01 ``cancelOrder``; withdrawn from the public model: cancel-orders.md).

        ``cancel_reason_code``: ``NO_INVENTORY``, ``BUYER_CANCELLED``, ``SHIPPING_ADDRESS_UNDELIVERABLE``,
        ``CUSTOMER_EXCHANGE`` or ``PRICING_ERROR``. Answers 202 ``{}``.
        """
        # https://developer-docs.amazon.com/sp-api/reference/cancelorder
        self._request(
            "orders.cancelOrder",
            _nothing,
            path={"orderId": order_id},
            body={"cancelReasonCode": cancel_reason_code},
        )

    # -- Orders v0 (deprecated; removal 2027-03-27) --------------------------------------------------

    def _v0(self, key: str, gone: frozenset[int] | set[int], read: Callable[[Response], T], **parts: Any) -> T:
        """One v0 call, only while v0 is used; an answer with a status in ``gone`` retires v0."""
        self.orders_v0.require(key)
        try:
            return self._request(key, read, **parts)
        except ApiError as exc:
            if exc.status in gone:
                self.orders_v0.retire(f"Amazon answered {exc.status} to {key}", operation=key, status=exc.status)
            raise

    def get_orders_v0(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        last_updated_after: datetime | None = None,
        last_updated_before: datetime | None = None,
        order_statuses: Sequence[str] | None = None,
        fulfillment_channels: Sequence[Literal["AFN", "MFN"]] | None = None,
        amazon_order_ids: Sequence[str] | None = None,
        marketplace_ids: Sequence[str] | None = None,
        max_results_per_page: int | None = None,
        next_token: str | None = None,
    ) -> OrdersV0Page:
        """List orders (Orders v0 ``getOrders``): one page of ``OrderV0`` (without items).

        Not called when v0 is not used (``orders_v0``): ``NotFoundError`` before any request. A 404 or 410
        (a list cannot be "not found") turns v0 off for the rest of this client's life.
        """
        # https://developer-docs.amazon.com/sp-api/reference/getorders
        return self._v0(
            "ordersV0.getOrders",
            {404, 410},
            _ORDERS_V0_PAGE,
            query={
                "MarketplaceIds": self._markets(marketplace_ids),
                "CreatedAfter": created_after,
                "CreatedBefore": created_before,
                "LastUpdatedAfter": last_updated_after,
                "LastUpdatedBefore": last_updated_before,
                "OrderStatuses": order_statuses,
                "FulfillmentChannels": fulfillment_channels,
                "AmazonOrderIds": amazon_order_ids,
                "MaxResultsPerPage": max_results_per_page,
                "NextToken": next_token,
            },
        )

    def get_order_v0(self, order_id: str) -> OrderV0:
        """Read one order (Orders v0 ``getOrder``), without its items (410 turns v0 off; see ``get_orders_v0``)."""
        # https://github.com/amzn/selling-partner-api-models/blob/main/models/orders-api-model/ordersV0.json
        return self._v0("ordersV0.getOrder", {410}, _ORDER_V0, path={"orderId": order_id})

    def get_order_items_v0(self, order_id: str, *, next_token: str | None = None) -> OrderItemsV0Page:
        """Read one page of an order's items (Orders v0 ``getOrderItems``; 410 turns v0 off)."""
        # https://developer-docs.amazon.com/sp-api/reference/getorderitems
        return self._v0(
            "ordersV0.getOrderItems",
            {410},
            _ORDER_ITEMS_V0,
            path={"orderId": order_id},
            query={"NextToken": next_token},
        )

    # -- Feeds 2021-06-30 ----------------------------------------------------------------------------

    def create_feed_document(self, *, content_type: str) -> FeedDocumentUpload:
        """Ask for an upload URL (``createFeedDocument``); answers 201 ``{feedDocumentId, url}``."""
        # https://developer-docs.amazon.com/sp-api/reference/createfeeddocument
        return self._request("feeds.createFeedDocument", _FEED_DOCUMENT_UPLOAD, body={"contentType": content_type})

    def create_feed(
        self,
        *,
        feed_type: str,
        input_feed_document_id: str,
        marketplace_ids: Sequence[str] | None = None,
        feed_options: Mapping[str, str] | None = None,
    ) -> str:
        """Submit a feed (``createFeed``; not idempotent); answers 202 ``{feedId}``: the feed id is returned.

        A 429 is retried once the usage plan refills (Amazon documents it as not processed); a 5xx, a
        timeout, a dropped connection or an answer without a ``feedId`` raises
        :class:`~sp_cancel.errors.OutcomeUnknownError`.
        """
        # https://developer-docs.amazon.com/sp-api/reference/createfeed
        return self._request(
            "feeds.createFeed",
            _FEED_ID,
            body={
                "feedType": feed_type,
                "marketplaceIds": self._markets(marketplace_ids),
                "inputFeedDocumentId": input_feed_document_id,
                "feedOptions": dict(feed_options) if feed_options else None,
            },
        )

    def get_feed(self, feed_id: str) -> Feed:
        """Read a feed's processing status (``getFeed``)."""
        # https://developer-docs.amazon.com/sp-api/reference/getfeed
        return self._request("feeds.getFeed", _FEED, path={"feedId": feed_id})

    def get_feeds(
        self,
        *,
        feed_types: Sequence[str] | None = None,
        marketplace_ids: Sequence[str] | None = None,
        page_size: int | None = None,
        processing_statuses: Sequence[str] | None = None,
        created_since: datetime | None = None,
        created_until: datetime | None = None,
        next_token: str | None = None,
    ) -> FeedsPage:
        """List feeds (``getFeeds``); ``feed_types`` or ``next_token`` is required. No marketplace filter by default."""
        # https://developer-docs.amazon.com/sp-api/reference/getfeeds
        return self._request(
            "feeds.getFeeds",
            _FEEDS_PAGE,
            query={
                "feedTypes": feed_types,
                "marketplaceIds": marketplace_ids,
                "pageSize": page_size,
                "processingStatuses": processing_statuses,
                "createdSince": created_since,
                "createdUntil": created_until,
                "nextToken": next_token,
            },
        )

    def cancel_feed(self, feed_id: str) -> None:
        """Cancel a feed still ``IN_QUEUE`` (``cancelFeed``)."""
        # https://developer-docs.amazon.com/sp-api/reference/cancelfeed
        self._request("feeds.cancelFeed", _nothing, path={"feedId": feed_id})

    def get_feed_document(
        self, feed_document_id: str, *, enable_content_encoding_url_header: bool | None = None
    ) -> FeedDocument:
        """Get a feed document's download URL (``getFeedDocument``): ``{feedDocumentId, url, compressionAlgorithm?}``.

        Result documents are usually GZIP: pass ``compression_algorithm`` to ``download``.
        """
        # https://developer-docs.amazon.com/sp-api/reference/getfeeddocument
        return self._request(
            "feeds.getFeedDocument",
            _FEED_DOCUMENT,
            path={"feedDocumentId": feed_document_id},
            query={"enableContentEncodingUrlHeader": enable_content_encoding_url_header},
        )

    # -- Reports 2021-06-30 --------------------------------------------------------------------------

    def create_report(
        self,
        *,
        report_type: str,
        marketplace_ids: Sequence[str] | None = None,
        data_start_time: datetime | None = None,
        data_end_time: datetime | None = None,
        report_options: Mapping[str, str] | None = None,
    ) -> str:
        """Request a report (``createReport``); answers 202 ``{reportId}``: the report id is returned."""
        # https://developer-docs.amazon.com/sp-api/reference/createreport
        return self._request(
            "reports.createReport",
            _REPORT_ID,
            body={
                "reportType": report_type,
                "marketplaceIds": self._markets(marketplace_ids),
                "dataStartTime": data_start_time,
                "dataEndTime": data_end_time,
                "reportOptions": dict(report_options) if report_options else None,
            },
        )

    def get_report(self, report_id: str) -> Report:
        """Read a report's processing status (``getReport``)."""
        # https://developer-docs.amazon.com/sp-api/reference/getreport
        return self._request("reports.getReport", _REPORT, path={"reportId": report_id})

    def get_report_document(
        self, report_document_id: str, *, enable_content_encoding_url_header: bool | None = None
    ) -> ReportDocument:
        """Get a report document's download URL (``getReportDocument``)."""
        # https://developer-docs.amazon.com/sp-api/reference/getreportdocument
        return self._request(
            "reports.getReportDocument",
            _REPORT_DOCUMENT,
            path={"reportDocumentId": report_document_id},
            query={"enableContentEncodingUrlHeader": enable_content_encoding_url_header},
        )

    # -- Listings Items 2021-08-01 (sellerId is this client's seller) -------------------------------

    def get_listings_item(
        self,
        sku: str,
        *,
        marketplace_ids: Sequence[str] | None = None,
        included_data: Sequence[str] = (),
        issue_locale: str | None = None,
    ) -> ListingsItem:
        """Read one listing (``getListingsItem``).

        ``included_data`` e.g. ``("summaries", "fulfillmentAvailability")``; Amazon's default is ``summaries``.
        """
        # https://developer-docs.amazon.com/sp-api/reference/getlistingsitem
        return self._request(
            "listings.getListingsItem",
            _LISTINGS_ITEM,
            path={"sku": sku},
            query={
                "marketplaceIds": self._markets(marketplace_ids),
                "includedData": included_data,
                "issueLocale": issue_locale,
            },
        )

    def search_listings_items(
        self,
        *,
        identifiers: Sequence[str] = (),
        identifiers_type: Literal["ASIN", "EAN", "FNSKU", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC"] | None = None,
        marketplace_ids: Sequence[str] | None = None,
        included_data: Sequence[str] = (),
        issue_locale: str | None = None,
        variation_parent_sku: str | None = None,
        package_hierarchy_sku: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        last_updated_after: datetime | None = None,
        last_updated_before: datetime | None = None,
        with_issue_severity: Sequence[Literal["WARNING", "ERROR"]] = (),
        with_status: Sequence[Literal["BUYABLE", "DISCOVERABLE"]] = (),
        without_status: Sequence[Literal["BUYABLE", "DISCOVERABLE"]] = (),
        sort_by: Literal["sku", "createdDate", "lastUpdatedDate"] | None = None,
        sort_order: Literal["ASC", "DESC"] | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> ListingsItemsPage:
        """Search this seller's listings (``searchListingsItems``): one page of ``ListingsItem``.

        ``identifiers`` (at most 20) needs ``identifiers_type`` (e.g. ``"SKU"``). Amazon's default
        ``page_size`` is 10 (maximum 20); ``included_data`` defaults to ``summaries``.
        """
        # https://developer-docs.amazon.com/sp-api/reference/searchlistingsitems
        return self._request(
            "listings.searchListingsItems",
            _listings_page,
            query={
                "marketplaceIds": self._markets(marketplace_ids),
                "issueLocale": issue_locale,
                "includedData": included_data,
                "identifiers": identifiers,
                "identifiersType": identifiers_type,
                "variationParentSku": variation_parent_sku,
                "packageHierarchySku": package_hierarchy_sku,
                "createdAfter": created_after,
                "createdBefore": created_before,
                "lastUpdatedAfter": last_updated_after,
                "lastUpdatedBefore": last_updated_before,
                "withIssueSeverity": with_issue_severity,
                "withStatus": with_status,
                "withoutStatus": without_status,
                "sortBy": sort_by,
                "sortOrder": sort_order,
                "pageSize": page_size,
                "pageToken": page_token,
            },
        )

    def patch_listings_item(
        self,
        sku: str,
        *,
        product_type: str,
        patches: Sequence[Mapping[str, object]],
        marketplace_ids: Sequence[str] | None = None,
        included_data: Sequence[str] = (),
        mode: Literal["VALIDATION_PREVIEW"] | None = None,
        issue_locale: str | None = None,
    ) -> ListingsSubmission:
        """Patch one listing (``patchListingsItem``); HTTP 200 even when ``status == "INVALID"``."""
        # https://developer-docs.amazon.com/sp-api/reference/patchlistingsitem
        return self._request(
            "listings.patchListingsItem",
            _submission,
            path={"sku": sku},
            query={
                "marketplaceIds": self._markets(marketplace_ids),
                "includedData": included_data,
                "mode": mode,
                "issueLocale": issue_locale,
            },
            body={"productType": product_type, "patches": [dict(p) for p in patches]},
        )

    def delete_listings_item(
        self, sku: str, *, marketplace_ids: Sequence[str] | None = None, issue_locale: str | None = None
    ) -> ListingsSubmission:
        """Delete one listing (``deleteListingsItem``); answers ``ACCEPTED``, processed asynchronously."""
        # https://developer-docs.amazon.com/sp-api/reference/deletelistingsitem
        return self._request(
            "listings.deleteListingsItem",
            _submission,
            path={"sku": sku},
            query={"marketplaceIds": self._markets(marketplace_ids), "issueLocale": issue_locale},
        )

    # -- Fulfillment Outbound (Multi-Channel Fulfillment) --------------------------------------------

    def get_fulfillment_order(self, seller_fulfillment_order_id: str) -> FulfillmentOrderDetails:
        """Read an MCF order (Fulfillment Outbound 2020-07-01 ``getFulfillmentOrder``)."""
        # https://developer-docs.amazon.com/sp-api/reference/getfulfillmentorder
        return self._request(
            "fbaOutbound.getFulfillmentOrder",
            _FULFILLMENT_ORDER,
            path={"sellerFulfillmentOrderId": seller_fulfillment_order_id},
        )

    def cancel_fulfillment_order(self, seller_fulfillment_order_id: str) -> None:
        """Cancel an MCF order in ``Received``/``Planning`` (2020-07-01 ``cancelFulfillmentOrder``)."""
        # https://developer-docs.amazon.com/sp-api/reference/cancelfulfillmentorder
        self._request(
            "fbaOutbound.cancelFulfillmentOrder",
            _nothing,
            path={"sellerFulfillmentOrderId": seller_fulfillment_order_id},
        )

    def get_fulfillment_order_2026(
        self,
        order_id: str,
        *,
        shipments: Literal["INCLUDE", "EXCLUDE"] | None = None,
        fulfillment_service_id: str | None = None,
    ) -> FulfillmentOrder2026:
        """Read an MCF order (Fulfillment Outbound 2026-07-04 ``getOrder``)."""
        # https://github.com/amzn/selling-partner-api-models/blob/main/models/fulfillment-outbound-api-model/fulfillmentOutbound_2026-07-04.json
        return self._request(
            "fbaOutbound2026.getOrder",
            _FULFILLMENT_ORDER_2026,
            path={"orderId": order_id},
            query={"shipments": shipments},
            headers=_service_header(fulfillment_service_id),
        )

    def cancel_fulfillment_order_2026(self, order_id: str, *, fulfillment_service_id: str | None = None) -> None:
        """Cancel an MCF order (Fulfillment Outbound 2026-07-04 ``cancelOrder``); answers 202 ``{}``."""
        # https://github.com/amzn/selling-partner-api-models/blob/main/models/fulfillment-outbound-api-model/fulfillmentOutbound_2026-07-04.json
        self._request(
            "fbaOutbound2026.cancelOrder",
            _nothing,
            path={"orderId": order_id},
            headers=_service_header(fulfillment_service_id),
        )

    # -- Promotions 2025-12-01 (read-only; not in the public models: docs/deals.md) -----------------------

    def search_promotions(
        self,
        *,
        marketplace_ids: Sequence[str] | None = None,
        statuses: Sequence[str] | None = None,
        promotion_types: Sequence[str] | None = None,
        asins: Sequence[str] | None = None,
        skus: Sequence[str] | None = None,
        start_date_after: datetime | None = None,
        start_date_before: datetime | None = None,
        end_date_after: datetime | None = None,
        end_date_before: datetime | None = None,
        included_data: Sequence[str] = (),
        locale: str | None = None,
        limit: int | None = None,
        pagination_token: str | None = None,
    ) -> PromotionsPage:
        """Search promotions and deals (``searchPromotions``); one marketplace per call."""
        # https://github.com/amzn/selling-partner-api-sdk/blob/main/python/sdk/spapi/api/promotions_v2025_12_01/promotions_api.py
        return self._request(
            "promotions.searchPromotions",
            _PROMOTIONS_PAGE,
            query={
                "marketplaceIds": self._markets(marketplace_ids),
                "statuses": statuses,
                "promotionTypes": promotion_types,
                "asins": asins,
                "skus": skus,
                "startDateAfter": start_date_after,
                "startDateBefore": start_date_before,
                "endDateAfter": end_date_after,
                "endDateBefore": end_date_before,
                "includedData": included_data,
                "locale": locale,
                "limit": limit,
                "paginationToken": pagination_token,
            },
        )

    def get_promotion(
        self, promotion_id: str, *, included_data: Sequence[str] = (), locale: str | None = None
    ) -> Promotion:
        """Read one promotion or deal (``getPromotion``)."""
        # https://github.com/amzn/selling-partner-api-sdk/blob/main/python/sdk/spapi/api/promotions_v2025_12_01/promotions_api.py
        return self._request(
            "promotions.getPromotion",
            _PROMOTION,
            path={"promotionId": promotion_id},
            query={"includedData": included_data, "locale": locale},
        )

    # -- Finances v0 ---------------------------------------------------------------------------------

    def list_financial_events_by_order_id(
        self, order_id: str, *, max_results_per_page: int | None = None, next_token: str | None = None
    ) -> FinancialEventsPage:
        """List an order's financial events, refunds included (``listFinancialEventsByOrderId``)."""
        # https://developer-docs.amazon.com/sp-api/reference/listfinancialeventsbyorderid
        return self._request(
            "finances.listFinancialEventsByOrderId",
            _FINANCIAL_EVENTS_PAGE,
            path={"orderId": order_id},
            query={"MaxResultsPerPage": max_results_per_page, "NextToken": next_token},
        )

    # -- Messaging v1 (answers are HAL: application/hal+json) ------------------------------------------

    def get_messaging_actions_for_order(self, order_id: str, *, marketplace_id: str | None = None) -> MessagingActions:
        """The message types Amazon offers for an order (``getMessagingActionsForOrder``): ``_links.actions[]``.

        Each action is a link ``{href, name}``; ``name`` is the message type (``unexpectedProblem``...).
        One marketplace per call (the model's ``maxItems: 1``).
        """
        # https://developer-docs.amazon.com/sp-api/reference/getmessagingactionsfororder
        return self._request(
            "messaging.getMessagingActionsForOrder",
            _MESSAGING_ACTIONS,
            path={"amazonOrderId": order_id},
            query={"marketplaceIds": [marketplace_id or self.marketplace_id]},
            headers=_HAL,
        )

    def create_unexpected_problem(self, order_id: str, *, text: str, marketplace_id: str | None = None) -> None:
        """Send the buyer a message about a problem affecting the order (``createUnexpectedProblem``; 201).

        Not idempotent: a lost answer raises :class:`~sp_cancel.errors.OutcomeUnknownError` and is never resent.
        ``text``: 1 to 2000 characters, no HTML, no e-mail address, in the buyer's language.
        """
        # https://developer-docs.amazon.com/sp-api/reference/createunexpectedproblem
        self._request(
            "messaging.createUnexpectedProblem",
            _nothing,
            path={"amazonOrderId": order_id},
            query={"marketplaceIds": [marketplace_id or self.marketplace_id]},
            body={"text": text},
            headers=_HAL,
        )

    # -- Notifications v1 (destinations and subscriptions by id are grantless) ----------------------------

    def get_destinations(self) -> tuple[Destination, ...]:
        """Every destination of this application (``getDestinations``; grantless)."""
        # https://developer-docs.amazon.com/sp-api/reference/getdestinations
        return self._request("notifications.getDestinations", _DESTINATIONS)

    def create_destination(self, *, name: str, sqs_arn: str) -> Destination:
        """Create an SQS destination (``createDestination``; grantless). Not resent after an ambiguous failure."""
        # https://developer-docs.amazon.com/sp-api/reference/createdestination
        return self._request(
            "notifications.createDestination",
            _DESTINATION,
            body={"name": name, "resourceSpecification": {"sqs": {"arn": sqs_arn}}},
        )

    def get_destination(self, destination_id: str) -> Destination:
        """One destination (``getDestination``; grantless)."""
        # https://developer-docs.amazon.com/sp-api/reference/getdestination
        return self._request("notifications.getDestination", _DESTINATION, path={"destinationId": destination_id})

    def delete_destination(self, destination_id: str) -> None:
        """Delete a destination (``deleteDestination``; grantless)."""
        # https://developer-docs.amazon.com/sp-api/reference/deletedestination
        self._request("notifications.deleteDestination", _nothing, path={"destinationId": destination_id})

    def get_subscription(self, notification_type: str, *, payload_version: str | None = None) -> Subscription:
        """This seller's subscription to ``notification_type`` (``getSubscription``); 404 when there is none."""
        # https://developer-docs.amazon.com/sp-api/reference/getsubscription
        return self._request(
            "notifications.getSubscription",
            _SUBSCRIPTION,
            path={"notificationType": notification_type},
            query={"payloadVersion": payload_version},
        )

    def create_subscription(
        self,
        notification_type: str,
        *,
        destination_id: str,
        payload_version: str = "1.0",
        processing_directive: Mapping[str, object] | None = None,
    ) -> Subscription:
        """Subscribe this seller to ``notification_type`` (``createSubscription``); 409 when it already exists.

        ``processing_directive`` is Amazon's ``ProcessingDirective`` (``{"eventFilter": {...}}``) as it goes
        on the wire. Not resent after an ambiguous failure.
        """
        # https://developer-docs.amazon.com/sp-api/reference/createsubscription
        body: dict[str, object] = {"payloadVersion": payload_version, "destinationId": destination_id}
        if processing_directive is not None:
            body["processingDirective"] = dict(processing_directive)
        return self._request(
            "notifications.createSubscription",
            _SUBSCRIPTION,
            path={"notificationType": notification_type},
            body=body,
        )

    def get_subscription_by_id(self, notification_type: str, subscription_id: str) -> Subscription:
        """One subscription by id (``getSubscriptionById``; grantless)."""
        # https://developer-docs.amazon.com/sp-api/reference/getsubscriptionbyid
        return self._request(
            "notifications.getSubscriptionById",
            _SUBSCRIPTION,
            path={"notificationType": notification_type, "subscriptionId": subscription_id},
        )

    def delete_subscription_by_id(self, notification_type: str, subscription_id: str) -> None:
        """Delete a subscription by id (``deleteSubscriptionById``; grantless)."""
        # https://developer-docs.amazon.com/sp-api/reference/deletesubscriptionbyid
        self._request(
            "notifications.deleteSubscriptionById",
            _nothing,
            path={"notificationType": notification_type, "subscriptionId": subscription_id},
        )

    def send_test_notification(self, notification_type: str, *, destination_id: str) -> None:
        """Ask Amazon to send a test notification to ``destination_id`` (``sendTestNotification``).

        Sandbox-only in Amazon's model: a production endpoint refuses it. Grantless.
        """
        # https://developer-docs.amazon.com/sp-api/reference/sendtestnotification
        self._request(
            "notifications.sendTestNotification",
            _nothing,
            path={"notificationType": notification_type},
            body={"destinationId": destination_id, "testNotification": {"payloadVersion": "1.0"}},
        )


# The Messaging API answers application/hal+json (its model's "produces").
_HAL: Final = {"accept": "application/hal+json"}


def _service_header(fulfillment_service_id: str | None) -> dict[str, str] | None:
    return {"x-amzn-fulfillment-service-id": fulfillment_service_id} if fulfillment_service_id else None
