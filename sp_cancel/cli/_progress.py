"""Progress on stderr while ``sp-cancel`` waits for Amazon: a rich bar, or plain lines, only on a terminal."""

from __future__ import annotations

import importlib
import time
from types import ModuleType
from typing import IO, TYPE_CHECKING, Any, Final

from sp_cancel.clock import human_duration

if TYPE_CHECKING:
    from sp_cancel.cli._output import Output

__all__ = ["DEFAULT_FEED_SECONDS", "EXPECTED_FEED_SECONDS", "Bar", "is_terminal", "rich_module"]


def rich_module() -> ModuleType | None:
    """The ``rich`` package when it is installed (the ``cli`` extra), else ``None``."""
    try:
        return importlib.import_module("rich")
    except ImportError:
        return None


def is_terminal(stream: IO[str]) -> bool:
    """Whether ``stream`` is a terminal (a closed or odd stream is not)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# How long Amazon usually takes to process a feed, to show "expected" beside the elapsed time.
# Feeds are queued behind other sellers' (Amazon's feeds best practices: "processing can't be prioritized").
EXPECTED_FEED_SECONDS: Final = {
    "POST_ORDER_ACKNOWLEDGEMENT_DATA": 180.0,
    "POST_PAYMENT_ADJUSTMENT_DATA": 180.0,
    "JSON_LISTINGS_FEED": 300.0,
}


DEFAULT_FEED_SECONDS: Final = 300.0


class Bar:
    """One progress line on stderr: rich's Progress when available, a rewritten plain line otherwise."""

    def __init__(self, out: Output, *, key: str, total: float | None, ticking: bool = False) -> None:
        self.key = key
        self._out = out
        self._total = total
        self._started = time.monotonic()
        self._plain_text = ""
        self._progress: Any = None
        self._task: Any = None
        rich_progress = importlib.import_module("rich.progress") if out.rich is not None else None
        if rich_progress is None:
            if ticking:
                self._plain(key, 0.0)
            return
        console = importlib.import_module("rich.console").Console(file=out.err, stderr=True)
        expected = f"expected ~{human_duration(total)}" if total else ""
        self._progress = rich_progress.Progress(
            rich_progress.SpinnerColumn(),
            rich_progress.TextColumn("{task.description}"),
            rich_progress.BarColumn(),
            rich_progress.TextColumn("elapsed"),
            rich_progress.TimeElapsedColumn(),
            rich_progress.TextColumn(expected),
            console=console,
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(key, total=total)

    def update(self, label: str, waited: float, *, done: bool) -> None:
        if self._progress is None:
            self._plain(label, waited)
            return
        completed = self._total if done else min(waited, (self._total or waited) * 0.95)
        self._progress.update(self._task, description=label, completed=completed)

    def _plain(self, label: str, waited: float) -> None:
        expected = f" (expected ~{human_duration(self._total)})" if self._total else ""
        text = f"{label}: {human_duration(waited)} elapsed{expected}"
        if text != self._plain_text:
            self._plain_text = text
            print(f"\r{text}", end="", file=self._out.err, flush=True)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
        elif self._plain_text:
            print(file=self._out.err, flush=True)
