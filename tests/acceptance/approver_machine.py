"""The approver's machine, as a process of its own (issue 21): ``python -m tests.acceptance.approver_machine
ADDRESS NAME SCREENSHOT``.

It starts the real app from its composition root (``ui.app.start_app``) on the team caseload at
ADDRESS, signed in from PERSONALBUDGET_USER and PERSONALBUDGET_PASSWORD (the approver's own login
role; TLS checked against PERSONALBUDGET_PG_CA), finds NAME by typing into the caseload search and
pressing Enter, and on step 3 records the decision "Approve" through the page's button, answering
the confirmation as the approver would. It saves a screenshot of the page afterwards and exits 0
once the server has the person at step 4, or prints what went wrong and exits 1. It shares nothing
with the test's process but the server: its own data folder (PERSONALBUDGET_HOME), settings and
Qt application.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PERSONALBUDGET_NO_DEMO_PROMPT"] = "1"

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from personalbudget.domain.lifecycle import Step
from tests.acceptance.driver import Dialogs, click, press
from tests.acceptance.test_walk import WINDOW_SIZE, activate, type_into
from ui.app import RunningApp, start_app


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    """The event loop runs while waiting, as qtbot.waitUntil does in a test."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        QApplication.processEvents()
        time.sleep(0.02)


def approve(address: str, name: str, screenshot: Path) -> None:
    running = start_app(address)  # type: ignore[arg-type]  # the composition root takes an address too
    assert isinstance(running, RunningApp), f"the app did not open (exit code {running})"
    dialogs = Dialogs()
    try:
        window = running.window
        window.resize(*WINDOW_SIZE)
        wait_until(window.isVisible, "the main window")
        assert running.db.is_server and running.user.role.value == "approver", running.user
        search = window.caseload.search_edit
        activate(window)
        type_into(search, name)
        QTest.keyClick(search, Qt.Key.Key_Return)
        wait_until(
            lambda: window.workspace.person() is not None and window.workspace.person().name == name,
            f"{name} to open",
        )
        agreement = window.workspace.pages.currentWidget()
        assert type(agreement).__name__ == "AgreementPage", type(agreement).__name__
        assert not agreement.decision_box.isHidden(), "the approver sees no decision to make"
        dialogs.expect(QMessageBox, "Approve this plan", press("Approve"))
        click(agreement, "Record decision")
        wait_until(lambda: dialogs.pending == 0 or bool(dialogs.problems), "the confirmation")
        assert not dialogs.problems, "\n".join(dialogs.problems)
        wait_until(lambda: window.workspace.cycle().current_step == Step.MANAGE_BUDGET, "step 4")
        window.grab().save(str(screenshot))
    finally:
        dialogs.stop()
        running.window.close()
        running.shut_down()


def main(argv: list[str]) -> int:
    address, name, screenshot = argv
    try:
        approve(address, name, Path(screenshot))
    except Exception:
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
