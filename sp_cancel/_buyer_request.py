"""Whether the buyer asked Amazon to cancel: one model, ``BuyerRequest``, and one parser, ``read_buyer_request``.

Amazon says it in four shapes (``/work/shared/docs/sp-api-facts.md`` §6, §10):

- Orders v0 ``getOrderItems``: ``BuyerRequestedCancel.IsBuyerRequestedCancel``, the *string* ``"true"``/``"false"``;
- ``ORDER_CHANGE`` notifications: ``Summary.OrderItems[].IsBuyerRequestedCancel``, a JSON boolean;
- Orders 2026-01-01 (``includedData=CANCELLATION``): ``orderItems[].cancellation.cancellationRequest``, an object,
  a request when ``requester == "BUYER"``;
- order reports (the Unshipped Orders report, optional elsewhere): ``is-buyer-requested-cancellation``, the text
  ``true``/``false``.

Every reader of those fields (the transport's Orders parsers, ``notifications.parse_order_change``, the metrics'
report readers) calls ``read_buyer_request``, so a value is read the same way wherever it arrives. It sits with
the value types, below the transport, so every layer that parses Amazon's data can use it; it raises a plain
``ValueError`` and each caller turns it into its own error (``ServerError`` from the transport,
``InvalidInputError`` from a file or a notification).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs

__all__ = ["NO_BUYER_REQUEST", "BuyerRequest", "read_buyer_request"]

_TRUE: Final = "true"
_FALSE: Final = ("false", "")
_BUYER: Final = "BUYER"


@attrs.frozen(kw_only=True)
class BuyerRequest:
    """Whether the buyer asked Amazon to cancel an item (or an order), and the reason they gave.

    Attributes:
        requested: the buyer asked through Amazon (such a cancellation, accepted, does not count against the
            seller's cancellation rate).
        reason: the buyer's free text, when Amazon gave one (never parsed: Amazon does not fix its wording).
    """

    requested: bool = False
    reason: str | None = None


#: No request (the field absent, ``false``, or a request another party made).
NO_BUYER_REQUEST: Final = BuyerRequest()


def _reason(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"the reason is a {type(value).__name__} ({value!r}), not a string")  # noqa: TRY004 - callers catch one error: a value of Amazon's that fits no shape
    return value.strip() or None


def _flag(value: str) -> bool:
    text = value.strip().lower()
    if text == _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected 'true' or 'false', got {value!r}")


def read_buyer_request(value: object, reason: object = None) -> BuyerRequest:
    """Read Amazon's buyer-request signal, in any of the shapes it sends, into a ``BuyerRequest``.

    Args:
        value: ``None`` (absent: no request); a ``bool`` (``ORDER_CHANGE``); the string ``"true"``/``"false"``
            in any case, blank meaning false (Orders v0, the report column); or the 2026-01-01
            ``cancellationRequest`` object (a mapping: a request when its ``requester`` is ``BUYER``; its
            ``cancelReason`` is the reason).
        reason: the buyer's reason where Amazon sends it beside the flag (v0 ``BuyerCancelReason``, the report's
            ``buyer-requested-cancel-reason``); ignored for a ``cancellationRequest``, which carries its own.

    Raises:
        ValueError: a value of none of these shapes (another string, a number, a non-string ``requester`` or
            reason).

    Example:
        >>> read_buyer_request("true", "Found cheaper somewhere else.")
        BuyerRequest(requested=True, reason='Found cheaper somewhere else.')
        >>> read_buyer_request({"requester": "BUYER", "cancelReason": "Changed mind"}).requested
        True
        >>> read_buyer_request(False) == read_buyer_request(None) == read_buyer_request("") == NO_BUYER_REQUEST
        True
    """
    if value is None:
        requested = False
    elif value is True or value is False:
        requested = value
    elif isinstance(value, str):
        requested = _flag(value)
    elif isinstance(value, Mapping):
        requester = value.get("requester")
        if requester is not None and not isinstance(requester, str):
            raise ValueError(f"requester is a {type(requester).__name__} ({requester!r}), not a string")
        requested = requester is not None and requester.strip().upper() == _BUYER
        reason = value.get("cancelReason")
    else:
        raise ValueError(f"expected a bool, 'true'/'false' or a cancellationRequest object, got {value!r}")
    text = _reason(reason)
    if not requested and text is None:
        return NO_BUYER_REQUEST
    return BuyerRequest(requested=requested, reason=text)
