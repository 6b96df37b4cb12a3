"""Tables for step 7: reviews, how far each outcome is met, and market gaps.

Spend against plan is not stored: it is worked out from the ledger for the review
period (``period_start`` to ``period_end``) whenever it is shown or printed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from personalbudget.storage.money_models import _fk, _optional_fk
from personalbudget.storage.versioning import version_column, versioned


class Review(SQLModel, table=True):
    """One review of a cycle: requested (or planned), saved as a draft, then completed with a decision."""

    __tablename__ = "review"

    id: int | None = Field(default=None, primary_key=True)
    __mapper_args__ = versioned  # optimistic concurrency (storage/versioning.py)
    row_version: int = Field(default=1, sa_column=version_column())
    cycle_id: int = Field(sa_column=_fk("plan_cycle.id"))
    plan_id: int | None = Field(default=None, sa_column=_optional_fk("support_plan.id"))
    reason: str  # REVIEW_REASONS
    reason_note: str = ""
    requested_at: datetime
    requested_by: str
    due_on: date
    period_start: date
    period_end: date | None = None
    status: str = "draft"  # draft | completed
    method: str = ""
    working_person: str = ""
    not_working_person: str = ""
    working_practitioner: str = ""
    not_working_practitioner: str = ""
    risks: str = ""
    decision: str = ""  # ReviewDecision value, "" until chosen
    decision_note: str = ""
    completed_at: datetime | None = None
    completed_by: str = ""


class ReviewOutcome(SQLModel, table=True):
    __tablename__ = "review_outcome"

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(sa_column=_fk("review.id"))
    position: int
    outcome_code: str
    description: str
    rating: str = ""  # OUTCOME_RATINGS, "" until rated
    person_says: str = ""


class MarketGapRow(SQLModel, table=True):
    """Support that was wanted but could not be found (for strategic commissioning)."""

    __tablename__ = "market_gap"

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(sa_column=_fk("review.id"))
    position: int
    category: str
    locality: str
    why: str
