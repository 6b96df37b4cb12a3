"""Costed support one line at a time, in the person's words (co-production mode, issue 19).

In place of the plan's table of drop-downs the person sees one kind of help at a time, with its
picture: "Who helps", "How often" (big buttons), "How long", what one time costs, and what the
line costs worked out and said in words ("about £45 a week"). The lines are the plan page's own
support items (``SupportItemEntry``): the page writes them back to its table, so saving goes through
the same plan service as the staff table.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.money import Frequency
from personalbudget.domain.plan import SupportItemEntry, cost_items
from personalbudget.domain.vocabularies import SUPPORT_CATEGORIES_PLAIN
from personalbudget.errors import ValidationError
from personalbudget.i18n import N_, _
from personalbudget.paths import resources_dir
from personalbudget.plain_language import about, about_a_week

PICTURE = 64  # the picture of the kind of help, in pixels
TARGET = 44  # every control at least this many pixels each way (WCAG 2.5.5)

HOW_OFTEN_BUTTONS = (
    (Frequency.WEEK, N_("Every week")),
    (Frequency.FOUR_WEEKS, N_("Every 4 weeks")),
    (Frequency.MONTH, N_("Every month")),
    (Frequency.YEAR, N_("Every year")),
    (Frequency.ONE_OFF, N_("Just once")),
)


def help_picture(category: str) -> QPixmap:
    """The easy read picture of a kind of help (``resources/easy_read``), or of 'other' help."""
    folder = resources_dir() / "easy_read"
    path = folder / f"{category or 'other'}.png"
    if not path.is_file():
        path = folder / "other.png"
    return QPixmap(str(path))


def cost_in_words(entry: SupportItemEntry) -> str:
    """What a line costs, worked out and said to the pound, or what is still needed to work it out."""
    try:
        [item] = cost_items([entry])
    except ValidationError:
        return _("Say how often, how long and what one time costs, and the cost is worked out here.")
    if item.frequency == Frequency.ONE_OFF:
        return _("This costs {money} once.").format(money=about(item.annual_pence))
    return _("This costs {money}.").format(money=about_a_week(item.weekly_pence))


def _whole_pounds(unit_cost: str) -> int:
    try:
        return int((Decimal(unit_cost.strip() or "0")).to_integral_value())
    except InvalidOperation:
        return 0


class HelpLineEditor(QWidget):
    """One line of costed support at a time. ``changed`` is emitted with each edit; ``lines()``
    are the lines as edited (a cost typed by staff in pence is kept as it was unless the person
    changes it)."""

    changed = Signal()
    shown = Signal(int)  # the line now on screen (its row in the plan's table), -1 for none

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("helpLineEditor")
        self._lines: list[SupportItemEntry] = []
        self._index = 0
        self._editable = True
        self._loading = False

        self.count_label = QLabel()
        self.count_label.setAccessibleName(_("Which help this is"))
        font = self.count_label.font()
        font.setBold(True)
        self.count_label.setFont(font)
        self.previous_button = QPushButton(_("< Previous help"))
        self.previous_button.setAccessibleName(_("Previous help"))
        self.previous_button.clicked.connect(lambda: self.go_to(self._index - 1))
        self.next_button = QPushButton(_("Next help >"))
        self.next_button.setAccessibleName(_("Next help"))
        self.next_button.clicked.connect(lambda: self.go_to(self._index + 1))
        top = QHBoxLayout()
        top.addWidget(self.previous_button)
        top.addWidget(self.count_label, 1, Qt.AlignmentFlag.AlignCenter)
        top.addWidget(self.next_button)

        self.picture = QLabel()
        self.picture.setFixedSize(PICTURE, PICTURE)
        self.picture.setScaledContents(True)
        self.picture.setAccessibleName(_("Picture of the kind of help"))
        self.kind = QComboBox()
        self.kind.setAccessibleName(_("Kind of help"))
        self.kind.setIconSize(QSize(32, 32))
        for code, plain in SUPPORT_CATEGORIES_PLAIN.items():
            self.kind.addItem(QIcon(help_picture(code)), _(plain), code)
        self.kind.currentIndexChanged.connect(self._edited)
        self.what = QLineEdit()
        self.what.setAccessibleName(_("What the help is"))
        self.what.setPlaceholderText(_("In your own words, for example: help to get up"))
        self.what.textEdited.connect(self._edited)
        self.who = QLineEdit()
        self.who.setAccessibleName(_("Who helps"))
        self.who.setPlaceholderText(_("Leave it empty if you do not know yet"))
        self.who.textEdited.connect(self._edited)
        self.how_often = QGroupBox()
        self.how_often.setAccessibleName(_("How often"))
        often_layout = QHBoxLayout(self.how_often)
        often_layout.setContentsMargins(0, 0, 0, 0)
        self.often_group = QButtonGroup(self)
        self.often_group.setExclusive(True)
        self.often_buttons: dict[Frequency, QPushButton] = {}
        for frequency, plain in HOW_OFTEN_BUTTONS:
            button = QPushButton(_(plain))
            button.setCheckable(True)
            button.setAccessibleName(_(plain))
            button.setProperty("frequency", frequency.value)
            button.setObjectName("howOftenButton")
            self.often_group.addButton(button)
            self.often_buttons[frequency] = button
            often_layout.addWidget(button)
        often_layout.addStretch(1)
        # The chosen answer stands out (palette colours: the high-contrast theme too).
        self.how_often.setStyleSheet(
            "QPushButton#howOftenButton:checked { border: 4px solid palette(highlight);"
            " background: palette(alternate-base); }"
        )
        self.often_group.buttonClicked.connect(self._edited)
        self.how_long = QLineEdit()
        self.how_long.setAccessibleName(_("How long, in hours, or how many times"))
        self.how_long.setPlaceholderText(_("For example: 2 hours, or 1 for a visit"))
        self.how_long.textEdited.connect(self._edited)
        self.one_time = QSpinBox()
        self.one_time.setAccessibleName(_("What one hour or one time costs, in pounds"))
        self.one_time.setPrefix("£")
        self.one_time.setRange(0, 99_999)
        self.one_time.valueChanged.connect(self._cost_edited)
        self.cost_words = QLabel()
        self.cost_words.setAccessibleName(_("What this help costs, in words"))
        self.cost_words.setWordWrap(True)
        font = self.cost_words.font()
        font.setBold(True)
        self.cost_words.setFont(font)

        form = QFormLayout()
        form.setVerticalSpacing(10)
        form.addRow(_("Kind of help"), self.kind)
        form.addRow(_("What it is"), self.what)
        form.addRow(_("Who helps"), self.who)
        form.addRow(_("How often"), self.how_often)
        form.addRow(_("How long"), self.how_long)
        form.addRow(_("One time costs"), self.one_time)
        middle = QHBoxLayout()
        middle.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignTop)
        middle.addLayout(form, 1)

        self.empty_label = QLabel(_("There is no help in your plan yet."))
        self.empty_label.setWordWrap(True)
        self.body = QWidget()
        body_layout = QVBoxLayout(self.body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addLayout(middle)
        body_layout.addWidget(self.cost_words)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 8)
        layout.addLayout(top)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.body)
        self._show()

    # -- public ---------------------------------------------------------------------------------
    def set_lines(self, lines: list[SupportItemEntry], editable: bool) -> None:
        """The plan's lines (kept at the line shown, when there still is one)."""
        self._lines = list(lines)
        self._editable = editable
        self._index = max(0, min(self._index, len(self._lines) - 1))
        self._show()

    def lines(self) -> list[SupportItemEntry]:
        return list(self._lines)

    def index(self) -> int:
        return self._index

    def count(self) -> int:
        return len(self._lines)

    def go_to(self, index: int) -> None:
        self._index = max(0, min(index, len(self._lines) - 1))
        self._show()

    def go_to_last(self) -> None:
        """The newest line (one just added), with what is asked first in focus."""
        self.go_to(len(self._lines) - 1)
        if self._lines and self._editable:
            self.kind.setFocus(Qt.FocusReason.OtherFocusReason)

    def choose_how_often(self, frequency: Frequency) -> None:
        self.often_buttons[frequency].click()

    # -- helpers ----------------------------------------------------------------------------------
    def _show(self) -> None:
        self._loading = True
        try:
            has = bool(self._lines)
            self.empty_label.setVisible(not has)
            self.body.setVisible(has)
            self.previous_button.setEnabled(has and self._index > 0)
            self.next_button.setEnabled(has and self._index < len(self._lines) - 1)
            if not has:
                self.count_label.setText("")
                return
            line = self._lines[self._index]
            self.count_label.setText(
                _("Help {n} of {total}").format(n=self._index + 1, total=len(self._lines))
            )
            self.kind.setCurrentIndex(max(self.kind.findData(line.category or "other"), 0))
            self.what.setText(line.description)
            self.who.setText(line.provider)
            self.often_group.setExclusive(False)
            for frequency, button in self.often_buttons.items():
                button.setChecked(line.frequency == frequency.value)
            self.often_group.setExclusive(True)
            self.how_long.setText(line.quantity)
            self.one_time.setValue(_whole_pounds(line.unit_cost))
            for widget in (self.kind, self.what, self.who, self.how_long, self.one_time, self.how_often):
                widget.setEnabled(self._editable)
            self._show_picture_and_cost(line)
        finally:
            self._loading = False
            self.shown.emit(self._index if self._lines else -1)

    def _show_picture_and_cost(self, line: SupportItemEntry) -> None:
        self.picture.setPixmap(help_picture(line.category))
        self.cost_words.setText(cost_in_words(line))

    def _edited(self, *_args: object) -> None:
        self._store(cost_changed=False)

    def _cost_edited(self, *_args: object) -> None:
        self._store(cost_changed=True)

    def _store(self, *, cost_changed: bool) -> None:
        if self._loading or not self._lines:
            return
        line = self._lines[self._index]
        checked = self.often_group.checkedButton()
        line = replace(
            line,
            category=self.kind.currentData() or "",
            description=self.what.text(),
            provider=self.who.text().strip(),
            frequency=checked.property("frequency") if checked is not None else line.frequency,
            quantity=self.how_long.text().strip(),
            unit_cost=str(self.one_time.value()) if cost_changed else line.unit_cost,
        )
        self._lines[self._index] = line
        self._show_picture_and_cost(line)
        self.changed.emit()
