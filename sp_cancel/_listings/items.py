"""Stop selling a listing (quantity 0) or delete it, through the Listings Items API.

``close_listing`` reads the listing (product type, fulfillment channel), refuses
an FBA offer (Amazon controls that quantity), and sends Amazon's own
``merge`` patch on ``/attributes/fulfillment_availability`` with quantity 0 for
``DEFAULT`` (merchant-fulfilled): ``merge`` keeps ``lead_time_to_ship_max_days``
and ``restock_date``, ``replace`` would drop them (docs/listings.md). Amazon answers
HTTP 200 even for ``INVALID``; the issues come back typed.

``delete_listing`` sends ``deleteListingsItem`` and reads the listing back a
bounded number of times: a 404 means it is gone. Amazon sometimes accepts a
delete that never takes effect; the outcome then says ``DELETE_PENDING`` with
what was observed, and ``close_listing`` is the fallback.

Bulk closing (``JSON_LISTINGS_FEED``) lives in ``sp_cancel._listings.feed``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import sp_cancel._events as events
from sp_cancel._listings.feed import close_listings, refresh_listing_close, resume_listing_closes
from sp_cancel._listings.outcomes import ListingOutcome, ListingStatus
from sp_cancel._listings.view import check_closable, listing_issues, read_back_closed, read_listing
from sp_cancel.errors import NotFoundError, OutcomeUnknownError
from sp_cancel.feeds.listings import close_listing_patch
from sp_cancel.logging import get_logger

if TYPE_CHECKING:
    from sp_cancel._runtime.context import Context
    from sp_cancel.transport import ListingsSubmission

__all__ = [
    "DELETE_POLLS",
    "close_listing",
    "close_listings",
    "delete_listing",
    "refresh_listing",
    "refresh_listing_close",
    "resume_listing_closes",
]

# Seconds to wait before each read-back after a delete: 5 reads over 65 s of the injected clock.
DELETE_POLLS: Final = (5.0, 10.0, 15.0, 15.0, 20.0)
_log = get_logger()

refresh_listing = refresh_listing_close
"""What ``client.refresh``/``client.wait`` call for a ``SUBMITTED`` listing outcome (a bulk close)."""


def _submission_status(submission: ListingsSubmission) -> ListingStatus:
    """``ACCEPTED`` / ``INVALID`` from a ``ListingsItemSubmissionResponse`` (an unknown value counts as INVALID)."""
    return ListingStatus.ACCEPTED if submission.status == "ACCEPTED" else ListingStatus.INVALID


def close_listing(ctx: Context, sku: str) -> ListingOutcome:
    """See ``sp_cancel.SellerClient.close_listing``.

    A listing whose seller-fulfilled quantity already reads 0 is not patched
    again: the outcome is ``ACCEPTED`` with no ``submission_id`` and a ``detail``
    saying nothing was sent.
    """
    view = read_listing(ctx, sku)
    check_closable(view)
    fba = sorted(c for c in view.channels if c.startswith("AMAZON_"))
    note = f"; the FBA offer ({', '.join(fba)}) is Amazon's and was left as is" if fba else ""
    if view.closed:
        return ListingOutcome(
            sku=sku,
            status=ListingStatus.ACCEPTED,
            detail=f"the seller-fulfilled quantity already reads 0; nothing was sent{note}",
        )
    try:
        submission = ctx.api.patch_listings_item(
            sku,
            product_type=view.product_type,
            patches=close_listing_patch(),
            marketplace_ids=[ctx.marketplace_id],
        )
    except OutcomeUnknownError:
        # The patch may or may not have reached Amazon; it is harmless to repeat, but look first. Amazon
        # applies an accepted patch with a delay, so read back a few times before giving up.
        closed, seen = read_back_closed(ctx, [sku])[sku]
        if closed:
            return ListingOutcome(
                sku=sku,
                status=ListingStatus.ACCEPTED,
                detail=f"Amazon's answer was lost; {seen}{note}",
            )
        raise
    outcome = ListingOutcome(
        sku=sku,
        status=_submission_status(submission),
        submission_id=submission.submission_id,
        issues=listing_issues(submission.issues),
        detail=f"product type {view.product_type}{note}",
    )
    _log.info(
        events.LISTING_CLOSED,
        sku=sku,
        status=outcome.status.value,
        submission_id=outcome.submission_id,
        request_id=submission.request_id,
    )
    return outcome


def _gone(ctx: Context, sku: str) -> tuple[bool, str]:
    """Read the listing once: ``(True, ...)`` on a 404, else ``(False, what was seen)``."""
    try:
        view = read_listing(ctx, sku)
    except NotFoundError:
        return True, "getListingsItem answers 404"
    status = ", ".join(view.status) or "no status"
    return False, f"still readable ({status})"


def _verify_deleted(ctx: Context, sku: str) -> tuple[bool, str]:
    waited = 0.0
    seen = "not read back"
    for pause in DELETE_POLLS:
        ctx.sleep(pause)
        waited += pause
        gone, seen = _gone(ctx, sku)
        if gone:
            return True, f"{seen} {waited:.0f} s after the delete"
    return False, f"{seen} {waited:.0f} s after the delete ({len(DELETE_POLLS)} reads)"


_PENDING_ADVICE: Final = (
    "Amazon processes deletes asynchronously and sometimes accepts one that never takes effect: "
    "read it again later, and if it is still there, close_listing(sku) stops sales (quantity 0)."
)


def delete_listing(ctx: Context, sku: str, *, verify: bool) -> ListingOutcome:
    """See ``sp_cancel.SellerClient.delete_listing``.

    With ``verify`` the listing is read back up to five times over about a
    minute of the client's clock: a 404 gives ``DELETED``; still readable gives
    ``DELETE_PENDING`` with what was seen. Without ``verify`` an accepted delete
    is ``DELETE_PENDING`` (accepted, not observed).
    """
    try:
        submission = ctx.api.delete_listings_item(sku, marketplace_ids=[ctx.marketplace_id])
    except OutcomeUnknownError:
        gone, seen = _verify_deleted(ctx, sku)
        if gone:
            return ListingOutcome(
                sku=sku, status=ListingStatus.DELETED, detail=f"Amazon's answer was lost; the listing is gone: {seen}"
            )
        raise
    submission_id = submission.submission_id
    issues = listing_issues(submission.issues)
    if _submission_status(submission) is ListingStatus.INVALID:
        return ListingOutcome(sku=sku, status=ListingStatus.INVALID, submission_id=submission_id, issues=issues)
    if not verify:
        status, detail = ListingStatus.DELETE_PENDING, "Amazon accepted the delete; not read back (verify=False)"
    else:
        gone, seen = _verify_deleted(ctx, sku)
        if gone:
            status, detail = ListingStatus.DELETED, seen
        else:
            status, detail = ListingStatus.DELETE_PENDING, f"Amazon accepted the delete but the listing is {seen}. "
            detail += _PENDING_ADVICE
    _log.info(events.LISTING_DELETED, sku=sku, status=status.value, submission_id=submission_id)
    return ListingOutcome(sku=sku, status=status, submission_id=submission_id, issues=issues, detail=detail)
