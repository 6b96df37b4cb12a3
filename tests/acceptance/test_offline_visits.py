"""Offline visits with a team caseload, through the menus of the real window (issue 22's "done when").

Nia, a practitioner on the team caseload, takes five people offline through File > Take people
offline… (ticking them with the keyboard, the laptop caseload typed into Qt's own file dialog),
then opens the laptop caseload from the message that says it is done. Ned, a colleague, sees one of
them held offline by Nia and cannot change them. The network goes (the server is stopped): on the
laptop, Nia assesses Gwen (every question answered, the budget agreed) and writes and submits her
plan; File > Sync offline people… says in words that the server cannot be reached, and nothing is
lost. The server comes back; the sync sends all five. An approver, on another machine (a process
of its own), finds Gwen's submitted plan and approves it.

The second test makes a change on the server meanwhile (the DBA's import, which the hold does not
stop): the sync shows it field by field, on screen, and Nia keeps hers for one field and the
server's for another. The third: a manager revokes a lost laptop's holds through File > Offline
holds…, with a confirmation.

On reconnect, asked: the laptop's window tries the server every little while (every second here,
through the app's own setting), and when it answers again asks in a bar above the work whether to
sync; Sync now runs the menu's sync (the approver then sees the plan), Not now waits for the next
reconnect, and the question never comes over a dialog waiting for an answer.

The server is a cluster of this test's own (stopping the session's would cut every other test); the
team (a manager, Nia and Ned, an approver) is tests/core/offline_helpers.py's.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMessageBox, QWidget

from personalbudget.clock import SystemClock
from personalbudget.domain.lifecycle import Step
from personalbudget.services import build_services, offline_service
from personalbudget.storage.server import CA_FILE_ENV, open_server_database
from tests.acceptance.conftest import save_screenshot
from tests.acceptance.driver import Dialogs, button, click, press, type_path_and_enter
from tests.acceptance.test_team_caseload import fill_team_dialog
from tests.acceptance.test_walk import (
    WINDOW_SIZE,
    activate,
    answer_every_area,
    menu_action,
    open_in_caseload,
    recovery_key_kept,
    set_up_account,
    type_into,
    wait_for_dialogs,
    write_plan,
)
from tests.core.helpers import person_form
from tests.core.offline_helpers import PASSWORD, build_office_template
from tests.postgres_cluster import PostgresDatabase, find_bin_dir, migrate_database, start_server
from ui import app as app_module
from ui.app import RunningApp, start_app
from ui.dialogs.offline_holds_dialog import OfflineHoldsDialog
from ui.dialogs.person_dialog import PersonDialog
from ui.dialogs.sync_conflict_dialog import SyncConflictDialog
from ui.dialogs.take_offline_dialog import TakeOfflineDialog
from ui.offline_actions import OfflineActions
from ui.reconnect_watch import INTERVAL_KEY

ROOT = Path(__file__).resolve().parents[2]
GWEN = "Gwen Price"
DAFYDD = "Dafydd Vaughan"  # the demo caseload's waiting list (seed 11): Ned reaches him too
LEFT_BEHIND = "Gwen Bevan"  # the one of Nia's six not taken


@pytest.fixture
def office(tmp_path):
    """A server of this test's own, with the offline tests' team on it, and Gwen Price (at step 1)
    added by Nia."""
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (scripts/ensure-venv.sh test installs it)")
    server = start_server()
    try:
        with server.connect() as connection:
            connection.execute('CREATE DATABASE "caseload"')
        migrate_database(server.url("caseload"))
        name, names, _people = build_office_template(server, "caseload")
        db = PostgresDatabase(server, name)
        as_nia = open_server_database(db.url(user=names["nia"], password=PASSWORD))
        try:
            gwen = build_services(as_nia, SystemClock(), names["nia"]).people.add_person(
                person_form(name=GWEN, nhs_number="9434765919")
            )
        finally:
            as_nia.close()
        yield {"db": db, "names": names, "gwen": gwen.id, "server": server}
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)


def team_window(monkeypatch, qtbot, office, who: str) -> RunningApp:
    """The app signed in as ``who`` on the team caseload (tests/acceptance/team_window.py's way, with
    the office's password); the sign-in the sync does later reads the same environment."""
    username = office["names"][who]
    monkeypatch.setenv("PERSONALBUDGET_USER", username)
    monkeypatch.setenv("PERSONALBUDGET_PASSWORD", PASSWORD)
    monkeypatch.setenv("PERSONALBUDGET_NO_DEMO_PROMPT", "1")
    monkeypatch.setenv(CA_FILE_ENV, str(office["db"].server.ca_file))
    running = start_app(office["db"].url(user=username, password="", sslmode=None))  # type: ignore[arg-type]
    assert isinstance(running, RunningApp), f"the app did not open (exit code {running})"
    running.window.resize(*WINDOW_SIZE)
    qtbot.waitUntil(running.window.isVisible)
    return running


def offline_actions(running: RunningApp) -> OfflineActions:
    actions = running.window.findChild(OfflineActions)
    assert actions is not None, "the window has no offline actions"
    return actions


def names_in(dialog: TakeOfflineDialog) -> list[str]:
    return [dialog.list.item(i).text() for i in range(dialog.list.count())]


def take_five_offline(qtbot, dialogs: Dialogs, running: RunningApp, laptop: Path, screenshots, seen: dict):
    """File > Take people offline…: every one of Nia's people but one ticked with Space, the laptop
    caseload typed into Qt's own file dialog, the progress, then "Open it now"."""
    holder: dict[str, QWidget] = {}

    def tick_and_browse(dialog: QWidget) -> None:
        assert isinstance(dialog, TakeOfflineDialog)
        holder["dialog"] = dialog
        dialog.setProperty("pbInTheWalksHands", True)  # (the walk goes on in it after the file dialog)
        seen["listed"] = names_in(dialog)
        seen["count_before"] = dialog.count_label.text()
        dialog.list.setFocus()
        for row in range(dialog.list.count()):
            if not dialog.list.item(row).text().startswith(LEFT_BEHIND):
                dialog.list.setCurrentRow(row)
                QTest.keyClick(dialog.list, Qt.Key.Key_Space)
        seen["count"] = dialog.count_label.text()
        QApplication.processEvents()
        save_screenshot(dialog, screenshots, "offline-1-take-people-offline")
        QTimer.singleShot(0, lambda: click(dialog, "Browse"))

    def type_laptop_file(file_dialog: QWidget) -> None:
        type_path_and_enter(file_dialog, laptop)
        QTimer.singleShot(50, lambda: click(holder["dialog"], "Take offline"))

    def taken(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        seen["taken"] = f"{box.text()} {box.informativeText()}"
        save_screenshot(box, screenshots, "offline-2-taken-offline")
        click(box, "Open it now")

    dialogs.expect(TakeOfflineDialog, "Take people offline", tick_and_browse)
    dialogs.expect_file("laptop caseload", laptop)
    dialogs._queue[-1].action = type_laptop_file  # (typed, then Take offline in the dialog under it)
    dialogs.expect(QMessageBox, "Took 5 people offline", taken)
    # The laptop caseload, opened: its recovery key kept, Nia's own account on it set up.
    dialogs.expect(QDialog, "recovery key", recovery_key_kept)
    dialogs.expect(QDialog, "Set up your account", set_up_account(seen["nia"], "Nia North", PASSWORD))
    menu_action(running.window, "File", "Take people offline").trigger()
    wait_for_dialogs(qtbot, dialogs, timeout=90_000)
    qtbot.waitUntil(lambda: app_module.CURRENT[-1] is not running, timeout=30_000)
    on_laptop = app_module.CURRENT[-1]
    assert on_laptop.db.path == laptop and not on_laptop.db.is_server
    on_laptop.window.resize(*running.window.size().toTuple())
    qtbot.waitUntil(on_laptop.window.isVisible)
    assert not running.window.isVisible()  # the team caseload's window gave way
    return on_laptop


def sync_from_menu(qtbot, dialogs: Dialogs, laptop: RunningApp, address: str, ca_file: str, after) -> None:
    dialogs.expect(QDialog, "Sync offline people", fill_team_dialog(address, ca_file))
    for expected in after:
        dialogs.expect(*expected)
    activate(laptop.window)
    menu_action(laptop.window, "File", "Sync offline people").trigger()
    wait_for_dialogs(qtbot, dialogs, timeout=120_000)


def assess_and_plan(qtbot, dialogs: Dialogs, window, screenshots) -> None:
    open_in_caseload(window, qtbot, GWEN)
    budget = window.workspace.pages.currentWidget()
    assert type(budget).__name__ == "BudgetPage"
    answer_every_area(budget, qtbot)
    dialogs.expect(QDialog, "Agree the budget", press("Agree budget"))
    click(budget, "Agree budget")
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.PLAN_SUPPORT)
    plan = window.workspace.pages.currentWidget()
    write_plan(plan, qtbot)
    dialogs.expect(QMessageBox, "Submit the plan for agreement", press("Submit"))
    click(plan, "Submit for agreement")
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.AGREE_PLAN)
    QApplication.processEvents()
    save_screenshot(window, screenshots, "offline-5-planned-on-the-laptop")


def approver_machine(office, home: Path, screenshot: Path) -> subprocess.Popen[str]:
    """The approver's machine: a process of its own (tests/acceptance/approver_machine.py)."""
    ann = office["names"]["ann"]
    env = {
        **os.environ,
        "PERSONALBUDGET_HOME": str(home),
        "PERSONALBUDGET_USER": ann,
        "PERSONALBUDGET_PASSWORD": PASSWORD,
        CA_FILE_ENV: str(office["db"].server.ca_file),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(home / "config"),
    }
    address = office["db"].url(user=ann, password="", sslmode=None)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.acceptance.approver_machine", address, GWEN, str(screenshot)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _admin(office, sql: str, *args: object):  # type: ignore[no-untyped-def]
    with office["db"].connect() as connection:
        return connection.execute(sql, args).fetchall()


def test_done_when_five_people_offline_server_gone_planned_synced_and_the_approver_sees_it(
    qtbot, monkeypatch, tmp_path, office, os_keyring, dialogs: Dialogs, screenshots
):
    names, server = office["names"], office["server"]
    address = office["db"].url(user=names["nia"], password="", sslmode=None)
    laptop_file = tmp_path / "visits" / "nia-visits.db"
    laptop_file.parent.mkdir()
    nia = team_window(monkeypatch, qtbot, office, "nia")
    seen: dict[str, object] = {"nia": names["nia"]}
    laptop = take_five_offline(qtbot, dialogs, nia, laptop_file, screenshots, seen)
    listed = seen["listed"]
    assert isinstance(listed, list) and len(listed) == 6 and any(n.startswith(GWEN) for n in listed), listed
    assert seen["count_before"] == "0 people ticked" and seen["count"] == "5 people ticked"
    taken = str(seen["taken"])
    assert "Took 5 people offline to nia-visits.db" in taken and "read-only" in taken
    assert str(laptop_file) in taken  # how to open it later
    holds = _admin(office, "SELECT count(*) FROM offline_hold WHERE released_at IS NULL")
    assert holds == [(5,)]
    window = laptop.window
    assert offline_actions(laptop).sync_action is not None and offline_actions(laptop).sync_action.isEnabled()
    assert sorted(
        n.split(" —")[0] for n in [window.caseload.table.model().index(r, 0).data() for r in range(5)]
    ) == sorted(n.split(" —")[0] for n in listed if not n.startswith(LEFT_BEHIND))

    # -- Ned, a colleague, sees Dafydd held by Nia, and cannot change him ---------------------------
    ned = team_window(monkeypatch, qtbot, office, "ned")
    try:
        open_in_caseload(ned.window, qtbot, DAFYDD)
        label = offline_actions(ned).hold_label
        assert label is not None
        qtbot.waitUntil(lambda: not label.isHidden())
        host = socket.gethostname()
        assert label.text().startswith(f"Held offline by Nia North on {host} since "), label.text()
        dialog = ned.window.edit_person(ned.window.workspace.person_id())
        assert isinstance(dialog, PersonDialog)
        dialog.setProperty("pbInTheWalksHands", True)  # (opened with open(): the walk types in it)
        type_into(dialog.locality_combo.lineEdit(), "Ned's Street")
        click(dialog, "Save changes")
        refusal = dialog.general_error
        qtbot.waitUntil(lambda: not refusal.isHidden())
        assert "held offline by Nia North" in refusal.text() and "Nothing was saved" in refusal.text()
        assert dialog.isVisible()  # the service's refusal in words, in the dialog; no traceback
        QApplication.processEvents()
        save_screenshot(dialog, screenshots, "offline-3b-refused-for-a-colleague")
        dialog.reject()
        save_screenshot(ned.window, screenshots, "offline-3-held-for-a-colleague")
    finally:
        ned.window.close()
        ned.shut_down()
        monkeypatch.setenv("PERSONALBUDGET_USER", names["nia"])  # (Nia signs in to sync, not Ned)
    assert _admin(office, "SELECT count(*) FROM person WHERE locality = %s", "Ned's Street") == [(0,)]

    # -- the network goes: Nia assesses and plans on the laptop ------------------------------------
    server.go_away()
    try:
        assess_and_plan(qtbot, dialogs, window, screenshots)
        said: list[str] = []

        def refused_in_words(box: QWidget) -> None:
            said.append(box.text())
            click(box, "OK")

        def cancel(dialog: QWidget) -> None:
            click(dialog, "Cancel")

        sync_from_menu(
            qtbot,
            dialogs,
            laptop,
            address,
            str(office["db"].server.ca_file),
            [
                (QMessageBox, "", refused_in_words),  # signing in: the server cannot be reached
                (QDialog, "Sign in", cancel),
                (QMessageBox, "Nothing was synced", refused_in_words),
            ],
        )
        assert "reach" in said[0], said
        assert "nothing was sent" in said[1] and "stays on this laptop" in said[1], said
        assert window.workspace.cycle().current_step == Step.AGREE_PLAN  # nothing lost
        assert offline_actions(laptop).sync_action.isEnabled()
    finally:
        server.come_back()

    # -- back in signal: the sync sends all five ---------------------------------------------------
    results: list[str] = []

    def synced(box: QWidget) -> None:
        results.append(f"{box.text()} {box.informativeText()}")
        save_screenshot(box, screenshots, "offline-6-synced")
        click(box, "OK")

    sync_from_menu(
        qtbot,
        dialogs,
        laptop,
        address,
        str(office["db"].server.ca_file),
        [(QMessageBox, "Synced 5 people", synced)],
    )
    assert results[0].startswith("Synced 5 people to the team caseload.") and GWEN in results[0], results
    qtbot.waitUntil(lambda: window.caseload.table.model().rowCount() == 0)  # the laptop's copy went
    assert not offline_actions(laptop).sync_action.isEnabled()
    assert _admin(office, "SELECT count(*) FROM offline_hold WHERE released_at IS NULL") == [(0,)]

    # -- the approver, on another machine, finds Gwen's submitted plan and approves it -------------
    shot = tmp_path / "approver.png"
    approver = approver_machine(office, tmp_path / "approver-home", shot)
    qtbot.waitUntil(lambda: approver.poll() is not None, timeout=120_000)
    output = approver.stdout.read() if approver.stdout else ""
    assert approver.returncode == 0, output
    (screenshots / "offline-7-approver-sees-the-plan.png").write_bytes(shot.read_bytes())
    assert _admin(
        office,
        "SELECT decided_by FROM plan_decision d JOIN support_plan p ON p.id = d.plan_id WHERE p.person_id = %s",
        office["gwen"],
    ) == [(names["ann"],)]


def test_a_change_on_the_server_meanwhile_is_settled_on_screen_field_by_field(
    qtbot, monkeypatch, tmp_path, office, os_keyring, dialogs: Dialogs, screenshots
):
    names = office["names"]
    address = office["db"].url(user=names["nia"], password="", sslmode=None)
    laptop_file = tmp_path / "nia-visits.db"
    nia = team_window(monkeypatch, qtbot, office, "nia")
    laptop = take_five_offline(qtbot, dialogs, nia, laptop_file, screenshots, {"nia": names["nia"]})
    window = laptop.window
    gwen = office["gwen"]
    # On the laptop: Gwen's details changed (her locality and her name's spelling).
    open_in_caseload(window, qtbot, GWEN)
    dialog = window.edit_person(gwen)
    assert isinstance(dialog, PersonDialog)
    dialog.setProperty("pbInTheWalksHands", True)
    type_into(dialog.locality_combo.lineEdit(), "Laptop Lane")
    type_into(dialog.name_edit, "Gwen Pryce")
    click(dialog, "Save changes")
    qtbot.waitUntil(lambda: not dialog.isVisible())
    # Meanwhile on the server: the DBA's import changes her locality too (the hold does not stop it).
    with office["db"].connect() as connection:
        connection.execute(
            "UPDATE person SET locality = 'Server Street', row_version = row_version + 1 WHERE id = %s",
            (gwen,),
        )
    seen: dict[str, object] = {}

    def settle(conflicts: QWidget) -> None:
        assert isinstance(conflicts, SyncConflictDialog)
        seen["title"] = conflicts.windowTitle()
        seen["rows"] = conflicts.rows()
        conflicts.table.setFocus()
        QApplication.processEvents()
        save_screenshot(conflicts, screenshots, "offline-4-sync-conflicts")
        # The locality: the server's; the name: mine (each row's Keep list, by keyboard).
        for row, shown in enumerate(conflicts.rows()):
            chooser = conflicts.table.cellWidget(row, 5)
            chooser.setFocus()
            wanted = "The server's" if shown[1] == "Locality" else "Mine"
            key = Qt.Key.Key_Up if wanted == "The server's" else Qt.Key.Key_Down  # (the server's is first)
            for _press in range(3):
                if chooser.currentText() == wanted:
                    break
                QTest.keyClick(chooser, key)
        seen["chosen"] = conflicts.rows()
        click(conflicts, "Save my choices and sync")

    results: list[str] = []
    sync_from_menu(
        qtbot,
        dialogs,
        laptop,
        address,
        str(office["db"].server.ca_file),
        [
            (SyncConflictDialog, "Settle the differences for Gwen Pryce", settle),
            (QMessageBox, "Synced 5 people", lambda box: (results.append(box.text()), click(box, "OK"))),
        ],
    )
    rows = seen["rows"]
    assert isinstance(rows, list)
    locality = next(r for r in rows if r[1] == "Locality")
    name = next(r for r in rows if r[1] == "Name")
    assert name[2:] == ("Gwen Price", "Gwen Price", "Gwen Pryce", "Mine"), rows  # only the laptop changed it
    assert locality[5] == "The server's", rows  # both did: the server's is offered first
    assert locality[2:5] == ("Millbrook", "Server Street", "Laptop Lane") or (
        locality[3:5] == ("Server Street", "Laptop Lane")
    ), rows
    assert [r[5] for r in seen["chosen"]] and all(
        r[5] == ("The server's" if r[1] == "Locality" else "Mine") for r in seen["chosen"]
    )
    assert results and results[0].startswith("Synced 5 people"), results
    assert _admin(office, "SELECT name, locality FROM person WHERE id = %s", gwen) == [
        ("Gwen Pryce", "Server Street")
    ]


def test_a_manager_revokes_a_lost_laptops_holds_with_a_confirmation(
    qtbot, monkeypatch, tmp_path, office, keys, dialogs: Dialogs, screenshots
):
    names = office["names"]
    as_nia = open_server_database(office["db"].url(user=names["nia"], password=PASSWORD))
    try:
        offline_service.take_offline(
            as_nia, tmp_path / "lost.db", keys, [office["gwen"]], laptop_name="nia-laptop"
        )
    finally:
        as_nia.close()
    manager = team_window(monkeypatch, qtbot, office, "manager")
    seen: dict[str, object] = {}
    try:
        menu_action(manager.window, "File", "Offline holds").trigger()
        holds = manager.window.findChild(OfflineHoldsDialog)
        assert isinstance(holds, OfflineHoldsDialog) and holds.isVisible()
        holds.setProperty("pbInTheWalksHands", True)  # (opened with open(): the walk works in it)
        seen["before"] = holds.rows()
        holds.table.setFocus()
        QApplication.processEvents()
        save_screenshot(holds, screenshots, "offline-8-holds")

        def confirm(box: QWidget) -> None:
            seen["asked"] = f"{box.text()} {box.informativeText()}"
            save_screenshot(box, screenshots, "offline-9-revoke-confirmation")
            click(box, "Revoke the holds")

        dialogs.expect(QMessageBox, "Revoke the holds of nia-laptop", confirm)
        dialogs.expect(QMessageBox, "Revoked 1 hold of nia-laptop", press("OK"))
        QTimer.singleShot(0, lambda: click(holds, "Revoke this laptop"))
        wait_for_dialogs(qtbot, dialogs)
        seen["after"] = holds.rows()
        holds.close()
    finally:
        manager.window.close()
        manager.shut_down()
    before = seen["before"]
    assert isinstance(before, list) and len(before) == 1
    # (the manager does not reach Gwen's records: the person's number, never her name)
    assert (
        before[0][:3] == (f"Person {office['gwen']}", "Nia North", "nia-laptop") and before[0][4] == "Held"
    ), before
    assert "1 person held on nia-laptop by Nia North" in str(seen["asked"])
    assert seen["after"] and seen["after"][0][4] == "Revoked: not yet synced"
    assert _admin(office, "SELECT count(*) FROM offline_hold WHERE revoked_at IS NOT NULL") == [(1,)]


def test_cancelling_a_take_offline_leaves_the_server_and_the_laptop_unchanged(
    qtbot, monkeypatch, tmp_path, office, os_keyring, dialogs: Dialogs, screenshots
):
    """Cancel in the progress dialog, pressed while the server is still busy with the first hold (the
    DBA's lock keeps it waiting, so the press comes mid-way every time): no hold, no laptop file."""
    laptop_file = tmp_path / "cancelled.db"
    nia = team_window(monkeypatch, qtbot, office, "nia")
    lock = office["db"].connect()
    lock.autocommit = False
    lock.execute("LOCK TABLE offline_hold IN SHARE ROW EXCLUSIVE MODE")  # (reads go on; the hold waits)
    said: list[str] = []
    try:
        window = nia.window
        before = _admin(office, "SELECT count(*) FROM audit_event")

        def tick_all(dialog: QWidget) -> None:
            assert isinstance(dialog, TakeOfflineDialog)
            click(dialog, "Tick all")
            type_into(dialog.path_edit, str(laptop_file))
            click(dialog, "Take offline")

        def cancel_mid_way(progress: QWidget) -> None:
            QApplication.processEvents()
            save_screenshot(progress, screenshots, "offline-0-taking-offline-progress")
            click(progress, "Cancel")
            lock.rollback()  # the server carries on: the take finds the cancel at its next step

        def cancelled(box: QWidget) -> None:
            said.append(box.text())
            click(box, "OK")

        from PySide6.QtWidgets import QProgressDialog

        dialogs.expect(TakeOfflineDialog, "Take people offline", tick_all)
        dialogs.expect(QProgressDialog, "Taking people offline", cancel_mid_way)
        dialogs.expect(QMessageBox, "cancelled", cancelled)
        menu_action(window, "File", "Take people offline").trigger()
        wait_for_dialogs(qtbot, dialogs, timeout=60_000)
        task = offline_actions(nia).last_task
        assert task is not None
        qtbot.waitUntil(lambda: not task.is_running(), timeout=30_000)
    finally:
        lock.rollback()
        lock.close()
        nia.window.close()
        nia.shut_down()
    assert said and "nobody was taken offline" in said[0] and "nothing changed" in said[0], said
    assert _admin(office, "SELECT count(*) FROM offline_hold") == [(0,)]
    assert _admin(office, "SELECT count(*) FROM audit_event") == before
    assert not laptop_file.exists()


def test_cancelling_a_sync_keeps_who_was_sent_sent_and_the_rest_on_the_laptop(
    qtbot, monkeypatch, tmp_path, office, os_keyring, dialogs: Dialogs, screenshots
):
    """Cancel in the sync's progress, pressed while the server is busy with the first person (the
    DBA's lock keeps its receipt waiting): that person is sent, whole; the other four stay held on
    the laptop with nothing of theirs sent, and the window says so."""
    from PySide6.QtWidgets import QProgressDialog

    names = office["names"]
    address = office["db"].url(user=names["nia"], password="", sslmode=None)
    nia = team_window(monkeypatch, qtbot, office, "nia")
    laptop = take_five_offline(
        qtbot, dialogs, nia, tmp_path / "nia-visits.db", screenshots, {"nia": names["nia"]}
    )
    lock = office["db"].connect()
    lock.autocommit = False
    lock.execute("LOCK TABLE offline_sync IN SHARE ROW EXCLUSIVE MODE")  # (the first receipt waits)
    said: list[str] = []

    def cancel_mid_way(progress: QWidget) -> None:
        click(progress, "Cancel")
        lock.rollback()  # the first person's transaction goes on; the sync stops before the next

    def stopped(box: QWidget) -> None:
        said.append(f"{box.text()} {box.informativeText()}")
        click(box, "OK")

    try:
        sync_from_menu(
            qtbot,
            dialogs,
            laptop,
            address,
            str(office["db"].server.ca_file),
            [
                (QProgressDialog, "Syncing offline people", cancel_mid_way),
                (QMessageBox, "Synced 1 person", stopped),
            ],
        )
    finally:
        lock.rollback()
        lock.close()
    assert said and "Cancelled" in said[0] and "stay on this laptop" in said[0], said
    qtbot.waitUntil(lambda: laptop.window.caseload.table.model().rowCount() == 4)
    assert offline_actions(laptop).sync_action.isEnabled()  # four still to sync
    assert _admin(office, "SELECT count(*) FROM offline_hold WHERE released_at IS NULL") == [(4,)]
    assert _admin(office, "SELECT count(*) FROM offline_sync") == [(1,)]


# -- on reconnect, asked -----------------------------------------------------------------------------

QUESTION = "The team caseload is reachable again. Sync the 5 people taken offline now?"


def check_the_server_every_second() -> None:
    """The laptop's window tries the server every second (the app's own setting, 45 s unless set)."""
    settings = app_module.window_settings()
    settings.setValue(INTERVAL_KEY, 1)
    settings.sync()


def answer_the_bar(window: QWidget, actions: OfflineActions, answer: str) -> None:
    """Sync now or Not now, by the keyboard (the bar's button given the focus, then Space)."""
    bar = actions.reconnect_bar
    assert bar is not None and bar.isVisible()
    target = button(bar, answer)
    activate(window)
    target.setFocus(Qt.FocusReason.TabFocusReason)
    QTest.keyClick(target, Qt.Key.Key_Space)


def screenshots_of_the_laptop(window: QWidget, screenshots: Path, name: str) -> None:
    """The laptop's window at 1366x768 and at 1920x1080 (its status bar's words whole in both)."""
    size = window.size()
    for width, height in ((1366, 768), (1920, 1080)):
        window.resize(width, height)
        QApplication.processEvents()
        save_screenshot(window, screenshots, f"{name}-{width}x{height}")
    window.resize(size)
    QApplication.processEvents()


def test_on_reconnect_the_window_asks_and_sync_now_sends_them_and_the_approver_sees_the_plan(
    qtbot, monkeypatch, tmp_path, office, os_keyring, dialogs: Dialogs, screenshots
):
    names, server = office["names"], office["server"]
    address = office["db"].url(user=names["nia"], password="", sslmode=None)
    check_the_server_every_second()
    nia = team_window(monkeypatch, qtbot, office, "nia")
    laptop = take_five_offline(
        qtbot, dialogs, nia, tmp_path / "nia-visits.db", screenshots, {"nia": names["nia"]}
    )
    window, actions = laptop.window, offline_actions(laptop)
    # Opened with the server in reach: asked at once (the server's state was not known before).
    qtbot.waitUntil(lambda: actions.question() != "", timeout=20_000)
    assert actions.question() == QUESTION
    label = window.findChild(QLabel, "laptopCaseloadLabel")
    assert isinstance(label, QLabel)
    assert "Sync offline people" in label.toolTip()
    screenshots_of_the_laptop(window, screenshots, "offline-10-asked-at-open")
    answer_the_bar(window, actions, "Not now")
    assert actions.question() == ""

    server.go_away()
    try:
        watcher = actions.reconnect_watcher
        assert watcher is not None
        qtbot.waitUntil(lambda: watcher.reachable is False, timeout=30_000)
        assess_and_plan(qtbot, dialogs, window, screenshots)
        assert actions.question() == ""  # (nothing asked while the server is away)
    finally:
        server.come_back()

    # -- the server comes back: asked, in the window; Sync now sends all five ----------------------
    qtbot.waitUntil(lambda: actions.question() != "", timeout=30_000)
    assert actions.question() == QUESTION
    screenshots_of_the_laptop(window, screenshots, "offline-11-asked-on-reconnect")
    results: list[str] = []

    def synced(box: QWidget) -> None:
        results.append(f"{box.text()} {box.informativeText()}")
        click(box, "OK")

    dialogs.expect(
        QDialog, "Sync offline people", fill_team_dialog(address, str(office["db"].server.ca_file))
    )
    dialogs.expect(QMessageBox, "Synced 5 people", synced)
    QTimer.singleShot(0, lambda: answer_the_bar(window, actions, "Sync now"))
    wait_for_dialogs(qtbot, dialogs, timeout=120_000)
    assert results and results[0].startswith("Synced 5 people to the team caseload.") and GWEN in results[0]
    assert actions.question() == ""
    qtbot.waitUntil(lambda: window.caseload.table.model().rowCount() == 0)
    assert _admin(office, "SELECT count(*) FROM offline_hold WHERE released_at IS NULL") == [(0,)]
    assert not watcher.watching()  # (everyone synced back: the server is no longer tried)
    QApplication.processEvents()
    screenshots_of_the_laptop(window, screenshots, "offline-12-synced-from-the-question")

    # -- the approver, on another machine, finds Gwen's submitted plan and approves it -------------
    shot = tmp_path / "approver.png"
    approver = approver_machine(office, tmp_path / "approver-home", shot)
    qtbot.waitUntil(lambda: approver.poll() is not None, timeout=120_000)
    output = approver.stdout.read() if approver.stdout else ""
    assert approver.returncode == 0, output
    assert _admin(
        office,
        "SELECT decided_by FROM plan_decision d JOIN support_plan p ON p.id = d.plan_id WHERE p.person_id = %s",
        office["gwen"],
    ) == [(names["ann"],)]


def test_not_now_waits_for_the_next_reconnect_and_the_question_never_comes_over_a_dialog(
    qtbot, monkeypatch, tmp_path, office, os_keyring, dialogs: Dialogs, screenshots
):
    names, server = office["names"], office["server"]
    check_the_server_every_second()
    nia = team_window(monkeypatch, qtbot, office, "nia")
    laptop = take_five_offline(
        qtbot, dialogs, nia, tmp_path / "nia-visits.db", screenshots, {"nia": names["nia"]}
    )
    window, actions = laptop.window, offline_actions(laptop)
    watcher = actions.reconnect_watcher
    assert watcher is not None
    qtbot.waitUntil(lambda: actions.question() == QUESTION, timeout=20_000)
    answer_the_bar(window, actions, "Not now")
    assert actions.question() == "" and window.isActiveWindow()
    qtbot.wait(3_500)  # three more tries, each finding the server: not asked again
    assert actions.question() == ""

    # The server goes, and comes back while the sync's address dialog waits for an answer.
    server.go_away()
    seen: dict[str, str] = {}
    came_back: list[bool] = []
    try:
        qtbot.waitUntil(lambda: watcher.reachable is False, timeout=30_000)

        def back_while_open(dialog: QWidget) -> None:
            server.come_back()
            came_back.append(True)
            qtbot.waitUntil(lambda: watcher.reachable is True, timeout=30_000)
            qtbot.wait(1_500)
            seen["while open"] = actions.question()
            click(dialog, "Cancel")

        dialogs.expect(QDialog, "Sync offline people", back_while_open)
        activate(window)
        menu_action(window, "File", "Sync offline people").trigger()
        wait_for_dialogs(qtbot, dialogs, timeout=90_000)
    finally:
        if not came_back:
            server.come_back()
    assert seen["while open"] == ""  # held back while the dialog was open...
    qtbot.waitUntil(lambda: actions.question() == QUESTION, timeout=10_000)  # ...asked once it closed
    answer_the_bar(window, actions, "Not now")
    assert actions.question() == ""
    # Not now sent nothing: all five still on the laptop, still held on the server.
    assert window.caseload.table.model().rowCount() == 5
    assert _admin(office, "SELECT count(*) FROM offline_hold WHERE released_at IS NULL") == [(5,)]
