"""What a workflow function needs from the client (``Context``), and the waits every workflow shares."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from sp_cancel._runtime.claims import sent_on_amazon_clock
from sp_cancel._runtime.feeds import SEARCH_POLL

if TYPE_CHECKING:
    from sp_cancel._runtime.feeds import FeedRunner
    from sp_cancel.clock import Clock, Sleep
    from sp_cancel.journal import Entry, JournalLike
    from sp_cancel.transport import SpApi

__all__ = ["Context", "past_horizon", "until_settled"]


@attrs.frozen(kw_only=True)
class Context:
    """The parts of a ``SellerClient`` the workflows use.

    ``horizon`` is the seller's ``unconfirmed_horizon``: how long, on Amazon's clock, a money-moving
    submission that may have been sent stays ``UNCONFIRMED`` before it is taken as not sent.
    """

    api: SpApi
    journal: JournalLike
    runner: FeedRunner
    clock: Clock
    sleep: Sleep
    seller_id: str
    marketplace_id: str
    horizon: timedelta = timedelta(hours=48)

    def amazon_now(self) -> datetime:
        """Amazon's time now (our clock plus the offset its ``Date`` headers show)."""
        return self.api.amazon_now()


def past_horizon(ctx: Context, entry: Entry) -> bool:
    """Whether the seller's horizon passed, on Amazon's clock, since ``entry`` may have been sent."""
    sent = sent_on_amazon_clock(entry)
    return sent is not None and ctx.amazon_now() - sent >= ctx.horizon


def until_settled(ctx: Context, entry: Entry, once: Callable[[Entry], Entry | None], *, timeout: float) -> Entry | None:
    """Repeat ``once`` (one search for an entry's lost feed) while the entry stays uncertain, up to ``timeout`` s.

    Returns what the last search returned: the entry, settled or still uncertain, or ``None`` when the search
    dropped it (nothing reached Amazon).
    """
    deadline = ctx.clock.monotonic() + timeout
    while True:
        current = once(entry)
        if current is None or not current.send_uncertain:
            return current
        remaining = deadline - ctx.clock.monotonic()
        if remaining <= 0:
            return current
        ctx.sleep(min(SEARCH_POLL, remaining))
        entry = current
