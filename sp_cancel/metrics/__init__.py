"""The seller's cancellation rate (CR): computed locally, projected, and read from Amazon.

Pure functions, no I/O beyond reading a file you name. The calculator consumes an
iterable of ``OrderRecord`` once, keeping only per-day counters, so memory does
not grow with the number of orders.

**The definition** (Amazon Seller Central help 200285210, "Cancellation rate"):

* Only seller-fulfilled (``MFN``) orders count, those **purchased** in ``[end - window, end)``:
  the start is inclusive, the end exclusive, to the microsecond.
* ``rate = cancelled / total``, a ``Decimal`` fraction (0.025 = 2.5 %).
* **Numerator (seller-cancelled)**: orders with at least one cancelled item (whole or partial
  cancellations both count) that were

  - cancelled by the ``MERCHANT`` with no buyer request through Amazon (``BuyerCanceled`` without a real
    request still counts);
  - cancelled by ``AMAZON`` as a late-shipment auto-cancel (``AmazonCancelKind.LATE_SHIPMENT``: Amazon's words
    say so, or 7+ days after the ship-by date, or, with the ship-by date unknown, at least
    ``LATE_SHIP_CANCEL_MIN_AGE`` (5 days) after purchase), unless ``late_shipment_counts=False``; or for another
    reason (``OTHER``: counted, the cautious reading). Amazon's payment/fraud cancels of Pending orders
    (``UNPAID``) come within 24-48 h [3P]; the 5-day line leaves room on both sides. An Amazon cancellation with
    no ``cancelled_at`` counts (the cautious reading). ``classify_amazon_cancel`` is the rule; the report counts
    each kind apart (``amazon_unpaid``, ``amazon_late_shipment``, ``amazon_other``);
  - **unattributed**: cancelled but with ``cancelled_by=None`` and no buyer request (the All Orders report,
    Orders v0). They count, as the v0 rule in docs/cancellation-rate.md does (``Canceled`` + MFN + no buyer
    request), so the figure errs high, never low; ``report.unattributed`` says how many were assumed.

  Cancellations the buyer requested through Amazon (``buyer_requested=True``) and those the ``BUYER`` made
  themselves never count.
* **Denominator (total)**: every MFN order purchased in the window, cancelled or not, **except**

  - orders that are ``Pending``/``PendingAvailability`` now: their payment is not authorised, they are not
    released to the seller, who can neither ship nor cancel them, and many end as payment cancels. Counting
    them would dilute the rate while they wait, making a guard built on it too permissive; leaving them out
    keeps the local figure equal to or above Amazon's. When they are released they count;
  - Amazon's quick (payment/fraud) auto-cancels as above: those orders never left Pending.

  Buyer cancellations stay in the denominator: they were real orders.
* **Target**: ``TARGETS`` per marketplace (India ``A21TJRUUN4KGV`` 2 %), else ``DEFAULT_TARGET``
  2.5 %; ``target=`` overrides; ``marketplace=`` filters the records and picks its target. Records from several
  marketplaces without ``marketplace=`` are held to the strictest target among them.
* **Status**: ``GOOD`` strictly below the target, ``BAD`` at or above it (Amazon's "< 2.5 %"), ``NONE`` when the
  window holds no order (Amazon's word for no data).
* **Headroom**: how many more seller cancellations the window can take and stay strictly below the target,
  assuming they cancel orders already in it (the numerator grows, the total does not):
  ``max(0, ceil(target * total) - 1 - cancelled)``, computed exactly. Empty window: 0 (nothing to cancel),
  rate 0, status ``NONE``.
* ``by_day`` has one entry per UTC day the window touches (a window ending mid-day touches 8 days),
  empty days included; its orders and cancellations sum to the totals.

Amazon's own figure comes from ``GET_V2_SELLER_PERFORMANCE_REPORT``
(``parse_seller_performance_report``); ``compare_with_amazon`` puts it beside ours.
"""

from __future__ import annotations

from sp_cancel._amazon_cancel import classify_amazon_cancel
from sp_cancel._public import publish
from sp_cancel.metrics._allorders import Attribution, records_from_all_orders_report
from sp_cancel.metrics._amazon import (
    AmazonRate,
    MarketplaceCancellationRate,
    compare_with_amazon,
    parse_seller_performance_report,
)
from sp_cancel.metrics._calculator import (
    DEFAULT_TARGET,
    LATE_SHIP_CANCEL_MIN_AGE,
    TARGETS,
    cancellation_rate,
    target_for,
)
from sp_cancel.metrics._file import rate_from_all_orders_file
from sp_cancel.metrics._records import CancelledBy, Fulfillment, OrderRecord, OrderStatus
from sp_cancel.metrics._result import CancellationRateReport, DayRate, Projection, RateStatus, headroom, what_if

__all__ = [
    "DEFAULT_TARGET",
    "LATE_SHIP_CANCEL_MIN_AGE",
    "TARGETS",
    "AmazonRate",
    "Attribution",
    "CancellationRateReport",
    "CancelledBy",
    "DayRate",
    "Fulfillment",
    "MarketplaceCancellationRate",
    "OrderRecord",
    "OrderStatus",
    "Projection",
    "RateStatus",
    "cancellation_rate",
    "classify_amazon_cancel",
    "compare_with_amazon",
    "headroom",
    "parse_seller_performance_report",
    "rate_from_all_orders_file",
    "records_from_all_orders_report",
    "target_for",
    "what_if",
]

publish(__name__, globals(), __all__)
# sp_cancel exports these too (imported on first use there): they say so whichever path imported them first.
publish("sp_cancel", globals(), ["CancellationRateReport", "OrderRecord", "RateStatus"])
