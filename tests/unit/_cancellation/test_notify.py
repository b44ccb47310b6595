"""Telling the buyer why (sp_cancel/_cancellation/notify.py): journaled before the cancel, sent once it is done.

At most once: a message is sent only for a cancel Amazon confirmed, only when Amazon offers the message type,
and a lost answer is never sent again. (The text rules are in tests/unit/test_buyer_message_text.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from sp_cancel._cancellation.notify import attach, follow
from sp_cancel._cancellation.outcomes import BuyerMessageStatus, CancelOutcome, CancelStatus
from sp_cancel.clock import FakeClock
from sp_cancel.errors import ApiError, OutcomeUnknownError, ServerError
from sp_cancel.journal import Journal
from sp_cancel.models import CancelReason
from sp_cancel.transport import MessagingActions

US = "ATVPDKIKX0DER"
A = "111-0000000-0000001"
TEXT = "We are sorry: the item is out of stock, so we cancelled your order."


class Messaging:
    """getMessagingActionsForOrder and createUnexpectedProblem, scripted."""

    def __init__(self) -> None:
        """Amazon offers the message and takes it, until a test says otherwise."""
        self.offered = ("unexpectedProblem",)
        self.ask_errors: list[Exception] = []
        self.send_errors: list[Exception] = []
        self.sent: list[tuple[str, str]] = []

    def get_messaging_actions_for_order(self, order_id: str, *, marketplace_id: str) -> MessagingActions:
        """The message types Amazon offers for the order (or the next scripted error)."""
        del order_id, marketplace_id  # one order
        if self.ask_errors:
            raise self.ask_errors.pop(0)
        return MessagingActions(names=self.offered)

    def create_unexpected_problem(self, order_id: str, *, text: str, marketplace_id: str) -> None:
        """The message, counted even when its answer is then lost."""
        del marketplace_id  # one marketplace
        self.sent.append((order_id, text))
        if self.send_errors:
            raise self.send_errors.pop(0)


@pytest.fixture
def api() -> Messaging:
    """The fake Messaging API."""
    return Messaging()


@pytest.fixture
def ctx(api: Messaging) -> Iterator[SimpleNamespace]:
    """The parts of a Context the message code reads."""
    clock = FakeClock()

    def amazon_now() -> datetime:
        return clock.now()

    with Journal(":memory:", clock=clock) as journal:
        yield SimpleNamespace(
            api=api, journal=journal, clock=clock, seller_id="S1", marketplace_id=US, amazon_now=amazon_now
        )


def outcome(status: CancelStatus, key: str = "cancel-1") -> CancelOutcome:
    """A whole-order cancel's outcome."""
    return CancelOutcome(order_id=A, status=status, reason=CancelReason.NO_INVENTORY, submission_id=key)


def message(ctx: SimpleNamespace, status: CancelStatus, text: str | None = TEXT) -> object:
    """The buyer message attached to an outcome in ``status``."""
    return attach(ctx, outcome(status), text).buyer_message  # type: ignore[arg-type]  # the fake context


def test_a_confirmed_cancel_sends_the_message_once(ctx: SimpleNamespace, api: Messaging) -> None:
    """CANCELLED: SENT; asked again, the journal answers and nothing is sent again."""
    first = message(ctx, CancelStatus.CANCELLED)
    assert first.status is BuyerMessageStatus.SENT  # type: ignore[attr-defined]
    again = message(ctx, CancelStatus.CANCELLED)
    assert again.status is BuyerMessageStatus.SENT  # type: ignore[attr-defined]
    assert api.sent == [(A, TEXT)]


def test_a_cancel_not_confirmed_yet_keeps_the_message_pending(ctx: SimpleNamespace, api: Messaging) -> None:
    """SUBMITTED: journaled PENDING, nothing sent; following the confirmed cancel later sends it."""
    assert message(ctx, CancelStatus.SUBMITTED).status is BuyerMessageStatus.PENDING  # type: ignore[attr-defined]
    assert api.sent == []
    later = follow(ctx, outcome(CancelStatus.CANCELLED))  # type: ignore[arg-type]  # the fake context
    assert later.buyer_message is not None
    assert later.buyer_message.status is BuyerMessageStatus.SENT
    assert api.sent == [(A, TEXT)]


@pytest.mark.parametrize("status", [CancelStatus.REJECTED, CancelStatus.NOT_SENT])
def test_the_buyer_is_never_told_of_a_cancel_amazon_did_not_make(
    ctx: SimpleNamespace, api: Messaging, status: CancelStatus
) -> None:
    """A rejected or unsent cancel: SKIPPED, nothing sent."""
    assert message(ctx, status).status is BuyerMessageStatus.SKIPPED  # type: ignore[attr-defined]
    assert api.sent == []


def test_a_message_amazon_does_not_offer_is_skipped(ctx: SimpleNamespace, api: Messaging) -> None:
    """GetMessagingActionsForOrder does not list unexpectedProblem: SKIPPED for good."""
    api.offered = ()
    assert message(ctx, CancelStatus.CANCELLED).status is BuyerMessageStatus.SKIPPED  # type: ignore[attr-defined]
    api.offered = ("unexpectedProblem",)
    assert message(ctx, CancelStatus.CANCELLED).status is BuyerMessageStatus.SKIPPED  # type: ignore[attr-defined]
    assert api.sent == []


@pytest.mark.parametrize(
    "lost",
    [
        OutcomeUnknownError("timed out", operation="createUnexpectedProblem"),
        ServerError("500", operation="x", status=500),
    ],
)
def test_a_lost_answer_is_unconfirmed_and_never_sent_again(
    ctx: SimpleNamespace, api: Messaging, lost: Exception
) -> None:
    """Amazon may have delivered it: UNCONFIRMED, and the next look does not send it again."""
    api.send_errors = [lost]
    assert message(ctx, CancelStatus.CANCELLED).status is BuyerMessageStatus.UNCONFIRMED  # type: ignore[attr-defined]
    assert message(ctx, CancelStatus.CANCELLED).status is BuyerMessageStatus.UNCONFIRMED  # type: ignore[attr-defined]
    assert len(api.sent) == 1


def test_a_refused_message_is_failed_and_asking_again_sends_a_new_attempt(ctx: SimpleNamespace, api: Messaging) -> None:
    """A 400: FAILED (nothing went out); the next attach with a text is a new attempt, and is sent."""
    api.send_errors = [ApiError("bad text", operation="createUnexpectedProblem", status=400)]
    assert message(ctx, CancelStatus.CANCELLED).status is BuyerMessageStatus.FAILED  # type: ignore[attr-defined]
    assert message(ctx, CancelStatus.CANCELLED, "Sorry, out of stock.").status is BuyerMessageStatus.SENT  # type: ignore[attr-defined]
    assert api.sent == [(A, TEXT), (A, "Sorry, out of stock.")]


def test_when_amazon_cannot_be_asked_the_message_waits(ctx: SimpleNamespace, api: Messaging) -> None:
    """A 503 on getMessagingActionsForOrder: PENDING, nothing sent; the next look sends it."""
    api.ask_errors = [ServerError("unavailable", operation="getMessagingActionsForOrder", status=503)]
    assert message(ctx, CancelStatus.CANCELLED).status is BuyerMessageStatus.PENDING  # type: ignore[attr-defined]
    assert api.sent == []
    ctx.clock.advance(timedelta(seconds=1).total_seconds())
    assert message(ctx, CancelStatus.CANCELLED).status is BuyerMessageStatus.SENT  # type: ignore[attr-defined]
    assert api.sent == [(A, TEXT)]


def test_no_text_no_message(ctx: SimpleNamespace, api: Messaging) -> None:
    """Without a text (and none journaled) the outcome carries no buyer message."""
    assert message(ctx, CancelStatus.CANCELLED, None) is None
    assert api.sent == []
