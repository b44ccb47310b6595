"""Fixtures shared by the unit tests: the clock, an in-memory journal on it, the real Redis server, the inflater."""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator

import pytest

import sp_cancel._inflate as inflate_module
from sp_cancel.clock import FakeClock
from sp_cancel.journal import Journal

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def clock() -> FakeClock:
    """The test's clock (ours; a fake Amazon may read it too, with or without an offset)."""
    return FakeClock()


@pytest.fixture
def journal(clock: FakeClock) -> Iterator[Journal]:
    """An in-memory SQLite journal on the test's clock."""
    with Journal(":memory:", clock=clock) as opened:
        yield opened


@pytest.fixture
def real_redis_url() -> str:
    """The URL of the Redis server at REDIS_URL (default db 15 on localhost), or a skip saying none answered."""
    redis = pytest.importorskip("redis")
    url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2)
    try:
        client.ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        pytest.skip(f"no Redis server answers at {url} (set REDIS_URL to run this test): {exc}")
    finally:
        client.close()
    return url


@pytest.fixture(params=["isal", "zlib"])
def inflater(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with ISA-L's inflater (the ``fast`` extra) and again with the stdlib's zlib (the fallback)."""
    if request.param == "isal":
        pytest.importorskip("isal", reason="the fast extra's isal is not installed")
        assert inflate_module.inflater_name() == "isal"  # importable, so it is the one used
    else:
        monkeypatch.setattr(inflate_module, "_zlib", zlib)
        assert inflate_module.inflater_name() == "zlib"
    return str(request.param)
