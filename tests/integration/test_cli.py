"""Every ``sp-cancel`` command with good and bad input, against the embedded simulator (``--simulator 3``).

One table: the arguments, the exit code docs/cli.md promises, and what stdout must hold. Every row runs
twice, with and without ``--json``: with it, stdout is exactly one JSON document (``{"error": ...}`` for a
failure); without it, errors go to stderr. Never a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from sp_cancel.cli import main
from sp_cancel.testing import Simulator

SEED = "3"
SIM = Simulator(seed=3)  # the world every --simulator 3 command starts from (read only here)
UNSHIPPED = [o.order_id for o in SIM.orders(status="Unshipped", channel="MFN", buyer_requested=False)]
MULTI = next(o for o in SIM.orders(status="Unshipped", channel="MFN", buyer_requested=False) if len(o.items) > 1)
SHIPPED = next(o for o in SIM.orders(status="Shipped", channel="MFN") if o.currency == "USD" and len(o.items) == 1)
MCF = {o.status: o.seller_fulfillment_order_id for o in SIM.world.mcf_orders.values()}
UPCOMING = next(d.deal_id for d in SIM.client().deals() if d.status == "UPCOMING")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Undo the logging set-up main() does, so later tests see the defaults."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in ("sp_api", "httpcore")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)
    structlog.reset_defaults()


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with good and bad CSV files."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.csv").write_text(f"order_id,reason\n{UNSHIPPED[0]},NO_INVENTORY\n", encoding="utf-8")
    (tmp_path / "mixed.csv").write_text(
        f"order_id,reason\n{UNSHIPPED[0]},NO_INVENTORY\n{SHIPPED.order_id},NO_INVENTORY\n", encoding="utf-8"
    )
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    (tmp_path / "told.csv").write_text(
        f"order_id,reason,tell_buyer\n{UNSHIPPED[0]},NO_INVENTORY,Your own words.\n{UNSHIPPED[1]},NO_INVENTORY,\n",
        encoding="utf-8",
    )
    (tmp_path / "badtold.csv").write_text(
        f"order_id,reason,tell_buyer\n{UNSHIPPED[0]},NO_INVENTORY,write to me@shop.example\n", encoding="utf-8"
    )
    (tmp_path / "columns.csv").write_text("order,why\n112-1234567-1234567,NO_INVENTORY\n", encoding="utf-8")
    (tmp_path / "two.csv").write_text(
        "order_id,reason\n112-1234567-1234567,NO_INVENTORY\n112-1234567-1234567,BUYER_CANCELED\n", encoding="utf-8"
    )
    (tmp_path / "qty.csv").write_text(
        "order_id,reason,order_item_id,quantity\n112-1234567-1234567,NO_INVENTORY,12345678901234,x\n",
        encoding="utf-8",
    )
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00order_id")
    (tmp_path / "dir.csv").mkdir()
    return tmp_path


Check = Callable[[Any], bool]


def _status(value: str) -> Check:
    return lambda out: out["status"] == value


def _error(kind: str) -> Check:
    return lambda out: out["error"]["type"] == kind


OK, FAILED, USAGE = 0, 1, 2
CASES: list[tuple[str, list[str], int, Check]] = [
    # reads
    ("orders", ["orders", "--since", "30"], OK, lambda out: len(out) > 5),
    (
        "orders filtered",
        ["orders", "--status", "unshipped", "--channel", "mfn", "--since", "30"],
        OK,
        lambda out: {o["status"] for o in out} == {"UNSHIPPED"} and {o["channel"] for o in out} == {"MFN"},
    ),
    ("orders since a date", ["orders", "--since", "2020-01-01", "--limit", "3"], OK, lambda out: len(out) == 3),
    ("orders bad status", ["orders", "--status", "LOST"], USAGE, _error("UsageError")),
    ("orders bad since", ["orders", "--since", "yesterday"], USAGE, _error("UsageError")),
    (
        "order",
        ["order", MULTI.order_id],
        OK,
        lambda out: [i["order_item_id"] for i in out["items"]] == [i.order_item_id for i in MULTI.items],
    ),
    ("order refundable", ["order", SHIPPED.order_id], OK, lambda out: out["items"][0]["refundable"]),
    ("order malformed id", ["order", "12"], USAGE, _error("InvalidInputError")),
    ("order unknown", ["order", "999-9999999-9999999"], FAILED, _error("NotFoundError")),
    # cancels
    ("cancel", ["cancel", UNSHIPPED[0], "--reason", "NO_INVENTORY"], OK, _status("CANCELLED")),
    (
        "cancel units",
        ["cancel", MULTI.order_id, "--reason", "NO_INVENTORY", "--item", f"{MULTI.items[0].order_item_id}:1"],
        OK,
        _status("PARTIALLY_CANCELLED"),
    ),
    (
        "cancel orders_api",
        ["cancel", UNSHIPPED[1], "--reason", "NO_INVENTORY", "--via", "orders_api"],
        OK,
        lambda out: out["status"] in {"CANCELLED", "SUBMITTED"},
    ),
    ("cancel no wait", ["cancel", UNSHIPPED[0], "--reason", "NO_INVENTORY", "--no-wait"], OK, _status("SUBMITTED")),
    (
        "cancel and tell the buyer",
        ["cancel", UNSHIPPED[0], "--reason", "NO_INVENTORY", "--tell-buyer", "Sorry, the last unit broke."],
        OK,
        lambda out: (
            out["status"] == "CANCELLED"
            and out["buyer_message"]["status"] == "SENT"
            and out["buyer_message"]["text"] == "Sorry, the last unit broke."
        ),
    ),
    (
        "cancel no wait tells the buyer later",
        ["cancel", UNSHIPPED[0], "--reason", "NO_INVENTORY", "--no-wait", "--tell-buyer", "Sorry."],
        OK,
        lambda out: out["status"] == "SUBMITTED" and out["buyer_message"]["status"] == "PENDING",
    ),
    (
        "cancel tell the buyer html",
        ["cancel", UNSHIPPED[0], "--reason", "NO_INVENTORY", "--tell-buyer", "<b>Sorry</b>"],
        USAGE,
        lambda out: out["error"]["type"] == "InvalidInputError" and "HTML" in out["error"]["message"],
    ),
    ("cancel shipped", ["cancel", SHIPPED.order_id, "--reason", "NO_INVENTORY"], FAILED, _error("NotCancellableError")),
    ("cancel malformed id", ["cancel", "112-1234567", "--reason", "NO_INVENTORY"], USAGE, _error("InvalidInputError")),
    ("cancel bad reason", ["cancel", UNSHIPPED[0], "--reason", "BORED"], USAGE, _error("UsageError")),
    ("cancel no reason", ["cancel", UNSHIPPED[0]], USAGE, _error("UsageError")),
    (
        "cancel bad item",
        ["cancel", UNSHIPPED[0], "--reason", "NO_INVENTORY", "--item", "123:x"],
        USAGE,
        _error("UsageError"),
    ),
    (
        "cancel unknown option",
        ["cancel", UNSHIPPED[0], "--reason", "NO_INVENTORY", "--force"],
        USAGE,
        _error("UsageError"),
    ),
    ("batch", ["cancel-batch", "good.csv"], OK, lambda out: out["outcomes"][UNSHIPPED[0]]["status"] == "CANCELLED"),
    (
        "batch with a refusal",
        ["cancel-batch", "mixed.csv"],
        FAILED,
        lambda out: out["outcomes"][SHIPPED.order_id]["status"] == "REFUSED",
    ),
    (
        "batch over max rate",
        ["cancel-batch", "good.csv", "--max-rate", "0.0001"],
        FAILED,
        _error("CancellationRateError"),
    ),
    (
        "batch tells every buyer",
        ["cancel-batch", "good.csv", "--tell-buyer", "Sorry, sold out."],
        OK,
        lambda out: out["outcomes"][UNSHIPPED[0]]["buyer_message"]["status"] == "SENT",
    ),
    (
        "batch tell_buyer column",
        ["cancel-batch", "told.csv", "--tell-buyer", "Sorry, sold out."],
        OK,
        lambda out: (
            out["outcomes"][UNSHIPPED[0]]["buyer_message"]["text"] == "Your own words."
            and out["outcomes"][UNSHIPPED[1]]["buyer_message"]["text"] == "Sorry, sold out."
        ),
    ),
    ("batch tell_buyer bad text", ["cancel-batch", "badtold.csv"], USAGE, _error("InvalidInputError")),
    ("batch missing file", ["cancel-batch", "missing.csv"], USAGE, _error("UsageError")),
    ("batch empty file", ["cancel-batch", "empty.csv"], USAGE, _error("UsageError")),
    ("batch missing columns", ["cancel-batch", "columns.csv"], USAGE, _error("UsageError")),
    ("batch two reasons", ["cancel-batch", "two.csv"], USAGE, _error("UsageError")),
    ("batch bad quantity", ["cancel-batch", "qty.csv"], USAGE, _error("UsageError")),
    ("batch not utf-8", ["cancel-batch", "binary.csv"], USAGE, _error("UsageError")),
    ("batch a directory", ["cancel-batch", "dir.csv"], USAGE, _error("UsageError")),
    ("batch bad max rate", ["cancel-batch", "good.csv", "--max-rate", "lots"], USAGE, _error("UsageError")),
    ("buyer requests", ["buyer-requests"], OK, lambda out: len(out) >= 1),
    (
        "buyer requests accept",
        ["buyer-requests", "--accept"],
        OK,
        lambda out: {o["reason"] for o in out["outcomes"].values()} == {"BuyerCanceled"},
    ),
    ("buyer requests bad days", ["buyer-requests", "--days", "-1"], USAGE, _error("UsageError")),
    ("resume", ["resume"], OK, lambda out: out == []),
    # refunds
    (
        "refund",
        ["refund", SHIPPED.order_id, "--principal", "5.00", "--currency", "USD", "--reason", "GENERAL_ADJUSTMENT"],
        OK,
        lambda out: out["outcome"]["status"] == "APPLIED",
    ),
    (
        "refund verify",
        [
            "refund",
            SHIPPED.order_id,
            "--item",
            SHIPPED.items[0].order_item_id,
            "--principal",
            "1.00",
            "--currency",
            "USD",
            "--reason",
            "GENERAL_ADJUSTMENT",
            "--verify",
        ],
        OK,
        lambda out: "verification" in out,
    ),
    (
        "refund too much",
        ["refund", SHIPPED.order_id, "--principal", "99999.00", "--currency", "USD", "--reason", "GENERAL_ADJUSTMENT"],
        USAGE,
        _error("InvalidInputError"),
    ),
    (
        "refund no amount",
        ["refund", SHIPPED.order_id, "--currency", "USD", "--reason", "GENERAL_ADJUSTMENT"],
        USAGE,
        _error("InvalidInputError"),
    ),
    (
        "refund unshipped",
        ["refund", UNSHIPPED[0], "--principal", "1.00", "--currency", "USD", "--reason", "GENERAL_ADJUSTMENT"],
        FAILED,
        _error("NotCancellableError"),
    ),
    (
        "refund no currency",
        ["refund", SHIPPED.order_id, "--principal", "1.00", "--reason", "GENERAL_ADJUSTMENT"],
        USAGE,
        _error("UsageError"),
    ),
    # refunds and unit cancels in doubt (none in a fresh simulator's journal)
    ("unconfirmed none", ["unconfirmed"], OK, lambda out: out == []),
    (
        "declare unknown",
        ["declare-not-sent", "refund:nothing", "--by", "ops"],
        USAGE,
        _error("UsageError"),
    ),
    ("declare no by", ["declare-not-sent", "refund:nothing"], USAGE, _error("UsageError")),
    # listings, MCF, deals
    ("close listing", ["close-listing", "SIM-MFN-004"], OK, _status("ACCEPTED")),
    (
        "close listings",
        ["close-listing", "SIM-MFN-004", "SIM-MFN-005"],
        OK,
        lambda out: set(out["outcomes"]) == {"SIM-MFN-004", "SIM-MFN-005"},
    ),
    ("close FBA listing", ["close-listing", "SIM-FBA-001"], FAILED, _error("NotCancellableError")),
    ("close no sku", ["close-listing"], USAGE, _error("UsageError")),
    ("delete listing", ["delete-listing", "SIM-MFN-006"], OK, _status("DELETED")),
    ("delete long sku", ["delete-listing", "X" * 41], USAGE, _error("InvalidInputError")),
    ("fba cancel", ["fba-cancel", MCF["Planning"]], OK, lambda out: out["status"] == "CANCELLED"),
    ("fba cancel too late", ["fba-cancel", MCF["Processing"]], FAILED, _error("NotCancellableError")),
    ("fba cancel bad api", ["fba-cancel", MCF["Planning"], "--api", "2019"], USAGE, _error("UsageError")),
    ("deals", ["deals", "--status", "UPCOMING"], OK, lambda out: {d["status"] for d in out} == {"UPCOMING"}),
    ("deals bad status", ["deals", "--status", "SOON"], USAGE, _error("UsageError")),
    ("deal cancel", ["deal-cancel", UPCOMING], FAILED, lambda out: out["manual_action_required"] is True),
    # the rate
    ("rate", ["rate"], OK, lambda out: out["source"] == "orders"),
    ("rate compare", ["rate", "--compare", "--days", "3"], OK, lambda out: out["amazon_rate"] is not None),
    ("rate bad days", ["rate", "--days", "0"], USAGE, _error("UsageError")),
    ("rate bad source", ["rate", "--source", "guess"], USAGE, _error("UsageError")),
    (
        "notifications setup",
        ["notifications", "setup", "--queue-arn", "arn:aws:sqs:us-east-1:123456789012:q"],
        OK,
        lambda out: out["created_subscription"] is True and out["order_change_types"][0] == "BuyerRequestedChange",
    ),
    (
        "notifications setup fifo",
        ["notifications", "setup", "--queue-arn", "arn:aws:sqs:us-east-1:123456789012:q.fifo"],
        USAGE,
        _error("InvalidInputError"),
    ),
]


@pytest.mark.parametrize(("argv", "code", "check"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_command(  # noqa: PLR0917 - pytest passes the table's columns as arguments
    files: Path, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, check: Check, as_json: bool
) -> None:
    """The exit code is docs/cli.md's; --json prints one parsable document; errors never print a traceback."""
    arguments = [*argv, "--simulator", SEED] + (["--json"] if as_json else [])
    assert main(arguments) == code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "Traceback" not in captured.out
    if as_json:
        document = json.loads(captured.out)
        assert check(document), document
        if code and "error" in document:
            assert set(document["error"]) == {"type", "message", "request_id", "hint"}
            assert captured.err == ""
    elif code:  # an error on stderr, or outcomes on stdout that say what failed (a refusal, a deal's steps)
        assert captured.err.startswith("sp-cancel: ") or captured.out.strip()
        hints = [line for line in captured.err.splitlines() if "hint:" in line]
        assert not any("()" in h or "=[" in h for h in hints), hints  # hints name commands, not Python calls


def test_every_command_is_in_the_table() -> None:
    """The table above runs every command sp-cancel has (demo, simulator serve and watch have their own tests)."""
    from sp_cancel.cli import build_parser  # noqa: PLC0415

    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    commands = set(subparsers.choices)  # type: ignore[attr-defined]
    # watch runs as a service: tests/integration/test_cli_watch.py
    assert commands - {c[1][0] for c in CASES} == {"demo", "simulator", "watch"}


def test_bare_command_prints_help_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """`sp-cancel` alone prints its help on stdout and exits 0, as docs/cli.md says."""
    assert main([]) == 0
    assert "usage: sp-cancel" in capsys.readouterr().out
    assert main(["simulator"]) == 0
    assert "serve" in capsys.readouterr().out


def test_a_shipped_order_hint_names_the_refund_command(capsys: pytest.CaptureFixture[str]) -> None:
    """The library's "partial_refund()" hint reads as the command to run."""
    assert main(["cancel", SHIPPED.order_id, "--reason", "NO_INVENTORY", "--simulator", SEED, "--json"]) == 1
    hint = json.loads(capsys.readouterr().out)["error"]["hint"]
    assert f"sp-cancel refund {SHIPPED.order_id}" in hint
    assert "partial_refund" not in hint


def test_resume_with_nothing_to_do_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`resume` on an empty journal says "nothing to resume" instead of an empty table."""
    assert main(["resume", "--simulator", SEED, "--journal", str(tmp_path / "j.sqlite3")]) == 0
    assert capsys.readouterr().out.startswith("nothing to resume")


def test_an_unreachable_endpoint_is_one_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refused connection: no retry warnings at the default level, one error naming the URL and what to check."""
    for name, value in {
        "SP_API_REFRESH_TOKEN": "Atzr|x",
        "LWA_APP_ID": "app",
        "LWA_CLIENT_SECRET": "secret",
        "SP_API_SELLER_ID": "A1SELLER",
        "SP_API_MARKETPLACE": "US",
        "SP_API_ENDPOINT": "http://127.0.0.1:9",
        "SP_API_TOKEN_URL": "http://127.0.0.1:9/auth/o2/token",
        "XDG_STATE_HOME": str(tmp_path),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("time.sleep", lambda _seconds: None)
    assert main(["deals"]) == 1
    err = capsys.readouterr().err
    assert err.count("sp-cancel: NetworkError: cannot reach") == 1
    assert "retry_scheduled" not in err
    assert "call_failed" not in err
    assert "hint: check that http://127.0.0.1:9 answers" in err
    assert not list(tmp_path.rglob("*.sqlite3"))  # a read wrote nothing
    assert main(["--log-level", "INFO", "deals"]) == 1
    assert "sp_cancel.retry_scheduled" in capsys.readouterr().err


def test_reading_commands_create_no_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads leave no journal file (the default one or a given path); the first write creates it."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    sim = Simulator(seed=3)
    for journal in (None, tmp_path / "given.sqlite3"):
        with sim.client(journal=journal) as client:
            client.cancellation_rate()
            client.buyer_cancellation_requests()
            client.deals()
            client.order(SHIPPED.order_id)
            list(client.orders())
            assert client.resume() == []
        assert not list(tmp_path.rglob("*.sqlite3"))
    with sim.client(journal=tmp_path / "given.sqlite3") as client:
        client.cancel_order(UNSHIPPED[0], "NO_INVENTORY")
    assert (tmp_path / "given.sqlite3").exists()


def test_cancel_says_what_happened_to_the_buyer_message(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json, the cancel's table is followed by a line on the explanation to the buyer."""
    argv = ["cancel", UNSHIPPED[0], "--reason", "NO_INVENTORY", "--no-wait", "--tell-buyer", "Sorry, sold out."]
    assert main([*argv, "--simulator", SEED]) == OK
    out = capsys.readouterr().out
    assert f"buyer of {UNSHIPPED[0]}: explanation PENDING: waiting for Amazon to confirm the cancel" in out


def test_orders_v0_never_is_a_client_option(capsys: pytest.CaptureFixture[str]) -> None:
    """--orders-v0 never reaches the client: a cancel works, and a bad value is refused by argparse."""
    import argparse  # noqa: PLC0415

    from sp_cancel.cli._inputs import make_client  # noqa: PLC0415

    built = make_client(argparse.Namespace(simulator=int(SEED), journal=None, orders_v0="never"))
    assert built.orders_v0 == "never"
    assert main(["cancel", UNSHIPPED[-1], "--reason", "NO_INVENTORY", "--simulator", SEED, "--orders-v0", "never"]) == 0
    capsys.readouterr()
    assert main(["order", UNSHIPPED[-1], "--simulator", SEED, "--orders-v0", "sometimes"]) == 2
    assert "--orders-v0" in capsys.readouterr().err
