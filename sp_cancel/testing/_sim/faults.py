"""Fault injection: rules that make chosen requests fail the way Amazon's edge sometimes does.

A rule is a mapping::

    {"operation": "feeds.createFeed" | "*", "fault": "503", "nth": 2, "probability": None,
     "count": 1, "seconds": None}

- ``fault``: ``"400"`` (an ``InvalidInput`` refusal: nothing done), ``"404"`` (``NotFound``, nothing done: a
  resource Amazon withdrew), ``"429"`` (the usage-plan gate: nothing
  done), ``"500"``, ``"503"`` (ErrorList bodies),
  ``"html_504"`` (a gateway's HTML page),
  ``"empty_200"`` (status 200, empty body, handler NOT run: on ``document.upload`` a store that answered
  but kept nothing, with no ETag), ``"drop"`` (connection closed, handler NOT run),
  ``"delay"`` (handler runs, answer ``seconds`` late), ``"timeout_after_commit"`` (handler runs and
  changes state, the client never gets the answer), ``"500_after_commit"``,
  ``"503_after_commit"``, ``"drop_after_commit"`` (handler runs and changes state, then the client gets
  that error, or a dropped connection, instead of the answer: Amazon's edge failing after the service
  acted; there is no 429 after commit: Amazon documents 429 as the usage-plan gate refusing a request
  before it is processed), ``"token_expired"`` (Amazon expires the presented access token early:
  this request and every later one with that token get 403 "The security token included in the request is
  expired"; the handler does not run).
- Feed faults, consumed by ``feeds.createFeed`` (the call itself succeeds; the fault shapes that feed):
  ``"feed_stuck"`` (the feed never leaves ``IN_PROGRESS``; nothing applied), ``"feed_fatal"`` (it ends
  ``FATAL`` with no report after applying a seeded subset of its messages), and the processing-report faults
  (``REPORT_FAULTS``), where the feed ends ``DONE``:

  - ``"report_nothing_processed"``: report ``StatusCode`` Complete, ``MessagesProcessed`` 0,
    ``MessagesSuccessful`` 0, no results; **Amazon applied nothing**;
  - ``"report_processing"``: ``StatusCode`` Processing, no summary; **Amazon applied nothing, and never will
    for this feed**;
  - ``"report_rejected"``: ``StatusCode`` Rejected, no summary, no per-message results; **nothing applied**;
  - ``"report_foreign"``: the summary counts the feed's messages, but the one result names another
    ``MessageID`` and another order (an Amazon mix-up); **nothing of the feed applied**;
  - ``"report_truncated"``, ``"report_empty"``, ``"report_not_xml"``: **the feed was applied** as usual, but
    its result document is cut in the middle (after a complete summary) / zero bytes / a well-formed HTML
    error page instead of the report;
  - ``"report_missing"``: **the feed was applied**; ``DONE`` without a ``resultFeedDocumentId``.

  The first four describe an XML ProcessingReport, so only the two order feeds take them (a
  ``JSON_LISTINGS_FEED`` leaves such a rule for the next order feed); the others apply to any feed.
- Date faults, on any operation (the handler runs; the world is changed only as the request itself changes
  it): ``"date_1970"`` / ``"date_2100"`` (that one answer's ``Date`` header is in that year) and
  ``"date_skew"`` with ``seconds`` (that one answer's ``Date`` is ``seconds`` off Amazon's clock, either way).
- ``operation``: an operation key from the usage-plan table (``"ordersV0.getOrder"``), ``"lwa.token"``
  for the token endpoint, ``"document.upload"`` / ``"document.download"`` for the presigned document
  URLs, or ``"*"`` for every SP-API operation (``"*"`` never matches ``lwa.token`` or the documents).
- ``nth``: fire from the nth matching request on (1-based); ``probability``: fire on each matching
  request with this seeded probability; neither: fire on the next matching requests.
- ``count``: how many times the rule fires (default 1; ``None`` = unlimited).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sp_cancel.transport import OPERATIONS

__all__ = [
    "AFTER_COMMIT",
    "APPLIED_REPORT_FAULTS",
    "DATE_FAULTS",
    "FAULT_KINDS",
    "FEED_FAULTS",
    "HOLLOW_REPORT_FAULTS",
    "REPORT_FAULTS",
    "DeliveryFaults",
    "FaultPlan",
    "FaultRule",
    "load_rules",
    "parse_rules",
]

#: Faults where the handler runs (Amazon acted) and the client then gets this status, or a dropped connection.
AFTER_COMMIT: Final = {
    "500_after_commit": 500,
    "503_after_commit": 503,
    "drop_after_commit": 0,
}
#: Processing-report faults after which Amazon applied nothing of the feed (XML order feeds only).
HOLLOW_REPORT_FAULTS: Final = frozenset(
    {"report_nothing_processed", "report_processing", "report_rejected", "report_foreign"}
)
#: Processing-report faults of a feed Amazon applied as usual: only its report is damaged or missing.
APPLIED_REPORT_FAULTS: Final = frozenset({"report_truncated", "report_empty", "report_not_xml", "report_missing"})
REPORT_FAULTS: Final = HOLLOW_REPORT_FAULTS | APPLIED_REPORT_FAULTS
#: Faults consumed by feeds.createFeed for the feed it creates.
FEED_FAULTS: Final = frozenset({"feed_stuck", "feed_fatal"}) | REPORT_FAULTS
#: Faults that make one answer's Date header lie.
DATE_FAULTS: Final = frozenset({"date_1970", "date_2100", "date_skew"})
FAULT_KINDS: Final = frozenset(
    {
        "400",
        "404",
        "429",
        "500",
        "503",
        "html_504",
        "empty_200",
        "drop",
        "delay",
        "timeout_after_commit",
    }
    | set(AFTER_COMMIT)
    | {"token_expired"}
    | FEED_FAULTS
    | DATE_FAULTS
)
# Operations the simulator serves that are not in the client's table (sandbox-only, LWA).
EXTRA_OPERATIONS: Final = frozenset(
    {
        "fbaOutbound.submitFulfillmentOrderStatusUpdate",
        "fbaOutbound2026.updateOrderStatus",
        "lwa.token",
        "document.upload",
        "document.download",
    }
)


@dataclass
class FaultRule:
    """One fault rule (see the module docstring)."""

    operation: str
    fault: str
    nth: int | None = None
    probability: float | None = None
    count: int | None = 1
    seconds: float | None = None
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.fault not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.fault!r}; use one of {sorted(FAULT_KINDS)}")
        if self.operation != "*" and self.operation not in OPERATIONS and self.operation not in EXTRA_OPERATIONS:
            raise ValueError(f"unknown operation {self.operation!r}; use an operation key or '*'")
        if self.fault in FEED_FAULTS and self.operation not in {"*", "feeds.createFeed"}:
            raise ValueError(f"{self.fault} applies to feeds.createFeed only")
        if self.nth is not None and self.nth < 1:
            raise ValueError("nth counts from 1")
        if self.probability is not None and not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1 (or None for unlimited)")
        if self.fault == "delay" and (self.seconds is None or self.seconds <= 0):
            raise ValueError("a delay fault needs seconds > 0")
        if self.fault == "date_skew" and not self.seconds:
            raise ValueError("a date_skew fault needs seconds (how far off the Date header is; negative: behind)")

    def matches(self, operation: str) -> bool:
        """Whether this rule applies to ``operation``."""
        if self.operation == "*":
            return operation != "lwa.token" and not operation.startswith("document.")
        return self.operation == operation

    def _try_fire(self, rng: random.Random) -> bool:
        self.seen += 1
        if self.count is not None and self.fired >= self.count:
            return False
        if self.nth is not None and self.seen < self.nth:
            return False
        if self.probability is not None and rng.random() >= self.probability:
            return False
        self.fired += 1
        return True


def parse_rules(rules: Iterable[Mapping[str, object]]) -> list[FaultRule]:
    """Build rules from plain mappings (``operation`` defaults to ``"*"``; unknown keys are refused)."""
    allowed = {"operation", "fault", "nth", "probability", "count", "seconds"}
    out: list[FaultRule] = []
    for raw in rules:
        extra = set(raw) - allowed
        if extra:
            raise ValueError(f"unknown fault rule keys {sorted(extra)}")
        nth, probability, count, seconds = (
            raw.get("nth"),
            raw.get("probability"),
            raw.get("count", 1),
            raw.get("seconds"),
        )
        out.append(
            FaultRule(
                operation=str(raw.get("operation", "*")),
                fault=str(raw["fault"]),
                nth=None if nth is None else int(str(nth)),
                probability=None if probability is None else float(str(probability)),
                count=None if count is None else int(str(count)),
                seconds=None if seconds is None else float(str(seconds)),
            )
        )
    return out


def load_rules(path: str | Path) -> list[FaultRule]:
    """Read rules from a JSON file holding a list of rules or ``{"faults": [...]}``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("faults", [])
    if not isinstance(data, list):
        raise TypeError(f"{path}: expected a list of fault rules")
    return parse_rules(data)


class FaultPlan:
    """The active rules; decides per request which fault (if any) to inject. Seeded; not thread-safe (the app locks)."""

    def __init__(self, rules: Iterable[FaultRule], rng: random.Random) -> None:
        """Hold ``rules``; draw probabilities from ``rng``."""
        self.rules: list[FaultRule] = list(rules)
        self._rng = rng

    def add(self, rule: FaultRule) -> None:
        """Append a rule."""
        self.rules.append(rule)

    def pick(self, operation: str) -> FaultRule | None:
        """Return the request fault to inject for one ``operation`` request (feed faults are not picked here)."""
        chosen: FaultRule | None = None
        for rule in self.rules:
            if rule.fault in FEED_FAULTS or not rule.matches(operation):
                continue
            if chosen is not None:
                rule.seen += 1  # counted, but not consumed: one fault per request
            elif rule._try_fire(self._rng):  # noqa: SLF001 - same module's dataclass
                chosen = rule
        return chosen

    def take_feed(self, *, order_feed: bool = True) -> str | None:
        """Consume one feed fault (``FEED_FAULTS``) for one ``createFeed`` call; return its kind or ``None``.

        ``order_feed`` False (a ``JSON_LISTINGS_FEED``): the XML-report faults (``HOLLOW_REPORT_FAULTS``) are
        neither counted nor consumed; they wait for the next order feed.
        """
        chosen: str | None = None
        for rule in self.rules:
            if rule.fault not in FEED_FAULTS or not rule.matches("feeds.createFeed"):
                continue
            if not order_feed and rule.fault in HOLLOW_REPORT_FAULTS:
                continue
            if chosen is not None:
                rule.seen += 1
            elif rule._try_fire(self._rng):  # noqa: SLF001
                chosen = rule.fault
        return chosen


@dataclass(frozen=True)
class DeliveryFaults:
    """How the simulator delivers notifications to SQS: as Amazon's Standard-queue delivery may (docs/notifications.md).

    Amazon documents no guarantee; sellers report the same notification up to ten times and whole notifications
    missing. Every draw is seeded (the simulator's seed), so a run repeats exactly.

    Attributes:
        duplicates: ``(low, high)``: each notification is sent a number of times drawn uniformly from it.
        drop: probability that a notification is never sent at all.
        reorder: probability that a notification is held back ``hold`` seconds, so later ones overtake it.
        delay: ``(low, high)`` seconds between the change and each copy's delivery, drawn per copy.
        hold: seconds a reordered notification is held back (beyond its delay).

    ``delay`` and ``hold`` are Amazon's seconds: a simulator with ``scale`` waits them divided by it, as it
    does every other duration.
    """

    duplicates: tuple[int, int] = (1, 1)
    drop: float = 0.0
    reorder: float = 0.0
    delay: tuple[float, float] = (0.0, 0.0)
    hold: float = 60.0

    def __post_init__(self) -> None:
        low, high = self.duplicates
        if not 1 <= low <= high:
            raise ValueError(f"duplicates must be (low, high) with 1 <= low <= high, not {self.duplicates}")
        for name in ("drop", "reorder"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a probability in [0, 1], not {value}")
        if not 0.0 <= self.delay[0] <= self.delay[1] or self.hold < 0:
            raise ValueError(f"delay must be (low, high) seconds with 0 <= low <= high, hold >= 0: {self}")
