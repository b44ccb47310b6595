"""Sending a journaled refund exactly once: the local lead, the feed, and recovery of lost feed ids.

A submission whose feed id is unknown (a crash, or an ambiguous ``createFeed``) is settled by
``settle.settle_uncertain``; ``resend`` sends it again once that proves no feed of it exists.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import sp_cancel._events as events
from sp_cancel.errors import ApiError, InvalidInputError, OutcomeUnknownError, SpCancelError
from sp_cancel.feeds import FEED_TYPE_PAYMENT_ADJUSTMENT, XML_CONTENT_TYPE
from sp_cancel.feeds.adjustment import AdjustedItem, AdjustmentMessage, build_adjustment_feed
from sp_cancel.journal import JournalError, LeaseLostError
from sp_cancel.logging import get_logger
from sp_cancel.models import Money, PriceComponent

if TYPE_CHECKING:
    from sp_cancel._runtime import Context
    from sp_cancel.journal import Entry

__all__ = [
    "KIND",
    "LOCAL",
    "SEND_LEASE",
    "Released",
    "await_plan",
    "journal_key",
    "reread",
    "resend",
    "send",
]

KIND: Final = "refund"
# How long a submission may take between journaling and learning its feed id (limiter waits for
# createFeed's 1-per-2-minutes plan, retries within the retry budget, a getFeeds recovery). Past it,
# a submission with no feed id and no feed at Amazon is taken as abandoned by a dead process.
SEND_LEASE: Final = timedelta(minutes=30)
# Between looks for a feed another process may still be creating (getFeeds allows one per 45 s).
_PLAN_WAIT: Final = 600.0
_log = get_logger()


class Released(Exception):  # noqa: N818 - internal control flow, never leaves this module
    """The journal entry vanished (its planner released it, nothing sent): plan again."""


class _LocalSends:
    """Same-key calls inside one process take turns (one leader per journal and key).

    The journal's lease protects against other processes; inside a process a waiting thread
    must not judge a live sender by the clock (a fake clock can jump past any lease).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: dict[tuple[object, str], threading.Event] = {}

    @contextmanager
    def lead(self, journal: object, key: str) -> Iterator[None]:
        """Hold the lead for ``key`` in ``journal``; wait while another thread of this process holds it."""
        path = getattr(journal, "path", None)
        ident: tuple[object, str] = (path if path and path != ":memory:" else id(journal), key)
        while True:
            with self._lock:
                busy = self._busy.get(ident)
                if busy is None:
                    mine = self._busy[ident] = threading.Event()
                    break
            busy.wait()
        try:
            yield
        finally:
            with self._lock:
                del self._busy[ident]
            mine.set()


LOCAL: Final = _LocalSends()  # process-wide by nature: it coordinates the threads of this process


def journal_key(idempotency_key: str) -> str:
    """The journal key (and ``submission_id``) of a refund's idempotency key."""
    return f"{KIND}:{idempotency_key}"


def _document(seller_id: str, payload: Mapping[str, Any]) -> bytes:
    currency = payload["currency"]
    messages = [
        AdjustmentMessage(
            message_id=item["message_id"],
            order_id=payload["order_id"],
            items=(
                AdjustedItem(
                    order_item_id=item["order_item_id"],
                    merchant_adjustment_item_id=item["adjustment_id"],
                    reason=payload["reason"],
                    components=[
                        (PriceComponent(c), Money(amount=Decimal(a), currency=currency))
                        for c, a in item["components"].items()
                    ],
                    quantity=item.get("quantity"),
                ),
            ),
        )
        for item in payload["items"]
    ]
    return build_adjustment_feed(seller_id, messages)


def _nothing_sent(exc: BaseException) -> bool:
    """Whether a failed submission certainly created no feed (so its journal entry may be dropped)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OutcomeUnknownError):
            return False
        seen = seen.__cause__ or seen.__context__
    if not isinstance(exc, ApiError):
        return False
    return exc.operation == "createFeed"


def send(ctx: Context, entry: Entry) -> Entry:
    """Submit a planned refund we hold the lease of; if it certainly reached nobody, drop the plan.

    Raises:
        Released: another worker took the lease over (follow its submission instead).
    """
    payload = entry.payload
    try:
        document = _document(ctx.seller_id, payload)
        feed_id = ctx.runner.submit(
            feed_type=FEED_TYPE_PAYMENT_ADJUSTMENT,
            content_type=XML_CONTENT_TYPE,
            document=document,
            message_ids={entry.key: 1},
            marketplace_ids=[payload.get("marketplace_id") or ctx.marketplace_id],
            owner=entry.owner,
        )
    except LeaseLostError:
        raise Released(entry.key) from None
    except (SpCancelError, ValueError) as exc:
        current = ctx.journal.get(entry.key)
        if current is not None and current.feed_id is None:
            if current.state == "planned" and current.owner == entry.owner:
                ctx.journal.release(entry.key, owner=entry.owner)  # nothing reached Amazon
            elif current.state == "submitted" and _nothing_sent(exc):
                ctx.journal.release(entry.key)  # createFeed refused outright: no feed exists
        raise
    if feed_id is not None:  # None: createFeed's answer was lost and a feed that may be ours exists
        _log.info(events.REFUND_SUBMITTED, order_id=payload["order_id"], feed_id=feed_id, key=entry.key)
    return reread(ctx, entry.key)


def reread(ctx: Context, key: str) -> Entry:
    entry = ctx.journal.get(key)
    if entry is None:
        raise Released(key)
    return entry


def resend(ctx: Context, entry: Entry) -> Entry:
    """An abandoned submission Amazon has no feed for: plan it again and send it (one caller wins)."""
    try:
        ctx.journal.release(entry.key, owner=entry.owner)
    except (LeaseLostError, JournalError):
        return reread(ctx, entry.key)  # another worker is already on it
    new, created = ctx.journal.plan(entry.key, kind=KIND, target=entry.target, payload=entry.payload)
    if not created:
        return new
    _log.warning(events.JOURNAL_RESUMED, key=entry.key, action="resend", reason="no feed at Amazon")
    return send(ctx, new)


def await_plan(ctx: Context, entry: Entry, *, may_send: bool) -> Entry:
    """Another process planned this key: wait until it sends, or take over its expired lease."""
    while entry.state == "planned":
        changed = ctx.journal.wait_for_change(entry.key, timeout=_PLAN_WAIT, poll=1.0, sleep=ctx.sleep)
        if changed is None:
            raise Released(entry.key)
        if changed.state != "planned":
            return changed
        if not may_send:
            ctx.journal.release(entry.key, owner=changed.owner)
            raise InvalidInputError(
                f"refund {entry.key} was never sent (its process stopped before sending); call partial_refund again",
                field="outcome",
            )
        taken = ctx.journal.take_over(entry.key)
        if taken is not None:
            return send(ctx, taken)
        entry = reread(ctx, entry.key)
    return entry
