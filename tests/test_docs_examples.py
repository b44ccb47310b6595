"""Every Python example in README.md and docs/ runs as written (against the simulator), and shows what it prints.

Each ```python block runs on its own, in a fresh namespace, as a reader who copies just that block would run
it. A block that builds on the one before it says so on its first line, with a comment starting
``# continues``; it then runs in that block's namespace.

Output shown in a block is checked, in one of three forms (``...`` stands for any run of characters):

* ``print(x)  # prints: TEXT``: the first call of ``print`` in that statement printed TEXT (a line break in what
  was printed reads as a space);
* ``print(x)`` followed by a line ``# prints:`` and one comment line per printed line: the statement printed
  exactly those lines;
* ``expression  # -> TEXT``: the ``repr`` of the expression's value is TEXT.

Any other comment on a ``print`` statement or on a bare expression, and any comment line right under a
``print`` statement that is not one of the forms above, fails the test: it would be output nobody checks.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CONTINUES = "# continues"
PRINTS = "# prints:"
VALUE = "# -> "


def _blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.DOTALL)


def _matches(expected: str, printed: str) -> bool:
    """``printed`` is ``expected``, where each ``...`` stands for any characters."""
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, printed, flags=re.DOTALL) is not None


@dataclass
class Expectations:
    """What one block says it prints: by statement (first line), one line or several, and expression values."""

    inline: dict[int, str] = field(default_factory=dict)  # statement line -> text (line breaks read as spaces)
    lines: dict[int, list[str]] = field(default_factory=dict)  # statement line -> printed lines
    values: dict[int, str] = field(default_factory=dict)  # expression line -> repr
    problems: list[str] = field(default_factory=list)


def _comments(block: str) -> dict[int, tuple[str, bool]]:
    """Line -> (comment text, whether code comes before it on that line)."""
    found: dict[int, tuple[str, bool]] = {}
    for token in tokenize.generate_tokens(io.StringIO(block).readline):
        if token.type == tokenize.COMMENT:
            row, column = token.start
            found[row] = (token.string, bool(token.line[:column].strip()))
    return found


def _is_print(node: ast.stmt) -> bool:
    return any(
        isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print"
        for call in ast.walk(node)
    )


def expectations(block: str) -> Expectations:
    """Read the output comments of a block, and the comments that look like output but are not checkable."""
    tree = ast.parse(block)
    comments = _comments(block)
    found = Expectations()
    statements = [node for node in ast.walk(tree) if isinstance(node, ast.stmt) and not _is_compound(node)]
    claimed: set[int] = set()
    for node in statements:
        span = range(node.lineno, (node.end_lineno or node.lineno) + 1)
        trailing = [(row, comments[row][0]) for row in span if row in comments and comments[row][1]]
        printing = _is_print(node)
        bare = isinstance(node, ast.Expr) and not isinstance(node.value, ast.Call) and not _is_ellipsis(node.value)
        for row, text in trailing:
            claimed.add(row)
            if text.startswith(PRINTS) and text.strip() != PRINTS and printing:
                found.inline[node.lineno] = text[len(PRINTS) :].strip()
            elif text.startswith(VALUE) and bare:
                found.values[node.lineno] = text[len(VALUE) :].strip()
            elif printing or bare:
                found.problems.append(f"line {row}: {text!r} shows output unchecked: write '# prints: ...'")
        below = (node.end_lineno or node.lineno) + 1
        if printing and below in comments and not comments[below][1]:
            claimed.add(below)
            if comments[below][0].strip() != PRINTS:
                found.problems.append(
                    f"line {below}: {comments[below][0]!r} under a print shows output unchecked: "
                    "write '# prints:' and then one '# ...' line per printed line"
                )
                continue
            expected, row = [], below + 1
            while row in comments and not comments[row][1]:
                expected.append(comments[row][0][1:].removeprefix(" ").rstrip())
                claimed.add(row)
                row += 1
            found.lines[node.lineno] = expected
    return found


def _is_ellipsis(node: ast.expr) -> bool:
    """``...`` alone: a placeholder for the reader's code, not a value shown."""
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _is_compound(node: ast.stmt) -> bool:
    return isinstance(node, ast.If | ast.For | ast.While | ast.With | ast.Try | ast.FunctionDef | ast.ClassDef)


class _RecordValues(ast.NodeTransformer):
    """Wrap each expression statement whose value is documented with ``# ->`` in ``__value__(line, expr)``."""

    def __init__(self, lines: set[int]) -> None:
        self.lines = lines

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        if node.lineno not in self.lines:
            return node
        call = ast.Call(
            func=ast.Name("__value__", ast.Load()), args=[ast.Constant(node.lineno), node.value], keywords=[]
        )
        return ast.copy_location(ast.Expr(ast.copy_location(call, node.value)), node)


def _statement_of(line: int, starts: list[tuple[int, int]]) -> int:
    """The first line of the simple statement holding ``line``."""
    for first, last in starts:
        if first <= line <= last:
            return first
    return line


def run_block(block: str, name: str, namespace: dict[str, object]) -> list[str]:
    """Run one block in ``namespace``; return every way its output differs from its comments."""
    found = expectations(block)
    tree = _RecordValues(set(found.values)).visit(ast.parse(block))
    ast.fix_missing_locations(tree)
    spans = [
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(ast.parse(block))
        if isinstance(node, ast.stmt) and not _is_compound(node)
    ]
    printed: dict[int, str] = {}
    values: dict[int, object] = {}

    def recording_print(*args: object, sep: str = " ", end: str = "\n", **_: object) -> None:
        caller = inspect.currentframe()
        line = caller.f_back.f_lineno if caller is not None and caller.f_back is not None else 0
        text = io.StringIO()
        print(*args, sep=sep, end=end, file=text)
        printed.setdefault(_statement_of(line, spans), text.getvalue().rstrip("\n"))

    def record_value(line: int, value: object) -> object:
        values[line] = value
        return value

    namespace["print"] = recording_print
    namespace["__value__"] = record_value
    exec(compile(tree, name, "exec"), namespace)  # noqa: S102 - our own documentation
    problems = [f"{name} {problem}" for problem in found.problems]
    checks: list[tuple[int, str, Callable[[str], bool]]] = [
        *(
            (line, text, lambda got, t=text: _matches(t, " ".join(got.splitlines())))
            for line, text in found.inline.items()
        ),
        *(
            (line, "\n".join(lines), lambda got, ls=lines: len(got.splitlines()) == len(ls)
             and all(_matches(e, g) for e, g in zip(ls, got.splitlines(), strict=True)))
            for line, lines in found.lines.items()
        ),
    ]  # fmt: skip
    for line, expected, check in checks:
        if line not in printed:
            problems.append(f"{name} line {line}: documented output {expected!r}, but nothing was printed")
        elif not check(printed[line]):
            problems.append(f"{name} line {line}: documented {expected!r}, printed {printed[line]!r}")
    for line, expected in found.values.items():
        if not _matches(expected, repr(values.get(line))):
            problems.append(f"{name} line {line}: documented -> {expected!r}, the value is {values.get(line)!r}")
    return problems


@pytest.mark.parametrize("page", [p for p in PAGES if _blocks(p)], ids=lambda p: p.name)
def test_page_examples_run_on_their_own_and_print_what_they_say(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each block runs alone (or after the block it says it continues); every output comment is what printed."""
    pytest.importorskip("matplotlib").use("Agg")
    monkeypatch.chdir(tmp_path)
    for name in ("SP_API_REFRESH_TOKEN", "LWA_APP_ID", "LWA_CLIENT_SECRET", "SP_API_SELLER_ID", "AWS_ENV"):
        monkeypatch.delenv(name, raising=False)
    problems: list[str] = []
    namespace: dict[str, object] = {}
    for number, block in enumerate(_blocks(page)):
        if not block.lstrip().startswith(CONTINUES):
            namespace = {"__name__": "docs_example"}
        problems += run_block(block, f"{page.name}[{number}]", namespace)
    assert problems == []


# --- the checker itself -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "problem"),
    [
        ("print(1 + 1)  # prints: 3\n", "documented '3', printed '2'"),
        ("print('a\\nb')\n# prints:\n# a\n# c\n", "printed 'a\\nb'"),
        ("x = 2\nx + 1  # -> 4\n", "documented -> '4', the value is 3"),
        ("print(2)  # 2\n", "shows output unchecked"),
        ("print(2)\n# 2\n", "under a print shows output unchecked"),
        ("x = 2\nx  # the answer\n", "shows output unchecked"),
        ("if True:\n    print(5)  # prints: 6\n", "documented '6', printed '5'"),
    ],
)
def test_the_checker_catches_a_wrong_or_unchecked_output_comment(block: str, problem: str) -> None:
    """Each form of output comment is checked, and an output comment in any other form is refused."""
    problems = run_block(block, "t", {"__name__": "t"})
    assert any(problem in p for p in problems), problems


def test_the_checker_accepts_right_output_comments() -> None:
    """Inline, multi-line and value comments that match pass; ordinary comments elsewhere are left alone."""
    block = (
        "# a comment above code is prose\n"
        "value = [1, 2]  # a comment on an assignment is prose too\n"
        "print(value)  # prints: [1, ...]\n"
        "print('a\\nb')\n# prints:\n# a\n# b\n"
        "len(value)  # -> 2\n"
        "print(\n    'long'\n)  # prints: long\n"
    )
    assert run_block(block, "t", {"__name__": "t"}) == []


def test_a_block_runs_without_the_blocks_before_it() -> None:
    """A name from an earlier block is a NameError unless the block says it continues that one."""
    page = "```python\nsim = 1\n```\n\n```python\nprint(sim)\n```\n"
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    run_block(blocks[0], "first", {"__name__": "t"})
    with pytest.raises(NameError):
        run_block(blocks[1], "second", {"__name__": "t"})


# --- output shown outside Python blocks ---------------------------------------------------------------------


def _shown(page: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", (ROOT / "docs" / page).read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_error_line_on_the_errors_page_is_what_str_gives() -> None:
    """errors.md's example line is ``str()`` of such an ApiError."""
    from sp_cancel.errors import ServerError  # noqa: PLC0415

    [shown] = [block.strip() for block in _shown("errors.md", "text") if block.startswith("[request")]
    error = ServerError(
        "Service temporarily unavailable",
        operation="getOrder",
        status=503,
        request_id="6f1c2d9e-5b1a-4c33-9e0f-3a7d1c2b4e5f",
        code="ServiceUnavailable",
    )
    assert _matches(shown, str(error))


def test_the_print_env_output_on_the_cli_page_is_what_serve_prints() -> None:
    """cli.md's ``--print-env`` lines are what ``simulator serve --port 8000 --print-env`` prints (defaults)."""
    from sp_cancel.cli._simulator import environment_lines  # noqa: PLC0415
    from sp_cancel.testing import Simulator  # noqa: PLC0415

    [block] = [b for b in _shown("cli.md", "console") if "--print-env\n" in b]
    shown = block.split("\n", 1)[1]
    sim = Simulator(seed=0, orders=0)
    base = "http://127.0.0.1:8000"
    info = {
        "base_url": base,
        "token_url": f"{base}/auth/o2/token",
        "seller_id": sim.seller_id,
        "marketplace_id": sim.marketplace_id,
        "client_id": sim.credentials.client_id,
        "client_secret": sim.credentials.client_secret,
        "refresh_token": sim.credentials.refresh_token,
    }
    assert shown == environment_lines(info)


def test_the_serve_line_on_the_testing_page_has_the_keys_serve_prints() -> None:
    """testing.md's JSON line shows keys (and values) that ``serve_forever`` really writes."""
    import json  # noqa: PLC0415

    from sp_cancel.testing import Simulator  # noqa: PLC0415
    from sp_cancel.testing._sim.app import serve_forever  # noqa: PLC0415

    [block] = [b for b in _shown("testing.md", "console") if b.startswith("$ sp-cancel simulator serve")]
    shown = block.splitlines()[1]
    written = io.StringIO()

    class _Stop(io.StringIO):
        def flush(self) -> None:
            raise KeyboardInterrupt  # serve_forever returns on Ctrl-C: stop once the line is out

        def write(self, text: str) -> int:
            return written.write(text)

    serve_forever(Simulator(seed=5, orders=0), port=0, out=_Stop())
    line = json.loads(written.getvalue())
    port = line["base_url"].rsplit(":", 1)[1]
    assert _matches(shown.replace("40123", port), json.dumps(line))
