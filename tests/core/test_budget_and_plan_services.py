"""Steps 1-3 through the services: budget, plan versions, agreement rules."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from personalbudget.domain.lifecycle import ReviewDecision, Step
from personalbudget.domain.plan import (
    Decision,
    InformalSupportEntry,
    OutcomeEntry,
    PlanDraft,
    PlanStatus,
    RiskEntry,
    SupportItemEntry,
)
from personalbudget.errors import LifecycleError, ValidationError
from personalbudget.storage.models import PlanCycle
from tests.core.helpers import person_form, set_milestones

NEEDS = {"nutrition.meals": "some_help", "hygiene.washing": "some_help", "family_support.carer": "some"}


def answers(services, **extra):
    base = {q.id: q.answers[0].id for q in services.budget.ras.questions.values()}
    return base | NEEDS | extra


def good_plan(cost="60.00", frequency="week"):
    return PlanDraft(
        what_matters="Staying at home and going to choir",
        outcomes=[OutcomeEntry("i", "Get to choir on Tuesdays")],
        support_items=[SupportItemEntry("personal_assistant", "PA hours", cost, "1", frequency, "")],
        informal_support=[InformalSupportEntry("Daughter", "Shopping on Saturdays")],
        risks=[RiskEntry("Falls", "Pendant alarm")],
        contingency="Daughter covers if the PA is off sick",
    )


@pytest.fixture
def pid(services):
    return services.people.add_person(person_form()).id


@pytest.fixture
def budgeted(services, pid):
    services.budget.save_answers(pid, "personal_budget", answers(services))
    services.budget.agree_budget(pid)  # £64 a week = £3,328 a year
    return pid


def test_agreeing_the_indicative_budget_moves_to_planning(services, pid):
    view = services.budget.save_answers(pid, "personal_budget", answers(services))
    assert view.indicative.weekly_pence == 6400 and view.agreed is None and view.can_edit
    view = services.budget.agree_budget(pid)
    assert view.agreed.annual_pence == 6400 * 52 and view.agreed.reason == ""
    assert view.agreed.agreed_by == "test.practitioner"
    assert services.lifecycle.get_cycle(pid).current_step == Step.PLAN_SUPPORT
    assert not view.can_edit


def test_incomplete_answers_cannot_be_agreed(services, pid):
    services.budget.save_answers(pid, "personal_budget", NEEDS)
    with pytest.raises(ValidationError, match="3 of 17 answered"):
        services.budget.agree_budget(pid)
    assert services.lifecycle.get_cycle(pid).current_step == Step.SET_BUDGET


def test_changing_the_amount_needs_a_reason(services, pid):
    services.budget.save_answers(pid, "personal_budget", answers(services))
    with pytest.raises(ValidationError, match="record the reason"):
        services.budget.agree_budget(pid, {"social_care": 400000})
    with pytest.raises(ValidationError, match="negative"):
        services.budget.agree_budget(pid, {"social_care": -1}, reason="x")
    with pytest.raises(ValidationError, match="each funding stream"):
        services.budget.agree_budget(pid, {"health": 400000}, reason="x")
    assert services.budget.get_budget(pid).agreed is None
    view = services.budget.agree_budget(pid, {"social_care": 400000}, reason="Night support agreed at panel")
    assert (view.agreed.annual_pence, view.agreed.indicative_annual_pence) == (400000, 332800)
    assert view.agreed.reason == "Night support agreed at panel"


def test_joint_budget_keeps_streams_and_sums_them(services, pid):
    services.budget.save_answers(
        pid, "joint_budget", answers(services, **{"health.medicines": "administering"})
    )
    view = services.budget.agree_budget(pid)
    streams = {s.stream: s.annual_pence for s in view.agreed.streams}
    assert streams == {"social_care": 6400 * 52, "health": 3000 * 52}
    assert view.agreed.annual_pence == sum(streams.values())


def test_answers_change_only_at_step_one(services, budgeted):
    with pytest.raises(LifecycleError, match="only change the assessment answers at step 1"):
        services.budget.save_answers(budgeted, "personal_budget", answers(services))


def test_plan_is_costed_live_against_the_budget(services, budgeted):
    view = services.plans.save_draft(budgeted, good_plan("64.00"))
    assert (view.version, view.status, view.editable) == (1, PlanStatus.DRAFT, True)
    assert view.costing.fit.value == "exact"
    view = services.plans.save_draft(budgeted, good_plan("70.00"))
    assert view.version == 1  # a draft is edited in place
    assert view.costing.difference_pence == -600 * 52


def test_bad_costs_are_refused_and_the_saved_draft_is_kept(services, budgeted):
    services.plans.save_draft(budgeted, good_plan("60.00"))
    for cost in ("-5", "abc"):
        with pytest.raises(ValidationError, match="unit cost"):
            services.plans.save_draft(budgeted, good_plan(cost))
    with pytest.raises(ValidationError, match="how often"):
        services.plans.save_draft(budgeted, good_plan(frequency=None))
    kept = services.plans.get_plan(budgeted)
    assert kept.content.support_items[0].unit_cost == "60.00"


def test_incomplete_plan_cannot_be_submitted(services, budgeted):
    draft = good_plan()
    draft.contingency = ""
    services.plans.save_draft(budgeted, draft)
    with pytest.raises(ValidationError, match="contingency"):
        services.plans.submit(budgeted)
    assert services.plans.get_plan(budgeted).status == PlanStatus.DRAFT
    assert services.lifecycle.get_cycle(budgeted).current_step == Step.PLAN_SUPPORT


def test_over_budget_needs_a_justification(services, budgeted):
    services.plans.save_draft(budgeted, good_plan("70.00"))
    with pytest.raises(ValidationError, match=r"£312\.00 a year more"):
        services.plans.submit(budgeted)
    view = services.plans.submit(budgeted, "Extra help after hospital discharge")
    assert view.status == PlanStatus.SUBMITTED and view.over_budget_justification
    assert services.lifecycle.get_cycle(budgeted).current_step == Step.AGREE_PLAN


def test_decisions_need_text_and_role(services, approver, budgeted):
    services.plans.save_draft(budgeted, good_plan())
    services.plans.submit(budgeted)
    with pytest.raises(ValidationError, match="conditions"):
        approver.plans.decide(budgeted, Decision.APPROVE_WITH_CONDITIONS, "", "Team manager")
    with pytest.raises(ValidationError, match="reasons"):
        approver.plans.decide(budgeted, Decision.RETURN, " ", "Team manager")
    with pytest.raises(ValidationError, match="role"):
        approver.plans.decide(budgeted, Decision.APPROVE, "", "")
    assert services.plans.get_plan(budgeted).status == PlanStatus.SUBMITTED


def test_approval_fixes_the_plan_moves_to_step_four_and_schedules_a_review(
    services, approver, clock, budgeted
):
    services.plans.save_draft(budgeted, good_plan())
    services.plans.submit(budgeted)
    view = approver.plans.decide(
        budgeted, Decision.APPROVE_WITH_CONDITIONS, "Review taxi use", "Team manager"
    )
    assert view.status == PlanStatus.AGREED and not view.editable
    decision = view.decisions[-1]
    assert (decision.decided_by, decision.role, decision.text, decision.decided_at) == (
        "test.approver",
        "Team manager",
        "Review taxi use",
        clock.now(),
    )
    cycle = services.lifecycle.get_cycle(budgeted)
    assert cycle.current_step == Step.MANAGE_BUDGET
    assert cycle.next_review_due == clock.today() + timedelta(weeks=8)
    with pytest.raises(LifecycleError, match="only change the support plan at step 2"):
        services.plans.save_draft(budgeted, good_plan("1.00"))
    assert services.plans.get_plan(budgeted).content == view.content


def test_returned_plan_is_kept_and_changes_make_a_new_version(services, approver, budgeted):
    services.plans.save_draft(budgeted, good_plan())
    services.plans.submit(budgeted)
    returned = approver.plans.decide(budgeted, Decision.RETURN, "Add quotes", "Funding panel")
    assert returned.status == PlanStatus.RETURNED
    assert services.lifecycle.get_cycle(budgeted).current_step == Step.PLAN_SUPPORT
    new = services.plans.save_draft(budgeted, good_plan("50.00"))
    assert (new.version, new.status) == (2, PlanStatus.DRAFT)
    old = services.plans.get_version(returned.plan_id)
    assert old.status == PlanStatus.RETURNED and old.content.support_items[0].unit_cost == "60.00"
    assert [v.version for v in services.plans.history(budgeted)] == [2, 1]


def test_change_plan_after_review_starts_a_new_draft_from_the_agreed_plan(services, approver, budgeted):
    services.plans.save_draft(budgeted, good_plan())
    services.plans.submit(budgeted)
    agreed = approver.plans.decide(budgeted, Decision.APPROVE, "", "Team manager")
    set_milestones(services, budgeted, "management_recorded", "support_arranged")
    for _ in range(3):
        services.lifecycle.advance(budgeted)
    services.lifecycle.record_review_decision(budgeted, ReviewDecision.CHANGE_PLAN)
    assert services.plans.get_plan(budgeted) is None  # nothing written in the new cycle yet
    draft = services.plans.starting_draft(budgeted)
    assert draft == agreed.content
    draft.support_items[0].unit_cost = "55.00"
    new = services.plans.save_draft(budgeted, draft)
    assert new.version == 2 and new.budget.annual_pence == 332800  # the budget carried over
    assert services.plans.get_version(agreed.plan_id).content.support_items[0].unit_cost == "60.00"
    with services.context.db.session() as session:
        assert len(session.exec(select(PlanCycle)).all()) == 2


def test_plan_steps_refused_out_of_order(services, pid):
    with pytest.raises(LifecycleError, match="step 2"):
        services.plans.save_draft(pid, good_plan())
    set_milestones(services, pid, "budget_agreed")
    services.lifecycle.advance(pid)
    services.plans.save_draft(pid, good_plan())
    with pytest.raises(LifecycleError, match="budget has not been agreed"):
        services.plans.submit(pid)


def test_age_field_of_person_unaffected(services, pid):
    assert services.people.get_person(pid).date_of_birth == date(1948, 3, 14)


def test_only_an_approver_agrees_a_plan(services, approver, budgeted):
    from personalbudget.errors import PermissionDeniedError

    services.plans.save_draft(budgeted, good_plan())
    services.plans.submit(budgeted)
    with pytest.raises(PermissionDeniedError, match="cannot approve or return a plan"):
        services.plans.decide(budgeted, Decision.APPROVE, "", "Team manager")
    with pytest.raises(PermissionDeniedError, match="cannot write a support plan"):
        approver.plans.save_draft(budgeted, good_plan())
    assert services.plans.get_plan(budgeted).status == PlanStatus.SUBMITTED
    approver.plans.decide(budgeted, Decision.APPROVE, "", "Team manager")
