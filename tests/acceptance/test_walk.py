"""One person through all seven steps, in the real main window, the way a practitioner does it.

The window is the one the app's composition root (``ui.app.start_app``) builds and shows, on a
new caseload in a temporary folder. Every action goes through what a person uses: buttons,
menus, typing, and the real dialogs, Qt's own file dialog included (a path typed into it and
Enter pressed). PDFs are read back with pypdf. A screenshot of every step page is saved into
the folder the README names (``acceptance-screenshots/`` by default).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    QWidget,
)

from personalbudget.domain.lifecycle import ReviewDecision, Step
from personalbudget.domain.management import ManagementOption
from tests.acceptance.conftest import save_screenshot
from tests.acceptance.driver import Dialogs, click, plain, press
from ui.app import RunningApp, start_app

PRACTITIONER = ("sam.worker", "Sam Worker", "correct horse battery")
WINDOW_SIZE = (1366, 768)


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def wait_for_dialogs(qtbot, dialogs: Dialogs, timeout: int = 20_000) -> None:
    qtbot.waitUntil(lambda: dialogs.pending == 0 or bool(dialogs.problems), timeout=timeout)
    assert not dialogs.problems, "\n".join(dialogs.problems)


def activate(window: QWidget) -> None:
    """Give the window the keyboard, as the window manager does when a dialog over it closes
    (Qt's offscreen platform has no window manager to do it)."""
    if not window.isActiveWindow():
        window.activateWindow()
        for _ in range(100):
            QApplication.processEvents()
            if window.isActiveWindow():
                return
        raise AssertionError(f"{window.windowTitle()} did not become the active window")


def type_into(edit: QWidget, text: str) -> None:
    edit.setFocus()
    if isinstance(edit, QLineEdit):
        edit.selectAll()
    QTest.keyClicks(edit, text)


def recovery_key_kept(dialog: QWidget) -> None:
    dialog.findChild(QCheckBox).click()
    click(dialog, "OK")


def set_up_account(name: str, display: str, password: str):
    def act(dialog: QWidget) -> None:
        fields = {edit.accessibleName(): edit for edit in dialog.findChildren(QLineEdit)}
        type_into(fields["User name"], name)
        type_into(fields["Your name"], display)
        type_into(fields["Password"], password)
        type_into(fields["Password again"], password)
        click(dialog, "Set up")

    return act


def start(qtbot, dialogs: Dialogs, caseload: Path, *, first_run: bool) -> RunningApp:
    if first_run:
        dialogs.expect(QDialog, "recovery key", recovery_key_kept)
        dialogs.expect(QDialog, "Set up your account", set_up_account(*PRACTITIONER))
        dialogs.expect_message("demo caseload", "No")
    running = start_app(caseload)
    assert isinstance(running, RunningApp), f"the app did not open (exit code {running})"
    running.window.resize(*WINDOW_SIZE)
    wait_for_dialogs(qtbot, dialogs)
    running.window.activateWindow()  # as the window manager does: keyboard focus goes to it
    qtbot.waitUntil(running.window.isActiveWindow)
    return running


@pytest.fixture
def app_on_new_caseload(qtbot, tmp_path, os_keyring, dialogs):
    running = start(qtbot, dialogs, tmp_path / "caseload.db", first_run=True)
    yield running
    running.window.close()
    running.shut_down()


def test_walk_one_person_through_the_seven_steps(qtbot, app_on_new_caseload, dialogs, screenshots, tmp_path):
    running = app_on_new_caseload
    window = running.window
    assert window.isVisible()
    assert QApplication.instance().activeModalWidget() is None

    # -- a new person, through File > New person… ------------------------------------------------
    dialogs.expect(QDialog, "New person", add_person_in_dialog)
    menu_action(window, "File", "New person").trigger()
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.person() is not None)
    assert window.workspace.person().name == PERSON
    assert PERSON in caseload_names(window)
    shots = Screens(window, screenshots)

    # -- step 1: set budget: answer the RAS by clicking, then agree it ----------------------------
    budget = window.workspace.pages.currentWidget()
    assert type(budget).__name__ == "BudgetPage"
    answer_every_area(budget, qtbot)
    shots.save("step1-set-budget")
    assert budget.figure.text() == "£163.00 a week", budget.figure.text()
    assert "points ×" in budget.breakdown.text()  # the person can see why
    dialogs.expect(QDialog, "Agree the budget", press("Agree budget"))
    click(budget, "Agree budget")
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.PLAN_SUPPORT)
    assert type(window.workspace.pages.currentWidget()).__name__ == "PlanPage"

    # -- step 2: plan support: write and cost a plan, submit it -----------------------------------
    plan = window.workspace.pages.currentWidget()
    write_plan(plan, qtbot)
    assert "Planned: £116.00 a week" in plan.cost_label.text(), plan.cost_label.text()
    shots.save("step2-plan-support")
    dialogs.expect(QMessageBox, "Submit the plan for agreement", press("Submit"))
    click(plan, "Submit for agreement")
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.AGREE_PLAN)

    # -- an approver's account, through File > Accounts… (the first account manages accounts) ----
    dialogs.expect(QDialog, "Accounts", add_account(*APPROVER, role="Approver"))
    menu_action(window, "File", "Accounts").trigger()
    wait_for_dialogs(qtbot, dialogs)

    # -- the approver signs in on the same laptop: Quit, start again, sign in --------------------
    running = sign_in_again(qtbot, dialogs, running, APPROVER[0], APPROVER[2])
    app_on_new_caseload.__dict__.update(running.__dict__)  # the fixture closes whichever is open
    window = running.window
    shots = Screens(window, screenshots)
    open_in_caseload(window, qtbot, PERSON)

    # -- step 3: agree plan: the approver approves it with conditions -----------------------------
    agreement = window.workspace.pages.currentWidget()
    assert type(agreement).__name__ == "AgreementPage"
    assert not agreement.decision_box.isHidden()
    shots.save("step3-agree-plan")
    decide_with_conditions(agreement, "Check the PA hours at the six-week review")
    dialogs.expect(QMessageBox, "Approv", press("Approve"))
    click(agreement, "Record decision")
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.MANAGE_BUDGET)

    # -- the agreed plan, printed through the page's button (Qt's own save dialog, typed into) ----
    menu_action(window, "View", "Show step 3").trigger()
    agreement = window.workspace.pages.currentWidget()
    assert type(agreement).__name__ == "AgreementPage"
    plan_pdf = tmp_path / "printed" / "agreed-plan.pdf"
    plan_pdf.parent.mkdir()
    dialogs.expect_file("Save the support plan", plan_pdf)
    click(agreement, "Print support plan")
    text = wait_for_pdf(qtbot, dialogs, plan_pdf)
    assert PERSON in text and "Check the PA hours at the six-week review" in text and "£6,032.00" in text
    assert "Tia Manager" in text  # who decided, by name (not a user name)

    # -- the practitioner signs in again for steps 4 to 7 ------------------------------------------
    running = sign_in_again(qtbot, dialogs, running, *PRACTITIONER[::2])
    app_on_new_caseload.__dict__.update(running.__dict__)
    window = running.window
    shots = Screens(window, screenshots)
    open_in_caseload(window, qtbot, PERSON)
    assert window.workspace.cycle().current_step == Step.MANAGE_BUDGET

    # -- File > Print support plan (Ctrl+P) and the easy read plan ---------------------------------
    ctrl_p_pdf = tmp_path / "printed" / "ctrl-p-plan.pdf"
    dialogs.expect_file("Save the support plan", ctrl_p_pdf)
    activate(window)
    QTest.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert PERSON in wait_for_pdf(qtbot, dialogs, ctrl_p_pdf)
    menu_pdf = tmp_path / "printed" / "menu-plan.pdf"
    dialogs.expect_file("Save the support plan", menu_pdf)
    menu_action(window, "File", "Print support plan").trigger()
    menu_text = wait_for_pdf(qtbot, dialogs, menu_pdf)
    assert PERSON in menu_text and "sam.worker" not in menu_text  # people by their names, not user names

    # -- step 4: manage budget: a mix of a direct payment and council-arranged support -------------------
    manage = window.workspace.pages.currentWidget()
    assert type(manage).__name__ == "ManagementPage"
    tick(manage.rows[ManagementOption.DIRECT_PAYMENT].check)
    type_into(manage.rows[ManagementOption.DIRECT_PAYMENT].amount, "6032.00")
    tick(manage.rows[ManagementOption.COUNCIL_COMMISSIONED].check)  # the rest: a council-arranged service
    type_into(manage.rows[ManagementOption.COUNCIL_COMMISSIONED].amount, "2444.00")
    choose(manage.frequency, "per four weeks")
    click(manage, "Work it out")
    assert manage.payment_amount.text() == "464.00", manage.payment_amount.text()  # £6,032 / 13
    type_into(manage.account_name, "Ffion Jenkins direct payment account")
    type_into(manage.account_provider, "Nationwide")
    type_into(manage.sort_code, "07-04-36")
    type_into(manage.account_last4, "1234")
    assert "Part Direct Payment" in manage.salt_label.text(), manage.salt_label.text()
    shots.save("step4-manage-budget")
    click(manage, "Record and move to step 5")
    qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.ORGANISE_SUPPORT)

    # -- step 5: organise support: add a PA to the directory, arrange the PA hours with her -------
    support = window.workspace.pages.currentWidget()
    assert type(support).__name__ == "SupportPage"
    open_tab(support.tabs, "Providers and PAs")
    dialogs.expect(QDialog, "Add a provider or personal assistant", add_provider(PA, "personal_assistant"))
    click(support, "Add…")
    wait_for_dialogs(qtbot, dialogs)
    assert PA in table_text(support.providers_table)
    open_tab(support.tabs, "Arrangements")
    QTest.mouseClick(
        support.items_table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=support.items_table.visualRect(support.items_table.model().index(0, 0)).center(),
    )
    rate_notes: list[str] = []
    dialogs.expect(QDialog, "Arrange:", arrange_with(PA, "15.00", "Direct payment to the person", rate_notes))
    click(support, "Arrange selected item")
    wait_for_dialogs(qtbot, dialogs)
    assert "£0.50" in rate_notes[0], rate_notes  # a rate above the plan's unit cost is said
    assert PA in table_text(support.items_table)
    # The PA's employer has no liability insurance recorded: support cannot simply be confirmed.
    dialogs.expect(QInputDialog, "Support is not in place yet", press("Cancel"))
    click(support, "Support is in place")
    wait_for_dialogs(qtbot, dialogs)
    assert window.workspace.cycle().current_step == Step.ORGANISE_SUPPORT
    open_tab(support.tabs, "Employer checklist")
    type_into(support.insurer, "Millbrook Mutual Employers' Liability")
    type_into(support.insurance_expires.edit, "31/03/2027")
    type_into(support.payroll, "Millbrook Payroll Service")
    fill_cell(support.pa_table, 0, 1, "01/11/2026")  # DBS check date
    fill_cell(support.pa_table, 0, 2, "15/11/2026")  # contract signed
    fill_cell(support.pa_table, 0, 3, "28")
    click(support, "Save checklist")
    assert support.reminders.item(0).text().startswith("All in order")
    open_tab(support.tabs, "Arrangements")
    shots.save("step5-organise-support")
    click(support, "Support is in place")
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.LIVE_LIFE)

    # -- step 6: live life: import a Nationwide CSV and an OFX statement through Import ----------
    ledger = window.workspace.pages.currentWidget()
    assert type(ledger).__name__ == "LedgerPage"
    for statement in (STATEMENTS / "nationwide.csv", STATEMENTS / "uk-bank-gbp.ofx"):
        before = ledger.model.rowCount()
        dialogs.expect_file("Choose a statement to import", statement)
        dialogs.expect(QDialog, "Import a statement", press("Import"))
        dialogs.expect_message(f"from {statement.name}", "OK")
        click(ledger, "Import statement")
        wait_for_dialogs(qtbot, dialogs)
        qtbot.waitUntil(lambda before=before: ledger.model.rowCount() > before, timeout=20_000)
    # A statement in dollars (a public OFX test file) is refused with a reason, and nothing changes.
    before = ledger.model.rowCount()
    dialogs.expect_file("Choose a statement to import", STATEMENTS / "ofxtools_stmtrs.ofx")
    dialogs.expect(QDialog, "Import a statement", press("Import"))
    dialogs.expect_message("not pounds", "OK")
    click(ledger, "Import statement")
    wait_for_dialogs(qtbot, dialogs)
    close_import_dialog(qtbot)
    assert ledger.model.rowCount() == before
    rows = table_text(ledger.table)
    assert "TESCO STORES 2231" in rows and "SAM JONES PA WAGES" in rows  # from the CSV
    assert "C HUGHES PA WAGES" in rows and "MILLBROOK CHAPEL LUNCH CLUB" in rows  # from the OFX
    assert ledger.balance_label.text(), "no balance shown"
    shots.save("step6-live-life")
    statement_pdf = tmp_path / "printed" / "statement.pdf"
    dialogs.expect(QDialog, "Budget statement", press("OK"))
    dialogs.expect_file("Save", statement_pdf)
    click(ledger, "Statement PDF")
    statement_text = wait_for_pdf(qtbot, dialogs, statement_pdf)
    assert PERSON in statement_text and "TESCO STORES 2231" in statement_text

    # -- step 7: review and learn: a review that changes the plan, back round to step 2 ----------
    click(window.workspace, "Move to next step")
    qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.REVIEW)
    review = window.workspace.pages.currentWidget()
    assert type(review).__name__ == "ReviewPage"
    choose(review.reason, "Planned")
    click(review, "Start the review")
    qtbot.waitUntil(lambda: review.outcomes.rowCount() == 2)
    for row, (rating, says) in enumerate(
        (("Fully Met", "I see Mair every Sunday now"), ("Partially Met", "Mornings are rushed"))
    ):
        choose(review.outcomes.cellWidget(row, 1), rating)
        type_into(review.outcomes.cellWidget(row, 2), says)
    choose(review.method, "Service user and carer")
    type_into(review.working_person, "Carys is kind and always on time")
    type_into(review.not_working_person, "Twenty minutes is not enough to get dressed")
    assert "Spent" in table_headers(review.spend) and review.spend.rowCount() > 0
    click_radio(review.decision_buttons[ReviewDecision.CHANGE_PLAN])
    shots.save("step7-review-and-learn")
    click(review, "Save draft")
    review_pdf = tmp_path / "printed" / "review.pdf"
    dialogs.expect_file("Save the review as PDF", review_pdf)
    click(review, "Print review")
    assert "Twenty minutes is not enough to get dressed" in wait_for_pdf(qtbot, dialogs, review_pdf)
    click(review, "Complete review")
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: window.workspace.cycle().current_step == Step.PLAN_SUPPORT)
    assert "2027" in window.workspace.review_label.text(), window.workspace.review_label.text()  # not blank
    history = tree_text(window.workspace.history)
    assert "Cycle started at step 1" in history  # the earlier cycle is still in the History

    # -- File > Export anonymised aggregates: the preview, then Qt's own folder chooser ----------
    export_folder = tmp_path / "published"
    dialogs.expect_window(QDialog, "Export anonymised aggregates")
    menu_action(window, "File", "Export anonymised aggregates").trigger()
    wait_for_dialogs(qtbot, dialogs)
    export = QApplication.activeModalWidget()
    export_folder.mkdir()
    dialogs.expect_file("Folder to export to", export_folder)
    click(export, "Choose")
    wait_for_dialogs(qtbot, dialogs)
    click(export, "Preview")
    qtbot.waitUntil(lambda: export.export_button.isEnabled(), timeout=60_000)
    shots.save_widget(export, "export-aggregates")
    click(export, "Export")
    qtbot.waitUntil(lambda: "Exported" in export.status.text(), timeout=60_000)
    published_folder = export_folder / "anonymised-aggregates"  # the folder chosen, then one of its own
    assert str(published_folder) in export.status.text()
    assert (published_folder / "datapackage.json").exists()
    assert (published_folder / "people_by_age_and_reason.csv").exists()
    published = " ".join(p.read_text() for p in published_folder.glob("*.csv"))
    assert PERSON not in published and "943 476 5919" not in published and "9434765919" not in published
    click(export, "Close")


PERSON = "Ffion Jenkins"


def wait_for_pdf(qtbot, dialogs: Dialogs, path: Path) -> str:
    """The PDF the app wrote there (on its worker thread), read back."""
    wait_for_dialogs(qtbot, dialogs)
    qtbot.waitUntil(lambda: path.exists() and path.stat().st_size > 0, timeout=30_000)
    for _ in range(100):
        try:
            return pdf_text(path)
        except Exception:  # still being written
            qtbot.wait(100)
    return pdf_text(path)


def sign_in_again(qtbot, dialogs: Dialogs, running: RunningApp, name: str, password: str) -> RunningApp:
    """Quit from the File menu, start the app again and sign in through its dialog."""
    menu_action(running.window, "File", "Quit").trigger()
    qtbot.waitUntil(lambda: not running.window.isVisible())
    running.shut_down()
    dialogs.expect(QDialog, "Sign in", sign_in_as(name, password))
    return start(qtbot, dialogs, running.db.path, first_run=False)


def tick(check: QCheckBox) -> None:
    QTest.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))
    assert check.isChecked()


PA = "Carys Hughes"
STATEMENTS = Path(__file__).resolve().parents[1] / "fixtures" / "statements"  # published formats
APPROVER = ("tia.manager", "Tia Manager", "another horse battery")


class Screens:
    """A screenshot of the window as it is now, into the folder the README names."""

    def __init__(self, window: QWidget, folder: Path):
        self.window, self.folder = window, folder

    def save(self, name: str) -> Path:
        return self.save_widget(self.window, name)

    def save_widget(self, widget: QWidget, name: str) -> Path:
        QApplication.processEvents()
        return save_screenshot(widget, self.folder, name)


def menu_action(window, menu: str, item: str):
    for top in window.menuBar().actions():
        if top.menu() is not None and plain(top.text()) == menu:
            for action in top.menu().actions():
                if plain(action.text()).startswith(item):
                    assert action.isEnabled(), f"{menu} > {item} is disabled"
                    return action
    raise AssertionError(f"no menu item {menu} > {item}")


def caseload_names(window) -> list[str]:
    model = window.caseload.table.model()
    return [str(model.index(row, 0).data()) for row in range(model.rowCount())]


def open_in_caseload(window, qtbot, name: str) -> None:
    """Type the name into the caseload search and press Enter, as the README says."""
    search = window.caseload.search_edit
    activate(window)
    type_into(search, name)
    QTest.keyClick(search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace.person() is not None and window.workspace.person().name == name)


def add_person_in_dialog(dialog: QWidget) -> None:
    type_into(dialog.name_edit, PERSON)
    type_into(dialog.dob_field.edit, "04/07/1950")
    type_into(dialog.nhs_edit, "943 476 5919")
    type_into(dialog.locality_combo.lineEdit(), "Millbrook")
    choose(dialog.reason_combo, "Physical Support: Personal care support")
    click(dialog, "Add person")


def choose(combo, text: str) -> None:
    index = combo.findText(text)
    if index < 0:
        index = combo.findText(text, Qt.MatchFlag.MatchStartsWith)
    assert index >= 0, f"{text!r} is not offered in {combo.accessibleName()}"
    combo.setFocus()
    combo.setCurrentIndex(index)


def answer_every_area(page, qtbot) -> None:
    """Click the second answer of every question, one area after another."""
    while True:
        for box in [page.questions_layout.itemAt(i).widget() for i in range(page.questions_layout.count())]:
            if box is None:
                continue
            radios = box.findChildren(QRadioButton)
            if radios:
                click_radio(radios[min(1, len(radios) - 1)])
        if not page.next_button.isVisible() or not page.next_button.isEnabled():
            break
        QTest.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
        qtbot.wait(10)
    assert page.progress.value() == page.progress.maximum(), "some questions are still unanswered"


def click_radio(radio: QRadioButton) -> None:
    """A click on the round button itself (a radio button's far end is not part of it), once it is
    laid out on screen, as a person sees it before clicking."""
    for _ in range(50):
        if radio.height() > 0:
            break
        QApplication.processEvents()
    QTest.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))
    assert radio.isChecked(), (
        f"clicking {plain(radio.text())!r} did not choose it: enabled {radio.isEnabled()} visible "
        f"{radio.isVisible()} size {radio.size().toTuple()} window {radio.window().isActiveWindow()}"
    )


def open_tab(tabs, title: str) -> None:
    """Click the tab with this title."""
    bar = tabs.tabBar()
    index = next((i for i in range(bar.count()) if plain(bar.tabText(i)) == title), -1)
    assert index >= 0, f"no tab {title!r}: " + ", ".join(plain(bar.tabText(i)) for i in range(bar.count()))
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert tabs.currentIndex() == index


def write_plan(page, qtbot) -> None:
    open_tab(page.tabs, "What matters to me")
    type_into(page.what_matters, "Going to chapel on Sundays and seeing my sister Mair every week")
    open_tab(page.tabs, "Outcomes")
    add_row(page.outcomes, ["g", "See my sister every week"])
    add_row(page.outcomes, ["b", "Wash and dress in the morning with help"])
    open_tab(page.tabs, "Costed support")
    add_row(page.items, ["personal_assistant", "PA hours for washing and dressing", "", "14.50", "8", "week"])
    open_tab(page.tabs, "Risks")
    add_row(page.risks, ["Falls at home", "A pendant alarm and a PA in the morning"])
    open_tab(page.tabs, "Contingency")
    type_into(page.contingency, "My sister Mair will help if the PA cannot come")


def add_row(table_widget, values: list[str]) -> None:
    """Press the section's Add button, then fill the new row: pick from drop-downs, type into cells."""
    QTest.mouseClick(table_widget.add_button, Qt.MouseButton.LeftButton)
    table = table_widget.table
    row = table.rowCount() - 1
    for column, value in enumerate(values):
        if not value:
            continue
        widget = table.cellWidget(row, column)
        if isinstance(widget, QComboBox):
            index = widget.findData(value)
            assert index >= 0, f"{value!r} is not offered in column {column}"
            widget.setCurrentIndex(index)
            continue
        fill_cell(table, row, column, value)


def add_account(name: str, display: str, password: str, *, role: str):
    def act(dialog: QWidget) -> None:
        type_into(dialog.username, name)
        type_into(dialog.display_name, display)
        index = next(i for i in range(dialog.role.count()) if role in dialog.role.itemText(i))
        dialog.role.setCurrentIndex(index)
        type_into(dialog.password, password)
        click(dialog, "Add account")
        assert name in " ".join(
            dialog.table.item(r, c).text()
            for r in range(dialog.table.rowCount())
            for c in range(dialog.table.columnCount())
            if dialog.table.item(r, c)
        )
        dialog.done(0)

    return act


def sign_in_as(name: str, password: str):
    def act(dialog: QWidget) -> None:
        fields = {edit.accessibleName(): edit for edit in dialog.findChildren(QLineEdit)}
        type_into(fields["User name"], name)
        type_into(fields["Password"], password)
        click(dialog, "Sign in")

    return act


def decide_with_conditions(page, conditions: str) -> None:
    radios = {plain(r.text()): r for r in page.decision_box.findChildren(QRadioButton)}
    choice = next(r for text, r in radios.items() if "condition" in text.lower())
    click_radio(choice)
    type_into(page.decision_text, conditions)


def table_text(table) -> str:
    model = table.model()
    return " ".join(
        str(model.index(r, c).data() or "")
        for r in range(model.rowCount())
        for c in range(model.columnCount())
    )


def add_provider(name: str, kind: str):
    def act(dialog: QWidget) -> None:
        type_into(dialog.name, name)
        dialog.kind.setCurrentIndex(dialog.kind.findData(kind))
        type_into(dialog.phone, "07700 900123")
        click(dialog, "Save")

    return act


def arrange_with(provider: str, rate: str, paid_from: str, notes: list[str]):
    def act(dialog: QWidget) -> None:
        choose(dialog.provider, provider)
        type_into(dialog.rate, rate)
        notes.append(dialog.rate_note.text())
        choose(dialog.funding, paid_from)
        click(dialog, "Save")

    return act


def fill_cell(table, row: int, column: int, value: str) -> None:
    """Select a cell, press F2, type, press Enter."""
    activate(table.window())
    table.setCurrentCell(row, column)
    QTest.keyClick(table.viewport(), Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit), f"no cell editor at ({row}, {column}) (focus: {editor})"
    editor.selectAll()
    QTest.keyClicks(editor, value)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()  # the view commits the edit on a queued call
    assert table.item(row, column).text() == value


def close_import_dialog(qtbot) -> None:
    """After a refused file the import dialog stays open to choose another; the person cancels."""
    dialog = QApplication.activeModalWidget()
    if dialog is not None and "Import a statement" in dialog.windowTitle():
        click(dialog, "Cancel")
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)


def table_headers(table) -> list[str]:
    return [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]


def tree_text(tree) -> str:
    texts = []
    for index in range(tree.topLevelItemCount()):
        stack = [tree.topLevelItem(index)]
        while stack:
            item = stack.pop()
            texts.extend(item.text(c) for c in range(tree.columnCount()))
            stack.extend(item.child(i) for i in range(item.childCount()))
    return " ".join(texts)
