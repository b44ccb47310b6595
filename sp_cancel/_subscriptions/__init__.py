"""The Notifications API intent: ``client.notifications`` (set up ``ORDER_CHANGE`` delivery, check it).

``setup`` gets or creates the destination and the subscription; ``check`` says why notifications would not
arrive (a FIFO queue, the wrong region, a missing queue-policy or KMS grant). ``Notifications`` is the resource
``SellerClient.notifications`` returns: its methods check their arguments, then delegate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sp_cancel._runtime.context import Context
from sp_cancel._subscriptions.check import AMAZON_NOTIFICATION_PRINCIPAL, QueueFinding, read_queue
from sp_cancel._subscriptions.setup import (
    ORDER_CHANGE,
    ORDER_CHANGE_TYPES,
    NotificationSetup,
    check_change_types,
    endpoint_region,
    ensure,
    parse_queue_arn,
)
from sp_cancel.errors import ApiError, InvalidInputError, NotFoundError
from sp_cancel.transport import Destination, Subscription

__all__ = ["AMAZON_NOTIFICATION_PRINCIPAL", "NotificationSetup", "Notifications", "QueueFinding"]


def _production(endpoint: str) -> bool:
    """Amazon's production hosts (``sellingpartnerapi-xx.amazon.com`` without ``sandbox.``)."""
    host = endpoint.split("://", 1)[-1].split("/", 1)[0]
    return host.startswith("sellingpartnerapi-") and host.endswith(".amazon.com")


class Notifications:
    """``client.notifications``: the seller's ``ORDER_CHANGE`` delivery to an SQS queue (Notifications API v1).

    Destinations are the application's and grantless (a client-credentials token with scope
    ``sellingpartnerapi::notifications``, fetched and cached by the client); the subscription is the seller's.
    """

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    @property
    def region(self) -> str:
        """The AWS region this endpoint's notifications come from (where the queue must be)."""
        return endpoint_region(self._ctx.api.endpoint, self._ctx.marketplace_id)

    def _arn(self, queue_arn: object) -> str:
        region, _, _ = parse_queue_arn(queue_arn)
        if region != self.region:
            raise InvalidInputError(
                f"the queue is in {region}, but notifications for {self._ctx.api.endpoint} come from {self.region}: "
                f"create the queue in {self.region} (nothing was sent)",
                field="queue_arn",
            )
        return str(queue_arn)

    def ensure(
        self,
        queue_arn: str,
        *,
        order_change_types: Sequence[str] = ORDER_CHANGE_TYPES,
        marketplace_ids: Sequence[str] | None = None,
        destination_name: str = "sp-cancel",
        replace: bool = False,
    ) -> NotificationSetup:
        """Get or create the destination for ``queue_arn`` and the seller's ``ORDER_CHANGE`` subscription to it.

        Safe to repeat, from any number of processes: what exists is found and reused (a 409 from Amazon means
        "exists"), and a create whose answer was lost is read back, never sent twice blindly. The subscription
        carries a ``processingDirective`` whose ``eventFilter`` lists ``order_change_types`` (Amazon refuses an
        ``ORDER_CHANGE`` subscription without one).

        Args:
            queue_arn: a standard SQS queue's ARN, in this endpoint's AWS region (``region``).
            order_change_types: Amazon's ``orderChangeTypes`` to deliver; by default ``BuyerRequestedChange``
                and ``OrderStatusChange`` (buyer requests, and Amazon's own cancellations).
            marketplace_ids: deliver only these marketplaces' changes (``None``: every marketplace).
            destination_name: the name of a destination this call creates.
            replace: replace a subscription that delivers to another destination or filters out a change type
                asked for (``False``: that is an error, and nothing changes).

        Raises:
            InvalidInputError: before any request: not an SQS queue ARN, a FIFO queue, a queue in another region
                than the endpoint's, an unknown change type; after reading: an existing subscription that
                differs, without ``replace``.
            ApiError: Amazon refused a call (e.g. ``AuthError`` when the application lacks the Notifications role).
        """
        arn = self._arn(queue_arn)
        types = check_change_types(order_change_types)
        markets: tuple[str, ...] = ()
        if marketplace_ids is not None:
            given: object = marketplace_ids
            items: list[object] = [given] if isinstance(given, str) else list(marketplace_ids)
            if isinstance(given, str) or not all(isinstance(m, str) and m for m in items):
                raise InvalidInputError("marketplace_ids must be a list of marketplace ids", field="marketplace_ids")
            markets = tuple(str(m) for m in items)
        name: object = destination_name
        if not isinstance(name, str) or not 1 <= len(name) <= 256:
            raise InvalidInputError("destination_name must be 1 to 256 characters", field="destination_name")
        return ensure(
            self._ctx,
            queue_arn=arn,
            order_change_types=types,
            marketplace_ids=markets,
            destination_name=destination_name,
            replace=bool(replace),
        )

    def destinations(self) -> tuple[Destination, ...]:
        """Every destination of the application (``getDestinations``, grantless)."""
        return self._ctx.api.get_destinations()

    def subscription(self) -> Subscription | None:
        """The seller's ``ORDER_CHANGE`` subscription, or ``None`` when there is none."""
        try:
            return self._ctx.api.get_subscription(ORDER_CHANGE)
        except NotFoundError:
            return None

    def check(self, queue_arn: str, *, sqs: Any, kms: Any | None = None, send_test: bool = True) -> list[QueueFinding]:
        """Say why ``ORDER_CHANGE`` notifications would not reach ``queue_arn``; nothing is changed.

        Reads the queue's attributes (and its KMS key's policy) with the boto3 clients given, then asks Amazon
        for the destination and subscription. A FIFO queue, another region than the endpoint's, a queue policy
        or KMS key policy without Amazon's notification principal ``437568002678``, no destination or no
        subscription to it are problems. Where the API offers it (a sandbox or a simulator: Amazon's
        production refuses ``sendTestNotification``) a test notification is sent to the destination.

        Args:
            queue_arn: the SQS queue's ARN.
            sqs: a boto3 SQS client (``boto3.client("sqs", region_name=...)``).
            kms: a boto3 KMS client to read a KMS-encrypted queue's key policy (``None``: not checked).
            send_test: send Amazon's test notification where the API offers it.

        Raises:
            InvalidInputError: ``queue_arn`` is not an SQS queue ARN (nothing is read).
        """
        parse_queue_arn(queue_arn, allow_fifo=True)  # a FIFO queue is a finding here, not an input error
        arn = str(queue_arn)
        findings = read_queue(queue_arn=arn, expected_region=self.region, sqs=sqs, kms=kms)
        findings.extend(self._amazon_side(arn, send_test=send_test))
        return findings

    def _amazon_side(self, arn: str, *, send_test: bool) -> list[QueueFinding]:
        try:
            destination = next((d for d in self._ctx.api.get_destinations() if d.sqs_arn == arn), None)
            subscription = self.subscription()
        except ApiError as exc:
            return [QueueFinding(check="destination", status="skipped", message=f"Amazon refused to say: {exc}")]
        if destination is None:
            return [
                QueueFinding(
                    check="destination",
                    status="problem",
                    message="no destination for this queue: run `sp-cancel notifications setup --queue-arn ...`",
                )
            ]
        findings = [QueueFinding(check="destination", status="ok", message=f"destination {destination.destination_id}")]
        if subscription is None or subscription.destination_id != destination.destination_id:
            where = "none" if subscription is None else f"it delivers to {subscription.destination_id}"
            findings.append(
                QueueFinding(
                    check="subscription",
                    status="problem",
                    message=f"the seller's ORDER_CHANGE subscription does not deliver here ({where}): "
                    "run `sp-cancel notifications setup --queue-arn ...`",
                )
            )
        else:
            types = subscription.event_filter.order_change_types if subscription.event_filter else ()
            findings.append(
                QueueFinding(
                    check="subscription",
                    status="ok",
                    message=f"subscription {subscription.subscription_id} delivers {', '.join(types) or 'every type'}",
                )
            )
        findings.append(self._test(destination, send_test=send_test))
        return findings

    def _test(self, destination: Destination, *, send_test: bool) -> QueueFinding:
        if not send_test:
            return QueueFinding(check="test_notification", status="skipped", message="not asked")
        if _production(self._ctx.api.endpoint):
            return QueueFinding(
                check="test_notification",
                status="skipped",
                message="Amazon offers sendTestNotification on its sandbox only; in production the first real "
                "ORDER_CHANGE proves delivery",
            )
        try:
            self._ctx.api.send_test_notification(ORDER_CHANGE, destination_id=destination.destination_id)
        except ApiError as exc:
            return QueueFinding(check="test_notification", status="problem", message=f"refused: {exc}")
        return QueueFinding(
            check="test_notification",
            status="ok",
            message=f"sent to destination {destination.destination_id}: it should arrive in the queue",
        )
