"""``python -m sp_cancel.cli``: the same as the ``sp-cancel`` command."""

import sys

from sp_cancel.cli import main

sys.exit(main())
