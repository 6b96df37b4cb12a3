"""Issue 13, defects found in the acceptance walk at steps 1, 4 and 5 (the pages)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QInputDialog

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.management import ManagementOption, ShareEntry
from personalbudget.domain.support import ArrangementForm, ProviderForm
from tests.core.money_helpers import agreed_person, arrange_everything, direct_payment
from tests.ui.conftest import add_person
from ui.dialogs.provider_dialog import ProviderDialog
from ui.steps.budget_page import BudgetPage
from ui.steps.management_page import ManagementPage
from ui.steps.person_workspace_widget import PersonWorkspaceWidget
from ui.steps.support_page import SupportPage


@pytest.fixture
def person(services):
    return add_person(services, "Ffion Jenkins", nhs="943 476 5919")


@pytest.fixture
def support_page(qtbot, services, signals):
    page = SupportPage(services, signals)
    qtbot.addWidget(page)
    return page


# -- step 1 ------------------------------------------------------------------------------------------


def test_step1_shows_health_answers_a_social_care_budget_does_not_fund(qtbot, services, signals, person):
    page = BudgetPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(person.id)
    page.answer("hygiene.washing", "some_help")  # 7 points
    page.answer("health.clinical", "daily")  # 14 points the social care budget does not fund
    page.answer("family_support.carer", "some")
    assert page.figure.text() == "£35.00 a week"  # 7 x £5.50 = £38.50, 10% less = £34.65, rounded
    assert "Not in this figure: 14 points this type of budget does not fund" in page.figure_note.text()
    breakdown = page.breakdown.text()
    assert "Health needs: not funded by this type of budget" in breakdown
    assert "14 points are not counted" in breakdown
    assert "Joint budget (social care and NHS)" in breakdown and "personal health budget" in breakdown
    assert "reduced by 10%" in breakdown
    # A joint budget funds them: they join the figure and the note goes.
    page.budget_type.setCurrentIndex(page.budget_type.findData("joint_budget"))
    assert "Not in this figure" not in page.figure_note.text()
    assert "not funded" not in page.breakdown.text()
    page.resize(1366, 768)
    page.budget_type.setCurrentIndex(page.budget_type.findData("personal_budget"))
    page.grab().save("/tmp/d/step1.png")


# -- step 5 ------------------------------------------------------------------------------------------


def test_step5_is_not_done_while_a_pa_has_no_employers_liability_insurance(qtbot, services, signals):
    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())
    arrange_everything(services, pid)  # every item arranged; Sam Jones is a PA
    workspace = PersonWorkspaceWidget(services, signals)
    qtbot.addWidget(workspace)
    workspace.resize(1366, 768)
    workspace.show()
    assert workspace.show_person(pid)
    workspace.show_step(Step.ORGANISE_SUPPORT)
    assert "Everything this step needs is done" not in workspace.blocker_label.text()
    assert "Support is not in place yet" in workspace.blocker_label.text()
    page = workspace.pages.currentWidget()
    assert isinstance(page, SupportPage)
    assert (
        "Support is not in place yet:</b> Employer's liability insurance is not recorded"
        in page.gaps_label.text()
    )
    workspace.grab().save("/tmp/d/step5_no_insurance.png")
    # Recording the insurance on the checklist completes the step.
    page.tabs.setCurrentIndex(2)
    page.insurer.setText("Fictional Mutual")
    page.insurance_expires.set_date(date(2027, 6, 1))
    assert page.save_employer()
    signals.cycle_changed.emit(pid)
    assert "Everything this step needs is done" in workspace.blocker_label.text()


def test_step5_confirming_without_insurance_asks_why(support_page, services, monkeypatch):
    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())
    arrange_everything(services, pid)
    support_page.show_person(pid)
    asked = []

    def answer(_parent, title, text, *args, **kwargs):
        asked.append((title, text))
        return "", False  # cancelled: nothing happens

    monkeypatch.setattr(QInputDialog, "getMultiLineText", staticmethod(answer))
    support_page.ask_confirm()
    assert asked and "Employer's liability insurance is not recorded" in asked[0][1]
    assert services.lifecycle.get_cycle(pid).current_step == Step.ORGANISE_SUPPORT


def test_step5_a_rate_above_the_plan_is_said_in_the_dialog_and_on_the_page(support_page, services):
    pid = agreed_person(services)  # PA hours: £15.00 x 10 a week
    services.management.record_management(pid, direct_payment())
    sam = services.support.save_provider(ProviderForm("Sam Jones", "personal_assistant"))
    support_page.show_person(pid)
    dialog = support_page.arrangement_dialog(0)
    dialog.choose_provider(sam.id)
    assert dialog.rate_note.isHidden()  # the plan's own rate
    dialog.rate.setText("15.50")
    assert not dialog.rate_note.isHidden()
    assert "Sam Jones's rate of £15.50 is £0.50 a unit more than the plan's £15.00" in dialog.rate_note.text()
    assert "£260.00 a year more than planned" in dialog.rate_note.text()
    assert dialog.save()
    support_page.after_arranging(dialog.result_view)
    assert "Above the plan:" in support_page.gaps_label.text()
    assert "£260.00 a year more than planned" in support_page.gaps_label.text()
    assert support_page.items_table.item(0, 5).text() == "Arranged; £0.50 a unit over the plan"
    # The direct payment holds exactly the plan, so the higher rate leaves it short by the same £260.
    assert "Direct payment to the person is £260.00 short" in support_page.gaps_label.text()
    support_page.resize(1366, 768)
    support_page.grab().save("/tmp/d/step5_rate.png")


def test_step5_directory_search_and_a_refused_duplicate(support_page, services, message_boxes):
    for name, kind in (
        ("Bryn Vale Home Care", "agency"),
        ("Sam Jones", "personal_assistant"),
        ("Eastfield Leisure", "universal"),
    ):
        services.support.save_provider(ProviderForm(name, kind, phone="01632 960000"))
    pid = agreed_person(services)
    support_page.show_person(pid)
    table = support_page.providers_table
    visible = lambda: [table.item(r, 0).text() for r in range(table.rowCount()) if not table.isRowHidden(r)]  # noqa: E731
    assert len(visible()) == 3 and "3 entries in the directory." in support_page.providers_found.text()
    support_page.provider_search.setText("bryn")
    assert visible() == ["Bryn Vale Home Care"]
    assert "1 of 3 entries matches 'bryn'." in support_page.providers_found.text()
    support_page.provider_search.setText("personal assistant")  # the type, in words
    assert visible() == ["Sam Jones"]
    support_page.provider_search.setText("nobody here")
    assert (
        visible() == []
        and "Nothing in the directory matches 'nobody here'" in support_page.providers_found.text()
    )
    support_page.provider_search.clear()
    assert len(visible()) == 3
    # Adding the same agency again is refused in the dialog, naming the entry already there.
    dialog = ProviderDialog(services, None, support_page)
    dialog.name.setText("bryn vale home care")
    dialog.kind.setCurrentIndex(dialog.kind.findData("agency"))
    assert not dialog.save()
    assert "Bryn Vale Home Care (Agency) is already in the directory" in message_boxes.texts("warning")[-1]
    assert [p.name for p in services.support.providers()].count("Bryn Vale Home Care") == 1
    support_page.tabs.setCurrentIndex(1)
    support_page.provider_search.setText("e")
    support_page.resize(1366, 768)
    support_page.grab().save("/tmp/d/step5_directory.png")


# -- step 4 ------------------------------------------------------------------------------------------


def test_step4_says_which_pot_is_short_and_by_how_much_as_amounts_are_typed(qtbot, services, signals):
    pid = agreed_person(services)  # £8,460: PA hours £7,800, gym £360, kitchen equipment £300
    form = direct_payment()
    form.shares = [ShareEntry("direct_payment", "2,000.00"), ShareEntry("council_commissioned", "6,460.00")]
    services.management.record_management(pid, form)
    sam = services.support.save_provider(ProviderForm("Sam Jones", "personal_assistant"))
    pa_hours = services.support.get_support(pid).items[0].item.item_id
    services.support.save_arrangement(
        pid, ArrangementForm(pa_hours, sam.id, date(2026, 4, 6), "15.00", "direct_payment")
    )
    page = ManagementPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)
    text = page.pots_label.text()
    assert not page.pots_label.isHidden()
    assert "Not enough for its plan lines:" in text
    assert "Direct payment to the person is £5,800.00 short: it has £2,000.00 a year" in text
    assert "Personal assistant: PA hours £7,800.00 a year" in text
    assert "2 plan lines (£660.00 a year) are not paid from any of these yet" in text
    page.resize(1366, 768)
    page.grab().save("/tmp/d/step4_short.png")
    # Moving money between the pots, as typed, puts it right before anything is recorded.
    page.rows[ManagementOption.DIRECT_PAYMENT].amount.setText("7,800.00")
    page.rows[ManagementOption.COUNCIL_COMMISSIONED].amount.setText("660.00")
    assert "short" not in page.pots_label.text()
    assert "Every penny is allocated." in page.totals_label.text()
