"""Outcomes to and from JSON, so the journal can return an earlier outcome in any process."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sp_cancel._outcomes import (
    BuyerMessage,
    BuyerMessageStatus,
    CancelOutcome,
    CancelStatus,
    ListingIssue,
    ListingOutcome,
    ListingStatus,
    ProcessingMessage,
    RefundOutcome,
    RefundStatus,
)
from sp_cancel.models import CancelReason, ItemCancel, Money, PriceComponent

__all__ = [
    "buyer_message_from_json",
    "buyer_message_to_json",
    "cancel_from_json",
    "cancel_to_json",
    "listing_from_json",
    "listing_to_json",
    "messages_from_json",
    "messages_to_json",
    "refund_from_json",
    "refund_to_json",
]


def messages_to_json(messages: tuple[ProcessingMessage, ...]) -> list[dict[str, Any]]:
    """Serialise processing messages."""
    return [
        {
            "code": m.code,
            "severity": m.severity,
            "description": m.description,
            "message_id": m.message_id,
            "order_id": m.order_id,
            "order_item_id": m.order_item_id,
            "sku": m.sku,
        }
        for m in messages
    ]


def messages_from_json(data: list[Mapping[str, Any]]) -> tuple[ProcessingMessage, ...]:
    """Deserialise processing messages."""
    return tuple(ProcessingMessage(**dict(m)) for m in data)


def buyer_message_to_json(message: BuyerMessage) -> dict[str, Any]:
    """Serialise a ``BuyerMessage``."""
    return {
        "order_id": message.order_id,
        "status": message.status.value,
        "detail": message.detail,
        "submission_id": message.submission_id,
        "text": message.text,
    }


def buyer_message_from_json(data: Mapping[str, Any]) -> BuyerMessage:
    """Deserialise a ``BuyerMessage``."""
    return BuyerMessage(
        order_id=data["order_id"],
        status=BuyerMessageStatus(data["status"]),
        detail=data.get("detail"),
        submission_id=data.get("submission_id"),
        text=data.get("text") or "",
    )


def cancel_to_json(outcome: CancelOutcome) -> dict[str, Any]:
    """Serialise a ``CancelOutcome`` (its ``buyer_message`` too, when it has one)."""
    message = None if outcome.buyer_message is None else buyer_message_to_json(outcome.buyer_message)
    return {
        "order_id": outcome.order_id,
        "status": outcome.status.value,
        "reason": outcome.reason.value,
        "feed_id": outcome.feed_id,
        "submission_id": outcome.submission_id,
        "messages": messages_to_json(outcome.messages),
        "items": None
        if outcome.items is None
        else [{"order_item_id": i.order_item_id, "quantity": i.quantity} for i in outcome.items],
        "via": outcome.via,
        "detail": outcome.detail,
        "buyer_message": message,
    }


def cancel_from_json(data: Mapping[str, Any]) -> CancelOutcome:
    """Deserialise a ``CancelOutcome`` (an outcome journaled before ``buyer_message`` existed has none)."""
    items = data.get("items")
    message = data.get("buyer_message")
    return CancelOutcome(
        order_id=data["order_id"],
        status=CancelStatus(data["status"]),
        reason=CancelReason(data["reason"]),
        feed_id=data.get("feed_id"),
        submission_id=data.get("submission_id"),
        messages=messages_from_json(data.get("messages") or []),
        items=None if items is None else tuple(ItemCancel(**i) for i in items),
        via=data.get("via", "feed"),
        detail=data.get("detail"),
        buyer_message=None if message is None else buyer_message_from_json(message),
    )


def _amounts_to_json(amounts: Mapping[str, Mapping[PriceComponent, Money]]) -> dict[str, dict[str, list[str]]]:
    return {item: {c.value: [str(m.amount), m.currency] for c, m in comps.items()} for item, comps in amounts.items()}


def _amounts_from_json(data: Mapping[str, Mapping[str, list[str]]]) -> dict[str, dict[PriceComponent, Money]]:
    return {
        item: {PriceComponent(c): Money(amount=Decimal(a), currency=cur) for c, (a, cur) in comps.items()}
        for item, comps in data.items()
    }


def refund_to_json(outcome: RefundOutcome) -> dict[str, Any]:
    """Serialise a ``RefundOutcome``."""
    return {
        "order_id": outcome.order_id,
        "status": outcome.status.value,
        "idempotency_key": outcome.idempotency_key,
        "amounts": _amounts_to_json(outcome.amounts),
        "feed_id": outcome.feed_id,
        "messages": messages_to_json(outcome.messages),
        "item_status": {k: v.value for k, v in outcome.item_status.items()},
        "submission_id": outcome.submission_id,
        "detail": outcome.detail,
    }


def refund_from_json(data: Mapping[str, Any]) -> RefundOutcome:
    """Deserialise a ``RefundOutcome``."""
    return RefundOutcome(
        order_id=data["order_id"],
        status=RefundStatus(data["status"]),
        idempotency_key=data["idempotency_key"],
        amounts=_amounts_from_json(data["amounts"]),
        feed_id=data.get("feed_id"),
        messages=messages_from_json(data.get("messages") or []),
        item_status={k: RefundStatus(v) for k, v in (data.get("item_status") or {}).items()},
        submission_id=data.get("submission_id"),
        detail=data.get("detail"),
    )


def listing_to_json(outcome: ListingOutcome) -> dict[str, Any]:
    """Serialise a ``ListingOutcome``."""
    return {
        "sku": outcome.sku,
        "status": outcome.status.value,
        "submission_id": outcome.submission_id,
        "issues": [
            {"code": i.code, "message": i.message, "severity": i.severity, "attribute_names": list(i.attribute_names)}
            for i in outcome.issues
        ],
        "feed_id": outcome.feed_id,
        "detail": outcome.detail,
    }


def listing_from_json(data: Mapping[str, Any]) -> ListingOutcome:
    """Deserialise a ``ListingOutcome``."""
    return ListingOutcome(
        sku=data["sku"],
        status=ListingStatus(data["status"]),
        submission_id=data.get("submission_id"),
        issues=tuple(
            ListingIssue(
                code=i["code"],
                message=i["message"],
                severity=i["severity"],
                attribute_names=tuple(i.get("attribute_names") or ()),
            )
            for i in data.get("issues") or []
        ),
        feed_id=data.get("feed_id"),
        detail=data.get("detail"),
    )
