"""Database tables (SQLModel). Services read and write these; nothing outside
``personalbudget`` sees them (the UI gets DTOs).

Money columns hold whole pence (int). Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def _fk(target: str) -> Column:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=False, index=True)


class Person(SQLModel, table=True):
    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
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
