"""The contracts folder for the contract tests (see ``tests/amazon_contracts.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from amazon_contracts import contracts_dir as find_contracts_dir


@pytest.fixture(scope="session")
def contracts_dir() -> Path:
    """Amazon's models, schemas and XSDs: ``$SP_CANCEL_CONTRACTS_DIR``, else the bundled copies."""
    return find_contracts_dir()
