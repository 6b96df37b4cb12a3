"""The person's contribution (charging): the assessed weekly contribution and the payments made;
surplus decisions (the conversation, the option and what the person was told); uplifts applied to
budgets and plan lines, with every amount before and after.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "person_contribution",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("weekly_pence", sa.Integer, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("reason", sa.String, nullable=False),
        sa.Column("basis", sa.String, nullable=False),
        sa.Column("rules_file", sa.String, nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Column("recorded_by", sa.String, nullable=False),
    )
    op.create_index("ix_person_contribution_person_id", "person_contribution", ["person_id"])
    op.create_table(
        "contribution_payment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("amount_pence", sa.Integer, nullable=False),
        sa.Column("note", sa.String, nullable=False),
        sa.Column(
            "ledger_transaction_id",
            sa.Integer,
            sa.ForeignKey("ledger_transaction.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Column("recorded_by", sa.String, nullable=False),
    )
    op.create_index("ix_contribution_payment_person_id", "contribution_payment", ["person_id"])
    op.create_index(
        "ix_contribution_payment_ledger_transaction_id", "contribution_payment", ["ledger_transaction_id"]
    )
    op.create_table(
        "surplus_decision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("balance_pence", sa.Integer, nullable=False),
        sa.Column("limit_pence", sa.Integer, nullable=False),
        sa.Column("option", sa.String, nullable=False),
        sa.Column("amount_pence", sa.Integer, nullable=False),
        sa.Column("purchase", sa.String, nullable=False),
        sa.Column("conversation", sa.String, nullable=False),
        sa.Column("told_in_words", sa.String, nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Column("recorded_by", sa.String, nullable=False),
    )
    op.create_index("ix_surplus_decision_person_id", "surplus_decision", ["person_id"])
    op.create_table(
        "budget_uplift",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("percent", sa.String, nullable=False),
        sa.Column("applies_from", sa.Date, nullable=False),
        sa.Column("reason", sa.String, nullable=False),
        sa.Column("streams", sa.String, nullable=False),
        sa.Column("categories", sa.String, nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Column("recorded_by", sa.String, nullable=False),
    )
    op.create_table(
        "budget_uplift_change",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "uplift_id", sa.Integer, sa.ForeignKey("budget_uplift.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("target_id", sa.Integer, nullable=False),
        sa.Column("label", sa.String, nullable=False),
        sa.Column("before_pence", sa.Integer, nullable=False),
        sa.Column("after_pence", sa.Integer, nullable=False),
    )
    op.create_index("ix_budget_uplift_change_uplift_id", "budget_uplift_change", ["uplift_id"])
    op.create_index("ix_budget_uplift_change_person_id", "budget_uplift_change", ["person_id"])


def downgrade() -> None:
    op.drop_table("budget_uplift_change")
    op.drop_table("budget_uplift")
    op.drop_table("surplus_decision")
    op.drop_table("contribution_payment")
    op.drop_table("person_contribution")
