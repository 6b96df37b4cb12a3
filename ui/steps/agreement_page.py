"""Step 3, agree plan: the submitted plan against its budget, the funder's decision, and the PDF."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
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
from personalbudget.domain.ras import STREAM_LABELS
from personalbudget.domain.roles import Permission, allowed
from personalbudget.domain.vocabularies import SUPPORT_CATEGORIES
from personalbudget.errors import PersonalBudgetError, ValidationError
from personalbudget.i18n import N_, _, format_date, format_money
from personalbudget.services import Services
from personalbudget.services.charging_service import split_sentence
from personalbudget.services.dto import PlanView
from personalbudget.services.plan_service import ApprovalSummary, check_decision
from ui.app_signals import AppSignals
from ui.dialogs.confirm_dialog import confirm_action
from ui.plan_pdf_export import export_plan_pdf
from ui.steps.step_page import PersonView
from ui.widgets.money_widgets import title_label
from ui.workers import BackgroundTask

APPROVER_ROLES = ("Team manager", "Funding panel", "Senior practitioner", "NHS continuing healthcare panel")


class AgreementPage(QScrollArea):
    def __init__(self, services: Services, signals: AppSignals, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._signals = signals
        self._person_id = 0
        self._plan: PlanView | None = None
        self._approval: ApprovalSummary | None = None
        self._task: BackgroundTask | None = None
        self.setWidgetResizable(True)

        title = title_label(_("Step 3: Agree plan"))
        self._title = title
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

    def person_view(self) -> PersonView:
        """The plain summary (``domain/person_view.agreement_summary``) in place of the plan as
        submitted; the decision is for an approver, the full PDF for staff."""
        view = PersonView(anchor=self.summary)
        view.staff(self._title, self.summary, self.waiting_note)
        view.staff(self.decision_box, permission=Permission.DECIDE_PLAN)
        view.staff(self.print_button, permission=Permission.PRINT)
        view.say(self.print_button, N_("Print my plan"))
        view.say(self.easy_read_button, N_("Print my plan in easy read"))
        return view

    def show_person(self, person_id: int) -> None:
        self._person_id = person_id
        try:
            cycle = self._services.lifecycle.get_cycle(person_id)
            self._plan = self._services.plans.get_plan(person_id)
            self._approval = self._services.plans.approval_summary(person_id)
            self._split_text = split_sentence(self._services.charging.split(person_id))
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
        self.summary.setText(self._summary_html(plan, self._approval))
        QTimer.singleShot(0, self, self._lay_out_summary)

    def _lay_out_summary(self) -> None:
        """Lay the summary out again once the events of showing it are done: the layout kept the
        first measure of its rich text (a list and a table), two pixels short of the height it
        needs, which cut its last line at 1366x768 (tests/ui/test_walk_defects_window.py)."""
        self.summary.updateGeometry()
        if (content := self.widget()) is not None and (layout := content.layout()) is not None:
            layout.invalidate()
            layout.activate()

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

    def print_plan(self, out: Path | None = None) -> BackgroundTask | None:
        self._task = export_plan_pdf(self, self._services, self._signals, self._person_id, out=out)
        return self._task

    def print_easy_read(self, out: Path | None = None) -> BackgroundTask | None:
        """The plan in easy read (pictures, short sentences, large type), written off the main thread."""
        self._task = export_plan_pdf(
            self, self._services, self._signals, self._person_id, out=out, easy_read=True
        )
        return self._task

    def _decide_clicked(self) -> None:
        decision = next(d for d, b in self._choice_buttons.items() if b.isChecked())
        text, role = self.decision_text.toPlainText(), self.role.currentText()
        try:
            check_decision(decision, text, role)
        except ValidationError as problem:
            QMessageBox.warning(
                self,
                _("The decision was not recorded"),
                _("Please put these right:") + "\n\n" + "\n".join(e.message for e in problem.errors),
            )
            return
        if self.confirm_decision(decision, text.strip()):
            self.decide(decision, text, role)

    def confirm_decision(self, decision: Decision, text: str) -> bool:
        """Say what the decision will do, and ask. True if the approver goes ahead."""
        summary = self._approval
        name = summary.person_name if summary else _("The person")
        version = summary.plan_version if summary else 0
        if decision == Decision.RETURN:
            return confirm_action(
                self,
                _("Return this plan?"),
                _(
                    "Returning sends version {n} of the plan back to step 2, Plan support, with your reasons. "
                    "It is not agreed."
                ).format(n=version),
                _("Your reasons: {text}").format(text=text)
                + "\n\n"
                + _("The practitioner can then change the plan and submit it again, as a new version."),
                _("Return plan"),
                _("Not yet"),
                name="returnPlanBox",
            )
        fixed = _("The agreed plan cannot be changed: a change makes a new version, which is agreed again.")
        review = (
            _("The first review will be due on {date}.").format(date=format_date(summary.first_review_due))
            if summary
            else ""
        )
        if decision == Decision.APPROVE_WITH_CONDITIONS:
            return confirm_action(
                self,
                _("Approve this plan with conditions?"),
                _(
                    "Approving fixes version {n} as the agreed plan, with your conditions recorded on it; "
                    "{name} moves to step 4, Manage budget."
                ).format(n=version, name=name),
                _("Your conditions: {text}").format(text=text) + "\n\n" + fixed + " " + review,
                _("Approve with conditions"),
                _("Not yet"),
                name="approvePlanBox",
            )
        return confirm_action(
            self,
            _("Approve this plan?"),
            _(
                "Approving fixes version {n} as the agreed plan; {name} moves to step 4, Manage budget."
            ).format(n=version, name=name),
            fixed + " " + review,
            _("Approve plan"),
            _("Not yet"),
            name="approvePlanBox",
        )

    def _summary_html(self, plan: PlanView | None, summary: ApprovalSummary | None) -> str:
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
        if summary is not None and summary.concerns:
            parts.append(
                "<p><b>"
                + escape(_("Look at these before deciding:"))
                + "</b></p><ul>"
                + "".join(f"<li>{escape(c)}</li>" for c in summary.concerns)
                + "</ul>"
            )
        if summary is not None:
            parts.append(_budget_html(summary))
        parts.append("<h4>" + escape(_("The plan against the budget")) + "</h4>")
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
            if getattr(self, "_split_text", ""):
                parts.append(" " + escape(self._split_text))
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
            else:
                parts.append(" " + escape(_("Exactly on budget.")))
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
        if summary is not None:
            parts.append(_outcomes_and_risks_html(summary))
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


def _row(label: str, value: str) -> str:
    return f"<tr><td valign='top'><b>{escape(label)}</b></td><td>{escape(value)}</td></tr>"


def _budget_html(summary: ApprovalSummary) -> str:
    """The indicative (RAS) budget beside the agreed one, the difference and the reason for it."""
    parts = ["<h4>" + escape(_("The budget")) + "</h4>"]
    if summary.agreed_annual_pence is None or summary.indicative_annual_pence is None:
        return "".join(parts) + "<p>" + escape(_("No budget has been agreed for this plan.")) + "</p>"
    change = summary.budget_change_pence or 0
    if change > 0:
        difference = _("{amount} a year more than the indicative budget").format(amount=format_money(change))
    elif change < 0:
        difference = _("{amount} a year less than the indicative budget").format(amount=format_money(-change))
    else:
        difference = _("None: the indicative budget was agreed")
    rows = [
        _row(
            _("Indicative budget (RAS {version}):").format(version=summary.ras_version),
            _("{amount} a year").format(amount=format_money(summary.indicative_annual_pence)),
        ),
        _row(
            _("Agreed budget:"), _("{amount} a year").format(amount=format_money(summary.agreed_annual_pence))
        ),
        _row(_("Difference:"), difference),
    ]
    if change:
        rows.append(
            _row(_("Reason for the difference:"), summary.budget_reason or _("No reason was recorded."))
        )
    if len(summary.streams) > 1:
        for stream in summary.streams:
            rows.append(
                _row(
                    _("{stream}:").format(stream=_(STREAM_LABELS.get(stream.stream, stream.stream))),
                    _("indicative {indicative}, agreed {agreed} a year").format(
                        indicative=format_money(stream.indicative_annual_pence),
                        agreed=format_money(stream.annual_pence),
                    ),
                )
            )
    parts.append("<table cellspacing='4'>" + "".join(rows) + "</table>")
    return "".join(parts)


def _outcomes_and_risks_html(summary: ApprovalSummary) -> str:
    """The Care Act outcomes the plan addresses, its risks and the contingency plan."""
    parts = ["<h4>" + escape(_("Care Act outcomes the plan addresses")) + "</h4>"]
    outcomes = "".join(
        f"<tr><td valign='top'>{escape(o.code)}) {escape(o.area)}</td><td valign='top'>{escape(o.description)}</td></tr>"
        for o in summary.outcomes
    )
    parts.append(
        f"<table cellspacing='4'><tr><th align='left'>{escape(_('Care Act outcome'))}</th>"
        f"<th align='left'>{escape(_('What the person wants to achieve'))}</th></tr>{outcomes}</table>"
        if outcomes
        else "<p>" + escape(_("No outcomes are recorded.")) + "</p>"
    )
    parts.append("<h4>" + escape(_("Risks and contingency plan")) + "</h4>")
    risks = "".join(
        f"<tr><td valign='top'>{escape(r.risk)}</td><td valign='top'>{escape(r.how_managed)}</td></tr>"
        for r in summary.risks
    )
    parts.append(
        f"<table cellspacing='4'><tr><th align='left'>{escape(_('Risk'))}</th>"
        f"<th align='left'>{escape(_('How it is managed'))}</th></tr>{risks}</table>"
        if risks
        else "<p>" + escape(_("No risks are recorded.")) + "</p>"
    )
    parts.append(
        "<p><b>"
        + escape(_("Contingency plan:"))
        + "</b> "
        + escape(summary.contingency or _("None written."))
        + "</p>"
    )
    return "".join(parts)
