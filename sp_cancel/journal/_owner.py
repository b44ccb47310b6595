"""Lease owner tokens: who holds a planned entry, and whether that worker can still be alive.

A token reads ``"<host>:<pid>:<process start id>:<uuid4 hex>"``. The start id tells a reused pid
from the process that wrote the token: on Linux it is the process start time (``/proc/<pid>/stat``,
field 22, clock ticks since boot); where it cannot be read it is ``"-"``. Tokens written before
this format (a bare uuid4 hex) are still accepted: their holder is ``unknown``.

The host and pid are read when asked; this process's own start id is read once per process (it
cannot change while the process runs, and a forked child forgets its parent's).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import uuid
from pathlib import Path
from typing import Final, Literal

import attrs

__all__ = ["Holder", "HolderState", "drop_owner", "holder", "in_use", "new_owner"]

HolderState = Literal["this_process", "alive", "dead", "unknown"]

NO_START_ID: Final = "-"
_PROC: Final = Path("/proc")
# Fields of /proc/<pid>/stat after the ")" that closes the command name: field 3 (state) is the first.
_STATE_FIELD: Final = 3
_START_FIELD: Final = 22
_GONE_STATES: Final = frozenset({"Z", "X", "x"})  # zombie, dead: the process has exited
_UUID_HEX_LENGTH: Final = 32


@attrs.frozen(kw_only=True)
class Holder:
    """Who holds a lease, as far as this process can tell (``sp_cancel.journal.holder``).

    Attributes:
        host: the host name in the token; ``None`` for a token of the old format.
        pid: the holder's process id; ``None`` for a token of the old format.
        state: ``"this_process"`` (the caller's own process), ``"alive"`` (same host, that process is
            running), ``"dead"`` (same host, that process is gone, or its pid now belongs to another
            process), or ``"unknown"`` (another host, or a token that names no process).
    """

    host: str | None
    pid: int | None
    state: HolderState

    def __str__(self) -> str:
        if self.pid is None:
            return "an unknown holder (a lease token that names no process)"
        text = {"this_process": "this process", "alive": "alive", "dead": "dead", "unknown": "unknown"}[self.state]
        return f"pid {self.pid} on host {self.host} ({text})"


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` from field 3 on, or ``None`` when it cannot be read."""
    try:
        text = (_PROC / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # Field 2 is the command name in parentheses; it may itself hold spaces and parentheses.
    _, _, rest = text.rpartition(")")
    fields = rest.split()
    return fields if len(fields) > _START_FIELD - _STATE_FIELD else None


def start_id(pid: int) -> str:
    """The start id of process ``pid``: its start time on Linux, ``"-"`` where it cannot be read."""
    fields = _stat_fields(pid)
    return NO_START_ID if fields is None else fields[_START_FIELD - _STATE_FIELD]


# Tokens this process issued whose plan is still held by a call of this process (planned, not yet sent,
# released or ended). A token of this process that is not here was left by a call that failed.
_HELD: set[str] = set()
_HELD_LOCK = threading.Lock()


# This process's own start id, by pid: read from /proc once instead of at every plan (issue 20).
_OWN_START: dict[int, str] = {}
if hasattr(os, "register_at_fork"):  # POSIX: a child has its own pid and start time
    os.register_at_fork(after_in_child=_OWN_START.clear)


def own_start_id(pid: int) -> str:
    """``start_id(pid)`` for this process's own ``pid`` (``os.getpid()``), read once per process."""
    found = _OWN_START.get(pid)
    if found is None:
        found = _OWN_START[pid] = start_id(pid)
    return found


def new_owner() -> str:
    """A fresh lease token naming this host, this process and its start id (held until ``drop_owner``)."""
    pid = os.getpid()
    token = f"{socket.gethostname()}:{pid}:{own_start_id(pid)}:{uuid.uuid4().hex}"
    with _HELD_LOCK:
        _HELD.add(token)
    return token


def drop_owner(token: str | None) -> None:
    """Forget a token of this process: its plan left ``planned``, or the call holding it gave up.

    The journal calls it when a plan is sent, released, ended or taken over; a workflow calls it when it
    cannot release a plan (the journal failing), so that its next call takes the plan over at once.
    """
    if token is not None:
        with _HELD_LOCK:
            _HELD.discard(token)


def in_use(token: str | None) -> bool:
    """Whether a call of this process still holds ``token`` (a ``this_process`` token that is not is stale)."""
    with _HELD_LOCK:
        return token in _HELD


def _parse(owner: str) -> tuple[str, int, str] | None:
    """``(host, pid, start id)`` of a token of the current format, or ``None``."""
    parts = owner.rsplit(":", 3)  # the host name comes first, so it is the part that may hold a colon
    if len(parts) != 4:  # the four parts of the format
        return None
    host, pid_text, start, nonce = parts
    if not host or not pid_text.isdigit() or not start or len(nonce) != _UUID_HEX_LENGTH:
        return None
    pid = int(pid_text)
    return (host, pid, start) if pid > 0 else None


def _running(pid: int, start: str) -> bool:
    """Whether process ``pid`` of this host exists and is the one that started at ``start``."""
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    fields = _stat_fields(pid)
    if fields is None:
        return True  # exists, and nothing more can be read (no /proc, or /proc hides it)
    if fields[0] in _GONE_STATES:
        return False  # exited, not yet reaped by its parent
    return start in (NO_START_ID, fields[_START_FIELD - _STATE_FIELD])


def holder(owner: str | None) -> Holder:
    """Who holds a lease token (``Entry.owner``), and whether that worker can still be alive.

    ``this_process``: the token names this host, this pid and this process's start id (the caller's own
    lease, e.g. one left by an earlier attempt of the same process). ``alive`` / ``dead``: this host,
    another process that is running, or that is gone (its pid free, a zombie, or reused by a process
    that started later). ``unknown``: another host (nothing on this host can tell), a token of the old
    format, no token at all, or a platform where another process cannot be looked up (Windows).

    Host names are compared as ``socket.gethostname()`` reports them: every host (or container) sharing
    one journal must have its own host name.

    Args:
        owner: the token (``Entry.owner``), or ``None``.
    """
    parsed = None if owner is None else _parse(owner)
    if parsed is None:
        return Holder(host=None, pid=None, state="unknown")
    host, pid, start = parsed
    if host != socket.gethostname():
        return Holder(host=host, pid=pid, state="unknown")
    if pid == os.getpid():
        mine = own_start_id(pid)
        same = NO_START_ID in (start, mine) or start == mine
        return Holder(host=host, pid=pid, state="this_process" if same else "dead")
    if sys.platform == "win32":  # os.kill(pid, 0) would end the process there, and there is no /proc
        return Holder(host=host, pid=pid, state="unknown")
    return Holder(host=host, pid=pid, state="alive" if _running(pid, start) else "dead")
