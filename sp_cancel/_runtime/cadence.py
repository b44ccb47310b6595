"""When to look again at a feed or report still processing: a cadence that follows the service's own pace.

``Cadence`` keeps, per feed or report type, how long the last one this client saw took (``learn``: from
Amazon's ``createdTime`` to its ``processingEndTime``, or the time waited when those are missing) and says
how long to pause before the next status read (``pause``):

- **Nothing learned yet**: the pause equals the time waited so far (each look doubles the feed's age),
  starting from ``floor``. A feed that takes 0.5 s is seen done within about 1 s, one that takes three
  minutes after about a dozen looks, however fast or slow the service answers.
- **A processing time ``T`` learned**: one look just past ``T`` (``T x 1.05``); if the feed is still running
  then, looks follow at ``T / 8`` or half the overrun, whichever is longer.

Every pause is at least ``floor`` (one call of the status operation's usage plan: the caller passes
``1 / plan_rate``, Amazon's documented rate unless Amazon reported another) and at most ``ceiling``.
Time is the caller's injected clock; nothing is persisted: a new client learns again from its first feed.
"""

from __future__ import annotations

import math
import threading
from typing import Final

__all__ = ["PAST_TYPICAL", "Cadence"]

#: With a processing time ``T`` learned, the first look lands at ``T`` times this.
PAST_TYPICAL: Final = 1.05

# Still running past T: at least T / _LATE_STEP between looks.
_LATE_STEP: Final = 8.0


class Cadence:
    """Processing times learned per feed or report type, and the pause before the next status read; thread-safe."""

    def __init__(self) -> None:
        """Start knowing nothing."""
        self._typical: dict[str, float] = {}
        self._lock = threading.Lock()

    def typical(self, kind: str) -> float | None:
        """Seconds the last finished feed or report of ``kind`` took, or ``None`` before one was seen."""
        with self._lock:
            return self._typical.get(kind)

    def learn(self, kind: str, seconds: float) -> None:
        """Remember that a feed or report of ``kind`` took ``seconds`` (a negative or non-finite value is ignored)."""
        if not kind or not math.isfinite(seconds) or seconds < 0:
            return
        with self._lock:
            self._typical[kind] = seconds

    def pause(self, kind: str, *, waited: float, floor: float, ceiling: float) -> float:
        """Seconds to wait before the next status read of a ``kind`` still processing after ``waited`` seconds.

        Args:
            kind: the feed or report type.
            waited: seconds since the submission (its first status read), on the caller's clock.
            floor: the shortest pause (one token of the status operation's usage plan).
            ceiling: the longest pause; never less than ``floor``.
        """
        typical = self.typical(kind)
        if typical is None:
            pause = waited
        elif waited < typical * PAST_TYPICAL:
            pause = typical * PAST_TYPICAL - waited
        else:
            pause = max(typical / _LATE_STEP, (waited - typical) / 2)
        return max(floor, min(pause, ceiling))
