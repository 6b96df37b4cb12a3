"""The mouse wheel scrolls the page; only a field that has the keyboard focus takes the wheel.

Scrolling a page with the wheel used to change whatever drop-down or number box passed under the
pointer (a payment schedule went from four-weekly to monthly, unnoticed). ``install_wheel_guard(app)``,
called once by the composition root, makes every drop-down, spin box (dates and money too) and
slider take the keyboard focus by a click or Tab, never by the wheel; and a wheel turned over one
that does not have the focus scrolls the nearest area around it that can still scroll that way.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollBar,
    QSlider,
    QWidget,
)

GUARDED = (QComboBox, QAbstractSpinBox, QSlider)  # fields whose value the wheel changes
_DEPTH = 3  # a wheel over a field's own parts (a spin box's text) is the field's


def guarded_field(widget: QWidget) -> QWidget | None:
    """The drop-down, spin box or slider that ``widget`` is, or is part of."""
    for _ in range(_DEPTH):
        if isinstance(widget, GUARDED):
            return widget
        parent = widget.parentWidget()
        if widget.isWindow() or parent is None:
            return None
        widget = parent
    return None


def scroll_around(field: QWidget, event: QWheelEvent) -> bool:
    """Scroll the nearest area around ``field`` that can still move the wheel's way; False if none can."""
    angle = event.angleDelta()
    vertical = abs(angle.y()) >= abs(angle.x())
    delta = angle.y() if vertical else angle.x()
    if delta == 0:
        return False
    widget = field.parentWidget()
    while widget is not None:
        if isinstance(widget, QAbstractScrollArea):
            bar: QScrollBar = widget.verticalScrollBar() if vertical else widget.horizontalScrollBar()
            can_move = bar.value() > bar.minimum() if delta > 0 else bar.value() < bar.maximum()
            if bar.isEnabled() and can_move:
                centre = QPointF(bar.rect().center())
                forwarded = QWheelEvent(
                    centre,
                    QPointF(bar.mapToGlobal(bar.rect().center())),
                    event.pixelDelta(),
                    event.angleDelta(),
                    event.buttons(),
                    event.modifiers(),
                    event.phase(),
                    event.inverted(),
                )
                QApplication.sendEvent(bar, forwarded)
                return True
        if widget.isWindow():
            return False
        widget = widget.parentWidget()
    return False


class WheelGuard(QObject):
    """Installed on the application: see the module's description."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(watched, GUARDED):
            if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # focus by click or Tab, not the wheel
        elif kind == QEvent.Type.Wheel and isinstance(watched, QWidget) and isinstance(event, QWheelEvent):
            field = guarded_field(watched)
            if field is not None and not field.hasFocus():
                scroll_around(field, event)
                event.accept()  # handled: the field keeps its value, nothing further gets it
                return True
        return False


_guard: WheelGuard | None = None


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Only a focused field takes the wheel, in every window of the application (once per application)."""
    global _guard
    if _guard is None or not shiboken6.isValid(_guard) or _guard.parent() is not app:
        _guard = WheelGuard(app)
        app.installEventFilter(_guard)
        for widget in app.allWidgets():  # fields made before (the first passphrase prompt's)
            if isinstance(widget, GUARDED) and widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return _guard
