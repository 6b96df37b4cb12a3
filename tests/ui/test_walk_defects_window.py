"""Defects found walking through the real window (issue 13): the layout on a 1366×768 laptop, the
mouse wheel, Enter in the search box, the demo offer, the recovery key's Print button, counts in
words and the menus' shortcut letters."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QAction, QFontMetrics, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSpinBox,
    QStyle,
    QStyleOptionComboBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from personalbudget.domain.lifecycle import Step
from personalbudget.services.demo_service import build_demo_caseload
from ui.main_window import MainWindow
from ui.widgets.column_fit import FIT_PROPERTY

from .conftest import add_person

LAPTOP = QSize(1366, 768)
READABLE_LETTERS = 10  # a text cut short with "…" still shows this much


# -- the layout at 1366×768 --------------------------------------------------------------------------
def _settle() -> None:
    for _ in range(4):
        QApplication.processEvents()


def _header_problems(view: QTableView, column: int) -> list[str]:
    header = view.horizontalHeader()
    title = str(view.model().headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
    if not title:
        return []
    metrics = header.fontMetrics()
    pad = header.sectionSizeFromContents(column).width() - metrics.horizontalAdvance(title)
    room = header.sectionSize(column) - pad
    if metrics.horizontalAdvance(title) <= room:
        return []
    flags = int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
    wrapped = metrics.boundingRect(QRect(0, 0, max(room, 1), 1000), flags, title)
    wraps = bool(header.defaultAlignment() & Qt.TextFlag.TextWordWrap)
    if wraps and wrapped.width() <= room and header.height() >= wrapped.height():
        return []
    return [f"heading {title!r} cut short ({header.sectionSize(column)}px, header {header.height()}px high)"]


def _cell_problems(view: QTableView, row: int, column: int) -> list[str]:
    index = view.model().index(row, column)
    widget = view.indexWidget(index)
    if isinstance(widget, QComboBox):
        option = QStyleOptionComboBox()
        widget.initStyleOption(option)
        field = widget.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, widget
        )
        metrics = widget.fontMetrics()
        text = widget.currentText()
        needed = min(metrics.horizontalAdvance(text), metrics.horizontalAdvance("n" * READABLE_LETTERS))
        if field.width() < needed:
            return [f"drop-down {text!r} in row {row} shows {field.width()}px of {needed}px"]
        return []
    if widget is not None:
        return []
    text = str(view.model().data(index, Qt.ItemDataRole.DisplayRole) or "")
    if not text:
        return []
    rect = view.visualRect(index)
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    room = rect.width() - 2 * margin
    metrics = QFontMetrics(view.model().data(index, Qt.ItemDataRole.FontRole) or view.font())
    if metrics.horizontalAdvance(text) <= room:
        return []
    if view.wordWrap():
        wrapped = metrics.boundingRect(QRect(0, 0, max(room, 1), 10_000), int(Qt.TextFlag.TextWordWrap), text)
        if wrapped.width() <= room and wrapped.height() <= rect.height():
            return []
    elif room >= metrics.horizontalAdvance("n" * READABLE_LETTERS):
        return []  # cut short with "…" after a readable part
    return [f"{text!r} in row {row} has {room}×{rect.height()}px"]


def table_problems(view: QTableView) -> list[str]:
    """Each column of a table shows its heading and its first rows readably, and the table fits."""
    name = view.accessibleName() or view.objectName() or type(view).__name__
    header = view.horizontalHeader()
    problems = []
    if header.length() > view.viewport().width():
        problems.append(f"is {header.length()}px wide in {view.viewport().width()}px, so it scrolls sideways")
    model = view.model()
    for column in range(model.columnCount()):
        if header.isSectionHidden(column):
            continue
        problems += _header_problems(view, column)
        for row in range(min(model.rowCount(), 8)):
            problems += _cell_problems(view, row, column)
    return [f"table {name!r}: {problem}" for problem in problems]


def label_problems(root: QWidget) -> list[str]:
    """Labels and word-wrapping lists show their whole text."""
    problems = []
    for label in root.findChildren(QLabel):
        if not label.isVisible() or not label.text() or label.width() <= 0:
            continue
        if label.wordWrap():
            needed = label.heightForWidth(label.width())
            if label.height() < needed - 1:
                problems.append(f"label {label.text()[:50]!r}: {label.height()}px high, needs {needed}px")
        elif label.width() < label.minimumSizeHint().width() - 1:
            problems.append(f"label {label.text()[:50]!r}: {label.width()}px wide, needs more")
    for view in root.findChildren(QListView):
        if not view.isVisible() or not view.wordWrap() or view.model() is None:
            continue
        for row in range(min(view.model().rowCount(), 5)):
            index = view.model().index(row, 0)
            rect = view.visualRect(index)
            text = str(index.data() or "")
            room = rect.width() - 8
            flags = int(Qt.TextFlag.TextWordWrap)
            needed = view.fontMetrics().boundingRect(QRect(0, 0, max(room, 1), 10_000), flags, text).height()
            if rect.bottom() > view.viewport().height() or rect.height() < needed:
                problems.append(
                    f"list {view.accessibleName()!r} item {text[:50]!r} is cut off "
                    f"({rect.height()}px of {needed}px, bottom {rect.bottom()} in {view.viewport().height()}px)"
                )
    return problems


def page_problems(page: QWidget) -> list[str]:
    problems = label_problems(page)
    for view in page.findChildren(QTableView):
        if view.isVisible() and view.property(FIT_PROPERTY) is not False and view.model() is not None:
            problems += table_problems(view)
    return problems


@pytest.fixture
def laptop_window(qtbot, services, signals, settings) -> MainWindow:
    build_demo_caseload(services.context, people=40, seed=2026)
    window = MainWindow(services, signals, settings)
    qtbot.addWidget(window)
    window.resize(LAPTOP)
    window.show()
    qtbot.waitExposed(window)
    return window


def _people_to_walk(services) -> list[int]:
    """Someone who lives with their plan and employs PAs, with reminders and rules; someone at review."""
    rows = services.people.list_caseload()
    later = [row.person_id for row in rows if int(row.step) >= Step.LIVE_LIFE]

    def richness(person_id: int) -> tuple[int, int]:
        employer = services.support.get_employer(person_id)
        return (len(employer.reminders), len(services.payee_rules.rules(person_id)))

    reviewing = [row.person_id for row in rows if int(row.step) == Step.REVIEW]
    richest = max(later, key=richness)
    assert richness(richest) >= (1, 1), "the demo caseload should have a PA employer with reminders and rules"
    return [richest, *reviewing[:1]]


@pytest.mark.slow  # a demo caseload or a whole-app walk: not in the fast lane
def test_every_table_and_label_on_every_step_page_is_readable_at_1366_by_768(laptop_window, services):
    window = laptop_window
    found: dict[str, set[str]] = {}
    people = _people_to_walk(services)
    for person_id in people:
        assert window.open_person(person_id)
        for step in Step:
            window.show_step(step)
            _settle()
            page = window.workspace.pages.currentWidget()
            tabs = [t for t in page.findChildren(QTabWidget) if t.isVisible()]
            for tab_index in range(tabs[0].count() if tabs else 1):
                if tabs:
                    tabs[0].setCurrentIndex(tab_index)
                    _settle()
                where = f"step {int(step)}" + (f", tab {tabs[0].tabText(tab_index)!r}" if tabs else "")
                for problem in page_problems(page):
                    found.setdefault(problem, set()).add(where)
    # A rule added as the person would, linked to the plan item with the longest name.
    assert window.open_person(people[0])
    window.show_step(Step.LIVE_LIFE)
    ledger = window.workspace.pages.currentWidget()
    ledger.tabs.setCurrentIndex(
        next(i for i in range(ledger.tabs.count()) if ledger.tabs.tabText(i) == "Rules")
    )
    _settle()
    ledger.rules.add_button.click()
    _settle()
    table = ledger.rules.table
    link = table.cellWidget(table.rowCount() - 1, 1)
    longest = max(range(link.count()), key=lambda i: len(link.itemText(i)))
    link.setCurrentIndex(longest)
    _settle()
    for problem in page_problems(ledger):
        found.setdefault(problem, set()).add("step 6, a rule added")
    problems = [f"{problem} ({', '.join(sorted(where))})" for problem, where in found.items()]
    assert not problems, "Not readable at 1366×768:\n  " + "\n  ".join(problems)


# -- the mouse wheel ----------------------------------------------------------------------------------
def _wheel(widget: QWidget, notches: int = -1) -> None:
    """A real wheel event over the middle of ``widget`` (negative notches scroll down)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(widget.rect().center())),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


@pytest.fixture
def scrolling_page(qtbot):
    """The app (made by the composition root), and a page taller than its scroll area with a
    drop-down and spin boxes on it, and a text box that has the focus."""
    from ui.app import application

    application()
    area = QScrollArea()
    page = QWidget()
    layout = QVBoxLayout(page)
    schedule = QComboBox()
    schedule.addItems(["Every four weeks", "Every month", "Every week"])
    hours = QSpinBox()
    hours.setValue(5)
    amount = QDoubleSpinBox()
    amount.setValue(14.5)
    note = QLineEdit()
    for field in (note, schedule, hours, amount):
        layout.addWidget(field)
    layout.addSpacing(2000)
    area.setWidget(page)
    area.resize(300, 200)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    note.setFocus()
    return area, schedule, hours, amount


def test_the_wheel_over_an_unfocused_field_scrolls_the_page_and_leaves_the_value(scrolling_page):
    area, schedule, hours, amount = scrolling_page
    for field in (schedule, hours, amount):
        assert not field.hasFocus()
        before = area.verticalScrollBar().value()
        _wheel(
            field.lineEdit() if isinstance(field, QAbstractSpinBox) else field
        )  # spin boxes: over their text
        assert (schedule.currentIndex(), hours.value(), amount.value()) == (0, 5, 14.5)
        assert area.verticalScrollBar().value() > before, type(field).__name__


def test_a_focused_field_still_takes_the_wheel_and_the_wheel_gives_no_focus(scrolling_page):
    area, schedule, hours, _amount = scrolling_page
    assert schedule.focusPolicy() == hours.focusPolicy() == Qt.FocusPolicy.StrongFocus
    schedule.setFocus()
    _wheel(schedule)
    assert schedule.currentIndex() == 1
    assert area.verticalScrollBar().value() == 0


# -- Enter in the search box ---------------------------------------------------------------------------
def test_enter_in_the_search_box_opens_the_match(qtbot, window, services):
    add_person(services, "Ann Smith")
    bob = add_person(services, "Bob Jones")
    add_person(services, "Bella Jonas")
    window.show()
    qtbot.waitExposed(window)
    window.caseload.refresh()
    search = window.caseload.search_edit
    search.setFocus()
    qtbot.keyClicks(search, "Jones")
    assert window.caseload.shown_person_ids() == [bob.id]
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert window.workspace.person_id() == bob.id
    assert window.focusWidget() is not search  # moved into the person's workspace


def test_enter_opens_the_first_match_or_the_chosen_one_and_nothing_when_none_match(qtbot, window, services):
    ann = add_person(services, "Ann Jones")
    bob = add_person(services, "Bob Jones")
    window.show()
    window.caseload.refresh()
    search = window.caseload.search_edit
    qtbot.keyClicks(search, "Jones")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert window.workspace.person_id() == ann.id  # the first of two
    window.caseload.select_person(bob.id, notify=False)
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert window.workspace.person_id() == bob.id  # the one chosen in the list
    search.clear()
    qtbot.keyClicks(search, "Nobody")
    assert not window.caseload.open_match()
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert window.workspace.person_id() == bob.id


# -- the first-run demo offer ---------------------------------------------------------------------------
def test_the_first_run_demo_offer_defaults_to_yes(window, monkeypatch):
    asked = []

    def question(_parent, title, _text, buttons, default=QMessageBox.StandardButton.NoButton):
        asked.append((title, buttons, default))
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    assert not window.offer_demo_if_empty()
    assert len(asked) == 1
    _title, buttons, default = asked[0]
    assert buttons & QMessageBox.StandardButton.Yes and buttons & QMessageBox.StandardButton.No
    assert default == QMessageBox.StandardButton.Yes


# -- the recovery key's Print button ---------------------------------------------------------------------
KEY = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567"


def test_the_recovery_key_dialog_prints_what_it_says_it_can(qtbot, tmp_path, caplog):
    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrinter

    from ui.dialogs.unlock_dialogs import RecoveryKeyDialog

    dialog = RecoveryKeyDialog(KEY)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "print it" in dialog.findChildren(QLabel)[0].text()
    assert dialog.print_button.text() == "Print…" and dialog.print_button.isVisible()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    dialog.print_to(printer)
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(tmp_path / "printed.pdf").pages).split()
    )
    assert KEY in text.replace(" ", "")
    assert "PersonalBudget recovery key" in text and "away from the laptop" in text
    assert not [record for record in caplog.records if KEY in record.getMessage()]


def test_print_opens_the_system_print_dialog_and_cancel_prints_nothing(qtbot, tmp_path):
    from PySide6.QtCore import QTimer
    from PySide6.QtPrintSupport import QPrintDialog

    from ui.dialogs.unlock_dialogs import RecoveryKeyDialog

    dialog = RecoveryKeyDialog(KEY)
    qtbot.addWidget(dialog)
    dialog.show()
    seen = []

    def cancel() -> None:
        shown = QApplication.activeModalWidget()
        seen.append(shown)
        if shown is not None:
            shown.reject()

    QTimer.singleShot(200, cancel)
    assert dialog.ask_print() is False
    assert isinstance(seen[0], QPrintDialog)
    assert list(tmp_path.iterdir()) == []


# -- the menus' shortcut letters ------------------------------------------------------------------------
def shortcut_letter(text: str) -> str | None:
    """The letter after a single "&" ("&&" is a plain ampersand), lower case; None if there is none."""
    index = 0
    while (index := text.find("&", index)) != -1:
        if text[index + 1 : index + 2] == "&":
            index += 2
            continue
        return text[index + 1 : index + 2].lower() or None
    return None


def menu_problems(menu: QMenu, where: str) -> list[str]:
    """Items of one menu (and of its submenus) that share a shortcut letter."""
    problems, seen = [], {}
    for action in menu.actions():
        if action.isSeparator():
            continue
        if action.menu() is not None:
            problems += menu_problems(action.menu(), f"{where} > {action.text()}")
        letter = shortcut_letter(action.text())
        if letter in seen:
            problems.append(f"{where}: {seen[letter]!r} and {action.text()!r} share the letter {letter!r}")
        elif letter is not None:
            seen[letter] = action.text()
    return problems


def window_menu_problems(window: QMainWindow) -> list[str]:
    bar = QMenu()
    for action in window.menuBar().actions():
        bar.addAction(action)
    return menu_problems(bar, "menu bar")


def _file_menu(window: QMainWindow) -> QMenu:
    return window.menuBar().actions()[0].menu()


def test_every_menu_of_the_real_window_has_unique_shortcut_letters_and_quit_is_last(
    qapp, tmp_path, monkeypatch
):
    from PySide6.QtCore import QCoreApplication, QTimer

    from ui import app as app_module

    monkeypatch.setenv(app_module.NO_DEMO_PROMPT_ENV, "1")
    found: list[tuple[list[str], list[str]]] = []

    def inspect_and_close() -> None:
        for window in QApplication.topLevelWidgets():
            if isinstance(window, MainWindow) and window.isVisible():
                items = [a.text() for a in _file_menu(window).actions() if not a.isSeparator()]
                found.append((items, window_menu_problems(window)))
                window.close()
        QCoreApplication.quit()

    QTimer.singleShot(100, inspect_and_close)
    assert app_module.run(tmp_path / "menus.db") == 0
    (items, problems), *_others = found
    assert any(text.replace("&", "").startswith("Accounts") for text in items)  # the first account manages
    assert items[-1] == "&Quit"
    assert not problems, "\n".join(problems)


def test_the_welsh_menus_have_unique_shortcut_letters(window_in_welsh):
    assert not window_menu_problems(window_in_welsh), "\n".join(window_menu_problems(window_in_welsh))


@pytest.fixture
def window_in_welsh(qtbot, services, signals, settings):
    from personalbudget import i18n

    i18n.set_language("cy_GB")
    try:
        window = MainWindow(services, signals, settings)
        qtbot.addWidget(window)
        window.add_to_file_menu(QAction(i18n._("&Accounts…"), window))
        yield window
    finally:
        i18n.set_language("en_GB")


def test_a_table_with_a_two_letter_heading_fits_its_viewport_exactly(qtbot):
    """Qt widens a section to its minimum size; a narrow "In" column made the ledger scroll by 6px."""
    from PySide6.QtWidgets import QHeaderView, QTableWidget

    from ui.widgets.column_fit import install_column_fitter

    install_column_fitter(QApplication.instance())
    table = QTableWidget(0, 3)
    table.setHorizontalHeaderLabels(["Date", "Description", "In"])
    table.horizontalHeader().setMinimumSectionSize(60)
    table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    qtbot.addWidget(table)
    table.resize(400, 200)
    table.show()
    qtbot.waitExposed(table)
    _settle()
    assert table.horizontalHeader().length() == table.viewport().width()
    assert (
        table.columnWidth(1) > table.columnWidth(0) > table.columnWidth(2)
    )  # the room goes to the stretching column
