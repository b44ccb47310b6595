"""Flash deals (sp_cancel/deals.py): reading them, and the manual plan a person follows to cancel one.

(Named apart from tests/integration/test_deals.py: test modules share one namespace.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from sp_cancel.clock import FakeClock
from sp_cancel.deals import (
    FEE_FREE_NOTICE,
    LIGHTNING_MAX,
    Deal,
    cancel_flash_deal,
    deal_from_summary,
    deals,
    deals_url,
    get_deal,
    manual_cancel_plan,
)
from sp_cancel.errors import InvalidInputError, ManualActionRequired, NotCancellableError
from sp_cancel.transport._promotions import Promotion, PromotionSchedule, PromotionsPage

DE, US = "A1PA6795UKMFR9", "ATVPDKIKX0DER"
START = datetime(2026, 12, 10, 8, 0, tzinfo=UTC)


def promotion(ident: str = "P1", *, hours: float | None = 6, kind: str | None = "DEAL", **more: object) -> Promotion:
    """A promotion summary starting at START and lasting ``hours`` (no schedule: ``None``)."""
    schedule = None if hours is None else PromotionSchedule(start_date=START, end_date=START + timedelta(hours=hours))
    fields: dict[str, object] = {"status": "UPCOMING", "marketplace_id": DE, "promotion_title": "Boots -30%"}
    fields.update(more)
    return Promotion(promotion_id=ident, promotion_type=kind, schedule=schedule, **fields)  # type: ignore[arg-type]


def test_deals_url_per_marketplace_with_the_us_as_fallback() -> None:
    """Each marketplace's Seller Central; an unknown one gets the US dashboard."""
    assert deals_url(DE) == "https://sellercentral.amazon.de/merchandising-deals"
    assert deals_url("UNKNOWN") == "https://sellercentral.amazon.com/merchandising-deals"


def test_the_deal_type_is_amazons_word_else_its_length() -> None:
    """A declared type wins; otherwise up to 12 hours is a Lightning deal, longer a Best deal; no schedule: DEAL."""
    assert deal_from_summary(promotion(hours=LIGHTNING_MAX.total_seconds() / 3600)).type == "LIGHTNING_DEAL"
    assert deal_from_summary(promotion(hours=13)).type == "BEST_DEAL"
    assert deal_from_summary(promotion(hours=2, deal_type="BEST_DEAL")).type == "BEST_DEAL"
    assert deal_from_summary(promotion(hours=None)).type == "DEAL"
    deal = deal_from_summary(promotion())
    assert (deal.deal_id, deal.start, deal.title, deal.marketplace_id) == ("P1", START, "Boots -30%", DE)


class Promotions:
    """searchPromotions pages and getPromotion, scripted."""

    def __init__(self, pages: list[PromotionsPage], one: Promotion | None = None) -> None:
        """Answer ``pages`` in order; ``one`` for getPromotion."""
        self.pages = pages
        self.one = one
        self.asked: list[dict[str, object]] = []

    def search_promotions(self, **query: object) -> PromotionsPage:
        """The next page."""
        self.asked.append(query)
        return self.pages.pop(0)

    def get_promotion(self, promotion_id: str) -> Promotion:
        """The one promotion."""
        assert self.one is not None
        assert promotion_id == self.one.promotion_id
        return self.one


def test_deals_follow_pages_keep_only_deals_and_check_statuses() -> None:
    """Every page is read (a repeated token ends it); coupons are left out; an unknown status is refused first."""
    api = Promotions(
        [
            PromotionsPage(promotions=(promotion("P1"), promotion("C1", kind="COUPON")), next_token="t1"),
            PromotionsPage(promotions=(promotion("P2", kind=None),), next_token="t1"),
        ]
    )
    ctx = SimpleNamespace(api=api, marketplace_id=DE)
    assert [d.deal_id for d in deals(ctx, statuses="UPCOMING")] == ["P1", "P2"]  # type: ignore[arg-type]
    assert [q["pagination_token"] for q in api.asked] == [None, "t1"]
    assert api.asked[0]["statuses"] == ["UPCOMING"]
    with pytest.raises(InvalidInputError, match="unknown deal status"):
        deals(ctx, statuses=["SOON"])  # type: ignore[arg-type]
    assert len(api.asked) == 2


def test_get_deal_refuses_a_coupon() -> None:
    """A coupon is not a deal: NotCancellableError naming what it is (a bad id never gets here: the client's door)."""
    ctx = SimpleNamespace(api=Promotions([], one=promotion("C1", kind="COUPON")), marketplace_id=DE)
    with pytest.raises(NotCancellableError) as caught:
        get_deal(ctx, "C1")  # type: ignore[arg-type]
    assert caught.value.state == "COUPON"


def deal(status: str = "UPCOMING", start: datetime | None = START) -> Deal:
    """A Lightning deal in Germany."""
    return Deal(
        deal_id="P1", type="LIGHTNING_DEAL", status=status, start=start, end=None, title="Boots", marketplace_id=DE
    )


def test_the_manual_plan_names_the_fee_free_deadline_before_it_passes() -> None:
    """25 hours before the start is the fee-free moment: before it, the plan says to cancel by then."""
    plan = manual_cancel_plan(deal(), START - FEE_FREE_NOTICE - timedelta(minutes=1))
    assert plan.fee_free_until == START - FEE_FREE_NOTICE
    assert plan.deadline_passed is False
    assert plan.url == "https://sellercentral.amazon.de/merchandising-deals"
    assert "Cancel before 2026-12-09 07:00 UTC" in str(plan)
    assert plan.details["reactivatable"] is False
    assert 'Status filter on "Upcoming"' in plan.steps[1]


def test_the_manual_plan_warns_once_the_deadline_passed_or_when_the_start_is_unknown() -> None:
    """At the fee-free moment it has passed (fee and block warned); no start: the 25-hour rule is stated."""
    late = manual_cancel_plan(deal(status="RUNNING"), START - FEE_FREE_NOTICE)
    assert late.deadline_passed is True
    assert "has passed" in str(late)
    assert "among the running deals" in late.steps[1]
    unknown = manual_cancel_plan(deal(start=None), START)
    assert (unknown.fee_free_until, unknown.deadline_passed) == (None, None)
    assert "at least 25 hours before the start" in str(unknown)


@pytest.mark.parametrize("status", ["CANCELLED", "CANCELLING", "EXPIRED", "FAILED"])
def test_cancel_flash_deal_refuses_an_ended_deal(status: str) -> None:
    """Nothing to cancel: NotCancellableError with the status, no manual plan."""
    ctx = SimpleNamespace(api=Promotions([], one=promotion(status=status)), clock=FakeClock())
    with pytest.raises(NotCancellableError) as caught:
        cancel_flash_deal(ctx, "P1")  # type: ignore[arg-type]
    assert caught.value.state == status


def test_cancel_flash_deal_always_raises_the_manual_plan() -> None:
    """No API cancels a deal: ManualActionRequired, on the client's clock."""
    ctx = SimpleNamespace(api=Promotions([], one=promotion()), clock=FakeClock(START - timedelta(days=3)))
    with pytest.raises(ManualActionRequired) as caught:
        cancel_flash_deal(ctx, "P1")  # type: ignore[arg-type]
    assert caught.value.deadline_passed is False
    assert caught.value.action == "cancel_flash_deal"
