"""Step 2, plan support: the plan's sections, costed live against the agreed budget."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.money import FREQUENCY_LABELS, Frequency, round_half_up
from personalbudget.domain.pa_costs import PaCosting
from personalbudget.domain.plan import (
    BudgetFit,
    InformalSupportEntry,
    OutcomeEntry,
    PlanCosting,
    PlanDraft,
    RiskEntry,
    SupportItemEntry,
    check_complete,
    cost_items,
    cost_plan,
)
from personalbudget.domain.roles import Permission
from personalbudget.domain.vocabularies import (
    CARE_ACT_OUTCOMES,
    CARE_ACT_OUTCOMES_PLAIN,
    SUPPORT_CATEGORIES,
    SUPPORT_CATEGORIES_PLAIN,
)
from personalbudget.errors import ConcurrentEditError, PersonalBudgetError, ValidationError
from personalbudget.i18n import N_, _, format_money
from personalbudget.services import Services
from personalbudget.services.charging_service import split_sentence
from personalbudget.services.dto import PlanView
from ui.app_signals import AppSignals
from ui.dialogs.confirm_dialog import confirm_action
from ui.dialogs.pa_cost_dialog import PaCostDialog
from ui.edit_conflicts import settle
from ui.plan_pdf_export import export_plan_pdf
from ui.steps.plan_table_widget import Column, PlanTableWidget
from ui.steps.step_page import PersonView
from ui.theme import DONE, MUTED_TEXT, OVERDUE
from ui.widgets.help_line_editor import HelpLineEditor
from ui.workers import BackgroundTask

ITEM_WEEK_COLUMN = 6
ITEM_YEAR_COLUMN = 7


class PlanPage(QScrollArea):
    def __init__(self, services: Services, signals: AppSignals, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._signals = signals
        self._person_id = 0
        self._plan: PlanView | None = None
        self._budget_annual: int | None = None
        self._split_text = ""
        self._editable = False
        self._dirty = False

        self.status_label = QLabel()
        self.status_label.setStyleSheet(f"color: {MUTED_TEXT};")
        self.status_label.setWordWrap(True)

        self.what_matters = QPlainTextEdit()
        self.what_matters.setAccessibleName(_("What matters to me"))
        self.what_matters.setTabChangesFocus(True)
        self.what_matters.setPlaceholderText(
            _("In the person's own words: what is important to them, what a good day looks like.")
        )
        self.outcomes = PlanTableWidget(
            _("Outcomes"),
            [
                Column(
                    _("Care Act outcome"),
                    tuple((code, f"{code}) {_(text)}") for code, text in CARE_ACT_OUTCOMES.items()),
                ),
                Column(_("What I want to achieve"), stretch=True),
            ],
            _("Add outcome"),
        )
        frequencies = tuple((f.value, _(FREQUENCY_LABELS[f])) for f in Frequency)
        self.items = PlanTableWidget(
            _("Costed support"),
            [
                Column(_("Category"), tuple((k, _(v)) for k, v in SUPPORT_CATEGORIES.items())),
                Column(_("What it is"), stretch=True),
                Column(_("Provider"), tooltip=_("Leave blank if the provider is still to be arranged.")),
                Column(_("Unit cost (£)")),
                Column(_("Quantity")),
                Column(_("How often"), frequencies),
                Column(_("Per week"), read_only=True),
                Column(_("Per year"), read_only=True),
            ],
            _("Add support item"),
        )
        # The same lines one at a time, in the person's words, in the person's view (issue 19).
        self.help_lines = HelpLineEditor()
        self.help_lines.setVisible(False)
        self._person_view_on = False
        self._writing_help_lines = False
        items_layout = self.items.layout()
        assert isinstance(items_layout, QVBoxLayout)  # PlanTableWidget: the table above its buttons
        items_layout.insertWidget(0, self.help_lines)
        self.help_lines.changed.connect(self._help_lines_edited)
        self.items.add_button.clicked.connect(self._help_line_added)
        self.help_lines.shown.connect(self._help_line_shown)
        self.informal = PlanTableWidget(
            _("Help from family, friends and community"),
            [Column(_("Who")), Column(_("What they do"), stretch=True)],
            _("Add help"),
        )
        self.risks = PlanTableWidget(
            _("Risks"),
            [Column(_("Risk"), stretch=True), Column(_("How it is managed"), stretch=True)],
            _("Add risk"),
        )
        self.contingency = QPlainTextEdit()
        self.contingency.setAccessibleName(_("Contingency plan"))
        self.contingency.setTabChangesFocus(True)
        self.contingency.setPlaceholderText(_("What happens if support fails: who steps in, who to call."))

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(_("Plan sections"))
        self.tabs.addTab(self.what_matters, _("What matters to me"))
        self.tabs.addTab(self.outcomes, _("Outcomes"))
        self.tabs.addTab(self.items, _("Costed support"))
        self.tabs.addTab(self.informal, _("Family and community"))
        self.tabs.addTab(self.risks, _("Risks"))
        self.tabs.addTab(self.contingency, _("Contingency"))

        self.cost_label = QLabel()
        self.cost_label.setAccessibleName(_("Planned cost against the budget"))
        self.cost_label.setWordWrap(True)
        self.cost_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.save_button = QPushButton(_("Save draft"))
        self.save_button.setAccessibleName(_("Save the draft plan"))
        self.save_button.setToolTip(_("Ctrl+S"))
        self.save_button.clicked.connect(self.save)
        self.submit_button = QPushButton(_("Submit for agreement..."))
        self.submit_button.setAccessibleName(_("Submit the plan for agreement"))
        self.submit_button.clicked.connect(self.ask_submit)
        self.easy_read_button = QPushButton(_("Easy read plan (PDF)..."))
        self.easy_read_button.setAccessibleName(_("Print the plan in easy read as a PDF"))
        self.easy_read_button.setAccessibleDescription(
            _("Pictures, short sentences and large type. Prints the agreed plan if there is one.")
        )
        self.easy_read_button.clicked.connect(lambda: self.print_easy_read())
        self.pa_cost_button = QPushButton(_("Cost a PA..."))
        self.pa_cost_button.setAccessibleName(_("Cost a personal assistant with the employer's costs"))
        self.pa_cost_button.setAccessibleDescription(
            _(
                "Holiday cover, National Insurance, pension, insurance and payroll, each added as its own line."
            )
        )
        self.pa_cost_button.clicked.connect(self.ask_pa_costs)
        save_shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        save_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_shortcut.activated.connect(self.save)
        bar = QHBoxLayout()
        bar.addWidget(self.cost_label, 1)
        bar.addWidget(self.pa_cost_button)
        bar.addWidget(self.save_button)
        bar.addWidget(self.submit_button)
        bar.addWidget(self.easy_read_button)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status_label)
        layout.addLayout(bar)  # the live cost check and the actions stay in view above the sections
        layout.addWidget(self.tabs, 1)
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)

        for table in (self.outcomes, self.items, self.informal, self.risks):
            table.changed.connect(self._content_changed)
        self.what_matters.textChanged.connect(self._content_changed)
        self.contingency.textChanged.connect(self._content_changed)

    # -- public ------------------------------------------------------------------------------
    def person_view(self) -> PersonView:
        """One part of the plan at a time (``ui/coproduction.py``): the tabs' names, the tables'
        columns and buttons in the person's words, the parts of life and kinds of help by their
        plain names, the lines' costs said in the plain summary rather than in pence."""
        view = PersonView(anchor=self.tabs)
        view.staff(self.tabs.tabBar(), self.status_label, self.cost_label, self.pa_cost_button)
        view.staff(self.submit_button, permission=Permission.SUBMIT_PLAN)
        view.staff(self.save_button, permission=Permission.EDIT_PLAN)
        # The costed support is one line at a time (``help_lines``) in the person's view, with each
        # line's cost to the pound in words: the table of drop-downs and pence is for staff.
        view.staff(self.items.table)
        for part, plain in (
            (self.what_matters, N_("What matters to you")),
            (self.outcomes, N_("What I want to achieve")),
            (self.items, N_("The help I want")),
            (self.informal, N_("People who help me")),
            (self.risks, N_("Keeping safe")),
            (self.contingency, N_("If things go wrong")),
        ):
            view.tab_words.append((part, plain))
        view.say(self.outcomes.add_button, N_("Add something I want to achieve"))
        view.say(self.items.add_button, N_("Add some help"))
        view.say(self.items.remove_button, N_("Remove this help"))
        view.say(self.informal.add_button, N_("Add someone who helps"))
        view.say(self.risks.add_button, N_("Add a worry"))
        view.say(self.save_button, N_("Save for now"))
        view.say(
            self.what_matters,
            N_("In your own words: what is important to you, and what a good day looks like."),
        )
        view.say(
            self.contingency, N_("What happens if your help does not come: who steps in, and who to call.")
        )
        view.column_words += [
            (self.risks.table, 0, N_("What could go wrong")),
            (self.risks.table, 1, N_("What keeps me safe")),
            (self.informal.table, 0, N_("Who helps")),
        ]
        view.on_switch.append(self._plain_choices)
        view.person_only.append(self.help_lines)
        return view

    def _plain_choices(self, on: bool) -> None:
        """The parts of life and kinds of help by their plain names in the person's view."""
        outcomes = CARE_ACT_OUTCOMES_PLAIN if on else CARE_ACT_OUTCOMES
        categories = SUPPORT_CATEGORIES_PLAIN if on else SUPPORT_CATEGORIES
        self.outcomes.set_column(
            0,
            Column(
                _("Part of my life") if on else _("Care Act outcome"),
                tuple((code, _(text) if on else f"{code}) {_(text)}") for code, text in outcomes.items()),
            ),
        )
        self.items.set_column(
            0,
            Column(
                _("Kind of help") if on else _("Category"), tuple((k, _(v)) for k, v in categories.items())
            ),
        )
        self.outcomes.set_rows(self.outcomes.rows())
        self.items.set_rows(self.items.rows())
        self._person_view_on = on
        self._help_line_shown(self.help_lines.index() if self.help_lines.count() else -1)

    def show_person(self, person_id: int) -> None:
        self._person_id = person_id
        try:
            cycle = self._services.lifecycle.get_cycle(person_id)
            self._plan = self._services.plans.get_plan(person_id)
            budget = self._services.budget.get_budget(person_id)
            draft = self._plan.content if self._plan else self._services.plans.starting_draft(person_id)
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("Cannot show the plan"), str(problem))
            return
        self._budget_annual = budget.agreed.annual_pence if budget.agreed else None
        try:  # the budget as the council's part + the person's contribution
            self._split_text = split_sentence(self._services.charging.split(person_id))
        except PersonalBudgetError:
            self._split_text = ""
        self._editable = cycle.is_open and cycle.current_step == Step.PLAN_SUPPORT
        self._load(draft)
        self._set_read_only(not self._editable)
        self.easy_read_button.setEnabled(self._plan is not None)
        if self._plan is None:
            status = _("No plan written yet in this cycle.")
            if draft != PlanDraft():
                status += " " + _("It starts from the last plan; saving makes a new version.")
        else:
            status = _("Version {n} · {status}").format(n=self._plan.version, status=self._plan.status.label)
            if self._editable and not self._plan.editable:
                status += " · " + _("Saving changes makes a new version; this one stays as it is.")
            if self._editable and self._plan.warnings:
                status = " ".join([status, *self._plan.warnings])
        if not self._editable and cycle.current_step < Step.PLAN_SUPPORT:
            status += " " + _("The plan can be written once the budget is agreed (step 1).")
        self.status_label.setText(status)
        self._dirty = False
        self._update_costs()

    def draft(self) -> PlanDraft:
        return PlanDraft(
            what_matters=self.what_matters.toPlainText(),
            outcomes=[OutcomeEntry(code, text) for code, text in self.outcomes.rows()],
            support_items=[
                SupportItemEntry(category, what, cost, quantity, frequency or None, provider)
                for category, what, provider, cost, quantity, frequency, _week, _year in self.items.rows()
            ],
            informal_support=[InformalSupportEntry(who, what) for who, what in self.informal.rows()],
            risks=[RiskEntry(risk, how) for risk, how in self.risks.rows()],
            contingency=self.contingency.toPlainText(),
        )

    def save(self) -> bool:
        if not self._editable:
            return False
        draft, pid = self.draft(), self._person_id
        try:
            try:
                self._plan = self._services.plans.save_draft(
                    pid, draft, base=self._plan, read_nothing=self._plan is None
                )
            except ConcurrentEditError as conflict:  # someone else saved the plan meanwhile
                saved = settle(
                    self,
                    self._services,
                    conflict,
                    save_mine=lambda current, how: self._services.plans.save_draft(
                        pid, draft, base=current, resolution=how
                    ),
                    reload=lambda _current: self.show_person(pid),
                    merge=lambda current, theirs: (
                        lambda base, how: self._services.plans.save_draft(
                            pid, merged_draft(draft, current, theirs), base=base, resolution=how
                        )
                    ),
                )
                if saved is None:
                    return False  # their plan shown, or back to the page as typed: nothing saved
                self._plan = saved
        except ValidationError as problem:
            QMessageBox.warning(
                self,
                _("The plan was not saved"),
                _("Please put these right:") + "\n\n" + "\n".join(e.message for e in problem.errors),
            )
            return False
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("The plan was not saved"), str(problem))
            return False
        self._dirty = False
        self.easy_read_button.setEnabled(True)
        saved_text = _("Version {n} · {status} · saved").format(
            n=self._plan.version, status=self._plan.status.label
        )
        self.status_label.setText(" ".join([saved_text, *self._plan.warnings]))  # warnings do not stop a save
        self._signals.status_message.emit(_("Plan saved (version {n})").format(n=self._plan.version))
        return True

    def submit(self, justification: str = "") -> bool:
        if not self.save():
            return False
        try:
            self._plan = self._services.plans.submit(self._person_id, justification)
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("The plan was not submitted"), str(problem))
            return False
        self._signals.cycle_changed.emit(self._person_id)
        self._signals.status_message.emit(
            _("Plan version {n} submitted for agreement").format(n=self._plan.version)
        )
        return True

    def ask_submit(self) -> None:
        """Submit for agreement from the button: what is missing first, then why it is over budget,
        then a confirmation that says what submitting does."""
        try:
            check_complete(self.draft())
        except ValidationError as problem:
            QMessageBox.warning(
                self,
                _("The plan was not submitted"),
                _("Please put these right:") + "\n\n" + "\n".join(e.message for e in problem.errors),
            )
            return
        costing = self._costing()
        justification = ""
        if costing is not None and costing.over_budget:
            text, ok = QInputDialog.getMultiLineText(
                self,
                _("The plan is over budget"),
                _(
                    "The plan costs {over} a year more than the agreed budget. Say why, for the approver:"
                ).format(over=format_money(-costing.difference_pence)),
            )
            if not ok:
                return
            justification = text
        if self.confirm_submit(costing):
            self.submit(justification)

    def confirm_submit(self, costing: PlanCosting | None) -> bool:
        """Say what submitting does, and ask. True if the plan is to be submitted."""
        try:
            name = self._services.people.get_person(self._person_id).name
        except PersonalBudgetError:
            name = _("The person")
        details = _(
            "You will not be able to change it unless the approver returns it; "
            "a change after it is agreed makes a new version."
        )
        if costing is not None and costing.budget_annual_pence is not None:
            details += "\n\n" + _(
                "Planned cost: {year} a year, against an agreed budget of {budget}."
            ).format(
                year=format_money(costing.annual_pence), budget=format_money(costing.budget_annual_pence)
            )
        return confirm_action(
            self,
            _("Submit the plan for agreement?"),
            _(
                "The plan will be fixed and sent to an approver (a team manager or the funding panel) "
                "for agreement; {name} moves to step 3, Agree plan."
            ).format(name=name),
            details,
            _("Submit plan"),
            _("Keep editing"),
            name="submitPlanBox",
        )

    def print_easy_read(self, out: Path | None = None) -> BackgroundTask | None:
        """Save any changes, then write the easy read plan PDF off the main thread."""
        if self._dirty and self._editable and not self.save():
            return None
        self._task = export_plan_pdf(
            self, self._services, self._signals, self._person_id, out=out, easy_read=True
        )
        return self._task

    def has_unsaved_changes(self) -> bool:
        return self._dirty

    # -- helpers -----------------------------------------------------------------------------
    def _load(self, draft: PlanDraft) -> None:
        widgets = (self.what_matters, self.contingency)
        for widget in widgets:
            widget.blockSignals(True)
        self.what_matters.setPlainText(draft.what_matters)
        self.contingency.setPlainText(draft.contingency)
        for widget in widgets:
            widget.blockSignals(False)
        self.outcomes.set_rows([[o.outcome_code, o.description] for o in draft.outcomes])
        self.items.set_rows(
            [
                [i.category, i.description, i.provider, i.unit_cost, i.quantity, i.frequency or "", "", ""]
                for i in draft.support_items
            ]
        )
        self.informal.set_rows([[s.who, s.description] for s in draft.informal_support])
        self.risks.set_rows([[r.risk, r.how_managed] for r in draft.risks])
        self.help_lines.set_lines(draft.support_items, self._editable)

    def _set_read_only(self, read_only: bool) -> None:
        self.what_matters.setReadOnly(read_only)
        self.contingency.setReadOnly(read_only)
        for table in (self.outcomes, self.items, self.informal, self.risks):
            table.set_read_only(read_only)
        self.help_lines.set_lines(self.draft().support_items, not read_only)
        self.save_button.setVisible(not read_only)
        self.submit_button.setVisible(not read_only)
        self.pa_cost_button.setVisible(not read_only)

    def ask_pa_costs(self) -> None:
        dialog = PaCostDialog(self._services, self._services.context.clock.today(), self)
        if dialog.exec() == QDialog.DialogCode.Accepted and (dialog.costing or dialog.work_out()):
            assert dialog.costing is not None
            self.add_pa_costing(dialog.costing)

    def add_pa_costing(self, costing: PaCosting) -> None:
        """Add the PA's wages and each employer's cost as its own line of costed support."""
        for category, what, unit, quantity, frequency in costing.plan_lines():
            self.items.add_row(
                [category, what, "", f"{unit / 100:.2f}", format(quantity, "f"), frequency.value, "", ""]
            )
        self.tabs.setCurrentWidget(self.items)
        self._content_changed()
        self._signals.status_message.emit(costing.summary())

    def _content_changed(self) -> None:
        self._dirty = True
        if not self._writing_help_lines:  # a line typed in the table: the same line one at a time
            self.help_lines.set_lines(self.draft().support_items, self._editable)
        self._update_costs()

    def _help_lines_edited(self) -> None:
        """A line edited one at a time: written to the table, so the draft saved is the same."""
        rows = [
            [e.category, e.description, e.provider, e.unit_cost, e.quantity, e.frequency or "", "", ""]
            for e in self.help_lines.lines()
        ]
        self._writing_help_lines = True
        try:
            self.items.set_rows(rows)
            self.items.changed.emit()  # the page's costs and the plain total follow
        finally:
            self._writing_help_lines = False

    def _help_line_shown(self, row: int) -> None:
        """The line on screen one at a time is the table's current row, so "Remove this help"
        removes the line the person sees (the table itself is hidden in the person's view)."""
        if self._person_view_on and 0 <= row < self.items.table.rowCount():
            self.items.table.clearSelection()
            self.items.table.setCurrentCell(row, 1)

    def _help_line_added(self) -> None:
        self.help_lines.set_lines(self.draft().support_items, self._editable)
        if not self.help_lines.isHidden():  # the person's view
            self.help_lines.go_to_last()

    def _costing(self) -> PlanCosting | None:
        try:
            return cost_plan(cost_items(self.draft().support_items), self._budget_annual)
        except ValidationError:
            return None

    def _update_costs(self) -> None:
        entries = self.draft().support_items
        for row, entry in enumerate(entries):
            try:
                [item] = cost_items([entry])
            except ValidationError as problem:
                self.items.set_cell_text(row, ITEM_WEEK_COLUMN, "?", problem.errors[0].message)
                self.items.set_cell_text(row, ITEM_YEAR_COLUMN, "?", problem.errors[0].message)
                continue
            self.items.set_cell_text(
                row, ITEM_WEEK_COLUMN, format_money(round_half_up(item.annual_cost / 52))
            )
            self.items.set_cell_text(row, ITEM_YEAR_COLUMN, format_money(item.annual_pence))
        costing = self._costing()
        if costing is None:
            self.cost_label.setText(
                _(
                    "Some support items need putting right before the plan can be costed (see '?' in Costed support)."
                )
            )
            self.cost_label.setStyleSheet(f"color: {OVERDUE};")
            return
        text = _("Planned: {week} a week, {year} a year.").format(
            week=format_money(costing.weekly_pence), year=format_money(costing.annual_pence)
        )
        colour = MUTED_TEXT
        budget = costing.budget_annual_pence  # None exactly when there is no fit
        if costing.fit is None or budget is None:
            text += " " + _("No budget agreed yet.")
        elif costing.fit == BudgetFit.UNDER:
            text += " " + _("Under budget by {diff} a year (budget {budget}).").format(
                diff=format_money(costing.difference_pence), budget=format_money(budget)
            )
            colour = DONE
        elif costing.fit == BudgetFit.EXACT:
            text += " " + _("Exactly on budget ({budget}).").format(budget=format_money(budget))
            colour = DONE
        else:
            text += " " + _(
                "OVER budget by {diff} a year (budget {budget}): submitting needs a reason."
            ).format(diff=format_money(-costing.difference_pence), budget=format_money(budget))
            colour = OVERDUE
        if self._split_text:
            text += " " + self._split_text
        self.cost_label.setText(text)
        self.cost_label.setStyleSheet(f"color: {colour};")


def merged_draft(draft: PlanDraft, theirs: object, fields: list[str]) -> PlanDraft:
    """The plan as typed here, with the parts and support lines chosen as theirs taken from their
    saved plan (a line they removed is removed; a line only they have is added)."""
    assert isinstance(theirs, PlanView)
    saved = theirs.content
    merged = replace(draft, support_items=list(draft.support_items))
    lines: list[SupportItemEntry | None] = list(merged.support_items)
    for field in fields:
        if field.startswith("support_items:"):
            index = int(field.split(":", 1)[1])
            line = saved.support_items[index] if index < len(saved.support_items) else None
            if index < len(lines):
                lines[index] = line
            else:
                lines.append(line)
        else:
            setattr(merged, field, getattr(saved, field))
    merged.support_items = [line for line in lines if line is not None]
    return merged
