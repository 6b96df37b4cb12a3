"""The person's contribution on the step pages: recorded in step 1 with the budget split into the
council's part and the person's, the net payment suggested in step 4, and the person's payments,
arrears and the alert in words in step 6."""

from __future__ import annotations

from datetime import date

from personalbudget.domain.charging import ContributionForm
from personalbudget.domain.management import ManagementOption
from tests.core.money_helpers import agreed_person, direct_payment
from ui.steps.budget_page import BudgetPage
from ui.steps.ledger_page import LedgerPage
from ui.steps.management_page import ManagementPage

ASSESSED = ContributionForm("assessed", "42.50", date(2026, 4, 6), "Financial assessment 2 March 2026", "net")


def test_step_one_records_the_contribution_and_shows_both_parts(qtbot, services, signals, message_boxes):
    pid = agreed_person(services)
    page = BudgetPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)
    assert "has not been recorded yet" in page.contribution_label.text()
    refused = ContributionForm("assessed", "", date(2026, 4, 6), "x", "net")
    assert not page.record_contribution(refused)
    assert "Weekly contribution" in message_boxes.texts("warning")[-1]
    assert page.record_contribution(ASSESSED)
    text = page.contribution_label.text()
    assert "£42.50 a week from 6 Apr 2026 (paid net)" in text
    assert "£8,460.00 a year = the council&#x27;s part £6,250.00 + the person&#x27;s part £2,210.00" in text


def test_step_four_suggests_the_councils_part_for_a_net_direct_payment(qtbot, services, signals):
    pid = agreed_person(services)
    services.charging.record_contribution(pid, ASSESSED)
    page = ManagementPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)
    page.choose(ManagementOption.DIRECT_PAYMENT)
    page.suggest_amount()
    assert page.payment_amount.text() == "480.77"  # (£8,460.00 - £2,210.00) / 13
    assert (
        "less the person's contribution of £2,210.00 a year is £6,250.00 a year" in page.payments_label.text()
    )


def test_step_six_shows_the_persons_payments_arrears_and_the_alert(qtbot, services, signals):
    pid = agreed_person(services)
    services.charging.record_contribution(pid, ASSESSED)
    services.management.record_management(pid, direct_payment(amount="480.77"))
    page = LedgerPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)
    assert page.contribution() is not None
    assert page.record_contribution_payment(date(2026, 5, 4), "170.00", "Standing order")
    assert page.contribution_table.rowCount() == 1
    assert page.contribution_table.item(0, 1).text() == "£170.00"
    assert page.contribution_table.item(0, 2).text() == "This account"
    text = page.contribution_label.text()
    assert "33 whole weeks from 6 Apr 2026 to 23 Nov 2026 = £1,402.50" in text
    assert "Arrears: £1,232.50." in text
    assert not page.contribution_alert_label.isHidden()
    assert "£1,232.50 behind (about 29 weeks)" in page.contribution_alert_label.text()
    assert page.ledger().balance == 17000  # the payment is money in on the ledger too


def test_the_coproduction_view_says_both_parts_in_words(window, services):
    from personalbudget.plain_language import money_in_words
    from tests.ui.conftest import add_person

    person = add_person(services, "Ffion Jenkins", nhs="943 476 5919")
    answers = {q.id: q.answers[1].id for q in services.budget.ras.questions.values()}
    services.budget.save_answers(person.id, "personal_budget", answers)
    services.charging.record_contribution(person.id, ASSESSED)
    window.caseload.refresh()
    assert window.open_person(person.id)
    window.coproduction.set_on(True)
    window.coproduction_view.questions.choose(window.coproduction_view.questions.question().answers[1].id)
    text = window.coproduction_view.budget_words.text()
    # £163.00 a week = £8,476.00 a year; the person £42.50, the council £163.00 - £42.50 = £120.50,
    # said to the pound (issue 19).
    assert "You pay about £43 a week towards it." in text
    assert "The council pays about £121 a week." in text
    assert "42.50" not in text and money_in_words(4250) not in text


def test_the_uplift_dialog_lists_the_people_before_applying(qtbot, services, signals):
    from ui.dialogs.uplift_dialog import UpliftDialog

    pid = agreed_person(services)
    dialog = UpliftDialog(services, date(2026, 4, 6))
    qtbot.addWidget(dialog)
    dialog.percent.setText("3.2")
    dialog.reason.setText("April 2026 rate rise")
    assert not dialog.apply_button.isEnabled()
    assert dialog.show_people()
    assert dialog.people.rowCount() == 1
    assert [dialog.people.item(0, c).text() for c in range(3)] == ["Gwen Price", "£8,460.00", "£8,730.72"]
    assert dialog.apply_button.isEnabled()
    dialog.percent.setText("3.3")  # a change after the list was shown: show it again first
    assert not dialog.apply_button.isEnabled()
    dialog.percent.setText("3.2")
    dialog.show_people()
    assert dialog.apply()
    assert services.budget.get_budget(pid).agreed.annual_pence == 873_072


def test_the_financial_assessment_fills_in_the_contribution_and_names_its_rules_file(
    qtbot, services, signals
):
    from ui.dialogs.financial_assessment_dialog import FinancialAssessmentDialog
    from ui.steps.budget_page import ContributionDialog

    pid = agreed_person(services)
    assessment = FinancialAssessmentDialog(services, 16_269)
    qtbot.addWidget(assessment)
    assert "default.toml" in assessment.findChildren(type(assessment.result_label))[0].text()
    # Wales (the shipped rules): aged 25+, ESA £140.55 + PIP daily living £110.40, disability premium:
    # £250.95 - (£119.60 + £52.35) - £20.00 DRE = £59.00 a week.
    assessment.incomes["esa"].setText("140.55")
    assessment.incomes["pip_daily_living"].setText("110.40")
    assessment.incomes["pip_mobility"].setText("77.05")
    assessment.band.setCurrentIndex(assessment.band.findData("adult_25_plus"))
    assessment.premiums["disability"].setChecked(True)
    assert assessment.work_out()
    assert "The person&#x27;s contribution: £59.00 a week." in assessment.result_label.text()
    dialog = ContributionDialog(None, False, date(2026, 4, 6), services=services, care_weekly_pence=16_269)
    qtbot.addWidget(dialog)
    dialog.use_assessment(assessment.assessment)
    form = dialog.form()
    assert (form.status, form.weekly_amount, form.rules_file) == ("assessed", "59.00", "default.toml")
    page = BudgetPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)
    assert page.record_contribution(form)
    assert "Worked out with the financial assessment rules in default.toml." in page.contribution_label.text()


def test_a_mid_year_start_on_screen_to_the_penny(qtbot, services, signals):
    from personalbudget.domain.support import ArrangementForm, ProviderForm
    from tests.core.money_helpers import directory_entry

    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment(first=date(2026, 10, 1)))
    view = services.support.get_support(pid)
    pa = directory_entry(services, ProviderForm("Sam Jones", "personal_assistant", phone="07700 900111"))
    gym = directory_entry(services, ProviderForm("Eastfield Leisure", "universal"))
    shop = directory_entry(services, ProviderForm("Kitchen World", "micro_enterprise"))
    for entry, provider, rate in zip(view.items, (pa, gym, shop), ("15.00", "30.00", "300.00"), strict=True):
        services.support.save_arrangement(
            pid, ArrangementForm(entry.item.item_id, provider.id, date(2026, 10, 1), rate)
        )
    page = LedgerPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)
    rows = {
        page.plan_table.item(r, 0).text(): [page.plan_table.item(r, c).text() for c in (1, 2)]
        for r in range(page.plan_table.rowCount())
    }
    # From 1 October: 182 of the year's 365 days; by 23 November, 54 days.
    # PA £7,800 x 182/365 = £3,889.32 this year, x 54/365 = £1,153.97 so far.
    assert rows["Personal assistant: PA hours"] == ["£3,889.32", "£1,153.97"]
    # Gym £360 x 182/365 = £179.51, x 54/365 = £53.26; the one-off £300 counts in full.
    assert rows["Community and leisure activities: Gym membership"] == ["£179.51", "£53.26"]
    # Total: £8,160 x 182/365 + £300 = £4,368.82; so far £8,160 x 54/365 + £300 = £1,507.23.
    assert rows["Total"] == ["£4,368.82", "£1,507.23"]


def test_without_an_account_step_six_still_says_the_contribution_and_arrears(qtbot, services, signals):
    pid = agreed_person(services)  # how the budget is managed is not recorded yet: no account
    gross = ContributionForm("assessed", "42.50", date(2026, 4, 6), "Financial assessment", "gross")
    services.charging.record_contribution(pid, gross)
    services.charging.record_payment(pid, date(2026, 11, 2), "1400.00", "Paid to the council")
    page = LedgerPage(services, signals)
    qtbot.addWidget(page)
    page.show_person(pid)
    assert page.stack.currentIndex() == 1  # no account kept
    text = page.no_account_label.text()
    assert "£42.50 a week from 6 Apr 2026 (paid gross)" in text
    assert "= £1,402.50." in text and "Arrears: £2.50." in text  # 33 weeks due; £1,400.00 paid
