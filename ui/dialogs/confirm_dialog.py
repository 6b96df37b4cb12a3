"""A confirmation that says what will happen, with buttons named for what they do (never Yes/No)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def confirm_action(
    parent: QWidget | None,
    title: str,
    text: str,
    details: str,
    do_it: str,
    dont: str,
    *,
    name: str = "confirmBox",
) -> bool:
    """Ask before something that cannot simply be undone. True if ``do_it`` was pressed.

    Enter presses ``do_it`` (the person has just asked for this); Escape or closing the box
    presses ``dont``, which changes nothing.
    """
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName(name)
    box.setInformativeText(details)
    accept = box.addButton(do_it, QMessageBox.ButtonRole.AcceptRole)
    reject = box.addButton(dont, QMessageBox.ButtonRole.RejectRole)
    accept.setAccessibleName(do_it)
    reject.setAccessibleName(dont)
    box.setDefaultButton(accept)
    box.setEscapeButton(reject)
    box.exec()
    return box.clickedButton() is accept
