"""Names and descriptions for every control, for screen readers and keyboard users.

Our widgets set their accessible names where they are made, and most of them a
description too. ``name_unnamed_controls`` (called by the pages and dialogs as
they are built) and ``AccessibilityFiller`` (installed on the application, so
every window and every control shown later is covered, Qt's own message boxes
and progress dialogs included) fill in what is left, centrally:

* a **name** from the control's buddy label, the label just before it in its
  layout, its text, placeholder or tooltip; and for the controls Qt builds
  inside its own widgets (a line edit's clear button, a combo box's list, a
  table's corner button, a tab widget's tab bar) a name of their own;
* a **description** from the tooltip, "What's this?" text, status tip or
  placeholder; failing those, where the control is (its group box or tab) and
  how to use it from the keyboard.

``accessibility_problems`` is the check the tests use (and any new dialog's
test can reuse): it reads the names and descriptions a screen reader would get
through ``QAccessible`` and lists every interactive control missing either.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QAccessible, QTextDocumentFragment
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QMenuBar,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QScrollBar,
    QStackedWidget,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QToolButton,
    QWidget,
)

from personalbudget.i18n import _

log = logging.getLogger(__name__)

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractItemView,
    QAbstractSpinBox,
    QPlainTextEdit,
    QTextEdit,
    QAbstractSlider,
    QTabBar,
)
# Dynamic properties remembering what was filled in here (so it can be worked out again when
# the text it came from changes, e.g. after the language is switched).
_DERIVED_NAME = "pbDerivedAccessibleName"
_DERIVED_DESCRIPTION = "pbDerivedAccessibleDescription"


def _plain(text: str) -> str:
    return (
        text.replace("&&", "\0")
        .replace("&", "")
        .replace("\0", "&")
        .replace("…", "")
        .replace("\u00a0", " ")
        .strip()
        .rstrip(":")
        .strip()
    )


def is_interactive(widget: QWidget) -> bool:
    """A control a person can operate (a scroll bar or a header is part of its view, not one)."""
    if isinstance(widget, QHeaderView | QScrollBar):
        return False
    if isinstance(widget, QLineEdit) and isinstance(widget.parent(), QAbstractSpinBox | QComboBox):
        return False  # the editor inside a spin box or editable combo: the box carries the name
    if isinstance(widget, INTERACTIVE):
        return True
    if isinstance(widget, QScrollArea):  # a scrolling page Tab stops on, to scroll it with the arrow keys
        return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
    # A custom control that takes the keyboard (the spending chart), not a plain container.
    return (
        bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        and not isinstance(
            widget, QAbstractScrollArea | QStackedWidget | QTabWidget | QDialog | QLabel | QGroupBox
        )
        and type(widget) is not QWidget
    )


def accessible_text(widget: QWidget, kind: QAccessible.Text) -> str:
    """What a screen reader is told (Qt's own fallbacks included: a button's text, a buddy label, a tooltip)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    if interface is None or not interface.isValid():
        return ""
    return (interface.text(kind) or "").strip()


def accessible_name(widget: QWidget) -> str:
    """The name a screen reader announces. Qt on Linux gives a combo box's current value as its
    name (the label reaches the reader as a relation), so a combo box needs a name of its own."""
    if isinstance(widget, QComboBox):
        return widget.accessibleName().strip()
    return accessible_text(widget, QAccessible.Text.Name)


def accessible_description(widget: QWidget) -> str:
    return accessible_text(widget, QAccessible.Text.Description)


def describe_widget(widget: QWidget, root: QWidget | None = None) -> str:
    """``QLineEdit at PersonDialog > QWidget > DateField 'dateOfBirth' text='…'``: enough to find it."""
    path = []
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        path.append(type(parent).__name__ + (f"#{parent.objectName()}" if parent.objectName() else ""))
        parent = parent.parentWidget()
    if root is not None:
        path.append(type(root).__name__)
    text = ""
    for getter in ("text", "placeholderText", "toolTip", "windowTitle"):
        value = getattr(widget, getter, None)
        if callable(value):
            try:
                text = str(value() or "")
            except TypeError:
                continue
            if text:
                text = f" {getter}={text[:40]!r}"
                break
    name = f"#{widget.objectName()}" if widget.objectName() else ""
    return f"{type(widget).__name__}{name} at {' > '.join(reversed(path))}{text}"


def accessibility_problems(root: QWidget, *, visible_only: bool = False) -> list[str]:
    """Every interactive control under ``root`` (``root`` too) without an accessible name or description,
    each described with its class, where it is and its text. Empty when all is well."""
    problems = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not is_interactive(widget):
            continue
        if visible_only and not widget.isVisibleTo(root) and widget is not root:
            continue
        for label, name, description in _announced(widget):
            missing = [what for what, text in (("name", name), ("description", description)) if not text]
            if missing:
                problems.append(
                    f"no accessible {' or '.join(missing)}: {describe_widget(widget, root)}{label}"
                )
    return problems


def _announced(widget: QWidget) -> list[tuple[str, str, str]]:
    """(which part, name, description) as a screen reader gets them. A tab bar is announced tab by
    tab (Qt describes each tab by its tooltip, never the bar), so each tab is checked."""
    if isinstance(widget, QTabBar):
        interface = QAccessible.queryAccessibleInterface(widget)
        tabs = []
        for index in range(interface.childCount() if interface is not None else 0):
            child = interface.child(index)
            if child is not None and child.role() == QAccessible.Role.PageTab:
                tabs.append(
                    (
                        f" tab {index + 1}",
                        (child.text(QAccessible.Text.Name) or "").strip(),
                        (child.text(QAccessible.Text.Description) or "").strip(),
                    )
                )
        return tabs
    return [("", accessible_name(widget), accessible_description(widget))]


# -- working out a name -------------------------------------------------------------------------
def _live_label(item) -> QLabel | None:
    """The label a layout item holds, if it is one whose C++ object Python may still use.

    Some of the wrappers PySide6 hands out for widgets Qt built itself (the "File name:" label of
    Qt's own file dialog) are already marked dead while the widget lives; touching one raises
    RuntimeError, and that exception escaping an event filter during a dialog's ``exec()``
    crashed the whole app inside libshiboken6."""
    label = item.widget() if item is not None else None
    return label if isinstance(label, QLabel) and shiboken6.isValid(label) else None


def _label_before(widget: QWidget) -> QLabel | None:
    """The label just before ``widget`` in its layout (the same form row, grid row, or box)."""
    parent = widget.parentWidget()
    layout = parent.layout() if parent is not None else None
    if layout is None:
        return None
    holder = layout_holding(layout, widget)
    if holder is None:
        return None
    index = holder.indexOf(widget)
    if isinstance(holder, QFormLayout):
        # PySide6's stubs type these tuples as object
        row, role = cast(tuple[int, QFormLayout.ItemRole], holder.getWidgetPosition(widget))
        if role == QFormLayout.ItemRole.FieldRole:
            return _live_label(holder.itemAt(row, QFormLayout.ItemRole.LabelRole))
        return None
    if isinstance(holder, QGridLayout):
        row, column, _rs, _cs = cast(tuple[int, int, int, int], holder.getItemPosition(index))
        if column > 0:
            return _live_label(holder.itemAtPosition(row, column - 1))
        return None
    if index > 0:
        label = _live_label(holder.itemAt(index - 1))
        if label is not None and label.buddy() in (None, widget) and label.text().strip():
            return label
    return None


def layout_holding(layout: QLayout | None, widget: QWidget) -> QLayout | None:
    """The layout (``layout`` or one inside it) that holds ``widget`` directly."""
    if layout is None:
        return None
    if layout.indexOf(widget) >= 0:
        return layout
    for i in range(layout.count()):
        item = layout.itemAt(i)
        found = layout_holding(item.layout() if item is not None else None, widget)
        if found is not None:
            return found
    return None


def _qt_part_name(widget: QWidget) -> str:
    """Names for the controls Qt makes inside its own widgets."""
    parent = widget.parent()
    if isinstance(widget, QAbstractButton):
        if widget.objectName() == "qt_tableview_cornerbutton":
            return _("Select all")
        if isinstance(parent, QLineEdit):
            return _("Clear")
        if isinstance(parent, QMenuBar):
            return _("More menus")
        if isinstance(parent, QTabBar):
            return _("Scroll tabs")
    if isinstance(widget, QAbstractItemView):
        combo = parent.parent() if parent is not None else None
        if isinstance(combo, QComboBox):
            return _("{name}: choices").format(name=accessible_name(combo) or _("List"))
    if isinstance(widget, QTabBar) and isinstance(parent, QTabWidget):
        return _("{name}: tabs").format(name=accessible_name(parent) or _("Pages"))
    if isinstance(widget, QLineEdit) and isinstance(parent, QAbstractSpinBox | QComboBox):
        return accessible_name(parent)
    return ""


def _cell_name(widget: QWidget) -> str:
    """A control inside a table cell: its column's title and the row's first cell
    ("How far met: Take my children to school")."""
    viewport = widget.parentWidget()
    view = viewport.parentWidget() if viewport is not None else None
    if not isinstance(view, QAbstractItemView) or viewport is not view.viewport():
        return ""
    index = view.indexAt(widget.geometry().center())
    model = view.model()
    if not index.isValid() or model is None:
        return ""
    column = _plain(str(model.headerData(index.column(), Qt.Orientation.Horizontal) or ""))
    row = _plain(str(model.index(index.row(), 0).data() or "")) if index.column() else ""
    if column and row:
        return _("{column}: {row}").format(column=column, row=row)
    return column or row


def _page_name(area: QScrollArea) -> str:
    """A scrolling page is named by the tab it is on, or its heading (the topmost label in it)."""
    content = area.widget()
    if content is None or _where(area):
        return _where(area)
    labels = [
        label for label in content.findChildren(QLabel) if shiboken6.isValid(label) and _plain(label.text())
    ]
    if labels:
        top = min(labels, key=lambda label: (label.mapTo(content, QPoint(0, 0)).y(), label.x()))
        text = QTextDocumentFragment.fromHtml(top.text()).toPlainText() if "<" in top.text() else top.text()
        return _plain(text.splitlines()[0] if text else "")
    return _where(area)


def _derived_name(widget: QWidget) -> str:
    name = _qt_part_name(widget) or _cell_name(widget)
    if name:
        return name
    if isinstance(widget, QScrollArea):
        name = _page_name(widget)
        if name:
            return name
    if isinstance(widget, QAbstractButton):
        name = _plain(widget.text()) or _plain(widget.toolTip())
        if name:
            return name
    label = _label_before(widget)
    if label is not None:
        if label.buddy() is None and not isinstance(widget, QAbstractButton):
            label.setBuddy(widget)  # the label's mnemonic (Alt+letter) now reaches the control too
        return _plain(label.text())
    for getter in ("placeholderText", "toolTip", "windowTitle"):
        value = getattr(widget, getter, None)
        if callable(value) and value():
            return _plain(str(value()))
    group = _enclosing(widget, QGroupBox)
    if isinstance(group, QGroupBox) and group.title():
        return _plain(group.title())
    if isinstance(widget, QScrollArea):
        page = _enclosing(widget, QScrollArea)
        return page.accessibleName() if page is not None else ""  # a scrolling part of a page
    return ""


# -- working out a description ------------------------------------------------------------------
def _enclosing(widget: QWidget, kind: type) -> QWidget | None:
    parent = widget.parentWidget()
    while parent is not None and not parent.isWindow():
        if isinstance(parent, kind):
            return parent
        parent = parent.parentWidget()
    return None


def _where(widget: QWidget) -> str:
    """The group box or tab a control is in, for its description."""
    group = _enclosing(widget, QGroupBox)
    if isinstance(group, QGroupBox) and group.title():
        return _plain(group.title())
    child = widget
    parent = widget.parentWidget()
    while parent is not None and not parent.isWindow():
        if isinstance(parent, QStackedWidget) and isinstance(parent.parentWidget(), QTabWidget):
            tabs = parent.parentWidget()
            assert isinstance(tabs, QTabWidget)
            index = tabs.indexOf(child)
            if index >= 0:
                return _plain(tabs.tabText(index))
        child, parent = parent, parent.parentWidget()
    return ""


def keyboard_hint(widget: QWidget) -> str:
    """How to use a control from the keyboard, in words."""
    if isinstance(widget, QTabBar):
        return _("Use the Left and Right arrow keys to change tab.")
    if isinstance(widget, QRadioButton):
        return _("One of a set of choices: use the arrow keys to choose.")
    if isinstance(widget, QCheckBox):
        return _("Press Space to tick or untick.")
    if isinstance(widget, QToolButton | QPushButton) and widget.menu() is not None:
        return _("Press Space to open its menu.")
    if isinstance(widget, QAbstractButton):
        return _("Press Space to choose this.")
    if isinstance(widget, QComboBox):
        return _("Use the Up and Down arrow keys to change the choice, or Alt+Down to open the list.")
    if isinstance(widget, QDateTimeEdit):
        return _("Type the date, or use the Up and Down arrow keys to change the part under the cursor.")
    if isinstance(widget, QAbstractSpinBox):
        return _("Type a number, or use the Up and Down arrow keys to change it.")
    if isinstance(widget, QLineEdit):
        return _("Read-only text.") if widget.isReadOnly() else _("Type here.")
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        if widget.isReadOnly():
            return _("Read-only text; use the arrow keys to read it.")
        return _("Type here; Tab moves on to the next field.")
    if isinstance(widget, QCalendarWidget):
        return _("Use the arrow keys to move between days and Enter to choose one.")
    if isinstance(widget, QAbstractItemView):
        return _("Use the arrow keys to move between rows.")
    if isinstance(widget, QScrollArea):
        return _("A page: use the arrow keys and Page Up and Page Down to scroll it, Tab to move into it.")
    if isinstance(widget, QAbstractSlider):
        return _("Use the arrow keys to change the value.")
    return _("Use the keyboard to operate this.")


def _derived_description(widget: QWidget) -> str:
    for getter in ("whatsThis", "statusTip", "placeholderText"):
        value = getattr(widget, getter, None)
        if callable(value) and value():
            text = str(value()).strip()
            if text and _plain(text) != accessible_name(widget).rstrip(":"):
                return text
    hint = keyboard_hint(widget)
    where = _where(widget)
    return _("In {section}. {hint}").format(section=where, hint=hint) if where else hint


# -- filling in ---------------------------------------------------------------------------------
def _describe_tabs(bar: QTabBar) -> None:
    """A screen reader describes a tab bar by its current tab's tooltip: say which tab of how many."""
    for index in range(bar.count()):
        if not bar.tabToolTip(index) or bar.tabData(index) == bar.tabToolTip(index):
            tip = _("Tab {n} of {count}: {title}. {hint}").format(
                n=index + 1, count=bar.count(), title=_plain(bar.tabText(index)), hint=keyboard_hint(bar)
            )
            bar.setTabToolTip(index, tip)
            bar.setTabData(index, tip)


def _table_of_cell(widget: QWidget) -> QAbstractItemView | None:
    viewport = widget.parentWidget()
    view = viewport.parentWidget() if viewport is not None else None
    if isinstance(view, QAbstractItemView) and viewport is view.viewport():
        return view
    return None


def order_cell_widgets(view: QAbstractItemView) -> None:
    """Tab goes from a table to the controls in its rows, row by row, then on (they would
    otherwise come last on the page, wherever the table is)."""
    model = view.model()
    if model is None:
        return
    previous: QWidget = view
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            cell = view.indexWidget(model.index(row, column))
            if cell is None or not cell.focusPolicy() & Qt.FocusPolicy.TabFocus:
                continue
            target = cell.focusProxy() or cell
            QWidget.setTabOrder(previous, target)
            previous = target


def chain_after(anchor: QWidget, widgets: list[QWidget]) -> None:
    """Put controls made after a page was built (rows, questions) in the Tab order right after ``anchor``
    (the container they sit in, or the control before them), in the order given, instead of last."""
    if not widgets:
        return
    previous = anchor
    # Qt orders only after a control that takes the focus, and never after the control's own
    # container: start from the last such control before the container instead.
    while previous.isAncestorOf(widgets[0]) or previous.focusPolicy() == Qt.FocusPolicy.NoFocus:
        before = previous.previousInFocusChain()
        if before is None or before is anchor.window():
            return
        previous = before
    for widget in widgets:
        QWidget.setTabOrder(previous, widget)
        previous = widget


def make_keyboard_friendly(widget: QWidget) -> None:
    """No keyboard traps: Tab always leaves a table (the arrow keys move inside it, Ctrl+Tab too),
    passing through the controls in its rows first."""
    if isinstance(widget, QAbstractItemView) and not isinstance(widget, QHeaderView):
        widget.setTabKeyNavigation(False)
    view = _table_of_cell(widget)
    if view is not None:
        order_cell_widgets(view)


def complete_accessible_text(widget: QWidget) -> None:
    """Give one interactive control the name and description it lacks (leaving any set by hand)."""
    if not is_interactive(widget):
        return
    if isinstance(widget, QTabBar):
        _describe_tabs(widget)
        return  # Qt names and describes the bar by its current tab
    derived = widget.property(_DERIVED_NAME)
    if not widget.accessibleName() or widget.accessibleName() == derived:
        widget.setAccessibleName("")
        # Qt names a combo or spin box by its current value, which says nothing of what it is for.
        if not accessible_name(widget) or isinstance(widget, QComboBox | QAbstractSpinBox):
            name = _derived_name(widget)
            if name:
                widget.setAccessibleName(name)
                widget.setProperty(_DERIVED_NAME, name)
    derived = widget.property(_DERIVED_DESCRIPTION)
    if not widget.accessibleDescription() or widget.accessibleDescription() == derived:
        widget.setAccessibleDescription("")
        if not accessible_description(widget):  # Qt falls back to the tooltip itself
            description = _derived_description(widget)
            widget.setAccessibleDescription(description)
            widget.setProperty(_DERIVED_DESCRIPTION, description)


def name_unnamed_controls(root: QWidget) -> None:
    """Give every interactive control under ``root`` the accessible name and description it lacks."""
    widgets = [widget for widget in root.findChildren(QWidget) if shiboken6.isValid(widget)]
    # Containers first (a combo box before its list, a tab widget before its bar) so parts can use their names.
    for widget in sorted(widgets, key=lambda w: isinstance(w, QAbstractItemView | QTabBar | QLineEdit)):
        complete_accessible_text(widget)
    complete_accessible_text(root)


class AccessibilityFiller(QObject):
    """Installed on the application: whenever a window is shown, its controls get what they lack, and so
    does any control shown later inside it (rows added for a person, a page loaded when first opened);
    and Tab never gets stuck in a table (``make_keyboard_friendly``)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget):
            # Nothing may escape an event filter: an exception raised here while a modal dialog
            # runs (Qt's file dialog) kills the process in libshiboken6 instead of reaching Python.
            try:
                self._fill(watched)
            except RuntimeError:  # a C++ object Qt has already deleted: nothing left to name
                log.debug("skipped a widget whose C++ object is gone", exc_info=True)
        return False

    @staticmethod
    def _fill(widget: QWidget) -> None:
        if widget.isWindow():
            name_unnamed_controls(widget)
            for view in widget.findChildren(QAbstractItemView):
                if shiboken6.isValid(view):
                    make_keyboard_friendly(view)
        else:
            complete_accessible_text(widget)
            make_keyboard_friendly(widget)


_filler: AccessibilityFiller | None = None


_paused = 0


def install_accessibility_filler(app: QObject) -> AccessibilityFiller:
    """Fill in names and descriptions for every window the application shows (once per application)."""
    global _filler
    if _filler is None or _filler.parent() is not app:
        _filler = AccessibilityFiller(app)
        if not _paused:
            app.installEventFilter(_filler)
    return _filler


@contextmanager
def accessibility_filler_paused(app: QObject) -> Iterator[None]:
    """While the main window is built and first shown, the filler is not asked about each of the tens
    of thousands of events that makes (each one a call from Qt into Python): afterwards every window
    on screen gets its names and descriptions in one pass, as a window being shown does."""
    global _paused
    filler = install_accessibility_filler(app)
    if _paused == 0:
        app.removeEventFilter(filler)
    _paused += 1
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0 and shiboken6.isValid(filler):
            app.installEventFilter(filler)
            for widget in QApplication.topLevelWidgets():
                if shiboken6.isValid(widget) and widget.isVisible():
                    filler._fill(widget)
