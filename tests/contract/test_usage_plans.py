"""Both usage-plan tables (the client's and the simulator's) against the plans Amazon's models state.

Each model operation's description carries a ``Usage Plan`` table (``| Rate (requests per second) | Burst |``).
The client's table (``sp_cancel._operations``) seeds the rate limiter; the simulator's own table
(``sp_cancel.testing._sim.plans``) is what it enforces. Neither may copy the other: both are checked here, so a
wrong limit on either side fails this test instead of passing every other one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from sp_cancel._operations import OPERATIONS
from sp_cancel.testing._sim.plans import USAGE_PLANS

_PLAN = re.compile(
    r"\|\s*Rate \(requests per second\)\s*\|\s*Burst\s*\|\s*\n"  # the header row
    r"\|[-\s|]+\|\s*\n"  # the rule
    r"\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|"  # rate | burst
)
# Operation key -> model file stem (the mapping the client's table uses), and key -> (method, path).
_MODEL = {op.key: op.api for op in OPERATIONS.values()}
_ROUTES = {op.key: (op.method, op.path) for op in OPERATIONS.values()}
_ROUTES.update(
    {
        "fbaOutbound.submitFulfillmentOrderStatusUpdate": (
            "PUT",
            "/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}/status",
        ),
        "fbaOutbound2026.updateOrderStatus": ("PUT", "/fulfillment/outbound/2026-07-04/orders/{orderId}/status"),
        "reports.getReports": ("GET", "/reports/2021-06-30/reports"),
        "sellers.getMarketplaceParticipations": ("GET", "/sellers/v1/marketplaceParticipations"),
    }
)
_MODEL.update(
    {
        "fbaOutbound.submitFulfillmentOrderStatusUpdate": "fulfillmentOutbound_2020-07-01",
        "fbaOutbound2026.updateOrderStatus": "fulfillmentOutbound_2026-07-04",
        "reports.getReports": "reports_2021-06-30",
        "sellers.getMarketplaceParticipations": "sellers",
    }
)


def _stated_plans(contracts_dir: Path) -> dict[str, tuple[float, int]]:
    """Operation key -> (rate, burst), for every operation whose model states a plan."""
    cache: dict[str, dict[str, Any]] = {}
    out: dict[str, tuple[float, int]] = {}
    for key, (method, path) in _ROUTES.items():
        file = contracts_dir / "models" / f"{_MODEL[key]}.json"
        if not file.is_file():
            continue
        model = cache.setdefault(file.stem, json.loads(file.read_text(encoding="utf-8")))
        operation = model["paths"].get(path, {}).get(method.lower())
        if operation is None:
            continue
        found = _PLAN.search(operation.get("description", ""))
        if found is not None:
            out[key] = (float(found.group(1)), int(found.group(2)))
    return out


@pytest.fixture(scope="module")
def stated(contracts_dir: Path) -> dict[str, tuple[float, int]]:
    """The plans Amazon's models state."""
    plans = _stated_plans(contracts_dir)
    assert len(plans) >= 20, f"too few usage plans found in the models: {sorted(plans)}"
    return plans


def test_the_client_table_matches_the_models(stated: dict[str, tuple[float, int]]) -> None:
    """The rate limiter's seed table says what the models say, operation by operation."""
    wrong = {
        key: ((OPERATIONS[key].rate, OPERATIONS[key].burst), plan)
        for key, plan in stated.items()
        if key in OPERATIONS and (OPERATIONS[key].rate, OPERATIONS[key].burst) != plan
    }
    assert not wrong, f"client table (ours, model): {wrong}"


def test_the_simulator_table_matches_the_models(stated: dict[str, tuple[float, int]]) -> None:
    """The simulator enforces what the models say, from its own table."""
    wrong = {key: (USAGE_PLANS.get(key), plan) for key, plan in stated.items() if USAGE_PLANS.get(key) != plan}
    assert not wrong, f"simulator table (ours, model): {wrong}"
    assert {"reports.getReports", "sellers.getMarketplaceParticipations"} <= set(stated)


def test_the_simulator_does_not_enforce_the_client_table() -> None:
    """A wrong limit in the client must show up in tests: change the client's table, the simulator's stays."""
    from sp_cancel.testing import Simulator  # noqa: PLC0415 - keeps the module importable without the simulator

    sim = Simulator(seed=0, orders=0)
    core = sim._core
    original = OPERATIONS["feeds.getFeed"]
    OPERATIONS["feeds.getFeed"] = type(original)(**{**_fields(original), "rate": 99.0, "burst": 99})
    try:
        assert core.usage_plan("feeds.getFeed") == (2.0, 15)
    finally:
        OPERATIONS["feeds.getFeed"] = original


def _fields(op: object) -> dict[str, Any]:
    import attrs  # noqa: PLC0415

    return attrs.asdict(op)  # type: ignore[arg-type]
