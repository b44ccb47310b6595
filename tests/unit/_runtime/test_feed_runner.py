"""FeedRunner against a scripted fake transport: submit, lost answer, search, proof by report and by effect, waits."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from runtime_fakes import MARKET, ORDER_FEED, FakeAmazon

from sp_cancel._outcomes import FeedState, FeedStatus
from sp_cancel._runtime.claims import money_moving, nothing_sent
from sp_cancel._runtime.feeds import LISTING_LAG, RECOVERY_SLACK, Expected, FeedRunner
from sp_cancel.clock import FakeClock
from sp_cancel.errors import ApiError, FeedError, FeedTimeoutError
from sp_cancel.feeds import FEED_TYPE_PAYMENT_ADJUSTMENT, parse_processing_report
from sp_cancel.journal import Entry, Journal, JournalError
from sp_cancel.transport import SpApi

ORDER = "111-0000000-0000001"
OTHER_ORDER = "111-0000000-0000999"


def report_naming(order_id: str | None, *, processed: int = 1, status: str = "Complete") -> bytes:
    """A ProcessingReport for a one-message document; with ``order_id``, a warning result names that order."""
    result = (
        ""
        if order_id is None
        else "<Result><MessageID>1</MessageID><ResultCode>Warning</ResultCode><ResultMessageCode>1</ResultMessageCode>"
        f"<ResultDescription>noted</ResultDescription><AdditionalInfo><AmazonOrderID>{order_id}</AmazonOrderID>"
        "</AdditionalInfo></Result>"
    )
    return (
        "<AmazonEnvelope><MessageType>ProcessingReport</MessageType><Message><MessageID>1</MessageID>"
        f"<ProcessingReport><DocumentTransactionID>1</DocumentTransactionID><StatusCode>{status}</StatusCode>"
        f"<ProcessingSummary><MessagesProcessed>{processed}</MessagesProcessed>"
        f"<MessagesSuccessful>{processed}</MessagesSuccessful><MessagesWithError>0</MessagesWithError>"
        f"<MessagesWithWarning>{1 if order_id else 0}</MessagesWithWarning></ProcessingSummary>{result}"
        "</ProcessingReport></Message></AmazonEnvelope>"
    ).encode()


EXPECTED = Expected(
    messages=1, message_ids=frozenset({1}), order_ids=frozenset({ORDER}), report=parse_processing_report
)


@pytest.fixture
def amazon(clock: FakeClock) -> FakeAmazon:
    """The fake Amazon, its clock 7 s ahead of ours: every comparison with its times must use the offset."""
    return FakeAmazon(clock, offset=timedelta(seconds=7), report=lambda _doc: report_naming(ORDER))


def runner_for(amazon: FakeAmazon, journal: Journal, clock: FakeClock, **options: float) -> FeedRunner:
    """A runner over the fake transport, sleeping on the fake clock."""
    api: SpApi = amazon  # type: ignore[assignment]  # the fake implements what the runner calls
    return FeedRunner(api=api, journal=journal, clock=clock, sleep=clock.sleep, **options)


def plan(journal: Journal, key: str = "cancel:1", target: str = ORDER) -> Entry:
    """Plan one cancel in the journal (this caller holds its lease)."""
    entry, created = journal.plan(key, kind="cancel", target=target, payload={"order_id": target})
    assert created
    return entry


def send(
    runner: FeedRunner,
    journal: Journal,
    *,
    key: str = "cancel:1",
    feed_type: str = ORDER_FEED,
    before_create: Callable[[], None] | None = None,
) -> str | None:
    """Plan ``key`` and submit a one-message document for it."""
    entry = plan(journal, key)
    return runner.submit(
        feed_type=feed_type,
        content_type="text/xml; charset=UTF-8",
        document=b"<doc/>",
        message_ids={key: 1},
        marketplace_ids=[MARKET],
        owner=entry.owner,
        before_create=before_create,
    )


def stored(journal: Journal, key: str = "cancel:1") -> Entry:
    """The journal's entry for ``key`` now."""
    entry = journal.get(key)
    assert entry is not None
    return entry


def no_effect(_state: FeedState) -> bool | None:
    """An effect that must not be read."""
    raise AssertionError("the effect must not be read when the report decides")


# -- submit ----------------------------------------------------------------------------------------


def test_submit_journals_on_both_clocks_then_sends_once(amazon: FakeAmazon, journal: Journal, clock: FakeClock) -> None:
    """Happy path: upload, then one createFeed; the entry carries the feed id and Amazon's send time."""
    runner = runner_for(amazon, journal, clock)
    feed_id = send(runner, journal)
    assert feed_id is not None
    assert amazon.calls == ["createFeedDocument", "upload", "createFeed"]
    assert amazon.uploads == {"D1": b"<doc/>"}
    entry = stored(journal)
    assert (entry.state, entry.feed_id, entry.feed_type, entry.message_id) == ("submitted", feed_id, ORDER_FEED, 1)
    assert entry.submitted_at == clock.now()
    assert entry.amazon_sent_at == clock.now() + timedelta(seconds=7)


def test_before_create_runs_after_the_plan_and_can_stop_the_send(
    amazon: FakeAmazon, journal: Journal, clock: FakeClock
) -> None:
    """The usage plan is reserved before the last check; a check that raises leaves the entry planned, unsent."""
    runner = runner_for(amazon, journal, clock)

    def refuse() -> None:
        assert amazon.calls[-1] == "reserve:feeds.createFeed"
        raise RuntimeError("the order shipped meanwhile")

    with pytest.raises(RuntimeError, match="shipped"):
        send(runner, journal, before_create=refuse)
    assert amazon.count("createFeed") == 0
    assert stored(journal).state == "planned"


def test_a_refused_create_feed_propagates_and_says_nothing_was_sent(
    amazon: FakeAmazon, journal: Journal, clock: FakeClock
) -> None:
    """A 4xx from createFeed: the error reaches the workflow, which can tell nothing was created."""
    amazon.create_answers = ["refused"]
    runner = runner_for(amazon, journal, clock)
    with pytest.raises(ApiError) as caught:
        send(runner, journal)
    assert nothing_sent(caught.value)
    assert amazon.count("createFeed") == 1
    assert amazon.feeds == {}
    assert stored(journal).send_uncertain  # the workflow journals it as not sent


def test_a_lost_answer_returns_none_at_once_and_is_never_resent(
    amazon: FakeAmazon, journal: Journal, clock: FakeClock
) -> None:
    """The createFeed answer lost after Amazon created the feed: None, the entry uncertain, one createFeed."""
    amazon.create_answers = ["lost"]
    runner = runner_for(amazon, journal, clock)
    assert send(runner, journal) is None
    entry = stored(journal)
    assert entry.send_uncertain
    assert amazon.count("createFeed") == 1
    assert len(amazon.feeds) == 1  # Amazon did create it


# -- search ----------------------------------------------------------------------------------------


def test_search_finds_the_lost_feed_once_amazon_lists_it(
    amazon: FakeAmazon, journal: Journal, clock: FakeClock
) -> None:
    """A feed listed late is not a candidate before it is listed, and is one after; nothing is sent again."""
    amazon.create_answers = ["lost"]
    amazon.listed_after = 30.0
    runner = runner_for(amazon, journal, clock)
    send(runner, journal)
    (created,) = amazon.feeds
    first = runner.search(feed_type=ORDER_FEED, marketplace_ids=[MARKET], entry=stored(journal))
    assert first.candidates == ()
    assert not first.conclusive
    assert first.conclusive_in == pytest.approx(LISTING_LAG)
    clock.advance(31)
    second = runner.search(feed_type=ORDER_FEED, marketplace_ids=[MARKET], entry=stored(journal))
    assert [c.feed_id for c in second.candidates] == [created]
    assert amazon.count("createFeed") == 1


def test_search_leaves_out_feeds_that_cannot_be_ours(amazon: FakeAmazon, journal: Journal, clock: FakeClock) -> None:
    """Known feeds, other marketplaces and feeds created before the slack are skipped; every page is read."""
    amazon.page_size = 1
    runner = runner_for(amazon, journal, clock)
    known = send(runner, journal, key="cancel:0")  # a feed another entry owns
    amazon.add_feed(marketplace_ids=("A1PA6795UKMFR9",))  # another marketplace
    sent_on_amazon = amazon.amazon_now()
    amazon.add_feed(created=sent_on_amazon - RECOVERY_SLACK - timedelta(seconds=1))  # too early
    edge = amazon.add_feed(created=sent_on_amazon - RECOVERY_SLACK)  # just inside the slack
    amazon.create_answers = ["lost"]
    send(runner, journal)
    ours = next(reversed(amazon.feeds))
    found = runner.search(feed_type=ORDER_FEED, marketplace_ids=[MARKET], entry=stored(journal))
    assert [c.feed_id for c in found.candidates] == [edge.ident, ours]  # oldest first
    assert known not in [c.feed_id for c in found.candidates]
    assert amazon.count("getFeeds") == 4  # four listed feeds, one a page (the early one is filtered by Amazon)


def test_search_is_conclusive_only_after_the_listing_lag_on_amazons_clock(
    amazon: FakeAmazon, journal: Journal, clock: FakeClock
) -> None:
    """Nothing created (the answer lost before Amazon acted): no candidate; conclusive only past the lag."""
    amazon.create_answers = ["lost_before"]
    runner = runner_for(amazon, journal, clock)
    assert send(runner, journal) is None
    clock.advance(LISTING_LAG - 1)
    early = runner.search(feed_type=ORDER_FEED, marketplace_ids=[MARKET], entry=stored(journal))
    assert (early.candidates, early.conclusive) == ((), False)
    assert early.conclusive_in == pytest.approx(1.0)
    clock.advance(1)
    late = runner.search(feed_type=ORDER_FEED, marketplace_ids=[MARKET], entry=stored(journal))
    assert (late.candidates, late.conclusive) == ((), True)
    assert amazon.count("createFeed") == 1  # searching never sends


def test_search_refuses_an_entry_that_was_never_sent(amazon: FakeAmazon, journal: Journal, clock: FakeClock) -> None:
    """A planned entry has no send time: there is nothing to look for (and no request is made)."""
    runner = runner_for(amazon, journal, clock)
    entry = plan(journal)
    with pytest.raises(JournalError, match="never sent"):
        runner.search(feed_type=ORDER_FEED, marketplace_ids=[MARKET], entry=entry)
    assert amazon.calls == []


# -- resolve: proof by report, by effect, pending --------------------------------------------------


def lost_and_finished(amazon: FakeAmazon, journal: Journal, clock: FakeClock, **options: float) -> FeedRunner:
    """Submit with the answer lost after Amazon created the feed, then let the feed finish."""
    amazon.create_answers = ["lost"]
    runner = runner_for(amazon, journal, clock, **options)
    send(runner, journal)
    clock.advance(amazon.queue + amazon.processing)
    return runner


def resolve(
    runner: FeedRunner, journal: Journal, effect: Callable[[FeedState], bool | None], *, feed_type: str = ORDER_FEED
) -> object:
    """Resolve the entry's lost feed with ``EXPECTED``."""
    return runner.resolve(
        feed_type=feed_type, marketplace_ids=[MARKET], entry=stored(journal), expected=EXPECTED, effect=effect
    )


def test_proof_by_report(amazon: FakeAmazon, journal: Journal, clock: FakeClock) -> None:
    """The lost feed's report names our order: it is ours, proven by its report (the effect is not read)."""
    runner = lost_and_finished(amazon, journal, clock)
    (ours,) = amazon.feeds
    found = runner.resolve(
        feed_type=ORDER_FEED, marketplace_ids=[MARKET], entry=stored(journal), expected=EXPECTED, effect=no_effect
    )
    assert found.feed is not None
    assert (found.feed.feed_id, found.feed.status, found.by_report) == (ours, FeedStatus.DONE, True)
    assert (found.pending, found.conclusive, found.candidates) == (False, True, 1)
    assert amazon.count("createFeed") == 1


def test_a_report_naming_another_order_rules_the_candidate_out(
    amazon: FakeAmazon, journal: Journal, clock: FakeClock
) -> None:
    """Another seller process's feed of the same type: its report names other orders, so it is never ours."""
    amazon.create_answers = ["lost_before"]
    runner = runner_for(amazon, journal, clock)
    send(runner, journal)
    amazon.add_feed(document=report_naming(OTHER_ORDER))
    clock.advance(amazon.queue + amazon.processing)
    found = runner.resolve(
        feed_type=ORDER_FEED, marketplace_ids=[MARKET], entry=stored(journal), expected=EXPECTED, effect=no_effect
    )
    assert (found.feed, found.pending, found.candidates) == (None, False, 1)


def test_a_report_counting_other_messages_rules_the_candidate_out(
    amazon: FakeAmazon, journal: Journal, clock: FakeClock
) -> None:
    """A report for a three-message document is not the report of our one-message document."""
    amazon.report = lambda _doc: report_naming(None, processed=3)
    runner = lost_and_finished(amazon, journal, clock)
    found = runner.resolve(
        feed_type=ORDER_FEED, marketplace_ids=[MARKET], entry=stored(journal), expected=EXPECTED, effect=no_effect
    )
    assert (found.feed, found.pending) == (None, False)


@pytest.mark.parametrize(
    ("seen", "proven", "pending"),
    [(True, True, False), (None, False, True), (False, False, False)],
    ids=["effect-seen", "effect-not-yet-knowable", "effect-certainly-not"],
)
def test_proof_by_effect_when_the_report_fits_but_names_nothing(
    amazon: FakeAmazon, journal: Journal, clock: FakeClock, *, seen: bool | None, proven: bool, pending: bool
) -> None:
    """A report that fits (one message, no results) proves nothing alone: the read-back of the effect decides."""
    amazon.report = lambda _doc: report_naming(None)
    runner = lost_and_finished(amazon, journal, clock)
    asked: list[str] = []

    def effect(state: FeedState) -> bool | None:
        asked.append(state.feed_id)
        return seen

    found = runner.resolve(
        feed_type=ORDER_FEED, marketplace_ids=[MARKET], entry=stored(journal), expected=EXPECTED, effect=effect
    )
    assert asked == list(amazon.feeds)
    assert (found.feed is not None, found.by_report, found.pending) == (proven, False, pending)


@pytest.mark.parametrize("final", ["FATAL", "CANCELLED"])
def test_a_feed_without_a_report_is_proven_only_by_its_effect(
    amazon: FakeAmazon, journal: Journal, clock: FakeClock, final: str
) -> None:
    """A FATAL/CANCELLED candidate has no report to read: only the effect can prove it."""
    amazon.final = final  # type: ignore[assignment]  # a ProcessingStatus
    runner = lost_and_finished(amazon, journal, clock)
    found = runner.resolve(
        feed_type=ORDER_FEED, marketplace_ids=[MARKET], entry=stored(journal), expected=EXPECTED, effect=lambda _s: True
    )
    assert found.feed is not None
    assert (found.feed.status, found.by_report) == (FeedStatus(final), False)
    assert amazon.count("download") == 0


def test_an_unreadable_report_falls_back_to_the_effect(amazon: FakeAmazon, journal: Journal, clock: FakeClock) -> None:
    """A truncated report neither proves nor rules out: the effect is read, and decides."""
    amazon.report = lambda _doc: b"<AmazonEnvelope><Message>"
    runner = lost_and_finished(amazon, journal, clock)
    found = runner.resolve(
        feed_type=ORDER_FEED, marketplace_ids=[MARKET], entry=stored(journal), expected=EXPECTED, effect=lambda _s: True
    )
    assert found.feed is not None
    assert not found.by_report


def test_a_candidate_still_processing_is_pending(amazon: FakeAmazon, journal: Journal, clock: FakeClock) -> None:
    """A candidate in progress may still prove ours: pending, the effect not read, no report downloaded."""
    amazon.create_answers = ["lost"]
    runner = runner_for(amazon, journal, clock)
    send(runner, journal)
    clock.advance(LISTING_LAG)  # past the lag, but the feed is still being processed
    amazon.processing = 3600.0
    next(iter(amazon.feeds.values())).processing = 3600.0
    found = runner.resolve(
        feed_type=ORDER_FEED, marketplace_ids=[MARKET], entry=stored(journal), expected=EXPECTED, effect=no_effect
    )
    assert (found.feed, found.pending, found.conclusive, found.candidates) == (None, True, True, 1)
    assert amazon.count("download") == 0


@pytest.mark.parametrize("feed_type", [ORDER_FEED, FEED_TYPE_PAYMENT_ADJUSTMENT])
def test_nothing_found_within_the_lag_is_never_conclusive_and_never_sends(
    amazon: FakeAmazon, journal: Journal, clock: FakeClock, feed_type: str
) -> None:
    """No candidate before the lag: not conclusive, for harmless and money-moving writes alike; no createFeed.

    Past the lag the runner reports the search conclusive for both; only a harmless write may act on it
    (``money_moving`` says which, and finish/settle never resend money on a search).
    """
    amazon.create_answers = ["lost_before"]
    runner = runner_for(amazon, journal, clock)
    send(runner, journal, feed_type=feed_type)
    before = resolve(runner, journal, lambda _s: False, feed_type=feed_type)
    assert (before.feed, before.pending, before.conclusive) == (None, False, False)  # type: ignore[attr-defined]
    clock.advance(LISTING_LAG)
    after = resolve(runner, journal, lambda _s: False, feed_type=feed_type)
    assert (after.feed, after.pending, after.conclusive) == (None, False, True)  # type: ignore[attr-defined]
    assert amazon.count("createFeed") == 1
    assert money_moving(feed_type) is (feed_type == FEED_TYPE_PAYMENT_ADJUSTMENT)


# -- wait, result, report_of -----------------------------------------------------------------------


@pytest.mark.parametrize("final", ["DONE", "CANCELLED", "FATAL"])
def test_wait_returns_each_conclusive_status(
    amazon: FakeAmazon, journal: Journal, clock: FakeClock, final: str
) -> None:
    """The runner polls until the feed ends and returns its last state, whatever the ending."""
    amazon.final = final  # type: ignore[assignment]  # a ProcessingStatus
    runner = runner_for(amazon, journal, clock)
    feed_id = send(runner, journal)
    assert feed_id is not None
    seen: list[tuple[FeedStatus, float]] = []
    state = runner.wait(feed_id, timeout=600, progress=lambda s, waited: seen.append((s.status, waited)))
    assert state.status == FeedStatus(final)
    assert state.finished
    assert seen[0] == (FeedStatus.IN_QUEUE, 0.0)
    assert seen[-1][0] == FeedStatus(final)
    assert seen[-1][1] >= amazon.queue + amazon.processing
    assert amazon.count("getFeed") == len(seen)


def test_wait_times_out_with_the_feed_still_processing(amazon: FakeAmazon, journal: Journal, clock: FakeClock) -> None:
    """Still in progress at the timeout: FeedTimeoutError with the feed id and its status; no sleep past it."""
    amazon.processing = 10_000.0
    runner = runner_for(amazon, journal, clock)
    feed_id = send(runner, journal)
    assert feed_id is not None
    start = clock.monotonic()
    with pytest.raises(FeedTimeoutError) as caught:
        runner.wait(feed_id, timeout=300)
    assert (caught.value.feed_id, caught.value.processing_status) == (feed_id, "IN_PROGRESS")
    assert clock.monotonic() - start == pytest.approx(300)


def test_result_and_report_of(amazon: FakeAmazon, journal: Journal, clock: FakeClock) -> None:
    """A DONE feed's report is downloaded and parsed; an unfinished feed has none; a broken one reads as None."""
    runner = runner_for(amazon, journal, clock)
    feed_id = send(runner, journal)
    assert feed_id is not None
    with pytest.raises(FeedError, match="has no processing report"):
        runner.result(runner.status(feed_id))
    clock.advance(amazon.queue + amazon.processing)
    done = runner.status(feed_id)
    report = runner.report_of(done, parse_processing_report)
    assert report is not None
    assert [r.order_id for r in report.results] == [ORDER]
    amazon.feeds[feed_id].document = b"not xml"
    assert runner.report_of(done, parse_processing_report) is None


# -- the cadence of wait (issue 18 item 9) -------------------------------------------------------------


def looks(runner: FeedRunner, journal: Journal, key: str) -> list[tuple[float, FeedState]]:
    """Submit one feed under ``key`` and wait for it; every look as (seconds waited, state)."""
    feed_id = send(runner, journal, key=key)
    assert feed_id is not None
    seen: list[tuple[float, FeedState]] = []
    runner.wait(feed_id, timeout=7200, progress=lambda state, waited: seen.append((waited, state)))
    return seen


def test_a_100x_scaled_service_is_asked_after_its_processing_time_not_15_s(journal: Journal, clock: FakeClock) -> None:
    """A feed that takes 0.15 s (Amazon's 15 s at 100x, its plan 100x too): seen done within 0.3 s, then learned.

    The first feed is looked at on a doubling schedule from the plan's floor (1 / 200 s); the second one once,
    at 0.15 x 1.05 s, with the learned time handed to the progress callback.
    """
    amazon = FakeAmazon(clock, queue=0.05, processing=0.10, report=lambda _doc: report_naming(ORDER))
    amazon.rates["feeds.getFeed"] = 200.0
    runner = runner_for(amazon, journal, clock)
    first = looks(runner, journal, "cancel:1")
    assert first[-1][1].status == FeedStatus.DONE
    assert 0.15 <= first[-1][0] <= 0.3
    assert all(b - a >= 1 / 200 - 1e-9 for (a, _), (b, _) in itertools.pairwise(first))
    assert [state.expected_seconds for _, state in first] == [None] * len(first)
    assert runner.cadence.typical(ORDER_FEED) == pytest.approx(0.15)
    second = looks(runner, journal, "cancel:2")
    assert [round(waited, 4) for waited, _ in second] == [0.0, round(0.15 * 1.05, 4)]
    assert second[-1][1].status == FeedStatus.DONE
    assert second[0][1].expected_seconds == pytest.approx(0.15)


def test_against_amazon_like_timing_the_poller_does_not_hammer(journal: Journal, clock: FakeClock) -> None:
    """A three-minute feed at Amazon's documented 2 calls/s: a dozen looks for the first, three for the next.

    No two looks closer than 0.5 s (the documented getFeed rate), none more than 120 s apart; the second feed
    is looked at when it starts, at the 120 s ceiling, and just past the three minutes learned.
    """
    amazon = FakeAmazon(clock, queue=20.0, processing=160.0, report=lambda _doc: report_naming(ORDER))
    runner = runner_for(amazon, journal, clock)
    first = looks(runner, journal, "cancel:1")
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(first)]
    assert len(first) <= 12
    assert min(gaps) >= 0.5
    assert max(gaps) <= 120.0
    assert first[-1][0] <= 180.0 + 120.0
    second = looks(runner, journal, "cancel:2")
    assert [round(waited, 1) for waited, _ in second] == [0.0, 120.0, 189.0]
    assert amazon.count("getFeed") == len(first) + 3


def test_a_lower_rate_reported_by_amazon_slows_the_looks(journal: Journal, clock: FakeClock) -> None:
    """When Amazon reports a getFeed rate below the documented one, looks are at least 1 / that rate apart."""
    amazon = FakeAmazon(clock, queue=5.0, processing=25.0, report=lambda _doc: report_naming(ORDER))
    amazon.rates["feeds.getFeed"] = 0.2
    runner = runner_for(amazon, journal, clock)
    seen = looks(runner, journal, "cancel:1")
    assert [waited for waited, _ in seen] == [0.0, 5.0, 10.0, 20.0, 40.0]


def test_the_time_learned_is_amazons_not_the_poll_that_saw_it(journal: Journal, clock: FakeClock) -> None:
    """Amazon's createdTime to processingEndTime is learned (40 s), not when the doubling schedule saw it (64 s)."""
    amazon = FakeAmazon(clock, queue=10.0, processing=30.0, report=lambda _doc: report_naming(ORDER))
    runner = runner_for(amazon, journal, clock)
    seen = looks(runner, journal, "cancel:1")
    assert seen[-1][0] == pytest.approx(64.0)
    assert runner.cadence.typical(ORDER_FEED) == pytest.approx(40.0)


def test_a_failed_feed_teaches_nothing(journal: Journal, clock: FakeClock) -> None:
    """A FATAL feed's time says nothing about processing: the cadence stays unlearned."""
    amazon = FakeAmazon(clock, queue=1.0, processing=2.0, final="FATAL")
    runner = runner_for(amazon, journal, clock)
    looks(runner, journal, "cancel:1")
    assert runner.cadence.typical(ORDER_FEED) is None
