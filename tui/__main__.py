"""`python -m tui`: the same as the `tokendeck` command."""

import sys

from tui.cli import main

sys.exit(main())
