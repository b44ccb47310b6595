"""boto3 clients on the session's ``moto_server`` (tests/conftest.py) for the notification tests.

The tests talk to a real SQS-compatible server on loopback with boto3, as a seller's code talks to AWS (no
patched boto3). When it cannot start the tests that need it are skipped, saying why.
"""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest

_READY_SECONDS = 60.0  # a loaded machine may take this long to import moto; the loop ends as soon as it answers
_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="session")
def moto_url(moto_server: str) -> str:
    """The session's ``moto_server`` (tests/conftest.py starts it, or uses ``$SP_CANCEL_MOTO_URL``)."""
    return moto_server


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A factory of boto3 clients on ``moto_server`` (``aws("sqs")``); fake credentials, no AWS account."""
    import boto3  # noqa: PLC0415 - boto3 is optional (sp-cancel[watch])

    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)

    def make(service: str, region: str = "us-east-1") -> Any:
        return boto3.client(service, region_name=region, endpoint_url=moto_url, **_CREDENTIALS)

    return make


@pytest.fixture
def moto_reset(moto_url: str) -> None:
    """Empty moto's state before the test (queues and keys of earlier tests gone)."""
    request = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback
        pass
