"""Journal records, their states and errors, and the protocol the workflows program against.

The public names are re-exported by ``sp_cancel.journal``; import them from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, Literal, Protocol, TypeVar, runtime_checkable

import attrs

from sp_cancel.clock import Sleep
from sp_cancel.errors import SpCancelError
from sp_cancel.journal._owner import holder

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "Entry",
    "EntryState",
    "FinalState",
    "JournalError",
    "JournalLike",
    "JournalUnavailableError",
    "JournalWaitTimeoutError",
    "LeaseLostError",
]

EntryState = Literal["planned", "submitted", "done", "rejected", "failed"]
FinalState = Literal["done", "rejected", "failed"]

DEFAULT_LEASE_SECONDS: Final = 300.0
FINAL: Final = frozenset({"done", "rejected", "failed"})
_Row = TypeVar("_Row")
# Holders whose lease a caller may take at once, naming them as ``stale_owner``.
_STALE_HOLDERS: Final = frozenset({"dead", "this_process"})


class JournalError(SpCancelError):
    """The journal refused a state change (wrong state, unknown key) or cannot be used."""


class JournalUnavailableError(JournalError):
    """The journal's store failed: the database or the Redis server could not do what was asked.

    Raised ``from`` the driver's own error (``sqlite3.OperationalError``/``DatabaseError``; redis-py's
    ``ConnectionError``, ``TimeoutError``, ``BusyLoadingError``, ``ReadOnlyError``...); the message says
    what to do. With SQLite the call changed nothing. With Redis, a connection that dropped while a
    change was on its way may have let it through: read the entry again (``get``) before acting on it.

    Attributes:
        backend: ``"sqlite"`` or ``"redis"``.
        transient: ``True`` when the same call may work in a moment (the file was locked past the busy
            timeout, Redis did not answer or is loading); ``False`` when someone must act first (a
            corrupt or foreign file, a read-only file or replica, a full disk, wrong credentials).
    """

    def __init__(self, message: str, *, backend: str, transient: bool) -> None:
        super().__init__(message)
        self.backend = backend
        self.transient = transient


class LeaseLostError(JournalError):
    """The caller no longer holds the lease on a planned entry: another worker took it over."""


class FeedTakenError(JournalError):
    """A feed id is already recorded for another submission: a feed belongs to at most one submission.

    Attributes:
        feed_id: the feed id.
        owners: the journal keys that already hold it.
    """

    def __init__(self, message: str, *, feed_id: str, owners: Sequence[str]) -> None:
        super().__init__(message)
        self.feed_id = feed_id
        self.owners = tuple(owners)


class JournalWaitTimeoutError(JournalError, TimeoutError):
    """``wait_for_change`` ran out of time while the entry was still planned under a live lease."""


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


def _frozen_or_none(value: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    return None if value is None else MappingProxyType(dict(value))


@attrs.frozen(kw_only=True)
class Entry:
    """One journal record.

    Attributes:
        key: the submission id / idempotency key.
        kind: what is submitted: ``"cancel"``, ``"item_cancel"``, ``"refund"``, ``"listing_close"``,
            ``"listing_delete"``, ``"orders_api_cancel"``...
        target: the order id or SKU.
        state: ``planned``, ``submitted``, ``done``, ``rejected`` or ``failed``.
        payload: what is to be sent (JSON data: ids, amounts as strings, reasons).
        feed_id: Amazon's feed id once known.
        feed_type: e.g. ``POST_PAYMENT_ADJUSTMENT_DATA``; ``None`` for direct API calls.
        document_hash: SHA-256 of the feed document sent.
        message_id: this entry's ``MessageID`` in that document.
        submitted_at: when sending started (written before the call), on this host's clock.
        outcome: how it ended (JSON data), or ``None``.
        owner: the lease token of whoever holds (or held) the planned entry:
            ``"<host>:<pid>:<process start id>:<uuid4 hex>"`` (``sp_cancel.journal.holder`` reads it).
        lease_until: when that lease expires.
        amazon_sent_at: when sending started on Amazon's clock (``submitted_at`` plus the offset learned
            from Amazon's ``Date`` headers at that moment), or ``None`` when not known.
        version: how many times the entry was written (``plan`` writes version 1); ``take_back``
            compares it, so of two workers that read the same entry only one changes it.
    """

    key: str
    kind: str
    target: str
    state: EntryState
    payload: Mapping[str, Any] = attrs.field(converter=_frozen, hash=False)
    feed_id: str | None = None
    feed_type: str | None = None
    document_hash: str | None = None
    message_id: int | None = None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    outcome: Mapping[str, Any] | None = attrs.field(default=None, converter=_frozen_or_none, hash=False)
    owner: str | None = None
    lease_until: datetime | None = None
    amazon_sent_at: datetime | None = None
    version: int = 0

    @property
    def finished(self) -> bool:
        """Whether the entry reached ``done``, ``rejected`` or ``failed``."""
        return self.state in FINAL

    @property
    def send_uncertain(self) -> bool:
        """Submitted but no feed id recorded: the send may or may not have reached Amazon.

        Recover by looking for the feed (``getFeeds``, compare ``document_hash``) before sending again.
        """
        return self.state == "submitted" and self.feed_id is None

    def lease_expired(self, now: datetime) -> bool:
        """Whether a planned entry's lease has run out at ``now``."""
        return self.lease_until is None or self.lease_until <= now


# --- the rules both backends apply inside their transactions ------------------------------------


def may_take_over(entry: Entry, now: datetime, stale_owner: str | None) -> bool:
    """Whether ``take_over`` grants ``entry``'s lease: planned, and expired or held by a stale ``stale_owner``."""
    if entry.state != "planned":
        return False
    if entry.lease_expired(now):
        return True
    return stale_owner is not None and stale_owner == entry.owner and holder(stale_owner).state in _STALE_HOLDERS


def may_take_back(entry: Entry, version: int) -> bool:
    """Whether ``take_back`` returns ``entry`` to planned: ``False`` when someone wrote it since ``version``.

    Raises:
        JournalError: the entry is at ``version`` but is not a submission with no feed id.
    """
    if entry.version != version:
        return False
    if not entry.send_uncertain:
        detail = f"has feed {entry.feed_id}" if entry.feed_id is not None else f"is {entry.state}"
        raise JournalError(f"journal entry {entry.key!r} {detail}: only a submission with no feed id can be taken back")
    return True


def check_release(entry: Entry, owner: str | None, now: datetime) -> None:
    """Raise unless ``release`` may delete ``entry``: a planned entry, by its owner or after its lease expired.

    Raises:
        JournalError: the entry is submitted (it may have reached Amazon) or has ended.
        LeaseLostError: ``owner`` does not hold the entry, or no owner was given and its lease is live.
    """
    if entry.state != "planned":
        sent = "may have been sent" if entry.state == "submitted" else f"ended {entry.state}"
        raise JournalError(f"journal entry {entry.key!r} {sent}; it is kept and cannot be released")
    if owner is not None and entry.owner != owner:
        raise LeaseLostError(f"journal entry {entry.key!r} is leased to another caller ({holder(entry.owner)})")
    if owner is None and not entry.lease_expired(now):
        raise LeaseLostError(
            f"journal entry {entry.key!r} is leased to {holder(entry.owner)} until "
            f"{entry.lease_until:%Y-%m-%d %H:%M:%S} UTC; only that owner may release it before then"
        )


def check_owner(key: str, state: str | None, holder_token: str | None, owner: str) -> None:
    """Raise ``LeaseLostError`` unless the entry (``state`` ``None``: absent) is planned and leased to ``owner``."""
    if state is None:
        raise LeaseLostError(f"journal entry {key!r} does not exist (released?)")
    if state != "planned" or holder_token != owner:
        raise LeaseLostError(f"journal entry {key!r} is {state} and no longer leased to this caller")


def check_submitting_entry(key: str, state: str | None, holder_token: str | None, owner: str | None) -> None:
    """Raise unless ``mark_submitting`` may send the entry: it exists, is planned, and (given ``owner``) leased to it.

    Raises:
        LeaseLostError: ``owner`` does not hold the entry's lease.
        JournalError: the entry does not exist or is not planned.
    """
    if owner is not None:
        check_owner(key, state, holder_token, owner)
    if state is None:
        raise JournalError(f"journal entry {key!r} does not exist")
    if state != "planned":
        raise JournalError(f"journal entry {key!r} is {state}, not planned: it was already sent")


def existing(key: str, row: _Row | None) -> _Row:
    """``row`` (a backend's record of ``key``); ``JournalError`` when there is none."""
    if row is None:
        raise JournalError(f"journal entry {key!r} does not exist")
    return row


def check_feed_id_entry(key: str, state: str, current_feed_id: str | None, feed_id: str) -> None:
    """Raise ``JournalError`` unless ``mark_submitted`` may give the entry ``feed_id``: submitted, no other feed id."""
    if state != "submitted":
        raise JournalError(f"journal entry {key!r} is {state}, not submitted")
    if current_feed_id not in (None, feed_id):
        raise JournalError(f"journal entry {key!r} already belongs to feed {current_feed_id}")


def check_feed_free(feed_id: str, others: Sequence[str]) -> None:
    """Raise ``FeedTakenError`` when ``others`` (entries outside the submission) already hold ``feed_id``."""
    if others:
        raise FeedTakenError(
            f"feed {feed_id} already belongs to another submission ({', '.join(others)})",
            feed_id=feed_id,
            owners=others,
        )


def already_done(key: str, state: str, final: str) -> bool:
    """Whether ``mark_done(final)`` finds the entry already ended so (a no-op); ``False`` when it may be marked.

    Raises:
        JournalError: the entry ended with another state.
    """
    if state not in FINAL:
        return False
    if state == final:
        return True
    raise JournalError(f"journal entry {key!r} already ended {state}; cannot mark it {final}")


@runtime_checkable
class JournalLike(Protocol):
    """What the workflows need from a journal.

    ``Journal`` is the SQLite implementation, ``RedisJournal`` the Redis one; a
    ``SellerClient`` uses any object with these methods as its journal. A journal of your own
    must keep the same rules, because they are what keeps money from moving twice:

    - Every state change reads, decides and writes in **one transaction** (SQLite
      ``BEGIN IMMEDIATE``, Redis ``WATCH``/``MULTI``), so of two workers exactly one wins.
    - Every write increments ``Entry.version`` (``plan`` writes 1).
    - Leases are held by owner tokens (``"<host>:<pid>:<start id>:<uuid4 hex>"``, see
      ``sp_cancel.journal.holder``); checking the owner and writing are one transaction.
    - An entry that may have been sent (``submitted``, with or without a feed id) or has ended is
      never deleted; it goes back to ``planned`` only through ``take_back``.
    - A store failure is raised as ``JournalUnavailableError``, never as the driver's own error.
    """

    def plan(
        self,
        key: str,
        *,
        kind: str,
        target: str,
        payload: Mapping[str, Any],
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> tuple[Entry, bool]:
        """Insert ``key`` as planned (version 1, a lease for the caller) if absent; ``True`` for its creator."""
        ...

    def wait_for_change(
        self, key: str, *, timeout: float = ..., poll: float = ..., sleep: Sleep | None = None
    ) -> Entry | None:
        """Wait until the entry leaves ``planned``, its lease expires, or it is released."""
        ...

    def take_over(
        self, key: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS, stale_owner: str | None = None
    ) -> Entry | None:
        """Give a planned entry's lease to exactly one caller; ``None`` when the caller does not get it.

        Granted when the lease has expired, or at once when ``stale_owner`` equals the entry's current
        owner and ``holder(stale_owner).state`` is ``"dead"`` or ``"this_process"``. The owner
        comparison and the write are one transaction. Never granted for a submitted or finished entry.
        """
        ...

    def take_back(self, key: str, *, version: int, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry | None:
        """Return a submitted entry with no feed id to ``planned``, leased to the caller, if still at ``version``.

        For writes that are harmless to repeat, after Amazon showed no feed of them. Of callers that
        read the same version exactly one gets the entry; the others get ``None``. ``submitted_at``,
        ``amazon_sent_at`` and ``document_hash`` stay as they were.

        Raises:
            JournalError: the entry is at ``version`` but was not ``send_uncertain`` (it has a feed id,
                is planned, or has ended).
        """
        ...

    def renew_lease(self, key: str, *, owner: str, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry:
        """Extend the lease the caller holds; `LeaseLostError` when it holds it no more."""
        ...

    def mark_submitting(
        self,
        keys: Sequence[str],
        *,
        feed_type: str | None,
        document_hash: str | None,
        message_ids: Mapping[str, int] | None = None,
        sent_at: datetime,
        amazon_sent_at: datetime | None = None,
        owner: str | None = None,
    ) -> list[Entry]:
        """Record that sending starts (before the non-idempotent call); all keys or none."""
        ...

    def mark_submitted(self, keys: Sequence[str], *, feed_id: str) -> list[Entry]:
        """Record the feed id Amazon returned; raise `FeedTakenError` if another submission holds it."""
        ...

    def mark_done(self, key: str, *, state: FinalState, outcome: Mapping[str, Any]) -> Entry:
        """Record how the submission ended."""
        ...

    def release(self, key: str, *, owner: str | None = None) -> None:
        """Delete a plan that was never sent; unknown keys are ignored.

        Only a ``planned`` entry: with ``owner``, only by that owner; without, only once its lease
        has expired (otherwise `LeaseLostError`). A submitted or finished entry raises `JournalError`.
        The check and the delete are one transaction.
        """
        ...

    def get(self, key: str) -> Entry | None:
        """The entry for ``key``, or ``None``."""
        ...

    def find(self, kind: str, target: str) -> list[Entry]:
        """Entries of ``kind`` for ``target``, newest first."""
        ...

    def unfinished(self) -> list[Entry]:
        """Planned and submitted entries, oldest first."""
        ...

    def by_feed(self, feed_id: str) -> list[Entry]:
        """Entries sent in feed ``feed_id``, by message id."""
        ...

    def known_feed_ids(self, feed_type: str, since: datetime) -> set[str]:
        """Feed ids of ``feed_type`` this journal sent since ``since``."""
        ...
