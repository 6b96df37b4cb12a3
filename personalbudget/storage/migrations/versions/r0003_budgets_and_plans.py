"""Steps 1-3: RAS assessments, agreed budgets by funding stream, versioned support plans, decisions.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True)


def _fk(name: str, target: str, **kw) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey(target, ondelete="CASCADE"), nullable=False, **kw)


def upgrade() -> None:
    op.create_table(
        "budget_assessment",
        _id(),
        _fk("cycle_id", "plan_cycle.id", unique=True),
        sa.Column("budget_type", sa.String, nullable=False),
        sa.Column("answers_json", sa.String, nullable=False),
        sa.Column("ras_name", sa.String, nullable=False),
        sa.Column("ras_version", sa.String, nullable=False),
        sa.Column("breakdown_json", sa.String, nullable=False),
        sa.Column("indicative_weekly_pence", sa.Integer, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("updated_by", sa.String, nullable=False),
    )
    op.create_table(
        "agreed_budget",
        _id(),
        _fk("cycle_id", "plan_cycle.id", unique=True),
        sa.Column("budget_type", sa.String, nullable=False),
        sa.Column("indicative_annual_pence", sa.Integer, nullable=False),
        sa.Column("annual_pence", sa.Integer, nullable=False),
        sa.Column("reason", sa.String, nullable=False),
        sa.Column("ras_version", sa.String, nullable=False),
        sa.Column("agreed_at", WHEN, nullable=False),
        sa.Column("agreed_by", sa.String, nullable=False),
    )
    op.create_table(
        "budget_stream",
        _id(),
        _fk("agreed_budget_id", "agreed_budget.id"),
        sa.Column("stream", sa.String, nullable=False),
        sa.Column("indicative_annual_pence", sa.Integer, nullable=False),
        sa.Column("annual_pence", sa.Integer, nullable=False),
        sa.UniqueConstraint("agreed_budget_id", "stream"),
    )
    op.create_index("ix_budget_stream_agreed_budget_id", "budget_stream", ["agreed_budget_id"])
    op.create_table(
        "support_plan",
        _id(),
        _fk("person_id", "person.id"),
        _fk("cycle_id", "plan_cycle.id"),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("what_matters", sa.String, nullable=False),
        sa.Column("contingency", sa.String, nullable=False),
        sa.Column("over_budget_justification", sa.String, nullable=False),
        sa.Column("based_on_plan_id", sa.Integer, sa.ForeignKey("support_plan.id"), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("submitted_at", WHEN, nullable=True),
        sa.Column("submitted_by", sa.String, nullable=False),
        sa.UniqueConstraint("person_id", "version"),
    )
    op.create_index("ix_support_plan_person_id", "support_plan", ["person_id"])
    op.create_index("ix_support_plan_cycle_id", "support_plan", ["cycle_id"])
    for table, columns in (
        (
            "plan_outcome",
            [
                sa.Column("outcome_code", sa.String, nullable=False),
                sa.Column("description", sa.String, nullable=False),
            ],
        ),
        (
            "plan_support_item",
            [
                sa.Column("category", sa.String, nullable=False),
                sa.Column("description", sa.String, nullable=False),
                sa.Column("provider", sa.String, nullable=False),
                sa.Column("unit_cost_pence", sa.Integer, nullable=False),
                sa.Column("quantity", sa.String, nullable=False),
                sa.Column("frequency", sa.String, nullable=False),
            ],
        ),
        (
            "plan_informal_support",
            [
                sa.Column("who", sa.String, nullable=False),
                sa.Column("description", sa.String, nullable=False),
            ],
        ),
        (
            "plan_risk",
            [
                sa.Column("risk", sa.String, nullable=False),
                sa.Column("how_managed", sa.String, nullable=False),
            ],
        ),
    ):
        op.create_table(
            table,
            _id(),
            _fk("plan_id", "support_plan.id"),
            sa.Column("position", sa.Integer, nullable=False),
            *columns,
        )
        op.create_index(f"ix_{table}_plan_id", table, ["plan_id"])
    op.create_table(
        "plan_decision",
        _id(),
        _fk("plan_id", "support_plan.id"),
        sa.Column("decision", sa.String, nullable=False),
        sa.Column("text", sa.String, nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("decided_at", WHEN, nullable=False),
        sa.Column("decided_by", sa.String, nullable=False),
    )
    op.create_index("ix_plan_decision_plan_id", "plan_decision", ["plan_id"])


def downgrade() -> None:
    for table in (
        "plan_decision",
        "plan_risk",
        "plan_informal_support",
        "plan_support_item",
        "plan_outcome",
        "support_plan",
        "budget_stream",
        "agreed_budget",
        "budget_assessment",
    ):
        op.drop_table(table)
