"""Separate clocks (issue 13 item 2): the simulator on its own clock, ahead of or behind the client's.

``Simulator(clock_skew=s, latency=l)``: the client keeps ``sim.client_clock``; the simulator reads it plus
``s`` seconds, and every request and answer takes ``l`` seconds. Each time window the library applies to
Amazon's times is exercised at +/- skew at its edge:

- feed recovery: a candidate feed's ``createdTime`` (Amazon's clock) against our ``sent_at`` (ours, moved to
  Amazon's clock by the offset its ``Date`` headers show), within ``RECOVERY_SLACK`` (2 min);
- refund settlement: a Finances ``PostedDate`` against our submission time, within ``CLOCK_SLACK`` (2 min);
- ``searchOrders``' ``createdBefore``, which Amazon refuses unless it is 2 minutes before *its* now;
- the rate comparison on Amazon's reportingDateRange;
- LWA tokens (an hour on Amazon's clock) and presigned URLs (5 minutes, signed on Amazon's clock).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from sp_cancel import AdjustmentReason, CancelReason, ItemRefund, Money, PriceComponent
from sp_cancel.testing import Lags, Simulator

EDGE = 110.0  # just inside the 2-minute windows
SKEWS = [-EDGE, EDGE]


def test_the_simulator_clock_is_the_client_clock_plus_the_skew() -> None:
    """One timeline, two readings; latency passes on it for every request and answer."""
    sim = Simulator(seed=70, orders=5, clock_skew=-30.0, latency=0.25, lags=Lags.none())
    assert (sim.now() - sim.client_clock.now()) == timedelta(seconds=-30)
    before = sim.client_clock.monotonic()
    sim.client().order(next(iter(sim.world.orders)))
    assert sim.client_clock.monotonic() - before >= 0.5 * 2  # token exchange + getOrder, both ways


@pytest.mark.parametrize("skew", [*SKEWS, -150.0, 300.0, -300.0])
def test_feed_recovery_finds_the_lost_feed_across_the_skew(skew: float) -> None:
    """CreateFeed's answer is lost; Amazon's clock is ``skew`` s off ours: one feed, recovered.

    Beyond the 2-minute recovery slack too: times are compared on Amazon's clock (the offset its ``Date``
    headers show), so a host clock minutes off moves neither the search window nor ``createdSince`` (which
    Amazon refuses in its future).
    """
    sim = Simulator(seed=71, orders=30, clock_skew=skew, latency=0.2)
    order = sim.orders(status="Unshipped", channel="MFN")[0]
    sim.add_fault("feeds.createFeed", "timeout_after_commit")
    outcome = sim.client().cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert len(sim.world.feeds) == 1
    assert outcome.ok


@pytest.mark.parametrize("skew", SKEWS)
def test_refund_verification_matches_postings_across_the_skew(skew: float) -> None:
    """A Finances posting stamped on Amazon's clock still matches our submission ``skew`` s apart."""
    sim = Simulator(seed=72, orders=0, clock_skew=skew, lags=Lags(refund_posting=600.0))
    order = sim.add_order(status="Shipped", items=[{"quantity": 1, "price": "30.00"}])
    client = sim.client()
    refund = ItemRefund(
        order_item_id=order.items[0].order_item_id,
        components={PriceComponent.PRINCIPAL: Money(amount="5.00", currency="USD")},
    )
    outcome = client.partial_refund(order.order_id, [refund], reason=AdjustmentReason.CUSTOMER_RETURN)
    assert outcome.ok
    sim.advance(601)
    verification = client.verify_refund(outcome)
    assert verification.posted, verification


@pytest.mark.parametrize("skew", SKEWS)
def test_rate_with_an_end_near_two_minutes_ago_is_not_refused(skew: float) -> None:
    """``end`` 2 min 10 s before *our* now is less than 2 min before Amazon's when Amazon is behind: no 400."""
    sim = Simulator(seed=73, orders=60, clock_skew=skew, lags=Lags.none())
    client = sim.client()
    end = sim.client_clock.now() - timedelta(minutes=2, seconds=10)
    report = client.cancellation_rate(end=end, source="orders")
    assert report.window_end == end


@pytest.mark.parametrize("skew", SKEWS)
def test_comparison_uses_amazons_window_whatever_the_skew(skew: float) -> None:
    """The local figure is computed over Amazon's reportingDateRange, so a skew changes nothing."""
    sim = Simulator(seed=74, orders=80, clock_skew=skew, lags=Lags.none())
    report = sim.client().cancellation_rate(compare_with_amazon=True)
    assert report.difference == 0


@pytest.mark.parametrize("skew", SKEWS)
def test_batch_cancel_reads_and_feeds_across_the_skew(skew: float) -> None:
    """A batch of 40 (v0 getOrders, searchOrders over the batch's window, one feed) works on a skewed clock."""
    sim = Simulator(seed=75, orders=0, clock_skew=skew, latency=0.1, lags=Lags.none())
    ids = [sim.add_order(purchase_date=sim.now() - timedelta(minutes=3)).order_id for _ in range(40)]
    from sp_cancel import CancelRequest  # noqa: PLC0415

    batch = sim.client().cancel_orders([CancelRequest(order_id=i, reason=CancelReason.NO_INVENTORY) for i in ids])
    assert batch.counts == {"CANCELLED": 40}
