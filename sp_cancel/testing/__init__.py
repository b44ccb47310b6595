"""A faithful local SP-API for tests, notebooks and demos: ``Simulator``.

```python
from sp_cancel.testing import Simulator

sim = Simulator(seed=1)                 # seeded world, fake clock, in-process transport
client = sim.client()                   # a SellerClient wired to it (no sockets)
with sim.serve() as base_url:           # or over real HTTP on 127.0.0.1
    ...
```

What it serves: LWA tokens, Orders 2026-01-01 and v0, Feeds (order and
listings feeds processed from the uploaded documents), Reports (seller
performance, All Orders), Listings Items, Fulfillment Outbound 2020-07-01 and
2026-07-04, Promotions 2025-12-01, Finances v0, Messaging v1 (the actions an order offers,
``createUnexpectedProblem``), Notifications v1 (destinations and subscriptions, grantless tokens, 409s, the 400
for an ``ORDER_CHANGE`` subscription without an event filter) with ``ORDER_CHANGE`` delivered to a real SQS
queue (``connect_sqs``, ``request_cancellation``; duplicated, reordered, delayed or dropped as
``DeliveryFaults`` say); Amazon's usage plans (scaled by
``scale``) with real 429s; Amazon's lags (``Lags``: by default each feed's ``getFeeds``
listing lag is drawn, heavy-tailed); and injected faults (see ``Simulator.add_fault``:
failed requests, stuck or FATAL feeds, processing reports that say nothing or cannot be
read, ``Date`` headers that lie).

What Amazon does on its own while a feed is in flight is a call away (``ship``,
``withdraw_buyer_request``, ``move_mcf_order``), and so is what it applied, counted on its
side (``cancelled_units``, ``refunded``, ``buyer_messages``). ``SkewedClock`` steps a client's clock as NTP does.

Observers see every exchange (request and answer) for your own checks:
``sim.observe(callback)`` for one simulator, ``with observe_all(callback):`` for
every simulator (what the suite's contract checks use); see ``Exchange``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal

import httpx

from sp_cancel.client import Credentials, SellerClient
from sp_cancel.clock import Clock, FakeClock
from sp_cancel.testing._sim import (
    fba,
    feeds,
    finances,
    listings,
    lwa,
    messaging,
    notifications,
    orders,
    promotions,
    reports,
    sellers,
)
from sp_cancel.testing._sim.app import SimTransport, make_wsgi_app, serve_in_thread
from sp_cancel.testing._sim.core import CancelRateKey, SimulatorCore, SimulatorCredentials
from sp_cancel.testing._sim.faults import DeliveryFaults, FaultRule, load_rules, parse_rules
from sp_cancel.testing._sim.fba import move_mcf_order
from sp_cancel.testing._sim.markets import resolve_market
from sp_cancel.testing._sim.observe import Exchange, Observer, observe_all
from sp_cancel.testing._sim.orders import cancel_by_amazon, ship, withdraw_buyer_request
from sp_cancel.testing._sim.seed import Scenario, add_deal, add_listing, add_mcf_order, add_order, populate
from sp_cancel.testing._sim.sqs import SqsSender
from sp_cancel.testing._sim.timing import Lags, SkewedClock
from sp_cancel.testing._sim.world import (
    SimBuyerMessage,
    SimDeal,
    SimListing,
    SimMcfOrder,
    SimNotification,
    SimOrder,
    V0Status,
    World,
)

__all__ = [
    "DeliveryFaults",
    "Exchange",
    "FakeClock",
    "Lags",
    "Scenario",
    "Simulator",
    "SimulatorCredentials",
    "SkewedClock",
    "observe_all",
]

# The API modules a simulator serves, in routing order (each has ``register``, some a ``tick`` hook).
# Set to "retired" to make every Simulator built without orders_v0= answer the Orders v0 routes with 404.
ORDERS_V0_VARIABLE: Final = "SP_CANCEL_SIMULATOR_ORDERS_V0"
_API_MODULES: Final = (
    lwa,
    orders,
    listings,
    fba,
    promotions,
    reports,
    finances,
    sellers,
    messaging,
    notifications,
    feeds,
)

FaultsSpec = Iterable[Mapping[str, object] | FaultRule] | str | Path | None


def _rules(faults: FaultsSpec) -> list[FaultRule]:
    if faults is None:
        return []
    if isinstance(faults, str | Path):
        return load_rules(faults)
    out: list[FaultRule] = []
    for rule in faults:
        out.extend([rule] if isinstance(rule, FaultRule) else parse_rules([rule]))
    return out


def _file_lags(faults: FaultsSpec) -> Lags | None:
    """The ``"lags"`` of a settings file ``{"faults": [...], "lags": {...}}`` (``None`` when it has none)."""
    if not isinstance(faults, str | Path):
        return None
    data = json.loads(Path(faults).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "lags" not in data:
        return None
    lags = data["lags"]
    if not isinstance(lags, dict):
        msg = f'{faults}: "lags" must be an object such as {{"feed_listing": 45}}'
        raise TypeError(msg)
    return Lags.from_mapping(lags)


class Simulator:
    """A stateful, seeded, rate-limited, fault-injectable SP-API (see the module docstring).

    Args:
        seed: makes the world, ids, request ids and probabilistic faults reproducible.
        scale: multiplies usage-plan rates and divides simulated durations (feeds, reports, MCF window...).
        faults: fault rules (mappings, see ``add_fault``) or a JSON settings file: a list of rules, or
            ``{"faults": [...], "lags": {...}}`` where ``lags`` maps ``Lags`` names to seconds
            (``"feed_listing": null`` or ``"drawn"`` draws it per feed); ``lags=`` wins over the file's.
        seller_id: the simulated seller.
        marketplace: the seller's home marketplace (country code or marketplace id).
        orders: how many orders the seeded scenario holds (``scenario`` overrides).
        clock: the simulator's clock (default a new ``FakeClock``).
        credentials: the LWA credentials accepted (default: fake values in ``.credentials``).
        scenario: the full ``Scenario`` (``None``: ``Scenario(orders=orders)``).
        cancel_rate_key: ``"prefulfillmentCancelRate"`` makes the seller performance report use the
            schema example's alternate property name.
        lags: Amazon's eventual-consistency delays (``Lags``: ``getFeeds`` listing, listing patches
            and deletes taking effect, Finances posting, report time). The default is Amazon-like, with each
            feed's ``getFeeds`` listing lag drawn per feed; ``Lags.none()`` makes everything visible at once.
        clock_skew: seconds the simulator's clock runs ahead of the client's (negative: behind). The client
            gets ``clock`` (``client_clock``); the simulator reads it plus the skew (``clock``).
        latency: one-way network latency in seconds of the in-process transport (passes on the shared
            clock before the simulator answers and again before the client reads the answer).
        omit_optional: probability (seeded) that each optional field of an order answer is left out,
            as Amazon may (``0`` sends every field the simulator knows).
        orders_v0: ``"served"`` or ``"retired"``: every Orders v0 route (``getOrders``, ``getOrder``,
            ``getOrderItems``) answers 404 ``NotFound``, as after Amazon's removal (2027-03-27). ``None``: the
            ``SP_CANCEL_SIMULATOR_ORDERS_V0`` environment variable when set (CI's second run of the suite sets
            ``retired``), else ``"served"``. ``orders_v0`` reads it back.
        cancel_order: ``"withdrawn"`` makes Orders 2026-01-01 ``cancelOrder`` answer 403 ``Unauthorized``, as
            API Gateway does for an operation Amazon withdrew (it did so three times in 2026).
    """

    def __init__(  # noqa: PLR0917 - the documented constructor
        self,
        seed: int = 0,
        scale: float = 1.0,
        faults: FaultsSpec = None,
        seller_id: str = "A1SIMSELLER0001",
        marketplace: str = "US",
        orders: int = 200,
        clock: Clock | None = None,
        credentials: SimulatorCredentials | None = None,
        *,
        scenario: Scenario | None = None,
        cancel_rate_key: CancelRateKey = "preFulfillmentCancellationRate",
        lags: Lags | None = None,
        clock_skew: float = 0.0,
        latency: float = 0.0,
        omit_optional: float = 0.0,
        orders_v0: Literal["served", "retired"] | None = None,
        cancel_order: Literal["served", "withdrawn"] = "served",
    ) -> None:
        market = resolve_market(marketplace)
        v0 = orders_v0 if orders_v0 is not None else os.environ.get(ORDERS_V0_VARIABLE, "served")
        if v0 not in {"served", "retired"}:
            msg = f"orders_v0 must be 'served' or 'retired', not {v0!r}"
            raise ValueError(msg)
        self._core = SimulatorCore(
            seed=seed,
            scale=scale,
            seller_id=seller_id,
            marketplace_id=market.marketplace_id,
            clock=clock,
            credentials=credentials,
            faults=_rules(faults),
            cancel_rate_key=cancel_rate_key,
            lags=lags if lags is not None else _file_lags(faults),
            clock_skew=clock_skew,
            latency=latency,
        )
        self._core.omit_optional = omit_optional
        self._core.orders_v0 = "retired" if v0 == "retired" else "served"
        self._core.cancel_order = "withdrawn" if cancel_order == "withdrawn" else "served"
        for module in _API_MODULES:
            self._core.register(module)
        populate(self._core, scenario or Scenario(orders=orders))
        self.wsgi_app = make_wsgi_app(self._core)

    # -- what tests read ------------------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        """The simulator's clock (the client's clock plus ``clock_skew``; a ``FakeClock`` by default)."""
        return self._core.clock

    @property
    def client_clock(self) -> Clock:
        """The client's clock: what ``client`` wires in (equal to ``clock`` without a skew)."""
        return self._core.client_clock

    @property
    def orders_v0(self) -> Literal["served", "retired"]:
        """Whether this simulator serves Orders v0 (``"served"``) or answers its routes 404 (``"retired"``)."""
        return self._core.orders_v0

    @property
    def lags(self) -> Lags:
        """The eventual-consistency delays this simulator applies (see ``Lags``)."""
        return self._core.lags

    @property
    def request_counts(self) -> Mapping[str, int]:
        """Requests received so far per operation key (``"feeds.createFeed"``...), 429s and faults included.

        Uploads and downloads count as ``document.upload``/``document.download``, the token exchange as
        ``lwa.token``. Benchmarks and tests use it to count API calls.
        """
        return dict(self._core.request_counts)

    @property
    def world(self) -> World:
        """Everything the simulated seller has (orders, listings, feeds...); hold ``lock`` to mutate."""
        return self._core.world

    @property
    def lock(self) -> Any:
        """The lock every request holds; take it to change ``world`` while a server runs."""
        return self._core.lock

    @property
    def seller_id(self) -> str:
        """The simulated seller id."""
        return self._core.seller_id

    @property
    def marketplace_id(self) -> str:
        """The seller's home marketplace id."""
        return self._core.world.marketplace_id

    @property
    def credentials(self) -> SimulatorCredentials:
        """The refresh token, client id and client secret the LWA endpoint accepts."""
        return self._core.credentials

    @property
    def base_url(self) -> str:
        """The SP-API endpoint (in-process host, or ``http://127.0.0.1:PORT`` while serving)."""
        return self._core.base_url

    @property
    def token_url(self) -> str:
        """The LWA token URL."""
        return self._core.token_url

    @property
    def application_id(self) -> str:
        """The application the simulated LWA credentials belong to (``NotificationMetadata.ApplicationId``)."""
        return self._core.application_id

    # -- wiring ---------------------------------------------------------------------------------

    def transport(self) -> httpx.BaseTransport:
        """An in-process httpx transport (no sockets).

        ``drop`` → ``httpx.RemoteProtocolError``,
        ``timeout_after_commit`` → ``httpx.ReadTimeout``, a delay advances the clock (past the read
        timeout → ``httpx.ReadTimeout``).
        """
        return SimTransport(self._core)

    def client(self, **overrides: Any) -> SellerClient:
        """A ``sp_cancel.SellerClient`` wired to this simulator in-process (journal in memory, fake sleep).

        Keyword arguments override or extend the constructor arguments.
        """
        creds = self.credentials
        kwargs: dict[str, Any] = {
            "credentials": Credentials(
                refresh_token=creds.refresh_token, client_id=creds.client_id, client_secret=creds.client_secret
            ),
            "seller_id": self.seller_id,
            "marketplace": self.marketplace_id,
            "endpoint": self.base_url,
            "token_url": self.token_url,
            "journal": ":memory:",
            "transport": self.transport(),
            "clock": self._core.client_clock,
            "sleep": self._core.pass_time,
        }
        kwargs.update(overrides)
        return SellerClient(**kwargs)

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve over real HTTP from a background thread; yield the base URL (token URL = base + /auth/o2/token)."""
        previous = self._core.base_url
        with serve_in_thread(self.wsgi_app, host, port) as base_url:
            self._core.base_url = base_url
            try:
                yield base_url
            finally:
                self._core.base_url = previous

    def operations(self) -> Mapping[str, tuple[str, str]]:
        """Every SP-API operation this simulator answers: operation key -> ``(method, path template)``.

        It answers every operation sp_cancel calls, plus a few python-amazon-sp-api users reach for
        (``reports.getReports``, ``sellers.getMarketplaceParticipations``). Any other request gets a 501
        ``NotSimulated`` error naming them, never Amazon's 404.
        """
        routes = self._core.router.operations()
        return {key: (route.method, route.template) for key, route in sorted(routes.items()) if key != "lwa.token"}

    def observe(self, observer: Observer) -> None:
        """Call ``observer(exchange)`` after every request this simulator answers (see ``Exchange``).

        Use it for your own checks (contracts, traces, call counts by status); ``observe_all`` does the
        same for every simulator.
        """
        with self._core.lock:
            self._core.observers.append(observer)

    # -- faults and time ----------------------------------------------------------------------------

    def add_fault(
        self,
        operation: str,
        fault: str,
        *,
        nth: int | None = None,
        probability: float | None = None,
        count: int | None = 1,
        seconds: float | None = None,
    ) -> None:
        """Inject a fault into ``operation``.

        ``operation`` is an operation key such as ``"feeds.createFeed"``, ``"lwa.token"``, or ``"*"``;
        ``fault`` is ``"400"``, ``"429"``, ``"500"``, ``"503"``, ``"html_504"``, ``"empty_200"``, ``"drop"``,
        ``"delay"`` (with ``seconds``), ``"timeout_after_commit"``, ``"500_after_commit"``,
        ``"503_after_commit"``, ``"drop_after_commit"``, ``"token_expired"`` (Amazon expires the presented
        access token early: 403 "...token ... is expired"); or, on ``feeds.createFeed``, a feed fault:
        ``"feed_stuck"``, ``"feed_fatal"``, or a processing-report fault (``"report_nothing_processed"``,
        ``"report_processing"``, ``"report_rejected"``, ``"report_foreign"``: Amazon applied nothing;
        ``"report_truncated"``, ``"report_empty"``, ``"report_not_xml"``, ``"report_missing"``: the feed was
        applied, its report is spoiled or absent; see docs/testing.md); or a date fault on any operation:
        ``"date_1970"``, ``"date_2100"``, ``"date_skew"`` (with ``seconds``): that one answer's ``Date`` header
        lies. ``nth`` fires from the nth matching request on, ``probability`` fires at random (seeded),
        ``count`` bounds the firings.
        """
        rule = FaultRule(operation, fault, nth=nth, probability=probability, count=count, seconds=seconds)
        with self._core.lock:
            self._core.faults.add(rule)

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass (advances a fake clock; really waits on a real one)."""
        self._core.pass_time(seconds)

    def issue_access_token(self) -> str:
        """An access token valid for an hour, without a round trip to the LWA endpoint (for raw-HTTP tests)."""
        with self._core.lock:
            return self._core.issue_access_token()

    def revoke_authorization(self) -> None:
        """Make the refresh token and every access token invalid (``invalid_grant`` / 403 from now on)."""
        with self._core.lock:
            self._core.authorization_revoked = True

    # -- objects ------------------------------------------------------------------------------

    def add_order(self, **kwargs: Any) -> SimOrder:
        """Add an order (see ``_sim.seed.add_order`` for the keywords: status, channel, items, ...)."""
        with self._core.lock:
            return add_order(self._core, **kwargs)

    def add_listing(self, sku: str, **kwargs: Any) -> SimListing:
        """Add a listing (channel ``MFN``/``FBA``, quantity, lead_time_days, delete_ignored, ...)."""
        with self._core.lock:
            return add_listing(self._core, sku, **kwargs)

    def add_mcf_order(self, seller_fulfillment_order_id: str | None = None, **kwargs: Any) -> SimMcfOrder:
        """Add a multi-channel fulfillment order (status, received_at, items, cancel_overtaken_by, ...).

        ``cancel_overtaken_by="Processing"`` (or ``"Complete"``, ``"CompletePartialled"``): Amazon's fulfillment
        overtakes a cancel; the cancel is answered as a success (200 ``{}`` / 202 ``{}``) but the order moves on
        to that status instead of ``Cancelled``.
        """
        with self._core.lock:
            return add_mcf_order(self._core, seller_fulfillment_order_id, **kwargs)

    def add_deal(self, promotion_id: str | None = None, **kwargs: Any) -> SimDeal:
        """Add a deal or promotion (deal_type, status, start, end, ...)."""
        with self._core.lock:
            return add_deal(self._core, promotion_id, **kwargs)

    # -- what Amazon does on its own, when a test makes it ------------------------------------------
    # Each catches the world up to now first (feeds due are processed, MCF moves due applied), as a request would.

    def ship(self, order_id: str, order_item_id: str, quantity: int) -> SimOrder:
        """The seller ship-confirms ``quantity`` units of one item now (e.g. while a feed is in flight).

        ``quantity_shipped`` rises, never ``quantity_cancelled``; the order becomes ``PartiallyShipped``, or
        ``Shipped`` when nothing is left to ship, as both Orders APIs show at once. ``ValueError`` when the order
        cannot ship or has fewer units left. A change of status publishes ``ORDER_CHANGE`` (``OrderStatusChange``)
        to the seller's subscription, as ``request_cancellation`` does.
        """
        with self._core.lock:
            self._core.tick()  # Amazon's own pace first: feeds due by now are processed
            order = ship(self._core, order_id, order_item_id, quantity)
            notifications.publish_status_changes(self._core)
            return order

    def request_cancellation(
        self,
        order_id: str,
        *,
        reason: str = "Changed mind about purchase",
        order_item_ids: Sequence[str] | None = None,
    ) -> SimOrder:
        """A buyer asks to cancel the order now: both Orders APIs show it, and ``ORDER_CHANGE`` is published.

        The notification (``OrderChangeType: BuyerRequestedChange``) goes to the seller's ``ORDER_CHANGE``
        subscription's destination when its event filter lets it through, with the ``DeliveryFaults`` of
        ``connect_sqs``. ``KeyError`` for an unknown order or item; ``ValueError`` for a cancelled order.
        """
        with self._core.lock:
            self._core.tick()  # Amazon's own pace first: feeds due by now are processed
            return notifications.request_cancellation(
                self._core,
                order_id,
                reason=reason,
                order_item_ids=list(order_item_ids) if order_item_ids is not None else None,
            )

    def connect_sqs(
        self,
        endpoint_url: str | None = None,
        *,
        faults: DeliveryFaults | None = None,
        sender: Callable[[str, str], None] | None = None,
        **client_kwargs: Any,
    ) -> None:
        """Deliver notifications to real SQS queues (AWS, or ``moto_server`` at ``endpoint_url``), with ``faults``.

        A destination names its queue by ARN; boto3 (``sp-cancel[watch]``) finds the queue's URL and sends each
        copy. ``sender`` replaces boto3 (a callable ``(queue_arn, body)``); ``client_kwargs`` go to
        ``boto3.client("sqs", ...)`` (credentials). Without ``connect_sqs`` notifications wait in the outbox.
        """
        chosen = sender if sender is not None else SqsSender(endpoint_url, **client_kwargs)
        with self._core.lock:
            self._core.notification_sender = chosen
            if faults is not None:
                self._core.delivery_faults = faults

    def deliver_notifications(self) -> int:
        """Send every notification copy due by now (the simulator also does at each request); how many were sent.

        Status changes since the last request (a feed processed by now, a shipment) are published first.

        A copy the sender fails to send stays in the outbox and the sender's error is raised here.
        """
        with self._core.lock:
            world = self._core.world
            before = sum(n.delivered for n in world.notifications)
            self._core.tick()  # Amazon's own pace first: feeds processed, status changes published, copies sent
            notifications.publish_status_changes(self._core)  # what the feeds just changed
            notifications.deliver_due(self._core, raise_errors=True)
            return sum(n.delivered for n in world.notifications) - before

    def notifications(self) -> list[SimNotification]:
        """Every notification Amazon published, oldest first, with its fate (copies, dropped, reordered, delivered)."""
        with self._core.lock:
            return list(self._core.world.notifications)

    def cancel_by_amazon(
        self, order_id: str, *, reason: str = "Payment failed", late_shipment: bool = False
    ) -> SimOrder:
        """Amazon cancels the order on its own now (``cancelledBy`` AMAZON, ``reason`` its text).

        Both Orders APIs show it at once, and an ``ORDER_CHANGE`` (``OrderStatusChange``, ``OrderStatus``
        ``Canceled``) goes to the seller's subscription. ``late_shipment`` marks a late-shipment auto-cancel.
        ``ValueError`` for an order already cancelled or shipped.
        """
        with self._core.lock:
            self._core.tick()  # Amazon's own pace first: feeds due by now are processed
            order = cancel_by_amazon(self._core, order_id, reason=reason, late_shipment=late_shipment)
            notifications.publish_status_changes(self._core)
            return order

    def withdraw_buyer_request(self, order_id: str) -> SimOrder:
        """The buyer's cancellation request disappears: neither Orders API shows it any more (``ValueError``: none)."""
        with self._core.lock:
            self._core.tick()  # Amazon's own pace first: feeds due by now are processed
            return withdraw_buyer_request(self._core, order_id)

    def move_mcf_order(self, seller_fulfillment_order_id: str, status: str, *, after: float = 0.0) -> SimMcfOrder:
        """Amazon moves an MCF order on (``Processing``, ``Complete``...) now, or ``after`` simulated seconds.

        A move that is due happens at the next request, as Amazon's changes show up; the order then stays
        where it was put (no planning-window advance).
        """
        with self._core.lock:
            self._core.tick()  # Amazon's own pace first: feeds due by now are processed
            return move_mcf_order(self._core, seller_fulfillment_order_id, status, after=after)

    # -- Amazon's own ledger: what it applied, independent of any client ------------------------

    def cancelled_units(self, order_id: str, order_item_id: str | None = None) -> int:
        """Units Amazon cancelled on the seller's requests (feeds, ``cancelOrder``), every application summed.

        For one item, or the whole order when ``order_item_id`` is ``None``. A unit cancelled twice counts twice.
        """
        with self._core.lock:
            self._core.tick()  # Amazon's own pace first: feeds due by now are processed
            return self._core.world.cancelled_units(order_id, order_item_id)

    def refunded(self, order_id: str, order_item_id: str | None = None) -> dict[str, Decimal]:
        """What Amazon refunded on an order (or one item) per component type, every application summed.

        ``{"Principal": Decimal("20.00"), "Tax": ...}``; promotion adjustments as ``Promotion<Type>``. A refund
        applied twice counts twice: the totals show duplicates.
        """
        with self._core.lock:
            self._core.tick()  # Amazon's own pace first: feeds due by now are processed
            return self._core.world.refunded(order_id, order_item_id)

    def buyer_messages(self, order_id: str | None = None) -> list[SimBuyerMessage]:
        """Messages Amazon delivered to buyers through the Messaging API, oldest first (one order's, or all).

        Each delivery is one entry: a buyer who got the same explanation twice shows two.
        """
        with self._core.lock:
            return [m for m in self._core.world.buyer_messages if order_id is None or m.order_id == order_id]

    def close_messaging(self, order_id: str) -> SimOrder:
        """Amazon offers no messaging action for this order from now on (``getMessagingActionsForOrder`` lists none).

        Without it, an MFN order offers ``unexpectedProblem`` for 30 days (÷ ``scale``) after it was placed, an
        AFN order never (docs/testing.md). ``KeyError`` for an unknown order.
        """
        with self._core.lock:
            return messaging.close_messaging(self._core, order_id)

    def order(self, order_id: str) -> SimOrder:
        """The order with ``order_id`` (``KeyError`` if unknown)."""
        return self._core.world.orders[order_id]

    def orders(
        self,
        *,
        status: V0Status | None = None,
        channel: Literal["MFN", "AFN"] | None = None,
        buyer_requested: bool | None = None,
    ) -> list[SimOrder]:
        """Orders matching the filters, oldest first (a convenience for picking test subjects)."""
        found: Sequence[SimOrder] = sorted(self._core.world.orders.values(), key=lambda o: o.purchase_date)
        return [
            o
            for o in found
            if (status is None or o.status == status)
            and (channel is None or o.fulfillment_channel == channel)
            and (buyer_requested is None or any(i.buyer_requested_cancel for i in o.items) == buyer_requested)
        ]

    def now(self) -> datetime:
        """The simulated current time."""
        return self._core.now()

    def __repr__(self) -> str:
        world = self._core.world
        return (
            f"Simulator(seller_id={self.seller_id!r}, marketplace_id={self.marketplace_id!r}, "
            f"orders={len(world.orders)}, listings={len(world.listings)}, now={self.now().isoformat()})"
        )
