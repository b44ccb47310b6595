"""Argument checks before any request (sp_cancel/_checks.py): what each accepts, and that it names the field."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sp_cancel._checks import (
    MAX_TIMEOUT,
    check_callable,
    check_choice,
    check_flag,
    check_items,
    check_moment,
    check_optional_text,
    check_orders_api_cancel,
    check_since,
    check_text,
    check_timeout,
    check_window,
)
from sp_cancel.errors import InvalidInputError
from sp_cancel.models import CancelReason, CancelRequest, ItemCancel

NOW = datetime(2026, 12, 5, tzinfo=UTC)


def refused(check: object, *args: object, field: str, **kwargs: object) -> str:
    """Run ``check`` expecting InvalidInputError for ``field``; its message."""
    with pytest.raises(InvalidInputError) as caught:
        check(*args, **kwargs)  # type: ignore[operator]  # each check is callable
    assert caught.value.field == field
    return str(caught.value)


@pytest.mark.parametrize(
    ("value", "seconds"), [(1, 1.0), (0.5, 0.5), (Decimal("2.5"), 2.5), (MAX_TIMEOUT, MAX_TIMEOUT)]
)
def test_check_timeout_accepts_finite_positive_seconds(value: object, seconds: float) -> None:
    """Ints, floats and Decimals above 0, up to a week."""
    assert check_timeout(value) == seconds


@pytest.mark.parametrize("value", [0, -1, math.inf, math.nan, MAX_TIMEOUT + 1, True, "60", None, Decimal("1e999999")])
def test_check_timeout_refuses_the_rest(value: object) -> None:
    """Zero, negative, infinite, NaN, over a week, booleans, strings, None, a Decimal too large for a float."""
    refused(check_timeout, value, "wait_for", field="wait_for")


def test_check_flag_takes_only_booleans() -> None:
    """0, "false" and None read the wrong way: refused."""
    assert check_flag(False, "wait") is False
    for value in (0, "false", None):
        refused(check_flag, value, "wait", field="wait")


def test_check_text() -> None:
    """Non-blank, not too long, no control characters; optional text allows None."""
    assert check_text("SKU-1", "sku") == "SKU-1"
    assert "must be a string" in refused(check_text, 5, "sku", field="sku")
    assert "must not be empty" in refused(check_text, "  ", "sku", field="sku")
    assert "at most 3" in refused(check_text, "abcd", "sku", field="sku", max_length=3)
    assert "control characters" in refused(check_text, "a\nb", "sku", field="sku")
    assert check_optional_text(None, "note") is None
    refused(check_optional_text, "", "note", field="note")


def test_check_choice_and_callable() -> None:
    """A choice must be one of the strings given; a callback must be callable or None."""
    assert check_choice("feed", "via", ("feed", "orders_api")) == "feed"
    assert "'feed', 'orders_api'" in refused(check_choice, "fax", "via", ("feed", "orders_api"), field="via")
    assert check_callable(None, "progress") is None
    assert check_callable(print, "progress") is print
    refused(check_callable, "print", "progress", field="progress")


def test_check_items_takes_any_iterable_once_and_checks_each() -> None:
    """A generator is consumed into a list; strings and mappings are not lists; each item is checked, by index."""
    assert check_items((n for n in (1, 2)), "ids", int, "ints") == [1, 2]
    for value in ("12", {"a": 1}, None, 5):
        refused(check_items, value, "ids", int, "ints", field="ids")
    assert "is empty" in refused(check_items, [], "ids", int, "ints", field="ids")
    assert check_items([], "ids", int, "ints", allow_empty=True) == []
    assert "ids[1]" in refused(check_items, [1, "2"], "ids", int, "ints", field="ids")


def test_moments_windows_and_since() -> None:
    """Aware datetimes only; windows positive; since is an aware moment or a non-negative timedelta."""
    assert check_moment(None, "start") is None
    assert check_moment(NOW, "start") == NOW
    assert "no timezone" in refused(check_moment, datetime(2026, 1, 1), "start", field="start")  # noqa: DTZ001
    refused(check_moment, "2026-01-01", "start", field="start")
    assert check_window(timedelta(days=1), "window") == timedelta(days=1)
    refused(check_window, timedelta(0), "window", field="window")
    assert check_since(timedelta(0)) == timedelta(0)
    assert check_since(NOW) == NOW
    refused(check_since, timedelta(seconds=-1), field="since")
    refused(check_since, 7, field="since")


def test_orders_api_cancels_whole_orders_with_a_reason_code_only() -> None:
    """Item-level cancels and reasons without a cancelReasonCode are refused, naming the usable reasons."""
    check_orders_api_cancel(CancelRequest(order_id="111-0000000-0000001", reason=CancelReason.NO_INVENTORY))
    units = CancelRequest(
        order_id="111-0000000-0000001",
        reason=CancelReason.NO_INVENTORY,
        items=[ItemCancel(order_item_id="11111111111111", quantity=1)],
    )
    refused(check_orders_api_cancel, units, field="items")
    no_code = next(r for r in CancelReason if r.orders_api_code is None)
    message = refused(
        check_orders_api_cancel, CancelRequest(order_id="111-0000000-0000001", reason=no_code), field="reason"
    )
    assert "NO_INVENTORY" in message
