"""Where the tests find Amazon's contracts: ``$SP_CANCEL_CONTRACTS_DIR``, else the copies in ``tests/contract/amazon``.

The copies ship with the repository (see ``tests/contract/amazon/README.md``), so the contract tests run on a
fresh clone; the variable points them at another copy laid out the same way (``models/``, ``schemas/``,
``xsd/``). A variable naming a folder without those files is an error, not a reason to skip.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "SP_CANCEL_CONTRACTS_DIR"
BUNDLED = Path(__file__).resolve().parent / "contract" / "amazon"
_MARKER = Path("xsd") / "order-feeds-envelope.xsd"


def contracts_dir() -> Path:
    """The contracts folder the tests use.

    Raises:
        FileNotFoundError: ``SP_CANCEL_CONTRACTS_DIR`` is set to a folder that holds no contracts.
    """
    configured = os.environ.get(ENV_VAR, "").strip()
    folder = Path(configured) if configured else BUNDLED
    if not (folder / _MARKER).is_file():
        where = f"{ENV_VAR}={configured}" if configured else f"the bundled copy {BUNDLED}"
        raise FileNotFoundError(f"Amazon's contracts not found in {where}: no {_MARKER} there")
    return folder
