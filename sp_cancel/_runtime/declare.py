"""An operator's word that an ``UNCONFIRMED`` submission was not sent: one flow for cancels and refunds.

``client.declare_not_sent`` takes a refund or a unit cancel that may have been sent, that Amazon has not shown
yet, and that the seller found no trace of in Seller Central, as not sent (``NOT_SENT``): asking again then
sends it. Each intent says how to look at its submission and how to journal it as not sent; the rest
(look once more, refuse what Amazon shows now or what finished meanwhile, keep who and when) is here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

from sp_cancel._runtime.claims import LOCAL, base_key
from sp_cancel.errors import InvalidInputError

if TYPE_CHECKING:
    import enum

    from sp_cancel._runtime.context import Context
    from sp_cancel.journal import Entry

__all__ = ["declare_not_sent"]


class _Looked(Protocol):
    @property
    def status(self) -> enum.StrEnum: ...


_L = TypeVar("_L", bound=_Looked)
_O = TypeVar("_O")


def declare_not_sent(
    ctx: Context,
    what: str,
    key: str,
    *,
    look: Callable[[str], _L],
    settle: Callable[[Entry, str], _O],
    by: str,
    note: str | None,
) -> _O:
    """Journal the ``UNCONFIRMED`` submission ``key`` (a ``what``: cancel, refund) as not sent, on ``by``'s word.

    ``look(key)`` asks Amazon once more without waiting (the intent's ``refresh``): if Amazon shows it now,
    nothing is declared. Otherwise ``settle(entry, detail)`` journals it as not sent, under the key's lead,
    with a ``detail`` that keeps who declared it, when (Amazon's time) and ``note``.

    Raises:
        InvalidInputError: it is not ``UNCONFIRMED`` now (Amazon shows it), or it finished meanwhile.
    """
    now = look(key)
    if now.status != "UNCONFIRMED":
        raise InvalidInputError(
            f"{what} {key} is {now.status.value} now, not UNCONFIRMED: nothing was declared", field="outcome"
        )
    with LOCAL.lead(ctx.journal, base_key(key)):
        entry = ctx.journal.get(key)
        if entry is None or entry.finished:
            raise InvalidInputError(f"{what} {key} finished meanwhile: nothing was declared", field="outcome")
        when = ctx.amazon_now().isoformat(timespec="seconds")
        return settle(entry, f"declared not sent by {by} at {when}" + (f": {note}" if note else ""))
