"""The command line's edges in process: Ctrl-C handling, wrapped tables, hints, bad values (issue 21, items 2-6, 9)."""

from __future__ import annotations

import io
import json
import re
import shlex
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

from sp_cancel.cli import main
from sp_cancel.cli._hints import describe_error
from sp_cancel.cli._output import EXIT_INTERRUPTED, Output, UsageError, when
from sp_cancel.cli._signals import Interrupts
from sp_cancel.cli._simulator import environment_lines, load_faults_file
from sp_cancel.errors import InvalidInputError

DOCS = Path(__file__).resolve().parents[3] / "docs"


class StoppedError(Exception):
    """Raised by the fake ``os._exit``."""


def _exit(code: int) -> NoReturn:
    raise StoppedError(code)


def _parse(*argv: str) -> object:
    from sp_cancel.cli import build_parser  # noqa: PLC0415

    return build_parser().parse_args(list(argv))


def test_first_ctrl_c_in_the_work_raises_and_the_second_stops_at_once() -> None:
    """Inside work(): KeyboardInterrupt once; the next SIGINT writes the settle hint and exits 130 at once."""
    err = io.StringIO()
    interrupts = Interrupts(Output(stream=io.StringIO(), err=err), exit_now=_exit)
    interrupts.args = _parse("cancel", "112-1234567-1234567", "--reason", "NO_INVENTORY")
    with interrupts.work(), pytest.raises(KeyboardInterrupt):
        interrupts.handle(2, None)
    with pytest.raises(StoppedError) as stopped:
        interrupts.handle(2, None)
    assert stopped.value.args == (EXIT_INTERRUPTED,)
    text = err.getvalue()
    assert "may already have reached it" in text
    assert "sp-cancel resume" in text
    assert "second Ctrl-C" in text


def test_ctrl_c_outside_the_work_stops_at_once_quietly() -> None:
    """Parsing or printing: no exception to unwind, one line, 130; nothing was sent by a reading command."""
    err = io.StringIO()
    interrupts = Interrupts(Output(stream=io.StringIO(), err=err), exit_now=_exit)
    interrupts.args = _parse("orders", "--simulator", "1")
    with pytest.raises(StoppedError):
        interrupts.handle(2, None)
    assert err.getvalue() == "sp-cancel: interrupted; nothing was sent\n"


def test_ctrl_c_with_json_is_the_json_document() -> None:
    """With --json the interruption is one JSON error document on stdout."""
    out = io.StringIO()
    interrupts = Interrupts(Output(as_json=True, stream=out, err=io.StringIO()), exit_now=_exit)
    interrupts.args = _parse("refund", "112-1234567-1234567", "--principal", "1", "--currency", "USD",
                             "--reason", "GENERAL_ADJUSTMENT", "--json")  # fmt: skip
    with pytest.raises(StoppedError):
        interrupts.handle(2, None)
    error = json.loads(out.getvalue())["error"]
    assert error["type"] == "Interrupted"
    assert "sp-cancel resume" in error["hint"]


def test_buyer_requests_sends_only_with_accept() -> None:
    """Listing buyer requests sends nothing; --accept does."""
    from sp_cancel.cli._hints import may_have_sent  # noqa: PLC0415

    assert not may_have_sent(_parse("buyer-requests"))  # type: ignore[arg-type]
    assert may_have_sent(_parse("buyer-requests", "--accept"))  # type: ignore[arg-type]
    assert not may_have_sent(_parse("orders"))  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["-3", "0", "x"])
def test_limit_must_be_positive(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``orders --limit -3`` is a usage error (exit 2), not "no orders match"."""
    assert main(["orders", "--limit", value, "--simulator", "3"]) == 2
    captured = capsys.readouterr()
    assert "--limit" in captured.err
    assert "no orders match" not in captured.out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["cancel", "112-1234567", "--reason", "NO_INVENTORY"], "sp-cancel orders"),
        (["cancel", "112-1234567-1234567", "--reason", "NO_INVENTORY", "--item", "12:1"], "sp-cancel order"),
        (["close-listing", "x" * 41], "40 characters"),
    ],
)
def test_bad_input_always_comes_with_a_hint(argv: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A malformed id gets a hint (cli.md promises one), never ``"hint": null``."""
    assert main([*argv, "--simulator", "3", "--json"]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["hint"], error
    assert words in error["hint"]


def test_an_unnamed_field_hints_at_the_command_help() -> None:
    """Bad input the table has no hint for points at the command's --help."""
    report = describe_error(InvalidInputError("bad", field="mystery"), command="refund")
    assert report.hint == "sp-cancel refund --help says what each argument takes"


@pytest.mark.parametrize(("argv", "words"), [(["--port", "70000"], "0 to 65535"), (["--scale", "0"], "positive")])
def test_serve_refuses_impossible_values(argv: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A port beyond 65535 or a scale of 0 is a usage error, not an OverflowError or a ZeroDivisionError."""
    assert main(["simulator", "serve", *argv]) == 2
    assert words in capsys.readouterr().err


def test_faults_file_errors_name_file_rule_and_key(tmp_path: Path) -> None:
    """The second rule's unknown key is named with the rule's number; a rule without 'fault' too."""
    path = tmp_path / "f.json"
    path.write_text('[{"fault": "503"}, {"fault": "500", "operaton": "x"}]', encoding="utf-8")
    with pytest.raises(UsageError, match=r"rule 2: unknown key\(s\) operaton"):
        load_faults_file(str(path))
    path.write_text('{"faults": [{"operation": "feeds.getFeed"}]}', encoding="utf-8")
    with pytest.raises(UsageError, match=r"rule 1: no 'fault'"):
        load_faults_file(str(path))


def test_the_documented_faults_file_loads() -> None:
    """docs/testing.md's faults file example is a valid faults file."""
    page = (DOCS / "testing.md").read_text(encoding="utf-8")
    section = page[page.index("### Faults file") :]
    [example] = re.findall(r"```json\n(.*?)```", section, flags=re.DOTALL)[:1]
    rules = load_faults_file_text(example)
    assert [r.fault for r in rules] == ["timeout_after_commit", "503", "500", "delay"]
    assert rules[2].count is None


def load_faults_file_text(text: str) -> list[object]:
    """``load_faults_file`` on ``text`` (through a temporary file)."""
    import tempfile  # noqa: PLC0415

    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8", delete=False) as handle:
        handle.write(text)
    try:
        return list(load_faults_file(handle.name)[0])
    finally:
        Path(handle.name).unlink()


def test_environment_lines_are_shell_safe() -> None:
    """--print-env quotes what needs quoting; sh reads the values back exactly."""
    info = {
        "base_url": "http://127.0.0.1:8000",
        "token_url": "http://127.0.0.1:8000/auth/o2/token",
        "refresh_token": "Atzr|it's $weird",
        "client_id": "id",
        "client_secret": "sec ret",
        "seller_id": "A1SIMSELLER0001",
        "marketplace_id": "ATVPDKIKX0DER",
    }
    text = environment_lines(info)
    assert text.splitlines()[-1] == "# sp-cancel simulator serving at http://127.0.0.1:8000 (Ctrl-C stops it)"
    printed = subprocess.run(  # noqa: S603 - sh reading our own lines
        ["/bin/sh", "-c", text + 'printf "%s\\n" "$SP_API_REFRESH_TOKEN" "$LWA_CLIENT_SECRET"'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert printed == ["Atzr|it's $weird", "sec ret"]
    assert shlex.split(text.splitlines()[0]) == ["export", "SP_API_ENDPOINT=http://127.0.0.1:8000"]


def test_long_cells_wrap_within_the_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 400-character cell wraps: no line of a plain table is wider than COLUMNS; every word is still there."""
    monkeypatch.setenv("COLUMNS", "80")
    stream = io.StringIO()
    out = Output(stream=stream, err=io.StringIO(), fancy=False)
    reason = " ".join(f"word{n}" for n in range(80))
    out.table([("SIM-FBA-001", "REFUSED", reason), ("SIM-MFN-004", "ACCEPTED", "")], ["sku", "status", "issues"])
    lines = stream.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert " ".join(" ".join(lines).split()).count("word79") == 1
    assert lines[2].startswith("SIM-FBA-001")
    assert any(line.startswith("SIM-MFN-004") for line in lines[3:])


def test_times_are_written_one_way() -> None:
    """Every time the CLI prints is ``YYYY-MM-DD HH:MM UTC``, offsets converted."""
    from datetime import datetime, timedelta, timezone  # noqa: PLC0415

    moment = datetime(2026, 11, 28, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    assert when(moment) == "2026-11-28 11:00 UTC"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["orders", "--limit", "ten"], "'ten' is not a whole number"),
        (["buyer-requests", "--days", "week"], "'week' is not a number of days"),
        (["simulator", "serve", "--port", "http"], "'http' is not a port number"),
        (["simulator", "serve", "--scale", "fast"], "'fast' is not a number"),
    ],
)
def test_a_number_option_says_what_it_could_not_read(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Text a numeric option cannot read is a usage error (exit 2) naming the text and what was wanted."""
    assert main(argv) == 2
    assert said in capsys.readouterr().err
