"""Notifications API v1 answers as typed values: destinations and subscriptions.

Every answer wraps its value in ``payload`` (``{"payload": {...}}``; ``getDestinations``' payload is a list).
A destination's resource is an SQS queue (``resource.sqs.arn``) or an EventBridge source
(``resource.eventBridge``); ``ORDER_CHANGE`` is delivered to SQS only, so the SQS ARN is read and an EventBridge
resource is kept in ``extra``. A subscription's ``processingDirective.eventFilter`` is read into
``EventFilter`` (``orderChangeTypes``, ``marketplaceIds``, ``aggregationSettings``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Annotated, Any

import attrs

from sp_cancel.transport._parse import (
    EMPTY,
    Wire,
    at_path,
    extra,
    member,
    opt_nested,
    opt_obj,
    opt_str,
    parse_as,
    req_list,
    req_obj,
    req_str,
    str_list,
    within,
)

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

    event_filter_type: Annotated[str | None, Wire("eventFilterType", opt_str)]
    order_change_types: Annotated[tuple[str, ...], Wire("orderChangeTypes", str_list)] = ()
    marketplace_ids: Annotated[tuple[str, ...], Wire("marketplaceIds", str_list)] = ()
    aggregation_time_period: Annotated[
        str | None, Wire("aggregationSettings", member("aggregationTimePeriod", opt_str))
    ] = None


def _event_filter(data: Mapping[str, Any], key: str, where: str) -> EventFilter | None:
    """``processingDirective.eventFilter``; ``None`` when either is absent (or the directive empty)."""
    directive = opt_obj(data, key, where)
    return (
        opt_nested(directive, "eventFilter", at_path(where, key), partial(parse_as, EventFilter)) if directive else None
    )


@attrs.frozen(kw_only=True)
class Subscription:
    """One subscription to a notification type (``Subscription``).

    Attributes:
        subscription_id: Amazon's id for it.
        payload_version: the payload version delivered (``"1.0"``).
        destination_id: where it delivers.
        event_filter: its ``processingDirective.eventFilter``, or ``None`` when it has none.
    """

    subscription_id: Annotated[str, Wire("subscriptionId", req_str)]
    payload_version: Annotated[str, Wire("payloadVersion", req_str)]
    destination_id: Annotated[str, Wire("destinationId", req_str)]
    event_filter: Annotated[EventFilter | None, Wire("processingDirective", _event_filter)] = None
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


def parse_subscription(data: Mapping[str, Any]) -> Subscription:
    """``getSubscription``'s, ``createSubscription``'s and ``getSubscriptionById``'s ``payload``."""
    return parse_as(Subscription, req_obj(data, "payload", ""), "payload")
