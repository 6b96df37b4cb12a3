"""Steps 4-6: budget management and payment schedules, providers and arrangements, the PA employer
checklist, statement mappings and imports, the ledger and categorisation rules.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True)


def _fk(name: str, target: str, **kw) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey(target, ondelete="CASCADE"), nullable=False, **kw)


def _optional_fk(name: str, target: str) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey(target, ondelete="SET NULL"), nullable=True)


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.String, nullable=False)


def upgrade() -> None:
    op.create_table(
        "budget_management",
        _id(),
        _fk("cycle_id", "plan_cycle.id", unique=True),
        sa.Column("recorded_at", WHEN, nullable=False),
        _text("recorded_by"),
        _text("note"),
    )
    op.create_table(
        "management_share",
        _id(),
        _fk("management_id", "budget_management.id"),
        sa.Column("position", sa.Integer, nullable=False),
        _text("option"),
        sa.Column("annual_pence", sa.Integer, nullable=False),
        _text("held_by"),
        sa.UniqueConstraint("management_id", "option"),
    )
    op.create_index("ix_management_share_management_id", "management_share", ["management_id"])
    op.create_table(
        "payment_schedule",
        _id(),
        _fk("management_id", "budget_management.id", unique=True),
        _text("frequency"),
        sa.Column("first_payment_on", sa.Date, nullable=False),
        sa.Column("amount_pence", sa.Integer, nullable=False),
        sa.Column("in_advance", sa.Boolean, nullable=False),
        _text("account_name"),
        _text("account_provider"),
        _text("sort_code_masked"),
        _text("account_last4"),
        _text("card_last4"),
    )
    op.create_table(
        "provider",
        _id(),
        _text("name"),
        _text("kind"),
        _text("contact"),
        _text("phone"),
        _text("email"),
        _text("registration_number"),
        _text("notes"),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_index("ix_provider_name", "provider", ["name"])
    op.create_table(
        "support_arrangement",
        _id(),
        _fk("cycle_id", "plan_cycle.id"),
        _fk("plan_item_id", "plan_support_item.id"),
        _fk("provider_id", "provider.id"),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=True),
        sa.Column("unit_rate_pence", sa.Integer, nullable=False),
        _text("funding_option"),
        _text("note"),
        sa.Column("created_at", WHEN, nullable=False),
        _text("created_by"),
    )
    for column in ("cycle_id", "plan_item_id", "provider_id"):
        op.create_index(f"ix_support_arrangement_{column}", "support_arrangement", [column])
    op.create_table(
        "employer_checklist",
        _id(),
        _fk("person_id", "person.id", unique=True),
        _text("insurer"),
        sa.Column("insurance_expires_on", sa.Date, nullable=True),
        _text("payroll"),
        sa.Column("updated_at", WHEN, nullable=False),
        _text("updated_by"),
    )
    op.create_table(
        "pa_employment",
        _id(),
        _fk("person_id", "person.id"),
        _fk("provider_id", "provider.id"),
        sa.Column("dbs_checked_on", sa.Date, nullable=True),
        sa.Column("contract_signed_on", sa.Date, nullable=True),
        _text("holiday_days"),
        sa.UniqueConstraint("person_id", "provider_id"),
    )
    op.create_index("ix_pa_employment_person_id", "pa_employment", ["person_id"])
    op.create_index("ix_pa_employment_provider_id", "pa_employment", ["provider_id"])
    op.create_table(
        "statement_mapping",
        _id(),
        sa.Column("name", sa.String, nullable=False, unique=True),
        _text("header_signature"),
        _text("delimiter"),
        _text("encoding"),
        sa.Column("has_header", sa.Boolean, nullable=False),
        _text("date_column"),
        _text("date_format"),
        _text("description_column"),
        _text("amount_column"),
        _text("debit_column"),
        _text("credit_column"),
        sa.Column("spending_positive", sa.Boolean, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_index("ix_statement_mapping_header_signature", "statement_mapping", ["header_signature"])
    op.create_table(
        "statement_import",
        _id(),
        _fk("person_id", "person.id"),
        sa.Column("imported_at", WHEN, nullable=False),
        _text("imported_by"),
        _text("file_name"),
        _text("file_format"),
        _text("mapping_name"),
        sa.Column("rows_added", sa.Integer, nullable=False),
        sa.Column("rows_skipped", sa.Integer, nullable=False),
        sa.Column("first_date", sa.Date, nullable=True),
        sa.Column("last_date", sa.Date, nullable=True),
    )
    op.create_index("ix_statement_import_person_id", "statement_import", ["person_id"])
    op.create_table(
        "ledger_transaction",
        _id(),
        _fk("person_id", "person.id"),
        sa.Column("posted_on", sa.Date, nullable=False),
        sa.Column("amount_pence", sa.Integer, nullable=False),
        _text("description"),
        _optional_fk("plan_item_id", "plan_support_item.id"),
        _text("category"),
        _text("source"),
        _optional_fk("import_id", "statement_import.id"),
        sa.Column("fingerprint", sa.String, nullable=True),
        sa.Column("recorded_at", WHEN, nullable=False),
        _text("recorded_by"),
        sa.UniqueConstraint("person_id", "fingerprint"),
    )
    op.create_index("ix_ledger_transaction_person_posted", "ledger_transaction", ["person_id", "posted_on"])
    op.create_index("ix_ledger_transaction_plan_item_id", "ledger_transaction", ["plan_item_id"])
    op.create_index("ix_ledger_transaction_import_id", "ledger_transaction", ["import_id"])
    op.create_table(
        "categorisation_rule",
        _id(),
        _fk("person_id", "person.id"),
        sa.Column("position", sa.Integer, nullable=False),
        _text("contains"),
        _optional_fk("plan_item_id", "plan_support_item.id"),
        _text("category"),
    )
    op.create_index("ix_categorisation_rule_person_id", "categorisation_rule", ["person_id"])
    op.create_index("ix_categorisation_rule_plan_item_id", "categorisation_rule", ["plan_item_id"])


def downgrade() -> None:
    for table in (
        "categorisation_rule",
        "ledger_transaction",
        "statement_import",
        "statement_mapping",
        "pa_employment",
        "employer_checklist",
        "support_arrangement",
        "provider",
        "payment_schedule",
        "management_share",
        "budget_management",
    ):
        op.drop_table(table)
