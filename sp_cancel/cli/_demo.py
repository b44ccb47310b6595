"""``sp-cancel demo``: every workflow against a fresh embedded simulator, told as it happens.

Each workflow succeeds at least once (the closing table lists them); each kind of refusal is
shown once, with a sentence saying why it is the right answer.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING, Final

import sp_cancel.cli._listings as cli_listings
import sp_cancel.cli._rate as cli_rate
import sp_cancel.cli._refunds as cli_refunds
import sp_cancel.cli._watch as cli_watch
from sp_cancel._cancellation.outcomes import CancelStatus
from sp_cancel.cli._hints import why
from sp_cancel.cli._output import EXIT_FAILED, EXIT_OK, Output
from sp_cancel.cli._story import DemoStory
from sp_cancel.clock import human_duration
from sp_cancel.errors import SpCancelError
from sp_cancel.models import CancelReason, CancelRequest, ItemCancel

if TYPE_CHECKING:
    from sp_cancel.client import SellerClient
    from sp_cancel.testing import Simulator

__all__ = ["WORKFLOWS", "run_demo"]

# Every workflow the demo shows succeeding (SellerClient methods), in the order it shows them.
WORKFLOWS: Final = (
    "cancellation_rate",
    "orders",
    "order",
    "cancel_order",
    "cancel_order(notify_buyer=...)",
    "cancel_order(items=...)",
    "cancel_orders",
    "buyer_cancellation_requests",
    "accept_buyer_cancellations",
    "system_cancellations",
    "partial_refund",
    "verify_refund",
    "close_listing",
    "delete_listing",
    "cancel_fba_order",
    "deals",
    "cancel_flash_deal",
    "watch",
)


_DEMO_EXPLANATION: Final = (
    "We are sorry: the last unit was damaged in our warehouse, so we cancelled your order. You are not charged."
)


def _pick(sim: Simulator, *, status: str, channel: str = "MFN", multi: bool | None = None) -> list[str]:
    found = []
    for order in sim.world.orders.values():
        if order.status != status or order.fulfillment_channel != channel or order.marketplace_id != sim.marketplace_id:
            continue
        if order.buyer_requested_at is not None:
            continue
        if multi is not None and (len(order.items) > 1) != multi:
            continue
        found.append(order.order_id)
    return sorted(found)


def _section_reads(client: SellerClient, sim: Simulator, story: DemoStory) -> None:
    out = story.out
    story.section("Your orders, as `sp-cancel orders` and `sp-cancel order ID` show them")
    unshipped = list(client.orders(status="UNSHIPPED", channel="MFN", since=timedelta(days=30)))
    out.line(f"{len(unshipped)} unshipped seller-fulfilled orders in the last 30 days; the first five:")
    out.table(
        [(o.order_id, o.status, o.purchased_at, len(o.items)) for o in unshipped[:5]],
        ["order", "status", "purchased", "items"],
    )
    story.succeeded("orders", f"{len(unshipped)} unshipped MFN orders listed")
    multi = _pick(sim, status="Unshipped", multi=True)
    if multi:
        order = client.order(multi[0])
        out.line(f"order {order.order_id} has {len(order.items)} items; their ids are what --item takes:")
        out.table(
            [(i.order_item_id, i.sku, i.quantity_ordered, i.quantity_unshipped) for i in order.items],
            ["item", "sku", "ordered", "unshipped"],
        )
        story.succeeded("order", f"{order.order_id} read with its {len(order.items)} items")


def _section_cancel(client: SellerClient, sim: Simulator, story: DemoStory) -> None:
    out = story.out
    story.section("Cancel one unshipped order (acknowledgement feed, StatusCode=Failure)")
    order_id = _pick(sim, status="Unshipped", multi=False)[0]
    started = sim.clock.monotonic()
    outcome = client.cancel_order(
        order_id, CancelReason.NO_INVENTORY, progress=out.progress, notify_buyer=_DEMO_EXPLANATION
    )
    out.table(
        [(outcome.order_id, outcome.status, outcome.reason, outcome.feed_id)], ["order", "status", "reason", "feed"]
    )
    out.line(
        f"Amazon processed the feed in {human_duration(sim.clock.monotonic() - started)} (simulated); "
        f"the order is now {sim.world.orders[order_id].status} at Amazon."
    )
    if outcome.status is CancelStatus.CANCELLED:
        story.succeeded("cancel_order", f"{order_id} {outcome.status.value}")
    message = outcome.buyer_message
    if message is not None:
        delivered = len(sim.buyer_messages(order_id))
        out.line("Amazon e-mails the buyer that the order is cancelled; the seller's explanation (notify_buyer=)")
        out.line(
            f"went through the Messaging API once Amazon confirmed the cancel: {message.status.value}, "
            f"{delivered} delivered."
        )
        if message.sent:
            story.succeeded("cancel_order(notify_buyer=...)", "the buyer was told why, once")
    again = client.cancel_order(order_id, CancelReason.NO_INVENTORY)
    out.line(
        f"Asked again: {again.status.value}, feed {again.feed_id}. The journal remembered the first answer, "
        "so nothing was sent twice."
    )

    story.section("What cannot be cancelled is refused before anything is sent")
    out.line("Each of these is checked against the order Amazon shows; no feed goes out for them.")
    for label, candidates in (
        ("shipped", _pick(sim, status="Shipped")),
        ("Amazon-fulfilled", _pick(sim, status="Unshipped", channel="AFN")),
        ("pending", _pick(sim, status="Pending")),
    ):
        if candidates:
            try:
                client.cancel_order(candidates[0], CancelReason.NO_INVENTORY)
            except SpCancelError as exc:
                out.line(f"- {label} {candidates[0]}: {type(exc).__name__}: {exc}")

    story.section("Cancel some units of an item (adjustment feed, QuantityCancelled)")
    multi = _pick(sim, status="Unshipped", multi=True)
    if multi:
        order = sim.world.orders[multi[0]]
        item = order.items[0]
        outcome = client.cancel_order(
            order.order_id,
            CancelReason.NO_INVENTORY,
            items=[ItemCancel(order_item_id=item.order_item_id, quantity=1)],
            progress=out.progress,
        )
        out.line(
            f"{order.order_id} item {item.order_item_id}: {outcome.status.value}; "
            f"units cancelled at Amazon: {item.quantity_cancelled}. The other items still ship."
        )
        if outcome.status is CancelStatus.PARTIALLY_CANCELLED:
            story.succeeded("cancel_order(items=...)", f"1 unit of {order.order_id} cancelled")


def _section_batch(client: SellerClient, sim: Simulator, story: DemoStory) -> None:
    out = story.out
    story.section("A batch: one feed for many orders, one outcome each")
    unshipped = _pick(sim, status="Unshipped", multi=False)[:8]
    shipped = _pick(sim, status="Shipped")[:1]
    requests = [CancelRequest(order_id=o, reason=CancelReason.NO_INVENTORY) for o in unshipped + shipped]
    calls_before = sum(sim.request_counts.values())
    started = sim.clock.monotonic()
    batch = client.cancel_orders(requests, progress=out.progress)
    out.table([(o.order_id, o.status, o.feed_id, why(o)) for o in batch.values()], ["order", "status", "feed", "why"])
    out.line(
        f"{batch!r}: {sum(sim.request_counts.values()) - calls_before} API calls and "
        f"{human_duration(sim.clock.monotonic() - started)} of simulated time for {len(requests)} orders."
    )
    if batch.refused:
        out.line(
            f"The shipped order was refused before sending ({len(batch.refused)} refused); "
            "the others went out in one feed."
        )
    if batch.succeeded:
        story.succeeded("cancel_orders", f"{len(batch.succeeded)} of {len(batch)} orders cancelled in one feed")


def _section_buyer(client: SellerClient, sim: Simulator, story: DemoStory) -> None:
    out = story.out
    story.section("Buyer cancellation requests (accepting them does not hurt your metrics)")
    requests_seen = client.buyer_cancellation_requests()
    out.table(
        [(r.order_id, ", ".join(r.order_item_ids), r.reason_text) for r in requests_seen],
        ["order", "items", "buyer's reason"],
    )
    story.succeeded("buyer_cancellation_requests", f"{len(requests_seen)} open requests found")
    if requests_seen:
        out.line(f"Accepting all {len(requests_seen)} with BuyerCanceled, in one feed:")
        accepted = client.accept_buyer_cancellations(requests_seen, progress=out.progress)
        out.table([(o.order_id, o.status, why(o)) for o in accepted.values()], ["order", "status", "why"])
        out.line(repr(accepted))
        if accepted.refused:
            out.line(
                "A refused one asked to cancel only some of its items: BuyerCanceled on the whole order would "
                "also cancel items the buyer still wants."
            )
        if accepted.succeeded:
            story.succeeded("accept_buyer_cancellations", f"{len(accepted.succeeded)} accepted")
    no_request = _pick(sim, status="Unshipped", multi=False)
    if no_request:
        out.line(
            f"Order {no_request[0]} has no buyer request, so it is refused: BuyerCanceled there would hide a "
            "seller cancellation from your rate."
        )
        refused = client.accept_buyer_cancellations([no_request[0]])
        for outcome in refused.refused:
            out.line(f"  refused {outcome.order_id}: {why(outcome)}")

    story.section("Orders Amazon cancelled itself")
    system = client.system_cancellations(since=timedelta(days=30))
    out.table(
        [(s.order_id, s.cancelled_at, s.kind, s.reason_text) for s in system[:10]],
        ["order", "cancelled", "kind", "reason"],
    )
    late = sum(s.kind == "LATE_SHIPMENT" for s in system)
    out.line(
        f"{len(system)} in the last 30 days; unpaid ones do not count against your cancellation rate, "
        f"late-shipment auto-cancels ({late} here) do, as sellers report."
    )
    story.succeeded("system_cancellations", f"{len(system)} found")


def run_demo(*, seed: int, out: Output) -> int:
    """Run the demo; returns 0 when every workflow succeeded once (1 otherwise)."""
    from sp_cancel.testing import Simulator  # noqa: PLC0415 - the demo is the only command that needs it

    sim = Simulator(seed=seed)
    story = DemoStory(out)
    out.line(f"sp_cancel demo against an embedded SP-API simulator (seed {seed}, seller {sim.seller_id})")
    counts = Counter((o.fulfillment_channel, o.status) for o in sim.world.orders.values())
    out.table(sorted((c, s, n) for (c, s), n in counts.items()), ["channel", "status", "orders"])
    with sim.client() as client:
        story.section("Your cancellation rate before we start")
        out.line(str(client.cancellation_rate()))
        story.succeeded("cancellation_rate", "computed before and after")
        _section_reads(client, sim, story)
        _section_cancel(client, sim, story)
        _section_batch(client, sim, story)
        _section_buyer(client, sim, story)
        for group in (cli_refunds, cli_listings, cli_rate, cli_watch):
            group.demo_section(client, sim, story)
    story.section("Every workflow, once")
    out.table(
        [(w, "succeeded" if w in story.successes else "NOT SHOWN", story.successes.get(w, "")) for w in WORKFLOWS],
        ["workflow", "result", "what happened"],
    )
    out.heading("API calls made, by operation")
    out.table(sorted(sim.request_counts.items()), ["operation", "calls"])
    return EXIT_OK if all(w in story.successes for w in WORKFLOWS) else EXIT_FAILED
