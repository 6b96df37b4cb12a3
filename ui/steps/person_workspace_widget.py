"""One person's workspace: who they are, where their cycle is, and the page for each step.

Every step's page is a ``StepPage`` (ui/steps/step_page.py): the workspace calls its
``show_person(person_id)`` the first time the page is shown for the open person, and
the page refreshes itself from ``AppSignals`` after that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain import nhs_number
from personalbudget.domain.lifecycle import ReviewDecision, Step
from personalbudget.domain.vocabularies import REPRESENTATIVE_ROLES, relationship_label
from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _, format_date
from personalbudget.services import Services
from personalbudget.services.dto import CaseloadRow, CycleView, PersonDetails, TransitionView
from ui import theme
from ui.accessibility import name_unnamed_controls
from ui.app_signals import AppSignals
from ui.dialogs.go_back_dialog import GoBackDialog
from ui.dialogs.review_decision_dialog import ReviewDecisionDialog
from ui.steps.agreement_page import AgreementPage
from ui.steps.budget_page import BudgetPage
from ui.steps.ledger_page import LedgerPage
from ui.steps.management_page import ManagementPage
from ui.steps.plan_page import PlanPage
from ui.steps.review_page import ReviewPage
from ui.steps.step_page import StepPage
from ui.steps.step_stepper_widget import StepStepperWidget
from ui.steps.support_page import SupportPage

# Each builds a step's page (services, signals, parent): a QWidget that is a StepPage.
STEP_PAGES: dict[Step, Callable[[Services, AppSignals, QWidget | None], QWidget]] = {
    Step.SET_BUDGET: BudgetPage,
    Step.PLAN_SUPPORT: PlanPage,
    Step.AGREE_PLAN: AgreementPage,
    Step.MANAGE_BUDGET: ManagementPage,
    Step.ORGANISE_SUPPORT: SupportPage,
    Step.LIVE_LIFE: LedgerPage,
    Step.REVIEW: ReviewPage,
}
IDLE_BUILD_AFTER_MS = 300  # after the window is shown, before the step pages are built in idle time
OVERDUE_COLOUR = theme.OVERDUE
SEPARATOR = "  ·  "
BLOCKER_COLOUR = theme.WARNING_TEXT


def _keep_together(text: str) -> str:
    """No line break inside ``text`` (non-breaking spaces)."""
    return text.replace(" ", "\u00a0")


def format_when(moment: datetime) -> str:
    """A timestamp in local time: the Babel date and the 24-hour time."""
    local = moment.astimezone() if moment.tzinfo else moment
    return f"{format_date(local.date())} {local:%H:%M}"


def describe_transition(transition: TransitionView) -> str:
    """What a move between steps did, in words."""

    def name(step: Step | None) -> str:
        return _("step {n} ({title})").format(n=int(step), title=step.title) if step else "?"

    note = transition.note
    if transition.kind == "start":
        text = _("Cycle started at {step}").format(step=name(transition.to_step))
    elif transition.kind == "advance":
        text = _("Moved on from {source} to {target}").format(
            source=name(transition.from_step), target=name(transition.to_step)
        )
    elif transition.kind == "back":
        text = _("Went back from {source} to {target}").format(
            source=name(transition.from_step), target=name(transition.to_step)
        )
    elif transition.kind == "review_decision":
        code, _sep, rest = note.partition(":")
        try:
            decision_label = ReviewDecision(code.strip()).label
            note = rest.strip()
        except ValueError:
            decision_label = code
            note = rest.strip()
        text = _("Review decision: {decision}").format(decision=decision_label)
    elif transition.kind == "close":
        text = _("Cycle closed")
    elif transition.from_step or transition.to_step:
        text = _("Moved from {source} to {target}").format(
            source=name(transition.from_step), target=name(transition.to_step)
        )
    else:
        text = transition.kind
    return f"{text}: {note}" if note else text


class PersonWorkspaceWidget(QWidget):
    """Header, stepper, cycle status with its actions, step pages and history."""

    edit_requested = Signal(int)  # the user asked to edit this person's details
    step_shown = Signal(int)  # a step's page was shown (and loaded) for the open person
    page_created = Signal(QWidget)  # a step's page was built (they are built when first needed)

    def __init__(self, services: Services, signals: AppSignals, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._signals = signals
        self._person: PersonDetails | None = None
        self._cycle: CycleView | None = None

        self._stack = QStackedWidget()
        self._stack.addWidget(self._build_empty_page())
        self._stack.addWidget(self._build_content())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)

        signals.person_saved.connect(self._on_person_changed)
        signals.cycle_changed.connect(self._on_person_changed)
        signals.caseload_changed.connect(self._on_caseload_changed)

    # -- building ------------------------------------------------------------------------
    def _build_empty_page(self) -> QWidget:
        page = QWidget()
        label = QLabel(
            _(
                "Choose a person from the caseload to see their budget and plan, "
                "or add a new person with File > New person (Ctrl+N)."
            )
        )
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setObjectName("emptyWorkspaceLabel")
        label.setAccessibleName(_("No person open"))
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(label)
        layout.addStretch(2)
        return page

    def _build_content(self) -> QWidget:
        content = QWidget()

        # Header: who the person is.
        self.header = QFrame()
        self.header.setObjectName("personHeader")
        self.name_label = QLabel()
        self.name_label.setObjectName("personName")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        name_font = self.name_label.font()
        name_font.setPointSizeF(name_font.pointSizeF() * 1.45)
        name_font.setBold(True)
        self.name_label.setFont(name_font)
        self.details_label = QLabel()
        self.details_label.setObjectName("personDetails")
        self.details_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_label.setWordWrap(True)
        self.representatives_label = QLabel()
        self.representatives_label.setObjectName("personRepresentatives")
        self.representatives_label.setWordWrap(True)
        self.representatives_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.edit_button = QPushButton(_("Edit details…"))
        self.edit_button.setAccessibleName(_("Edit this person's details"))
        self.edit_button.clicked.connect(self._ask_edit)

        who = QVBoxLayout()
        who.setSpacing(2)
        who.addWidget(self.name_label)
        who.addWidget(self.details_label)
        who.addWidget(self.representatives_label)
        header_layout = QHBoxLayout(self.header)
        header_layout.setContentsMargins(14, 10, 14, 10)
        header_layout.addLayout(who, 1)
        header_layout.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignTop)

        # The seven steps.
        self.stepper = StepStepperWidget()
        self.stepper.step_selected.connect(lambda n: self.show_step(Step(n)))

        # Where the cycle is and what can be done about it.
        self.cycle_panel = QFrame()
        self.cycle_panel.setObjectName("cyclePanel")
        self.cycle_label = QLabel()
        self.cycle_label.setObjectName("cycleLabel")
        cycle_font = self.cycle_label.font()
        cycle_font.setBold(True)
        self.cycle_label.setFont(cycle_font)
        self.review_label = QLabel()
        self.review_label.setObjectName("reviewLabel")
        self.blocker_label = QLabel()
        self.blocker_label.setObjectName("blockerLabel")
        self.blocker_label.setWordWrap(True)
        self.blocker_label.setTextFormat(Qt.TextFormat.RichText)
        self.blocker_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        self.advance_button = QPushButton(_("Move to next step"))
        self.advance_button.setObjectName("advanceButton")
        self.advance_button.setAccessibleName(_("Move to next step"))
        self.advance_button.clicked.connect(self.advance)
        self.back_button = QPushButton(_("Go back a step…"))
        self.back_button.setAccessibleName(_("Go back a step"))
        self.back_button.setAccessibleDescription(_("Re-open an earlier step; you will be asked why."))
        self.back_button.clicked.connect(self.ask_go_back)
        self.review_button = QPushButton(_("Go to the review"))
        self.review_button.setAccessibleName(_("Go to the review"))
        self.review_button.setAccessibleDescription(
            _("Record the review on the step 7 page: outcomes, spending, market gaps and the decision.")
        )
        self.review_button.clicked.connect(self.open_review_page)

        self.review_label.setWordWrap(True)
        actions = QHBoxLayout()
        actions.setSpacing(8)
        actions.addWidget(self.advance_button)
        actions.addWidget(self.back_button)
        actions.addWidget(self.review_button)
        actions.addStretch(1)
        panel_layout = QVBoxLayout(self.cycle_panel)
        panel_layout.setContentsMargins(14, 10, 14, 10)
        panel_layout.setSpacing(6)
        panel_layout.addWidget(self.cycle_label)
        panel_layout.addWidget(self.review_label)
        panel_layout.addWidget(self.blocker_label)
        panel_layout.addLayout(actions)

        # A page per step, each built when it is first needed (or in idle time once the window is up):
        # until then an empty stand-in keeps its place in the stack.
        self.pages = QStackedWidget()
        self.pages.setObjectName("stepPages")
        self._page_for: dict[Step, QWidget] = {}
        self._built_pages: set[Step] = set()
        self._loaded_pages: set[Step] = set()  # steps whose page shows the open person
        for step in Step:
            stand_in = QWidget()
            self._page_for[step] = stand_in
            self.pages.addWidget(stand_in)
        self._idle_build = QTimer(self)
        self._idle_build.setInterval(0)
        self._idle_build.timeout.connect(self._build_next_page)
        # The pages are built here, before the history below: a page built once the window is up
        # joins the end of the window's Tab chain (Tab would reach the history before the page).
        self.build_all_pages()

        # Who moved the cycle, and when.
        history_box = QWidget()
        history_title = QLabel(_("History"))
        history_font = history_title.font()
        history_font.setBold(True)
        history_title.setFont(history_font)
        self.history = QTreeWidget()
        self.history.setObjectName("transitionHistory")
        self.history.setAccessibleName(_("History of every cycle"))
        self.history.setAccessibleDescription(_("Every move between steps, with when and who."))
        self.history.setHeaderLabels([_("When"), _("Who"), _("What")])
        self.history.setRootIsDecorated(False)
        self.history.setUniformRowHeights(True)
        self.history.setAlternatingRowColors(True)
        self.history.setWordWrap(False)
        history_header = self.history.header()
        history_header.setStretchLastSection(True)
        history_header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        history_header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        history_title.setBuddy(self.history)
        history_layout = QVBoxLayout(history_box)
        history_layout.setContentsMargins(0, 4, 0, 0)
        history_layout.setSpacing(4)
        history_layout.addWidget(history_title)
        history_layout.addWidget(self.history)

        self.body_splitter = QSplitter(Qt.Orientation.Vertical)
        self.body_splitter.setObjectName("workspaceSplitter")
        self.body_splitter.setChildrenCollapsible(False)
        self.body_splitter.addWidget(self.pages)
        self.body_splitter.addWidget(history_box)
        self.body_splitter.setStretchFactor(0, 3)
        self.body_splitter.setStretchFactor(1, 1)
        self.body_splitter.setSizes([560, 90])  # the step page is the work; history is a glance

        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.header)
        layout.addWidget(self.stepper)
        layout.addWidget(self.cycle_panel)
        layout.addWidget(self.body_splitter, 1)
        return content

    # -- public --------------------------------------------------------------------------
    def person_id(self) -> int:
        return self._person.id if self._person else 0

    def person(self) -> PersonDetails | None:
        return self._person

    def cycle(self) -> CycleView | None:
        return self._cycle

    def is_showing_person(self) -> bool:
        return self._stack.currentIndex() == 1

    def show_person(self, person_id: int) -> bool:
        """Load and show a person, opening the page of their current step. What the person, their
        cycle and the step's page read is one unit of work: one transaction on a team caseload,
        each access check still made but the account and the person worked out once."""
        problem: PersonalBudgetError | None = None
        try:
            with self._services.context.unit_of_work():
                try:
                    person = self._services.people.get_person(person_id)
                    cycle = self._services.lifecycle.get_cycle(person_id)
                except PersonalBudgetError as refused:
                    problem = refused  # said once the unit of work is over (not with it open)
                else:
                    self._person, self._cycle = person, cycle
                    self._loaded_pages.clear()  # every step page reloads for this person when next shown
                    self._fill_person(person)
                    self._fill_cycle(cycle)
                    self.show_step(cycle.current_step)
                    self._stack.setCurrentIndex(1)
        except PersonalBudgetError as lost:  # its end (the connection gone meanwhile)
            problem = problem or lost
        if problem is not None:
            self.clear()
            self._show_error(_("Cannot open this person"), str(problem))
            return False
        return True

    def catch_up(self, rows: Sequence[CaseloadRow]) -> bool:
        """Someone else moved the open person to another step (an approver agreed their plan on
        another machine): load them again at that step, as if opened now. Not while a dialog is
        open or a plan is being written here and not saved (the refresh cue says others changed
        things, and that save is checked against their change). Returns whether it reloaded."""
        if self._person is None or self._cycle is None:
            return False
        row = next((r for r in rows if r.person_id == self._person.id), None)
        if row is None or row.step is None or row.step == self._cycle.current_step:
            return False
        plan = self._page_for.get(Step.PLAN_SUPPORT)
        if QApplication.activeModalWidget() is not None or (
            isinstance(plan, PlanPage) and plan.has_unsaved_changes()
        ):
            return False
        return self.show_person(self._person.id)

    def _ask_edit(self) -> None:
        if self._person is not None:
            self.edit_requested.emit(self._person.id)

    def clear(self) -> None:
        self._person = self._cycle = None
        self._loaded_pages.clear()
        self._stack.setCurrentIndex(0)

    def page(self, step: Step) -> QWidget:
        """A step's page, built now if it has not been yet."""
        if step not in self._built_pages:
            self._built_pages.add(step)
            page = STEP_PAGES[step](self._services, self._signals, self.pages)  # never a window of its own
            if not page.accessibleName():  # the page is a Tab stop (to scroll it): say which step it is
                page.setAccessibleName(_("Step {n} page: {title}").format(n=int(step), title=step.title))
            self._replace_page(step, page)
            name_unnamed_controls(page)
            self.page_created.emit(page)
        return self._page_for[step]

    def build_all_pages(self) -> list[QWidget]:
        """Every step's page, built if need be (co-production mode works on all of them)."""
        return [self.page(step) for step in Step]

    def pages_built(self) -> bool:
        return len(self._built_pages) == len(Step)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.pages_built() and not self._idle_build.isActive():
            # Once the window is up, the pages not built yet are built one per turn of the event loop,
            # so the first person opened later does not wait for them; a person opened sooner builds
            # their page at once.
            QTimer.singleShot(IDLE_BUILD_AFTER_MS, self._idle_build.start)

    def _build_next_page(self) -> None:
        missing = [step for step in Step if step not in self._built_pages]
        if not missing:
            self._idle_build.stop()
            return
        current = self.pages.currentWidget()
        self.page(missing[0])
        if current is not None and self.pages.currentWidget() is not current:
            self.pages.setCurrentWidget(current)

    def _replace_page(self, step: Step, page: QWidget) -> None:
        old = self._page_for[step]
        was_current = self.pages.currentWidget() is old
        index = self.pages.indexOf(old)
        self.pages.insertWidget(index, page)
        if was_current:
            self.pages.setCurrentWidget(page)
        self.pages.removeWidget(old)
        old.deleteLater()
        self._page_for[step] = page

    def show_step(self, step: Step) -> None:
        """Show a step's page. A real page (one with ``show_person(person_id)``) is loaded
        for the open person the first time it is shown, so opening a person stays quick."""
        self.stepper.set_selected_step(step)
        page = self.page(step)
        if self._person is not None and step not in self._loaded_pages:
            assert isinstance(page, StepPage), f"{type(page).__name__} is not a step page"
            self._loaded_pages.add(step)
            page.show_person(self._person.id)
        self.pages.setCurrentWidget(page)
        self.step_shown.emit(int(step))

    def shown_step(self) -> Step:
        page = self.pages.currentWidget()
        return next(step for step, widget in self._page_for.items() if widget is page)

    def set_step_page(self, step: Step, page: QWidget) -> None:
        """Put ``page`` in a step's place (a test's stand-in, for one)."""
        self._built_pages.add(step)
        self._replace_page(step, page)
        self._loaded_pages.discard(step)
        if self._person is not None and self.stepper.selected_step() == step:
            self.show_step(step)

    def focus_current_step(self) -> None:
        self.stepper.button(self.stepper.selected_step()).setFocus(Qt.FocusReason.OtherFocusReason)

    # -- actions on the cycle (each asks the services, then announces) ------------------
    def advance(self) -> bool:
        if self._person is None:
            return False
        try:
            cycle = self._services.lifecycle.advance(self._person.id)
        except PersonalBudgetError as problem:
            self._show_error(_("Cannot move to the next step"), str(problem))
            return False
        self._after_move(
            cycle,
            _("{name} moved to step {n}: {title}").format(
                name=self._person.name, n=int(cycle.current_step), title=cycle.current_step.title
            ),
        )
        return True

    def ask_go_back(self) -> bool:
        if self._cycle is None:
            return False
        dialog = GoBackDialog(self._cycle.current_step, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        return self.go_back(dialog.target_step(), dialog.reason())

    def go_back(self, to_step: Step, reason: str) -> bool:
        if self._person is None:
            return False
        try:
            cycle = self._services.lifecycle.go_back(self._person.id, to_step, reason)
        except PersonalBudgetError as problem:
            self._show_error(_("Cannot go back"), str(problem))
            return False
        self._after_move(
            cycle,
            _("{name} went back to step {n}: {title}").format(
                name=self._person.name, n=int(cycle.current_step), title=cycle.current_step.title
            ),
        )
        return True

    def open_review_page(self) -> None:
        """The review is recorded on the step 7 page, where the decision is made."""
        self.show_step(Step.REVIEW)
        self._page_for[Step.REVIEW].setFocus()

    def ask_review_decision(self) -> bool:
        if self._person is None:
            return False
        dialog = ReviewDecisionDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        return self.record_review_decision(dialog.decision(), dialog.note())

    def record_review_decision(self, decision: ReviewDecision, note: str = "") -> bool:
        if self._person is None:
            return False
        try:
            cycle = self._services.lifecycle.record_review_decision(self._person.id, decision, note)
        except PersonalBudgetError as problem:
            self._show_error(_("Cannot record the review decision"), str(problem))
            return False
        self._after_move(
            cycle,
            _("Recorded the review decision for {name}: {decision}").format(
                name=self._person.name, decision=decision.label
            ),
        )
        return True

    # -- helpers -------------------------------------------------------------------------
    def _after_move(self, cycle: CycleView, message: str) -> None:
        self._cycle = cycle
        self._fill_cycle(cycle)
        self.show_step(cycle.current_step)
        self._signals.cycle_changed.emit(cycle.person_id)
        self._signals.status_message.emit(message)

    def _show_error(self, title: str, message: str) -> None:
        QMessageBox.warning(self, title, message)

    def _on_person_changed(self, person_id: int) -> None:
        if self._person is not None and self._person.id == person_id:
            shown = self.shown_step()
            was_current = self._cycle is not None and self._cycle.current_step == shown
            if self.show_person(person_id):
                # Looking at the current step when the cycle moved on (budget agreed, plan
                # submitted): follow it. Otherwise stay on the step being looked at.
                assert self._cycle is not None
                self.show_step(self._cycle.current_step if was_current else shown)

    def _on_caseload_changed(self) -> None:
        if self._person is not None:
            self._on_person_changed(self._person.id)

    def _fill_person(self, person: PersonDetails) -> None:
        self.name_label.setText(person.name)
        nhs = (
            _("NHS number {number}").format(number=nhs_number.display(person.nhs_number))
            if person.nhs_number
            else _("no NHS number recorded")
        )
        who = [
            _("Age {age}").format(age=person.age),
            _("born {date}").format(date=format_date(person.date_of_birth)),
            nhs,
        ]
        # The line may wrap between the facts, never inside one ("Abermorlais / North").
        self.details_label.setText(
            "\n".join(
                (
                    SEPARATOR.join(_keep_together(fact) for fact in who),
                    _("Lives in {locality}").format(locality=person.locality),
                    _("Primary support reason: {reason}").format(reason=_(person.primary_support_reason)),
                )
            )
        )
        if person.representatives:
            people = []
            for rep in person.representatives:
                extra = [_(REPRESENTATIVE_ROLES.get(rep.role, rep.role))]
                if rep.relationship:
                    extra.append(relationship_label(rep.relationship))
                if rep.phone:
                    extra.append(_keep_together(rep.phone))
                people.append(f"{_keep_together(rep.name)} ({', '.join(extra)})")
            text = _("Carers and representatives: {people}").format(people="; ".join(people))
        else:
            text = _("Carers and representatives: none recorded")
        self.representatives_label.setText(text)
        self.header.setAccessibleName(_("About {name}").format(name=person.name))
        self.header.setAccessibleDescription(
            "\n".join((self.details_label.text(), self.representatives_label.text())).replace("\u00a0", " ")
        )
        self.edit_button.setAccessibleDescription(_("Change {name}'s details").format(name=person.name))

    def _fill_cycle(self, cycle: CycleView) -> None:
        self.stepper.set_cycle(cycle)
        if cycle.is_open:
            self.cycle_label.setText(
                _("Cycle {number}, step {n} of 7: {title}").format(
                    number=cycle.number, n=int(cycle.current_step), title=cycle.current_step.title
                )
            )
        else:
            self.cycle_label.setText(
                _("Cycle {number}: budget ended ({reason})").format(
                    number=cycle.number, reason=cycle.closed_reason or _("closed")
                )
            )

        self.review_label.setVisible(cycle.next_review_due is not None)
        if cycle.next_review_due is None:
            self.review_label.setText(_("No review date set"))
            self.review_label.setStyleSheet("")
        elif cycle.review_overdue:
            self.review_label.setText(
                _("Review overdue: was due {date}").format(date=format_date(cycle.next_review_due))
            )
            self.review_label.setStyleSheet(f"color: {OVERDUE_COLOUR}; font-weight: bold;")
        else:
            self.review_label.setText(
                _("Next review: {date}").format(date=format_date(cycle.next_review_due))
            )
            self.review_label.setStyleSheet("")

        if not cycle.is_open:
            blocker = _("This budget has ended. Nothing more can be done in this cycle.")
        elif cycle.current_step == Step.REVIEW:
            blocker = _("To finish the review, record what was decided with the person.")
        elif cycle.blocker:
            blocker = _("<b>Before moving on:</b> {reason}").format(reason=escape(cycle.blocker))
        else:
            blocker = _("Everything this step needs is done. You can move to the next step.")
        self.blocker_label.setText(blocker)
        self.blocker_label.setStyleSheet(
            f"color: {BLOCKER_COLOUR};" if cycle.is_open and cycle.blocker else ""
        )
        self.blocker_label.setAccessibleName(_("What is needed to move on"))
        self.blocker_label.setAccessibleDescription(self.blocker_label.text())

        self.advance_button.setVisible(cycle.is_open and cycle.current_step != Step.REVIEW)
        self.back_button.setVisible(cycle.can_go_back)
        self.review_button.setVisible(cycle.is_open and cycle.current_step == Step.REVIEW)
        if cycle.is_open and cycle.current_step != Step.REVIEW:
            self.advance_button.setAccessibleDescription(cycle.blocker or _("Move on to the next step."))

        self.history.clear()
        items = []
        # Every cycle, newest first: a review that loops back keeps the earlier cycles in view.
        history = self._services.lifecycle.history(cycle.person_id)
        several = len({entry.cycle_number for entry in history}) > 1
        for entry in history:
            what = describe_transition(entry.transition)
            if several:
                what = _("Cycle {number}: {what}").format(number=entry.cycle_number, what=what)
            item = QTreeWidgetItem([format_when(entry.transition.at), entry.transition.actor, what])
            item.setToolTip(2, what)
            items.append(item)
        self.history.addTopLevelItems(items)
