"""The order commands of ``sp-cancel`` against the embedded simulator (``--simulator SEED``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from sp_cancel.cli import main
from sp_cancel.testing import Simulator

SEED = 3


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


def open_orders(count: int) -> list[str]:
    """Unshipped MFN orders without buyer request of the seeded world the CLI builds."""
    sim = Simulator(seed=SEED)
    return [o.order_id for o in sim.orders(status="Unshipped", channel="MFN", buyer_requested=False)][:count]


def shipped_order() -> str:
    """A shipped MFN order of the seeded world the CLI builds."""
    return Simulator(seed=SEED).orders(status="Shipped", channel="MFN")[0].order_id


def test_cancel_prints_the_outcome_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    """`cancel ORDER --reason R --simulator S --json` cancels and prints the CancelOutcome as JSON; exit 0."""
    [order_id] = open_orders(1)
    code = main(["cancel", order_id, "--reason", "NO_INVENTORY", "--simulator", str(SEED), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["order_id"] == order_id
    assert out["status"] == "CANCELLED"
    assert out["reason"] == "NoInventory"
    assert out["feed_id"]


def test_cancel_prints_a_table_without_json(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json the outcome is an aligned table; progress goes to stderr."""
    [order_id] = open_orders(1)
    assert main(["cancel", order_id, "--reason", "NO_INVENTORY", "--simulator", str(SEED)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].split() == ["order", "status", "reason", "feed", "messages"]
    assert order_id in captured.out
    assert "CANCELLED" in captured.out
    assert "DONE" in captured.err


def test_cancel_of_a_shipped_order_fails_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    """A refused cancel exits 1 and says why on stderr."""
    code = main(["cancel", shipped_order(), "--reason", "NO_INVENTORY", "--simulator", str(SEED), "--json"])
    err = capsys.readouterr().err
    assert code == 1
    assert "NotCancellableError" in err
    assert "SHIPPED" in err


@pytest.mark.parametrize("item", ["12345678901234", "12345678901234:x", "12345678901234:-1"])
def test_cancel_with_a_malformed_item_option_exits_1(capsys: pytest.CaptureFixture[str], item: str) -> None:
    """--item must be ORDER_ITEM_ID:QTY with a positive quantity."""
    [order_id] = open_orders(1)
    code = main(["cancel", order_id, "--reason", "NO_INVENTORY", "--item", item, "--simulator", str(SEED)])
    assert code == 1
    assert "InvalidInputError" in capsys.readouterr().err


def test_cancel_of_some_units_with_item(capsys: pytest.CaptureFixture[str]) -> None:
    """--item ID:QTY cancels units of one item (PARTIALLY_CANCELLED)."""
    sim = Simulator(seed=SEED)
    order = next(
        o
        for o in sim.orders(status="Unshipped", channel="MFN", buyer_requested=False)
        if o.items[0].quantity_ordered > 1 or len(o.items) > 1
    )
    item = order.items[0].order_item_id
    argv = ["cancel", order.order_id, "--reason", "NO_INVENTORY", "--item", f"{item}:1"]
    assert main([*argv, "--simulator", str(SEED), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "PARTIALLY_CANCELLED"
    assert out["items"] == [{"order_item_id": item, "quantity": 1}]


def test_cancel_batch_reads_the_csv_and_reports_each_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`cancel-batch FILE.csv` cancels the listed orders and reports refusals; exit 1 when any was refused."""
    first, second = open_orders(2)
    shipped = shipped_order()
    csv_file = tmp_path / "orders.csv"
    csv_file.write_text(
        f"order_id,reason\n{first},NO_INVENTORY\n{second},CustomerExchange\n{shipped},NO_INVENTORY\n",
        encoding="utf-8",
    )
    code = main(["cancel-batch", str(csv_file), "--simulator", str(SEED), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["outcomes"][first]["status"] == "CANCELLED"
    assert out["outcomes"][second]["reason"] == "CustomerExchange"
    assert out["errors"][shipped]["error"] == "NotCancellableError"
    assert len(out["feed_ids"]) == 1


def test_cancel_batch_all_good_exits_0_and_prints_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A batch with no refusal exits 0; the table lists each order."""
    orders = open_orders(2)
    csv_file = tmp_path / "orders.csv"
    csv_file.write_text("order_id,reason\n" + "".join(f"{o},NO_INVENTORY\n" for o in orders), encoding="utf-8")
    assert main(["cancel-batch", str(csv_file), "--simulator", str(SEED)]) == 0
    out = capsys.readouterr().out
    assert all(o in out for o in orders)
    assert "CANCELLED=2" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "no rows"),
        ("order,why\n112-1234567-1234567,NO_INVENTORY\n", "lacks column"),
        ("order_id,reason\n112-1234567-1234567,NO_INVENTORY\n112-1234567-1234567,BUYER_CANCELED\n", "two reasons"),
        ("order_id,reason,order_item_id,quantity\n112-1234567-1234567,NO_INVENTORY,12345678901234,x\n", "quantity"),
    ],
)
def test_cancel_batch_refuses_a_bad_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    """An empty file, missing columns, two reasons for one order or a bad quantity exit 1 with the cause."""
    csv_file = tmp_path / "orders.csv"
    csv_file.write_text(content, encoding="utf-8")
    assert main(["cancel-batch", str(csv_file), "--simulator", str(SEED)]) == 1
    assert message in capsys.readouterr().err


def test_cancel_batch_merges_item_rows_of_one_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rows of one order with item columns become one item-level request."""
    sim = Simulator(seed=SEED)
    order = next(o for o in sim.orders(status="Unshipped", channel="MFN", buyer_requested=False) if len(o.items) > 1)
    rows = "".join(f"{order.order_id},NO_INVENTORY,{i.order_item_id},1\n" for i in order.items)
    csv_file = tmp_path / "orders.csv"
    csv_file.write_text("order_id,reason,order_item_id,quantity\n" + rows, encoding="utf-8")
    assert main(["cancel-batch", str(csv_file), "--simulator", str(SEED), "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)["outcomes"][order.order_id]
    assert outcome["status"] == "PARTIALLY_CANCELLED"
    assert len(outcome["items"]) == len(order.items)


def test_buyer_requests_lists_and_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    """`buyer-requests --json` lists the seeded requests; `--accept` cancels them with BuyerCanceled."""
    sim = Simulator(seed=SEED)
    expected = {r.order_id for r in sim.client().buyer_cancellation_requests()}
    assert expected
    capsys.readouterr()  # drop what the direct call above logged
    assert main(["buyer-requests", "--simulator", str(SEED), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {r["order_id"] for r in listed} == expected
    code = main(["buyer-requests", "--accept", "--simulator", str(SEED), "--json"])
    accepted = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(accepted["outcomes"]) == expected
    assert {o["reason"] for o in accepted["outcomes"].values()} == {"BuyerCanceled"}


def test_resume_with_nothing_to_do_prints_an_empty_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`resume` on an empty journal finishes nothing and exits 0."""
    journal = tmp_path / "journal.sqlite3"
    assert main(["resume", "--simulator", str(SEED), "--journal", str(journal), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
