"""Whether the buyer asked Amazon to cancel: one model, ``BuyerRequest``, and one parser, ``read_buyer_request``.

Amazon says it in four shapes (``/work/shared/docs/sp-api-facts.md`` §6, §10):

- Orders v0 ``getOrderItems``: ``BuyerRequestedCancel.IsBuyerRequestedCancel``, the *string* ``"true"``/``"false"``;
- ``ORDER_CHANGE`` notifications: ``Summary.OrderItems[].IsBuyerRequestedCancel``, a JSON boolean;
- Orders 2026-01-01 (``includedData=CANCELLATION``): ``orderItems[].cancellation.cancellationRequest``, an object,
  a request when ``requester == "BUYER"``;
- order reports (the Unshipped Orders report, optional elsewhere): ``is-buyer-requested-cancellation``, the text
  ``true``/``false``.

Each shape is read as Amazon documents it (a notification's flag must be a real boolean, a v0 flag a string).
Every reader of those fields (the transport's Orders parsers, ``notifications.parse_order_change``, the metrics'
report readers) calls ``read_buyer_request``, so a value is read the same way wherever it arrives. It sits with
the value types, below the transport, so every layer that parses Amazon's data can use it; it raises a plain
``ValueError`` and each caller turns it into its own error (``ServerError`` from the transport,
``InvalidInputError`` from a file or a notification).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

import attrs

__all__ = ["NO_BUYER_REQUEST", "BuyerRequest", "Shape", "read_buyer_request"]

#: Where a buyer-request value comes from (see ``read_buyer_request``).
Shape = Literal["orders_v0", "order_change", "orders_2026", "report"]

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


def read_buyer_request(value: object, reason: object = None, *, shape: Shape) -> BuyerRequest:
    """Read Amazon's buyer-request signal, as ``shape`` sends it, into a ``BuyerRequest``.

    Args:
        value: the field as Amazon sent it (``None`` when absent: no request).
        reason: the buyer's reason where Amazon sends it beside the flag (v0 ``BuyerCancelReason``, the report's
            ``buyer-requested-cancel-reason``); a ``cancellationRequest`` carries its own ``cancelReason``.
        shape: where ``value`` comes from:

            - ``"orders_v0"``, ``"report"``: the text ``true``/``false`` in any case (blank: false);
            - ``"order_change"``: a JSON boolean; only ``true`` is a request (the v0 string ``"true"`` or ``1`` is
              not Amazon's shape there, and is not read as one);
            - ``"orders_2026"``: the ``cancellationRequest`` object, a request when its ``requester`` is ``BUYER``.

    Raises:
        ValueError: a value that does not fit its shape (another string, a number for a text field, a
            non-string ``requester`` or reason).

    Example:
        >>> read_buyer_request("true", "Found cheaper somewhere else.", shape="orders_v0")
        BuyerRequest(requested=True, reason='Found cheaper somewhere else.')
        >>> read_buyer_request({"requester": "BUYER", "cancelReason": "Changed mind"}, shape="orders_2026").requested
        True
        >>> read_buyer_request("true", shape="order_change") == read_buyer_request("", shape="report")
        True
    """
    if shape == "order_change":
        requested = value is True
    elif shape == "orders_2026":
        if value is None:
            requested, reason = False, None
        elif isinstance(value, Mapping):
            requester = value.get("requester")
            if requester is not None and not isinstance(requester, str):
                raise ValueError(f"requester is a {type(requester).__name__} ({requester!r}), not a string")
            requested = requester is not None and requester.strip().upper() == _BUYER
            reason = value.get("cancelReason")
        else:
            raise ValueError(f"cancellationRequest is a {type(value).__name__} ({value!r}), not an object")
    elif shape in ("orders_v0", "report"):
        if value is None:
            requested = False
        elif isinstance(value, str):
            requested = _flag(value)
        else:
            raise ValueError(f"expected the text 'true' or 'false', got {value!r}")
    else:
        raise ValueError(f"unknown shape {shape!r}")
    text = _reason(reason)
    if not requested and text is None:
        return NO_BUYER_REQUEST
    return BuyerRequest(requested=requested, reason=text)
