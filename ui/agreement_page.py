"""Step 3, agree plan: the submitted plan against its budget, the funder's decision, and the PDF."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.plan import BudgetFit, Decision, PlanStatus
from personalbudget.domain.roles import Permission, allowed
from personalbudget.domain.vocabularies import SUPPORT_CATEGORIES
from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _, format_date, format_money
from personalbudget.services import Services
from personalbudget.services.plan_service import PlanView
from ui.app_signals import AppSignals
from ui.money_widgets import title_label
from ui.plan_pdf_export import export_plan_pdf
from ui.workers import BackgroundTask

APPROVER_ROLES = ("Team manager", "Funding panel", "Senior practitioner", "NHS continuing healthcare panel")


class AgreementPage(QScrollArea):
    def __init__(self, services: Services, signals: AppSignals, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._signals = signals
        self._person_id = 0
        self._plan: PlanView | None = None
        self._task: BackgroundTask | None = None
        self.setWidgetResizable(True)

        title = title_label(_("Step 3: Agree plan"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAccessibleName(_("The plan as submitted"))

        self.decision_box = QGroupBox(_("Decision"))
        self.decision_box.setAccessibleName(_("Decision on the plan"))
        self.choices = QButtonGroup(self)
        choice_layout = QVBoxLayout()
        self._choice_buttons: dict[Decision, QRadioButton] = {}
        for decision, label in (
            (Decision.APPROVE, _("Approve")),
            (Decision.APPROVE_WITH_CONDITIONS, _("Approve with conditions")),
            (Decision.RETURN, _("Return with reasons")),
        ):
            button = QRadioButton(label)
            button.setAccessibleName(label)
            self.choices.addButton(button)
            self._choice_buttons[decision] = button
            choice_layout.addWidget(button)
        self._choice_buttons[Decision.APPROVE].setChecked(True)
        self.decision_text = QPlainTextEdit()
        self.decision_text.setTabChangesFocus(True)
        self.decision_text.setAccessibleName(_("Conditions or reasons"))
        self.decision_text.setPlaceholderText(_("Conditions of approval, or reasons for returning the plan."))
        self.decision_text.setMaximumHeight(110)
        self.role = QComboBox()
        self.role.setEditable(True)
        self.role.addItems([_(r) for r in APPROVER_ROLES])
        self.role.setAccessibleName(_("Your role in this decision"))
        self.decide_button = QPushButton(_("Record decision"))
        self.decide_button.setAccessibleName(_("Record the decision on the plan"))
        self.decide_button.clicked.connect(self._decide_clicked)
        form = QFormLayout(self.decision_box)
        form.addRow(choice_layout)
        form.addRow(_("Conditions or reasons:"), self.decision_text)
        form.addRow(_("Your role:"), self.role)
        form.addRow(self.decide_button)

        self.waiting_note = QLabel(
            _(
                "Waiting for an approver's decision. Only an approver (team manager or funding panel) can approve or return a plan."
            )
        )
        self.waiting_note.setWordWrap(True)
        self.waiting_note.setAccessibleName(_("Waiting for a decision"))

        self.print_button = QPushButton(_("Print support plan (PDF)..."))
        self.print_button.setAccessibleName(_("Print the support plan as a PDF"))
        self.print_button.clicked.connect(lambda: self.print_plan())
        self.easy_read_button = QPushButton(_("Easy read plan (PDF)..."))
        self.easy_read_button.setAccessibleName(_("Print the plan in easy read as a PDF"))
        self.easy_read_button.setAccessibleDescription(
            _("Pictures, short sentences and large type, for the person to keep. Prints the agreed plan.")
        )
        self.easy_read_button.clicked.connect(lambda: self.print_easy_read())
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.easy_read_button)
        buttons.addStretch(1)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(title)
        layout.addWidget(self.summary)
        layout.addWidget(self.decision_box)
        layout.addWidget(self.waiting_note)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.setWidget(content)

    def show_person(self, person_id: int) -> None:
        self._person_id = person_id
        try:
            cycle = self._services.lifecycle.get_cycle(person_id)
            self._plan = self._services.plans.get_plan(person_id)
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("Cannot show the plan"), str(problem))
            return
        plan = self._plan
        waiting = bool(plan and plan.status == PlanStatus.SUBMITTED and cycle.current_step == Step.AGREE_PLAN)
        may_decide = allowed(self._services.context.role, Permission.DECIDE_PLAN)
        self.decision_box.setVisible(waiting and may_decide)
        self.waiting_note.setVisible(waiting and not may_decide)
        self.print_button.setEnabled(plan is not None)
        self.easy_read_button.setEnabled(plan is not None)
        self.summary.setText(self._summary_html(plan))

    def decide(self, decision: Decision, text: str, role: str) -> bool:
        try:
            self._plan = self._services.plans.decide(self._person_id, decision, text, role)
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("The decision was not recorded"), str(problem))
            return False
        self._signals.cycle_changed.emit(self._person_id)
        self._signals.status_message.emit(_("Decision recorded: {decision}").format(decision=decision.label))
        self.decision_text.clear()
        return True

    def print_plan(self, out=None) -> BackgroundTask | None:  # type: ignore[no-untyped-def]
        self._task = export_plan_pdf(self, self._services, self._signals, self._person_id, out=out)
        return self._task

    def print_easy_read(self, out=None) -> BackgroundTask | None:  # type: ignore[no-untyped-def]
        """The plan in easy read (pictures, short sentences, large type), written off the main thread."""
        self._task = export_plan_pdf(
            self, self._services, self._signals, self._person_id, out=out, easy_read=True
        )
        return self._task

    def _decide_clicked(self) -> None:
        decision = next(d for d, b in self._choice_buttons.items() if b.isChecked())
        self.decide(decision, self.decision_text.toPlainText(), self.role.currentText())

    def _summary_html(self, plan: PlanView | None) -> str:
        if plan is None:
            return (
                "<p>"
                + escape(_("No plan has been written yet. Write the plan in step 2 and submit it."))
                + "</p>"
            )
        parts = [
            "<h3>"
            + escape(_("Plan version {n}: {status}").format(n=plan.version, status=plan.status.label))
            + "</h3>"
        ]
        costing = plan.costing
        parts.append(
            "<p>"
            + escape(
                _("Planned cost: {week} a week, {year} a year.").format(
                    week=format_money(costing.weekly_pence), year=format_money(costing.annual_pence)
                )
            )
        )
        if plan.budget is not None:
            parts.append(
                " "
                + escape(
                    _("Agreed budget: {year} a year.").format(year=format_money(plan.budget.annual_pence))
                )
            )
            if costing.fit == BudgetFit.OVER:
                parts.append(
                    " <b>"
                    + escape(
                        _("Over budget by {diff} a year.").format(
                            diff=format_money(-costing.difference_pence)
                        )
                    )
                    + "</b>"
                )
            elif costing.fit == BudgetFit.UNDER:
                parts.append(
                    " "
                    + escape(
                        _("Under budget by {diff} a year.").format(
                            diff=format_money(costing.difference_pence)
                        )
                    )
                )
        parts.append("</p>")
        if plan.over_budget_justification:
            parts.append(
                "<p><b>"
                + escape(_("Why it is over budget:"))
                + "</b> "
                + escape(plan.over_budget_justification)
                + "</p>"
            )
        rows = "".join(
            f"<tr><td>{escape(_(SUPPORT_CATEGORIES[i.category]))}: {escape(i.description)}</td>"
            f"<td>{escape(i.provider or _('To be arranged'))}</td>"
            f"<td align='right'>{escape(format_money(i.annual_pence))}</td></tr>"
            for i in costing.items
        )
        if rows:
            parts.append(
                f"<table cellspacing='4'><tr><th align='left'>{escape(_('Support'))}</th><th align='left'>"
                f"{escape(_('Provider'))}</th><th align='right'>{escape(_('Per year'))}</th></tr>{rows}</table>"
            )
        if plan.submitted_at:
            parts.append(
                "<p>"
                + escape(
                    _("Submitted by {who} on {date}.").format(
                        who=plan.submitted_by, date=format_date(plan.submitted_at.date())
                    )
                )
                + "</p>"
            )
        for d in plan.decisions:
            line = _("{decision} by {who} ({role}) on {date}.").format(
                decision=d.decision.label,
                who=d.decided_by,
                role=d.role,
                date=format_date(d.decided_at.date()),
            )
            parts.append(
                "<p><b>" + escape(line) + "</b>" + (("<br/>" + escape(d.text)) if d.text else "") + "</p>"
            )
        return "".join(parts)
