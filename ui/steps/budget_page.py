"""Step 1, set budget: the supported self-assessment, one area of life at a time,
with the running indicative budget and how it is worked out always in view."""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.charging import Contribution, ContributionForm, ContributionStatus, PaymentBasis
from personalbudget.domain.financial_assessment import Assessment
from personalbudget.domain.money import parse_pounds
from personalbudget.domain.ras import STREAM_LABELS, Domain, IndicativeBudget, explain
from personalbudget.domain.roles import Permission, allowed
from personalbudget.errors import ConcurrentEditError, FieldError, PersonalBudgetError, ValidationError
from personalbudget.i18n import N_, _, format_date, format_money, ngettext
from personalbudget.services import Services
from personalbudget.services.charging_service import ContributionView
from personalbudget.services.dto import BudgetView
from ui.accessibility import chain_after
from ui.app_signals import AppSignals
from ui.dialogs.financial_assessment_dialog import FinancialAssessmentDialog
from ui.dialogs.uplift_dialog import UpliftDialog
from ui.edit_conflicts import settle
from ui.steps.step_page import PersonView
from ui.theme import MUTED_TEXT
from ui.widgets.date_field import python_date
from ui.widgets.text_wrap import wrap_text

# Answers and questions wrap at about this many characters, so the questionnaire never scrolls
# sideways however long the words (Welsh answers run longer than English ones).
LINE_CHARACTERS = 32


def _bold(label: QLabel, scale: float = 1.0) -> QLabel:
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


class BudgetPage(QScrollArea):
    """The RAS questionnaire and the indicative/agreed budget for the open person."""

    budget_agreed = Signal(int)

    def __init__(self, services: Services, signals: AppSignals, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._signals = signals
        self._ras = services.budget.ras
        self._person_id = 0
        self._view: BudgetView | None = None
        self._answers: dict[str, str] = {}
        self._domain_index = 0
        self._groups: list[QButtonGroup] = []

        intro = QLabel(
            _(
                "Answer each question together with the person. The indicative budget on the right "
                "changes as you go, and shows how it is worked out."
            )
        )
        intro.setWordWrap(True)
        intro.setStyleSheet(f"color: {MUTED_TEXT};")
        self._intro = intro

        self.budget_type = QComboBox()
        self.budget_type.setAccessibleName(_("Type of budget"))
        for type_id, budget_type in self._ras.budget_types.items():
            self.budget_type.addItem(_(budget_type.label), type_id)
        self.budget_type.currentIndexChanged.connect(self._answers_changed)
        type_row = QFormLayout()
        type_row.addRow(_("Type of budget:"), self.budget_type)

        self.progress_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setAccessibleName(_("Questions answered"))
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.domain_title = _bold(QLabel(), 1.15)
        self.domain_title.setWordWrap(True)
        self.questions_area = QWidget()
        self.questions_layout = QVBoxLayout(self.questions_area)
        self.questions_layout.setContentsMargins(0, 0, 0, 0)
        questions_scroll = QScrollArea()
        questions_scroll.setWidgetResizable(True)
        questions_scroll.setFrameShape(QFrame.Shape.NoFrame)
        questions_scroll.setWidget(self.questions_area)

        self.previous_button = QPushButton(_("< Previous area"))
        self.previous_button.setAccessibleName(_("Previous area of life"))
        self.previous_button.clicked.connect(lambda: self._go_to_domain(self._domain_index - 1))
        self.next_button = QPushButton(_("Next area >"))
        self.next_button.setAccessibleName(_("Next area of life"))
        self.next_button.clicked.connect(lambda: self._go_to_domain(self._domain_index + 1))
        navigation = QHBoxLayout()
        navigation.addWidget(self.previous_button)
        navigation.addStretch(1)
        navigation.addWidget(self.next_button)

        questionnaire = QWidget()
        left = QVBoxLayout(questionnaire)
        left.setContentsMargins(0, 0, 8, 0)
        left.addLayout(type_row)
        left.addWidget(self.progress_label)
        left.addWidget(self.progress)
        left.addWidget(self.domain_title)
        left.addWidget(questions_scroll, 1)
        left.addLayout(navigation)

        # The running figure and its breakdown, always visible.
        self.figure = _bold(QLabel(), 1.6)
        self.figure.setAccessibleName(_("Indicative budget"))
        self.figure.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.figure_note = QLabel()
        self.figure_note.setWordWrap(True)
        self.breakdown = QLabel()
        self.breakdown.setWordWrap(True)
        self.breakdown.setTextFormat(Qt.TextFormat.RichText)
        self.breakdown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.breakdown.setAccessibleName(_("How the indicative budget is worked out"))
        self.agreed_label = QLabel()
        self.agreed_label.setWordWrap(True)
        self.agreed_label.setTextFormat(Qt.TextFormat.RichText)
        self.agreed_label.setAccessibleName(_("Agreed budget"))
        self.agree_button = QPushButton(_("Agree budget..."))
        self.agree_button.setAccessibleName(_("Agree the budget"))
        self.agree_button.setAccessibleDescription(
            _("Agree the indicative budget, or a different amount with a reason, and move on to planning.")
        )
        self.agree_button.clicked.connect(self.ask_agree)
        # The person's contribution (charging) and the budget as the council's part + the person's part.
        self.contribution_label = QLabel()
        self.contribution_label.setWordWrap(True)
        self.contribution_label.setTextFormat(Qt.TextFormat.RichText)
        self.contribution_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.contribution_label.setAccessibleName(_("The person's contribution"))
        self.contribution_button = QPushButton(_("Record contribution..."))
        self.contribution_button.setAccessibleName(_("Record the person's contribution"))
        self.contribution_button.setAccessibleDescription(
            _("Record the assessed weekly contribution, that it is awaited, or that it is nil.")
        )
        self.contribution_button.clicked.connect(self.ask_contribution)
        self.uplift_button = QPushButton(_("Uplift budgets..."))
        self.uplift_button.setAccessibleName(_("Apply an uplift to every agreed budget and plan line"))
        self.uplift_button.setAccessibleDescription(
            _("For example the April rate rise: the people affected are listed before it is applied.")
        )
        self.uplift_button.clicked.connect(self.ask_uplift)
        if not allowed(services.context.role, Permission.AGREE_BUDGET):
            self.uplift_button.hide()  # (setVisible(True) here, before it has a parent, opens it as a window)
        self._contribution: ContributionView | None = None
        summary = QFrame()
        summary.setObjectName("budgetSummary")
        summary.setFrameShape(QFrame.Shape.StyledPanel)
        right = QVBoxLayout(summary)
        self._figure_title = QLabel(_("Indicative budget"))
        right.addWidget(self._figure_title)
        right.addWidget(self.figure)
        right.addWidget(self.figure_note)
        right.addWidget(self.breakdown)
        right.addWidget(self.agreed_label)
        right.addWidget(self.contribution_label)
        right.addWidget(self.contribution_button)
        right.addStretch(1)
        right.addWidget(self.agree_button)
        right.addWidget(self.uplift_button)
        summary_scroll = QScrollArea()
        summary_scroll.setWidgetResizable(True)
        summary_scroll.setFrameShape(QFrame.Shape.NoFrame)
        summary_scroll.setWidget(summary)
        summary_scroll.setMinimumWidth(300)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(questionnaire)
        self._questionnaire = questionnaire
        splitter.addWidget(summary_scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)

    # -- public ------------------------------------------------------------------------------
    def person_view(self) -> PersonView:
        """The person answers one question at a time (``ui/coproduction.py``), in place of the
        questionnaire by areas with its points; the money is said in the plain summary."""
        view = PersonView(anchor=self._questionnaire, summary_anchor=self.figure)
        view.staff(self._questionnaire, self.budget_type, self.breakdown, self.agreed_label)
        view.staff(self.figure, self.figure_note, self.contribution_label, self.uplift_button)
        view.staff(self.agree_button, permission=Permission.AGREE_BUDGET)
        view.staff(self.contribution_button)  # the financial assessment is recorded by staff
        view.say(self._intro, N_("Answer the questions one at a time."))
        view.say(self._figure_title, N_("The money you could have"))
        return view

    def show_person(self, person_id: int) -> None:
        self._person_id = person_id
        try:
            self._view = self._services.budget.get_budget(person_id)
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("Cannot show the budget"), str(problem))
            return
        self._answers = dict(self._view.answers)
        self.budget_type.blockSignals(True)
        index = self.budget_type.findData(self._view.budget_type or "personal_budget")
        self.budget_type.setCurrentIndex(max(index, 0))
        self.budget_type.blockSignals(False)
        self.budget_type.setEnabled(self._view.can_edit)
        self._go_to_domain(self._first_unanswered_domain())
        self._refresh_summary()

    def domain_index(self) -> int:
        return self._domain_index

    def contribution(self) -> ContributionView | None:
        return self._contribution

    def record_contribution(self, form: ContributionForm) -> bool:
        """Record the person's contribution (as the dialog does); False, with the reason shown, if refused."""
        pid = self._person_id
        try:
            try:
                self._contribution = self._services.charging.record_contribution(
                    pid, form, base=self._contribution
                )
            except ConcurrentEditError as conflict:  # someone else recorded one meanwhile
                settled = settle(
                    self,
                    self._services,
                    conflict,
                    save_mine=lambda current, how: self._services.charging.record_contribution(
                        pid, form, base=current, resolution=how
                    ),
                    reload=lambda _current: self.show_person(pid),
                )
                if settled is None:
                    return False
                self._contribution = settled
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("The contribution was not recorded"), str(problem))
            return False
        self._signals.status_message.emit(_("The person's contribution is recorded."))
        self._refresh_contribution()
        return True

    def ask_uplift(self) -> None:
        dialog = UpliftDialog(self._services, self._services.context.clock.today(), self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.applied and dialog.preview is not None:
            self._signals.status_message.emit(dialog.preview.summary())
            self._signals.cycle_changed.emit(self._person_id)
            self.show_person(self._person_id)

    def ask_contribution(self) -> None:
        current = self._contribution.current if self._contribution else None
        view = self._view
        weekly = 0
        if view is not None and view.agreed is not None:
            weekly = view.agreed.weekly_pence
        elif view is not None and view.indicative is not None:
            weekly = view.indicative.weekly_pence
        dialog = ContributionDialog(
            current.contribution if current else None,
            bool(self._contribution and self._contribution.nhs_only),
            self._services.context.clock.today(),
            self,
            services=self._services,
            care_weekly_pence=weekly,
        )
        while dialog.exec() == QDialog.DialogCode.Accepted:
            if self.record_contribution(dialog.form()):
                return

    def answer(self, question_id: str, answer_id: str) -> None:
        """Choose an answer (as clicking its radio button does) and save it."""
        self._answers[question_id] = answer_id
        self._answers_changed()
        self._sync_buttons()

    def indicative(self) -> IndicativeBudget:
        return self._services.budget.preview(self.budget_type.currentData(), self._answers)

    def agree(self, agreed_annual: dict[str, int] | None, reason: str) -> bool:
        pid = self._person_id
        try:
            try:
                view = self._services.budget.agree_budget(pid, agreed_annual, reason, base=self._view)
            except ConcurrentEditError as conflict:  # someone else saved step 1 meanwhile
                settled = settle(
                    self,
                    self._services,
                    conflict,
                    save_mine=lambda current, how: self._services.budget.agree_budget(
                        pid, agreed_annual, reason, base=current, resolution=how
                    ),
                    reload=lambda _current: self.show_person(pid),
                )
                if settled is None:
                    return False  # their budget shown, or back to the page: nothing saved
                view = settled
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("The budget was not agreed"), str(problem))
            return False
        assert view.agreed is not None
        self._signals.cycle_changed.emit(self._person_id)
        self._signals.status_message.emit(
            _("Budget agreed: {amount} a year").format(amount=format_money(view.agreed.annual_pence))
        )
        self.budget_agreed.emit(self._person_id)
        return True

    def ask_agree(self) -> None:
        indicative = self.indicative()
        if not indicative.complete:
            QMessageBox.information(
                self,
                _("Some questions are not answered"),
                _("Answer every question before agreeing the budget: {done} of {total} answered.").format(
                    done=indicative.answered, total=indicative.questions
                ),
            )
            self._go_to_domain(self._first_unanswered_domain())
            return
        dialog = AgreeBudgetDialog(indicative, self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            if self.agree(dialog.amounts(), dialog.reason()):
                return

    # -- building the questions ----------------------------------------------------------------
    def _domains(self) -> tuple[Domain, ...]:
        return self._ras.domains

    def _first_unanswered_domain(self) -> int:
        for index, domain in enumerate(self._domains()):
            if any(q.id not in self._answers for q in domain.questions):
                return index
        return 0

    def _go_to_domain(self, index: int) -> None:
        domains = self._domains()
        self._domain_index = max(0, min(index, len(domains) - 1))
        domain = domains[self._domain_index]
        self.domain_title.setText(
            _("Area {n} of {total}: {title}").format(
                n=self._domain_index + 1, total=len(domains), title=_(domain.title)
            )
        )
        while self.questions_layout.count():
            item = self.questions_layout.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                widget.deleteLater()
        self._groups = []
        editable = bool(self._view and self._view.can_edit)
        for question in domain.questions:
            box = QGroupBox()  # the question is a wrapped label: a group box title cannot wrap
            box.setAccessibleName(_(question.text))
            box_layout = QVBoxLayout(box)
            heading = _bold(QLabel(_(question.text)))
            heading.setWordWrap(True)
            box_layout.addWidget(heading)
            line_width = box.fontMetrics().averageCharWidth() * LINE_CHARACTERS
            if question.help:
                hint = QLabel(_(question.help))
                hint.setWordWrap(True)
                hint.setStyleSheet(f"color: {MUTED_TEXT};")
                box_layout.addWidget(hint)
            group = QButtonGroup(box)
            group.setExclusive(True)
            for answer in question.answers:
                text = _(answer.text)
                if answer.points:
                    text += " " + ngettext("({n} point)", "({n} points)", answer.points).format(
                        n=answer.points
                    )
                button = QRadioButton(wrap_text(text, box.fontMetrics(), line_width))
                button.setAccessibleName(_(answer.text))
                button.setAccessibleDescription(_(question.text))
                button.setProperty("question_id", question.id)
                button.setProperty("answer_id", answer.id)
                button.setEnabled(editable)
                button.setChecked(self._answers.get(question.id) == answer.id)
                group.addButton(button)
                box_layout.addWidget(button)
            group.buttonClicked.connect(self._button_clicked)
            self._groups.append(group)
            self.questions_layout.addWidget(box)
        self.questions_layout.addStretch(1)
        # Tab reaches the new answers where they are on the page, not after everything else.
        chain_after(self.questions_area, [button for group in self._groups for button in group.buttons()])
        self.previous_button.setEnabled(self._domain_index > 0)
        self.next_button.setEnabled(self._domain_index < len(domains) - 1)
        self._refresh_progress()

    def _button_clicked(self, button: QRadioButton) -> None:
        self._answers[button.property("question_id")] = button.property("answer_id")
        self._answers_changed()

    def _sync_buttons(self) -> None:
        for group in self._groups:
            for button in group.buttons():
                button.setChecked(
                    self._answers.get(button.property("question_id")) == button.property("answer_id")
                )

    def _answers_changed(self) -> None:
        if self._view is None or not self._view.can_edit:
            return
        pid, kind, answers = self._person_id, self.budget_type.currentData(), dict(self._answers)
        try:
            try:
                self._view = self._services.budget.save_answers(pid, kind, answers, base=self._view)
            except ConcurrentEditError as conflict:  # someone else saved step 1 meanwhile
                settled = settle(
                    self,
                    self._services,
                    conflict,
                    save_mine=lambda current, how: self._services.budget.save_answers(
                        pid, kind, answers, base=current, resolution=how
                    ),
                    reload=lambda _current: self.show_person(pid),
                )
                if settled is None:
                    return
                self._view = settled
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("The answer was not saved"), str(problem))
            return
        self._refresh_progress()
        self._refresh_summary()

    # -- the summary -------------------------------------------------------------------------
    def _refresh_progress(self) -> None:
        total = len(self._ras.questions)
        done = sum(1 for q in self._ras.questions if q in self._answers)
        self.progress.setMaximum(total)
        self.progress.setValue(done)
        self.progress_label.setText(
            ngettext(
                "{done} of {total} question answered", "{done} of {total} questions answered", total
            ).format(done=done, total=total)
        )

    def _refresh_summary(self) -> None:
        view = self._view
        if view is None:
            return
        indicative = view.indicative if view.indicative is not None else self.indicative()
        self.figure.setText(_("{week} a week").format(week=format_money(indicative.weekly_pence)))
        note = ngettext(
            "{year} a year. {done} of {total} question answered.",
            "{year} a year. {done} of {total} questions answered.",
            indicative.questions,
        ).format(
            year=format_money(indicative.annual_pence),
            done=indicative.answered,
            total=indicative.questions,
        )
        if indicative.unfunded_points:
            note += " " + ngettext(
                "Not in this figure: {n} point this type of budget does not fund (see below).",
                "Not in this figure: {n} points this type of budget does not fund (see below).",
                indicative.unfunded_points,
            ).format(n=indicative.unfunded_points)
        self.figure_note.setText(note)
        rows = "".join(
            f"<tr><td>{escape(_(d.title))}</td><td align='right'>{d.points}</td></tr>"
            for d in indicative.domains
            if d.stream
        )
        unfunded = "".join(
            f"<tr><td><i>{escape(_(d.title))}: {escape(_('not funded by this type of budget'))}</i></td>"
            f"<td align='right'><i>{d.points}</i></td></tr>"
            for d in indicative.unfunded_domains
        )
        lines = "".join(f"<li>{escape(line)}</li>" for line in explain(indicative))
        self.breakdown.setText(
            f"<table width='100%' cellspacing='2'><tr><th align='left'>{_('Area of life')}</th>"
            f"<th align='right'>{_('Points')}</th></tr>{rows}"
            f"<tr><td><b>{_('Total points')}</b></td><td align='right'><b>{indicative.total_points}</b></td></tr>"
            f"{unfunded}</table>"
            f"<ul>{lines}</ul><p>{_('RAS: {name}, version {version}').format(name=indicative.ras_name, version=indicative.ras_version)}</p>"
        )
        agreed = view.agreed
        if agreed:
            streams = "".join(
                f"<li>{_(STREAM_LABELS[s.stream])}: {format_money(s.annual_pence)}</li>"
                for s in agreed.streams
            )
            reason = f"<p>{_('Reason for the change:')} {escape(agreed.reason)}</p>" if agreed.reason else ""
            self.agreed_label.setText(
                f"<h3>{_('Agreed budget')}: {format_money(agreed.annual_pence)} {_('a year')}</h3>"
                f"<p>{_('{week} a week').format(week=format_money(agreed.weekly_pence))}</p><ul>{streams}</ul>{reason}"
                f"<p>{_('Agreed by {who} on {date}').format(who=escape(agreed.agreed_by), date=format_date(agreed.agreed_at.date()))}</p>"
            )
        else:
            self.agreed_label.setText(_("Not agreed yet."))
        self.agree_button.setVisible(view.can_edit)
        self._refresh_contribution()

    def _refresh_contribution(self) -> None:
        try:
            self._contribution = self._services.charging.get_contribution(self._person_id)
        except PersonalBudgetError as problem:
            self.contribution_label.setText(escape(str(problem)))
            return
        view = self._contribution
        current = view.current
        if view.nhs_only and current is None:
            status = _("NHS funding carries no contribution from the person.")
        elif current is None:
            status = _("The person's contribution has not been recorded yet.")
        else:
            status = current.contribution.describe()
            status += " " + _("(recorded by {who} on {date})").format(
                who=current.recorded_by, date=format_date(current.recorded_at.date())
            )
            if current.rules_file:
                status += " " + _("Worked out with the financial assessment rules in {file}.").format(
                    file=current.rules_file
                )
        lines = "".join(f"<li>{escape(line)}</li>" for line in view.split.explanation()) if view.split else ""
        headline = (
            f"<p><b>{escape(view.split.summary())}</b></p>"
            if view.split is not None and view.split.person_annual_pence
            else ""
        )
        heading = _("The person's contribution")
        self.contribution_label.setText(
            f"<h3>{escape(heading)}</h3><p>{escape(status)}</p>{headline}<ul>{lines}</ul>"
        )


class AgreeBudgetDialog(QDialog):
    """Agree the indicative budget, or another amount for each funding stream with a reason."""

    def __init__(self, indicative: IndicativeBudget, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Agree the budget"))
        self._indicative = indicative
        self._fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        explanation = QLabel(
            _(
                "The indicative budget is {year} a year. Agree it as it is, or change the yearly amount for a "
                "funding stream and record why."
            ).format(year=format_money(indicative.annual_pence))
        )
        explanation.setWordWrap(True)
        form.addRow(explanation)
        for stream in indicative.streams:
            field = QLineEdit(f"{stream.annual_pence / 100:.2f}")
            field.setAccessibleName(
                _("Yearly amount for {stream}").format(stream=_(STREAM_LABELS[stream.stream]))
            )
            self._fields[stream.stream] = field
            form.addRow(_("{stream} (£ a year):").format(stream=_(STREAM_LABELS[stream.stream])), field)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setAccessibleName(_("Reason for changing the amount"))
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setPlaceholderText(_("Needed only if you change an amount."))
        form.addRow(_("Reason:"), self.reason_edit)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        form.addRow(self.error_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Agree budget"))
        buttons.accepted.connect(self._check_and_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _parsed(self) -> dict[str, int]:
        amounts = {}
        problems = []
        for stream, field in self._fields.items():
            try:
                amounts[stream] = parse_pounds(field.text())
            except ValueError as problem:
                problems.append(FieldError(stream, f"{_(STREAM_LABELS[stream])}: {problem}"))
        if problems:
            raise ValidationError(problems)
        return amounts

    def _check_and_accept(self) -> None:
        try:
            self._parsed()
        except ValidationError as problem:
            self.error_label.setText(str(problem))
            return
        self.accept()

    def amounts(self) -> dict[str, int] | None:
        amounts = self._parsed()
        offered = {s.stream: s.annual_pence for s in self._indicative.streams}
        return None if amounts == offered else amounts

    def reason(self) -> str:
        return self.reason_edit.toPlainText()


class ContributionDialog(QDialog):
    """Record the person's contribution: assessed, awaited or nil, from when, why, and gross or net."""

    def __init__(
        self,
        current: Contribution | None,
        nhs_only: bool,
        today: date,
        parent: QWidget | None = None,
        *,
        services: Services | None = None,
        care_weekly_pence: int = 0,
    ):
        super().__init__(parent)
        self._services = services
        self._care_weekly_pence = care_weekly_pence
        self.rules_file = ""
        self.setWindowTitle(_("The person's contribution"))
        form = QFormLayout()
        explanation = QLabel(
            _(
                "Most people pay a weekly contribution towards a council-funded personal budget, worked out "
                "by the financial assessment. NHS funding carries none."
            )
        )
        explanation.setWordWrap(True)
        form.addRow(explanation)
        self.status = QComboBox()
        self.status.setAccessibleName(_("Contribution"))
        for status in ContributionStatus:
            self.status.addItem(status.label, status.value)
        self.weekly = QLineEdit()
        self.weekly.setAccessibleName(_("Weekly contribution in pounds"))
        self.weekly.setPlaceholderText(_("e.g. 42.50"))
        self.starts_on = QDateEdit()
        self.starts_on.setCalendarPopup(True)
        self.starts_on.setDisplayFormat("dd/MM/yyyy")
        self.starts_on.setAccessibleName(_("Contribution applies from"))
        self.reason = QLineEdit()
        self.reason.setAccessibleName(_("Reason"))
        self.reason.setPlaceholderText(_("e.g. Financial assessment of 2 March 2026"))
        self.basis = QComboBox()
        self.basis.setAccessibleName(_("How a direct payment is paid"))
        for basis in PaymentBasis:
            self.basis.addItem(basis.label, basis.value)
        if current is not None:
            self.status.setCurrentIndex(max(self.status.findData(current.status.value), 0))
            self.weekly.setText(f"{current.weekly_pence / 100:.2f}" if current.weekly_pence else "")
            self.starts_on.setDate(
                QDate(current.starts_on.year, current.starts_on.month, current.starts_on.day)
            )
            self.reason.setText(current.reason)
            self.basis.setCurrentIndex(max(self.basis.findData(current.basis.value), 0))
        else:
            self.starts_on.setDate(QDate(today.year, today.month, today.day))
            if nhs_only:
                self.status.setCurrentIndex(self.status.findData(ContributionStatus.NIL.value))
        self.status.currentIndexChanged.connect(self._status_changed)
        form.addRow(_("Contribution:"), self.status)
        form.addRow(_("Weekly amount (£):"), self.weekly)
        form.addRow(_("From:"), self.starts_on)
        form.addRow(_("Reason:"), self.reason)
        form.addRow(_("Direct payment paid:"), self.basis)
        self.assess_button = QPushButton(_("Work it out with the financial assessment..."))
        self.assess_button.setAccessibleName(_("Work out the contribution with the financial assessment"))
        self.assess_button.clicked.connect(self.ask_assessment)
        if services is None or nhs_only:
            self.assess_button.hide()  # (not setVisible(True) before it has a parent: that opens a window)
        form.addRow("", self.assess_button)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Record contribution"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._status_changed()

    def ask_assessment(self) -> None:
        if self._services is None:
            return
        try:
            dialog = FinancialAssessmentDialog(self._services, self._care_weekly_pence, self)
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("The financial assessment rules cannot be read"), str(problem))
            return
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.assessment is not None:
            self.use_assessment(dialog.assessment)

    def use_assessment(self, assessment: Assessment) -> None:
        """Fill in the contribution from a financial assessment (the rules file is recorded with it)."""
        status = ContributionStatus.ASSESSED if assessment.weekly_pence else ContributionStatus.NIL
        self.status.setCurrentIndex(self.status.findData(status.value))
        self.weekly.setText(f"{assessment.weekly_pence / 100:.2f}" if assessment.weekly_pence else "")
        self.reason.setText(assessment.reason)
        self.rules_file = assessment.rules.file_name

    def _status_changed(self) -> None:
        self.weekly.setEnabled(self.status.currentData() == ContributionStatus.ASSESSED.value)

    def form(self) -> ContributionForm:
        return ContributionForm(
            status=self.status.currentData(),
            weekly_amount=self.weekly.text() if self.weekly.isEnabled() else "",
            starts_on=python_date(self.starts_on.date()),
            reason=self.reason.text(),
            basis=self.basis.currentData(),
            rules_file=self.rules_file,
        )
