"""Argument checks for the public entry points: each returns the checked value or raises InvalidInputError.

Every check names the argument (``field=``) and runs before any request, so a wrong type, a NaN
timeout or a ``None`` collection is refused with a typed error instead of a ``TypeError`` from deep
inside, or worse, a request sent with no deadline. They check the *shape* of arguments (types, finite
positive numbers, iterables); the meaning (an order id's format, what is cancellable or refundable)
stays with the workflows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final, TypeVar

from sp_cancel.errors import InvalidInputError
from sp_cancel.models import CancelReason, CancelRequest

__all__ = [
    "MAX_TIMEOUT",
    "check_callable",
    "check_choice",
    "check_flag",
    "check_instance",
    "check_items",
    "check_moment",
    "check_optional_text",
    "check_since",
    "check_text",
    "check_timeout",
    "check_window",
]

T = TypeVar("T")

#: The longest wait accepted, in seconds (a week): beyond it a deadline is a mistake, not a plan.
MAX_TIMEOUT: Final = 7 * 24 * 3600.0
#: The longest string argument accepted (ids, SKUs, keys are far shorter).
_MAX_TEXT: Final = 1000


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_timeout(value: object, field: str = "timeout") -> float:
    """A number of seconds, finite, above 0 and at most ``MAX_TIMEOUT`` (``bool`` and strings refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InvalidInputError(f"{field} must be a number of seconds, not {_show(value)}", field=field)
    try:
        seconds = float(value)
    except (OverflowError, ValueError):
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0 or seconds > MAX_TIMEOUT:
        raise InvalidInputError(
            f"{field} must be a finite number of seconds above 0 and at most {MAX_TIMEOUT:g}, not {_show(value)}",
            field=field,
        )
    return seconds


def check_flag(value: object, field: str) -> bool:
    """``True`` or ``False`` exactly (``"false"``, ``0`` and ``None`` are refused: they read the wrong way)."""
    if not isinstance(value, bool):
        raise InvalidInputError(f"{field} must be True or False, not {_show(value)}", field=field)
    return value


def check_text(value: object, field: str, *, max_length: int = _MAX_TEXT) -> str:
    """A non-blank string of at most ``max_length`` characters, without control characters."""
    if not isinstance(value, str):
        raise InvalidInputError(f"{field} must be a string, not {type(value).__name__} {_show(value)}", field=field)
    if not value.strip():
        raise InvalidInputError(f"{field} must not be empty", field=field)
    if len(value) > max_length:
        raise InvalidInputError(f"{field} is {len(value)} characters long; at most {max_length}", field=field)
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InvalidInputError(f"{field} {_show(value)} contains control characters", field=field)
    return value


def check_optional_text(value: object, field: str, *, max_length: int = _MAX_TEXT) -> str | None:
    """``None`` or ``check_text``."""
    return None if value is None else check_text(value, field, max_length=max_length)


def check_choice(value: object, field: str, allowed: Iterable[str]) -> str:
    """One of ``allowed`` (strings)."""
    options = tuple(allowed)
    if not isinstance(value, str) or value not in options:
        raise InvalidInputError(
            f"{field} must be one of {', '.join(map(repr, options))}, not {_show(value)}", field=field
        )
    return value


def check_instance(value: object, field: str, kinds: type[T] | tuple[type[T], ...], what: str) -> T:
    """An instance of ``kinds`` (``what`` names them for the message)."""
    if not isinstance(value, kinds):
        raise InvalidInputError(f"{field} must be {what}, not {type(value).__name__} {_show(value)}", field=field)
    return value


def check_items(
    value: object,
    field: str,
    kinds: type[Any] | tuple[type[Any], ...],
    what: str,
    *,
    allow_empty: bool = False,
) -> list[Any]:
    """An iterable (not a string, bytes or mapping) of ``kinds``, as a list; ``None`` is refused.

    A generator is consumed here, once, so the workflow gets a list it may read twice.
    """
    if value is None or isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        raise InvalidInputError(
            f"{field} must be a list of {what} (or another iterable), not {type(value).__name__} {_show(value)}",
            field=field,
        )
    items = list(value)
    if not items and not allow_empty:
        raise InvalidInputError(f"{field} is empty: give at least one of {what}", field=field)
    for index, item in enumerate(items):
        if not isinstance(item, kinds):
            raise InvalidInputError(
                f"{field}[{index}] must be {what}, not {type(item).__name__} {_show(item)}", field=field
            )
    return items


def check_callable(value: object, field: str) -> Callable[..., Any] | None:
    """``None`` or something callable."""
    if value is not None and not callable(value):
        raise InvalidInputError(f"{field} must be a callable or None, not {_show(value)}", field=field)
    return value


def check_moment(value: object, field: str) -> datetime | None:
    """``None`` or a timezone-aware ``datetime``."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise InvalidInputError(f"{field} must be a timezone-aware datetime, not {_show(value)}", field=field)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(f"{field} {_show(value)} has no timezone; pass an aware datetime", field=field)
    return value


def check_window(value: object, field: str) -> timedelta:
    """A positive ``timedelta``."""
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise InvalidInputError(f"{field} must be a positive timedelta, not {_show(value)}", field=field)
    return value


def check_since(value: object, field: str = "since") -> datetime | timedelta:
    """A timezone-aware ``datetime`` or a non-negative ``timedelta`` (how long ago)."""
    if isinstance(value, timedelta):
        if value < timedelta(0):
            raise InvalidInputError(
                f"{field} must be a non-negative timedelta (how long ago), not {value}", field=field
            )
        return value
    if isinstance(value, datetime):
        moment = check_moment(value, field)
        assert moment is not None  # noqa: S101 - value is a datetime
        return moment
    raise InvalidInputError(
        f"{field} must be a timezone-aware datetime or a timedelta, not {type(value).__name__} {_show(value)}",
        field=field,
    )


def check_orders_api_cancel(request: CancelRequest) -> None:
    """A cancel the Orders API ``cancelOrder`` route can carry: a whole order, a reason with a ``cancelReasonCode``."""
    if request.items is not None:
        raise InvalidInputError(
            "via='orders_api' cancels whole orders only (Amazon: partial cancellations are not supported)",
            field="items",
        )
    if request.reason.orders_api_code is None:
        usable = ", ".join(r.name for r in CancelReason if r.orders_api_code)
        raise InvalidInputError(
            f"reason {request.reason.name} has no cancelReasonCode in the Orders API; use via='feed' or one of: "
            f"{usable}",
            field="reason",
        )
