"""Setting up ``ORDER_CHANGE`` delivery so it cannot be done wrong: ``ensure``.

Get-or-create, each step read back from Amazon rather than assumed (docs/notifications.md):

1. The queue's region is the SP-API endpoint's AWS region (``us-east-1`` for North America, ``eu-west-1`` for
   Europe, ``us-west-2`` for the Far East): checked before any request.
2. The destination: ``getDestinations`` (grantless) finds the one for the queue's ARN, else ``createDestination``
   (grantless). A 409, or a create whose answer was lost, is read back with ``getDestinations``.
3. The subscription: ``getSubscription(ORDER_CHANGE)``; none (404) → ``createSubscription`` with a
   ``processingDirective`` whose ``eventFilter`` lists the ``orderChangeTypes`` (Amazon refuses an
   ``ORDER_CHANGE`` subscription without one with 400). A 409 means it exists: it is read back and reused. A
   subscription delivering to another destination, or filtering out a change type asked for, is replaced only
   when the caller says so (``replace=True``); otherwise it is an error naming what differs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

import attrs

from sp_cancel._events import NOTIFICATIONS_DESTINATION_CREATED, NOTIFICATIONS_SUBSCRIPTION_CREATED
from sp_cancel._runtime.context import Context
from sp_cancel.errors import ApiError, InvalidInputError, NotFoundError, OutcomeUnknownError
from sp_cancel.logging import get_logger
from sp_cancel.transport import Destination, Subscription, resolve_marketplace

__all__ = [
    "AWS_REGIONS",
    "ORDER_CHANGE",
    "ORDER_CHANGE_TYPES",
    "NotificationSetup",
    "endpoint_region",
    "ensure",
    "parse_queue_arn",
    "processing_directive",
]

ORDER_CHANGE: Final = "ORDER_CHANGE"
#: The change types a cancellation watcher needs: buyer requests, and status changes (Amazon's own cancels).
ORDER_CHANGE_TYPES: Final = ("BuyerRequestedChange", "OrderStatusChange")
_KNOWN_TYPES: Final = frozenset({"BuyerRequestedChange", "DeliveryTipChange", "OrderStatusChange"})
#: The AWS region of each SP-API region: a destination's queue must be there (docs/notifications.md).
AWS_REGIONS: Final = {"na": "us-east-1", "eu": "eu-west-1", "fe": "us-west-2"}
_AMAZON_HOST: Final = re.compile(r"^https://(?:sandbox\.)?sellingpartnerapi-(na|eu|fe)\.amazon\.com(?:/.*)?$")
_QUEUE_ARN: Final = re.compile(r"^arn:aws:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$")


@attrs.frozen(kw_only=True)
class NotificationSetup:
    """Where ``ORDER_CHANGE`` notifications go, as Amazon has it after ``client.notifications.ensure``.

    Attributes:
        queue_arn: the SQS queue.
        destination_id: Amazon's destination for it.
        subscription_id: the seller's ``ORDER_CHANGE`` subscription.
        order_change_types: the change types it delivers (empty: every type).
        marketplace_ids: the marketplaces it delivers (empty: every marketplace).
        created_destination: this call created the destination (``False``: it existed).
        created_subscription: this call created the subscription (``False``: it existed and was reused).
    """

    queue_arn: str
    destination_id: str
    subscription_id: str
    order_change_types: tuple[str, ...]
    marketplace_ids: tuple[str, ...]
    created_destination: bool
    created_subscription: bool


def parse_queue_arn(value: object, field: str = "queue_arn", *, allow_fifo: bool = False) -> tuple[str, str, str]:
    """``(region, account, name)`` of a standard SQS queue's ARN, else ``InvalidInputError`` (nothing sent).

    A FIFO queue (``.fifo``) is refused (Amazon delivers nothing to one) unless ``allow_fifo``.
    """
    found = _QUEUE_ARN.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        raise InvalidInputError(
            f"{field} must be an SQS queue ARN, arn:aws:sqs:<region>:<12-digit account>:<queue name>, not {value!r}",
            field=field,
        )
    region, account, name = found.groups()
    if name.endswith(".fifo") and not allow_fifo:
        raise InvalidInputError(
            f"{name} is a FIFO queue: Amazon delivers no notification to FIFO queues; use a standard queue",
            field=field,
        )
    return region, account, name


def endpoint_region(endpoint: str, marketplace_id: str) -> str:
    """The AWS region Amazon's notifications for this endpoint come from.

    From an Amazon host (``sellingpartnerapi-eu``...), else (a simulator, a proxy) from the marketplace's region.
    """
    found = _AMAZON_HOST.match(endpoint)
    if found is None:
        found = _AMAZON_HOST.match(resolve_marketplace(marketplace_id).endpoint)
    return AWS_REGIONS[found.group(1)] if found else AWS_REGIONS["na"]


def check_change_types(value: object) -> tuple[str, ...]:
    """The ``orderChangeTypes`` asked for: a non-empty sequence of Amazon's values, without repeats."""
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise InvalidInputError(
            f"order_change_types must be a non-empty list of {sorted(_KNOWN_TYPES)}, not {value!r}",
            field="order_change_types",
        )
    unknown = [v for v in value if v not in _KNOWN_TYPES]
    if unknown:
        raise InvalidInputError(
            f"order_change_types: {unknown} are not Amazon's (one of {sorted(_KNOWN_TYPES)})",
            field="order_change_types",
        )
    return tuple(dict.fromkeys(value))


def processing_directive(change_types: Sequence[str], marketplace_ids: Sequence[str]) -> dict[str, object]:
    """The ``processingDirective`` of an ``ORDER_CHANGE`` subscription, as it goes on the wire."""
    event_filter: dict[str, object] = {"eventFilterType": ORDER_CHANGE, "orderChangeTypes": list(change_types)}
    if marketplace_ids:
        event_filter["marketplaceIds"] = list(marketplace_ids)
    return {"eventFilter": event_filter}


def _find(ctx: Context, queue_arn: str) -> Destination | None:
    return next((d for d in ctx.api.get_destinations() if d.sqs_arn == queue_arn), None)


def _destination(ctx: Context, queue_arn: str, name: str) -> tuple[Destination, bool]:
    found = _find(ctx, queue_arn)
    if found is not None:
        return found, False
    try:
        made = ctx.api.create_destination(name=name, sqs_arn=queue_arn)
    except (OutcomeUnknownError, ApiError) as exc:
        # 409: it exists (made meanwhile by another set-up); a lost answer: it may exist. Read it back.
        if not isinstance(exc, OutcomeUnknownError) and exc.status != 409:
            raise
        again = _find(ctx, queue_arn)
        if again is None:
            raise
        return again, False
    get_logger().info(NOTIFICATIONS_DESTINATION_CREATED, destination_id=made.destination_id, queue_arn=queue_arn)
    return made, True


def _current(ctx: Context) -> Subscription | None:
    try:
        return ctx.api.get_subscription(ORDER_CHANGE)
    except NotFoundError:
        return None


def _mismatch(subscription: Subscription, destination: Destination, types: Sequence[str]) -> str | None:
    if subscription.destination_id != destination.destination_id:
        return f"delivers to destination {subscription.destination_id}, not {destination.destination_id}"
    delivered = subscription.event_filter.order_change_types if subscription.event_filter is not None else ()
    missing = [t for t in types if delivered and t not in delivered]
    if missing:
        return f"filters out {missing} (it delivers {list(delivered)})"
    return None


def _create(ctx: Context, destination: Destination, directive: dict[str, object]) -> tuple[Subscription, bool]:
    try:
        made = ctx.api.create_subscription(
            ORDER_CHANGE, destination_id=destination.destination_id, processing_directive=directive
        )
    except (OutcomeUnknownError, ApiError) as exc:
        if not isinstance(exc, OutcomeUnknownError) and exc.status != 409:
            raise
        again = _current(ctx)  # 409: it exists; reuse it. A lost answer: it may exist.
        if again is None:
            raise
        return again, False
    get_logger().info(
        NOTIFICATIONS_SUBSCRIPTION_CREATED, subscription_id=made.subscription_id, destination_id=made.destination_id
    )
    return made, True


def ensure(
    ctx: Context,
    *,
    queue_arn: str,
    order_change_types: tuple[str, ...],
    marketplace_ids: tuple[str, ...],
    destination_name: str,
    replace: bool,
) -> NotificationSetup:
    """See ``Notifications.ensure`` (arguments checked there, the queue's region included)."""
    destination, created_destination = _destination(ctx, queue_arn, destination_name)
    directive = processing_directive(order_change_types, marketplace_ids)
    subscription = _current(ctx)
    created_subscription = False
    if subscription is not None:
        problem = _mismatch(subscription, destination, order_change_types)
        if problem is not None and not replace:
            raise InvalidInputError(
                f"the seller's ORDER_CHANGE subscription {subscription.subscription_id} {problem}; nothing was "
                "changed. Pass replace=True (sp-cancel notifications setup --replace) to replace it",
                field="queue_arn",
            )
        if problem is not None:
            ctx.api.delete_subscription_by_id(ORDER_CHANGE, subscription.subscription_id)
            subscription = None
    if subscription is None:
        subscription, created_subscription = _create(ctx, destination, directive)
    event_filter = subscription.event_filter
    return NotificationSetup(
        queue_arn=queue_arn,
        destination_id=destination.destination_id,
        subscription_id=subscription.subscription_id,
        order_change_types=event_filter.order_change_types if event_filter is not None else (),
        marketplace_ids=event_filter.marketplace_ids if event_filter is not None else (),
        created_destination=created_destination,
        created_subscription=created_subscription,
    )
