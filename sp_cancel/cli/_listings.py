"""``sp-cancel close-listing``, ``delete-listing``, ``fba-cancel``, ``deals`` and ``deal-cancel``; the demo's part."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from sp_cancel._listings.outcomes import ListingOutcome, ListingStatus
from sp_cancel.cli._hints import why
from sp_cancel.cli._inputs import add_client_options, make_client
from sp_cancel.cli._output import Output, when
from sp_cancel.deals import DEAL_STATUSES
from sp_cancel.errors import ManualActionRequired, NotCancellableError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sp_cancel.cli._story import DemoStory
    from sp_cancel.client import SellerClient
    from sp_cancel.deals import Deal
    from sp_cancel.testing import Simulator

__all__ = ["demo_section", "register"]


def register(subparsers: Any) -> None:
    """Add the listing, MCF and deal commands."""
    close = subparsers.add_parser(
        "close-listing",
        help="stop selling listings (seller-fulfilled quantity 0, lead time kept); several SKUs go in one feed",
    )
    close.add_argument("skus", nargs="+", metavar="SKU", help="the seller SKU(s) to close")
    close.add_argument("--feed", action="store_true", help="use a JSON_LISTINGS_FEED even for one SKU")
    close.add_argument("--no-wait", action="store_true", help="(feed) return once Amazon accepted the feed")
    add_client_options(close)
    close.set_defaults(run=_close, sends=True)

    delete = subparsers.add_parser("delete-listing", help="delete a listing and read it back until it is gone")
    delete.add_argument("sku", metavar="SKU", help="the seller SKU to delete")
    delete.add_argument("--no-verify", action="store_true", help="do not read the listing back")
    add_client_options(delete)
    delete.set_defaults(run=_delete, sends=True)

    fba = subparsers.add_parser(
        "fba-cancel", help="cancel an FBA multi-channel (MCF) order while it is Received or Planning"
    )
    fba.add_argument("seller_fulfillment_order_id", metavar="ID", help="your SellerFulfillmentOrderId of the MCF order")
    fba.add_argument(
        "--api",
        choices=["2020-07-01", "2026-07-04"],
        default="2020-07-01",
        help="Fulfillment Outbound API version (default 2020-07-01; 2026-07-04 is the newer one)",
    )
    add_client_options(fba)
    fba.set_defaults(run=_fba_cancel, sends=True)

    deals = subparsers.add_parser("deals", help="list Lightning and Best deals (read-only Promotions API)")
    deals.add_argument(
        "--status",
        action="append",
        choices=sorted(DEAL_STATUSES),
        metavar="STATUS",
        help=f"only deals in this status (repeatable): {', '.join(sorted(DEAL_STATUSES))}",
    )
    add_client_options(deals)
    deals.set_defaults(run=_deals)

    deal_cancel = subparsers.add_parser(
        "deal-cancel", help="show how to cancel a deal in Seller Central (Amazon offers no API) and its fee deadline"
    )
    deal_cancel.add_argument("deal_id", metavar="DEAL_ID", help="the deal's id, as `sp-cancel deals` lists it")
    add_client_options(deal_cancel)
    deal_cancel.set_defaults(run=_deal_cancel)


def _show_listings(out: Output, outcomes: Iterable[ListingOutcome]) -> None:
    """One row per SKU; what Amazon said (or why it was refused, with the command to run) in its cell, once."""
    shown = list(outcomes)
    out.table(
        [
            (
                o.sku,
                o.status,
                o.feed_id or o.submission_id,
                "; ".join(f"{i.code}: {i.message}" for i in o.issues) or why(o),
            )
            for o in shown
        ],
        ["sku", "status", "submission", "issues"],
    )
    for o in shown:
        # A refusal's detail is its error, already in the table (with the command-line hint); say the rest.
        if o.detail and getattr(o, "error", None) is None and o.detail != why(o):
            out.line(f"{o.sku}: {o.detail}")


def _close(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        if len(args.skus) == 1 and not args.feed:
            outcome = client.close_listing(args.skus[0])
            _show_listings(out, [outcome])
            out.json(outcome)
            return 0 if outcome.ok else 1
        batch = client.close_listings(args.skus, wait=not args.no_wait)
    _show_listings(out, batch.values())
    out.line(f"\n{batch!r}")
    out.json(batch)
    return 0 if all(o.ok or o.status is ListingStatus.SUBMITTED for o in batch.values()) else 1


def _delete(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        outcome = client.delete_listing(args.sku, verify=not args.no_verify)
    _show_listings(out, [outcome])
    out.json(outcome)
    return 0 if outcome.ok or (args.no_verify and outcome.status is ListingStatus.DELETE_PENDING) else 1


def _fba_cancel(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        outcome = client.cancel_fba_order(args.seller_fulfillment_order_id, api=args.api)
    out.table(
        [(outcome.order_id, outcome.status, outcome.observed_status, outcome.api)], ["order", "status", "was", "api"]
    )
    out.json(outcome)
    return 0


def _deal_rows(found: list[Deal]) -> list[tuple[object, ...]]:
    return [(d.deal_id, d.type, d.status, d.start, d.end, d.title) for d in found]


def _deals(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        found = client.deals(statuses=args.status)
    out.table(_deal_rows(found), ["deal", "type", "status", "start", "end", "title"])
    out.json(found)
    return 0


def manual_json(err: ManualActionRequired) -> dict[str, object]:
    """What ``--json`` prints for a ``ManualActionRequired``."""
    return {
        "manual_action_required": True,
        "action": err.action,
        "message": str(err).splitlines()[0],
        "steps": list(err.steps),
        "url": err.url,
        "fee_free_until": err.fee_free_until,
        "deadline_passed": err.deadline_passed,
        "details": err.details,
    }


def _deal_cancel(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        try:
            client.cancel_flash_deal(args.deal_id)
        except ManualActionRequired as err:
            out.line(str(err))
            out.json(manual_json(err))
    return 1  # the deal is not cancelled until a person does it


class PendingAttributes:
    """A listing's attributes as they will be once its accepted patches are in effect."""

    def __init__(self, attributes: dict[str, object]) -> None:
        self.attributes = attributes


def _offer(listing: Any) -> dict[str, object]:
    """The first fulfillment_availability entry of a simulated listing (a copy)."""
    entries = listing.attributes.get("fulfillment_availability")
    return dict(entries[0]) if isinstance(entries, list) and entries and isinstance(entries[0], dict) else {}


def demo_section(client: SellerClient, sim: Simulator, story: DemoStory) -> None:
    """The demo's listings, MCF and deals part: each workflow once, each refusal once."""
    out = story.out
    home = sim.marketplace_id
    listings = [v for (_, market), v in sorted(sim.world.listings.items()) if market == home]
    mfn = [v for v in listings if _offer(v).get("fulfillment_channel_code") == "DEFAULT"]
    open_mfn = [v for v in mfn if _offer(v).get("quantity") and not v.delete_ignored]
    fba = [v for v in listings if v not in mfn]

    story.section("Listings: stop selling (quantity 0) and delete")
    if open_mfn:
        target = open_mfn[0]
        before = _offer(target)
        outcome = client.close_listing(target.sku)
        # Amazon puts an accepted patch into effect minutes later; the simulator holds it until then.
        after = _offer(PendingAttributes(target.pending[-1][1])) if target.pending else _offer(target)
        out.line(f"close_listing({target.sku!r}) -> {outcome.status.value}")
        out.line(f"  before: {before}")
        out.line(f"  after:  {after}   (once Amazon applies it, minutes later)")
        out.line("  The quantity is 0 and the lead time is kept: a merge patch changes only what it names.")
        if outcome.ok:
            story.succeeded("close_listing", f"{target.sku} at quantity 0")
    if fba:
        try:
            client.close_listing(fba[0].sku)
        except NotCancellableError as exc:
            out.line(
                f"close_listing({fba[0].sku!r}) is refused before anything is sent: the listing is fulfilled by "
                f"Amazon ({exc.state}), and Amazon sets an FBA offer's quantity from the fulfillment-center stock. "
                "To stop selling it, delete the listing or create a removal order in Seller Central."
            )
    if len(open_mfn) > 1:
        deleted = client.delete_listing(open_mfn[1].sku)
        out.line(f"delete_listing({open_mfn[1].sku!r}) -> {deleted.status.value}: {deleted.detail}")
        if deleted.ok:
            story.succeeded("delete_listing", f"{open_mfn[1].sku} deleted and read back as gone")

    _demo_fba(client, sim, story)
    _demo_deals(client, sim, story)


def _demo_fba(client: SellerClient, sim: Simulator, story: DemoStory) -> None:
    out = story.out
    story.section("FBA multi-channel (MCF) orders")
    by_status = {o.status: o.seller_fulfillment_order_id for o in sim.world.mcf_orders.values()}
    if "Processing" in by_status:
        try:
            client.cancel_fba_order(by_status["Processing"])
        except NotCancellableError as exc:
            out.line(
                f"cancel_fba_order({by_status['Processing']!r}) refused: it is {exc.state}; Amazon allows a cancel "
                "only while an order is Received or Planning (about 15 minutes after it was placed)."
            )
    planning = by_status.get("Planning") or by_status.get("Received")
    if planning is None:
        planning = sim.add_mcf_order(status="Planning").seller_fulfillment_order_id
        out.line(f"A new MCF order {planning} arrives, still in Planning, so it can be cancelled:")
    fba_outcome = client.cancel_fba_order(planning)
    out.line(f"cancel_fba_order({planning!r}) -> {fba_outcome.status} (was {fba_outcome.observed_status})")
    story.succeeded("cancel_fba_order", f"{planning} cancelled while {fba_outcome.observed_status}")


def _demo_deals(client: SellerClient, sim: Simulator, story: DemoStory) -> None:
    out = story.out
    story.section("Lightning and Best deals (no cancel API)")
    found = client.deals()
    out.table(_deal_rows(found), ["deal", "type", "status", "start", "end", "title"])
    story.succeeded("deals", f"{len(found)} deals read")
    upcoming = sorted((d for d in found if d.status == "UPCOMING" and d.start), key=lambda d: d.start or sim.now())
    if upcoming:
        deal = upcoming[-1]  # the latest start: most likely still before its fee-free moment
        try:
            client.cancel_flash_deal(deal.deal_id)
        except ManualActionRequired as err:
            out.line(
                f"cancel_flash_deal({deal.deal_id!r}): Amazon has no API for this, so you get the steps "
                "and the fee-free deadline instead:"
            )
            out.line(str(err))
            story.succeeded(
                "cancel_flash_deal", f"Seller Central steps given; fee-free until {when(err.fee_free_until)}"
            )
