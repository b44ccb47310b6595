"""What the SQLite journal asks SQLite per call (issue 20): a write reads its rows once, before writing.

A write returns the entry built from the values it wrote in its transaction, so no ``SELECT`` follows the
``UPDATE``; a batch of keys is read with one ``SELECT ... IN`` and written with one ``executemany``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sp_cancel.clock import FakeClock
from sp_cancel.journal import Journal

FEED_TYPE = "POST_ORDER_ACKNOWLEDGEMENT_DATA"


def _selects(journal: Journal, call: Callable[[], object]) -> list[str]:
    """The ``SELECT`` statements SQLite ran for ``call()``."""
    statements: list[str] = []
    conn = journal._connection()
    conn.set_trace_callback(statements.append)
    try:
        call()
    finally:
        conn.set_trace_callback(None)
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


def test_each_state_change_reads_its_rows_once(tmp_path: Path) -> None:
    """A plan and a mark_done run one SELECT, a mark_submitting one (any keys), a mark_submitted two."""
    clock = FakeClock(datetime(2026, 12, 5, 12, 0, tzinfo=UTC))
    journal = Journal(tmp_path / "j.sqlite3", clock=clock)
    keys = ["k1", "k2", "k3"]
    planned = []
    for key in keys:
        selects = _selects(
            journal, lambda key=key: planned.append(journal.plan(key, kind="cancel", target=key, payload={}))
        )
        assert len(selects) == 1  # is the key planned already?
    owner = planned[0][0].owner
    sent = clock.now()

    def submitting() -> None:
        journal.mark_submitting(["k1"], feed_type=FEED_TYPE, document_hash="ab" * 32, sent_at=sent, owner=owner)
        journal.mark_submitting(["k2", "k3"], feed_type=FEED_TYPE, document_hash="cd" * 32, sent_at=sent)

    assert len(_selects(journal, submitting)) == 2  # one per call, whatever its number of keys
    # the rows, then the feed id's other holders
    assert len(_selects(journal, lambda: journal.mark_submitted(keys, feed_id="F1"))) == 2
    done = []
    assert len(_selects(journal, lambda: done.append(journal.mark_done("k1", state="done", outcome={"ok": True})))) == 1
    assert done[0] == journal.get("k1")  # what the write returned is what a read finds
    journal.close()
