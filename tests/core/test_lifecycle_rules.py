"""The seven-step rules, without a database."""

from datetime import UTC, datetime

import pytest

from personalbudget.domain.lifecycle import (
    CycleFacts,
    ReviewDecision,
    Step,
    StepStatus,
    check_go_back,
    effect_of,
    fresh_steps,
    move,
    next_step,
)
from personalbudget.errors import LifecycleError

NOW = datetime(2026, 5, 1, tzinfo=UTC)
ALL_DONE = CycleFacts(True, True, True, True, True)


def test_cannot_plan_before_the_budget_is_agreed():
    with pytest.raises(LifecycleError, match="budget has not been agreed"):
        next_step(Step.SET_BUDGET, CycleFacts())
    assert next_step(Step.SET_BUDGET, CycleFacts(budget_agreed=True)) == Step.PLAN_SUPPORT


def test_plan_cannot_be_agreed_without_a_budget_even_if_submitted():
    facts = CycleFacts(plan_submitted=True)
    with pytest.raises(LifecycleError, match="budget"):
        next_step(Step.PLAN_SUPPORT, facts)


def test_support_cannot_be_organised_before_the_plan_is_agreed():
    facts = CycleFacts(budget_agreed=True, plan_submitted=True)
    with pytest.raises(LifecycleError, match="plan has not been agreed"):
        next_step(Step.AGREE_PLAN, facts)
    assert next_step(Step.AGREE_PLAN, CycleFacts(True, True, True)) == Step.MANAGE_BUDGET


@pytest.mark.parametrize("step", list(Step)[:-1])
def test_every_step_moves_on_when_everything_is_done(step):
    assert next_step(step, ALL_DONE) == step + 1


def test_review_ends_with_a_decision_not_a_next_step():
    with pytest.raises(LifecycleError, match="decision"):
        next_step(Step.REVIEW, ALL_DONE)


def test_going_back_is_allowed_until_the_plan_is_agreed():
    check_go_back(Step.AGREE_PLAN, Step.PLAN_SUPPORT)
    check_go_back(Step.PLAN_SUPPORT, Step.SET_BUDGET)
    with pytest.raises(LifecycleError, match="fixed record"):
        check_go_back(Step.LIVE_LIFE, Step.PLAN_SUPPORT)
    with pytest.raises(LifecycleError, match="earlier step"):
        check_go_back(Step.PLAN_SUPPORT, Step.AGREE_PLAN)


def test_move_forward_marks_steps_done_and_back_resets_later_steps():
    records = fresh_steps(Step.SET_BUDGET, NOW)
    assert [r.status for r in records.values()] == [StepStatus.IN_PROGRESS] + [StepStatus.NOT_STARTED] * 6
    later = datetime(2026, 5, 2, tzinfo=UTC)
    records = move(records, Step.SET_BUDGET, Step.PLAN_SUPPORT, later)
    records = move(records, Step.PLAN_SUPPORT, Step.AGREE_PLAN, later)
    assert records[Step.SET_BUDGET].status == StepStatus.DONE
    assert records[Step.SET_BUDGET].completed_at == later
    assert records[Step.AGREE_PLAN].status == StepStatus.IN_PROGRESS
    records = move(records, Step.AGREE_PLAN, Step.PLAN_SUPPORT, later)
    assert records[Step.AGREE_PLAN].status == StepStatus.NOT_STARTED
    assert records[Step.PLAN_SUPPORT].status == StepStatus.IN_PROGRESS
    assert records[Step.SET_BUDGET].status == StepStatus.DONE


def test_a_cycle_restarted_at_step_two_keeps_step_one_done():
    records = fresh_steps(Step.PLAN_SUPPORT, NOW)
    assert records[Step.SET_BUDGET].status == StepStatus.DONE
    assert records[Step.PLAN_SUPPORT].status == StepStatus.IN_PROGRESS


def test_review_decisions():
    assert effect_of(ReviewDecision.CONTINUE).continue_at == Step.LIVE_LIFE
    assert not effect_of(ReviewDecision.CONTINUE).close_cycle
    assert effect_of(ReviewDecision.CHANGE_PLAN).new_cycle_step == Step.PLAN_SUPPORT
    assert effect_of(ReviewDecision.REASSESS).new_cycle_step == Step.SET_BUDGET
    end = effect_of(ReviewDecision.END)
    assert end.close_cycle and end.new_cycle_step is None and end.continue_at is None
