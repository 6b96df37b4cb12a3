"""Step 7, review and learn: outcomes met, what is working, spend against plan, market gaps, the decision."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.lifecycle import ReviewDecision, Step
from personalbudget.domain.review import (
    OUTCOME_RATINGS,
    REQUESTABLE_FROM,
    REVIEW_METHODS,
    REVIEW_REASONS,
    MarketGap,
    OutcomeRating,
)
from personalbudget.domain.roles import Permission
from personalbudget.domain.vocabularies import CARE_ACT_OUTCOMES, SUPPORT_CATEGORIES
from personalbudget.errors import ConcurrentEditError, PersonalBudgetError
from personalbudget.i18n import N_, _, format_date, format_money, ngettext
from personalbudget.plain_language import about
from personalbudget.services import Services
from personalbudget.services.dto import ReviewForm, ReviewView
from ui.accessibility import name_unnamed_controls
from ui.app_signals import AppSignals
from ui.dialogs.review_decision_dialog import DECISION_EXPLANATIONS
from ui.edit_conflicts import settle
from ui.pdf_export import save_pdf
from ui.steps.step_page import PersonView
from ui.widgets.money_widgets import title_label
from ui.widgets.text_wrap import wrap_text
from ui.workers import BackgroundTask

_Cell = TypeVar("_Cell", bound=QWidget)


def _cell(table: QTableWidget, row: int, column: int, kind: type[_Cell]) -> _Cell:
    """The widget the page put in a cell of one of its tables (a rating's box, a gap's fields)."""
    widget = table.cellWidget(row, column)
    assert isinstance(widget, kind), f"row {row}, column {column} holds {type(widget).__name__}"
    return widget


def _text_box(name: str, placeholder: str) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setAccessibleName(name)
    box.setPlaceholderText(placeholder)
    box.setMaximumHeight(56)
    return box


class ReviewPage(QScrollArea):
    def __init__(self, services: Services, signals: AppSignals, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._signals = signals
        self._person_id = 0
        self._review: ReviewView | None = None
        self._to_the_pound = False  # the spending in the person's view, to the pound (issue 19)
        self._task: BackgroundTask | None = None
        self.setWidgetResizable(True)

        title = title_label(_("Step 7: Review and learn"))
        self._title = title
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(_("About this review"))

        # Starting a review: planned, or requested for a reason.
        self.start_box = QGroupBox(_("Start a review"))
        self.start_box.setAccessibleName(_("Start a review"))
        self.reason = QComboBox()
        for reason in REVIEW_REASONS:
            self.reason.addItem(_(reason), reason)
        self.reason.setAccessibleName(_("Reason for the review"))
        self.reason_note = QLineEdit()
        self.reason_note.setAccessibleName(_("Note about the reason"))
        self.reason_note.setPlaceholderText(_("Optional: what happened"))
        self.start_button = QPushButton(_("Start the review"))
        self.start_button.setAccessibleName(_("Start the review"))
        self.start_button.clicked.connect(lambda: self.start_review())
        start_form = QFormLayout(self.start_box)
        start_form.addRow(_("Reason:"), self.reason)
        start_form.addRow(_("Note:"), self.reason_note)
        start_form.addRow(self.start_button)

        # The record itself.
        self.record = QWidget()
        self.outcomes = QTableWidget(0, 3)
        self.outcomes.setAccessibleName(_("Outcomes and how far each is met"))
        self.outcomes.setHorizontalHeaderLabels([_("Outcome"), _("How far met"), _("What the person says")])
        self.outcomes.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.outcomes.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.outcomes.verticalHeader().setVisible(False)
        self.outcomes.setTabKeyNavigation(False)  # Tab moves on to the controls in the rows, then out
        self.method = QComboBox()
        self.method.addItem(_("Choose who took part"), "")
        for method in REVIEW_METHODS:
            self.method.addItem(_(method), method)
        self.method.setAccessibleName(_("Who took part in the review"))
        self.working_person = _text_box(_("What is working, for the person"), _("In the person's words"))
        self.not_working_person = _text_box(
            _("What is not working, for the person"), _("In the person's words")
        )
        self.working_practitioner = _text_box(_("What is working, for the practitioner"), "")
        self.not_working_practitioner = _text_box(_("What is not working, for the practitioner"), "")
        views = QFormLayout()
        views.addRow(_("Who took part:"), self.method)
        views.addRow(_("Working (person):"), self.working_person)
        views.addRow(_("Not working (person):"), self.not_working_person)
        views.addRow(_("Working (practitioner):"), self.working_practitioner)
        views.addRow(_("Not working (practitioner):"), self.not_working_practitioner)

        self.spend_title = QLabel()
        self.spend_title.setWordWrap(True)
        self.spend = QTableWidget(0, 4)
        self.spend.setAccessibleName(_("Spending against the plan for the review period"))
        self.spend.setHorizontalHeaderLabels([_("Item"), _("Planned"), _("Spent"), _("Difference")])
        self.spend.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.spend.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):  # the amounts and their headings, whole in any language
            self.spend.horizontalHeader().setSectionResizeMode(
                column, QHeaderView.ResizeMode.ResizeToContents
            )
        self.spend.verticalHeader().setVisible(False)

        self.gaps = QTableWidget(0, 3)
        self.gaps.setAccessibleName(_("Support wanted but not found (market gaps)"))
        self.gaps.setHorizontalHeaderLabels([_("Support"), _("Where"), _("Why it could not be found")])
        self.gaps.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.gaps.verticalHeader().setVisible(False)
        self.gaps.setTabKeyNavigation(False)  # Tab moves on to the controls in the rows, then out
        self.add_gap_button = QPushButton(_("Add a market gap"))
        self.add_gap_button.setAccessibleName(_("Add a market gap"))
        self.add_gap_button.clicked.connect(lambda: self.add_gap())
        self.remove_gap_button = QPushButton(_("Remove the selected gap"))
        self.remove_gap_button.setAccessibleName(_("Remove the selected market gap"))
        self.remove_gap_button.clicked.connect(self._remove_gap)
        gap_buttons = QHBoxLayout()
        gap_buttons.addWidget(self.add_gap_button)
        gap_buttons.addWidget(self.remove_gap_button)
        gap_buttons.addStretch(1)

        self.risks = _text_box(_("Risks revisited"), _("The plan's risks looked at again: what has changed?"))
        self.risks.setMaximumHeight(100)

        self.decision_box = QGroupBox(_("Decision"))
        self.decision_box.setAccessibleName(_("What the review decides"))
        self.decisions = QButtonGroup(self)
        self.decision_buttons: dict[ReviewDecision, QRadioButton] = {}
        decision_layout = QVBoxLayout(self.decision_box)
        for decision in ReviewDecision:
            button = QRadioButton()
            metrics = button.fontMetrics()  # wrapped, so a longer language does not widen the page
            text = f"{decision.label}: {_(DECISION_EXPLANATIONS[decision])}"
            button.setText(wrap_text(text, metrics, metrics.averageCharWidth() * 70))
            button.setAccessibleName(decision.label)
            button.setAccessibleDescription(_(DECISION_EXPLANATIONS[decision]))
            self.decisions.addButton(button)
            self.decision_buttons[decision] = button
            decision_layout.addWidget(button)
        self.decision_note = QLineEdit()
        self.decision_note.setAccessibleName(_("Note about the decision"))
        self.decision_note.setPlaceholderText(_("Optional: what was agreed and why"))
        decision_layout.addWidget(self.decision_note)

        self.save_button = QPushButton(_("Save draft"))
        self.save_button.setAccessibleName(_("Save the review as a draft"))
        self.save_button.clicked.connect(lambda: self.save_draft())
        self.complete_button = QPushButton(_("Complete review"))
        self.complete_button.setAccessibleName(_("Complete the review and apply the decision"))
        self.complete_button.clicked.connect(lambda: self.complete_review())
        self.print_button = QPushButton(_("Print review (PDF)..."))
        self.print_button.setAccessibleName(_("Print the review as a PDF"))
        self.print_button.clicked.connect(lambda: self.print_review())
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.complete_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)

        record_layout = QVBoxLayout(self.record)
        record_layout.setContentsMargins(0, 0, 0, 0)
        self._headings = {  # kept, so the person's view can give each its plain words
            "outcomes": self._heading(_("Outcomes: how far is each met?")),
            "working": self._heading(_("What is working and not working")),
            "spend": self._heading(_("Spending against the plan")),
            "gaps": self._heading(_("Support wanted but not found")),
            "risks": self._heading(_("Risks revisited")),
            "earlier": self._heading(_("Earlier reviews")),
        }
        record_layout.addWidget(self._headings["outcomes"])
        record_layout.addWidget(self.outcomes)
        record_layout.addWidget(self._headings["working"])
        record_layout.addLayout(views)
        record_layout.addWidget(self._headings["spend"])
        record_layout.addWidget(self.spend_title)
        record_layout.addWidget(self.spend)
        record_layout.addWidget(self._headings["gaps"])
        record_layout.addWidget(self.gaps)
        record_layout.addLayout(gap_buttons)
        record_layout.addWidget(self._headings["risks"])
        record_layout.addWidget(self.risks)
        record_layout.addWidget(self.decision_box)
        record_layout.addLayout(buttons)

        self.history = QLabel()
        self.history.setWordWrap(True)
        self.history.setAccessibleName(_("Earlier reviews"))

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(title)
        layout.addWidget(self.summary)
        layout.addWidget(self.start_box)
        layout.addWidget(self.record)
        layout.addWidget(self._headings["earlier"])
        layout.addWidget(self.history)
        layout.addStretch(1)
        self.setWidget(content)
        name_unnamed_controls(self)

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(text)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        return label

    # -- showing -----------------------------------------------------------------------------
    @property
    def review(self) -> ReviewView | None:
        return self._review

    def person_view(self) -> PersonView:
        """The person's own views in their words; the practitioner's notes, the reason for the
        review, the decision and the market gaps (for commissioners) are for staff."""
        view = PersonView(anchor=self.summary)
        view.staff(self._title, self.start_box, self.working_practitioner, self.not_working_practitioner)
        view.staff(self.decision_box, self.complete_button, permission=Permission.MOVE_STEPS)
        view.staff(self.gaps, self.add_gap_button, self.remove_gap_button, self._headings["gaps"])
        for key, plain in (
            ("outcomes", N_("What I wanted to achieve: how is it going?")),
            ("working", N_("What is working and what is not")),
            ("spend", N_("Money spent compared with my plan")),
            ("risks", N_("Keeping safe: what has changed?")),
            ("earlier", N_("Earlier check-ins")),
        ):
            view.say(self._headings[key], plain)
        view.say(self.working_person, N_("In your own words"))
        view.say(self.not_working_person, N_("In your own words"))
        view.say(self.save_button, N_("Save for now"))
        view.say(self.print_button, N_("Print this check-in"))
        view.label_words += [
            (self.working_person, N_("Working for me:")),
            (self.not_working_person, N_("Not working for me:")),
        ]
        view.column_words += [
            (self.outcomes, 0, N_("What I wanted")),
            (self.outcomes, 1, N_("How it is going")),
            (self.outcomes, 2, N_("What I say")),
            (self.spend, 0, N_("Help")),
            (self.spend, 1, N_("My plan says")),
            (self.spend, 2, N_("Spent")),
        ]
        # To the pound, and the difference (in pence, with the staff's allowance) left to the summary.
        view.staff(self.spend_title, self.summary)  # the review's reason and period, for staff
        view.staff_columns.append((self.spend, 3))
        view.on_switch.append(self._spend_to_the_pound)
        return view

    def _spend_to_the_pound(self, on: bool) -> None:
        self._to_the_pound = on
        if self._review is not None:
            self._fill_spend(self._review)

    def show_person(self, person_id: int) -> None:
        self._person_id = person_id
        try:
            cycle = self._services.lifecycle.get_cycle(person_id)
            self._review = self._services.reviews.current(person_id)
            history = self._services.reviews.history(person_id)
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("Cannot show the review"), str(problem))
            return
        can_start = (
            cycle.is_open
            and self._review is None
            and (cycle.current_step in REQUESTABLE_FROM or cycle.current_step == Step.REVIEW)
        )
        self.start_box.setVisible(can_start)
        self.record.setVisible(self._review is not None)
        due = ""
        if cycle.next_review_due is not None and cycle.is_open:
            due = (
                _("Review overdue: was due {date}.") if cycle.review_overdue else _("Next review due {date}.")
            ).format(date=format_date(cycle.next_review_due))
        if self._review is not None:
            review = self._review
            self.summary.setText(
                _("Reason: {reason}{note}. Due {due}. Period reviewed {start} to {end}. {state}").format(
                    reason=_(review.reason),
                    note=f" ({review.reason_note})" if review.reason_note else "",
                    due=format_date(review.due_on),
                    start=format_date(review.period_start),
                    end=format_date(review.period_end),
                    state=_("Draft: not completed yet."),
                )
                + (" " + due if cycle.review_overdue else "")
            )
            self._fill(review)
        elif can_start:
            self.summary.setText(
                due + " " + _("Start a review to record how things are going with the person.")
            )
        elif not cycle.is_open:
            self.summary.setText(_("This budget has ended; there is nothing to review."))
        else:
            self.summary.setText(due + " " + _("A review can start once the plan is agreed (from step 4)."))
        if history:
            lines = []
            for item in history:
                if item.completed_at is None:
                    continue
                lines.append(
                    (
                        _("Review {n}, {date}: {reason}; {decision}; ")
                        + ngettext(
                            "{not_met} outcome not met; ", "{not_met} outcomes not met; ", item.not_met
                        )
                        + ngettext("{gaps} market gap.", "{gaps} market gaps.", item.gaps)
                    ).format(
                        n=item.number,
                        date=format_date(item.completed_at.date()),
                        reason=_(item.reason),
                        decision=item.decision.label if item.decision else "",
                        not_met=item.not_met,
                        gaps=item.gaps,
                    )
                )
            self.history.setText("\n".join(lines) or _("No completed reviews yet."))
        else:
            self.history.setText(_("No reviews yet."))
        self.print_button.setEnabled(bool(history))
        name_unnamed_controls(self)

    def refresh(self) -> None:
        if self._person_id:
            self.show_person(self._person_id)

    def _fill(self, review: ReviewView) -> None:
        form = review.form
        self.outcomes.setRowCount(len(form.outcomes))
        for row, outcome in enumerate(form.outcomes):
            area = CARE_ACT_OUTCOMES.get(outcome.outcome_code, "")
            item = QTableWidgetItem(outcome.description)
            item.setData(Qt.ItemDataRole.UserRole, outcome.outcome_code)
            item.setToolTip(area)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.outcomes.setItem(row, 0, item)
            rating = QComboBox()
            rating.addItem(_("Not rated yet"), "")
            for value in OUTCOME_RATINGS:
                rating.addItem(_(value), value)
            rating.setCurrentIndex(max(0, rating.findData(outcome.rating)))
            rating.setAccessibleName(_("How far met: {outcome}").format(outcome=outcome.description))
            self.outcomes.setCellWidget(row, 1, rating)
            says = QLineEdit(outcome.person_says)
            says.setAccessibleName(_("What the person says: {outcome}").format(outcome=outcome.description))
            self.outcomes.setCellWidget(row, 2, says)
        self.outcomes.resizeColumnToContents(1)
        self.outcomes.setFixedHeight(
            self.outcomes.horizontalHeader().height() + 34 * max(1, len(form.outcomes)) + 6
        )
        self.method.setCurrentIndex(max(0, self.method.findData(form.method)))
        self.working_person.setPlainText(form.working_person)
        self.not_working_person.setPlainText(form.not_working_person)
        self.working_practitioner.setPlainText(form.working_practitioner)
        self.not_working_practitioner.setPlainText(form.not_working_practitioner)
        self.risks.setPlainText(form.risks)
        self.decisions.setExclusive(False)
        for decision, button in self.decision_buttons.items():
            button.setChecked(decision == form.decision)
        self.decisions.setExclusive(True)
        self.decision_note.setText(form.decision_note)
        self.gaps.setRowCount(0)
        for gap in form.market_gaps:
            self.add_gap(gap)
        self._fill_spend(review)

    def _fill_spend(self, review: ReviewView) -> None:
        self.spend_title.setText(
            _("Worked out from the ledger, {start} to {end}. Difference = planned minus spent.").format(
                start=format_date(review.period_start), end=format_date(review.period_end)
            )
        )
        lines = [*review.spend, review.spend_total] if review.spend_total else []
        self.spend.setRowCount(len(lines))
        for row, line in enumerate(lines):
            money = about if self._to_the_pound else format_money
            cells = (
                line.label,
                money(line.planned_so_far_pence),
                money(line.spent_pence),
                line.difference_words,  # the same rule and words as step 6
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if line is review.spend_total:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.spend.setItem(row, column, item)
        self.spend.setFixedHeight(self.spend.horizontalHeader().height() + 30 * max(1, len(lines)) + 6)

    def add_gap(self, gap: MarketGap | None = None) -> int:
        row = self.gaps.rowCount()
        self.gaps.insertRow(row)
        self.gaps.setFixedHeight(self.gaps.horizontalHeader().height() + 34 * max(2, row + 1) + 6)
        category = QComboBox()
        category.addItem(_("Choose the kind of support"), "")
        for key, label in SUPPORT_CATEGORIES.items():
            category.addItem(_(label), key)
        category.setAccessibleName(_("Market gap {n}: kind of support").format(n=row + 1))
        locality = QLineEdit(gap.locality if gap else "")
        locality.setAccessibleName(_("Market gap {n}: where").format(n=row + 1))
        why = QLineEdit(gap.why if gap else "")
        why.setAccessibleName(_("Market gap {n}: why it could not be found").format(n=row + 1))
        if gap:
            category.setCurrentIndex(max(0, category.findData(gap.category)))
        self.gaps.setCellWidget(row, 0, category)
        self.gaps.setCellWidget(row, 1, locality)
        self.gaps.setCellWidget(row, 2, why)
        name_unnamed_controls(self.gaps)
        return row

    def _remove_gap(self) -> None:
        row = self.gaps.currentRow()
        if row >= 0:
            self.gaps.removeRow(row)

    # -- reading the form ---------------------------------------------------------------------
    def form(self) -> ReviewForm:
        outcomes = []
        for row in range(self.outcomes.rowCount()):
            item = self.outcomes.item(row, 0)
            assert item is not None  # every outcome row has its outcome
            outcomes.append(
                OutcomeRating(
                    item.data(Qt.ItemDataRole.UserRole),
                    item.text(),
                    _cell(self.outcomes, row, 1, QComboBox).currentData(),
                    _cell(self.outcomes, row, 2, QLineEdit).text(),
                )
            )
        gaps = []
        for row in range(self.gaps.rowCount()):
            category = _cell(self.gaps, row, 0, QComboBox)
            locality, why = (_cell(self.gaps, row, c, QLineEdit) for c in (1, 2))
            gaps.append(MarketGap(category.currentData(), locality.text(), why.text()))
        decision = next((d for d, b in self.decision_buttons.items() if b.isChecked()), None)
        return ReviewForm(
            outcomes=outcomes,
            method=self.method.currentData(),
            working_person=self.working_person.toPlainText(),
            not_working_person=self.not_working_person.toPlainText(),
            working_practitioner=self.working_practitioner.toPlainText(),
            not_working_practitioner=self.not_working_practitioner.toPlainText(),
            market_gaps=gaps,
            risks=self.risks.toPlainText(),
            decision=decision,
            decision_note=self.decision_note.text(),
        )

    def set_rating(self, row: int, rating: str, person_says: str = "") -> None:
        combo = _cell(self.outcomes, row, 1, QComboBox)
        combo.setCurrentIndex(combo.findData(rating))
        if person_says:
            _cell(self.outcomes, row, 2, QLineEdit).setText(person_says)

    # -- actions ----------------------------------------------------------------------------
    def start_review(self, reason: str | None = None) -> bool:
        try:
            self._services.reviews.open_review(
                self._person_id, reason or self.reason.currentData(), self.reason_note.text()
            )
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("Cannot start the review"), str(problem))
            return False
        self.reason_note.clear()
        self._signals.cycle_changed.emit(self._person_id)
        self._signals.status_message.emit(_("Started a review"))
        self.refresh()
        return True

    def save_draft(self) -> bool:
        if self._review is None:
            return False
        review_id, form = self._review.review_id, self.form()
        try:
            try:
                self._review = self._services.reviews.save_draft(review_id, form, base=self._review)
            except ConcurrentEditError as conflict:  # someone else saved the review meanwhile
                settled = settle(
                    self,
                    self._services,
                    conflict,
                    save_mine=lambda current, how: self._services.reviews.save_draft(
                        review_id, form, base=current, resolution=how
                    ),
                    reload=lambda _current: self.refresh(),
                )
                if settled is None:
                    return False  # their review shown, or back to the page as typed: nothing saved
                self._review = settled
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("Cannot save the review"), str(problem))
            return False
        self._signals.status_message.emit(_("Saved the review draft"))
        return True

    def complete_review(self) -> bool:
        if self._review is None:
            return False
        form = self.form()
        review_id = self._review.review_id
        try:
            try:
                done = self._services.reviews.complete(review_id, form, base=self._review)
            except ConcurrentEditError as conflict:  # someone else saved the review meanwhile
                settled = settle(
                    self,
                    self._services,
                    conflict,
                    save_mine=lambda current, how: self._services.reviews.complete(
                        review_id, form, base=current, resolution=how
                    ),
                    reload=lambda _current: self.refresh(),
                )
                if settled is None:
                    return False
                done = settled
        except PersonalBudgetError as problem:
            QMessageBox.warning(self, _("The review is not complete"), str(problem))
            return False
        assert form.decision is not None
        self._review = None
        self._signals.cycle_changed.emit(done.person_id)
        self._signals.status_message.emit(
            _("Completed the review for {name}: {decision}").format(
                name=done.person_name, decision=form.decision.label
            )
        )
        return True

    def print_review(self, out: Path | None = None) -> BackgroundTask | None:
        services, person_id = self._services, self._person_id
        task = save_pdf(
            self,
            lambda path: services.reports.write_review(person_id, path),
            out=out,
            caption=_("Save the review as PDF"),
            suggested_name=lambda: f"review-{person_id}.pdf",
            progress_title=_("Printing the review"),
            saved=_("Saved the review to {file}"),
            not_printed=_("The review was not printed"),
            status=self._signals.status_message.emit,
        )
        if task is not None:
            self._task = task
        return task
