"""Two people editing the same person at once (issue 21), through the real windows.

Two composition roots (``ui.app.start_app``, as two windows of the app) open one caseload file,
signed in as Pat and as Sam (one team, so both see the person). Both open the person's details;
Sam saves first. Pat's save is refused with a dialog listing what Sam changed (the value both
started from, Sam's and Pat's); Pat's typing stays on the form until Pat chooses. Each way of
resolving it ends up in the audit trail, and Pat's window shows Sam's change in the caseload list.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QApplication

from personalbudget.clock import SystemClock
from personalbudget.domain.roles import Role
from personalbudget.services import build_services
from personalbudget.services.context import ActingDatabase
from personalbudget.services.user_service import UserService
from personalbudget.storage.database import open_database
from personalbudget.storage.keys import DatabaseKeys, KeyringSecretStore
from tests.acceptance.driver import click
from tests.acceptance.test_roles import PASSWORD, close, sign_in_and_open
from tests.acceptance.test_walk import caseload_names, type_into, wait_for_dialogs
from tests.core.helpers import person_form
from ui.dialogs.edit_conflict_dialog import EditConflictDialog
from ui.dialogs.person_dialog import PersonDialog
from ui.models.caseload_table_model import Column


@pytest.fixture
def caseload(tmp_path, os_keyring) -> dict[str, object]:
    """Gwen Price, Pat's; Pat and Sam in one team that sees each other's people."""
    path = tmp_path / "caseload.db"
    db = open_database(path, DatabaseKeys(KeyringSecretStore(), lambda _creating: None))
    db.acknowledge_recovery_key()
    try:
        clock = SystemClock()
        users = UserService(ActingDatabase(db, "setup"), clock)
        pat_user = users.create_user("pat", "Pat Worker", PASSWORD, Role.PRACTITIONER, team="north")
        users.create_user("sam", "Sam Jones", PASSWORD, Role.PRACTITIONER, by=pat_user, team="north")
        pat = build_services(db, clock, "pat")
        pat.access.set_team_visibility(True)
        gwen = pat.people.add_person(person_form(name="Gwen Price", locality="Millbrook")).id
    finally:
        db.close()
    return {"path": path, "gwen": gwen}


def _resolutions(running) -> list[dict]:
    with running.db.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT actor, summary FROM audit_event WHERE action = 'resolve' ORDER BY id"
        ).fetchall()
    return [{"actor": actor, **json.loads(summary)} for actor, summary in rows]


def _locality_shown(window) -> str:
    model = window.caseload.table.model()
    return str(model.index(0, Column.LOCALITY).data())


def _both_open(qtbot, monkeypatch, caseload):
    pat = sign_in_and_open(qtbot, monkeypatch, caseload["path"], "pat")
    sam = sign_in_and_open(qtbot, monkeypatch, caseload["path"], "sam")
    assert caseload_names(pat.window) == ["Gwen Price"] == caseload_names(sam.window)
    return pat, sam


def _edit(running, gwen: int) -> PersonDialog:
    """Edit person, as the window's Edit button does; the test types in the form itself."""
    dialog = running.window.edit_person(gwen)
    assert isinstance(dialog, PersonDialog)
    dialog.setProperty("pbInTheWalksHands", True)  # (opened with open(): the driver leaves it to us)
    return dialog


def _sam_saves(sam, gwen: int, qtbot, **typed: str) -> None:
    dialog = _edit(sam, gwen)
    if "locality" in typed:
        type_into(dialog.locality_combo.lineEdit(), typed["locality"])
    if "name" in typed:
        type_into(dialog.name_edit, typed["name"])
    click(dialog, "Save changes")
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_the_second_save_shows_who_changed_what_and_use_mine_is_recorded(
    qtbot, monkeypatch, caseload, dialogs
):
    gwen = caseload["gwen"]
    pat, sam = _both_open(qtbot, monkeypatch, caseload)
    try:
        mine = _edit(pat, gwen)  # Pat opens Gwen's details first...
        type_into(mine.locality_combo.lineEdit(), "Westbrook")  # Pat is typing...
        _sam_saves(sam, gwen, qtbot, locality="Eastbrook")  # ...and Sam saves before Pat does
        # Pat's window finds out by itself (its poll), behind the form Pat is typing in.
        assert pat.watcher is not None and pat.watcher.poll_now()
        cue = pat.window.caseload.change_cue
        qtbot.waitUntil(lambda: cue.cue_text() != "", timeout=15_000)
        assert cue.cue_text() == "Updated just now — 1 change by others"
        assert _locality_shown(pat.window) == "Eastbrook"
        assert mine.isVisible() and mine.locality_combo.currentText() == "Westbrook"

        seen: dict[str, object] = {}

        def use_mine(dialog) -> None:
            seen["rows"] = dialog.rows()
            seen["summary"] = dialog.summary.text()
            seen["typed"] = mine.locality_combo.currentText()  # still on Pat's form behind it
            click(dialog, "Use mine")

        dialogs.expect(EditConflictDialog, "Someone else changed this record", use_mine)
        click(mine, "Save changes")
        wait_for_dialogs(qtbot, dialogs)
        assert seen["rows"] == [("Locality", "Millbrook", "Eastbrook", "Westbrook")]
        assert "Sam Jones" in str(seen["summary"]) and seen["typed"] == "Westbrook"
        qtbot.waitUntil(lambda: not mine.isVisible())
        assert pat.services.people.get_person(gwen).locality == "Westbrook"
        assert [(r["actor"], r["outcome"], r["fields"]) for r in _resolutions(pat)] == [
            ("pat", "saved_mine", ["locality"])
        ]
    finally:
        close(sam)
        close(pat)
    assert QApplication.instance().activeModalWidget() is None


def test_keep_theirs_reloads_their_version_and_is_recorded(qtbot, monkeypatch, caseload, dialogs):
    gwen = caseload["gwen"]
    pat, sam = _both_open(qtbot, monkeypatch, caseload)
    try:
        mine = _edit(pat, gwen)
        _sam_saves(sam, gwen, qtbot, locality="Eastbrook")
        type_into(mine.locality_combo.lineEdit(), "Westbrook")
        dialogs.expect(
            EditConflictDialog, "Someone else changed this record", lambda d: click(d, "Keep theirs")
        )
        click(mine, "Save changes")
        wait_for_dialogs(qtbot, dialogs)
        assert mine.isVisible() and mine.locality_combo.currentText() == "Eastbrook"  # their version shown
        assert "not saved" in mine.general_error.text()
        assert pat.services.people.get_person(gwen).locality == "Eastbrook"
        assert [(r["actor"], r["outcome"]) for r in _resolutions(pat)] == [("pat", "kept_theirs")]
        # Saving from their version now goes through.
        type_into(mine.locality_combo.lineEdit(), "Northbrook")
        click(mine, "Save changes")
        qtbot.waitUntil(lambda: not mine.isVisible())
        assert pat.services.people.get_person(gwen).locality == "Northbrook"
    finally:
        close(sam)
        close(pat)


def test_field_by_field_keeps_their_name_and_my_locality(qtbot, monkeypatch, caseload, dialogs):
    gwen = caseload["gwen"]
    pat, sam = _both_open(qtbot, monkeypatch, caseload)
    try:
        mine = _edit(pat, gwen)
        _sam_saves(sam, gwen, qtbot, locality="Eastbrook", name="Gwen Pryce")
        type_into(mine.locality_combo.lineEdit(), "Westbrook")
        type_into(mine.name_edit, "Gwen Price-Jones")

        def by_field(dialog) -> None:
            assert [row[0] for row in dialog.rows()] == ["Name", "Locality"]
            dialog.choose_field("name", "theirs")
            dialog.choose_field("locality", "mine")
            click(dialog, "Save my choices")

        dialogs.expect(EditConflictDialog, "Someone else changed this record", by_field)
        click(mine, "Save changes")
        wait_for_dialogs(qtbot, dialogs)
        qtbot.waitUntil(lambda: not mine.isVisible())
        saved = pat.services.people.get_person(gwen)
        assert (saved.name, saved.locality) == ("Gwen Pryce", "Westbrook")
        assert [(r["outcome"], r["fields"]) for r in _resolutions(pat)] == [("merged", ["locality"])]
    finally:
        close(sam)
        close(pat)
