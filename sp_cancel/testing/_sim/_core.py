"""The simulator's state holder: world, clock, lock, seeded randomness, ids, usage plans, tokens.

Every handler receives the :class:`SimulatorCore`. The app holds ``sim.lock``
while tick hooks and a handler run, so handlers never lock themselves.

Time and scale: ``sim.clock`` is a :class:`~sp_cancel.clock.FakeClock` unless
another clock is given (``serve`` uses the real clock). ``scale`` multiplies
every usage-plan rate (bursts stay) and divides every simulated duration the
simulator owns (feed timing is divided by the feeds module; MCF planning
window, report processing, listing deletion and refund posting here).
"""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import ModuleType
from typing import Final, Literal

from sp_cancel.clock import Clock, FakeClock, system_sleep, utc
from sp_cancel.testing._sim._faults import FaultPlan, FaultRule
from sp_cancel.testing._sim._http import Router
from sp_cancel.testing._sim._observe import Observer, next_serial
from sp_cancel.testing._sim._state import World
from sp_cancel.transport._operations import OPERATIONS

__all__ = ["DEFAULT_BASE_URL", "FeedTiming", "SimulatorCore", "SimulatorCredentials", "TickHook"]

DEFAULT_BASE_URL: Final = "http://sp-api.simulator.local"
TOKEN_PATH: Final = "/auth/o2/token"  # noqa: S105 - a URL path, not a secret
CancelRateKey = Literal["preFulfillmentCancellationRate", "prefulfillmentCancelRate"]

# Usage plans of operations the simulator serves but the client table does not list:
# sandbox-only operations run at the sandbox's fixed 5 rps / burst 15 (facts §11).
_EXTRA_PLANS: Final[dict[str, tuple[float, int]]] = {
    "fbaOutbound.submitFulfillmentOrderStatusUpdate": (5.0, 15),
    "fbaOutbound2026.updateOrderStatus": (5.0, 15),
}
_DIGIT_KINDS: Final = frozenset({"feed", "report", "digits", "adjustment"})

TickHook = Callable[["SimulatorCore"], None]


@dataclass(frozen=True)
class SimulatorCredentials:
    """The LWA credentials the simulator accepts (fake values, safe to print)."""

    refresh_token: str = "sim-refresh-token-0001"  # noqa: S105 - a made-up simulator token
    client_id: str = "sim-client-id-0001"
    client_secret: str = "sim-client-secret-0001"  # noqa: S105 - a made-up simulator secret


@dataclass
class FeedTiming:
    """Simulated seconds a feed spends queued and processing (the feeds module divides them by ``scale``)."""

    queue_seconds: float = 20.0
    base_seconds: float = 30.0
    per_message_seconds: float = 0.01


@dataclass
class _Bucket:
    tokens: float
    updated: float


class SimulatorCore:
    """State and services shared by every simulator handler (the contract the API modules code against).

    Args:
        seed: seeds ``rng``, the id generator and the scenario.
        scale: speeds up usage plans (rate times scale) and simulated durations (÷ scale).
        seller_id: the simulated seller (``sellerId`` in listings paths).
        marketplace_id: the seller's home marketplace.
        clock: the simulator's clock (default: a new :class:`FakeClock`).
        credentials: the LWA credentials accepted by ``/auth/o2/token``.
        faults: fault rules (see :mod:`sp_cancel.testing._sim._faults`).
        cancel_rate_key: property name of the cancellation rate in the seller performance report
            (``"prefulfillmentCancelRate"`` reproduces the schema example's spelling).
        base_url: where the simulator is reachable (document URLs are built from it).
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        scale: float = 1.0,
        seller_id: str = "A1SIMSELLER0001",
        marketplace_id: str = "ATVPDKIKX0DER",
        clock: Clock | None = None,
        credentials: SimulatorCredentials | None = None,
        faults: list[FaultRule] | None = None,
        cancel_rate_key: CancelRateKey = "preFulfillmentCancellationRate",
        base_url: str = DEFAULT_BASE_URL,
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.seed = seed
        self.scale = float(scale)
        self.seller_id = seller_id
        self.clock: Clock = clock if clock is not None else FakeClock()
        self.world = World(seller_id=seller_id, marketplace_id=marketplace_id)
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self._id_rng = random.Random(f"sp-cancel-sim-ids-{seed}")
        self.data_rng = random.Random(f"sp-cancel-sim-data-{seed}")  # scenario and test objects
        self._issued_ids: set[str] = set()
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials or SimulatorCredentials()
        self.faults = FaultPlan(faults or [], random.Random(f"sp-cancel-sim-faults-{seed}"))
        self.feed_timing = FeedTiming()
        self.refund_posting_delay = timedelta(hours=2) / self.scale
        self.mcf_planning_window = timedelta(minutes=15) / self.scale
        self.listing_delete_delay = timedelta(seconds=60) / self.scale
        self.report_queue_time = timedelta(seconds=10) / self.scale
        self.report_processing_time = timedelta(seconds=30) / self.scale
        self.token_lifetime = timedelta(hours=1)
        self.http_hang_seconds = 5.0  # real seconds a served timeout_after_commit holds the socket
        self.cancel_rate_key: CancelRateKey = cancel_rate_key
        self.tick_hooks: list[TickHook] = []
        # Requests received per operation key ("document.upload"/"document.download" for S3-style URLs,
        # "lwa.token" for the token endpoint), 429s and faults included: what a benchmark counts.
        self.request_counts: Counter[str] = Counter()
        self.router = Router()
        self.access_tokens: dict[str, datetime] = {}
        self.authorization_revoked = False
        self.mcf_pinned: set[str] = set()  # MCF orders whose status was forced (no auto-advance)
        self._buckets: dict[str, _Bucket] = {}
        self.observers: list[Observer] = []  # see _observe.py; called after every answer
        self.serial = next_serial()

    # -- time ---------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The simulated current time (aware UTC)."""
        return utc(self.clock.now())

    def pass_time(self, seconds: float) -> None:
        """Let ``seconds`` pass: advance a fake clock, or really wait on any other clock."""
        if seconds <= 0:
            return
        advance = getattr(self.clock, "advance", None)
        if callable(advance):
            advance(seconds)
        else:
            system_sleep(seconds)

    # -- ids ----------------------------------------------------------------------------------

    def new_id(self, kind: str) -> str:
        """A new id, deterministic per seed: digit strings for feeds and reports, UUID-like otherwise."""
        while True:
            if kind in _DIGIT_KINDS:
                candidate = "50" + "".join(str(self._id_rng.randrange(10)) for _ in range(9))
            elif kind == "token":
                candidate = f"sim-access-{self._id_rng.getrandbits(128):032x}"
            else:
                candidate = str(uuid.UUID(int=self._id_rng.getrandbits(128), version=4))
            if candidate not in self._issued_ids:
                self._issued_ids.add(candidate)
                return candidate

    # -- modules, faults ------------------------------------------------------------------------

    def register(self, module: ModuleType) -> None:
        """Wire an API module: call its ``register(router)`` and add its ``tick(sim)`` hook if it has one."""
        module.register(self.router)
        tick = getattr(module, "tick", None)
        if callable(tick):
            self.tick_hooks.append(tick)

    def take_feed_fault(self) -> Literal["stuck", "fatal"] | None:
        """Consume a configured ``feed_stuck``/``feed_fatal`` fault for one ``feeds.createFeed`` call."""
        return self.faults.take_feed()

    # -- auth ---------------------------------------------------------------------------------

    def issue_access_token(self) -> str:
        """Issue an LWA access token valid for ``token_lifetime`` on the simulator's clock."""
        token = self.new_id("token")
        self.access_tokens[token] = self.now() + self.token_lifetime
        return token

    def token_valid(self, token: str | None) -> bool:
        """Whether ``token`` was issued here, is unexpired, and the authorization still stands."""
        if not token or self.authorization_revoked:
            return False
        expires = self.access_tokens.get(token)
        return expires is not None and self.now() < expires

    # -- usage plans --------------------------------------------------------------------------

    def usage_plan(self, operation: str) -> tuple[float, int] | None:
        """Return ``(rate * scale, burst)`` for ``operation``, or ``None`` when it has no plan."""
        op = OPERATIONS.get(operation)
        if op is not None:
            return op.rate * self.scale, op.burst
        extra = _EXTRA_PLANS.get(operation)
        if extra is not None:
            return extra[0] * self.scale, extra[1]
        return None

    def take_token(self, operation: str) -> bool:
        """Take one request token from ``operation``'s bucket; ``False`` means throttle (429)."""
        plan = self.usage_plan(operation)
        if plan is None:
            return True
        rate, burst = plan
        now = self.clock.monotonic()
        bucket = self._buckets.get(operation)
        if bucket is None:
            bucket = self._buckets[operation] = _Bucket(tokens=float(burst), updated=now)
        bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        return False

    @property
    def token_url(self) -> str:
        """The LWA token endpoint of this simulator."""
        return self.base_url + TOKEN_PATH

    def document_url(self, document_id: str) -> str:
        """The download/upload URL of a document in ``world.documents``."""
        return f"{self.base_url}/_sim/documents/{document_id}"
