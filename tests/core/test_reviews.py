"""Step 7: review scheduling, the review record, spend against plan and each decision's effect."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from personalbudget.domain.lifecycle import ReviewDecision, Step
from personalbudget.domain.monitoring import Status
from personalbudget.domain.plan import PlanStatus
from personalbudget.domain.review import (
    MarketGap,
    OutcomeRating,
    add_months,
    check_request,
    first_review_due,
    is_overdue,
    next_review_due,
)
from personalbudget.errors import LifecycleError, ValidationError
from personalbudget.services.dto import ReviewForm
from personalbudget.services.ledger_service import TransactionForm
from personalbudget.services.settings_service import ReviewSettings
from tests.core.money_helpers import agreed_person, item_ids, living_person

APRIL_1 = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)
JUNE_1 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 10, 31), 1, date(2026, 11, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
    ],
)
def test_months_are_added_keeping_to_month_ends_and_leap_years(day, months, expected):
    assert add_months(day, months) == expected


def test_first_review_is_weeks_after_agreement_or_sooner_for_a_direct_payment():
    assert first_review_due(date(2026, 4, 1), first_weeks=8) == date(2026, 5, 27)
    assert first_review_due(date(2026, 4, 1), first_weeks=6) == date(2026, 5, 13)
    # The 6-month direct payment rule only matters when it comes first.
    assert first_review_due(date(2026, 4, 1), first_weeks=8, direct_payment=True) == date(2026, 5, 27)
    assert first_review_due(
        date(2026, 8, 31), first_weeks=8, direct_payment=True, direct_payment_months=1
    ) == date(2026, 9, 30)
    assert next_review_due(date(2028, 2, 29), interval_months=12) == date(2029, 2, 28)


def test_overdue_only_when_open_and_past_due():
    today = date(2026, 6, 1)
    assert is_overdue(date(2026, 5, 31), today)
    assert not is_overdue(date(2026, 6, 1), today)
    assert not is_overdue(None, today)
    assert not is_overdue(date(2026, 5, 31), today, is_open=False)


def test_a_review_can_be_requested_only_from_steps_4_to_6_with_a_known_reason():
    check_request(Step.LIVE_LIFE, "Unplanned - Hospital")
    with pytest.raises(ValidationError):
        check_request(Step.LIVE_LIFE, "Because")
    with pytest.raises(LifecycleError):
        check_request(Step.PLAN_SUPPORT, "Planned")
    with pytest.raises(LifecycleError):
        check_request(Step.REVIEW, "Planned")


def test_review_settings_are_kept_within_the_guidance(services):
    assert services.settings.review() == ReviewSettings(8, 12, 6)
    services.settings.save_review(ReviewSettings(6, 12, 6))
    assert services.settings.review().first_review_weeks == 6
    with pytest.raises(ValidationError):
        services.settings.save_review(ReviewSettings(10, 12, 6))
    with pytest.raises(ValidationError):
        services.settings.save_review(ReviewSettings(8, 18, 6))


def _living(services, clock):
    clock.set(APRIL_1)
    pid = living_person(services)
    ids = item_ids(services, pid)
    clock.set(JUNE_1)
    for day, amount, item in (
        (date(2026, 5, 1), "600.00", "PA hours"),
        (date(2026, 5, 1), "30.00", "Gym membership"),
        (date(2026, 4, 20), "300.00", "Kitchen equipment"),
    ):
        services.ledger.add_transaction(pid, TransactionForm(day, amount, False, "spend", ids[item]))
    return pid


def _rated(view, decision, **extra):
    return ReviewForm(
        outcomes=[
            OutcomeRating(o.outcome_code, o.description, "Partially Met", "Getting there")
            for o in view.form.outcomes
        ],
        method="Service user and carer",
        working_person="My PA",
        decision=decision,
        **extra,
    )


def test_the_first_review_is_due_8_weeks_after_agreement_and_becomes_overdue(services, clock):
    clock.set(APRIL_1)
    pid = agreed_person(services)
    cycle = services.lifecycle.get_cycle(pid)
    assert cycle.next_review_due == date(2026, 5, 27) and not cycle.review_overdue
    clock.set(JUNE_1)
    assert services.lifecycle.get_cycle(pid).review_overdue


def test_spend_against_plan_for_the_review_period_worked_by_hand(services, clock):
    pid = _living(services, clock)
    view = services.reviews.request_review(pid, "Planned")
    assert view.period_start == date(2026, 4, 1) and view.period_end == date(2026, 6, 1)
    assert view.due_on == date(2026, 5, 27)
    # Support started 6 April: 57 days of a 365-day year to 1 June.
    # PA £7,800 a year x 57/365 = £1,218.08; gym £360 x 57/365 = £56.22; equipment £300 once.
    by_label = {line.label: line for line in view.spend}
    pa = by_label["Personal assistant: PA hours"]
    assert (pa.planned_so_far_pence, pa.spent_pence, pa.difference_pence) == (121_808, 60_000, 61_808)
    assert pa.status == Status.UNDER
    gym = by_label["Community and leisure activities: Gym membership"]
    assert (gym.planned_so_far_pence, gym.spent_pence) == (5_622, 3_000)
    kit = by_label["Equipment and adaptations: Kitchen equipment"]
    assert (kit.planned_so_far_pence, kit.spent_pence, kit.difference_pence) == (30_000, 30_000, 0)
    assert view.spend_total.planned_so_far_pence == 157_430
    assert view.spend_total.spent_pence == 93_000


def test_request_moves_the_cycle_to_step_7_and_draft_keeps_what_was_typed(services, clock):
    pid = _living(services, clock)
    view = services.reviews.request_review(pid, "Unplanned - Hospital", "Fall at home")
    cycle = services.lifecycle.get_cycle(pid)
    assert cycle.current_step == Step.REVIEW and cycle.transitions[-1].kind == "review_requested"
    assert cycle.next_review_due == date(2026, 6, 1)
    assert [o.description for o in view.form.outcomes] == ["Cook a hot meal every day"]
    form = ReviewForm(
        outcomes=[OutcomeRating("a", "Cook a hot meal every day", "Not Met", "I can't stand long")],
        market_gaps=[MarketGap("personal_assistant", "Bryn Vale", "No PAs with evening hours")],
        risks="Falls again",
    )
    saved = services.reviews.save_draft(view.review_id, form)
    assert saved.form.outcomes[0].rating == "Not Met" and saved.form.market_gaps[0].locality == "Bryn Vale"
    assert services.reviews.current(pid).review_id == view.review_id
    with pytest.raises(ValidationError) as error:
        services.reviews.complete(view.review_id, form)
    assert error.value.for_field("decision") and error.value.for_field("method")


def test_continue_returns_to_step_6_with_the_next_review_a_year_on(services, clock):
    pid = _living(services, clock)
    view = services.reviews.open_review(pid)
    done = services.reviews.complete(view.review_id, _rated(view, ReviewDecision.CONTINUE))
    assert done.completed and done.completed_by == services.context.actor
    cycle = services.lifecycle.get_cycle(pid)
    assert cycle.current_step == Step.LIVE_LIFE and cycle.is_open and cycle.number == 1
    assert cycle.next_review_due == date(2027, 6, 1)
    assert cycle.transitions[-1].kind == "review_decision" and cycle.transitions[-1].actor
    with pytest.raises(LifecycleError):
        services.reviews.save_draft(view.review_id, _rated(view, None))
    # The next review's period starts where this one ended.
    clock.set(datetime(2026, 9, 1, 10, tzinfo=UTC))
    assert services.reviews.open_review(pid).period_start == date(2026, 6, 1)
    assert [s.number for s in services.reviews.history(pid)] == [2, 1]


def test_change_the_plan_opens_step_2_with_a_draft_copy_and_keeps_the_agreed_version(services, clock):
    pid = _living(services, clock)
    agreed = services.plans.get_plan(pid)
    view = services.reviews.open_review(pid)
    services.reviews.complete(view.review_id, _rated(view, ReviewDecision.CHANGE_PLAN))
    cycle = services.lifecycle.get_cycle(pid)
    assert cycle.number == 2 and cycle.current_step == Step.PLAN_SUPPORT
    draft = services.plans.get_plan(pid)
    assert draft.status == PlanStatus.DRAFT and draft.version == agreed.version + 1 and draft.editable
    assert draft.content == agreed.content
    old = services.plans.get_version(agreed.plan_id)
    assert old.status == PlanStatus.AGREED and old.content == agreed.content


def test_reassess_opens_step_1_and_end_closes_the_budget(services, clock):
    pid = _living(services, clock)
    view = services.reviews.open_review(pid)
    services.reviews.complete(view.review_id, _rated(view, ReviewDecision.REASSESS))
    cycle = services.lifecycle.get_cycle(pid)
    assert cycle.number == 2 and cycle.current_step == Step.SET_BUDGET
    assert services.plans.starting_draft(pid).outcomes[0].description == "Cook a hot meal every day"

    other = agreed_person(services, nhs="401 023 2137", name="Ifan Hughes")
    services.reviews.request_review(other, "Unplanned - Provider Failure")
    view = services.reviews.current(other)
    services.reviews.complete(view.review_id, _rated(view, ReviewDecision.END))
    ended = services.lifecycle.get_cycle(other)
    assert not ended.is_open and ended.closed_reason == "End the budget" and not ended.review_overdue


def test_the_review_pdf_says_what_was_found_and_decided(services, clock, tmp_path):
    from pypdf import PdfReader

    pid = _living(services, clock)
    view = services.reviews.request_review(pid, "Unplanned - Carer related", "Sister unwell")
    form = _rated(
        view,
        ReviewDecision.CHANGE_PLAN,
        market_gaps=[MarketGap("personal_assistant", "Bryn Vale", "No PAs with evening hours")],
        risks="Falls at night",
    )
    services.reviews.complete(view.review_id, form)
    out = services.reports.write_review(pid, tmp_path / "review.pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(out).pages).split())
    for expected in (
        "Review of the care and support plan",
        "Gwen Price",
        "Unplanned - Carer related",
        "Cook a hot meal every day",
        "Partially Met",
        "Service user and carer",
        "No PAs with evening hours",
        "Falls at night",
        "Change the plan",
        "£618.08 under",  # PA hours: £1,218.08 planned, £600.00 spent
        "£1,574.30",  # total planned for the period
    ):
        assert expected in text, expected


def test_a_direct_payment_brings_the_first_review_forward_when_its_rule_is_sooner(services, clock):
    from tests.core.money_helpers import direct_payment

    services.settings.save_review(ReviewSettings(8, 12, 1))
    clock.set(APRIL_1)
    pid = agreed_person(services)
    assert services.lifecycle.get_cycle(pid).next_review_due == date(2026, 5, 27)
    services.management.record_management(pid, direct_payment())
    assert services.lifecycle.get_cycle(pid).next_review_due == date(2026, 5, 1)
