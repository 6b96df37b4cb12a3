"""Co-production mode: one switch that turns the workspace into the person's view.

When it is on, the workspace uses plain words and larger text, hides what only staff use (as the
role rules say for ``Role.INDIVIDUAL``), shows the assessment one question at a time and the plan
one part at a time, and shows money "a week" in words as well as figures.

The state lives in one small object, ``CoproductionMode``. ``CoproductionView`` listens to it and
changes the main window; the step pages keep their own logic and services (nothing is forked).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction
from html import escape

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPoint, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QBoxLayout,
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTabBar,
    QTableView,
    QTableWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.money import HOW_OFTEN, WEEKS_PER_YEAR, Frequency, round_half_up
from personalbudget.domain.person_view import STEP_TITLES as PERSON_STEP_TITLES
from personalbudget.domain.person_view import (
    PlainSummary,
    agreement_summary,
    budget_summary,
    management_summary,
    money_summary,
    review_summary,
)
from personalbudget.domain.plan import SupportItemEntry, cost_items, cost_plan
from personalbudget.domain.ras import Domain, Question, RasDefinition
from personalbudget.domain.roles import Permission, Role, allowed
from personalbudget.domain.vocabularies import plain_category
from personalbudget.errors import PersonalBudgetError, ValidationError
from personalbudget.i18n import N_, _, format_date, ngettext
from personalbudget.paths import resources_dir
from personalbudget.plain_language import about, about_a_week
from personalbudget.services import Services
from ui import theme
from ui.accessibility import chain_after, layout_holding
from ui.steps.agreement_page import AgreementPage
from ui.steps.budget_page import BudgetPage
from ui.steps.ledger_page import LedgerPage
from ui.steps.management_page import ManagementPage
from ui.steps.plan_page import PlanPage
from ui.steps.review_page import ReviewPage
from ui.steps.step_page import PersonView
from ui.steps.support_page import SupportPage

FONT_SCALE = 1.35  # text in the person's view, against the user's own font size
SHORTCUT = "Ctrl+Shift+P"
SETTINGS_KEY = "coproduction/{user}"
PICTURE_SIZE = 48  # the easy read pictures beside what the person is told, in pixels
AMOUNT_SETTING = "coproduction/amount_shown"  # "end" (after the last question) or "live"
PERSON_ROLE = Role.INDIVIDUAL  # the role rules say what the person may see and do
PRACTITIONER_DETAIL = None  # shown to staff only, whatever the role allows (points, audit, internals)

# -- plain words, kept in one place --------------------------------------------------------------

STEP_SHORT_TITLES = {  # short enough for the row of steps
    Step.SET_BUDGET: N_("Your money"),
    Step.PLAN_SUPPORT: N_("Your plan"),
    Step.AGREE_PLAN: N_("Agreeing the plan"),
    Step.MANAGE_BUDGET: N_("Looking after the money"),
    Step.ORGANISE_SUPPORT: N_("Getting help in place"),
    Step.LIVE_LIFE: N_("Living your life"),
    Step.REVIEW: N_("How it is going"),
}
STEP_EXPLANATIONS = {
    Step.SET_BUDGET: N_(
        "Answer the questions one at a time. Your answers work out how much money you could have."
    ),
    Step.PLAN_SUPPORT: N_("Say what matters to you and the help you want. Go through it one part at a time."),
    Step.AGREE_PLAN: N_("The council checks your plan and says yes, or asks for changes."),
    Step.MANAGE_BUDGET: N_("Who holds your money and how it is paid."),
    Step.ORGANISE_SUPPORT: N_("Who gives you each kind of help, and from when."),
    Step.LIVE_LIFE: N_("The money paid in, the money spent, and what is left."),
    Step.REVIEW: N_("Say what is working and what is not, so things can change if they need to."),
}


def weekly_in_words(pence: int) -> str:
    """An amount a week to the pound, as the person is told it: 'about £173 a week'."""
    return about_a_week(pence)


def amount_in_words(pence: int) -> str:
    """An amount to the pound: 'about £12', '£50'."""
    return about(pence)


def summary_html(summary: PlainSummary) -> str:
    """What the person is told (``domain/person_view``), one thing a line, with the easy read
    picture for each kind of help beside it."""
    rows = []
    for told in summary.told:
        text = escape(told.sentence())
        if told.heading:
            text = f"<b>{text}</b>"
        picture = resources_dir() / "easy_read" / f"{told.picture}.png" if told.picture else None
        if picture is not None and picture.exists():
            image = f"<img src='{picture.as_uri()}' width='{PICTURE_SIZE}' height='{PICTURE_SIZE}'>"
            rows.append(
                f"<tr><td style='padding:4px'>{image}</td><td style='padding:4px' valign='middle'>{text}</td></tr>"
            )
        else:
            rows.append(f"<tr><td></td><td style='padding:4px'>{text}</td></tr>")
    return f"<table cellspacing='0'>{''.join(rows)}</table>" if rows else ""


def weekly_of_annual(annual: int | Fraction) -> int:
    return round_half_up(Fraction(annual) / WEEKS_PER_YEAR)


def person_may(permission: Permission | None) -> bool:
    """What the person may use in their view: what the role rules allow an individual."""
    return permission is not None and allowed(PERSON_ROLE, permission)


# -- the state ------------------------------------------------------------------------------------


class CoproductionMode(QObject):
    """Whether the workspace is the person's view; remembered for each signed-in user."""

    changed = Signal(bool)

    def __init__(self, settings: QSettings | None = None, user: str = "", parent: QObject | None = None):
        super().__init__(parent)
        self._settings = settings
        self._key = SETTINGS_KEY.format(user=user or "default")
        value = settings.value(self._key, False) if settings is not None else False
        self._on = value is True or str(value).lower() == "true"

    def is_on(self) -> bool:
        return self._on

    def set_on(self, on: bool) -> None:
        on = bool(on)
        if on == self._on:
            return
        self._on = on
        if self._settings is not None:
            self._settings.setValue(self._key, on)
            self._settings.sync()
        self.changed.emit(on)

    def toggle(self) -> None:
        self.set_on(not self._on)

    def amount_live(self) -> bool:
        """Whether the money the answers give changes at each answer ("live") or is said after the
        last question (the default: a figure that moves at each answer is hard to follow)."""
        return self._settings is not None and self._settings.value(AMOUNT_SETTING, "end") == "live"

    def set_amount_live(self, live: bool) -> None:
        if self._settings is not None:
            self._settings.setValue(AMOUNT_SETTING, "live" if live else "end")
            self._settings.sync()


# -- small widgets ----------------------------------------------------------------------------------


def _scaled_bold(label: QLabel, scale: float) -> QLabel:
    font = label.font()
    font.setBold(True)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


def _muted(label: QLabel) -> QLabel:
    tint = getattr(theme, "tint", None)
    if callable(tint):
        tint(label, "muted")  # follows the high-contrast theme
    else:
        label.setStyleSheet(f"color: {theme.MUTED_TEXT};")
    return label


def _words_label(name: str, *, rich: bool = False) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if rich:
        label.setTextFormat(Qt.TextFormat.RichText)
    return label


def _pictured(lines: Iterable[tuple[str, str]]) -> str:
    """One line a row with the easy read picture of its kind of help (``resources/easy_read``)."""
    folder = resources_dir() / "easy_read"
    rows = []
    for picture, text in lines:
        path = folder / f"{picture}.png"
        path = path if path.is_file() else folder / "other.png"
        image = f"<img src='{path.as_uri()}' width='{PICTURE_SIZE}' height='{PICTURE_SIZE}'>"
        rows.append(
            f"<tr><td style='padding:4px'>{image}</td>"
            f"<td style='padding:4px' valign='middle'>{escape(text)}</td></tr>"
        )
    return f"<table cellspacing='0'>{''.join(rows)}</table>"


class CoproductionBanner(QFrame):
    """Says, at the top of the workspace, whose view this is and how to leave it."""

    leave_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("coproductionBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # Palette colours only, so the banner reads in the normal and the high-contrast theme.
        self.setStyleSheet(
            "QFrame#coproductionBanner { border: 3px solid palette(highlight); border-radius: 8px; }"
        )
        self.text = QLabel()
        self.text.setObjectName("coproductionBannerText")
        self.text.setWordWrap(True)
        self.text.setAccessibleName(_("Co-production mode"))
        self.leave_button = QPushButton(_("Leave co-production mode"))
        self.leave_button.setAccessibleName(_("Leave co-production mode"))
        self.leave_button.setAccessibleDescription(
            _("Go back to the full view ({shortcut})").format(shortcut=SHORTCUT)
        )
        self.leave_button.clicked.connect(self.leave_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.leave_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.set_person("")

    def set_person(self, name: str) -> None:
        first = _("This is {name}'s view.").format(name=name) if name else _("This is the person's view.")
        self.text.setText(
            first
            + " "
            + _(
                "The words are plainer, the text is bigger and things only staff use are hidden. "
                "To go back to the full view, press {shortcut} or use the button."
            ).format(shortcut=QKeySequence(SHORTCUT).toString(QKeySequence.SequenceFormat.NativeText))
        )
        self.setAccessibleDescription(self.text.text())


# The easy read picture beside each answer, by the area of life the question is about.
AREA_PICTURES = {
    "nutrition": "domestic",
    "hygiene": "personal_care",
    "toilet": "personal_care",
    "clothing": "personal_care",
    "home_safety": "keeping_safe",
    "home": "domestic",
    "relationships": "people_who_help",
    "work": "work_learning",
    "community": "community_activities",
    "parenting": "people_who_help",
    "health": "health_support",
    "family_support": "people_who_help",
    "carer": "people_who_help",
}
ANSWER_PICTURE = 40  # the picture on each answer button, in pixels
ANSWER_COLUMNS = 2


def area_picture(area_id: str) -> QPixmap:
    """The easy read picture for an area of the questions (``resources/easy_read``)."""
    folder = resources_dir() / "easy_read"
    path = folder / f"{AREA_PICTURES.get(area_id, 'about_me')}.png"
    return QPixmap(str(path if path.is_file() else folder / "about_me.png"))


class AnswerButton(QRadioButton):
    """An answer as a big button with the area's picture: the whole button takes the click, and it
    still is a radio button to a screen reader (one answer of several)."""

    def __init__(self, text: str, picture: QPixmap, parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setObjectName("answerButton")
        self.setIcon(QIcon(picture))
        self.setIconSize(QSize(ANSWER_PICTURE, ANSWER_PICTURE))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        # Palette colours only, so the buttons read in the normal and the high-contrast theme.
        self.setStyleSheet(
            "QRadioButton#answerButton { border: 2px solid palette(mid); border-radius: 8px;"
            " padding: 6px 10px; background: palette(button); }"
            "QRadioButton#answerButton:checked { border: 4px solid palette(highlight);"
            " background: palette(alternate-base); }"
            "QRadioButton#answerButton:focus { border: 3px dashed palette(highlight); }"
        )

    def hitButton(self, pos: QPoint) -> bool:
        return self.rect().contains(pos)


class QuestionByQuestion(QWidget):
    """The RAS questionnaire one question at a time. Each answer is saved through the budget page,
    exactly as clicking its answer in the full questionnaire does."""

    answered = Signal()

    def __init__(self, page: BudgetPage, ras: RasDefinition, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("coproductionQuestions")
        self._page = page
        self._questions: list[tuple[Domain, Question]] = [(d, q) for d in ras.domains for q in d.questions]
        self._index = 0
        self._answers: dict[str, str] = {}
        self._editable = False
        self.tab_anchor: QWidget | None = None  # the control Tab comes from (set by the page's owner)

        self.count_label = _scaled_bold(QLabel(), 1.0)
        self.count_label.setAccessibleName(_("Which question this is"))
        self.progress = QProgressBar()
        self.progress.setAccessibleName(_("Questions answered"))
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(12)
        self.area_label = QLabel()
        self.area_label.setWordWrap(True)
        _muted(self.area_label)
        self.question_label = _scaled_bold(QLabel(), 1.25)
        self.question_label.setWordWrap(True)
        self.help_label = QLabel()
        self.help_label.setWordWrap(True)
        _muted(self.help_label)
        self.answers_box = QGroupBox()
        self.answers_box.setAccessibleName(_("Answers"))
        # The answers as tiles, two a row, so that four big buttons fit a laptop's screen.
        self.answers_layout = QGridLayout(self.answers_box)
        self.answers_layout.setSpacing(10)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.group.buttonClicked.connect(self._clicked)
        self.previous_button = QPushButton(_("< Previous question"))
        self.previous_button.setAccessibleName(_("Previous question"))
        self.previous_button.clicked.connect(lambda: self.go_to(self._index - 1))
        self.next_button = QPushButton(_("Next question >"))
        self.next_button.setAccessibleName(_("Next question"))
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.next)
        navigation = QHBoxLayout()
        navigation.addWidget(self.previous_button)
        navigation.addStretch(1)
        navigation.addWidget(self.next_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(8)
        layout.addWidget(self.count_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.area_label)
        layout.addWidget(self.question_label)
        layout.addWidget(self.help_label)
        layout.addWidget(self.answers_box)
        layout.addStretch(1)
        layout.addLayout(navigation)

    # -- public -------------------------------------------------------------------------------------
    def load(self, answers: dict[str, str], editable: bool) -> None:
        """Show the person's saved answers, at the first question not answered yet."""
        self._answers = dict(answers)
        self._editable = editable
        first = next((i for i, (_d, q) in enumerate(self._questions) if q.id not in self._answers), 0)
        self.go_to(first)

    def index(self) -> int:
        return self._index

    def count(self) -> int:
        return len(self._questions)

    def question(self) -> Question:
        return self._questions[self._index][1]

    def answer_buttons(self) -> list[QRadioButton]:
        return [b for b in self.group.buttons() if isinstance(b, QRadioButton)]

    def choose(self, answer_id: str) -> None:
        """Choose an answer to this question (as clicking it does)."""
        button = next(b for b in self.answer_buttons() if b.property("answer_id") == answer_id)
        button.click()

    def next(self) -> None:
        self.go_to(self._index + 1)

    def go_to(self, index: int) -> None:
        self._index = max(0, min(index, len(self._questions) - 1))
        domain, question = self._questions[self._index]
        self.count_label.setText(
            _("Question {n} of {total}").format(n=self._index + 1, total=len(self._questions))
        )
        self.area_label.setText(_("About: {area}").format(area=_(domain.title)))
        self.question_label.setText(_(question.text))
        self.help_label.setText(_(question.help) if question.help else "")
        self.help_label.setVisible(bool(question.help))
        for button in self.group.buttons():
            self.group.removeButton(button)
            self.answers_layout.removeWidget(button)
            button.hide()
            button.deleteLater()
        chosen = self._answers.get(question.id)
        picture = area_picture(domain.id)
        for n, answer in enumerate(question.answers):
            button = AnswerButton(_(answer.text), picture, self.answers_box)  # no points: for staff
            button.setAccessibleName(_(answer.text))
            button.setAccessibleDescription(_(question.text))
            button.setProperty("question_id", question.id)
            button.setProperty("answer_id", answer.id)
            button.setEnabled(self._editable)
            button.setChecked(answer.id == chosen)
            self.group.addButton(button)
            self.answers_layout.addWidget(button, n // ANSWER_COLUMNS, n % ANSWER_COLUMNS)
            button.setMinimumHeight(max(button.sizeHint().height() + 8, TARGET + 8))  # a big button
        self._order_tab_stops()
        self.answers_box.setAccessibleName(_("Answers to: {question}").format(question=_(question.text)))
        self.previous_button.setEnabled(self._index > 0)
        last = self._index == len(self._questions) - 1
        self.next_button.setEnabled(not last)
        self.next_button.setAccessibleDescription(_("That was the last question.") if last else "")
        self._update_progress()

    def _order_tab_stops(self) -> None:
        """Tab reaches the answers, then Previous and Next, right after ``tab_anchor`` (the control
        before this widget on the page); new answers would otherwise come last."""
        if self.tab_anchor is None:
            chain_after(self.answers_box, self.answer_buttons())
            return
        previous = self.tab_anchor
        for widget in [*self.answer_buttons(), self.previous_button, self.next_button]:
            QWidget.setTabOrder(previous, widget)
            previous = widget

    def focus_answer(self) -> None:
        buttons = self.answer_buttons()
        target = next((b for b in buttons if b.isChecked()), buttons[0] if buttons else self.next_button)
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- helpers -----------------------------------------------------------------------------------
    def _clicked(self, button: QAbstractButton) -> None:
        question_id, answer_id = button.property("question_id"), button.property("answer_id")
        self._answers[question_id] = answer_id
        self._page.answer(question_id, answer_id)  # saved as the full questionnaire saves it
        self._update_progress()
        self.answered.emit()

    def _update_progress(self) -> None:
        done = sum(1 for _d, q in self._questions if q.id in self._answers)
        self.progress.setMaximum(len(self._questions))
        self.progress.setValue(done)
        self.progress.setAccessibleDescription(
            ngettext(
                "{done} of {total} question answered",
                "{done} of {total} questions answered",
                len(self._questions),
            ).format(done=done, total=len(self._questions))
        )


class PlanSectionSteps(QWidget):
    """The plan one part at a time: the part's name, Previous and Next (the tabs are hidden), the
    plan's cost a week in words, and each item's weekly cost in words on the help part."""

    ITEMS_SECTION = 2

    def __init__(self, page: PlanPage, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("coproductionPlanSteps")
        self._page = page
        self._budget_annual: int | None = None
        self.tab_anchor: QWidget | None = None  # the control Tab comes from (set by the page's owner)
        self.title = _scaled_bold(QLabel(), 1.2)
        self.title.setWordWrap(True)
        self.title.setAccessibleName(_("Which part of the plan this is"))
        self.previous_button = QPushButton(_("< Previous part"))
        self.previous_button.setAccessibleName(_("Previous part of the plan"))
        self.previous_button.clicked.connect(lambda: self.go_to(self.index() - 1))
        self.next_button = QPushButton(_("Next part >"))
        self.next_button.setAccessibleName(_("Next part of the plan"))
        self.next_button.clicked.connect(lambda: self.go_to(self.index() + 1))
        self.total_words = _words_label(_("What the plan costs a week, in words"))
        self.item_words = _words_label(_("Each kind of help and what it costs a week, in words"), rich=True)
        top = QHBoxLayout()
        top.addWidget(self.previous_button)
        top.addWidget(self.title, 1)
        top.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addLayout(top)
        layout.addWidget(self.total_words)
        layout.addWidget(self.item_words)
        page.tabs.currentChanged.connect(self._section_changed)
        for table in (page.outcomes, page.items, page.informal, page.risks):
            table.changed.connect(self.update_money)
        self._section_changed(page.tabs.currentIndex())

    def index(self) -> int:
        return self._page.tabs.currentIndex()

    def count(self) -> int:
        return self._page.tabs.count()

    def go_to(self, index: int) -> None:
        self._page.tabs.setCurrentIndex(max(0, min(index, self.count() - 1)))

    def refresh(self) -> None:
        """The part's name again (the page's plain tab names come in as the view switches on)."""
        self._section_changed(self.index())

    def set_budget(self, annual_pence: int | None) -> None:
        self._budget_annual = annual_pence
        self.update_money()

    def _section_changed(self, index: int) -> None:
        name = self._page.tabs.tabText(index)  # the page's own plain name for the part
        self.title.setText(
            _("Part {n} of {total}: {name}").format(n=index + 1, total=self.count(), name=name)
        )
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < self.count() - 1)
        self.item_words.setVisible(index == self._page.tabs.indexOf(self._page.items))
        self.update_money()
        self.order_tab_stops()

    def _stops(self, section: QWidget) -> list[QWidget]:
        return [
            w
            for w in [section, *section.findChildren(QWidget)]
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus
            and w.focusProxy() is None
            and w.window() is section.window()  # not a drop-down list's own popup
        ]

    def restore_tab_stops(self) -> None:
        """The full view's order again: the tabs, then what is in them."""
        tabs = self._page.tabs
        previous: QWidget = tabs.tabBar()
        widgets = [w for w in self._stops(tabs.tabBar()) if w is not tabs.tabBar()]  # its scroll buttons
        for index in range(tabs.count()):
            widgets += self._stops(tabs.widget(index))
        for widget in widgets:
            QWidget.setTabOrder(previous, widget)
            previous = widget

    def order_tab_stops(self) -> None:
        """Tab goes Previous, Next, then into the part shown (the part would otherwise come first)."""
        section = self._page.tabs.currentWidget()
        if section is None or self.window() is not self._page.window():  # not placed on the page yet
            return
        stops = self._stops(section)
        previous = self.next_button
        if self.tab_anchor is not None:
            QWidget.setTabOrder(self.tab_anchor, self.previous_button)
        QWidget.setTabOrder(self.previous_button, self.next_button)
        for widget in stops:
            QWidget.setTabOrder(previous, widget)
            previous = widget

    def update_money(self) -> None:
        entries: list[SupportItemEntry] = self._page.draft().support_items
        lines = []
        costed = []
        for entry in entries:
            try:
                [item] = cost_items([entry])
            except ValidationError:
                continue
            costed.append(item)
            what = entry.description.strip() or _(plain_category(entry.category))
            cost = (
                about(item.annual_pence)
                if item.frequency == Frequency.ONE_OFF
                else weekly_in_words(item.weekly_pence)
            )
            said = _("{what}: {money}. Who helps: {who}. How often: {how_often}.").format(
                what=what,
                money=cost,
                who=item.provider or _("not chosen yet"),
                how_often=_(HOW_OFTEN[item.frequency]),
            )
            lines.append((entry.category or "other", said))
        costing = cost_plan(costed, self._budget_annual)
        text = _("Your plan costs {money}.").format(money=weekly_in_words(costing.weekly_pence))
        if self._budget_annual is not None:
            budget_weekly = weekly_of_annual(self._budget_annual)
            text += "\n" + _("Your budget is {money}.").format(money=weekly_in_words(budget_weekly))
            difference = budget_weekly - costing.weekly_pence
            if difference > 0:
                text += "\n" + _("You still have {money} to plan.").format(money=weekly_in_words(difference))
            elif difference < 0:
                text += "\n" + _("That is {money} more than your budget.").format(
                    money=weekly_in_words(-difference)
                )
        self.total_words.setText(text)
        self.item_words.setText(_pictured(lines) if lines else escape(_("No help with a cost yet.")))


# -- keeping staff-only controls hidden ------------------------------------------------------------------


TARGET = 44  # the smallest a control may be in the person's view, in pixels (WCAG 2.5.5)
TARGET_TYPES = (QAbstractButton, QComboBox, QLineEdit, QAbstractSpinBox, QTabBar)


class _BigTargets(QObject):
    """Every control in the person's view at least ``TARGET`` pixels each way (and table rows tall
    enough for the controls in them); the sizes are put back when the view is left."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._sizes: dict[int, tuple[QWidget, QSize]] = {}
        self._rows: dict[int, tuple[QHeaderView, int]] = {}

    def apply(self, root: QWidget) -> None:
        for widget in root.findChildren(QWidget):
            if not isinstance(widget, TARGET_TYPES) or isinstance(widget.parentWidget(), QTabBar):
                continue
            if id(widget) not in self._sizes:
                self._sizes[id(widget)] = (widget, widget.minimumSize())
            widget.setMinimumSize(max(widget.minimumWidth(), TARGET), max(widget.minimumHeight(), TARGET))
        for view in root.findChildren(QTableView):
            rows = view.verticalHeader()
            if id(rows) not in self._rows:
                self._rows[id(rows)] = (rows, rows.defaultSectionSize())
            rows.setMinimumSectionSize(TARGET + 4)
            rows.setDefaultSectionSize(max(rows.defaultSectionSize(), TARGET + 4))
            for row in range(view.model().rowCount() if view.model() is not None else 0):
                if view.rowHeight(row) < TARGET + 4:
                    view.setRowHeight(row, TARGET + 4)

    def restore(self) -> None:
        for widget, size in self._sizes.values():
            if shiboken6.isValid(widget):
                widget.setMinimumSize(size)
        for rows, size in self._rows.values():
            if shiboken6.isValid(rows):
                rows.setMinimumSectionSize(-1)
                rows.setDefaultSectionSize(size)
        self._sizes.clear()
        self._rows.clear()


class _KeepHidden(QObject):
    """While the person's view is on, a staff-only control that a page shows again is hidden again."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.active = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.active and event.type() == QEvent.Type.ShowToParent and isinstance(watched, QWidget):
            watched.hide()
        return False


def _form_label(widget: QWidget) -> QWidget | None:
    """The label of ``widget``'s row, when it is a field of a form layout."""
    parent = widget.parentWidget()
    if parent is None or parent.layout() is None:
        return None

    def search(layout: QLayout) -> QWidget | None:
        if isinstance(layout, QFormLayout):
            label = layout.labelForField(widget)
            if label is not None:
                return label
        for i in range(layout.count()):
            child = layout.itemAt(i).layout()
            if child is not None:
                found = search(child)
                if found is not None:
                    return found
        return None

    return search(parent.layout())


def _column_title(table: QTableWidget, column: int) -> str | None:
    item = table.horizontalHeaderItem(column)
    return None if item is None else item.text()


def _set_column_title(table: QTableWidget, column: int, text: str) -> None:
    item = table.horizontalHeaderItem(column) if column < table.columnCount() else None
    if item is not None:
        item.setText(text)


def _tabs_of(tab_page: QWidget) -> QTabWidget | None:
    """The tab widget that holds ``tab_page`` as one of its pages."""
    stack = tab_page.parentWidget()
    tabs = stack.parentWidget() if stack is not None else None
    return tabs if isinstance(tabs, QTabWidget) and tabs.indexOf(tab_page) >= 0 else None


def _insert_after(anchor: QWidget, widget: QWidget, offset: int = 1) -> None:
    layout = anchor.parentWidget().layout()
    layout.insertWidget(layout.indexOf(anchor) + offset, widget)


def _scaled(font: QFont, scale: float = FONT_SCALE) -> QFont:
    font = QFont(font)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * scale)
    elif font.pixelSize() > 0:
        font.setPixelSize(round(font.pixelSize() * scale))
    return font


class _LargerText(QObject):
    """Scales the text of a widget tree by ``FONT_SCALE`` (of the user's own font) and puts it back.

    Every widget's font is worked out first and then set, so none is scaled twice. Widgets a page
    makes while the mode is on (a new row, the next question) are caught as they are polished: with
    the application stylesheet, Qt does not always pass a parent's font on to a new child."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._fonts: list[tuple[QWidget, QFont | None]] = []
        self._session = 0  # marks the widgets done in this turn of the mode
        self._watched: list[QWidget] = []
        self._sizes: list[tuple[QHeaderView, int, int]] = []  # (header, section or -1 for rows, size)
        self._root: QWidget | None = None

    def active(self) -> bool:
        return self._root is not None

    def start(self, root: QWidget) -> None:
        if self._root is not None:
            return
        self._root = root
        self._session += 1
        widgets = [root, *root.findChildren(QWidget)]
        planned = [(widget, _scaled(widget.font())) for widget in widgets]
        for widget, font in planned:
            self._remember(widget)
            widget.setFont(font)
        for widget in widgets:
            self._watch(widget)
        self._scale_tables(root.findChildren(QTableView))

    def stop(self) -> None:
        for widget in self._watched:
            if shiboken6.isValid(widget):
                widget.removeEventFilter(self)
        for widget, font in reversed(self._fonts):
            if shiboken6.isValid(widget):
                widget.setFont(font if font is not None else QFont())
        for widget, font in self._fonts:
            if font is None and shiboken6.isValid(widget):
                # Inherit again, with what the stylesheet adds (a bold button stays bold).
                style = widget.style()
                style.unpolish(widget)
                style.polish(widget)
        for header, section, size in self._sizes:
            if shiboken6.isValid(header):
                if section < 0:
                    header.setDefaultSectionSize(size)
                else:
                    header.resizeSection(section, size)
        self._fonts.clear()
        self._watched.clear()
        self._sizes.clear()
        self._root = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._root is not None and event.type() == QEvent.Type.ChildPolished:
            child = event.child()  # type: ignore[attr-defined]
            if isinstance(child, QWidget) and not self._done(child):
                self._adopt(child)
        return False

    def _done(self, widget: QWidget) -> bool:
        return widget.property("pbLargerText") == self._session

    def _remember(self, widget: QWidget) -> None:
        widget.setProperty("pbLargerText", self._session)
        explicit = widget.testAttribute(Qt.WidgetAttribute.WA_SetFont)
        self._fonts.append((widget, QFont(widget.font()) if explicit else None))

    def _watch(self, widget: QWidget) -> None:
        widget.installEventFilter(self)
        self._watched.append(widget)

    def _adopt(self, child: QWidget) -> None:
        """A widget new to the tree (with its own children): larger text, unless it has it already."""
        tables = []
        for widget in [child, *child.findChildren(QWidget)]:
            if self._done(widget):
                continue
            parent = widget.parentWidget()
            unscaled = (
                parent is not None and abs(widget.font().pointSizeF() - parent.font().pointSizeF()) > 0.01
            )
            self._remember(widget)
            if unscaled:
                widget.setFont(_scaled(widget.font()))
            self._watch(widget)
            if isinstance(widget, QTableView):
                tables.append(widget)
        self._scale_tables(tables)

    def _scale_tables(self, views: list[QTableView]) -> None:
        """Rows tall enough, and fixed-width columns wide enough, for the larger text."""
        for view in views:
            rows = view.verticalHeader()
            if rows.defaultSectionSize() > 0:
                self._sizes.append((rows, -1, rows.defaultSectionSize()))
                rows.setDefaultSectionSize(round(rows.defaultSectionSize() * FONT_SCALE))
            columns = view.horizontalHeader()
            for section in range(columns.count()):
                if columns.sectionResizeMode(section) == QHeaderView.ResizeMode.Interactive:
                    size = columns.sectionSize(section)
                    self._sizes.append((columns, section, size))
                    columns.resizeSection(section, round(size * FONT_SCALE))


# -- the controller ------------------------------------------------------------------------------------


class CoproductionView(QObject):
    """Turns the main window's workspace into the person's view and back, following the mode."""

    def __init__(self, window: QMainWindow, services: Services, mode: CoproductionMode):
        super().__init__(window)
        self.window = window
        self.mode = mode
        self._services = services
        workspace = window.workspace  # type: ignore[attr-defined]
        self.workspace = workspace
        self._keep_hidden = _KeepHidden(self)
        self._staff_only: list[QWidget] = []  # hidden in the person's view
        self._person_only: list[QWidget] = []  # shown only in the person's view
        self._hidden_tabs: list[QWidget] = []  # tab pages whose tabs are hidden
        self._views: dict[type, PersonView] = {}  # what each page declared (StepPage.person_view)
        self._summaries: dict[type, QLabel] = {}  # each page's plain summary, placed by the page's anchor
        self._hidden_columns: list[tuple[QTableView, int]] = []
        self._splitter_sizes: list[int] = []  # the main window's panes before the caseload was hidden
        self._no_focus: dict[QWidget, Qt.FocusPolicy] = {}  # take no focus in the person's view
        self._was_hidden: dict[int, bool] = {}
        self._larger_text = _LargerText(self)
        self._big_targets = _BigTargets(self)
        self._header_minimums: dict[QHeaderView, int] = {}
        self._texts: list[tuple[QObject, Callable[[str], None], str]] = []
        self._refreshing = False
        self._staff_title: str | None = None  # the window's title and File menu's name in the full view
        self._staff_menu_title: str | None = None
        self._menu_words: list[tuple[QAction, str]] = []  # (menu or item, its staff wording) while on
        self._hidden_actions: dict[QAction, bool] = {}  # staff menu items hidden, and whether they showed

        # The person's own menu items (View and Help), shown only in their view.
        self.amount_action = QAction(_("Show the money at &each answer"), window)
        self.amount_action.setCheckable(True)
        self.amount_action.setChecked(mode.amount_live())
        self.amount_action.setStatusTip(
            _(
                "Off: the money your answers give is shown after the last question, so it does not change at each answer"
            )
        )
        self.amount_action.toggled.connect(self._amount_toggled)
        self.how_to_action = QAction(_("&How to use this"), window)
        self.how_to_action.setStatusTip(_("What you can do here, in a few words"))
        self.how_to_action.triggered.connect(self.show_how_to)
        self._own_actions = [self.amount_action, self.how_to_action]
        for action in self._own_actions:
            action.setVisible(False)

        self.action = QAction(_("&Co-production mode"), window)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.action.setStatusTip(
            _("The person's view: plain words, bigger text, one thing at a time, staff-only things hidden")
        )
        self.action.setChecked(mode.is_on())
        self.action.toggled.connect(self._action_toggled)
        # Asked before the person's view is left (set by ui/app.py when the caseload has accounts: a
        # staff sign-in). Returns whether the full view may be shown.
        self.leave_check: Callable[[], bool] | None = None
        window.addAction(self.action)

        # The workspace builds its step pages when first needed: each is made ready for the person's
        # view as it is built, and all of them are built before the view is switched on.
        self._pages: dict[type, QWidget] = {}
        self._builders: dict[type, Callable[[], None]] = {
            BudgetPage: self._build_budget,
            PlanPage: self._build_plan,
            AgreementPage: self._build_agreement,
            ManagementPage: self._build_management,
            SupportPage: self._build_support,
            LedgerPage: self._build_ledger,
            ReviewPage: self._build_review,
        }
        self._settle(self._build_workspace)
        for page in self._step_pages():
            self._page_created(page)
        workspace.page_created.connect(self._page_created)

        window.installEventFilter(self)  # to save the window's layout with the caseload in it
        mode.changed.connect(self._mode_changed)
        workspace.step_shown.connect(self._step_shown)
        if mode.is_on():
            self._apply(True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close and self.mode.is_on():
            # The window saves its splitters as it closes: save them with the caseload shown, so the
            # full view opens at its usual width.
            self._show_caseload(True)
        return False

    # -- building ---------------------------------------------------------------------------------------
    def _step_pages(self) -> list[QWidget]:
        stack = self.workspace.pages
        return [stack.widget(i) for i in range(stack.count())]

    def page(self, page_type: type) -> QWidget | None:
        if page_type not in self._pages and page_type in self._builders:
            self.workspace.build_all_pages()
        return self._pages.get(page_type)

    def _page_created(self, page: QWidget) -> None:
        builder = self._builders.get(type(page))
        if builder is None or self._pages.get(type(page)) is page:
            return
        self._pages[type(page)] = page
        self._settle(builder)

    def _settle(self, build: Callable[[], None]) -> None:
        """Run a builder; what it marked staff-only stays hidden in the person's view, and what it
        made for the person's view is hidden until the view is on."""
        staff, person = len(self._staff_only), len(self._person_only)
        build()
        for widget in self._staff_only[staff:]:
            widget.installEventFilter(self._keep_hidden)
        for widget in self._person_only[person:]:
            widget.setVisible(False)

    def _staff(self, *widgets: QWidget, permission: Permission | None = PRACTITIONER_DETAIL) -> None:
        """Hide these in the person's view unless the role rules let the person use them."""
        if person_may(permission):
            return
        for widget in widgets:
            self._staff_only.append(widget)
            label = _form_label(widget)
            if label is not None:
                self._staff_only.append(label)

    def _build_workspace(self) -> None:
        ws = self.workspace
        self.banner = CoproductionBanner()
        self.banner.leave_requested.connect(self.leave)
        ws.layout().insertWidget(0, self.banner)
        # Tab reaches the banner first in the workspace, before the person's details.
        QWidget.setTabOrder(ws.edit_button.previousInFocusChain(), self.banner.leave_button)
        self._person_only.append(self.banner)

        self.heading = _scaled_bold(QLabel(), 1.3)
        self.heading.setObjectName("coproductionHeading")
        self.heading.setWordWrap(True)
        self.heading.setAccessibleName(_("This step in plain words"))
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setAccessibleName(_("What this step is about"))
        heading_box = QWidget()
        heading_layout = QVBoxLayout(heading_box)
        heading_layout.setContentsMargins(4, 0, 4, 0)
        heading_layout.setSpacing(2)
        heading_layout.addWidget(self.heading)
        heading_layout.addWidget(self.explanation)
        _insert_after(ws.stepper, heading_box)
        self._person_only.append(heading_box)

        # The switch in the workspace too, beside the person's name.
        self.toggle_button = QToolButton()
        self.toggle_button.setObjectName("coproductionToggle")
        self.toggle_button.setDefaultAction(self.action)
        self.toggle_button.setText(_("Co-production mode"))
        self.toggle_button.setAccessibleName(_("Co-production mode"))
        self.toggle_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        ws.edit_button.parentWidget().layout().addWidget(self.toggle_button, 0, Qt.AlignmentFlag.AlignTop)
        QWidget.setTabOrder(ws.edit_button, self.toggle_button)  # Tab reaches it beside Edit, not last

        self._staff(ws.edit_button, permission=Permission.EDIT_PEOPLE)
        self._staff(ws.advance_button, ws.back_button, permission=Permission.MOVE_STEPS)
        self._staff(ws.review_button, permission=Permission.MOVE_STEPS)
        self._staff(ws.details_label)  # NHS number and the reporting category
        self._staff(ws.cycle_panel)  # cycle number and step rules; the review date is in the heading
        self._staff(ws.history.parentWidget())  # who changed what, and when

    # -- each page's own person view ---------------------------------------------------------------------
    def _declare(self, page: QWidget) -> PersonView:
        """What the page says about its person view (``StepPage.person_view``): its staff-only parts
        hidden, its tabs and columns as it says, and the place for the person's own parts."""
        view = page.person_view()  # type: ignore[attr-defined]
        self._views[type(page)] = view
        self._staff(*(w for w, permission in view.staff_only if not person_may(permission)))
        for tab_page in view.staff_tabs:
            self._hidden_tabs.append(tab_page)
        self._hidden_columns += view.staff_columns
        self._person_only += view.person_only
        return view

    def _place(
        self, view: PersonView, widget: QWidget, stretch: int = 0, anchor: QWidget | None = None
    ) -> None:
        """Put one of the person's parts just before the page's anchor, in whatever holds it."""
        anchor = anchor or view.anchor
        if anchor is None:
            return
        holder = anchor.parentWidget()
        if isinstance(holder, QSplitter):
            index = holder.indexOf(anchor)
            holder.insertWidget(index, widget)
            holder.setStretchFactor(index, 3)
            return
        layout = layout_holding(holder.layout() if holder is not None else None, anchor)
        if isinstance(layout, QBoxLayout):
            layout.insertWidget(layout.indexOf(anchor), widget, stretch)

    def _summary_label(self, page: QWidget, name: str) -> QLabel:
        label = _words_label(name, rich=True)
        label.setObjectName("personSummary")
        self._summaries[type(page)] = label
        view = self._views[type(page)]
        self._place(view, label, anchor=view.summary_anchor)
        self._person_only.append(label)
        return label

    def _build_budget(self) -> None:
        page = self.page(BudgetPage)
        if not isinstance(page, BudgetPage):
            return
        view = self._declare(page)
        self.questions = QuestionByQuestion(page, self._services.budget.ras)
        self._place(view, self.questions, 1)
        self._person_only.append(self.questions)
        self.questions.tab_anchor = page.budget_type  # Tab: the steps, the answers, Previous, Next
        self.questions.answered.connect(self._refresh_budget_words)
        self.budget_words = self._summary_label(page, _("The money you could have, in words"))

    def _build_plan(self) -> None:
        page = self.page(PlanPage)
        if not isinstance(page, PlanPage):
            return
        view = self._declare(page)
        self.plan_steps = PlanSectionSteps(page)
        self._place(view, self.plan_steps)
        self._person_only.append(self.plan_steps)
        for widget in (page.tabs, page.tabs.tabBar()):  # no Tab stop on the hidden tabs (a trap)
            self._no_focus[widget] = widget.focusPolicy()
        bar = layout_holding(page.widget().layout(), page.save_button)
        if isinstance(bar, QHBoxLayout):  # the buttons keep their size when the cost line is hidden
            bar.insertStretch(bar.indexOf(page.save_button), 0)
            stops = [bar.itemAt(i).widget() for i in range(bar.count())]
            stops = [w for w in stops if w is not None and w.focusPolicy() & Qt.FocusPolicy.TabFocus]
            self.plan_steps.tab_anchor = stops[-1] if stops else None  # the bar's last button

    def _build_agreement(self) -> None:
        page = self.page(AgreementPage)
        if isinstance(page, AgreementPage):
            self._declare(page)
            self.agreement_words = self._summary_label(page, _("Your plan and its cost, in plain words"))

    def _build_management(self) -> None:
        page = self.page(ManagementPage)
        if isinstance(page, ManagementPage):
            self._declare(page)
            self.management_words = self._summary_label(
                page, _("How your money is looked after, in plain words")
            )

    def _build_support(self) -> None:
        page = self.page(SupportPage)
        if isinstance(page, SupportPage):
            self._declare(page)
            self.support_words = self._summary_label(
                page, _("Who gives you each kind of help, in plain words")
            )

    def _build_ledger(self) -> None:
        page = self.page(LedgerPage)
        if isinstance(page, LedgerPage):
            self._declare(page)
            self.balance_words = self._summary_label(page, _("Your balance, in words"))

    def _build_review(self) -> None:
        page = self.page(ReviewPage)
        if isinstance(page, ReviewPage):
            self._declare(page)
            self.review_words = self._summary_label(page, _("Your check-in, in plain words"))

    # -- switching ------------------------------------------------------------------------------------
    def is_on(self) -> bool:
        return self.mode.is_on()

    def leave(self) -> bool:
        """Back to the full view, once ``leave_check`` (a staff sign-in) agrees; whether it was left."""
        if not self.mode.is_on():
            return True
        if self.leave_check is not None and not self.leave_check():
            self.action.blockSignals(True)
            self.action.setChecked(True)
            self.action.blockSignals(False)
            return False
        self.mode.set_on(False)
        return True

    def _action_toggled(self, checked: bool) -> None:
        if checked:
            self.mode.set_on(True)
        else:
            self.leave()

    def _mode_changed(self, on: bool) -> None:
        self.action.blockSignals(True)
        self.action.setChecked(on)
        self.action.blockSignals(False)
        self._apply(on)

    def _apply(self, on: bool) -> None:
        if on:
            self.workspace.build_all_pages()  # the person's view changes every page
        self._keep_hidden.active = on
        self._set_fonts(on)
        self._set_words(on)
        for widget in self._staff_only:
            if on:
                self._was_hidden[id(widget)] = widget.isHidden()
                widget.setVisible(False)
            else:
                widget.setVisible(not self._was_hidden.get(id(widget), False))
        for widget, policy in self._no_focus.items():
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus if on else policy)
        if not on and hasattr(self, "plan_steps"):
            self.plan_steps.restore_tab_stops()
        for tab_page in self._hidden_tabs:
            tabs = _tabs_of(tab_page)
            if tabs is not None:
                tabs.setTabVisible(tabs.indexOf(tab_page), not on)
        for table, column in self._hidden_columns:
            table.setColumnHidden(column, on)
        for widget in self._person_only:
            widget.setVisible(on)
        for view in self._views.values():
            for switch in view.on_switch:
                switch(on)
        # The banner's "Leave co-production mode" is the way out: no second button with the same name.
        self.toggle_button.setVisible(not on)
        self.workspace.stepper.set_titles({s: _(t) for s, t in STEP_SHORT_TITLES.items()} if on else None)
        self._set_window(on)
        self._reload()
        self.window.statusBar().showMessage(
            _("This is your view: plain words and bigger text.") if on else _("Back to the full view."), 4000
        )

    def _amount_toggled(self, live: bool) -> None:
        self.mode.set_amount_live(live)
        if self.mode.is_on() and hasattr(self, "budget_words"):
            self._refresh_budget_words()

    def show_how_to(self) -> None:
        QMessageBox.information(
            self.window,
            _("How to use this"),
            "\n\n".join(
                [
                    _("This is your plan. It has 7 steps. The row of steps at the top shows where you are."),
                    _("Go through each step one part at a time. Use Next and Previous."),
                    _("What you choose is kept. Press Save for now to keep what you have written."),
                    _("If you are not sure, ask the person helping you."),
                ]
            ),
        )

    def _menus(self) -> dict[str, QMenu]:
        """The main window's File, View and Help menus, by their place (not their wording)."""
        window = self.window
        found = {}
        for name in ("file_menu", "view_menu"):
            menu = getattr(window, name, None)
            if isinstance(menu, QMenu):
                found[name] = menu
        bar_menus = [a.menu() for a in window.menuBar().actions()]
        help_menu = bar_menus[-1] if bar_menus else None
        if isinstance(help_menu, QMenu) and help_menu not in found.values():
            found["help_menu"] = help_menu
        return found

    def _set_menus(self, on: bool) -> None:
        """View and Help in the person's words, with only what the person uses; back as they were."""
        for action, text in reversed(self._menu_words):
            action.setText(text)
        self._menu_words.clear()
        menus = self._menus()
        view_menu, help_menu = menus.get("view_menu"), menus.get("help_menu")
        for action in self._own_actions:
            action.setVisible(on)
        if not on:
            if hasattr(self, "toggle_button"):  # it follows its action's text: its own short name again
                self.toggle_button.setText(_("Co-production mode"))
            return
        window = self.window

        def say(action: QAction | None, plain: str) -> None:
            if action is not None:
                self._menu_words.append((action, action.text()))
                action.setText(plain)

        if view_menu is not None:
            say(view_menu.menuAction(), _("&What I see"))
            if self.amount_action not in view_menu.actions():
                view_menu.addAction(self.amount_action)
            for step, action in zip(Step, getattr(window, "step_actions", []), strict=False):
                say(action, _("Step &{n}: {title}").format(n=int(step), title=_(STEP_SHORT_TITLES[step])))
            say(getattr(window, "high_contrast_action", None), _("&Clearer colours"))
            language = getattr(window, "language_menu", None)
            if isinstance(language, QMenu):
                say(language.menuAction(), _("&Language"))
        say(self.action, _("&Back to the full view (staff)"))
        say(getattr(window, "print_plan_action", None), _("&Print my plan"))
        if help_menu is not None:
            say(help_menu.menuAction(), _("&Help"))
            if self.how_to_action not in help_menu.actions():
                help_menu.insertAction(
                    help_menu.actions()[0] if help_menu.actions() else None, self.how_to_action
                )
            say(getattr(window, "about_action", None), _("&About this program"))

    def _set_window(self, on: bool) -> None:
        """The caseload (other people's names) and staff-only menu items are hidden while a person is open."""
        window = self.window
        self._show_caseload(not (on and self.workspace.is_showing_person()))
        keep = {getattr(window, "print_plan_action", None), self.action}  # no Quit in the person's view
        menus = window.menuBar().actions()
        file_menu = menus[0].menu() if menus else None
        if menus:
            if on and self._staff_menu_title is None:
                self._staff_menu_title = menus[0].text()
                menus[0].setText(_("&My plan"))
            elif not on and self._staff_menu_title is not None:
                menus[0].setText(self._staff_menu_title)
                self._staff_menu_title = None
        self._set_title(on)
        staff_actions = (
            [a for a in file_menu.actions() if a not in keep and not a.isSeparator()] if file_menu else []
        )
        self._set_menus(on)
        for name in ("focus_search_action", "overdue_action", "my_work_action", "advance_action"):
            action = getattr(window, name, None)
            if action is not None:
                staff_actions.append(action)
        # Each staff item back as it was (an item a role is not offered stays hidden).
        for action in staff_actions:
            if on:
                self._hidden_actions.setdefault(action, action.isVisible())
                action.setVisible(False)
            elif action in self._hidden_actions:
                action.setVisible(self._hidden_actions.pop(action))

    def _set_title(self, on: bool) -> None:
        """The window's title in the person's words while the view is on, and back."""
        window = self.window
        person = self.workspace.person() if self.workspace.is_showing_person() else None
        if on:
            if self._staff_title is None:
                self._staff_title = window.windowTitle()
            title = _("{name}'s plan").format(name=person.name) if person is not None else _("Your plan")
            window.setWindowTitle(title)
        elif self._staff_title is not None:
            window.setWindowTitle(self._staff_title)
            self._staff_title = None

    def _show_caseload(self, show: bool) -> None:
        """The caseload pane (other people's names) beside the workspace, at the width it had."""
        splitter = self.window.splitter  # type: ignore[attr-defined]
        caseload = splitter.widget(0)
        if show == caseload.isVisibleTo(self.window):
            return
        if not show:
            if self.window.isVisible():  # laid out: the sizes are real
                self._splitter_sizes = splitter.sizes()
            caseload.setVisible(False)
            return
        caseload.setVisible(True)
        if self._splitter_sizes:
            splitter.setSizes(self._splitter_sizes)

    def _reload(self) -> None:
        """Let every page show the open person again, so each page sets its own controls afresh."""
        ws = self.workspace
        if not ws.is_showing_person():
            return
        shown = ws.shown_step()
        plan = self._pages.get(PlanPage)
        if isinstance(plan, PlanPage) and plan.has_unsaved_changes():
            self._step_shown(int(shown))  # keep what is being written: a reload would lose it
            return
        self._refreshing = True
        try:
            ws.show_person(ws.person_id())
            ws.show_step(shown)
        finally:
            self._refreshing = False
        self._step_shown(int(shown))

    # -- larger text ---------------------------------------------------------------------------------------
    def _set_fonts(self, on: bool) -> None:
        if on:
            self._larger_text.start(self.workspace)
            self._big_targets.apply(self.workspace)
        else:
            self._larger_text.stop()
            self._big_targets.restore()
            for header, height in self._header_minimums.items():
                if shiboken6.isValid(header):
                    header.setMinimumHeight(height)
            self._header_minimums.clear()

    # -- plain words --------------------------------------------------------------------------------------
    def _set_words(self, on: bool) -> None:
        """Each page's plain words on the widgets it named (``PersonView``), and back."""
        if not on:
            for owner, setter, text in reversed(self._texts):
                if shiboken6.isValid(owner):
                    setter(text)
            self._texts.clear()
            return

        def put(owner: QObject, old: str, setter: Callable[[str], None], plain: str) -> None:
            self._texts.append((owner, setter, old))
            setter(_(plain))

        for view in self._views.values():
            for widget, plain in view.words:
                if isinstance(widget, (QLabel, QAbstractButton)):
                    put(widget, widget.text(), widget.setText, plain)
                elif isinstance(widget, QGroupBox):
                    put(widget, widget.title(), widget.setTitle, plain)
                elif isinstance(widget, (QPlainTextEdit, QLineEdit)):
                    put(widget, widget.placeholderText(), widget.setPlaceholderText, plain)
            for tab_page, plain in view.tab_words:
                tabs = _tabs_of(tab_page)
                if tabs is not None:
                    i = tabs.indexOf(tab_page)
                    put(
                        tabs,
                        tabs.tabText(i),
                        lambda text, t=tabs, p=tab_page: t.setTabText(t.indexOf(p), text),
                        plain,
                    )
            for field, plain in view.label_words:
                label = _form_label(field)
                if isinstance(label, QLabel):
                    put(label, label.text(), label.setText, plain)
            # A column's title is looked up each time, never kept: a table item held from Python
            # outlives the item, and its address may be given to a new widget.
            for table, column, plain in view.column_words:
                title = _column_title(table, column) if isinstance(table, QTableWidget) else None
                if title is not None:
                    put(table, title, lambda text, t=table, i=column: _set_column_title(t, i, text), plain)

    # -- the person's words and figures -------------------------------------------------------------------
    def _step_shown(self, step: int) -> None:
        if self._refreshing or not self.mode.is_on():
            return
        ws = self.workspace
        person = ws.person()
        if person is None:
            self.banner.set_person("")
            return
        self.banner.set_person(person.name)
        self._set_title(True)
        step = Step(step)
        self.heading.setText(
            _("Step {n} of 7: {title}").format(n=int(step), title=_(PERSON_STEP_TITLES[step]))
        )
        explanation = _(STEP_EXPLANATIONS[step])
        cycle = ws.cycle()
        # At step 7 the check-in under way says its own date (in the plain summary).
        if cycle is not None and cycle.is_open and cycle.next_review_due is not None and step != Step.REVIEW:
            explanation += " " + _("Your next check-in is on {date}.").format(
                date=format_date(cycle.next_review_due, fmt="long")
            )
        self.explanation.setText(explanation)
        self._show_caseload(False)
        try:
            self._refresh_step(step, person.id)
            self._big_targets.apply(self.workspace)  # the controls the page has made since
        except PersonalBudgetError as problem:  # the page itself has said what went wrong
            self.window.statusBar().showMessage(str(problem), 8000)

    def _refresh_step(self, step: Step, person_id: int) -> None:
        if step == Step.SET_BUDGET and hasattr(self, "questions"):
            view = self._services.budget.get_budget(person_id)
            self.questions.load(view.answers, view.can_edit)
            self._refresh_budget_words()
        elif step == Step.PLAN_SUPPORT and hasattr(self, "plan_steps"):
            agreed = self._services.budget.get_budget(person_id).agreed
            self.plan_steps.set_budget(agreed.annual_pence if agreed else None)
            self.plan_steps.refresh()
            self.plan_steps.order_tab_stops()
        elif step == Step.AGREE_PLAN and hasattr(self, "agreement_words"):
            self.agreement_words.setText(self._agreement_html(person_id))
        elif step == Step.MANAGE_BUDGET and hasattr(self, "management_words"):
            self.management_words.setText(self._management_html(person_id))
        elif step == Step.ORGANISE_SUPPORT and hasattr(self, "support_words"):
            self.support_words.setText(self._support_html(person_id))
        elif step == Step.REVIEW:
            if hasattr(self, "review_words"):
                self.review_words.setText(self._review_html())
            self._fit_review_tables()
            QTimer.singleShot(0, self._fit_review_tables)  # again once new rows have their larger text
        elif step == Step.LIVE_LIFE and hasattr(self, "balance_words"):
            self._refresh_balance()

    def _fit_review_tables(self) -> None:
        """The review's tables at the height of their (larger) rows, so none scrolls inside the page."""
        page = self.page(ReviewPage)
        if not isinstance(page, ReviewPage) or not self.mode.is_on():
            return
        for table in (page.outcomes, page.spend):
            for row in range(table.rowCount()):
                cells = [table.cellWidget(row, c) for c in range(table.columnCount())]
                need = max(
                    [table.sizeHintForRow(row)] + [w.sizeHint().height() for w in cells if w is not None]
                )
                table.setRowHeight(row, need + 4)
            table.resizeColumnToContents(1)
            header = table.horizontalHeader()
            if header not in self._header_minimums:
                self._header_minimums[header] = header.minimumHeight()
            header.setMinimumHeight(table.fontMetrics().height() + 10)
            rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
            table.setFixedHeight(
                max(header.height(), header.minimumHeight()) + rows + 2 * table.frameWidth() + 4
            )

    def _refresh_budget_words(self) -> None:
        page = self.page(BudgetPage)
        person_id = self.workspace.person_id()
        if not isinstance(page, BudgetPage) or not person_id:
            return
        budget = self._services.budget.get_budget(person_id)
        indicative = budget.indicative
        live = self.mode.amount_live()
        done = indicative is not None and indicative.answered >= indicative.questions
        summary = budget_summary(budget, self._services.charging.split(person_id), show_amount=live or done)
        self.budget_words.setText(summary_html(summary))

    def _agreement_html(self, person_id: int) -> str:
        plan = self._services.plans.get_plan(person_id)
        cycle = self.workspace.cycle()
        due = cycle.next_review_due if cycle is not None else None
        return summary_html(agreement_summary(plan, due))

    def _management_html(self, person_id: int) -> str:
        return summary_html(management_summary(self._services.management.get_management(person_id)))

    def _support_html(self, person_id: int) -> str:
        return summary_html(self._services.support.person_summary(person_id))

    def _review_html(self) -> str:
        page = self.page(ReviewPage)
        cycle = self.workspace.cycle()
        due = cycle.next_review_due if cycle is not None and cycle.is_open else None
        review = page.review if isinstance(page, ReviewPage) else None
        return summary_html(review_summary(review, due))

    def _refresh_balance(self) -> None:
        page = self.page(LedgerPage)
        ledger = page.ledger() if isinstance(page, LedgerPage) else None
        if ledger is None:
            self.balance_words.setText("")
            return
        monitoring = page.monitoring() if isinstance(page, LedgerPage) else None
        summary = money_summary(
            ledger.has_account, ledger.balance, monitoring.monitoring if monitoring is not None else None
        )
        self.balance_words.setText(summary_html(summary))
