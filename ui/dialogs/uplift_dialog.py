"""Apply an uplift (e.g. the April rate rise) to budgets and plan lines: the people affected and every
amount are listed first; Apply is only possible for the list shown."""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.uplift import UpliftForm, UpliftPreview
from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _, format_money
from personalbudget.services import Services
from ui.accessibility import name_unnamed_controls
from ui.widgets.date_field import python_date
from ui.widgets.money_widgets import fill_table, read_only_table, wrapped_label


class UpliftDialog(QDialog):
    def __init__(self, services: Services, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self.preview: UpliftPreview | None = None
        self.applied = False
        self.setWindowTitle(_("Apply an uplift to budgets"))
        self.percent = QLineEdit()
        self.percent.setAccessibleName(_("Uplift in per cent"))
        self.percent.setPlaceholderText(_("e.g. 3.2"))
        self.applies_from = QDateEdit(QDate(today.year, today.month, today.day))
        self.applies_from.setCalendarPopup(True)
        self.applies_from.setDisplayFormat("dd/MM/yyyy")
        self.applies_from.setAccessibleName(_("The uplift applies from"))
        self.reason = QLineEdit()
        self.reason.setAccessibleName(_("Reason for the uplift"))
        self.social_care = QCheckBox(_("Social care budgets"))
        self.social_care.setChecked(True)
        self.health = QCheckBox(_("NHS (health) budgets"))
        streams = QHBoxLayout()
        streams.addWidget(self.social_care)
        streams.addWidget(self.health)
        streams.addStretch(1)
        self.show_button = QPushButton(_("Show the people affected"))
        self.show_button.clicked.connect(self.show_people)
        form = QFormLayout()
        form.addRow(_("Uplift (%):"), self.percent)
        form.addRow(_("From:"), self.applies_from)
        form.addRow(_("Reason:"), self.reason)
        form.addRow(_("Funding:"), streams)
        form.addRow("", self.show_button)
        self.people = read_only_table(
            _("The people affected"), [_("Person"), _("Budget a year now"), _("After the uplift")], stretch=0
        )
        self.people.setMinimumWidth(560)
        self.words = wrapped_label(rich=True)
        self.words.setAccessibleName(_("What the uplift changes"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.apply_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.apply_button.setText(_("Apply the uplift"))
        self.apply_button.setEnabled(False)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.people, 1)
        layout.addWidget(self.words)
        layout.addWidget(buttons)
        for field in (self.percent, self.reason):
            field.textChanged.connect(self._changed)
        self.applies_from.dateChanged.connect(self._changed)
        self.social_care.toggled.connect(self._changed)
        self.health.toggled.connect(self._changed)
        name_unnamed_controls(self)

    def form(self) -> UpliftForm:
        streams = tuple(
            s for s, box in (("social_care", self.social_care), ("health", self.health)) if box.isChecked()
        )
        return UpliftForm(
            self.percent.text(), python_date(self.applies_from.date()), self.reason.text(), streams
        )

    def _changed(self) -> None:
        self.preview = None
        self.apply_button.setEnabled(False)

    def show_people(self) -> bool:
        try:
            preview = self._services.uplifts.preview(self.form())
        except PersonalBudgetError as problem:
            self._changed()
            fill_table(self.people, [])
            self.words.setText(f"<b>{escape(str(problem))}</b>")
            return False
        self.preview = preview
        fill_table(
            self.people,
            [
                [name, format_money(before), format_money(after)]
                for _pid, name, before, after in preview.people
            ],
            right=(1, 2),
        )
        note = _(
            "The payment schedules are not changed: record each new payment in step 4 from the date it starts."
        )
        self.words.setText(f"<p><b>{escape(preview.summary())}</b></p><p>{escape(note)}</p>")
        self.apply_button.setEnabled(bool(preview.changes))
        return True

    def apply(self) -> bool:
        if self.preview is None:
            return False
        try:
            self._services.uplifts.apply(self.form(), self.preview)
        except PersonalBudgetError as problem:
            self._changed()
            self.words.setText(f"<b>{escape(str(problem))}</b>")
            return False
        self.applied = True
        self.accept()
        return True
