"""Journal records, their states and errors, and the protocol the workflows program against.

The public names are re-exported by ``sp_cancel.journal``; import them from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, Literal, Protocol, Self, runtime_checkable

import attrs

from sp_cancel.clock import Clock, Sleep, system_sleep, utc
from sp_cancel.errors import SpCancelError

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "Entry",
    "EntryState",
    "FinalState",
    "JournalError",
    "JournalLike",
    "JournalWaitTimeoutError",
    "LeaseLostError",
]

EntryState = Literal["planned", "submitted", "done", "rejected", "failed"]
FinalState = Literal["done", "rejected", "failed"]

DEFAULT_LEASE_SECONDS: Final = 300.0
FINAL: Final = frozenset({"done", "rejected", "failed"})


class JournalError(SpCancelError):
    """The journal refused a state change (wrong state, unknown key) or cannot be used."""


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
        submitted_at: when sending started (written before the call).
        outcome: how it ended (JSON data), or ``None``.
        owner: the lease token of whoever holds (or held) the planned entry.
        lease_until: when that lease expires.
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


class JournalBase:
    """What every journal backend shares: its clock, the context manager and ``wait_for_change``.

    Backends provide ``get`` and ``close`` and set ``_clock``.
    """

    _clock: Clock

    def get(self, key: str) -> Entry | None:
        """The entry for ``key``, or ``None``."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the backend's resources."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _now(self) -> datetime:
        return utc(self._clock.now())

    def wait_for_change(
        self,
        key: str,
        *,
        timeout: float = DEFAULT_LEASE_SECONDS + 30,
        poll: float = 1.0,
        sleep: Sleep | None = None,
    ) -> Entry | None:
        """Wait, as the loser of a ``plan`` race, for the winner to move on.

        Returns as soon as the entry is no longer ``planned`` (the winner sent it: do not send
        again), is gone (``None``: the winner released it; plan again), or is planned with an
        expired lease (the winner died: call ``take_over``).

        Args:
            key: the entry's key.
            timeout: how long to wait, in seconds of the journal's clock.
            poll: seconds between looks.
            sleep: how to wait (default a real sleep); tests pass a fake clock's ``sleep``.

        Raises:
            JournalWaitTimeoutError: still planned under a live lease after ``timeout``.
        """
        wait = sleep or system_sleep
        deadline = self._clock.monotonic() + timeout
        while True:
            entry = self.get(key)
            if entry is None or entry.state != "planned" or entry.lease_expired(self._now()):
                return entry
            if self._clock.monotonic() >= deadline:
                raise JournalWaitTimeoutError(
                    f"journal entry {key!r} is still planned by another worker after {timeout}s"
                )
            wait(poll)


@runtime_checkable
class JournalLike(Protocol):
    """What the workflows need from a journal.

    ``Journal`` is the SQLite implementation, ``RedisJournal`` the Redis one; a
    ``SellerClient`` uses any object with these methods as its journal.
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
        """Insert ``key`` as planned if absent; ``True`` for the caller that created it."""
        ...

    def wait_for_change(
        self, key: str, *, timeout: float = ..., poll: float = ..., sleep: Sleep | None = None
    ) -> Entry | None:
        """Wait until the entry leaves ``planned``, its lease expires, or it is released."""
        ...

    def take_over(self, key: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry | None:
        """Grant the expired lease of a planned entry to exactly one caller."""
        ...

    def renew_lease(self, key: str, *, owner: str, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry:
        """Extend the lease the caller holds."""
        ...

    def mark_submitting(
        self,
        keys: Sequence[str],
        *,
        feed_type: str | None,
        document_hash: str | None,
        message_ids: Mapping[str, int] | None = None,
        sent_at: datetime,
        owner: str | None = None,
    ) -> list[Entry]:
        """Record that sending starts (before the non-idempotent call)."""
        ...

    def mark_submitted(self, keys: Sequence[str], *, feed_id: str) -> list[Entry]:
        """Record the feed id Amazon returned; raise `FeedTakenError` if another submission holds it."""
        ...

    def mark_done(self, key: str, *, state: FinalState, outcome: Mapping[str, Any]) -> Entry:
        """Record how the submission ended."""
        ...

    def release(self, key: str, *, owner: str | None = None) -> None:
        """Forget a plan that was never sent."""
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
