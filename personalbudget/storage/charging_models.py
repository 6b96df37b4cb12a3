"""Tables for the person's contribution (charging): the assessed contribution and what they pay;
and the decisions about a surplus beyond the local limit (recorded before any of it is recovered).

Money columns hold whole pence (int). Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from personalbudget.storage.versioning import version_column, versioned


class PersonContribution(SQLModel, table=True):
    """One recorded contribution decision; the newest one for a person is the one in force."""

    __tablename__ = "person_contribution"

    id: int | None = Field(default=None, primary_key=True)
    __mapper_args__ = versioned  # optimistic concurrency (storage/versioning.py)
    row_version: int = Field(default=1, sa_column=version_column())
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    status: str  # ContributionStatus value
    weekly_pence: int = 0
    starts_on: date
    reason: str
    basis: str  # PaymentBasis value
    rules_file: str = ""  # the financial assessment rules file used, when the calculator worked it out
    recorded_at: datetime
    recorded_by: str


class ContributionPayment(SQLModel, table=True):
    """A payment the person made towards their contribution (into the account, or to the council)."""

    __tablename__ = "contribution_payment"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    paid_on: date
    amount_pence: int
    note: str = ""
    ledger_transaction_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("ledger_transaction.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    recorded_at: datetime
    recorded_by: str


class SurplusDecision(SQLModel, table=True):
    """A surplus beyond the local limit: the conversation with the person, the option chosen, and the
    words the person was told. Recorded before anything is recovered."""

    __tablename__ = "surplus_decision"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    decided_on: date
    balance_pence: int
    limit_pence: int
    option: str  # SurplusOption value
    amount_pence: int
    purchase: str = ""
    conversation: str
    told_in_words: str
    recorded_at: datetime
    recorded_by: str


class BudgetUplift(SQLModel, table=True):
    """An uplift applied to budgets and plan lines (e.g. the April rate rise), as one recorded change."""

    __tablename__ = "budget_uplift"

    id: int | None = Field(default=None, primary_key=True)
    percent: str  # exact decimal, e.g. "3.2"
    applies_from: date
    reason: str
    streams: str  # comma-separated funding streams
    categories: str = ""  # comma-separated support categories ("" = all)
    recorded_at: datetime
    recorded_by: str


class BudgetUpliftChange(SQLModel, table=True):
    """One amount an uplift changed, before and after."""

    __tablename__ = "budget_uplift_change"

    id: int | None = Field(default=None, primary_key=True)
    uplift_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("budget_uplift.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    kind: str  # budget | plan_line
    target_id: int
    label: str
    before_pence: int
    after_pence: int
