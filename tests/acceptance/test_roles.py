"""Signing in as each role, in the real window the app's composition root builds, and checking what
that role sees: whose names are in the caseload, what My work lists, and what cannot be reached.

The caseload is made beforehand through the services (accounts, allocations, a carer linked to one
person); then ``ui.app.start_app`` opens it, signing in with PERSONALBUDGET_USER and
PERSONALBUDGET_PASSWORD as a kiosk or a test does. A screenshot of each role's first view is saved.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel

from personalbudget.clock import SystemClock
from personalbudget.domain.plan import Decision
from personalbudget.domain.roles import Role
from personalbudget.services import build_services
from personalbudget.services.context import ActingDatabase
from personalbudget.services.user_service import UserService
from personalbudget.services.work_queue_service import WorkKind
from personalbudget.storage.database import open_database
from personalbudget.storage.keys import DatabaseKeys, KeyringSecretStore
from tests.acceptance.conftest import save_screenshot
from tests.acceptance.driver import click
from tests.acceptance.test_walk import WINDOW_SIZE, caseload_names, menu_action, type_into, wait_for_dialogs
from tests.core.helpers import person_form
from tests.core.money_helpers import BUDGET, direct_payment, money_plan
from ui.app import NoRecordsWindow, RunningApp, start_app
from ui.work_queue_page import BreakGlassDialog

PASSWORD = "a long enough password"
ACCOUNTS = {  # user name -> role; pat manages accounts
    "pat": Role.PRACTITIONER,
    "sam": Role.PRACTITIONER,
    "panel": Role.APPROVER,
    "bea.broker": Role.BROKER,
    "carys": Role.INDIVIDUAL,
    "ana": Role.ANALYST,
}


def _agreed(pat, panel, name: str, nhs: str) -> int:
    pid = pat.people.add_person(person_form(name=name, nhs_number=nhs)).id
    answers = {q.id: q.answers[0].id for q in pat.budget.ras.questions.values()}
    answers |= {"nutrition.meals": "some_help", "hygiene.washing": "some_help"}
    pat.budget.save_answers(pid, "personal_budget", answers)
    pat.budget.agree_budget(pid, {"social_care": BUDGET}, reason="Panel agreed the full plan")
    pat.plans.save_draft(pid, money_plan())
    pat.plans.submit(pid)
    if panel is not None:
        panel.plans.decide(pid, Decision.APPROVE, "", "Team manager")
    return pid


@pytest.fixture
def caseload(tmp_path, os_keyring) -> dict[str, object]:
    """Pat's people: Gwen (plan waiting for the panel) and Huw (overdrawn); Sam's: Owen.
    Carys is Gwen's carer; the broker manages Gwen's money."""
    path = tmp_path / "caseload.db"
    db = open_database(path, DatabaseKeys(KeyringSecretStore(), lambda _creating: None))
    db.acknowledge_recovery_key()  # written down at set-up
    try:
        clock = SystemClock()
        users = UserService(ActingDatabase(db, "setup"), clock)
        pat_user = users.create_user("pat", "Pat Worker", PASSWORD, Role.PRACTITIONER)
        for name in ("sam", "panel", "ana"):
            users.create_user(name, name.title(), PASSWORD, ACCOUNTS[name], by=pat_user)
        pat = build_services(db, clock, "pat")
        sam = build_services(db, clock, "sam")
        panel = build_services(db, clock, "panel", role=Role.APPROVER)
        huw = _agreed(pat, panel, "Huw Morgan", "")
        pat.management.record_management(huw, direct_payment(first=clock.today() - timedelta(days=60)))
        pat.ledger.add_rows(huw, [(clock.today(), -900_000, "Agency invoice", None, "")], "manual")
        gwen = _agreed(pat, None, "Gwen Price", "9434765919")  # submitted, waiting for the panel
        owen = sam.people.add_person(person_form(name="Owen Stranger", nhs_number="4010232137")).id
        users.create_user("carys", "Carys Price", PASSWORD, Role.INDIVIDUAL, by=pat_user, people=(gwen,))
        users.create_user("bea.broker", "Bea Broker", PASSWORD, Role.BROKER, by=pat_user, people=(gwen,))
    finally:
        db.close()
    return {"path": path, "gwen": gwen, "huw": huw, "owen": owen}


def sign_in_and_open(qtbot, monkeypatch, path: Path, username: str) -> RunningApp:
    monkeypatch.setenv("PERSONALBUDGET_USER", username)
    monkeypatch.setenv("PERSONALBUDGET_PASSWORD", PASSWORD)
    monkeypatch.setenv("PERSONALBUDGET_NO_DEMO_PROMPT", "1")
    running = start_app(path)
    assert isinstance(running, RunningApp), f"the app did not open for {username} (exit code {running})"
    running.window.resize(*WINDOW_SIZE)
    running.window.activateWindow()
    qtbot.waitUntil(running.window.isVisible)
    work = getattr(running.window, "work_page", None)  # (an analyst's window has none)
    # My work is read off the UI thread: "Reading your work…" until it is in, as the person sees.
    qtbot.waitUntil(lambda: work is None or not work.reading(), timeout=20_000)
    return running


def close(running: RunningApp) -> None:
    running.window.close()
    running.shut_down()


def groups(window) -> dict[str, list[str]]:
    tree = window.work_page.tree
    out = {}
    for i in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(i)
        group.setExpanded(True)  # as a person opens a kind of work: its entries fill in
        out[group.text(0).rsplit(" (", 1)[0]] = [group.child(j).text(0) for j in range(group.childCount())]
    return out


def test_each_role_signs_in_and_sees_only_its_people(qtbot, monkeypatch, caseload, dialogs, screenshots):
    path = caseload["path"]

    # The practitioner: their own people, My work first (Huw overdrawn, statements not imported).
    running = sign_in_and_open(qtbot, monkeypatch, path, "pat")
    window = running.window
    assert window.right_stack.currentWidget() is window.work_page
    assert sorted(caseload_names(window)) == ["Gwen Price", "Huw Morgan"]  # not Sam's Owen
    work = groups(window)
    assert work[WorkKind.OVERDRAWN.label] == ["Huw Morgan"]
    assert WorkKind.PLAN_DECISION.label not in work  # practitioners do not decide plans
    save_screenshot(window, screenshots, "roles-1-practitioner-my-work")
    # Opening an entry shows the person at the step the work is about.
    window.work_page.tree.setFocus()
    window.work_page.tree.setCurrentItem(window.work_page.tree.topLevelItem(0).child(0))
    QTest.keyClick(window.work_page.tree, Qt.Key.Key_Return)
    assert window.workspace.person().name == "Huw Morgan"
    assert int(window.workspace.stepper.selected_step()) == 6
    # Searching for Owen finds no one; break-glass opens him with a reason that is recorded.
    type_into(window.caseload.search_edit, "Owen")
    assert window.caseload.shown_count() == 0
    window.caseload.search_edit.clear()
    dialogs.expect_window(QDialog, "Open someone else's record")
    menu_action(window, "File", "Open someone else's record").trigger()
    wait_for_dialogs(qtbot, dialogs)
    glass = window.findChild(BreakGlassDialog)
    type_into(glass.who, "401 023 2137")
    glass.reason.setPlainText("Duty call: Owen rang while Sam is on leave")
    click(glass, "Open with this reason")
    qtbot.waitUntil(
        lambda: window.workspace.person() is not None and window.workspace.person().name == "Owen Stranger"
    )
    close(running)

    # Sam, Owen's worker, is told in My work.
    running = sign_in_and_open(qtbot, monkeypatch, path, "sam")
    assert caseload_names(running.window) == ["Owen Stranger"]
    told = groups(running.window)[WorkKind.BREAK_GLASS.label]
    assert told == ["Owen Stranger"]
    save_screenshot(running.window, screenshots, "roles-2-allocated-worker-told")
    close(running)

    # The approver: the plan waiting for a decision, and the person whose plan they agreed; not Owen.
    running = sign_in_and_open(qtbot, monkeypatch, path, "panel")
    assert caseload_names(running.window) == ["Gwen Price", "Huw Morgan"]
    assert groups(running.window) == {WorkKind.PLAN_DECISION.label: ["Gwen Price"]}
    save_screenshot(running.window, screenshots, "roles-3-approver-my-work")
    assert running.window.work_page.open_current()
    assert int(running.window.workspace.stepper.selected_step()) == 3
    close(running)

    # The broker: the people whose money they manage.
    running = sign_in_and_open(qtbot, monkeypatch, path, "bea.broker")
    assert caseload_names(running.window) == ["Gwen Price"]
    assert running.window.right_stack.currentWidget() is running.window.work_page
    save_screenshot(running.window, screenshots, "roles-4-broker-my-work")
    close(running)

    # The carer: Gwen only, no work queue, no break-glass, nothing else found by searching.
    running = sign_in_and_open(qtbot, monkeypatch, path, "carys")
    window = running.window
    assert caseload_names(window) == ["Gwen Price"]
    assert window.work_page is None and not window.break_glass_action.isVisible()
    type_into(window.caseload.search_edit, "Huw")
    assert window.caseload.shown_count() == 0
    dialogs.expect_message("Cannot open this person", "OK")
    assert not window.open_person(caseload["owen"])  # even by id: refused, naming what is not allowed
    wait_for_dialogs(qtbot, dialogs)
    refusal = dialogs.texts[-1]
    assert "you cannot see people's records for person" in refusal and "Owen" not in refusal
    save_screenshot(window, screenshots, "roles-5-carer")
    close(running)

    # The analyst: no records at all.
    running = sign_in_and_open(qtbot, monkeypatch, path, "ana")
    assert isinstance(running.window, NoRecordsWindow)
    shown = " ".join(label.text() for label in running.window.findChildren(QLabel))
    assert "Gwen" not in shown and "Owen" not in shown and "Huw" not in shown
    close(running)
    assert QApplication.instance().activeModalWidget() is None
