"""The cancellation-rate calculator: one streaming pass, per-day counters, exact headroom.

See ``sp_cancel.metrics`` for the definition and the decisions behind it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

from sp_cancel._amazon_cancel import UNPAID_WITHIN, AmazonCancelKind, classify_amazon_cancel
from sp_cancel.clock import Clock, SystemClock
from sp_cancel.errors import InvalidInputError
from sp_cancel.metrics._records import CancelledBy, Fulfillment, OrderRecord, OrderStatus, to_utc
from sp_cancel.metrics._result import CancellationRateReport, DayRate, RateStatus, headroom, rate_of

__all__ = [
    "DEFAULT_TARGET",
    "LATE_SHIP_CANCEL_MIN_AGE",
    "TARGETS",
    "build_report",
    "cancellation_rate",
    "target_for",
]

#: Amazon's cancellation-rate target where no marketplace says otherwise: stay strictly below 2.5 % [SC 200285210].
DEFAULT_TARGET: Final = Decimal("0.025")
#: Marketplaces whose target differs from ``DEFAULT_TARGET``: India (``A21TJRUUN4KGV``) < 2 % [SC 200285210 IN].
TARGETS: Final[Mapping[str, Decimal]] = MappingProxyType({"A21TJRUUN4KGV": Decimal("0.02")})
#: An Amazon cancellation this long after purchase is a late-shipment auto-cancel (ship-by + 7 business days,
#: so at least 9 calendar days); a quicker one is a payment/fraud cancel of a Pending order (24-48 h [3P]).
LATE_SHIP_CANCEL_MIN_AGE: Final = UNPAID_WITHIN

# What one cancelled record does to the counts (see classify).
NOT_SELLER: Final = 0  # in the denominator only
SELLER: Final = 1  # seller-cancelled
UNATTRIBUTED: Final = 2  # seller-cancelled by assumption: nobody said who cancelled
EXCLUDED: Final = 3  # neither: a payment/fraud auto-cancel of an order that never left Pending (Amazon: UNPAID)
AMAZON_LATE: Final = 4  # Amazon's late-shipment auto-cancel: in the denominator; counted when the rule says so
AMAZON_OTHER: Final = 5  # another Amazon cancellation: counted (the cautious reading)
PENDING: Final = (OrderStatus.PENDING, OrderStatus.PENDING_AVAILABILITY)
#: The ``AmazonCancelKind`` of each Amazon code, for the report's separate counts.
AMAZON_KINDS: Final[Mapping[int, AmazonCancelKind]] = MappingProxyType(
    {
        EXCLUDED: AmazonCancelKind.UNPAID,
        AMAZON_LATE: AmazonCancelKind.LATE_SHIPMENT,
        AMAZON_OTHER: AmazonCancelKind.OTHER,
    }
)


class AmazonCounts:
    """Per-day counts of Amazon's own cancellations, by ``AmazonCancelKind`` (shared by every input path)."""

    def __init__(self, slots: int) -> None:
        """Empty counters for ``slots`` days."""
        self.by_kind = {kind: [0] * slots for kind in AmazonCancelKind}

    def add(self, code: int, day: int) -> None:
        """Count an Amazon cancellation's ``code`` (``EXCLUDED``, ``AMAZON_LATE``, ``AMAZON_OTHER``) on ``day``."""
        self.by_kind[AMAZON_KINDS[code]][day] += 1


def counted(code: int, late_shipment_counts: bool) -> bool:  # noqa: FBT001 - private and hot
    """Whether a classified cancellation is a seller-faulted one in the numerator."""
    if code == AMAZON_LATE:
        return late_shipment_counts
    return code in (SELLER, UNATTRIBUTED, AMAZON_OTHER)


def target_for(marketplace_id: str | None) -> Decimal:
    """Return the cancellation-rate target (a fraction) for ``marketplace_id`` (``None``: the default 2.5 %)."""
    if marketplace_id is None:
        return DEFAULT_TARGET
    return TARGETS.get(marketplace_id, DEFAULT_TARGET)


def classify(  # noqa: PLR0917 - private and hot: positional
    cancelled_by: CancelledBy | None,
    buyer_requested: bool,  # noqa: FBT001 - private and hot
    purchased_at: datetime,
    cancelled_at: datetime | None,
    reason: str | None = None,
    ship_by: datetime | None = None,
) -> int:
    """Classify a cancelled, non-Pending MFN order (one of the module's ``SELLER``... codes).

    Amazon's own cancellations are classified by ``classify_amazon_cancel`` (its words, then the timing):
    ``UNPAID`` is ``EXCLUDED``, ``LATE_SHIPMENT`` is ``AMAZON_LATE``, ``OTHER`` is ``AMAZON_OTHER``.
    """
    if buyer_requested:
        return NOT_SELLER
    if cancelled_by is None:
        return UNATTRIBUTED
    if cancelled_by is CancelledBy.MERCHANT:
        return SELLER
    if cancelled_by is CancelledBy.AMAZON:
        kind = classify_amazon_cancel(
            reason_text=reason, purchased_at=purchased_at, cancelled_at=cancelled_at, ship_by=ship_by
        )
        if kind is AmazonCancelKind.UNPAID:
            return EXCLUDED
        return AMAZON_LATE if kind is AmazonCancelKind.LATE_SHIPMENT else AMAZON_OTHER
    return NOT_SELLER


def _to_target(value: Decimal | str | float) -> Decimal:
    try:
        target = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        raise InvalidInputError(f"target: not a number: {value!r}", field="target") from None
    if not target.is_finite() or not Decimal(0) < target <= 1:
        raise InvalidInputError(f"target: a fraction in (0, 1] (0.025 = 2.5 %), got {value!r}", field="target")
    return target


def resolve_window(window: timedelta, end: datetime | None, clock: Clock | None) -> tuple[datetime, datetime]:
    """Return ``(start, end)`` in UTC for a window ending at ``end`` (default: the clock's now)."""
    length: object = window  # callers outside mypy's reach pass anything
    if not isinstance(length, timedelta) or length <= timedelta(0):
        raise InvalidInputError(f"window: a positive timedelta, got {window!r}", field="window")
    stop = (clock or SystemClock()).now() if end is None else end
    stop = to_utc(stop, "end")
    return stop - window, stop


def build_report(
    *,
    start: datetime,
    end: datetime,
    orders: Sequence[int],
    cancelled: Sequence[int],
    unattributed: int,
    target: Decimal | str | float | None,
    marketplace: str | None,
    seen_marketplaces: Iterable[str],
    source: str,
    amazon: AmazonCounts | None = None,
    late_shipment_counts: bool = True,
) -> CancellationRateReport:
    """Turn one pass's per-day counters into a report (shared by every input path)."""
    amazon = amazon or AmazonCounts(len(orders))
    unpaid, late, other = (amazon.by_kind[k] for k in AmazonCancelKind)
    if target is not None:
        goal = _to_target(target)
    elif marketplace is not None:
        goal = target_for(marketplace)
    else:  # several marketplaces in one figure: hold them all to the strictest target seen
        goal = min((target_for(m) for m in seen_marketplaces), default=DEFAULT_TARGET)
    first = start.toordinal()
    by_day = tuple(
        DayRate(
            day=date.fromordinal(first + i),
            orders=n,
            cancelled=c,
            rate=rate_of(c, n),
            amazon_unpaid=unpaid[i],
            amazon_late_shipment=late[i],
            amazon_other=other[i],
        )
        for i, (n, c) in enumerate(zip(orders, cancelled, strict=True))
    )
    n_total, n_cancelled = sum(orders), sum(cancelled)
    rate = rate_of(n_cancelled, n_total)
    status = RateStatus.NONE if n_total == 0 else (RateStatus.GOOD if rate < goal else RateStatus.BAD)
    return CancellationRateReport(
        rate=rate,
        cancelled=n_cancelled,
        total=n_total,
        target=goal,
        status=status,
        window_start=start,
        window_end=end,
        by_day=by_day,
        headroom=headroom(n_cancelled, n_total, goal),
        source=source,
        unattributed=unattributed,
        amazon_unpaid=sum(unpaid),
        amazon_late_shipment=sum(late),
        amazon_other=sum(other),
        late_shipment_counts=late_shipment_counts,
    )


def day_slots(start: datetime, end: datetime) -> int:
    """Number of UTC days ``[start, end)`` touches."""
    return (end - timedelta(microseconds=1)).toordinal() - start.toordinal() + 1


def check_late_rule(late_shipment_counts: Any) -> bool:
    """Refuse a ``late_shipment_counts=`` that is not a bool."""
    if late_shipment_counts is not True and late_shipment_counts is not False:
        raise InvalidInputError(
            f"late_shipment_counts: True or False, got {late_shipment_counts!r}", field="late_shipment_counts"
        )
    return late_shipment_counts


def check_marketplace(marketplace: Any) -> None:
    """Refuse a ``marketplace=`` that is not a non-empty string."""
    if marketplace is not None and (not isinstance(marketplace, str) or not marketplace.strip()):
        raise InvalidInputError(f"marketplace: a marketplace id, got {marketplace!r}", field="marketplace")


def cancellation_rate(  # noqa: C901 - one flat loop is the fast loop
    records: Iterable[OrderRecord],
    *,
    window: timedelta = timedelta(days=7),
    end: datetime | None = None,
    target: Decimal | str | float | None = None,
    marketplace: str | None = None,
    clock: Clock | None = None,
    late_shipment_counts: bool = True,
) -> CancellationRateReport:
    """Compute the seller's cancellation rate over ``[end - window, end)`` in one pass.

    Args:
        records: the orders, in any order; consumed once, never stored.
        window: the window's length (Amazon: 7 days; India also 30).
        end: exclusive end of the window (aware); default ``clock.now()``.
        target: a fraction overriding the marketplace's target (``Decimal("0.02")`` = 2 %).
        marketplace: count only this marketplace's orders, and use its target.
        clock: where ``now`` comes from when ``end`` is ``None`` (default: the system clock).
        late_shipment_counts: whether Amazon's late-shipment auto-cancels count against the seller (default, as
            sellers report; ``AmazonCancelKind`` gives the sources); ``False`` keeps them in the denominator only.
            Either way the report counts them apart (``amazon_late_shipment``).

    Raises:
        InvalidInputError: a bad window, end, target, marketplace or ``late_shipment_counts``.
    """
    check_marketplace(marketplace)
    late_counts = check_late_rule(late_shipment_counts)
    start, stop = resolve_window(window, end, clock)
    first = start.toordinal()
    slots = day_slots(start, stop)
    orders = [0] * slots
    cancelled = [0] * slots
    unattributed = 0
    amazon = AmazonCounts(slots)
    seen: set[str] = set()
    mfn, canceled = Fulfillment.MFN, OrderStatus.CANCELED
    pending, pending_availability = PENDING
    for r in records:
        if r.fulfillment is not mfn:
            continue
        t = r.purchased_at
        if not start <= t < stop:
            continue
        m = r.marketplace_id
        if marketplace is not None and m != marketplace:
            continue
        s = r.status
        if s is pending or s is pending_availability:
            continue
        seen.add(m)
        cb = r.cancelled_by
        if cb is None and s is not canceled and r.cancelled_at is None:
            orders[t.toordinal() - first] += 1
            continue
        code = classify(cb, r.buyer_requested, t, r.cancelled_at, r.cancel_reason, r.ship_by)
        day = t.toordinal() - first
        if code >= EXCLUDED:
            amazon.add(code, day)
            if code == EXCLUDED:
                continue
        orders[day] += 1
        if counted(code, late_counts):
            cancelled[day] += 1
            if code == UNATTRIBUTED:
                unattributed += 1
    return build_report(
        start=start,
        end=stop,
        orders=orders,
        cancelled=cancelled,
        unattributed=unattributed,
        target=target,
        marketplace=marketplace,
        seen_marketplaces=seen,
        source="records",
        amazon=amazon,
        late_shipment_counts=late_counts,
    )
