"""Key layout and serialisation of the Redis journal (:class:`~sp_cancel.journal.RedisJournal`).

Layout under ``prefix`` (default ``sp_cancel:journal:``):

- ``entry:<key>``: one hash per entry, with the SQLite journal's columns as fields (absent = ``NULL``),
  stored as the SQLite journal stores them (timestamps as fixed-width UTC text, payloads as JSON), plus
  ``seq``, a number from the ``seq`` counter that orders entries created in the same microsecond (SQLite's
  ``rowid``);
- ``find:<len(kind)>:<kind>:<target>`` and ``unfinished``: sorted sets scored by creation time (microseconds
  since the epoch), member ``"<seq, 20 digits>:<key>"``, so ties are broken by ``seq``;
- ``feed:<feed id>``: the set of keys sent in that feed;
- ``feed_type:<feed type>``: a sorted set of keys scored by ``submitted_at`` (microseconds since the epoch).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sp_cancel._journal_entry import Entry
from sp_cancel._journal_schema import _COLUMNS, _entry

_FIELDS: Final = tuple(name.strip() for name in _COLUMNS.split(","))
_UNFINISHED: Final = frozenset({"planned", "submitted"})
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)

_Raw = dict[str, str]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _decoded(raw: Mapping[Any, Any] | None) -> _Raw | None:
    if not raw:
        return None  # HGETALL of a missing key is an empty hash
    return {_text(name): _text(value) for name, value in raw.items()}


def _micros(timestamp: str) -> int:
    """A stored timestamp as whole microseconds since the epoch: exact in a sorted set's score (< 2**53)."""
    return (datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) - _EPOCH) // _MICROSECOND


def _as_entry(raw: Mapping[str, str]) -> Entry:
    row: dict[str, Any] = {name: raw.get(name) for name in _FIELDS}
    if row["message_id"] is not None:
        row["message_id"] = int(row["message_id"])
    return _entry(row)


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
