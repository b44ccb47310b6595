"""Every sp-cancel command prints its help (argparse expands '%' in help strings: a stray one crashes)."""

from __future__ import annotations

import pytest

from sp_cancel.cli import build_parser, main

COMMANDS = [
    [],
    ["demo"],
    ["orders"],
    ["order"],
    ["simulator"],
    ["simulator", "serve"],
    ["cancel"],
    ["cancel-batch"],
    ["buyer-requests"],
    ["resume"],
    ["refund"],
    ["unconfirmed"],
    ["declare-not-sent"],
    ["close-listing"],
    ["delete-listing"],
    ["fba-cancel"],
    ["deals"],
    ["deal-cancel"],
    ["rate"],
    ["notifications"],
    ["notifications", "setup"],
    ["notifications", "check"],
    ["watch"],
    ["watch", "status"],
    ["watch", "dlq"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "sp-cancel")
def test_help_prints_and_exits_zero(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """``sp-cancel ... --help`` exits 0 and names the command's usage."""
    with pytest.raises(SystemExit) as caught:
        main([*command, "--help"])
    assert caught.value.code == 0
    assert "usage: sp-cancel" in capsys.readouterr().out


def test_every_registered_command_is_covered() -> None:
    """The table above lists every top-level command the parser registers."""
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    registered = set(subparsers.choices)  # type: ignore[attr-defined]
    assert registered == {c[0] for c in COMMANDS if c}


def _parsers(parser):
    yield parser
    for action in parser._actions:
        if action.choices and isinstance(action.choices, dict):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_every_option_and_argument_has_help() -> None:
    """No option or positional argument is left without a help text (--via, --source, --api, serve's...)."""
    missing = [
        f"{parser.prog} {action.dest}"
        for parser in _parsers(build_parser())
        for action in parser._actions
        if not action.help and action.dest not in {"help", "command", "simulator_command"}
    ]
    assert missing == []


def test_max_rate_help_is_whole(capsys: pytest.CaptureFixture[str]) -> None:
    """--max-rate's help says what the value is and what happens, to the end of the sentence."""
    with pytest.raises(SystemExit):
        main(["cancel-batch", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "refuse the whole batch, sending nothing" in text
    assert "Amazon's target is under 0.025)" in text
