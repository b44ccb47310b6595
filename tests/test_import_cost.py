"""Importing sp_cancel loads only what every user needs (issue 20 item 3).

The client, the workflows, the transport (httpx, python-amazon-sp-api), structlog, tenacity, rich and the
simulator load at their first use. Each check runs a fresh interpreter and lists the modules it loaded, so
it depends on what is imported, never on how fast the machine is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
# Loaded at first use only: what one workflow, the CLI or the test toolkit needs.
DEFERRED = (
    "httpx",
    "sp_api",
    "structlog",
    "tenacity",
    "rich",
    "lxml",
    "pyarrow",
    "pandas",
    "boto3",
    "redis",
    "sp_cancel.transport",
    "sp_cancel.journal",
    "sp_cancel.metrics",
    "sp_cancel.ratelimit",
    "sp_cancel.retry",
    "sp_cancel._runtime",
    # the intent packages' workflows (their outcome modules are value types, loaded with sp_cancel)
    "sp_cancel._cancellation.flow",
    "sp_cancel._cancellation.batch",
    "sp_cancel._refunds.refund",
    "sp_cancel._listings.items",
    "sp_cancel._fba",
    "sp_cancel.cli",
    "sp_cancel.testing",
)


def _loaded(statement: str) -> list[str]:
    """The modules of ``DEFERRED`` a fresh interpreter has loaded after ``statement``."""
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(  # noqa: S603 - our own interpreter on a constant statement
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    modules = json.loads(done.stdout)
    return [name for name in DEFERRED if name in modules]


@pytest.mark.parametrize("statement", ["import sp_cancel", "from sp_cancel import SellerClient, Credentials"])
def test_import_loads_no_workflow_transport_or_tooling(statement: str) -> None:
    """``import sp_cancel`` and ``from sp_cancel import SellerClient`` load none of the deferred modules."""
    assert _loaded(statement) == []


def test_a_deferred_name_loads_its_module_and_says_sp_cancel() -> None:
    """A name imported on first use is the defining module's own object and reports ``sp_cancel``."""
    loaded = _loaded(
        "import sp_cancel, sp_cancel.journal\n"
        "assert sp_cancel.Journal is sp_cancel.journal.Journal\n"
        "assert sp_cancel.Journal.__module__ == 'sp_cancel'\n"
        "assert 'RetryPolicy' in dir(sp_cancel)"
    )
    assert loaded == ["sp_cancel.journal"]


def test_an_unknown_name_is_an_attribute_error() -> None:
    """A name sp_cancel does not export raises AttributeError (so ``hasattr`` and ``getattr`` defaults work)."""
    import sp_cancel  # noqa: PLC0415

    with pytest.raises(AttributeError, match="no attribute 'SellerClients'"):
        _ = sp_cancel.SellerClients  # type: ignore[attr-defined]
