"""Partial refunds.

``check`` validates before anything is sent, ``send`` submits exactly once, ``settle`` turns the feed (or
Amazon's Finances API) into the outcome, and ``refund`` is the workflow itself.
"""

from sp_cancel._refunds.refund import partial_refund, refresh_refund, resume_refunds, verify_refund

__all__ = ["partial_refund", "refresh_refund", "resume_refunds", "verify_refund"]
