"""What a refund returns, exported from ``sp_cancel``, and how the journal keeps it.

``RefundOutcome``, ``RefundVerification``; ``refund_to_json``/``refund_from_json`` for the journal.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs

from sp_cancel._outcomes import ProcessingMessage, from_json, to_json
from sp_cancel.models import Money, PriceComponent

__all__ = [
    "PostingStatus",
    "RefundOutcome",
    "RefundStatus",
    "RefundVerification",
    "refund_from_json",
    "refund_to_json",
]


class RefundStatus(enum.StrEnum):
    """What happened to a refund.

    ``APPLIED``/``PARTIALLY_APPLIED``: Amazon's processing report or its Finances API shows it. ``REJECTED``:
    Amazon refused it. ``SUBMITTED``: Amazon has the feed and is processing it. ``UNCONFIRMED``: possibly sent,
    Amazon has not shown it yet (the answer to ``createFeed`` was lost, or its report says nothing): not done,
    not failed; ``verify_refund``/``refresh``/``resume()`` keep looking, and it is **never** sent again on its
    own. ``NOT_SENT``: Amazon shows no sign of it after the seller's horizon (``unconfirmed_horizon``), an
    operator declared it not sent (``declare_not_sent``), or ``createFeed`` was refused outright: calling
    ``partial_refund`` again sends it.
    """

    APPLIED = "APPLIED"
    PARTIALLY_APPLIED = "PARTIALLY_APPLIED"
    REJECTED = "REJECTED"
    SUBMITTED = "SUBMITTED"
    UNCONFIRMED = "UNCONFIRMED"
    NOT_SENT = "NOT_SENT"


@attrs.resolve_types  # the journal codec reads the field types (_outcomes.to_json)
@attrs.frozen(kw_only=True)
class RefundOutcome:
    """The outcome of one partial refund (one idempotency key).

    Attributes:
        amounts: what was asked, per order item and component.
        item_status: Amazon's verdict per order item (APPLIED or REJECTED).
    """

    order_id: str
    status: RefundStatus = attrs.field(converter=RefundStatus)
    idempotency_key: str
    amounts: Mapping[str, Mapping[PriceComponent, Money]] = attrs.field(hash=False)
    feed_id: str | None = None
    messages: tuple[ProcessingMessage, ...] = ()
    item_status: Mapping[str, RefundStatus] = attrs.field(factory=dict, hash=False)
    submission_id: str | None = None
    detail: str | None = None

    @property
    def ok(self) -> bool:
        """True when Amazon applied the whole refund."""
        return self.status is RefundStatus.APPLIED


class PostingStatus(enum.StrEnum):
    """Whether Amazon's Finances API shows a refund yet."""

    POSTED = "POSTED"
    NOT_YET_POSTED = "NOT_YET_POSTED"
    PARTIALLY_POSTED = "PARTIALLY_POSTED"


@attrs.frozen(kw_only=True)
class RefundVerification:
    """Whether Amazon's Finances API shows a refund yet (it posts with up to 48 h delay).

    Attributes:
        status: ``POSTED`` (all amounts seen), ``NOT_YET_POSTED`` (none seen; not a failure),
            ``PARTIALLY_POSTED`` (some seen).
        posted: the refund amounts seen per order item and component (positive = to the buyer).
    """

    order_id: str
    idempotency_key: str
    status: PostingStatus = attrs.field(converter=PostingStatus)
    posted: Mapping[str, Mapping[PriceComponent, Money]] = attrs.field(hash=False)
    expected: Mapping[str, Mapping[PriceComponent, Money]] = attrs.field(hash=False)
    message: str = ""

    @property
    def is_posted(self) -> bool:
        """True when everything asked is visible in Finances."""
        return self.status is PostingStatus.POSTED


def refund_to_json(outcome: RefundOutcome) -> dict[str, Any]:
    """Serialise a ``RefundOutcome`` (each amount as ``[amount, currency]``, the amount a ``Decimal``'s text)."""
    return to_json(outcome)


def refund_from_json(data: Mapping[str, Any]) -> RefundOutcome:
    """Deserialise a ``RefundOutcome``."""
    return from_json(RefundOutcome, data)
