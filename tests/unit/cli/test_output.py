"""How sp-cancel writes: rich or plain tables, progress only on a terminal, errors as one JSON document."""

from __future__ import annotations

import io
import json
import sys

import attrs
import pytest

from sp_cancel._outcomes import FeedState
from sp_cancel.cli._hints import cli_hint, describe_error
from sp_cancel.cli._output import ErrorReport, Output, UsageError
from sp_cancel.clock import human_duration
from sp_cancel.errors import InvalidInputError, NetworkError, NotCancellableError


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        """Always a terminal."""
        return True


def _state(status: str) -> FeedState:
    return FeedState(feed_id="50001", feed_type="POST_ORDER_ACKNOWLEDGEMENT_DATA", status=status)


@pytest.fixture
def no_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import rich`` fail, as without the ``cli`` extra."""
    for name in [n for n in sys.modules if n == "rich" or n.startswith("rich.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "rich", None)


def test_plain_table_when_not_a_terminal() -> None:
    """Piped, a table is aligned plain text: header, dashes, rows."""
    stream = io.StringIO()
    Output(stream=stream).table([("a", 1), ("bbb", 22)], ["key", "n"])
    assert stream.getvalue().splitlines() == ["key  n", "---  --", "a    1", "bbb  22"]


def test_rich_table_on_a_terminal() -> None:
    """With rich and a terminal, rich draws the table (same cells)."""
    pytest.importorskip("rich")
    stream = Terminal()
    out = Output(stream=stream)
    assert out.fancy
    out.table([("a", 1)], ["key", "n"], title="things")
    text = stream.getvalue()
    assert "things" in text
    assert "key" in text
    assert "─" in text or "━" in text


def test_fallback_without_rich(no_rich: None) -> None:
    """Without rich, a terminal still gets the plain table and a plain progress line."""
    stream, err = Terminal(), Terminal()
    out = Output(stream=stream, err=err)
    assert out.rich is None
    assert not out.fancy
    out.table([("a", 1)], ["key", "n"])
    assert stream.getvalue().splitlines()[0] == "key  n"
    out.progress(_state("IN_PROGRESS"), 42.0)
    out.progress(_state("DONE"), 71.0)
    text = err.getvalue()
    assert "feed 50001 IN_PROGRESS: 42 s elapsed (expected ~3 min)" in text
    assert "feed 50001 DONE: 1 min 11 s elapsed" in text


def test_the_expected_time_is_what_the_poller_learned(no_rich: None) -> None:
    """A feed state carrying the learned time shows it as the expected time, not Amazon's usual three minutes."""
    err = Terminal()
    out = Output(stream=Terminal(), err=err)
    learned = FeedState(feed_id="50002", feed_type="POST_ORDER_ACKNOWLEDGEMENT_DATA", status="IN_QUEUE")
    out.progress(attrs.evolve(learned, expected_seconds=40.0), 5.0)
    text = err.getvalue()
    assert "feed 50002 IN_QUEUE: 5 s elapsed (expected ~40 s)" in text
    assert "3 min" not in text


def test_progress_bar_on_a_terminal() -> None:
    """With rich on a terminal, a feed wait draws a bar with the elapsed and the expected time."""
    pytest.importorskip("rich")
    err = Terminal()
    out = Output(stream=io.StringIO(), err=err)
    out.progress(_state("IN_QUEUE"), 5.0)
    out.progress(_state("DONE"), 95.0)
    text = err.getvalue()
    assert "feed 50001" in text
    assert "expected ~3 min" in text
    assert "elapsed" in text


@pytest.mark.parametrize("rich_installed", [True, False])
def test_nothing_on_stderr_when_it_is_not_a_terminal(rich_installed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Piped or redirected, progress and activities write nothing."""
    if not rich_installed:
        monkeypatch.setitem(sys.modules, "rich", None)
    err = io.StringIO()
    out = Output(stream=io.StringIO(), err=err)
    out.progress(_state("IN_PROGRESS"), 10.0)
    out.progress(_state("DONE"), 20.0)
    with out.activity("reading orders", expected=60):
        pass
    out.finish_progress()
    assert err.getvalue() == ""


def test_an_activity_on_a_terminal_shows_its_name() -> None:
    """A report download (an activity) shows what is being waited for."""
    err = Terminal()
    out = Output(stream=io.StringIO(), err=err)
    with out.activity("reading Amazon's report", expected=300):
        pass
    assert "reading Amazon's report" in err.getvalue()


def test_json_error_document() -> None:
    """With --json an error is one document on stdout, nothing on stderr, and the exit code is returned."""
    stream, err = io.StringIO(), io.StringIO()
    report = ErrorReport(type="X", message="m", request_id="r", hint="h", exit_code=2)
    assert Output(as_json=True, stream=stream, err=err).error(report) == 2
    assert json.loads(stream.getvalue()) == {"error": {"type": "X", "message": "m", "request_id": "r", "hint": "h"}}
    assert err.getvalue() == ""


@pytest.mark.parametrize(
    ("error", "code", "kind"),
    [
        (UsageError("bad"), 2, "UsageError"),
        (InvalidInputError("bad", field="order_id"), 2, "InvalidInputError"),
        (NotCancellableError("order X is SHIPPED.", target_id="X", state="SHIPPED"), 1, "NotCancellableError"),
        (NetworkError("ConnectError: refused", operation="getOrder", request_sent=False), 1, "NetworkError"),
        (KeyboardInterrupt(), 130, "Interrupted"),
        (FileNotFoundError("gone"), 2, "FileNotFoundError"),
    ],
)
def test_exit_codes(error: BaseException, code: int, kind: str) -> None:
    """Bad input 2, refusals and failures 1, interruption 130 (docs/cli.md)."""
    report = describe_error(error, endpoint="https://sellingpartnerapi-na.amazon.com")
    assert (report.exit_code, report.type) == (code, kind)


def test_library_hints_become_commands() -> None:
    """Python calls in the library's hints are rephrased as the sp-cancel command to run."""
    hint = cli_hint("It has shipped: issue a refund with partial_refund() instead.", "111-1111111-1111111")
    assert hint == (
        "It has shipped: refund it instead: sp-cancel refund 111-1111111-1111111 --principal AMOUNT "
        "--currency CUR --reason REASON."
    )
    fba = cli_hint("To stop selling it: delete the listing (delete_listing), or ...", "SKU-1")
    assert "sp-cancel delete-listing SKU-1" in (fba or "")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.25, "0.2 s"), (42, "42 s"), (71.25, "1 min 11 s"), (3600, "1 h"), (3725, "1 h 2 min"), (172800, "2 days")],
)
def test_durations_as_people_write_them(seconds: float, text: str) -> None:
    """No raw timedelta: seconds, minutes, hours, days."""
    assert human_duration(seconds) == text
