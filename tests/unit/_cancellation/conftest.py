"""The workflow context the cancellation tests run on: over the test module's own fake Amazon (its ``amazon``)."""

from __future__ import annotations

import pytest
from unit_fakes import fake_context

from sp_cancel._runtime.context import Context
from sp_cancel.clock import FakeClock
from sp_cancel.journal import Journal


@pytest.fixture
def ctx(clock: FakeClock, journal: Journal, amazon: object) -> Context:
    """A context over the module's fake Amazon and an in-memory journal, a 48 h horizon."""
    return fake_context(amazon, journal, clock)
