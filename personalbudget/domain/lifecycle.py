"""The seven steps of individual commissioning, and the rules for moving between them.

Pure logic: which step a cycle is on, what must be true to move on, where going
back is allowed, and what a review decision does. The lifecycle service applies
these rules to the database and records every move with who and when.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import IntEnum, StrEnum

from personalbudget.errors import LifecycleError
from personalbudget.i18n import N_, _


class Step(IntEnum):
    SET_BUDGET = 1
    PLAN_SUPPORT = 2
    AGREE_PLAN = 3
    MANAGE_BUDGET = 4
    ORGANISE_SUPPORT = 5
    LIVE_LIFE = 6
    REVIEW = 7

    @property
    def title(self) -> str:
        return _(STEP_TITLES[self])

    @property
    def purpose(self) -> str:
        """One plain sentence on what happens in this step."""
        return _(STEP_PURPOSES[self])


STEP_TITLES = {
    Step.SET_BUDGET: N_("Set budget"),
    Step.PLAN_SUPPORT: N_("Plan support"),
    Step.AGREE_PLAN: N_("Agree plan"),
    Step.MANAGE_BUDGET: N_("Manage budget"),
    Step.ORGANISE_SUPPORT: N_("Organise support"),
    Step.LIVE_LIFE: N_("Live life"),
    Step.REVIEW: N_("Review and learn"),
}

STEP_PURPOSES = {
    Step.SET_BUDGET: N_(
        "Work out the personal budget up front: answer the assessment questions "
        "together, see the indicative budget and why it is that amount, then agree it."
    ),
    Step.PLAN_SUPPORT: N_(
        "Decide together how to use the money: what matters, the outcomes wanted, "
        "costed support, help from family and community, risks and a back-up plan."
    ),
    Step.AGREE_PLAN: N_(
        "The council or other funder checks the plan and approves it, approves it "
        "with conditions, or returns it with reasons."
    ),
    Step.MANAGE_BUDGET: N_(
        "Choose how the money is managed: a direct payment, a managed account, an "
        "individual service fund, a trust, the council, or a mix."
    ),
    Step.ORGANISE_SUPPORT: N_(
        "Arrange the support in the plan: agencies, personal assistants, local groups and services."
    ),
    Step.LIVE_LIFE: N_(
        "Use the support flexibly. Money comes in and is spent; statements are "
        "kept and checked against the plan."
    ),
    Step.REVIEW: N_(
        "Look at how things are going: which outcomes are met, what is working, "
        "and decide whether to carry on, change the plan or look at the budget again."
    ),
}


class StepStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:
        return _(STATUS_LABELS[self])


STATUS_LABELS = {
    StepStatus.NOT_STARTED: N_("Not started"),
    StepStatus.IN_PROGRESS: N_("In progress"),
    StepStatus.DONE: N_("Done"),
}


class ReviewDecision(StrEnum):
    """What a review decides (step 7)."""

    CONTINUE = "continue"
    CHANGE_PLAN = "change_plan"
    REASSESS = "reassess"
    END = "end"

    @property
    def label(self) -> str:
        return _(DECISION_LABELS[self])


DECISION_LABELS = {
    ReviewDecision.CONTINUE: N_("Continue as is"),
    ReviewDecision.CHANGE_PLAN: N_("Change the plan"),
    ReviewDecision.REASSESS: N_("Re-assess the budget"),
    ReviewDecision.END: N_("End the budget"),
}


@dataclass(frozen=True)
class CycleFacts:
    """What has happened in a cycle, as far as the step rules need to know."""

    budget_agreed: bool = False
    plan_submitted: bool = False
    plan_agreed: bool = False
    management_recorded: bool = False
    support_arranged: bool = False


# What must be true to leave each step, with the message shown when it is not.
# Moving on from a step requires its own condition and every earlier one, so a
# plan can never be agreed without a budget, nor support organised before the
# plan is agreed.
EXIT_CONDITIONS: dict[Step, tuple[str, str]] = {
    Step.SET_BUDGET: (
        "budget_agreed",
        N_("The budget has not been agreed yet. Agree the budget in step 1 before planning support."),
    ),
    Step.PLAN_SUPPORT: (
        "plan_submitted",
        N_("The support plan has not been submitted. Finish the plan in step 2 and submit it for agreement."),
    ),
    Step.AGREE_PLAN: (
        "plan_agreed",
        N_("The plan has not been agreed. It must be approved in step 3 before support is organised."),
    ),
    Step.MANAGE_BUDGET: (
        "management_recorded",
        N_("How the budget is managed has not been recorded. Record it in step 4 first."),
    ),
    Step.ORGANISE_SUPPORT: (
        "support_arranged",
        N_(
            "Support is not in place yet. In step 5, arrange someone for each item of the plan, "
            "or confirm that support can start with the gaps listed."
        ),
    ),
}


@dataclass(frozen=True)
class StepRecord:
    step: Step
    status: StepStatus
    started_at: datetime | None = None
    completed_at: datetime | None = None


def fresh_steps(start_at: Step, now: datetime) -> dict[Step, StepRecord]:
    """Step records for a new cycle that begins at ``start_at`` (1, or 2 after a review)."""
    records = {}
    for step in Step:
        if step < start_at:
            # Carried over from the previous cycle (e.g. the budget stands when only the plan changes).
            records[step] = StepRecord(step, StepStatus.DONE, now, now)
        elif step == start_at:
            records[step] = StepRecord(step, StepStatus.IN_PROGRESS, now, None)
        else:
            records[step] = StepRecord(step, StepStatus.NOT_STARTED)
    return records


def unmet_condition(current: Step, facts: CycleFacts) -> str | None:
    """The message for the first condition that stops moving on from ``current``, if any."""
    for step in Step:
        if step > current:
            break
        condition = EXIT_CONDITIONS.get(step)
        if condition and not getattr(facts, condition[0]):
            return _(condition[1])
    return None


def next_step(current: Step, facts: CycleFacts) -> Step:
    """The step after ``current``, or LifecycleError naming what is missing."""
    if current == Step.REVIEW:
        raise LifecycleError(
            _("A review ends with a decision: continue, change the plan, re-assess or end the budget.")
        )
    problem = unmet_condition(current, facts)
    if problem:
        raise LifecycleError(problem)
    return Step(current + 1)


def check_go_back(current: Step, target: Step) -> None:
    """Going back inside a cycle is allowed only before the plan is agreed.

    Once agreed, the plan is a fixed record; changes go through a review, which
    starts a new cycle.
    """
    if target >= current:
        raise LifecycleError(
            _("Step {target} is not before step {current}; you can only go back to an earlier step.").format(
                target=int(target), current=int(current)
            )
        )
    if current > Step.AGREE_PLAN:
        raise LifecycleError(
            _(
                "The plan in this cycle has been agreed, so it is a fixed record. To change it, "
                "record a review (step 7) and choose to change the plan or re-assess the budget."
            )
        )


def move(
    records: dict[Step, StepRecord], source: Step, target: Step, now: datetime
) -> dict[Step, StepRecord]:
    """Step records after moving from ``source`` to ``target`` in the same cycle."""
    updated = dict(records)
    if target > source:
        for step in Step:
            if source <= step < target:
                updated[step] = replace(records[step], status=StepStatus.DONE, completed_at=now)
    else:
        for step in Step:
            if target < step <= source:
                updated[step] = StepRecord(step, StepStatus.NOT_STARTED)
    updated[target] = StepRecord(target, StepStatus.IN_PROGRESS, now, None)
    return updated


@dataclass(frozen=True)
class DecisionEffect:
    """What a review decision does to the lifecycle."""

    close_cycle: bool
    new_cycle_step: Step | None  # where a new cycle starts, if one is opened
    continue_at: Step | None  # where this cycle carries on, if it does


def effect_of(decision: ReviewDecision) -> DecisionEffect:
    if decision == ReviewDecision.CONTINUE:
        return DecisionEffect(close_cycle=False, new_cycle_step=None, continue_at=Step.LIVE_LIFE)
    if decision == ReviewDecision.CHANGE_PLAN:
        return DecisionEffect(close_cycle=True, new_cycle_step=Step.PLAN_SUPPORT, continue_at=None)
    if decision == ReviewDecision.REASSESS:
        return DecisionEffect(close_cycle=True, new_cycle_step=Step.SET_BUDGET, continue_at=None)
    return DecisionEffect(close_cycle=True, new_cycle_step=None, continue_at=None)
