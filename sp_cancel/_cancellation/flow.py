"""The cancellation calls ``SellerClient`` delegates to, gathered in one module it imports at first use."""

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
