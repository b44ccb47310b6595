"""Cadence: the pause before the next status read, from the processing time learned per feed or report type."""

from __future__ import annotations

import math

import pytest

from sp_cancel._runtime.cadence import PAST_TYPICAL, Cadence

FLOOR = 0.5
CEILING = 120.0


def pause(cadence: Cadence, waited: float, *, floor: float = FLOOR, ceiling: float = CEILING) -> float:
    """The cadence's pause for the order feed type."""
    return cadence.pause("ORDERS", waited=waited, floor=floor, ceiling=ceiling)


def test_before_anything_is_learned_each_look_doubles_the_time_waited() -> None:
    """Unlearned: the pause is the time waited so far (from the floor up), so looks land at 0.5, 1, 2, 4... s."""
    cadence = Cadence()
    looks, waited = [], 0.0
    while waited < 60:
        waited += pause(cadence, waited)
        looks.append(waited)
    assert looks == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]


def test_the_pause_never_passes_the_ceiling_nor_drops_below_the_floor() -> None:
    """A feed running for an hour is looked at every ``ceiling`` seconds; a look never comes sooner than ``floor``."""
    cadence = Cadence()
    assert pause(cadence, 3600.0) == CEILING
    assert pause(cadence, 0.0, floor=5.0) == 5.0
    cadence.learn("ORDERS", 10.0)
    assert pause(cadence, 10.4, floor=2.0) == 2.0  # due in 0.1 s: not before the plan allows


def test_a_learned_time_puts_one_look_just_past_it() -> None:
    """With T learned, the look after the first lands at T x 1.05, whatever the scale of T."""
    cadence = Cadence()
    cadence.learn("ORDERS", 0.15)
    assert pause(cadence, 0.0, floor=0.005) == pytest.approx(0.15 * PAST_TYPICAL)
    cadence.learn("ORDERS", 180.0)
    assert pause(cadence, 0.0) == CEILING  # 189 s, capped
    assert pause(cadence, 120.0) == pytest.approx(69.0)


def test_past_the_learned_time_looks_follow_at_an_eighth_of_it_then_half_the_overrun() -> None:
    """Still running past T: T / 8 at first, then half the overrun (growing), never past the ceiling."""
    cadence = Cadence()
    cadence.learn("ORDERS", 80.0)
    assert pause(cadence, 84.0) == pytest.approx(10.0)  # T / 8
    assert pause(cadence, 120.0) == pytest.approx(20.0)  # (120 - 80) / 2
    assert pause(cadence, 1000.0) == CEILING


def test_learning_is_per_type_keeps_the_last_time_and_ignores_nonsense() -> None:
    """Each type has its own time; a negative, NaN or infinite time, or an empty type, is not learned."""
    cadence = Cadence()
    assert cadence.typical("ORDERS") is None
    cadence.learn("ORDERS", 30.0)
    cadence.learn("ORDERS", 20.0)
    for bad in (-1.0, math.nan, math.inf):
        cadence.learn("ORDERS", bad)
    cadence.learn("", 5.0)
    assert cadence.typical("ORDERS") == 20.0
    assert cadence.typical("LISTINGS") is None
    assert cadence.typical("") is None
    assert pause(cadence, 0.0) == pytest.approx(21.0)
    assert cadence.pause("LISTINGS", waited=0.0, floor=FLOOR, ceiling=CEILING) == FLOOR
