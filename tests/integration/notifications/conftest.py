"""A real SQS-compatible server on loopback for the notification tests: ``moto_server`` (moto[server]).

Started once per session on a free port of 127.0.0.1 and stopped after; the tests talk to it with boto3, as a
seller's code talks to AWS (no patched boto3). When it cannot start (moto[server] or boto3 not installed, the
process dies, it never answers) the tests that need it are skipped, saying why.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

_READY_SECONDS = 60.0  # a loaded machine may take this long to import moto; the loop ends as soon as it answers
_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(port: int) -> list[str] | None:
    found = shutil.which("moto_server")
    if found:
        return [found, "-H", "127.0.0.1", "-p", str(port)]
    try:
        import moto.server  # noqa: F401, PLC0415 - only to know whether it is installed
    except ImportError:
        return None
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """The base URL of a running ``moto_server`` on 127.0.0.1 (skips the test when none can start)."""
    pytest.importorskip("boto3", reason="boto3 (sp-cancel[watch]) is not installed")
    port = _free_port()
    command = _command(port)
    if command is None:
        pytest.skip("moto_server cannot start: moto[server] is not installed (pip install 'moto[server]')")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + _READY_SECONDS
    try:
        while True:
            if process.poll() is not None:
                pytest.skip(f"moto_server exited at start (code {process.returncode}): {' '.join(command)}")
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):  # noqa: S310 - loopback
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.skip(f"moto_server did not answer on {url} within {_READY_SECONDS:.0f} s")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
