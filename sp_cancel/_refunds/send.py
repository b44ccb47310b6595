"""Sending a journaled refund at most once: the feed, what a failure leaves, and plans of other workers.

A refund is money: once ``createFeed`` may have gone out, it is never sent again on its own (``settle``
looks for it instead). Only a plan that certainly never reached Amazon is released or sent late.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import sp_cancel._events as events
from sp_cancel._refunds.payload import RefundPayload
from sp_cancel._refunds.record import Released, not_sent, reread
from sp_cancel._runtime.claims import claim_note, nothing_sent, release_plan, stale_claim
from sp_cancel.errors import InvalidInputError, SpCancelError
from sp_cancel.feeds import FEED_TYPE_PAYMENT_ADJUSTMENT, XML_CONTENT_TYPE
from sp_cancel.feeds.adjustment import AdjustedItem, AdjustmentMessage, build_adjustment_feed
from sp_cancel.journal import LeaseLostError
from sp_cancel.logging import get_logger

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context
    from sp_cancel.journal import Entry

__all__ = ["PlanHeld", "await_plan", "send", "take_stale"]

# Between looks for a plan another live process is sending (seconds on the client's clock).
_PLAN_WAIT: Final = 600.0
_log = get_logger()


class PlanHeld(Exception):  # noqa: N818 - internal control flow, never leaves the package
    """A live (or unknown) worker holds the plan; ``resume()`` reports it instead of waiting."""

    def __init__(self, entry: Entry) -> None:
        super().__init__(claim_note(entry))
        self.entry = entry


def _document(seller_id: str, payload: RefundPayload) -> bytes:
    messages = [
        AdjustmentMessage(
            message_id=item.message_id,
            order_id=payload.order_id,
            items=(
                AdjustedItem(
                    order_item_id=item.order_item_id,
                    merchant_adjustment_item_id=item.adjustment_id,
                    reason=payload.reason,
                    components=list(item.components.items()),
                    quantity=item.quantity,
                ),
            ),
        )
        for item in payload.items
    ]
    return build_adjustment_feed(seller_id, messages)


def _after_failure(ctx: Context, entry: Entry, exc: BaseException) -> None:
    """Leave the journal true after a failed send: drop a plan never sent; keep anything that may have been."""
    current = ctx.journal.get(entry.key)
    if current is None or current.finished or current.feed_id is not None:
        return
    if current.state == "planned" and current.owner == entry.owner:
        release_plan(ctx.journal, entry.key, entry.owner)  # failed before createFeed: nothing reached Amazon
    elif current.state == "submitted" and nothing_sent(exc):
        not_sent(ctx, current, f"Amazon refused createFeed, so no feed was created: {exc}")
    # Anything else (a lost answer, a journal failure after createFeed) stays submitted: it may have been sent.


def send(ctx: Context, entry: Entry) -> Entry:
    """Submit a planned refund whose lease we hold; return its entry as the journal holds it after.

    Raises:
        Released: another worker took the lease over (follow its submission instead).
    """
    payload = RefundPayload.of_entry(entry)
    try:
        document = _document(ctx.seller_id, payload)
        feed_id = ctx.runner.submit(
            feed_type=FEED_TYPE_PAYMENT_ADJUSTMENT,
            content_type=XML_CONTENT_TYPE,
            document=document,
            message_ids={entry.key: 1},
            marketplace_ids=[payload.marketplace_id or ctx.marketplace_id],
            owner=entry.owner,
        )
    except LeaseLostError:
        raise Released(entry.key) from None
    except (SpCancelError, ValueError) as exc:
        _after_failure(ctx, entry, exc)
        raise
    if feed_id is not None:  # None: createFeed's answer was lost; settle.settle_uncertain looks for it
        _log.info(events.REFUND_SUBMITTED, order_id=payload.order_id, feed_id=feed_id, key=entry.key)
    return reread(ctx, entry.key)


def take_stale(ctx: Context, entry: Entry) -> Entry | None:
    """Take over a plan whose worker is gone (expired lease, dead process, our own stale token); else ``None``."""
    stale = stale_claim(entry, ctx.clock.now())
    if stale is None:
        return None
    taken = ctx.journal.take_over(entry.key, stale_owner=stale or None)
    if taken is not None:
        _log.warning(events.JOURNAL_TAKEN_OVER, key=entry.key, previous_owner=entry.owner)
    return taken


def await_plan(ctx: Context, entry: Entry, *, may_send: bool, wait: bool = True) -> Entry:
    """Another worker planned this key: follow it once it sends, or take over its plan if that worker is gone.

    A plan whose worker is provably gone (its lease expired, its process on this host is dead, or it is this
    process's own stale token) is taken over at once and sent (``may_send``) or dropped (a refresh: the
    caller is told to ask again). A live or unknown worker is waited for (``wait``), or reported
    (``PlanHeld``, for ``resume()``).
    """
    while entry.state == "planned":
        taken = take_stale(ctx, entry)
        if taken is not None:
            if may_send:
                return send(ctx, taken)
            ctx.journal.release(entry.key, owner=taken.owner)
            raise InvalidInputError(
                f"refund {entry.key} was never sent (its process stopped before sending); call partial_refund again",
                field="outcome",
            )
        current = ctx.journal.get(entry.key)
        if current is None:
            raise Released(entry.key)
        if current.state != "planned":
            return current
        if stale_claim(current, ctx.clock.now()) is not None:
            entry = current
            continue  # the lease ran out or the holder died meanwhile: take it now
        if not wait:
            raise PlanHeld(current)
        changed = ctx.journal.wait_for_change(entry.key, timeout=_PLAN_WAIT, poll=1.0, sleep=ctx.sleep)
        if changed is None:
            raise Released(entry.key)
        entry = changed
    return entry
