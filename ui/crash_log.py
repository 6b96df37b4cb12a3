"""A crash log for the times Python cannot report a problem itself (a crash inside Qt or a library).

While the app runs, ``faulthandler`` writes to ``crash.log`` in the data folder. A clean exit leaves
that file empty and removes it; a crash leaves where each thread was (file, line and function names
of the program: no names, numbers or any other data of the people in the caseload). At the next
start the log is kept under a dated name and the person is told where it is, so it can be sent to
IT support.
"""

from __future__ import annotations

import faulthandler
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from personalbudget.i18n import _

CRASH_LOG = "crash.log"
KEEP = 5  # dated crash logs kept in the data folder (the oldest are removed)


class CrashLog:
    """Start with :meth:`start` when the app opens and :meth:`stop` when it closes cleanly."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.previous: Path | None = None  # the log of the last run, if it ended in a crash
        self._file: TextIO | None = None

    @property
    def path(self) -> Path:
        return self.folder / CRASH_LOG

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.previous = self._keep_previous()
        self._file = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - open for the whole run
        faulthandler.enable(file=self._file, all_threads=True)

    def stop(self) -> None:
        """A clean exit: stop logging and remove the (empty) log."""
        if self._file is None:
            return
        faulthandler.disable()
        self._file.close()
        self._file = None
        if self.path.exists() and self.path.stat().st_size == 0:
            self.path.unlink()

    def message(self) -> str | None:
        """What to tell the person at start-up when the last run crashed, or None."""
        if self.previous is None:
            return None
        return _(
            "PersonalBudget stopped unexpectedly last time. A crash log was saved at {file}. It holds only "
            "where in the program it stopped, nothing about anyone in the caseload: please send it to your "
            "IT support."
        ).format(file=self.previous)

    def _keep_previous(self) -> Path | None:
        if not self.path.exists():
            return None
        if self.path.stat().st_size == 0:  # a run that ended without a crash and without stop()
            self.path.unlink()
            return None
        stamp = datetime.fromtimestamp(self.path.stat().st_mtime, UTC).strftime("%Y%m%d-%H%M%S")
        kept = self.folder / f"crash-{stamp}.log"
        os.replace(self.path, kept)
        for old in sorted(self.folder.glob("crash-*.log"))[:-KEEP]:
            old.unlink(missing_ok=True)
        return kept
