"""Cancelling seller-fulfilled orders: one order, a batch, buyer requests, and what Amazon cancelled itself.

``record`` holds what a cancel is in the journal (keys, kinds, payloads, the
pre-flight check) and how its feed goes out; ``finish`` turns a feed's
processing report into outcomes and recovers lost submissions; ``orders_api``
is the opt-in ``cancelOrder`` route; ``cancel`` is the single-order call,
``batch`` many orders at once, ``buyer`` buyer requests and Amazon's own
cancellations; ``notify`` tells the buyer why, once Amazon confirmed a cancel; ``flow`` gathers the calls
the client makes. The package itself imports nothing, so reading an outcome type (``outcomes``) does not load
the workflows (issue 20: ``import sp_cancel`` stays cheap).
"""
