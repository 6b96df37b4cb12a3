"""The main window: opening people, menus, the status bar, settings and the demo caseload."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt, qVersion
from PySide6.QtWidgets import QMessageBox

import personalbudget
from personalbudget.domain.lifecycle import Step
from ui import main_window
from ui.dialogs.person_dialog import PersonDialog
from ui.main_window import MainWindow

from .conftest import add_person, walk_to


def test_starts_with_the_caseload_and_an_empty_workspace(window, services):
    add_person(services, "Ann Smith")
    window.caseload.refresh()
    assert window.caseload.shown_count() == 1
    assert not window.workspace.is_showing_person()
    assert not window.edit_person_action.isEnabled()
    assert window.database_label.text() == "Database: caseload.db"
    assert "caseload.db" in window.windowTitle()


def test_choosing_a_row_opens_the_person(qtbot, window, services):
    ann = add_person(services, "Ann Smith")
    bob = add_person(services, "Bob Jones")
    window.caseload.refresh()
    window.caseload.select_person(bob.id)
    assert window.workspace.person_id() == bob.id
    assert window.workspace.name_label.text() == "Bob Jones"
    assert window.edit_person_action.isEnabled()
    window.caseload.select_person(ann.id)
    assert window.workspace.name_label.text() == "Ann Smith"


def test_enter_opens_the_person_and_moves_into_the_workspace(qtbot, window, services):
    add_person(services, "Ann Smith")
    bob = add_person(services, "Bob Jones")
    walk_to(services, bob.id, Step.AGREE_PLAN)
    window.show()
    window.activateWindow()
    window.caseload.refresh()
    table = window.caseload.table
    table.setFocus()
    table.selectionModel().blockSignals(True)  # put the cursor on Bob without opening him
    table.setCurrentIndex(window.caseload.proxy.index(1, 0))
    table.selectionModel().blockSignals(False)
    assert not window.workspace.is_showing_person()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert window.workspace.person_id() == bob.id
    assert window.workspace.shown_step() == Step.AGREE_PLAN
    assert window.focusWidget() is window.workspace.stepper.button(Step.AGREE_PLAN)


def test_new_person_from_the_menu(qtbot, window, services):
    window.show()
    window.new_person_action.trigger()
    dialog = window.findChild(PersonDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.name_edit.setText("Cara Lewis")
    dialog.dob_field.edit.setText("12/03/1961")
    dialog.locality_combo.setEditText("Eastfield")
    dialog.reason_combo.setCurrentIndex(0)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert window.caseload.shown_count() == 1
    assert window.workspace.name_label.text() == "Cara Lewis"
    assert window.caseload.current_person_id() == window.workspace.person_id()
    assert window.statusBar().currentMessage() == "Saved Cara Lewis"


def test_new_person_is_shown_even_when_filters_would_hide_them(qtbot, window, services):
    add_person(services, "Ann Smith")
    window.caseload.refresh()
    window.caseload.search_edit.setText("ann")
    window.new_person_action.trigger()
    dialog = window.findChild(PersonDialog)
    dialog.name_edit.setText("Zed Young")
    dialog.dob_field.edit.setText("12/03/1961")
    dialog.locality_combo.setEditText("Eastfield")
    dialog.reason_combo.setCurrentIndex(0)
    assert dialog.save()
    assert window.caseload.search_edit.text() == ""
    assert window.caseload.current_person_id() == window.workspace.person_id()
    assert window.workspace.name_label.text() == "Zed Young"


def test_edit_person_updates_list_and_header(qtbot, window, services):
    ann = add_person(services, "Ann Smith")
    window.caseload.refresh()
    window.caseload.select_person(ann.id)
    window.edit_person_action.trigger()
    dialog = window.findChild(PersonDialog)
    dialog.name_edit.setText("Ann Smith-Jones")
    assert dialog.save()
    assert window.workspace.name_label.text() == "Ann Smith-Jones"
    assert window.caseload.proxy.index(0, 0).data() == "Ann Smith-Jones"
    assert window.statusBar().currentMessage() == "Saved Ann Smith-Jones"


def test_moving_a_step_updates_the_caseload_row(window, services):
    ann = add_person(services, "Ann Smith")
    walk_to(services, ann.id, Step.LIVE_LIFE)
    window.caseload.refresh()
    window.caseload.select_person(ann.id)
    assert window.workspace.advance()
    assert window.caseload.proxy.index(0, 5).data() == "7 Review and learn"
    assert "step 7" in window.statusBar().currentMessage()


def test_view_menu_overdue_matches_the_checkbox(window):
    window.overdue_action.trigger()
    assert window.caseload.overdue_check.isChecked()
    assert window.caseload.proxy.overdue_only()
    window.caseload.overdue_check.setChecked(False)
    assert not window.overdue_action.isChecked()


def test_focus_search_shortcut(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.focus_search_action.trigger()
    assert window.focusWidget() is window.caseload.search_edit


def test_menus_and_shortcuts(window):
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus == ["&File", "&View", "&Help"]
    assert window.new_person_action.shortcut().toString() == "Ctrl+N"
    assert window.edit_person_action.shortcut().toString() == "Ctrl+E"
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    assert window.focus_search_action.shortcut().toString() == "Ctrl+F"


def test_about_names_the_app_version_and_qt(window, message_boxes):
    window.about_action.trigger()
    ((kind, _title, text),) = message_boxes.calls
    assert kind == "about"
    assert "PersonalBudget" in text
    assert personalbudget.__version__ in text
    assert qVersion() in text


@pytest.mark.slow  # builds the whole main window
def test_geometry_and_splitter_are_remembered(qtbot, services, signals, tmp_path):
    path = str(tmp_path / "remember.ini")
    first = MainWindow(services, signals, QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    first.show()
    # Within the offscreen screen (800 x 800), or restoring would rightly shrink the window to fit.
    screen = first.screen().availableGeometry()
    width = min(screen.width() - 10, max(first.minimumSizeHint().width() + 10, 700))
    first.resize(width, 620)
    first.splitter.setSizes([360, width - 360])
    qtbot.wait(10)
    sizes = first.splitter.sizes()
    first.close()
    assert QSettings(path, QSettings.Format.IniFormat).contains("mainWindow/geometry")

    second = MainWindow(services, signals, QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    second.show()
    assert (second.width(), second.height()) == (width, 620)
    assert second.splitter.sizes() == sizes


def test_default_size_without_saved_settings(window):
    # Fits a common 1366 x 768 laptop screen.
    assert (window.width(), window.height()) == (1340, 760)


@pytest.mark.slow  # builds the whole main window
def test_last_person_is_reopened(qtbot, services, signals, tmp_path):
    ann = add_person(services, "Ann Smith")
    path = str(tmp_path / "last.ini")
    first = MainWindow(services, signals, QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    first.caseload.select_person(ann.id)
    first.close()
    second = MainWindow(services, signals, QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    assert second.workspace.person_id() == ann.id
    assert second.caseload.current_person_id() == ann.id


@pytest.fixture
def small_demo(monkeypatch):
    """Fewer demo people than the real 200, to keep the tests quick."""
    assert main_window.DEMO_PEOPLE == 200
    monkeypatch.setattr(main_window, "DEMO_PEOPLE", 12)
    return 12


def test_demo_offered_on_an_empty_caseload(qtbot, window, message_boxes, small_demo):
    message_boxes.answer = QMessageBox.StandardButton.Yes
    assert window.offer_demo_if_empty()
    task = window.last_task
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert "demo caseload of 12 made-up people" in message_boxes.texts("question")[0]
    assert window.caseload.model.rowCount() == 12
    assert window.statusBar().currentMessage() == "Added 12 demo people"


def test_demo_not_loaded_when_declined(window, message_boxes):
    message_boxes.answer = QMessageBox.StandardButton.No
    assert not window.offer_demo_if_empty()
    assert window.caseload.model.rowCount() == 0


def test_demo_not_offered_when_there_are_people(window, services, message_boxes):
    add_person(services, "Ann Smith")
    window.caseload.refresh()
    assert not window.offer_demo_if_empty()
    assert message_boxes.calls == []


def test_load_demo_from_the_menu_adds_people(qtbot, window, services, message_boxes, small_demo):
    add_person(services, "Ann Smith")
    window.caseload.refresh()
    message_boxes.answer = QMessageBox.StandardButton.Yes
    window.load_demo_action.trigger()
    assert "mixed in with the 1 person already here" in message_boxes.texts("question")[0]
    assert not window.load_demo_action.isEnabled()  # one load at a time
    with qtbot.waitSignal(window.last_task.finished, timeout=30_000):
        pass
    assert window.load_demo_action.isEnabled()
    assert window.caseload.model.rowCount() == 13
    assert window.caseload.count_label.text() == "13 of 13 people"


def test_table_headings_are_not_clipped_by_the_focus_frame(qtbot, window):
    """Item views get a focus frame; a header is an item view too, and its text lost its top and tail."""
    from PySide6.QtWidgets import QHeaderView

    window.show()
    qtbot.waitExposed(window)
    headers = [
        h for h in window.findChildren(QHeaderView) if h.isVisible() and h.orientation().name == "Horizontal"
    ]
    assert headers
    for header in headers:
        assert header.contentsRect().height() >= header.fontMetrics().height(), header.parent().objectName()
