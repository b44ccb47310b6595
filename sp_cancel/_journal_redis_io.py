"""The Redis plumbing under :class:`~sp_cancel.journal.RedisJournal`: the client, transactions and queries.

:class:`RedisJournalStore` holds the client, runs optimistic transactions, reads and writes entry
hashes, and answers the read-only questions; :class:`~sp_cancel.journal.RedisJournal` adds the
state changes. Key names and serialisation: :mod:`sp_cancel._journal_redis_keys`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Protocol, TypeVar

from sp_cancel._journal_entry import Entry, JournalBase, JournalError, LeaseLostError
from sp_cancel._journal_redis_keys import _UNFINISHED, _as_entry, _decoded, _micros, _order, _Raw, _RedisKeys, _text
from sp_cancel._journal_schema import _ts
from sp_cancel.clock import Clock, SystemClock
from sp_cancel.errors import InvalidInputError

__all__ = ["RedisJournalStore"]

_REDIS_MISSING: Final = (
    "RedisJournal needs the 'redis' package, which is an optional extra: pip install 'sp-cancel[redis]'"
)

_T = TypeVar("_T")
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
    """The Redis client of a :class:`~sp_cancel.journal.RedisJournal`, and its read-only queries.

    See :class:`~sp_cancel.journal.RedisJournal` for the arguments and the key layout.
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

    def _atomic(self, keys: Sequence[str], step: Callable[[Any], tuple[_T, _Writes | None]]) -> _T:
        """Run ``step`` on the watched entries of ``keys`` until its writes commit unchanged by anyone else.

        ``step(pipe)`` reads through ``pipe`` (commands run at once while watching) and returns its
        result and the writes to queue, or raises to change nothing.
        """
        self._check_open()
        watched = [self._entry_key(key) for key in keys]
        while True:
            with self._client.pipeline(transaction=True) as pipe:
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
        with self._client.pipeline(transaction=False) as pipe:
            getattr(pipe, command)(*args)
            return pipe.execute()[0]

    def _read(self, pipe: Any, key: str) -> _Raw | None:
        return _decoded(pipe.hgetall(self._entry_key(key)))

    def _read_many(self, keys: Sequence[str]) -> list[_Raw]:
        """The hashes of ``keys`` that still exist, in one round trip."""
        self._check_open()
        if not keys:
            return []
        with self._client.pipeline(transaction=False) as pipe:
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
        if raw is None:
            raise LeaseLostError(f"journal entry {key!r} does not exist (released?)")
        if raw["state"] != "planned" or raw.get("owner") != owner:
            raise LeaseLostError(f"journal entry {key!r} is {raw['state']} and no longer leased to this caller")
        return raw

    # --- reading ---

    def get(self, key: str) -> Entry | None:
        """The entry for ``key``, or ``None``."""
        found = self._read_many([key])
        return _as_entry(found[0]) if found else None

    def find(self, kind: str, target: str) -> list[Entry]:
        """Entries of ``kind`` for ``target`` (order id or SKU), newest first."""
        members = self._query("zrevrange", self._find_key(kind, target), 0, -1)
        found = self._read_many([_text(m).split(":", 1)[1] for m in members])
        # Sorted again on what was read: an entry released and planned again meanwhile has a new place.
        found = [raw for raw in found if (raw["kind"], raw["target"]) == (kind, target)]
        return [_as_entry(raw) for raw in sorted(found, key=_order, reverse=True)]

    def unfinished(self) -> list[Entry]:
        """Entries still ``planned`` or ``submitted``, oldest first: what ``resume()`` must finish."""
        members = self._query("zrange", self._unfinished_key, 0, -1)
        found = self._read_many([_text(m).split(":", 1)[1] for m in members])
        return [_as_entry(raw) for raw in sorted(found, key=_order) if raw["state"] in _UNFINISHED]

    def by_feed(self, feed_id: str) -> list[Entry]:
        """Entries sent in feed ``feed_id``, by message id (entries without one first, as in SQLite)."""
        members = self._query("smembers", self._feed_key(feed_id))
        found = [raw for raw in self._read_many(sorted(_text(m) for m in members)) if raw.get("feed_id") == feed_id]

        def by_message(raw: _Raw) -> tuple[bool, int, int]:
            message_id = raw.get("message_id")
            return message_id is not None, int(message_id or 0), int(raw["seq"])

        return [_as_entry(raw) for raw in sorted(found, key=by_message)]

    def known_feed_ids(self, feed_type: str, since: datetime) -> set[str]:
        """Feed ids of ``feed_type`` sent since ``since``: ours, when recovering with ``getFeeds``."""
        start = _ts(since)
        members = self._query("zrangebyscore", self._feed_type_key(feed_type), _micros(start), "+inf")
        keys = [_text(m) for m in members]
        return {
            raw["feed_id"]
            for raw in self._read_many(keys)
            if "feed_id" in raw and raw.get("feed_type") == feed_type and raw.get("submitted_at", "") >= start
        }
