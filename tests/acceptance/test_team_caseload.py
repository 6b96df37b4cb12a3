"""File > Open team caseload…, in the real window the composition root builds, against the test
session's PostgreSQL server (TLS checked with verify-full against the session's CA).

A practitioner signed in to their laptop's caseload opens the team's caseload from the menu: types
its address and the CA file, signs in to the server as themselves in the sign-in dialog (the
password goes to the server only), and the window that follows shows the team's people. The
address and CA file are remembered for the next time.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit
from sqlalchemy import text

from personalbudget.clock import SystemClock
from personalbudget.domain.roles import Role
from personalbudget.services import build_services
from personalbudget.services.context import ActingDatabase
from personalbudget.services.user_service import UserService
from personalbudget.storage.database import open_database
from personalbudget.storage.keys import DatabaseKeys, KeyringSecretStore
from personalbudget.storage.server import open_server_database
from tests.acceptance.driver import click
from tests.acceptance.test_walk import WINDOW_SIZE, caseload_names, menu_action, type_into, wait_for_dialogs
from tests.core.helpers import person_form
from ui import app as app_module
from ui.app import RunningApp, start_app, window_settings
from ui.dialogs.team_caseload_dialog import TeamCaseloadDialog

PASSWORD = "a long enough password"


@pytest.fixture
def laptop(tmp_path, os_keyring):
    path = tmp_path / "laptop.db"
    db = open_database(path, DatabaseKeys(KeyringSecretStore(), lambda _creating: None))
    db.acknowledge_recovery_key()
    try:
        UserService(ActingDatabase(db, "setup"), SystemClock()).create_user(
            "pat", "Pat Worker", PASSWORD, Role.PRACTITIONER
        )
        build_services(db, SystemClock(), "pat").people.add_person(person_form(name="Lowri Laptop"))
    finally:
        db.close()
    return path


@pytest.fixture
def team_caseload(pg_database):
    """The team's caseload on the server: Gwen and Huw, and an account for the DBA's login role."""
    server = open_server_database(pg_database.superuser_url)
    try:
        with server.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO app_user (username, display_name, role, password_hash, can_manage_users, active, "
                    "created_at, team, must_change_password, failed_sign_ins) VALUES ('postgres', 'Dee Admin', "
                    "'practitioner', '', false, true, now(), '', false, 0)"
                )
            )
        services = build_services(server, SystemClock(), "postgres")
        for name, nhs in (("Gwen Price", "9434765919"), ("Huw Morgan", "4010232137")):
            services.people.add_person(person_form(name=name, nhs_number=nhs))
    finally:
        server.close()
    return pg_database


def fill_team_dialog(address: str, ca_file: str):
    def act(dialog: QDialog) -> None:
        fields = {edit.accessibleName(): edit for edit in dialog.findChildren(QLineEdit)}
        # Each field is reached from its label's Alt key (a label without a buddy shows its "&").
        buddies = {label.text(): label.buddy() for label in dialog.findChildren(QLabel) if label.buddy()}
        assert buddies.get("&CA file:") is fields["CA file"], buddies
        type_into(fields["Team caseload address"], address)
        type_into(fields["CA file"], ca_file)
        click(dialog, "Open")

    return act


def sign_in_as(name: str, password: str):
    def act(dialog: QDialog) -> None:
        fields = {edit.accessibleName(): edit for edit in dialog.findChildren(QLineEdit)}
        type_into(fields["User name"], name)
        type_into(fields["Password"], password)
        click(dialog, "Sign in")

    return act


def wrong_then_right(name: str, password: str):
    """A wrong password first: the server refuses it, the dialog says so and stays open."""

    def act(dialog: QDialog) -> None:
        sign_in_as(name, "not the password")(dialog)
        assert dialog.isVisible()
        shown = " ".join(label.text() for label in dialog.findChildren(QLabel))
        assert "did not accept the user name or password" in shown, shown
        sign_in_as(name, password)(dialog)

    return act


def test_open_team_caseload_from_the_file_menu(qtbot, monkeypatch, laptop, team_caseload, dialogs):
    monkeypatch.setenv("PERSONALBUDGET_USER", "pat")
    monkeypatch.setenv("PERSONALBUDGET_PASSWORD", PASSWORD)
    monkeypatch.setenv("PERSONALBUDGET_NO_DEMO_PROMPT", "1")
    running = start_app(laptop)
    assert isinstance(running, RunningApp)
    running.window.resize(*WINDOW_SIZE)
    qtbot.waitUntil(running.window.isVisible)
    assert caseload_names(running.window) == ["Lowri Laptop"]
    # From here on the person types their sign-in: nothing comes from the environment.
    monkeypatch.delenv("PERSONALBUDGET_USER")
    monkeypatch.delenv("PERSONALBUDGET_PASSWORD")

    server = team_caseload.server
    address = team_caseload.url(password="", sslmode=None)  # postgresql://postgres@localhost:port/db
    assert "sslmode" not in address and server.password not in address
    dialogs.expect(QDialog, "Open team caseload", fill_team_dialog(address, str(server.ca_file)))
    dialogs.expect(QDialog, "Sign in", wrong_then_right("postgres", server.password))
    menu_action(running.window, "File", "Open team caseload").trigger()
    wait_for_dialogs(qtbot, dialogs)
    team = app_module.CURRENT[-1]
    assert team is not running
    try:
        qtbot.waitUntil(team.window.isVisible)
        assert sorted(caseload_names(team.window)) == ["Gwen Price", "Huw Morgan"]
        assert team.db.is_server and team.user.username == "postgres"
        assert not running.window.isVisible()  # the laptop's window gave way, its caseload closed
        assert running not in app_module.CURRENT
        # The address and CA file are remembered for this user (the dialog opens with them); the
        # password is not kept anywhere.
        remembered = TeamCaseloadDialog(window_settings())
        assert remembered.chosen == (address, str(server.ca_file))
        settings_text = (app_module.data_dir() / "window-settings.ini").read_text()
        assert server.password not in settings_text
    finally:
        team.window.close()
        team.shut_down()
