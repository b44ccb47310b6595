"""Promotions API 2025-12-01 answers (read-only; absent from the public models, docs/deals.md) as typed values.

Shapes follow Amazon's generated SDK (``PromotionSummary``). Without a public model to say what is required,
only ``promotionId`` is: a promotion without it cannot be named. ``dealType`` (``LIGHTNING_DEAL`` or
``BEST_DEAL``, the promotion report's spelling) is read when an answer carries it. A schedule date that is
not ISO 8601 is ``None`` with the text kept in the schedule's ``extra``: the deal stays readable (its manual
cancel plan is still worth giving), its time unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import attrs

from sp_cancel.transport._parse import EMPTY, extra, opt_list, opt_obj, opt_str, req_str, within

__all__ = ["Promotion", "PromotionSchedule", "PromotionsPage", "parse_promotion", "parse_promotions_page"]


@attrs.frozen(kw_only=True)
class PromotionSchedule:
    """When a promotion runs; a date Amazon sent unreadable is ``None`` (its text stays in ``extra``)."""

    start_date: datetime | None = None
    end_date: datetime | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def _lenient_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _schedule(data: Mapping[str, Any]) -> PromotionSchedule:
    start, end = _lenient_time(data.get("startDate")), _lenient_time(data.get("endDate"))
    unread = {k: v for k, v in data.items() if k not in {"startDate", "endDate"}}
    for key, parsed in (("startDate", start), ("endDate", end)):
        if parsed is None and data.get(key) is not None:
            unread[key] = data[key]
    return PromotionSchedule(start_date=start, end_date=end, extra=extra(unread, frozenset()))


@attrs.frozen(kw_only=True)
class Promotion:
    """A ``PromotionSummary`` (``searchPromotions``, ``getPromotion``).

    Attributes:
        promotion_id: Amazon's id.
        promotion_type: ``BASKET_BUILDING``, ``DEAL``, ``PRICE_DISCOUNT``, ``COUPON``.
        status: ``PROCESSING``, ``UPCOMING``, ``RUNNING``, ``EXPIRED``, ``FAILED``, ``CANCELLING``, ``CANCELLED``.
        promotion_title: its title.
        marketplace_id: its marketplace.
        schedule: when it runs.
        deal_type: ``LIGHTNING_DEAL`` or ``BEST_DEAL``, when the answer says.
        extra: members this type does not read (selection, budget, benefit...), read-only.
    """

    promotion_id: str
    promotion_type: str | None = None
    status: str | None = None
    promotion_title: str | None = None
    marketplace_id: str | None = None
    schedule: PromotionSchedule | None = None
    deal_type: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


_KNOWN: Final = frozenset(
    {"promotionId", "promotionType", "status", "promotionTitle", "marketplaceId", "schedule", "dealType"}
)


def _promotion(data: Mapping[str, Any]) -> Promotion:
    schedule = opt_obj(data, "schedule", "")
    return Promotion(
        promotion_id=req_str(data, "promotionId", ""),
        promotion_type=opt_str(data, "promotionType", ""),
        status=opt_str(data, "status", ""),
        promotion_title=opt_str(data, "promotionTitle", ""),
        marketplace_id=opt_str(data, "marketplaceId", ""),
        schedule=None if schedule is None else _schedule(schedule),
        deal_type=opt_str(data, "dealType", ""),
        extra=extra(data, _KNOWN),
    )


def parse_promotion(data: Mapping[str, Any]) -> Promotion:
    """``getPromotion``'s answer: the summary itself, or wrapped as ``{promotion: ...}``."""
    nested = opt_obj(data, "promotion", "")
    return within("promotion", _promotion, nested) if nested is not None else _promotion(data)


@attrs.frozen(kw_only=True)
class PromotionsPage:
    """One page of ``searchPromotions``; ``next_token`` (``pagination.nextToken``) is ``None`` on the last."""

    promotions: tuple[Promotion, ...]
    next_token: str | None = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_promotions_page(data: Mapping[str, Any]) -> PromotionsPage:
    """``searchPromotions``' answer as ``PromotionsPage`` (a top-level ``nextToken`` is read too)."""
    pagination = opt_obj(data, "pagination", "") or EMPTY
    token = opt_str(pagination, "nextToken", "pagination") or opt_str(data, "nextToken", "")
    return PromotionsPage(
        promotions=opt_list(data, "promotions", "", _promotion),
        next_token=token or None,
        extra=extra(data, frozenset({"promotions", "pagination", "nextToken"})),
    )
