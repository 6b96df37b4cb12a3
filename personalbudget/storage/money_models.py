"""Tables for steps 4-6: how the budget is managed, who delivers the support, and the money.

Money columns hold whole pence (int; + in, - out in the ledger). Timestamps are
timezone-aware UTC. Account details are masked: only the last digits are kept.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from personalbudget.storage.versioning import version_column, versioned


def _fk(target: str, *, index: bool = True, unique: bool = False) -> Column:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=False, index=index, unique=unique)


def _optional_fk(target: str) -> Column:
    return Column(Integer, ForeignKey(target, ondelete="SET NULL"), nullable=True, index=True)


class BudgetManagement(SQLModel, table=True):
    """Step 4: how a cycle's budget is managed, recorded with who and when."""

    __tablename__ = "budget_management"

    id: int | None = Field(default=None, primary_key=True)
    __mapper_args__ = versioned  # optimistic concurrency (storage/versioning.py)
    row_version: int = Field(default=1, sa_column=version_column())
    cycle_id: int = Field(sa_column=_fk("plan_cycle.id", index=False, unique=True))
    recorded_at: datetime
    recorded_by: str
    note: str = ""


class ManagementShare(SQLModel, table=True):
    """One way of managing part of the budget (a mix has several), with its yearly amount."""

    __tablename__ = "management_share"
    __table_args__ = (UniqueConstraint("management_id", "option"),)

    id: int | None = Field(default=None, primary_key=True)
    management_id: int = Field(sa_column=_fk("budget_management.id"))
    position: int = 0
    option: str  # ManagementOption value
    annual_pence: int
    held_by: str = ""


class PaymentScheduleRow(SQLModel, table=True):
    """How and where money is paid out (direct payments): frequency, first date, amount, masked account."""

    __tablename__ = "payment_schedule"

    id: int | None = Field(default=None, primary_key=True)
    management_id: int = Field(sa_column=_fk("budget_management.id", index=False, unique=True))
    frequency: str
    first_payment_on: date
    amount_pence: int
    in_advance: bool = True
    account_name: str = ""
    account_provider: str = ""
    sort_code_masked: str = ""
    account_last4: str = ""
    card_last4: str = ""


class Provider(SQLModel, table=True):
    """The directory of providers and personal assistants, shared by the caseload."""

    __tablename__ = "provider"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    kind: str  # agency | personal_assistant | micro_enterprise | voluntary | universal
    contact: str = ""
    phone: str = ""
    email: str = ""
    registration_number: str = ""  # e.g. CQC location id for a regulated agency
    notes: str = ""
    active: bool = True
    created_at: datetime
    updated_at: datetime


class SupportArrangement(SQLModel, table=True):
    """Step 5: who delivers an item of the agreed plan, from when, at what rate."""

    __tablename__ = "support_arrangement"

    id: int | None = Field(default=None, primary_key=True)
    __mapper_args__ = versioned  # optimistic concurrency (storage/versioning.py)
    row_version: int = Field(default=1, sa_column=version_column())
    cycle_id: int = Field(sa_column=_fk("plan_cycle.id"))
    plan_item_id: int = Field(sa_column=_fk("plan_support_item.id"))
    provider_id: int = Field(sa_column=_fk("provider.id"))
    starts_on: date
    ends_on: date | None = None
    unit_rate_pence: int
    funding_option: str = ""  # which way of managing the budget pays for it
    note: str = ""
    created_at: datetime
    created_by: str


class EmployerChecklist(SQLModel, table=True):
    """For a person who employs personal assistants: the employer's duties."""

    __tablename__ = "employer_checklist"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=_fk("person.id", index=False, unique=True))
    insurer: str = ""
    insurance_expires_on: date | None = None
    payroll: str = ""
    updated_at: datetime
    updated_by: str


class PaEmployment(SQLModel, table=True):
    """One personal assistant employed by the person: DBS check, contract, holiday entitlement."""

    __tablename__ = "pa_employment"
    __table_args__ = (UniqueConstraint("person_id", "provider_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=_fk("person.id"))
    provider_id: int = Field(sa_column=_fk("provider.id"))
    dbs_checked_on: date | None = None
    contract_signed_on: date | None = None
    holiday_days: str = ""  # exact decimal, e.g. "28" or "16.8"


class StatementMapping(SQLModel, table=True):
    """How to read a CSV statement from one source (a bank, a card scheme), remembered by name."""

    __tablename__ = "statement_mapping"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    header_signature: str = Field(default="", index=True)
    delimiter: str = ","
    encoding: str = "auto"
    has_header: bool = True
    date_column: str
    date_format: str = "auto"
    description_column: str
    amount_column: str = ""
    debit_column: str = ""
    credit_column: str = ""
    spending_positive: bool = False
    updated_at: datetime


class StatementImport(SQLModel, table=True):
    """One statement file imported into a person's ledger."""

    __tablename__ = "statement_import"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=_fk("person.id"))
    imported_at: datetime
    imported_by: str
    file_name: str
    file_format: str  # csv | ofx
    mapping_name: str = ""
    rows_added: int
    rows_skipped: int
    first_date: date | None = None
    last_date: date | None = None


class LedgerTransaction(SQLModel, table=True):
    """A payment in or spending out of a person's budget account."""

    __tablename__ = "ledger_transaction"
    __table_args__ = (
        Index("ix_ledger_transaction_person_posted", "person_id", "posted_on"),
        Index("ix_ledger_transaction_person_amount", "person_id", "amount_pence"),  # balances, read alone
        Index("ix_ledger_transaction_person_bank", "person_id", "bank_id"),
        UniqueConstraint("person_id", "fingerprint"),
    )

    id: int | None = Field(default=None, primary_key=True)
    __mapper_args__ = versioned  # optimistic concurrency (storage/versioning.py)
    row_version: int = Field(default=1, sa_column=version_column())
    person_id: int = Field(sa_column=_fk("person.id", index=False))
    posted_on: date
    amount_pence: int  # + money in, - money out
    description: str
    plan_item_id: int | None = Field(default=None, sa_column=_optional_fk("plan_support_item.id"))
    category: str = ""  # support category when linked to a kind of spending rather than an item
    source: str  # manual | import | demo
    import_id: int | None = Field(default=None, sa_column=_optional_fk("statement_import.id"))
    fingerprint: str | None = None  # statement rows only: for skipping rows already imported
    bank_id: str | None = None  # the bank's own id of the transaction (OFX FITID), where the file has one
    recorded_at: datetime
    recorded_by: str


class CategorisationRule(SQLModel, table=True):
    """'Payee contains X -> plan item Y', applied to imported rows in order."""

    __tablename__ = "categorisation_rule"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(sa_column=_fk("person.id"))
    position: int = 0
    contains: str
    plan_item_id: int | None = Field(default=None, sa_column=_optional_fk("plan_support_item.id"))
    category: str = ""


class LedgerSpendTotal(SQLModel, table=True):
    """Kept figures: the money out of each person's ledger per financial year, linked item and category.

    Never written by the app's code: triggers on ``ledger_transaction`` keep it, in the same
    transaction as every insert, edit and delete of a ledger row, whoever makes it (the services, a
    statement import, the demo's copies, a team upload, SQL); ``storage/ledger_totals.py`` has them
    (migration r0015 installs them on SQLite and PostgreSQL and fills the table from the ledger).
    The aggregate export reads it instead of scanning every ledger row (issue 18). Only rows with
    money out (``amount_pence < 0``) count; ``spent_pence`` is their total as a positive number, and
    a key whose total comes back to 0 is removed. Copiers of people's rows leave it alone: the
    triggers fill it from the ledger rows they copy.
    """

    __tablename__ = "ledger_spend_total"

    # The financial year the money went out in (1 April to 31 March), as the year it starts in.
    year_from: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    person_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    plan_item_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))  # 0: none
    category: str = Field(primary_key=True)  # the ledger row's own category ('' when none)
    spent_pence: int = Field(sa_column=Column(BigInteger, nullable=False))  # a year's total: beyond int4
