"""Partial refunds through ``POST_PAYMENT_ADJUSTMENT_DATA``: validated, idempotent, sent at most once.

One refund = one idempotency key = at most one feed. The key is journaled (``planned``) before
anything is sent and becomes each item's ``MerchantAdjustmentItemID``; the journal makes exactly
one caller own it across threads and processes. A feed has one ``Message`` per adjusted item, so
Amazon's verdict is per item even though Amazon applies a message all or nothing.

Never sent twice:

- the same key again returns the journaled outcome (or follows the journaled feed);
- threads of one process with the same key queue behind one leader (``_runtime.LOCAL``),
  processes behind the journal's lease; a plan whose worker is provably gone is taken over;
- once ``createFeed`` may have gone out (a lost answer, a crash), the refund is never sent
  again on its own: it is ``UNCONFIRMED`` until Amazon shows it (a candidate feed's report,
  Finances) or the seller's horizon passes with nothing seen (``NOT_SENT``), or an operator
  declares it not sent; only then does asking again send it (the next attempt of the key);
- a feed that ends ``FATAL`` is never resent: its refunds are settled from Finances.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Final, Literal

import attrs

import sp_cancel._events as events
from sp_cancel._refunds.check import (
    RefundRequest,
    check_caps,
    check_order,
    derive_key,
    fingerprint,
    remaining,
    resolve_items,
)
from sp_cancel._refunds.outcomes import RefundOutcome, RefundStatus, RefundVerification, refund_from_json
from sp_cancel._refunds.payload import RefundPayload
from sp_cancel._refunds.record import (
    KIND,
    Released,
    journal_key,
    make_outcome,
    not_sent,
    reread,
    unconfirmed,
)
from sp_cancel._refunds.send import PlanHeld, await_plan, send, take_stale
from sp_cancel._refunds.settle import (
    PendingRefund,
    all_posted,
    already_refunded,
    correlate,
    finish,
    journal_lines,
    posted,
    record_applied,
    refund_lines,
    settle_uncertain,
    totals,
)
from sp_cancel._runtime.claims import LOCAL, base_key, claim_note, in_doubt, live_key, sent_on_amazon_clock
from sp_cancel._runtime.declare import declare_not_sent
from sp_cancel._runtime.feeds import UNCONFIRMED_PATIENCE
from sp_cancel.clock import human_duration
from sp_cancel.errors import (
    FeedTimeoutError,
    IdempotencyConflictError,
    InvalidInputError,
    NotCancellableError,
    NotFoundError,
    SpCancelError,
)
from sp_cancel.journal import JournalError
from sp_cancel.logging import get_logger
from sp_cancel.models import ItemRefund, PriceComponent
from sp_cancel.orders import Order, OrderItem, get_order, get_order_v0

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context
    from sp_cancel._runtime.feeds import Progress
    from sp_cancel.journal import Entry

__all__ = [
    "declare_refund_not_sent",
    "journal_key",
    "partial_refund",
    "refresh_refund",
    "resume_refunds",
    "unconfirmed_refunds",
    "verify_refund",
    "with_refundable",
]

_log = get_logger()


def _continue(
    ctx: Context,
    entry: Entry,
    *,
    wait: bool,
    timeout: float,
    progress: Progress | None,
    may_send: bool,
    patience: float | None = None,
) -> RefundOutcome:
    """Take a journaled refund to its outcome without ever sending it twice.

    ``patience``: how long an uncertain send is looked for before the answer is ``UNCONFIRMED`` (default:
    ``UNCONFIRMED_PATIENCE`` when waiting, one look otherwise).
    """
    if entry.finished and entry.outcome:
        return refund_from_json(entry.outcome)
    if entry.state == "planned":
        try:
            entry = await_plan(ctx, entry, may_send=may_send, wait=wait)
        except PlanHeld as held:  # a live worker is sending it: say who, and until when
            return make_outcome(held.entry, RefundStatus.SUBMITTED, detail=f"not sent yet: {held}")
    if entry.send_uncertain:
        if patience is None:
            patience = min(timeout, UNCONFIRMED_PATIENCE) if wait else 0.0
        entry = settle_uncertain(ctx, entry, patience=patience)
        if entry.finished and entry.outcome:
            return refund_from_json(entry.outcome)
        if entry.send_uncertain:
            return unconfirmed(ctx, entry, "createFeed's answer was lost and Amazon has not shown this refund yet")
    return finish(ctx, entry, wait=wait, timeout=timeout, progress=progress)


# --- the public workflow ---------------------------------------------------------------------------


def _differences(entry: Entry, request: RefundRequest | None) -> dict[str, tuple[object, object]]:
    """What differs between the journaled refund and ``request``: order, reason, amounts per item."""
    if request is None:
        return {}
    payload = RefundPayload.of_entry(entry)
    out: dict[str, tuple[object, object]] = {}
    if payload.order_id != request.order_id:
        out["order_id"] = (payload.order_id, request.order_id)
    if payload.reason is not request.reason:
        out["reason"] = (payload.reason.value, request.reason.value)
    earlier = {item: {c.value: str(m.amount) for c, m in parts.items()} for item, parts in payload.amounts.items()}
    if request.items is not None:
        new = {i.order_item_id: {c.value: str(m.amount) for c, m in i.components.items()} for i in request.items}
    elif request.bare is not None and len(earlier) == 1:
        new = {next(iter(earlier)): {PriceComponent.PRINCIPAL.value: str(request.bare.amount)}}
    else:
        new = earlier
    if new != earlier:
        out["amounts"] = (earlier, new)
    return out


def _reuse(
    ctx: Context,
    entry: Entry,
    fp: str | None,
    *,
    wait: bool,
    timeout: float,
    progress: Progress | None,
    request: RefundRequest | None = None,
) -> RefundOutcome:
    if entry.kind != KIND:
        raise InvalidInputError(f"journal key {entry.key!r} belongs to a {entry.kind}, not a refund", field="key")
    payload = RefundPayload.of_entry(entry)
    if fp is not None and payload.fingerprint != fp:
        raise IdempotencyConflictError(
            f"idempotency key {payload.idempotency_key!r} was already used for a different refund "
            f"of order {payload.order_id}; a new refund needs a new key (nothing was sent)",
            submission_id=entry.key,
            differences=_differences(entry, request),
            field="idempotency_key",
        )
    _log.info(events.REFUND_REUSED, key=entry.key, state=entry.state, feed_id=entry.feed_id)
    return _continue(ctx, entry, wait=wait, timeout=timeout, progress=progress, may_send=True)


def _early_fingerprint(ctx: Context, request: RefundRequest, entry: Entry) -> str:
    """The fingerprint of a request checked against a journaled one before reading the order."""
    items = request.items
    if items is None:  # a bare amount: resolve it against the journaled single item
        journaled = RefundPayload.of_entry(entry).items
        if len(journaled) != 1:
            return "mismatch"
        assert request.bare is not None  # noqa: S101 - normalize() sets items or bare
        items = (
            ItemRefund(order_item_id=journaled[0].order_item_id, components={PriceComponent.PRINCIPAL: request.bare}),
        )
    return fingerprint(ctx.seller_id, request.order_id, items, request.reason)


def _known(
    ctx: Context, request: RefundRequest, *, wait: bool, timeout: float, progress: Progress | None
) -> RefundOutcome | None:
    """The same key again: answer from the journal without reading the order (``None``: key unknown)."""
    early = request.idempotency_key
    if early is None and request.items is not None:
        early = derive_key(ctx.seller_id, request.order_id, request.items, request.reason)
    if early is None:
        return None
    base = journal_key(early)
    with LOCAL.lead(ctx.journal, base):
        first = ctx.journal.get(base)
        if (
            first is not None
            and first.kind == KIND
            and RefundPayload.of_entry(first).fingerprint != _early_fingerprint(ctx, request, first)
        ):
            return _reuse(ctx, first, "mismatch", wait=wait, timeout=timeout, progress=progress, request=request)
        known = ctx.journal.get(live_key(ctx.journal, base))
        if known is None:
            return None  # never asked, or every earlier attempt was not sent: check everything and send
        try:
            fp = _early_fingerprint(ctx, request, known)
            outcome = _reuse(ctx, known, fp, wait=wait, timeout=timeout, progress=progress, request=request)
        except Released:
            return None
        # Not sent (the horizon passed with nothing seen, or declared): asking again sends it, checked again.
        return None if outcome.status is RefundStatus.NOT_SENT else outcome


_NO_ITEM: Final = OrderItem(order_item_id="", sku=None, quantity_ordered=0, quantity_shipped=0, quantity_unshipped=0)
_TAXES: Final = frozenset({PriceComponent.TAX, PriceComponent.SHIPPING_TAX, PriceComponent.GIFT_WRAP_TAX})


def _with_taxes(ctx: Context, order: Order, items: Sequence[ItemRefund]) -> Order:
    """Fill tax components Orders 2026-01-01 did not break down: from Orders v0 while it is used, else the caller's.

    2026-01-01 gives an item's tax as one ``TAX`` subtotal whose per-subtype split (``detailedBreakdowns``) is
    optional; v0 has ``ItemTax`` and ``ShippingTax`` per item. Without v0 (``orders_v0="never"``, retired by
    Amazon, past 2027-03-27) the split is the caller's to name: the tax components asked for an item are capped
    together at its one subtotal (Amazon checks each against what it charged), and a tax component of an item
    with no tax figure at all is refused.

    Raises:
        InvalidInputError: without v0, the named tax components add up to more than the item's one subtotal, or
            the item has no tax figure; nothing is sent.
    """
    wanted = [
        (i, c)
        for i in items
        for c in i.components
        if c in _TAXES and c not in (order.item(i.order_item_id) or _NO_ITEM).charged
    ]
    if not wanted:
        return order
    if ctx.api.orders_v0.served:
        try:
            legacy = get_order_v0(ctx.api, order.order_id)
        except NotFoundError as exc:
            if exc.status != 404:
                raise
            # The 2026-01-01 API has just read this order: a v0 404 says the v0 resource is gone.
            ctx.api.orders_v0.retire("Amazon answered 404 to ordersV0.getOrder", operation=exc.operation, status=404)
        else:
            merged = []
            for item in order.items:
                old = legacy.item(item.order_item_id)
                extra = {c: m for c, m in (old.charged if old else {}).items() if c in _TAXES and c not in item.charged}
                merged.append(attrs.evolve(item, charged={**item.charged, **extra}))
            return attrs.evolve(order, items=tuple(merged))
    return _named_split(order, [i for i, _ in wanted], ctx.api.orders_v0.reason)


def _named_split(order: Order, asked: Sequence[ItemRefund], why: str | None) -> Order:
    """Without v0: the caller's tax components, capped together at the item's one ``TAX`` subtotal."""
    filled = {}
    for refund in asked:
        item = order.item(refund.order_item_id) or _NO_ITEM
        whole = item.charged.get(PriceComponent.TAX)
        named = {c: m for c, m in refund.components.items() if c in _TAXES}
        total = sum((m.amount for m in named.values()), Decimal(0))
        if whole is None or total > whole.amount:
            figure = f"one Tax subtotal of {whole}" if whole is not None else "no tax figure"
            asked_text = ", ".join(f"{c.value} {m}" for c, m in named.items())
            raise InvalidInputError(
                f"order {order.order_id} item {refund.order_item_id}: Amazon's Orders 2026-01-01 answer gives "
                f"{figure} without its split by subtype (detailedBreakdowns is optional), and Orders v0, which "
                f"has the split, is not used ({why}). The tax components asked ({asked_text}) add up to more "
                "than that. Nothing was sent. Name the split within the subtotal (Seller Central's order page "
                "shows each tax), or leave the tax out of this refund.",
                field="refunds",
            )
        filled[item.order_item_id] = {c: whole for c in _TAXES if c not in item.charged}
    return attrs.evolve(
        order,
        items=tuple(
            attrs.evolve(i, charged={**i.charged, **filled[i.order_item_id]}) if i.order_item_id in filled else i
            for i in order.items
        ),
    )


def with_refundable(ctx: Context, order: Order) -> Order:
    """Fill each item's ``refundable`` the way ``partial_refund`` caps a refund.

    Charged (for the units not cancelled) minus what Amazon's Finances API shows refunded, minus this
    library's refunds Amazon has not posted yet, per component. An order that cannot be refunded through
    the adjustment feed (not shipped, Amazon-fulfilled), or an item with nothing shipped, gets ``{}``; no
    Finances call is made then.
    """
    try:
        check_order(order, ())
    except NotCancellableError:
        return attrs.evolve(order, items=tuple(attrs.evolve(item, refundable={}) for item in order.items))
    already = already_refunded(ctx, order.order_id, refund_lines(ctx.api, order.order_id))
    items = []
    for item in order.items:
        currency = order.currency or next((m.currency for m in item.charged.values()), None)
        left = (
            remaining(item, already.get(item.order_item_id, {}), currency)
            if currency is not None and item.quantity_shipped > 0
            else {}
        )
        items.append(attrs.evolve(item, refundable=left))
    return attrs.evolve(order, items=tuple(items))


def partial_refund(
    ctx: Context, request: RefundRequest, *, wait: bool, timeout: float, progress: Progress | None = None
) -> RefundOutcome:
    """See ``sp_cancel.SellerClient.partial_refund`` (which checks and converts the arguments: ``normalize``)."""
    known = _known(ctx, request, wait=wait, timeout=timeout, progress=progress)
    if known is not None:
        return known
    order = get_order(ctx.api, request.order_id)
    items = resolve_items(request, order)
    fp = fingerprint(ctx.seller_id, request.order_id, items, request.reason)
    key = request.idempotency_key or derive_key(ctx.seller_id, request.order_id, items, request.reason)
    base = journal_key(key)
    with LOCAL.lead(ctx.journal, base):
        for _ in range(3):
            first = ctx.journal.get(base)
            if first is not None and first.kind == KIND and RefundPayload.of_entry(first).fingerprint != fp:
                return _reuse(ctx, first, fp, wait=wait, timeout=timeout, progress=progress, request=request)
            jkey = live_key(ctx.journal, base)
            existing = ctx.journal.get(jkey)
            if existing is not None:
                try:
                    outcome = _reuse(ctx, existing, fp, wait=wait, timeout=timeout, progress=progress, request=request)
                except Released:
                    continue
                if outcome.status is not RefundStatus.NOT_SENT:
                    return outcome
                continue  # that attempt is now known not sent: the next attempt sends it
            check_order(order, items)
            order = _with_taxes(ctx, order, items)
            check_caps(order, items, already_refunded(ctx, order.order_id, refund_lines(ctx.api, order.order_id)))
            entry, created = ctx.journal.plan(
                jkey,
                kind=KIND,
                target=order.order_id,
                payload=RefundPayload.of(order, items, request.reason, key, fp).to_json(),
            )
            try:
                if not created:
                    return _reuse(ctx, entry, fp, wait=wait, timeout=timeout, progress=progress, request=request)
                return _continue(ctx, send(ctx, entry), wait=wait, timeout=timeout, progress=progress, may_send=True)
            except Released:
                continue
    raise JournalError(f"refund {base} kept being released by other workers; try again")


def refresh_refund(ctx: Context, key: str, *, wait: bool, timeout: float, progress: Progress | None) -> RefundOutcome:
    """Re-read (``wait=False``) or wait for the refund journaled under ``key`` (its ``submission_id``), any process.

    Raises:
        InvalidInputError: the journal has no such refund, or it was never sent.
        FeedTimeoutError: ``wait`` and the feed is still processing after ``timeout``.
    """
    entry = ctx.journal.get(key)
    if entry is None or entry.kind != KIND:
        raise InvalidInputError(f"the journal has no refund {key!r}", field="outcome")
    with LOCAL.lead(ctx.journal, base_key(key)):
        try:
            return _continue(ctx, reread(ctx, key), wait=wait, timeout=timeout, progress=progress, may_send=False)
        except Released:
            raise InvalidInputError(
                f"refund {key} was never sent; call partial_refund again", field="outcome"
            ) from None


def _resume_one(ctx: Context, key: str, *, timeout: float, progress: Progress | None) -> RefundOutcome | None:
    """Finish one journaled refund for ``resume()``; ``None`` when another worker finished it meanwhile."""
    entry = ctx.journal.get(key)
    if entry is None or entry.finished:
        return None
    _log.info(events.JOURNAL_RESUMED, key=entry.key, state=entry.state, feed_id=entry.feed_id)
    if entry.state == "planned":
        taken = take_stale(ctx, entry)
        if taken is None:
            # A live worker (or one on another host) holds it: say who and until when, do not wait.
            return make_outcome(entry, RefundStatus.SUBMITTED, detail=f"not sent yet: {claim_note(entry)}")
        refused = _refused_now(ctx, taken)
        if refused is not None:
            ctx.journal.release(taken.key, owner=taken.owner)
            return refused
        entry = send(ctx, taken)
    try:
        return _continue(ctx, entry, wait=True, timeout=timeout, progress=progress, may_send=True, patience=0.0)
    except FeedTimeoutError:
        return make_outcome(reread(ctx, entry.key), RefundStatus.SUBMITTED)


def resume_refunds(ctx: Context, *, timeout: float, progress: Progress | None = None) -> list[RefundOutcome]:
    """Finish every refund the journal holds as planned or submitted (after a crash, from any process).

    Plans never sent whose worker is gone (lease expired, or its process on this host is dead) are checked
    again against the order and what is refunded by now, then sent; a plan those checks refuse is dropped
    and reported ``REJECTED`` with why (nothing was sent). A plan a live worker holds is reported with that
    worker and its lease. A refund that may have been sent is looked for once (``UNCONFIRMED`` until Amazon
    shows it), never sent again. A feed still processing after ``timeout`` yields a ``SUBMITTED`` outcome
    with its feed id, for ``client.wait``. A refund that cannot be settled now (Amazon or the journal
    failing) is reported with the reason; the others go on.
    """
    outcomes: list[RefundOutcome] = []
    for listed in ctx.journal.unfinished():
        if listed.kind != KIND:
            continue
        with LOCAL.lead(ctx.journal, base_key(listed.key)):
            try:
                outcome = _resume_one(ctx, listed.key, timeout=timeout, progress=progress)
            except Released:
                continue
            except SpCancelError as exc:
                _log.warning(events.RESUME_FAILED, key=listed.key, reason=str(exc)[:300])
                current = ctx.journal.get(listed.key) or listed
                status = RefundStatus.UNCONFIRMED if current.send_uncertain else RefundStatus.SUBMITTED
                outcome = make_outcome(current, status, detail=f"could not be settled now: {exc}")
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def _refused_now(ctx: Context, entry: Entry) -> RefundOutcome | None:
    """Check a never-sent refund again before sending it late: ``None`` if it may go, else its refusal."""
    payload = RefundPayload.of_entry(entry)
    items = payload.item_refunds()
    try:
        order = _with_taxes(ctx, get_order(ctx.api, payload.order_id), items)
        check_order(order, items)
        # The plan itself is not sent yet: the caps see only what else was refunded.
        lines = refund_lines(ctx.api, order.order_id)
        check_caps(order, items, already_refunded(ctx, order.order_id, lines, exclude=entry.key))
    except (InvalidInputError, NotCancellableError, NotFoundError) as exc:
        return make_outcome(entry, RefundStatus.REJECTED, detail=f"not sent: {exc}")
    return None


# --- verification ----------------------------------------------------------------------------------


def verify_refund(ctx: Context, outcome: RefundOutcome) -> RefundVerification:
    """Say whether Amazon's Finances API shows ``outcome``'s refund yet.

    Reads every refund event of the order and correlates on order item + component + amount +
    posting time (Amazon does not echo ``MerchantAdjustmentItemID``). Amazon posts with up to 48 h
    delay, so nothing seen yet is ``NOT_YET_POSTED``, not a failure. An ``UNCONFIRMED`` refund that
    Finances shows in full is journaled ``APPLIED`` (``client.refresh(outcome)`` then says so).

    Raises:
        InvalidInputError: the outcome was rejected by Amazon, or not sent (nothing will post).
    """
    if not isinstance(outcome, RefundOutcome):
        raise InvalidInputError("verify_refund takes the RefundOutcome partial_refund returned", field="outcome")
    if outcome.status is RefundStatus.REJECTED:
        raise InvalidInputError(
            f"Amazon rejected refund {outcome.idempotency_key} of order {outcome.order_id}: nothing will post",
            field="outcome",
        )
    if outcome.status is RefundStatus.NOT_SENT:
        raise InvalidInputError(
            f"refund {outcome.idempotency_key} of order {outcome.order_id} was not sent: nothing will post; "
            "call partial_refund again to send it",
            field="outcome",
        )
    key = outcome.submission_id or journal_key(outcome.idempotency_key)
    entry = ctx.journal.get(key)
    submitted_at = sent_on_amazon_clock(entry) if entry is not None else None
    expected = {
        item: dict(components)
        for item, components in outcome.amounts.items()
        if outcome.item_status.get(item) is not RefundStatus.REJECTED
    }
    lines = refund_lines(ctx.api, outcome.order_id)
    others = journal_lines(ctx, outcome.order_id, now=ctx.amazon_now(), exclude=key)
    mine = [
        PendingRefund(key=key, order_item_id=item, component=c, amount=m, submitted_at=submitted_at)
        for item, components in expected.items()
        for c, m in components.items()
    ]
    matched = correlate(others + mine, lines)
    seen = [(p.order_item_id, p.component, p.amount) for n, p in enumerate(mine, len(others)) if n in matched]
    status: Literal["POSTED", "NOT_YET_POSTED", "PARTIALLY_POSTED"]
    if mine and len(seen) == len(mine):
        status, message = "POSTED", "Amazon's Finances API shows every amount of this refund."
        if entry is not None and not entry.finished and entry.state == "submitted":
            with LOCAL.lead(ctx.journal, base_key(key)):
                _applied_by_finances(ctx, key)
    elif seen:
        status, message = "PARTIALLY_POSTED", "Some amounts are posted; Amazon posts with up to 48 h of delay."
    else:
        ago = "" if submitted_at is None else f" (sent {human_duration(ctx.amazon_now() - submitted_at)} ago)"
        status = "NOT_YET_POSTED"
        message = f"not yet posted{ago}: Amazon posts refunds to Finances with up to 48 h of delay; check again later."
    return RefundVerification(
        order_id=outcome.order_id,
        idempotency_key=outcome.idempotency_key,
        status=status,
        posted=totals(seen),
        expected=expected,
        message=message,
    )


def _applied_by_finances(ctx: Context, key: str) -> None:
    """Journal an unfinished refund that Finances shows posted in full as ``APPLIED`` (feed id as known)."""
    entry = ctx.journal.get(key)
    if entry is None or entry.finished or entry.state != "submitted":
        return
    seen = posted(ctx, entry)
    if all_posted(seen):
        record_applied(ctx, entry, seen, "Amazon's Finances API shows every amount posted")


# --- refunds in doubt ------------------------------------------------------------------------------


def _look(ctx: Context, key: str) -> RefundOutcome:
    """The refund ``key`` as Amazon shows it now, asked once without waiting."""
    return refresh_refund(ctx, key, wait=False, timeout=1.0, progress=None)


def unconfirmed_refunds(ctx: Context) -> list[RefundOutcome]:
    """Every refund the journal holds as possibly sent and not yet shown by Amazon, looked at once more."""
    return in_doubt(
        ctx.journal,
        {KIND},
        look=functools.partial(_look, ctx),
        unconfirmed=lambda entry, detail: make_outcome(entry, RefundStatus.UNCONFIRMED, detail=detail),
    )


def declare_refund_not_sent(ctx: Context, outcome: RefundOutcome, *, by: str, note: str | None) -> RefundOutcome:
    """Journal an ``UNCONFIRMED`` refund as not sent, on an operator's word (who and when are kept).

    It is looked at once more first: if Amazon shows it now, nothing is declared.

    Raises:
        InvalidInputError: the refund is not ``UNCONFIRMED`` (Amazon shows it, or it is finished).
    """
    key = outcome.submission_id or journal_key(outcome.idempotency_key)
    settle = functools.partial(not_sent, ctx)
    return declare_not_sent(ctx, "refund", key, look=functools.partial(_look, ctx), settle=settle, by=by, note=note)
