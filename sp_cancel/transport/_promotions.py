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
from typing import Annotated, Any

import attrs

from sp_cancel.transport._parse import (
    EMPTY,
    Wire,
    extra,
    member,
    opt_list,
    opt_nested,
    opt_nonempty_str,
    opt_obj,
    opt_str,
    parse_as,
    req_str,
    within,
)

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

    promotion_id: Annotated[str, Wire("promotionId", req_str)]
    promotion_type: Annotated[str | None, Wire("promotionType", opt_str)] = None
    status: Annotated[str | None, Wire("status", opt_str)] = None
    promotion_title: Annotated[str | None, Wire("promotionTitle", opt_str)] = None
    marketplace_id: Annotated[str | None, Wire("marketplaceId", opt_str)] = None
    schedule: Annotated[PromotionSchedule | None, Wire("schedule", opt_nested, _schedule)] = None
    deal_type: Annotated[str | None, Wire("dealType", opt_str)] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def _promotion(data: Mapping[str, Any]) -> Promotion:
    return parse_as(Promotion, data)


def parse_promotion(data: Mapping[str, Any]) -> Promotion:
    """``getPromotion``'s answer: the summary itself, or wrapped as ``{promotion: ...}``."""
    nested = opt_obj(data, "promotion", "")
    return within("promotion", _promotion, nested) if nested is not None else _promotion(data)


@attrs.frozen(kw_only=True)
class PromotionsPage:
    """One page of ``searchPromotions``; ``next_token`` (``pagination.nextToken``) is ``None`` on the last."""

    promotions: Annotated[tuple[Promotion, ...], Wire("promotions", opt_list, Promotion)]
    next_token: Annotated[
        str | None,
        Wire("pagination", member("nextToken", opt_nonempty_str)),
        Wire("nextToken", opt_nonempty_str),  # where some answers put it
    ] = None
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)


def parse_promotions_page(data: Mapping[str, Any]) -> PromotionsPage:
    """``searchPromotions``' answer as ``PromotionsPage`` (a top-level ``nextToken`` is read too)."""
    return parse_as(PromotionsPage, data)
