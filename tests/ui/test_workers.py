"""Background tasks: progress, results and errors arrive on the main thread; cancel works."""

from __future__ import annotations

import gc
import threading
import time

import pytest
import shiboken6
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QPushButton, QWidget

from ui.workers import BackgroundTask, show_progress


def test_result_and_progress_arrive_on_the_main_thread(qtbot):
    main = QThread.currentThread()
    seen = []

    def job(progress):
        seen.append(("job", QThread.currentThread() is main))
        for i in range(3):
            progress(i, 3)
        return 42

    task = BackgroundTask(job)
    task.progressed.connect(lambda d, t: seen.append(("progress", QThread.currentThread() is main, d)))
    with qtbot.waitSignal(task.succeeded, timeout=5000) as result:
        task.start()
    assert result.args == [42]
    assert seen[0] == ("job", False)  # the job ran on the worker thread
    assert [entry for entry in seen if entry[0] == "progress"] == [("progress", True, i) for i in range(3)]
    qtbot.waitUntil(lambda: not task.is_running(), timeout=5000)
    assert task.wait(1000)


def test_errors_are_delivered_not_swallowed(qtbot):
    def job(_progress):
        raise ValueError("the file is locked")

    task = BackgroundTask(job)
    with qtbot.waitSignal(task.failed, timeout=5000) as failure:
        task.start()
    assert isinstance(failure.args[0], ValueError)
    assert str(failure.args[0]) == "the file is locked"


def test_cancel_stops_the_job_at_its_next_report(qtbot):
    started = threading.Event()
    steps = []

    def job(progress):
        started.set()
        for i in range(10_000):
            if not progress(i, 10_000):
                return "stopped"
            steps.append(i)
            time.sleep(0.001)
        return "finished"

    task = BackgroundTask(job)
    succeeded = []
    task.succeeded.connect(succeeded.append)
    with qtbot.waitSignal(task.cancelled, timeout=5000):
        task.start()
        assert started.wait(5)
        task.cancel()
    assert succeeded == []
    assert len(steps) < 10_000
    qtbot.waitUntil(lambda: not task.is_running(), timeout=5000)


@pytest.mark.parametrize("cancel", [False, True])
def test_progress_dialog_follows_and_cancels(qtbot, cancel):
    parent = QWidget()
    qtbot.addWidget(parent)
    gate = threading.Event()

    def job(progress):
        progress(1, 4)
        gate.wait(5)
        return progress(2, 4)

    task = BackgroundTask(job)
    dialog = show_progress(task, parent, "Working", "Doing things")
    with qtbot.waitSignal(task.progressed, timeout=5000):
        task.start()
    assert dialog.maximum() == 4 and dialog.value() == 1
    if cancel:
        qtbot.mouseClick(dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)
        assert task.is_cancelled()
    expected = task.cancelled if cancel else task.succeeded
    with qtbot.waitSignal(expected, timeout=5000):
        gate.set()
    qtbot.waitUntil(lambda: not task.is_running(), timeout=5000)
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()


def test_closing_the_dialog_after_success_is_not_a_cancel(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    task = BackgroundTask(lambda progress: progress(1, 1))
    show_progress(task, parent, "Working", "Doing things")
    with qtbot.waitSignal(task.succeeded, timeout=5000):
        task.start()
    qtbot.waitUntil(lambda: not task.is_running(), timeout=5000)
    assert not task.is_cancelled()


def test_a_dropped_task_keeps_its_thread_until_the_job_ends(qtbot):
    gate = threading.Event()
    results = []
    task = BackgroundTask(lambda _progress: gate.wait(5) and "done")
    task.succeeded.connect(results.append)
    task.start()
    del task
    gc.collect()  # destroying a running QThread would abort the whole process
    gate.set()
    qtbot.waitUntil(lambda: not BackgroundTask._running_tasks, timeout=5000)
    assert results == ["done"]
