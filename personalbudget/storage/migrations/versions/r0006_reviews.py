"""Step 7: reviews, outcome ratings and market gaps.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True)


def _fk(name: str, target: str) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey(target, ondelete="CASCADE"), nullable=False)


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.String, nullable=False)


def upgrade() -> None:
    op.create_table(
        "review",
        _id(),
        _fk("cycle_id", "plan_cycle.id"),
        sa.Column(
            "plan_id", sa.Integer, sa.ForeignKey("support_plan.id", ondelete="SET NULL"), nullable=True
        ),
        _text("reason"),
        _text("reason_note"),
        sa.Column("requested_at", WHEN, nullable=False),
        _text("requested_by"),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=True),
        _text("status"),
        _text("method"),
        _text("working_person"),
        _text("not_working_person"),
        _text("working_practitioner"),
        _text("not_working_practitioner"),
        _text("risks"),
        _text("decision"),
        _text("decision_note"),
        sa.Column("completed_at", WHEN, nullable=True),
        _text("completed_by"),
    )
    op.create_index("ix_review_cycle_id", "review", ["cycle_id"])
    op.create_index("ix_review_plan_id", "review", ["plan_id"])
    op.create_table(
        "review_outcome",
        _id(),
        _fk("review_id", "review.id"),
        sa.Column("position", sa.Integer, nullable=False),
        _text("outcome_code"),
        _text("description"),
        _text("rating"),
        _text("person_says"),
    )
    op.create_index("ix_review_outcome_review_id", "review_outcome", ["review_id"])
    op.create_table(
        "market_gap",
        _id(),
        _fk("review_id", "review.id"),
        sa.Column("position", sa.Integer, nullable=False),
        _text("category"),
        _text("locality"),
        _text("why"),
    )
    op.create_index("ix_market_gap_review_id", "market_gap", ["review_id"])


def downgrade() -> None:
    for table in ("market_gap", "review_outcome", "review"):
        op.drop_table(table)
