"""Spend against plan, the hand-worked forecast, alerts, settings, and the budget statement PDF."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from pypdf import PdfReader

from personalbudget.cli import run
from personalbudget.domain.management import PaymentSchedule
from personalbudget.domain.money import Frequency
from personalbudget.domain.monitoring import (
    AlertKind,
    Movement,
    PlannedLine,
    Status,
    budget_year,
    forecast_balance,
    monitor,
    planned_by,
)
from personalbudget.domain.statement_parsing import ColumnMapping
from personalbudget.errors import ValidationError
from personalbudget.services.ledger_service import TransactionForm
from personalbudget.services.settings_service import MoneySettings
from tests.core.money_helpers import item_ids, living_person

SCHEDULE = PaymentSchedule(Frequency.FOUR_WEEKS, date(2026, 4, 6), 50_000, True)
YEAR = (date(2026, 4, 1), date(2027, 3, 31))
TODAY = date(2026, 11, 23)


def test_budget_years_run_april_to_march():
    assert budget_year(date(2026, 4, 1)) == YEAR
    assert budget_year(date(2027, 3, 31)) == YEAR
    assert budget_year(date(2026, 3, 31)) == (date(2025, 4, 1), date(2026, 3, 31))


def test_the_forecast_worked_by_hand():
    movements = [
        Movement(date(2026, 6, 1), 100_000, ""),  # £1,000 paid in
        Movement(date(2026, 8, 31), -10_000, "1"),  # before the 12-week window: in the balance, not the rate
        Movement(date(2026, 9, 1), -42_000, "1"),  # first day of the window (23 Nov - 83 days)
        Movement(date(2026, 11, 23), -42_000, ""),
    ]
    forecast = forecast_balance(movements, TODAY, YEAR[1], SCHEDULE, recent_weeks=12)
    assert forecast is not None
    # Balance: 1,000 - 100 - 420 - 420 = £60.
    assert forecast.balance_now_pence == 6_000
    # Rate: £840 over the 84 days from 1 Sep to 23 Nov = £10 a day.
    assert (forecast.window_start, forecast.window_days, forecast.spent_in_window_pence) == (
        date(2026, 9, 1),
        84,
        84_000,
    )
    assert forecast.daily_rate == 1_000
    # 128 days from 24 Nov to 31 Mar use £1,280; payments still to come on 14 Dec, 11 Jan, 8 Feb and
    # 8 Mar bring £2,000; so 60 + 2,000 - 1,280 = £780.
    assert (forecast.days_left, forecast.payments_to_come, forecast.payments_to_come_pence) == (
        128,
        4,
        200_000,
    )
    assert forecast.end_balance_pence == 78_000
    lines = forecast.explanation()
    assert lines[1] == "Spending from 1 Sept 2026 to 23 Nov 2026 (84 days): £840.00, about £10.00 a day."
    assert lines[-1] == "Forecast balance on 31 Mar 2027: £780.00."


def test_a_young_account_uses_its_own_history_and_a_new_one_has_no_forecast():
    young = [Movement(date(2026, 11, 1), 50_000, ""), Movement(date(2026, 11, 10), -23_000, "1")]
    forecast = forecast_balance(young, TODAY, YEAR[1], None, recent_weeks=12)
    assert (forecast.window_start, forecast.window_days, forecast.daily_rate) == (
        date(2026, 11, 1),
        23,
        Fraction(1000),
    )
    assert forecast_balance([Movement(date(2026, 11, 20), -100, "")], TODAY, YEAR[1], None, 12) is None


def test_refunds_against_the_plan_reduce_spending_not_count_as_payments_in():
    movements = [
        Movement(date(2026, 11, 1), 50_000, ""),
        Movement(date(2026, 11, 2), -3_000, "1"),
        Movement(date(2026, 11, 3), 1_000, "1"),
    ]
    result = monitor(
        movements,
        [PlannedLine("1", "Gym", Fraction(36_000), Frequency.MONTH)],
        period=YEAR,
        today=TODAY,
        schedule=None,
        surplus_limit_weeks=8,
        recent_weeks=12,
    )
    assert (result.payments_in_pence, result.lines[0].spent_pence, result.balance_pence) == (
        50_000,
        2_000,
        48_000,
    )


PA = PlannedLine("pa", "PA hours", Fraction(780_000), Frequency.WEEK)
GYM = PlannedLine("gym", "Gym", Fraction(36_000), Frequency.MONTH)
KIT = PlannedLine("kit", "Kitchen equipment", Fraction(30_000), Frequency.ONE_OFF)


def test_planned_so_far_is_pro_rata_except_one_off_and_yearly_costs():
    # 237 days from 1 April to 23 November of a 365-day budget year.
    assert planned_by(PA, *YEAR, TODAY) == Fraction(780_000 * 237, 365)
    assert planned_by(KIT, *YEAR, TODAY) == 30_000
    assert planned_by(PA, *YEAR, date(2026, 3, 31)) == 0
    assert planned_by(PA, *YEAR, YEAR[1]) == 780_000
    late = PlannedLine("pa", "PA hours", Fraction(780_000), Frequency.WEEK, starts_on=date(2026, 10, 1))
    assert planned_by(late, *YEAR, TODAY) == Fraction(780_000 * 54, 365)  # 1 Oct to 23 Nov


def test_spend_against_plan_per_item_and_in_total_with_alerts_in_words():
    movements = [Movement(date(2026, 4, 6), 500_000, "")]
    movements += [Movement(date(2026, 5, 1), -600_000, "pa")]  # well ahead of £5,064.66 planned so far
    movements += [Movement(date(2026, 6, 1), -10_000, "gym"), Movement(date(2026, 6, 2), -2_000, "")]
    result = monitor(
        movements,
        [PA, GYM, KIT],
        period=YEAR,
        today=TODAY,
        schedule=SCHEDULE,
        surplus_limit_weeks=8,
        recent_weeks=12,
    )
    lines = {line.key: line for line in result.lines}
    assert (lines["pa"].planned_so_far_pence, lines["pa"].spent_pence, lines["pa"].status) == (
        506_466,
        600_000,
        Status.OVER,
    )
    assert (lines["gym"].planned_so_far_pence, lines["gym"].status) == (23_375, Status.UNDER)
    assert (lines["kit"].planned_so_far_pence, lines["kit"].spent_pence) == (30_000, 0)
    assert lines["unlinked"].spent_pence == 2_000 and lines["unlinked"].label == "Not linked to the plan"
    assert result.total.planned_year_pence == 846_000
    assert result.total.spent_pence == 612_000
    assert result.balance_pence == 500_000 - 612_000
    messages = [a.message for a in result.alerts if a.kind == AlertKind.OVERSPEND]
    assert messages == [
        "Overspending on PA hours: £6,000.00 spent against £5,064.66 planned so far (£935.34 over)."
    ]
    assert result.alerts[0].message == "The account is overdrawn by £1,120.00 on 23 Nov 2026."
    kinds = {a.kind for a in result.alerts}
    # No spending in the last 12 weeks and £2,000 of payments to come: the forecast is back in credit.
    assert AlertKind.RUNNING_OUT not in kinds and result.forecast.end_balance_pence == 88_000
    assert result.total.status == Status.ON_TRACK  # within four weeks' worth of the whole plan
    # £5,000 has arrived; the 9 scheduled payments due by 16 November come to £4,500: nothing missing.
    assert AlertKind.PAYMENTS_MISSING not in kinds
    # The chart: planned and actual spending, cumulative, month by month.
    assert tuple(result.series[0]) == (date(2026, 3, 31), 0, 0)
    april = result.series[1]  # the kitchen equipment in full, 30 days of the PA and the gym
    assert april.day == date(2026, 4, 30)
    assert april.planned_pence == round(30_000 + Fraction(816_000 * 30, 365))
    assert april.actual_pence == 0
    assert result.series[-1].day == YEAR[1] and result.series[-1].planned_pence == 846_000
    assert result.series[-1].actual_pence is None
    today_point = next(p for p in result.series if p.day == TODAY)
    assert today_point.actual_pence == 612_000


def test_surplus_beyond_the_local_limit():
    schedule = PaymentSchedule(Frequency.FOUR_WEEKS, date(2026, 4, 6), 65_077, True)
    movements = [Movement(date(2026, 4, 6), 200_000, ""), Movement(date(2026, 11, 1), -1_000, "gym")]
    result = monitor(
        movements, [GYM], period=YEAR, today=TODAY, schedule=schedule, surplus_limit_weeks=8, recent_weeks=12
    )
    # 8 weeks of payments: £650.77 x 13 / 52 x 8 = £1,301.54.
    assert result.surplus_limit_pence == 130_154
    [surplus] = [a for a in result.alerts if a.kind == AlertKind.SURPLUS]
    assert surplus.message.startswith(
        "The balance of £1,990.00 is more than 8 weeks of payments (£1,301.54) by £688.46."
    )
    assert "Talk with the person" in surplus.message
    relaxed = monitor(
        movements, [GYM], period=YEAR, today=TODAY, schedule=schedule, surplus_limit_weeks=16, recent_weeks=12
    )
    assert AlertKind.SURPLUS not in {a.kind for a in relaxed.alerts}


def test_missing_payments_are_flagged():
    result = monitor(
        [Movement(date(2026, 4, 6), 50_000, "")],
        [GYM],
        period=YEAR,
        today=TODAY,
        schedule=SCHEDULE,
        surplus_limit_weeks=8,
        recent_weeks=12,
    )
    [missing] = [a for a in result.alerts if a.kind == AlertKind.PAYMENTS_MISSING]
    assert "£4,500.00 was due by 16 Nov 2026 under the schedule but £500.00 has arrived" in missing.message


def test_settings_are_kept_and_checked(services):
    assert services.settings.money() == MoneySettings(8, 12, 30, 3)
    services.settings.save_money(MoneySettings(surplus_limit_weeks=4))
    assert services.settings.money().surplus_limit_weeks == 4
    with pytest.raises(ValidationError, match="between 1 and 52 weeks"):
        services.settings.save_money(MoneySettings(surplus_limit_weeks=0))


def test_monitoring_through_the_service_follows_the_plan_and_setting(services):
    pid = living_person(services)
    ids = item_ids(services, pid)
    data = (
        b"Date,Description,Amount\n06/04/2026,COUNCIL DP,650.77\n04/05/2026,COUNCIL DP,650.77\n"
        b"01/06/2026,COUNCIL DP,650.77\n29/06/2026,COUNCIL DP,650.77\n"
    )
    services.statement_imports.import_statement(
        pid, data, file_name="s.csv", mapping=ColumnMapping("Date", "Description", "Amount")
    )
    services.ledger.add_transaction(
        pid, TransactionForm(date(2026, 5, 1), "300.00", False, "Kitchen World", ids["Kitchen equipment"])
    )
    view = services.monitoring.monitoring(pid)
    result = view.monitoring
    assert view.has_plan and view.years == (date(2026, 4, 1),)
    assert [line.label for line in result.lines] == [
        "Personal assistant: PA hours",
        "Community and leisure activities: Gym membership",
        "Equipment and adaptations: Kitchen equipment",
    ]
    assert result.lines[2].spent_pence == 30_000 and result.lines[2].status == Status.ON_TRACK
    assert result.balance_pence == 4 * 65_077 - 30_000
    kinds = {a.kind for a in result.alerts}
    assert AlertKind.PAYMENTS_MISSING in kinds  # only 4 of the schedule's payments are in the ledger
    services.settings.save_money(MoneySettings(surplus_limit_weeks=1))
    assert AlertKind.SURPLUS in {a.kind for a in services.monitoring.monitoring(pid).monitoring.alerts}


# -- the budget statement ---------------------------------------------------------------------------------


@pytest.fixture
def statement_person(services):
    pid = living_person(services)
    ids = item_ids(services, pid)
    data = (
        b"Date,Description,Amount\n"
        b"06/03/2026,Opening top-up,100.00\n"  # before the period: in the opening balance
        b"06/04/2026,ABERMORLAIS COUNCIL DP,650.77\n"
        b"30/04/2026,WAGES SAM JONES,-600.00\n"
        b"02/05/2026,Refund from Kitchen World,25.00\n"
        b"04/05/2026,ABERMORLAIS COUNCIL DP,650.77\n"
    )
    services.statement_imports.import_statement(
        pid, data, file_name="april.csv", mapping=ColumnMapping("Date", "Description", "Amount")
    )
    ledger = services.ledger.ledger(pid)
    by_text = {r[2]: r[0] for r in ledger.rows}
    services.ledger.link_transactions(pid, [by_text["WAGES SAM JONES"]], ids["PA hours"])
    services.ledger.link_transactions(pid, [by_text["Refund from Kitchen World"]], ids["Kitchen equipment"])
    return pid


def test_the_statement_adds_up(services, statement_person):
    s = services.monitoring.budget_statement(statement_person, date(2026, 4, 1), date(2026, 5, 31))
    assert s.opening_balance_pence == 10_000
    assert s.payments_in_pence == 2 * 65_077
    assert s.spending_pence == 60_000 - 2_500
    assert s.closing_balance_pence == 10_000 + 130_154 - 57_500 == s.lines[-1].balance_pence
    assert dict(s.by_link) == {
        "Personal assistant: PA hours": 60_000,
        "Equipment and adaptations: Kitchen equipment": -2_500,
    }
    assert [line.balance_pence for line in s.lines] == [75_077, 15_077, 17_577, 82_654]
    with pytest.raises(ValidationError, match="before its start"):
        services.monitoring.budget_statement(statement_person, date(2026, 5, 1), date(2026, 4, 1))


def pdf_text(path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def test_the_statement_pdf_has_what_an_audit_asks_for(services, statement_person, tmp_path):
    out = services.reports.write_statement(
        statement_person, date(2026, 4, 1), date(2026, 5, 31), tmp_path / "s.pdf"
    )
    text = pdf_text(out)
    for expected in (
        "Personal budget statement",
        "Gwen Price",
        "1 April 2026 to 31 May 2026",
        "Opening balance on 1 Apr 2026 £100.00",
        "Payments in £1,301.54",
        "Spending out (less refunds) -£575.00",
        "Closing balance on 31 May 2026 £826.54",
        "WAGES SAM JONES",
        "Personal assistant: PA hours £600.00",
        "april.csv",
        "card ending 4821",
        "Account holder",
    ):
        assert expected in text, expected


def test_cli_writes_the_statement(services, statement_person, db_path, keys, tmp_path, capsys):
    out = tmp_path / "statement.pdf"
    argv = [
        "report",
        "statement",
        "--db",
        str(db_path),
        "--person",
        str(statement_person),
        "--from",
        "2026-04-01",
        "--to",
        "31/05/2026",
        "--out",
        str(out),
    ]
    assert run(argv, keys=keys) == 0
    assert "Closing balance on 31 May 2026 £826.54" in pdf_text(out)
    bad = [*argv[:6], "--from", "1st of April", "--to", "31/05/2026", "--out", str(tmp_path / "x.pdf")]
    assert run(bad, keys=keys) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--from: '1st of April' is not a date" in err
    assert not (tmp_path / "x.pdf").exists()


def test_the_step_six_overview_reads_once_and_agrees_with_the_monitoring(services, statement_person):
    services.ledger.add_transaction(
        statement_person, TransactionForm(date(2026, 6, 1), "12.00", False, "Taxi", None, "transport")
    )
    ledger, view = services.ledger.overview(statement_person)
    assert len(ledger.rows) == 6 and ledger.rows[-1][5:] == ("transport", 1)  # a category, entered by hand
    assert view.monitoring == services.monitoring.monitoring(statement_person).monitoring
