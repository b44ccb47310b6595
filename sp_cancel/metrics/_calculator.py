"""The cancellation-rate calculator: one streaming pass, per-day counters, exact headroom.

See ``sp_cancel.metrics`` for the definition and the decisions behind it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

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
LATE_SHIP_CANCEL_MIN_AGE: Final = timedelta(days=5)

# What one cancelled record does to the counts (see classify).
NOT_SELLER: Final = 0  # in the denominator only
SELLER: Final = 1  # seller-cancelled
UNATTRIBUTED: Final = 2  # seller-cancelled by assumption: nobody said who cancelled
EXCLUDED: Final = 3  # neither: a payment/fraud auto-cancel of an order that never left Pending
PENDING: Final = (OrderStatus.PENDING, OrderStatus.PENDING_AVAILABILITY)


def target_for(marketplace_id: str | None) -> Decimal:
    """Return the cancellation-rate target (a fraction) for ``marketplace_id`` (``None``: the default 2.5 %)."""
    if marketplace_id is None:
        return DEFAULT_TARGET
    return TARGETS.get(marketplace_id, DEFAULT_TARGET)


def classify(
    cancelled_by: CancelledBy | None,
    buyer_requested: bool,  # noqa: FBT001 - private and hot
    purchased_at: datetime,
    cancelled_at: datetime | None,
) -> int:
    """Classify a cancelled, non-Pending MFN order (one of the module's ``SELLER``... codes)."""
    if buyer_requested:
        return NOT_SELLER
    if cancelled_by is None:
        return UNATTRIBUTED
    if cancelled_by is CancelledBy.MERCHANT:
        return SELLER
    if cancelled_by is CancelledBy.AMAZON:
        if cancelled_at is None or cancelled_at - purchased_at >= LATE_SHIP_CANCEL_MIN_AGE:
            return SELLER
        return EXCLUDED
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
) -> CancellationRateReport:
    """Turn one pass's per-day counters into a report (shared by every input path)."""
    if target is not None:
        goal = _to_target(target)
    elif marketplace is not None:
        goal = target_for(marketplace)
    else:  # several marketplaces in one figure: hold them all to the strictest target seen
        goal = min((target_for(m) for m in seen_marketplaces), default=DEFAULT_TARGET)
    first = start.toordinal()
    by_day = tuple(
        DayRate(day=date.fromordinal(first + i), orders=n, cancelled=c, rate=rate_of(c, n))
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
    )


def day_slots(start: datetime, end: datetime) -> int:
    """Number of UTC days ``[start, end)`` touches."""
    return (end - timedelta(microseconds=1)).toordinal() - start.toordinal() + 1


def check_marketplace(marketplace: Any) -> None:
    """Refuse a ``marketplace=`` that is not a non-empty string."""
    if marketplace is not None and (not isinstance(marketplace, str) or not marketplace.strip()):
        raise InvalidInputError(f"marketplace: a marketplace id, got {marketplace!r}", field="marketplace")


def cancellation_rate(
    records: Iterable[OrderRecord],
    *,
    window: timedelta = timedelta(days=7),
    end: datetime | None = None,
    target: Decimal | str | float | None = None,
    marketplace: str | None = None,
    clock: Clock | None = None,
) -> CancellationRateReport:
    """Compute the seller's cancellation rate over ``[end - window, end)`` in one pass.

    Args:
        records: the orders, in any order; consumed once, never stored.
        window: the window's length (Amazon: 7 days; India also 30).
        end: exclusive end of the window (aware); default ``clock.now()``.
        target: a fraction overriding the marketplace's target (``Decimal("0.02")`` = 2 %).
        marketplace: count only this marketplace's orders, and use its target.
        clock: where ``now`` comes from when ``end`` is ``None`` (default: the system clock).

    Raises:
        InvalidInputError: a bad window, end, target or marketplace.
    """
    check_marketplace(marketplace)
    start, stop = resolve_window(window, end, clock)
    first = start.toordinal()
    slots = day_slots(start, stop)
    orders = [0] * slots
    cancelled = [0] * slots
    unattributed = 0
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
        code = classify(cb, r.buyer_requested, t, r.cancelled_at)
        if code == EXCLUDED:
            continue
        day = t.toordinal() - first
        orders[day] += 1
        if code != NOT_SELLER:
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
    )
