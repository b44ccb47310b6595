"""Why Amazon cancelled an order itself: its words first, then the timing (issue 18 item 7).

Both the cancellation workflows (``SellerClient.system_cancellations``) and the cancellation-rate calculator
classify Amazon's own cancels the same way, so the rule lives below both, beside the order read model.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime, timedelta
from typing import Final

__all__ = ["LATE_SHIPMENT_AFTER_SHIP_BY", "UNPAID_WITHIN", "AmazonCancelKind", "classify_amazon_cancel"]


class AmazonCancelKind(enum.StrEnum):
    """Why Amazon cancelled an order itself (see ``classify_amazon_cancel``).

    - ``UNPAID``: the payment never completed (unpaid, pending payment, a payment or fraud check): the order
      was never released to the seller and does not count against the cancellation rate [3P cedcommerce, ecer];
    - ``LATE_SHIPMENT``: Amazon's auto-cancel of an order still unshipped 7 business days after its ship-by date;
      sellers report that these count against the rate ("counted as defects to your Cancellation Rate", Seller
      Central forums thread t/694871, 2020; SC help G201722390 "seven days have passed since the expected
      shipping availability date"); Amazon's help pages do not say it outright, so the calculator's rule is a
      switch (``late_shipment_counts``);
    - ``OTHER``: anything else; ``SystemCancellation.reason_text`` keeps Amazon's own words.
    """

    UNPAID = "UNPAID"
    LATE_SHIPMENT = "LATE_SHIPMENT"
    OTHER = "OTHER"


#: Amazon auto-cancels an order still unshipped 7 *business* days after its ship-by date; 7 calendar days is the
#: earliest that can be (so an Amazon cancel that late is taken as the late-shipment one).
LATE_SHIPMENT_AFTER_SHIP_BY: Final = timedelta(days=7)
#: An Amazon cancel this soon after purchase is a payment cancel of an order that never left Pending (24-48 h
#: [3P]); a late-shipment auto-cancel comes 9+ calendar days after purchase. The line leaves room on both sides.
UNPAID_WITHIN: Final = timedelta(days=5)
_UNPAID_WORDS: Final = re.compile(r"payment|unpaid|not paid|pending|authori[sz]|fraud|declined", re.IGNORECASE)
_LATE_WORDS: Final = re.compile(r"not shipped|unshipped|ship[- ]?by|late|not confirmed", re.IGNORECASE)


def classify_amazon_cancel(
    *,
    reason_text: str | None,
    purchased_at: datetime | None,
    cancelled_at: datetime | None,
    ship_by: datetime | None,
) -> AmazonCancelKind:
    """Say why Amazon cancelled an order: its words first, then the timing.

    1. Amazon's text naming a payment (payment, unpaid, pending, authorisation, fraud, declined): ``UNPAID``;
       naming a late shipment (not shipped, unshipped, ship-by, late, not confirmed): ``LATE_SHIPMENT``.
    2. Cancelled ``LATE_SHIPMENT_AFTER_SHIP_BY`` or more after the ship-by date: ``LATE_SHIPMENT``.
    3. Cancelled within ``UNPAID_WITHIN`` of the purchase: ``UNPAID``.
    4. Otherwise ``OTHER`` when the ship-by date is known (too early for the auto-cancel), and ``LATE_SHIPMENT``
       when it is not or the cancellation time is unknown: the reading that counts, so a rate errs high, never low.
    """
    if reason_text:
        if _UNPAID_WORDS.search(reason_text):
            return AmazonCancelKind.UNPAID
        if _LATE_WORDS.search(reason_text):
            return AmazonCancelKind.LATE_SHIPMENT
    if cancelled_at is None:
        return AmazonCancelKind.LATE_SHIPMENT
    if ship_by is not None and cancelled_at - ship_by >= LATE_SHIPMENT_AFTER_SHIP_BY:
        return AmazonCancelKind.LATE_SHIPMENT
    if purchased_at is not None and cancelled_at - purchased_at < UNPAID_WITHIN:
        return AmazonCancelKind.UNPAID
    return AmazonCancelKind.OTHER if ship_by is not None else AmazonCancelKind.LATE_SHIPMENT
