"""The retry policy: what is retried, how long to wait, and the budget.

``RetryPolicy`` decides; ``tenacity.Retrying(..., sleep=injected, reraise=True)``
executes. This is the only module that imports tenacity, and no tenacity type
leaves it.

The decision, one failed attempt at a time (the transport raises one error per attempt):

======================================================  ==================  ======================
error                                                   idempotent op       non-idempotent op
======================================================  ==================  ======================
``ThrottledError`` (429: rejected before processing)    retry               retry
``ServerError`` 500/502/503/504, or a 2xx with an       retry               ``OutcomeUnknownError``
empty or unreadable body
``NetworkError``, request not sent (connect error,      retry               retry
connect or pool timeout)
``NetworkError``, request sent (read timeout, dropped   retry               ``OutcomeUnknownError``
connection)
anything else (400/401/403/404, other 5xx,              raise at once       raise at once
``InvalidInputError``, non-sp_cancel exceptions)
======================================================  ==================  ======================

The wait before the next attempt:

1. ``Retry-After`` (the transport's ``retry_after`` attribute on the error), when
   present, finite and within [0, ``MAX_RETRY_AFTER``] s. Amazon does not send it
   today (SP-API 429s declare only ``x-amzn-RequestId``); it is honoured if it appears.
2. After a 429: ``throttle_wait()`` (the limiter's ``on_throttled``, the time until the
   shared bucket's next token) plus up to ``THROTTLE_JITTER`` s of jitter; never a
   fixed backoff.
3. Otherwise full-jitter exponential backoff: ``uniform(0, min(max_delay, base_delay * 2 ** (attempt - 1)))``.

The budget: at most ``max_attempts`` attempts, and no wait is started that would end
more than ``max_elapsed`` seconds (on the injected clock) after the first attempt began.
When it runs out the last error is raised with ``attempts`` set.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Final, Literal, TypeVar

import attrs
import tenacity as _t

from sp_cancel._events import RETRY_ABANDONED, RETRY_SCHEDULED
from sp_cancel._public import publish
from sp_cancel.clock import Clock, Sleep
from sp_cancel.errors import ApiError, NetworkError, OutcomeUnknownError, ServerError, ThrottledError
from sp_cancel.logging import Logger, get_logger

if TYPE_CHECKING:
    from sp_cancel._operations import Operation

__all__ = ["DEFAULT_RETRY_POLICY", "MAX_RETRY_AFTER", "THROTTLE_JITTER", "Classification", "RetryPolicy"]

T = TypeVar("T")

Classification = Literal["retry", "fail", "ambiguous"]

#: Longest ``Retry-After`` honoured, in seconds; a longer (or malformed) one is ignored.
MAX_RETRY_AFTER: Final = 120.0
#: Upper bound of the random delay added to the limiter's refill time after a 429, in seconds.
THROTTLE_JITTER: Final = 0.25
#: Statuses after which Amazon may have processed the request (gateway errors, or a 2xx we could not read).
_MAYBE_PROCESSED: Final = frozenset({500, 502, 503, 504})
#: Cap on the backoff exponent, so a huge attempt number cannot overflow a float.
_MAX_EXPONENT: Final = 64


def _retry_after(error: BaseException) -> float | None:
    """Return the error's ``retry_after`` when it is usable, else ``None``."""
    value = getattr(error, "retry_after", None) if isinstance(error, ApiError) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if math.isfinite(value) and 0 <= value <= MAX_RETRY_AFTER:
        return float(value)
    return None


def _positive(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{attribute.name} must be a positive number of seconds, not {value!r}")


def _non_negative(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{attribute.name} must be zero or more seconds, not {value!r}")


@attrs.define
class _Budget:
    """What one ``RetryPolicy.call`` has spent, and why it stopped."""

    attempts: int = 0
    stopped_by: str = ""


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Which failed SP-API calls to retry, how long to wait, and when to give up.

    Attributes:
        max_attempts: most attempts per call, the first included.
        max_elapsed: most seconds (on the injected clock) from the first attempt to the end of the last wait.
        base_delay: first backoff ceiling, in seconds; doubles each attempt.
        max_delay: highest backoff ceiling, in seconds. Waits after a 429 follow the limiter instead
            and may be longer (``createFeed`` refills one token every two minutes).
    """

    max_attempts: int = attrs.field(default=6, validator=[attrs.validators.instance_of(int), attrs.validators.ge(1)])
    max_elapsed: float = attrs.field(default=300.0, validator=_positive)
    base_delay: float = attrs.field(default=0.5, validator=_non_negative)
    max_delay: float = attrs.field(default=30.0, validator=_non_negative)

    def classify(self, error: BaseException, op: Operation) -> Classification:
        """Say whether ``error`` from one attempt of ``op`` is worth another attempt.

        Returns:
            ``"retry"`` when resending is harmless and may succeed, ``"ambiguous"`` when a
            non-idempotent request may have taken effect (never resent), ``"fail"`` otherwise.
        """
        if isinstance(error, OutcomeUnknownError):
            return "fail"  # already a verdict: never resent
        if isinstance(error, ThrottledError):
            # 429: Amazon documents it as its usage-plan gate refusing a call before processing it ("not
            # processed"), for every operation: resent once the bucket refills, money-moving createFeed included.
            return "retry"
        # A 503 usually means "not processed", but Amazon's edge has answered 503 after the service acted:
        # for a non-idempotent call (createFeed) it is as ambiguous as a 500 and is never resent blind.
        if isinstance(error, ServerError):
            status = error.status
            if not (status is None or status in _MAYBE_PROCESSED or 200 <= status < 300):
                return "fail"  # 501, 505...: resending will not help
        elif isinstance(error, NetworkError):
            if getattr(error, "request_sent", None) is False:
                return "retry"  # connect error or connect/pool timeout: Amazon never saw it
            # Sent, or not known to be unsent: Amazon may have it.
        else:
            return "fail"
        # Amazon may have processed it: harmless to resend only when the operation is idempotent.
        return "retry" if op.idempotent else "ambiguous"

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Return the full-jitter wait after failed attempt number ``attempt`` (1-based).

        ``uniform(0, min(max_delay, base_delay * 2 ** (attempt - 1)))``.
        """
        exponent = min(max(attempt, 1) - 1, _MAX_EXPONENT)
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2.0**exponent))

    def wait_for(
        self,
        error: BaseException,
        attempt: int,
        rng: random.Random,
        throttle_wait: Callable[[], float] | None = None,
    ) -> float:
        """Return the seconds to wait after ``error`` ended attempt number ``attempt``.

        A usable ``Retry-After`` wins; a 429 waits for the limiter's next token (``throttle_wait``,
        always called after a 429 so the shared bucket is emptied) plus a little jitter; anything
        else backs off exponentially.
        """
        refill = throttle_wait() if throttle_wait is not None and isinstance(error, ThrottledError) else None
        retry_after = _retry_after(error)
        if retry_after is not None:
            return retry_after
        if refill is not None:
            return max(0.0, refill) + rng.uniform(0, THROTTLE_JITTER)
        return self.backoff(attempt, rng)

    def call(
        self,
        attempt: Callable[[], T],
        *,
        op: Operation,
        clock: Clock,
        sleep: Sleep,
        throttle_wait: Callable[[], float] | None = None,
        rng: random.Random | None = None,
        log: Logger | None = None,
        sent_at: Callable[[], datetime] | None = None,
    ) -> T:
        """Run ``attempt`` until it succeeds, fails for good, or the budget runs out.

        Args:
            attempt: one try of the call (the transport acquires a token and sends).
            op: the operation, for classification and logs.
            clock: measures the elapsed budget (``monotonic()``).
            sleep: waits between attempts.
            throttle_wait: after a 429, returns the seconds until the next token (the limiter's
                ``on_throttled``); without it a 429 backs off exponentially.
            rng: randomness for jitter (seed it in tests).
            log: structlog logger to emit ``sp_cancel.retry_scheduled``/``retry_abandoned`` on.
            sent_at: when the last attempt was sent, for ``OutcomeUnknownError``.

        Returns:
            What ``attempt`` returned.

        Raises:
            OutcomeUnknownError: a non-idempotent call failed ambiguously; chained from the cause.
            ApiError: the last error, with ``attempts`` set, when it is not retryable or the budget ran out.
        """
        started = clock.monotonic()
        # The first attempt runs bare: most calls succeed at once, and tenacity's machinery (and a seeded
        # Random) would cost more than the call's own work. A failure is handed to the same loop as before,
        # as its first attempt, so what is retried, the waits and the budget are unchanged.
        try:
            return attempt()
        except Exception as error:  # noqa: BLE001 - handed to the retry loop, which decides
            first = error
        return self._after_first(
            attempt,
            first,
            started=started,
            op=op,
            clock=clock,
            sleep=sleep,
            throttle_wait=throttle_wait,
            rng=rng,
            log=log,
            sent_at=sent_at,
        )

    def _after_first(  # noqa: C901 - tenacity's hooks are closures over one budget; they read best together
        self,
        attempt: Callable[[], T],
        failure: Exception,
        *,
        started: float,
        op: Operation,
        clock: Clock,
        sleep: Sleep,
        throttle_wait: Callable[[], float] | None,
        rng: random.Random | None,
        log: Logger | None,
        sent_at: Callable[[], datetime] | None,
    ) -> T:
        """``call`` after its first attempt raised ``failure``: tenacity's loop, that failure as attempt 1."""
        budget = _Budget(attempts=1)
        first = [failure]
        logger: Logger = log if log is not None else get_logger()
        jitter = rng if rng is not None else random.Random()  # noqa: S311 - jitter, not cryptography

        def run() -> T:
            if first:
                raise first.pop()
            budget.attempts += 1
            return attempt()

        def wait(state: _t.RetryCallState) -> float:
            return self.wait_for(_exception(state), state.attempt_number, jitter, throttle_wait)

        def stop(state: _t.RetryCallState) -> bool:
            if state.attempt_number >= self.max_attempts:
                budget.stopped_by = "max_attempts"
                return True
            if clock.monotonic() - started + (state.upcoming_sleep or 0.0) > self.max_elapsed:
                budget.stopped_by = "max_elapsed"
                return True
            return False

        def before_sleep(state: _t.RetryCallState) -> None:
            error = _exception(state)
            logger.warning(
                RETRY_SCHEDULED,
                operation=op.name,
                attempt=state.attempt_number,
                wait_for=round(state.upcoming_sleep, 2),
                caused_by=repr(error),
                request_id=getattr(error, "request_id", None),
            )

        retrying = _t.Retrying(
            sleep=sleep,
            stop=stop,
            wait=wait,
            retry=_t.retry_if_exception(lambda error: self.classify(error, op) == "retry"),
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(run)
        except ApiError as error:
            error.attempts = budget.attempts
            verdict = self.classify(error, op)
            if verdict == "fail":
                raise
            elapsed = round(clock.monotonic() - started, 2)
            reason = budget.stopped_by if verdict == "retry" else "outcome_unknown"
            logger.warning(
                RETRY_ABANDONED,
                operation=op.name,
                attempt=budget.attempts,
                reason=reason,
                elapsed=elapsed,
                caused_by=repr(error),
                request_id=error.request_id,
            )
            if verdict == "ambiguous":
                raise _outcome_unknown(error, op, budget.attempts, sent_at) from error
            raise


def _exception(state: _t.RetryCallState) -> BaseException:
    """Return the exception that ended the attempt ``state`` describes."""
    outcome = state.outcome
    error = outcome.exception() if outcome is not None else None
    if error is None:  # pragma: no cover - tenacity only waits after a failure here
        msg = "retry state without an exception"
        raise RuntimeError(msg)
    return error


def _outcome_unknown(
    error: ApiError,
    op: Operation,
    attempts: int,
    sent_at: Callable[[], datetime] | None,
) -> OutcomeUnknownError:
    """Build the ``OutcomeUnknownError`` for an ambiguous failure of a non-idempotent ``op``."""
    call = error.call_details()
    call["operation"] = error.operation or op.name
    call["attempts"] = attempts
    return OutcomeUnknownError(
        f"{error.message}; the request may have taken effect, so it was not resent. "
        "Check what it did (the journal, getFeeds, reading the target back) before sending it again.",
        sent_at=sent_at() if sent_at is not None else None,
        **call,
    )


#: The policy a client uses when it is given none.
DEFAULT_RETRY_POLICY: Final = RetryPolicy()

# sp_cancel exports these (imported on first use there): they say so whichever path imported them first.
publish("sp_cancel", globals(), ["RetryPolicy"])
