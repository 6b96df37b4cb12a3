"""My work in the window, the break-glass dialog, and the Accounts dialog for a manager."""

from __future__ import annotations

from datetime import timedelta

import pytest

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.roles import Role
from personalbudget.services import build_services
from personalbudget.services.context import ActingDatabase
from personalbudget.services.user_service import UserService
from personalbudget.services.work_queue_service import WorkKind
from tests.core.helpers import person_form
from tests.core.money_helpers import agreed_person, direct_payment
from ui.dialogs.accounts_dialog import AccountsDialog, ChangePasswordDialog
from ui.main_window import MainWindow
from ui.work_queue_page import BreakGlassDialog, WorkQueuePage

PASSWORD = "a long password"


@pytest.mark.slow  # several accounts signed in (a deliberately slow hash each): not in the fast lane
def test_my_work_is_the_first_view_and_opens_the_person_at_the_step(
    qtbot, services, signals, settings, clock
):
    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment(first=clock.today() - timedelta(days=60)))
    services.ledger.add_rows(pid, [(clock.today(), -500_000, "Agency", None, "")], "manual")
    window = MainWindow(services, signals, settings)
    qtbot.addWidget(window)
    window.show()
    assert window.right_stack.currentWidget() is window.work_page
    page = window.work_page
    assert isinstance(page, WorkQueuePage)
    assert page.reading() and page.summary.text() == "Reading your work…"  # off the UI thread
    qtbot.waitUntil(lambda: not page.reading())
    groups = [page.tree.topLevelItem(i).text(0) for i in range(page.tree.topLevelItemCount())]
    assert groups == ["Balance overdrawn (1)", "Statements not imported for over a month (1)"]
    assert page.tree.currentItem().text(0) == "Gwen Price"
    assert page.open_current()
    assert window.right_stack.currentWidget() is window.workspace
    assert window.workspace.person_id() == pid
    assert window.workspace.stepper.selected_step() is Step.LIVE_LIFE
    assert window.show_my_work() and window.right_stack.currentWidget() is page


@pytest.mark.slow  # several accounts signed in (a deliberately slow hash each): not in the fast lane
def test_an_individual_account_has_no_work_queue(qtbot, db, clock, signals, settings):
    users = UserService(ActingDatabase(db, "setup"), clock)
    meg = users.create_user("meg", "Meg Manager", PASSWORD, Role.PRACTITIONER)
    pid = build_services(db, clock, "meg").people.add_person(person_form()).id
    users.create_user("carys", "Carys Price", PASSWORD, Role.INDIVIDUAL, by=meg, people=(pid,))
    window = MainWindow(build_services(db, clock, "carys", role=Role.INDIVIDUAL), signals, settings)
    qtbot.addWidget(window)
    assert window.work_page is None and not window.my_work_action.isVisible()
    assert not window.break_glass_action.isVisible()


@pytest.mark.slow  # several accounts signed in (a deliberately slow hash each): not in the fast lane
def test_break_glass_opens_someone_else_with_a_reason(qtbot, db, clock, signals, settings):
    users = UserService(ActingDatabase(db, "setup"), clock)
    meg = users.create_user("meg", "Meg Manager", PASSWORD, Role.PRACTITIONER)
    users.create_user("sam", "Sam Worker", PASSWORD, Role.PRACTITIONER, by=meg)
    sams = build_services(db, clock, "sam")
    pid = sams.people.add_person(person_form(name="Gwen Price", nhs_number="9434765919")).id
    window = MainWindow(build_services(db, clock, "meg"), signals, settings)
    qtbot.addWidget(window)
    assert window.caseload.shown_count() == 0
    dialog = window.open_someone_else()
    assert isinstance(dialog, BreakGlassDialog)
    dialog.who.setText("943 476 5919")
    dialog.reason.setPlainText("short")
    assert not dialog.open_record() and "reason" in dialog.message.text()
    dialog.reason.setPlainText("Duty call while Sam is on leave")
    assert dialog.open_record()
    assert window.workspace.person_id() == pid and window.caseload.shown_count() == 1
    notices = sams.work.my_work().of(WorkKind.BREAK_GLASS)
    assert len(notices) == 1 and "meg" in notices[0].detail


def test_the_accounts_dialog_disables_resets_and_keeps_the_last_manager(qtbot, db, clock):
    users = UserService(ActingDatabase(db, "setup"), clock)
    meg = users.create_user("meg", "Meg Manager", PASSWORD, Role.PRACTITIONER)
    users.create_user("sam", "Sam Worker", PASSWORD, Role.PRACTITIONER, by=meg)
    users.sign_in("sam", PASSWORD)
    dialog = AccountsDialog(users, meg)
    qtbot.addWidget(dialog)
    dialog.choose("meg")
    assert not dialog.toggle_active() and "last account" in dialog.message.text()
    dialog.choose("sam")
    row = [a.username for a in dialog.accounts].index("sam")
    assert dialog.table.item(row, 5).text() != "Never"  # last sign-in shown
    assert dialog.toggle_active() and dialog.table.item(row, 4).text() == "Disabled"
    assert dialog.disable_button.text() == "&Enable"
    assert dialog.toggle_active() and dialog.table.item(row, 4).text() == "Active"
    assert dialog.change_role(Role.APPROVER) and users.sign_in("sam", PASSWORD).role is Role.APPROVER
    assert dialog.reset_password("one time pass")
    assert dialog.table.item(row, 4).text() == "New password at next sign-in"
    user = users.sign_in("sam", "one time pass")
    change = ChangePasswordDialog(users, user)
    qtbot.addWidget(change)
    change.old.setText("one time pass")
    change.new.setText("sams own secret")
    change.again.setText("sams own secret")
    assert change.change() and not change.signed_in.must_change_password


@pytest.mark.slow  # several accounts signed in (a deliberately slow hash each): not in the fast lane
def test_allocating_the_open_person_keeps_the_history(qtbot, db, clock, signals, settings):
    users = UserService(ActingDatabase(db, "setup"), clock)
    meg = users.create_user("meg", "Meg Manager", PASSWORD, Role.PRACTITIONER)
    users.create_user("sam", "Sam Worker", PASSWORD, Role.PRACTITIONER, by=meg)
    megs = build_services(db, clock, "meg")
    pid = megs.people.add_person(person_form(name="Gwen Price")).id
    window = MainWindow(megs, signals, settings)
    qtbot.addWidget(window)
    assert window.open_person(pid)
    dialog = window.allocate_person()
    assert dialog.worker.count() == 2
    dialog.worker.setCurrentIndex(dialog.worker.findData("sam"))
    assert not dialog.allocate() and "why" in dialog.message.text()
    dialog.reason.setText("Sam knows the family")
    assert dialog.allocate()
    assert dialog.history.topLevelItemCount() == 0 and "no longer one of yours" in dialog.message.text()
    dialog.close()
    assert window.caseload.shown_count() == 0  # Gwen is Sam's now
    history = build_services(db, clock, "sam").access.allocations(pid)
    assert [(a.worker, a.started_by, a.reason) for a in history] == [
        ("sam", "meg", "Sam knows the family"),
        ("meg", "meg", "Added the person to the caseload"),
    ]


def test_team_visibility_is_set_in_the_accounts_dialog(qtbot, db, clock):
    users = UserService(ActingDatabase(db, "setup"), clock)
    meg = users.create_user("meg", "Meg Manager", PASSWORD, Role.PRACTITIONER, team="North")
    dialog = AccountsDialog(users, meg)
    qtbot.addWidget(dialog)
    assert not dialog.team_check.isChecked()
    dialog.team_check.setChecked(True)
    assert users.team_visibility() and "team's people" in dialog.message.text()
