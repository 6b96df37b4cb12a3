"""Driving the real app as a person does: real dialogs answered by typing and clicking.

A modal dialog blocks the code that opened it (``exec()``), so what the person does in it is
written down *before* the click that opens it: ``dialogs.expect(...)`` queues one step, a timer
watches for the next modal window, checks it is the one expected, and acts in it (types a path
into Qt's own file dialog and presses Enter, ticks a box, clicks a button by its text). A
dialog nobody expected fails the walk (and is closed so the walk does not hang).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QWidget,
)

Action = Callable[[QWidget], None]
STUCK_SECONDS = 10.0


def plain(text: str) -> str:
    return text.replace("&", "").replace("…", "").replace("...", "").strip()


def button(root: QWidget, text: str) -> QAbstractButton:
    """The visible button whose text (without its & shortcut marker) starts with ``text``."""
    matches = [
        b
        for b in root.findChildren(QAbstractButton)
        if shiboken6.isValid(b) and b.isVisible() and plain(b.text()).startswith(plain(text))
    ]
    assert matches, f"no button {text!r} in {root.windowTitle() or type(root).__name__}: " + ", ".join(
        sorted(plain(b.text()) for b in root.findChildren(QAbstractButton) if b.isVisible() and b.text())
    )
    return matches[0]


def click(root: QWidget, text: str) -> None:
    target = button(root, text)
    assert target.isEnabled(), f"button {text!r} is disabled"
    QTest.mouseClick(target, Qt.MouseButton.LeftButton)


def type_path_and_enter(dialog: QWidget, path: Path) -> None:
    """Qt's own file dialog: type the path into 'File name' and press Enter, as a person would."""
    assert isinstance(dialog, QFileDialog), f"expected a file dialog, got {type(dialog).__name__}"
    edit = dialog.findChild(QLineEdit, "fileNameEdit")
    assert edit is not None
    # A window manager gives a new dialog the keyboard; Qt's offscreen platform has none, and
    # Enter in a window that is not active does not reach the dialog's default button.
    dialog.activateWindow()
    for _ in range(50):
        QApplication.processEvents()
        if dialog.isActiveWindow():
            break
    edit.setFocus()
    edit.selectAll()
    QTest.keyClicks(edit, str(path))
    assert edit.text() == str(path), f"typed {str(path)!r}, the field shows {edit.text()!r}"
    QTest.keyClick(edit, Qt.Key.Key_Return)


def press(text: str) -> Action:
    return lambda dialog: click(dialog, text)


@dataclass
class Expected:
    kind: type
    title: str  # a part of the window title (or of a message box's text)
    action: Action
    seen_text: list[str] = field(default_factory=list)


class Dialogs:
    """The queue of dialogs the walk expects, answered in order as each appears."""

    def __init__(self) -> None:
        self._queue: deque[Expected] = deque()
        self.problems: list[str] = []
        self.texts: list[str] = []  # the text of every message box answered
        self._timer = QTimer()
        self._timer.setInterval(40)
        self._timer.timeout.connect(self._poll)
        self._timer.start()

    def expect(self, kind: type, title: str, action: Action) -> None:
        self._queue.append(Expected(kind, title, action))

    def expect_file(self, title: str, path: Path) -> None:
        self.expect(QFileDialog, title, lambda dialog: type_path_and_enter(dialog, path))

    def expect_window(self, kind: type, title: str) -> None:
        """A dialog opened without blocking (``open()``): the walk itself uses it, step by step."""
        self.expect(kind, title, lambda dialog: dialog.setProperty("pbInTheWalksHands", True))

    def expect_message(self, title: str, answer: str) -> None:
        self.expect(QMessageBox, title, press(answer))

    @property
    def pending(self) -> int:
        return len(self._queue)

    def stop(self) -> None:
        self._timer.stop()

    def _poll(self) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or not shiboken6.isValid(dialog) or not dialog.isVisible():
            return
        if isinstance(dialog, QProgressDialog) and not (
            self._queue and self._queue[0].kind is QProgressDialog
        ):
            return  # long work showing its progress: it closes itself when the work is done
        answered = dialog.property("pbAnswered")  # on the C++ object: Python wrappers come and go
        if dialog.property("pbInTheWalksHands"):
            return
        if answered and not dialog.property("pbInTheWalksHands"):
            # Still open long after it was answered: what was done in it did not work. Close it, or
            # the walk would wait for ever inside the dialog's exec().
            if time.monotonic() - float(answered) > STUCK_SECONDS:
                self.problems.append(f"still open after being answered: {self._describe(dialog)}")
                self._close(dialog)
            return
        dialog.setProperty("pbAnswered", time.monotonic())
        text = dialog.text() if isinstance(dialog, QMessageBox) else ""
        described = self._describe(dialog)
        if not self._queue:
            self.problems.append(f"a dialog nobody expected: {described}")
            self._close(dialog)
            return
        expected = self._queue.popleft()
        if not isinstance(dialog, expected.kind) or expected.title not in f"{dialog.windowTitle()} {text}":
            self.problems.append(f"expected {expected.kind.__name__} {expected.title!r}, got {described}")
            self._queue.clear()
            self._close(dialog)
            return
        self.texts.append(text)
        try:
            expected.action(dialog)
        except Exception as problem:  # an exception escaping a timer slot would only be printed
            self.problems.append(f"in {described}: {type(problem).__name__}: {problem}")
            self._close(dialog)

    @staticmethod
    def _describe(dialog: QWidget) -> str:
        text = dialog.text() if isinstance(dialog, QMessageBox) else ""
        return f"{type(dialog).__name__} {dialog.windowTitle()!r} {text[:200]!r}"

    @staticmethod
    def _close(dialog: QWidget) -> None:
        if isinstance(dialog, QDialog):
            dialog.done(0)
        else:
            dialog.close()
