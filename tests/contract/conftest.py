"""Locate Amazon's contracts (models, JSON schemas, XSDs) for the contract tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "SP_CANCEL_CONTRACTS_DIR"


def find_contracts_dir() -> tuple[Path | None, str]:
    """Return the contracts folder (or None) and a sentence saying where it was looked for."""
    configured = os.environ.get(ENV_VAR)
    candidates = [Path(configured)] if configured else []
    candidates.append(REPO_ROOT.parent / "shared" / "sp-api-models")
    for candidate in candidates:
        if (candidate / "xsd" / "order-feeds-envelope.xsd").is_file():
            return candidate, ""
    looked = ", ".join(str(c) for c in candidates)
    return None, f"Amazon's contracts (sp-api-models) not found; looked in {looked}. Set {ENV_VAR} to the folder."


@pytest.fixture(scope="session")
def contracts_dir() -> Path:
    """The sp-api-models folder ($SP_CANCEL_CONTRACTS_DIR, else ../shared/sp-api-models); skip when absent."""
    found, reason = find_contracts_dir()
    if found is None:
        pytest.skip(reason)
    return found
