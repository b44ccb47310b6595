"""What every journal backend does, written once: the public operations and their contract.

``JournalBase`` holds each public method (``plan``, ``take_over``... ``known_feed_ids``) with its
documented rules, checks its arguments before the store is touched, and drops the owner tokens a
write ends; a backend (``Journal``: SQLite, ``RedisJournal``: Redis) implements only the storage step
each calls (``_plan``, ``_take_over``...), inside its own transaction: SQLite ``BEGIN IMMEDIATE``,
Redis ``WATCH``/``MULTI``. ``JournalLike`` (``_entry.py``) states the same methods for journals of
one's own, which need not derive from this class.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Self

from sp_cancel.clock import Clock, Sleep, system_sleep, utc
from sp_cancel.journal._entry import DEFAULT_LEASE_SECONDS, Entry, FinalState, JournalWaitTimeoutError
from sp_cancel.journal._owner import drop_owner
from sp_cancel.journal._schema import (
    check_done,
    check_key,
    check_lease,
    check_plan,
    check_submitting,
    check_version,
    format_ts,
)

__all__ = ["JournalBase", "Sending"]


class Sending(NamedTuple):
    """``mark_submitting``'s arguments, checked, with the timestamps as stored."""

    keys: list[str]
    """The keys, without duplicates, in the caller's order."""
    message_ids: dict[str, int]
    feed_type: str | None
    document_hash: str | None
    sent_at: str
    amazon_sent_at: str | None
    owner: str | None


class JournalBase(ABC):
    """The public operations of every journal backend, each calling the backend's storage step.

    A backend sets ``_clock`` and implements ``close`` and the ``_``-named storage steps; each step
    reads, decides and writes in one transaction of its store and gets its arguments checked.
    """

    _clock: Clock

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None:
        """Release the backend's resources."""

    def _now(self) -> datetime:
        return utc(self._clock.now())

    # --- planning and leases ---

    def plan(
        self,
        key: str,
        *,
        kind: str,
        target: str,
        payload: Mapping[str, Any],
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> tuple[Entry, bool]:
        """Record ``key`` as planned unless it exists; atomic across threads, processes (and Redis's hosts).

        Returns:
            ``(entry, True)`` for the one caller that created the entry (version 1; it now holds a lease
            of ``lease_seconds``, token in ``entry.owner``), ``(existing entry, False)`` for everyone else.
        """
        data, lease = check_plan(key, kind, target, payload, lease_seconds)
        return self._plan(key, kind, target, data, lease)

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

    def take_over(
        self, key: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS, stale_owner: str | None = None
    ) -> Entry | None:
        """Take the lease of a planned entry whose holder is gone; exactly one concurrent caller gets it.

        Granted when the lease has expired, or at once when ``stale_owner`` is the entry's current owner
        and that owner cannot be working on it any more: ``holder(stale_owner).state`` is ``"dead"``
        (its process on this host is gone) or ``"this_process"`` (the caller's own process, which knows
        it holds the only live attempt for the key). The comparison and the write are one transaction.

        Returns:
            The entry with the caller's new lease (token in ``owner``), or ``None`` when the entry is
            gone, no longer planned, or its lease is still live and not held by ``stale_owner``.
        """
        return self._take_over(key, check_lease(lease_seconds), stale_owner)

    def take_back(self, key: str, *, version: int, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry | None:
        """Return a submission with no feed id to ``planned``, leased to the caller, if nobody wrote it since.

        Only for writes that are harmless to repeat (a whole-order cancel, a listing close), after
        Amazon showed no feed of them; a money-moving submission is never taken back. Of callers that
        read the entry at ``version``, exactly one gets it. ``submitted_at``, ``amazon_sent_at``,
        ``feed_type`` and ``document_hash`` keep the earlier attempt's values until it is marked
        submitting again.

        Returns:
            The planned entry with the caller's lease (token in ``owner``), or ``None`` when the entry
            is gone or was written since ``version`` (another worker took it back, or found its feed).

        Raises:
            JournalError: the entry is still at ``version`` but is not ``send_uncertain``.
        """
        return self._take_back(key, check_version(version), check_lease(lease_seconds))

    def renew_lease(self, key: str, *, owner: str, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry:
        """Extend the lease ``owner`` holds on a planned entry (for long preparations).

        Raises:
            LeaseLostError: the entry is not planned under ``owner`` any more.
        """
        return self._renew_lease(key, owner, check_lease(lease_seconds))

    # --- the submission ---

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
        """Record, *before* the non-idempotent call, that these planned entries are being sent.

        The entries become ``submitted`` with no feed id (``Entry.send_uncertain``): after a
        crash, recovery looks for the feed before sending again. All keys change or none.

        Args:
            keys: the planned entries sent together (one feed document).
            feed_type: the feed type, or ``None`` for a direct API call.
            document_hash: SHA-256 of the document (``sp_cancel.feeds.document_hash``).
            message_ids: each key's ``MessageID`` in the document.
            sent_at: when sending starts (this host's clock).
            amazon_sent_at: the same moment on Amazon's clock (``sent_at`` plus the offset learned from
                Amazon's ``Date`` headers then), where the lost-feed search looks from; ``None`` if unknown.
            owner: the lease token from ``plan``/``take_over``/``take_back``; when given, each entry must
                still be leased to it (recommended: a worker whose lease expired must not send).

        Raises:
            JournalError: a key is unknown or not planned.
            LeaseLostError: ``owner`` no longer holds a key's lease.
        """
        unique, ids = check_submitting(keys, message_ids)
        sending = Sending(
            keys=unique,
            message_ids=ids,
            feed_type=feed_type,
            document_hash=document_hash,
            sent_at=format_ts(sent_at),
            amazon_sent_at=None if amazon_sent_at is None else format_ts(amazon_sent_at),
            owner=owner,
        )
        entries = self._mark_submitting(sending)
        for entry in entries:
            drop_owner(entry.owner)  # the plan is sent: no call holds it any more
        return entries

    def mark_submitted(self, keys: Sequence[str], *, feed_id: str) -> list[Entry]:
        """Record the feed id Amazon returned for entries marked submitting.

        A feed belongs to at most one submission: the check and the write are one transaction.

        Raises:
            FeedTakenError: another entry (outside ``keys``) already holds ``feed_id``.
            JournalError: a key is unknown, not submitted, or already has another feed id.
        """
        check_key(feed_id, "feed_id")
        return self._mark_submitted(list(dict.fromkeys(keys)), feed_id)

    def mark_done(self, key: str, *, state: FinalState, outcome: Mapping[str, Any]) -> Entry:
        """Record how a planned or submitted entry ended: ``done``, ``rejected`` or ``failed``.

        Marking an entry again with the state it already has is a no-op.

        Raises:
            JournalError: the key is unknown, or it already ended with a different state.
        """
        done = self._mark_done(key, state, check_done(state, outcome))
        drop_owner(done.owner)  # the plan has ended: no call holds it any more
        return done

    def release(self, key: str, *, owner: str | None = None) -> None:
        """Delete a plan that was never sent, so the key can be planned again; unknown keys are ignored.

        Only a ``planned`` entry, and only by its owner (``owner``) or, without ``owner``, once its
        lease has expired (an abandoned plan). What may have reached Amazon (a ``submitted`` entry,
        with or without a feed id) or has ended is never deleted: a harmless write is sent again
        through ``take_back``, a money-moving one never. The check and the delete are one transaction.

        Raises:
            JournalError: the entry is submitted or has ended.
            LeaseLostError: ``owner`` does not hold the entry's lease, or no ``owner`` was given and
                the lease is still live.
        """
        drop_owner(self._release(key, owner))

    # --- reading ---

    def get(self, key: str) -> Entry | None:
        """The entry for ``key``, or ``None``."""
        return self._get(key)

    def find(self, kind: str, target: str) -> list[Entry]:
        """Entries of ``kind`` for ``target`` (order id or SKU), newest first."""
        return self._find(kind, target)

    def unfinished(self) -> list[Entry]:
        """Entries still ``planned`` or ``submitted``, oldest first: what ``resume()`` must finish."""
        return self._unfinished()

    def by_feed(self, feed_id: str) -> list[Entry]:
        """Entries sent in feed ``feed_id``, by message id (entries without one first)."""
        return self._by_feed(feed_id)

    def known_feed_ids(self, feed_type: str, since: datetime) -> set[str]:
        """Feed ids of ``feed_type`` this journal holds, sent or learned since ``since``.

        A submission first recorded long ago may have learned its feed id only now (a throttled
        ``createFeed`` waits for the usage plan): it counts from when its feed id was recorded too.
        """
        return self._known_feed_ids(feed_type, format_ts(since))

    # --- the storage steps: each one transaction of the backend's store, on checked arguments ---

    @abstractmethod
    def _plan(self, key: str, kind: str, target: str, data: str, lease: float) -> tuple[Entry, bool]:
        """Insert ``key`` (``data``: the payload's JSON) leased for ``lease`` seconds, unless it exists."""

    @abstractmethod
    def _take_over(self, key: str, lease: float, stale_owner: str | None) -> Entry | None:
        """Grant a new lease when ``may_take_over`` allows it."""

    @abstractmethod
    def _take_back(self, key: str, version: int, lease: float) -> Entry | None:
        """Return the entry to planned under a new lease when ``may_take_back`` allows it."""

    @abstractmethod
    def _renew_lease(self, key: str, owner: str, lease: float) -> Entry:
        """Extend ``owner``'s lease (``check_owner``)."""

    @abstractmethod
    def _mark_submitting(self, sending: Sending) -> list[Entry]:
        """Mark ``sending.keys`` submitted, all or none (``check_submitting_entry`` for each)."""

    @abstractmethod
    def _mark_submitted(self, keys: list[str], feed_id: str) -> list[Entry]:
        """Give ``keys`` (unique) ``feed_id`` (``check_feed_id_entry``, ``check_feed_free``)."""

    @abstractmethod
    def _mark_done(self, key: str, state: FinalState, data: str) -> Entry:
        """End the entry with ``state`` and the outcome's JSON ``data`` (``already_done``)."""

    @abstractmethod
    def _release(self, key: str, owner: str | None) -> str | None:
        """Delete the entry if ``check_release`` allows it; its owner token (``None`` when there was no entry)."""

    @abstractmethod
    def _get(self, key: str) -> Entry | None: ...

    @abstractmethod
    def _find(self, kind: str, target: str) -> list[Entry]: ...

    @abstractmethod
    def _unfinished(self) -> list[Entry]: ...

    @abstractmethod
    def _by_feed(self, feed_id: str) -> list[Entry]: ...

    @abstractmethod
    def _known_feed_ids(self, feed_type: str, since: str) -> set[str]:
        """``known_feed_ids`` with ``since`` as stored."""
