import math
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

import attrs
import pytest
from structlog.testing import capture_logs

from sp_cancel._events import RETRY_ABANDONED, RETRY_SCHEDULED
from sp_cancel._operations import OPERATIONS
from sp_cancel.clock import FakeClock
from sp_cancel.errors import (
    ApiError,
    AuthError,
    InvalidInputError,
    NetworkError,
    NotFoundError,
    OutcomeUnknownError,
    ServerError,
    ThrottledError,
)
from sp_cancel.ratelimit import InMemoryRateLimiter
from sp_cancel.retry import DEFAULT_RETRY_POLICY, MAX_RETRY_AFTER, THROTTLE_JITTER, RetryPolicy

GET_FEED = OPERATIONS["feeds.getFeed"]  # idempotent
CREATE_FEED = OPERATIONS["feeds.createFeed"]  # not idempotent
POLICY = RetryPolicy()
SEED = 20261126
THROTTLE = 2.0  # what the fake throttle_wait answers


def seeded(seed: int = SEED) -> random.Random:
    """A reproducible random stream for jitter."""
    return random.Random(seed)  # noqa: S311 - jitter in tests, not cryptography


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that sleeps for real: every wait must go through the injected sleep."""

    def refuse(seconds: float) -> None:
        pytest.fail(f"time.sleep({seconds}) called for real")

    monkeypatch.setattr(time, "sleep", refuse)


class Sleeps(list[float]):
    """A Sleep that records each wait and advances a FakeClock by it."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock

    def __call__(self, seconds: float, /) -> None:
        """Record ``seconds`` and move the fake clock."""
        self.append(seconds)
        self.clock.sleep(seconds)


@pytest.fixture
def clock() -> FakeClock:
    """A fresh fake clock."""
    return FakeClock()


@pytest.fixture
def sleeps(clock: FakeClock) -> Sleeps:
    """The recorded waits of the test."""
    return Sleeps(clock)


def api_error(cls: type[ApiError] = ApiError, status: int | None = 400, **extra: object) -> ApiError:
    """Build an error the way the transport does: constructor fields, then extra attributes."""
    error = cls(
        "boom",
        operation="getFeed",
        status=status,
        request_id="req-1",
        code="Code",
        body_excerpt='{"errors": []}',
    )
    for name, value in extra.items():
        setattr(error, name, value)
    return error


def failing(*errors: BaseException, result: str = "ok", clock: FakeClock | None = None, cost: float = 0.0):
    """An attempt that raises ``errors`` in turn (advancing ``clock`` by ``cost`` each time), then returns."""
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if clock is not None:
            clock.advance(cost)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    attempt.calls = calls  # type: ignore[attr-defined]
    return attempt


# (error, operation is idempotent, expected verdict, expected first wait: "throttle", "backoff", a number, or None)
TABLE = [
    pytest.param(api_error(ThrottledError, 429), True, "retry", "throttle", id="429-idempotent"),
    pytest.param(api_error(ThrottledError, 429), False, "retry", "throttle", id="429-not-idempotent"),
    pytest.param(api_error(ServerError, 503), True, "retry", "backoff", id="503-idempotent"),
    # Issue 11: Amazon has answered 503 after createFeed created the feed; a 503 on a write is ambiguous.
    pytest.param(api_error(ServerError, 503), False, "ambiguous", None, id="503-not-idempotent"),
    pytest.param(api_error(ServerError, 500), True, "retry", "backoff", id="500-idempotent"),
    pytest.param(api_error(ServerError, 500), False, "ambiguous", None, id="500-not-idempotent"),
    pytest.param(api_error(ServerError, 502), True, "retry", "backoff", id="502-idempotent"),
    pytest.param(api_error(ServerError, 502), False, "ambiguous", None, id="502-not-idempotent"),
    pytest.param(api_error(ServerError, 504), True, "retry", "backoff", id="504-idempotent"),
    pytest.param(api_error(ServerError, 504), False, "ambiguous", None, id="504-not-idempotent"),
    pytest.param(api_error(ServerError, 200), True, "retry", "backoff", id="empty-200-idempotent"),
    pytest.param(api_error(ServerError, 200), False, "ambiguous", None, id="empty-200-not-idempotent"),
    pytest.param(api_error(ServerError, 202), False, "ambiguous", None, id="unreadable-202-createFeed"),
    pytest.param(api_error(ServerError, None), False, "ambiguous", None, id="server-no-status-not-idempotent"),
    pytest.param(api_error(ServerError, 501), True, "fail", None, id="501-not-retried"),
    pytest.param(api_error(NetworkError, None, request_sent=False), True, "retry", "backoff", id="not-sent-idempotent"),
    pytest.param(
        api_error(NetworkError, None, request_sent=False), False, "retry", "backoff", id="not-sent-not-idempotent"
    ),
    pytest.param(api_error(NetworkError, None, request_sent=True), True, "retry", "backoff", id="sent-idempotent"),
    pytest.param(api_error(NetworkError, None, request_sent=True), False, "ambiguous", None, id="sent-not-idempotent"),
    pytest.param(api_error(NetworkError, None), False, "ambiguous", None, id="network-unknown-if-sent"),
    pytest.param(
        api_error(NetworkError, None, request_sent=None), False, "ambiguous", None, id="network-request-sent-none"
    ),
    pytest.param(api_error(ApiError, 400), True, "fail", None, id="400"),
    pytest.param(api_error(ApiError, 400), False, "fail", None, id="400-not-idempotent"),
    pytest.param(api_error(AuthError, 401), True, "fail", None, id="401"),
    pytest.param(api_error(AuthError, 403), False, "fail", None, id="403"),
    pytest.param(api_error(NotFoundError, 404), True, "fail", None, id="404"),
    pytest.param(api_error(ApiError, 409), True, "fail", None, id="409-other-api-error"),
    pytest.param(InvalidInputError("bad order id", field="order_id"), True, "fail", None, id="invalid-input"),
    pytest.param(ValueError("bug"), True, "fail", None, id="foreign-exception"),
    pytest.param(api_error(OutcomeUnknownError, 504), True, "fail", None, id="outcome-unknown-is-final"),
    pytest.param(api_error(ThrottledError, 429, retry_after=7.5), False, "retry", 7.5, id="429-retry-after"),
    pytest.param(api_error(ServerError, 503, retry_after=3), True, "retry", 3.0, id="503-retry-after-int"),
    pytest.param(api_error(ServerError, 503, retry_after=0.0), True, "retry", 0.0, id="retry-after-zero"),
    pytest.param(
        api_error(ServerError, 503, retry_after=MAX_RETRY_AFTER), True, "retry", MAX_RETRY_AFTER, id="retry-after-max"
    ),
    pytest.param(api_error(ServerError, 503, retry_after=121.0), True, "retry", "backoff", id="retry-after-too-long"),
    pytest.param(api_error(ServerError, 503, retry_after=math.nan), True, "retry", "backoff", id="retry-after-nan"),
    pytest.param(api_error(ServerError, 503, retry_after=-1.0), True, "retry", "backoff", id="retry-after-negative"),
    pytest.param(api_error(ServerError, 503, retry_after=None), True, "retry", "backoff", id="retry-after-absent"),
    pytest.param(
        api_error(ThrottledError, 429, retry_after=500.0), True, "retry", "throttle", id="429-retry-after-long"
    ),
]


@pytest.mark.parametrize(("error", "idempotent", "verdict", "wait"), TABLE)
def test_policy_table(
    error: BaseException, idempotent: bool, verdict: str, wait: str | float | None, *, clock: FakeClock, sleeps: Sleeps
) -> None:
    """Each failure gets its verdict, and a retry waits exactly what the rules say."""
    op = GET_FEED if idempotent else CREATE_FEED
    assert POLICY.classify(error, op) == verdict
    sent = datetime(2026, 11, 26, 11, 59, tzinfo=UTC)
    attempt = failing(error)
    run = lambda: POLICY.call(  # noqa: E731 - the call is the same for every outcome
        attempt,
        op=op,
        clock=clock,
        sleep=sleeps,
        throttle_wait=lambda: THROTTLE,
        rng=seeded(),
        sent_at=lambda: sent,
    )
    if verdict == "retry":
        assert run() == "ok"
        expected = {
            "throttle": lambda: THROTTLE + seeded().uniform(0, THROTTLE_JITTER),
            "backoff": lambda: POLICY.backoff(1, seeded()),
        }.get(wait, lambda: wait)()  # type: ignore[arg-type]
        assert sleeps == [pytest.approx(expected)]
        assert len(attempt.calls) == 2
    elif verdict == "fail":
        with pytest.raises(type(error)) as raised:
            run()
        assert raised.value is error
        assert sleeps == []
    else:
        with pytest.raises(OutcomeUnknownError) as raised:
            run()
        assert raised.value.__cause__ is error
        assert raised.value.sent_at == sent
        assert sleeps == []
    if verdict != "retry":
        assert len(attempt.calls) == 1
        if isinstance(error, ApiError):
            assert getattr(raised.value, "attempts", None) == 1


@pytest.mark.parametrize(
    ("attempt", "ceiling"),
    [(0, 0.5), (1, 0.5), (2, 1.0), (3, 2.0), (6, 16.0), (7, 30.0), (50, 30.0), (10_000, 30.0)],
    ids=["zero", "first", "second", "third", "sixth", "capped", "far", "huge-no-overflow"],
)
def test_backoff_is_full_jitter_under_the_ceiling(attempt: int, ceiling: float) -> None:
    """Backoff draws uniformly from [0, min(max_delay, base * 2**(attempt-1))]."""

    class Edges(random.Random):
        def uniform(self, a: float, b: float) -> float:
            """Record the bounds asked for and answer the upper one."""
            self.ends = (a, b)
            return b

    rng = Edges()
    assert POLICY.backoff(attempt, rng) == ceiling
    assert rng.ends == (0, ceiling)
    assert 0 <= POLICY.backoff(attempt, seeded()) <= ceiling


def test_attempts_are_bounded(clock: FakeClock, sleeps: Sleeps) -> None:
    """A call that always fails retryably runs max_attempts times, then raises the last error with attempts set."""
    errors = [api_error(ServerError, 503, request_id=f"req-{n}") for n in range(10)]
    attempt = failing(*errors)
    with capture_logs() as logs, pytest.raises(ServerError) as raised:
        POLICY.call(attempt, op=GET_FEED, clock=clock, sleep=sleeps, rng=seeded())
    assert len(attempt.calls) == POLICY.max_attempts == 6
    assert raised.value is errors[5]
    assert raised.value.attempts == 6
    assert len(sleeps) == 5
    assert [log["event"] for log in logs] == [RETRY_SCHEDULED] * 5 + [RETRY_ABANDONED]
    assert logs[-1]["reason"] == "max_attempts"
    assert logs[-1]["request_id"] == "req-5"


def test_elapsed_time_is_bounded(clock: FakeClock, sleeps: Sleeps) -> None:
    """No wait starts that would end past max_elapsed; time spent in attempts counts too."""
    policy = RetryPolicy(max_attempts=100, max_elapsed=10.0)
    errors = [api_error(ThrottledError, 429) for _ in range(100)]
    attempt = failing(*errors, clock=clock, cost=1.0)
    zero_jitter = seeded()
    zero_jitter.uniform = lambda a, _b: a  # type: ignore[method-assign]
    with capture_logs() as logs, pytest.raises(ThrottledError) as raised:
        policy.call(attempt, op=CREATE_FEED, clock=clock, sleep=sleeps, throttle_wait=lambda: 3.0, rng=zero_jitter)
    # t=0 attempt 1 (ends 1), wait to 4, attempt 2 (ends 5), wait to 8, attempt 3 (ends 9): a 3 s wait would end at 12.
    assert sleeps == [3.0, 3.0]
    assert raised.value.attempts == 3
    assert clock.monotonic() == 9.0 <= policy.max_elapsed
    assert logs[-1]["event"] == RETRY_ABANDONED
    assert logs[-1]["reason"] == "max_elapsed"


def test_a_single_long_wait_past_the_budget_is_not_started(clock: FakeClock, sleeps: Sleeps) -> None:
    """With createFeed refilling once per 120 s and a 100 s budget, the call gives up instead of waiting."""
    policy = RetryPolicy(max_elapsed=100.0)
    with pytest.raises(ThrottledError):
        policy.call(
            failing(api_error(ThrottledError, 429)),
            op=CREATE_FEED,
            clock=clock,
            sleep=sleeps,
            throttle_wait=lambda: 1 / CREATE_FEED.rate,
        )
    assert sleeps == []


def test_429_waits_come_from_throttle_wait(clock: FakeClock, sleeps: Sleeps) -> None:
    """Each 429 asks the limiter for its refill time (once) and waits that plus a small jitter, not a backoff."""
    refills = iter([120.0, 60.0])
    asked: list[float] = []

    def throttle_wait() -> float:
        asked.append(next(refills))
        return asked[-1]

    attempt = failing(api_error(ThrottledError, 429), api_error(ThrottledError, 429))
    result = POLICY.call(attempt, op=CREATE_FEED, clock=clock, sleep=sleeps, throttle_wait=throttle_wait)
    assert result == "ok"
    assert asked == [120.0, 60.0]
    assert len(sleeps) == 2
    for waited, refill in zip(sleeps, asked, strict=True):
        assert refill <= waited <= refill + THROTTLE_JITTER


def test_429_without_throttle_wait_backs_off(clock: FakeClock, sleeps: Sleeps) -> None:
    """With no limiter to ask, a 429 falls back to the exponential backoff."""
    POLICY.call(failing(api_error(ThrottledError, 429)), op=GET_FEED, clock=clock, sleep=sleeps, rng=seeded(1))
    assert sleeps == [POLICY.backoff(1, seeded(1))]


def test_429_retry_goes_through_the_limiter(clock: FakeClock, sleeps: Sleeps) -> None:
    """With the real limiter: a 429 empties the bucket, the retry waits for the refill, the next token is free."""
    limiter = InMemoryRateLimiter(clock=clock, sleep=sleeps)
    scope = "app:A1SELLER"
    waits: list[float] = []
    errors = iter([api_error(ThrottledError, 429)])

    def attempt() -> str:
        waits.append(limiter.acquire(scope, GET_FEED))
        error = next(errors, None)
        if error is not None:
            raise error
        return "ok"

    result = POLICY.call(
        attempt, op=GET_FEED, clock=clock, sleep=sleeps, throttle_wait=lambda: limiter.on_throttled(scope, GET_FEED)
    )
    assert result == "ok"
    assert waits == [0, 0]  # the policy's wait covered the refill
    assert 1 / GET_FEED.rate <= sleeps[0] <= 1 / GET_FEED.rate + THROTTLE_JITTER


def test_backoff_grows_between_attempts(clock: FakeClock, sleeps: Sleeps) -> None:
    """Successive retryable failures wait the backoff of attempt 1, 2, 3... from the same random stream."""
    attempt = failing(*(api_error(ServerError, 503) for _ in range(4)))
    POLICY.call(attempt, op=GET_FEED, clock=clock, sleep=sleeps, rng=seeded())
    rng = seeded()
    assert sleeps == [POLICY.backoff(n, rng) for n in range(1, 5)]


def test_ambiguous_failure_raises_outcome_unknown(clock: FakeClock, sleeps: Sleeps) -> None:
    """A 504 on createFeed after a 429 is never resent: OutcomeUnknownError, chained, with what support needs."""
    cause = api_error(ServerError, 504, request_id="req-504", code="GatewayTimeout", body_excerpt="<html>504</html>")
    cause.operation = "createFeed"
    sent = datetime(2026, 11, 26, 12, 0, 1, tzinfo=UTC)
    attempt = failing(api_error(ThrottledError, 429), cause)
    with capture_logs() as logs, pytest.raises(OutcomeUnknownError) as raised:
        POLICY.call(attempt, op=CREATE_FEED, clock=clock, sleep=sleeps, sent_at=lambda: sent, throttle_wait=lambda: 1.0)
    error = raised.value
    assert error.__cause__ is cause
    assert (error.operation, error.status, error.request_id, error.code) == (
        "createFeed",
        504,
        "req-504",
        "GatewayTimeout",
    )
    assert error.body_excerpt == "<html>504</html>"
    assert error.attempts == 2
    assert error.sent_at == sent
    assert str(error).startswith("[request req-504] createFeed failed: HTTP 504")
    assert "not resent" in str(error)
    assert len(attempt.calls) == 2
    assert len(sleeps) == 1
    assert logs[-1]["event"] == RETRY_ABANDONED
    assert logs[-1]["reason"] == "outcome_unknown"


def test_ambiguous_without_sent_at_leaves_it_empty(clock: FakeClock, sleeps: Sleeps) -> None:
    """Without a sent_at callback the error still raises, with sent_at None."""
    error = api_error(NetworkError, None, request_sent=True)
    with pytest.raises(OutcomeUnknownError) as raised:
        POLICY.call(failing(error), op=CREATE_FEED, clock=clock, sleep=sleeps)
    assert raised.value.sent_at is None
    assert raised.value.status is None


def test_fail_after_retries_carries_the_attempt_count(clock: FakeClock, sleeps: Sleeps) -> None:
    """A 400 after two 503s is raised at once, counting all three attempts."""
    final = api_error(ApiError, 400)
    attempt = failing(api_error(ServerError, 503), api_error(ServerError, 503), final)
    with capture_logs() as logs, pytest.raises(ApiError) as raised:
        POLICY.call(attempt, op=GET_FEED, clock=clock, sleep=sleeps)
    assert raised.value is final
    assert final.attempts == 3
    assert [log["event"] for log in logs] == [RETRY_SCHEDULED, RETRY_SCHEDULED]


def test_retry_scheduled_log_has_the_support_fields(clock: FakeClock, sleeps: Sleeps) -> None:
    """Each scheduled retry logs operation, attempt, wait, cause and request id on the given logger."""
    error = api_error(ServerError, 503, request_id="req-abc")
    with capture_logs() as logs:
        POLICY.call(failing(error), op=GET_FEED, clock=clock, sleep=sleeps, rng=seeded())
    assert logs == [
        {
            "event": RETRY_SCHEDULED,
            "log_level": "warning",
            "operation": "getFeed",
            "attempt": 1,
            "wait_for": round(sleeps[0], 2),
            "caused_by": repr(error),
            "request_id": "req-abc",
        }
    ]


def test_success_first_time_never_sleeps(clock: FakeClock, sleeps: Sleeps) -> None:
    """No error, no wait, no log."""
    with capture_logs() as logs:
        assert POLICY.call(lambda: 42, op=CREATE_FEED, clock=clock, sleep=sleeps) == 42
    assert sleeps == []
    assert logs == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"max_attempts": 2.5},
        {"max_elapsed": 0.0},
        {"max_elapsed": math.inf},
        {"base_delay": -1.0},
        {"max_delay": math.nan},
    ],
    ids=["no-attempts", "fractional-attempts", "no-time", "unbounded-time", "negative-delay", "nan-delay"],
)
def test_policy_refuses_unbounded_or_nonsense_budgets(kwargs: dict[str, float]) -> None:
    """The budget must be bounded and sensible; a bad one fails at construction."""
    with pytest.raises((ValueError, TypeError)):
        RetryPolicy(**kwargs)


def test_default_policy_is_bounded_and_frozen() -> None:
    """The default policy is the documented one and cannot be changed in place."""
    assert RetryPolicy(max_attempts=6, max_elapsed=300.0, base_delay=0.5, max_delay=30.0) == DEFAULT_RETRY_POLICY
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        DEFAULT_RETRY_POLICY.max_attempts = 100  # type: ignore[misc]


def test_foreign_exceptions_pass_through(clock: FakeClock, sleeps: Sleeps) -> None:
    """A bug in the attempt (not an sp_cancel error) propagates unchanged on the first try."""
    boom: Callable[[], None] = failing(KeyError("x"))
    with pytest.raises(KeyError):
        POLICY.call(boom, op=GET_FEED, clock=clock, sleep=sleeps)
    assert sleeps == []


def test_a_429_is_a_refusal_for_every_operation() -> None:
    """Issue 17: Amazon documents 429 as not processed, so even createFeed (money-moving or not) is resent."""
    assert POLICY.classify(api_error(ThrottledError, 429), CREATE_FEED) == "retry"
    assert POLICY.classify(api_error(ThrottledError, 429), GET_FEED) == "retry"
