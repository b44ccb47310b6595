"""The one dedupe: each (seller, order, kind of event) is one journal entry, planned atomically, decided once.

Ten deliveries of a notification, a sweep that finds the same request and a second watcher on another host
all ``plan`` the same key; the journal's transaction lets exactly one create it. The creator decides and
marks it done with the ``Decision`` (its reason); the others drop the event as a duplicate. A watcher killed
while deciding leaves the entry planned under its lease: another takes it over once its process is gone or
its lease runs out, and decides it (the accept itself is the cancel pipeline's own journaled submission, so
a second attempt sends no second cancel, and an order its accept already cancelled is recorded as that accept).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import attrs

from sp_cancel._runtime.claims import stale_claim
from sp_cancel.journal import Entry, JournalLike
from sp_cancel.watch._events import WatchEvent
from sp_cancel.watch._policy import Decision

__all__ = ["KIND", "LEASE_SECONDS", "Claim", "claim", "decision_key", "decisions", "seller_target", "stuck"]

KIND: Final = "watch_decision"
LEASE_SECONDS: Final = 600.0  # an accept re-reads the order and submits a feed; far less than this


def decision_key(event: WatchEvent) -> str:
    """The journal key of the decision on ``event``'s request: the same for every source and delivery."""
    return f"watch:{event.seller_id}:{event.kind.value}:{event.order_id}"


def seller_target(seller_id: str) -> str:
    """The journal target every decision of one seller shares (``find(KIND, target)`` lists them)."""
    return f"watch:{seller_id}"


@attrs.frozen(kw_only=True)
class Claim:
    """What ``claim`` got: the entry to decide (``entry``), or why not (``duplicate``/``busy``)."""

    entry: Entry | None
    created: bool = False
    duplicate: bool = False
    busy: bool = False


def claim(journal: JournalLike, event: WatchEvent, *, now: datetime) -> Claim:
    """Plan ``event``'s decision; the caller decides it only when ``entry`` is set.

    ``duplicate``: already decided. ``busy``: another live watcher is deciding it now (the copy in hand may go:
    the plan, with the event, is in the journal). A plan whose watcher is provably gone (its process on this
    host ended, its lease ran out, or a call of this process failed before releasing it) is taken over.
    The caller holds this process's lead on the key (``LOCAL.lead``), so no other thread of it is deciding.
    """
    key = decision_key(event)
    entry, created = journal.plan(
        key, kind=KIND, target=seller_target(event.seller_id), payload=event.to_json(), lease_seconds=LEASE_SECONDS
    )
    if created:
        return Claim(entry=entry, created=True)
    if entry.finished:
        return Claim(entry=None, duplicate=True)
    stale = stale_claim(entry, now)
    if stale is None:
        return Claim(entry=None, busy=True)
    taken = journal.take_over(key, lease_seconds=LEASE_SECONDS, stale_owner=stale or None)
    if taken is None:
        return Claim(entry=None, busy=True)
    return Claim(entry=taken)


def stuck(journal: JournalLike, seller_id: str) -> list[WatchEvent]:
    """Events of ``seller_id`` whose decision a watcher started and never finished (planned still)."""
    target = seller_target(seller_id)
    return [
        WatchEvent.from_json(e.payload)
        for e in journal.unfinished()
        if e.kind == KIND and e.target == target and e.state == "planned"
    ]


def decisions(journal: JournalLike, seller_id: str, *, limit: int | None = None) -> list[Decision]:
    """The decisions journaled for ``seller_id``, newest first."""
    found = [Decision.from_json(e.outcome) for e in journal.find(KIND, seller_target(seller_id)) if e.outcome]
    return found if limit is None else found[:limit]
