"""The documentation site builds with ``mkdocs build --strict`` and its API reference shows the public surface."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sp_cancel
from sp_cancel import SellerClient

ROOT = Path(__file__).parents[1]
WORKFLOWS = sorted(
    n for n, m in inspect.getmembers(SellerClient) if callable(m) and not n.startswith("_") and n != "close"
)


@pytest.fixture(scope="module")
def api_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The rendered API reference page of a strict build (a broken cross-reference fails the build)."""
    site = tmp_path_factory.mktemp("site")
    done = subprocess.run(  # noqa: S603 - our own interpreter running mkdocs on our own docs
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return (site / "api" / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("method", WORKFLOWS)
def test_api_reference_lists_each_workflow_method(api_html: str, method: str) -> None:
    """Each SellerClient workflow method has its own entry in the rendered reference."""
    assert f'id="sp_cancel.SellerClient.{method}"' in api_html


@pytest.mark.slow
def test_api_reference_shows_every_public_name_under_its_import_path(api_html: str) -> None:
    """Every name of sp_cancel.__all__ is rendered as sp_cancel.<Name>, never under a private module."""
    ids = set(re.findall(r'id="([\w.]+)"', api_html))
    assert {f"sp_cancel.{n}" for n in sp_cancel.__all__ if n != "__version__"} <= ids
    assert not [i for i in ids if "._" in i.removeprefix("sp_cancel.testing")]


@pytest.mark.slow
def test_api_reference_has_no_literal_sphinx_roles(api_html: str) -> None:
    """Sphinx roles (:class:, :meth:...) are not rendered by mkdocstrings: none may be left as text."""
    assert not re.search(r":(class|meth|func|data|mod|attr|exc):", api_html)
