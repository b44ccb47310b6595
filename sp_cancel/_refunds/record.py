"""A refund in the journal: its key, its amounts, its outcomes, and how each ending is recorded.

One refund = one idempotency key = one journal entry per attempt (kind ``"refund"``), keyed
``refund:<idempotency key>``; an attempt Amazon showed no sign of (``NOT_SENT``) is journaled ``failed``,
and asking again makes the next attempt (``refund:<key>~2``...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Literal

import sp_cancel._events as events
from sp_cancel._refunds.outcomes import RefundOutcome, RefundStatus, refund_to_json
from sp_cancel._refunds.payload import RefundPayload
from sp_cancel.clock import human_duration
from sp_cancel.logging import get_logger

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context
    from sp_cancel.journal import Entry

__all__ = [
    "KIND",
    "Released",
    "journal_key",
    "make_outcome",
    "not_sent",
    "record",
    "reread",
    "unconfirmed",
]

KIND: Final = "refund"
_log = get_logger()


class Released(Exception):  # noqa: N818 - internal control flow, never leaves the package
    """The journal entry vanished (its planner released it, nothing sent): plan again."""


def journal_key(idempotency_key: str) -> str:
    """The journal key (and ``submission_id``) of a refund's idempotency key (its first attempt)."""
    return f"{KIND}:{idempotency_key}"


def reread(ctx: Context, key: str) -> Entry:
    """The entry as the journal holds it now (``Released`` if it is gone)."""
    entry = ctx.journal.get(key)
    if entry is None:
        raise Released(key)
    return entry


def make_outcome(entry: Entry, status: RefundStatus, **extra: Any) -> RefundOutcome:
    """The refund's outcome with ``status`` (and any other field in ``extra``)."""
    payload = RefundPayload.of_entry(entry)
    return RefundOutcome(
        order_id=payload.order_id,
        status=status,
        idempotency_key=payload.idempotency_key,
        amounts=payload.amounts,
        feed_id=extra.pop("feed_id", entry.feed_id),
        submission_id=entry.key,
        **extra,
    )


def record(ctx: Context, entry: Entry, outcome: RefundOutcome) -> RefundOutcome:
    """Journal how the refund ended: ``rejected``, ``failed`` (``NOT_SENT``) or ``done``."""
    state: Literal["done", "rejected", "failed"] = (
        "rejected"
        if outcome.status is RefundStatus.REJECTED
        else "failed"
        if outcome.status is RefundStatus.NOT_SENT
        else "done"
    )
    ctx.journal.mark_done(entry.key, state=state, outcome=refund_to_json(outcome))
    _log.info(
        events.REFUND_FINISHED,
        order_id=outcome.order_id,
        feed_id=outcome.feed_id,
        key=entry.key,
        status=outcome.status.value,
    )
    return outcome


def not_sent(ctx: Context, entry: Entry, detail: str) -> RefundOutcome:
    """Journal the attempt as not sent (``failed``): asking again sends the refund (the next attempt)."""
    _log.warning(events.SUBMISSION_NOT_SENT, key=entry.key, order_id=entry.target, detail=detail)
    return record(ctx, entry, make_outcome(entry, RefundStatus.NOT_SENT, detail=detail))


def unconfirmed(ctx: Context, entry: Entry, why: str) -> RefundOutcome:
    """The outcome of a refund that may have been sent and that Amazon has not shown yet (not journaled)."""
    _log.info(events.SUBMISSION_UNCONFIRMED, key=entry.key, order_id=entry.target, why=why)
    return make_outcome(
        entry,
        RefundStatus.UNCONFIRMED,
        detail=(
            f"{why}. It is never sent again on its own: client.refresh(outcome), verify_refund(outcome) and "
            f"resume() keep looking (feed search, processing report, Finances); if Amazon shows nothing for "
            f"{human_duration(ctx.horizon)} after it was sent, it becomes NOT_SENT and partial_refund sends it "
            "again. If Seller Central (Payments > Transactions) shows no such refund, "
            "client.declare_not_sent(outcome, by=...) settles it now."
        ),
    )
