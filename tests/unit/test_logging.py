"""Tests for sp_cancel.logging: redaction in structlog events and stdlib records."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import structlog
from structlog.testing import capture_logs

from sp_cancel import Credentials
from sp_cancel._events import CALL_COMPLETED
from sp_cancel.clock import FakeClock
from sp_cancel.logging import REDACTED, RedactingFilter, configure_logging, redact, scrub
from sp_cancel.ratelimit import InMemoryRateLimiter
from sp_cancel.retry import RetryPolicy
from sp_cancel.transport import SpApi

ACCESS_TOKEN = "Atza|IwEBIaccess-token-SECRET-456"
CREDS = Credentials(
    refresh_token="Atzr|IwEBIrefresh-token-SECRET-123",
    client_id="amzn1.application-oa2-client.test",
    client_secret="amzn1.oa2-cs.v1.clientsecretSECRET789",
)
SECRETS = (ACCESS_TOKEN, CREDS.refresh_token, CREDS.client_secret, "SECRET")
TOKEN_URL = "https://lwa.example.test/auth/o2/token"
UPLOAD_URL = "https://s3.example.test/doc?X-Amz-Signature=deadbeefSECRET&X-Amz-Security-Token=IQoSECRET"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Undo configure_logging: root handlers and level, library logger levels, structlog config."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in ("sp_api", "httpcore")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)
    structlog.reset_defaults()


@pytest.mark.parametrize(
    "key",
    [
        "x-amz-access-token",
        "access_token",
        "refresh_token",
        "client_secret",
        "Authorization",
        "BuyerName",
        "buyer_email",
        "BuyerEmail",
        "ShippingAddress",
        "recipient",
        "Phone",
        "buyerInfo",
        "deliveryAddress",
    ],
)
def test_redact_removes_sensitive_keys_at_any_depth(key: str) -> None:
    """Secret and PII keys are redacted at the top level and nested in dicts and lists."""
    event: dict[str, Any] = {"event": "x", key: "v", "nested": {"items": [{key: {"deep": "v"}, "ok": 1}]}}
    out = redact(None, "info", event)
    assert out[key] == REDACTED
    assert out["nested"]["items"][0][key] == REDACTED
    assert out["nested"]["items"][0]["ok"] == 1
    assert out["event"] == "x"


def test_redact_keeps_ordinary_fields() -> None:
    """Operation, ids and numbers pass through untouched."""
    event = {"event": "sp_cancel.call_completed", "operation": "getOrder", "order_id": "112-1234567-1234567", "n": 3}
    assert redact(None, "info", dict(event)) == event


@pytest.mark.parametrize(
    "text",
    [
        f"token={ACCESS_TOKEN} done",
        f"refresh {CREDS.refresh_token}",
        f"secret: {CREDS.client_secret}",
        "{'x-amz-access-token': 'opaque-SECRET', 'host': 'h'}",
        "grant_type=refresh_token&refresh_token=opaqueSECRET&client_secret=opaqueSECRET2",
        f"PUT {UPLOAD_URL}",
    ],
)
def test_scrub_token_shapes_inside_strings(text: str) -> None:
    """Token-shaped substrings and key=value secrets inside strings are replaced."""
    cleaned = scrub(text)
    assert "SECRET" not in cleaned
    assert REDACTED in cleaned


def test_filter_scrubs_sp_api_request_headers_line() -> None:
    """The stdlib filter scrubs sp_api's DEBUG 'Request Headers: %s' record."""
    record = logging.LogRecord(
        "sp_api.base.client",
        logging.DEBUG,
        __file__,
        1,
        "Request Headers: %s",
        ({"x-amz-access-token": ACCESS_TOKEN},),
        None,
    )
    assert RedactingFilter().filter(record) is True
    assert ACCESS_TOKEN not in record.getMessage()
    assert "Request Headers" in record.getMessage()


def test_filter_keeps_structlog_events_as_dicts() -> None:
    """A structlog event on its way to ProcessorFormatter stays a dict, redacted."""
    record = logging.LogRecord("sp_cancel", logging.INFO, __file__, 1, {"event": "e", "refresh_token": "x"}, None, None)
    RedactingFilter().filter(record)
    assert record.msg == {"event": "e", "refresh_token": REDACTED}


def _run_calls() -> None:
    """A token exchange, an SP-API call and an upload, all through one mock transport."""

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            return httpx.Response(200, json={"access_token": ACCESS_TOKEN, "expires_in": 3600})
        if request.method == "PUT":
            return httpx.Response(200, headers={"ETag": '"etag"'})  # S3 confirms what it stored
        feed = {"feedId": "F1", "feedType": "X", "createdTime": "2026-01-01T00:00:00Z", "processingStatus": "DONE"}
        return httpx.Response(200, json=feed, headers={"x-amzn-RequestId": "rid-1"})

    clock = FakeClock()
    api = SpApi(
        credentials=CREDS,
        seller_id="A1SELLER",
        marketplace_id="ATVPDKIKX0DER",
        endpoint="https://sp.example.test",
        token_url=TOKEN_URL,
        http=httpx.Client(transport=httpx.MockTransport(handler)),
        limiter=InMemoryRateLimiter(clock=clock, sleep=clock.sleep),
        retry=RetryPolicy(),
        clock=clock,
        sleep=clock.sleep,
    )
    api.get_feed("F1")
    api.upload(UPLOAD_URL, b"<x/>", "text/xml; charset=UTF-8")


def test_no_secret_in_debug_logs_of_real_calls() -> None:
    """With the root logger at DEBUG and structlog captured, no token or secret appears anywhere."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with capture_logs() as events:
            _run_calls()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    stdlib_text = buffer.getvalue()
    assert "HTTP Request" in stdlib_text  # httpx did log at INFO/DEBUG
    completed = [e for e in events if e["event"] == CALL_COMPLETED]
    assert completed[0]["operation"] == "getFeed"
    assert completed[0]["request_id"] == "rid-1"
    assert completed[0]["seller_id"] == "A1SELLER"
    everything = stdlib_text + repr(events)
    for secret in (ACCESS_TOKEN, CREDS.refresh_token, CREDS.client_secret):
        assert secret not in everything


def test_configure_logging_scrubs_every_library(restore_logging: None, capsys: pytest.CaptureFixture[str]) -> None:
    """After configure_logging(DEBUG), sp_api's header line, httpx's S3 URL and events carry no secret."""
    configure_logging("DEBUG", json=True)
    _run_calls()
    logging.getLogger("sp_api.base.client").warning("Request Headers: %s", {"x-amz-access-token": ACCESS_TOKEN})
    structlog.get_logger("sp_cancel").info(
        "sp_cancel.test_logged", refresh_token=CREDS.refresh_token, note=ACCESS_TOKEN
    )
    err = capsys.readouterr().err
    assert "Request Headers" in err
    assert "sp_cancel.call_completed" in err
    for secret in SECRETS:
        assert secret not in err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(line.get("event") == "sp_cancel.test_logged" for line in lines)


def test_configure_logging_holds_sp_api_at_info(restore_logging: None) -> None:
    """sp_api's DEBUG lines (request headers) are not even emitted after configure_logging."""
    configure_logging("DEBUG")
    assert not logging.getLogger("sp_api.base.client").isEnabledFor(logging.DEBUG)


def test_configure_logging_rejects_unknown_level(restore_logging: None) -> None:
    """An unknown level name is a ValueError."""
    with pytest.raises(ValueError, match="level"):
        configure_logging("LOUD")


def test_import_configures_nothing() -> None:
    """Importing sp_cancel adds no handler, sets no level and leaves structlog unconfigured."""
    code = (
        "import logging, structlog, sp_cancel, sp_cancel.logging, sp_cancel.transport\n"
        "root = logging.getLogger()\n"
        "print(len(root.handlers), root.level, structlog.is_configured())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert out.stdout.split() == ["0", str(logging.WARNING), "False"]
