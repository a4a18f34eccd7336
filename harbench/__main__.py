"""``python -m harbench``: the ``harbench`` command, for a copy of the code that is not installed."""

import sys

from harbench.cli import main

sys.exit(main())
