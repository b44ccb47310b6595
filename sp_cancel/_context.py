"""What every workflow function needs from the client, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from sp_cancel._feedrun import FeedRunner
    from sp_cancel.clock import Clock, Sleep
    from sp_cancel.journal import JournalLike
    from sp_cancel.transport import SpApi

__all__ = ["Context"]


@attrs.frozen(kw_only=True)
class Context:
    """The parts of a :class:`~sp_cancel.SellerClient` the workflows use."""

    api: SpApi
    journal: JournalLike
    runner: FeedRunner
    clock: Clock
    sleep: Sleep
    seller_id: str
    marketplace_id: str
