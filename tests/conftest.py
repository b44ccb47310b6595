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


# -- a real SQS-compatible server on loopback (moto[server]), for the watch --------------------------------

_MOTO_START_SECONDS = 60.0  # a loaded machine may take this long to import moto; only a skip depends on it


def _free_port() -> int:
    import socket  # noqa: PLC0415 - only this fixture needs it

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    import urllib.request  # noqa: PLC0415 - only this fixture needs it

    try:
        with urllib.request.urlopen(url + "/moto-api/", timeout=2):  # noqa: S310 - our loopback URL
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """The base URL of a ``moto_server`` on 127.0.0.1 (no patched boto3: a real server on loopback).

    ``$SP_CANCEL_MOTO_URL`` when set (``.ci/run`` starts one), else one started here for the session.
    Skipped, saying why, when boto3 or ``moto_server`` is missing or the server cannot start.
    """
    import shutil  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import tempfile  # noqa: PLC0415
    import time  # noqa: PLC0415

    pytest.importorskip("boto3", reason="the watch's SQS tests need boto3: pip install -e '.[dev]'")
    given = os.environ.get("SP_CANCEL_MOTO_URL")
    if given:
        if not _answers(given):
            pytest.skip(f"SP_CANCEL_MOTO_URL={given} does not answer (is moto_server running?)")
        yield given
        return
    exe = shutil.which("moto_server")
    if exe is None:
        pytest.skip("moto_server is not installed: pip install 'moto[server]' (part of the dev extra)")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below; a file, not a pipe: its request log must never fill up and block it
    process = subprocess.Popen(  # noqa: S603 - our own executable and arguments
        [exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=log
    )
    deadline = time.monotonic() + _MOTO_START_SECONDS
    try:
        while not _answers(url):  # readiness: the server answers; bounded
            if process.poll() is not None:
                log.seek(0)
                error = log.read().decode(errors="replace")[-500:]
                pytest.skip(f"moto_server could not start: {error}")
            if time.monotonic() > deadline:
                pytest.skip(f"moto_server did not answer within {_MOTO_START_SECONDS:.0f} s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def sqs(moto_server: str) -> Any:
    """A boto3 SQS client of the moto server (made-up credentials, us-east-1)."""
    import boto3  # noqa: PLC0415 - optional dependency (the watch extra)

    return boto3.client(
        "sqs",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def watch_queue(sqs: Any, request: pytest.FixtureRequest) -> str:
    """A fresh Standard queue with a dead-letter queue after 3 receives (as Amazon's sample worker sets it)."""
    import hashlib  # noqa: PLC0415

    name = "watch-" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:16]
    dead = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": "3"})
    url: str = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy})["QueueUrl"]
    sqs.purge_queue(QueueUrl=url)
    sqs.purge_queue(QueueUrl=dead)
    return url
