"""Partial refunds.

``check`` validates before anything is sent, ``record`` is what a refund is in the journal, ``send``
submits at most once, ``settle`` turns the feed (or Amazon's Finances API) into the outcome and looks for
refunds whose send is uncertain, and ``refund`` is the workflow itself.
"""

from sp_cancel._refunds.refund import (
    declare_refund_not_sent,
    partial_refund,
    refresh_refund,
    resume_refunds,
    unconfirmed_refunds,
    verify_refund,
)

__all__ = [
    "declare_refund_not_sent",
    "partial_refund",
    "refresh_refund",
    "resume_refunds",
    "unconfirmed_refunds",
    "verify_refund",
]
