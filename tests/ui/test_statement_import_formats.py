"""The import dialog with the files banks really produce (issue 16): Nationwide's account details
above the headings, a QIF without a mapping, and near-duplicates shown for the person to decide."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from personalbudget.services.ledger_service import TransactionForm
from tests.core.money_helpers import living_person
from ui.steps.ledger_page import LedgerPage

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "statements"


@pytest.fixture
def living(services):
    return living_person(services)


@pytest.fixture
def ledger_page(qtbot, services, signals, living):
    page = LedgerPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(living)
    return page


def finish(qtbot, task) -> None:
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass


def test_a_nationwide_file_imports_without_a_hand_made_mapping(
    qtbot, ledger_page, services, living, message_boxes
):
    dialog = ledger_page.import_dialog(FIXTURES / "nationwide.csv")
    assert "above the column headings" in dialog.info_label.text()
    assert dialog.mapping().debit_column == "Paid out" and dialog.mapping().credit_column == "Paid in"
    finish(qtbot, dialog.start_import())
    assert dialog.report is not None and dialog.report.added == 4
    assert len(services.ledger.ledger(living).rows) == 4


def test_a_qif_file_needs_no_mapping(qtbot, ledger_page, services, living, message_boxes):
    dialog = ledger_page.import_dialog(FIXTURES / "bank.qif")
    assert not dialog.mapping_box.isEnabled() and "QIF" in dialog.info_label.text()
    finish(qtbot, dialog.start_import())
    assert dialog.report.added == 3 and dialog.report.file_format == "qif"


def test_near_duplicates_are_shown_and_only_the_ticked_ones_import(
    qtbot, ledger_page, services, living, tmp_path, message_boxes
):
    services.ledger.add_transaction(
        living, TransactionForm(date(2026, 5, 1), "12.50", False, "Eastfield Leisure")
    )
    services.ledger.add_transaction(living, TransactionForm(date(2026, 5, 1), "3.20", False, "Costa Coffee"))
    path = tmp_path / "may.csv"
    path.write_text(
        "Date,Description,Amount\n02/05/2026,Eastfield Leisure,-12.50\n03/05/2026,Costa Coffee,-3.20\n"
        "04/05/2026,Bus,-2.00\n"
    )
    dialog = ledger_page.import_dialog(path)
    seen: dict[str, object] = {}

    def decide() -> None:
        chooser = getattr(dialog, "near_dialog", None)
        if chooser is None or not chooser.isVisible():
            QTimer.singleShot(50, decide)  # the chooser opens when the first attempt reports them
            return
        seen["rows"] = [chooser.table.item(r, 1).text() for r in range(chooser.table.rowCount())]
        seen["held"] = chooser.table.item(0, 4).text()
        chooser.boxes[1].setChecked(True)  # the second coffee is real; the leisure payment is the same one
        chooser.grab().save("/tmp/near-duplicates.png")
        chooser.import_button.click()

    QTimer.singleShot(0, decide)
    first = dialog.start_import()
    finish(qtbot, first)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=30_000)
    assert seen["rows"] == ["2", "3"]
    assert "1 May 2026 Eastfield Leisure" in seen["held"]
    assert (
        dialog.report.added,
        dialog.report.near_duplicates_kept,
        dialog.report.near_duplicates_skipped,
    ) == (2, 1, 1)
    descriptions = sorted(r[2] for r in services.ledger.ledger(living).rows)
    assert descriptions == ["Bus", "Costa Coffee", "Costa Coffee", "Eastfield Leisure"]
