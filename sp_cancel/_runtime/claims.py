"""Who may work on a journal key: attempt keys, the process-local lead, stale leases, what was sent.

A submission Amazon did not carry out is journaled ``failed`` and asked again under its next attempt key
(``live_key``). Calls of one process working on one key take turns (``LOCAL``); a lease whose worker is
provably gone is ``stale_claim``. ``money_moving`` and ``nothing_sent`` say what a submission moves and
whether a failure certainly sent nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Final, Protocol, TypeVar

from sp_cancel.errors import ApiError, OutcomeUnknownError, SpCancelError
from sp_cancel.feeds import FEED_TYPE_PAYMENT_ADJUSTMENT
from sp_cancel.journal import JournalError, drop_owner, holder, in_use

if TYPE_CHECKING:
    from sp_cancel.journal import Entry, JournalLike

__all__ = [
    "LOCAL",
    "base_key",
    "claim_note",
    "in_doubt",
    "live_key",
    "money_moving",
    "nothing_sent",
    "release_plan",
    "sent_on_amazon_clock",
    "stale_claim",
]


def money_moving(feed_type: str | None) -> bool:
    """Whether a feed moves money (refunds, unit cancels by ``QuantityCancelled``): sent at most once, ever."""
    return feed_type == FEED_TYPE_PAYMENT_ADJUSTMENT


def nothing_sent(exc: BaseException) -> bool:
    """Whether a failed submission certainly created no feed: ``createFeed`` itself was refused outright.

    A lost answer (``OutcomeUnknownError`` anywhere in the chain) is never "nothing sent".
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OutcomeUnknownError):
            return False
        seen = seen.__cause__ or seen.__context__
    return isinstance(exc, ApiError) and exc.operation == "createFeed"


def sent_on_amazon_clock(entry: Entry) -> datetime | None:
    """When sending of ``entry`` began, on Amazon's clock (the record of an older journal: our clock)."""
    return entry.amazon_sent_at or entry.submitted_at


def live_key(journal: JournalLike, base: str) -> str:
    """The journal key a submission goes under now: ``base``, or a fresh attempt after a failed one.

    An attempt journaled ``failed`` did not happen at Amazon (its feed ended without doing it, Amazon
    refused ``createFeed`` outright, or it was taken as not sent after the horizon): asking again must be
    able to send it. Each attempt keeps its record; the next one goes under ``<base>~2``, ``<base>~3``...
    """
    key, attempt = base, 1
    while (entry := journal.get(key)) is not None and entry.state == "failed":
        attempt += 1
        key = f"{base}~{attempt}"
    return key


def base_key(key: str) -> str:
    """The submission key an attempt key (``<base>~N``) belongs to."""
    return key.split("~", 1)[0]


class _LocalLeads:
    """Calls of one process working on the same journal key take turns (one leader per journal and key).

    The journal's lease protects against other processes; inside a process a waiting thread must not
    judge a live sender by the clock (a fake clock can jump past any lease). While a call holds the lead
    for a key, a lease on it held by this process's own token is stale (left by an earlier call that
    failed) and may be taken over at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: dict[tuple[object, str], threading.Event] = {}

    @staticmethod
    def _ident(journal: object, key: str) -> tuple[object, str]:
        """The journal's store as this process can name it: a SQLite file's path, a Redis journal's key prefix.

        Two journal objects over one store (two clients of one file, two connections to one Redis) then share
        one lead per key; two Redis servers with the same prefix share it too, which only makes calls wait.
        """
        path = getattr(journal, "path", None)
        if path and path != ":memory:":
            return (("sqlite", str(path)), key)
        prefix = getattr(journal, "prefix", None)
        if isinstance(prefix, str):
            return (("redis", prefix), key)
        return (id(journal), key)

    @contextmanager
    def lead(self, journal: object, keys: str | Sequence[str]) -> Iterator[None]:
        """Hold the lead for ``keys`` in ``journal``; wait while another thread of this process holds one."""
        wanted = sorted({keys} if isinstance(keys, str) else set(keys))  # one order: no deadlock
        held: list[tuple[tuple[object, str], threading.Event]] = []
        try:
            for key in wanted:
                ident = self._ident(journal, key)
                while True:
                    with self._lock:
                        busy = self._busy.get(ident)
                        if busy is None:
                            mine = self._busy[ident] = threading.Event()
                            break
                    busy.wait()
                held.append((ident, mine))
            yield
        finally:
            for ident, mine in held:
                with self._lock:
                    del self._busy[ident]
                mine.set()


LOCAL: Final = _LocalLeads()  # process-wide by nature: it coordinates the threads of this process


def stale_claim(entry: Entry, now: datetime) -> str | None:
    """The owner token of a planned entry that may be taken over now, or ``None`` when it may not.

    Taken over: an expired lease, a holder on this host whose process is gone, or a token of this process
    that no call of it holds any more (left by an earlier call that failed before it could release it).
    """
    if entry.state != "planned":
        return None
    if entry.lease_expired(now):
        return entry.owner or ""
    state = holder(entry.owner).state
    if state == "dead" or (state == "this_process" and not in_use(entry.owner)):
        return entry.owner
    return None


def release_plan(journal: JournalLike, key: str, owner: str | None) -> None:
    """Release a plan this call holds and never sent; if the journal cannot, forget the token here.

    A journal failure (``JournalUnavailableError``) must not strand the plan: this process's next call for
    the key then takes it over at once, instead of waiting for the lease to run out.
    """
    try:
        journal.release(key, owner=owner)
    except JournalError:
        drop_owner(owner)


def claim_note(entry: Entry) -> str:
    """Who holds a planned entry and until when, for an outcome's ``detail``."""
    until = entry.lease_until.isoformat(timespec="seconds") if entry.lease_until else "unknown"
    return f"being sent by {holder(entry.owner)}; its lease runs until {until}"


class _Looked(Protocol):
    @property
    def status(self) -> str: ...


_O = TypeVar("_O", bound=_Looked)


def in_doubt(
    journal: JournalLike,
    kinds: Collection[str],
    *,
    look: Callable[[str], _O],
    unconfirmed: Callable[[Entry, str], _O],
) -> list[_O]:
    """Every submission of ``kinds`` possibly sent and not yet shown by Amazon, each looked at once more.

    ``look(key)`` asks Amazon again without waiting (the intent's ``refresh``); when that fails, the entry is
    reported through ``unconfirmed(entry, detail)``, since nothing new was learned. Only what is still
    ``UNCONFIRMED`` after the look is returned (``docs/reliability.md``).
    """
    found: list[_O] = []
    for listed in journal.unfinished():
        if listed.kind not in kinds or listed.state != "submitted":
            continue
        try:
            outcome = look(listed.key)
        except SpCancelError as exc:
            outcome = unconfirmed(journal.get(listed.key) or listed, f"could not be looked at now: {exc}")
        if outcome.status == "UNCONFIRMED":
            found.append(outcome)
    return found
