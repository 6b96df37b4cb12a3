"""The person's contribution in the real window: recorded in step 1 through its dialog, the budget
shown as the council's part and the person's, the net direct payment worked out in step 4, and in
step 6 the person's payment in, the arrears and the alert in words.

Driven as test_walk.py drives the window: real dialogs answered by typing and clicking.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.management import ManagementOption
from tests.acceptance.driver import click, press
from tests.acceptance.test_walk import (
    APPROVER,
    PA,
    PERSON,
    PRACTITIONER,
    Screens,
    add_account,
    add_person_in_dialog,
    add_provider,
    answer_every_area,
    arrange_with,
    choose,
    decide_with_conditions,
    fill_cell,
    menu_action,
    open_in_caseload,
    open_tab,
    sign_in_again,
    table_text,
    tick,
    type_into,
    wait_for_dialogs,
    write_plan,
)
from tests.acceptance.test_walk import (
    app_on_new_caseload as app_on_new_caseload,
)

WEEKS_BACK = 10  # the contribution applies from ten weeks ago: ten weeks are due


def record_contribution(weekly: str, weeks_back: int):
    def act(dialog: QWidget) -> None:
        choose(dialog.status, "Assessed")
        type_into(dialog.weekly, weekly)
        start = QDate.currentDate().addDays(-7 * weeks_back)
        dialog.starts_on.setDate(start)
        type_into(dialog.reason, "Financial assessment of 1 September 2026")
        choose(dialog.basis, "Net")
        click(dialog, "Record contribution")

    return act


def pay(amount: str, note: str):
    def act(dialog: QWidget) -> None:
        type_into(dialog.amount, amount)
        type_into(dialog.note, note)
        click(dialog, "Save")

    return act


def test_a_contribution_recorded_in_step_one_is_seen_in_step_six(
    qtbot, app_on_new_caseload, dialogs, screenshots
):
    running = app_on_new_caseload
    window = running.window
    dialogs.expect(QDialog, "New person", add_person_in_dialog)
    menu_action(window, "File", "New person").trigger()
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.person() is not None)
    shots = Screens(window, screenshots)

    # -- step 1: the budget, and the person's contribution through its dialog ----------------------
    budget = window.workspace.pages.currentWidget()
    answer_every_area(budget, qtbot)
    assert budget.figure.text() == "£163.00 a week"  # £8,476.00 a year
    dialogs.expect(QDialog, "The person's contribution", record_contribution("20.00", WEEKS_BACK))
    click(budget, "Record contribution")
    wait_for_dialogs(qtbot, dialogs)
    text = budget.contribution_label.text()
    assert "£20.00 a week from" in text, text
    # £20.00 x 52 = £1,040.00 the person's part; £8,476.00 - £1,040.00 = £7,436.00 the council's.
    assert "£8,476.00 a year = the council&#x27;s part £7,436.00 + the person&#x27;s part £1,040.00" in text
    shots.save("contribution-step1")
    dialogs.expect(QDialog, "Agree the budget", press("Agree budget"))
    click(budget, "Agree budget")
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.PLAN_SUPPORT)

    # -- steps 2 and 3, as in the walk ------------------------------------------------------------
    plan = window.workspace.pages.currentWidget()
    write_plan(plan, qtbot)

    dialogs.expect(QMessageBox, "Submit the plan for agreement", press("Submit"))
    click(plan, "Submit for agreement")
    wait_for_dialogs(qtbot, dialogs)
    dialogs.expect(QDialog, "Accounts", add_account(*APPROVER, role="Approver"))
    menu_action(window, "File", "Accounts").trigger()
    wait_for_dialogs(qtbot, dialogs)
    running = sign_in_again(qtbot, dialogs, running, APPROVER[0], APPROVER[2])
    app_on_new_caseload.__dict__.update(running.__dict__)
    window = running.window
    open_in_caseload(window, qtbot, PERSON)
    agreement = window.workspace.pages.currentWidget()
    decide_with_conditions(agreement, "Review the contribution at the six-week review")
    dialogs.expect(QMessageBox, "Approv", press("Approve"))
    click(agreement, "Record decision")
    wait_for_dialogs(qtbot, dialogs)
    running = sign_in_again(qtbot, dialogs, running, *PRACTITIONER[::2])
    app_on_new_caseload.__dict__.update(running.__dict__)
    window = running.window
    shots = Screens(window, screenshots)
    open_in_caseload(window, qtbot, PERSON)
    assert window.workspace.cycle().current_step == Step.MANAGE_BUDGET

    # -- step 4: a direct payment paid net: the schedule pays the council's part -------------------
    manage = window.workspace.pages.currentWidget()
    tick(manage.rows[ManagementOption.DIRECT_PAYMENT].check)
    assert manage.rows[ManagementOption.DIRECT_PAYMENT].amount.text() == "8,476.00"
    choose(manage.frequency, "per four weeks")
    click(manage, "Work it out")
    assert manage.payment_amount.text() == "572.00", manage.payment_amount.text()  # £7,436.00 / 13
    assert "less the person's contribution of £1,040.00 a year" in manage.payments_label.text()
    type_into(manage.account_name, "Ffion Jenkins direct payment account")
    type_into(manage.account_provider, "Nationwide")
    shots.save("contribution-step4")
    click(manage, "Record and move to step 5")
    qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.ORGANISE_SUPPORT)

    # -- step 5: the PA arranged, the employer checklist done -------------------------------------
    support = window.workspace.pages.currentWidget()
    open_tab(support.tabs, "Providers and PAs")
    dialogs.expect(QDialog, "Add a provider or personal assistant", add_provider(PA, "personal_assistant"))
    click(support, "Add…")
    wait_for_dialogs(qtbot, dialogs)
    open_tab(support.tabs, "Arrangements")
    QTest.mouseClick(
        support.items_table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=support.items_table.visualRect(support.items_table.model().index(0, 0)).center(),
    )
    dialogs.expect(QDialog, "Arrange:", arrange_with(PA, "14.50", "Direct payment to the person", []))
    click(support, "Arrange selected item")
    wait_for_dialogs(qtbot, dialogs)
    open_tab(support.tabs, "Employer checklist")
    type_into(support.insurer, "Millbrook Mutual Employers' Liability")
    type_into(support.insurance_expires.edit, (QDate.currentDate().addYears(1)).toString("dd/MM/yyyy"))
    type_into(support.payroll, "Millbrook Payroll Service")
    fill_cell(support.pa_table, 0, 1, QDate.currentDate().addDays(-30).toString("dd/MM/yyyy"))
    fill_cell(support.pa_table, 0, 2, QDate.currentDate().addDays(-20).toString("dd/MM/yyyy"))
    fill_cell(support.pa_table, 0, 3, "28")
    click(support, "Save checklist")
    open_tab(support.tabs, "Arrangements")
    click(support, "Support is in place")
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.LIVE_LIFE)

    # -- step 6: the person's payment in, the arrears and the alert in words ----------------------
    ledger = window.workspace.pages.currentWidget()
    assert type(ledger).__name__ == "LedgerPage"
    open_tab(ledger.tabs, "Contribution")
    dialogs.expect(QDialog, "Record a contribution payment", pay("80.00", "Standing order"))
    click(ledger, "Record a payment")
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: ledger.contribution_table.rowCount() == 1)
    assert "£80.00" in table_text(ledger.contribution_table)
    assert "This account" in table_text(ledger.contribution_table)  # paid net: into the DP account
    words = ledger.contribution_label.text()
    # Ten whole weeks due at £20.00 = £200.00; £80.00 paid: £120.00 behind, six weeks.
    assert f"{WEEKS_BACK} whole weeks" in words and "= £200.00" in words, words
    assert "Arrears: £120.00." in words, words
    alert = ledger.contribution_alert_label
    assert alert.isVisible() and "£120.00 behind (about 6 weeks)" in alert.text(), alert.text()
    open_tab(ledger.tabs, "Ledger")
    assert "Person's contribution" in table_text(ledger.table)  # money in on the account too
    open_tab(ledger.tabs, "Contribution")
    shots.save("contribution-step6")
