"""Names for the controls Qt builds inside its own widgets.

Our widgets set their accessible names where they are made. Qt adds a few
controls of its own (a line edit's clear button, a combo box's drop-down
list, a table's corner button, a dialog's OK and Cancel) that screen readers
would announce without a name; ``name_unnamed_controls`` gives them one.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QMenuBar,
    QWidget,
)

from personalbudget.i18n import _


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").replace("…", "").strip()


def _name_for(widget: QWidget) -> str:
    parent = widget.parent()
    if isinstance(widget, QAbstractButton):
        if widget.objectName() == "qt_tableview_cornerbutton":
            return _("Select all")
        if isinstance(parent, QLineEdit):
            return _("Clear")
        if isinstance(parent, QMenuBar):
            return _("More menus")
        return _plain(widget.text()) or _plain(widget.toolTip())
    if isinstance(widget, QAbstractItemView):
        combo = parent.parent() if parent is not None else None
        if isinstance(combo, QComboBox):
            return _("{name}: choices").format(name=combo.accessibleName() or _("List"))
        return ""
    if isinstance(widget, QLineEdit) and isinstance(parent, QAbstractSpinBox | QComboBox):
        return parent.accessibleName()
    return ""


def name_unnamed_controls(root: QWidget) -> None:
    """Give every unnamed interactive control under ``root`` a sensible accessible name."""
    for widget in root.findChildren(QWidget):
        if widget.accessibleName():
            continue
        if not isinstance(widget, QAbstractButton | QAbstractItemView | QLineEdit):
            continue
        name = _name_for(widget)
        if name:
            widget.setAccessibleName(name)
