"""Telling the buyer why the order was cancelled: Amazon's Messaging API, at most once per order and cancel.

The message goes out only once Amazon confirmed the cancel (``CANCELLED`` or ``PARTIALLY_CANCELLED``):

1. The text is checked before any request (``check_text``: plain text, 1 to 2000 characters after trimming,
   no HTML, no e-mail address, no link). A bad text raises ``InvalidInputError``, and neither the cancel nor
   the message is sent.
2. It is journaled as its own entry (kind ``buyer_message``, keyed by seller, order and the cancel's
   submission) before the cancel's feed goes out, as a plan no one holds: *pending*. A crash anywhere after
   that leaves it for ``client.refresh``/``wait``/``resume()``.
3. When the cancel is confirmed, one worker takes the plan (the journal's ``take_over``: exactly one wins),
   asks ``getMessagingActionsForOrder`` whether Amazon offers ``unexpectedProblem`` for the order (skipped
   with the reason when it does not), journals that sending starts, and calls ``createUnexpectedProblem``.
4. A lost answer (a timeout, a 5xx, a dropped connection, a sender that stopped after sending began) may
   have reached the buyer, and Amazon offers no API to read messages back: it is ``UNCONFIRMED`` for good and
   never resent. A buyer who gets the explanation twice is the failure this avoids. (While the worker that
   began sending may still be waiting for the answer, up to ``SENDING_GRACE``, others report it ``PENDING``.)

A cancel Amazon did not make (``REJECTED``, ``NOT_SENT``, refused) never gets a message: its pending message
is journaled ``SKIPPED``. A message Amazon refused (a 4xx) is ``FAILED``; asking again (the same call with
``notify_buyer``, or ``client.notify_buyer``) journals a new attempt and sends it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Final

import attrs

import sp_cancel._events as events
from sp_cancel._cancellation.outcomes import (
    BuyerMessage,
    BuyerMessageStatus,
    CancelOutcome,
    CancelStatus,
    buyer_message_from_json,
    buyer_message_to_json,
    cancel_from_json,
)
from sp_cancel._cancellation.record import CANCEL_KINDS, submitted_outcome
from sp_cancel._runtime.claims import LOCAL, claim_note, live_key, sent_on_amazon_clock, stale_claim
from sp_cancel.errors import (
    ApiError,
    AuthError,
    InvalidInputError,
    NotFoundError,
    OutcomeUnknownError,
    ServerError,
    SpCancelError,
)
from sp_cancel.journal import JournalError, drop_owner, holder
from sp_cancel.logging import get_logger
from sp_cancel.models import CancelRequest
from sp_cancel.orders import OrderState, get_order

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context
    from sp_cancel.journal import Entry, FinalState

__all__ = [
    "ACTION",
    "KIND_MESSAGE",
    "MAX_LENGTH",
    "SENDING_GRACE",
    "TextFor",
    "attach",
    "check_text",
    "follow",
    "journal_message",
    "journal_pending",
    "notify_buyer",
    "settle_pending",
    "texts_for",
]

KIND_MESSAGE: Final = "buyer_message"
#: The message type Amazon offers for "an unexpected problem ... affecting the completion of the order".
ACTION: Final = "unexpectedProblem"
#: ``CreateUnexpectedProblemRequest.text``: ``minLength`` 1, ``maxLength`` 2000 (messaging.json).
MAX_LENGTH: Final = 2000
# The longest a live worker can be waiting for createUnexpectedProblem's answer (the default retry budget is
# 300 s, plus the HTTP timeouts): past it, a message whose sending began and never ended is UNCONFIRMED.
SENDING_GRACE: Final = timedelta(minutes=15)
# A pending message is a plan nobody holds: its lease ends at once, so whoever sees the cancel confirmed
# (this process or another) takes it over; ``take_over`` lets exactly one of them send it.
_PENDING_LEASE: Final = 0.001

_log = get_logger()

TextFor = Callable[[CancelRequest], "str | None"]
"""Per-order text for a batch: the text for that request's buyer, or ``None`` for no message."""

# --- the text rules ---------------------------------------------------------------------------------------

# An HTML tag (<b>, </p>, <br/>, <!-- -->, <a href=...>) or a character reference (&amp; &#39; &#x27;).
_TAG: Final = re.compile(r"<\s*/?\s*[A-Za-z!?][^>]*>")
_ENTITY: Final = re.compile(r"&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
_EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A link: a scheme (https://, mailto:, ftp://), "www.", or a bare host name under a common top-level domain.
_SCHEME: Final = re.compile(r"\b(?:[a-z][a-z0-9+.-]*://|mailto:|www\.)", re.IGNORECASE)
_HOST: Final = re.compile(
    r"\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
    r"\.(?:com|net|org|info|biz|io|co|shop|store|online|site|app|me|ly|gl|to|de|uk|fr|it|es|nl|se|pl|be|jp|ca|"
    r"mx|br|au|in|sg|ae|sa|tr|eg|cn|ie)(?=$|[/\s:?#),;!'\"])",
    re.IGNORECASE,
)
# Control characters other than tab, line feed and carriage return: not plain text.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text(text: object, field: str = "notify_buyer") -> str:
    """The text to send the buyer, trimmed, or ``InvalidInputError`` naming every rule it breaks.

    Amazon's rules (``CreateUnexpectedProblemRequest.text`` in its Messaging model): 1 to 2000 characters;
    "Do not include HTML or email addresses"; "Only links related to unexpected problem calls are allowed".
    No check can tell a link related to the problem from any other, so **no link is accepted** (no scheme, no
    ``www.``, no host name such as ``example.com``): a message about a cancelled order needs none, and a link
    is the usual carrier of the marketing Amazon forbids in buyer messages. Plain text: tabs and line breaks
    are kept, other control characters are refused. The buyer's language is the seller's to choose
    (Amazon's ``GetAttributes`` tells the buyer's locale); no check can judge it, or the tone.
    """
    if not isinstance(text, str):
        kind = type(text).__name__
        raise InvalidInputError(f"{field} must be the text to send the buyer (a str), not {kind}", field=field)
    trimmed = text.strip()
    problems: list[str] = []
    if not trimmed:
        problems.append("it is empty (Amazon needs 1 to 2000 characters)")
    if len(trimmed) > MAX_LENGTH:
        problems.append(f"it has {len(trimmed)} characters after trimming; Amazon takes at most {MAX_LENGTH}")
    if (html := _TAG.search(trimmed) or _ENTITY.search(trimmed)) is not None:
        problems.append(f"it holds HTML ({html.group(0)[:40]!r}); Amazon takes plain text only")
    if (email := _EMAIL.search(trimmed)) is not None:
        problems.append(f"it holds an e-mail address ({email.group(0)[:60]!r}); Amazon forbids them")
    if (link := _SCHEME.search(trimmed) or _HOST.search(trimmed)) is not None:
        problems.append(f"it holds a link ({link.group(0)[:60]!r}); no link is accepted")
    if _CONTROL.search(trimmed):
        problems.append("it holds control characters; plain text takes only tabs and line breaks")
    if problems:
        raise InvalidInputError(
            f"{field}: the message to the buyer cannot be sent: " + "; ".join(problems) + ". Nothing was sent.",
            field=field,
        )
    return trimmed


def texts_for(requests: Iterable[CancelRequest], notify_buyer: str | TextFor | None) -> dict[str, str]:
    """Order id -> checked text, for every request that gets a message; raises before anything is sent.

    ``notify_buyer`` is one text for every order, or a function of the request returning its text (or
    ``None`` for no message). Every text is checked first; one bad text refuses the whole batch.
    """
    if notify_buyer is None:
        return {}
    texts: dict[str, str] = {}
    problems: list[str] = []
    for request in requests:
        if request.order_id in texts:
            continue
        raw = notify_buyer(request) if callable(notify_buyer) else notify_buyer
        if raw is None:
            continue
        try:
            texts[request.order_id] = check_text(raw)
        except InvalidInputError as exc:
            problems.append(f"order {request.order_id}: {exc}")
    if problems:
        raise InvalidInputError("; ".join(problems), field="notify_buyer")
    return texts


# --- journal keys and entries -----------------------------------------------------------------------------


def _base_key(seller_id: str, order_id: str, cancel_key: str | None) -> str:
    raw = f"{seller_id}|{order_id}|{cancel_key or '-'}"
    return "message-" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def _latest(ctx: Context, base: str) -> Entry | None:
    """The newest attempt of a message (``<base>``, ``<base>~2``...): a refused one is followed by the next."""
    found, key, attempt = None, base, 1
    while (entry := ctx.journal.get(key)) is not None:
        found, attempt = entry, attempt + 1
        key = f"{base}~{attempt}"
    return found


@attrs.frozen(kw_only=True)
class MessagePayload:
    """A buyer's message as the journal keeps it, and its codec (the only reader of the JSON form)."""

    order_id: str
    text: str
    cancel_key: str | None
    marketplace_id: str

    @classmethod
    def of_entry(cls, entry: Entry) -> MessagePayload:
        """The payload of a journaled message."""
        data = entry.payload
        return cls(
            order_id=str(data.get("order_id") or entry.target),
            text=str(data.get("text") or ""),
            cancel_key=data.get("cancel_key"),
            marketplace_id=str(data.get("marketplace_id") or ""),
        )

    def to_json(self) -> dict[str, str | None]:
        """The JSON form the journal stores."""
        return attrs.asdict(self)


def journal_message(
    ctx: Context, cancel_key: str | None, order_id: str, text: str, *, marketplace_id: str | None = None
) -> Entry:
    """Journal the message for a cancel as pending (nobody holds it), unless one is journaled already.

    One message per order and cancel: if this cancel's message is journaled (sent, pending, skipped...),
    that entry is returned and ``text`` is not used. Only after Amazon refused one (``FAILED``) does a new
    attempt take ``text``.
    """
    key = live_key(ctx.journal, _base_key(ctx.seller_id, order_id, cancel_key))
    payload = MessagePayload(
        order_id=order_id, text=text, cancel_key=cancel_key, marketplace_id=marketplace_id or ctx.marketplace_id
    )
    entry, created = ctx.journal.plan(
        key, kind=KIND_MESSAGE, target=order_id, payload=payload.to_json(), lease_seconds=_PENDING_LEASE
    )
    if created:
        drop_owner(entry.owner)  # a pending message is held by no call: the next one to see the cancel done takes it
        _log.info(events.BUYER_MESSAGE_PENDING, key=key, order_id=order_id, cancel_key=cancel_key)
    return entry


def journal_pending(
    ctx: Context, cancel_key: str, order_id: str, text: str | None, *, marketplace_id: str | None = None
) -> None:
    """``journal_message`` when there is a text: called right before a cancel goes out, so a crash cannot lose it."""
    if text is not None:
        journal_message(ctx, cancel_key, order_id, text, marketplace_id=marketplace_id)


# --- settling one message ---------------------------------------------------------------------------------


def _message(entry: Entry, status: BuyerMessageStatus, detail: str | None) -> BuyerMessage:
    return BuyerMessage(
        order_id=entry.target,
        status=status,
        detail=detail,
        submission_id=entry.key,
        text=MessagePayload.of_entry(entry).text,
    )


def _end(ctx: Context, entry: Entry, status: BuyerMessageStatus, detail: str | None, state: FinalState) -> BuyerMessage:
    """Journal how the message ended; the answer stands even when the journal cannot record it."""
    message = _message(entry, status, detail)
    try:
        ctx.journal.mark_done(entry.key, state=state, outcome=buyer_message_to_json(message))
    except JournalError as exc:  # the next look finds it submitted (UNCONFIRMED) or planned: never sent twice
        _log.warning(events.RESUME_FAILED, key=entry.key, reason=str(exc)[:300])
    event = {
        BuyerMessageStatus.SENT: events.BUYER_MESSAGE_SENT,
        BuyerMessageStatus.SKIPPED: events.BUYER_MESSAGE_SKIPPED,
        BuyerMessageStatus.UNCONFIRMED: events.SUBMISSION_UNCONFIRMED,
    }.get(status, events.BUYER_MESSAGE_FAILED)
    _log.info(event, key=entry.key, order_id=entry.target, status=status.value, detail=detail)
    return message


def _hold(ctx: Context, entry: Entry, owner: str | None) -> None:
    """Give a taken plan back, unsent: pending again, for the next look to take."""
    try:
        if owner is not None:
            ctx.journal.renew_lease(entry.key, owner=owner, lease_seconds=_PENDING_LEASE)
    except JournalError:
        pass  # its lease runs out by itself; this process forgets the token so its next call takes it at once
    finally:
        drop_owner(owner)


_WAITING: Final = (
    "waiting for Amazon to confirm the cancel (it is {status}); client.refresh(outcome), client.wait(outcome) "
    "or client.resume() sends it once the cancel is confirmed"
)
_NOT_DONE: Final = (
    "not sent: the cancel was not done ({status}); the buyer is never told of a cancel Amazon did not make"
)
_LOST: Final = (
    "createUnexpectedProblem was sent and its answer was lost ({why}): the buyer may have it. It is never sent "
    "again (Amazon offers no API to read messages back); Seller Central's Buyer-Seller Messages show whether it "
    "went out"
)


def _offered(ctx: Context, entry: Entry) -> bool:
    """Whether Amazon offers ``unexpectedProblem`` for the order (``getMessagingActionsForOrder``)."""
    market = MessagePayload.of_entry(entry).marketplace_id or ctx.marketplace_id
    return ctx.api.get_messaging_actions_for_order(entry.target, marketplace_id=market).offers(ACTION)


def _send(ctx: Context, entry: Entry) -> BuyerMessage:
    """Take the pending message (one worker wins), ask Amazon whether it offers it, and send it once."""
    with LOCAL.lead(ctx.journal, entry.key):
        current = ctx.journal.get(entry.key) or entry
        if current.finished and current.outcome:  # settled meanwhile
            return buyer_message_from_json(current.outcome)
        if current.state != "planned":  # sending began elsewhere
            return _in_flight(ctx, current)
        stale = stale_claim(current, ctx.clock.now())
        taken = None if stale is None else ctx.journal.take_over(current.key, stale_owner=stale or None)
        if taken is None:
            return _message(current, BuyerMessageStatus.PENDING, f"not sent by this call: {claim_note(current)}")
        return _ask(ctx, taken) or _deliver(ctx, taken)


def _ask(ctx: Context, entry: Entry) -> BuyerMessage | None:
    """``None`` when Amazon offers the message for the order; else why it is not sent (now or ever)."""
    try:
        offered = _offered(ctx, entry)
    except NotFoundError as exc:
        why = f"not sent: Amazon's Messaging API does not know this order ({exc})"
        return _end(ctx, entry, BuyerMessageStatus.SKIPPED, why, "rejected")
    except AuthError as exc:
        why = (
            "not sent: Amazon refused getMessagingActionsForOrder (the application needs the Buyer Communication "
            f"role): {exc}"
        )
        return _end(ctx, entry, BuyerMessageStatus.FAILED, why, "failed")
    except SpCancelError as exc:
        _hold(ctx, entry, entry.owner)
        why = f"not sent yet: Amazon could not be asked now ({exc}); client.refresh(outcome) or resume() tries again"
        return _message(entry, BuyerMessageStatus.PENDING, why)
    if offered:
        return None
    why = f"not sent: Amazon offers no {ACTION} message for this order (getMessagingActionsForOrder does not list it)"
    return _end(ctx, entry, BuyerMessageStatus.SKIPPED, why, "rejected")


def _deliver(ctx: Context, entry: Entry) -> BuyerMessage:
    """Journal that sending starts, then ``createUnexpectedProblem``: a lost answer is never resent."""
    payload = MessagePayload.of_entry(entry)
    market = payload.marketplace_id or ctx.marketplace_id
    try:
        ctx.journal.mark_submitting(
            [entry.key],
            feed_type=None,
            document_hash=None,
            sent_at=ctx.clock.now(),
            amazon_sent_at=ctx.amazon_now(),
            owner=entry.owner,
        )
    except JournalError as exc:  # not recorded, so not sent: pending again
        _hold(ctx, entry, entry.owner)
        return _message(entry, BuyerMessageStatus.PENDING, f"not sent yet: the journal failed ({exc})")
    try:
        ctx.api.create_unexpected_problem(entry.target, text=payload.text, marketplace_id=market)
    except (OutcomeUnknownError, ServerError) as exc:  # Amazon may have acted: at most once
        return _end(ctx, entry, BuyerMessageStatus.UNCONFIRMED, _LOST.format(why=str(exc)[:200]), "done")
    except ApiError as exc:  # a refusal (4xx), a 429 past the retry budget, a request never sent: nothing went out
        how = "Amazon refused it" if exc.status is not None else "it never reached Amazon"
        why = (
            f"not sent: {how}: {exc}. Asking again (client.notify_buyer, or the cancel call with notify_buyer) sends it"
        )
        return _end(ctx, entry, BuyerMessageStatus.FAILED, why, "failed")
    return _end(ctx, entry, BuyerMessageStatus.SENT, None, "done")


def _in_flight(ctx: Context, entry: Entry) -> BuyerMessage:
    """A message whose sending began and whose end is not journaled (the caller holds its local lead).

    No call of this process is sending it (the lead says so). Another worker may still be waiting for
    Amazon's answer: while that worker can be alive (another process or host) and less than
    ``SENDING_GRACE`` has passed since sending began (Amazon's clock), it is ``PENDING``. Otherwise its
    sender crashed or lost the answer: ``UNCONFIRMED`` for good, never sent again.
    """
    who = holder(entry.owner)
    began = sent_on_amazon_clock(entry)
    if who.state in {"alive", "unknown"} and began is not None and ctx.amazon_now() - began < SENDING_GRACE:
        return _message(
            entry,
            BuyerMessageStatus.PENDING,
            f"being sent by {who} since {began.isoformat(timespec='seconds')}; its answer decides",
        )
    why = _LOST.format(why="sending began and its end was never recorded: its sender stopped")
    return _end(ctx, entry, BuyerMessageStatus.UNCONFIRMED, why, "done")


def _settle(ctx: Context, entry: Entry, cancel: CancelStatus) -> BuyerMessage:
    """The message's answer for a cancel in state ``cancel``: sent when it is done, pending while it is not."""
    if entry.finished and entry.outcome:
        return buyer_message_from_json(entry.outcome)
    if entry.state == "submitted":
        with LOCAL.lead(ctx.journal, entry.key):  # a call of this process sending it finishes first
            current = ctx.journal.get(entry.key) or entry
            if current.finished and current.outcome:
                return buyer_message_from_json(current.outcome)
            return _in_flight(ctx, current)
    if cancel in {CancelStatus.SUBMITTED, CancelStatus.UNCONFIRMED}:
        return _message(entry, BuyerMessageStatus.PENDING, _WAITING.format(status=cancel.value))
    if cancel not in {CancelStatus.CANCELLED, CancelStatus.PARTIALLY_CANCELLED}:
        return _end(ctx, entry, BuyerMessageStatus.SKIPPED, _NOT_DONE.format(status=cancel.value), "rejected")
    return _send(ctx, entry)


def follow(ctx: Context, outcome: CancelOutcome) -> CancelOutcome:
    """The outcome with what happened to its buyer message (sent now if the cancel is confirmed).

    An outcome whose cancel has no journaled message is returned as it is. The message's failures are
    never errors of the cancel: what could not be done now is in ``buyer_message.detail``.
    """
    if outcome.submission_id is None:
        return outcome
    try:
        entry = _latest(ctx, _base_key(ctx.seller_id, outcome.order_id, outcome.submission_id))
        if entry is None:
            return outcome
        message = _settle(ctx, entry, outcome.status)
    except SpCancelError as exc:  # the journal failing: the message waits for the next look
        _log.warning(events.RESUME_FAILED, order_id=outcome.order_id, reason=str(exc)[:300])
        message = BuyerMessage(
            order_id=outcome.order_id,
            status=BuyerMessageStatus.PENDING,
            detail=f"could not be settled now: {exc}; client.refresh(outcome) or client.resume() tries again",
        )
    return attrs.evolve(outcome, buyer_message=message)


def attach(ctx: Context, outcome: CancelOutcome, text: str | None) -> CancelOutcome:
    """Journal ``text`` for the outcome's cancel (unless the cancel was not done), then ``follow`` it."""
    if (
        text is not None
        and outcome.submission_id is not None
        and (outcome.ok or outcome.status in {CancelStatus.SUBMITTED, CancelStatus.UNCONFIRMED})
    ):
        journal_message(ctx, outcome.submission_id, outcome.order_id, text)
    followed = follow(ctx, outcome)
    if text is not None and followed.buyer_message is None:  # refused before sending, rejected, not sent
        followed = attrs.evolve(
            followed,
            buyer_message=BuyerMessage(
                order_id=outcome.order_id,
                status=BuyerMessageStatus.SKIPPED,
                detail=_NOT_DONE.format(status=outcome.status.value),
                text=text,
            ),
        )
    return followed


def settle_pending(ctx: Context, *, skip: Iterable[str] = ()) -> list[CancelOutcome]:
    """Settle every pending message whose cancel ended (the ``resume()`` sweep); one outcome per such cancel.

    Cancels in ``skip`` (already followed by the caller) and cancels still in flight are left alone. A
    message journaled by ``client.notify_buyer`` for an order cancelled outside this library is settled too
    (it has no cancel outcome to return).
    """
    skipped = set(skip)
    found: list[CancelOutcome] = []
    for entry in ctx.journal.unfinished():
        if entry.kind != KIND_MESSAGE:
            continue
        cancel_key = MessagePayload.of_entry(entry).cancel_key
        if cancel_key in skipped:
            continue
        try:
            if cancel_key is None:
                _settle(ctx, entry, CancelStatus.CANCELLED)  # notify_buyer checked the order cancelled
                continue
            cancel = ctx.journal.get(str(cancel_key))
            if cancel is None or not cancel.finished:
                # In flight (resume_cancels follows it), or never sent (its plan was released after a failure
                # before createFeed): the message waits for the same cancel asked again.
                continue
            if not cancel.outcome:
                _settle(ctx, entry, CancelStatus.NOT_SENT)
                continue
            outcome = cancel_from_json(cancel.outcome)
            found.append(attrs.evolve(outcome, buyer_message=_settle(ctx, entry, outcome.status)))
        except SpCancelError as exc:
            _log.warning(events.RESUME_FAILED, key=entry.key, reason=str(exc)[:300])
    return found


# --- the standalone call ----------------------------------------------------------------------------------


def notify_buyer(ctx: Context, order_id: str, text: str) -> BuyerMessage:
    """See ``sp_cancel.SellerClient.notify_buyer``: explain a cancel made earlier, once per order and cancel."""
    cancels = [
        e for kind in CANCEL_KINDS for e in ctx.journal.find(kind, order_id) if e.state not in {"failed", "rejected"}
    ]
    cancels.sort(key=lambda e: e.created_at, reverse=True)
    if cancels:
        cancel = cancels[0]
        done = cancel_from_json(cancel.outcome) if cancel.finished and cancel.outcome else submitted_outcome(cancel)
        entry = journal_message(ctx, cancel.key, order_id, text)
        return _message_of(ctx, entry, done.status)
    order = get_order(ctx.api, order_id)
    units = sum(i.quantity_cancelled for i in order.items)
    if order.status is not OrderState.CANCELLED and not units:
        return BuyerMessage(
            order_id=order_id,
            status=BuyerMessageStatus.SKIPPED,
            detail=f"not sent: the order reads back {order.status.value}, with no unit cancelled: there is no "
            "cancel to explain",
            text=text,
        )
    entry = journal_message(ctx, None, order_id, text, marketplace_id=order.marketplace_id)
    return _message_of(ctx, entry, CancelStatus.CANCELLED)


def _message_of(ctx: Context, entry: Entry, cancel: CancelStatus) -> BuyerMessage:
    try:
        return _settle(ctx, entry, cancel)
    except SpCancelError as exc:
        return _message(entry, BuyerMessageStatus.PENDING, f"could not be settled now: {exc}")
