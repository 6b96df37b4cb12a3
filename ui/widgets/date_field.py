"""A date typed as day/month/year (UK order) or picked from a calendar.

Used by the person dialog, the money fields and the support page; the text is parsed here and a
``DateFormatError`` names what to type.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from personalbudget.i18n import _

_DMY = re.compile(r"^\s*(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


class DateFormatError(ValueError):
    pass


def parse_uk_date(text: str) -> date | None:
    """A UK date as typed: 04/07/1950, 4/7/1950, 4-7-1950, 4.7.1950 or 1950-07-04. Empty gives None."""
    if not text.strip():
        return None
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _ISO.match(text)
        if not match:
            raise DateFormatError(_("Enter the date as day/month/year, for example 04/07/1950."))
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise DateFormatError(
            _("{text} is not a real date. Enter it as day/month/year, for example 04/07/1950.").format(
                text=text.strip()
            )
        ) from None


def format_uk_date(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def _name_calendar_parts(calendar: QCalendarWidget) -> None:
    """Qt's calendar is built from unnamed buttons; give screen readers their names."""
    names = {
        "qt_calendar_prevmonth": _("Previous month"),
        "qt_calendar_nextmonth": _("Next month"),
        "qt_calendar_monthbutton": _("Choose month"),
        "qt_calendar_yearbutton": _("Choose year"),
        "qt_calendar_yearedit": _("Year"),
        "qt_calendar_calendarview": _("Days of the month"),
    }
    for child in calendar.findChildren(QWidget):
        name = names.get(child.objectName())
        if name and not child.accessibleName():
            child.setAccessibleName(name)


def python_date(value: QDate) -> date:
    """A ``QDate`` as a ``date`` (PySide6 types ``QDate.toPython`` as returning ``object``)."""
    return date(value.year(), value.month(), value.day())


class DateField(QWidget):
    """A date typed as dd/mm/yyyy, with a calendar to pick it from."""

    def __init__(self, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(_("dd/mm/yyyy"))
        self.edit.setMaxLength(20)
        self.calendar_button = QToolButton()
        self.calendar_button.setText(_("Calendar…"))
        self.calendar_button.setAccessibleName(_("Choose the date of birth from a calendar"))
        self.calendar_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        self.calendar.setMaximumDate(QDate(today.year, today.month, today.day))
        self.calendar.setAccessibleName(_("Calendar"))
        _name_calendar_parts(self.calendar)
        menu = QMenu(self.calendar_button)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        menu.aboutToShow.connect(self._sync_calendar)
        self.calendar_button.setMenu(menu)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        self._menu = menu
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.calendar_button)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        return self.edit.text()

    def set_date(self, value: date | None) -> None:
        self.edit.setText(format_uk_date(value) if value else "")

    def _sync_calendar(self) -> None:
        try:
            value = parse_uk_date(self.edit.text())
        except DateFormatError:
            value = None
        if value is None:
            value = date(1960, 1, 1)
        self.calendar.setSelectedDate(QDate(value.year, value.month, value.day))

    def _picked(self, picked: QDate) -> None:
        self.set_date(python_date(picked))
        self._menu.hide()
        self.edit.setFocus()
