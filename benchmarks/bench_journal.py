"""The journal's cost: submissions per second against raw sqlite3 / redis-py, and entries built per batch.

Run from the repository root (Redis rows need a server; without ``--redis-url`` they are skipped)::

    python benchmarks/bench_journal.py --redis-url redis://127.0.0.1:6399/8
    python benchmarks/bench_journal.py --batch 10000          # also the 10,000-order batch cancel
    python benchmarks/bench_journal.py --profile sqlite       # cProfile of our side, top 25 by own time

**Throughput.** One *submission* is the life of one journaled feed cancel as the workflows drive it:
``get`` (is the key journaled?), ``find`` (conflicting cancels of the order), ``plan``, ``mark_submitting``
(leased to the planner), ``mark_submitted`` (its own feed id), ``by_feed`` (finishing reads the feed's
entries) and ``mark_done``: four write transactions and three reads. "Ours" is ``sp_cancel.journal.Journal``
on a file (WAL, ``synchronous=FULL``) and ``RedisJournal``; "raw" is hand-written ``sqlite3`` / redis-py
code doing the same transactions on the same schema / key layout with the same durability, checks and
owner tokens: SQLite ``BEGIN IMMEDIATE``, read the row, check state and owner (and, for the feed id, that
no other entry holds it), write, ``COMMIT`` with ``synchronous=FULL``; Redis ``WATCH``, ``HGETALL``, check,
``MULTI``/``EXEC`` with the same index writes. Raw code reads only the columns it checks and returns rows as
the driver gives them; ours returns typed ``Entry`` values. Each round runs ``--submissions`` of each, A B A B,
on a fresh file / key prefix; the table gives the median rate and the median of the per-round ratios, and
this process's CPU time per submission (the client's work: Redis's own CPU and the disk's waits are not in
it), whose ratio shows what the Python above the driver costs when the disk or the network does not hide it.

**Batch.** ``--batch N`` cancels N one-item unshipped orders in one ``cancel_orders`` call against the
in-process simulator (``Simulator.client()``: journal in memory; and again on a journal file), and counts
``Entry`` constructions (``Entry.__init__`` wrapped) and the client's CPU time: the process's CPU time for
the call minus the time spent inside the simulator's request handler.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import json
import logging
import os
import pstats
import socket
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog

from sp_cancel import CancelReason, CancelRequest
from sp_cancel.journal import Entry, Journal, JournalError, RedisJournal

FEED_TYPE = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
COLUMNS = (
    "key, kind, target, state, payload, feed_id, feed_type, document_hash, message_id, "
    "created_at, updated_at, submitted_at, outcome, owner, lease_until, amazon_sent_at, version"
)
LEASE = timedelta(seconds=300)


def payload(order_id: str) -> dict[str, Any]:
    """A whole-order cancel's payload as the workflows journal it."""
    return {
        "order_id": order_id,
        "reason": "NoInventory",
        "marketplace_id": "ATVPDKIKX0DER",
        "order_items": ["12345678901234"],
        "items": None,
        "unshipped_before": {"12345678901234": 1},
        "cancelled_before": {"12345678901234": 0},
        "buyer_request": False,
    }


def outcome(order_id: str, key: str, feed_id: str) -> dict[str, Any]:
    """A cancelled order's outcome as the workflows journal it."""
    return {
        "order_id": order_id,
        "status": "CANCELLED",
        "reason": "NoInventory",
        "feed_id": feed_id,
        "submission_id": key,
        "messages": [],
        "items": None,
        "via": "feed",
        "detail": None,
        "buyer_message": None,
    }


# --- one submission, ours --------------------------------------------------------------------------


def submit_ours(journal: Journal | RedisJournal, run: str, n: int) -> None:
    """One submission through our journal."""
    key, order_id, feed_id = f"cancel-{run}-{n}", f"111-{n:07d}-0000001", f"5{n:010d}{run[:6]}"
    journal.get(key)
    journal.find("cancel", order_id)
    entry, created = journal.plan(key, kind="cancel", target=order_id, payload=payload(order_id))
    assert created  # noqa: S101 - fresh keys
    sent = datetime.now(UTC)
    journal.mark_submitting(
        [key],
        feed_type=FEED_TYPE,
        document_hash="ab" * 32,
        message_ids={key: 1},
        sent_at=sent,
        amazon_sent_at=sent,
        owner=entry.owner,
    )
    journal.mark_submitted([key], feed_id=feed_id)
    journal.by_feed(feed_id)
    journal.mark_done(key, state="done", outcome=outcome(order_id, key, feed_id))


# --- one submission, raw ---------------------------------------------------------------------------


def _ts(value: datetime) -> str:
    return value.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _token_prefix() -> str:
    pid = os.getpid()
    start = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[19]
    return f"{socket.gethostname()}:{pid}:{start}:"


class RawSqlite:
    """The same transactions in plain ``sqlite3``."""

    def __init__(self, path: Path) -> None:
        Journal(path).close()  # the same schema and indexes
        self.conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA busy_timeout = 30000")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.token = _token_prefix()

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: ``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` if the block raises)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def submit(self, run: str, n: int) -> None:
        """One submission: the reads and the four write transactions of ``submit_ours``."""
        key, order_id, feed_id = f"cancel-{run}-{n}", f"111-{n:07d}-0000001", f"5{n:010d}{run[:6]}"
        c = self.conn
        c.execute(f"SELECT {COLUMNS} FROM entries WHERE key = ?", (key,)).fetchone()  # noqa: S608 - constant
        c.execute(
            f"SELECT {COLUMNS} FROM entries WHERE kind = ? AND target = ? ORDER BY created_at DESC, rowid DESC",  # noqa: S608 - constant
            ("cancel", order_id),
        ).fetchall()
        data = json.dumps(payload(order_id), sort_keys=True, allow_nan=False, ensure_ascii=False)
        owner = self.token + uuid.uuid4().hex
        with self.tx() as tx:  # plan
            if tx.execute("SELECT 1 FROM entries WHERE key = ?", (key,)).fetchone() is not None:
                raise JournalError("exists")
            now = datetime.now(UTC)
            tx.execute(
                "INSERT INTO entries (key, kind, target, state, payload, created_at, updated_at, owner, lease_until, "
                "version) VALUES (?, ?, ?, 'planned', ?, ?, ?, ?, ?, 1)",
                (key, "cancel", order_id, data, _ts(now), _ts(now), owner, _ts(now + LEASE)),
            )
        sent = _ts(datetime.now(UTC))
        with self.tx() as tx:  # mark_submitting, leased to owner
            row = tx.execute("SELECT state, owner FROM entries WHERE key = ?", (key,)).fetchone()
            if row is None or row[0] != "planned" or row[1] != owner:
                raise JournalError("lease lost")
            tx.execute(
                "UPDATE entries SET state = 'submitted', feed_type = ?, document_hash = ?, message_id = ?, "
                "submitted_at = ?, amazon_sent_at = ?, updated_at = ?, lease_until = NULL, "
                "version = version + 1 WHERE key = ?",
                (FEED_TYPE, "ab" * 32, 1, sent, sent, _ts(datetime.now(UTC)), key),
            )
        with self.tx() as tx:  # mark_submitted
            row = tx.execute("SELECT state, feed_id FROM entries WHERE key = ?", (key,)).fetchone()
            if row is None or row[0] != "submitted" or row[1] not in {None, feed_id}:
                raise JournalError("not submitted")
            if any(k != key for (k,) in tx.execute("SELECT key FROM entries WHERE feed_id = ?", (feed_id,))):
                raise JournalError("feed taken")
            tx.execute(
                "UPDATE entries SET feed_id = ?, updated_at = ?, version = version + 1 WHERE key = ?",
                (feed_id, _ts(datetime.now(UTC)), key),
            )
        c.execute(
            f"SELECT {COLUMNS} FROM entries WHERE feed_id = ? ORDER BY message_id, rowid",  # noqa: S608 - constant
            (feed_id,),
        ).fetchall()
        done = json.dumps(outcome(order_id, key, feed_id), sort_keys=True, allow_nan=False, ensure_ascii=False)
        with self.tx() as tx:  # mark_done
            row = tx.execute("SELECT state FROM entries WHERE key = ?", (key,)).fetchone()
            if row is None or row[0] in {"done", "rejected", "failed"}:
                raise JournalError("ended")
            tx.execute(
                "UPDATE entries SET state = ?, outcome = ?, updated_at = ?, lease_until = NULL, version = version + 1 "
                "WHERE key = ?",
                ("done", done, _ts(datetime.now(UTC)), key),
            )


def _micros(value: datetime) -> int:
    return (value - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


class RawRedis:
    """The same transactions in plain redis-py (``RedisJournal``'s key layout)."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis  # noqa: PLC0415 - only for the Redis rows

        self.redis = redis.Redis.from_url(url)
        self.watch_error = redis.exceptions.WatchError
        self.prefix = prefix
        self.token = _token_prefix()

    def close(self) -> None:
        """Close the client."""
        self.redis.close()

    def atomic(self, watch: list[str], step: Callable[[Any], Callable[[Any], None] | None]) -> None:
        """``WATCH``, run ``step`` (reads, checks), queue its writes in ``MULTI``/``EXEC``; again on a conflict."""
        with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(*watch)
                    writes = step(pipe)
                    if writes is not None:
                        pipe.multi()
                        writes(pipe)
                        pipe.execute()
                except self.watch_error:
                    continue
                return

    def submit(self, run: str, n: int) -> None:  # noqa: C901, PLR0915 - one submission, step by step
        """One submission: the reads and the four ``WATCH``/``MULTI``/``EXEC`` transactions of ``submit_ours``."""
        key, order_id, feed_id = f"cancel-{run}-{n}", f"111-{n:07d}-0000001", f"5{n:010d}{run[:6]}"
        p, r = self.prefix, self.redis
        entry, find, unfinished = f"{p}entry:{key}", f"{p}find:6:cancel:{order_id}", f"{p}unfinished"
        feed, feed_type = f"{p}feed:{feed_id}", f"{p}feed_type:{FEED_TYPE}"
        r.hgetall(entry)
        members = r.zrevrange(find, 0, -1)
        if members:
            with r.pipeline(transaction=False) as pipe:
                for m in members:
                    pipe.hgetall(f"{p}entry:{m.decode().split(':', 1)[1]}")
                pipe.execute()
        data = json.dumps(payload(order_id), sort_keys=True, allow_nan=False, ensure_ascii=False)
        owner = self.token + uuid.uuid4().hex
        member: list[str] = []

        def plan(pipe: Any) -> Callable[[Any], None]:
            if pipe.hgetall(entry):
                raise JournalError("exists")
            now = datetime.now(UTC)
            seq = pipe.incr(f"{p}seq")
            raw = {
                "key": key,
                "kind": "cancel",
                "target": order_id,
                "state": "planned",
                "payload": data,
                "created_at": _ts(now),
                "updated_at": _ts(now),
                "owner": owner,
                "lease_until": _ts(now + LEASE),
                "version": "1",
                "seq": str(seq),
            }
            member.append(f"{seq:020d}:{key}")
            score = _micros(now)

            def writes(tx: Any) -> None:
                tx.hset(entry, mapping=raw)
                tx.zadd(find, {member[0]: score})
                tx.zadd(unfinished, {member[0]: score})

            return writes

        self.atomic([entry], plan)
        sent_at = datetime.now(UTC)
        sent = _ts(sent_at)

        def submitting(pipe: Any) -> Callable[[Any], None]:
            raw = pipe.hgetall(entry)
            if not raw or raw[b"state"] != b"planned" or raw.get(b"owner") != owner.encode():
                raise JournalError("lease lost")
            fields = {
                "state": "submitted",
                "feed_type": FEED_TYPE,
                "document_hash": "ab" * 32,
                "message_id": "1",
                "submitted_at": sent,
                "amazon_sent_at": sent,
                "updated_at": _ts(datetime.now(UTC)),
                "version": str(int(raw.get(b"version") or 0) + 1),
            }

            def writes(tx: Any) -> None:
                tx.hset(entry, mapping=fields)
                tx.hdel(entry, "lease_until")
                tx.zadd(feed_type, {key: _micros(sent_at)})

            return writes

        self.atomic([entry], submitting)

        def submitted(pipe: Any) -> Callable[[Any], None]:
            raw = pipe.hgetall(entry)
            if not raw or raw[b"state"] != b"submitted" or raw.get(b"feed_id") not in {None, feed_id.encode()}:
                raise JournalError("not submitted")
            holders = {m.decode() for m in pipe.smembers(feed)} - {key}
            if any(pipe.hget(f"{p}entry:{h}", "feed_id") == feed_id.encode() for h in holders):
                raise JournalError("feed taken")
            now = datetime.now(UTC)
            fields = {"feed_id": feed_id, "updated_at": _ts(now), "version": str(int(raw[b"version"]) + 1)}

            def writes(tx: Any) -> None:
                tx.hset(entry, mapping=fields)
                tx.zadd(feed_type, {key: _micros(now)})
                tx.sadd(feed, key)

            return writes

        self.atomic([entry, feed], submitted)
        keys = sorted(m.decode() for m in r.smembers(feed))
        with r.pipeline(transaction=False) as pipe:
            for k in keys:
                pipe.hgetall(f"{p}entry:{k}")
            pipe.execute()
        done = json.dumps(outcome(order_id, key, feed_id), sort_keys=True, allow_nan=False, ensure_ascii=False)

        def finish(pipe: Any) -> Callable[[Any], None]:
            raw = pipe.hgetall(entry)
            if not raw or raw[b"state"] in {b"done", b"rejected", b"failed"}:
                raise JournalError("ended")
            fields = {
                "state": "done",
                "outcome": done,
                "updated_at": _ts(datetime.now(UTC)),
                "version": str(int(raw[b"version"]) + 1),
            }

            def writes(tx: Any) -> None:
                tx.hset(entry, mapping=fields)
                tx.hdel(entry, "lease_until")
                tx.zrem(unfinished, member[0])

            return writes

        self.atomic([entry], finish)


# --- throughput ------------------------------------------------------------------------------------


def _timed(submit: Callable[[str, int], None], count: int) -> tuple[float, float]:
    """Submissions per second (wall) and this process's CPU microseconds per submission."""
    run = uuid.uuid4().hex
    cpu, start = time.process_time(), time.perf_counter()
    for n in range(count):
        submit(run, n)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return count / wall, cpu / count * 1e6


_Side = tuple[float, float]  # (submissions per second, CPU microseconds per submission)


def _sqlite_round(directory: Path, count: int, round_no: int) -> tuple[_Side, _Side]:
    ours = Journal(directory / f"ours-{round_no}.sqlite3")
    raw = RawSqlite(directory / f"raw-{round_no}.sqlite3")
    try:
        return _timed(lambda run, n: submit_ours(ours, run, n), count), _timed(raw.submit, count)
    finally:
        ours.close()
        raw.close()


def _drop(url: str, prefix: str) -> None:
    import redis  # noqa: PLC0415 - only for the Redis rows

    with redis.Redis.from_url(url) as client:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])


def _redis_round(url: str, count: int, _round_no: int) -> tuple[_Side, _Side]:
    ours_prefix, raw_prefix = f"bench_journal:{uuid.uuid4().hex}:", f"bench_journal:{uuid.uuid4().hex}:"
    ours = RedisJournal(url, prefix=ours_prefix)
    raw = RawRedis(url, raw_prefix)
    try:
        return _timed(lambda run, n: submit_ours(ours, run, n), count), _timed(raw.submit, count)
    finally:
        ours.close()
        raw.close()
        _drop(url, ours_prefix)
        _drop(url, raw_prefix)


def throughput(name: str, one_round: Callable[[int, int], tuple[_Side, _Side]], count: int, rounds: int) -> str:
    ours: list[_Side] = []
    raw: list[_Side] = []
    for round_no in range(rounds):
        a, b = one_round(count, round_no)
        ours.append(a)
        raw.append(b)
    ratios = [a[0] / b[0] for a, b in zip(ours, raw, strict=True)]
    cpu = [b[1] / a[1] for a, b in zip(ours, raw, strict=True)]  # as the rate ratio: raw cost / our cost

    def spread(values: list[float], form: str) -> str:
        return f"{statistics.median(values):{form}} ({min(values):{form}}-{max(values):{form}})"

    return (
        f"| {name} | {count:,} x {rounds} | {spread([a[0] for a in ours], ',.0f')} "
        f"| {spread([b[0] for b in raw], ',.0f')} | {spread(ratios, '.2f')} "
        f"| {statistics.median(a[1] for a in ours):,.0f} | {statistics.median(b[1] for b in raw):,.0f} "
        f"| {spread(cpu, '.2f')} |"
    )


def profile(backend: str, count: int, url: str | None) -> None:
    with tempfile.TemporaryDirectory() as directory:
        prefix = f"bench_journal:{uuid.uuid4().hex}:"
        journal: Journal | RedisJournal
        journal = Journal(Path(directory) / "p.sqlite3") if backend == "sqlite" else RedisJournal(url, prefix=prefix)
        profiler = cProfile.Profile()
        profiler.enable()
        rate, _ = _timed(lambda run, n: submit_ours(journal, run, n), count)
        profiler.disable()
        journal.close()
        if backend == "redis" and url:
            _drop(url, prefix)
    print(f"{backend}: {rate:,.0f} submissions/s under the profiler")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


# --- the batch -------------------------------------------------------------------------------------


def batch(count: int, journal: str) -> str:
    from datetime import timedelta as delta  # noqa: PLC0415 - the simulator only for this row

    from sp_cancel.testing import Simulator  # noqa: PLC0415
    from sp_cancel.testing._sim import app  # noqa: PLC0415 - the request handler, to time the simulator apart

    importlib.import_module("sp_cancel._cancellation")  # a workflow loads at its first call: not in the timing

    sim = Simulator(seed=7, scale=1.0, orders=0)
    start = sim.now()
    ids = [
        sim.add_order(items=[{"quantity": 1}], purchase_date=start - delta(minutes=120 - n * 0.01)).order_id
        for n in range(count)
    ]
    built = [0]
    init = Entry.__init__

    def counted(self: Entry, *args: Any, **kwargs: Any) -> None:
        built[0] += 1
        init(self, *args, **kwargs)

    inside = [0.0]
    dispatch = app.dispatch

    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.process_time()
        try:
            return dispatch(*args, **kwargs)
        finally:
            inside[0] += time.process_time() - began

    client = sim.client(journal=journal)
    requests = [CancelRequest(order_id=o, reason=CancelReason.NO_INVENTORY) for o in ids]
    Entry.__init__ = counted  # type: ignore[method-assign]
    app.dispatch = timed
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        result = client.cancel_orders(requests)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        Entry.__init__ = init  # type: ignore[method-assign]
        app.dispatch = dispatch
        client.close()
    where = "in memory" if journal == ":memory:" else "file (WAL)"
    return (
        f"| {count:,} orders, journal {where} | {len(result.succeeded):,} | {built[0]:,} "
        f"({built[0] / count:.1f} per order) | {cpu - inside[0]:.2f} | {inside[0]:.2f} | {wall:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=2000, help="submissions per round and side")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (ours and raw each run once per round)")
    parser.add_argument("--redis-url", help="a Redis database for the Redis rows (omitted: skipped)")
    parser.add_argument("--batch", type=int, default=0, help="also cancel this many orders in one batch")
    parser.add_argument("--profile", choices=["sqlite", "redis"], help="profile our side instead")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    if args.profile:
        profile(args.profile, args.submissions, args.redis_url)
        return
    print(
        "| journal | submissions | ours (submissions/s) | raw (submissions/s) | ours / raw "
        "| ours CPU (µs/submission) | raw CPU (µs/submission) | raw CPU / ours CPU |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as directory:
        row = throughput(
            "SQLite file (WAL, synchronous=FULL)",
            lambda count, n: _sqlite_round(Path(directory), count, n),
            args.submissions,
            args.rounds,
        )
        print(row, flush=True)
    if args.redis_url:
        url = args.redis_url
        print(
            throughput(
                f"Redis ({url.rsplit('@', 1)[-1]})",
                lambda count, n: _redis_round(url, count, n),
                args.submissions,
                args.rounds,
            ),
            flush=True,
        )
    if args.batch:
        print("\n| batch | cancelled | `Entry` built | client CPU (s) | simulator CPU (s) | wall (s) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        with tempfile.TemporaryDirectory() as directory:
            for journal in (":memory:", str(Path(directory) / "batch.sqlite3")):
                print(batch(args.batch, journal), flush=True)


if __name__ == "__main__":
    main()
