"""PyInstaller runtime hook: runs in the frozen app before main.py.

Alembic loads the migrations (env.py, versions/*.py) from the install folder by path. Were
Python to write __pycache__ folders beside them, it would fail in Program Files for a normal
user, and inside a signed macOS .app any new file breaks the signature. PyInstaller 6.22's
bootloader already starts Python with bytecode writing off (the smoke test's bundle shows no
__pycache__ with or without this hook); this hook makes that a guarantee of ours rather than a
default of theirs.
"""

import sys

sys.dont_write_bytecode = True
