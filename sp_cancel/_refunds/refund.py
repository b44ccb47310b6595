"""Partial refunds through ``POST_PAYMENT_ADJUSTMENT_DATA``: validated, idempotent, verifiable.

One refund = one idempotency key = one journal entry (kind ``"refund"``) = at most one feed.
The key is journaled (``planned``) before anything is sent and becomes each item's
``MerchantAdjustmentItemID``; ``Journal`` makes exactly one
caller own it across threads and processes. A feed has one ``Message`` per adjusted item,
so Amazon's verdict is per item even though Amazon applies a message all or nothing.

Never sent twice:

- the same key again returns the journaled outcome (or follows the journaled feed);
- threads of one process with the same key queue behind one leader (``_LocalSends``),
  processes behind the journal's lease;
- a submission whose feed id is unknown (a crash, or an ambiguous ``createFeed``) is first
  looked for (the journal, then ``getFeeds`` by type, marketplace and time); it is sent again
  only when Amazon shows no such feed and ``SEND_LEASE`` has passed since it started, so a
  live sender in another process is never raced;
- a feed that ends ``FATAL`` is never resent: its refunds are settled from Finances
  (posted = applied; nothing posted ``POSTING_WINDOW`` after = rejected).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

import sp_cancel._events as events
from sp_cancel._codec import refund_from_json
from sp_cancel._outcomes import RefundOutcome, RefundStatus, RefundVerification
from sp_cancel._refunds.check import (
    RefundRequest,
    adjustment_ids,
    check_caps,
    check_order,
    derive_key,
    fingerprint,
    normalize,
    remaining,
    resolve_items,
)
from sp_cancel._refunds.send import (
    KIND,
    LOCAL,
    Released,
    await_plan,
    journal_key,
    reread,
    send,
)
from sp_cancel._refunds.settle import (
    PendingRefund,
    already_refunded,
    amounts,
    correlate,
    finish,
    journal_lines,
    make_outcome,
    refund_lines,
    settle_uncertain,
    totals,
)
from sp_cancel.clock import human_duration
from sp_cancel.errors import (
    FeedTimeoutError,
    IdempotencyConflictError,
    InvalidInputError,
    NotCancellableError,
    NotFoundError,
)
from sp_cancel.journal import JournalError
from sp_cancel.logging import get_logger
from sp_cancel.models import AdjustmentReason, ItemRefund, Money, PriceComponent
from sp_cancel.orders import Order, OrderItem, get_order, get_order_v0

if TYPE_CHECKING:
    from sp_cancel._runtime import Context, Progress
    from sp_cancel.journal import Entry

__all__ = ["journal_key", "partial_refund", "refresh_refund", "resume_refunds", "verify_refund", "with_refundable"]

_log = get_logger()


# --- payload <-> values ----------------------------------------------------------------------------


def _payload(order: Order, items: Sequence[ItemRefund], reason: AdjustmentReason, key: str, fp: str) -> dict[str, Any]:
    ids = adjustment_ids(key, len(items))
    return {
        "order_id": order.order_id,
        "marketplace_id": order.marketplace_id,
        "currency": items[0].currency,
        "reason": reason.value,
        "idempotency_key": key,
        "fingerprint": fp,
        "items": [
            {
                "order_item_id": item.order_item_id,
                "adjustment_id": ids[n],
                "message_id": n + 1,
                "quantity": item.quantity,
                "components": {c.value: str(m.amount) for c, m in _ordered(item.components)},
            }
            for n, item in enumerate(items)
        ],
    }


def _ordered(components: Mapping[PriceComponent, Money]) -> list[tuple[PriceComponent, Money]]:
    rank = {c: n for n, c in enumerate(PriceComponent)}
    return sorted(components.items(), key=lambda kv: rank[kv[0]])


def _continue(
    ctx: Context, entry: Entry, *, wait: bool, timeout: float, progress: Progress | None, may_send: bool
) -> RefundOutcome:
    """Take a journaled refund to its outcome without ever sending it twice."""
    if entry.finished and entry.outcome:
        return refund_from_json(entry.outcome)
    if entry.state == "planned":
        entry = await_plan(ctx, entry, may_send=may_send)
    if entry.send_uncertain:
        entry = settle_uncertain(ctx, entry, wait=wait, timeout=timeout)
        if entry.feed_id is None and not entry.finished:
            return make_outcome(entry, RefundStatus.SUBMITTED)
    return finish(ctx, entry, wait=wait, timeout=timeout, progress=progress)


# --- the public workflow ---------------------------------------------------------------------------


def _differences(entry: Entry, request: RefundRequest | None) -> dict[str, tuple[object, object]]:
    """What differs between the journaled refund and ``request``: order, reason, amounts per item."""
    if request is None:
        return {}
    payload = entry.payload
    out: dict[str, tuple[object, object]] = {}
    if payload.get("order_id") != request.order_id:
        out["order_id"] = (payload.get("order_id"), request.order_id)
    if payload.get("reason") != request.reason.value:
        out["reason"] = (payload.get("reason"), request.reason.value)
    earlier = {i["order_item_id"]: dict(i["components"]) for i in payload.get("items") or []}
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
    if fp is not None and entry.payload.get("fingerprint") != fp:
        raise IdempotencyConflictError(
            f"idempotency key {entry.payload.get('idempotency_key')!r} was already used for a different refund "
            f"of order {entry.payload.get('order_id')}; a new refund needs a new key (nothing was sent)",
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
        journaled = entry.payload.get("items") or []
        if len(journaled) != 1:
            return "mismatch"
        assert request.bare is not None  # noqa: S101 - normalize() sets items or bare
        items = (
            ItemRefund(
                order_item_id=journaled[0]["order_item_id"], components={PriceComponent.PRINCIPAL: request.bare}
            ),
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
    with LOCAL.lead(ctx.journal, journal_key(early)):
        known = ctx.journal.get(journal_key(early))
        if known is None:
            return None
        try:
            fp = _early_fingerprint(ctx, request, known)
            return _reuse(ctx, known, fp, wait=wait, timeout=timeout, progress=progress, request=request)
        except Released:
            return None


_NO_ITEM: Final = OrderItem(order_item_id="", sku=None, quantity_ordered=0, quantity_shipped=0, quantity_unshipped=0)
_TAXES: Final = frozenset({PriceComponent.TAX, PriceComponent.SHIPPING_TAX, PriceComponent.GIFT_WRAP_TAX})


def _with_taxes(ctx: Context, order: Order, items: Sequence[ItemRefund]) -> Order:
    """Fill tax components Orders 2026-01-01 did not break down, from Orders v0 ``getOrderItems``.

    2026-01-01 gives an item's tax as one ``TAX`` subtotal whose per-subtype split
    (``detailedBreakdowns``) is optional; v0 has ``ItemTax`` and ``ShippingTax`` per item.
    """
    missing = any(
        c in _TAXES and c not in (order.item(i.order_item_id) or _NO_ITEM).charged for i in items for c in i.components
    )
    if not missing:
        return order
    legacy = get_order_v0(ctx.api, order.order_id)
    merged = []
    for item in order.items:
        old = legacy.item(item.order_item_id)
        extra = {c: m for c, m in (old.charged if old else {}).items() if c in _TAXES and c not in item.charged}
        merged.append(attrs.evolve(item, charged={**item.charged, **extra}))
    return attrs.evolve(order, items=tuple(merged))


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
    ctx: Context,
    order_id: str,
    refunds: Sequence[ItemRefund] | Money,
    *,
    reason: AdjustmentReason | str,
    idempotency_key: str | None,
    wait: bool,
    timeout: float,
    progress: Progress | None = None,
) -> RefundOutcome:
    """See ``sp_cancel.SellerClient.partial_refund``."""
    request = normalize(order_id, refunds, reason=reason, idempotency_key=idempotency_key)
    if not timeout > 0:
        raise InvalidInputError("timeout must be a positive number of seconds", field="timeout")
    known = _known(ctx, request, wait=wait, timeout=timeout, progress=progress)
    if known is not None:
        return known
    order = get_order(ctx.api, request.order_id)
    items = resolve_items(request, order)
    fp = fingerprint(ctx.seller_id, request.order_id, items, request.reason)
    key = request.idempotency_key or derive_key(ctx.seller_id, request.order_id, items, request.reason)
    jkey = journal_key(key)
    with LOCAL.lead(ctx.journal, jkey):
        for _ in range(3):
            existing = ctx.journal.get(jkey)
            if existing is not None:
                try:
                    return _reuse(ctx, existing, fp, wait=wait, timeout=timeout, progress=progress, request=request)
                except Released:
                    continue
            check_order(order, items)
            order = _with_taxes(ctx, order, items)
            check_caps(order, items, already_refunded(ctx, order.order_id, refund_lines(ctx.api, order.order_id)))
            entry, created = ctx.journal.plan(
                jkey, kind=KIND, target=order.order_id, payload=_payload(order, items, request.reason, key, fp)
            )
            try:
                if not created:
                    return _reuse(ctx, entry, fp, wait=wait, timeout=timeout, progress=progress, request=request)
                return _continue(ctx, send(ctx, entry), wait=wait, timeout=timeout, progress=progress, may_send=True)
            except Released:
                continue
    raise JournalError(f"refund {jkey} kept being released by other workers; try again")


def refresh_refund(ctx: Context, key: str, *, wait: bool, timeout: float, progress: Progress | None) -> RefundOutcome:
    """Re-read (``wait=False``) or wait for the refund journaled under ``key`` (its ``submission_id``), any process.

    Raises:
        InvalidInputError: the journal has no such refund, or it was never sent.
        FeedTimeoutError: ``wait`` and the feed is still processing after ``timeout``.
    """
    entry = ctx.journal.get(key)
    if entry is None or entry.kind != KIND:
        raise InvalidInputError(f"the journal has no refund {key!r}", field="outcome")
    with LOCAL.lead(ctx.journal, key):
        try:
            return _continue(ctx, reread(ctx, key), wait=wait, timeout=timeout, progress=progress, may_send=False)
        except Released:
            raise InvalidInputError(
                f"refund {key} was never sent; call partial_refund again", field="outcome"
            ) from None


def resume_refunds(ctx: Context, *, timeout: float, progress: Progress | None = None) -> list[RefundOutcome]:
    """Finish every refund the journal holds as planned or submitted (after a crash, from any process).

    Plans that were never sent and whose lease expired (their process died before ``createFeed``) are
    checked again against the order and what is refunded by now, then sent; a plan those checks refuse
    is dropped and reported ``REJECTED`` with why (nothing was sent). A feed still processing after
    ``timeout`` yields a ``SUBMITTED`` outcome with its feed id, for ``client.wait``.
    """
    outcomes: list[RefundOutcome] = []
    for listed in ctx.journal.unfinished():
        if listed.kind != KIND:
            continue
        with LOCAL.lead(ctx.journal, listed.key):
            entry = ctx.journal.get(listed.key)
            if entry is None or entry.finished:
                continue
            _log.info(events.JOURNAL_RESUMED, key=entry.key, state=entry.state, feed_id=entry.feed_id)
            if entry.state == "planned":
                if not entry.lease_expired(ctx.clock.now()):
                    outcomes.append(make_outcome(entry, RefundStatus.SUBMITTED, detail="being sent by another worker"))
                    continue
                refused = _refused_now(ctx, entry)
                if refused is not None:
                    ctx.journal.release(entry.key)
                    outcomes.append(refused)
                    continue
            try:
                outcomes.append(_continue(ctx, entry, wait=True, timeout=timeout, progress=progress, may_send=True))
            except FeedTimeoutError:
                outcomes.append(make_outcome(reread(ctx, entry.key), RefundStatus.SUBMITTED))
            except Released:
                continue
    return outcomes


def _refused_now(ctx: Context, entry: Entry) -> RefundOutcome | None:
    """Check a never-sent refund again before sending it late: ``None`` if it may go, else its refusal."""
    payload = entry.payload
    components = amounts(payload)
    items = tuple(
        ItemRefund(
            order_item_id=item["order_item_id"],
            components=components[item["order_item_id"]],
            quantity=item.get("quantity"),
        )
        for item in payload["items"]
    )
    try:
        order = _with_taxes(ctx, get_order(ctx.api, payload["order_id"]), items)
        check_order(order, items)
        # An abandoned plan is not counted as pending by the journal: the caps see only what else was refunded.
        check_caps(order, items, already_refunded(ctx, order.order_id, refund_lines(ctx.api, order.order_id)))
    except (InvalidInputError, NotCancellableError, NotFoundError) as exc:
        return make_outcome(entry, RefundStatus.REJECTED, detail=f"not sent: {exc}")
    return None


# --- verification ----------------------------------------------------------------------------------


def verify_refund(ctx: Context, outcome: RefundOutcome) -> RefundVerification:
    """Say whether Amazon's Finances API shows ``outcome``'s refund yet.

    Reads every refund event of the order and correlates on order item + component + amount +
    posting time (Amazon does not echo ``MerchantAdjustmentItemID``). Amazon posts with up to 48 h
    delay, so nothing seen yet is ``NOT_YET_POSTED``, not a failure.

    Raises:
        InvalidInputError: the outcome was rejected by Amazon (nothing will post).
    """
    if not isinstance(outcome, RefundOutcome):
        raise InvalidInputError("verify_refund takes the RefundOutcome partial_refund returned", field="outcome")
    if outcome.status is RefundStatus.REJECTED:
        raise InvalidInputError(
            f"Amazon rejected refund {outcome.idempotency_key} of order {outcome.order_id}: nothing will post",
            field="outcome",
        )
    key = outcome.submission_id or journal_key(outcome.idempotency_key)
    entry = ctx.journal.get(key)
    submitted_at = entry.submitted_at if entry is not None else None
    expected = {
        item: dict(components)
        for item, components in outcome.amounts.items()
        if outcome.item_status.get(item) is not RefundStatus.REJECTED
    }
    lines = refund_lines(ctx.api, outcome.order_id)
    others = [p for p in journal_lines(ctx, outcome.order_id, now=ctx.clock.now()) if p.key != key]
    mine = [
        PendingRefund(key=key, order_item_id=item, component=c, amount=m, submitted_at=submitted_at)
        for item, components in expected.items()
        for c, m in components.items()
    ]
    matched = correlate(others + mine, lines)
    seen = [(p.order_item_id, p.component, p.amount) for n, p in enumerate(mine, len(others)) if n in matched]
    posted = totals(seen)
    status: Literal["POSTED", "NOT_YET_POSTED", "PARTIALLY_POSTED"]
    if mine and len(seen) == len(mine):
        status, message = "POSTED", "Amazon's Finances API shows every amount of this refund."
    elif seen:
        status, message = "PARTIALLY_POSTED", "Some amounts are posted; Amazon posts with up to 48 h of delay."
    else:
        since = "" if submitted_at is None else f" (submitted {human_duration(ctx.clock.now() - submitted_at)} ago)"
        status = "NOT_YET_POSTED"
        message = (
            f"not yet posted{since}: Amazon posts refunds to Finances with up to 48 h of delay; check again later."
        )
    return RefundVerification(
        order_id=outcome.order_id,
        idempotency_key=outcome.idempotency_key,
        status=status,
        posted=posted,
        expected=expected,
        message=message,
    )
