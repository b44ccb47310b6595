"""The report route's two readers (pyarrow's columnar pass, pure Python) count the same document the same way.

Random All Orders documents with everything the figure depends on: several marketplaces, whole and partial
cancellations, the buyer-request column, attribution (the report route's ``getOrder`` answers) and Amazon's own
cancellations of each kind (decided by ``getOrder``'s words and ship-by date, or by the timing), over the days
of the window and outside it. Pieces are made tiny so orders straddle them.
"""

from __future__ import annotations

import gzip
import random
import threading
from datetime import UTC, datetime, timedelta

import pytest

import sp_cancel.metrics._arrow as arrow_engine
from sp_cancel.metrics._allorders import Counts
from sp_cancel.metrics._file import count_report

END = datetime(2026, 11, 26, tzinfo=UTC)
START = END - timedelta(days=7)
HEADER = (
    "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\t"
    "sales-channel\tproduct-name\tsku\titem-status\tquantity\tis-buyer-requested-cancellation"
)
STATUSES = ("Shipped", "Cancelled", "Pending", "Unshipped", "PartiallyShipped", "PendingAvailability")
SALES = ("Amazon.com", "Amazon.ca", "Amazon.de", "amazon.com")
REASONS = (None, "Payment not authorised", "Not shipped within 7 business days of the ship-by date", "Other")


def world(seed: int, orders: int = 300) -> tuple[bytes, dict, dict]:
    """A document, the attribution ``getOrder`` would give and the facts it would tell, from ``seed``."""
    rng = random.Random(seed)  # noqa: S311 - test data
    rows, attribution, facts = [HEADER], {}, {}
    for n in range(orders):
        order_id = f"{100 + n % 9:03d}-{n:07d}-{rng.randrange(10**7):07d}"
        bought = END - timedelta(days=9) + timedelta(seconds=rng.randrange(10 * 86_400))
        updated = bought + timedelta(hours=rng.choice((1, 30, 130, 250)))
        status = rng.choices(STATUSES, weights=(50, 25, 5, 10, 5, 5))[0]
        channel = rng.choice(("Merchant", "Merchant", "Amazon"))
        sales = rng.choice(SALES)
        for _ in range(rng.choice((1, 1, 2, 3))):
            item = "Cancelled" if status == "Cancelled" or rng.random() < 0.1 else rng.choice(("Shipped", "Unshipped"))
            asked = (
                rng.choice(("", "false", "false", "true", "TRUE")) if item == "Cancelled" else rng.choice(("", "false"))
            )
            fields = [order_id, "", bought.isoformat(), updated.isoformat(), status, channel, sales, 'W "x"', "S"]
            rows.append("\t".join([*fields, item, "1", asked]))
        who = rng.choice((None, ("MERCHANT", False), ("MERCHANT", True), ("BUYER", False), ("AMAZON", False)))
        if who is not None:
            attribution[order_id] = who
        if who is not None and who[0] == "AMAZON":
            ship_by = rng.choice((None, bought + timedelta(days=2)))
            facts[order_id] = (rng.choice(REASONS), ship_by)
    return ("\n".join(rows) + "\n").encode(), attribution, facts


def counted(document: bytes, engine: str, attribution: dict, facts: dict, marketplace: str | None, *, market_id=None):
    """The report of ``document`` counted by ``engine``, as the report route counts it (with ``getOrder``'s facts)."""
    counts = Counts(START, END, facts=facts)
    count_report(document, counts, attribution, marketplace, market_id, engine=engine)  # type: ignore[arg-type]
    return counts.report(None, marketplace)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("zipped", [True, False])
def test_pyarrow_and_python_give_the_same_report(
    seed: int, zipped: bool, monkeypatch: pytest.MonkeyPatch, inflater: str
) -> None:
    """The whole report (rate, every day, Amazon's kinds, marketplaces seen) is the same from both readers.

    With either inflater (``inflater``: ISA-L, and the stdlib's zlib as the fallback).
    """
    monkeypatch.setattr(arrow_engine, "_CHUNK", [200, 1000, 5000, 1 << 20][seed % 4])
    monkeypatch.setattr(arrow_engine, "_TAIL", 64)
    data, attribution, facts = world(seed)
    document = gzip.compress(data) if zipped else data
    for marketplace, market_id in ((None, None), ("ATVPDKIKX0DER", None), ("A2EUQ1WTGCTBG2", "A2EUQ1WTGCTBG2")):
        fast = counted(document, "pyarrow", attribution, facts, marketplace, market_id=market_id)
        slow = counted(document, "python", attribution, facts, marketplace, market_id=market_id)
        assert fast == slow
    # The world has what the comparison is about, so equality is not vacuous.
    us = counted(document, "python", attribution, facts, "ATVPDKIKX0DER")
    assert us.cancelled
    assert us.total > us.cancelled
    assert us.amazon_unpaid + us.amazon_late_shipment + us.amazon_other > 0
    assert sum(1 for day in us.by_day if day.orders) >= 6


def _readers() -> list[threading.Thread]:
    """The reader's worker threads still alive (they are named ``sp-cancel-csv...``)."""
    return [t for t in threading.enumerate() if t.name.startswith("sp-cancel-csv")]


@pytest.mark.parametrize("engine", ["pyarrow", "python"])
def test_a_document_cut_short_is_refused_and_the_readers_stop(engine: str, inflater: str) -> None:
    """A gzip document cut short (inside the data, or just before its trailer): ``EOFError`` on either engine.

    With either inflater (ISA-L, and the stdlib's zlib as the fallback).

    The route turns it into a ServerError; no reader thread is left running.
    """
    data, _, _ = world(1, orders=2000)
    whole = gzip.compress(data)
    for cut in (whole[:-5000], whole[:-4]):
        with pytest.raises(EOFError):
            counted(cut, engine, {}, {}, None)
    assert not _readers()


def test_a_bad_value_in_a_later_piece_stops_every_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting fails part way (an unknown status): the error comes out and the reader and parser threads end."""
    monkeypatch.setattr(arrow_engine, "_CHUNK", 2000)
    data, _, _ = world(2, orders=500)
    bad = data.replace(b"\tPartiallyShipped\t", b"\tNoSuchStatus\t")
    assert bad != data
    with pytest.raises(Exception, match="NoSuchStatus"):
        counted(gzip.compress(bad), "pyarrow", {}, {}, None)
    assert not _readers()


def _without(data: bytes, order_ids: set[str]) -> bytes:
    """``data`` with every row of ``order_ids`` removed."""
    lines = data.decode().splitlines()
    return ("\n".join([lines[0], *(ln for ln in lines[1:] if ln.split("\t")[0] not in order_ids)]) + "\n").encode()


def counted_excluding(document: bytes, engine: str, attribution: dict, facts: dict, exclude: set[str]):
    """Like ``counted`` for the home marketplace, leaving out the orders of ``exclude``."""
    counts = Counts(START, END, facts=facts)
    count_report(document, counts, attribution, "ATVPDKIKX0DER", None, engine=engine, exclude=exclude)  # type: ignore[arg-type]
    return counts.report(None, "ATVPDKIKX0DER")


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("zipped", [True, False])
def test_both_readers_leave_out_the_excluded_orders_alike(
    seed: int, zipped: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With an exclusion set (the report route's re-read orders) both readers count as if those rows were absent.

    A third of the orders and half of those the seller cancelled, in and out of the window, are left out: both
    engines give the report of the document without their rows, and it differs from the whole document's.
    """
    monkeypatch.setattr(arrow_engine, "_CHUNK", [200, 1000, 5000][seed % 3])
    monkeypatch.setattr(arrow_engine, "_TAIL", 64)
    data, attribution, facts = world(100 + seed)
    ids = list(dict.fromkeys(line.split("\t")[0] for line in data.decode().splitlines()[1:]))
    exclude = {i for n, i in enumerate(ids) if n % 3 == 0 or (n % 2 == 0 and attribution.get(i) == ("MERCHANT", False))}
    exclude.add("999-0000000-0000000")  # an id the report does not list changes nothing
    document = gzip.compress(data) if zipped else data
    expected = counted(_without(data, exclude), "python", attribution, facts, "ATVPDKIKX0DER")
    for engine in ("pyarrow", "python"):
        assert counted_excluding(document, engine, attribution, facts, exclude) == expected
    whole = counted(data, "python", attribution, facts, "ATVPDKIKX0DER")
    assert whole.total > expected.total
    assert whole.cancelled > expected.cancelled
    assert counted_excluding(document, "pyarrow", attribution, facts, set()) == whole
