"""Cancelling FBA multi-channel (MCF) orders against the simulator, and the AFN retail refusal."""

from __future__ import annotations

import httpx
import pytest

import sp_cancel._fba as fba_flow
from sp_cancel._cancellation.cancel import cancel_order
from sp_cancel._runtime.context import Context
from sp_cancel._runtime.feeds import FeedRunner
from sp_cancel.errors import ApiError, InvalidInputError, NotCancellableError, NotFoundError, OutcomeUnknownError
from sp_cancel.journal import Journal
from sp_cancel.models import CancelReason, CancelRequest
from sp_cancel.testing import Scenario, Simulator


class Recorder(httpx.BaseTransport):
    """Wraps the simulator's transport and keeps every request."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Record the request, then let the simulator answer it."""
        self.requests.append(request)
        return self.inner.handle_request(request)

    def puts(self) -> list[str]:
        """Paths of the PUT requests (the cancels)."""
        return [r.url.path for r in self.requests if r.method == "PUT"]


@pytest.fixture
def sim() -> Simulator:
    """A small world with a few orders and no seeded MCF orders."""
    return Simulator(seed=5, scenario=Scenario(orders=20, listings=4, mcf_orders=False, deals=False))


@pytest.fixture
def recorder(sim: Simulator) -> Recorder:
    """The recording transport."""
    return Recorder(sim.transport())


@pytest.fixture
def ctx(sim: Simulator, recorder: Recorder) -> Context:
    """The workflow context of a simulator client."""
    client = sim.client(transport=recorder)
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


@pytest.mark.parametrize("status", ["Received", "Planning"])
def test_cancel_in_window(sim, ctx, status):
    """Received and Planning orders are cancelled and read back as Cancelled."""
    sim.add_mcf_order("MCF-OK-1", status=status)
    outcome = fba_flow.cancel_fba_order(ctx, "MCF-OK-1")
    assert outcome.status == "CANCELLED"
    assert outcome.observed_status == status
    assert outcome.api == "2020-07-01"
    assert sim.world.mcf_orders["MCF-OK-1"].status == "Cancelled"


@pytest.mark.parametrize("status", ["New", "Processing", "Complete", "CompletePartialled", "Unfulfillable", "Invalid"])
def test_refused_outside_window(sim, ctx, recorder, status):
    """Any other status raises NotCancellableError with that status, and no cancel is sent."""
    sim.add_mcf_order("MCF-NO-1", status=status)
    with pytest.raises(NotCancellableError) as info:
        fba_flow.cancel_fba_order(ctx, "MCF-NO-1")
    assert info.value.state == status
    assert info.value.target_id == "MCF-NO-1"
    assert recorder.puts() == []
    assert sim.world.mcf_orders["MCF-NO-1"].status == status


def test_repeating_a_cancel_returns_the_cancelled_outcome(sim, ctx, recorder):
    """Issue 12 (idempotency): the same cancel again answers CANCELLED, sends nothing, raises nothing."""
    sim.add_mcf_order("MCF-TWICE", status="Planning")
    first = fba_flow.cancel_fba_order(ctx, "MCF-TWICE")
    again = fba_flow.cancel_fba_order(ctx, "MCF-TWICE")
    assert (first.status, again.status) == ("CANCELLED", "CANCELLED")
    assert again.observed_status == "Cancelled"
    assert len(recorder.puts()) == 1


@pytest.mark.parametrize("api", ["2020-07-01", "2026-07-04"])
def test_an_empty_200_that_cancelled_nothing_is_not_reported_done(sim, ctx, api):
    """Issue 11: an empty 200 on the cancel while the order stays pending is asked again, then read back."""
    sim.add_mcf_order("MCF-SILENT", status="Planning")
    operation = "fbaOutbound.cancelFulfillmentOrder" if api == "2020-07-01" else "fbaOutbound2026.cancelOrder"
    sim.add_fault(operation, "empty_200")
    outcome = fba_flow.cancel_fba_order(ctx, "MCF-SILENT", api=api)
    assert outcome.status == "CANCELLED"
    assert sim.world.mcf_orders["MCF-SILENT"].status == "Cancelled"


def test_a_cancel_amazon_keeps_ignoring_is_never_reported_done(sim, ctx):
    """Issue 11: answered twice but still pending: an error, not a success."""
    sim.add_mcf_order("MCF-DEAF", status="Planning")
    sim.add_fault("fbaOutbound.cancelFulfillmentOrder", "empty_200", count=None)
    with pytest.raises(OutcomeUnknownError):
        fba_flow.cancel_fba_order(ctx, "MCF-DEAF")
    assert sim.world.mcf_orders["MCF-DEAF"].status == "Planning"


def test_window_closes_after_fifteen_minutes(sim, ctx):
    """An order received 16 minutes ago has moved to Processing and is refused with guidance."""
    sim.add_mcf_order("MCF-LATE", status="Received", received_at=sim.now())
    sim.advance(16 * 60)
    with pytest.raises(NotCancellableError) as info:
        fba_flow.cancel_fba_order(ctx, "MCF-LATE")
    assert info.value.state == "Processing"
    assert "15 minutes" in str(info.value)


def test_2026_api_cancels_in_window(sim, ctx, recorder):
    """api='2026-07-04' uses cancelOrder (202) and reads CANCELLED back."""
    sim.add_mcf_order("MCF-NEW-1", status="Planning")
    outcome = fba_flow.cancel_fba_order(ctx, "MCF-NEW-1", api="2026-07-04")
    assert outcome.status == "CANCELLED"
    assert outcome.api == "2026-07-04"
    assert outcome.observed_status == "PROCESSING"
    assert recorder.puts() == ["/fulfillment/outbound/2026-07-04/orders/MCF-NEW-1/cancel"]
    assert sim.world.mcf_orders["MCF-NEW-1"].status == "Cancelled"


def test_2026_api_refusal_is_reread(sim, ctx, recorder):
    """With 2026-07-04 a PROCESSING order past the window is attempted; Amazon's 400 becomes NotCancellableError."""
    sim.add_mcf_order("MCF-NEW-2", status="Processing")
    with pytest.raises(NotCancellableError) as info:
        fba_flow.cancel_fba_order(ctx, "MCF-NEW-2", api="2026-07-04")
    assert info.value.state == "PROCESSING"
    assert isinstance(info.value.__cause__, ApiError)
    assert info.value.__cause__.status == 400
    assert len(recorder.puts()) == 1
    assert sim.world.mcf_orders["MCF-NEW-2"].status == "Processing"


def test_2026_api_finished_order_is_refused_without_attempt(sim, ctx, recorder):
    """A COMPLETE order is refused from its status alone."""
    sim.add_mcf_order("MCF-NEW-3", status="Complete")
    with pytest.raises(NotCancellableError) as info:
        fba_flow.cancel_fba_order(ctx, "MCF-NEW-3", api="2026-07-04")
    assert info.value.state == "COMPLETE"
    assert recorder.puts() == []


@pytest.mark.parametrize("api", ["2020-07-01", "2026-07-04"])
def test_unknown_order_is_not_found(ctx, api):
    """An unknown MCF order raises NotFoundError (HTTP 404)."""
    with pytest.raises(NotFoundError) as info:
        fba_flow.cancel_fba_order(ctx, "MCF-NOPE", api=api)
    assert info.value.status == 404


@pytest.mark.parametrize(("order_id", "api"), [("", "2020-07-01"), ("M" * 41, "2020-07-01"), ("MCF-1", "2025-01-01")])
def test_validation_before_any_call(sim, recorder, order_id, api):
    """A malformed id or an unknown api version raises InvalidInputError at the client's door, nothing sent."""
    client = sim.client(transport=recorder)
    with pytest.raises(InvalidInputError):
        client.cancel_fba_order(order_id, api=api)
    assert recorder.requests == []


def test_afn_retail_order_cannot_be_cancelled(sim, ctx, recorder):
    """cancel_order on an Amazon-fulfilled retail order raises NotCancellableError with the Seller Support route."""
    order = sim.add_order(channel="AFN", status="Unshipped")
    request = CancelRequest(order_id=order.order_id, reason=CancelReason.NO_INVENTORY)
    with pytest.raises(NotCancellableError) as info:
        cancel_order(ctx, request, via="feed", wait=True, timeout=60)
    assert info.value.state == "AMAZON_FULFILLED"
    assert "Seller Support" in str(info.value)
    assert [r for r in recorder.requests if "/feeds/" in r.url.path] == []


def test_through_the_client(sim):
    """client.cancel_fba_order and client.cancel_order reach these paths."""
    sim.add_mcf_order("MCF-CL-1", status="Planning")
    afn = sim.add_order(channel="AFN", status="Unshipped")
    with sim.client() as client:
        assert client.cancel_fba_order("MCF-CL-1").status == "CANCELLED"
        with pytest.raises(NotCancellableError) as info:
            client.cancel_order(afn.order_id, CancelReason.NO_INVENTORY)
    assert info.value.state == "AMAZON_FULFILLED"
