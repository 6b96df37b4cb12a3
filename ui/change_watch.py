"""Keeping the caseload list and My work up to date when other people change the caseload (issue 21).

A ``ChangeWatcher`` polls the caseload's change counter (``services.changes.poll``: one indexed
read of the audit trail's newest event) on a QTimer, always off the UI thread (a ``BackgroundTask``).
When others have changed something, it reads the caseload list and My work again, still off the UI
thread, and hands them to the window, which shows them without losing the selection or anything
typed, with the cue "Updated just now — N changes by others" (``signals.others_changed``).

When the poll fails (the database or the server cannot be reached) it says so once
(``signals.caseload_unreachable``: the banner "Can't reach the caseload — retrying") and tries
again with a growing wait (2 s, 4 s, ... at most a minute); the first poll that works clears the
banner (``signals.caseload_reachable``). Nothing on screen is touched meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer

from personalbudget.services import Services
from personalbudget.services.changes_service import ChangeMark
from personalbudget.services.dto import CaseloadRow
from ui.app_signals import AppSignals
from ui.workers import BackgroundTask

POLL_MS = 5_000  # how often the counter is read while all is well
RETRY_FIRST_MS = 2_000  # the first wait after a failed poll; doubled each time
RETRY_MOST_MS = 60_000


@dataclass(frozen=True)
class Refreshed:
    """What others' changes made the window read again (off the UI thread)."""

    mark: ChangeMark
    rows: list[CaseloadRow] | None  # None: the list was not read (nothing by others)
    work: Any = None  # the WorkQueue, when this account has one


class ChangeWatcher(QObject):
    """Polls for others' changes; ``poll`` (services.changes.poll by default) may be swapped for one
    that fails, to see what a dropped connection does."""

    def __init__(
        self,
        services: Services,
        signals: AppSignals,
        *,
        read_work: bool = False,
        apply: Callable[[Refreshed], None] | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._services = services
        self._signals = signals
        self._read_work = read_work
        self._apply = apply
        self.poll: Callable[[ChangeMark], ChangeMark] = services.changes.poll
        self.mark = ChangeMark(0)
        self.unreachable = False
        self.retry_ms = RETRY_FIRST_MS
        self._task: BackgroundTask | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.poll_now)

    def start(self, interval_ms: int = POLL_MS) -> None:
        """From the counter as it is now (what the window has just loaded), then every ``interval_ms``."""
        self._interval = interval_ms
        self.mark = self._services.changes.mark()
        self._timer.start(interval_ms)

    def stop(self) -> None:
        self._timer.stop()
        if self._task is not None and self._task.is_running():
            self._task.wait()

    def busy(self) -> bool:
        return self._task is not None and self._task.is_running()

    def poll_now(self) -> bool:
        """Read the counter now (in the background); False if a poll is still running."""
        if self.busy():
            return False
        seen = self.mark
        poll = self.poll
        services, read_work = self._services, self._read_work

        def job(_progress: Callable[[int, int], bool]) -> Refreshed:
            mark = poll(seen)
            if mark.by_others == 0:
                return Refreshed(mark, None)
            rows = services.people.list_caseload()
            work = services.work.my_work() if read_work else None
            return Refreshed(mark, rows, work)

        task = BackgroundTask(job, self)
        task.succeeded.connect(self._on_polled)
        task.failed.connect(self._on_failed)
        self._task = task
        task.start()
        return True

    def _on_polled(self, result: object) -> None:
        assert isinstance(result, Refreshed)
        if self.unreachable:
            self.unreachable = False
            self.retry_ms = RETRY_FIRST_MS
            self._signals.caseload_reachable.emit()
        self.mark = ChangeMark(result.mark.head)
        if result.rows is not None:
            if self._apply is not None:
                self._apply(result)
            self._signals.others_changed.emit(result.mark.by_others)
        self._timer.start(getattr(self, "_interval", POLL_MS))

    def _on_failed(self, problem: object) -> None:
        wait = self.retry_ms
        if not self.unreachable:
            self.unreachable = True
            self._signals.caseload_unreachable.emit(str(problem))
        self.retry_ms = min(self.retry_ms * 2, RETRY_MOST_MS)
        self._timer.start(wait)
