"""Fixtures shared by the unit tests: the real Redis server, when one answers."""

from __future__ import annotations

import os

import pytest

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


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
