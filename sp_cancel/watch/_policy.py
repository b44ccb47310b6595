"""What the watch does with a buyer's request: ``WatchPolicy``, and each ``Decision`` with its reason and codec."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from sp_cancel.clock import parse_time
from sp_cancel.errors import InvalidInputError
from sp_cancel.models import Fulfillment
from sp_cancel.orders import Order, OrderState

__all__ = ["Decision", "DecisionKind", "Hold", "WatchPolicy", "decide"]

Hold = Callable[[Order], "str | None"]
"""The seller's warehouse system, asked right before an accept: a reason to hold the order (a label bought, a
pick started), or ``None`` to let the cancel go."""


class DecisionKind(enum.StrEnum):
    """How the watch answered one event (``sp-cancel watch status`` lists them)."""

    ACCEPTED = "accepted"  # BuyerCanceled sent through the cancel pipeline
    WOULD_ACCEPT = "would_accept"  # dry run: nothing sent
    SHIPPED = "shipped"  # shipped or partly shipped: not a cancel any more (refuse delivery / return path)
    HELD = "held"  # the hold hook (label bought, pick started...) kept it
    TOO_OLD = "too_old"  # older than the policy's age limit
    OTHER_MARKETPLACE = "other_marketplace"  # not one of the policy's marketplaces
    NOT_OURS = "not_ours"  # Amazon-fulfilled: the seller cannot cancel it
    NO_REQUEST = "no_request"  # read again, the order shows no open request (withdrawn, already cancelled)
    SYSTEM_CANCELLED = "system_cancelled"  # Amazon cancelled the order itself: reported
    CANCELLED = "cancelled"  # cancelled by the seller or the buyer: noted, nothing to do
    FAILED = "failed"  # the accept was refused or failed: the reason says why


@attrs.frozen(kw_only=True)
class Decision:
    """One answer of the watch, journaled with its reason (one per order and kind of event).

    Attributes:
        kind: what was decided.
        reason: why, in words a seller can act on.
        seller_id: whose order.
        order_id: the order.
        source: where the event came from first (``sqs`` or ``sweep``).
        notification_id: the notification that brought it, when it came from SQS.
        requested_at: when the order changed (the buyer asked, Amazon cancelled).
        decided_at: when the watch decided (the watch's clock).
        outcome: the cancel pipeline's status for an accept (``CONFIRMED``...), else ``None``.
    """

    kind: DecisionKind = attrs.field(converter=DecisionKind)
    reason: str
    seller_id: str
    order_id: str
    source: str
    notification_id: str | None = None
    requested_at: datetime | None = None
    decided_at: datetime | None = None
    outcome: str | None = None

    @property
    def lag(self) -> timedelta | None:
        """From the change to the decision, when both are known."""
        if self.requested_at is None or self.decided_at is None:
            return None
        return self.decided_at - self.requested_at

    def to_json(self) -> dict[str, Any]:
        """The JSON form the journal keeps as the entry's outcome."""
        return {
            "decision": self.kind.value,
            "reason": self.reason,
            "seller_id": self.seller_id,
            "order_id": self.order_id,
            "source": self.source,
            "notification_id": self.notification_id,
            "requested_at": None if self.requested_at is None else self.requested_at.isoformat(),
            "decided_at": None if self.decided_at is None else self.decided_at.isoformat(),
            "outcome": self.outcome,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Decision:
        """Read back ``to_json``'s form."""
        return cls(
            kind=data["decision"],
            reason=str(data["reason"]),
            seller_id=str(data["seller_id"]),
            order_id=str(data["order_id"]),
            source=str(data["source"]),
            notification_id=data.get("notification_id"),
            requested_at=parse_time(data.get("requested_at")),
            decided_at=parse_time(data.get("decided_at")),
            outcome=data.get("outcome"),
        )


def _marketplaces(value: Iterable[str] | None) -> frozenset[str] | None:
    given: object = value
    if given is None:
        return None
    if isinstance(given, str) or not isinstance(given, Iterable):
        raise InvalidInputError("marketplaces must be a list of marketplace ids, not one string", field="marketplaces")
    found = frozenset(given)
    if not found or not all(isinstance(m, str) and m for m in found):
        raise InvalidInputError(f"marketplaces must be non-empty marketplace ids, got {value!r}", field="marketplaces")
    return found


def _max_age(_: object, __: object, value: timedelta | None) -> None:
    given: object = value
    if given is not None and (not isinstance(given, timedelta) or given <= timedelta(0)):
        raise InvalidInputError(f"max_age must be a positive timedelta or None, got {value!r}", field="max_age")


def _hold(_: object, __: object, value: Hold | None) -> None:
    given: object = value
    if given is not None and not callable(given):
        raise InvalidInputError(f"hold must be a callable (order -> reason or None), got {value!r}", field="hold")


def _flag(_: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidInputError(f"{attribute.name} must be True or False, got {value!r}", field=attribute.name)


@attrs.frozen(kw_only=True)
class WatchPolicy:
    """What the watch may do on the seller's behalf (checked whole when built).

    Attributes:
        accept: accept buyer requests for unshipped orders (``False``: only journal and report them).
        max_age: requests older than this (from the change to now) are left to a person (``None``: no limit).
        marketplaces: only orders of these marketplace ids (``None``: every marketplace).
        dry_run: decide and journal, send nothing (the decision says ``would_accept``).
        hold: asked with the order read again right before an accept; a reason to keep it (a shipping label
            bought, a pick started) holds it. A hook that raises holds it too: an accept is never sent on doubt.

    Shipped and partly shipped orders are never cancelled: the decision is ``shipped``, for the seller to
    answer through the return path (or have the buyer refuse delivery).

    Raises:
        InvalidInputError: a setting of the wrong type or range, before anything runs.
    """

    accept: bool = attrs.field(default=True, validator=_flag)
    max_age: timedelta | None = attrs.field(default=None, validator=_max_age)
    marketplaces: frozenset[str] | None = attrs.field(default=None, converter=_marketplaces)
    dry_run: bool = attrs.field(default=False, validator=_flag)
    hold: Hold | None = attrs.field(default=None, validator=_hold, eq=False)


def _ask_hold(hold: Hold, order: Order) -> str | None:
    try:
        answer = hold(order)
    except Exception as exc:  # noqa: BLE001 - any failure of the seller's hook holds the order
        return f"the hold hook failed ({type(exc).__name__}: {exc}): held, never accepted on doubt"
    return None if answer is None else str(answer) or "held by the hold hook"


def decide(  # noqa: PLR0911 - one return per rule, in the order the rules apply
    policy: WatchPolicy, order: Order, *, requested_at: datetime | None, now: datetime
) -> tuple[DecisionKind, str]:
    """What the policy says for a buyer's request on ``order`` as just read (before anything is sent)."""
    if policy.marketplaces is not None and order.marketplace_id not in policy.marketplaces:
        return DecisionKind.OTHER_MARKETPLACE, f"marketplace {order.marketplace_id} is not watched by the policy"
    if order.channel is Fulfillment.AFN:
        return DecisionKind.NOT_OURS, "Amazon-fulfilled: Amazon handles the buyer's request"
    if order.status in {OrderState.SHIPPED, OrderState.PARTIALLY_SHIPPED} or any(
        i.quantity_shipped > 0 for i in order.items
    ):
        return (
            DecisionKind.SHIPPED,
            (
                f"order is {order.status}: too late to cancel; answer the buyer through the return path "
                "(or let them refuse the delivery)"
            ),
        )
    if order.status is not OrderState.UNSHIPPED or not order.buyer_requested_cancel:
        return DecisionKind.NO_REQUEST, f"read again, order is {order.status} with no open buyer request"
    if policy.max_age is not None and requested_at is not None and now - requested_at > policy.max_age:
        return DecisionKind.TOO_OLD, f"requested {now - requested_at} ago, over the policy's limit {policy.max_age}"
    if policy.hold is not None:
        held = _ask_hold(policy.hold, order)
        if held is not None:
            return DecisionKind.HELD, held
    if not policy.accept:
        return DecisionKind.HELD, "the policy accepts nothing (accept=False): left to a person"
    if policy.dry_run:
        return DecisionKind.WOULD_ACCEPT, "dry run: would accept the buyer's request (BuyerCanceled)"
    return DecisionKind.ACCEPTED, "unshipped, requested by the buyer: accepted (BuyerCanceled)"
