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
