"""Notifications API v1 answers as typed values: destinations and subscriptions.

Every answer wraps its value in ``payload`` (``{"payload": {...}}``; ``getDestinations``' payload is a list).
A destination's resource is an SQS queue (``resource.sqs.arn``) or an EventBridge source
(``resource.eventBridge``); ``ORDER_CHANGE`` is delivered to SQS only, so the SQS ARN is read and an EventBridge
resource is kept in ``extra``. A subscription's ``processingDirective.eventFilter`` is read into
``EventFilter`` (``orderChangeTypes``, ``marketplaceIds``, ``aggregationSettings``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from sp_cancel.transport._parse import EMPTY, extra, opt_obj, opt_str, req_list, req_obj, req_str, str_list, within

__all__ = [
    "Destination",
    "EventFilter",
    "Subscription",
    "parse_destination",
    "parse_destinations",
    "parse_subscription",
]


@attrs.frozen(kw_only=True)
class Destination:
    """A place Amazon delivers notifications to (``Destination``).

    Attributes:
        destination_id: Amazon's id for it.
        name: the name given at ``createDestination``.
        sqs_arn: the SQS queue's ARN, or ``None`` for an EventBridge destination (kept in ``extra``).
    """

    destination_id: str
    name: str
    sqs_arn: str | None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


@attrs.frozen(kw_only=True)
class EventFilter:
    """A subscription's ``processingDirective.eventFilter``.

    Attributes:
        event_filter_type: ``ORDER_CHANGE``, ``ANY_OFFER_CHANGED``...
        order_change_types: the ``orderChangeTypes`` delivered (empty: not filtered by change type).
        marketplace_ids: the marketplaces delivered (empty: every marketplace).
        aggregation_time_period: ``FiveMinutes`` or ``TenMinutes`` when notifications are aggregated.
    """

    event_filter_type: str | None
    order_change_types: tuple[str, ...] = ()
    marketplace_ids: tuple[str, ...] = ()
    aggregation_time_period: str | None = None


@attrs.frozen(kw_only=True)
class Subscription:
    """One subscription to a notification type (``Subscription``).

    Attributes:
        subscription_id: Amazon's id for it.
        payload_version: the payload version delivered (``"1.0"``).
        destination_id: where it delivers.
        event_filter: its ``processingDirective.eventFilter``, or ``None`` when it has none.
    """

    subscription_id: str
    payload_version: str
    destination_id: str
    event_filter: EventFilter | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def _destination(data: Mapping[str, Any]) -> Destination:
    resource = req_obj(data, "resource", "")
    sqs = opt_obj(resource, "sqs", "resource")
    return Destination(
        destination_id=req_str(data, "destinationId", ""),
        name=req_str(data, "name", ""),
        sqs_arn=req_str(sqs, "arn", "resource.sqs") if sqs is not None else None,
        extra=extra(data, frozenset({"destinationId", "name"})),
    )


def parse_destination(data: Mapping[str, Any]) -> Destination:
    """``createDestination``'s and ``getDestination``'s ``payload``."""
    return within("payload", _destination, req_obj(data, "payload", ""))


def parse_destinations(data: Mapping[str, Any]) -> tuple[Destination, ...]:
    """``getDestinations``' ``payload``: every destination of the application."""
    return req_list(data, "payload", "", _destination)


def _event_filter(data: Mapping[str, Any]) -> EventFilter:
    where = "payload.processingDirective.eventFilter"
    aggregation = opt_obj(data, "aggregationSettings", where)
    return EventFilter(
        event_filter_type=opt_str(data, "eventFilterType", where),
        order_change_types=str_list(data, "orderChangeTypes", where),
        marketplace_ids=str_list(data, "marketplaceIds", where),
        aggregation_time_period=(
            opt_str(aggregation, "aggregationTimePeriod", f"{where}.aggregationSettings") if aggregation else None
        ),
    )


def parse_subscription(data: Mapping[str, Any]) -> Subscription:
    """``getSubscription``'s, ``createSubscription``'s and ``getSubscriptionById``'s ``payload``."""
    payload = req_obj(data, "payload", "")
    directive = opt_obj(payload, "processingDirective", "payload")
    found = opt_obj(directive, "eventFilter", "payload.processingDirective") if directive else None
    return Subscription(
        subscription_id=req_str(payload, "subscriptionId", "payload"),
        payload_version=req_str(payload, "payloadVersion", "payload"),
        destination_id=req_str(payload, "destinationId", "payload"),
        event_filter=_event_filter(found) if found is not None else None,
        extra=extra(payload, frozenset({"subscriptionId", "payloadVersion", "destinationId", "processingDirective"})),
    )
