"""Amazon's contracts ship with the repository, so a fresh clone runs every contract test (issue 21, item 1)."""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from pathlib import Path

import pytest
from amazon_contracts import BUNDLED, ENV_VAR, contracts_dir

from sp_cancel.testing import Simulator

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"


def test_the_bundled_copy_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the variable the tests read tests/contract/amazon, with the licence and notice beside it."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert contracts_dir() == BUNDLED
    for name in ("LICENSE-models", "NOTICE-models", "README.md"):
        assert (BUNDLED / name).is_file(), name
    assert "Apache License" in (BUNDLED / "LICENSE-models").read_text(encoding="utf-8")
    assert "34dc93fe" in (BUNDLED / "README.md").read_text(encoding="utf-8")


def test_the_variable_still_wins_and_a_wrong_one_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """SP_CANCEL_CONTRACTS_DIR points the tests elsewhere; a folder without contracts fails instead of skipping."""
    monkeypatch.setenv(ENV_VAR, str(BUNDLED))
    assert contracts_dir() == BUNDLED
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=ENV_VAR):
        contracts_dir()


def test_no_test_looks_for_contracts_outside_the_repository() -> None:
    """No test module names a sibling checkout or an absolute path to Amazon's models."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in TESTS.rglob("*.py")
        if path.name != Path(__file__).name
        and re.search(r"shared[/\"', ]+\"?sp-api-models|/work/", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_sdist_carries_them() -> None:
    """The sdist includes tests/ (contracts included) and .gitignore leaves them in."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    relative = BUNDLED.relative_to(ROOT).as_posix()
    assert any(relative == entry or relative.startswith(entry.rstrip("/") + "/") for entry in include), include
    ignored = [line.strip() for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in BUNDLED.rglob("*"):
        parts = path.relative_to(ROOT).parts
        assert not any(fnmatch.fnmatch(part, pattern.rstrip("/")) for part in parts for pattern in ignored), path


def _templates(model: dict[str, object]) -> list[tuple[str, re.Pattern[str]]]:
    paths = model["paths"]
    assert isinstance(paths, dict)
    found = []
    for template, operations in paths.items():
        regex = re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$")
        found.extend((method.upper(), regex) for method in operations if method != "parameters")
    return found


def test_every_bundled_model_is_one_the_simulator_serves() -> None:
    """Only the models the tests need are copied: each holds an operation the simulator answers."""
    routes = Simulator(seed=0, orders=1).operations()
    unused = []
    for file in sorted((BUNDLED / "models").glob("*.json")):
        templates = _templates(json.loads(file.read_text(encoding="utf-8")))
        if not any(
            method == route_method and regex.match(route_path.replace("{", "x").replace("}", "x"))
            for method, regex in templates
            for route_method, route_path in routes.values()
        ):
            unused.append(file.name)
    assert unused == []
