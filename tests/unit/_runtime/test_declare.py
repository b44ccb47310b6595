"""``declare_not_sent``: the operator's word on an ``UNCONFIRMED`` cancel or refund, one flow for both."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from sp_cancel import CancelStatus, InvalidInputError
from sp_cancel._runtime.declare import declare_not_sent

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _declare(entry: Any, looked: CancelStatus, note: str | None = None) -> Any:
    """Declare ``refund r:1`` not sent by ops; the journal holds ``entry`` and Amazon shows ``looked``."""
    ctx = SimpleNamespace(journal=SimpleNamespace(get=lambda _key: entry), amazon_now=lambda: NOW)
    return declare_not_sent(
        ctx,  # type: ignore[arg-type]  # a stand-in: only journal.get and amazon_now are used
        "refund",
        "r:1",
        look=lambda _key: SimpleNamespace(status=looked),
        settle=lambda e, detail: (e, detail),
        by="ops@example.com",
        note=note,
    )


def test_declared_keeps_who_when_and_the_note() -> None:
    """The entry is settled with a detail naming who declared it, when (Amazon's time) and the note."""
    entry = SimpleNamespace(key="r:1", finished=False)
    assert _declare(entry, CancelStatus.UNCONFIRMED, note="Seller Central shows nothing") == (
        entry,
        "declared not sent by ops@example.com at 2026-03-01T12:00:00+00:00: Seller Central shows nothing",
    )


def test_refused_when_amazon_shows_it_now() -> None:
    """Nothing is declared for a submission Amazon shows after the look."""
    with pytest.raises(
        InvalidInputError, match=r"^refund r:1 is SUBMITTED now, not UNCONFIRMED: nothing was declared$"
    ):
        _declare(None, CancelStatus.SUBMITTED)


@pytest.mark.parametrize("entry", [None, SimpleNamespace(key="r:1", finished=True)])
def test_refused_when_it_finished_meanwhile(entry: Any) -> None:
    """A submission that finished (or vanished) between the look and the declaration is left alone."""
    with pytest.raises(InvalidInputError, match=r"^refund r:1 finished meanwhile: nothing was declared$"):
        _declare(entry, CancelStatus.UNCONFIRMED)
