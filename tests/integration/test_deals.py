"""Listing deals and the manual plan to cancel one, against the simulator with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sp_cancel import deals as deals_mod
from sp_cancel._runtime.context import Context
from sp_cancel._runtime.feeds import FeedRunner
from sp_cancel.errors import ApiError, InvalidInputError, ManualActionRequired, NotCancellableError, NotFoundError
from sp_cancel.journal import Journal
from sp_cancel.testing import FakeClock, Scenario, Simulator
from sp_cancel.transport._promotions import parse_promotion

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def sim() -> Simulator:
    """A world without seeded deals, on a clock fixed at NOW."""
    return Simulator(
        seed=3, clock=FakeClock(NOW), scenario=Scenario(orders=0, listings=4, mcf_orders=False, deals=False)
    )


@pytest.fixture
def ctx(sim: Simulator) -> Context:
    """The workflow context of a simulator client."""
    client = sim.client()
    ctx = getattr(client, "_ctx", None)
    if isinstance(ctx, Context):
        return ctx
    journal = Journal(":memory:", clock=sim.clock)
    return Context(
        api=client._api,
        journal=journal,
        runner=FeedRunner(api=client._api, journal=journal, clock=sim.clock, sleep=sim.advance),
        clock=sim.clock,
        sleep=sim.advance,
        seller_id=sim.seller_id,
        marketplace_id=sim.marketplace_id,
    )


def manual(ctx: Context, deal_id: str) -> ManualActionRequired:
    """Call cancel_flash_deal and return the ManualActionRequired it must raise."""
    with pytest.raises(ManualActionRequired) as info:
        deals_mod.cancel_flash_deal(ctx, deal_id)
    return info.value


# --- deals() ----------------------------------------------------------------------------------------


def test_deals_lists_only_deals_with_their_kind(sim, ctx):
    """Lightning and Best deals are listed with their kind; coupons and price discounts are not."""
    sim.add_deal("D-L", deal_type="LIGHTNING_DEAL", start=NOW + timedelta(days=2), title="Lightning")
    sim.add_deal("D-B", deal_type="BEST_DEAL", start=NOW + timedelta(days=4))
    sim.add_deal("D-C", deal_type="COUPON", status="RUNNING", start=NOW - timedelta(days=1))
    found = {d.deal_id: d for d in deals_mod.deals(ctx)}
    assert set(found) == {"D-L", "D-B"}
    assert found["D-L"].type == "LIGHTNING_DEAL"
    assert found["D-B"].type == "BEST_DEAL"
    assert found["D-L"].start == NOW + timedelta(days=2)
    assert found["D-L"].title == "Lightning"
    assert found["D-L"].marketplace_id == sim.marketplace_id


def test_deals_filters_by_status(sim, ctx):
    """statuses= is passed to Amazon and only matching deals come back."""
    sim.add_deal("D-UP", status="UPCOMING")
    sim.add_deal("D-RUN", status="RUNNING", start=NOW - timedelta(hours=1))
    sim.add_deal("D-X", status="CANCELLED")
    assert {d.deal_id for d in deals_mod.deals(ctx, statuses=["RUNNING", "CANCELLED"])} == {"D-RUN", "D-X"}
    assert [d.status for d in deals_mod.deals(ctx, statuses="UPCOMING")] == ["UPCOMING"]


def test_deals_pages_through_every_result(sim, ctx):
    """More than one page (100) of deals is read completely."""
    for n in range(130):
        sim.add_deal(f"D-{n:03d}", start=NOW + timedelta(days=2, minutes=n))
    found = deals_mod.deals(ctx)
    assert len(found) == 130
    assert len({d.deal_id for d in found}) == 130


def test_deals_rejects_unknown_status(ctx):
    """An unknown status raises InvalidInputError before any call."""
    with pytest.raises(InvalidInputError):
        deals_mod.deals(ctx, statuses=["LIVE"])


def test_deal_kind_inferred_from_schedule_without_deal_type():
    """Without Amazon saying the kind, a deal of at most 12 hours is Lightning, a longer one Best."""
    base = {"promotionId": "P", "promotionType": "DEAL", "status": "UPCOMING"}
    short = {**base, "schedule": {"startDate": "2026-03-04T10:00:00Z", "endDate": "2026-03-04T16:00:00Z"}}
    long = {**base, "schedule": {"startDate": "2026-03-04T10:00:00Z", "endDate": "2026-03-11T10:00:00Z"}}
    assert deals_mod.deal_from_summary(parse_promotion(short)).type == "LIGHTNING_DEAL"
    assert deals_mod.deal_from_summary(parse_promotion(long)).type == "BEST_DEAL"
    assert deals_mod.deal_from_summary(parse_promotion(base)).type == "DEAL"


# --- cancel_flash_deal ---------------------------------------------------------------------------------


def test_cancel_before_fee_free_moment(sim, ctx):
    """Three days out: the steps, the link, fee_free_until = start - 25 h, not passed, not reactivatable."""
    start = NOW + timedelta(days=3)
    sim.add_deal("D-EARLY", start=start, title="Spring lightning")
    err = manual(ctx, "D-EARLY")
    assert err.fee_free_until == start - timedelta(hours=25)
    assert err.deadline_passed is False
    assert err.url == "https://sellercentral.amazon.com/merchandising-deals"
    assert any("Deals dashboard" in s for s in err.steps)
    assert any('"Upcoming" or "Needs attention"' in s for s in err.steps)
    assert any('next to "Edit"' in s and '"Cancel deal"' in s for s in err.steps)
    assert any("cannot be reactivated" in s for s in err.steps)
    assert err.details["start"] == start
    assert err.details["reactivatable"] is False
    assert "Cancel before 2026-03-04 11:00 UTC" in str(err)
    assert err.action == "cancel_flash_deal"


def test_cancel_after_fee_free_moment(sim, ctx):
    """Ten hours out: the fee-free moment has passed and the message warns of the fee and a block."""
    start = NOW + timedelta(hours=10)
    sim.add_deal("D-LATE", start=start)
    err = manual(ctx, "D-LATE")
    assert err.fee_free_until == start - timedelta(hours=25)
    assert err.deadline_passed is True
    assert "has passed" in str(err)


def test_fee_free_moment_is_inclusive(sim, ctx):
    """Exactly at start - 25 h the moment counts as passed; one second before it does not."""
    start = NOW + timedelta(hours=25, seconds=1)
    sim.add_deal("D-EDGE", start=start)
    assert manual(ctx, "D-EDGE").deadline_passed is False
    sim.advance(1)
    assert manual(ctx, "D-EDGE").deadline_passed is True


def test_running_deal_can_still_be_cancelled_by_hand(sim, ctx):
    """A running deal gets the manual plan too (Amazon allows cancelling it), with the fee warning."""
    sim.add_deal("D-RUN", status="RUNNING", start=NOW - timedelta(hours=1))
    err = manual(ctx, "D-RUN")
    assert err.deadline_passed is True
    assert any("running" in s for s in err.steps)


@pytest.mark.parametrize("status", ["CANCELLED", "CANCELLING", "EXPIRED", "FAILED"])
def test_finished_deal_is_not_cancellable(sim, ctx, status):
    """A cancelled, cancelling, expired or failed deal raises NotCancellableError with its status."""
    sim.add_deal("D-DONE", status=status, start=NOW - timedelta(days=10), end=NOW - timedelta(days=9))
    with pytest.raises(NotCancellableError) as info:
        deals_mod.cancel_flash_deal(ctx, "D-DONE")
    assert info.value.state == status


def test_unknown_deal_is_api_404(ctx):
    """An unknown deal id raises an ApiError with status 404 (NotFoundError)."""
    with pytest.raises(ApiError) as info:
        deals_mod.cancel_flash_deal(ctx, "NO-SUCH-DEAL")
    assert isinstance(info.value, NotFoundError)
    assert info.value.status == 404


def test_coupon_is_not_a_deal(sim, ctx):
    """A coupon's id is refused: it is not a Lightning or Best deal."""
    sim.add_deal("C-1", deal_type="COUPON", status="RUNNING", start=NOW - timedelta(days=1))
    with pytest.raises(NotCancellableError) as info:
        deals_mod.cancel_flash_deal(ctx, "C-1")
    assert info.value.state == "COUPON"


@pytest.mark.parametrize("deal_id", ["", "  ", "a/b"])
def test_bad_deal_id(sim, deal_id):
    """An empty or path-breaking deal id raises InvalidInputError at the client's door, before any request."""
    sent: list[httpx.Request] = []

    def no_requests(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    with sim.client(transport=httpx.MockTransport(no_requests)) as client, pytest.raises(InvalidInputError):
        client.cancel_flash_deal(deal_id)
    assert sent == []


def test_through_the_client(sim):
    """client.deals and client.cancel_flash_deal reach these paths."""
    sim.add_deal("D-CL", start=NOW + timedelta(days=5))
    with sim.client() as client:
        assert [d.deal_id for d in client.deals()] == ["D-CL"]
        with pytest.raises(ManualActionRequired) as info:
            client.cancel_flash_deal("D-CL")
    assert info.value.deadline_passed is False
