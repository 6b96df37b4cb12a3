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
