"""``sp-cancel demo``: every workflow against a fresh embedded simulator, told as it happens."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING

import sp_cancel.cli._listings as cli_listings
import sp_cancel.cli._rate as cli_rate
import sp_cancel.cli._refunds as cli_refunds
from sp_cancel.cli._common import Output
from sp_cancel.errors import SpCancelError
from sp_cancel.models import CancelReason, CancelRequest, ItemCancel

if TYPE_CHECKING:
    from sp_cancel.client import SellerClient
    from sp_cancel.testing import Simulator

__all__ = ["run_demo"]

# Sections the other command groups contribute: each module has demo_section(client, sim, out).


def _pick(sim: Simulator, *, status: str, channel: str = "MFN", multi: bool | None = None) -> list[str]:
    found = []
    for order in sim.world.orders.values():
        if order.status != status or order.fulfillment_channel != channel:
            continue
        if order.buyer_requested_at is not None:
            continue
        if multi is not None and (len(order.items) > 1) != multi:
            continue
        found.append(order.order_id)
    return sorted(found)


def _section_cancel(client: SellerClient, sim: Simulator, out: Output) -> None:
    out.heading("1. Cancel one unshipped order (acknowledgement feed, StatusCode=Failure)")
    order_id = _pick(sim, status="Unshipped", multi=False)[0]
    started = sim.clock.monotonic()
    outcome = client.cancel_order(order_id, CancelReason.NO_INVENTORY, progress=out.progress)
    out.table(
        [(outcome.order_id, outcome.status, outcome.reason, outcome.feed_id)], ["order", "status", "reason", "feed"]
    )
    out.line(f"simulated time: {sim.clock.monotonic() - started:.0f} s; at Amazon: {sim.world.orders[order_id].status}")
    again = client.cancel_order(order_id, CancelReason.NO_INVENTORY)
    out.line(f"asked again: {again.status.value} from the journal, feed {again.feed_id} (nothing sent twice)")

    out.heading("2. What cannot be cancelled is refused before anything is sent")
    for label, candidates in (
        ("shipped", _pick(sim, status="Shipped")),
        ("Amazon-fulfilled", _pick(sim, status="Unshipped", channel="AFN")),
        ("pending", _pick(sim, status="Pending")),
    ):
        if candidates:
            try:
                client.cancel_order(candidates[0], CancelReason.NO_INVENTORY)
            except SpCancelError as exc:
                out.line(f"{label} {candidates[0]}: {type(exc).__name__}: {exc}")

    out.heading("3. Cancel some units of an item (adjustment feed, QuantityCancelled)")
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
            f"units cancelled at Amazon: {item.quantity_cancelled}"
        )

    out.heading("4. A batch: one feed for many orders, one outcome each")
    unshipped = _pick(sim, status="Unshipped", multi=False)[:8]
    shipped = _pick(sim, status="Shipped")[:1]
    requests = [CancelRequest(order_id=o, reason=CancelReason.NO_INVENTORY) for o in unshipped + shipped]
    calls_before = sum(sim.request_counts.values())
    started = sim.clock.monotonic()
    batch = client.cancel_orders(requests, progress=out.progress)
    out.table([(o.order_id, o.status, o.feed_id) for o in batch], ["order", "status", "feed"])
    for key, error in batch.errors.items():
        out.line(f"refused before sending: {key}: {error}")
    out.line(
        f"{batch!r}; {sum(sim.request_counts.values()) - calls_before} API calls, "
        f"{sim.clock.monotonic() - started:.0f} simulated seconds"
    )

    out.heading("5. Buyer cancellation requests (accepting them does not hurt your metrics)")
    requests_seen = client.buyer_cancellation_requests()
    out.table(
        [(r.order_id, ", ".join(r.order_item_ids), r.reason_text) for r in requests_seen],
        ["order", "items", "buyer's reason"],
    )
    if requests_seen:
        accepted = client.accept_buyer_cancellations(requests_seen[:3], progress=out.progress)
        out.line(repr(accepted))
    no_request = _pick(sim, status="Unshipped", multi=False)
    if no_request:
        refused = client.accept_buyer_cancellations([no_request[0]])
        for key, error in refused.errors.items():
            out.line(f"refused {key}: {error}")

    out.heading("6. Orders Amazon cancelled itself")
    system = client.system_cancellations(since=timedelta(days=30))
    out.table([(s.order_id, s.cancelled_at, s.reason_text) for s in system[:10]], ["order", "cancelled", "reason"])


def run_demo(*, seed: int, out: Output) -> int:
    """Run the demo; returns the exit code."""
    from sp_cancel.testing import Simulator  # noqa: PLC0415 - the demo is the only command that needs it

    sim = Simulator(seed=seed)
    out.line(f"sp_cancel demo against an embedded SP-API simulator (seed {seed}, seller {sim.seller_id})")
    counts = Counter((o.fulfillment_channel, o.status) for o in sim.world.orders.values())
    out.table(sorted((c, s, n) for (c, s), n in counts.items()), ["channel", "status", "orders"])
    with sim.client() as client:
        out.heading("0. Your cancellation rate before we start")
        out.line(str(client.cancellation_rate()))
        _section_cancel(client, sim, out)
        for section in (cli_refunds, cli_listings, cli_rate):
            section.demo_section(client, sim, out)
    out.heading("API calls made, by operation")
    out.table(sorted(sim.request_counts.items()), ["operation", "calls"])
    return 0
