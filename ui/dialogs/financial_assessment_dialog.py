"""Step 1: the non-residential financial assessment, worked out from the council's rules file with
every pound explained, to fill in the person's weekly contribution."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.financial_assessment import Assessment, AssessmentForm
from personalbudget.domain.money import parse_pounds
from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _
from personalbudget.services import Services
from ui.accessibility import name_unnamed_controls
from ui.widgets.money_widgets import wrapped_label


class FinancialAssessmentDialog(QDialog):
    def __init__(self, services: Services, care_weekly_pence: int, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self.assessment: Assessment | None = None
        self.setWindowTitle(_("Financial assessment"))
        rules = services.charging.charging_rules()
        self._rules = rules
        intro = wrapped_label(rules.describe())
        self.capital = QLineEdit("0.00")
        self.capital.setAccessibleName(_("Capital: savings and investments in pounds"))
        self.incomes: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.addRow(intro)
        form.addRow(_("Capital (£):"), self.capital)
        for kind in rules.incomes.values():
            edit = QLineEdit()
            edit.setAccessibleName(_("{income} in pounds a week").format(income=kind.label))
            if kind.disregarded:
                edit.setPlaceholderText(_("not counted"))
            self.incomes[kind.id] = edit
            form.addRow(_("{income} (£ a week):").format(income=kind.label), edit)
        self.band = QComboBox()
        self.band.setAccessibleName(_("Age group for the minimum income guarantee"))
        for band in rules.mig.values():
            self.band.addItem(band.label, band.id)
        form.addRow(_("Age group:"), self.band)
        self.premiums: dict[str, QCheckBox] = {}
        for premium in rules.premiums.values():
            box = QCheckBox(premium.label)
            self.premiums[premium.id] = box
            form.addRow("", box)
        self.dre = QLineEdit("0.00")
        self.dre.setAccessibleName(_("Disability-related expenditure in pounds a week"))
        self.housing = QLineEdit("0.00")
        self.housing.setAccessibleName(_("Housing costs in pounds a week"))
        self.care = QLineEdit(f"{care_weekly_pence / 100:.2f}")
        self.care.setAccessibleName(_("The weekly cost of the care in pounds"))
        form.addRow(_("Disability-related spending (£ a week):"), self.dre)
        form.addRow(_("Housing costs (£ a week):"), self.housing)
        form.addRow(_("Care costs (£ a week):"), self.care)
        self.work_out_button = QPushButton(_("Work it out"))
        self.work_out_button.clicked.connect(self.work_out)
        form.addRow("", self.work_out_button)
        self.result_label = wrapped_label(rich=True)
        self.result_label.setAccessibleName(_("How the contribution is worked out"))
        form.addRow(self.result_label)
        inner = QWidget()
        inner.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setMinimumSize(640, 520)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.use_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.use_button.setText(_("Use this contribution"))
        self.use_button.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        name_unnamed_controls(self)

    def form(self) -> AssessmentForm:
        def pence(edit: QLineEdit) -> int:
            return parse_pounds(edit.text()) if edit.text().strip() else 0

        return AssessmentForm(
            capital_pence=pence(self.capital),
            incomes={kind: pence(edit) for kind, edit in self.incomes.items() if edit.text().strip()},
            mig_band=self.band.currentData(),
            premiums=tuple(p for p, box in self.premiums.items() if box.isChecked()),
            dre_weekly_pence=pence(self.dre),
            housing_weekly_pence=pence(self.housing),
            care_weekly_pence=pence(self.care),
        )

    def work_out(self) -> bool:
        try:
            assessment = self._services.charging.assess(self.form())
        except (PersonalBudgetError, ValueError) as problem:
            self.assessment = None
            self.use_button.setEnabled(False)
            self.result_label.setText(f"<b>{escape(str(problem))}</b>")
            return False
        self.assessment = assessment
        lines = "".join(f"<li>{escape(line)}</li>" for line in assessment.explanation())
        self.result_label.setText(f"<ul>{lines}</ul>")
        self.use_button.setEnabled(True)
        return True
