"""Running slow work off the main thread, with progress and a way to cancel.

The pattern (one QObject worker moved to its own QThread) is the same for every
slow job: import, export, PDF, backup, the demo caseload. The job is a plain
function that takes a progress callback ``(done, total) -> carry_on``; Qt
delivers progress and the result to the main thread through queued signals,
so slots connected to a ``BackgroundTask`` may touch widgets.

    task = BackgroundTask(lambda progress: build(..., progress=progress))
    task.succeeded.connect(self._on_built)
    task.start()
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from personalbudget.i18n import _

ProgressCallback = Callable[[int, int], bool]  # (done, total) -> carry on?
Job = Callable[[ProgressCallback], Any]


class _Worker(QObject):
    """Lives on the worker thread and runs the job there."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    done = Signal()

    def __init__(self, job: Job, cancel_event: threading.Event):
        super().__init__()
        self._job = job
        self._cancel = cancel_event

    def _report(self, done: int, total: int) -> bool:
        self.progressed.emit(done, total)
        return not self._cancel.is_set()

    @Slot()
    def run(self) -> None:
        try:
            result = self._job(self._report)
        except Exception as problem:  # delivered to the main thread, never swallowed
            self.failed.emit(problem)
        else:
            if self._cancel.is_set():
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)
        finally:
            self.done.emit()


class BackgroundTask(QObject):
    """One job on its own thread. Signals arrive on the thread that made the task (the main thread).

    Exactly one of ``succeeded(result)``, ``failed(exception)`` or ``cancelled()``
    is emitted, then ``finished()``. A started task keeps itself (and its
    thread) alive until its thread has ended, so dropping the last reference
    early, or deleting its parent, never destroys a running QThread (which
    would abort the process).
    """

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()

    _running_tasks: ClassVar[set[BackgroundTask]] = set()

    def __init__(self, job: Job, parent: QObject | None = None):
        super().__init__(parent)
        self._cancel_event = threading.Event()
        self._thread = QThread()  # no parent: only this task decides when it may go
        self._thread.setObjectName("PersonalBudgetWorker")
        self._worker = _Worker(job, self._cancel_event)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        # The job is over: end the thread's event loop from the worker thread itself
        # (QThread.quit is thread-safe), so the thread ends even if no event loop runs here.
        self._worker.done.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        # The receivers below are slots of this object, which lives on the main
        # thread, so Qt queues these calls there, in the order they were emitted.
        self._worker.progressed.connect(self._on_progressed)
        self._worker.succeeded.connect(self._on_succeeded)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)
        self._thread.finished.connect(self._on_thread_finished)
        self._running = False

    @classmethod
    def running_tasks(cls) -> list[BackgroundTask]:
        """The tasks whose thread has not ended yet (the app waits for them before it ends)."""
        return list(cls._running_tasks)

    def start(self) -> None:
        self._running = True
        BackgroundTask._running_tasks.add(self)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the job to stop at its next progress report."""
        self._cancel_event.set()

    def is_cancelled(self) -> bool:
        return self._cancel_event.is_set()

    def is_running(self) -> bool:
        return self._running

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the thread has ended (for shutdown and tests)."""
        return self._thread.wait(msecs)

    @Slot(int, int)
    def _on_progressed(self, done: int, total: int) -> None:
        self.progressed.emit(done, total)

    @Slot(object)
    def _on_succeeded(self, result: object) -> None:
        self.succeeded.emit(result)

    @Slot(object)
    def _on_failed(self, problem: object) -> None:
        self.failed.emit(problem)

    @Slot()
    def _on_cancelled(self) -> None:
        self.cancelled.emit()

    @Slot()
    def _on_thread_finished(self) -> None:
        self._thread.wait()
        self._running = False
        BackgroundTask._running_tasks.discard(self)
        self.finished.emit()


def show_progress(task: BackgroundTask, parent: QWidget, title: str, label: str) -> QProgressDialog:
    """A window-modal progress dialog for ``task`` whose Cancel button cancels it."""
    dialog = QProgressDialog(label, _("Cancel"), 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setAccessibleName(title)
    dialog.setAccessibleDescription(label)

    def on_progress(done: int, total: int) -> None:
        if dialog.maximum() != total:
            dialog.setMaximum(total)
        dialog.setValue(done)

    def on_cancel() -> None:
        if task.is_running():  # closing the dialog at the end is not a cancel
            task.cancel()
            dialog.setLabelText(_("Cancelling…"))

    task.progressed.connect(on_progress)
    dialog.canceled.connect(on_cancel)
    task.finished.connect(dialog.close)
    task.finished.connect(dialog.deleteLater)
    dialog.show()
    return dialog
