"""The conflict dialog a page shows when its save was refused (issue 21): the three values of each
field, and each choice doing what it says (with a plan draft saved from two
composition roots on one caseload)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from personalbudget.errors import ConcurrentEditError
from personalbudget.services import build_services
from tests.core.helpers import person_form
from tests.core.money_helpers import money_plan
from ui.dialogs.edit_conflict_dialog import EditConflictDialog
from ui.edit_conflicts import settle


@pytest.fixture
def other(db, clock):
    return build_services(db, clock, actor="other.practitioner")


@pytest.fixture
def planning(services):
    pid = services.people.add_person(person_form()).id
    answers = {q.id: q.answers[0].id for q in services.budget.ras.questions.values()}
    services.budget.save_answers(pid, "personal_budget", answers)
    services.budget.agree_budget(pid, {"social_care": 846_000}, reason="Panel")
    return pid, services.plans.save_draft(pid, money_plan())


def _answer(button: str, seen: dict) -> None:
    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, EditConflictDialog):
            QTimer.singleShot(20, act)
            return
        seen["rows"] = dialog.rows()
        seen["summary"] = dialog.summary.text()
        for field, choice in seen.get("choose", {}).items():
            dialog.choose_field(field, choice)
        buttons = {"theirs": dialog.keep_theirs_button, "mine": dialog.use_mine_button}
        if dialog.by_field_button is not None:
            buttons["fields"] = dialog.by_field_button
        QTest.mouseClick(buttons[button], Qt.MouseButton.LeftButton)

    QTimer.singleShot(20, act)


def _conflict(services, other, pid, read) -> tuple[ConcurrentEditError, object]:
    theirs = money_plan()
    theirs.support_items[1] = replace(theirs.support_items[1], unit_cost="35.00")
    other.plans.save_draft(pid, theirs, base=read)
    mine = money_plan()
    mine.contingency = "Brother covers"
    with pytest.raises(ConcurrentEditError) as refused:
        services.plans.save_draft(pid, mine, base=read)
    return refused.value, mine


def test_use_mine_saves_over_theirs_from_the_dialog(qtbot, services, other, planning):
    pid, read = planning
    conflict, mine = _conflict(services, other, pid, read)
    page = QWidget()
    qtbot.addWidget(page)
    seen: dict = {}
    reloaded: list[object] = []
    _answer("mine", seen)
    saved = settle(
        page,
        services,
        conflict,
        save_mine=lambda current, how: services.plans.save_draft(pid, mine, base=current, resolution=how),
        reload=reloaded.append,
    )
    assert seen["rows"][0][0] == "Support line 2" and "35.00" in seen["rows"][0][2]
    assert "other.practitioner" in seen["summary"]
    assert saved is not None and saved.content.contingency == "Brother covers" and not reloaded
    # Mine went over theirs, line for line: the gym line is back at £30.
    assert saved.content.support_items[1].unit_cost.startswith("30")


def test_keep_theirs_reloads_their_version_and_saves_nothing(qtbot, services, other, planning):
    pid, read = planning
    conflict, _mine = _conflict(services, other, pid, read)
    page = QWidget()
    qtbot.addWidget(page)
    reloaded: list[object] = []
    _answer("theirs", {})
    saved = settle(
        page,
        services,
        conflict,
        save_mine=lambda current, how: pytest.fail("nothing of mine is saved"),
        reload=reloaded.append,
    )
    assert saved is None and reloaded == [conflict.current]
    assert services.plans.get_plan(pid).content.contingency == "Sister covers"


def test_the_plan_page_keeps_what_was_typed_until_the_person_chooses(qtbot, services, other, signals):
    from tests.ui.test_pa_costs_page import person_at_step_two
    from ui.steps.plan_page import PlanPage

    pid = person_at_step_two(services)
    services.plans.save_draft(pid, money_plan())
    page = PlanPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)  # the page reads the plan...
    theirs = money_plan()
    theirs.what_matters = "Swimming on Fridays"
    other.plans.save_draft(pid, theirs, base=other.plans.get_plan(pid))  # ...someone else saves it
    page.contingency.setPlainText("Brother covers")  # typed here
    page._content_changed()
    seen: dict = {}
    _answer("mine", seen)
    assert page.save()
    assert (seen["rows"][0][:3]) == (
        "What matters to the person",
        "Cooking my own meals and swimming",
        "Swimming on Fridays",
    )
    saved = services.plans.get_plan(pid).content
    assert saved.contingency == "Brother covers" and saved.what_matters.startswith("Cooking")

    other.plans.save_draft(pid, theirs, base=other.plans.get_plan(pid))
    page.contingency.setPlainText("Neighbour covers")
    page._content_changed()
    _answer("theirs", {})
    assert not page.save()  # their plan is shown; nothing of this page's was saved
    assert page.contingency.toPlainText() == "Sister covers"
    assert services.plans.get_plan(pid).content.what_matters == "Swimming on Fridays"


def test_the_plan_page_merges_line_by_line(qtbot, services, other, signals):
    from tests.ui.test_pa_costs_page import person_at_step_two
    from ui.steps.plan_page import PlanPage

    pid = person_at_step_two(services)
    services.plans.save_draft(pid, money_plan())
    page = PlanPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)
    theirs = money_plan()
    theirs.what_matters = "Swimming on Fridays"
    theirs.support_items[1] = replace(theirs.support_items[1], unit_cost="35.00")
    other.plans.save_draft(pid, theirs, base=other.plans.get_plan(pid))
    rows = page.items.rows()
    rows[1][3] = "32.00"  # my own price for the gym line
    page.items.set_rows(rows)
    page.contingency.setPlainText("Brother covers")
    page._content_changed()
    seen: dict = {"choose": {"what_matters": "theirs", "support_items:1": "mine"}}
    _answer("fields", seen)
    assert page.save()
    assert [row[0] for row in seen["rows"]] == ["What matters to the person", "Support line 2"]
    saved = services.plans.get_plan(pid).content
    assert saved.what_matters == "Swimming on Fridays"  # theirs
    assert saved.support_items[1].unit_cost.startswith("32") and saved.contingency == "Brother covers"


def test_a_first_draft_written_on_two_machines_asks_instead_of_replacing(qtbot, services, other, signals):
    """My page opened before any plan existed; someone else saved a first draft meanwhile. Saving
    my page shows the conflict (from an empty plan); keeping theirs shows their plan."""
    from tests.ui.test_pa_costs_page import person_at_step_two
    from ui.steps.plan_page import PlanPage

    pid = person_at_step_two(services)
    page = PlanPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)  # no plan yet
    other.plans.save_draft(pid, money_plan())  # their first draft, from another machine
    page.contingency.setPlainText("Brother covers")
    page._content_changed()
    seen: dict = {}
    _answer("theirs", seen)
    assert not page.save()
    assert ("If things go wrong", "(empty)", "Sister covers", "Brother covers") in [
        r[:4] for r in seen["rows"]
    ]
    assert services.plans.get_plan(pid).content.contingency == "Sister covers"  # theirs kept
    assert page.contingency.toPlainText() == "Sister covers"
