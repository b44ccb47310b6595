"""Suite-wide plumbing: every simulator exchange is recorded for the contract check; cassette settings.

* ``simulator_exchanges``: every request any simulator answered during the session (in-process or
  served), tagged with the test that was running, collected through ``sp_cancel.testing.observe_all``.
  ``tests/contract/test_suite_contracts.py`` checks them against Amazon's models at the end of the run
  (tests marked ``suite_contracts`` are moved after every other test).
* ``vcr_config`` / ``vcr_cassette_dir``: pytest-recording settings; cassettes live in
  ``tests/cassettes/<test module>/`` and never hold a token or a secret (see docs/testing.md).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from sp_cancel.testing import Exchange, observe_all

CASSETTES = Path(__file__).resolve().parent / "cassettes"
REDACTED = "REDACTED"
_SECRET_FORM_FIELDS = ("refresh_token", "client_secret", "client_id")
_SECRET_JSON_FIELDS = ("access_token", "refresh_token")


# -- recording every simulator exchange --------------------------------------------------------------


class ExchangeLog:
    """The ``(test id, Exchange)`` pairs seen so far, and the test running now."""

    def __init__(self) -> None:
        self.current = "<collection>"
        self.records: list[tuple[str, Exchange]] = []

    def __call__(self, exchange: Exchange) -> None:
        """Observer: keep ``exchange`` under the running test's id."""
        self.records.append((self.current, exchange))


_LOG = ExchangeLog()


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker of the end-of-session checks."""
    config.addinivalue_line("markers", "suite_contracts: runs after every other test (it checks what they sent)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move ``suite_contracts`` tests to the end, keeping everything else in order."""
    last = [item for item in items if item.get_closest_marker("suite_contracts")]
    if last:
        items[:] = [item for item in items if not item.get_closest_marker("suite_contracts")] + last


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Tag exchanges with the test that caused them (its setup and teardown included)."""
    _LOG.current = item.nodeid
    try:
        return (yield)
    finally:
        _LOG.current = "<between tests>"


@pytest.fixture(scope="session", autouse=True)
def simulator_exchanges() -> Iterator[ExchangeLog]:
    """Every simulator exchange of the session, as ``(test id, Exchange)`` in ``.records``."""
    with observe_all(_LOG):
        yield _LOG


# -- cassettes (pytest-recording / vcrpy) ------------------------------------------------------------


def _scrub_form(body: bytes) -> bytes:
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return urlencode([(k, REDACTED if k in _SECRET_FORM_FIELDS else v) for k, v in pairs]).encode()


def scrub_request(request: Any) -> Any:
    """Blank the LWA form's refresh token, client id and secret before a request is written."""
    body = request.body
    if body and request.path.endswith("/auth/o2/token"):
        raw = body if isinstance(body, bytes) else str(body).encode()
        request.body = _scrub_form(raw)
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """Blank ``access_token``/``refresh_token`` in JSON answers before a response is written."""
    body = response.get("body", {}).get("string")
    if not body:
        return response
    raw = body if isinstance(body, bytes) else str(body).encode()
    if b"_token" not in raw:
        return response
    try:
        data = json.loads(raw)
    except ValueError:
        return response
    if isinstance(data, dict):
        for key in _SECRET_JSON_FIELDS:
            if key in data:
                data[key] = REDACTED
        scrubbed = json.dumps(data).encode()
        response["body"]["string"] = scrubbed
        for name in list(response.get("headers", {})):
            if name.lower() == "content-length":
                response["headers"][name] = [str(len(scrubbed))]
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """Replay only (``SP_CANCEL_RECORD=1``: rewrite); scrub credentials; match on method, path and query.

    The served port changes at every recording, so hosts and ports are not matched.
    """
    config: dict[str, Any] = {
        "filter_headers": [("x-amz-access-token", REDACTED), ("authorization", REDACTED)],
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "match_on": ["method", "path", "query"],
        "decode_compressed_response": False,
    }
    if os.environ.get("SP_CANCEL_RECORD") == "1":
        config["record_mode"] = "rewrite"
    return config


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Cassettes of ``tests/x/test_y.py`` live in ``tests/cassettes/test_y/``."""
    return str(CASSETTES / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Undo what a test's ``sp_cancel.cli.main()`` configured (root handlers, levels, structlog)."""
    import logging  # noqa: PLC0415 - only this fixture needs it

    import structlog  # noqa: PLC0415

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in ("sp_api", "httpx", "httpcore", "sp_cancel")}
    configured = structlog.is_configured()
    config = structlog.get_config()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)
    if configured:
        structlog.configure(**config)
    else:
        structlog.reset_defaults()
