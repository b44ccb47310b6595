"""The Redis journal: the same journal as :class:`~sp_cancel.journal.Journal`, shared by workers on several hosts.

Every state change is one optimistic transaction: ``WATCH`` the entries' hashes, read them, decide exactly
as the SQLite journal does, then write the hashes and their index entries in one ``MULTI``/``EXEC``. If
another worker changed a watched entry in between, ``EXEC`` does nothing and the step runs again on fresh
data. The index keys change only inside such transactions, so they always agree with the hashes.

Key layout and serialisation: :mod:`sp_cancel._journal_redis_keys`; the client, transactions and
read-only queries: :mod:`sp_cancel._journal_redis_io`; the state changes: here.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sp_cancel._journal_entry import (
    _FINAL,
    DEFAULT_LEASE_SECONDS,
    Entry,
    FinalState,
    JournalError,
    LeaseLostError,
)
from sp_cancel._journal_redis_io import RedisJournalStore, _Writes
from sp_cancel._journal_redis_keys import _as_entry, _member, _micros, _Raw
from sp_cancel._journal_schema import _check_key, _check_lease, _check_submitting, _dump, _ts
from sp_cancel.errors import InvalidInputError

__all__ = ["RedisJournal"]


class RedisJournal(RedisJournalStore):
    """The journal in Redis: the same states, leases, errors and answers as the SQLite :class:`Journal`.

    Use it when workers on several hosts work for the same seller: they then share one journal, so
    two workers never submit the same cancellation or refund. Each state change is an atomic
    ``WATCH``/``MULTI`` transaction on the entries it touches (key layout: the journal page of the docs).

    Leases and timestamps come from ``clock`` (each host's own clock, as with SQLite), so the hosts'
    clocks must agree to well within a lease (300 s by default): keep them synchronised (NTP).
    Redis must keep what it acknowledged: ``maxmemory-policy noeviction`` and an append-only file.

    Needs the ``redis`` extra (``pip install 'sp-cancel[redis]'``); a single Redis server (or a
    primary with replicas), not Redis Cluster.

    Args:
        url: Redis URL, e.g. ``"redis://cache:6379/0"`` (default ``redis://localhost:6379/0``); unused with
            ``client``. Nothing connects until the first call.
        client: a ready ``redis.Redis`` (or compatible, e.g. ``fakeredis.FakeRedis``) to use instead of
            ``url``; :meth:`close` leaves it open.
        clock: where ``now()`` comes from (timestamps and leases); default the system clock.
        prefix: prefix of every key; journals with different prefixes are independent.
    """

    def __repr__(self) -> str:
        return f"RedisJournal(prefix={self._prefix!r})"  # never the URL: it may hold a password

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
        """Record ``key`` as planned unless it exists; atomic across threads, processes and hosts.

        Returns:
            ``(entry, True)`` for the one caller that created the entry (it now holds a lease of
            ``lease_seconds``, token in ``entry.owner``), ``(existing entry, False)`` for everyone else.
        """
        _check_key(key)
        _check_key(kind, "kind")
        _check_key(target, "target")
        data = _dump(payload, "payload")
        lease = _check_lease(lease_seconds)
        owner = uuid.uuid4().hex

        def step(pipe: Any) -> tuple[tuple[Entry, bool], _Writes | None]:
            existing = self._read(pipe, key)
            if existing is not None:
                # Our own token: an earlier attempt committed but its reply was lost (redis-py then raises WatchError).
                mine = existing["state"] == "planned" and existing.get("owner") == owner
                return (_as_entry(existing), mine), None
            now = self._now()
            raw: _Raw = {
                "key": key,
                "kind": kind,
                "target": target,
                "state": "planned",
                "payload": data,
                "created_at": _ts(now),
                "updated_at": _ts(now),
                "owner": owner,
                "lease_until": _ts(now + timedelta(seconds=lease)),
                "seq": str(pipe.incr(self._seq_key)),  # outside MULTI: a retried step only leaves a gap
            }
            score, member = _micros(raw["created_at"]), _member(raw)

            def writes(tx: Any) -> None:
                tx.hset(self._entry_key(key), mapping=raw)
                tx.zadd(self._find_key(kind, target), {member: score})
                tx.zadd(self._unfinished_key, {member: score})

            return (_as_entry(raw), True), writes

        return self._atomic([key], step)

    def take_over(self, key: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry | None:
        """Take the expired lease of a planned entry; exactly one concurrent caller gets it.

        Returns:
            The entry with the caller's new lease (token in ``owner``), or ``None`` when the entry is
            gone, no longer planned, or its lease is still live (someone else holds it).
        """
        lease = _check_lease(lease_seconds)

        def step(pipe: Any) -> tuple[Entry | None, _Writes | None]:
            raw = self._read(pipe, key)
            if raw is None:
                return None, None
            now = self._now()
            if raw["state"] != "planned" or not _as_entry(raw).lease_expired(now):
                return None, None
            changes = {
                "owner": uuid.uuid4().hex,
                "lease_until": _ts(now + timedelta(seconds=lease)),
                "updated_at": _ts(now),
            }
            return _as_entry(self._changed(raw, changes)), lambda tx: self._write(tx, key, changes)

        return self._atomic([key], step)

    def renew_lease(self, key: str, *, owner: str, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Entry:
        """Extend the lease ``owner`` holds on a planned entry (for long preparations).

        Raises:
            LeaseLostError: the entry is not planned under ``owner`` any more.
        """
        lease = _check_lease(lease_seconds)

        def step(pipe: Any) -> tuple[Entry, _Writes | None]:
            raw = self._require_owner(self._read(pipe, key), key, owner)
            now = self._now()
            changes = {"lease_until": _ts(now + timedelta(seconds=lease)), "updated_at": _ts(now)}
            return _as_entry(self._changed(raw, changes)), lambda tx: self._write(tx, key, changes)

        return self._atomic([key], step)

    # --- the submission ---

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
        """Record, *before* the non-idempotent call, that these planned entries are being sent.

        The entries become ``submitted`` with no feed id (:attr:`Entry.send_uncertain`). All keys
        change or none. See :meth:`Journal.mark_submitting` for the arguments.

        Raises:
            JournalError: a key is unknown or not planned.
            LeaseLostError: ``owner`` no longer holds a key's lease.
        """
        unique, ids = _check_submitting(keys, message_ids)
        sent = _ts(sent_at)

        def step(pipe: Any) -> tuple[list[Entry], _Writes | None]:
            now = _ts(self._now())
            found: list[_Raw] = []
            for key in unique:  # check every key before writing any: all or nothing
                raw = self._read(pipe, key)
                if owner is not None:
                    self._require_owner(raw, key, owner)
                if raw is None:
                    raise JournalError(f"journal entry {key!r} does not exist")
                if raw["state"] != "planned":
                    raise JournalError(f"journal entry {key!r} is {raw['state']}, not planned: it was already sent")
                found.append(raw)
            changes = [
                {
                    "state": "submitted",
                    "feed_type": feed_type,
                    "document_hash": document_hash,
                    "message_id": None if ids.get(key) is None else str(ids[key]),
                    "submitted_at": sent,
                    "updated_at": now,
                    "lease_until": None,
                }
                for key in unique
            ]

            def writes(tx: Any) -> None:
                for key, change in zip(unique, changes, strict=True):
                    self._write(tx, key, change)
                    if feed_type is not None:
                        tx.zadd(self._feed_type_key(feed_type), {key: _micros(sent)})

            return [_as_entry(self._changed(raw, c)) for raw, c in zip(found, changes, strict=True)], writes

        return self._atomic(unique, step)

    def mark_submitted(self, keys: Sequence[str], *, feed_id: str) -> list[Entry]:
        """Record the feed id Amazon returned for entries marked submitting.

        Raises:
            JournalError: a key is unknown, not submitted, or already has another feed id.
        """
        _check_key(feed_id, "feed_id")
        unique = list(dict.fromkeys(keys))
        if not unique:
            self._check_open()
            return []

        def step(pipe: Any) -> tuple[list[Entry], _Writes | None]:
            now = _ts(self._now())
            found: list[_Raw] = []
            for key in unique:
                raw = self._read(pipe, key)
                if raw is None:
                    raise JournalError(f"journal entry {key!r} does not exist")
                if raw["state"] != "submitted":
                    raise JournalError(f"journal entry {key!r} is {raw['state']}, not submitted")
                if raw.get("feed_id") not in (None, feed_id):
                    raise JournalError(f"journal entry {key!r} already belongs to feed {raw['feed_id']}")
                found.append(raw)
            changes = {"feed_id": feed_id, "updated_at": now}

            def writes(tx: Any) -> None:
                for key in unique:
                    self._write(tx, key, changes)
                tx.sadd(self._feed_key(feed_id), *unique)

            return [_as_entry(self._changed(raw, changes)) for raw in found], writes

        return self._atomic(unique, step)

    def mark_done(self, key: str, *, state: FinalState, outcome: Mapping[str, Any]) -> Entry:
        """Record how a planned or submitted entry ended: ``done``, ``rejected`` or ``failed``.

        Marking an entry again with the state it already has is a no-op.

        Raises:
            JournalError: the key is unknown, or it already ended with a different state.
        """
        if state not in _FINAL:
            raise InvalidInputError(f"state must be one of {sorted(_FINAL)}, got {state!r}", field="state")
        data = _dump(outcome, "outcome")

        def step(pipe: Any) -> tuple[Entry, _Writes | None]:
            raw = self._read(pipe, key)
            if raw is None:
                raise JournalError(f"journal entry {key!r} does not exist")
            if raw["state"] in _FINAL:
                if raw["state"] == state:
                    return _as_entry(raw), None
                raise JournalError(f"journal entry {key!r} already ended {raw['state']}; cannot mark it {state}")
            changes = {"state": state, "outcome": data, "updated_at": _ts(self._now()), "lease_until": None}

            def writes(tx: Any) -> None:
                self._write(tx, key, changes)
                tx.zrem(self._unfinished_key, _member(raw))

            return _as_entry(self._changed(raw, changes)), writes

        return self._atomic([key], step)

    def release(self, key: str, *, owner: str | None = None) -> None:
        """Delete a plan that was never sent, so the key can be planned again.

        Allowed for ``planned`` entries and for ``submitted`` ones with no feed id when the caller
        knows the call never went out (e.g. the document upload failed). Unknown keys are ignored.

        Raises:
            JournalError: the entry has a feed id or has ended: it was sent, keep it.
            LeaseLostError: ``owner`` is given and no longer holds the planned entry's lease.
        """

        def step(pipe: Any) -> tuple[None, _Writes | None]:
            raw = self._read(pipe, key)
            if raw is None:
                return None, None
            if raw["state"] == "planned" and owner is not None and raw.get("owner") != owner:
                raise LeaseLostError(f"journal entry {key!r} is leased to another caller")
            if raw["state"] in _FINAL or raw.get("feed_id") is not None:
                raise JournalError(f"journal entry {key!r} was sent ({raw['state']}); it cannot be released")

            def writes(tx: Any) -> None:
                tx.delete(self._entry_key(key))
                tx.zrem(self._find_key(raw["kind"], raw["target"]), _member(raw))
                tx.zrem(self._unfinished_key, _member(raw))
                if "feed_type" in raw:
                    tx.zrem(self._feed_type_key(raw["feed_type"]), key)

            return None, writes

        self._atomic([key], step)
