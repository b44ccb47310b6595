"""The Redis journal (``sp_cancel.journal.RedisJournal``): the same journal, shared by workers on several hosts.

Key layout and serialisation, the client, transactions and queries, and the
state changes, in that order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol, TypeVar

from sp_cancel.clock import Clock, SystemClock
from sp_cancel.errors import InvalidInputError
from sp_cancel.journal._base import JournalBase, Sending
from sp_cancel.journal._entry import (
    Entry,
    FinalState,
    JournalError,
    JournalUnavailableError,
    already_done,
    check_feed_free,
    check_feed_id_entry,
    check_owner,
    check_release,
    check_submitting_entry,
    existing,
    may_take_back,
    may_take_over,
)
from sp_cancel.journal._owner import drop_owner, new_owner
from sp_cancel.journal._schema import (
    FIELDS,
    entry_of,
    format_ts,
    parse_ts,
)

__all__ = ["RedisJournal", "RedisJournalStore"]


# --- key layout and serialisation ------------------------------------------------------------------

_UNFINISHED: Final = frozenset({"planned", "submitted"})

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

_MICROSECOND: Final = timedelta(microseconds=1)

_Raw = dict[str, str]


def _get(raw: _Raw | None, name: str) -> str | None:
    """The field ``name`` of ``raw``; ``None`` when it has none or there is no entry."""
    return None if raw is None else raw.get(name)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _decoded(raw: Mapping[Any, Any] | None) -> _Raw | None:
    if not raw:
        return None  # HGETALL of a missing key is an empty hash
    return {_text(name): _text(value) for name, value in raw.items()}


def _micros(timestamp: str) -> int:
    """A stored timestamp as whole microseconds since the epoch: exact in a sorted set's score (< 2**53)."""
    return (parse_ts(timestamp) - _EPOCH) // _MICROSECOND


def _next_version(raw: Mapping[str, str]) -> str:
    """The version a write gives the entry ``raw`` (entries written before versions count as 0)."""
    return str(int(raw.get("version") or 0) + 1)


_MESSAGE_ID: Final = FIELDS.index("message_id")


def _as_entry(raw: Mapping[str, str]) -> Entry:
    row: list[Any] = [raw.get(name) for name in FIELDS]
    if row[_MESSAGE_ID] is not None:
        row[_MESSAGE_ID] = int(row[_MESSAGE_ID])
    return entry_of(row)


def _own_submitting(raw: _Raw | None, owner: str, sent: str, document_hash: str | None) -> bool:
    """Whether ``raw`` is ``mark_submitting``'s own write, committed by an attempt whose ``EXEC`` reply was lost."""
    return (
        raw is not None
        and raw["state"] == "submitted"
        and "feed_id" not in raw
        and raw.get("owner") == owner
        and raw.get("submitted_at") == sent
        and raw.get("document_hash") == document_hash
    )


def _member(raw: Mapping[str, str]) -> str:
    return f"{int(raw['seq']):020d}:{raw['key']}"


def _order(raw: Mapping[str, str]) -> tuple[str, int]:
    return raw["created_at"], int(raw["seq"])


class _RedisKeys:
    """The names of a journal's keys under its ``prefix``."""

    _prefix: str

    def _entry_key(self, key: str) -> str:
        return f"{self._prefix}entry:{key}"

    def _find_key(self, kind: str, target: str) -> str:
        return f"{self._prefix}find:{len(kind)}:{kind}:{target}"  # the length keeps kind and target apart

    def _feed_key(self, feed_id: str) -> str:
        return f"{self._prefix}feed:{feed_id}"

    def _feed_type_key(self, feed_type: str) -> str:
        return f"{self._prefix}feed_type:{feed_type}"

    @property
    def _unfinished_key(self) -> str:
        return f"{self._prefix}unfinished"

    @property
    def _seq_key(self) -> str:
        return f"{self._prefix}seq"


# --- the client, transactions and queries ----------------------------------------------------------

_REDIS_MISSING: Final = (
    "RedisJournal needs the 'redis' package, which is an optional extra: pip install 'sp-cancel[redis]'"
)

_T = TypeVar("_T")


def _driver_rules(redis: Any) -> tuple[tuple[type[Exception], bool, str], ...]:
    """``(redis-py error, transient, what to do)``, most specific first: how each store failure is reported."""
    rules: list[tuple[str, bool, str]] = [
        ("AuthenticationError", False, "Redis refused the journal's credentials: fix the user/password in the URL"),
        ("BusyLoadingError", True, "Redis is loading its data set after a restart: call again in a moment"),
        ("ReadOnlyError", False, "Redis refused a write: the journal points at a read-only replica; use the primary"),
        ("OutOfMemoryError", False, "Redis is out of memory (maxmemory reached): free memory or raise maxmemory"),
        ("TimeoutError", True, "Redis did not answer in time: check the server and the network, then call again"),
        ("ConnectionError", True, "cannot reach Redis: check that the server runs and answers, then call again"),
        # A write whose connection dropped after it was sent may have been applied: the caller reads the entry
        # again (``get``) before acting on it.
    ]
    found = [(getattr(redis.exceptions, name, None), transient, text) for name, transient, text in rules]
    return tuple((cls, transient, text) for cls, transient, text in found if isinstance(cls, type))


# What a step of a transaction decides: its result, and the writes to queue in MULTI (None: nothing to write).
_Writes = Callable[[Any], None]


class _RedisClient(Protocol):
    """The part of ``redis.Redis`` this module uses."""

    def pipeline(self, transaction: bool = True) -> Any:  # noqa: FBT001, FBT002 - redis-py's signature
        """A pipeline; with ``transaction=True`` it can ``watch`` keys and run ``MULTI``/``EXEC``."""
        ...

    def close(self) -> None:
        """Close the client's connections."""
        ...


class RedisJournalStore(JournalBase, _RedisKeys):
    """The Redis client of a ``RedisJournal``, and its read-only queries.

    See ``RedisJournal`` for the arguments and the key layout.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: _RedisClient | None = None,
        clock: Clock | None = None,
        prefix: str = "sp_cancel:journal:",
    ) -> None:
        try:
            import redis  # noqa: PLC0415 - optional extra, imported only when used
        except ImportError as exc:
            raise ImportError(_REDIS_MISSING) from exc
        if not isinstance(prefix, str):
            raise InvalidInputError(f"prefix must be a string, got {prefix!r}", field="prefix")
        self._owns_client = client is None
        if client is None:
            client = redis.Redis.from_url(url or "redis://localhost:6379/0")
        self._client: _RedisClient = client
        self._watch_error: type[Exception] = redis.exceptions.WatchError
        self._driver_errors_of = _driver_rules(redis)
        self._clock: Clock = clock or SystemClock()
        self._prefix = prefix
        self._closed = False

    @property
    def prefix(self) -> str:
        """The prefix of every key of this journal."""
        return self._prefix

    def close(self) -> None:
        """Stop using Redis (closing the client only when this journal created it from a URL)."""
        if not self._closed and self._owns_client:
            self._client.close()
        self._closed = True

    # --- plumbing ---

    def _check_open(self) -> None:
        if self._closed:
            raise JournalError(f"{self!r} is closed")

    @contextmanager
    def _driver_errors(self) -> Iterator[None]:
        """Turn redis-py's store failures (unreachable, timeout, read-only...) into ``JournalUnavailableError``."""
        try:
            yield
        except Exception as exc:
            for cls, transient, text in self._driver_errors_of:
                if isinstance(exc, cls):
                    raise JournalUnavailableError(
                        f"{text} ({self!r}: {type(exc).__name__}: {exc})", backend="redis", transient=transient
                    ) from exc
            raise

    def _atomic(
        self,
        keys: Sequence[str],
        step: Callable[[Any], tuple[_T, _Writes | None]],
        *,
        also_watch: Sequence[str] = (),
    ) -> _T:
        """Run ``step`` on the watched entries of ``keys`` until its writes commit unchanged by anyone else.

        ``step(pipe)`` reads through ``pipe`` (commands run at once while watching) and returns its
        result and the writes to queue, or raises to change nothing.
        """
        self._check_open()
        watched = [self._entry_key(key) for key in keys] + list(also_watch)
        while True:
            with self._driver_errors(), self._client.pipeline(transaction=True) as pipe:
                try:
                    pipe.watch(*watched)
                    result, writes = step(pipe)
                    if writes is not None:
                        pipe.multi()
                        writes(pipe)
                        pipe.execute()
                except self._watch_error:
                    continue  # a watched entry changed under us: decide again on fresh data
                return result

    def _query(self, command: str, *args: Any) -> Any:
        """One read-only command, e.g. ``self._query("zrange", name, 0, -1)``."""
        self._check_open()
        with self._driver_errors(), self._client.pipeline(transaction=False) as pipe:
            getattr(pipe, command)(*args)
            return pipe.execute()[0]

    def _read(self, pipe: Any, key: str) -> _Raw | None:
        return _decoded(pipe.hgetall(self._entry_key(key)))

    def _read_many(self, keys: Sequence[str]) -> list[_Raw]:
        """The hashes of ``keys`` that still exist, in one round trip."""
        self._check_open()
        if not keys:
            return []
        with self._driver_errors(), self._client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hgetall(self._entry_key(key))
            found = [_decoded(raw) for raw in pipe.execute()]
        return [raw for raw in found if raw is not None]

    def _write(self, pipe: Any, key: str, changes: Mapping[str, str | None]) -> None:
        """Queue ``HSET`` of the changed fields and ``HDEL`` of those that become ``NULL``."""
        name = self._entry_key(key)
        present = {field: value for field, value in changes.items() if value is not None}
        absent = [field for field, value in changes.items() if value is None]
        if present:
            pipe.hset(name, mapping=present)
        if absent:
            pipe.hdel(name, *absent)

    @staticmethod
    def _changed(raw: _Raw, changes: Mapping[str, str | None]) -> _Raw:
        updated = dict(raw)
        for field, value in changes.items():
            if value is None:
                updated.pop(field, None)
            else:
                updated[field] = value
        return updated

    @staticmethod
    def _require_owner(raw: _Raw | None, key: str, owner: str) -> _Raw:
        check_owner(key, _get(raw, "state"), _get(raw, "owner"), owner)
        assert raw is not None  # noqa: S101 - check_owner raised for a missing entry
        return raw

    # --- reading ---

    def _get(self, key: str) -> Entry | None:
        found = self._read_many([key])
        return _as_entry(found[0]) if found else None

    def _find(self, kind: str, target: str) -> list[Entry]:
        members = self._query("zrevrange", self._find_key(kind, target), 0, -1)
        found = self._read_many([_text(m).split(":", 1)[1] for m in members])
        # Sorted again on what was read: an entry released and planned again meanwhile has a new place.
        found = [raw for raw in found if (raw["kind"], raw["target"]) == (kind, target)]
        return [_as_entry(raw) for raw in sorted(found, key=_order, reverse=True)]

    def _unfinished(self) -> list[Entry]:
        members = self._query("zrange", self._unfinished_key, 0, -1)
        found = self._read_many([_text(m).split(":", 1)[1] for m in members])
        return [_as_entry(raw) for raw in sorted(found, key=_order) if raw["state"] in _UNFINISHED]

    def _by_feed(self, feed_id: str) -> list[Entry]:
        members = self._query("smembers", self._feed_key(feed_id))
        found = [raw for raw in self._read_many(sorted(_text(m) for m in members)) if raw.get("feed_id") == feed_id]

        def by_message(raw: _Raw) -> tuple[bool, int, int]:
            message_id = raw.get("message_id")
            return message_id is not None, int(message_id or 0), int(raw["seq"])

        return [_as_entry(raw) for raw in sorted(found, key=by_message)]

    def _known_feed_ids(self, feed_type: str, since: str) -> set[str]:
        members = self._query("zrangebyscore", self._feed_type_key(feed_type), _micros(since), "+inf")
        keys = [_text(m) for m in members]
        return {
            raw["feed_id"]
            for raw in self._read_many(keys)
            if "feed_id" in raw
            and raw.get("feed_type") == feed_type
            and (raw.get("submitted_at", "") >= since or raw.get("updated_at", "") >= since)
        }


# --- the state changes -----------------------------------------------------------------------------


class RedisJournal(RedisJournalStore):
    """The journal in Redis: the same states, leases, errors and answers as the SQLite ``Journal``.

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
            ``url``; ``close`` leaves it open.
        clock: where ``now()`` comes from (timestamps and leases); default the system clock.
        prefix: prefix of every key; journals with different prefixes are independent.
    """

    def __repr__(self) -> str:
        return f"RedisJournal(prefix={self._prefix!r})"  # never the URL: it may hold a password

    # --- planning and leases ---

    def _plan(self, key: str, kind: str, target: str, data: str, lease: float) -> tuple[Entry, bool]:
        owner = new_owner()

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
                "created_at": format_ts(now),
                "updated_at": format_ts(now),
                "owner": owner,
                "lease_until": format_ts(now + timedelta(seconds=lease)),
                "version": "1",
                "seq": str(pipe.incr(self._seq_key)),  # outside MULTI: a retried step only leaves a gap
            }
            score, member = _micros(raw["created_at"]), _member(raw)

            def writes(tx: Any) -> None:
                tx.hset(self._entry_key(key), mapping=raw)
                tx.zadd(self._find_key(kind, target), {member: score})
                tx.zadd(self._unfinished_key, {member: score})

            return (_as_entry(raw), True), writes

        entry, created = self._atomic([key], step)
        if not created:
            drop_owner(owner)  # the token was never handed out
        return entry, created

    def _lease_to(
        self, key: str, owner: str, lease: float, decide: Callable[[_Raw], bool], **also: str
    ) -> Entry | None:
        """Give the planned lease of ``key`` to ``owner`` when ``decide(entry)`` says so, in one transaction.

        A step run again after a lost ``EXEC`` reply finds ``owner`` already holding the entry: that
        was this call's own write, so the entry is returned, not ``None``.
        """
        previous: list[str | None] = []

        def step(pipe: Any) -> tuple[Entry | None, _Writes | None]:
            raw = self._read(pipe, key)
            if raw is None:
                return None, None
            if raw["state"] == "planned" and raw.get("owner") == owner:
                return _as_entry(raw), None
            if not decide(raw):
                return None, None
            previous.append(raw.get("owner"))
            now = self._now()
            changes = {
                **also,
                "owner": owner,
                "lease_until": format_ts(now + timedelta(seconds=lease)),
                "updated_at": format_ts(now),
                "version": _next_version(raw),
            }
            return _as_entry(self._changed(raw, changes)), lambda tx: self._write(tx, key, changes)

        granted = self._atomic([key], step)
        drop_owner(owner if granted is None else (previous[-1] if previous else None))
        return granted

    def _take_over(self, key: str, lease: float, stale_owner: str | None) -> Entry | None:
        return self._lease_to(
            key, new_owner(), lease, lambda raw: may_take_over(_as_entry(raw), self._now(), stale_owner)
        )

    def _take_back(self, key: str, version: int, lease: float) -> Entry | None:
        return self._lease_to(
            key, new_owner(), lease, lambda raw: may_take_back(_as_entry(raw), version), state="planned"
        )

    def _renew_lease(self, key: str, owner: str, lease: float) -> Entry:
        def step(pipe: Any) -> tuple[Entry, _Writes | None]:
            raw = self._require_owner(self._read(pipe, key), key, owner)
            now = self._now()
            changes = {
                "lease_until": format_ts(now + timedelta(seconds=lease)),
                "updated_at": format_ts(now),
                "version": _next_version(raw),
            }
            return _as_entry(self._changed(raw, changes)), lambda tx: self._write(tx, key, changes)

        return self._atomic([key], step)

    # --- the submission ---

    def _mark_submitting(self, sending: Sending) -> list[Entry]:
        unique, ids, feed_type, document_hash, sent, amazon_sent, owner = sending

        def step(pipe: Any) -> tuple[list[Entry], _Writes | None]:
            now = format_ts(self._now())
            found = [self._read(pipe, key) for key in unique]
            if owner is not None and all(_own_submitting(raw, owner, sent, document_hash) for raw in found):
                return [_as_entry(raw) for raw in found if raw is not None], None
            for key, raw in zip(unique, found, strict=True):  # check every key before writing any: all or nothing
                check_submitting_entry(key, _get(raw, "state"), _get(raw, "owner"), owner)
            present = [raw for raw in found if raw is not None]
            changes = [
                {
                    "state": "submitted",
                    "feed_type": feed_type,
                    "document_hash": document_hash,
                    "message_id": None if ids.get(key) is None else str(ids[key]),
                    "submitted_at": sent,
                    "amazon_sent_at": amazon_sent,
                    "updated_at": now,
                    "lease_until": None,
                    "version": _next_version(raw),
                }
                for key, raw in zip(unique, present, strict=True)
            ]

            def writes(tx: Any) -> None:
                for key, change in zip(unique, changes, strict=True):
                    self._write(tx, key, change)
                    if feed_type is not None:
                        tx.zadd(self._feed_type_key(feed_type), {key: _micros(sent)})

            return [_as_entry(self._changed(raw, c)) for raw, c in zip(present, changes, strict=True)], writes

        return self._atomic(unique, step)

    def _check_feed_free(self, pipe: Any, feed_id: str, keys: Sequence[str]) -> None:
        """Raise ``FeedTakenError`` when an entry outside ``keys`` holds ``feed_id`` (read while watching)."""
        holders = {_text(m) for m in pipe.smembers(self._feed_key(feed_id))} - set(keys)
        check_feed_free(
            feed_id, sorted(key for key in holders if (self._read(pipe, key) or {}).get("feed_id") == feed_id)
        )

    def _mark_submitted(self, unique: list[str], feed_id: str) -> list[Entry]:
        if not unique:
            self._check_open()
            return []

        def step(pipe: Any) -> tuple[list[Entry], _Writes | None]:
            now = format_ts(self._now())
            found: list[_Raw] = []
            for key in unique:
                raw = existing(key, self._read(pipe, key))
                check_feed_id_entry(key, raw["state"], raw.get("feed_id"), feed_id)
                found.append(raw)
            self._check_feed_free(pipe, feed_id, unique)
            changes = [{"feed_id": feed_id, "updated_at": now, "version": _next_version(raw)} for raw in found]

            def writes(tx: Any) -> None:
                for key, raw, change in zip(unique, found, changes, strict=True):
                    self._write(tx, key, change)
                    if raw.get("feed_type"):  # found by known_feed_ids from when its feed id became known too
                        tx.zadd(self._feed_type_key(raw["feed_type"]), {key: _micros(now)})
                tx.sadd(self._feed_key(feed_id), *unique)

            return [_as_entry(self._changed(raw, c)) for raw, c in zip(found, changes, strict=True)], writes

        return self._atomic(unique, step, also_watch=[self._feed_key(feed_id)])

    def _mark_done(self, key: str, state: FinalState, data: str) -> Entry:
        def step(pipe: Any) -> tuple[Entry, _Writes | None]:
            raw = existing(key, self._read(pipe, key))
            if already_done(key, raw["state"], state):
                return _as_entry(raw), None
            changes = {
                "state": state,
                "outcome": data,
                "updated_at": format_ts(self._now()),
                "lease_until": None,
                "version": _next_version(raw),
            }

            def writes(tx: Any) -> None:
                self._write(tx, key, changes)
                tx.zrem(self._unfinished_key, _member(raw))

            return _as_entry(self._changed(raw, changes)), writes

        return self._atomic([key], step)

    def _release(self, key: str, owner: str | None) -> str | None:
        released: list[str | None] = []

        def step(pipe: Any) -> tuple[None, _Writes | None]:
            raw = self._read(pipe, key)
            if raw is None:
                return None, None
            check_release(_as_entry(raw), owner, self._now())
            released.append(raw.get("owner"))

            def writes(tx: Any) -> None:
                tx.delete(self._entry_key(key))
                tx.zrem(self._find_key(raw["kind"], raw["target"]), _member(raw))
                tx.zrem(self._unfinished_key, _member(raw))
                if "feed_type" in raw:
                    tx.zrem(self._feed_type_key(raw["feed_type"]), key)

            return None, writes

        self._atomic([key], step)
        return released[-1] if released else None
