"""The composition root: opening the database, errors, and the benchmark hook."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

from ui import app as app_module
from ui.app import EXIT_DATABASE_ERROR, create_main_window, run
from ui.main_window import MainWindow


def test_a_file_that_is_not_a_database_is_refused_politely(qapp, tmp_path, message_boxes):
    path = tmp_path / "notes.db"
    path.write_text("these are my shopping notes, not a database")
    assert run(path) == EXIT_DATABASE_ERROR
    ((kind, title, text),) = message_boxes.calls
    assert kind == "critical"
    assert title == "Cannot open the database"
    assert "not a PersonalBudget database" in text
    assert path.read_text().startswith("these are my shopping notes")  # never changed


def test_a_folder_is_refused(qapp, tmp_path, message_boxes):
    assert run(tmp_path) == EXIT_DATABASE_ERROR
    assert "folder" in message_boxes.texts("critical")[0]


def test_run_opens_the_window_without_the_demo_question(qapp, tmp_path, monkeypatch, message_boxes):
    monkeypatch.setenv(app_module.NO_DEMO_PROMPT_ENV, "1")
    seen = []

    def close_soon():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        seen.extend(windows)
        for window in windows:
            window.close()
        QCoreApplication.quit()

    QTimer.singleShot(100, close_soon)
    assert run(tmp_path / "fresh.db") == 0
    assert len(seen) == 1
    assert message_boxes.calls == []  # no demo question
    assert QCoreApplication.applicationName() == "PersonalBudget"
    assert QCoreApplication.organizationName() == "PersonalBudget"
    assert (tmp_path / "fresh.db").exists()


def test_run_offers_the_demo_for_an_empty_caseload(qapp, tmp_path, monkeypatch, message_boxes):
    monkeypatch.delenv(app_module.NO_DEMO_PROMPT_ENV, raising=False)

    def close_soon():
        for window in QApplication.topLevelWidgets():
            if isinstance(window, MainWindow):
                window.close()
        QCoreApplication.quit()

    QTimer.singleShot(150, close_soon)
    assert run(tmp_path / "empty.db") == 0
    assert [kind for kind, *_ in message_boxes.calls] == ["question"]  # answered No


def test_create_main_window_for_benchmarks(qtbot, services, signals):
    window = create_main_window(services, signals)
    qtbot.addWidget(window)
    assert isinstance(window, MainWindow)


@pytest.mark.parametrize("problem", [KeyError("no user"), OSError("no login")])
def test_current_user_falls_back(monkeypatch, problem):
    def fail():
        raise problem

    monkeypatch.setattr(app_module.getpass, "getuser", fail)
    assert app_module.current_user() == "unknown"


def _close_windows_soon(delay: int = 100) -> None:
    def close():
        for window in QApplication.topLevelWidgets():
            if isinstance(window, MainWindow):
                window.close()
        QCoreApplication.quit()

    QTimer.singleShot(delay, close)


def test_a_new_caseload_is_encrypted_and_its_recovery_key_shown_once(
    qapp, tmp_path, monkeypatch, recovery_keys_shown
):
    monkeypatch.setenv(app_module.NO_DEMO_PROMPT_ENV, "1")
    path = tmp_path / "new.db"
    _close_windows_soon()
    assert run(path) == 0
    assert len(recovery_keys_shown) == 1 and len(recovery_keys_shown[0]) == 69  # 56 characters, 13 dashes
    assert not path.read_bytes().startswith(b"SQLite format 3")
    _close_windows_soon()
    assert run(path) == 0
    assert len(recovery_keys_shown) == 1  # not again


def test_a_plain_caseload_is_offered_encryption(
    qapp, tmp_path, monkeypatch, message_boxes, recovery_keys_shown
):
    from personalbudget.storage.database import open_database

    monkeypatch.setenv(app_module.NO_DEMO_PROMPT_ENV, "1")
    path = tmp_path / "plain.db"
    open_database(path).close()
    message_boxes.answer = app_module.QMessageBox.StandardButton.Yes
    _close_windows_soon()
    assert run(path) == 0
    assert "not encrypted" in message_boxes.texts("question")[0]
    assert len(recovery_keys_shown) == 1
    assert not path.read_bytes().startswith(b"SQLite format 3")


def test_a_wrong_passphrase_can_be_tried_again_and_never_deletes(qapp, tmp_path, monkeypatch, message_boxes):
    from personalbudget.storage.database import open_database
    from personalbudget.storage.keys import DatabaseKeys, MemorySecretStore

    monkeypatch.setenv(app_module.NO_DEMO_PROMPT_ENV, "1")
    path = tmp_path / "locked.db"
    headless = MemorySecretStore(available=False)
    open_database(path, DatabaseKeys(headless, lambda _c: "the right passphrase")).close()
    before = path.read_bytes()
    answers = iter(["wrong one!!", "the right passphrase"])
    _close_windows_soon(150)
    assert run(path, DatabaseKeys(headless, lambda _c: next(answers))) == 0
    assert "passphrase does not open" in message_boxes.texts("warning")[0]
    answers = iter(["nope nope nope"] * 3)
    assert run(path, DatabaseKeys(headless, lambda _c: next(answers))) == EXIT_DATABASE_ERROR
    assert "passphrase does not open" in message_boxes.texts("critical")[-1]
    assert path.exists() and path.read_bytes()[:100] == before[:100]


@pytest.mark.slow  # two processes of the real program, and the backup's
def test_quitting_the_program_is_quick_and_loses_nothing(tmp_path):
    """``main.py`` ends its process as soon as the caseload is closed (``run_then_end_process``),
    without Python and Qt freeing every object first. Nothing may be lost by that: the window's
    settings are on disk, the caseload is closed cleanly (it opens again without the crash check),
    and the backup on closing is made and checked by its own process."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    from personalbudget.clock import SystemClock
    from personalbudget.domain.roles import Role
    from personalbudget.services import build_services
    from personalbudget.services.context import ActingDatabase
    from personalbudget.services.user_service import UserService
    from personalbudget.storage.backup import backup_owed
    from personalbudget.storage.database import open_database
    from personalbudget.storage.keys import DatabaseKeys, MemorySecretStore
    from tests.core.helpers import person_form

    passphrase = "a passphrase for this test only"
    keys = DatabaseKeys(MemorySecretStore(available=False), lambda _creating: passphrase)
    path = tmp_path / "caseload.db"
    db = open_database(path, keys)
    db.acknowledge_recovery_key()
    UserService(ActingDatabase(db, "setup"), SystemClock()).create_user(
        "pat", "Pat Worker", "a long enough password", Role.PRACTITIONER
    )
    build_services(db, SystemClock(), "pat").people.add_person(person_form(name="Gwen Price"))
    db.close()

    root = Path(__file__).resolve().parents[2]
    home = tmp_path / "home"
    env = os.environ | {
        "QT_QPA_PLATFORM": "offscreen",
        "PERSONALBUDGET_HOME": str(home),
        "PERSONALBUDGET_PASSPHRASE": passphrase,
        "PERSONALBUDGET_USER": "pat",
        "PERSONALBUDGET_PASSWORD": "a long enough password",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # a machine with no keyring
    }
    # The benchmark's probe runs main.py's main() as the program does and closes the window once shown.
    probe = [sys.executable, str(root / "benchmarks" / "startup_probe.py"), "app", str(path)]
    done = subprocess.run(probe, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == "shown"

    settings = (home / "window-settings.ini").read_text()
    assert "geometry" in settings.lower()  # written by the window as it closed
    deadline = time.monotonic() + 60
    backups = tmp_path / "backups"
    while (backup_owed(path) or not any(backups.glob("*.db"))) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert any(backups.glob("*.db")), "the backup on closing was not made"
    assert not (tmp_path / "caseload.db.backup-owed").exists() or not backup_owed(path)
    again = open_database(path, keys)  # not locked, not left half-closed
    try:
        assert not again.closed_uncleanly  # the lock was released as on any clean Quit
        names = [row.name for row in build_services(again, SystemClock(), "pat").people.list_caseload()]
        assert names == ["Gwen Price"]
    finally:
        again.close()
