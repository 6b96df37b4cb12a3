"""The immutable results that services return and reports render (never ORM rows).

They live in the domain, below both services and reports, so that a report can take
a result without importing a service (docs/architecture.md). Services build them; the
UI, the CLI and the reports only read them. Results that no report renders are in
``personalbudget/services/dto.py``, which also re-exports these for the UI and the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

from personalbudget.domain.lifecycle import ReviewDecision, Step
from personalbudget.domain.management import (
    AccountDetails,
    DeliveryMechanism,
    ManagementOption,
    PaymentSchedule,
    PotFit,
    PotLine,
    SaltCategory,
    Share,
    pot_fits,
    salt_category,
)
from personalbudget.domain.money import WEEKS_PER_YEAR, round_half_up
from personalbudget.domain.monitoring import LineResult
from personalbudget.domain.plan import Decision, PlanCosting, PlanDraft, PlanStatus
from personalbudget.domain.ras import IndicativeBudget
from personalbudget.domain.review import MarketGap, OutcomeRating

# People


@dataclass(frozen=True)
class RepresentativeDetails:
    name: str
    role: str
    relationship: str
    phone: str
    email: str


@dataclass(frozen=True)
class PersonDetails:
    id: int
    name: str
    date_of_birth: date
    age: int
    nhs_number: str | None
    locality: str
    primary_support_reason: str
    representatives: tuple[RepresentativeDetails, ...]
    row_version: int = 1  # the version read (optimistic concurrency: give it back when saving)


# Step 1: the budget


@dataclass(frozen=True)
class StreamBudget:
    stream: str
    indicative_annual_pence: int
    annual_pence: int


@dataclass(frozen=True)
class AgreedBudgetView:
    budget_type: str
    annual_pence: int
    indicative_annual_pence: int
    streams: tuple[StreamBudget, ...]
    reason: str
    ras_version: str
    agreed_at: datetime
    agreed_by: str

    @property
    def weekly_pence(self) -> int:
        return round_half_up(Fraction(self.annual_pence, WEEKS_PER_YEAR))


@dataclass(frozen=True)
class BudgetView:
    """Everything step 1 shows for a person's current cycle."""

    person_id: int
    cycle_id: int
    budget_type: str | None
    answers: dict[str, str]
    indicative: IndicativeBudget | None
    agreed: AgreedBudgetView | None
    can_edit: bool
    row_version: int = 0  # the assessment's version read (0: none yet); give it back when saving


# Steps 2 and 3: the plan and the decision


@dataclass(frozen=True)
class DecisionView:
    decision: Decision
    text: str
    role: str
    decided_at: datetime
    decided_by: str


@dataclass(frozen=True)
class PlanView:
    """One version of a support plan with its costing against the agreed budget."""

    plan_id: int
    person_id: int
    cycle_id: int
    version: int
    status: PlanStatus
    content: PlanDraft
    costing: PlanCosting
    budget: AgreedBudgetView | None
    over_budget_justification: str
    created_at: datetime
    created_by: str
    submitted_at: datetime | None
    submitted_by: str
    decisions: tuple[DecisionView, ...]
    editable: bool  # a draft in a cycle at step 2
    # Warnings in words that do not stop the plan being saved (a PA line typed by hand below the
    # National Living Wage: pa_costs.typed_rate_warnings).
    warnings: tuple[str, ...] = ()
    row_version: int = 0  # the plan row's version read (optimistic concurrency); give it back when saving

    @property
    def agreed(self) -> DecisionView | None:
        return next((d for d in reversed(self.decisions) if d.decision != Decision.RETURN), None)


# Step 4: managing the budget


@dataclass(frozen=True)
class ManagementView:
    person_id: int
    cycle_id: int
    current_step: Step
    budget_annual_pence: int | None
    recorded_for_this_cycle: bool
    recorded_at: datetime | None
    recorded_by: str
    note: str
    shares: tuple[Share, ...]  # this cycle's, or the last cycle's as a starting point
    schedule: PaymentSchedule | None
    account: AccountDetails | None
    can_record: bool
    # The agreed plan's lines by the pot that pays for them (from the arrangements in step 5), and
    # the lines not yet arranged; what pot_fits() needs to check the amounts, saved or being typed.
    paid_from: dict[ManagementOption, tuple[PotLine, ...]] = field(default_factory=dict)
    not_yet_paid_from: tuple[PotLine, ...] = ()
    row_version: int = 0  # this cycle's record's version read (0: none yet); give it back when saving

    @property
    def pots(self) -> tuple[PotFit, ...]:
        """Each pot of the recorded mix against the plan lines it pays for."""
        return pot_fits(
            [(s.option, s.annual_pence) for s in self.shares], self.paid_from, self.not_yet_paid_from
        )

    @property
    def mechanisms(self) -> tuple[DeliveryMechanism, ...]:
        return tuple(dict.fromkeys(s.option.mechanism for s in self.shares))

    @property
    def salt(self) -> SaltCategory | None:
        return salt_category(set(self.mechanisms))

    @property
    def pays_out(self) -> bool:
        return any(s.option.pays_out for s in self.shares)

    @property
    def paid_out_annual_pence(self) -> int:
        return sum(s.annual_pence for s in self.shares if s.option.pays_out)


# Step 7: the review


@dataclass
class ReviewForm:
    """What the practitioner records; ``decision`` may stay None in a draft."""

    outcomes: list[OutcomeRating] = field(default_factory=list)
    method: str = ""
    working_person: str = ""
    not_working_person: str = ""
    working_practitioner: str = ""
    not_working_practitioner: str = ""
    market_gaps: list[MarketGap] = field(default_factory=list)
    risks: str = ""
    decision: ReviewDecision | None = None
    decision_note: str = ""


@dataclass(frozen=True)
class ReviewView:
    review_id: int
    person_id: int
    person_name: str
    cycle_number: int
    plan_version: int | None
    reason: str
    reason_note: str
    requested_at: datetime
    requested_by: str
    due_on: date
    period_start: date
    period_end: date
    completed: bool
    completed_at: datetime | None
    completed_by: str
    form: ReviewForm
    spend: tuple[LineResult, ...]
    spend_total: LineResult | None
    row_version: int = 0  # the version read (optimistic concurrency); give it back when saving

    @property
    def editable(self) -> bool:
        return not self.completed
