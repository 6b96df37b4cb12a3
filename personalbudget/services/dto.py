"""Plain, immutable results that services hand to the UI and the CLI (never ORM rows).

The one place to import a result class from. Those a report renders are defined in
``personalbudget/domain/results.py`` (reports sit below services and may not import them)
and re-exported here; the rest are defined here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from personalbudget.domain.lifecycle import Step, StepStatus
from personalbudget.domain.results import (
    AgreedBudgetView,
    BudgetView,
    DecisionView,
    ManagementView,
    PersonDetails,
    PlanView,
    RepresentativeDetails,
    ReviewForm,
    ReviewView,
    StreamBudget,
)

__all__ = [
    "AgreedBudgetView",
    "BudgetView",
    "CaseloadRow",
    "CycleView",
    "DecisionView",
    "ManagementView",
    "PersonDetails",
    "PlanView",
    "RepresentativeDetails",
    "ReviewForm",
    "ReviewView",
    "StepView",
    "StreamBudget",
    "TransitionView",
]


class CaseloadRow(NamedTuple):
    """One line of the caseload list.

    A named tuple rather than a frozen dataclass: a caseload of 50,000 people makes 50,000 of them
    at each reading, and a tuple is made in a quarter of the time (a frozen dataclass sets each
    field through ``object.__setattr__``), in the same memory. Immutable all the same."""

    person_id: int
    name: str
    nhs_number: str | None
    age: int
    locality: str
    primary_support_reason: str
    step: Step | None
    cycle_open: bool
    next_review_due: date | None
    review_overdue: bool


@dataclass(frozen=True)
class StepView:
    step: Step
    status: StepStatus
    started_at: datetime | None
    completed_at: datetime | None


@dataclass(frozen=True)
class TransitionView:
    kind: str
    from_step: Step | None
    to_step: Step | None
    at: datetime
    actor: str
    note: str


@dataclass(frozen=True)
class CycleView:
    """A person's current (or last) trip round the seven steps."""

    cycle_id: int
    person_id: int
    number: int
    current_step: Step
    is_open: bool
    closed_reason: str
    next_review_due: date | None
    review_overdue: bool
    steps: tuple[StepView, ...]
    transitions: tuple[TransitionView, ...]
    blocker: str | None  # why the cycle cannot move on yet, if it cannot
    can_go_back: bool
