"""Small pieces shared by the step 4-6 pages: titles, dates typed or picked, read-only tables,
and showing a service's validation errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from personalbudget.errors import PersonalBudgetError, ValidationError
from personalbudget.i18n import _
from ui.widgets.date_field import DateField, DateFormatError, parse_uk_date

FAR_FUTURE = QDate(2100, 12, 31)


def form_with_save_cancel(dialog: QDialog, form: QFormLayout, save: Callable[[], object]) -> QDialogButtonBox:
    """Lay out a form dialog: the form, then Save and Cancel (Save calls ``save``, the dialog's own)."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(save)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addLayout(form)
    layout.addWidget(buttons)
    return buttons


def title_label(text: str, scale: float = 1.3) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    label.setWordWrap(True)
    return label


def wrapped_label(text: str = "", *, rich: bool = False, selectable: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if rich:
        label.setTextFormat(Qt.TextFormat.RichText)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def date_field(name: str, today: date, *, future: bool = True) -> DateField:
    """A date typed as dd/mm/yyyy or picked from a calendar, named for screen readers."""
    field = DateField(today)
    if future:
        field.calendar.setMaximumDate(FAR_FUTURE)
    field.edit.setAccessibleName(name)
    field.calendar_button.setAccessibleName(_("Choose {name} from a calendar").format(name=name.lower()))
    return field


def read_date(field: DateField, label: str) -> date | None:
    """The date typed in ``field``; ValueError naming the field if it is not a date."""
    try:
        return parse_uk_date(field.text())
    except DateFormatError as problem:
        raise ValueError(f"{label}: {problem}") from None


def show_problem(parent: QWidget, title: str, problem: PersonalBudgetError | ValueError) -> None:
    """A service's refusal in words: each field's message on its own line."""
    if isinstance(problem, ValidationError):
        text = _("Please put these right:") + "\n\n" + "\n".join(f"• {e.message}" for e in problem.errors)
    else:
        text = str(problem)
    QMessageBox.warning(parent, title, text)


def read_only_table(name: str, headers: list[str], *, stretch: int | None = None) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setTabKeyNavigation(False)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(True)
    header = table.horizontalHeader()
    # The stretching column must not be squeezed to nothing by wide neighbours (longer Welsh
    # words, large fonts): past this the table scrolls sideways instead.
    header.setMinimumSectionSize(
        max(header.minimumSectionSize(), table.fontMetrics().horizontalAdvance("n" * 12))
    )
    for index in range(len(headers)):
        header.setSectionResizeMode(
            index,
            QHeaderView.ResizeMode.Stretch if index == stretch else QHeaderView.ResizeMode.ResizeToContents,
        )
    return table


def fill_table(table: QTableWidget, rows: list[list[str]], *, right: tuple[int, ...] = ()) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setToolTip(value)
            if c in right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.resizeRowsToContents()
