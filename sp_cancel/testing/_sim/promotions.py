"""Promotions API 2025-12-01 (read-only; not in the public models, shapes from Amazon's SDK, docs/deals.md).

Deals are ``promotionType: "DEAL"``. The SDK's ``PromotionSummary`` has no field
telling a Lightning Deal from a Best Deal, so the simulator adds one extension
property, ``dealType`` (``LIGHTNING_DEAL`` | ``BEST_DEAL``, the promotion
report's spelling), and keeps durations consistent with it (Lightning ≤ 12 h,
Best ≥ 1 day), so a client can also infer the kind from ``schedule``.
``UPCOMING``/``RUNNING`` deals advance with the clock (start → ``RUNNING``,
end → ``EXPIRED``).
"""

from __future__ import annotations

from typing import Any, Final

from sp_cancel.testing._sim.core import (
    Router,
    SimRequest,
    SimResponse,
    SimulatorCore,
    allowed_values,
    invalid_input,
    not_found,
    page_size,
)
from sp_cancel.testing._sim.formats import BY_QUERY, iso, parse_iso, query_digest
from sp_cancel.testing._sim.world import SimDeal

__all__ = ["register", "tick"]

STATUSES: Final = frozenset({"PROCESSING", "UPCOMING", "RUNNING", "EXPIRED", "FAILED", "CANCELLING", "CANCELLED"})
TYPES: Final = frozenset({"BASKET_BUILDING", "DEAL", "PRICE_DISCOUNT", "COUPON"})
_DEAL_KINDS: Final = frozenset({"LIGHTNING_DEAL", "BEST_DEAL"})


def promotion_type(deal: SimDeal) -> str:
    """The API ``promotionType`` of a simulated deal or promotion."""
    return "DEAL" if deal.deal_type in _DEAL_KINDS else deal.deal_type


def tick(sim: SimulatorCore) -> None:
    """Move deals along their schedule: ``UPCOMING`` → ``RUNNING`` → ``EXPIRED``."""
    now = sim.now()
    for deal in sim.world.deals.values():
        if deal.status in {"UPCOMING", "RUNNING"} and now >= deal.end:
            deal.status, deal.updated = "EXPIRED", deal.end
        elif deal.status == "UPCOMING" and now >= deal.start:
            deal.status, deal.updated = "RUNNING", deal.start


def summary(deal: SimDeal) -> dict[str, Any]:
    """The ``PromotionSummary`` of ``deal``."""
    created = deal.created or deal.start
    body: dict[str, Any] = {
        "promotionId": deal.promotion_id,
        "promotionTitle": deal.title,
        "promotionType": promotion_type(deal),
        "marketplaceId": deal.marketplace_id,
        "status": deal.status,
        "trackingId": f"TRK-{deal.promotion_id[:8].upper()}",
        "schedule": {"startDate": iso(deal.start), "endDate": iso(deal.end)},
        "selection": {"selectionId": f"sel-{deal.promotion_id[:8]}", "revisionId": 1, "type": "ITEMS"},
        "merchandising": {"displayOnWebsite": "ALLOWED"},
        "createdDate": iso(created),
        "lastUpdatedDate": iso(deal.updated or created),
    }
    if deal.deal_type in _DEAL_KINDS:
        body["dealType"] = deal.deal_type
    if deal.deal_type == "COUPON":
        body["couponType"] = "PERCENT_OFF"
    return body


def _date_filter(request: SimRequest, deal: SimDeal) -> bool | None:
    checks = (
        ("startDateBefore", deal.start, True),
        ("startDateAfter", deal.start, False),
        ("endDateBefore", deal.end, True),
        ("endDateAfter", deal.end, False),
        ("updateDateBefore", deal.updated or deal.start, True),
        ("updateDateAfter", deal.updated or deal.start, False),
    )
    for name, value, before in checks:
        text = request.one(name)
        if text is None:
            continue
        bound = parse_iso(text)
        if bound is None:
            return None
        if (before and value >= bound) or (not before and value <= bound):
            return False
    return True


def search_promotions(sim: SimulatorCore, request: SimRequest) -> SimResponse:  # noqa: C901, PLR0911 - one rule per check
    """``GET /promotions/2025-12-01/promotions``."""
    marketplaces = request.many("marketplaceIds")
    if len(marketplaces) != 1:
        return invalid_input("marketplaceIds is required and accepts exactly one value.")
    statuses = allowed_values(request, "statuses", STATUSES)
    if isinstance(statuses, SimResponse):
        return statuses
    types = allowed_values(request, "promotionTypes", TYPES)
    if isinstance(types, SimResponse):
        return types
    limit = page_size(request, "limit", 10)
    if isinstance(limit, SimResponse):
        return limit
    binding = query_digest("searchPromotions", request.query, "paginationToken")
    start = BY_QUERY.start(request.one("paginationToken"), binding)
    if start is None:
        return invalid_input("Invalid paginationToken.")
    matching: list[SimDeal] = []
    for deal in sorted(sim.world.deals.values(), key=lambda d: (d.start, d.promotion_id)):
        if deal.marketplace_id != marketplaces[0]:
            continue
        if (statuses and deal.status not in statuses) or (types and promotion_type(deal) not in types):
            continue
        keep = _date_filter(request, deal)
        if keep is None:
            return invalid_input("Dates must be ISO 8601 with a time zone.")
        if keep:
            matching.append(deal)
    page = matching[start : start + limit]
    body: dict[str, Any] = {"totalResults": len(matching), "promotions": [summary(d) for d in page]}
    token = BY_QUERY.following(binding, start, limit, len(matching))
    if token is not None:
        body["pagination"] = {"nextToken": token}
    return SimResponse(status=200, body=body)


def get_promotion(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /promotions/2025-12-01/promotions/{promotionId}``."""
    deal = sim.world.deals.get(request.path_params["promotionId"])
    if deal is None:
        return not_found(f"Promotion {request.path_params['promotionId']} not found.")
    return SimResponse(status=200, body=summary(deal))


def register(router: Router) -> None:
    """Add the Promotions routes."""
    router.add("GET", "/promotions/2025-12-01/promotions", "promotions.searchPromotions", search_promotions)
    router.add("GET", "/promotions/2025-12-01/promotions/{promotionId}", "promotions.getPromotion", get_promotion)
