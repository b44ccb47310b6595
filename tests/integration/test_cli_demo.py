"""``sp-cancel demo``: every workflow succeeds once, in numbered sections, with durations people read."""

from __future__ import annotations

import io
import re

from sp_cancel.cli._demo import WORKFLOWS, run_demo
from sp_cancel.cli._output import Output


def test_demo_shows_every_workflow_succeeding() -> None:
    """The closing table lists each workflow as succeeded; the demo exits 0; sections are numbered throughout."""
    stream = io.StringIO()
    assert run_demo(seed=7, out=Output(stream=stream, err=io.StringIO(), fancy=False, interactive=False)) == 0
    text = stream.getvalue()
    summary = text[text.index("Every workflow, once") :]
    for workflow in WORKFLOWS:
        assert re.search(rf"^{re.escape(workflow)}\s+succeeded\s+\S", summary, flags=re.MULTILINE), workflow
    assert "NOT SHOWN" not in text
    assert "cancel_fba_order" in WORKFLOWS
    assert "-> CANCELLED (was Planning)" in text or "-> CANCELLED (was Received)" in text
    headings = re.findall(r"^(\d+)\. ", text, flags=re.MULTILINE)
    assert [int(n) for n in headings] == list(range(1, len(headings) + 1))
    assert len(headings) >= 12
    assert not re.search(r"\d:\d\d:\d\d\.\d", text)  # no raw timedelta like 0:01:11.250000


def test_demo_with_another_seed_also_succeeds() -> None:
    """Another world (seed 3) still shows every workflow succeeding."""
    stream = io.StringIO()
    assert run_demo(seed=3, out=Output(stream=stream, err=io.StringIO(), fancy=False, interactive=False)) == 0
