"""The team caseload's server goes away while a practitioner works, and comes back (issue 21).

Pat has Gwen open at step 1 on a team caseload and has answered every question of the assessment.
The network goes (here: the server is stopped, so every connection is cut). Within a few seconds
the window says it cannot reach the caseload and is retrying; what is on screen stays: the list,
the person, every answer. Pat presses Agree budget anyway: the save is refused in words, saying
the server cannot be reached, and nothing typed is lost. The server comes back; the banner goes by
itself, and the same press of Agree budget now agrees the budget and moves Gwen to step 2.

The server is a cluster of this test's own (stopping the session's would cut every other test).
"""

from __future__ import annotations

import secrets
import shutil

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from personalbudget.clock import SystemClock
from personalbudget.domain.lifecycle import Step
from personalbudget.domain.roles import Role
from personalbudget.services import build_services
from personalbudget.services.context import ActingDatabase
from personalbudget.services.user_service import UserService
from personalbudget.storage import postgres_security
from personalbudget.storage.server import open_server_database
from tests.acceptance.conftest import save_screenshot
from tests.acceptance.driver import Dialogs, click, press
from tests.acceptance.team_window import open_team_window
from tests.acceptance.test_roles import PASSWORD
from tests.acceptance.test_walk import answer_every_area, open_in_caseload, wait_for_dialogs
from tests.core.helpers import person_form
from tests.postgres_cluster import PostgresDatabase, find_bin_dir, migrate_database, start_server

GWEN = "Gwen Price"


@pytest.fixture
def own_server():
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (scripts/ensure-venv.sh test installs it)")
    server = start_server()
    try:
        with server.connect() as connection:
            connection.execute('CREATE DATABASE "caseload"')
        migrate_database(server.url("caseload"))
        yield PostgresDatabase(server, "caseload")
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture
def team(own_server):
    database = open_server_database(own_server.superuser_url)
    pat = f"pat.{secrets.token_hex(3)}"
    try:
        with database.engine.begin() as connection:
            postgres_security.apply(connection)
        UserService(ActingDatabase(database, "dba"), SystemClock()).create_user(
            pat, "Pat Worker", PASSWORD, Role.PRACTITIONER, team="North"
        )
    finally:
        database.close()
    as_pat = open_server_database(own_server.url(user=pat, password=PASSWORD))
    try:
        gwen = build_services(as_pat, SystemClock(), pat).people.add_person(person_form(name=GWEN)).id
    finally:
        as_pat.close()
    return {"db": own_server, "pat": pat, "gwen": gwen}


def test_the_server_goes_away_and_comes_back_and_nothing_on_screen_is_lost(
    qtbot, monkeypatch, team, dialogs: Dialogs, screenshots
):
    server = team["db"].server
    running = open_team_window(monkeypatch, qtbot, team["db"], team["pat"])
    try:
        window = running.window
        open_in_caseload(window, qtbot, GWEN)
        budget = window.workspace.pages.currentWidget()
        assert type(budget).__name__ == "BudgetPage"
        answer_every_area(budget, qtbot)
        figure = budget.figure.text()
        assert figure.startswith("£"), figure

        # -- the network goes ---------------------------------------------------------------------
        server.go_away()
        banner = window.caseload.change_cue.banner
        qtbot.waitUntil(lambda: not banner.isHidden(), timeout=30_000)
        assert banner.text() == "Can't reach the caseload — retrying"
        assert window.workspace.person().name == GWEN and budget.figure.text() == figure  # all still there
        assert budget.progress.value() == budget.progress.maximum()

        refusals: list[str] = []

        def refused(box: QWidget) -> None:
            assert isinstance(box, QMessageBox)
            refusals.append(box.text())
            save_screenshot(box, screenshots, "server-gone-save-refused")
            for widget in QApplication.topLevelWidgets():  # the agree dialog opens again, as it was
                if type(widget).__name__ == "AgreeBudgetDialog":
                    widget.setProperty("pbAnswered", None)
            click(box, "OK")

        def reason_kept_then_cancel(dialog: QWidget) -> None:
            assert dialog.reason() == "Panel agreed", dialog.reason()  # what was typed is still there
            click(dialog, "Cancel")

        def typed_then_agree(dialog: QWidget) -> None:
            dialog.reason_edit.setPlainText("Panel agreed")
            click(dialog, "Agree budget")

        dialogs.expect(QDialog, "Agree the budget", typed_then_agree)
        dialogs.expect(QMessageBox, "", refused)
        dialogs.expect(QDialog, "Agree the budget", reason_kept_then_cancel)
        click(budget, "Agree budget")
        wait_for_dialogs(qtbot, dialogs, timeout=60_000)
        assert "reach" in refusals[0] and "server" in refusals[0], refusals
        assert window.workspace.cycle().current_step == Step.SET_BUDGET
        assert budget.figure.text() == figure and budget.progress.value() == budget.progress.maximum()
        QApplication.processEvents()
        save_screenshot(window, screenshots, "server-gone-banner")

        # -- it comes back ------------------------------------------------------------------------
        server.come_back()
        qtbot.waitUntil(banner.isHidden, timeout=90_000)  # the next retry finds it
        dialogs.expect(QDialog, "Agree the budget", press("Agree budget"))
        click(budget, "Agree budget")
        wait_for_dialogs(qtbot, dialogs, timeout=60_000)
        qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.PLAN_SUPPORT, timeout=30_000)
    finally:
        running.window.close()
        running.shut_down()
    as_dba = open_server_database(team["db"].superuser_url)
    try:
        with as_dba.engine.connect() as connection:
            agreed = connection.exec_driver_sql(
                "SELECT count(*) FROM agreed_budget b JOIN plan_cycle c ON c.id = b.cycle_id WHERE c.person_id = %s",
                (team["gwen"],),
            ).scalar()
    finally:
        as_dba.close()
    assert agreed == 1  # agreed once: the refused press left nothing half-written
