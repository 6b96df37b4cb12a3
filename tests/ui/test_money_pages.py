"""Steps 4-6 pages against real services: management, arrangements and gaps, the employer
checklist, statement import through the dialog (with progress, errors and cancel), the ledger's
running balance, alerts in words, the chart, rules, and the statement PDF."""

from __future__ import annotations

from datetime import date

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.management import ManagementOption
from personalbudget.domain.support import ProviderForm
from personalbudget.services.settings_service import MoneySettings
from tests.core.money_helpers import agreed_person, direct_payment, item_ids, living_person
from tests.ui.test_accessibility import unnamed_controls
from ui.models.ledger_table_model import Column
from ui.steps.ledger_page import LedgerPage
from ui.steps.management_page import ManagementPage
from ui.steps.person_workspace_widget import PersonWorkspaceWidget
from ui.steps.support_page import SupportPage

CARD = "4111 1111 1111 1111"
STATEMENT = (
    "Date,Description,Amount\n"
    "06/04/2026,ABERMORLAIS COUNCIL DP,650.77\n"
    "20/04/2026,WAGES SAM JONES,-600.00\n"
    "21/04/2026,COSTA COFFEE,-3.20\n"
    "21/04/2026,COSTA COFFEE,-3.20\n"
    "04/05/2026,ABERMORLAIS COUNCIL DP,650.77\n"
)


# -- step 4 ----------------------------------------------------------------------------------------


@pytest.fixture
def management_page(qtbot, services, signals):
    page = ManagementPage(services, signals)
    qtbot.addWidget(page)
    return page


def test_management_page_records_a_mix_and_moves_to_step_five(management_page, services, signals, qtbot):
    pid = agreed_person(services)
    page = management_page
    page.show_person(pid)
    assert "£8,460.00 a year" in page.status_label.text()
    assert page.schedule_box.isHidden()
    page.choose(ManagementOption.DIRECT_PAYMENT)
    assert page.rows[ManagementOption.DIRECT_PAYMENT].amount.text() == "8,460.00"  # one way: the whole budget
    assert "Every penny is allocated" in page.totals_label.text()
    assert not page.schedule_box.isHidden() and not page.account_box.isHidden()
    page.rows[ManagementOption.DIRECT_PAYMENT].amount.setText("5000.00")
    assert "£3,460.00 still to allocate" in page.totals_label.text()
    page.choose(ManagementOption.INDIVIDUAL_SERVICE_FUND, "3460.00", "Bryn Vale Home Care Ltd")
    assert "Reported as: Part Direct Payment" in page.salt_label.text()
    assert "Direct Payment £5,000.00; CASSR Managed Personal Budget £3,460.00" in page.salt_label.text()
    page.first_payment.set_date(date(2026, 12, 7))
    page.suggest_amount()
    assert page.payment_amount.text() == "384.62"  # £5,000 / 13, rounded half up
    assert "7 Dec 2026, 4 Jan 2027" in page.payments_label.text()
    page.card_last4.setText("4821")
    with qtbot.waitSignal(signals.cycle_changed):
        assert page.record()
    view = services.management.get_management(pid)
    assert [s.option for s in view.shares] == [
        ManagementOption.DIRECT_PAYMENT,
        ManagementOption.INDIVIDUAL_SERVICE_FUND,
    ]
    assert view.account.card_last4 == "4821" and view.schedule.amount_pence == 38462
    assert services.lifecycle.get_cycle(pid).current_step == Step.ORGANISE_SUPPORT
    assert page.record_button.text() == "Save changes"


def test_management_page_refuses_a_full_card_number(management_page, services, message_boxes):
    pid = agreed_person(services)
    management_page.show_person(pid)
    management_page.choose(ManagementOption.DIRECT_PAYMENT)
    management_page.first_payment.set_date(date(2026, 12, 7))
    management_page.suggest_amount()
    management_page.card_last4.setText(CARD)
    assert not management_page.record()
    assert "Never record a full card number" in message_boxes.texts("warning")[0]
    assert not services.management.get_management(pid).recorded_for_this_cycle
    assert services.lifecycle.get_cycle(pid).current_step == Step.MANAGE_BUDGET


# -- step 5 ----------------------------------------------------------------------------------------


@pytest.fixture
def support_page(qtbot, services, signals):
    page = SupportPage(services, signals)
    qtbot.addWidget(page)
    return page


def test_gaps_are_shown_and_arranging_fills_them(support_page, services, message_boxes):
    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())
    sam = services.support.save_provider(ProviderForm("Sam Jones", "personal_assistant"))
    page = support_page
    page.show_person(pid)
    assert "3 of 3 plan items not arranged yet" in page.gaps_label.text()
    statuses = [page.items_table.item(r, 5).text() for r in range(3)]
    assert statuses == ["GAP: not arranged yet"] * 3  # in words, not only in red
    dialog = page.arrangement_dialog(0)
    dialog.choose_provider(sam.id)
    dialog.rate.setText("15.50")
    assert dialog.save()
    page.after_arranging(dialog.result_view)
    assert "2 of 3 plan items not arranged yet" in page.gaps_label.text()
    assert (
        page.items_table.item(0, 2).text() == "Sam Jones"
        and page.items_table.item(0, 5).text() == "Arranged; £0.50 a unit over the plan"
    )
    # Confirming with gaps needs a reason, which is recorded.
    assert not page.confirm("")
    assert "Gym membership" in message_boxes.texts("warning")[-1]
    assert page.confirm("The gym starts in May; the family buy the equipment.")
    assert services.lifecycle.get_cycle(pid).current_step == Step.LIVE_LIFE


def test_the_directory_is_filled_again_only_when_it_has_changed(support_page, services):
    """Opening another person at step 5 keeps the council's directory as it is (filling it was most
    of that open at 50,000 people); an entry added meanwhile is there at the next open."""
    ann, bob = agreed_person(services), agreed_person(services, nhs="999 000 1235", name="Bob Jones")
    services.support.save_provider(ProviderForm("Sam Jones", "personal_assistant"))
    page = support_page
    page.show_person(ann)
    first = page.providers_table.item(0, 0)
    page.provider_search.setText("sam")
    page.show_person(bob)
    assert page.providers_table.item(0, 0) is first  # not made again
    assert not page.providers_table.isRowHidden(0) and page.provider_search.text() == "sam"
    services.support.save_provider(ProviderForm("Ann's Care Agency", "agency"))
    page.show_person(ann)
    names = [page.providers_table.item(r, 0).text() for r in range(page.providers_table.rowCount())]
    assert names == ["Ann's Care Agency", "Sam Jones"]
    assert page.providers_table.isRowHidden(0) and not page.providers_table.isRowHidden(1)  # still "sam"


def test_employer_checklist_reminds_in_words(support_page, services):
    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())
    ids = item_ids(services, pid)
    sam = services.support.save_provider(ProviderForm("Sam Jones", "personal_assistant"))
    from personalbudget.domain.support import ArrangementForm

    services.support.save_arrangement(
        pid, ArrangementForm(ids["PA hours"], sam.id, date(2026, 11, 1), "15.00")
    )
    page = support_page
    page.show_person(pid)
    reminders = [page.reminders.item(i).text() for i in range(page.reminders.count())]
    assert any(text.startswith("Not recorded: Employer's liability insurance") for text in reminders)
    assert any("Sam Jones: no DBS check" in text for text in reminders)
    page.insurer.setText("Fictional Mutual")
    page.insurance_expires.set_date(date(2026, 12, 13))
    page.payroll.setText("Millbrook Payroll")
    page.pa_table.item(0, 1).setText("01/11/2023")
    page.pa_table.item(0, 2).setText("01/11/2023")
    page.pa_table.item(0, 3).setText("28")
    assert page.save_employer()
    reminders = [page.reminders.item(i).text() for i in range(page.reminders.count())]
    assert reminders == [
        "Overdue: Sam Jones: the DBS check from 1 Nov 2023 was due to be renewed on 1 Nov 2026.",
        "Due soon: Employer's liability insurance with Fictional Mutual expires on 13 Dec 2026 (in 20 days). Renew it.",
    ]


# -- step 6 ----------------------------------------------------------------------------------------


@pytest.fixture
def living(services):
    return living_person(services)


@pytest.fixture
def ledger_page(qtbot, services, signals, living):
    page = LedgerPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(living)
    return page


def import_through_dialog(qtbot, page, path, **columns):
    dialog = page.import_dialog(path)
    if columns:
        dialog.set_columns(**columns)
    task = dialog.start_import()
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    return dialog


def test_import_through_the_dialog_then_the_ledger_shows_the_running_balance(
    qtbot, ledger_page, services, living, tmp_path, message_boxes
):
    path = tmp_path / "april.csv"
    path.write_text(STATEMENT)
    dialog = import_through_dialog(qtbot, ledger_page, path)
    assert dialog.mapping().amount_column == "Amount"
    assert dialog.report is not None and dialog.report.added == 5
    assert "Added 5 transactions from april.csv." in message_boxes.texts("information")[0]
    model = ledger_page.model
    assert model.rowCount() == 5
    shown = [
        [
            model.data(model.index(r, c))
            for c in (Column.DATE, Column.DESCRIPTION, Column.MONEY_IN, Column.MONEY_OUT, Column.BALANCE)
        ]
        for r in range(5)
    ]
    assert shown == [  # newest first, each with the balance after it
        ["4 May 2026", "ABERMORLAIS COUNCIL DP", "£650.77", "", "£695.14"],
        ["21 Apr 2026", "COSTA COFFEE", "", "£3.20", "£44.37"],
        ["21 Apr 2026", "COSTA COFFEE", "", "£3.20", "£47.57"],
        ["20 Apr 2026", "WAGES SAM JONES", "", "£600.00", "£50.77"],
        ["6 Apr 2026", "ABERMORLAIS COUNCIL DP", "£650.77", "", "£650.77"],
    ]
    assert model.data(model.index(3, Column.LINK)) == "— not linked —"
    assert (
        model.data(model.index(3, Column.LINK), Qt.ItemDataRole.AccessibleTextRole)
        == "Not linked to the plan"
    )
    assert (
        model.data(model.index(0, Column.MONEY_IN), Qt.ItemDataRole.AccessibleTextRole) == "Money in £650.77"
    )
    assert "Balance: £695.14" in ledger_page.balance_label.text()
    # The same file again adds nothing and says why.
    again = import_through_dialog(qtbot, ledger_page, path)
    assert again.report.added == 0
    assert "Skipped 5 rows already in the ledger" in message_boxes.texts("information")[-1]


def test_a_bad_file_is_reported_with_row_and_column_and_nothing_imported(
    qtbot, ledger_page, services, living, tmp_path, message_boxes
):
    path = tmp_path / "bad.csv"
    path.write_text(STATEMENT.replace("21/04/2026,COSTA", "the 21st,COSTA", 1))
    dialog = ledger_page.import_dialog(path)
    assert dialog.check_label.text().startswith("Problem: Row 4, column 'Date'")
    task = dialog.start_import()
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    warning = message_boxes.texts("warning")[-1]
    assert "nothing was imported" in warning and "Row 4, column 'Date': 'the 21st' is not a date" in warning
    assert services.ledger.ledger(living).rows == []


def test_a_file_with_another_separator_is_read_after_choosing_it(
    qtbot, ledger_page, services, living, tmp_path
):
    path = tmp_path / "semicolons.csv"
    path.write_text(STATEMENT.replace(",", ";"))
    dialog = ledger_page.import_dialog(path)
    assert dialog.delimiter.currentData() == ";"  # worked out from the file
    dialog.delimiter.setCurrentIndex(dialog.delimiter.findData(","))
    assert "seems to use Semicolon (;) between columns, not Comma (,)" in dialog.info_label.text()
    dialog.delimiter.setCurrentIndex(dialog.delimiter.findData(";"))
    assert dialog.mapping().date_column == "Date"
    task = dialog.start_import()
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert len(services.ledger.ledger(living).rows) == 5


def test_import_can_be_cancelled_and_nothing_is_kept(
    qtbot, ledger_page, services, living, tmp_path, message_boxes
):
    rows = "".join(f"{1 + i % 28:02d}/05/2026,Shop {i},-1.00\n" for i in range(60_000))
    path = tmp_path / "big.csv"
    path.write_text("Date,Description,Amount\n" + rows)
    dialog = ledger_page.import_dialog(path)
    task = dialog.start_import()
    task.cancel()  # as the progress dialog's Cancel button does
    with qtbot.waitSignal(task.finished, timeout=60_000):
        pass
    assert "Nothing was imported" in message_boxes.texts("information")[-1]
    assert services.ledger.ledger(living).rows == [] and services.statement_imports.imports(living) == []


def test_a_remembered_mapping_is_offered_for_the_same_source(qtbot, ledger_page, services, living, tmp_path):
    path = tmp_path / "bank.csv"
    path.write_text("Posted,Payee,Out,In\n06/04/2026,Council,,650.77\n07/04/2026,Shop,12.00,\n")
    dialog = ledger_page.import_dialog(path)
    dialog.set_columns(date="Posted", description="Payee", debit="Out", credit="In")
    dialog.mapping_name.setText("Cymru BS")
    task = dialog.start_import()
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    later = tmp_path / "bank-may.csv"
    later.write_text("Posted,Payee,Out,In\n04/05/2026,Council,,650.77\n")
    second = ledger_page.import_dialog(later)
    assert second.saved.currentText() == "Cymru BS"
    assert (second.mapping().debit_column, second.mapping().credit_column) == ("Out", "In")


def test_alerts_are_shown_in_words(qtbot, ledger_page, services, living, tmp_path):
    services.settings.save_money(MoneySettings(surplus_limit_weeks=1))
    path = tmp_path / "april.csv"
    path.write_text(STATEMENT)
    import_through_dialog(qtbot, ledger_page, path)
    details = ledger_page.alerts_detail.text()
    assert "Surplus:</b> The balance of £695.14 is more than 1 week of payments" in details
    assert "Payments missing:</b> Payments in are short" in details
    summary = ledger_page.alerts_label.text() + ledger_page.forecast_label.text()
    assert "Payments missing:" in summary or "Surplus:" in summary
    status = [ledger_page.plan_table.item(r, 5).text() for r in range(ledger_page.plan_table.rowCount())]
    assert status[-1] in ("Under plan", "On track", "Over plan")  # in words


def test_linking_and_rules_then_spend_against_plan(qtbot, ledger_page, services, living, tmp_path):
    path = tmp_path / "april.csv"
    path.write_text(STATEMENT)
    import_through_dialog(qtbot, ledger_page, path)
    ids = item_ids(services, living)
    # Link the wages to the PA item from the ledger.
    model = ledger_page.model
    wages_row = next(
        r
        for r in range(model.rowCount())
        if model.data(model.index(r, Column.DESCRIPTION)) == "WAGES SAM JONES"
    )
    ledger_page.table.selectRow(wages_row)
    assert ledger_page.selected_ids() == [model.transaction_id(wages_row)]
    assert ledger_page.link(ledger_page.selected_ids(), ids["PA hours"])
    row = next(
        r
        for r in range(model.rowCount())
        if model.data(model.index(r, Column.DESCRIPTION)) == "WAGES SAM JONES"
    )
    assert model.data(model.index(row, Column.LINK)) == "Personal assistant: PA hours"
    plan_rows = {
        ledger_page.plan_table.item(r, 0).text(): r for r in range(ledger_page.plan_table.rowCount())
    }
    assert ledger_page.plan_table.item(plan_rows["Personal assistant: PA hours"], 3).text() == "£600.00"
    # A rule, edited in the page, links the coffees.
    ledger_page.rules.add_row(["costa", f"item:{ids['Gym membership']}"])
    assert ledger_page.apply_rules() == 2
    assert [r.contains for r in services.payee_rules.rules(living)] == ["costa"]
    ledger_page.unlinked_check.setChecked(True)
    assert [model.data(model.index(r, Column.LINK)) for r in range(model.rowCount())] == [
        "Payment in",
        "Payment in",
    ]


def test_the_chart_has_a_table_and_words(qtbot, ledger_page, services, living, tmp_path):
    path = tmp_path / "april.csv"
    path.write_text(STATEMENT)
    import_through_dialog(qtbot, ledger_page, path)
    assert len(ledger_page.chart.series()) >= 12
    assert ledger_page.chart_table.rowCount() == 12  # one row a month; today is within November's row
    assert ledger_page.chart_table.item(0, 0).text() == "Apr 2026"
    assert ledger_page.chart_table.item(0, 2).text() == "£606.40"  # April's spending, cumulative
    assert "£606.40 has been spent" in ledger_page.chart.accessibleDescription()
    ledger_page.chart.resize(500, 240)
    assert not ledger_page.chart.grab().isNull()  # paints without error


def test_statement_pdf_from_the_page(qtbot, ledger_page, services, living, tmp_path):
    path = tmp_path / "april.csv"
    path.write_text(STATEMENT)
    import_through_dialog(qtbot, ledger_page, path)
    out = tmp_path / "statement.pdf"
    task = ledger_page.print_statement((date(2026, 4, 1), date(2026, 5, 31)), out)
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(out).pages).split())
    assert "Personal budget statement" in text and "Closing balance on 31 May 2026 £695.14" in text


def test_ledger_page_without_an_account_says_what_to_do(qtbot, services, signals):
    pid = agreed_person(services)
    page = LedgerPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)
    assert page.stack.currentIndex() == 1
    assert "Record how the budget is managed in step 4" in page.no_account_label.text()


def test_pages_are_named_for_screen_readers(qtbot, services, signals, living):
    for page_class in (ManagementPage, SupportPage, LedgerPage):
        page = page_class(services, signals)
        qtbot.addWidget(page)
        page.show_person(living)
        assert unnamed_controls(page) == [], page_class.__name__


def test_the_workspace_uses_the_real_pages(qtbot, services, signals, living):
    workspace = PersonWorkspaceWidget(services, signals)
    qtbot.addWidget(workspace)
    workspace.show_person(living)
    assert isinstance(workspace.pages.currentWidget(), LedgerPage)  # the person's current step
    workspace.show_step(Step.MANAGE_BUDGET)
    assert isinstance(workspace.pages.currentWidget(), ManagementPage)
    workspace.show_step(Step.ORGANISE_SUPPORT)
    assert isinstance(workspace.pages.currentWidget(), SupportPage)
