"""``sp-cancel`` as a shell runs it, in real processes: never a Python traceback (issue 21, items 2, 3, 4 and 6).

Each test starts the console script exactly as pip writes it (``from <module> import main; sys.exit(main())``,
the entry point read from pyproject.toml), and drives it the way a shell user would: a pipe closed early, a bad
faults file, a port already taken, Ctrl-C (SIGINT) at several moments. Every wait is for a line the process
prints (the simulator's readiness line, a log event), never a fixed sleep; a signal sent "at some moment" is
asserted to be harmless whatever moment it lands on.
"""

from __future__ import annotations

import json
import os
import selectors
import shlex
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parents[2]
_MODULE, _, _FUNCTION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"][
    "sp-cancel"
].partition(":")
# What pip's console script does, plus (optionally) a hook run before it: the same process a shell starts.
_SCRIPT = "import sys\n{hook}\nfrom {module} import {function}\nsys.exit({function}())\n"
# Sends SIGINT to the process itself when MODULE is first imported: Ctrl-C at a chosen moment of start-up.
_INTERRUPT_AT_IMPORT = """
import os, signal, sys
class _CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == {target!r}:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, _CtrlC())
"""
# Prints a line the moment the library starts loading (the launcher has run): "it is starting now".
_ANNOUNCE_START = """
import sys
class _Started:
    def find_spec(self, name, path=None, target=None):
        if name == "sp_cancel":
            sys.meta_path.remove(self)
            print("test: sp_cancel starts loading", file=sys.stderr, flush=True)
        return None
sys.meta_path.insert(0, _Started())
"""
WAIT = 60.0  # seconds to wait for a line or an exit: generous for a loaded machine


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SP_API_", "LWA_", "AWS_ENV", "COLUMNS"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.update(extra)
    return env


def sp_cancel(
    *args: str, hook: str = "", env: dict[str, str] | None = None, stdout: int | IO[bytes] = subprocess.PIPE
) -> subprocess.Popen[bytes]:
    """Start ``sp-cancel ARGS`` the way the installed console script does."""
    script = _SCRIPT.format(hook=hook, module=_MODULE, function=_FUNCTION)
    return subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script, *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=env or _environment(),
        cwd=ROOT,
    )


def _read_until(stream: IO[bytes], marker: bytes) -> bytes:
    """Read ``stream`` (unbuffered, straight from its descriptor) until ``marker`` shows; return what was read."""
    descriptor = stream.fileno()
    read = b""
    deadline = time.monotonic() + WAIT
    with selectors.DefaultSelector() as selector:
        selector.register(descriptor, selectors.EVENT_READ)
        while marker not in read:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {marker!r} within {WAIT} s; read: {read[-2000:]!r}")
            if not selector.select(timeout=left):
                continue
            chunk = os.read(descriptor, 65536)
            if not chunk:
                raise AssertionError(f"the stream ended before {marker!r}; read: {read[-2000:]!r}")
            read += chunk
    return read


def _finish(process: subprocess.Popen[bytes], *, read: bytes = b"") -> tuple[int, str]:
    """Wait for the process; return its exit code and everything it wrote on stderr (``read`` already taken)."""
    try:
        _, err = process.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        process.kill()  # never leave a server behind
        process.communicate()
        raise
    return process.returncode, (read + (err or b"")).decode(errors="replace")


def _no_traceback(err: str) -> None:
    assert "Traceback" not in err, err
    assert "Exception ignored" not in err, err


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, str]]:
    """``sp-cancel simulator serve --print-env`` (4x Amazon's pace); the variables it printed, as a dict."""
    process = sp_cancel("simulator", "serve", "--port", "0", "--seed", "3", "--scale", "4", "--print-env")
    try:
        assert process.stdout is not None
        printed = _read_until(process.stdout, b"# sp-cancel simulator serving at").decode()
        (tmp_path / "simulator.env").write_text(printed, encoding="utf-8")
        variables = dict(
            shlex.split(line.removeprefix("export "))[0].split("=", 1)
            for line in printed.splitlines()
            if line.startswith("export ")
        )
        variables["_file"] = str(tmp_path / "simulator.env")
        yield variables
    finally:
        process.send_signal(signal.SIGINT)
        code, err = _finish(process)
        assert code == 130, err
        _no_traceback(err)


# --- item 2: a closed pipe is a quiet exit ------------------------------------------------------------------


@pytest.mark.parametrize("json_output", [True, False], ids=["json", "table"])
def test_a_pipe_closed_before_anything_is_written(json_output: bool) -> None:
    """The reader is gone before the first byte: exit 141 (128 + SIGPIPE, as cat and seq), nothing on stderr."""
    process = sp_cancel("orders", "--simulator", "3", *(["--json"] if json_output else []))
    assert process.stdout is not None
    process.stdout.close()  # nobody will read: every write meets a closed pipe
    code, err = _finish(process)
    assert code == 141, err
    assert err == ""


def test_a_pipe_closed_after_ten_bytes() -> None:
    """``| head -c 10`` on a document larger than the pipe's buffer: exit 141, nothing on stderr."""
    process = sp_cancel("orders", "--simulator", "3", "--since", "3650", "--limit", "1000", "--json")
    assert process.stdout is not None
    assert len(process.stdout.read(10)) == 10
    process.stdout.close()
    code, err = _finish(process)
    assert code == 141, err
    assert err == ""


def test_the_document_of_that_test_outgrows_a_pipe_buffer() -> None:
    """The previous test's output is larger than a pipe holds (64 KiB), so the writer must meet the closed pipe."""
    process = sp_cancel("orders", "--simulator", "3", "--since", "3650", "--limit", "1000", "--json")
    out, err = process.communicate(timeout=WAIT)
    assert process.returncode == 0, err
    assert len(out) > 2 * 65536


# --- item 3: the faults file and the port ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[{"operation": "feeds.createFeed", "fault": "503", "cuont": 2}]', "unknown key(s) cuont"),
        ("not json at all", "is not JSON: Expecting value at line 1, column 1"),
        ('{"operation": "feeds.createFeed", "fault": "503"}', "holds a dict, not a list of rules"),
        ('[{"operation": "feeds.createFeed", "fault": "504"}]', "unknown fault '504'"),
        (None, "no such file"),
    ],
    ids=["wrong-key", "not-json", "not-a-list", "unknown-fault", "missing"],
)
def test_a_bad_faults_file_is_one_message_with_its_format(tmp_path: Path, content: str | None, expected: str) -> None:
    """Exit 2, the file and the problem named, the format in the hint; the simulator never starts."""
    path = tmp_path / "f.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    process = sp_cancel("simulator", "serve", "--port", "0", "--faults", str(path))
    code, err = _finish(process)
    assert code == 2, err
    _no_traceback(err)
    assert expected in err
    assert str(path) in err
    assert "hint: " in err
    assert "docs/testing.md" in err


def test_a_port_in_use_is_one_message() -> None:
    """A port another socket listens on: exit 2, "already in use", what to do; no OSError traceback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        process = sp_cancel("simulator", "serve", "--port", str(port))
        code, err = _finish(process)
    assert code == 2, err
    _no_traceback(err)
    assert f"port {port} is already in use on 127.0.0.1" in err
    assert "--port 0" in err


# --- item 4: Ctrl-C at any moment ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "module",
    ["sp_cancel", "httpx", "structlog", "sp_cancel.client", "sp_cancel.cli._output", "sp_cancel.testing"],
)
def test_ctrl_c_while_starting(module: str) -> None:
    """SIGINT as MODULE starts loading (the library, its dependencies, the demo's simulator): 130, one line."""
    process = sp_cancel("demo", hook=_INTERRUPT_AT_IMPORT.format(target=module), stdout=subprocess.DEVNULL)
    code, err = _finish(process)
    assert code == 130, err
    _no_traceback(err)
    assert "interrupted" in err
    assert "nothing was sent" in err


def test_ctrl_c_while_starting_with_json() -> None:
    """With --json the interruption is the one JSON document on stdout."""
    process = sp_cancel("orders", "--simulator", "1", "--json", hook=_INTERRUPT_AT_IMPORT.format(target="httpx"))
    out, err = process.communicate(timeout=WAIT)
    assert process.returncode == 130, err
    _no_traceback(err.decode())
    assert json.loads(out)["error"]["type"] == "Interrupted"


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.1, 0.2, 0.4])
def test_ctrl_c_at_some_moment_of_the_demo(delay: float) -> None:
    """SIGINT some time after the library starts loading: exit 130 saying so, or 0 if the demo was done first."""
    process = sp_cancel("demo", hook=_ANNOUNCE_START, stdout=subprocess.DEVNULL)
    assert process.stderr is not None
    read = _read_until(process.stderr, b"test: sp_cancel starts loading")
    time.sleep(delay)  # the moment, not a synchronisation: any moment must do
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    code, err = _finish(process, read=read)
    _no_traceback(err)
    assert code in {0, 130}, err
    if code == 130:
        assert "interrupted" in err


@pytest.mark.slow
def test_ctrl_c_during_a_cancel_says_how_to_settle_it(served: dict[str, str], tmp_path: Path) -> None:
    """SIGINT once the feed is out: 130, "may already have reached" Amazon, resume settles it (cancelled once)."""
    env = _environment(**{k: v for k, v in served.items() if not k.startswith("_")})
    journal = str(tmp_path / "journal.sqlite3")
    listing = sp_cancel("orders", "--status", "UNSHIPPED", "--channel", "MFN", "--since", "3650", "--json", env=env)
    out, err = listing.communicate(timeout=WAIT)
    assert listing.returncode == 0, err
    order_id = json.loads(out)[0]["order_id"]

    cancel = sp_cancel(
        "--log-level", "INFO", "cancel", order_id, "--reason", "NO_INVENTORY", "--journal", journal, env=env
    )
    assert cancel.stderr is not None
    read = _read_until(cancel.stderr, b"sp_cancel.feed_submitted")
    cancel.send_signal(signal.SIGINT)
    code, err = _finish(cancel, read=read)
    assert code == 130, err
    _no_traceback(err)
    assert "a feed or a request may already have reached it" in err
    assert "sp-cancel resume" in err

    resume = sp_cancel("resume", "--journal", journal, "--json", env=env)
    out, err = resume.communicate(timeout=WAIT)
    assert resume.returncode == 0, err
    [outcome] = json.loads(out)
    assert (outcome["order_id"], outcome["status"]) == (order_id, "CANCELLED")


def test_ctrl_c_stops_simulator_serve_with_130(served: dict[str, str]) -> None:
    """The served simulator answers until SIGINT, then exits 130 (the fixture's teardown checks the exit)."""
    process = sp_cancel("orders", "--limit", "1", "--json", env=_environment(**served))
    out, err = process.communicate(timeout=WAIT)
    assert process.returncode == 0, err
    assert len(json.loads(out)) == 1


# --- item 6: the CLI pointed at `simulator serve` through the printed variables ------------------------------


def test_print_env_lines_source_in_a_shell_and_drive_the_cli(served: dict[str, str]) -> None:
    """``. simulator.env`` in sh, then sp-cancel: the seven variables are all it needs."""
    assert {
        "SP_API_ENDPOINT",
        "SP_API_TOKEN_URL",
        "SP_API_REFRESH_TOKEN",
        "LWA_APP_ID",
        "LWA_CLIENT_SECRET",
        "SP_API_SELLER_ID",
        "SP_API_MARKETPLACE",
    } == {k for k in served if not k.startswith("_")}
    script = _SCRIPT.format(hook="", module=_MODULE, function=_FUNCTION)
    command = (
        f". {shlex.quote(served['_file'])} && exec {shlex.quote(sys.executable)} -c {shlex.quote(script)} rate --json"
    )
    shell = subprocess.run(  # noqa: S603 - sh with our own fixed command
        ["/bin/sh", "-c", command], capture_output=True, env=_environment(), cwd=ROOT, timeout=WAIT, check=False
    )
    assert shell.returncode == 0, shell.stderr
    assert json.loads(shell.stdout)["total"] > 0
