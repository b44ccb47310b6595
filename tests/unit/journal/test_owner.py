"""Lease owner tokens and ``holder``: who holds a lease, and whether that process can still be working."""

from __future__ import annotations

import os
import socket
import sys
import uuid

import pytest
from journal_support import dead_token, running_process, token

from sp_cancel.journal import Holder, Journal, holder

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="start ids come from /proc (Linux)")


def test_a_plan_token_names_this_host_and_process() -> None:
    """A lease written by this process reads back as this process, on this host, with its pid."""
    with Journal(":memory:") as journal:
        entry, _ = journal.plan("k", kind="refund", target="t", payload={})
    assert entry.owner is not None
    host, pid, start, nonce = entry.owner.rsplit(":", 3)
    assert (host, int(pid)) == (socket.gethostname(), os.getpid())
    assert start
    assert len(nonce) == 32
    assert holder(entry.owner) == Holder(host=socket.gethostname(), pid=os.getpid(), state="this_process")


def test_two_tokens_of_one_process_differ() -> None:
    """Each lease gets its own token, so a process's two leases are never confused."""
    with Journal(":memory:") as journal:
        one, _ = journal.plan("a", kind="refund", target="t", payload={})
        two, _ = journal.plan("b", kind="refund", target="t", payload={})
    assert one.owner != two.owner


def test_a_dead_process() -> None:
    """A token of a process of this host that has exited is dead."""
    written = dead_token()
    found = holder(written)
    assert found.state == "dead"
    assert found.pid == int(written.split(":")[1])
    assert found.host == socket.gethostname()


def test_a_live_process_of_this_host() -> None:
    """A token of another running process of this host is alive."""
    with running_process() as child:
        assert holder(token(child.pid)).state == "alive"
        assert holder(token(child.pid, start="-")).state == "alive"  # no start id recorded: existence decides


@linux_only
def test_a_reused_pid_is_dead() -> None:
    """A running pid whose start id is not the token's belongs to a later process: the holder is dead."""
    with running_process() as child:
        assert holder(token(child.pid, start="1")).state == "dead"
    assert holder(token(os.getpid(), start="1")).state == "dead"  # our pid, another (earlier) process


def test_another_host_is_unknown() -> None:
    """Nothing on this host can tell whether a process of another host runs."""
    found = holder(token(os.getpid(), host="web-2.example"))
    assert found == Holder(host="web-2.example", pid=os.getpid(), state="unknown")


@pytest.mark.parametrize(
    "owner",
    [
        uuid.uuid4().hex,  # the token format before issue 17
        None,
        "",
        "host:notapid:1:" + "a" * 32,
        "host:0:1:" + "a" * 32,
        "host:12:1:short",
        ":12:1:" + "a" * 32,
    ],
)
def test_old_or_malformed_tokens_are_unknown(owner: str | None) -> None:
    """A bare uuid (old format), no token, or a malformed one names no process: unknown."""
    assert holder(owner) == Holder(host=None, pid=None, state="unknown")


def test_a_host_name_with_a_colon_is_kept() -> None:
    """The host comes first and may hold a colon: the pid, start id and nonce are read from the right."""
    found = holder("fe80::1:4242:77:" + "a" * 32)
    assert (found.host, found.pid, found.state) == ("fe80::1", 4242, "unknown")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Holder(host="web-1", pid=4242, state="dead"), "pid 4242 on host web-1 (dead)"),
        (Holder(host="web-1", pid=7, state="this_process"), "pid 7 on host web-1 (this process)"),
        (Holder(host="web-2", pid=9, state="unknown"), "pid 9 on host web-2 (unknown)"),
        (Holder(host=None, pid=None, state="unknown"), "an unknown holder (a lease token that names no process)"),
    ],
)
def test_holder_reads_well(value: Holder, text: str) -> None:
    """str(holder) says who and what state, for logs and for resume()'s report."""
    assert str(value) == text
