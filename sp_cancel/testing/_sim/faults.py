"""Fault injection: rules that make chosen requests fail the way Amazon's edge sometimes does.

A rule is a mapping::

    {"operation": "feeds.createFeed" | "*", "fault": "503", "nth": 2, "probability": None,
     "count": 1, "seconds": None}

- ``fault``: ``"400"`` (an ``InvalidInput`` refusal: nothing done), ``"429"`` (the usage-plan gate: nothing
  done), ``"500"``, ``"503"`` (ErrorList bodies),
  ``"html_504"`` (a gateway's HTML page),
  ``"empty_200"`` (status 200, empty body, handler NOT run: on ``document.upload`` a store that answered
  but kept nothing, with no ETag), ``"drop"`` (connection closed, handler NOT run),
  ``"delay"`` (handler runs, answer ``seconds`` late), ``"timeout_after_commit"`` (handler runs and
  changes state, the client never gets the answer), ``"500_after_commit"``,
  ``"503_after_commit"``, ``"drop_after_commit"`` (handler runs and changes state, then the client gets
  that error, or a dropped connection, instead of the answer: Amazon's edge failing after the service
  acted; there is no 429 after commit: Amazon documents 429 as the usage-plan gate refusing a request
  before it is processed), ``"feed_stuck"`` / ``"feed_fatal"`` (consumed by ``feeds.createFeed``: the feed never leaves
  ``IN_PROGRESS`` / ends ``FATAL``), ``"token_expired"`` (Amazon expires the presented access token early:
  this request and every later one with that token get 403 "The security token included in the request is
  expired"; the handler does not run).
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
from typing import Final, Literal

from sp_cancel.transport import OPERATIONS

__all__ = ["AFTER_COMMIT", "FAULT_KINDS", "FaultPlan", "FaultRule", "load_rules", "parse_rules"]

#: Faults where the handler runs (Amazon acted) and the client then gets this status, or a dropped connection.
AFTER_COMMIT: Final = {
    "500_after_commit": 500,
    "503_after_commit": 503,
    "drop_after_commit": 0,
}
FAULT_KINDS: Final = frozenset(
    {
        "400",
        "429",
        "500",
        "503",
        "html_504",
        "empty_200",
        "drop",
        "delay",
        "timeout_after_commit",
        "feed_stuck",
        "feed_fatal",
    }
    | set(AFTER_COMMIT)
    | {"token_expired"}
)
_FEED_FAULTS: Final = frozenset({"feed_stuck", "feed_fatal"})
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
        if self.fault in _FEED_FAULTS and self.operation not in {"*", "feeds.createFeed"}:
            raise ValueError(f"{self.fault} applies to feeds.createFeed only")
        if self.nth is not None and self.nth < 1:
            raise ValueError("nth counts from 1")
        if self.probability is not None and not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1 (or None for unlimited)")
        if self.fault == "delay" and (self.seconds is None or self.seconds <= 0):
            raise ValueError("a delay fault needs seconds > 0")

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
            if rule.fault in _FEED_FAULTS or not rule.matches(operation):
                continue
            if chosen is not None:
                rule.seen += 1  # counted, but not consumed: one fault per request
            elif rule._try_fire(self._rng):  # noqa: SLF001 - same module's dataclass
                chosen = rule
        return chosen

    def take_feed(self) -> Literal["stuck", "fatal"] | None:
        """Consume a ``feed_stuck``/``feed_fatal`` rule for one ``createFeed`` call."""
        chosen: Literal["stuck", "fatal"] | None = None
        for rule in self.rules:
            if rule.fault not in _FEED_FAULTS or not rule.matches("feeds.createFeed"):
                continue
            if chosen is not None:
                rule.seen += 1
            elif rule._try_fire(self._rng):  # noqa: SLF001
                chosen = "stuck" if rule.fault == "feed_stuck" else "fatal"
        return chosen
