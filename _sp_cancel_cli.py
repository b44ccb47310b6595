"""The ``sp-cancel`` console script: Ctrl-C is quiet from the command's first instant.

This module sits outside the ``sp_cancel`` package on purpose. Importing anything inside the package
runs ``sp_cancel/__init__.py``, which loads the whole library (httpx, structlog, python-amazon-sp-api...)
for about a quarter of a second; a Ctrl-C in that time would end in a ``KeyboardInterrupt`` traceback
from deep inside some import. The console script imports this module first, and it takes SIGINT before
anything else is loaded: until ``sp_cancel.cli.main`` takes over, Ctrl-C says "interrupted" (nothing can
have been sent yet) and exits 130.
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import suppress
from types import FrameType

__all__ = ["main"]

EXIT_INTERRUPTED = 130
_MESSAGE = "interrupted while starting; nothing was sent"


def _interrupted_while_starting(signum: int, frame: FrameType | None) -> None:
    """Stop at once: one line on stderr (with ``--json``, the error document on stdout), exit 130."""
    del signum, frame
    if "--json" in sys.argv[1:]:
        text, descriptor = (
            '{"error": {"hint": null, "message": "' + _MESSAGE + '", "request_id": null, "type": "Interrupted"}}\n',
            1,
        )
    else:
        text, descriptor = f"sp-cancel: {_MESSAGE}\n", 2
    with suppress(OSError):  # nobody reads it any more
        os.write(descriptor, text.encode())
    os._exit(EXIT_INTERRUPTED)


def main() -> int:
    """Run ``sp-cancel`` (``sp_cancel.cli.main``) with Ctrl-C quiet while the library loads."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when started with SIGINT ignored
        signal.signal(signal.SIGINT, _interrupted_while_starting)
    from sp_cancel import cli  # noqa: PLC0415 - after the handler, on purpose

    try:
        return cli.main()
    finally:
        cli.settle_output(sys.stdout)
