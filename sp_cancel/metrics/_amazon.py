"""Amazon's own cancellation rate, from ``GET_V2_SELLER_PERFORMANCE_REPORT`` (account health, JSON).

Schema: ``schemas/reports/accountHealthReport-2020-11-18.json`` [M]. The property is
``preFulfillmentCancellationRate``, the schema's own example says ``prefulfillmentCancelRate``:
both are read. ``rate`` is described as "in percentage" but the examples are fractions,
so the scale is decided per entry against ``cancellationCount / orderCount``.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal

import attrs

from sp_cancel._inflate import inflate_document
from sp_cancel.errors import InvalidInputError
from sp_cancel.metrics._records import to_utc
from sp_cancel.metrics._result import CancellationRateReport, RateStatus

__all__ = ["AmazonRate", "MarketplaceCancellationRate", "compare_with_amazon", "parse_seller_performance_report"]

_KEYS: Final = ("preFulfillmentCancellationRate", "prefulfillmentCancelRate")
_HUNDRED: Final = Decimal(100)
# |rate - cancellationCount/orderCount| this small (absolute, or relative to the computed rate) is "the same figure".
_ABS_TOL: Final = Decimal("0.0001")
DIFFERENCE_PLACES: Final = Decimal("0.000001")
_REL_TOL: Final = Decimal("0.01")

TargetCondition = Literal["GREATER_THAN", "LESS_THAN", "EQUALS"]


@attrs.frozen(kw_only=True)
class MarketplaceCancellationRate:
    """Amazon's pre-fulfilment cancellation rate for one marketplace.

    Attributes:
        marketplace_id: the marketplace (``None`` if the report did not say).
        rate: the rate as a fraction (0.005 = 0.5 %), rescaled if Amazon wrote a percentage.
        reported_rate: ``rate`` exactly as the report wrote it.
        order_count: orders in Amazon's window.
        cancellation_count: seller-faulted cancellations in it.
        computed_rate: ``cancellation_count / order_count`` (``None`` without orders).
        consistent: whether ``rate`` agrees with ``computed_rate`` (the schema's own example does not).
        status: Amazon's verdict: ``GOOD``, ``BAD`` or ``NONE``.
        target_value: the target, as a fraction, from the report (never assumed).
        target_condition: how ``rate`` must compare with it: ``LESS_THAN``, ``GREATER_THAN`` or ``EQUALS``.
        date_from: start of Amazon's reporting range (UTC).
        date_to: end of it, as written (``...T23:59Z``: the last minute is included).
        account_status: the marketplace's ``accountStatuses`` entry (``NORMAL``, ``AT_RISK``, ``DEACTIVATED``).
    """

    marketplace_id: str | None
    rate: Decimal
    reported_rate: Decimal
    order_count: int
    cancellation_count: int
    computed_rate: Decimal | None
    consistent: bool
    status: RateStatus = attrs.field(converter=RateStatus)
    target_value: Decimal
    target_condition: TargetCondition
    date_from: datetime
    date_to: datetime
    account_status: str | None = None

    @property
    def meets_target(self) -> bool:
        """Whether ``rate`` satisfies ``target_condition`` against ``target_value``."""
        if self.target_condition == "LESS_THAN":
            return self.rate < self.target_value
        if self.target_condition == "GREATER_THAN":
            return self.rate > self.target_value
        return self.rate == self.target_value


@attrs.frozen(kw_only=True)
class AmazonRate:
    """Every marketplace's cancellation rate from one seller performance report."""

    marketplaces: tuple[MarketplaceCancellationRate, ...]

    def __iter__(self) -> Iterator[MarketplaceCancellationRate]:
        return iter(self.marketplaces)

    def __len__(self) -> int:
        return len(self.marketplaces)

    def get(self, marketplace_id: str | None = None) -> MarketplaceCancellationRate:
        """Return one marketplace's rate; ``None`` picks the only one (refused when there are several).

        Raises:
            InvalidInputError: the marketplace is not in the report, or ``None`` is ambiguous.
        """
        if marketplace_id is None:
            if len(self.marketplaces) == 1:
                return self.marketplaces[0]
            ids = [m.marketplace_id for m in self.marketplaces]
            raise InvalidInputError(f"the report covers {ids}; name one marketplace_id", field="marketplace_id")
        for entry in self.marketplaces:
            if entry.marketplace_id == marketplace_id:
                return entry
        raise InvalidInputError(f"marketplace {marketplace_id} is not in the report", field="marketplace_id")


def _number(raw: Any, where: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise InvalidInputError(f"{where}: expected a number, got {raw!r}", field=where)
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise InvalidInputError(f"{where}: expected a number, got {raw!r}", field=where) from None
    if not value.is_finite() or value < 0:
        raise InvalidInputError(f"{where}: expected a non-negative number, got {raw!r}", field=where)
    return value


def _count(raw: Any, where: str) -> int:
    value = _number(raw, where)
    if value != value.to_integral_value():
        raise InvalidInputError(f"{where}: expected a whole number, got {raw!r}", field=where)
    return int(value)


def _close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= max(_ABS_TOL, b * _REL_TOL)


def _parse_entry(
    entry: Mapping[str, Any], marketplace_id: str | None, account: str | None
) -> MarketplaceCancellationRate:
    where = f"preFulfillmentCancellationRate[{marketplace_id}]"
    try:
        reported = _number(entry["rate"], f"{where}.rate")
        orders = _count(entry["orderCount"], f"{where}.orderCount")
        cancels = _count(entry["cancellationCount"], f"{where}.cancellationCount")
        target = _number(entry["targetValue"], f"{where}.targetValue")
        condition = entry["targetCondition"]
        status = entry["status"]
        dates = entry["reportingDateRange"]
        date_from = to_utc(dates["reportingDateFrom"], f"{where}.reportingDateFrom")
        date_to = to_utc(dates["reportingDateTo"], f"{where}.reportingDateTo")
    except (KeyError, TypeError) as exc:
        raise InvalidInputError(f"{where}: missing or malformed field {exc}", field=where) from None
    if status not in tuple(RateStatus):
        raise InvalidInputError(f"{where}.status: unknown {status!r}; expected GOOD, BAD or NONE", field=where)
    if condition not in ("GREATER_THAN", "LESS_THAN", "EQUALS"):
        raise InvalidInputError(f"{where}.targetCondition: unknown {condition!r}", field=where)
    computed = Decimal(cancels) / Decimal(orders) if orders else None
    # A fraction never exceeds 1; otherwise trust whichever scale matches the counts; if neither does, keep
    # the fraction reading (the examples') and say the entry is inconsistent.
    percent = reported > 1 or (
        computed is not None and not _close(reported, computed) and _close(reported / _HUNDRED, computed)
    )
    rate = reported / _HUNDRED if percent else reported
    if percent or target > 1:
        target /= _HUNDRED
    return MarketplaceCancellationRate(
        marketplace_id=marketplace_id,
        rate=rate,
        reported_rate=reported,
        order_count=orders,
        cancellation_count=cancels,
        computed_rate=computed,
        consistent=computed is None or _close(rate, computed),
        status=str(status),
        target_value=target,
        target_condition=condition,
        date_from=date_from,
        date_to=date_to,
        account_status=account,
    )


def parse_seller_performance_report(data: bytes) -> AmazonRate:
    """Parse a ``GET_V2_SELLER_PERFORMANCE_REPORT`` document into each marketplace's cancellation rate.

    Args:
        data: the report document's JSON bytes (gzip-compressed bytes are recognised and inflated).

    Raises:
        InvalidInputError: not JSON, not the account-health shape, or no marketplace has a cancellation rate.
    """
    try:
        doc = json.loads(inflate_document(data))
    except (EOFError, zlib.error) as exc:
        raise InvalidInputError(f"seller performance report: not valid gzip ({exc})", field="data") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"seller performance report: not JSON ({exc})", field="data") from None
    metrics = doc.get("performanceMetrics") if isinstance(doc, dict) else None
    if not isinstance(metrics, list):
        raise InvalidInputError("seller performance report: no performanceMetrics list", field="data")
    accounts = {
        a.get("marketplaceId"): a.get("status") for a in doc.get("accountStatuses") or () if isinstance(a, dict)
    }
    found = []
    for metric in metrics:
        if not isinstance(metric, dict):
            continue
        entry = next((metric[k] for k in _KEYS if isinstance(metric.get(k), dict)), None)
        if entry is not None:
            mp = metric.get("marketplaceId")
            found.append(_parse_entry(entry, mp, accounts.get(mp)))
    if not found:
        raise InvalidInputError(
            "seller performance report: no preFulfillmentCancellationRate (or prefulfillmentCancelRate) in any "
            "marketplace",
            field="data",
        )
    return AmazonRate(marketplaces=tuple(found))


def compare_with_amazon(
    report: CancellationRateReport,
    amazon: AmazonRate | MarketplaceCancellationRate,
    *,
    marketplace_id: str | None = None,
) -> CancellationRateReport:
    """Return ``report`` with Amazon's figure: ``amazon_rate``, ``amazon_target`` and ``difference`` (ours - theirs).

    Amazon's window is its own (whole UTC days); a difference is expected when the windows or the
    attribution differ, and is the point of the comparison. Amazon sends its rate as a JSON float, so the
    difference is rounded to ``DIFFERENCE_PLACES`` (a millionth) to keep float noise out of it.
    """
    entry = amazon if isinstance(amazon, MarketplaceCancellationRate) else amazon.get(marketplace_id)
    difference = (report.rate - entry.rate).quantize(DIFFERENCE_PLACES)
    return attrs.evolve(
        report,
        amazon_rate=entry.rate,
        amazon_target=entry.target_value,
        difference=difference or Decimal(0).quantize(DIFFERENCE_PLACES),
    )
