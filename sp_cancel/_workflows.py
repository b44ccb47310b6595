"""The workflow methods of :class:`sp_cancel.SellerClient`: one per seller intent.

Each method validates, then delegates to the module that owns the workflow
(``_cancel``, ``_buyer``, ``_refunds``, ``_listings``, ``_fba``, ``deals``,
``_rate``) with the client's :class:`~sp_cancel._context.Context`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, NoReturn

from sp_cancel._context import Context
from sp_cancel._feedrun import FeedRunner, Progress
from sp_cancel._outcomes import (
    BatchOutcome,
    BuyerCancelRequest,
    CancelOutcome,
    Deal,
    FbaCancelOutcome,
    ListingOutcome,
    RefundOutcome,
    RefundVerification,
    SystemCancellation,
)
from sp_cancel.errors import InvalidInputError

if TYPE_CHECKING:
    from sp_cancel.clock import Clock, Sleep
    from sp_cancel.journal import JournalLike
    from sp_cancel.metrics import CancellationRateReport
    from sp_cancel.models import AdjustmentReason, CancelReason, CancelRequest, ItemCancel, ItemRefund, Money
    from sp_cancel.transport import SpApi

__all__ = ["Workflows"]

_CONTEXT_LOCK = threading.Lock()

Outcome = CancelOutcome | RefundOutcome | ListingOutcome


class Workflows:
    """Mixin with the workflow methods; :class:`~sp_cancel.SellerClient` provides the parts."""

    _api: SpApi
    _clock: Clock
    _sleep: Sleep
    _seller_id: str
    _marketplace_id: str
    _journal_arg: str | os.PathLike[str] | JournalLike | None
    _context: Context | None = None

    @property
    def _ctx(self) -> Context:
        if self._context is None:
            with _CONTEXT_LOCK:  # threads first using one client must share one journal
                if self._context is None:
                    self._context = self._build_context()
        return self._context

    def _build_context(self) -> Context:
        from sp_cancel.journal import Journal, JournalLike  # noqa: PLC0415 - opens a file: only when first needed

        arg = self._journal_arg
        # Any journal object (Journal, RedisJournal, your own) is used as it is; a path or None opens a Journal.
        journal = arg if isinstance(arg, JournalLike) else Journal(arg, clock=self._clock)
        return Context(
            api=self._api,
            journal=journal,
            runner=FeedRunner(api=self._api, journal=journal, clock=self._clock, sleep=self._sleep),
            clock=self._clock,
            sleep=self._sleep,
            seller_id=self._seller_id,
            marketplace_id=self._marketplace_id,
        )

    @property
    def journal(self) -> JournalLike:
        """The journal this client records its submissions in: the one given, or a SQLite ``Journal``."""
        return self._ctx.journal

    # --- orders ---------------------------------------------------------------------------------------

    def cancel_order(
        self,
        order_id: str,
        reason: CancelReason | str,
        *,
        items: Sequence[ItemCancel] | None = None,
        via: Literal["feed", "orders_api"] = "feed",
        wait: bool = True,
        timeout: float = 1800,
        progress: Progress | None = None,
    ) -> CancelOutcome:
        """Cancel an unshipped seller-fulfilled order, or some unshipped units of its items.

        Args:
            order_id: Amazon's order id (``3-7-7``).
            reason: a :class:`~sp_cancel.CancelReason` (or its name / feed value).
            items: cancel only these units (``POST_PAYMENT_ADJUSTMENT_DATA`` with ``QuantityCancelled``);
                ``None`` cancels the whole order (``POST_ORDER_ACKNOWLEDGEMENT_DATA``, ``StatusCode=Failure``).
            via: ``"orders_api"`` uses Orders 2026-01-01 ``cancelOrder`` (withdrawn from Amazon's public
                model; opt-in, whole orders, five reasons only).
            wait: wait for Amazon's processing report; ``False`` returns ``SUBMITTED`` at once.
            timeout: seconds to wait for the feed before :class:`~sp_cancel.FeedTimeoutError`.
            progress: called after each poll with the feed's state and the seconds waited.

        Returns:
            What Amazon said: ``CANCELLED``, ``PARTIALLY_CANCELLED``, ``REJECTED`` (with its messages) or
            ``SUBMITTED``.

        Raises:
            InvalidInputError: bad input (nothing sent).
            NotCancellableError: shipped, partly shipped (use ``items``), Amazon-fulfilled, pending, cancelled.
        """
        from sp_cancel._cancel import cancel_order  # noqa: PLC0415 - workflow modules load on first use

        return cancel_order(
            self._ctx, order_id, reason, items=items, via=via, wait=wait, timeout=timeout, progress=progress
        )

    def cancel_orders(
        self,
        requests: Iterable[CancelRequest],
        *,
        wait: bool = True,
        timeout: float = 3600,
        max_rate: float | None = None,
        progress: Progress | None = None,
    ) -> BatchOutcome[CancelOutcome]:
        """Cancel many orders with one feed per kind (whole / item-level), one outcome per order.

        Orders refused before sending (bad input, not cancellable) are in ``batch.errors`` and do not stop the
        rest. With ``max_rate``, the whole batch is refused with :class:`~sp_cancel.CancellationRateError`
        (nothing sent) when its seller-faulted cancellations would push the 7-day cancellation rate above it.
        """
        from sp_cancel._cancel_batch import cancel_orders  # noqa: PLC0415

        guard = None
        if max_rate is not None:
            from sp_cancel._rate import rate_guard  # noqa: PLC0415

            guard = rate_guard(self._ctx, max_rate)
        return cancel_orders(self._ctx, requests, wait=wait, timeout=timeout, progress=progress, guard=guard)

    def buyer_cancellation_requests(
        self, *, since: datetime | timedelta = timedelta(days=7)
    ) -> list[BuyerCancelRequest]:
        """Open cancellation requests buyers made through Amazon (seller-fulfilled orders updated since ``since``)."""
        from sp_cancel._buyer import buyer_cancellation_requests  # noqa: PLC0415

        return buyer_cancellation_requests(self._ctx, since=since)

    def accept_buyer_cancellations(
        self,
        requests: Iterable[BuyerCancelRequest | str],
        *,
        wait: bool = True,
        timeout: float = 3600,
        progress: Progress | None = None,
    ) -> BatchOutcome[CancelOutcome]:
        """Cancel buyer-requested orders with ``BuyerCanceled`` in one feed; refuse orders without a request."""
        from sp_cancel._buyer import accept_buyer_cancellations  # noqa: PLC0415

        return accept_buyer_cancellations(self._ctx, requests, wait=wait, timeout=timeout, progress=progress)

    def system_cancellations(self, *, since: datetime | timedelta = timedelta(days=7)) -> list[SystemCancellation]:
        """Orders Amazon cancelled itself (``cancelledBy == "AMAZON"``), with Amazon's reason text."""
        from sp_cancel._buyer import system_cancellations  # noqa: PLC0415

        return system_cancellations(self._ctx, since=since)

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
        progress: Progress | None = None,
    ) -> RefundOutcome:
        """Refund part of a shipped seller-fulfilled order, once per idempotency key.

        ``refunds`` is a list of :class:`~sp_cancel.ItemRefund`, or a single :class:`~sp_cancel.Money` for a
        one-item order (applied to the principal). Every amount is checked against what was charged minus what
        was already refunded, per component, before anything is sent.
        """
        from sp_cancel._refunds import partial_refund  # noqa: PLC0415

        return partial_refund(
            self._ctx,
            order_id,
            refunds,
            reason=reason,
            idempotency_key=idempotency_key,
            wait=wait,
            timeout=timeout,
            progress=progress,
        )

    def verify_refund(self, outcome: RefundOutcome) -> RefundVerification:
        """Whether Amazon's Finances API shows the refund yet (up to 48 h delay: "not yet posted" is no failure)."""
        from sp_cancel._refunds import verify_refund  # noqa: PLC0415

        return verify_refund(self._ctx, outcome)

    # --- listings, FBA, deals -------------------------------------------------------------------------

    def close_listing(self, sku: str) -> ListingOutcome:
        """Stop selling a seller-fulfilled listing without deleting it (quantity 0 by a ``merge`` patch)."""
        from sp_cancel._listings import close_listing  # noqa: PLC0415

        return close_listing(self._ctx, sku)

    def close_listings(self, skus: Iterable[str], *, wait: bool = True) -> BatchOutcome[ListingOutcome]:
        """Close many listings through one ``JSON_LISTINGS_FEED``; one outcome per SKU."""
        from sp_cancel._listings import close_listings  # noqa: PLC0415

        return close_listings(self._ctx, skus, wait=wait)

    def delete_listing(self, sku: str, *, verify: bool = True) -> ListingOutcome:
        """Delete a listing (``deleteListingsItem``), then read back until it is gone (bounded)."""
        from sp_cancel._listings import delete_listing  # noqa: PLC0415

        return delete_listing(self._ctx, sku, verify=verify)

    def cancel_fba_order(
        self, seller_fulfillment_order_id: str, *, api: Literal["2020-07-01", "2026-07-04"] = "2020-07-01"
    ) -> FbaCancelOutcome:
        """Cancel a Multi-Channel Fulfillment order while Amazon still allows it (``Received``/``Planning``)."""
        from sp_cancel._fba import cancel_fba_order  # noqa: PLC0415

        return cancel_fba_order(self._ctx, seller_fulfillment_order_id, api=api)

    def deals(self, *, statuses: Iterable[str] | None = None) -> list[Deal]:
        """Lightning and Best deals from the read-only Promotions API."""
        from sp_cancel.deals import deals  # noqa: PLC0415

        return deals(self._ctx, statuses=statuses)

    def cancel_flash_deal(self, deal_id: str) -> NoReturn:
        """Amazon has no API to cancel a deal: raises :class:`~sp_cancel.ManualActionRequired` with the steps."""
        from sp_cancel.deals import cancel_flash_deal  # noqa: PLC0415

        cancel_flash_deal(self._ctx, deal_id)

    # --- cancellation rate ----------------------------------------------------------------------------

    def cancellation_rate(
        self,
        *,
        window: timedelta = timedelta(days=7),
        end: datetime | None = None,
        source: Literal["auto", "orders", "report"] = "auto",
        compare_with_amazon: bool = False,
    ) -> CancellationRateReport:
        """The seller-cancelled rate of seller-fulfilled orders over ``window`` (Amazon's target: under 2.5 %)."""
        from sp_cancel._rate import cancellation_rate  # noqa: PLC0415

        return cancellation_rate(
            self._ctx, window=window, end=end, source=source, compare_with_amazon=compare_with_amazon
        )

    # --- finishing later ------------------------------------------------------------------------------

    def refresh(self, outcome: Outcome) -> Outcome:
        """Read a ``SUBMITTED`` outcome's state once; finish it if Amazon is done (any process)."""
        return self._again(outcome, wait=False, timeout=1.0, progress=None)

    def wait(self, outcome: Outcome, *, timeout: float = 1800, progress: Progress | None = None) -> Outcome:
        """Wait for a ``SUBMITTED`` outcome to finish (any process: the journal knows the feed)."""
        return self._again(outcome, wait=True, timeout=timeout, progress=progress)

    def _again(self, outcome: Outcome, *, wait: bool, timeout: float, progress: Progress | None) -> Outcome:
        key = outcome.submission_id
        if not key:
            raise InvalidInputError("this outcome has no submission id to follow", field="outcome")
        if isinstance(outcome, CancelOutcome):
            from sp_cancel._cancel import refresh_cancel  # noqa: PLC0415

            return refresh_cancel(self._ctx, key, wait=wait, timeout=timeout, progress=progress)
        if isinstance(outcome, RefundOutcome):
            from sp_cancel._refunds import refresh_refund  # noqa: PLC0415

            return refresh_refund(self._ctx, key, wait=wait, timeout=timeout, progress=progress)
        from sp_cancel._listings import refresh_listing  # noqa: PLC0415

        return refresh_listing(self._ctx, key, wait=wait, timeout=timeout, progress=progress)

    def resume(self, *, timeout: float = 3600, progress: Progress | None = None) -> list[Outcome]:
        """Finish everything the journal holds as planned or submitted (after a crash, in any process)."""
        from sp_cancel._cancel import resume_cancels  # noqa: PLC0415
        from sp_cancel._listings import resume_listing_closes  # noqa: PLC0415
        from sp_cancel._refunds import resume_refunds  # noqa: PLC0415

        outcomes: list[Outcome] = []
        outcomes.extend(resume_cancels(self._ctx, timeout=timeout, progress=progress))
        outcomes.extend(resume_refunds(self._ctx, timeout=timeout, progress=progress))
        outcomes.extend(resume_listing_closes(self._ctx, timeout=timeout, progress=progress))
        return outcomes
