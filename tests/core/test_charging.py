"""The person's contribution, worked by hand to the penny: a net direct payment with a contribution,
the payments the person makes and the arrears, and NHS funding that carries none."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest

from personalbudget.domain.charging import (
    BudgetSplit,
    Contribution,
    ContributionForm,
    ContributionPayment,
    ContributionStatus,
    PaymentBasis,
    check_contribution,
    contribution_account,
    net_payment,
    split_budget,
    weeks_due,
)
from personalbudget.domain.money import Frequency
from personalbudget.errors import ValidationError
from tests.core.money_helpers import BUDGET, agreed_person, direct_payment

NET = Contribution(
    ContributionStatus.ASSESSED, 4250, date(2026, 4, 6), "Financial assessment", PaymentBasis.NET
)


def test_the_budget_splits_into_the_councils_part_and_the_persons_part():
    # £42.50 a week x 52 = £2,210.00 a year; £8,460.00 - £2,210.00 = £6,250.00 the council's part.
    split = split_budget(BUDGET, BUDGET, NET)
    assert split.person_annual_pence == 221_000
    assert split.council_annual_pence == 625_000
    assert split.person_weekly_pence == 4250
    assert split.council_weekly_pence == 12019  # £6,250 / 52 = £120.1923...
    assert split.summary() == (
        "£8,460.00 a year = the council's part £6,250.00 + the person's part £2,210.00"
    )
    words = " ".join(split.explanation())
    assert "£42.50 a week x 52 weeks = £2,210.00 a year" in words
    assert "£8,460.00 - £2,210.00 = £6,250.00 a year" in words


def test_a_net_direct_payment_pays_only_the_councils_part():
    split = split_budget(BUDGET, BUDGET, NET)
    # Four-weekly: £6,250.00 / 13 = £480.769... -> £480.77 (= £650.77 gross - 4 x £42.50).
    assert net_payment(BUDGET, split, Frequency.FOUR_WEEKS) == 48077
    assert net_payment(BUDGET, split, Frequency.WEEK) == 12019  # £6,250 / 52
    assert net_payment(BUDGET, split, Frequency.MONTH) == 52083  # £6,250 / 12 = £520.833...
    gross = split_budget(BUDGET, BUDGET, Contribution(**{**NET.__dict__, "basis": PaymentBasis.GROSS}))
    assert net_payment(BUDGET, gross, Frequency.FOUR_WEEKS) == 65077  # £8,460 / 13, the whole budget


def test_the_contribution_is_never_more_than_the_social_care_part():
    # A joint budget: £5,200 social care + £3,260 NHS; a £150 a week contribution (£7,800) is capped at £5,200.
    big = Contribution(ContributionStatus.ASSESSED, 15000, date(2026, 4, 6), "Assessed", PaymentBasis.NET)
    split = split_budget(BUDGET, 520_000, big)
    assert split.person_annual_pence == 520_000
    assert split.council_annual_pence == 326_000
    assert split.capped
    assert "NHS funding of £3,260.00 a year carries no contribution." in split.explanation()


def test_awaited_and_nil_contributions_leave_the_whole_budget_with_the_council():
    for status in (ContributionStatus.AWAITING, ContributionStatus.NIL):
        split = split_budget(BUDGET, BUDGET, Contribution(status, 0, date(2026, 4, 6), "x", PaymentBasis.NET))
        assert split.council_annual_pence == BUDGET and split.person_annual_pence == 0
    assert isinstance(split, BudgetSplit)


def test_nhs_funding_carries_no_contribution():
    form = ContributionForm("assessed", "20.00", date(2026, 4, 6), "Assessed", "net")
    with pytest.raises(ValidationError) as problem:
        check_contribution(form, "personal_health_budget")
    assert "NHS funding, which is free to the person" in str(problem.value)
    nil = check_contribution(
        ContributionForm("nil", "", date(2026, 4, 6), "NHS CHC", "net"), "personal_health_budget"
    )
    assert nil.weekly_pence == 0


def test_a_contribution_form_names_each_mistake():
    with pytest.raises(ValidationError) as problem:
        check_contribution(ContributionForm("assessed", "0", None, " ", "sideways"), "personal_budget")
    fields = {e.field for e in problem.value.errors}
    assert fields == {"weekly_amount", "starts_on", "reason", "basis"}
    assert "choose 'Nil' instead" in problem.value.for_field("weekly_amount")[0]


def test_arrears_by_hand_and_the_alert_in_words():
    # From Monday 6 April 2026 to Monday 23 November 2026 inclusive is 232 days: 33 whole weeks.
    as_of = date(2026, 11, 23)
    assert weeks_due(NET.starts_on, as_of) == 33
    assert weeks_due(NET.starts_on, date(2026, 4, 11)) == 0  # the first week is due on its 7th day
    assert weeks_due(NET.starts_on, date(2026, 4, 12)) == 1
    # Seven four-weekly payments of £170.00 = £1,190.00 against 33 x £42.50 = £1,402.50 due.
    paid = (
        [ContributionPayment(date(2026, 4, 6 + 0), 17000)]
        + [
            ContributionPayment(day, 17000)
            for day in (
                date(2026, 5, 4),
                date(2026, 6, 1),
                date(2026, 6, 29),
                date(2026, 7, 27),
                date(2026, 8, 24),
            )
        ]
        + [ContributionPayment(date(2026, 9, 21), 17000), ContributionPayment(date(2026, 12, 1), 17000)]
    )
    account = contribution_account(NET, paid, as_of)
    assert account.due_pence == 140_250
    assert account.paid_pence == 119_000  # the December payment is after the day looked at
    assert account.arrears_pence == 21_250  # 5 weeks of £42.50
    assert account.behind
    assert account.alert() == (
        "The person's contribution is £212.50 behind (about 5 weeks): £1,190.00 paid of £1,402.50 due since "
        "6 Apr 2026. Talk with the person about it; if it is hard to pay, they can ask for the financial "
        "assessment to be looked at again."
    )
    caught_up = contribution_account(NET, [*paid, ContributionPayment(date(2026, 10, 19), 17000)], as_of)
    assert caught_up.arrears_pence == 4250  # one week behind is a payment in the post, not an alert
    assert not caught_up.behind and caught_up.alert() is None


# -- through the services ---------------------------------------------------------------------------


def test_a_net_direct_payment_with_a_contribution_through_the_services(services):
    pid = agreed_person(services)
    view = services.charging.record_contribution(
        pid,
        ContributionForm("assessed", "42.50", date(2026, 4, 6), "Financial assessment 2 March 2026", "net"),
    )
    assert view.split.council_annual_pence == 625_000 and view.split.person_annual_pence == 221_000
    # Step 4: the schedule pays the council's part, four-weekly.
    assert services.charging.council_payment(pid, BUDGET, Frequency.FOUR_WEEKS) == 48077
    services.management.record_management(pid, direct_payment(amount="480.77"))
    # Step 6: the person pays into the account; the payment is money in on the ledger too.
    before = services.ledger.ledger(pid).balance
    services.charging.record_payment(pid, date(2026, 5, 4), "170.00", "Standing order")
    assert services.ledger.ledger(pid).balance == before + 17000
    ledger = services.charging.ledger(pid)
    assert ledger.into_account
    # 33 weeks due (£1,402.50), £170.00 paid: £1,232.50 behind.
    assert ledger.account.due_pence == 140_250
    assert ledger.account.arrears_pence == 123_250
    assert "£1,232.50 behind (about 29 weeks)" in ledger.alert
    # Deleting the payment takes its line out of the account too.
    services.charging.delete_payment(pid, ledger.payments[0].payment_id)
    assert services.ledger.ledger(pid).balance == before
    with pytest.raises(ValidationError):
        services.charging.record_payment(pid, date(2030, 1, 1), "10.00")


def test_no_contribution_ledger_until_one_is_charged(services):
    pid = agreed_person(services)
    assert services.charging.ledger(pid) is None
    assert services.charging.get_contribution(pid).split.council_annual_pence == BUDGET
    with pytest.raises(ValidationError):
        services.charging.record_payment(pid, date(2026, 5, 4), "10.00")


# -- a budget that starts (or ends) part way through the budget year, by hand --------------------------


def test_a_mid_year_start_is_pro_rated_by_days_and_planned_so_far_forecast_and_alerts_agree():
    from personalbudget.domain.management import PaymentSchedule
    from personalbudget.domain.monitoring import Movement, PlannedLine, monitor, part_year_words, planned_by

    # A PA at £15.00 an hour for 10 hours a week: £150.00 a week, £7,800.00 a year, from 1 October 2026.
    pa = PlannedLine("1", "PA hours", Fraction(780_000), Frequency.WEEK, True, date(2026, 10, 1))
    year = (date(2026, 4, 1), date(2027, 3, 31))  # 365 days
    # This budget year: 1 Oct 2026 to 31 Mar 2027 is 182 days: £7,800 x 182 / 365 = £3,889.315... -> £3,889.32.
    assert planned_by(pa, *year, year[1]) == Fraction(780_000 * 182, 365)
    assert part_year_words(pa, *year) == (
        "£7,800.00 a year x 182 of 365 days (1 Oct 2026 to 31 Mar 2027) = £3,889.32"
    )
    # Support that also ends on 31 December 2026: 92 days, £7,800 x 92 / 365 = £1,966.027... -> £1,966.03.
    ending = PlannedLine(
        "1", "PA hours", Fraction(780_000), Frequency.WEEK, True, date(2026, 10, 1), "", date(2026, 12, 31)
    )
    assert part_year_words(ending, *year) == (
        "£7,800.00 a year x 92 of 365 days (1 Oct 2026 to 31 Dec 2026) = £1,966.03"
    )
    assert planned_by(ending, *year, date(2027, 2, 1)) == planned_by(ending, *year, date(2026, 12, 31))

    # Four-weekly payments of £600.00 from 1 October; £150.00 spent every Thursday from 8 October.
    schedule = PaymentSchedule(Frequency.FOUR_WEEKS, date(2026, 10, 1), 60_000, True)
    paid_in = [
        Movement(d, 60_000, "")
        for d in (date(2026, 10, 1), date(2026, 10, 29), date(2026, 11, 26), date(2026, 12, 24))
    ]
    thursdays = [date(2026, 10, 8) + timedelta(days=7 * n) for n in range(13)]  # to 31 December
    spent = [Movement(d, -15_000, "1") for d in thursdays]
    result = monitor(
        paid_in + spent,
        [pa],
        period=year,
        today=date(2026, 12, 31),
        schedule=schedule,
        surplus_limit_weeks=8,
        recent_weeks=8,
    )
    line = result.lines[0]
    # Planned so far: 1 Oct to 31 Dec is 92 days: £7,800 x 92 / 365 = £1,966.03; spent 13 x £150 = £1,950.00.
    assert line.planned_year_pence == 388_932
    assert line.planned_so_far_pence == 196_603
    assert line.spent_pence == 195_000
    assert line.difference_words == "£16.03 left"
    assert result.total.planned_so_far_pence == 196_603
    assert result.balance_pence == 45_000  # 4 x £600 in, £1,950 out
    # Forecast: £1,200.00 spent in the last 56 days (£21.43 a day) x 90 days left = £1,928.57;
    # payments to come 21 Jan, 18 Feb, 18 Mar = £1,800.00; £450.00 + £1,800.00 - £1,928.57 = £321.43.
    forecast = result.forecast
    assert forecast.spent_in_window_pence == 120_000 and forecast.window_days == 56
    assert forecast.days_left == 90 and forecast.payments_to_come == 3
    assert forecast.end_balance_pence == 32_143
    assert result.alerts == ()  # on track: no alert contradicts the figures
    # The chart's planned line agrees: nothing before October, £1,966.03 by the end of December.
    months = {m.month: m.planned_pence for m in result.months}
    assert months[date(2026, 9, 1)] == 0
    assert months[date(2026, 12, 1)] == 196_603


def test_the_plan_and_the_budget_statement_show_both_parts_to_the_penny(services, tmp_path):
    from pypdf import PdfReader

    def text(path) -> str:
        return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())

    pid = agreed_person(services)
    services.charging.record_contribution(
        pid, ContributionForm("assessed", "42.50", date(2026, 4, 6), "Financial assessment", "net")
    )
    plan = text(services.reports.write_plan(pid, tmp_path / "plan.pdf"))
    assert "The person's contribution: £42.50 a week x 52 weeks = £2,210.00 a year" in plan
    assert "The council's part: £8,460.00 - £2,210.00 = £6,250.00 a year." in plan
    services.management.record_management(pid, direct_payment(amount="480.77"))
    services.charging.record_payment(pid, date(2026, 5, 4), "170.00")
    services.charging.record_payment(pid, date(2026, 6, 1), "170.00")
    statement = text(
        services.reports.write_statement(pid, date(2026, 4, 1), date(2026, 5, 31), tmp_path / "statement.pdf")
    )
    assert "£8,460.00 a year = the council's part £6,250.00 + the person's part £2,210.00" in statement
    assert "Paid by the person from 1 Apr 2026 to 31 May 2026: £170.00." in statement
    # 6 April to 31 May inclusive is 56 days: 8 whole weeks, £340.00 due, £170.00 paid by then.
    assert "£42.50 a week for 8 whole weeks from 6 Apr 2026 to 31 May 2026 = £340.00." in statement
    assert "Arrears: £170.00." in statement


# -- a surplus beyond the limit: a conversation and an option before anything is recovered -----------


def test_a_surplus_needs_a_conversation_and_an_option_and_the_person_is_told_in_words(services):
    from personalbudget.domain.surplus import SurplusForm
    from personalbudget.services.ledger_service import TransactionForm

    pid = agreed_person(services)
    services.management.record_management(pid, direct_payment())  # £650.77 four-weekly
    services.ledger.add_transaction(pid, TransactionForm(date(2026, 4, 6), "1000.00", True, "Council DP"))
    view = services.charging.surplus(pid)
    # The limit: £650.77 x 13 / 52 = £162.6925 a week x 8 weeks = £1,301.54.
    assert view.limit_pence == 130_154 and view.surplus_pence == 0
    with pytest.raises(ValidationError) as none:
        services.charging.record_surplus_decision(pid, SurplusForm("recover", "10.00", "Talked"))
    assert "is not more than the limit of £1,301.54: there is no surplus" in str(none.value)
    services.ledger.add_transaction(pid, TransactionForm(date(2026, 5, 4), "1000.00", True, "Council DP"))
    view = services.charging.surplus(pid)
    assert view.balance_pence == 200_000 and view.surplus_pence == 69_846  # £2,000.00 - £1,301.54
    with pytest.raises(ValidationError) as problem:
        services.charging.record_surplus_decision(pid, SurplusForm("recover", "700.00", " "))
    assert {e.field for e in problem.value.errors} == {"conversation", "amount"}
    assert "£700.00 is more than the surplus of £698.46." in problem.value.for_field("amount")
    with pytest.raises(ValidationError) as purchase:
        services.charging.record_surplus_decision(
            pid, SurplusForm("keep_for_purchase", "300.00", "Phone call")
        )
    assert purchase.value.for_field("purchase")
    decision = services.charging.record_surplus_decision(
        pid, SurplusForm("recover", "698.46", "Phone call with Gwen and her sister on 20 November")
    )
    assert decision.told_in_words == (
        "On 23 Nov 2026 your account had £2,000.00. That is £698.46 more than 8 weeks of payments "
        "(£1,301.54), which is the most the council usually expects to be left in it. We talked about it: "
        "Phone call with Gwen and her sister on 20 November. We agreed the council takes back £698.46. "
        "You keep £1,301.54 in the account for your support. If you think this is wrong, tell us and we "
        "will look at it again."
    )
    assert services.charging.surplus(pid).decisions[0].told_in_words == decision.told_in_words


def test_the_forecast_counts_the_persons_contribution_still_to_come_for_a_net_direct_payment(services):
    from personalbudget.services.ledger_service import TransactionForm

    pid = agreed_person(services)
    services.charging.record_contribution(
        pid, ContributionForm("assessed", "42.50", date(2026, 4, 6), "Financial assessment", "net")
    )
    services.management.record_management(pid, direct_payment(amount="480.77"))
    services.ledger.add_transaction(pid, TransactionForm(date(2026, 4, 6), "480.77", True, "Council DP"))
    forecast = services.monitoring.monitoring(pid).monitoring.forecast
    # Whole weeks from 6 Apr 2026: 33 by 23 Nov, 51 by 31 Mar 2027 (360 days): 18 weeks x £42.50 = £765.00.
    assert forecast.contribution_weeks_to_come == 18
    assert forecast.contributions_to_come_pence == 76_500
    assert "The person's contribution still to come: 18 weeks worth £765.00." in forecast.explanation()
    # Balance £480.77 + council payments to come + £765.00, nothing spent.
    assert forecast.end_balance_pence == 48_077 + forecast.payments_to_come_pence + 76_500
