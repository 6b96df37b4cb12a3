"""``python -m personalbudget``: the command-line tool (opens the app with no command)."""

import sys

from personalbudget.cli import main

sys.exit(main())
