"""The person's view: View and Help menus in the person's words (no staff menus, no Quit), the
money the answers give at the end of the questions or live (a setting in the person's View menu),
and the answers as big buttons with the picture (issue 19)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from personalbudget.domain.lifecycle import Step
from tests.ui.conftest import add_person
from ui.coproduction import TARGET, AnswerButton


@pytest.fixture
def opened(window, services):
    person = add_person(services, "Ffion Jenkins", nhs="943 476 5919")
    window.caseload.refresh()
    assert window.open_person(person.id)
    yield window
    window.coproduction.set_on(False)


def shown(menu) -> list[str]:
    return [a.text() for a in menu.actions() if a.isVisible() and not a.isSeparator()]


def test_view_and_help_in_the_persons_words_and_back(opened):
    window = opened
    bar = window.menuBar()
    staff = {a.menu(): (a.text(), shown(a.menu())) for a in bar.actions()}
    window.coproduction.set_on(True)
    assert [a.text() for a in bar.actions()] == ["&My plan", "&What I see", "&Help"]
    file_items, view_items, help_items = (shown(a.menu()) for a in bar.actions())
    assert file_items == ["&Print my plan"]  # no Quit, no staff items
    assert "Step &1: Your money" in view_items and "Step &7: How it is going" in view_items
    assert "Show the money at &each answer" in view_items and "&Clearer colours" in view_items
    assert "&Back to the full view (staff)" in view_items
    for staff_only in ("&My work", "&Find person", "Show &overdue reviews only", "Move to the &next step"):
        assert staff_only not in view_items
    assert not any("Show step" in t or "Co-production" in t for t in view_items), view_items
    assert help_items == ["&How to use this", "&About this program"]
    window.coproduction.set_on(False)
    assert {a.menu(): (a.text(), shown(a.menu())) for a in bar.actions()} == staff
    assert window.coproduction_view.toggle_button.text() == "Co-production mode"


def test_the_money_at_the_end_or_live_as_the_person_chooses(opened, settings):
    window = opened
    window.coproduction.set_on(True)
    view = window.coproduction_view
    assert not view.amount_action.isChecked()  # at the end unless asked: a moving figure is hard to follow
    view.questions.choose(view.questions.question().answers[-1].id)
    assert "shown after the last question" in view.budget_words.text()
    view.amount_action.trigger()
    assert settings.value("coproduction/amount_shown") == "live"
    assert "Your answers give " in view.budget_words.text()
    view.amount_action.trigger()
    assert "shown after the last question" in view.budget_words.text()


def test_answers_are_big_buttons_with_the_picture(qtbot, opened):
    window = opened
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.coproduction.set_on(True)
    window.workspace.show_step(Step.SET_BUDGET)
    qtbot.wait(20)
    buttons = window.coproduction_view.questions.answer_buttons()
    assert buttons and all(isinstance(b, AnswerButton) for b in buttons)
    for button in buttons:
        assert not button.icon().isNull(), button.text()
        assert button.width() >= TARGET and button.height() >= TARGET, (button.text(), button.size())
    far = buttons[-1]
    QTest.mouseClick(far, Qt.MouseButton.LeftButton, pos=QPoint(far.width() - 8, far.height() // 2))
    assert far.isChecked()  # the whole button takes the click, not only the round dot
