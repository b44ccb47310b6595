"""Cancel a pending FBA Multi-Channel Fulfillment (MCF) order.

Fulfillment Outbound 2020-07-01 (default): read the order, cancel only in
``Received`` or ``Planning`` — Amazon's window of about 15 minutes after the
order is submitted — then read it back. Fulfillment Outbound 2026-07-04
(``api="2026-07-04"``): its status enum has no ``Received``/``Planning``, so the
window cannot be read; the cancel is attempted on a ``PROCESSING`` order and
any 4xx refusal is turned into ``NotCancellableError`` after re-reading the
order (docs/fba.md).

Amazon-fulfilled *retail* orders (AFN) are not MCF orders: no API cancels them;
``cancel_order`` refuses them with the Seller Support route.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Literal

import attrs

import sp_cancel._events as events
from sp_cancel.errors import ApiError, NotCancellableError, OutcomeUnknownError
from sp_cancel.logging import get_logger

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context

__all__ = [
    "CANCELLABLE_2020",
    "FbaCancelOutcome",
    "FbaCancelStatus",
    "cancel_fba_order",
]


class FbaCancelStatus(enum.StrEnum):
    """What happened to a Multi-Channel Fulfillment cancel."""

    CANCELLED = "CANCELLED"
    CANCEL_REQUESTED = "CANCEL_REQUESTED"


@attrs.frozen(kw_only=True)
class FbaCancelOutcome:
    """The outcome of cancelling a Multi-Channel Fulfillment order.

    Attributes:
        status: ``CANCELLED`` (read back as cancelled) or ``CANCEL_REQUESTED`` (accepted, not yet visible).
        observed_status: the MCF status read before cancelling.
    """

    order_id: str
    status: FbaCancelStatus = attrs.field(converter=FbaCancelStatus)
    api: Literal["2020-07-01", "2026-07-04"] = "2020-07-01"
    observed_status: str | None = None

    @property
    def ok(self) -> bool:
        """Always True: failures raise."""
        return True


Api = Literal["2020-07-01", "2026-07-04"]
CANCELLABLE_2020: Final = frozenset({"Received", "Planning"})
# 4xx answers that say something other than "this order cannot be cancelled now".
_NOT_A_REFUSAL: Final = frozenset({401, 403, 404, 429})
_HINTS: Final = {
    "New": "Amazon has not accepted it yet; read it again in a moment: it can be cancelled once Received.",
    "Processing": (
        "Amazon's fulfillment center is already working on it (the cancel window is about 15 minutes after "
        "submission, while it is Received or Planning). It will ship: handle it as a return after delivery."
    ),
    "Cancelled": "It is already cancelled; nothing to do.",
    "Complete": "It has shipped: handle it as a return.",
    "CompletePartialled": "It has partly shipped: handle the shipped units as a return.",
    "Unfulfillable": "Amazon could not fulfil it; unfulfillable orders end cancelled on their own.",
    "Invalid": "Amazon rejected the order; there is nothing to cancel.",
    "PROCESSING": "Amazon refused the cancel: the fulfillment center has probably started on it.",
    "COMPLETE": "It has shipped: handle it as a return.",
    "COMPLETE_PARTIAL": "It has partly shipped: handle the shipped units as a return.",
    "CANCELLED": "It is already cancelled; nothing to do.",
    "UNFULFILLABLE": "Amazon could not fulfil it; unfulfillable orders end cancelled on their own.",
    "INVALID": "Amazon rejected the order; there is nothing to cancel.",
}
_log = get_logger()


def _refuse(order_id: str, status: str, why: str = "") -> NotCancellableError:
    return NotCancellableError(
        f"MCF order {order_id} is {status}{why}.", target_id=order_id, state=status, hint=_HINTS.get(status)
    )


def _status_2020(ctx: Context, order_id: str) -> str:
    return ctx.api.get_fulfillment_order(order_id).fulfillment_order.fulfillment_order_status


def _status_2026(ctx: Context, order_id: str) -> str:
    return ctx.api.get_fulfillment_order_2026(order_id).status or "UNKNOWN"


@attrs.frozen(kw_only=True)
class _Route:
    """How one Fulfillment Outbound version reads, cancels and words a refusal."""

    api: Api
    operation: str
    status: Callable[[Context, str], str]
    cancel: Callable[[Context, str], object]
    cancellable: frozenset[str]
    cancelled: str
    # Where an accepted cancel may still be carried out by the fulfillment center (2026: PROCESSING is the only
    # state before shipping, and the cancel is asynchronous); any other state after a cancel means it did not.
    requested: frozenset[str]
    not_cancellable: str  # appended to "MCF order X is STATUS"
    refused: str  # the same, with Amazon's message as {message}


_ROUTES: Final[dict[str, _Route]] = {
    "2020-07-01": _Route(
        api="2020-07-01",
        operation="cancelFulfillmentOrder",
        status=_status_2020,
        cancel=lambda ctx, order_id: ctx.api.cancel_fulfillment_order(order_id),
        cancellable=CANCELLABLE_2020,
        cancelled="Cancelled",
        requested=frozenset(),
        not_cancellable="; only Received or Planning orders can be cancelled",
        refused=" (Amazon refused the cancel: {message})",
    ),
    # The 2026 status cannot tell whether the window is open: Amazon's 4xx is the answer, re-read then.
    "2026-07-04": _Route(
        api="2026-07-04",
        operation="cancelOrder",
        status=_status_2026,
        cancel=lambda ctx, order_id: ctx.api.cancel_fulfillment_order_2026(order_id),
        cancellable=frozenset({"PROCESSING"}),
        cancelled="CANCELLED",
        requested=frozenset({"PROCESSING"}),
        not_cancellable="",
        refused=" and Amazon refused the cancel: {message}",
    ),
}


def _send(ctx: Context, route: _Route, order_id: str) -> None:
    """Ask Amazon to cancel (a lost answer is asked again by the retry policy: cancelling is harmless)."""
    try:
        route.cancel(ctx, order_id)
    except ApiError as exc:
        if exc.status is None or not 400 <= exc.status < 500 or exc.status in _NOT_A_REFUSAL:
            raise
        now = route.status(ctx, order_id)
        raise _refuse(order_id, now, route.refused.format(message=exc.message.rstrip("."))) from exc


def _cancel(ctx: Context, route: _Route, order_id: str) -> FbaCancelOutcome:
    before = route.status(ctx, order_id)
    if before == route.cancelled:
        # The same intent again (or an order cancelled meanwhile): the order is cancelled; nothing is sent.
        return FbaCancelOutcome(order_id=order_id, status="CANCELLED", api=route.api, observed_status=before)
    if before not in route.cancellable:
        raise _refuse(order_id, before, route.not_cancellable)
    _send(ctx, route, order_id)
    after = route.status(ctx, order_id)
    if after in route.cancellable:
        # No success from silence: Amazon answered (perhaps with an empty 200) but the order reads back as it
        # was. Cancelling a pending MCF order again is harmless: ask once more, then read back again.
        _send(ctx, route, order_id)
        after = route.status(ctx, order_id)
    if after == route.cancelled:
        return FbaCancelOutcome(order_id=order_id, status="CANCELLED", api=route.api, observed_status=before)
    if after in route.requested:
        # 2026-07-04: accepted (202) twice and still PROCESSING: the cancel is asynchronous; read it again later.
        return FbaCancelOutcome(order_id=order_id, status="CANCEL_REQUESTED", api=route.api, observed_status=before)
    if after in route.cancellable:
        raise OutcomeUnknownError(
            f"Amazon accepted the cancel of MCF order {order_id} twice, but it still reads back as {after}; "
            "call cancel_fba_order again in a minute (cancelling it again is harmless)",
            operation=route.operation,
        )
    # The order moved on (Processing, Complete...) instead of to cancelled: Amazon did not cancel it.
    raise _refuse(order_id, after, f" after the cancel request (it was {before}): Amazon did not cancel it in time")


def cancel_fba_order(ctx: Context, seller_fulfillment_order_id: str, *, api: Api = "2020-07-01") -> FbaCancelOutcome:
    """See ``sp_cancel.SellerClient.cancel_fba_order`` (which checks the id and ``api``).

    Raises:
        NotFoundError: Amazon has no such MCF order.
        NotCancellableError: the order is past ``Planning`` (or, with 2026-07-04, Amazon refused), with its status.
    """
    order_id = seller_fulfillment_order_id
    route = _ROUTES[api]
    outcome = _cancel(ctx, route, order_id)
    _log.info(
        events.ORDER_CANCELLED,
        order_id=order_id,
        operation=route.operation,
        status=outcome.status,
        observed_status=outcome.observed_status,
    )
    return outcome
