"""Everything works from the keyboard alone: Tab reaches every control, in reading order, without
getting stuck; the core actions have shortcuts; tables open and act on Enter.

The walk presses the real Tab key (so a control that swallows Tab is caught as a trap), and
checks the order on the page as laid out (scrolling undone): each move goes down, or right
along the same row, or across to a column further right; only the last Tab wraps to the top.
"""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QAbstractScrollArea, QApplication, QWidget

from personalbudget.domain.lifecycle import Step
from personalbudget.services.demo_service import build_demo_caseload
from tests.ui.test_accessibility import DIALOGS
from ui.accessibility import accessible_name, is_interactive
from ui.main_window import MainWindow

from .conftest import add_person, walk_to

TOLERANCE = 8  # pixels: controls on one row rarely line up exactly
KEYBOARD_DIALOGS = (
    "new person",
    "sign in (first account)",
    "sign in",
    "choose passphrase",
    "accounts",
    "provider",
    "arrangement",
    "transaction",
    "link to plan",
    "statement period",
    "local money rules",
    "statement import",
    "agree budget",
    "go back a step",
    "review decision",
)


# -- helpers (reusable for a new window) ---------------------------------------------------------
def label(widget: QWidget) -> str:
    return f"{type(widget).__name__} {accessible_name(widget)!r}"


def tab_walk(window: QWidget, start: QWidget, limit: int = 400) -> list[QWidget]:
    """Press Tab from ``start`` until the focus comes back to it; the widgets focused on the way.
    Fails if the focus gets stuck (a keyboard trap) or goes round without reaching ``start``."""
    window.activateWindow()
    start.setFocus(Qt.FocusReason.TabFocusReason)
    QApplication.processEvents()
    first = QApplication.focusWidget()
    assert first is not None, "nothing has the keyboard focus"
    seen = [first]
    for _ in range(limit):
        focused = QApplication.focusWidget()  # None: the window lost activation (a stray top-level window)
        assert focused is not None, "the keyboard focus was lost after " + " -> ".join(
            label(w) for w in seen[-3:]
        )
        QTest.keyClick(focused, Qt.Key.Key_Tab)
        QApplication.processEvents()
        focus = QApplication.focusWidget()
        if focus is first:
            return seen
        assert focus not in seen, "Tab goes round without reaching the start again (a trap): " + " -> ".join(
            label(w) for w in [*seen[seen.index(focus) :], focus]
        )
        seen.append(focus)
    raise AssertionError(f"Tab never came back to {label(first)}")


def tab_stops(window: QWidget) -> list[QWidget]:
    """The controls Tab should reach: interactive, shown, enabled, taking focus by Tab."""
    return [
        widget
        for widget in window.findChildren(QWidget)
        if widget.isVisible()
        and widget.isEnabled()
        and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        and widget.focusProxy() is None
        and is_interactive(widget)
        and widget.window() is window
        and not _unchecked_in_exclusive_group(widget)
    ]


def _unchecked_in_exclusive_group(widget: QWidget) -> bool:
    """Tab visits one button of an exclusive group (the chosen one); the arrow keys move within it."""
    if not isinstance(widget, QAbstractButton) or not widget.isCheckable() or widget.isChecked():
        return False
    group = widget.group()
    return (group is not None and group.exclusive()) or widget.autoExclusive()


def _block(widget: QWidget, common: QWidget) -> QWidget:
    """The ancestor of ``widget`` (or itself) that is a child of ``common``."""
    while widget.parentWidget() is not common:
        widget = widget.parentWidget()
    return widget


def out_of_order(window: QWidget, seen: list[QWidget]) -> list[str]:
    """Moves that go back up the page (other than across to a column further right) or leftwards along a row.

    Two controls are compared as the blocks that hold them inside their nearest common container (so a
    scrolling page above the history counts as one block, whatever is scrolled out of view in it)."""
    problems = []
    for a, b in itertools.pairwise(seen):
        common = a.parentWidget()
        while common is not None and not (common is b or common.isAncestorOf(b)):
            common = common.parentWidget()
        if common is None or common is b:
            continue  # into or out of a control's own parts (a scrolling page and the controls on it)
        ra, rb = _block(a, common).geometry(), _block(b, common).geometry()
        below = rb.top() >= ra.bottom() - TOLERANCE
        same_row = rb.top() >= ra.top() - TOLERANCE and rb.top() < ra.bottom()
        next_column = rb.left() >= ra.right() - TOLERANCE
        if below or (same_row and rb.left() >= ra.left() - TOLERANCE) or next_column:
            continue
        problems.append(
            f"{label(a)} at {a.mapTo(window, QPoint(0, 0)).toTuple()} -> {label(b)} at {b.mapTo(window, QPoint(0, 0)).toTuple()}"
        )
    return problems


def laid_out(widget: QWidget, window: QWidget) -> QRect:
    """Where ``widget`` is in ``window``, with scrolling undone."""
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, QAbstractItemView):
            rect.translate(parent.horizontalScrollBar().value(), parent.verticalScrollBar().value())
        parent = parent.parentWidget()
    return rect


def keyboard_problems(window: QWidget, start: QWidget) -> list[str]:
    seen = tab_walk(window, start)
    missing = [f"not reached by Tab: {label(w)}" for w in tab_stops(window) if w not in seen]
    return missing + [f"out of reading order: {p}" for p in out_of_order(window, seen)]


def assert_keyboard_friendly(qtbot, window: QWidget, start: QWidget | None = None) -> None:
    """Tab reaches every control of ``window`` in reading order, with no trap (for any new dialog)."""
    if not window.isVisible():
        window.show()
        qtbot.waitExposed(window)
    QApplication.processEvents()
    stops = tab_stops(window)
    assert stops, "no control takes the keyboard focus"
    if start is None:  # the first control on the top row
        top = min(laid_out(w, window).top() for w in stops)
        row = [w for w in stops if laid_out(w, window).top() <= top + TOLERANCE]
        start = min(row, key=lambda w: laid_out(w, window).left())
    problems = keyboard_problems(window, start)
    assert problems == [], "\n".join(problems)


# -- the main window -----------------------------------------------------------------------------
@pytest.mark.slow  # a demo caseload or a whole-app walk: not in the fast lane
def test_tab_reaches_every_control_of_every_step_page_in_reading_order(qtbot, services, signals, settings):
    build_demo_caseload(services.context, people=24, seed=7)
    window = MainWindow(services, signals, settings)
    qtbot.addWidget(window)
    window.resize(1340, 900)
    window.show()
    qtbot.waitExposed(window)
    rows = services.people.list_caseload()
    problems: dict[str, None] = {}
    problems.update(
        dict.fromkeys(f"(nobody open) {p}" for p in keyboard_problems(window, window.caseload.search_edit))
    )
    for row in (max(rows, key=lambda r: r.step), min(rows, key=lambda r: r.step)):
        window.open_person(row.person_id)
        for step in Step:
            window.workspace.show_step(step)
            QApplication.processEvents()
            found = keyboard_problems(window, window.caseload.search_edit)
            problems.update(dict.fromkeys(f"(step {int(step)}) {p}" for p in found))
    assert list(problems) == [], "\n".join(problems)


def test_the_main_controls_come_in_reading_order(qtbot, window, services):
    ann = add_person(services, "Ann Smith")
    walk_to(services, ann.id, Step.PLAN_SUPPORT)
    window.caseload.refresh()
    window.open_person(ann.id)
    window.show()
    qtbot.waitExposed(window)
    seen = tab_walk(window, window.caseload.search_edit)
    workspace = window.workspace
    expected = [
        window.caseload.search_edit,
        window.caseload.step_combo,
        window.caseload.overdue_check,
        window.caseload.table,
        workspace.edit_button,
        workspace.stepper.button(Step.PLAN_SUPPORT),  # the steps are one Tab stop; arrows move along them
        workspace.advance_button,
        workspace.back_button,
        workspace.history,
    ]
    missing = [label(widget) for widget in expected if widget not in seen]
    assert missing == [], " | ".join(label(w) for w in seen)
    positions = [seen.index(widget) for widget in expected]
    assert positions == sorted(positions)


# -- shortcuts -----------------------------------------------------------------------------------
def _activate(qtbot, window: QWidget) -> None:
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.raise_()
    qtbot.waitUntil(window.isActiveWindow)


def test_arrow_keys_move_along_the_steps(qtbot, window, services):
    ann = add_person(services, "Ann Smith")
    walk_to(services, ann.id, Step.AGREE_PLAN)
    window.caseload.refresh()
    window.open_person(ann.id)
    _activate(qtbot, window)
    stepper = window.workspace.stepper
    stepper.button(Step.AGREE_PLAN).setFocus()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Left)
    assert QApplication.focusWidget() is stepper.button(Step.PLAN_SUPPORT)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert window.workspace.shown_step() == Step.PLAN_SUPPORT


def _shortcuts(window: MainWindow) -> dict[str, str]:
    return {
        action.text(): action.shortcut().toString()
        for action in window.findChildren(type(window.new_person_action))
        if not action.shortcut().isEmpty()
    }


def test_core_actions_have_shortcuts(window):
    shortcuts = {action: action.shortcut() for action in window.findChildren(type(window.new_person_action))}
    assert window.focus_search_action.shortcut() == QKeySequence("Ctrl+F")  # search the caseload
    assert window.new_person_action.shortcut() == QKeySequence("Ctrl+N")
    assert window.edit_person_action.shortcut() == QKeySequence("Ctrl+E")
    assert window.advance_action.shortcut() == QKeySequence("Alt+N")  # next step
    assert [a.shortcut().toString() for a in window.step_actions] == [f"Ctrl+{n}" for n in range(1, 8)]
    assert window.high_contrast_action.shortcut() == QKeySequence("Ctrl+Shift+H")
    # No two actions share a shortcut.
    keys = [key.toString() for key in shortcuts.values() if not key.isEmpty()]
    assert len(keys) == len(set(keys)), keys
    # Every menu and its items have a mnemonic (Alt+letter).
    for menu_action in window.menuBar().actions():
        assert "&" in menu_action.text(), menu_action.text()


def test_ctrl_f_searches_and_enter_opens_a_person(qtbot, window, services):
    ann = add_person(services, "Ann Smith")
    add_person(services, "Bob Jones")
    window.caseload.refresh()
    _activate(qtbot, window)
    QTest.keySequence(window, QKeySequence("Ctrl+F"))
    assert QApplication.focusWidget() is window.caseload.search_edit
    QTest.keyClicks(window.caseload.search_edit, "Ann")
    qtbot.waitUntil(lambda: window.caseload.shown_count() == 1)
    QTest.keyClick(window.caseload.search_edit, Qt.Key.Key_Tab)  # to the step filter
    window.caseload.table.setFocus(Qt.FocusReason.TabFocusReason)
    QTest.keyClick(window.caseload.table, Qt.Key.Key_Down)
    QTest.keyClick(window.caseload.table, Qt.Key.Key_Return)
    assert window.workspace.person_id() == ann.id
    assert window.workspace.stepper.isAncestorOf(
        QApplication.focusWidget()
    )  # the focus moved to the workspace


def test_alt_n_moves_to_the_next_step_and_ctrl_digits_show_steps(qtbot, window, services):
    ann = add_person(services, "Ann Smith")
    walk_to(services, ann.id, Step.PLAN_SUPPORT)
    window.caseload.refresh()
    window.open_person(ann.id)
    _activate(qtbot, window)
    QTest.keySequence(window, QKeySequence("Ctrl+5"))
    assert window.workspace.shown_step() == Step.ORGANISE_SUPPORT
    assert QApplication.focusWidget() is window.workspace.stepper.button(Step.ORGANISE_SUPPORT)
    before = services.lifecycle.get_cycle(ann.id).current_step
    window.advance_action.trigger()
    after = services.lifecycle.get_cycle(ann.id).current_step
    assert after == before or after == before + 1  # moved on, or the blocker was explained
    assert "Alt+N" in window.workspace.advance_button.toolTip()


def test_ctrl_s_saves_the_draft_plan(qtbot, window, services):
    from PySide6.QtGui import QShortcut

    ann = add_person(services, "Ann Smith")
    walk_to(services, ann.id, Step.PLAN_SUPPORT)
    window.caseload.refresh()
    window.open_person(ann.id)
    page = window.workspace.pages.currentWidget()
    keys = [s.key() for s in page.findChildren(QShortcut)]
    assert QKeySequence(QKeySequence.StandardKey.Save) in keys


def test_a_step_button_is_pressed_with_space(qtbot, window, services):
    ann = add_person(services, "Ann Smith")
    walk_to(services, ann.id, Step.AGREE_PLAN)
    window.caseload.refresh()
    window.open_person(ann.id)
    window.show()
    qtbot.waitExposed(window)
    button = window.workspace.stepper.button(Step.SET_BUDGET)
    button.setFocus()
    QTest.keyClick(button, Qt.Key.Key_Space)
    assert window.workspace.shown_step() == Step.SET_BUDGET


# -- dialogs -------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", KEYBOARD_DIALOGS)
def test_dialogs_are_keyboard_friendly(qtbot, which, services, signals, db, clock, settings, tmp_path):
    dialog = DIALOGS[which](services, signals, db=db, clock=clock, settings=settings, tmp_path=tmp_path)
    qtbot.addWidget(dialog)
    assert_keyboard_friendly(qtbot, dialog)


def test_the_ledger_table_opens_the_link_dialog_on_enter(qtbot, services, signals, tmp_path, monkeypatch):
    from tests.core.money_helpers import living_person
    from tests.ui.test_accessibility import STATEMENT
    from ui.steps.ledger_page import LedgerPage

    page = LedgerPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(living_person(services))
    path = tmp_path / "april.csv"
    path.write_text(STATEMENT)
    task = page.import_dialog(path).start_import()
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    asked = []
    monkeypatch.setattr(page, "ask_link", lambda: asked.append(True))
    page.table.activated.disconnect()
    page.table.activated.connect(lambda _i: page.ask_link())
    page.show()
    qtbot.waitExposed(page)
    page.table.setFocus()
    page.table.selectRow(0)
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    assert asked == [True]


def test_the_window_opens_with_the_focus_in_the_caseload_search(qtbot, window):
    _activate(qtbot, window)
    assert QApplication.focusWidget() is window.caseload.search_edit
