"""Database tables (SQLModel). Services read and write these; nothing outside
``personalbudget`` sees them (the UI gets DTOs).

Money columns hold whole pence (int). Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from personalbudget.storage.versioning import version_column, versioned


def _fk(target: str) -> Column:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=False, index=True)


class Person(SQLModel, table=True):
    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    __mapper_args__ = versioned  # optimistic concurrency (storage/versioning.py)
    row_version: int = Field(default=1, sa_column=version_column())
    name: str = Field(index=True)
    date_of_birth: date
    nhs_number: str | None = Field(default=None, unique=True)
    locality: str
    primary_support_reason: str
    created_at: datetime
    updated_at: datetime


class Representative(SQLModel, table=True):
    """A family carer, representative, nominated person, attorney or deputy."""

    __tablename__ = "representative"

    id: int | None = Field(default=None, primary_key=True)
    __mapper_args__ = versioned  # optimistic concurrency (storage/versioning.py)
    row_version: int = Field(default=1, sa_column=version_column())
    person_id: int = Field(sa_column=_fk("person.id"))
    position: int = 0
    name: str
    role: str
    relationship: str = ""
    phone: str = ""
    email: str = ""


class PlanCycle(SQLModel, table=True):
    """One trip round the seven steps for one person."""

    __tablename__ = "plan_cycle"
    __table_args__ = (
        UniqueConstraint("person_id", "number"),
        Index("ux_plan_cycle_one_open", "person_id", unique=True, sqlite_where=text("status = 'open'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=_fk("person.id"))
    number: int
    current_step: int
    status: str = "open"  # open | closed
    opened_at: datetime
    opened_by: str
    opened_reason: str = ""
    closed_at: datetime | None = None
    closed_reason: str = ""
    next_review_due: date | None = None
    # Milestones the step rules check; set by the services that make them happen.
    budget_agreed_at: datetime | None = None
    plan_submitted_at: datetime | None = None
    plan_agreed_at: datetime | None = None
    management_recorded_at: datetime | None = None
    support_arranged_at: datetime | None = None


class CycleStep(SQLModel, table=True):
    __tablename__ = "cycle_step"
    __table_args__ = (UniqueConstraint("cycle_id", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(sa_column=_fk("plan_cycle.id"))
    step: int
    status: str
    started_at: datetime | None = None
    completed_at: datetime | None = None


class StepTransition(SQLModel, table=True):
    """Every move between steps, timestamped and attributed."""

    __tablename__ = "step_transition"

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(sa_column=_fk("plan_cycle.id"))
    kind: str  # start | advance | back | review_decision | close
    from_step: int | None = None
    to_step: int | None = None
    at: datetime
    actor: str
    note: str = ""


class Setting(SQLModel, table=True):
    """Settings that belong to a caseload database (shared by everyone who uses it)."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True)
    value: str


class BudgetAssessment(SQLModel, table=True):
    """Step 1: the RAS answers for a cycle and the indicative budget they gave."""

    __tablename__ = "budget_assessment"

    id: int | None = Field(default=None, primary_key=True)
    __mapper_args__ = versioned  # optimistic concurrency (storage/versioning.py)
    row_version: int = Field(default=1, sa_column=version_column())
    cycle_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("plan_cycle.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    budget_type: str
    answers_json: str = "{}"
    ras_name: str
    ras_version: str
    breakdown_json: str  # the calculation as shown, kept so it stays explainable if the RAS file changes
    indicative_weekly_pence: int
    updated_at: datetime
    updated_by: str


class AgreedBudget(SQLModel, table=True):
    """Step 1: the budget agreed for a cycle, per funding stream, with the reason for any change."""

    __tablename__ = "agreed_budget"

    id: int | None = Field(default=None, primary_key=True)
    __mapper_args__ = versioned  # optimistic concurrency (storage/versioning.py)
    row_version: int = Field(default=1, sa_column=version_column())
    cycle_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("plan_cycle.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    budget_type: str
    indicative_annual_pence: int
    annual_pence: int
    reason: str = ""
    ras_version: str
    agreed_at: datetime
    agreed_by: str


class BudgetStream(SQLModel, table=True):
    __tablename__ = "budget_stream"
    __table_args__ = (UniqueConstraint("agreed_budget_id", "stream"),)

    id: int | None = Field(default=None, primary_key=True)
    agreed_budget_id: int = Field(sa_column=_fk("agreed_budget.id"))
    stream: str  # social_care | health
    indicative_annual_pence: int
    annual_pence: int


class SupportPlan(SQLModel, table=True):
    """Step 2: one version of a person's support plan. Only a draft is ever changed in place."""

    __tablename__ = "support_plan"
    __table_args__ = (UniqueConstraint("person_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    __mapper_args__ = versioned  # optimistic concurrency (storage/versioning.py)
    row_version: int = Field(default=1, sa_column=version_column())
    person_id: int = Field(sa_column=_fk("person.id"))
    cycle_id: int = Field(sa_column=_fk("plan_cycle.id"))
    version: int
    status: str = "draft"
    what_matters: str = ""
    contingency: str = ""
    over_budget_justification: str = ""
    based_on_plan_id: int | None = Field(default=None, foreign_key="support_plan.id")
    created_at: datetime
    created_by: str
    updated_at: datetime
    submitted_at: datetime | None = None
    submitted_by: str = ""


class PlanOutcome(SQLModel, table=True):
    __tablename__ = "plan_outcome"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(sa_column=_fk("support_plan.id"))
    position: int
    outcome_code: str  # Care Act eligibility outcome a-j
    description: str


class PlanSupportItem(SQLModel, table=True):
    __tablename__ = "plan_support_item"

    id: int | None = Field(default=None, primary_key=True)
    __mapper_args__ = versioned  # optimistic concurrency (storage/versioning.py)
    row_version: int = Field(default=1, sa_column=version_column())
    plan_id: int = Field(sa_column=_fk("support_plan.id"))
    position: int
    category: str
    description: str
    provider: str = ""  # empty: to be arranged
    unit_cost_pence: int
    quantity: str  # exact decimal, e.g. "7.5"
    frequency: str


class PlanInformalSupport(SQLModel, table=True):
    __tablename__ = "plan_informal_support"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(sa_column=_fk("support_plan.id"))
    position: int
    who: str
    description: str


class PlanRisk(SQLModel, table=True):
    __tablename__ = "plan_risk"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(sa_column=_fk("support_plan.id"))
    position: int
    risk: str
    how_managed: str


class PlanDecision(SQLModel, table=True):
    """Step 3: the funder's decision on a submitted plan."""

    __tablename__ = "plan_decision"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(sa_column=_fk("support_plan.id"))
    decision: str  # approve | approve_with_conditions | return
    text: str = ""
    role: str
    decided_at: datetime
    decided_by: str


class AppUser(SQLModel, table=True):
    """Someone who signs in, with the role that decides what they may see and do."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True)
    display_name: str
    role: str  # practitioner | approver | broker | individual | analyst
    password_hash: str
    can_manage_users: bool = False
    active: bool = True
    created_at: datetime
    team: str = ""  # practitioners of one team may see each other's people (a setting)
    must_change_password: bool = False  # after a reset: a new password at the next sign-in
    failed_sign_ins: int = 0  # wrong passwords in a row
    locked_until: datetime | None = None
    last_sign_in_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """One change, append-only, chained to the one before by a hash."""

    __tablename__ = "audit_event"
    # Who changed a record, and when (optimistic concurrency's refusals): the record's newest events.
    __table_args__ = (Index("ix_audit_event_row", "table_name", "row_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor: str
    action: str  # insert | update | delete
    table_name: str
    row_id: str
    summary: str  # JSON: which fields changed (values of personal fields are not copied)
    prev_hash: str
    hash: str
    # The person the event is about (a team caseload's server fills it, for row-level security; not
    # hashed, so the chain is the same either way). Empty on a laptop.
    person_id: int | None = Field(default=None, index=True)
