"""finish_each: a batch's submissions are finished one by one, a feed's report read once for all it carries."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs

from sp_cancel._runtime.feeds import finish_each


class _Status(enum.StrEnum):
    SUBMITTED = "SUBMITTED"
    DONE = "DONE"


@attrs.frozen
class _Outcome:
    key: str
    status: _Status
    how: str  # "finished" (finish ran for it) or "decoded" (read from the journal)


@attrs.frozen
class _Entry:
    key: str
    feed_id: str | None
    outcome: Mapping[str, Any] | None = None


class _Journal:
    """What finish_each reads: the entries a feed carried, each with the outcome its report journaled."""

    def __init__(self, entries: list[_Entry]) -> None:
        self.entries = entries
        self.asked: list[str] = []

    def by_feed(self, feed_id: str) -> list[_Entry]:
        self.asked.append(feed_id)
        return [e for e in self.entries if e.feed_id == feed_id]


def _run(entries: dict[str, _Entry], journal: _Journal, status: _Status) -> tuple[dict[str, _Outcome], list[str]]:
    finished: list[str] = []

    def finish(entry: _Entry) -> _Outcome:
        finished.append(entry.key)
        return _Outcome(entry.key, status, "finished")

    def decode(data: Mapping[str, Any]) -> _Outcome:
        return _Outcome(data["key"], _Status(data["status"]), "decoded")

    outcomes = finish_each(journal, entries, finish=finish, decode=decode)  # type: ignore[arg-type]  # fakes
    return outcomes, finished


def _feed_of_three() -> tuple[dict[str, _Entry], _Journal]:
    stored = [_Entry(k, "F1", {"key": k, "status": "DONE"}) for k in ("a", "b", "c")] + [_Entry("d", "F2")]
    return {e.key: e for e in stored}, _Journal(stored)


def test_once_one_submission_of_a_feed_is_settled_the_others_are_read_from_the_journal() -> None:
    """The report was read and journaled for the whole feed: b and c are decoded, not finished again."""
    entries, journal = _feed_of_three()
    outcomes, finished = _run(entries, journal, _Status.DONE)
    assert finished == ["a", "d"]
    assert journal.asked == ["F1", "F2"]
    assert [outcomes[k].how for k in "abcd"] == ["finished", "decoded", "decoded", "finished"]
    assert list(outcomes) == ["a", "b", "c", "d"]


def test_a_submission_still_submitted_settles_nothing_for_its_feed() -> None:
    """SUBMITTED means the report is not read yet: each submission of the feed is finished itself."""
    entries, journal = _feed_of_three()
    outcomes, finished = _run(entries, journal, _Status.SUBMITTED)
    assert finished == ["a", "b", "c", "d"]
    assert journal.asked == []
    assert {o.how for o in outcomes.values()} == {"finished"}
