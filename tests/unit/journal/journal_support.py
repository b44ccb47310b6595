"""Helpers of the journal tests: planning an entry, racing threads, and processes that are gone or still running.

Used by ``conftest.py``, ``test_contract.py``, ``test_sqlite.py``, ``test_redis.py`` and ``test_owner.py``.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sp_cancel.clock import FakeClock
from sp_cancel.journal import Entry, Journal, RedisJournal

FEED = "POST_PAYMENT_ADJUSTMENT_DATA"
PAYLOAD = {"order_id": "112-1234567-1234567", "items": [{"order_item_id": "12345678901234", "principal": "5.00"}]}

AnyJournal = Journal | RedisJournal
JournalFactory = Callable[..., AnyJournal]
Poke = Callable[[str, str, "str | int | None"], None]


def plan(journal: AnyJournal, key: str = "k1", **kwargs: Any) -> Entry:
    """Plan ``key`` as a refund and return the created entry."""
    entry, created = journal.plan(key, kind="refund", target="112-1234567-1234567", payload=PAYLOAD, **kwargs)
    assert created
    return entry


def uncertain(journal: AnyJournal, clock: FakeClock, key: str = "k1", **kwargs: Any) -> Entry:
    """Plan ``key`` and mark it submitting: sent or not, nobody knows (``send_uncertain``)."""
    entry = plan(journal, key)
    (sent,) = journal.mark_submitting(
        [key], feed_type=FEED, document_hash="ab" * 32, sent_at=clock.now(), owner=entry.owner, **kwargs
    )
    assert sent.send_uncertain
    return sent


def race(count: int, worker: Callable[[int], Any]) -> list[Any]:
    """Run ``worker(n)`` in ``count`` threads released together; return their results (any error fails)."""
    barrier = threading.Barrier(count)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        barrier.wait()
        try:
            result = worker(n)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
            return
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(results) == count
    return results


def _start_id(pid: int) -> str:
    """A process's start time as Linux reports it (``/proc/<pid>/stat`` field 22), or ``"-"`` elsewhere."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return "-"
    return text.rpartition(")")[2].split()[19]


def token(pid: int, *, host: str | None = None, start: str | None = None) -> str:
    """A lease token as the process ``pid`` of ``host`` (default this host) would have written it."""
    return f"{host or socket.gethostname()}:{pid}:{start or _start_id(pid)}:{uuid.uuid4().hex}"


@contextmanager
def running_process() -> Iterator[subprocess.Popen[bytes]]:
    """A real child process that runs until the block ends (it waits for its stdin to close)."""
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        yield child
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=60)


def dead_token() -> str:
    """The lease token of a process of this host that has exited: started, its token taken, then ended and reaped."""
    with running_process() as child:
        return token(child.pid)
