"""The context the listings unit tests hand their fake Listings API (named apart: support modules share a namespace)."""

from __future__ import annotations

from sp_cancel.clock import FakeClock

US = "ATVPDKIKX0DER"


class Ctx:
    """The parts of a Context the listings readers and workflows read: the API, a fake clock, the marketplace."""

    def __init__(self, api: object) -> None:
        """A context on a fake clock."""
        self.api = api
        self.clock = FakeClock()
        self.sleep = self.clock.sleep
        self.marketplace_id = US
