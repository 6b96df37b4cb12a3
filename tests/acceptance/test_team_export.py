"""Exporting anonymised aggregates from a team caseload, through the real window (issue 21).

Ana, a performance officer with the analyst role, signs in to the team caseload as her own login
role; her window shows no records, only the Export anonymised aggregates button, which she presses. Row-level security shows her no one's records,
so until the database administrator gives her whole-caseload reading (``pb_reporting``) the
preview says so in words instead of showing tables of nobody. The DBA grants it; she presses
Preview again, chooses the folder in Qt's own folder chooser and exports: the published tables are
of everyone on the caseload, as the DBA's own session would publish them, and name no one.
"""

from __future__ import annotations

import json
import secrets

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from personalbudget.clock import SystemClock
from personalbudget.domain.roles import Role
from personalbudget.services import build_services
from personalbudget.services.context import ActingDatabase
from personalbudget.services.export_service import financial_year
from personalbudget.services.user_service import UserService
from personalbudget.storage import postgres_security
from personalbudget.storage.server import open_server_database
from tests.acceptance.conftest import save_screenshot
from tests.acceptance.driver import Dialogs, click
from tests.acceptance.team_window import open_team_window
from tests.acceptance.test_roles import PASSWORD
from tests.acceptance.test_walk import wait_for_dialogs
from tests.core.helpers import person_form
from tests.core.money_helpers import BUDGET

PEOPLE = (("Gwen Price", "9434765919"), ("Huw Morgan", "4010232137"), ("Iolo Rees", ""))


@pytest.fixture
def team(pg_server, pg_fresh_database):
    """A team caseload with the server's security: Pat (practitioner, who agreed three people's
    budgets, signed in as Pat) and Ana (analyst), each a login role."""
    database = open_server_database(pg_fresh_database.superuser_url)
    suffix = secrets.token_hex(3)
    pat, ana = f"pat.{suffix}", f"ana.{suffix}"
    try:
        with database.engine.begin() as connection:
            postgres_security.apply(connection)
        users = UserService(ActingDatabase(database, "dba"), SystemClock())
        manager = users.create_user(pat, "Pat Worker", PASSWORD, Role.PRACTITIONER, team="North")
        users.create_user(ana, "Ana Lyst", PASSWORD, Role.ANALYST, by=manager)
    finally:
        database.close()
    as_pat = open_server_database(pg_fresh_database.url(user=pat, password=PASSWORD))
    try:
        services = build_services(as_pat, SystemClock(), pat)
        for name, nhs_number in PEOPLE:
            person = services.people.add_person(person_form(name=name, nhs_number=nhs_number)).id
            answers = {q.id: q.answers[0].id for q in services.budget.ras.questions.values()}
            services.budget.save_answers(person, "personal_budget", answers)
            services.budget.agree_budget(person, {"social_care": BUDGET}, reason="Panel agreed")
    finally:
        as_pat.close()
    yield {"db": pg_fresh_database, "pat": pat, "ana": ana}
    with pg_server.connect() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{pg_fresh_database.name}" WITH (FORCE)')
        for name in (pat, ana):
            connection.execute(f'DROP ROLE IF EXISTS "{name}"')


def test_an_analyst_exports_the_whole_team_caseload_once_the_dba_grants_pb_reporting(
    qtbot, monkeypatch, tmp_path, team, dialogs: Dialogs, screenshots
):
    # What the DBA's own session (bound by no rule) would publish, for comparison.
    period = financial_year(SystemClock().today())
    dba = open_server_database(team["db"].superuser_url)
    try:
        expected = build_services(dba, SystemClock(), actor="dba", system=True).export.preview(*period)
    finally:
        dba.close()
    running = open_team_window(monkeypatch, qtbot, team["db"], team["ana"])
    try:
        window = running.window
        assert running.user.role is Role.ANALYST

        # Without pb_reporting: told why, in words, and what to ask for; no tables of nobody.
        def seen_then_ok(box: QWidget) -> None:
            save_screenshot(box, screenshots, "team-export-refused-without-pb-reporting")
            click(box, "OK")

        dialogs.expect(QMessageBox, "pb_reporting", seen_then_ok)
        dialogs.expect_window(QDialog, "Export anonymised aggregates")
        click(window, "Export anonymised aggregates")  # the analyst's window: no records, this button
        wait_for_dialogs(qtbot, dialogs, timeout=60_000)
        refused = dialogs.texts[-2]
        assert "your account does not read everyone's records" in refused, refused
        export = QApplication.activeModalWidget()
        assert export.tabs.count() == 0 and export.preview is None  # nothing to publish shown

        # The DBA grants it; Ana presses Preview again (no need to start again).
        with team["db"].server.connect(team["db"].name) as connection:
            connection.execute(f'GRANT pb_reporting TO "{team["ana"]}"')
        click(export, "Preview")
        qtbot.waitUntil(lambda: export.tabs.count() > 0, timeout=60_000)
        assert export.preview.content_hash == expected.content_hash  # everyone, as the DBA sees them
        folder = tmp_path / "published"
        folder.mkdir()
        dialogs.expect_file("Folder to export to", folder)
        click(export, "Choose")
        wait_for_dialogs(qtbot, dialogs)
        save_screenshot(export, screenshots, "team-export-aggregates")
        click(export, "Export")
        qtbot.waitUntil(lambda: "Exported" in export.status.text(), timeout=60_000)
        published = folder / "anonymised-aggregates"
        package = json.loads((published / "datapackage.json").read_text())
        assert package["personalbudget"]["content_hash"] == expected.content_hash, package.keys()
        text = " ".join(p.read_text() for p in published.glob("*.csv"))
        for name, nhs_number in PEOPLE:
            assert name not in text and (not nhs_number or nhs_number not in text)
        click(export, "Close")
    finally:
        running.window.close()
        running.shut_down()
    with team["db"].server.connect(team["db"].name) as connection:  # the release, as Ana, in the trail
        actor = connection.execute(
            "SELECT actor FROM audit_event WHERE table_name = 'export_release' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert actor == (team["ana"],)
