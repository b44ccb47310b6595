"""Partial refunds.

``check`` validates before anything is sent, ``record`` is what a refund is in the journal, ``send``
submits at most once, ``settle`` turns the feed (or Amazon's Finances API) into the outcome and looks for
refunds whose send is uncertain, and ``refund`` is the workflow itself.
"""
