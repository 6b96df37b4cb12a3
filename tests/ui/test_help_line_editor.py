"""Costed support one line at a time in the person's view (issue 19): who helps, how often, how
long, the cost worked out and said in words, saved through the same plan service as the table."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.money import Frequency
from personalbudget.domain.plan import PlanDraft, SupportItemEntry
from tests.ui.conftest import add_person
from ui.steps.plan_page import PlanPage


@pytest.fixture
def planning(window, services):
    person = add_person(services, "Ffion Jenkins", nhs="943 476 5919")
    answers = {q.id: q.answers[1].id for q in services.budget.ras.questions.values()}
    services.budget.save_answers(person.id, "personal_budget", answers)
    services.budget.agree_budget(person.id, None, "")
    services.plans.save_draft(
        person.id,
        PlanDraft(
            what_matters="Seeing my grandchildren",
            support_items=[SupportItemEntry("personal_care", "Help to get up", "15.37", "7", "week", "")],
        ),
    )
    window.caseload.refresh()
    assert window.open_person(person.id)
    window.coproduction.set_on(True)
    window.workspace.show_step(Step.PLAN_SUPPORT)
    window.coproduction_view.plan_steps.go_to(2)
    yield person
    window.coproduction.set_on(False)


def test_one_line_at_a_time_with_the_cost_in_words(window, services, planning):
    page = window.coproduction_view.page(PlanPage)
    editor = page.help_lines
    assert editor.isVisibleTo(window) and editor.count() == 1
    assert editor.count_label.text() == "Help 1 of 1"
    assert editor.kind.currentText() == "Help with washing and dressing"
    assert editor.often_buttons[Frequency.WEEK].isChecked()
    assert editor.cost_words.text() == "This costs about £108 a week."  # £15.37 x 7, to the pound
    assert editor.one_time.text() == "£15"  # no pence in the person's view...
    assert page.draft().support_items[0].unit_cost == "15.37"  # ...and the staff's exact cost is kept

    # A new line, through the page's "Add some help": the editor shows it, the person fills it in.
    QTest.mouseClick(page.items.add_button, Qt.MouseButton.LeftButton)
    assert editor.count_label.text() == "Help 2 of 2"
    editor.kind.setCurrentIndex(editor.kind.findData("community_activities"))
    QTest.keyClicks(editor.what, "Swimming with a friend")
    QTest.keyClicks(editor.who, "Leisure centre")
    editor.choose_how_often(Frequency.WEEK)
    QTest.keyClicks(editor.how_long, "3")
    assert editor.cost_words.text().startswith("Say how often")  # no cost yet: nothing made up
    editor.one_time.setValue(15)
    assert editor.cost_words.text() == "This costs £45 a week."
    assert "Your plan costs about £153 a week." in window.coproduction_view.plan_steps.total_words.text()
    pictured = window.coproduction_view.plan_steps.item_words.text()  # every line, with its picture
    assert "personal_care.png" in pictured and "community_activities.png" in pictured

    # Saved through the page's own Save, the same plan service as the staff table.
    QTest.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    saved = services.plans.get_plan(planning.id).content.support_items
    assert [(i.category, i.description, i.provider, i.quantity, i.frequency) for i in saved] == [
        ("personal_care", "Help to get up", "", "7", "week"),
        ("community_activities", "Swimming with a friend", "Leisure centre", "3", "week"),
    ]
    assert saved[0].unit_cost.startswith("15.37") and saved[1].unit_cost.startswith("15")
    assert page.items.rows()[1][:3] == ["community_activities", "Swimming with a friend", "Leisure centre"]

    editor.go_to(0)
    assert editor.what.text() == "Help to get up" and not editor.previous_button.isEnabled()


def test_a_line_typed_in_the_table_is_the_line_shown(window, planning):
    page = window.coproduction_view.page(PlanPage)
    page.items.table.item(0, 1).setText("Help to get up and dressed")
    assert page.help_lines.what.text() == "Help to get up and dressed"
    window.coproduction.set_on(False)
    assert not page.help_lines.isVisibleTo(window)  # the full view keeps its table


def test_remove_takes_away_the_line_on_screen(window, services, planning):
    """The table is hidden in the person's view, so "Remove this help" must remove the line the
    person is looking at, not whichever row the hidden table last had."""
    page = window.coproduction_view.page(PlanPage)
    editor = page.help_lines
    QTest.mouseClick(page.items.add_button, Qt.MouseButton.LeftButton)
    QTest.keyClicks(editor.what, "Swimming with a friend")
    assert editor.count_label.text() == "Help 2 of 2"
    assert page.items.remove_button.text() == "Remove this help"
    QTest.mouseClick(editor.previous_button, Qt.MouseButton.LeftButton)
    assert editor.what.text() == "Help to get up"
    QTest.mouseClick(page.items.remove_button, Qt.MouseButton.LeftButton)
    assert [line.description for line in page.draft().support_items] == ["Swimming with a friend"]
    assert editor.count_label.text() == "Help 1 of 1" and editor.what.text() == "Swimming with a friend"
