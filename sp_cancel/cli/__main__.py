"""``python -m sp_cancel.cli``: the same as the ``sp-cancel`` command."""

import sys

from sp_cancel.cli import main, settle_output

try:
    code = main()
finally:
    settle_output(sys.stdout)
sys.exit(code)
