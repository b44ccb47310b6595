"""Lightning and Best deals: list them, and the manual plan to cancel one.

No SP-API operation creates, cancels or ends a deal (docs/deals.md). The Promotions
API 2025-12-01 is read-only: ``deals`` lists deals
(``promotionType == "DEAL"``) through ``searchPromotions``, and
``cancel_flash_deal`` reads the deal and raises
``ManualActionRequired`` carrying the Seller Central
steps, the link, and the fee-free deadline: Amazon recommends cancelling at
least 25 hours before the start "to avoid paying a fee and to avoid being
blocklisted", and a cancelled deal cannot be reactivated.

Amazon's ``PromotionSummary`` does not say which kind of deal it is. When the
answer carries a ``dealType`` (``LIGHTNING_DEAL``/``BEST_DEAL``, the promotion
report's spelling) it is used; otherwise the kind is inferred from the schedule
(Lightning deals run at most 12 hours, Best deals days), and ``DEAL`` is used
when there is no schedule.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, NoReturn

import attrs

from sp_cancel.errors import InvalidInputError, ManualActionRequired, NotCancellableError

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context
    from sp_cancel.transport import Promotion

__all__ = [
    "DEAL_STATUSES",
    "FEE_FREE_NOTICE",
    "Deal",
    "DealStatus",
    "cancel_flash_deal",
    "deal_from_summary",
    "deals",
    "deals_url",
    "get_deal",
    "manual_cancel_plan",
]


class DealStatus(enum.StrEnum):
    """A deal's status (Promotions API 2025-12-01 ``PromotionSummary.status``)."""

    PROCESSING = "PROCESSING"
    UPCOMING = "UPCOMING"
    RUNNING = "RUNNING"
    EXPIRED = "EXPIRED"
    FAILED = "FAILED"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"


@attrs.frozen(kw_only=True)
class Deal:
    """A Lightning or Best deal, read from the (read-only) Promotions API."""

    deal_id: str
    type: str
    status: DealStatus = attrs.field(converter=DealStatus)
    start: datetime | None
    end: datetime | None
    title: str | None = None
    marketplace_id: str | None = None


# PromotionSummary.status in the Promotions API 2025-12-01 SDK (docs/deals.md).
DEAL_STATUSES: Final = frozenset({"PROCESSING", "UPCOMING", "RUNNING", "EXPIRED", "FAILED", "CANCELLING", "CANCELLED"})
# "cancel your deal at least 25 hours before the start time to avoid paying a fee and to avoid being blocklisted"
# (Seller Central help 202111610).
FEE_FREE_NOTICE: Final = timedelta(hours=25)
LIGHTNING_MAX: Final = timedelta(hours=12)
_PAGE_SIZE: Final = 100
_MAX_PAGES: Final = 1000
_SELLER_CENTRAL: Final = {
    "ATVPDKIKX0DER": "sellercentral.amazon.com",
    "A2EUQ1WTGCTBG2": "sellercentral.amazon.ca",
    "A1AM78C64UM0Y8": "sellercentral.amazon.com.mx",
    "A2Q3Y263D00KWC": "sellercentral.amazon.com.br",
    "A1F83G8C2ARO7P": "sellercentral.amazon.co.uk",
    "A1PA6795UKMFR9": "sellercentral.amazon.de",
    "A13V1IB3VIYZZH": "sellercentral.amazon.fr",
    "APJ6JRA9NG5V4": "sellercentral.amazon.it",
    "A1RKKUPIHCS9HS": "sellercentral.amazon.es",
    "A1805IZSGTT6HS": "sellercentral.amazon.nl",
    "A2NODRKZP88ZB9": "sellercentral.amazon.se",
    "A1C3SOZRARQ6R3": "sellercentral.amazon.pl",
    "AMEN7PMS3EDWL": "sellercentral.amazon.com.be",
    "A33AVAJ2PDY3EV": "sellercentral.amazon.com.tr",
    "A2VIGQ35RCS4UG": "sellercentral.amazon.ae",
    "A17E79C6D8DWNP": "sellercentral.amazon.sa",
    "ARBP9OOSHTCHU": "sellercentral.amazon.eg",
    "A21TJRUUN4KGV": "sellercentral.amazon.in",
    "A1VC38T7YXB528": "sellercentral.amazon.co.jp",
    "A39IBJ37TRP1C6": "sellercentral.amazon.com.au",
    "A19VAU5U5O7RUS": "sellercentral.amazon.sg",
}
_DEALS_PATH: Final = "/merchandising-deals"
_ENDED: Final = {
    "CANCELLED": "It is already cancelled.",
    "CANCELLING": "Amazon is already cancelling it.",
    "EXPIRED": "It has ended; there is nothing to cancel.",
    "FAILED": "Amazon could not set it up; it will not run, so there is nothing to cancel.",
}


def deals_url(marketplace_id: str) -> str:
    """The Seller Central Deals dashboard for ``marketplace_id`` (the US one when the marketplace is unknown)."""
    return f"https://{_SELLER_CENTRAL.get(marketplace_id, 'sellercentral.amazon.com')}{_DEALS_PATH}"


def _kind(summary: Promotion, start: datetime | None, end: datetime | None) -> str:
    declared = summary.deal_type
    if declared in {"LIGHTNING_DEAL", "BEST_DEAL"}:
        return declared
    if start is None or end is None:
        return "DEAL"
    return "LIGHTNING_DEAL" if end - start <= LIGHTNING_MAX else "BEST_DEAL"


def deal_from_summary(summary: Promotion) -> Deal:
    """Turn a Promotions API ``PromotionSummary`` into a ``Deal``."""
    schedule = summary.schedule
    start, end = (None, None) if schedule is None else (schedule.start_date, schedule.end_date)
    return Deal(
        deal_id=summary.promotion_id,
        type=_kind(summary, start, end),
        status=summary.status or "",
        start=start,
        end=end,
        title=summary.promotion_title,
        marketplace_id=summary.marketplace_id,
    )


def _statuses(statuses: Iterable[str] | None) -> list[str] | None:
    if statuses is None:
        return None
    wanted = [statuses] if isinstance(statuses, str) else list(statuses)
    unknown = sorted({s for s in wanted if s not in DEAL_STATUSES}, key=str)
    if unknown:
        raise InvalidInputError(
            f"unknown deal status(es) {unknown}; use {', '.join(sorted(DEAL_STATUSES))}", field="statuses"
        )
    return wanted or None


def deals(ctx: Context, *, statuses: Iterable[str] | None = None) -> list[Deal]:
    """See ``sp_cancel.SellerClient.deals``: every deal in the client's marketplace, oldest start first.

    Raises:
        InvalidInputError: a status outside Amazon's ``PromotionSummary.status`` values (nothing is sent).
    """
    wanted = _statuses(statuses)
    found: list[Deal] = []
    token: str | None = None
    for _ in range(_MAX_PAGES):
        page = ctx.api.search_promotions(
            marketplace_ids=[ctx.marketplace_id],
            statuses=wanted,
            promotion_types=["DEAL"],
            limit=_PAGE_SIZE,
            pagination_token=token,
        )
        found.extend(deal_from_summary(s) for s in page.promotions if (s.promotion_type or "DEAL") == "DEAL")
        following = page.next_token
        if not following or following == token:
            break
        token = following
    return found


def get_deal(ctx: Context, deal_id: str) -> Deal:
    """Read one deal (``getPromotion``).

    ``deal_id`` is a promotion id the caller checked (``SellerClient.cancel_flash_deal`` does).

    Raises:
        NotFoundError: Amazon knows no such promotion (HTTP 404).
        NotCancellableError: the promotion is not a deal (a coupon, a price discount...).
    """
    summary = ctx.api.get_promotion(deal_id)
    kind = summary.promotion_type or "DEAL"
    if kind != "DEAL":
        raise NotCancellableError(
            f"promotion {deal_id} is a {kind}, not a Lightning or Best deal.",
            target_id=deal_id,
            state=kind,
            hint="Coupons and promotions are managed under Advertising > Coupons / Promotions in Seller Central.",
        )
    return deal_from_summary(summary)


def manual_cancel_plan(deal: Deal, now: datetime) -> ManualActionRequired:
    """Build the ``ManualActionRequired`` that tells a person how to cancel ``deal`` in Seller Central."""
    url = deals_url(deal.marketplace_id or "")
    fee_free_until = None if deal.start is None else deal.start - FEE_FREE_NOTICE
    passed = None if fee_free_until is None else now >= fee_free_until
    label = deal.type.replace("_", " ").lower()
    name = f"{deal.deal_id} ({deal.title})" if deal.title else deal.deal_id
    starts = "an unknown time" if deal.start is None else f"{deal.start:%Y-%m-%d %H:%M %Z}".strip()
    if fee_free_until is None:
        fee = "Cancel at least 25 hours before the start to avoid the deal fee and a block on running deals."
    elif passed:
        fee = (
            f"The fee-free moment ({fee_free_until:%Y-%m-%d %H:%M %Z}, 25 hours before the start) has passed: "
            "cancelling now may still cost the deal fee and can block the account from running deals."
        )
    else:
        fee = (
            f"Cancel before {fee_free_until:%Y-%m-%d %H:%M %Z} (25 hours before the start) to avoid the deal fee "
            "and a block on running deals."
        )
    where = (
        "among the running deals"
        if deal.status == "RUNNING"
        else 'with the Status filter on "Upcoming" or "Needs attention"'
    )
    steps = [
        f"Open the Deals dashboard in Seller Central (Advertising > Deals): {url}",
        f"Find deal {name} {where}.",
        'Open the menu next to "Edit" on that deal and choose "Cancel deal".',
        "Confirm. A cancelled deal cannot be reactivated: to run it again, create a new deal.",
    ]
    return ManualActionRequired(
        f"Amazon offers no API to cancel deals: cancel {label} {name}, starting {starts}, in Seller Central. {fee}",
        action="cancel_flash_deal",
        steps=steps,
        url=url,
        fee_free_until=fee_free_until,
        deadline_passed=passed,
        details={
            "deal_id": deal.deal_id,
            "type": deal.type,
            "status": deal.status,
            "start": deal.start,
            "end": deal.end,
            "title": deal.title,
            "marketplace_id": deal.marketplace_id,
            "reactivatable": False,
        },
    )


def cancel_flash_deal(ctx: Context, deal_id: str) -> NoReturn:
    """See ``sp_cancel.SellerClient.cancel_flash_deal``: always raises.

    Raises:
        ManualActionRequired: the deal can be cancelled, by a person, in Seller Central (steps, url, deadline).
        NotCancellableError: the deal is already cancelled (or cancelling), expired or failed.
        NotFoundError: Amazon knows no such deal (an ``ApiError`` with status 404).
        InvalidInputError: an empty id (nothing is sent).
    """
    deal = get_deal(ctx, deal_id)
    if deal.status in _ENDED:
        raise NotCancellableError(
            f"deal {deal.deal_id} is {deal.status}.",
            target_id=deal.deal_id,
            state=deal.status,
            hint=_ENDED[deal.status],
        )
    raise manual_cancel_plan(deal, ctx.clock.now())
