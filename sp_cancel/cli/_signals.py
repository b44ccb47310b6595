"""Ctrl-C (SIGINT) on the command line: never a traceback, and a word about what may be in flight.

While a command does its work, the first Ctrl-C raises ``KeyboardInterrupt`` where the work is, so
``main`` can say what may be in flight (a feed may already be at Amazon) and how to settle it. At any
other moment (parsing the arguments, setting up logging, printing the answer, cleaning up after a first
Ctrl-C) Ctrl-C stops the process at once, quietly, with exit code 130 and one line saying so.

The console script's launcher (``_sp_cancel_cli``, outside the package) covers the moments before this
module is even imported. Signal handlers only exist in the main thread: called from another thread (a test,
a notebook), ``Interrupts`` changes nothing.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import IO, TYPE_CHECKING, Any, NoReturn, Self

from sp_cancel.cli._hints import interrupted
from sp_cancel.cli._output import ErrorReport

if TYPE_CHECKING:
    import argparse

    from sp_cancel.cli._output import Output

__all__ = ["Interrupts", "settle_output"]


class Interrupts:
    """SIGINT while ``main`` runs (a context manager; ``work()`` marks the command's own work).

    Args:
        out: where the one line (or JSON document) goes when Ctrl-C stops the process at once.
        exit_now: how to stop at once (``os._exit``: no cleanup can raise again).
    """

    def __init__(self, out: Output, *, exit_now: Callable[[int], NoReturn] = os._exit) -> None:
        self._out = out
        self._exit_now = exit_now
        self.args: argparse.Namespace | None = None
        self._working = False
        self._raised = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> Self:
        in_main = threading.current_thread() is threading.main_thread()
        if in_main and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # a background job keeps ignoring it
            self._previous = signal.signal(signal.SIGINT, self.handle)
            self._installed = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    @contextmanager
    def work(self) -> Iterator[None]:
        """The command's work: the first Ctrl-C in it raises ``KeyboardInterrupt`` there."""
        self._working = True
        try:
            yield
        finally:
            self._working = False

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """The SIGINT handler: ``KeyboardInterrupt`` once inside ``work()``, else stop at once."""
        del signum, frame
        if self._working and not self._raised:
            self._raised = True
            raise KeyboardInterrupt
        self.stop_now()

    def stop_now(self) -> NoReturn:
        """Say "interrupted" (and, for a command that sends, how to settle it), then end the process: 130."""
        report = interrupted(self.args)
        if self._raised:
            report = ErrorReport(
                type=report.type,
                message=f"{report.message} (stopped at once on the second Ctrl-C)",
                hint=report.hint,
                exit_code=report.exit_code,
            )
        if self._out.as_json:
            _write(self._out.stream, json.dumps(report.as_json(), sort_keys=True) + "\n")
        else:
            _write(
                self._out.err, f"sp-cancel: {report.message}\n" + (f"  hint: {report.hint}\n" if report.hint else "")
            )
        self._exit_now(report.exit_code)


def _write(stream: IO[str], text: str) -> None:
    """Write from a signal handler: straight to the file descriptor (the stream may be mid-write), never raising."""
    try:
        os.write(stream.fileno(), text.encode())
    except (OSError, ValueError, AttributeError):
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError, RuntimeError):
            pass


def settle_output(stream: IO[str]) -> None:
    """Flush ``stream``; when its reader is gone (``| head``), point it at /dev/null so exiting stays quiet.

    Python flushes stdout once more at exit; on a closed pipe that prints "Exception ignored ...
    BrokenPipeError". After this, what is left in the buffer goes nowhere instead.
    """
    try:
        stream.flush()
    except BrokenPipeError:
        detach(stream)
    except (OSError, ValueError):
        pass


def detach(stream: IO[str]) -> None:
    """Point ``stream``'s file descriptor at /dev/null (nothing reads it any more)."""
    try:
        descriptor = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError, AttributeError):
        return
    try:
        os.dup2(devnull, descriptor)
    finally:
        os.close(devnull)
