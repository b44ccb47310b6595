"""Closing and deleting listings against the simulator: single patch, bulk feed, delete with read-back."""

from __future__ import annotations

import math
from datetime import timedelta

import httpx
import pytest

import sp_cancel._listings.feed as listing_feed
import sp_cancel._listings.items as listing_items
from sp_cancel._listings.outcomes import ListingStatus
from sp_cancel._listings.view import SEARCH_BATCH, ListingView, read_listings
from sp_cancel._runtime.context import Context
from sp_cancel._runtime.feeds import FeedRunner
from sp_cancel.errors import InvalidInputError, NotCancellableError, NotFoundError
from sp_cancel.journal import Journal
from sp_cancel.testing import Lags, Scenario, Simulator

MARKET = "ATVPDKIKX0DER"


class Recorder(httpx.BaseTransport):
    """Wraps the simulator's transport and keeps every request (method, path, body)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Record the request, then let the simulator answer it."""
        request.read()
        self.requests.append(request)
        return self.inner.handle_request(request)

    def paths(self, method: str) -> list[str]:
        """Paths of the SP-API requests sent with ``method``."""
        return [r.url.path for r in self.requests if r.method == method and "/auth/" not in r.url.path]


def make_ctx(sim: Simulator, recorder: Recorder) -> Context:
    """The workflow context of a simulator client (the client's own when it has one)."""
    client = sim.client(transport=recorder)
    ctx = getattr(client, "_ctx", None)
    if isinstance(ctx, Context):
        return ctx
    journal = Journal(":memory:", clock=sim.clock)
    runner = FeedRunner(api=client._api, journal=journal, clock=sim.clock, sleep=sim.advance)
    return Context(
        api=client._api,
        journal=journal,
        runner=runner,
        clock=sim.clock,
        sleep=sim.advance,
        seller_id=sim.seller_id,
        marketplace_id=sim.marketplace_id,
    )


@pytest.fixture
def sim() -> Simulator:
    """A small seeded world (no scenario listings get in the way of ours); Amazon's lags at 0.

    The lagging defaults are exercised in ``tests/integration/test_lags.py``.
    """
    return Simulator(seed=11, scenario=Scenario(orders=0, listings=4, mcf_orders=False, deals=False), lags=Lags.none())


@pytest.fixture
def recorder(sim: Simulator) -> Recorder:
    """The recording transport in front of the simulator."""
    return Recorder(sim.transport())


@pytest.fixture
def ctx(sim: Simulator, recorder: Recorder) -> Context:
    """The workflow context wired to the simulator."""
    return make_ctx(sim, recorder)


def fa(sim: Simulator, sku: str) -> list[dict[str, object]]:
    """The listing's fulfillment_availability as the simulated Amazon holds it."""
    return sim.world.listings[(sku, MARKET)].attributes["fulfillment_availability"]  # type: ignore[return-value]


# --- close_listing ---------------------------------------------------------------------------------


def test_close_listing_sets_quantity_zero_and_keeps_lead_time(sim, ctx):
    """The merge patch zeroes the DEFAULT quantity and keeps lead time and restock date."""
    sim.add_listing("MY-MFN-1", quantity=12, lead_time_days=4, restock_date="2027-02-01", product_type="SHOES")
    outcome = listing_items.close_listing(ctx, "MY-MFN-1")
    assert outcome.status is ListingStatus.ACCEPTED
    assert outcome.ok
    assert outcome.submission_id
    assert outcome.detail == "product type SHOES"
    assert fa(sim, "MY-MFN-1") == [
        {
            "fulfillment_channel_code": "DEFAULT",
            "quantity": 0,
            "lead_time_to_ship_max_days": 4,
            "restock_date": "2027-02-01",
        }
    ]
    assert "BUYABLE" not in sim.world.listings[("MY-MFN-1", MARKET)].status


def test_close_listing_sends_the_listing_product_type_and_a_merge(sim, ctx, recorder):
    """The PATCH body carries the type read from summaries and Amazon's merge patch, never replace."""
    sim.add_listing("MY-MFN-2", product_type="KITCHEN")
    listing_items.close_listing(ctx, "MY-MFN-2")
    patch = next(r for r in recorder.requests if r.method == "PATCH")
    body = httpx.Response(200, content=patch.content).json()
    assert body == {
        "productType": "KITCHEN",
        "patches": [
            {
                "op": "merge",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}],
            }
        ],
    }
    assert patch.url.params.get_list("marketplaceIds") == [MARKET]


def test_close_listing_refuses_fba(sim, ctx, recorder):
    """An FBA offer is refused before any patch: Amazon controls that quantity."""
    sim.add_listing("MY-FBA-1", channel="FBA", quantity=30)
    with pytest.raises(NotCancellableError) as info:
        listing_items.close_listing(ctx, "MY-FBA-1")
    assert info.value.state == "FBA"
    assert "removal order" in str(info.value)
    assert recorder.paths("PATCH") == []
    assert fa(sim, "MY-FBA-1")[0]["quantity"] == 30


def test_close_listing_already_zero_sends_nothing(sim, ctx, recorder):
    """A listing already at quantity 0 is ACCEPTED without a patch."""
    sim.add_listing("MY-ZERO", quantity=0)
    outcome = listing_items.close_listing(ctx, "MY-ZERO")
    assert outcome.status is ListingStatus.ACCEPTED
    assert outcome.submission_id is None
    assert "nothing was sent" in (outcome.detail or "")
    assert recorder.paths("PATCH") == []


def test_close_listing_invalid_comes_back_with_typed_issues(sim, ctx, monkeypatch):
    """Amazon's INVALID (HTTP 200) is a ListingOutcome with the issues, and nothing changes."""
    sim.add_listing("MY-MFN-3", quantity=5)

    def bogus_type(ctx: Context, sku: str) -> ListingView:
        return ListingView(sku=sku, product_type="NOT_A_TYPE", channels={"DEFAULT": 5})

    monkeypatch.setattr(listing_items, "read_listing", bogus_type)
    outcome = listing_items.close_listing(ctx, "MY-MFN-3")
    assert outcome.status is ListingStatus.INVALID
    assert not outcome.ok
    assert [(i.code, i.severity) for i in outcome.issues] == [("4000003", "ERROR")]
    assert outcome.messages[0].sku == "MY-MFN-3"
    assert fa(sim, "MY-MFN-3")[0]["quantity"] == 5


def test_close_listing_unknown_sku_is_not_found(ctx):
    """A SKU Amazon does not know raises NotFoundError (404)."""
    with pytest.raises(NotFoundError) as info:
        listing_items.close_listing(ctx, "NO-SUCH-SKU")
    assert info.value.status == 404


@pytest.mark.parametrize("sku", ["", "   ", "X" * 41, None])
def test_close_listing_validates_before_any_call(sim, recorder, sku):
    """A SKU outside 1..40 characters raises InvalidInputError at the client's door, nothing sent."""
    client = sim.client(transport=recorder)
    with pytest.raises(InvalidInputError):
        client.close_listing(sku)
    assert recorder.requests == []


def test_close_listing_dual_channel_closes_only_the_merchant_offer(sim, ctx):
    """With both a DEFAULT and an FBA entry, only DEFAULT is set to 0 and the outcome says so."""
    listing = sim.add_listing("MY-DUAL", quantity=8)
    listing.attributes["fulfillment_availability"].append({"fulfillment_channel_code": "AMAZON_NA", "quantity": 3})  # type: ignore[union-attr]
    outcome = listing_items.close_listing(ctx, "MY-DUAL")
    assert outcome.ok
    assert "AMAZON_NA" in (outcome.detail or "")
    channels = {e["fulfillment_channel_code"]: e["quantity"] for e in fa(sim, "MY-DUAL")}
    assert channels == {"DEFAULT": 0, "AMAZON_NA": 3}


# --- delete_listing -------------------------------------------------------------------------------


def test_delete_listing_verified_gone(sim, ctx):
    """The delete is read back until getListingsItem answers 404: DELETED."""
    sim.add_listing("MY-DEL-1")
    start = sim.now()
    outcome = listing_items.delete_listing(ctx, "MY-DEL-1", verify=True)
    assert outcome.status is ListingStatus.DELETED
    assert outcome.ok
    assert "404" in (outcome.detail or "")
    assert ("MY-DEL-1", MARKET) not in sim.world.listings
    assert sim.now() - start <= timedelta(seconds=sum(listing_items.DELETE_POLLS))


def test_delete_listing_ignored_by_amazon_is_pending(sim, ctx, recorder):
    """A delete Amazon accepts but never applies ends DELETE_PENDING after bounded reads, with the fallback."""
    sim.add_listing("MY-DEL-2", delete_ignored=True)
    outcome = listing_items.delete_listing(ctx, "MY-DEL-2", verify=True)
    assert outcome.status is ListingStatus.DELETE_PENDING
    assert not outcome.ok
    assert "close_listing" in (outcome.detail or "")
    assert len(recorder.paths("GET")) == len(listing_items.DELETE_POLLS)
    assert ("MY-DEL-2", MARKET) in sim.world.listings


def test_delete_listing_without_verify(sim, ctx, recorder):
    """verify=False sends the delete and reads nothing back."""
    sim.add_listing("MY-DEL-3")
    outcome = listing_items.delete_listing(ctx, "MY-DEL-3", verify=False)
    assert outcome.status is ListingStatus.DELETE_PENDING
    assert recorder.paths("GET") == []
    assert sim.world.listings[("MY-DEL-3", MARKET)].deleted_at is not None


def test_delete_listing_unknown_sku_is_invalid(ctx):
    """Amazon answers INVALID with an issue for a SKU it does not have."""
    outcome = listing_items.delete_listing(ctx, "NO-SUCH-SKU", verify=True)
    assert outcome.status is ListingStatus.INVALID
    assert outcome.issues
    assert outcome.issues[0].severity == "ERROR"


def test_delete_listing_validates_before_any_call(sim, recorder):
    """A 41-character SKU is refused at the client's door, before any HTTP call."""
    client = sim.client(transport=recorder)
    with pytest.raises(InvalidInputError):
        client.delete_listing("Y" * 41, verify=True)
    assert recorder.requests == []


# --- close_listings (JSON_LISTINGS_FEED) ----------------------------------------------------------


def test_close_listings_one_feed_typed_outcomes(sim, ctx):
    """MFN SKUs go out in one feed; FBA and unknown SKUs are refused, a repeat merged, closed ones not sent."""
    for sku in ("B-1", "B-2", "B-3"):
        sim.add_listing(sku, quantity=9, lead_time_days=5)
    sim.add_listing("B-FBA", channel="FBA")
    sim.add_listing("B-ZERO", quantity=0)
    feeds_before = len(sim.world.feeds)
    batch = listing_items.close_listings(ctx, ["B-1", "B-2", "B-FBA", "B-404", "B-3", "B-1", "B-ZERO"], wait=True)
    assert list(batch) == ["B-1", "B-2", "B-FBA", "B-404", "B-3", "B-ZERO"]
    assert [o.sku for o in batch.succeeded] == ["B-1", "B-2", "B-3", "B-ZERO"]
    assert {o.status for o in batch.succeeded} == {ListingStatus.ACCEPTED}
    assert isinstance(batch["B-FBA"].error, NotCancellableError)
    assert isinstance(batch["B-404"].error, NotFoundError)
    assert batch.failed == batch.refused == [batch["B-FBA"], batch["B-404"]]
    assert repr(batch) == "6 listings: 4 accepted, 2 refused"
    assert len(batch.feed_ids) == 1
    assert len(sim.world.feeds) == feeds_before + 1
    assert batch["B-ZERO"].feed_id is None
    for sku in ("B-1", "B-2", "B-3"):
        assert fa(sim, sku) == [{"fulfillment_channel_code": "DEFAULT", "quantity": 0, "lead_time_to_ship_max_days": 5}]
        assert batch[sku].feed_id == batch.feed_ids[0]


def test_close_listings_reads_twenty_skus_per_search(sim, ctx, recorder):
    """A 45-SKU batch is read with ceil(45/20) searchListingsItems calls and no getListingsItem."""
    skus = [f"S-{n:02d}" for n in range(42)]
    for sku in skus:
        sim.add_listing(sku, quantity=3, lead_time_days=2)
    sim.add_listing("S-FBA", channel="FBA")
    sim.add_listing("S-ZERO", quantity=0)
    batch_skus = [*skus[:20], "S-FBA", "S-404", *skus[20:], "S-ZERO"]
    assert len(batch_skus) == 45
    batch = listing_items.close_listings(ctx, batch_skus, wait=True)
    assert sim.request_counts["listings.searchListingsItems"] == math.ceil(45 / SEARCH_BATCH) == 3
    assert "listings.getListingsItem" not in sim.request_counts
    searches = [r for r in recorder.requests if r.url.path == f"/listings/2021-08-01/items/{sim.seller_id}"]
    assert [len(r.url.params["identifiers"].split(",")) for r in searches] == [20, 20, 5]
    assert {r.url.params["identifiersType"] for r in searches} == {"SKU"}
    assert {r.url.params["pageSize"] for r in searches} == {"20"}
    assert [o.sku for o in batch.succeeded] == [*skus, "S-ZERO"]
    assert {o.status for o in batch.succeeded} == {ListingStatus.ACCEPTED}
    assert batch["S-ZERO"].feed_id is None
    assert isinstance(batch["S-FBA"].error, NotCancellableError)
    missing = batch["S-404"].error
    assert isinstance(missing, NotFoundError)
    assert missing.status == 404
    assert "S-404" in str(missing)
    assert [o.sku for o in batch.refused] == ["S-FBA", "S-404"]
    assert len(batch.feed_ids) == 1
    assert all(fa(sim, sku)[0]["quantity"] == 0 for sku in skus)


def test_read_listings_chunks_and_keeps_product_types(sim, ctx):
    """read_listings maps every SKU to its view (product type, channels) or to NotFoundError, 20 per call."""
    for n in range(23):
        sim.add_listing(f"RL-{n}", quantity=n, product_type="KITCHEN" if n % 2 else "HOME")
    wanted = [f"RL-{n}" for n in range(23)] + ["RL-NOPE"]
    views = read_listings(ctx, wanted)
    assert sim.request_counts["listings.searchListingsItems"] == 2
    assert list(views) == wanted
    assert isinstance(views["RL-NOPE"], NotFoundError)
    view = views["RL-3"]
    assert isinstance(view, ListingView)
    assert (view.product_type, dict(view.channels)) == ("KITCHEN", {"DEFAULT": 3})
    assert views["RL-0"].closed  # type: ignore[union-attr]


def test_close_listings_reads_a_sku_with_a_comma_alone(sim, ctx):
    """A SKU holding a comma cannot be named in the comma-separated identifiers: it is read with getListingsItem."""
    sim.add_listing("CM-1", quantity=2)
    sim.add_listing("CM,2", quantity=2)
    batch = listing_items.close_listings(ctx, ["CM-1", "CM,2", "CM,404"], wait=True)
    assert sim.request_counts["listings.searchListingsItems"] == 1
    assert sim.request_counts["listings.getListingsItem"] == 2
    assert [o.sku for o in batch.succeeded] == ["CM-1", "CM,2"]
    assert {o.status for o in batch.succeeded} == {ListingStatus.ACCEPTED}
    assert isinstance(batch["CM,404"].error, NotFoundError)


@pytest.mark.parametrize("skus", [[], "B-1", ["ok", "Z" * 41], ["ok", ""]])
def test_close_listings_validates_before_any_call(sim, recorder, skus):
    """Empty batches, a bare string, and bad SKUs raise InvalidInputError at the client's door, nothing sent."""
    client = sim.client(transport=recorder)
    with pytest.raises(InvalidInputError):
        client.close_listings(skus, wait=True)
    assert recorder.requests == []


def test_close_listings_wait_false_then_refresh(sim, ctx):
    """wait=False returns SUBMITTED with the journal key; refreshing later gives the report's verdict."""
    sim.add_listing("W-1", quantity=3)
    batch = listing_items.close_listings(ctx, ["W-1"], wait=False)
    outcome = batch["W-1"]
    assert outcome.status is ListingStatus.SUBMITTED
    assert outcome.feed_id
    assert outcome.submission_id
    assert ctx.journal.get(outcome.submission_id).state == "submitted"
    sim.advance(600)
    done = listing_items.refresh_listing_close(ctx, outcome.submission_id, wait=False)
    assert done.status is ListingStatus.ACCEPTED
    assert ctx.journal.get(outcome.submission_id).state == "done"
    assert fa(sim, "W-1")[0]["quantity"] == 0


def test_close_listings_report_issue_is_typed(sim, ctx):
    """A message the feed rejects comes back INVALID with the report's issue."""
    sim.add_listing("R-1", quantity=3)
    sim.add_listing("R-2", quantity=3)
    batch = listing_items.close_listings(ctx, ["R-1", "R-2"], wait=False)
    del sim.world.listings[("R-2", MARKET)]  # gone before Amazon processes the feed
    sim.advance(600)
    r1 = listing_items.refresh_listing_close(ctx, batch["R-1"].submission_id, wait=True)
    r2 = listing_items.refresh_listing_close(ctx, batch["R-2"].submission_id, wait=True)
    assert r1.status is ListingStatus.ACCEPTED
    assert r2.status is ListingStatus.INVALID
    assert r2.issues[0].severity == "ERROR"
    assert "R-2" in r2.issues[0].message


def test_close_listings_does_not_resend_a_pending_close(sim, ctx):
    """A second call while the first feed is pending finishes that feed instead of sending another."""
    sim.add_listing("P-1", quantity=3)
    first = listing_items.close_listings(ctx, ["P-1"], wait=False)
    feeds = len(sim.world.feeds)
    again = listing_items.close_listings(ctx, ["P-1"], wait=True)
    assert len(sim.world.feeds) == feeds
    assert again.feed_ids == ()
    assert again["P-1"].status is ListingStatus.ACCEPTED
    assert again["P-1"].submission_id == first["P-1"].submission_id


def test_close_listings_recovers_after_a_crash_mid_submission(sim, ctx):
    """An entry left 'submitted' without a feed id is matched to Amazon's feed, not sent again."""
    sim.add_listing("C-1", quantity=3)
    batch = listing_items.close_listings(ctx, ["C-1"], wait=False)
    key = batch["C-1"].submission_id
    journal = ctx.journal.open() if hasattr(ctx.journal, "open") else ctx.journal
    with journal._transaction(write=True) as conn:
        conn.execute("UPDATE entries SET feed_id = NULL WHERE key = ?", (key,))
    feeds = len(sim.world.feeds)
    again = listing_items.close_listings(ctx, ["C-1"], wait=True)
    assert len(sim.world.feeds) == feeds
    assert again["C-1"].feed_id == batch["C-1"].feed_id
    assert again["C-1"].status is ListingStatus.ACCEPTED


def test_close_listings_fatal_feed_is_reconciled(sim, ctx):
    """After a FATAL feed each SKU is read back and reported as what Amazon actually holds."""
    sim.add_listing("F-1", quantity=3)
    sim.add_fault("feeds.createFeed", "feed_fatal")
    batch = listing_items.close_listings(ctx, ["F-1"], wait=True)
    outcome = batch["F-1"]
    assert "FATAL" in (outcome.detail or "")
    assert "reads back" in (outcome.detail or "")
    expected = ListingStatus.ACCEPTED if fa(sim, "F-1")[0]["quantity"] == 0 else ListingStatus.INVALID
    assert outcome.status is expected


def test_close_listings_respects_five_feeds_per_five_minutes(sim, ctx):
    """The sixth listings feed within five minutes waits for the window instead of meeting a 429."""
    for n in range(6):
        sim.add_listing(f"T-{n}", quantity=2)
    for n in range(6):
        listing_items.close_listings(ctx, [f"T-{n}"], wait=False)
    listing_feeds = sorted(
        (f for f in sim.world.feeds.values() if f.feed_type == "JSON_LISTINGS_FEED"), key=lambda f: f.created_at
    )
    assert len(listing_feeds) == 6
    assert listing_feeds[5].created_at - listing_feeds[0].created_at >= listing_feed.LISTINGS_FEED_WINDOW


def test_resume_finishes_submitted_closes(sim, ctx):
    """resume_listing_closes completes closes another call left SUBMITTED."""
    sim.add_listing("RS-1", quantity=3)
    listing_items.close_listings(ctx, ["RS-1"], wait=False)
    outcomes = listing_items.resume_listing_closes(ctx, timeout=3600)
    assert [(o.sku, o.status) for o in outcomes] == [("RS-1", ListingStatus.ACCEPTED)]
    assert ctx.journal.unfinished() == []


def test_through_the_client(sim):
    """The SellerClient methods reach these workflows, and client.wait finishes a SUBMITTED bulk close."""
    sim.add_listing("CL-1", quantity=4)
    sim.add_listing("CL-2", quantity=4)
    sim.add_listing("CL-3", quantity=4)
    with sim.client() as client:
        assert client.close_listing("CL-1").status is ListingStatus.ACCEPTED
        submitted = client.close_listings(["CL-2"], wait=False)["CL-2"]
        assert submitted.status is ListingStatus.SUBMITTED
        assert client.wait(submitted).status is ListingStatus.ACCEPTED
        assert client.delete_listing("CL-3").status is ListingStatus.DELETED
    assert fa(sim, "CL-1")[0]["quantity"] == 0
    assert fa(sim, "CL-2")[0]["quantity"] == 0


def test_through_the_listings_resource(sim):
    """client.listings groups the same operations: same journal, so the flat method finds what it did."""
    sim.add_listing("LR-1", quantity=4)
    sim.add_listing("LR-2", quantity=4)
    sim.add_listing("LR-3", quantity=4)
    with sim.client() as client:
        closed = client.listings.close("LR-1")
        assert closed.status is ListingStatus.ACCEPTED
        batch = client.listings.close_many(["LR-2"])
        assert batch["LR-2"].status is ListingStatus.ACCEPTED
        assert client.listings.delete("LR-3").status is ListingStatus.DELETED
        assert client.listings is client.listings  # one resource per client
    assert fa(sim, "LR-1")[0]["quantity"] == 0
    assert fa(sim, "LR-2")[0]["quantity"] == 0
    assert ("LR-3", sim.marketplace_id) not in sim.world.listings


def test_resume_closes_what_a_dead_process_planned_but_never_sent(sim, ctx):
    """Issue 11: a close planned by a process that died before sending is closed by resume(), not dropped."""
    sim.add_listing("RS-2", quantity=3)
    ctx.journal.plan(
        "listing-close-abandoned",
        kind=listing_feed.KIND_CLOSE,
        target="RS-2",
        payload={"seller_id": ctx.seller_id, "marketplace_id": ctx.marketplace_id},
        lease_seconds=1,
    )
    sim.advance(5)  # its worker's lease runs out
    outcomes = listing_items.resume_listing_closes(ctx, timeout=3600)
    assert [(o.sku, o.status) for o in outcomes] == [("RS-2", ListingStatus.ACCEPTED)]
    assert fa(sim, "RS-2")[0]["quantity"] == 0
    assert ctx.journal.unfinished() == []
