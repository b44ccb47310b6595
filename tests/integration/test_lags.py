"""The library against Amazon's eventual consistency: the simulator's lagging defaults (issue 13 item 1).

Amazon accepts first and shows later: ``getFeeds`` lists a new feed tens of seconds after ``createFeed``,
an accepted listing patch takes effect later, Finances posts a refund hours later, reports take time.
``Simulator()`` has these lags by default (``Lags()``); ``Lags.none()`` turns them off for fast unit tests.
The library's lost-answer paths (feed recovery, listing read-back) are exercised here against the defaults.
"""

from __future__ import annotations

import httpx
import pytest

from sp_cancel import CancelReason, ListingStatus
from sp_cancel.testing import Lags, Scenario, Simulator

FEEDS = "/feeds/2021-06-30"


def _http(sim: Simulator) -> httpx.Client:
    token = sim.issue_access_token()
    return httpx.Client(transport=sim.transport(), base_url=sim.base_url, headers={"x-amz-access-token": token})


def test_the_defaults_lag_and_none_turns_them_off() -> None:
    """Every knob has an Amazon-like default and can be set to 0."""
    lags = Lags()
    assert lags.feed_listing is None  # drawn per feed, some after any fixed wait (see test_sim_timing.py)
    assert lags.listing_patch > 0
    assert lags.refund_posting > 0
    assert lags.report_processing > 0
    assert set(vars(Lags.none()).values()) == {0.0}
    assert Lags(feed_listing=45.0).feed_listing == 45.0
    with pytest.raises(ValueError, match="feed_listing"):
        Lags(feed_listing=-1)


def test_get_feeds_lists_a_new_feed_only_after_the_lag() -> None:
    """GetFeed by id sees a new feed at once; getFeeds lists it only once its drawn listing time has come."""
    sim = Simulator(seed=4, orders=20)
    client = sim.client()
    order = sim.orders(status="Unshipped", channel="MFN")[0]
    outcome = client.cancel_order(order.order_id, CancelReason.NO_INVENTORY, wait=False)
    params = {"feedTypes": "POST_ORDER_ACKNOWLEDGEMENT_DATA"}
    with _http(sim) as http:
        assert http.get(f"{FEEDS}/feeds/{outcome.feed_id}").status_code == 200
        assert http.get(f"{FEEDS}/feeds", params=params).json()["feeds"] == []
        listed_at = sim.world.feeds[str(outcome.feed_id)].listed_at
        sim.advance((listed_at - sim.clock.now()).total_seconds() - 1)
        assert http.get(f"{FEEDS}/feeds", params=params).json()["feeds"] == []
        sim.advance(1)
        listed = http.get(f"{FEEDS}/feeds", params=params).json()["feeds"]
    assert [f["feedId"] for f in listed] == [outcome.feed_id]


def test_an_accepted_listing_patch_takes_effect_later() -> None:
    """PatchListingsItem answers ACCEPTED at once; reads show the new quantity only after ``listing_patch``."""
    sim = Simulator(seed=5, orders=0)
    sim.add_listing("LAG-1", quantity=6)
    outcome = sim.client().close_listing("LAG-1")
    assert outcome.status is ListingStatus.ACCEPTED
    path = f"/listings/2021-08-01/items/{sim.seller_id}/LAG-1"
    params = {"marketplaceIds": sim.marketplace_id, "includedData": "fulfillmentAvailability"}
    with _http(sim) as http:
        assert http.get(path, params=params).json()["fulfillmentAvailability"][0]["quantity"] == 6
        sim.advance(sim.lags.listing_patch)
        assert http.get(path, params=params).json()["fulfillmentAvailability"][0]["quantity"] == 0


def test_close_listing_with_a_lost_answer_reads_back_until_amazon_applied_it() -> None:
    """The patch reached Amazon but its answer was lost: the read-back waits out Amazon's delay."""
    sim = Simulator(seed=6, orders=0)
    sim.add_listing("LAG-2", quantity=3)
    sim.add_fault("listings.patchListingsItem", "timeout_after_commit")
    outcome = sim.client().close_listing("LAG-2")
    assert outcome.status is ListingStatus.ACCEPTED
    assert "reads back as 0" in (outcome.detail or "")
    assert sim.request_counts["listings.patchListingsItem"] == 1  # looked, did not send again


def test_a_fatal_listings_feed_is_reconciled_after_amazon_applied_its_part() -> None:
    """After FATAL, what Amazon applied shows up only after the patch delay: the read-back waits for it."""
    sim = Simulator(seed=7, scenario=Scenario(orders=0, listings=0, mcf_orders=False, deals=False))
    skus = [f"F-{n}" for n in range(6)]
    for sku in skus:
        sim.add_listing(sku, quantity=2)
    sim.add_fault("feeds.createFeed", "feed_fatal")
    batch = sim.client().close_listings(skus)
    for sku in skus:
        applied = sim.world.listings[(sku, sim.marketplace_id)].attributes["fulfillment_availability"]
        closed = applied[0]["quantity"] == 0  # type: ignore[index]
        assert batch[sku].ok == closed, (sku, batch[sku])


def test_feed_recovery_after_a_lost_create_feed_answer_sends_one_feed() -> None:
    """CreateFeed's answer is lost; Amazon lists the feed only after its listing lag: no second feed is sent."""
    sim = Simulator(seed=8, orders=20)
    order = sim.orders(status="Unshipped", channel="MFN")[0]
    sim.add_fault("feeds.createFeed", "timeout_after_commit")
    outcome = sim.client().cancel_order(order.order_id, CancelReason.NO_INVENTORY)
    assert len(sim.world.feeds) == 1, "the lost feed was sent a second time"
    assert outcome.ok
    assert sim.order(order.order_id).status == "Canceled"
