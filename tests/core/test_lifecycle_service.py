from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from personalbudget.domain.lifecycle import ReviewDecision, Step, StepStatus
from personalbudget.errors import LifecycleError, ValidationError
from personalbudget.storage.models import PlanCycle
from tests.core.helpers import person_form, set_milestones

ALL = ("budget_agreed", "plan_submitted", "plan_agreed", "management_recorded", "support_arranged")


@pytest.fixture
def person_id(services):
    return services.people.add_person(person_form()).id


def walk_to(services, person_id, step):
    set_milestones(services, person_id, *ALL)
    cycle = services.lifecycle.get_cycle(person_id)
    while cycle.current_step < step:
        cycle = services.lifecycle.advance(person_id)
    return cycle


def test_blocked_move_says_what_to_do_and_changes_nothing(services, person_id):
    before = services.lifecycle.get_cycle(person_id)
    assert before.blocker and "Agree the budget" in before.blocker
    with pytest.raises(LifecycleError, match="Agree the budget in step 1"):
        services.lifecycle.advance(person_id)
    assert services.lifecycle.get_cycle(person_id) == before


def test_each_move_is_timestamped_and_attributed(services, clock, person_id):
    set_milestones(services, person_id, "budget_agreed")
    later = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    clock.set(later)
    cycle = services.lifecycle.advance(person_id, note="budget agreed at panel")
    assert cycle.current_step == Step.PLAN_SUPPORT
    last = cycle.transitions[-1]
    assert (last.kind, last.from_step, last.to_step, last.at, last.actor, last.note) == (
        "advance",
        Step.SET_BUDGET,
        Step.PLAN_SUPPORT,
        later,
        "test.practitioner",
        "budget agreed at panel",
    )
    assert cycle.steps[0].status == StepStatus.DONE and cycle.steps[0].completed_at == later
    assert cycle.steps[1].status == StepStatus.IN_PROGRESS


def test_returned_plan_goes_back_to_step_two_and_must_be_resubmitted(services, person_id):
    set_milestones(services, person_id, "budget_agreed", "plan_submitted")
    services.lifecycle.advance(person_id)
    services.lifecycle.advance(person_id)
    with pytest.raises(ValidationError):
        services.lifecycle.go_back(person_id, Step.PLAN_SUPPORT, reason=" ")
    cycle = services.lifecycle.go_back(person_id, Step.PLAN_SUPPORT, reason="Returned: costs need quotes")
    assert cycle.current_step == Step.PLAN_SUPPORT
    assert cycle.steps[2].status == StepStatus.NOT_STARTED
    assert cycle.blocker and "submit" in cycle.blocker


def test_agreed_plan_cannot_be_reopened_in_place(services, person_id):
    walk_to(services, person_id, Step.LIVE_LIFE)
    with pytest.raises(LifecycleError, match="fixed record"):
        services.lifecycle.go_back(person_id, Step.PLAN_SUPPORT, reason="change")


def test_review_decision_only_at_step_seven(services, person_id):
    with pytest.raises(LifecycleError, match="step 7"):
        services.lifecycle.record_review_decision(person_id, ReviewDecision.CONTINUE)


def test_continue_after_review_returns_to_living_life(services, person_id):
    walk_to(services, person_id, Step.REVIEW)
    cycle = services.lifecycle.record_review_decision(person_id, ReviewDecision.CONTINUE, "going well")
    assert (cycle.number, cycle.current_step, cycle.is_open) == (1, Step.LIVE_LIFE, True)
    assert cycle.steps[6].status == StepStatus.DONE


def test_change_plan_opens_a_new_cycle_at_step_two_keeping_the_budget(services, person_id):
    walk_to(services, person_id, Step.REVIEW)
    cycle = services.lifecycle.record_review_decision(person_id, ReviewDecision.CHANGE_PLAN)
    assert (cycle.number, cycle.current_step, cycle.is_open) == (2, Step.PLAN_SUPPORT, True)
    assert cycle.steps[0].status == StepStatus.DONE
    assert cycle.blocker and "submit" in cycle.blocker  # budget carried over; plan needed
    with services.context.db.session() as session:
        first = session.exec(select(PlanCycle).where(PlanCycle.number == 1)).one()
        assert first.status == "closed" and first.plan_agreed_at is not None


def test_reassess_opens_a_new_cycle_at_step_one(services, person_id):
    walk_to(services, person_id, Step.REVIEW)
    cycle = services.lifecycle.record_review_decision(person_id, ReviewDecision.REASSESS)
    assert (cycle.number, cycle.current_step) == (2, Step.SET_BUDGET)
    assert cycle.blocker and "budget" in cycle.blocker


def test_ending_the_budget_closes_the_cycle(services, person_id):
    walk_to(services, person_id, Step.REVIEW)
    cycle = services.lifecycle.record_review_decision(person_id, ReviewDecision.END, "moved away")
    assert not cycle.is_open and cycle.closed_reason == "End the budget"
    with pytest.raises(LifecycleError, match="has ended"):
        services.lifecycle.advance(person_id)
    row = services.people.list_caseload()[0]
    assert not row.cycle_open


def test_overdue_review_shows_in_caseload(services, clock, person_id):
    walk_to(services, person_id, Step.LIVE_LIFE)
    with services.context.db.session() as session:
        cycle = session.exec(select(PlanCycle)).one()
        cycle.next_review_due = clock.today() - timedelta(days=1)
        session.add(cycle)
    assert services.people.list_caseload()[0].review_overdue
    assert services.lifecycle.get_cycle(person_id).review_overdue
    clock.set(clock.now() - timedelta(days=2))
    assert not services.people.list_caseload()[0].review_overdue
