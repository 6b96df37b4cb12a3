"""Answer the app's own confirmation boxes the way a person does: by pressing one of their buttons."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox


@dataclass
class SeenBox:
    name: str
    title: str
    text: str
    details: str
    buttons: list[str]
    default: str
    escape: str


@dataclass
class Confirmations:
    """Every confirmation box answered, in order."""

    seen: list[SeenBox] = field(default_factory=list)
    stopped: bool = False

    def stop(self) -> list[SeenBox]:
        """Stop waiting for a box (one that should never open); returns what was seen."""
        self.stopped = True
        return self.seen


def answer_next_box(press: str | None = None, *, escape: bool = False) -> Confirmations:
    """When the next modal message box opens, press Enter (its default button), the button
    whose text is ``press``, or (``escape``) Escape. Returns what the box showed."""
    record = Confirmations()
    tries = [0]

    def answer() -> None:
        if record.stopped:
            return
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            tries[0] += 1
            if tries[0] < 500:
                QTimer.singleShot(10, answer)
            return
        buttons = box.buttons()
        record.seen.append(
            SeenBox(
                box.objectName(),
                box.windowTitle(),
                box.text(),
                box.informativeText(),
                [b.text() for b in buttons],
                box.defaultButton().text() if box.defaultButton() else "",
                box.escapeButton().text() if box.escapeButton() else "",
            )
        )
        if escape:
            QTest.keyClick(box, Qt.Key.Key_Escape)
        elif press is None:
            QTest.keyClick(box, Qt.Key.Key_Return)  # Enter presses the default button
        else:
            next(b for b in buttons if b.text() == press).click()

    QTimer.singleShot(0, answer)
    return record
