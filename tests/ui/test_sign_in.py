"""Signing in, the first account, the lock after inactivity, and a role without records."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from personalbudget.domain.roles import Role
from personalbudget.services import build_services
from personalbudget.services.context import ActingDatabase
from personalbudget.services.user_service import UserService
from ui.app import NoRecordsWindow, create_main_window, lock_until_signed_in
from ui.dialogs.sign_in_dialog import InactivityLock, SignInDialog


def test_first_account_is_set_up_in_the_dialog(qtbot, db, clock):
    users = UserService(ActingDatabase(db, "setup"), clock)
    dialog = SignInDialog(users, first_account=True)
    qtbot.addWidget(dialog)
    dialog.username.setText("alex.practitioner")
    dialog.display_name.setText("Alex Practitioner")
    dialog.password.setText("long enough")
    dialog.repeat.setText("different!!")
    assert not dialog.submit() and "different" in dialog.error.text()
    dialog.repeat.setText("long enough")
    assert dialog.submit()
    assert dialog.user.role == Role.PRACTITIONER and dialog.user.can_manage_users


def test_wrong_password_is_said_plainly_and_cleared(qtbot, db, clock):
    users = UserService(ActingDatabase(db, "setup"), clock)
    users.create_user("alex", "Alex", "long enough", Role.PRACTITIONER)
    dialog = SignInDialog(users)
    qtbot.addWidget(dialog)
    dialog.username.setText("alex")
    dialog.password.setText("wrong one")
    assert not dialog.submit()
    assert "not right" in dialog.error.text() and dialog.password.text() == ""
    dialog.password.setText("long enough")
    assert dialog.submit() and dialog.user.username == "alex"


@pytest.mark.slow  # several seconds on its own (accounts and a window): not in the fast lane
def test_inactivity_locks_and_hides_the_caseload(qtbot, window, db, clock, monkeypatch):
    users = UserService(ActingDatabase(db, "setup"), clock)
    user = users.create_user("test.practitioner", "Test", "long enough", Role.PRACTITIONER)
    window.show()
    seen = []

    def fake_exec(dialog):
        seen.append(window.centralWidget().isVisible())  # hidden while locked
        dialog.password.setText("long enough")
        return dialog.submit()

    monkeypatch.setattr(SignInDialog, "exec", fake_exec)
    lock = InactivityLock(0.0001, lambda: lock_until_signed_in(window, users, user))
    qtbot.wait(20)
    lock.check()
    assert seen == [False]
    assert window.centralWidget().isVisible()
    lock.stop()  # its 15 s timer would otherwise lock a later test's (deleted) window
    lock.deleteLater()


@pytest.mark.slow  # builds the whole main window
def test_an_analyst_gets_a_window_without_names(qtbot, db, clock, signals, services):
    from tests.core.helpers import person_form

    services.people.add_person(person_form(name="Hidden Name"))
    analyst = build_services(db, clock, "test.analyst", role=Role.ANALYST)
    window = create_main_window(analyst, signals)
    qtbot.addWidget(window)
    assert isinstance(window, NoRecordsWindow)
    text = " ".join(label.text() for label in window.findChildren(QLabel))
    assert "not shown to this role" in text and "Hidden Name" not in text


def test_an_account_manager_adds_a_colleague(qtbot, db, clock):
    from ui.dialogs.accounts_dialog import AccountsDialog

    users = UserService(ActingDatabase(db, "setup"), clock)
    manager = users.create_user("sian", "Sian Morgan", "long enough", Role.PRACTITIONER)
    dialog = AccountsDialog(users, manager)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1
    dialog.username.setText("rhys")
    dialog.display_name.setText("Rhys Owen")
    dialog.role.setCurrentIndex(
        [dialog.role.itemData(i) for i in range(dialog.role.count())].index(Role.APPROVER)
    )
    dialog.password.setText("short")
    assert not dialog.add() and "at least 8" in dialog.message.text()
    dialog.password.setText("a first password")
    assert dialog.add()
    assert dialog.table.rowCount() == 2
    assert users.sign_in("rhys", "a first password").role == Role.APPROVER
