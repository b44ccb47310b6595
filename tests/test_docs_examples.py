"""Every Python example in README.md and docs/ runs as written (against the simulator).

A ``print(...)`` line ending in ``# prints: <text>`` documents what it prints: the test checks that the
first call on that line printed exactly ``<text>`` (one line; ``...`` stands for any run of characters).
"""

from __future__ import annotations

import inspect
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.DOTALL)


@pytest.mark.parametrize("page", [p for p in PAGES if _blocks(p)], ids=lambda p: p.name)
def test_page_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's Python blocks run in order in one namespace without raising."""
    pytest.importorskip("matplotlib").use("Agg")
    monkeypatch.chdir(tmp_path)
    for name in ("SP_API_REFRESH_TOKEN", "LWA_APP_ID", "LWA_CLIENT_SECRET", "SP_API_SELLER_ID", "AWS_ENV"):
        monkeypatch.delenv(name, raising=False)
    namespace: dict[str, object] = {"__name__": "docs_example"}
    for number, block in enumerate(_blocks(page)):
        name = f"{page.name}[{number}]"
        printed: dict[int, str] = {}

        def recording_print(
            *args: object, sep: str = " ", end: str = "\n", printed: dict[int, str] = printed, **_: object
        ) -> None:
            caller = inspect.currentframe()
            line = caller.f_back.f_lineno if caller is not None and caller.f_back is not None else 0
            text = io.StringIO()
            print(*args, sep=sep, end=end, file=text)
            printed.setdefault(line, text.getvalue().rstrip("\n"))

        namespace["print"] = recording_print
        exec(compile(block, name, "exec"), namespace)  # noqa: S102 - our own documentation
        for lineno, expected in _documented_output(block):
            assert lineno in printed, f"{name} line {lineno}: documented output, but nothing was printed"
            assert _matches(expected, printed[lineno]), f"{name} line {lineno}: printed {printed[lineno]!r}"
    assert set(namespace) - {"__name__", "__builtins__", "print"}, "the examples should leave results to look at"


def _documented_output(block: str) -> list[tuple[int, str]]:
    """``(line number, expected text)`` of each ``# prints: ...`` comment in a block."""
    found = []
    for lineno, line in enumerate(block.splitlines(), 1):
        marker = line.find("# prints: ")
        if marker >= 0:
            found.append((lineno, line[marker + len("# prints: ") :].rstrip()))
    return found


def _matches(expected: str, printed: str) -> bool:
    """``printed`` is ``expected``, where each ``...`` stands for any characters (a line break reads as a space)."""
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, " ".join(printed.splitlines()), flags=re.DOTALL) is not None
