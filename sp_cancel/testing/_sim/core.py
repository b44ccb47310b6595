"""The simulator's core: request and response values, the router, the state holder, and ``dispatch``.

Handlers are functions ``(sim, request) -> SimResponse``. They never see WSGI;
``.app`` adapts WSGI (and the in-process httpx transport) to these values.

Every handler receives the ``SimulatorCore``. ``dispatch`` holds
``sim.lock`` while tick hooks and a handler run, so handlers never lock themselves.

Time and scale: ``sim.clock`` is a ``FakeClock`` unless
another clock is given (``sp-cancel simulator serve`` uses the real clock). ``scale`` multiplies
every usage-plan rate (bursts stay) and divides every simulated duration the
simulator owns (feed timing is divided by the feeds module; MCF planning
window, report processing, listing deletion and refund posting here).

Order of checks for one request (all under ``sim.lock``): tick hooks → route
(unknown → 501 ``NotSimulated``: see ``not_simulated``) → injected fault (400/429/500/503/HTML 504/empty
200/drop answer before anything else) → auth (``x-amz-access-token`` issued by
the LWA route and unexpired, else 403 ``Unauthorized``: "...is expired" for an expired token, "Access ... denied"
otherwise; the ``token_expired`` fault expires the presented token first) → usage plan (empty
bucket → 429 ``QuotaExceeded``, no ``Retry-After``, no rate header) → handler →
``delay``/``timeout_after_commit``/after-commit markers. Every answer carries
``x-amzn-RequestId`` and a ``Date`` header on the simulator's clock (a date fault makes that one answer's
``Date`` lie: 1970, 2100, or ``seconds`` off); every 2xx of an operation with a usage plan carries
``x-amzn-RateLimit-Limit`` (the rate the simulator enforces: Amazon's times scale).
"""

from __future__ import annotations

import json
import math
import random
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.utils import format_datetime
from types import ModuleType
from typing import Any, Final, Literal, Protocol
from urllib.parse import quote, unquote

from sp_cancel.clock import Clock, FakeClock, system_sleep, utc
from sp_cancel.testing._sim.faults import AFTER_COMMIT, DATE_FAULTS, DeliveryFaults, FaultPlan, FaultRule
from sp_cancel.testing._sim.markets import MARKETS
from sp_cancel.testing._sim.observe import Exchange, Observer, has_observers, next_serial, notify
from sp_cancel.testing._sim.plans import DECLARES_401, GRANTLESS, USAGE_PLANS
from sp_cancel.testing._sim.timing import Lags, SkewedClock
from sp_cancel.testing._sim.world import World

__all__ = [
    "AMZ_DATE_FORMAT",
    "DEFAULT_BASE_URL",
    "NOT_SIMULATED_HEADER",
    "TOKEN_PATH",
    "URL_SECONDS",
    "CancelRateKey",
    "FeedSim",
    "FeedTiming",
    "Handler",
    "NotificationSender",
    "Route",
    "Router",
    "SimRequest",
    "SimResponse",
    "SimulatorCore",
    "SimulatorCredentials",
    "TickHook",
    "allowed_values",
    "dispatch",
    "error_response",
    "invalid_input",
    "json_body",
    "not_found",
    "not_simulated",
    "page_size",
    "presigned_url",
    "unauthorized",
]

# -- requests, answers, routes ----------------------------------------------------------------


@dataclass(frozen=True)
class SimRequest:
    """One HTTP request as the simulator sees it."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    path_params: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """Parse the body as JSON (``ValueError`` when it is not)."""
        return json.loads(self.body or b"null")

    def one(self, name: str) -> str | None:
        """Return a single query parameter (first value) or ``None``."""
        values = self.query.get(name)
        return values[0] if values else None

    def many(self, name: str) -> list[str]:
        """Return a list-valued query parameter; Amazon sends arrays comma-separated."""
        out: list[str] = []
        for value in self.query.get(name, []):
            out.extend(v for v in value.split(",") if v)
        return out


@dataclass
class SimResponse:
    """One HTTP response. ``body`` is JSON-serialisable data, or raw bytes."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    # Fault markers interpreted by the transport layer (never sent on the wire):
    drop_connection: bool = False
    delay: float = 0.0
    fault: str = ""  # the injected fault that shaped this answer (for observers; never sent)

    def content(self) -> bytes:
        """Return the bytes to send."""
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body, separators=(",", ":"), default=str).encode()


def error_response(status: int, code: str, message: str, details: str | None = None) -> SimResponse:
    """Amazon's ``ErrorList`` body: ``{"errors":[{"code","message","details"?}]}``."""
    error: dict[str, str] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return SimResponse(status=status, body={"errors": [error]})


Handler = Callable[["SimulatorCore", SimRequest], SimResponse]


@dataclass(frozen=True)
class Route:
    """A method + path template bound to a handler and an operation key (for usage plans and faults)."""

    method: str
    template: str
    operation: str  # e.g. "feeds.createFeed"; "" for routes without a usage plan (LWA, uploads)
    handler: Handler
    pattern: re.Pattern[str]


class Router:
    """Matches ``(method, path)`` to a ``Route`` and its path parameters."""

    def __init__(self) -> None:
        """Start empty."""
        self._routes: list[Route] = []

    def add(self, method: str, template: str, operation: str, handler: Handler) -> None:
        """Register ``handler`` for ``method template`` (``{name}`` matches one path segment)."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self._routes.append(Route(method, template, operation, handler, re.compile(f"^{regex}$")))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """Return the route and its (URL-decoded) path parameters, or ``None``."""
        for route in self._routes:
            if route.method != method:
                continue
            found = route.pattern.match(path)
            if found:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def operations(self) -> Mapping[str, Route]:
        """Return routes by operation key."""
        return {r.operation: r for r in self._routes if r.operation}


def invalid_input(message: str, code: str = "InvalidInput") -> SimResponse:
    """A 400 ``ErrorList``."""
    return error_response(400, code, message)


def not_found(message: str, code: str = "NotFound") -> SimResponse:
    """A 404 ``ErrorList``."""
    return error_response(404, code, message)


def json_body(request: SimRequest) -> Any:
    """The request's body as JSON (any JSON value), or the ``SimResponse`` 400 that refuses a body that is not JSON."""
    try:
        return request.json()
    except ValueError:
        return invalid_input("The request body is not valid JSON.")


def allowed_values(
    request: SimRequest, name: str, allowed: frozenset[str], message: str | None = None
) -> set[str] | SimResponse:
    """The values of the query parameter ``name``, or the 400 for values outside ``allowed``.

    The 400 says ``message``, by default ``Invalid <name>: <the values outside, sorted>.``.
    """
    values = set(request.many(name))
    outside = values - allowed
    if not outside:
        return values
    return invalid_input(message or f"Invalid {name}: {', '.join(sorted(outside))}.")


def page_size(request: SimRequest, name: str, default: int) -> int | SimResponse:
    """The page size the query parameter ``name`` asks for (``default`` without it), or the 400 out of 1..100."""
    text = request.one(name) or str(default)
    if not text.isdigit() or not 1 <= int(text) <= 100:
        return invalid_input(f"{name} must be between 1 and 100.")
    return int(text)


NOT_SIMULATED_HEADER: Final = "x-sp-cancel-simulator"


def not_simulated(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """A request for an operation the simulator does not serve: 501 ``NotSimulated``, never Amazon's 404.

    A 404 would read as Amazon saying "no such order"; this says the simulator cannot answer, names what it
    can, and carries ``x-sp-cancel-simulator: not-simulated`` so observers can tell it from any Amazon answer.
    """
    served = ", ".join(sorted(key for key in sim.router.operations() if key != "lwa.token"))
    response = error_response(
        501,
        "NotSimulated",
        f"sp_cancel's simulator does not simulate {request.method} {request.path}. This is not Amazon's answer: "
        "Amazon may serve this operation, the simulator cannot. The details list what it answers.",
        f"Simulated operations: {served}.",
    )
    response.headers[NOT_SIMULATED_HEADER] = "not-simulated"
    return response


def unauthorized() -> SimResponse:
    """Amazon's 403 for a missing, unknown or expired access token (or another seller's resource)."""
    return error_response(403, "Unauthorized", "Access to requested resource is denied.", "")


# -- the state holder ---------------------------------------------------------------------------

DEFAULT_BASE_URL: Final = "http://sp-api.simulator.local"
TOKEN_PATH: Final = "/auth/o2/token"  # noqa: S105 - a URL path, not a secret
CancelRateKey = Literal["preFulfillmentCancellationRate", "prefulfillmentCancelRate"]

URL_SECONDS: Final = 300  # presigned upload/download URLs live 5 minutes [M]
AMZ_DATE_FORMAT: Final = "%Y%m%dT%H%M%SZ"  # a presigned URL's X-Amz-Date (the signing time, UTC)
_DIGIT_KINDS: Final = frozenset({"feed", "report", "digits", "adjustment"})


def presigned_url(base_url: str, signed: datetime, document_id: str) -> str:
    """The S3-style presigned URL of a document in ``world.documents``, signed at ``signed``.

    Like S3's presigned URLs it carries ``X-Amz-Date`` and ``X-Amz-Expires`` (``URL_SECONDS``); the document
    routes (``.feeds``) refuse it once expired, and refuse a URL without them.
    """
    query = f"X-Amz-Date={signed.strftime(AMZ_DATE_FORMAT)}&X-Amz-Expires={URL_SECONDS}"
    return f"{base_url}/_sim/documents/{quote(document_id)}?{query}"


TickHook = Callable[["SimulatorCore"], None]
#: Sends one notification body to the SQS queue with that ARN (``sqs.SqsSender``, or a test's own).
NotificationSender = Callable[[str, str], None]


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
        clock: the simulator's clock (default: a new ``FakeClock``).
        credentials: the LWA credentials accepted by ``/auth/o2/token``.
        faults: fault rules (see ``sp_cancel.testing._sim.faults``).
        cancel_rate_key: property name of the cancellation rate in the seller performance report
            (``"prefulfillmentCancelRate"`` reproduces the schema example's spelling).
        base_url: where the simulator is reachable (document URLs are built from it).
        lags: Amazon's eventual-consistency delays (``Lags``; default: Amazon-like, each feed's listing lag drawn).
        clock_skew: seconds the simulator's clock runs ahead of ``clock`` (negative: behind); the client
            keeps ``clock`` (``client_clock``), the simulator reads a ``SkewedClock`` of it.
        latency: one-way network latency in seconds: the in-process transport lets it pass before the
            simulator answers and again before the client reads the answer.
    """

    # The Unshipped Orders report needs a restricted role (Direct to Consumer Shipping): False answers 403.
    unshipped_report_role: bool = True

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
        lags: Lags | None = None,
        clock_skew: float = 0.0,
        latency: float = 0.0,
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.seed = seed
        self.scale = float(scale)
        self.seller_id = seller_id
        if latency < 0:
            raise ValueError("latency must be >= 0 seconds")
        self.client_clock: Clock = clock if clock is not None else FakeClock()
        self.clock: Clock = SkewedClock(self.client_clock, clock_skew) if clock_skew else self.client_clock
        self.latency = float(latency)
        self.lags = lags if lags is not None else Lags()
        self.omit_optional = 0.0  # probability of leaving out each optional order field (orders.py)
        self.orders_v0: Literal["served", "retired"] = "served"  # "retired": every v0 route answers 404
        self.cancel_order: Literal["served", "withdrawn"] = "served"  # "withdrawn": cancelOrder answers 403
        self.world = World(seller_id=seller_id, marketplace_id=marketplace_id)
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self._id_rng = random.Random(f"sp-cancel-sim-ids-{seed}")
        self.data_rng = random.Random(f"sp-cancel-sim-data-{seed}")  # scenario and test objects
        self._issued_ids: set[str] = set()
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials or SimulatorCredentials()
        self.faults = FaultPlan(faults or [], random.Random(f"sp-cancel-sim-faults-{seed}"))
        # Each new feed's getFeeds listing lag, when drawn: a stream of its own, so it shifts no other draw.
        self._listing_rng = random.Random(f"sp-cancel-sim-feed-listing-{seed}")
        self.feed_timing = FeedTiming()
        self.refund_posting_delay = self.lags.scaled("refund_posting", self.scale)
        self.mcf_planning_window = timedelta(minutes=15) / self.scale
        self.listing_delete_delay = self.lags.scaled("listing_delete", self.scale)
        self.listing_patch_delay = self.lags.scaled("listing_patch", self.scale)
        self.report_queue_time = self.lags.scaled("report_queue", self.scale)
        self.report_processing_time = self.lags.scaled("report_processing", self.scale)
        self.token_lifetime = timedelta(hours=1)
        self.http_hang_seconds = 5.0  # real seconds a served timeout_after_commit holds the socket
        self.cancel_rate_key: CancelRateKey = cancel_rate_key
        self.tick_hooks: list[TickHook] = []
        # Requests received per operation key ("document.upload"/"document.download" for S3-style URLs,
        # "lwa.token" for the token endpoint), 429s and faults included: what a benchmark counts.
        self.request_counts: Counter[str] = Counter()
        self.router = Router()
        self.access_tokens: dict[str, datetime] = {}
        self.token_scopes: dict[str, str] = {}  # grantless tokens (client-credentials grant) -> their LWA scope
        # The application the simulated LWA credentials belong to: NotificationMetadata.ApplicationId.
        self.application_id = (
            f"amzn1.sp.solution.{uuid.UUID(int=random.Random(f'sp-cancel-app-{seed}').getrandbits(128))}"
        )
        self.authorization_revoked = False
        self.mcf_pinned: set[str] = set()  # MCF orders whose status was forced (no auto-advance)
        self._buckets: dict[str, _Bucket] = {}
        # The simulator's own copy of Amazon's usage plans (plans.py), never the client's table.
        self.usage_plans: dict[str, tuple[float, int]] = dict(USAGE_PLANS)
        self.known_marketplaces: frozenset[str] = frozenset(m.marketplace_id for m in MARKETS.values())
        self.observers: list[Observer] = []  # see observe.py; called after every answer
        # Notifications (notifications.py): how copies reach SQS, where they go (queue ARN, JSON body), the draws.
        self.delivery_faults = DeliveryFaults()
        self.notification_sender: NotificationSender | None = None
        self.delivery_rng = random.Random(f"sp-cancel-sim-delivery-{seed}")
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

    def feed_listing_delay(self) -> timedelta:
        """How long after ``createFeed`` one new feed shows up in ``getFeeds`` (÷ scale).

        ``Lags.feed_listing`` when it is a number; drawn per call (``draw_feed_listing``, seeded) when ``None``.
        """
        return timedelta(seconds=self.lags.feed_listing_seconds(self._listing_rng) / self.scale)

    def tick(self) -> None:
        """Bring the world up to now: run every tick hook (feeds processed, MCF orders moved...), as a request does.

        The caller holds ``lock``. Amazon acts on its own time; the simulator catches up before every request and
        before a test reads or changes the world through ``Simulator``.
        """
        for hook in list(self.tick_hooks):
            hook(self)

    def take_feed_fault(self, *, order_feed: bool = True) -> str | None:
        """Consume a configured feed fault (``feed_stuck``, ``feed_fatal``, ``report_*``) for one ``createFeed``.

        ``order_feed`` False (a listings feed) leaves the XML-report faults for the next order feed.
        """
        return self.faults.take_feed(order_feed=order_feed)

    # -- auth ---------------------------------------------------------------------------------

    def issue_access_token(self, scope: str | None = None) -> str:
        """Issue an LWA access token valid for ``token_lifetime`` on the simulator's clock.

        ``scope``: a grantless token (client-credentials grant) for that scope; ``None``: the seller's token.
        """
        token = self.new_id("token")
        self.access_tokens[token] = self.now() + self.token_lifetime
        if scope is not None:
            self.token_scopes[token] = scope
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
        plan = self.usage_plans.get(operation)
        if plan is None:
            return None
        return plan[0] * self.scale, plan[1]

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
        """The presigned download/upload URL of a document in ``world.documents``, signed now (``presigned_url``)."""
        return presigned_url(self.base_url, self.now(), document_id)

    def marketplace_known(self, marketplace_id: str) -> bool:
        """Whether ``marketplace_id`` is a marketplace Amazon has (an unknown id gets a 400)."""
        return marketplace_id in self.known_marketplaces


class FeedSim(Protocol):
    """What the feed modules (feeds, order feeds, listings feeds) need from ``SimulatorCore``.

    A subset of its contract, so the feed processors run against a stand-in as well.
    """

    @property
    def world(self) -> World:
        """The simulated seller's state."""
        ...

    @property
    def rng(self) -> random.Random:
        """Seeded randomness."""
        ...

    @property
    def seller_id(self) -> str:
        """The simulated seller (MerchantIdentifier / sellerId)."""
        ...

    @property
    def base_url(self) -> str:
        """Where the simulator is served, for presigned URLs."""
        ...

    @property
    def scale(self) -> float:
        """Time compression: simulated durations are divided by it."""
        ...

    @property
    def feed_timing(self) -> FeedTiming:
        """Lifecycle durations."""
        ...

    @property
    def refund_posting_delay(self) -> timedelta:
        """How long after applying a refund Finances shows it."""
        ...

    def feed_listing_delay(self) -> timedelta:
        """How long after ``createFeed`` one new feed shows up in ``getFeeds`` (fixed, or drawn per feed)."""
        ...

    def now(self) -> datetime:
        """Return the simulated current time (aware UTC)."""
        ...

    def new_id(self, kind: str) -> str:
        """Return a fresh identifier of ``kind``."""
        ...

    def take_feed_fault(self, *, order_feed: bool = True) -> str | None:
        """Return the next injected feed fault (``"feed_stuck"``, ``"report_empty"``...) or ``None``."""
        ...


# -- dispatch -----------------------------------------------------------------------------------

_OPEN_PREFIXES = ("/auth/", "/_sim/")


_QUOTA = {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource.", "details": ""}


_HTML_504 = (
    b"<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    b"<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n"
)


_ERROR_FAULTS: Final = {
    "400": (400, "InvalidInput", "The request was refused."),
    "404": (404, "NotFound", "The requested resource was not found."),
    "429": (429, "QuotaExceeded", "You exceeded your quota for the requested resource."),
    "500": (500, "InternalFailure", "We encountered an internal error. Please try again."),
    "503": (503, "ServiceUnavailable", "Service is temporarily unavailable. Please try again."),
}


def _fault_response(kind: str) -> SimResponse | None:
    if kind in _ERROR_FAULTS:
        status, code, message = _ERROR_FAULTS[kind]
        return error_response(status, code, message, "")
    if kind == "html_504":
        return SimResponse(status=504, raw=_HTML_504, headers={"Content-Type": "text/html"})
    if kind == "empty_200":
        return SimResponse(status=200, raw=b"", headers={"Content-Type": "application/json"})
    if kind == "drop":
        return SimResponse(status=502, raw=b"", drop_connection=True)
    return None


def _after_commit(kind: str) -> SimResponse:
    """The answer the client gets when Amazon acted but its edge failed on the way back."""
    status = AFTER_COMMIT[kind]
    if status == 0:
        return SimResponse(status=502, raw=b"", drop_connection=True)
    return _fault_response(str(status)) or error_response(status, "InternalFailure", "Internal error.", "")


def _token_rejection(sim: SimulatorCore, token: str | None, operation: str) -> SimResponse:
    """Amazon's 401 for a missing token, else its 403.

    The models: 401 for a "malformed or missing" token (where the operation declares 401; the others
    declare only 403, which a missing token then gets); 403 "expired" for a token it issued whose time is
    up, "denied" for anything else.
    """
    if not token and operation in DECLARES_401:
        return error_response(401, "Unauthorized", "The request has no access token (x-amz-access-token).", "")
    if token and token in sim.access_tokens and not sim.authorization_revoked:
        return error_response(403, "Unauthorized", "The security token included in the request is expired", "")
    return error_response(403, "Unauthorized", "Access to requested resource is denied.", "")


def _auth_check(sim: SimulatorCore, request: SimRequest, fault: FaultRule | None) -> SimResponse | None:
    """The refusal of a request whose access token Amazon does not accept, or ``None`` when it is good.

    A ``token_expired`` fault first ends the presented token now, before the hour LWA announced.
    """
    token = request.headers.get("x-amz-access-token")
    if fault is not None and fault.fault == "token_expired" and token in sim.access_tokens:
        sim.access_tokens[token] = sim.now()
    if request.path.startswith(_OPEN_PREFIXES):
        return None
    found = sim.router.match(request.method, request.path)
    operation = found[0].operation if found is not None else ""
    if sim.token_valid(token):
        if sim.token_scopes.get(token or "") == GRANTLESS.get(operation):
            return None
        # A seller's token on a grantless operation, or a grantless token anywhere else.
        rejected = error_response(403, "Unauthorized", "Access to requested resource is denied.", "")
        rejected.fault = fault.fault if fault is not None else ""
        return rejected
    rejected = _token_rejection(sim, token, operation)
    rejected.fault = fault.fault if fault is not None else ""
    return rejected


def _label(method: str, path: str) -> str:
    if path.startswith("/_sim/documents"):
        return "document.upload" if method == "PUT" else "document.download"
    if path.startswith("/auth/"):
        return "lwa.token"
    return f"{method} {path}"


def _run(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    sim.tick()
    found = sim.router.match(request.method, request.path)
    if found is None:
        return not_simulated(sim, request)
    route, params = found
    sim.request_counts[route.operation or _label(route.method, request.path)] += 1
    request = replace(request, path_params=params)
    target = route.operation or _label(route.method, request.path)
    fault = sim.faults.pick(target) if route.operation or target.startswith("document.") else None
    response = _answer(sim, request, route, fault)
    if fault is not None:
        response.fault = fault.fault
        if fault.fault in DATE_FAULTS:  # whatever the answer, its Date header lies
            response.headers["Date"] = format_datetime(_lying_date(sim.now(), fault), usegmt=True)
    return response


def _answer(sim: SimulatorCore, request: SimRequest, route: Route, fault: FaultRule | None) -> SimResponse:
    """Fault, auth, usage plan, handler, then the fault markers: the checks in order."""
    early = _fault_response(fault.fault) if fault is not None else None
    if early is not None:
        return early
    rejected = _auth_check(sim, request, fault)
    if rejected is not None:
        return rejected
    if route.operation and not sim.take_token(route.operation):
        return SimResponse(status=429, body={"errors": [dict(_QUOTA)]})
    try:
        response = route.handler(sim, request)
    except Exception:  # noqa: BLE001 - a handler bug must look like Amazon's 500, not crash the server
        return error_response(500, "InternalFailure", "We encountered an internal error. Please try again.", "")
    plan = sim.usage_plan(route.operation) if route.operation else None
    if plan is not None and 200 <= response.status < 300:
        response.headers.setdefault("x-amzn-RateLimit-Limit", repr(round(plan[0], 6)))
    if fault is not None and fault.fault == "delay":
        response.delay = float(fault.seconds or 0.0)
    elif fault is not None and fault.fault == "timeout_after_commit":
        response.delay = math.inf
        response.drop_connection = True
    elif fault is not None and fault.fault in AFTER_COMMIT:
        response = _after_commit(fault.fault)
    return response


def dispatch(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """Answer one request (state changes happen here, under ``sim.lock``); fault markers are left to the caller."""
    with sim.lock:
        request_id = sim.new_id("request")
        response = _run(sim, request)
    response.headers["x-amzn-RequestId"] = request_id
    response.headers.setdefault("Date", format_datetime(sim.now(), usegmt=True))  # Amazon's clock, as HTTP sends it
    if response.raw is None and response.body is not None:
        response.headers.setdefault("Content-Type", "application/json")
    if has_observers(sim.observers):
        _observe(sim, request, response)
    return response


def _lying_date(now: datetime, fault: FaultRule) -> datetime:
    """The ``Date`` of one answer under a date fault: in 1970, in 2100, or ``seconds`` off Amazon's clock."""
    if fault.fault == "date_skew":
        return now + timedelta(seconds=fault.seconds or 0.0)
    year = 1970 if fault.fault == "date_1970" else 2100
    try:
        return now.replace(year=year)
    except ValueError:  # 29 February
        return now.replace(year=year, day=28)


def _observe(sim: SimulatorCore, request: SimRequest, response: SimResponse) -> None:
    found = sim.router.match(request.method, request.path)
    route = found[0] if found is not None else None
    operation = "" if route is None else route.operation or _label(route.method, request.path)
    exchange = Exchange(
        simulator=sim.serial,
        operation=operation,
        route="" if route is None else route.template,
        method=request.method,
        path=request.path,
        query={k: list(v) for k, v in request.query.items()},
        request_headers=dict(request.headers),
        request_body=request.body,
        status=response.status,
        response_headers=dict(response.headers),
        response_body=response.content(),
        fault=response.fault,
    )
    notify(sim.observers, exchange)
