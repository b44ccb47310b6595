"""Notifications v1: destinations, subscriptions, and the delivery of ``ORDER_CHANGE`` to SQS.

Shapes follow Amazon's model (``notifications.json``): every answer wraps its value in ``payload``; every
operation runs at 1 request per second, burst 5 (``plans.py``). Destinations, a subscription by id and the test
notification are grantless: their token comes from the client-credentials grant with scope
``sellingpartnerapi::notifications``; a seller's token is refused there with 403, a grantless token everywhere
else (``core._auth_check``, ``plans.GRANTLESS``).

What the model leaves open, simulated as sellers meet it (docs/notifications.md):

- ``createSubscription`` for a type the seller is already subscribed to answers **409** (reuse it:
  ``getSubscription``); so does ``createDestination`` for a queue ARN that already is a destination [INF: the
  worst case a seller could meet], and ``deleteDestination`` while a subscription delivers to it [INF].
- ``createSubscription`` of ``ORDER_CHANGE`` without ``processingDirective.eventFilter`` answers **400**
  ("eventFilter must not be empty") [3P issue threads]; ``eventFilter`` and ``filterExpression`` together, an
  ``eventFilterType`` other than the subscribed type, or an unknown ``orderChangeTypes`` value are 400 too [M].
- ``sendTestNotification`` is sandbox-only at Amazon; the simulator answers it like the sandbox and delivers a
  test ``ORDER_CHANGE`` (``OrderChangeType: OrderStatusChange``, an order id no order has).

Delivery: when a buyer asks to cancel (``request_cancellation``) or an order's status changes (found by
``publish_status_changes`` at every request: a seller's cancel, a shipment, Amazon's own cancel),
Amazon publishes one ``ORDER_CHANGE`` to the subscribed destination, if the subscription's event filter
passes it (``orderChangeTypes``, ``marketplaceIds``). ``order_change`` builds the message body, in the one
place the simulator does. Each published notification goes through ``DeliveryFaults`` (seeded): dropped, or
sent 1-10 times, each copy after its own delay, some held back so later ones overtake them. Copies are sent
(``core.NotificationSender``: a real SQS queue through ``sqs.SqsSender``) when due, on the simulator's clock:
at every request (tick hook) and whenever a test calls ``Simulator.deliver_notifications``.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Any, Final

from sp_cancel.testing._sim.core import (
    Router,
    SimRequest,
    SimResponse,
    SimulatorCore,
    error_response,
    invalid_input,
    not_found,
)
from sp_cancel.testing._sim.formats import iso
from sp_cancel.testing._sim.world import (
    SimDestination,
    SimNotification,
    SimOrder,
    SimOutgoing,
    SimSubscription,
)

__all__ = [
    "ORDER_CHANGE_TYPES",
    "deliver_due",
    "order_change",
    "publish",
    "publish_status_changes",
    "register",
    "request_cancellation",
    "tick",
]

ORDER_CHANGE: Final = "ORDER_CHANGE"
#: ``OrderChangeTypeEnum`` [M].
ORDER_CHANGE_TYPES: Final = frozenset({"BuyerRequestedChange", "DeliveryTipChange", "OrderStatusChange"})
#: The notification types the simulator knows (a subscription to another is a 400).
_TYPES: Final = frozenset(
    {ORDER_CHANGE, "ORDER_STATUS_CHANGE", "FEED_PROCESSING_FINISHED", "REPORT_PROCESSING_FINISHED"}
)
_SQS_ARN: Final = re.compile(r"^arn:aws:sqs:\S+:\S+:\S+")  # SqsResource.arn's pattern [M]
_TEST_ORDER_ID: Final = "000-0000000-0000000"


def _conflict(message: str) -> SimResponse:
    return error_response(409, "Conflict", message, "")


def _body(request: SimRequest) -> dict[str, Any] | SimResponse:
    try:
        data = request.json()
    except ValueError:
        return invalid_input("The request body is not JSON.")
    if not isinstance(data, dict):
        return invalid_input("The request body must be a JSON object.")
    return data


def _destination_json(destination: SimDestination) -> dict[str, Any]:
    return {
        "destinationId": destination.destination_id,
        "name": destination.name,
        "resource": {"sqs": {"arn": destination.sqs_arn}},
    }


def _subscription_json(subscription: SimSubscription) -> dict[str, Any]:
    out: dict[str, Any] = {
        "subscriptionId": subscription.subscription_id,
        "payloadVersion": subscription.payload_version,
        "destinationId": subscription.destination_id,
    }
    if subscription.processing_directive is not None:
        out["processingDirective"] = subscription.processing_directive
    return out


# -- destinations (grantless) ---------------------------------------------------------------------


def get_destinations(sim: SimulatorCore, request: SimRequest) -> SimResponse:  # noqa: ARG001 - a handler
    """Every destination of the application."""
    return SimResponse(200, {"payload": [_destination_json(d) for d in sim.world.destinations.values()]})


def create_destination(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """Create an SQS destination (409 when that queue already is one)."""
    body = _body(request)
    if isinstance(body, SimResponse):
        return body
    name = body.get("name")
    spec = body.get("resourceSpecification")
    if not isinstance(name, str) or not name or len(name) > 256:
        return invalid_input("name is required (at most 256 characters).")
    sqs = spec.get("sqs") if isinstance(spec, dict) else None
    arn = sqs.get("arn") if isinstance(sqs, dict) else None
    if not isinstance(arn, str) or len(arn) > 1000 or not _SQS_ARN.match(arn):
        if isinstance(spec, dict) and "eventBridge" in spec:
            return invalid_input("The simulator offers SQS destinations only (ORDER_CHANGE is delivered to SQS).")
        return invalid_input(
            "resourceSpecification.sqs.arn must be an SQS queue ARN (arn:aws:sqs:region:account:name)."
        )
    if any(d.sqs_arn == arn for d in sim.world.destinations.values()):
        return _conflict(f"A destination for {arn} already exists.")
    destination = SimDestination(destination_id=sim.new_id("destination"), name=name, sqs_arn=arn)
    sim.world.destinations[destination.destination_id] = destination
    return SimResponse(200, {"payload": _destination_json(destination)})


def get_destination(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """One destination (404 when unknown)."""
    found = sim.world.destinations.get(request.path_params["destinationId"])
    if found is None:
        return not_found(f"Destination {request.path_params['destinationId']} was not found.")
    return SimResponse(200, {"payload": _destination_json(found)})


def delete_destination(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """Delete a destination (404 when unknown, 409 while a subscription delivers to it)."""
    destination_id = request.path_params["destinationId"]
    if destination_id not in sim.world.destinations:
        return not_found(f"Destination {destination_id} was not found.")
    if any(s.destination_id == destination_id for s in sim.world.subscriptions.values()):
        return _conflict(f"Destination {destination_id} has subscriptions; delete them first.")
    del sim.world.destinations[destination_id]
    return SimResponse(200, {})


# -- subscriptions ----------------------------------------------------------------------------------


def _notification_type(request: SimRequest) -> str | SimResponse:
    kind = request.path_params["notificationType"]
    return kind if kind in _TYPES else invalid_input(f"Invalid notificationType: {kind}.")


def _directive_problem(kind: str, directive: object) -> str | None:  # noqa: PLR0911 - one answer per rule
    """What Amazon refuses in a ``processingDirective`` (``None``: acceptable)."""
    if directive is None:
        return "eventFilter must not be empty" if kind == ORDER_CHANGE else None
    if not isinstance(directive, dict):
        return "processingDirective must be an object."
    event_filter = directive.get("eventFilter")
    if event_filter is not None and directive.get("filterExpression") is not None:
        return "eventFilter and filterExpression are mutually exclusive."
    if event_filter is None:
        return "eventFilter must not be empty" if kind == ORDER_CHANGE else None
    if not isinstance(event_filter, dict) or event_filter.get("eventFilterType") != kind:
        return f"eventFilter.eventFilterType must be {kind}."
    types = event_filter.get("orderChangeTypes")
    if types is not None and (
        not isinstance(types, list) or not types or any(t not in ORDER_CHANGE_TYPES for t in types)
    ):
        return f"orderChangeTypes must list values of {sorted(ORDER_CHANGE_TYPES)}."
    return None


def create_subscription(sim: SimulatorCore, request: SimRequest) -> SimResponse:  # noqa: PLR0911 - one answer per refusal
    """Subscribe the seller (409 when subscribed to the type; 400 for ORDER_CHANGE without an event filter)."""
    kind = _notification_type(request)
    if isinstance(kind, SimResponse):
        return kind
    body = _body(request)
    if isinstance(body, SimResponse):
        return body
    version, destination_id = body.get("payloadVersion"), body.get("destinationId")
    if not isinstance(version, str) or not version or not isinstance(destination_id, str) or not destination_id:
        return invalid_input("payloadVersion and destinationId are required.")
    if version != "1.0":
        return invalid_input(f"Invalid payloadVersion {version} for {kind}.")
    if destination_id not in sim.world.destinations:
        return invalid_input(f"Invalid destinationId {destination_id}: no such destination for this application.")
    directive = body.get("processingDirective")
    problem = _directive_problem(kind, directive)
    if problem is not None:
        return invalid_input(problem)
    if kind in sim.world.subscriptions:
        return _conflict(f"A subscription for {kind} already exists for this seller.")
    subscription = SimSubscription(
        subscription_id=sim.new_id("subscription"),
        notification_type=kind,
        payload_version=version,
        destination_id=destination_id,
        processing_directive=directive if isinstance(directive, dict) else None,
    )
    sim.world.subscriptions[kind] = subscription
    if kind == ORDER_CHANGE:  # status changes from now on are published
        sim.world.notified_status = {o.order_id: o.status for o in sim.world.orders.values()}
    return SimResponse(200, {"payload": _subscription_json(subscription)})


def get_subscription(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """The seller's subscription to a type (404 when none)."""
    kind = _notification_type(request)
    if isinstance(kind, SimResponse):
        return kind
    found = sim.world.subscriptions.get(kind)
    if found is None:
        return not_found(f"No subscription for {kind}.")
    return SimResponse(200, {"payload": _subscription_json(found)})


def _by_id(sim: SimulatorCore, request: SimRequest) -> SimSubscription | SimResponse:
    kind = _notification_type(request)
    if isinstance(kind, SimResponse):
        return kind
    found = sim.world.subscriptions.get(kind)
    if found is None or found.subscription_id != request.path_params["subscriptionId"]:
        return not_found(f"Subscription {request.path_params['subscriptionId']} was not found.")
    return found


def get_subscription_by_id(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """One subscription by id (grantless)."""
    found = _by_id(sim, request)
    return found if isinstance(found, SimResponse) else SimResponse(200, {"payload": _subscription_json(found)})


def delete_subscription_by_id(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """Delete a subscription by id (grantless); notifications stop."""
    found = _by_id(sim, request)
    if isinstance(found, SimResponse):
        return found
    del sim.world.subscriptions[found.notification_type]
    return SimResponse(200, {})


def send_test_notification(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """Deliver a test notification to the destination (Amazon: sandbox only)."""
    kind = _notification_type(request)
    if isinstance(kind, SimResponse):
        return kind
    body = _body(request)
    if isinstance(body, SimResponse):
        return body
    destination = sim.world.destinations.get(str(body.get("destinationId") or ""))
    test = body.get("testNotification")
    if destination is None:
        return error_response(
            400,
            "InvalidInput",
            "InvalidInput",
            "Invalid Input, recheck that the AppId and DestinationId are valid and DestinationId belongs to the "
            "application",
        )
    if kind != ORDER_CHANGE or not isinstance(test, dict) or not test.get("payloadVersion"):
        return invalid_input(f"The simulator sends test notifications of {ORDER_CHANGE} with a payloadVersion.")
    message = _envelope(sim, _test_change(sim), subscription_id="test-subscription")
    _schedule(sim, message, destination.sqs_arn, order_id=_TEST_ORDER_ID, change_type="OrderStatusChange")
    deliver_due(sim)
    return SimResponse(200, {})


# -- ORDER_CHANGE: the message, publishing, delivery ---------------------------------------------------


def _item_status(order: SimOrder, quantity_unshipped: int, quantity_shipped: int) -> str | None:
    if order.status == "Canceled":
        return None
    return "Unshipped" if quantity_unshipped > 0 or quantity_shipped == 0 else "Shipped"


def order_change(sim: SimulatorCore, order: SimOrder, change_type: str, reason: str) -> dict[str, Any]:
    """The ``OrderChangeNotification`` of ``order`` now (schemas/OrderChangeNotification.json, docs/notifications.md).

    PascalCase keys; ``IsBuyerRequestedCancel`` is a real boolean; ``SupplySourceId`` is ``null`` for an order
    not fulfilled from a supply source; ``ChangeReason`` is Amazon's free text.
    """
    items = []
    for item in order.items:
        entry: dict[str, Any] = {
            "OrderItemId": item.order_item_id,
            "SellerSKU": item.sku,
            "SupplySourceId": None,
            "Quantity": item.quantity_ordered,
            "QuantityShipped": item.quantity_shipped,
            "IsBuyerRequestedCancel": bool(item.buyer_requested_cancel),
        }
        status = _item_status(order, item.quantity_unshipped, item.quantity_shipped)
        if status is not None:
            entry["OrderItemStatus"] = status
        items.append(entry)
    summary: dict[str, Any] = {
        "MarketplaceId": order.marketplace_id,
        "OrderStatus": order.status,
        "PurchaseDate": iso(order.purchase_date),
        "DestinationPostalCode": "98101",
        "FulfillmentType": order.fulfillment_channel,
        "OrderType": "StandardOrder",
        "NumberOfItemsShipped": sum(i.quantity_shipped for i in order.items),
        "NumberOfItemsUnshipped": sum(i.quantity_unshipped for i in order.items),
        "OrderItems": items,
    }
    if order.latest_ship_date is not None:
        summary["EarliestShipDate"] = iso(order.purchase_date)
        summary["LatestShipDate"] = iso(order.latest_ship_date)
    return {
        "NotificationLevel": "OrderLevel",
        "SellerId": sim.seller_id,
        "AmazonOrderId": order.order_id,
        "OrderChangeType": change_type,
        "OrderChangeTrigger": {"TimeOfOrderChange": iso(sim.now()), "ChangeReason": reason},
        "Summary": summary,
    }


def _test_change(sim: SimulatorCore) -> dict[str, Any]:
    now = iso(sim.now())
    return {
        "NotificationLevel": "OrderLevel",
        "SellerId": sim.seller_id,
        "AmazonOrderId": _TEST_ORDER_ID,
        "OrderChangeType": "OrderStatusChange",
        "OrderChangeTrigger": {"TimeOfOrderChange": now, "ChangeReason": "Test notification"},
        "Summary": {
            "MarketplaceId": sim.world.marketplace_id,
            "OrderStatus": "Unshipped",
            "PurchaseDate": now,
            "DestinationPostalCode": "98101",
            "FulfillmentType": "MFN",
            "OrderType": "StandardOrder",
            "OrderItems": [],
        },
    }


def _envelope(sim: SimulatorCore, change: dict[str, Any], *, subscription_id: str) -> dict[str, Any]:
    now = iso(sim.now())
    return {
        "NotificationVersion": "1.0",
        "NotificationType": ORDER_CHANGE,
        "PayloadVersion": "1.0",
        "EventTime": now,
        "Payload": {"OrderChangeNotification": change},
        "NotificationMetadata": {
            "ApplicationId": sim.application_id,
            "SubscriptionId": subscription_id,
            "PublishTime": now,
            "NotificationId": str(uuid.UUID(int=sim.delivery_rng.getrandbits(128), version=4)),
        },
    }


def _passes(subscription: SimSubscription, order: SimOrder, change_type: str) -> bool:
    event_filter = (subscription.processing_directive or {}).get("eventFilter") or {}
    types = event_filter.get("orderChangeTypes")
    markets = event_filter.get("marketplaceIds")
    return (not types or change_type in types) and (not markets or order.marketplace_id in markets)


def _schedule(sim: SimulatorCore, message: dict[str, Any], queue_arn: str, *, order_id: str, change_type: str) -> None:
    """Draw the message's fate (``DeliveryFaults``) and put its copies in the outbox."""
    faults, rng, now = sim.delivery_faults, sim.delivery_rng, sim.now()
    body = json.dumps(message, separators=(",", ":"))
    dropped = rng.random() < faults.drop
    reordered = not dropped and rng.random() < faults.reorder
    copies = 0 if dropped else rng.randint(*faults.duplicates)
    notification_id = message["NotificationMetadata"]["NotificationId"]
    sim.world.notifications.append(
        SimNotification(
            notification_id=notification_id,
            notification_type=ORDER_CHANGE,
            order_id=order_id,
            change_type=change_type,
            published_at=now,
            body=body,
            queue_arn=queue_arn,
            copies=copies,
            dropped=dropped,
            reordered=reordered,
        )
    )
    hold = faults.hold if reordered else 0.0
    index = len(sim.world.notifications)
    for n in range(copies):
        seconds = (rng.uniform(*faults.delay) + hold) / sim.scale  # Amazon's seconds, at the simulator's pace
        sim.world.outbox.append(
            SimOutgoing(
                due=now + timedelta(seconds=seconds),
                seq=index * 10_000 + n,
                notification_id=notification_id,
                queue_arn=queue_arn,
                body=body,
            )
        )


def publish(sim: SimulatorCore, order: SimOrder, change_type: str, reason: str) -> SimNotification | None:
    """Amazon publishes an ``ORDER_CHANGE`` for ``order`` now, if the seller's subscription lets it through.

    Returns the notification (its copies scheduled, or dropped), or ``None`` when no subscription or filter
    wants it.
    """
    subscription = sim.world.subscriptions.get(ORDER_CHANGE)
    if subscription is None or not _passes(subscription, order, change_type):
        return None
    destination = sim.world.destinations.get(subscription.destination_id)
    if destination is None:
        return None
    message = _envelope(
        sim, order_change(sim, order, change_type, reason), subscription_id=subscription.subscription_id
    )
    _schedule(sim, message, destination.sqs_arn, order_id=order.order_id, change_type=change_type)
    deliver_due(sim)
    return sim.world.notifications[-1]


def request_cancellation(
    sim: SimulatorCore,
    order_id: str,
    *,
    reason: str = "Changed mind about purchase",
    order_item_ids: list[str] | None = None,
) -> SimOrder:
    """A buyer asks to cancel ``order_id`` now: both Orders APIs show it, and ``ORDER_CHANGE`` is published.

    Every item (or those named) gets ``IsBuyerRequestedCancel`` with ``reason``; ``LastUpdateDate`` moves to
    now. ``KeyError`` for an unknown order or item; ``ValueError`` for an order that is already cancelled.
    """
    order = sim.world.orders[order_id]
    if order.status == "Canceled":
        raise ValueError(f"order {order_id} is already cancelled")
    chosen = order.items if order_item_ids is None else [order.item(i) for i in order_item_ids]
    for item in chosen:
        if item is None:
            raise KeyError(f"order {order_id} has no such item")
        item.buyer_requested_cancel = True
        item.buyer_cancel_reason = reason
    order.buyer_requested_at = sim.now()
    order.last_update_date = sim.now()
    publish(sim, order, "BuyerRequestedChange", "Buyer Requested Cancel")
    return order


def deliver_due(sim: SimulatorCore, *, raise_errors: bool = False) -> int:
    """Send every copy whose time has come, earliest first; return how many were sent.

    Without a sender (no SQS connected) copies wait. A copy the sender fails to send stays for the next try;
    the failure stops this round and is raised only with ``raise_errors`` (a test asking to deliver): Amazon's
    API answers whatever its delivery does.
    """
    sender = sim.notification_sender
    if sender is None or not sim.world.outbox:
        return 0
    now = sim.now()
    due = sorted((o for o in sim.world.outbox if o.due <= now), key=lambda o: (o.due, o.seq))
    sent = 0
    by_id = {n.notification_id: n for n in sim.world.notifications}
    for outgoing in due:
        try:
            sender(outgoing.queue_arn, outgoing.body)
        except Exception:
            if raise_errors:
                raise
            break  # kept in the outbox; the next request or deliver_notifications tries again
        sim.world.outbox.remove(outgoing)
        sent += 1
        found = by_id.get(outgoing.notification_id)
        if found is not None:
            found.delivered += 1
    return sent


def publish_status_changes(sim: SimulatorCore) -> int:
    """Publish an ``OrderStatusChange`` for each order whose status changed since the last look; how many.

    However the status changed (a seller's feed, ``cancelOrder``, a shipment, Amazon on its own), as Amazon
    publishes a change of status. Nothing is looked at while the seller has no ``ORDER_CHANGE`` subscription.
    """
    if ORDER_CHANGE not in sim.world.subscriptions:
        return 0
    seen = sim.world.notified_status
    published = 0
    for order in sim.world.orders.values():
        before = seen.get(order.order_id)
        if before == order.status:
            continue
        seen[order.order_id] = order.status
        if before is not None:  # an order added since is recorded, not published (a test made it)
            publish(sim, order, "OrderStatusChange", "Order status changed")
            published += 1
    return published


def tick(sim: SimulatorCore) -> None:
    """At every request: publish status changes, deliver what is due (Amazon acts on its own time)."""
    publish_status_changes(sim)
    deliver_due(sim)


def register(router: Router) -> None:
    """Add the Notifications v1 routes (the test notification before the by-id path it would match)."""
    base = "/notifications/v1"
    router.add("GET", f"{base}/destinations", "notifications.getDestinations", get_destinations)
    router.add("POST", f"{base}/destinations", "notifications.createDestination", create_destination)
    router.add("GET", f"{base}/destinations/{{destinationId}}", "notifications.getDestination", get_destination)
    router.add(
        "DELETE", f"{base}/destinations/{{destinationId}}", "notifications.deleteDestination", delete_destination
    )
    router.add(
        "POST",
        f"{base}/subscriptions/{{notificationType}}/testNotification",
        "notifications.sendTestNotification",
        send_test_notification,
    )
    router.add("GET", f"{base}/subscriptions/{{notificationType}}", "notifications.getSubscription", get_subscription)
    router.add(
        "POST", f"{base}/subscriptions/{{notificationType}}", "notifications.createSubscription", create_subscription
    )
    router.add(
        "GET",
        f"{base}/subscriptions/{{notificationType}}/{{subscriptionId}}",
        "notifications.getSubscriptionById",
        get_subscription_by_id,
    )
    router.add(
        "DELETE",
        f"{base}/subscriptions/{{notificationType}}/{{subscriptionId}}",
        "notifications.deleteSubscriptionById",
        delete_subscription_by_id,
    )
