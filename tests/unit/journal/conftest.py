"""Fixtures of the journal tests: a fake clock, and journals of every backend on one shared store.

``journal_factory`` / ``journal`` run a test on the SQLite ``Journal``, on ``RedisJournal`` over fakeredis,
and on ``RedisJournal`` over the real server at ``REDIS_URL`` (marked ``redis``; skipped, saying so, when
none answers). ``poke`` writes one stored field as another worker (or an older sp_cancel) would have.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from journal_support import AnyJournal, JournalFactory, Poke

from sp_cancel.clock import FakeClock
from sp_cancel.journal import Journal, RedisJournal

PREFIX = "sp_cancel:journal:"


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock for timestamps and leases."""
    return FakeClock()


def _sqlite(path: Path) -> tuple[Callable[[FakeClock | None], AnyJournal], Poke, Callable[[], None]]:
    def poke(key: str, field: str, value: str | int | None) -> None:
        with sqlite3.connect(path) as conn:
            conn.execute(f"UPDATE entries SET {field} = ? WHERE key = ?", (value, key))  # noqa: S608 - test's own field name
        conn.close()

    return (lambda clock: Journal(path, clock=clock)), poke, lambda: None


def _fakeredis() -> tuple[Callable[[FakeClock | None], AnyJournal], Poke, Callable[[], None]]:
    fakeredis = pytest.importorskip("fakeredis")
    server = fakeredis.FakeServer()
    raw = fakeredis.FakeRedis(server=server)

    def poke(key: str, field: str, value: str | int | None) -> None:
        if value is None:
            raw.hdel(f"{PREFIX}entry:{key}", field)
        else:
            raw.hset(f"{PREFIX}entry:{key}", field, value)

    return (lambda clock: RedisJournal(client=fakeredis.FakeRedis(server=server), clock=clock)), poke, lambda: None


def _real_redis(url: str) -> tuple[Callable[[FakeClock | None], AnyJournal], Poke, Callable[[], None]]:
    import redis  # noqa: PLC0415 - only with a real server

    prefix = f"sp_cancel:test:{uuid.uuid4().hex}:"

    def poke(key: str, field: str, value: str | int | None) -> None:
        with redis.Redis.from_url(url) as client:
            if value is None:
                client.hdel(f"{prefix}entry:{key}", field)
            else:
                client.hset(f"{prefix}entry:{key}", field, value)

    def cleanup() -> None:
        with redis.Redis.from_url(url) as client:
            for name in client.scan_iter(match=f"{prefix}*"):
                client.delete(name)

    return (lambda clock: RedisJournal(url, clock=clock, prefix=prefix)), poke, cleanup


@pytest.fixture(params=["sqlite", "fakeredis", pytest.param("redis", marks=pytest.mark.redis)])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Callable[[FakeClock | None], AnyJournal], Poke]]:
    """How to open a journal on one store of the backend under test, and how to poke that store."""
    if request.param == "sqlite":
        make, poke, cleanup = _sqlite(tmp_path / "journal.sqlite3")
    elif request.param == "fakeredis":
        make, poke, cleanup = _fakeredis()
    else:
        make, poke, cleanup = _real_redis(request.getfixturevalue("real_redis_url"))
    yield make, poke
    cleanup()


@pytest.fixture
def journal_factory(
    backend: tuple[Callable[[FakeClock | None], AnyJournal], Poke], clock: FakeClock
) -> Iterator[JournalFactory]:
    """Opens journals (as separate workers would) on one store: a SQLite file, a fakeredis server, or real Redis."""
    make, _ = backend
    opened: list[AnyJournal] = []

    def factory(journal_clock: FakeClock | None = clock) -> AnyJournal:
        journal = make(journal_clock)
        opened.append(journal)
        return journal

    yield factory
    for journal in opened:
        journal.close()


@pytest.fixture
def journal(journal_factory: JournalFactory) -> AnyJournal:
    """A journal of the backend under test, on an empty store."""
    return journal_factory()


@pytest.fixture
def poke(backend: tuple[Callable[[FakeClock | None], AnyJournal], Poke]) -> Poke:
    """Write one stored field of an entry behind the journal's back (``None`` removes it where it can)."""
    return backend[1]
