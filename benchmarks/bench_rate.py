"""Benchmark the cancellation-rate calculator and the All Orders report fast path.

Run from the repository root::

    .venv/bin/python benchmarks/bench_rate.py            # 1,000,000 rows / records, 3 runs per variant
    .venv/bin/python benchmarks/bench_rate.py --rows 100000 --runs 1   # a quick look

(a) ``cancellation_rate`` over 1,000,000 in-memory ``OrderRecord`` objects (built outside the timing).
(b) A 1,000,000-row All Orders TSV (about 33 columns, one row per item) to a report: sp_cancel's pyarrow and
pure-Python readers against pandas ``read_csv`` + a vectorised implementation of the same definition.

Every variant runs in its own subprocess. Peak memory is the process's peak RSS (``VmHWM``, reset through
``/proc/self/clear_refs`` after the imports) minus its RSS after the imports, so Arrow's and pandas' native
allocations are seen (tracemalloc would miss them). Data is generated deterministically into
``benchmarks/data/`` (git-ignored) on first use.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
END = datetime(2026, 11, 26, tzinfo=UTC)
WINDOW = timedelta(days=7)
SPAN = timedelta(days=10)  # purchases spread over 10 days, so some fall before the window
COLUMNS = [
    *("amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status"),
    *("fulfillment-channel", "sales-channel", "order-channel", "url", "ship-service-level", "product-name"),
    *("sku", "asin", "item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price"),
    *("shipping-tax", "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount"),
    *("ship-city", "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order"),
    *("purchase-order-number", "price-designation", "signature-confirmation-recommended"),
]
FORMAT_VERSION = 2


# ---------------------------------------------------------------- data


def _order_plan(rng: random.Random, index: int, orders: int) -> dict[str, Any]:  # noqa: C901 - a table of odds
    """One order's facts (the ``index``-th of about ``orders``): channel, status, times, items, attribution."""
    purchased = END - SPAN + timedelta(seconds=index * SPAN.total_seconds() / orders + rng.random())
    merchant = rng.random() < 0.6
    roll = rng.random()
    if roll < 0.04:
        status = "Cancelled"
    elif roll < 0.07:
        status = "Pending"
    elif roll < 0.13:
        status = "Unshipped"
    elif roll < 0.15:
        status = "PartiallyShipped"
    else:
        status = "Shipped"
    items = rng.choices((1, 2, 3), weights=(70, 20, 10))[0]
    partial = status == "Shipped" and items > 1 and rng.random() < 0.05
    attribution: tuple[str | None, bool] | None = None
    updated = purchased + timedelta(hours=rng.uniform(1, 240))
    if merchant and (status == "Cancelled" or partial):
        who = rng.random()
        if who < 0.5:
            attribution = ("MERCHANT", False)
        elif who < 0.75:
            attribution = ("MERCHANT", True)
        elif who < 0.85:
            attribution = ("BUYER", False)
        elif who < 0.90:
            attribution = ("AMAZON", False)
            updated = purchased + timedelta(hours=rng.uniform(2, 40))  # payment/fraud cancel of a Pending order
        elif who < 0.95:
            attribution = ("AMAZON", False)
            updated = purchased + timedelta(days=rng.uniform(9, 12))  # late-shipment auto-cancel
        # else: nobody said (left unattributed)
    return {
        "id": f"{111 + index % 800:03d}-{index:07d}-{rng.randrange(10**7):07d}",
        "purchased": purchased,
        "updated": updated,
        "status": status,
        "channel": "Merchant" if merchant else "Amazon",
        "items": items,
        "partial": partial,
        "attribution": attribution,
    }


def _item_row(rng: random.Random, order: dict[str, Any], item: int) -> str:
    cancelled = order["status"] == "Cancelled" or (order["partial"] and item == 0)
    item_status = "Cancelled" if cancelled else ("Unshipped" if order["status"] != "Shipped" else "Shipped")
    sku = f"SKU-{rng.randrange(5000):05d}"
    price = f"{rng.uniform(5, 200):.2f}"
    values = [
        order["id"],
        "",
        order["purchased"].isoformat(timespec="seconds"),
        order["updated"].isoformat(timespec="seconds"),
        order["status"],
        order["channel"],
        "Amazon.com",
        "",
        "",
        "Standard",
        f'Widget "{sku}" deluxe, pack of {item + 1}',  # quotes: the report never quotes fields
        sku,
        f"B0{rng.randrange(10**8):08d}",
        item_status,
        "1",
        "USD",
        price,
        "0.00",
        "4.99",
        "0.00",
        "",
        "",
        "",
        "",
        "SEATTLE",
        "WA",
        "98109",
        "US",
        "",
        "false",
        "",
        "",
        "false",
    ]
    return "\t".join(values)


def generate(rows: int) -> tuple[Path, Path]:
    """Write (once) the All Orders TSV with ``rows`` item rows and its attribution sidecar; return their paths."""
    DATA.mkdir(exist_ok=True)
    report = DATA / f"all_orders_{rows}_v{FORMAT_VERSION}.tsv"
    sidecar = DATA / f"attribution_{rows}_v{FORMAT_VERSION}.tsv"
    if report.exists() and sidecar.exists():
        return report, sidecar
    rng = random.Random(20261126)
    written = index = 0
    with report.open("w", encoding="utf-8", newline="") as out, sidecar.open("w", encoding="utf-8") as side:
        out.write("\t".join(COLUMNS) + "\n")
        while written < rows:
            order = _order_plan(rng, index, int(rows / 1.4))
            index += 1
            for item in range(min(order["items"], rows - written)):
                out.write(_item_row(rng, order, item) + "\n")
                written += 1
            if order["attribution"] is not None:
                who, asked = order["attribution"]
                side.write(f"{order['id']}\t{who}\t{str(asked).lower()}\n")
    return report, sidecar


def load_attribution(sidecar: Path) -> dict[str, tuple[str, bool]]:
    """Read the attribution sidecar: order id -> (cancelled_by, buyer_requested)."""
    with sidecar.open(encoding="utf-8") as side:
        return {oid: (who, asked == "true") for oid, who, asked in (line.rstrip("\n").split("\t") for line in side)}


# ---------------------------------------------------------------- measuring


def _status() -> dict[str, int]:
    found = {}
    with open("/proc/self/status", encoding="ascii") as status:  # noqa: PTH123
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) * 1024
    return found


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:  # noqa: PTH123
            refs.write("5")
    except OSError:
        pass  # old kernel: VmHWM then includes the imports' own peak


def _summary(report: Any) -> dict[str, Any]:
    return {
        "rate": str(report.rate),
        "cancelled": report.cancelled,
        "total": report.total,
        "by_day": [[d.day.isoformat(), d.orders, d.cancelled] for d in report.by_day],
    }


def run_variant(variant: str, rows: int) -> dict[str, Any]:
    """Run one variant in this (fresh) process and return its figures."""
    report_path, sidecar = generate(rows)
    attribution = load_attribution(sidecar)
    extra: dict[str, Any] = {}
    job: Any
    if variant == "records":
        from sp_cancel.metrics import cancellation_rate  # noqa: PLC0415

        build = time.perf_counter()
        records = list(_records(rows))
        extra["build_s"] = time.perf_counter() - build
        timings = []
        for _ in range(3):
            began = time.perf_counter()
            result = _summary(cancellation_rate(records, window=WINDOW, end=END))
            timings.append(time.perf_counter() - began)
        return {"seconds": min(timings), "all_seconds": timings, **extra, "result": result}
    if variant.startswith("report-route"):
        job, extra = _report_route_job(
            report_path, attribution, engine=variant.removeprefix("report-route").removeprefix("-") or None
        )
    elif variant in ("polars", "polars-gzip"):
        import polars as pl  # noqa: PLC0415

        # polars-gzip: the document as Amazon hands it over (gzip bytes, in memory before the timing, as for the
        # report route), which polars inflates itself; polars: the stricter bar, the uncompressed file.
        source: Any = _gzip_document(report_path) if variant == "polars-gzip" else report_path

        def job() -> dict[str, Any]:
            frame = pl.read_csv(source, separator="\t", quote_char=None, columns=PANDAS_COLUMNS, infer_schema=False)
            return {"rows": frame.height}
    elif variant in ("pyarrow", "python"):
        from sp_cancel.metrics import rate_from_all_orders_file  # noqa: PLC0415

        if variant == "pyarrow":
            _warm_pyarrow()

        def job() -> dict[str, Any]:
            return _summary(
                rate_from_all_orders_file(
                    report_path,
                    attribution=attribution,
                    window=WINDOW,
                    end=END,
                    engine=variant,  # type: ignore[arg-type]
                )
            )
    else:
        import pandas as pd  # noqa: PLC0415

        engine = "pyarrow" if variant == "pandas-pyarrow" else "c"

        def job() -> dict[str, Any]:
            return pandas_rate(pd, report_path, attribution, engine)

    baseline = _status()["VmRSS"]
    _reset_peak()
    cpu = os.times()
    began = time.perf_counter()
    result = job()
    seconds = time.perf_counter() - began
    used = os.times()
    peak = _status()["VmHWM"] - baseline
    cpu_s = used.user + used.system - cpu.user - cpu.system  # every thread's: what a busy machine cannot hide
    return {"seconds": seconds, "cpu_s": cpu_s, "peak_mb": peak / 2**20, "result": result, **extra}


def _warm_pyarrow() -> None:
    """Import pyarrow as the fast path uses it, outside the timing, like the pandas and polars imports.

    pyarrow imports pandas (when installed) the first time it converts a Python value (``pa.scalar(0)``): about
    0.5 s and 20-30 MiB once per process, which a long-lived client pays on its first call only.
    """
    import pyarrow as pa  # noqa: PLC0415

    import sp_cancel.metrics._arrow  # noqa: F401, PLC0415

    pa.scalar(0)


class _ReportApi:
    """Amazon's side of the report route, in process.

    The report is DONE at once and ``download`` hands over the document already downloaded (gzip, as Amazon
    serves the All Orders report); ``getOrder`` answers from the attribution sidecar; the re-read after the
    report's data end (``searchOrders``) answers one empty page (no order updated since: the route's cost with
    orders in it is the exclusion set's, measured apart in benchmarks/README.md). So the timing is the route's
    own work, not network or polling time.
    """

    def __init__(self, document: bytes, attribution: dict[str, tuple[str, bool]]) -> None:
        self.document = document
        self.attribution = attribution
        self.get_order_calls = 0
        self.get_order_seconds = 0.0  # Amazon's side (building the answers), to tell it from the library's work

    def create_report(self, **_: Any) -> str:
        return "report-1"

    def get_report(self, _report_id: str) -> Any:
        from types import SimpleNamespace  # noqa: PLC0415

        return SimpleNamespace(
            report_id="report-1",
            processing_status="DONE",
            report_document_id="doc-1",
            created_time=END,
            processing_end_time=None,
        )

    def search_orders(self, **_: Any) -> Any:
        from types import SimpleNamespace  # noqa: PLC0415

        return SimpleNamespace(orders=(), next_token=None)

    def plan_rate(self, _operation: str) -> float:
        return 2.0

    def get_report_document(self, _document_id: str) -> Any:
        from types import SimpleNamespace  # noqa: PLC0415

        return SimpleNamespace(url="https://example.invalid/doc-1", compression_algorithm="GZIP")

    def download(self, _url: str, *, compression: str | None = None) -> bytes:
        if compression is not None:
            raise AssertionError("the route inflates the document itself, piece by piece")
        return self.document

    def get_order(self, order_id: str, **_: Any) -> Any:
        from sp_cancel._order import Order, OrderItem  # noqa: PLC0415
        from sp_cancel.transport import OrderResponse  # noqa: PLC0415

        began = time.perf_counter()
        self.get_order_calls += 1
        who, asked = self.attribution.get(order_id, (None, False))
        item = OrderItem(
            order_item_id="1",
            sku="SKU",
            quantity_ordered=1,
            quantity_shipped=0,
            quantity_unshipped=0,
            buyer_requested_cancel=asked,
            cancelled_by=who,
        )
        order = Order(
            order_id=order_id,
            marketplace_id="ATVPDKIKX0DER",
            status="CANCELLED",
            channel="MFN",
            purchased_at=None,
            last_updated_at=None,
            currency="USD",
            items=(item,),
        )
        response = OrderResponse(order=order, fulfilled_by="MERCHANT")
        self.get_order_seconds += time.perf_counter() - began
        return response


def _gzip_document(path: Path) -> bytes:
    """The report as Amazon serves it: gzip (level 6), made once beside the TSV."""
    import gzip  # noqa: PLC0415

    zipped = DATA / (path.name + ".gz")
    if not zipped.exists():
        zipped.write_bytes(gzip.compress(path.read_bytes(), compresslevel=6))
    return zipped.read_bytes()


def _report_route_job(path: Path, attribution: dict[str, tuple[str, bool]], engine: str | None) -> tuple[Any, dict]:
    """``cancellation_rate(source="report")`` as the client runs it, over the gzip document of ``path``."""
    from types import SimpleNamespace  # noqa: PLC0415

    from sp_cancel._runtime.cadence import Cadence  # noqa: PLC0415
    from sp_cancel.clock import FakeClock  # noqa: PLC0415
    from sp_cancel.metrics import _fetch  # noqa: PLC0415

    if engine == "zlib":  # pyarrow with the stdlib's inflater, as without the fast extra's isal
        import zlib  # noqa: PLC0415

        from sp_cancel import _inflate  # noqa: PLC0415

        _inflate._zlib = zlib  # noqa: SLF001 - the benchmark's switch, as in the tests
    if engine == "python":  # the fallback without the ``fast`` extra
        import importlib.util  # noqa: PLC0415

        real = importlib.util.find_spec
        importlib.util.find_spec = lambda name, *a: None if name == "pyarrow" else real(name, *a)  # type: ignore[assignment]
    else:
        _warm_pyarrow()
    # A client has its transport loaded by the time it calls getOrder (createReport went first): load it here, so
    # its import (about 0.5 s, httpx and the SP-API models) is not timed as the route's work.
    import sp_cancel.transport  # noqa: F401, PLC0415

    document = _gzip_document(path)  # downloaded before the timing starts (network time is not the route's)
    api = _ReportApi(document, attribution)
    clock = FakeClock(END)
    ctx: Any = type("Ctx", (), {})()
    ctx.api, ctx.clock, ctx.sleep, ctx.marketplace_id = api, clock, clock.sleep, "ATVPDKIKX0DER"
    ctx.runner = SimpleNamespace(cadence=Cadence())  # run_report's poll schedule (learned polling, issue 18 item 9)
    from sp_cancel._inflate import inflater_name  # noqa: PLC0415

    extra = {"document_mb": len(document) / 2**20, "inflater": inflater_name()}

    def job() -> dict[str, Any]:
        report = _fetch.cancellation_rate(ctx, window=WINDOW, end=END, source="report", compare_with_amazon=False)
        extra["get_order_calls"] = api.get_order_calls
        extra["amazon_side_s"] = api.get_order_seconds
        return _summary(report)

    return job, extra


def _records(rows: int) -> Any:
    """Yield ``rows`` OrderRecords with the report's distribution (one per order)."""
    from sp_cancel.metrics import OrderRecord  # noqa: PLC0415

    rng = random.Random(7)
    for index in range(rows):
        order = _order_plan(rng, index, rows)
        who, asked = order["attribution"] or (None, False)
        cancelled = order["status"] == "Cancelled" or order["partial"]
        yield OrderRecord(
            order_id=order["id"],
            purchased_at=order["purchased"],
            marketplace_id="ATVPDKIKX0DER",
            fulfillment=order["channel"],
            status=order["status"],
            cancelled_by=who,
            buyer_requested=asked,
            cancelled_at=order["updated"] if cancelled else None,
        )


PANDAS_COLUMNS = [
    "amazon-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "item-status",
]


def pandas_rate(pd: Any, path: Path, attribution: dict[str, tuple[str, bool]], engine: str) -> dict[str, Any]:
    """The same definition, the way a notebook would write it: read_csv, then vectorised pandas."""
    cols = PANDAS_COLUMNS
    options: dict[str, Any] = {"sep": "\t", "usecols": cols, "dtype": str, "keep_default_na": False}
    if engine == "c":
        options["quoting"] = csv.QUOTE_NONE
    else:
        options["engine"] = "pyarrow"
    df = pd.read_csv(path, **options)
    ids = df["amazon-order-id"]
    first = ids.ne(ids.shift())
    group = first.cumsum()
    any_item = df["item-status"].eq("Cancelled").groupby(group).any().to_numpy()
    orders = df.loc[first].reset_index(drop=True)
    orders["any_item"] = any_item
    bought = pd.to_datetime(orders["purchase-date"], utc=True, format="ISO8601")
    start = pd.Timestamp(END - WINDOW)
    keep = (
        orders["fulfillment-channel"].eq("Merchant")
        & ~orders["order-status"].isin(["Pending", "PendingAvailability"])
        & (bought >= start)
        & (bought < pd.Timestamp(END))
    )
    kept = orders.loc[keep]
    bought = bought.loc[keep]
    cancelled = kept["order-status"].eq("Cancelled") | kept["any_item"]
    who = kept["amazon-order-id"].map({k: v[0] for k, v in attribution.items()})
    asked = kept["amazon-order-id"].map({k: v[1] for k, v in attribution.items()}).fillna(value=False).astype(bool)
    updated = pd.to_datetime(kept["last-updated-date"], utc=True, format="ISO8601")
    cancelled_at = updated.where(updated >= bought)
    late = cancelled_at.isna() | ((cancelled_at - bought) >= pd.Timedelta(days=5))
    open_ = cancelled & ~asked
    seller = open_ & (who.isna() | who.eq("MERCHANT") | (who.eq("AMAZON") & late))
    counted = ~(open_ & who.eq("AMAZON") & ~late)
    day = bought.dt.floor("D")
    per_day = pd.DataFrame({"orders": counted, "cancelled": seller & counted}).groupby(day).sum()
    days = pd.date_range(start.floor("D"), (pd.Timestamp(END) - pd.Timedelta(microseconds=1)).floor("D"), freq="D")
    per_day = per_day.reindex(days, fill_value=0)
    total, n_cancelled = int(per_day["orders"].sum()), int(per_day["cancelled"].sum())
    from decimal import Decimal  # noqa: PLC0415

    return {
        "rate": str(Decimal(n_cancelled) / Decimal(total) if total else Decimal(0)),
        "cancelled": n_cancelled,
        "total": total,
        "by_day": [[d.date().isoformat(), int(r.orders), int(r.cancelled)] for d, r in per_day.iterrows()],
    }


# ---------------------------------------------------------------- driver


def _subprocess(variant: str, rows: int) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, __file__, "--variant", variant, "--rows", str(rows)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument(
        "--parts",
        default="abc",
        help="which tables: a (records), b (file route), c (report route beside pandas and polars); default abc",
    )
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.rows)))
        return
    began = time.perf_counter()
    path, _ = generate(args.rows)
    print(f"data: {path} ({path.stat().st_size / 2**20:.0f} MiB, ready in {time.perf_counter() - began:.1f} s)")
    print(f"python {sys.version.split()[0]}, {args.runs} run(s) per variant, median wall time, max peak RSS\n")

    if "a" in args.parts:
        _part_a(args)
    if "b" in args.parts:
        _part_b(args)
    if "c" in args.parts:
        _part_c(args)


def _part_a(args: argparse.Namespace) -> None:
    records = _subprocess("records", args.rows)
    print(f"(a) cancellation_rate over {args.rows:,} in-memory OrderRecords\n")
    print("| step | time |\n|---|---|")
    print(f"| build the records (not timed below) | {records['build_s']:.2f} s |")
    runs = ", ".join(f"{t:.3f}" for t in records["all_seconds"])
    print(f"| `cancellation_rate(records)` best of 3 ({runs}) | **{records['seconds']:.3f} s** |\n")


def _rounds(variants: dict[str, str], args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    # Interleaved (a round of every variant, then the next round), so load from elsewhere hits them alike.
    runs_: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    for _ in range(args.runs):
        for variant in variants:
            runs_[variant].append(_subprocess(variant, args.rows))
    return runs_


def _part_b(args: argparse.Namespace) -> None:
    variants = {
        "pyarrow": "sp_cancel `rate_from_all_orders_file(engine='pyarrow')`",
        "python": "sp_cancel `rate_from_all_orders_file(engine='python')`",
        "pandas": "pandas `read_csv` (C engine) + vectorised",
        "pandas-pyarrow": "pandas `read_csv(engine='pyarrow')` + vectorised",
    }
    print(f"(b) {args.rows:,}-row All Orders TSV to a report\n")
    print("| variant | wall time | peak RSS above baseline |\n|---|---|---|")
    runs_ = _rounds(variants, args)
    results = {}
    for variant, label in variants.items():
        results[variant] = runs_[variant][0]["result"]
        seconds = statistics.median(r["seconds"] for r in runs_[variant])
        peak = max(r["peak_mb"] for r in runs_[variant])
        print(f"| {label} | {seconds:.2f} s | {peak:.0f} MiB |")
    _agree(results)


def _part_c(args: argparse.Namespace) -> None:
    variants = {
        "report-route": "sp_cancel `client.cancellation_rate(source='report')` (pyarrow, isal)",
        "report-route-zlib": "sp_cancel `client.cancellation_rate(source='report')` (pyarrow, stdlib zlib)",
        "report-route-python": "sp_cancel `client.cancellation_rate(source='report')` (without pyarrow)",
        "pyarrow": "sp_cancel `rate_from_all_orders_file(engine='pyarrow')` (the file route)",
        "pandas-pyarrow": "pandas `read_csv(engine='pyarrow')` + vectorised (the whole rate)",
        "polars-gzip": "polars `read_csv` of the 7 columns of the gzip document, as strings (the read alone)",
        "polars": "polars `read_csv` of the 7 columns of the uncompressed TSV, as strings (the read alone)",
    }
    if importlib.util.find_spec("polars") is None:
        print("(polars is not installed: its rows are left out; `pip install polars` to see them)\n")
        del variants["polars"], variants["polars-gzip"]
    print(f"(c) the report route over a {args.rows:,}-row All Orders report, beside pandas and polars\n")
    print("| variant | wall time | CPU time (all threads) | peak RSS above baseline |\n|---|---|---|---|")
    runs_ = _rounds(variants, args)
    results = {}
    for variant, label in variants.items():
        runs = runs_[variant]
        if variant.startswith("polars"):
            rows = {r["result"]["rows"] for r in runs}
            if rows != {args.rows}:  # the read alone has no report to agree on; it must at least read every row
                print(f"{variant} read {rows} rows, not {args.rows:,}")
                sys.exit(1)
        else:
            results[variant] = runs[0]["result"]
        seconds = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu_s"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        print(f"| {label} | {seconds:.2f} s | {cpu:.2f} s | {peak:.0f} MiB |")
    route = runs_["report-route"][0]
    print(
        f"\nThe report route's document: {route['document_mb']:.0f} MiB gzip, in memory before the timing (it is the "
        f"download); {route['get_order_calls']:,} getOrder calls answered in process."
    )
    for variant in ("report-route", "report-route-zlib", "report-route-python"):
        side = statistics.median(r["amazon_side_s"] for r in runs_[variant])
        own = statistics.median(r["seconds"] - r["amazon_side_s"] for r in runs_[variant])
        inflaters = "/".join(sorted({r["inflater"] for r in runs_[variant]}))
        print(
            f"{variant} (inflater: {inflaters}): Amazon's side (building the getOrder answers) {side:.2f} s; "
            f"the library's own {own:.2f} s."
        )
    _agree(results)


def _agree(results: dict[str, dict[str, Any]]) -> None:
    reference = next(iter(results.values()))
    agree = all(r == reference for r in results.values())
    print(
        f"\nAll variants agree: {agree} (rate {float(reference['rate']):.4%}, "
        f"{reference['cancelled']} / {reference['total']})\n"
    )
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
