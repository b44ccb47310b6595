"""What the command line prints reads well (issue 21, items 8 and 9).

Narrow tables, whole sentences, one time format, and rates that say their window and read as percentages.
"""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest

from sp_cancel import CancellationRateError, CancelReason, CancelRequest, InvalidInputError
from sp_cancel.cli import main
from sp_cancel.cli._demo import run_demo
from sp_cancel.cli._output import Output
from sp_cancel.testing import Simulator


@pytest.fixture(scope="module")
def demo_text() -> str:
    """What ``sp-cancel demo`` prints into a pipe (no terminal: plain tables, 120 columns)."""
    stream = io.StringIO()
    assert run_demo(seed=7, out=Output(stream=stream, err=io.StringIO(), fancy=False, interactive=False)) == 0
    return stream.getvalue()


def test_no_table_line_is_wider_than_120_characters(demo_text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch's "why" cell (a 160-character refusal) wraps; only free-running sentences may be longer."""
    monkeypatch.delenv("COLUMNS", raising=False)
    rows = [line for line in demo_text.splitlines() if re.match(r"^\d{3}-\d{7}-\d{7}\s{2}", line)]
    assert rows
    assert max(len(line) for line in rows) <= 120
    assert "refund it instead: sp-cancel refund" in " ".join(demo_text.split())


def test_refusals_are_whole_sentences(demo_text: str) -> None:
    """No "refused ...: NotCancellableError" without its message; the FBA refusal says why in a sentence."""
    assert not re.search(r"refused \S+: NotCancellableError\s*$", demo_text, flags=re.MULTILINE)
    assert "since Amazon sets FBA quantities: FBA" not in demo_text
    assert "Amazon sets an FBA offer's quantity from the fulfillment-center stock" in demo_text
    no_request = re.search(r"^  refused (\S+): (.+)$", demo_text, flags=re.MULTILINE)
    assert no_request is not None
    assert "buyer" in no_request.group(2).lower()


def test_times_are_written_one_way(demo_text: str) -> None:
    """No ISO offsets (``+00:00``) beside ``2026-11-28 11:00 UTC``: every time is ``YYYY-MM-DD HH:MM UTC``."""
    assert "+00:00" not in demo_text
    assert not re.search(r"\d{2}:\d{2}:\d{2}", demo_text)
    assert re.search(r"fee-free until \d{4}-\d\d-\d\d \d\d:\d\d UTC", demo_text)


def test_the_demo_says_which_window_each_rate_is_over(demo_text: str) -> None:
    """The report's figure is over Amazon's window; the guard's, over the 7 days up to the check: both say so."""
    section = demo_text[demo_text.index("13. Cancellation rate") :]
    assert "Both figures over Amazon's window" in section
    assert "over the same window" in section
    guard = section[section.index("max_rate=0.025 guards") :]
    assert re.search(r"over the 7 days from \d{4}-\d\d-\d\d \d\d:\d\d to \d{4}-\d\d-\d\d \d\d:\d\d UTC from", guard)
    assert "not the day-aligned window of Amazon's report" in guard


def test_the_guard_error_gives_percentages_and_its_window() -> None:
    """CancellationRateError: rates as percentages with two decimals, the window named, and kept on the error."""
    sim = Simulator(seed=8)
    client = sim.client()
    requests = [
        CancelRequest(order_id=o.order_id, reason=CancelReason.NO_INVENTORY)
        for o in sim.orders(status="Unshipped", channel="MFN", buyer_requested=False)
        if o.marketplace_id == sim.marketplace_id
    ]
    with pytest.raises(CancellationRateError) as caught:
        client.cancel_orders(requests, max_rate=0.02)
    err = caught.value
    assert err.window_start is not None
    assert err.window_end is not None
    assert err.window_end - err.window_start == timedelta(days=7)
    text = str(err)
    assert re.search(r"from \d+\.\d\d% to \d+\.\d\d%, above max_rate 2\.00%", text)
    assert f"{err.window_start:%Y-%m-%d %H:%M} to {err.window_end:%Y-%m-%d %H:%M} UTC" in text


def test_max_rate_as_a_string_says_which_type_it_takes() -> None:
    """``max_rate="0.02"``: the message names the type expected and the type given, not "got '0.02'" alone."""
    client = Simulator(seed=8).client()
    order = Simulator(seed=8).orders(status="Unshipped", channel="MFN")[0]
    with pytest.raises(InvalidInputError, match=r"must be a number .* not a str \('0\.02'\)"):
        client.cancel_orders(
            [CancelRequest(order_id=order.order_id, reason=CancelReason.NO_INVENTORY)], max_rate="0.02"
        )  # type: ignore[arg-type]


def test_rate_json_writes_every_rate_the_same_way(capsys: pytest.CaptureFixture[str]) -> None:
    """--json: rate, target, Amazon's rate and target, difference and each day's rate are six-decimal fractions."""
    assert main(["rate", "--compare", "--simulator", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    values = [report[k] for k in ("rate", "target", "amazon_rate", "amazon_target", "difference")]
    values += [day["rate"] for day in report["by_day"]]
    assert all(re.fullmatch(r"-?\d\.\d{6}", v) for v in values), values


def test_a_refused_listing_is_told_once(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """close-listing of an FBA SKU: the refusal (with the command to run) in the table, not again below it."""
    monkeypatch.delenv("COLUMNS", raising=False)
    assert main(["close-listing", "SIM-FBA-001", "SIM-MFN-004", "--simulator", "3"]) == 1
    out = capsys.readouterr().out
    assert out.count("is fulfilled by Amazon") == 1
    assert "sp-cancel delete-listing SIM-FBA-001" in " ".join(out.split())
    assert "(delete_listing)" not in out
    assert max(len(line) for line in out.splitlines()) <= 120
    assert out.count("the seller-fulfilled quantity already reads 0") == 1
