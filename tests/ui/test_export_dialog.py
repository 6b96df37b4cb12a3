"""File > Export anonymised aggregates: the preview, the export on a worker thread, a refusal."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QTableWidget

from personalbudget.export.outputs import DATAPACKAGE, WORKBOOK
from personalbudget.export.tables import SPECS
from personalbudget.services.demo_service import build_demo_caseload
from tests.core.money_helpers import agreed_person
from tests.ui.test_accessibility import assert_accessible
from ui.dialogs.export_dialog import ExportDialog


@pytest.mark.slow  # exports a caseload on a worker (several seconds): not in the fast lane
def test_the_dialog_previews_every_table_and_exports_on_a_worker(qtbot, services, tmp_path, message_boxes):
    build_demo_caseload(services.context, people=16, seed=3)
    dialog = ExportDialog(services)
    qtbot.addWidget(dialog)
    assert dialog.tabs.count() == len(SPECS)
    assert "1 to 7" in dialog.rules_label.text()
    assert dialog.preview is not None
    for index in range(dialog.tabs.count()):
        [view] = dialog.tabs.widget(index).findChildren(QTableWidget)
        assert view.rowCount() == len(dialog.preview.tables[index].rows) > 0
    cells = [
        dialog.tabs.widget(0).findChildren(QTableWidget)[0].item(r, 3).text()
        for r in range(dialog.tabs.widget(0).findChildren(QTableWidget)[0].rowCount())
    ]
    assert "*" in cells  # suppressed cells are shown as they will be published
    assert_accessible(qtbot, dialog)

    dialog.folder.setText(str(tmp_path / "out"))
    task = dialog.start_export()
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert dialog.export_result is not None, message_boxes.calls
    assert (tmp_path / "out" / DATAPACKAGE).exists() and (tmp_path / "out" / WORKBOOK).exists()
    assert "Exported" in dialog.status.text()

    # One more person, then the same period again: refused by the rule against differencing.
    agreed_person(services)
    dialog.folder.setText(str(tmp_path / "again"))
    task = dialog.start_export()
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert "rule 6" in dialog.status.text()
    assert any("rule 6" in text for text in message_boxes.texts("warning"))
    assert not (tmp_path / "again").exists()


@pytest.mark.slow  # exports a caseload on a worker (several seconds): not in the fast lane
def test_a_cancelled_export_writes_nothing(qtbot, services, tmp_path):
    build_demo_caseload(services.context, people=8, seed=4)
    dialog = ExportDialog(services)
    qtbot.addWidget(dialog)
    dialog.folder.setText(str(tmp_path / "out"))
    task = dialog.start_export()
    task.cancel()
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert dialog.export_result is None
    assert not (tmp_path / "out").exists()
    assert "cancelled" in dialog.status.text()


def test_the_file_menu_opens_it(qtbot, window):
    actions = next(a for a in window.menuBar().actions() if a.text() == "&File").menu().actions()
    assert window.export_aggregates_action in actions
    dialog = window.export_aggregates()
    assert isinstance(dialog, ExportDialog)
    dialog.close()


def test_an_analyst_without_records_can_still_export(qtbot, db, clock):
    from personalbudget.domain.roles import Role
    from personalbudget.services import build_services
    from ui.app import NoRecordsWindow

    analyst = build_services(db, clock, "analyst", role=Role.ANALYST)
    window = NoRecordsWindow(Role.ANALYST, analyst)
    qtbot.addWidget(window)
    assert window.export_button is not None
    assert_accessible(qtbot, window)
    assert NoRecordsWindow(Role.ANALYST).export_button is None


@pytest.mark.slow  # exports a caseload on a worker (several seconds): not in the fast lane
def test_changing_the_period_after_the_preview_shows_the_new_preview_before_exporting(
    qtbot, services, tmp_path
):
    from datetime import date

    build_demo_caseload(services.context, people=8, seed=4)
    dialog = ExportDialog(services)
    qtbot.addWidget(dialog)
    dialog.folder.setText(str(tmp_path / "out"))
    dialog.start.set_date(date(2025, 4, 1))
    dialog.end.set_date(date(2026, 3, 31))
    assert dialog.start_export() is None  # not what the preview showed: nothing written yet
    assert not (tmp_path / "out").exists()
    assert "press Export again" in dialog.status.text()
    assert dialog.preview.period.start == date(2025, 4, 1)
    task = dialog.start_export()  # now it matches the preview
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert (tmp_path / "out").exists()


def test_the_preview_shows_the_contributions_table(qtbot, services):
    """Issue 20: the person's contribution by primary support reason x funding streams is a tab of
    the preview, with its grain and the rows it will publish (counts and weekly pence)."""
    from datetime import date

    from personalbudget.domain.charging import ContributionForm

    pid = agreed_person(services)
    services.charging.record_contribution(
        pid, ContributionForm("assessed", "42.50", date(2026, 4, 6), "Financial assessment", "net")
    )
    dialog = ExportDialog(services)
    qtbot.addWidget(dialog)
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    index = titles.index(SPECS["contributions_by_reason_and_stream"].title)
    [view] = dialog.tabs.widget(index).findChildren(QTableWidget)
    assert dialog.preview is not None
    assert view.rowCount() == len(dialog.preview.tables[index].rows)
    headers = [view.horizontalHeaderItem(c).text() for c in range(view.columnCount())]
    assert headers[:2] == ["Primary support reason", "Funding streams"]
    measures = {view.item(r, 2).text() for r in range(view.rowCount())}
    assert {"People", "Total weekly contribution (pence)", "Median weekly contribution (pence)"} <= measures
    values = {view.item(r, 3).text() for r in range(view.rowCount())}
    assert "4250" not in values and "4,250" not in values  # one person's contribution: suppressed
