"""Cancelling an FBA multi-channel order (sp_cancel/_fba.py) against a scripted Fulfillment Outbound fake.

(Named apart from tests/integration/test_fba.py: test modules share one namespace.)
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sp_cancel._fba import cancel_fba_order
from sp_cancel.errors import ApiError, NotCancellableError, OutcomeUnknownError, ThrottledError


class Outbound:
    """Both Fulfillment Outbound versions: ``statuses`` are read in turn (the last repeats); cancels are counted."""

    def __init__(self, *statuses: str, refuse: ApiError | None = None) -> None:
        """The order reads ``statuses`` one read after another; a cancel raises ``refuse`` when given."""
        self.statuses = list(statuses)
        self.refuse = refuse
        self.cancels = 0

    def _next(self) -> str:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def get_fulfillment_order(self, order_id: str) -> SimpleNamespace:
        """2020-07-01 getFulfillmentOrder."""
        del order_id  # one order
        return SimpleNamespace(fulfillment_order=SimpleNamespace(fulfillment_order_status=self._next()))

    def get_fulfillment_order_2026(self, order_id: str) -> SimpleNamespace:
        """2026-07-04 getOrder."""
        del order_id  # one order
        return SimpleNamespace(status=self._next())

    def _cancel(self) -> None:
        self.cancels += 1
        if self.refuse is not None:
            raise self.refuse

    def cancel_fulfillment_order(self, order_id: str) -> None:
        """2020-07-01 cancelFulfillmentOrder."""
        del order_id  # one order
        self._cancel()

    def cancel_fulfillment_order_2026(self, order_id: str) -> None:
        """2026-07-04 cancelOrder."""
        del order_id  # one order
        self._cancel()


def run(api: Outbound, version: str = "2020-07-01") -> object:
    """cancel_fba_order over the fake."""
    return cancel_fba_order(SimpleNamespace(api=api), "MCF-1", api=version)  # type: ignore[arg-type]  # the fakes


def test_a_planning_order_is_cancelled_and_read_back() -> None:
    """Planning -> cancel -> reads Cancelled: CANCELLED, observed Planning, one cancel."""
    api = Outbound("Planning", "Cancelled")
    outcome = run(api)
    assert (outcome.status, outcome.observed_status, outcome.api) == ("CANCELLED", "Planning", "2020-07-01")  # type: ignore[attr-defined]
    assert api.cancels == 1


def test_an_order_already_cancelled_sends_nothing() -> None:
    """The same intent again: CANCELLED without a request."""
    api = Outbound("Cancelled")
    assert run(api).status == "CANCELLED"  # type: ignore[attr-defined]
    assert api.cancels == 0


@pytest.mark.parametrize("status", ["New", "Processing", "Complete"])
def test_outside_the_window_nothing_is_sent(status: str) -> None:
    """Only Received or Planning can be cancelled: NotCancellableError with the status, before any request."""
    api = Outbound(status)
    with pytest.raises(NotCancellableError) as caught:
        run(api)
    assert caught.value.state == status
    assert api.cancels == 0


def test_silence_is_not_success() -> None:
    """Amazon answered but the order still reads Planning: asked once more; still Planning: outcome unknown."""
    api = Outbound("Planning", "Planning", "Planning")
    with pytest.raises(OutcomeUnknownError, match="twice"):
        run(api)
    assert api.cancels == 2


def test_an_order_that_moved_on_was_not_cancelled() -> None:
    """Planning -> cancel -> Processing: Amazon did not cancel it in time."""
    with pytest.raises(NotCancellableError, match="did not cancel it in time") as caught:
        run(Outbound("Planning", "Processing"))
    assert caught.value.state == "Processing"


def test_a_4xx_refusal_is_not_cancellable_with_the_status_read_again() -> None:
    """2026-07-04: the window cannot be read, so Amazon's 400 is the answer; the order is read again to say why."""
    api = Outbound(
        "PROCESSING", "COMPLETE", refuse=ApiError("Order cannot be cancelled.", operation="cancelOrder", status=400)
    )
    with pytest.raises(NotCancellableError) as caught:
        run(api, "2026-07-04")
    assert caught.value.state == "COMPLETE"
    assert "Order cannot be cancelled" in str(caught.value)


def test_throttling_is_not_a_refusal() -> None:
    """A 429 is not Amazon saying no: it propagates as it is."""
    api = Outbound("Planning", refuse=ThrottledError("slow down", operation="cancelFulfillmentOrder", status=429))
    with pytest.raises(ThrottledError):
        run(api)


def test_2026_accepted_and_still_processing_is_requested() -> None:
    """2026-07-04 cancels asynchronously: accepted twice and still PROCESSING is CANCEL_REQUESTED, not a failure."""
    api = Outbound("PROCESSING")
    assert run(api, "2026-07-04").status == "CANCEL_REQUESTED"  # type: ignore[attr-defined]
    assert api.cancels == 2
