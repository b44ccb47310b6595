"""The seller's client: credentials, one marketplace, and the parts every workflow shares.

``SellerClient`` composes the transport (SP-API, LWA and documents through
one ``httpx.Client``), the rate limiter, the retry policy, the clock and the
journal; it makes no HTTP call of its own. Each workflow method (``cancel_order``,
``partial_refund``...) validates nothing itself: it is a short delegation to the
private package that owns the intent, with the client's context.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal, NoReturn, Self, TypeVar, cast

import attrs

import sp_cancel._checks as checks
import sp_cancel._config as config
import sp_cancel.models as values
from sp_cancel._cancellation.outcomes import BuyerMessage, CancelOutcome, SystemCancellation
from sp_cancel._config import MIN_UNCONFIRMED_HORIZON, check_configuration, settings_from_environment
from sp_cancel._listings.outcomes import ListingOutcome
from sp_cancel._listings.resource import Listings
from sp_cancel._order import BuyerCancelRequest
from sp_cancel._outcomes import BatchOutcome, ProgressCallback
from sp_cancel._public import Deferred, publish
from sp_cancel._refunds.outcomes import RefundOutcome, RefundVerification
from sp_cancel.clock import Clock, Sleep, SystemClock, system_sleep
from sp_cancel.deals import Deal
from sp_cancel.errors import InvalidInputError
from sp_cancel.models import check_order_id

if TYPE_CHECKING:
    import sp_cancel._cancellation.flow as cancellation_flow
    import sp_cancel._fba as fba_flow
    import sp_cancel._listings.items as listing_flow
    import sp_cancel._refunds.check as refund_check
    import sp_cancel._refunds.refund as refund_flow
    import sp_cancel._runtime.context as runtime_context
    import sp_cancel._runtime.feeds as runtime_feeds
    import sp_cancel._subscriptions as subscription_flow
    import sp_cancel.deals as deal_flow
    import sp_cancel.journal as journals
    import sp_cancel.metrics._fetch as rate_flow
    import sp_cancel.orders as order_reads
    import sp_cancel.ratelimit as limits
    import sp_cancel.retry as retries
    import sp_cancel.transport as transports
    from sp_cancel._fba import FbaCancelOutcome
    from sp_cancel._runtime.context import Context
    from sp_cancel.journal import JournalLike
    from sp_cancel.metrics import CancellationRateReport
    from sp_cancel.models import (
        AdjustmentReason,
        CancelReason,
        CancelRequest,
        Fulfillment,
        ItemCancel,
        ItemRefund,
        Money,
    )
    from sp_cancel.orders import Order, OrderStatus
    from sp_cancel.ratelimit import RateLimiter
    from sp_cancel.retry import RetryPolicy
    from sp_cancel.transport import HttpTransport, OrdersV0Mode
else:
    # Issue 20: each workflow, the runtime, the journal, the limiter, the retry policy and the transport (httpx,
    # python-amazon-sp-api) is imported at its first use, so ``from sp_cancel import SellerClient`` costs no
    # more than ``from sp_api.api import Orders``. The calls read ``cancellation_flow.cancel_orders(...)`` as before.
    cancellation_flow = Deferred("sp_cancel._cancellation.flow")
    fba_flow = Deferred("sp_cancel._fba")
    listing_flow = Deferred("sp_cancel._listings.items")
    refund_check = Deferred("sp_cancel._refunds.check")
    refund_flow = Deferred("sp_cancel._refunds.refund")
    subscription_flow = Deferred("sp_cancel._subscriptions")
    runtime_context = Deferred("sp_cancel._runtime.context")
    runtime_feeds = Deferred("sp_cancel._runtime.feeds")
    deal_flow = Deferred("sp_cancel.deals")
    journals = Deferred("sp_cancel.journal")
    rate_flow = Deferred("sp_cancel.metrics._fetch")
    order_reads = Deferred("sp_cancel.orders")
    limits = Deferred("sp_cancel.ratelimit")
    retries = Deferred("sp_cancel.retry")
    transports = Deferred("sp_cancel.transport")

__all__ = ["Credentials", "Listings", "SellerClient"]


Outcome = CancelOutcome | RefundOutcome | ListingOutcome

# Environment variables read by SellerClient.from_env (and only there): see sp_cancel._config.
ENV_REFRESH_TOKEN: Final = config.ENV_REFRESH_TOKEN
ENV_CLIENT_ID: Final = config.ENV_CLIENT_ID
ENV_CLIENT_SECRET: Final = config.ENV_CLIENT_SECRET
ENV_SELLER_ID: Final = config.ENV_SELLER_ID
ENV_MARKETPLACE: Final = config.ENV_MARKETPLACE
ENV_ENDPOINT: Final = config.ENV_ENDPOINT
ENV_TOKEN_URL: Final = config.ENV_TOKEN_URL


def _check_outcome(outcome: object) -> Outcome:
    """What ``wait``/``refresh`` follow: a cancel, refund or listing outcome (a batch: follow its outcomes)."""
    if isinstance(outcome, BatchOutcome):
        raise InvalidInputError(
            "wait/refresh take one outcome; for a batch, call them on each outcome in it (for o in batch: ...)",
            field="outcome",
        )
    return cast(
        "Outcome",
        checks.check_instance(
            outcome,
            "outcome",
            (CancelOutcome, RefundOutcome, ListingOutcome),
            "a CancelOutcome, RefundOutcome or ListingOutcome",
        ),
    )


def _non_empty(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{attribute.name} must be a non-empty string", field=attribute.name)


@attrs.frozen(kw_only=True, repr=False)
class Credentials:
    """LWA credentials of one seller authorization: the seller's refresh token and the app's client id/secret.

    ``repr`` shows the client id and hides the refresh token and the client secret.
    """

    refresh_token: str = attrs.field(validator=_non_empty)
    client_id: str = attrs.field(validator=_non_empty)
    client_secret: str = attrs.field(validator=_non_empty)

    def __repr__(self) -> str:
        return f"Credentials(client_id={self.client_id!r}, refresh_token=<hidden>, client_secret=<hidden>)"

    @classmethod
    def from_sp_api(
        cls,
        account: str = "default",
        *,
        credential_providers: Iterable[type[Any]] | None = None,
        refresh_token: str | None = None,
    ) -> Self:
        """Read the credentials where python-amazon-sp-api keeps them, with its ``CredentialProvider``.

        Its sources, in its order: environment variables (``SP_API_REFRESH_TOKEN``, ``LWA_APP_ID``,
        ``LWA_CLIENT_SECRET``, or their ``_<account>`` variants), AWS Secrets Manager
        (``SP_API_AWS_SECRET_ID``), then the ``account`` section of its ``credentials.yml``.

        Args:
            account: the account (section of ``credentials.yml``, suffix of the variables).
            credential_providers: its provider classes to try instead of its default chain
                (e.g. ``[FromConfigFileCredentialProvider]`` from ``sp_api.base.credential_provider``).
            refresh_token: the seller's refresh token, when the source holds only the app's id and secret.

        Raises:
            InvalidInputError: no source has a complete set of credentials.
        """
        found_token, client_id, client_secret = transports.sp_api_credentials(
            account, credential_providers=credential_providers, refresh_token=refresh_token
        )
        return cls(refresh_token=found_token, client_id=client_id, client_secret=client_secret)


_Api = TypeVar("_Api")


class SellerClient:
    """Everything one seller does in one marketplace through SP-API.

    Args:
        credentials: LWA refresh token, client id and client secret.
        seller_id: the seller (merchant) id: ``MerchantIdentifier`` in feeds, ``sellerId`` in listings paths.
        marketplace: a country code (``"US"``, ``"DE"``, ``"UK"``) or a marketplace id (``"ATVPDKIKX0DER"``).
        endpoint: SP-API base URL; default the marketplace region's production endpoint
            (``https://sellingpartnerapi-na.amazon.com``...). Sandbox, proxy or simulator otherwise.
        token_url: LWA token URL; default ``https://api.amazon.com/auth/o2/token``.
        journal: a path, a journal object (``Journal``,
            ``RedisJournal`` to share one between hosts, or anything implementing
            ``JournalLike``), or ``None`` for the default journal file.
        rate_limiter: shared token buckets; default an in-process ``InMemoryRateLimiter``.
        retry: the retry policy; default ``DEFAULT_RETRY_POLICY``.
        transport: an httpx transport for every request (the simulator's, ``httpx.MockTransport``...).
        clock: time source; default the system clock.
        sleep: how to wait; default ``time.sleep``.
        timeout: httpx timeout in seconds for every request.
        unconfirmed_horizon: how long a money-moving submission (a refund, a unit cancel) that may have
            been sent stays ``UNCONFIRMED`` when Amazon shows nothing of it (no feed, nothing posted) before
            it becomes ``NOT_SENT`` and asking again sends it; measured on Amazon's clock. At least (and by
            default) 48 hours, the window in which Amazon's Finances API may still post a refund; settle one
            sooner with ``declare_not_sent`` after looking in Seller Central.
        orders_v0: ``"auto"`` (default) reads Orders v0 (deprecated; Amazon's removal date is 27 March 2027)
            where it costs less of Amazon's usage plans, while Amazon serves it; ``"never"`` never calls it.
            ``"auto"`` turns into ``"never"`` for the rest of the client's life on Amazon's first answer that
            the v0 resource is gone (410, or 404 where nothing else can be missing), and from 27 March 2027
            by ``clock`` (logged once: ``sp_cancel.orders_v0_retired``). Every workflow works either way;
            docs/orders-api-versions.md says what each route costs and what ``"never"`` cannot read.

    Raises:
        InvalidInputError: one error listing every problem of the configuration, before any request: a seller id
            that is not a merchant token (empty, a space, lower case), an unknown marketplace, an endpoint or
            token URL that is not an http(s) URL, a marketplace the Amazon endpoint's region does not serve, a
            timeout that is not a positive number, an ``unconfirmed_horizon`` under 48 hours, an ``orders_v0``
            other than ``"auto"`` or ``"never"``.
    """

    def __init__(
        self,
        *,
        credentials: Credentials,
        seller_id: str,
        marketplace: str = "US",
        endpoint: str | None = None,
        token_url: str | None = None,
        journal: str | os.PathLike[str] | JournalLike | None = None,
        rate_limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        transport: HttpTransport | None = None,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        timeout: float = 30.0,
        unconfirmed_horizon: timedelta = MIN_UNCONFIRMED_HORIZON,
        orders_v0: OrdersV0Mode = "auto",
    ) -> None:
        if not isinstance(credentials, Credentials):
            raise InvalidInputError("credentials must be a sp_cancel.Credentials", field="credentials")
        config = check_configuration(
            seller_id=seller_id,
            marketplace=marketplace,
            endpoint=endpoint,
            token_url=token_url,
            default_token_url=transports.DEFAULT_TOKEN_URL,
            timeout=timeout,
            unconfirmed_horizon=unconfirmed_horizon,
            orders_v0=orders_v0,
        )
        self._horizon = unconfirmed_horizon
        seller_id, market = config.seller_id, config.marketplace
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._sleep: Sleep = sleep if sleep is not None else system_sleep
        self._credentials = credentials
        self._seller_id = seller_id
        self._marketplace_id = market.marketplace_id
        self._journal_arg = journal
        self._context: Context | None = None
        self._context_lock = threading.Lock()  # threads first using one client must share one journal
        self._limiter: RateLimiter = (
            rate_limiter
            if rate_limiter is not None
            else limits.InMemoryRateLimiter(clock=self._clock, sleep=self._sleep)
        )
        self._retry = retry if retry is not None else retries.DEFAULT_RETRY_POLICY
        self._api = transports.SpApi(
            credentials=credentials,
            seller_id=self._seller_id,
            marketplace_id=self._marketplace_id,
            endpoint=config.endpoint,
            token_url=config.token_url,
            transport=transport,
            timeout=timeout,
            limiter=self._limiter,
            retry=self._retry,
            clock=self._clock,
            sleep=self._sleep,
            orders_v0=config.orders_v0,
        )

    @classmethod
    def from_env(
        cls,
        *,
        credentials: Credentials | None = None,
        seller_id: str | None = None,
        marketplace: str | None = None,
        endpoint: str | None = None,
        token_url: str | None = None,
        journal: str | os.PathLike[str] | JournalLike | None = None,
        rate_limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        transport: HttpTransport | None = None,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        timeout: float = 30.0,
        unconfirmed_horizon: timedelta = MIN_UNCONFIRMED_HORIZON,
        orders_v0: OrdersV0Mode = "auto",
    ) -> Self:
        """Build a client from the environment; the keyword arguments given win over it.

        Reads ``SP_API_REFRESH_TOKEN``, ``LWA_APP_ID``, ``LWA_CLIENT_SECRET`` (unless ``credentials`` is given),
        ``SP_API_SELLER_ID`` (unless ``seller_id``), ``SP_API_MARKETPLACE`` (unless ``marketplace``; required, no
        default), and optionally ``SP_API_ENDPOINT``, ``SP_API_TOKEN_URL``. The other arguments are those of
        [SellerClient][sp_cancel.SellerClient], with the same defaults.

        Raises:
            InvalidInputError: one error naming every problem, before any request: each required variable that
                is missing or empty, and each value that is wrong (a seller id with a space, an endpoint that is
                not an http(s) URL, a marketplace another region's endpoint does not serve...).
        """
        found = settings_from_environment(
            os.environ, credentials_given=credentials is not None, seller_id=seller_id, marketplace=marketplace,
            endpoint=endpoint, token_url=token_url, default_token_url=transports.DEFAULT_TOKEN_URL, timeout=timeout,
        )  # fmt: skip
        return cls(
            credentials=credentials or Credentials(**found.credentials),
            seller_id=found.seller_id,
            marketplace=found.marketplace,
            endpoint=found.endpoint,
            token_url=found.token_url,
            journal=journal,
            rate_limiter=rate_limiter,
            retry=retry,
            transport=transport,
            clock=clock,
            sleep=sleep,
            timeout=timeout,
            unconfirmed_horizon=unconfirmed_horizon,
            orders_v0=orders_v0,
        )

    @property
    def orders_v0(self) -> OrdersV0Mode:
        """``"auto"`` while this client may read Orders v0; ``"never"`` once set, retired, or past 2027-03-27."""
        return "auto" if self._api.orders_v0.served else "never"

    @property
    def seller_id(self) -> str:
        """The seller (merchant) id."""
        return self._seller_id

    @property
    def marketplace_id(self) -> str:
        """The marketplace id requests default to (e.g. ``ATVPDKIKX0DER``)."""
        return self._marketplace_id

    @property
    def endpoint(self) -> str:
        """The SP-API base URL in use."""
        return self._api.endpoint

    @property
    def _ctx(self) -> Context:
        if self._context is None:
            with self._context_lock:
                if self._context is None:
                    self._context = self._build_context()
        return self._context

    def _build_context(self) -> Context:
        arg = self._journal_arg
        # Any journal object (Journal, RedisJournal, your own) is used as it is; a path or None opens a Journal
        # on first use, and reading a journal file that does not exist yet finds nothing without creating it.
        journal = arg if isinstance(arg, journals.JournalLike) else journals.LazyJournal(arg, clock=self._clock)
        return runtime_context.Context(
            api=self._api,
            journal=journal,
            runner=runtime_feeds.FeedRunner(api=self._api, journal=journal, clock=self._clock, sleep=self._sleep),
            clock=self._clock,
            sleep=self._sleep,
            seller_id=self._seller_id,
            marketplace_id=self._marketplace_id,
            horizon=self._horizon,
        )

    @property
    def notifications(self) -> subscription_flow.Notifications:
        """The seller's ``ORDER_CHANGE`` notifications (Notifications API): ``ensure`` them, ``check`` a queue.

        ``client.notifications.ensure(queue_arn)`` gets or creates the destination (grantless) and the
        ``ORDER_CHANGE`` subscription with the ``orderChangeTypes`` a cancellation watcher needs;
        ``client.notifications.check(queue_arn, sqs=...)`` says why notifications would not arrive
        (docs/notifications.md).
        """
        return subscription_flow.Notifications(self._ctx)

    @property
    def journal(self) -> JournalLike:
        """The journal this client records its submissions in: the one given, or a SQLite ``Journal``."""
        journal = self._ctx.journal
        return journal.open() if isinstance(journal, journals.LazyJournal) else journal

    def sp_api(self, api: type[_Api], **kwargs: Any) -> _Api:
        """A python-amazon-sp-api client for operations sp_cancel does not wrap, for this same seller.

        It uses this client's credentials, marketplace, endpoint, LWA token URL and access token; it makes its own
        requests (its own retries, no share of this client's rate limiter or journal). A client built with
        ``transport=`` (``Simulator().client()``) sends them through that transport too, so ``sim.client().sp_api(...)``
        works in process; python-amazon-sp-api's document helpers (``create_feed_document`` with a file,
        ``get_feed_document``) open connections of their own and need ``sim.serve()``.

        Args:
            api: one of its API classes, e.g. ``sp_api.api.Orders`` or ``sp_api.api.Reports``.
            **kwargs: passed to ``api`` (``version="2026-01-01"``, ``timeout=``, ``proxies=``...).

        Example:
            ``client.sp_api(Orders, version="2026-01-01").get_order(order_id).payload``
        """
        return transports.sp_api_client(
            api,
            credentials=self._credentials,
            marketplace_id=self._marketplace_id,
            endpoint=self._api.endpoint,
            token_url=self._api.token_url,
            access_token=self._api.access_token,
            transport=self._api.injected_transport,
            **kwargs,
        )

    # --- reading orders -------------------------------------------------------------------------------

    def order(self, order_id: str) -> Order:
        """Read one order: status, channel, dates, buyer cancel request, and its items.

        Each item carries its 14-digit ``order_item_id`` (what ``ItemCancel`` and ``ItemRefund`` take), SKU,
        ASIN, quantities ordered/shipped/unshipped/cancelled, what was charged and what is still refundable
        per price component (the same figure ``partial_refund`` checks against).

        Args:
            order_id: Amazon's order id (``3-7-7``).

        Returns:
            The [Order][sp_cancel.Order] (Orders 2026-01-01 ``getOrder``; plus Finances
            ``listFinancialEventsByOrderId`` when the order is refundable).

        Raises:
            InvalidInputError: a malformed order id (nothing sent).
            NotFoundError: Amazon has no such order for this seller.
        """
        order_id = check_order_id(order_id)
        return refund_flow.with_refundable(self._ctx, order_reads.get_order(self._api, order_id))

    def orders(
        self,
        *,
        status: OrderStatus | str | None = None,
        channel: Fulfillment | str | None = None,
        since: datetime | timedelta = timedelta(days=7),
    ) -> Iterator[Order]:
        """Iterate over the orders placed since ``since``, newest pages fetched as you go.

        Paging (``searchOrders`` ``nextToken``) and the rate limit are handled; stop iterating to stop
        reading. Items carry everything [order][sp_cancel.SellerClient.order] gives except ``refundable``
        (``None``: it costs one Finances call per order; read the order for it).

        Args:
            status: only orders in this status (``OrderStatus.UNSHIPPED``, ``"UNSHIPPED"`` or ``"Unshipped"``).
            channel: only ``"MFN"`` (seller-fulfilled) or ``"AFN"`` (Amazon-fulfilled) orders.
            since: orders placed after this moment (aware ``datetime``) or this long ago (``timedelta``).

        Raises:
            InvalidInputError: unknown status or channel, bad ``since`` (raised at the call, before any request).
        """
        return order_reads.read_orders(self._api, now=self._clock.now(), status=status, channel=channel, since=since)

    def updated_orders(self, *, since: datetime) -> Iterator[Order]:
        """Iterate over this marketplace's orders Amazon updated after ``since``, with their cancellation data.

        One ``searchOrders`` page per 100 orders (``lastUpdatedAfter``, ``includedData=CANCELLATION,FULFILLMENT``):
        what ``sp_cancel.watch``'s sweep reads to catch buyer requests and Amazon's cancels whose notification
        was lost. Items carry ``buyer_requested_cancel``, ``cancelled_by`` and ``cancel_reason``.

        Raises:
            InvalidInputError: ``since`` is not an aware ``datetime`` (raised at the call, before any request).
        """
        if not isinstance(since, datetime):
            raise InvalidInputError(f"since must be an aware datetime, not {type(since).__name__}", field="since")
        start = checks.check_moment(since, "since")
        return order_reads.search_orders(
            self._api,
            last_updated_after=start,
            included_data=("CANCELLATION", "FULFILLMENT"),
            marketplace_ids=[self._marketplace_id],
        )

    # --- cancelling orders ----------------------------------------------------------------------------

    def cancel_order(
        self,
        order_id: str,
        reason: CancelReason | str,
        *,
        items: Sequence[ItemCancel] | None = None,
        via: Literal["feed", "orders_api"] = "feed",
        wait: bool = True,
        timeout: float = 1800,
        progress: ProgressCallback | None = None,
        notify_buyer: str | None = None,
    ) -> CancelOutcome:
        """Cancel an unshipped seller-fulfilled order, or some unshipped units of its items.

        Args:
            order_id: Amazon's order id (``3-7-7``).
            reason: a ``CancelReason`` (or its name / feed value).
            items: cancel only these units (``POST_PAYMENT_ADJUSTMENT_DATA`` with ``QuantityCancelled``);
                ``None`` cancels the whole order (``POST_ORDER_ACKNOWLEDGEMENT_DATA``, ``StatusCode=Failure``).
            via: ``"orders_api"`` uses Orders 2026-01-01 ``cancelOrder`` (withdrawn from Amazon's public
                model; opt-in, whole orders, five reasons only).
            wait: wait for Amazon's processing report; ``False`` returns ``SUBMITTED`` at once.
            timeout: seconds to wait for the feed before ``FeedTimeoutError``.
            progress: called after each poll with the feed's state and the seconds waited.
            notify_buyer: the seller's explanation, sent to the buyer through Amazon's Messaging API
                (``createUnexpectedProblem``) once Amazon confirmed the cancel, at most once per order and
                cancel. Plain text, 1 to 2000 characters, no HTML, no e-mail address, no link; checked before
                any request. ``outcome.buyer_message`` says what happened to it (``PENDING`` until the cancel
                is confirmed: ``refresh``/``wait``/``resume`` send it then).

        Returns:
            What Amazon said: ``CANCELLED``, ``PARTIALLY_CANCELLED``, ``REJECTED`` (with its messages) or
            ``SUBMITTED``.

        Raises:
            InvalidInputError: bad input, a ``notify_buyer`` text Amazon's rules refuse (nothing sent).
            NotCancellableError: shipped, partly shipped (use ``items``), Amazon-fulfilled, pending, cancelled.
        """
        order_id = check_order_id(order_id)
        checks.check_instance(reason, "reason", (values.CancelReason, str), "a CancelReason or its name")
        if items is not None:
            items = checks.check_items(items, "items", values.ItemCancel, "ItemCancel values")
        checks.check_choice(via, "via", ("feed", "orders_api"))
        wait, timeout = checks.check_flag(wait, "wait"), checks.check_timeout(timeout)
        checks.check_callable(progress, "progress")
        text = None if notify_buyer is None else cancellation_flow.check_text(notify_buyer)
        request = values.CancelRequest(order_id=order_id, reason=reason, items=items)
        if via == "orders_api":
            checks.check_orders_api_cancel(request)
        return cancellation_flow.cancel_order(
            self._ctx, request, via=via, wait=wait, timeout=timeout, progress=progress, notify_buyer=text
        )

    def cancel_orders(
        self,
        requests: Iterable[CancelRequest],
        *,
        wait: bool = True,
        timeout: float = 3600,
        max_rate: float | None = None,
        progress: ProgressCallback | None = None,
        notify_buyer: str | Callable[[CancelRequest], str | None] | None = None,
    ) -> BatchOutcome[CancelOutcome]:
        """Cancel many orders with one feed per kind (whole / item-level), one outcome per order.

        Orders refused before sending (bad input, not cancellable) are in ``batch.errors`` and do not stop the
        rest. With ``max_rate``, the whole batch is refused with ``CancellationRateError``
        (nothing sent) when its seller-faulted cancellations would push the 7-day cancellation rate above it.
        ``notify_buyer`` is one text for every buyer, or a function of each ``CancelRequest`` returning its
        text (``None``: no message for that order); every text is checked before any request (one bad text
        refuses the batch, nothing sent), and each goes out as in ``cancel_order``.
        """
        requests = checks.check_items(requests, "requests", values.CancelRequest, "CancelRequest values")
        wait, timeout = checks.check_flag(wait, "wait"), checks.check_timeout(timeout)
        checks.check_callable(progress, "progress")
        if notify_buyer is not None and not isinstance(notify_buyer, str):
            checks.check_callable(notify_buyer, "notify_buyer")
        texts = cancellation_flow.texts_for(requests, notify_buyer)
        guard = None
        if max_rate is not None:
            guard = rate_flow.rate_guard(self._ctx, max_rate)
        return cancellation_flow.cancel_orders(
            self._ctx, requests, wait=wait, timeout=timeout, progress=progress, guard=guard, texts=texts
        )

    def notify_buyer(self, order_id: str, text: str) -> BuyerMessage:
        """Tell the buyer why an order was cancelled earlier (Amazon's ``createUnexpectedProblem``), once.

        At most one message per order and cancel: for a cancel this library made (any process, through the
        journal) it is that cancel's message (``PENDING`` while Amazon has not confirmed the cancel; calling
        again returns the same message, never a second one); for an order cancelled elsewhere (Seller Central),
        the order must read back cancelled (or with units cancelled), and one message per order goes out.
        Skipped, with the reason, when Amazon offers no ``unexpectedProblem`` message for the order.

        Raises:
            InvalidInputError: a malformed order id, or a text Amazon's rules refuse (nothing sent).
        """
        order_id = check_order_id(order_id)
        text = cancellation_flow.check_text(text, "text")
        return cancellation_flow.notify_buyer(self._ctx, order_id, text)

    def buyer_cancellation_requests(
        self, *, since: datetime | timedelta = timedelta(days=7)
    ) -> list[BuyerCancelRequest]:
        """Open cancellation requests buyers made through Amazon (seller-fulfilled orders updated since ``since``)."""
        since = checks.check_since(since)
        return cancellation_flow.buyer_cancellation_requests(self._ctx, since=since)

    def accept_buyer_cancellations(
        self,
        requests: Iterable[BuyerCancelRequest | str],
        *,
        wait: bool = True,
        timeout: float = 3600,
        progress: ProgressCallback | None = None,
    ) -> BatchOutcome[CancelOutcome]:
        """Cancel buyer-requested orders with ``BuyerCanceled`` in one feed; refuse orders without a request."""
        order_ids = [
            check_order_id(r.order_id if isinstance(r, BuyerCancelRequest) else r, field="requests")
            for r in checks.check_items(
                requests, "requests", (BuyerCancelRequest, str), "BuyerCancelRequest values or order ids"
            )
        ]
        wait, timeout = checks.check_flag(wait, "wait"), checks.check_timeout(timeout)
        checks.check_callable(progress, "progress")
        return cancellation_flow.accept_buyer_cancellations(
            self._ctx, order_ids, wait=wait, timeout=timeout, progress=progress
        )

    def system_cancellations(self, *, since: datetime | timedelta = timedelta(days=7)) -> list[SystemCancellation]:
        """Orders Amazon cancelled itself (``cancelledBy == "AMAZON"``), with Amazon's reason text."""
        since = checks.check_since(since)
        return cancellation_flow.system_cancellations(self._ctx, since=since)

    # --- refunds --------------------------------------------------------------------------------------

    def partial_refund(
        self,
        order_id: str,
        refunds: Sequence[ItemRefund] | Money,
        *,
        reason: AdjustmentReason | str,
        idempotency_key: str | None = None,
        wait: bool = True,
        timeout: float = 1800,
        progress: ProgressCallback | None = None,
    ) -> RefundOutcome:
        """Refund part of a shipped seller-fulfilled order, once per idempotency key.

        ``refunds`` is a list of ``ItemRefund``, or a single ``Money`` for a
        one-item order (applied to the principal). Every amount is checked against what was charged minus what
        was already refunded, per component, before anything is sent.
        """
        order_id = check_order_id(order_id)
        if not isinstance(refunds, values.Money):
            refunds = checks.check_items(refunds, "refunds", values.ItemRefund, "ItemRefund values (or one Money)")
        checks.check_instance(reason, "reason", (values.AdjustmentReason, str), "an AdjustmentReason or its name")
        idempotency_key = checks.check_optional_text(idempotency_key, "idempotency_key", max_length=200)
        wait, timeout = checks.check_flag(wait, "wait"), checks.check_timeout(timeout)
        checks.check_callable(progress, "progress")
        request = refund_check.normalize(order_id, refunds, reason=reason, idempotency_key=idempotency_key)
        return refund_flow.partial_refund(self._ctx, request, wait=wait, timeout=timeout, progress=progress)

    def verify_refund(self, outcome: RefundOutcome) -> RefundVerification:
        """Whether Amazon's Finances API shows the refund yet (up to 48 h delay: "not yet posted" is no failure)."""
        checks.check_instance(outcome, "outcome", RefundOutcome, "the RefundOutcome partial_refund returned")
        return refund_flow.verify_refund(self._ctx, outcome)

    # --- listings, FBA, deals -------------------------------------------------------------------------

    @functools.cached_property
    def listings(self) -> Listings:
        """The listing operations grouped: ``client.listings.close(sku)``, ``.close_many(skus)``, ``.delete(sku)``."""
        return Listings(lambda: self._ctx)

    def close_listing(self, sku: str) -> ListingOutcome:
        """Stop selling a seller-fulfilled listing without deleting it (quantity 0 by a ``merge`` patch)."""
        return self.listings.close(sku)

    def close_listings(self, skus: Iterable[str], *, wait: bool = True) -> BatchOutcome[ListingOutcome]:
        """Close many listings through one ``JSON_LISTINGS_FEED``; one outcome per SKU."""
        return self.listings.close_many(skus, wait=wait)

    def delete_listing(self, sku: str, *, verify: bool = True) -> ListingOutcome:
        """Delete a listing (``deleteListingsItem``), then read back until it is gone (bounded)."""
        return self.listings.delete(sku, verify=verify)

    def cancel_fba_order(
        self, seller_fulfillment_order_id: str, *, api: Literal["2020-07-01", "2026-07-04"] = "2020-07-01"
    ) -> FbaCancelOutcome:
        """Cancel a Multi-Channel Fulfillment order while Amazon still allows it (``Received``/``Planning``)."""
        seller_fulfillment_order_id = values.check_mcf_order_id(seller_fulfillment_order_id)
        checks.check_choice(api, "api", ("2020-07-01", "2026-07-04"))
        return fba_flow.cancel_fba_order(self._ctx, seller_fulfillment_order_id, api=api)

    def deals(self, *, statuses: Iterable[str] | None = None) -> list[Deal]:
        """Lightning and Best deals from the read-only Promotions API."""
        if statuses is not None:
            statuses = [
                checks.check_text(status, "statuses")
                for status in checks.check_items(statuses, "statuses", str, "strings")
            ]
        return deal_flow.deals(self._ctx, statuses=statuses)

    def cancel_flash_deal(self, deal_id: str) -> NoReturn:
        """Amazon has no API to cancel a deal: raises ``ManualActionRequired`` with the steps."""
        deal_id = values.check_deal_id(deal_id)
        deal_flow.cancel_flash_deal(self._ctx, deal_id)

    # --- cancellation rate ----------------------------------------------------------------------------

    def cancellation_rate(
        self,
        *,
        window: timedelta = timedelta(days=7),
        end: datetime | None = None,
        source: Literal["auto", "orders", "report"] = "auto",
        compare_with_amazon: bool = False,
        late_shipment_counts: bool = True,
    ) -> CancellationRateReport:
        """The seller-cancelled rate of seller-fulfilled orders over ``window`` (Amazon's target: under 2.5 %).

        Amazon's own cancellations are counted apart by kind (``amazon_unpaid``, ``amazon_late_shipment``,
        ``amazon_other``); ``late_shipment_counts=False`` leaves Amazon's late-shipment auto-cancels out of the
        seller-cancelled count (sellers report that Amazon counts them: the default).
        """
        window = checks.check_window(window, "window")
        end = checks.check_moment(end, "end")
        checks.check_choice(source, "source", ("auto", "orders", "report"))
        compare_with_amazon = checks.check_flag(compare_with_amazon, "compare_with_amazon")
        late_shipment_counts = checks.check_flag(late_shipment_counts, "late_shipment_counts")
        return rate_flow.cancellation_rate(
            self._ctx,
            window=window,
            end=end,
            source=source,
            compare_with_amazon=compare_with_amazon,
            late_shipment_counts=late_shipment_counts,
        )

    # --- finishing later ------------------------------------------------------------------------------

    def refresh(self, outcome: Outcome) -> Outcome:
        """Read a ``SUBMITTED`` outcome's state once; finish it if Amazon is done (any process)."""
        return self._again(_check_outcome(outcome), wait=False, timeout=1.0, progress=None)

    def wait(self, outcome: Outcome, *, timeout: float = 1800, progress: ProgressCallback | None = None) -> Outcome:
        """Wait for a ``SUBMITTED`` outcome to finish (any process: the journal knows the feed)."""
        outcome, timeout = _check_outcome(outcome), checks.check_timeout(timeout)
        checks.check_callable(progress, "progress")
        return self._again(outcome, wait=True, timeout=timeout, progress=progress)

    def _again(self, outcome: Outcome, *, wait: bool, timeout: float, progress: ProgressCallback | None) -> Outcome:
        key = outcome.submission_id
        if not key:
            raise InvalidInputError("this outcome has no submission id to follow", field="outcome")
        if isinstance(outcome, CancelOutcome):
            return cancellation_flow.refresh_cancel(self._ctx, key, wait=wait, timeout=timeout, progress=progress)
        if isinstance(outcome, RefundOutcome):
            return refund_flow.refresh_refund(self._ctx, key, wait=wait, timeout=timeout, progress=progress)
        return listing_flow.refresh_listing(self._ctx, key, wait=wait, timeout=timeout, progress=progress)

    def unconfirmed(self) -> list[CancelOutcome | RefundOutcome]:
        """Refunds and unit cancels that may have been sent and that Amazon has not shown yet.

        Each submission the journal holds as sent but unfinished is looked at once more (a feed search, its
        processing report, Finances, the order) and kept when it is still ``UNCONFIRMED``. Each outcome's
        ``detail`` says what was seen; settle one with ``refresh`` later, or ``declare_not_sent`` after
        looking in Seller Central.
        """
        found: list[CancelOutcome | RefundOutcome] = []
        found.extend(cancellation_flow.unconfirmed_cancels(self._ctx))
        found.extend(refund_flow.unconfirmed_refunds(self._ctx))
        return found

    def declare_not_sent(
        self, outcome: CancelOutcome | RefundOutcome, *, by: str, note: str | None = None
    ) -> CancelOutcome | RefundOutcome:
        """Take an ``UNCONFIRMED`` refund or unit cancel as not sent, on an operator's word; returns ``NOT_SENT``.

        Use it after looking in Seller Central (Payments > Transactions for a refund, the order page for a
        cancel) and finding nothing of it. The journal keeps who declared it, when (Amazon's time) and your
        note; asking again (``partial_refund``/``cancel_order`` with the same arguments) then sends it. The
        submission is looked at once more first: if Amazon shows it now, nothing is declared.

        Args:
            outcome: the ``UNCONFIRMED`` outcome (from the call, ``refresh`` or ``unconfirmed()``).
            by: who declares it (a name or an e-mail address of your team), kept in the journal.
            note: what was checked, kept in the journal.

        Raises:
            InvalidInputError: the outcome is not ``UNCONFIRMED`` any more (Amazon shows it, or it ended).
        """
        checks.check_instance(outcome, "outcome", (CancelOutcome, RefundOutcome), "a CancelOutcome or RefundOutcome")
        by = checks.check_text(by, "by", max_length=200)
        note = checks.check_optional_text(note, "note", max_length=1000)
        if isinstance(outcome, RefundOutcome):
            return refund_flow.declare_refund_not_sent(self._ctx, outcome, by=by, note=note)
        return cancellation_flow.declare_cancel_not_sent(self._ctx, outcome, by=by, note=note)

    def resume(self, *, timeout: float = 3600, progress: ProgressCallback | None = None) -> list[Outcome]:
        """Finish everything the journal holds as planned or submitted (after a crash, in any process).

        Plans a dead worker left unsent are checked again and sent; plans a live worker holds are reported
        with that worker and its lease; refunds and unit cancels that may have been sent are looked for and
        reported ``UNCONFIRMED`` until Amazon shows them (never sent again); anything that cannot be settled
        now is reported with the reason, and the rest goes on.
        """
        timeout = checks.check_timeout(timeout)
        checks.check_callable(progress, "progress")
        outcomes: list[Outcome] = []
        outcomes.extend(cancellation_flow.resume_cancels(self._ctx, timeout=timeout, progress=progress))
        outcomes.extend(refund_flow.resume_refunds(self._ctx, timeout=timeout, progress=progress))
        outcomes.extend(listing_flow.resume_listing_closes(self._ctx, timeout=timeout, progress=progress))
        return outcomes

    def close(self) -> None:
        """Close the HTTP connections and the journal (the client cannot be used afterwards)."""
        self._api.close()
        journal = None if self._context is None else self._context.journal
        # Only the journal this client opened from a path is closed; a given journal stays open.
        if journal is not None and isinstance(journal, journals.LazyJournal):
            journal.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"SellerClient(seller_id={self._seller_id!r}, marketplace_id={self._marketplace_id!r}, "
            f"endpoint={self._api.endpoint!r}, client_id={self._credentials.client_id!r})"
        )


# sp_cancel exports these (imported on first use there): they say so whichever path imported them first.
publish("sp_cancel", globals(), __all__)
