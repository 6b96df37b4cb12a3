"""A pseudo-locale layout test: does every text still fit when a translation is a third longer?

Welsh is often longer than English. Every message is shown as ``[Ŝàmplé tèxt·····]``: accented,
about 35% longer, bracketed (so a text that skipped ``_()`` shows up without brackets), with its
{placeholders}, %s, & shortcut marker, HTML tags and new lines kept. Then the main window, on a
demo caseload at its default size, shows each step page and the main dialogs, and the test names
every label, button, group box, tab or table header whose text no longer fits, and any window
that would need more than a typical laptop screen (1366×768).
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QGroupBox,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTabBar,
    QToolButton,
    QWidget,
)

from personalbudget import i18n
from personalbudget.domain.lifecycle import Step
from personalbudget.services.context import ActingDatabase
from personalbudget.services.demo_service import build_demo_caseload
from personalbudget.services.user_service import UserService
from ui.dialogs.go_back_dialog import GoBackDialog
from ui.dialogs.ledger_dialogs import MoneySettingsDialog, StatementPeriodDialog
from ui.dialogs.person_dialog import PersonDialog
from ui.dialogs.provider_dialog import ProviderDialog
from ui.dialogs.review_decision_dialog import ReviewDecisionDialog
from ui.dialogs.sign_in_dialog import SignInDialog
from ui.dialogs.unlock_dialogs import PassphraseDialog, RecoveryKeyDialog
from ui.main_window import DEFAULT_SIZE, MainWindow
from ui.qt_translation import install_qt_translator
from ui.steps.step_stepper_widget import StepButton
from ui.widgets.text_wrap import wrap_lines

SCREEN = QSize(1366, 768)
LONGER = 0.35
_KEEP = re.compile(r"(\{[^{}]*\}|%\([^)]*\)[sd]|%[sd]|%\d|&&|&[a-zA-Z]+;|&|<[^>]*>|\n|\t)")
_ACCENTS = str.maketrans("aeiouycnszAEIOUYCNSZ", "àéîõüýçñšžÀÉÎÕÜÝÇÑŠŽ")
_PADDING = "·ŵâêîôûŷ"


def pseudo(text: str) -> str:
    if not text or not text.strip():
        return text
    parts = _KEEP.split(text)
    letters = sum(len(part) for index, part in enumerate(parts) if index % 2 == 0)
    body = "".join(part if index % 2 else part.translate(_ACCENTS) for index, part in enumerate(parts))
    padding = (_PADDING * (letters // len(_PADDING) + 1))[: max(1, round(letters * LONGER))]
    # Longer the way a translation is longer: more words, not one impossibly long word.
    padding = " ".join(padding[i : i + 6] for i in range(0, len(padding), 6))
    stripped = body.rstrip()
    return f"[{stripped} {padding}]{body[len(stripped) :]}"


class PseudoTranslations(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return pseudo(singular if n == 1 else plural)


def test_pseudo_keeps_what_must_not_change() -> None:
    assert pseudo("&Save {count} people:\n").startswith("[&Šàvé {count} péõplé: ")
    assert pseudo("&Save {count} people:\n").endswith("]\n")
    assert "<b>" in pseudo("<b>Total</b>") and "%s" in pseudo("Saved %s")
    assert len(pseudo("Agree the plan")) >= len("Agree the plan") * 1.35


def test_step_titles_wrap_to_two_lines_then_end_in_an_ellipsis(qapp) -> None:
    metrics = QFontMetrics(QFont())
    assert wrap_lines("Review and learn", metrics, 1000, 2) == ["Review and learn"]
    two = metrics.horizontalAdvance("Review and")
    assert wrap_lines("Review and learn", metrics, two, 2) == ["Review and", "learn"]
    cut = wrap_lines("Adolygu a dysgu ar ôl blwyddyn gyfan", metrics, two, 2)
    assert len(cut) == 2 and cut[-1].endswith("…")


@pytest.fixture
def pseudo_locale(qapp) -> Iterator[None]:
    install_qt_translator(qapp)
    i18n.install_translation(PseudoTranslations(), "en_GB")
    yield
    i18n.set_language("en_GB")


def _shown(widget: QWidget) -> bool:
    return widget.isVisible() and widget.width() > 0


def _name(widget: QWidget, text: str) -> str:
    who = widget.objectName() or widget.accessibleName() or type(widget).__name__
    return f"{type(widget).__name__} '{who}' ({text[:60]!r})"


def layout_problems(root: QWidget) -> list[str]:
    """Texts that do not fit their widgets, in ``root`` as shown now."""
    problems = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not _shown(widget):
            continue
        if isinstance(widget, QLabel) and not widget.wordWrap() and widget.text():
            if widget.width() < widget.minimumSizeHint().width() - 1:
                problems.append(
                    f"{_name(widget, widget.text())}: {widget.width()}px wide, needs "
                    f"{widget.minimumSizeHint().width()}px (word wrap, or a wider layout)"
                )
        elif isinstance(widget, QScrollArea) and widget.horizontalScrollBar().isVisible():
            inner = widget.widget()
            problems.append(
                f"{_name(widget, type(inner).__name__)}: its content is wider than the page "
                f"({inner.minimumSizeHint().width() if inner else 0}px in {widget.viewport().width()}px), "
                "so it scrolls sideways"
            )
        elif isinstance(widget, StepButton):
            problems += _step_button_problems(widget)
        elif isinstance(widget, QPushButton | QCheckBox | QRadioButton | QToolButton) and widget.text():
            if widget.width() < widget.sizeHint().width() - 1:
                problems.append(
                    f"{_name(widget, widget.text())}: {widget.width()}px wide, needs {widget.sizeHint().width()}px"
                )
        elif isinstance(widget, QGroupBox) and widget.title():
            needed = widget.fontMetrics().horizontalAdvance(widget.title().replace("&", "")) + 16
            if widget.isCheckable():
                needed += 20
            if widget.width() < needed:
                problems.append(
                    f"{_name(widget, widget.title())}: title needs {needed}px, has {widget.width()}px"
                )
        elif isinstance(widget, QTabBar):
            for index in range(widget.count()):
                text = widget.tabText(index).replace("&", "")
                needed = widget.fontMetrics().horizontalAdvance(text) + 8
                if widget.tabRect(index).width() < needed:
                    problems.append(f"{_name(widget, text)}: tab {index} cut short")
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            header = getattr(widget, "horizontalHeader", lambda: None)()
            if header is None or not header.isVisible():
                continue
            model = widget.model()
            for column in range(model.columnCount()):
                if header.isSectionHidden(column):
                    continue
                text = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
                if not isinstance(text, str) or not text:
                    continue
                needed = header.fontMetrics().horizontalAdvance(text.split("\n")[0]) + 8
                tooltip = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
                elided_with_tooltip = isinstance(tooltip, str) and text in tooltip
                if header.sectionSize(column) < needed and not elided_with_tooltip:
                    problems.append(
                        f"{_name(widget, text)}: column {column} header is cut short "
                        f"({header.sectionSize(column)}px of {needed}px)"
                    )
    return problems


def _step_button_problems(button: StepButton) -> list[str]:
    """The stepper paints its own text: the title in two wrapped lines, the status in one."""
    width = button.width() - 8
    title_font = QFont(button.font())
    title_font.setBold(True)  # as the current step is drawn
    metrics = QFontMetrics(title_font)
    flags = int(Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap)
    needed = metrics.boundingRect(QRect(0, 0, width, 10 * metrics.height()), flags, button.title_text)
    problems = []
    fits = needed.width() <= width and needed.height() <= 2 * metrics.height()
    if not fits and button.title_text not in button.toolTip():  # cut short with "…", whole in the tooltip
        problems.append(
            f"{_name(button, button.title_text)}: the step title needs {needed.width()}×{needed.height()}px, "
            f"has {width}×{2 * metrics.height()}px"
        )
    status = button.status.label
    if metrics.horizontalAdvance(status) > width and status not in button.toolTip():
        problems.append(f"{_name(button, status)}: the status does not fit in {width}px (and no tooltip)")
    return problems


def window_problems(window: QWidget, what: str) -> list[str]:
    needed = window.minimumSizeHint()
    if needed.width() > SCREEN.width() or needed.height() > SCREEN.height():
        return [
            f"{what}: needs at least {needed.width()}×{needed.height()}, more than a {SCREEN.width()}×{SCREEN.height()} screen"
        ]
    return []


@pytest.fixture
def demo_window(qtbot, services, signals, settings, pseudo_locale) -> MainWindow:
    build_demo_caseload(services.context, people=24, seed=7)
    window = MainWindow(services, signals, settings)
    qtbot.addWidget(window)
    window.resize(*DEFAULT_SIZE)
    window.show()
    qtbot.waitExposed(window)
    return window


def _furthest_person(services) -> int:
    rows = services.people.list_caseload()
    return max(rows, key=lambda row: int(row.step)).person_id


@pytest.mark.slow  # a demo caseload or a whole-app walk: not in the fast lane
def test_every_step_page_fits_in_a_longer_language(qtbot, demo_window, services) -> None:
    window = demo_window
    assert window.open_person(_furthest_person(services))
    found: dict[str, list[int]] = {problem: [] for problem in window_problems(window, "the main window")}
    for step in Step:
        window.workspace.show_step(step)
        QApplication.processEvents()
        for problem in layout_problems(window):
            found.setdefault(problem, []).append(int(step))
    problems = [f"{problem} (steps {steps})" for problem, steps in found.items()]
    assert not problems, "Texts that do not fit in a longer language:\n  " + "\n  ".join(problems)


@pytest.mark.slow  # a demo caseload or a whole-app walk: not in the fast lane
def test_the_main_dialogs_fit_in_a_longer_language(qtbot, demo_window, services, db, clock) -> None:
    person_id = _furthest_person(services)
    person = services.people.get_person(person_id)
    today = clock.now().date()
    dialogs = {
        "first account": SignInDialog(UserService(ActingDatabase(db, "sign-in"), clock), first_account=True),
        "choose a passphrase": PassphraseDialog(True),
        "recovery key": RecoveryKeyDialog("ABCD-EFGH-IJKL-MNOP-QRST-UVWX"),
        "statement period": StatementPeriodDialog(today, today.replace(month=4, day=1), demo_window),
        "money settings": MoneySettingsDialog(services, demo_window),
        "new person": PersonDialog(services, None, None, demo_window),
        "edit person": PersonDialog(services, None, person, demo_window),
        "go back a step": GoBackDialog(
            Step.LIVE_LIFE if hasattr(Step, "LIVE_LIFE") else max(Step), demo_window
        ),
        "review decision": ReviewDecisionDialog(demo_window),
        "provider": ProviderDialog(services, None, demo_window),
    }
    problems = []
    for what, dialog in dialogs.items():
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        problems += window_problems(dialog, what)
        problems += [f"{what}: {problem}" for problem in layout_problems(dialog)]
        dialog.close()
    assert not problems, "Texts that do not fit in a longer language:\n  " + "\n  ".join(problems)
