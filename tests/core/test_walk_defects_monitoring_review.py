"""Issue 13, defects found in the acceptance walk: one rule for over, under and on track (screen,
statement and published table agree), items paid from another pot named as such, one row per month
in the chart's table, the review period, and what a loop-back keeps (next review, history)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

from pypdf import PdfReader

from personalbudget.domain.lifecycle import ReviewDecision, Step
from personalbudget.domain.management import (
    AccountEntry,
    ManagementForm,
    ScheduleEntry,
    ShareEntry,
)
from personalbudget.domain.money import Frequency
from personalbudget.domain.monitoring import AlertKind, Movement, PlannedLine, Status, judge, monitor
from personalbudget.domain.review import OutcomeRating
from personalbudget.domain.support import ArrangementForm, ProviderForm
from personalbudget.export.dataset import PersonRecord
from personalbudget.export.disclosure import DisclosureRules
from personalbudget.export.tables import Period, build_tables
from personalbudget.services.dto import ReviewForm
from personalbudget.services.ledger_service import TransactionForm
from tests.core.money_helpers import (
    BUDGET,
    agreed_person,
    arrange_everything,
    direct_payment,
    item_ids,
    living_person,
)

YEAR = (date(2026, 4, 1), date(2027, 3, 31))
PA = PlannedLine("pa", "PA hours", Fraction(780_000), Frequency.WEEK, True, date(2026, 4, 6))
GYM = PlannedLine("gym", "Gym", Fraction(36_000), Frequency.MONTH, True, date(2026, 4, 6))


def _monitor(movements, lines, today=date(2026, 11, 23)):
    paid_in = [Movement(date(2026, 4, 6), 1_000_000, "")]  # so nothing is overdrawn
    return monitor(
        paid_in + movements,
        lines,
        period=YEAR,
        today=today,
        schedule=None,
        surplus_limit_weeks=52,
        recent_weeks=12,
    )


# -- 1. one rule for over, under and on track ---------------------------------------------------------


def test_spending_a_little_ahead_is_not_called_over_beside_on_track():
    planned = _monitor([], [PA]).lines[0].planned_so_far_pence
    result = _monitor([Movement(date(2026, 8, 3), -(planned + 16_161), "pa")], [PA])
    line = result.lines[0]
    assert line.status == Status.ON_TRACK  # within four weeks of the PA's cost (£600)
    assert line.allowance_pence == 60_000
    assert line.difference_words == "£161.61 ahead, within the allowance"
    assert "over" not in " ".join(result.rows()[0])
    assert result.rows()[0][-1] == "On track"
    # No alert, and the words say where spending stands rather than "in line with the plan".
    assert result.alerts == ()
    assert result.no_alerts_words == (
        "No alerts: spending is £161.61 ahead of the plan so far, within the allowance of £600.00."
    )


def test_over_plan_is_over_in_the_words_the_status_and_an_alert():
    planned = _monitor([], [PA]).lines[0].planned_so_far_pence
    result = _monitor([Movement(date(2026, 11, 1), -(planned + 60_000), "pa")], [PA])
    line = result.lines[0]
    assert line.status == Status.OVER and line.difference_words == "£600.00 over"
    assert [a.kind for a in result.alerts][:2] == [AlertKind.OVERSPEND, AlertKind.OVERSPEND]


def test_judge_is_the_rule_the_lines_use():
    # £25 is the smallest allowance; 5% of the plan when that is more; four weeks of recurring support.
    assert judge(10_000, 12_500) == Status.ON_TRACK and judge(10_000, 12_501) == Status.OVER
    assert judge(100_000, 105_000) == Status.ON_TRACK and judge(100_000, 105_001) == Status.OVER
    assert judge(100_000, 150_000, 780_000) == Status.ON_TRACK  # £600 of slack
    assert judge(100_000, 30_000, 780_000) == Status.UNDER
    assert judge(0, 100) == Status.NOT_PLANNED


def test_spending_on_an_item_another_pot_pays_for_is_named_with_the_pot():
    managed = PlannedLine(
        "care",
        "Home care",
        Fraction(520_000),
        Frequency.WEEK,
        False,
        date(2026, 4, 6),
        "Managed account (Brightside)",
    )
    result = _monitor([Movement(date(2026, 10, 1), -12_000, "care")], [PA, managed])
    other = result.lines[-1]
    assert other.label == "Home care (the plan pays it from Managed account (Brightside))"
    assert other.status == Status.OTHER_POT and other.status.label == "Paid from another pot"
    assert other.difference_words == "£120.00 from this account"
    assert not any("earlier plan" in line.label for line in result.lines)
    [alert] = [a for a in result.alerts if a.kind == AlertKind.OTHER_POT]
    assert alert.message.startswith("£120.00 from this account went on Home care (the plan pays it from")


def test_the_pot_is_named_from_step_4(services):
    pid = agreed_person(services)
    services.management.record_management(
        pid,
        ManagementForm(
            shares=[
                ShareEntry("direct_payment", f"{(BUDGET - 36_000) / 100:.2f}"),
                ShareEntry("individual_service_fund", "360.00", "Brightside Care"),
            ],
            schedule=ScheduleEntry("four_weeks", date(2026, 4, 6), "621.00", True),
            account=AccountEntry("G Price DP account", "Prepaid card (Allpay)", "", "", "4821"),
        ),
    )
    view = services.support.get_support(pid)
    for entry, name, kind, rate, pot in zip(
        view.items,
        ("Sam Jones", "Eastfield Leisure", "Kitchen World"),
        ("personal_assistant", "universal", "micro_enterprise"),
        ("15.00", "30.00", "300.00"),
        ("direct_payment", "individual_service_fund", "direct_payment"),
        strict=True,
    ):
        provider = services.support.save_provider(ProviderForm(name, kind))
        services.support.save_arrangement(
            pid, ArrangementForm(entry.item.item_id, provider.id, date(2026, 4, 6), rate, pot)
        )
    gym = item_ids(services, pid)["Gym membership"]
    services.ledger.add_transaction(pid, TransactionForm(date(2026, 11, 2), "30.00", False, "Eastfield", gym))
    result = services.monitoring.monitoring(pid).monitoring
    labels = [line.label for line in result.lines]
    assert labels[-1].endswith(
        "Gym membership (the plan pays it from Individual service fund held by a provider (Brightside Care))"
    )
    assert result.lines[-1].status == Status.OTHER_POT
    assert "Items of an earlier plan" not in labels


def test_screen_statement_and_table_agree_on_the_same_ledger(services, tmp_path):
    pid = living_person(services)
    pa = item_ids(services, pid)["PA hours"]
    planned = {line.key: line for line in services.monitoring.monitoring(pid).monitoring.lines}[str(pa)]
    services.ledger.add_transaction(
        pid,
        TransactionForm(
            date(2026, 11, 2), f"{(planned.planned_so_far_pence + 16_161) / 100:.2f}", False, "Sam", pa
        ),
    )
    screen = services.monitoring.monitoring(pid).monitoring
    statement = services.monitoring.budget_statement(pid, date(2026, 4, 1), date(2026, 11, 23))
    assert statement.against_plan is not None
    assert statement.against_plan.rows() == screen.rows()
    pa_row = next(row for row in screen.rows() if "PA hours" in row[0])
    assert pa_row[4:] == ("£161.61 ahead, within the allowance", "On track")
    out = services.reports.write_statement(pid, date(2026, 4, 1), date(2026, 11, 23), tmp_path / "s.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    assert "£161.61 ahead, within the allowance" in " ".join(text.split())
    assert "161.61 over" not in text
    # The published table counts people over plan by the same rule: 20 people a little ahead of
    # their plan (as this person is) are not "overspent"; 10 well over are.
    at = datetime(2026, 4, 2, tzinfo=UTC)
    period = Period(date(2026, 4, 1), date(2027, 3, 31), data_until=date(2026, 11, 23))
    dp = (("Direct Payment", BUDGET),)
    plan_so_far = BUDGET * period.days_so_far // 365
    records = [
        PersonRecord(
            key=f"k{i:04d}",
            age_band="25-44",
            locality="North",
            primary_support_reason="Physical Support: Personal care support",
            budget_type="personal_budget",
            budget_streams=(("social_care", BUDGET),),
            delivery_mechanisms=dp,
            plan_version_at=at,
            ledger_kept=True,
            actual_by_category=(("personal_assistant", plan_so_far + (16_161 if i < 20 else 100_000)),),
        )
        for i in range(30)
    ]
    table = next(
        t
        for t in build_tables(records, DisclosureRules(), period)
        if t.spec.id == "spend_against_plan_by_mechanism"
    )
    assert table.value("Direct Payment only", measure="people_overspent") == 10
    assert judge(plan_so_far, plan_so_far + 16_161, BUDGET) == screen.total.status == Status.ON_TRACK


# -- 2. the chart's table: one row per month ----------------------------------------------------------


def test_the_chart_table_has_one_row_for_the_month_today_is_in():
    result = _monitor([Movement(date(2026, 11, 20), -5_000, "gym")], [GYM], today=date(2026, 12, 1))
    months = [row.month for row in result.months]
    assert months == [date(2026, m, 1) for m in range(4, 13)] + [date(2027, m, 1) for m in (1, 2, 3)]
    december = result.months[8]
    assert december.planned_to == date(2026, 12, 31) and december.actual_to == date(2026, 12, 1)
    assert december.actual_words == "£50.00 by 1 Dec"
    assert result.months[7].actual_words == "£50.00"  # November, to its end
    assert result.months[9].actual_words == ""  # January: still to come


# -- 3. the review period, and a loop-back ------------------------------------------------------------


def test_the_review_period_runs_from_when_the_plan_started_to_the_review_date(services, clock):
    clock.set(datetime(2026, 12, 1, 10, tzinfo=UTC))
    pid = agreed_person(services)  # agreed on 1 December
    services.management.record_management(pid, direct_payment(first=date(2026, 12, 8)))
    arrange_everything(services, pid)  # support from 6 April: the plan records support already running
    services.support.confirm_support_arranged(pid)
    pa = item_ids(services, pid)["PA hours"]
    services.ledger.add_transaction(pid, TransactionForm(date(2026, 10, 5), "150.00", False, "Sam", pa))
    review = services.reviews.open_review(pid)
    assert (review.period_start, review.period_end) == (date(2026, 4, 6), date(2026, 12, 1))
    step6 = services.monitoring.monitoring(pid).monitoring
    spent = {line.label: line.spent_pence for line in review.spend}
    assert spent == {line.label: line.spent_pence for line in step6.lines}
    assert review.spend_total.spent_pence == step6.total.spent_pence == 15_000
    assert review.spend_total.planned_so_far_pence == step6.total.planned_so_far_pence


def _complete(services, pid, decision):
    review = services.reviews.open_review(pid)
    form = ReviewForm(
        outcomes=[OutcomeRating(o.outcome_code, o.description, "Fully Met") for o in review.form.outcomes],
        method="Service user only",
        decision=decision,
    )
    return services.reviews.complete(review.review_id, form)


def test_after_a_loop_back_the_next_review_is_still_set_and_the_history_keeps_cycle_one(services, clock):
    clock.set(datetime(2026, 4, 1, 10, tzinfo=UTC))
    pid = living_person(services)
    clock.set(datetime(2026, 6, 10, 10, tzinfo=UTC))
    first = _complete(services, pid, ReviewDecision.CHANGE_PLAN)
    assert first.period_start == date(2026, 4, 1) and first.period_end == date(2026, 6, 10)
    cycle = services.lifecycle.get_cycle(pid)
    assert cycle.number == 2 and cycle.current_step == Step.PLAN_SUPPORT
    # The same rule as after "Continue": the interval from the review (12 months by default).
    assert cycle.next_review_due == date(2027, 6, 10)
    history = services.lifecycle.history(pid)
    assert {entry.cycle_number for entry in history} == {1, 2}
    assert history[0].cycle_number == 2  # newest first
    kinds = [(entry.cycle_number, entry.transition.kind) for entry in history]
    assert (1, "review_decision") in kinds and (1, "start") in kinds and (2, "start") in kinds


def test_the_next_review_period_runs_from_the_last_review(services, clock):
    clock.set(datetime(2026, 4, 1, 10, tzinfo=UTC))
    pid = living_person(services)
    clock.set(datetime(2026, 6, 10, 10, tzinfo=UTC))
    _complete(services, pid, ReviewDecision.CONTINUE)
    clock.set(datetime(2026, 9, 1, 10, tzinfo=UTC))
    second = services.reviews.open_review(pid, "Unplanned - Other Reason")
    assert (second.period_start, second.period_end) == (date(2026, 6, 10), date(2026, 9, 1))
