"""One person's steps 1 to 3 in co-production mode, in the real main window (issue 19).

The practitioner sits beside the person with the person's view on: the questions one at a time,
the amount said at the end, the plan one part at a time with the parts of life by their plain
names, and whether the plan is agreed and on what conditions. What only staff may do (agreeing
the budget, costing and submitting the plan, deciding it) is done after leaving the mode, as the
practitioner would. A screenshot of each step's person view is saved (1366 x 768).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QLabel, QMessageBox, QRadioButton

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.money import Frequency
from tests.acceptance.driver import click, press
from tests.acceptance.test_walk import (  # helpers and the fixture only, not the walk itself
    APPROVER,
    PERSON,
    PRACTITIONER,
    Screens,
    activate,
    add_account,
    add_person_in_dialog,
    app_on_new_caseload,  # noqa: F401  (the fixture)
    decide_with_conditions,
    fill_cell,
    menu_action,
    open_in_caseload,
    sign_in_again,
    type_into,
    wait_for_dialogs,
)
from ui.coproduction import TARGET

PENCE = re.compile(r"\d\.\d\d\b|\bpence\b")
CONDITIONS = "Check the PA hours at the six-week review"


def set_mode(window, qtbot, on: bool, dialogs=None, password: str = PRACTITIONER[2]) -> None:
    """The View menu's switch (Ctrl+Shift+P does the same); out of it by the banner's button, with
    the member of staff's password (the caseload has accounts)."""
    if on:
        menu_action(window, "View", "Co-production mode").trigger()
    else:
        assert dialogs is not None, "leaving the person's view asks for a staff sign-in"
        dialogs.expect(QDialog, "staff sign-in", staff_password(password))
        QTest.mouseClick(window.coproduction_view.banner.leave_button, Qt.MouseButton.LeftButton)
        wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.coproduction.is_on() == on)


def wrong_password_then_cancel(dialog) -> None:
    type_into(dialog.password, "not the password")
    click(dialog, "Sign in")
    assert dialog.error.text(), "a wrong password is refused with a reason"
    click(dialog, "Cancel")


def staff_password(password: str):
    def act(dialog) -> None:
        type_into(dialog.password, password)
        click(dialog, "Sign in")

    return act


def person_texts(window) -> str:
    labels = [w for w in window.workspace.findChildren(QLabel) if w.isVisibleTo(window.workspace)]
    return " ".join(re.sub(r"<[^>]+>", " ", label.text()) for label in labels)


def answer_one_at_a_time(questions, qtbot) -> None:
    """The second answer of each question, clicked as a big button, then Next."""
    while True:
        buttons = questions.answer_buttons()
        button = buttons[min(1, len(buttons) - 1)]
        assert button.height() >= TARGET, (button.text(), button.height())
        QTest.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(12, button.height() // 2))
        assert button.isChecked()
        if not questions.next_button.isEnabled():
            return
        QTest.mouseClick(questions.next_button, Qt.MouseButton.LeftButton)
        qtbot.wait(5)


def test_steps_one_to_three_with_the_person(qtbot, app_on_new_caseload, dialogs, screenshots):  # noqa: F811
    running = app_on_new_caseload
    window = running.window
    dialogs.expect(QDialog, "New person", add_person_in_dialog)
    menu_action(window, "File", "New person").trigger()
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.person() is not None)
    shots = Screens(window, screenshots)

    # -- step 1, with the person: one question at a time, the amount at the end ---------------------
    set_mode(window, qtbot, True)
    view = window.coproduction_view
    assert not window.splitter.widget(0).isVisible()  # no other people's names
    assert "This is Ffion Jenkins's view." in view.banner.text.text()
    questions = view.questions
    assert questions.isVisible()
    QTest.mouseClick(questions.answer_buttons()[1], Qt.MouseButton.LeftButton, pos=QPoint(12, 20))
    assert "shown after the last question" in view.budget_words.text()  # not changing at each answer
    answer_one_at_a_time(questions, qtbot)
    words = person_texts(window)
    assert "Your answers give £163 a week." in words, words
    assert not PENCE.search(words), words
    shots.save("coproduction-step1-your-money")

    # Without the staff password the person's view stays (other people's records are behind it).
    dialogs.expect(QDialog, "staff sign-in", wrong_password_then_cancel)
    QTest.mouseClick(view.banner.leave_button, Qt.MouseButton.LeftButton)
    wait_for_dialogs(qtbot, dialogs)
    assert window.coproduction.is_on() and not window.splitter.widget(0).isVisible()

    # The practitioner agrees the budget in the full view.
    set_mode(window, qtbot, False, dialogs)
    budget = window.workspace.pages.currentWidget()
    dialogs.expect(QDialog, "Agree the budget", press("Agree budget"))
    click(budget, "Agree budget")
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.PLAN_SUPPORT)

    # -- step 2, with the person: the plan one part at a time, in plain names -----------------------
    set_mode(window, qtbot, True)
    plan = window.workspace.pages.currentWidget()
    steps = view.plan_steps
    assert not plan.tabs.tabBar().isVisible()
    steps.go_to(0)
    assert steps.title.text() == "Part 1 of 6: What matters to you"
    type_into(plan.what_matters, "Going to chapel on Sundays and seeing my sister Mair every week")
    QTest.mouseClick(steps.next_button, Qt.MouseButton.LeftButton)
    assert steps.title.text() == "Part 2 of 6: What I want to achieve"
    QTest.mouseClick(plan.outcomes.add_button, Qt.MouseButton.LeftButton)
    assert plan.outcomes.add_button.text() == "Add something I want to achieve"
    combo = plan.outcomes.table.cellWidget(0, 0)
    assert isinstance(combo, QComboBox)
    offered = [combo.itemText(i) for i in range(combo.count())]
    assert "Getting out and about" in offered and not any(t.startswith("i)") for t in offered), offered
    combo.setCurrentIndex(combo.findText("Family and friends"))
    fill_cell(plan.outcomes.table, 0, 1, "See my sister every week")
    QTest.mouseClick(steps.next_button, Qt.MouseButton.LeftButton)
    assert steps.title.text() == "Part 3 of 6: The help I want"
    # One line at a time, in the person's words: the table of drop-downs and pence is for staff.
    assert not plan.items.table.isVisible() and plan.help_lines.isVisible()
    QTest.mouseClick(plan.items.add_button, Qt.MouseButton.LeftButton)
    line = plan.help_lines
    line.kind.setCurrentIndex(line.kind.findData("personal_assistant"))
    type_into(line.what, "PA hours for washing and dressing")
    QTest.mouseClick(line.often_buttons[Frequency.WEEK], Qt.MouseButton.LeftButton)
    type_into(line.how_long, "8")
    assert "Say how often, how long and what one time costs" in line.cost_words.text()
    shots.save("coproduction-step2-your-plan")
    assert plan.save_button.text() == "Save for now"
    QTest.mouseClick(steps.next_button, Qt.MouseButton.LeftButton)
    QTest.mouseClick(steps.next_button, Qt.MouseButton.LeftButton)
    assert steps.title.text() == "Part 5 of 6: Keeping safe"
    QTest.mouseClick(plan.risks.add_button, Qt.MouseButton.LeftButton)
    fill_cell(plan.risks.table, 0, 0, "Falls at home")
    fill_cell(plan.risks.table, 0, 1, "A pendant alarm and a PA in the morning")
    QTest.mouseClick(steps.next_button, Qt.MouseButton.LeftButton)
    assert steps.title.text() == "Part 6 of 6: If things go wrong"
    type_into(plan.contingency, "My sister Mair will help if the PA cannot come")

    # The practitioner puts in the PA's hourly rate and submits the plan in the full view.
    set_mode(window, qtbot, False, dialogs)
    assert plan.items.rows()[0][1] == "PA hours for washing and dressing"  # nothing lost in the switch
    fill_cell(plan.items.table, 0, 3, "14.50")
    assert "Planned: £116.00 a week" in plan.cost_label.text(), plan.cost_label.text()
    set_mode(window, qtbot, True)
    steps.go_to(2)
    words = steps.item_words.text()
    assert "PA hours for washing and dressing: £116 a week. Who helps: not chosen yet." in words, words
    assert "Your plan costs £116 a week." in steps.total_words.text()
    shots.save("coproduction-step2-the-help-i-want")
    set_mode(window, qtbot, False, dialogs)
    dialogs.expect(QMessageBox, "Submit the plan for agreement", press("Submit"))
    click(plan, "Submit for agreement")
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.AGREE_PLAN)

    # -- step 3, with the person: waiting for the answer ---------------------------------------------
    set_mode(window, qtbot, True)
    assert "We are waiting for the answer." in person_texts(window)
    shots.save("coproduction-step3-waiting")
    set_mode(window, qtbot, False, dialogs)

    # An approver decides, with conditions.
    dialogs.expect(QDialog, "Accounts", add_account(*APPROVER, role="Approver"))
    menu_action(window, "File", "Accounts").trigger()
    wait_for_dialogs(qtbot, dialogs)
    running = sign_in_again(qtbot, dialogs, running, APPROVER[0], APPROVER[2])
    app_on_new_caseload.__dict__.update(running.__dict__)  # the fixture closes whichever is open
    window = running.window
    open_in_caseload(window, qtbot, PERSON)
    agreement = window.workspace.pages.currentWidget()
    decide_with_conditions(agreement, CONDITIONS)
    dialogs.expect(QMessageBox, "Approv", press("Approve"))
    click(agreement, "Record decision")
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.MANAGE_BUDGET)

    # The practitioner shows the person what was agreed, and on what conditions.
    running = sign_in_again(qtbot, dialogs, running, *PRACTITIONER[::2])
    app_on_new_caseload.__dict__.update(running.__dict__)
    window = running.window
    shots = Screens(window, screenshots)
    open_in_caseload(window, qtbot, PERSON)
    activate(window)
    set_mode(window, qtbot, True)
    window.workspace.show_step(Step.AGREE_PLAN)
    QApplication.processEvents()
    words = person_texts(window)
    assert "Your plan has been agreed." in words, words
    assert f"It was agreed on these conditions: {CONDITIONS}" in words, words
    assert "We will check how it is going by" in words, words
    assert not PENCE.search(words), words
    assert not [r for r in window.workspace.findChildren(QRadioButton) if r.isVisible()]  # no decision
    shots.save("coproduction-step3-agreed")
    set_mode(window, qtbot, False, dialogs)
