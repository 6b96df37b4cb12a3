"""A practitioner and an approver on two machines, one team caseload on the server (issue 21's "done when").

Pat, a practitioner, has written and submitted Gwen's plan on the team caseload; Pat's window (the
real app from its composition root, in this process) has Gwen open at step 3, waiting for a
decision. The approver, Alex, works on another machine: a second process of the app
(``tests/acceptance/approver_machine.py``) with its own data folder and settings, signed in as
Alex's own login role, finds Gwen and approves the plan through the page's button. Nothing is
shared but the server. Pat's window, without anyone touching it, then shows what Alex did: the
caseload list says step 4, Gwen's workspace has moved on to step 4 with the decision in her
history, and the cue says the caseload was updated by others.

Both accounts are login roles on the server, under its row-level security (``team setup``'s
policies); the plan is written beforehand through the services as Pat, signed in as Pat.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from personalbudget.clock import SystemClock
from personalbudget.domain.lifecycle import Step
from personalbudget.domain.plan import Decision
from personalbudget.domain.roles import Role
from personalbudget.services import build_services
from personalbudget.services.context import ActingDatabase
from personalbudget.services.user_service import UserService
from personalbudget.storage import postgres_security
from personalbudget.storage.server import CA_FILE_ENV, open_server_database
from tests.acceptance.conftest import save_screenshot
from tests.acceptance.team_window import open_team_window
from tests.acceptance.test_roles import PASSWORD
from tests.acceptance.test_walk import caseload_names, open_in_caseload, tree_text
from tests.core.helpers import person_form
from tests.core.money_helpers import BUDGET, money_plan
from ui.models.caseload_table_model import Column

ROOT = Path(__file__).resolve().parents[2]
GWEN = "Gwen Price"


@pytest.fixture
def team(pg_server, pg_fresh_database):
    """The team caseload with the server's security applied: Pat (practitioner) and Alex (approver),
    each a login role; Gwen's plan written and submitted by Pat, signed in as Pat."""
    database = open_server_database(pg_fresh_database.superuser_url)
    suffix = secrets.token_hex(3)
    pat, alex = f"pat.{suffix}", f"alex.{suffix}"
    try:
        with database.engine.begin() as connection:
            postgres_security.apply(connection)  # as `team setup` does after the migrations
        clock = SystemClock()
        users = UserService(ActingDatabase(database, "dba"), clock)
        manager = users.create_user(pat, "Pat Worker", PASSWORD, Role.PRACTITIONER, team="North")
        users.create_user(alex, "Alex Approver", PASSWORD, Role.APPROVER, by=manager)
    finally:
        database.close()
    as_pat = open_server_database(pg_fresh_database.url(user=pat, password=PASSWORD))
    try:
        services = build_services(as_pat, SystemClock(), pat)
        gwen = services.people.add_person(person_form(name=GWEN, nhs_number="9434765919")).id
        answers = {q.id: q.answers[0].id for q in services.budget.ras.questions.values()}
        answers |= {"nutrition.meals": "some_help", "hygiene.washing": "some_help"}
        services.budget.save_answers(gwen, "personal_budget", answers)
        services.budget.agree_budget(gwen, {"social_care": BUDGET}, reason="Panel agreed the full plan")
        services.plans.save_draft(gwen, money_plan())
        services.plans.submit(gwen)
    finally:
        as_pat.close()
    yield {"db": pg_fresh_database, "pat": pat, "alex": alex, "gwen": gwen}
    with pg_server.connect() as connection:  # login roles belong to the cluster, not the database
        connection.execute(f'DROP DATABASE IF EXISTS "{pg_fresh_database.name}" WITH (FORCE)')
        for name in (pat, alex):
            connection.execute(f'DROP ROLE IF EXISTS "{name}"')


def approver_machine(team, home: Path, screenshot: Path) -> subprocess.Popen[str]:
    """The app on the approver's machine: a process of its own, its own data folder and settings."""
    env = {
        **os.environ,
        "PERSONALBUDGET_HOME": str(home),
        "PERSONALBUDGET_USER": team["alex"],
        "PERSONALBUDGET_PASSWORD": PASSWORD,
        CA_FILE_ENV: str(team["db"].server.ca_file),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(home / "config"),  # Qt's own settings
    }
    address = team["db"].url(user=team["alex"], password="", sslmode=None)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.acceptance.approver_machine", address, GWEN, str(screenshot)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_an_approver_on_another_machine_agrees_the_plan_and_the_practitioner_sees_it(
    qtbot, monkeypatch, tmp_path, team, screenshots
):
    running = open_team_window(monkeypatch, qtbot, team["db"], team["pat"])
    try:
        window = running.window
        assert running.db.is_server and running.user.username == team["pat"]
        assert caseload_names(window) == [GWEN]
        open_in_caseload(window, qtbot, GWEN)
        assert window.workspace.cycle().current_step == Step.AGREE_PLAN
        waiting = window.workspace.pages.currentWidget()
        assert (
            type(waiting).__name__ == "AgreementPage" and waiting.decision_box.isHidden()
        )  # Pat cannot decide

        # -- on the approver's machine ------------------------------------------------------------
        shot = tmp_path / "approver-machine.png"
        approver = approver_machine(team, tmp_path / "approver-home", shot)
        qtbot.waitUntil(lambda: approver.poll() is not None, timeout=120_000)  # Pat's window keeps running
        output = approver.stdout.read() if approver.stdout else ""
        assert approver.returncode == 0, output
        assert shot.exists()
        (screenshots / "two-machines-1-approver-agreed.png").write_bytes(shot.read_bytes())

        # -- back on Pat's machine: nobody touches the window; the next poll brings Alex's decision --
        def moved_on() -> bool:
            model = window.caseload.table.model()
            step_shown = str(model.index(0, Column.STEP).data())
            return (
                "Manage budget" in step_shown
                and window.workspace.cycle().current_step == Step.MANAGE_BUDGET
                and window.workspace.shown_step() == Step.MANAGE_BUDGET
            )

        qtbot.waitUntil(moved_on, timeout=20_000)
        cue = window.caseload.change_cue.cue_text()
        assert cue.startswith("Updated just now") and "by others" in cue, cue
        history = tree_text(window.workspace.history)
        assert team["alex"] in history, history  # who moved Gwen on, in her history
        QApplication.processEvents()
        save_screenshot(window, screenshots, "two-machines-2-practitioner-sees-it")

        # What the server holds: the decision is Alex's, written under Alex's login role.
        as_pat = build_services(running.db, SystemClock(), team["pat"])
        plan = as_pat.plans.get_plan(team["gwen"])
        assert plan is not None
        assert [(d.decision, d.decided_by) for d in plan.decisions] == [(Decision.APPROVE, team["alex"])]
    finally:
        running.window.close()
        running.shut_down()


def test_opening_a_person_on_a_team_caseload_is_one_transaction_on_the_server(qtbot, monkeypatch, team):
    """Pat opens Gwen from the caseload list: the person, her cycle and history and the agreement
    page's plan, summary and split come from the server in one transaction (each was one of its
    own, and each access check another: 13 transactions for one press)."""
    import threading

    from sqlalchemy import event

    running = open_team_window(monkeypatch, qtbot, team["db"], team["pat"])
    try:
        window = running.window
        gui = threading.get_ident()
        begun: list[int] = []  # (the change poll's own connection, on its worker thread, is not counted)
        event.listen(running.db.engine, "begin", lambda _c: begun.append(threading.get_ident()))
        open_in_caseload(window, qtbot, GWEN)
        page = window.workspace.pages.currentWidget()
        assert (
            type(page).__name__ == "AgreementPage"
            and window.workspace.cycle().current_step == Step.AGREE_PLAN
        )
        assert begun.count(gui) == 1, begun
    finally:
        running.window.close()
        running.shut_down()
