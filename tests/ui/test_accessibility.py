"""Every control in every window and dialog has a name and a description for screen readers; the
high-contrast theme reaches AAA contrast and follows the person's choice; larger fonts are honoured;
colour is never the only signal; the chart has a table alternative.

For a new dialog, add it to ``DIALOGS`` below, or in its own test::

    from tests.ui.test_accessibility import assert_accessible
    assert_accessible(qtbot, MyDialog(...))
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAccessible, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QTabWidget,
    QWidget,
)

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.person import RepresentativeForm
from personalbudget.domain.roles import Role
from personalbudget.services.charging_service import SurplusView
from personalbudget.services.context import ActingDatabase
from personalbudget.services.demo_service import build_demo_caseload
from personalbudget.services.statement_import_service import NearDuplicate
from personalbudget.services.user_service import UserService
from tests.core.money_helpers import agreed_person, living_person
from ui import theme
from ui.accessibility import (
    INTERACTIVE,
    accessibility_problems,
    accessible_description,
    accessible_name,
    install_accessibility_filler,
    is_interactive,
)
from ui.app import NoRecordsWindow
from ui.dialogs.accounts_dialog import AccountsDialog, ChangePasswordDialog
from ui.dialogs.export_dialog import ExportDialog
from ui.dialogs.financial_assessment_dialog import FinancialAssessmentDialog
from ui.dialogs.go_back_dialog import GoBackDialog
from ui.dialogs.ledger_dialogs import (
    ContributionPaymentDialog,
    LinkDialog,
    MoneySettingsDialog,
    StatementPeriodDialog,
    SurplusDialog,
    TransactionDialog,
)
from ui.dialogs.pa_cost_dialog import PaCostDialog
from ui.dialogs.person_dialog import PersonDialog
from ui.dialogs.provider_dialog import ProviderDialog
from ui.dialogs.review_decision_dialog import ReviewDecisionDialog
from ui.dialogs.sign_in_dialog import SignInDialog
from ui.dialogs.statement_import_dialog import NearDuplicatesDialog
from ui.dialogs.unlock_dialogs import PassphraseDialog, RecoveryKeyDialog
from ui.dialogs.uplift_dialog import UpliftDialog
from ui.main_window import MainWindow
from ui.steps.budget_page import AgreeBudgetDialog, BudgetPage, ContributionDialog
from ui.steps.ledger_page import LedgerPage
from ui.steps.support_page import SupportPage
from ui.work_queue_page import AllocateDialog, BreakGlassDialog
from ui.workers import BackgroundTask, show_progress

from .conftest import add_person, walk_to

DEMO_PEOPLE = 24
STATEMENT = (
    "Date,Description,Amount\n06/04/2026,ABERMORLAIS COUNCIL DP,650.77\n21/04/2026,COSTA COFFEE,-3.20\n"
)

__all__ = ["INTERACTIVE", "assert_accessible", "unnamed_controls"]


@pytest.fixture(autouse=True)
def _filler(qapp):
    """The app installs these on its QApplication (ui.app.application); so do the tests."""
    install_accessibility_filler(qapp)
    yield
    theme.apply_theme(qapp, False)


# -- the helpers other tests use -----------------------------------------------------------------
def unnamed_controls(root: QWidget) -> list[str]:
    """Interactive controls under ``root`` that a screen reader would announce without a name."""
    return [
        problem
        for problem in accessibility_problems(root)
        if problem.startswith("no accessible name")  # "name" or "name or description"
    ]


def problems_everywhere(qtbot, root: QWidget) -> list[str]:
    """Show ``root``, open every tab of every tab widget in it, and list every visible control without
    an accessible name or description (what a screen-reader user would meet, page by page)."""
    if not root.isVisible():
        root.show()
        qtbot.waitExposed(root)
    QApplication.processEvents()
    found = dict.fromkeys(accessibility_problems(root, visible_only=True))
    for tabs in root.findChildren(QTabWidget):
        if not tabs.isVisibleTo(root):
            continue
        current = tabs.currentIndex()
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            QApplication.processEvents()
            found.update(dict.fromkeys(accessibility_problems(root, visible_only=True)))
        tabs.setCurrentIndex(current)
    return list(found)


def assert_accessible(qtbot, root: QWidget) -> None:
    """Fail, naming each control, if any control in ``root`` lacks an accessible name or description."""
    if root.parent() is None:
        qtbot.addWidget(root)
    problems = problems_everywhere(qtbot, root)
    assert problems == [], "\n".join(problems)


# -- the main window, every step page -----------------------------------------------------------
@pytest.fixture
def demo_window(qtbot, services, signals, settings) -> MainWindow:
    build_demo_caseload(services.context, people=DEMO_PEOPLE, seed=7)
    main = MainWindow(services, signals, settings)
    qtbot.addWidget(main)
    main.resize(1340, 760)
    return main


@pytest.mark.slow  # a demo caseload or a whole-app walk: not in the fast lane
def test_the_main_window_and_every_step_page_are_named_and_described(qtbot, demo_window, services):
    if all(row.step > Step.SET_BUDGET for row in services.people.list_caseload()):
        add_person(services, "Newly Referred")  # the demo may have no one just starting: add someone
        demo_window.caseload.refresh()
    rows = services.people.list_caseload()
    furthest = max(rows, key=lambda row: row.step)
    newest = min(rows, key=lambda row: row.step)
    assert furthest.step == Step.REVIEW and newest.step == Step.SET_BUDGET
    problems: dict[str, None] = {}
    demo_window.show()
    qtbot.waitExposed(demo_window)
    problems.update(dict.fromkeys(problems_everywhere(qtbot, demo_window)))  # nobody open yet
    for row in (furthest, newest):
        assert demo_window.open_person(row.person_id)
        for step in Step:
            demo_window.workspace.show_step(step)
            problems.update(dict.fromkeys(problems_everywhere(qtbot, demo_window)))
    assert list(problems) == [], "\n".join(problems)


def test_the_check_finds_a_control_without_a_name_or_description(qtbot):
    """The check itself: a bare line edit with nothing to go on is reported, by class and place."""
    from PySide6.QtWidgets import QVBoxLayout

    holder = QWidget()
    qtbot.addWidget(holder)
    layout = QVBoxLayout(holder)
    bare = QLineEdit()
    bare.setObjectName("bare")
    layout.addWidget(bare)
    problems = accessibility_problems(holder)
    assert problems == ["no accessible name or description: QLineEdit#bare at QWidget"]


def test_names_come_from_labels_and_descriptions_from_tooltips(qtbot):
    from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QPushButton

    holder = QWidget()
    qtbot.addWidget(holder)
    form = QFormLayout(holder)
    town = QLineEdit()
    town.setToolTip("The town where the person lives")
    form.addRow("&Town:", town)
    row = QHBoxLayout()
    postcode_label = QLabel("Postcode")
    postcode = QLineEdit()
    row.addWidget(postcode_label)
    row.addWidget(postcode)
    form.addRow(row)
    button = QPushButton("&Look up")
    form.addRow(button)
    holder.show()
    qtbot.waitExposed(holder)
    assert (
        accessible_name(town) == "Town:" and accessible_description(town) == "The town where the person lives"
    )
    assert accessible_name(postcode) == "Postcode" and postcode_label.buddy() is postcode
    assert accessible_description(postcode) == "Type here."
    assert (
        accessible_name(button) == "Look up"
        and accessible_description(button) == "Press Space to choose this."
    )
    assert accessibility_problems(holder) == []


# -- every dialog -------------------------------------------------------------------------------
def _users(db, clock):
    return UserService(ActingDatabase(db, "setup"), clock)


def _statement_import(services, signals, tmp_path):
    person = living_person(services)
    page = LedgerPage(services, signals)
    page.show_person(person)
    path = tmp_path / "april.csv"
    path.write_text(STATEMENT)
    dialog = page.import_dialog(path)
    dialog.setParent(None, dialog.windowFlags())
    return dialog


def _arrangement(services, signals):
    page = SupportPage(services, signals)
    page.show_person(agreed_person(services))
    dialog = page.arrangement_dialog(0)
    assert dialog is not None
    dialog.setParent(None, dialog.windowFlags())
    return dialog


def _agree_budget(services, signals):
    page = BudgetPage(services, signals)
    page.show_person(add_person(services, "Ann Smith").id)
    return AgreeBudgetDialog(page.indicative())


def _transaction(services):
    person = living_person(services)
    return TransactionDialog(services, person, services.ledger.ledger(person).choices)


def _ledger_choices(services):
    return services.ledger.ledger(living_person(services)).choices


def _progress(services, signals, settings):
    window = MainWindow(services, signals, settings)
    task = BackgroundTask(lambda _progress: None, window)
    dialog = show_progress(task, window, "Loading demo caseload", "Adding made-up people…")
    dialog.setProperty("keepParent", window)
    return dialog


def _message_box(buttons: QMessageBox.StandardButton, text: str) -> QMessageBox:
    return QMessageBox(QMessageBox.Icon.Question, "PersonalBudget", text, buttons)


def _about(services, signals, settings):
    window = MainWindow(services, signals, settings)
    box = QMessageBox(QMessageBox.Icon.Information, "About PersonalBudget", window.about_text())
    box.setProperty("keepParent", window)
    return box


DIALOGS: dict[str, Callable[..., QWidget]] = {
    "new person": lambda s, sig, **_k: PersonDialog(s, sig),
    "edit person": lambda s, sig, **_k: PersonDialog(
        s,
        sig,
        s.people.get_person(add_person(s, "Ann Smith", carers=(RepresentativeForm("Jo Smith", "carer"),)).id),
    ),
    "sign in (first account)": lambda s, sig, db, clock, **_k: SignInDialog(
        _users(db, clock), first_account=True
    ),
    "sign in": lambda s, sig, db, clock, **_k: SignInDialog(_users(db, clock)),
    "unlock after inactivity": lambda s, sig, db, clock, **_k: SignInDialog(
        _users(db, clock), locked_user="sian"
    ),
    "choose passphrase": lambda *_a, **_k: PassphraseDialog(True),
    "enter passphrase": lambda *_a, **_k: PassphraseDialog(False),
    "recovery key": lambda *_a, **_k: RecoveryKeyDialog("ABCD-EFGH-IJKL-MNOP-QRST-UVWX"),
    "accounts": lambda s, sig, db, clock, **_k: AccountsDialog(
        _users(db, clock),
        _users(db, clock).create_user("sian", "Sian Morgan", "long enough", Role.PRACTITIONER),
    ),
    "change password": lambda s, sig, db, clock, **_k: ChangePasswordDialog(
        _users(db, clock),
        _users(db, clock).create_user("sian", "Sian Morgan", "long enough", Role.PRACTITIONER),
    ),
    "open someone else's record": lambda s, sig, **_k: BreakGlassDialog(s),
    "allocate to a worker": lambda s, sig, **_k: AllocateDialog(s, add_person(s, "Ann Smith").id),
    "provider": lambda s, sig, **_k: ProviderDialog(s),
    "arrangement": lambda s, sig, **_k: _arrangement(s, sig),
    "transaction": lambda s, sig, **_k: _transaction(s),
    "link to plan": lambda s, sig, **_k: LinkDialog(_ledger_choices(s), 2),
    "statement period": lambda *_a, **_k: StatementPeriodDialog(date(2026, 11, 23), date(2026, 4, 1)),
    "local money rules": lambda s, sig, **_k: MoneySettingsDialog(s),
    "statement import": lambda s, sig, tmp_path, **_k: _statement_import(s, sig, tmp_path),
    "agree budget": lambda s, sig, **_k: _agree_budget(s, sig),
    "go back a step": lambda *_a, **_k: GoBackDialog(Step.AGREE_PLAN),
    "review decision": lambda *_a, **_k: ReviewDecisionDialog(),
    "progress": lambda s, sig, settings, **_k: _progress(s, sig, settings),
    "question": lambda *_a, **_k: _message_box(
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, "Load a demo caseload?"
    ),
    "warning": lambda *_a, **_k: _message_box(QMessageBox.StandardButton.Ok, "Cannot open this person"),
    "about": lambda s, sig, settings, **_k: _about(s, sig, settings),
    "no records window": lambda *_a, **_k: NoRecordsWindow(Role.ANALYST),
    "export anonymised aggregates": lambda s, sig, **_k: ExportDialog(s),
    "near duplicates": lambda *_a, **_k: NearDuplicatesDialog(
        [NearDuplicate(4, date(2026, 5, 3), -1500, "C HUGHES PA", date(2026, 5, 1), "C HUGHES PA")]
    ),
    "person's contribution": lambda s, sig, **_k: ContributionDialog(
        None, False, date(2026, 11, 23), services=s, care_weekly_pence=16_269
    ),
    "contribution payment": lambda *_a, **_k: ContributionPaymentDialog(date(2026, 11, 23)),
    "financial assessment": lambda s, sig, **_k: FinancialAssessmentDialog(s, 16_269),
    "surplus": lambda *_a, **_k: SurplusDialog(SurplusView(1, 200_000, 130_154, 8, ())),
    "what a PA costs": lambda s, sig, **_k: PaCostDialog(s, date(2026, 4, 6)),
    "uplift": lambda s, sig, **_k: UpliftDialog(s, date(2026, 4, 6)),
}


@pytest.mark.parametrize("which", list(DIALOGS))
def test_every_dialog_is_named_and_described(qtbot, which, services, signals, db, clock, settings, tmp_path):
    dialog = DIALOGS[which](services, signals, db=db, clock=clock, settings=settings, tmp_path=tmp_path)
    keep = dialog.property("keepParent")
    if isinstance(keep, QWidget):
        qtbot.addWidget(keep)
    assert isinstance(dialog, QDialog | QMainWindow | QProgressDialog)
    assert_accessible(qtbot, dialog)


def test_the_date_calendar_is_named_and_described(qtbot, services, signals):
    dialog = PersonDialog(services, signals)
    qtbot.addWidget(dialog)
    dialog.show()
    calendar = dialog.dob_field.calendar
    calendar.show()
    QApplication.processEvents()
    from ui.accessibility import name_unnamed_controls

    name_unnamed_controls(calendar)
    problems = accessibility_problems(calendar)
    assert problems == [], "\n".join(problems)


def test_every_window_class_is_covered():
    """A new window or dialog class in ui/ must be added to DIALOGS (or to the main window's pages)."""
    import ast
    import pathlib

    covered = {
        "PersonDialog", "SignInDialog", "PassphraseDialog", "RecoveryKeyDialog", "AccountsDialog",
        "ProviderDialog", "ArrangementDialog", "TransactionDialog", "LinkDialog", "StatementPeriodDialog",
        "MoneySettingsDialog", "StatementImportDialog", "AgreeBudgetDialog", "GoBackDialog",
        "ReviewDecisionDialog", "MainWindow", "NoRecordsWindow", "ExportDialog", "NearDuplicatesDialog",
        "ContributionDialog", "ContributionPaymentDialog", "FinancialAssessmentDialog", "SurplusDialog",
        "PaCostDialog", "UpliftDialog", "ChangePasswordDialog", "BreakGlassDialog", "AllocateDialog",
    }  # fmt: skip
    ui = pathlib.Path(__file__).resolve().parents[2] / "ui"
    windows = set()
    for path in ui.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(base, "id", getattr(base, "attr", "")) for base in node.bases}
                if bases & {"QDialog", "QMainWindow"}:
                    windows.add(node.name)
    assert windows - covered == set(), "add these to DIALOGS in tests/ui/test_accessibility.py"


# -- keyboard-reachable names for the old tests ------------------------------------------------
def test_main_window_controls_are_named(window, services):
    ann = add_person(services, "Ann Smith", carers=(RepresentativeForm("Jo Smith", "carer"),))
    walk_to(services, ann.id, Step.PLAN_SUPPORT)
    window.caseload.refresh()
    window.caseload.select_person(ann.id)
    assert unnamed_controls(window) == []


# -- high contrast ------------------------------------------------------------------------------
def test_the_high_contrast_palette_reaches_aaa_contrast():
    palette = theme.high_contrast_palette()
    for text, background in theme.HIGH_CONTRAST_PAIRS:
        ratio = theme.contrast_ratio(palette.color(text), palette.color(background))
        assert ratio >= 7, (text, background, ratio)
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert theme.contrast_ratio(disabled, palette.color(QPalette.ColorRole.Base)) >= 7


def test_status_colours_reach_aaa_in_high_contrast_and_aa_normally():
    for name in ("overdue", "warning", "done", "current", "not_started", "muted", "error"):
        normal, high = theme._COLOURS[name]
        assert theme.contrast_ratio(high, "#000000") >= 7, name
        assert theme.contrast_ratio(high, theme._COLOURS["selected_step_background"][1]) >= 7, name
        assert theme.contrast_ratio(normal, "#ffffff") >= 4.5, name
    # The focus outline stands out from what is next to it (WCAG 2.4.13: 3:1).
    assert theme.contrast_ratio(theme.FOCUS, "#ffffff") >= 3
    assert theme.contrast_ratio(theme.FOCUS, theme.PANEL_BACKGROUND) >= 3
    assert theme.contrast_ratio(theme._COLOURS["focus"][1], "#000000") >= 7


def test_contrast_ratio_matches_wcag():
    assert theme.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert theme.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.slow  # builds the whole main window
def test_high_contrast_is_a_remembered_view_option(qtbot, qapp, services, signals, tmp_path):
    settings = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    window = MainWindow(services, signals, settings)
    qtbot.addWidget(window)
    action = window.high_contrast_action
    assert action.isCheckable() and not action.isChecked() and not theme.is_high_contrast()
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert action in view_menu.actions()
    action.setChecked(True)
    assert theme.is_high_contrast()
    assert qapp.palette().color(QPalette.ColorRole.Window).name() == "#000000"
    assert qapp.palette().color(QPalette.ColorRole.WindowText).name() == "#ffffff"
    settings.sync()
    again = MainWindow(services, signals, QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert again.high_contrast_action.isChecked()  # remembered for this user
    again.high_contrast_action.setChecked(False)
    assert not theme.is_high_contrast()
    assert qapp.palette().color(QPalette.ColorRole.Window).name() != "#000000"


def test_high_contrast_follows_the_system_until_the_person_chooses(monkeypatch, tmp_path):
    settings = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr(theme, "system_prefers_high_contrast", lambda: True)
    assert theme.high_contrast_wanted(settings)
    theme.remember_high_contrast(settings, False)
    assert not theme.high_contrast_wanted(settings)


def test_custom_painted_and_tinted_widgets_follow_the_theme(qtbot, qapp, window, services):
    """The stepper, the caseload's overdue dates and labels coloured in code take the theme's colours."""
    ann = add_person(services, "Ann Smith")
    window.caseload.refresh()
    window.open_person(ann.id)
    window.show()
    qtbot.waitExposed(window)
    review = QLabel("Review overdue: was due 5 Jan 2026", window.workspace)
    review.show()
    review.setStyleSheet(f"color: {theme.OVERDUE}; font-weight: bold;")  # as the pages do
    window.set_high_contrast(True)
    assert theme.colour("overdue").name() == "#ffff00"
    assert theme.OVERDUE not in review.styleSheet() and "#ffff00" in review.styleSheet()
    review.setStyleSheet(f"color: {theme.MUTED_TEXT};")  # set again while high contrast is on
    assert "#ffffff" in review.styleSheet()
    button = window.workspace.stepper.button(Step.SET_BUDGET)
    assert button._colour().name() in ("#ffffff", "#00ffff", "#7fff7f")
    window.set_high_contrast(False)
    assert review.styleSheet() == f"color: {theme.MUTED_TEXT};"  # put back
    label = QLabel("Over budget by £10")
    qtbot.addWidget(label)
    theme.tint(label, "overdue")
    assert theme.OVERDUE in label.styleSheet()
    theme.apply_theme(qapp, True)
    assert "#ffff00" in label.styleSheet()


def test_the_stylesheet_has_a_thick_focus_outline_for_every_kind_of_control():
    for high_contrast in (False, True):
        sheet = theme.stylesheet(QFont("Sans", 10), high_contrast)
        focus = theme._COLOURS["focus"][1 if high_contrast else 0]
        for selector in (
            "QPushButton:focus",
            "QLineEdit:focus",
            "QComboBox:focus",
            "QAbstractSpinBox:focus",
            "QPlainTextEdit:focus",
            "QAbstractItemView:focus",
            "QCheckBox:focus",
            "QTabBar::tab:focus",
        ):
            block = sheet[sheet.index(selector) :]
            block = block[: block.index("}")]
            width = int(re.search(r"border: (\d+)px solid (#[0-9a-f]{6})", block).group(1))
            assert width >= 3 and focus in block, (selector, high_contrast)


def test_focus_is_visible_in_a_screenshot(qtbot, window, services):
    """The focused search box is drawn with the focus colour around it; unfocused, it is not."""
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    edit = window.caseload.search_edit
    for high_contrast in (False, True):
        window.set_high_contrast(high_contrast)
        focus = theme.colour("focus")
        edit.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(edit.hasFocus)
        image = edit.grab().toImage()
        left_edge = [image.pixelColor(x, image.height() // 2) for x in range(3)]
        assert any(_close(c, focus) for c in left_edge), high_contrast
        window.caseload.table.setFocus()
        qtbot.waitUntil(lambda: not edit.hasFocus())
        image = edit.grab().toImage()
        assert not any(_close(image.pixelColor(x, image.height() // 2), focus) for x in range(3))


def _close(a, b) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 60


# -- the system font size -----------------------------------------------------------------------
def test_no_fixed_font_sizes_in_the_ui():
    import pathlib

    ui = pathlib.Path(__file__).resolve().parents[2] / "ui"
    fixed = []
    for path in sorted(ui.glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # A literal size (setPointSize(12), "font-size: 11pt", QFont("Sans", 9)) ignores the
            # person's font; sizes worked out from the font in use are fine.
            if re.search(r"setP(oint|ixel)Size(F)?\(\s*\d|font-size:\s*\d|QFont\([^)]*,\s*\d+", line):
                fixed.append(f"{path.name}:{number}: {line.strip()}")
    assert fixed == []


@pytest.mark.slow  # builds the whole main window
def test_a_larger_system_font_is_honoured_without_clipping(qtbot, qapp, services, signals, settings):
    ann = add_person(services, "Ann Smith", carers=(RepresentativeForm("Jo Smith", "carer"),))
    walk_to(services, ann.id, Step.PLAN_SUPPORT)
    original = qapp.font()
    try:
        normal = MainWindow(services, signals, settings)
        qtbot.addWidget(normal)
        normal_height = normal.caseload.search_edit.sizeHint().height()
        big = QFont(original)
        big.setPointSizeF(20)
        qapp.setFont(big)
        window = MainWindow(services, signals, settings)
        qtbot.addWidget(window)
        window.open_person(ann.id)
        window.resize(1900, 1200)
        window.show()
        qtbot.waitExposed(window)
        QApplication.processEvents()
        assert window.workspace.cycle_label.font().pointSizeF() >= 19
        assert window.workspace.name_label.font().pointSizeF() >= 20 * 1.4  # the heading grows too
        assert window.caseload.search_edit.sizeHint().height() > normal_height * 1.5
        assert f"{20 * 1.1:.1f}pt" in qapp.styleSheet()  # relative sizes in the stylesheet follow
        step = window.workspace.stepper.button(Step.SET_BUDGET)
        assert step.circle_size() > 30 and step.height() >= step.sizeHint().height()
        clipped = []
        for widget in window.findChildren(QWidget):
            if not widget.isVisible() or not (is_interactive(widget) or isinstance(widget, QLabel)):
                continue
            if isinstance(widget, QLineEdit) and isinstance(widget.parent(), QAbstractSpinBox):
                continue
            if widget.parentWidget() and type(widget.parentWidget()).__name__ == "QScrollArea":
                continue
            hint = widget.minimumSizeHint()
            if widget.height() + 1 < hint.height() and widget.height() < widget.maximumHeight():
                clipped.append(
                    f"{type(widget).__name__} {accessible_name(widget)!r} {widget.size()} < {hint}"
                )
        assert clipped == []
    finally:
        qapp.setFont(original)
        theme.apply_theme(qapp, False)


# -- colour is never the only signal ------------------------------------------------------------
def test_overdue_reviews_say_overdue_in_words(window, services, clock):
    from tests.ui.conftest import set_cycle
    from ui.models.caseload_table_model import Column

    ann = add_person(services, "Ann Smith")
    set_cycle(services, ann.id, next_review=date(2026, 1, 5))
    window.caseload.refresh()
    model = window.caseload.model
    row = model.row_of_person(ann.id)
    text = model.index(row, Column.NEXT_REVIEW).data()
    assert text.startswith("Overdue")
    assert model.index(row, Column.NEXT_REVIEW).data(Qt.ItemDataRole.FontRole).bold()  # and bold
    window.open_person(ann.id)
    assert window.workspace.review_label.text().startswith("Review overdue")


def test_the_stepper_shows_status_in_words_and_marks(window, services):
    ann = add_person(services, "Ann Smith")
    walk_to(services, ann.id, Step.AGREE_PLAN)
    window.caseload.refresh()
    window.open_person(ann.id)
    stepper = window.workspace.stepper
    done = stepper.button(Step.SET_BUDGET)
    current = stepper.button(Step.AGREE_PLAN)
    assert "Done" in done.accessibleDescription() and "current step" in current.accessibleDescription()
    assert done.status.label != current.status.label  # a word under each step, not only a colour


def test_ledger_money_states_are_in_words(qtbot, services, signals, tmp_path):
    """Over or under the plan, alerts, and spending not linked to the plan are all said in words."""
    from ui.models.ledger_table_model import Column as LedgerColumn

    person = living_person(services)
    page = LedgerPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(person)
    path = tmp_path / "april.csv"
    path.write_text(STATEMENT + "22/04/2026,BIG SHOP,-900.00\n")
    dialog = page.import_dialog(path)
    task = dialog.start_import()
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    statuses = {page.plan_table.item(r, 5).text() for r in range(page.plan_table.rowCount())}
    assert statuses and all(s.strip() for s in statuses)  # every line has its status in words
    model = page.model
    rows = range(model.rowCount())
    unlinked = [model.index(r, LedgerColumn.LINK).data(Qt.ItemDataRole.AccessibleTextRole) for r in rows]
    assert "Not linked to the plan" in unlinked
    balances = [model.index(r, LedgerColumn.BALANCE).data() for r in rows]
    assert any(b.startswith("-") for b in balances)  # an overdrawn balance has its minus sign
    assert page.alerts_label.text().strip()  # the alerts in words


# -- the chart has a table alternative -----------------------------------------------------------
def test_the_chart_is_summarised_and_its_table_is_reachable_by_keyboard(qtbot, services, signals, tmp_path):
    person = living_person(services)
    page = LedgerPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(person)
    path = tmp_path / "april.csv"
    path.write_text(STATEMENT)
    task = page.import_dialog(path).start_import()
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    page.resize(900, 600)
    page.show()
    qtbot.waitExposed(page)
    page.tabs.setCurrentIndex(2)  # the Chart tab
    chart, table = page.chart, page.chart_table
    assert accessible_name(chart) == "Chart of planned and actual spending"
    assert "has been spent against" in accessible_description(chart)
    assert "as a table" in accessible_name(table) and table.rowCount() >= 12
    assert chart.focusPolicy() & Qt.FocusPolicy.TabFocus and table.focusPolicy() & Qt.FocusPolicy.TabFocus
    # Tab from the chart reaches the table.
    seen, widget = [], chart
    for _ in range(20):
        widget = widget.nextInFocusChain()
        if widget.isVisible() and widget.isEnabled() and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            seen.append(widget)
        if widget is table:
            break
    assert table in seen
    interface = QAccessible.queryAccessibleInterface(table)
    assert interface.role() == QAccessible.Role.Table
