"""docs/cli.md's examples run as written against the simulator they name, with the exit code they state."""

from __future__ import annotations

import json
import logging
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from sp_cancel.cli import main

DOCS = Path(__file__).parents[2] / "docs"
PAGE = DOCS / "cli.md"
TEXT = PAGE.read_text(encoding="utf-8")
COMMANDS = [
    line.strip()
    for block in re.findall(r"```bash\n(.*?)```", TEXT, flags=re.DOTALL)
    for line in block.splitlines()
    if line.strip().startswith("sp-cancel ")
]
# Every `sp-cancel` line of every page's bash and console blocks: (page, line without the prompt).
ALL_LINES = [
    (page.name, line.strip().removeprefix("$ "))
    for page in sorted([*DOCS.glob("*.md"), DOCS.parent / "README.md"])
    for block in re.findall(r"```(?:bash|console)\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    for line in block.splitlines()
    if line.strip().removeprefix("$ ").startswith("sp-cancel ")
]
RUNNABLE = [(page, line) for page, line in ALL_LINES if "--simulator" in line and page != "cli.md"]


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Undo the logging set-up main() does."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory holding the page's CSV block as orders.csv."""
    monkeypatch.chdir(tmp_path)
    [csv_block] = re.findall(r"```csv\n(.*?)```", TEXT, flags=re.DOTALL)
    (tmp_path / "orders.csv").write_text(csv_block, encoding="utf-8")
    return tmp_path


def test_the_page_has_examples() -> None:
    """The page shows a command for every sub-command it documents, each against --simulator."""
    assert len(COMMANDS) >= 15
    assert all("--simulator" in c for c in COMMANDS)


@pytest.mark.parametrize("line", COMMANDS)
def test_documented_command_runs(line: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command exits with the code its comment states (0 without one) and prints no traceback."""
    command, _, comment = line.partition("#")
    expected = int(m.group(1)) if (m := re.search(r"exit (\d+)", comment)) else 0
    argv = shlex.split(command)[1:]
    assert main(argv) == expected, capsys.readouterr()
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if "--json" in argv:
        json.loads(captured.out)


def test_the_documented_json_error_is_what_the_command_prints(capsys: pytest.CaptureFixture[str]) -> None:
    """The JSON error shown on the page is the document the malformed-id example prints."""
    [shown] = re.findall(r"```json\n(.*?)```", TEXT, flags=re.DOTALL)
    assert main(["cancel", "112-1234567", "--reason", "NO_INVENTORY", "--simulator", "3", "--json"]) == 2
    assert json.loads(capsys.readouterr().out) == json.loads(shown)


@pytest.mark.parametrize(("page", "line"), RUNNABLE, ids=[f"{p}: {line}" for p, line in RUNNABLE])
def test_other_pages_commands_run(page: str, line: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A command another page shows against --simulator exits as its comment says (0 without one), no traceback."""
    command, _, comment = line.partition("#")
    expected = int(m.group(1)) if (m := re.search(r"exit (\d+)", comment)) else 0
    assert main(shlex.split(command)[1:]) == expected, (page, capsys.readouterr())
    assert "Traceback" not in capsys.readouterr().err


def test_no_unchecked_output_claim_on_a_command_that_does_not_run() -> None:
    """A command line the tests cannot run (no --simulator) claims no output and no exit code in its comment."""
    claims = [
        f"{page}: {line}"
        for page, line in ALL_LINES
        if "--simulator" not in line and re.search(r"\b(prints?|exit)\b", line.partition("#")[2])
    ]
    assert claims == []
