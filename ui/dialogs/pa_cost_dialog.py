"""Step 2: cost a personal assistant with the employer's costs, each its own line, before adding
the lines to the plan. The rates come from the dated file in resources/pa_costs/ (named here)."""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.pa_costs import PaCosting
from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _, format_money
from personalbudget.services import Services
from ui.accessibility import name_unnamed_controls
from ui.widgets.date_field import python_date
from ui.widgets.money_widgets import fill_table, read_only_table, wrapped_label


class PaCostDialog(QDialog):
    """The hourly rate, hours a week, the PA's age and when the plan starts -> every cost, in words."""

    def __init__(self, services: Services, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self.costing: PaCosting | None = None
        self.setWindowTitle(_("What a personal assistant really costs"))
        self.rate = QLineEdit()
        self.rate.setAccessibleName(_("Hourly rate in pounds"))
        self.rate.setPlaceholderText(_("e.g. 13.00"))
        self.hours = QLineEdit()
        self.hours.setAccessibleName(_("Hours a week"))
        self.hours.setPlaceholderText(_("e.g. 20"))
        self.age = QLineEdit()
        self.age.setAccessibleName(_("The PA's age in years"))
        self.age.setPlaceholderText(_("e.g. 34 (the minimum wage depends on age)"))
        self.starts_on = QDateEdit(QDate(today.year, today.month, today.day))
        self.starts_on.setCalendarPopup(True)
        self.starts_on.setDisplayFormat("dd/MM/yyyy")
        self.starts_on.setAccessibleName(_("The plan starts on"))
        self.work_out_button = QPushButton(_("Work it out"))
        self.work_out_button.setAccessibleName(_("Work out what the PA really costs"))
        self.work_out_button.clicked.connect(self.work_out)
        form = QFormLayout()
        form.addRow(_("Hourly rate (£):"), self.rate)
        form.addRow(_("Hours a week:"), self.hours)
        form.addRow(_("PA's age:"), self.age)
        form.addRow(_("Plan starts:"), self.starts_on)
        form.addRow("", self.work_out_button)
        self.lines = read_only_table(
            _("The PA's costs, one line each"), [_("Cost"), _("How it is worked out"), _("A year")], stretch=1
        )
        self.lines.setMinimumWidth(720)
        self.lines.setMinimumHeight(self.lines.fontMetrics().height() * 16)  # every line in view
        self.result_label = wrapped_label(rich=True)
        self.result_label.setAccessibleName(_("What the PA really costs"))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.add_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.add_button.setText(_("Add the lines to the plan"))
        self.add_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.lines, 1)
        layout.addWidget(self.result_label)
        layout.addWidget(self.buttons)
        for field in (self.rate, self.hours, self.age):
            field.textChanged.connect(self._changed)
        self.starts_on.dateChanged.connect(self._changed)
        name_unnamed_controls(self)

    def _changed(self) -> None:
        self.costing = None
        self.add_button.setEnabled(False)

    def work_out(self) -> bool:
        try:
            costing = self._services.pa_costs.cost(
                self.rate.text(), self.hours.text(), self.age.text(), python_date(self.starts_on.date())
            )
        except PersonalBudgetError as problem:
            self.costing = None
            self.add_button.setEnabled(False)
            fill_table(self.lines, [])
            self.result_label.setText(f"<b>{escape(str(problem))}</b>")
            return False
        self.costing = costing
        rows = [[line.label, line.basis, format_money(line.annual_pence)] for line in costing.lines]
        rows.append([_("Total"), "", format_money(costing.annual_pence)])
        fill_table(self.lines, rows, right=(2,))
        self.result_label.setText(
            f"<p><b>{escape(costing.summary())}</b></p><p>{escape(costing.rates.describe())}</p>"
        )
        self.add_button.setEnabled(True)
        return True
