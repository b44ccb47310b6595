"""Cancelling seller-fulfilled orders: one order, a batch, buyer requests, and what Amazon cancelled itself.

``record`` holds what a cancel is in the journal (keys, kinds, payloads, the
pre-flight check) and how its feed goes out; ``finish`` turns a feed's
processing report into outcomes and recovers lost submissions; ``orders_api``
is the opt-in ``cancelOrder`` route; ``cancel`` is the single-order call,
``batch`` many orders at once, ``buyer`` buyer requests and Amazon's own
cancellations; ``notify`` tells the buyer why, once Amazon confirmed a cancel.
"""

from sp_cancel._cancellation.batch import cancel_orders
from sp_cancel._cancellation.buyer import accept_buyer_cancellations, buyer_cancellation_requests, system_cancellations
from sp_cancel._cancellation.cancel import cancel_order
from sp_cancel._cancellation.finish import (
    declare_cancel_not_sent,
    refresh_cancel,
    resume_cancels,
    unconfirmed_cancels,
)
from sp_cancel._cancellation.notify import check_text, notify_buyer, texts_for

__all__ = [
    "accept_buyer_cancellations",
    "buyer_cancellation_requests",
    "cancel_order",
    "cancel_orders",
    "check_text",
    "declare_cancel_not_sent",
    "notify_buyer",
    "refresh_cancel",
    "resume_cancels",
    "system_cancellations",
    "texts_for",
    "unconfirmed_cancels",
]
