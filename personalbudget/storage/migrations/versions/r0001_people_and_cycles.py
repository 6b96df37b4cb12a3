"""People, their carers and representatives, and plan cycles round the seven steps.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPLICATION_ID = 0x50424731  # "PBG1": marks the file as a PersonalBudget database


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # a team caseload (PostgreSQL) is a database, not a file
        op.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    else:  # the caseload list sorts names ignoring case with SQLite's COLLATE NOCASE: the same on the server
        op.execute(
            "CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false)"
        )
    op.create_table(
        "person",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("date_of_birth", sa.Date, nullable=False),
        sa.Column("nhs_number", sa.String, nullable=True, unique=True),
        sa.Column("locality", sa.String, nullable=False),
        sa.Column("primary_support_reason", sa.String, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_person_name", "person", ["name"])
    op.create_table(
        "representative",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("relationship", sa.String, nullable=False),
        sa.Column("phone", sa.String, nullable=False),
        sa.Column("email", sa.String, nullable=False),
    )
    op.create_index("ix_representative_person_id", "representative", ["person_id"])
    op.create_table(
        "plan_cycle",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("current_step", sa.Integer, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String, nullable=False),
        sa.Column("opened_reason", sa.String, nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.String, nullable=False),
        sa.Column("next_review_due", sa.Date, nullable=True),
        sa.Column("budget_agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("plan_submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("plan_agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("management_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("support_arranged_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("person_id", "number"),
    )
    op.create_index("ix_plan_cycle_person_id", "plan_cycle", ["person_id"])
    op.create_index(
        "ux_plan_cycle_one_open",
        "plan_cycle",
        ["person_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "cycle_step",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "cycle_id",
            sa.Integer,
            sa.ForeignKey("plan_cycle.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("cycle_id", "step"),
    )
    op.create_index("ix_cycle_step_cycle_id", "cycle_step", ["cycle_id"])
    op.create_table(
        "step_transition",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "cycle_id",
            sa.Integer,
            sa.ForeignKey("plan_cycle.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("from_step", sa.Integer, nullable=True),
        sa.Column("to_step", sa.Integer, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String, nullable=False),
        sa.Column("note", sa.String, nullable=False),
    )
    op.create_index("ix_step_transition_cycle_id", "step_transition", ["cycle_id"])


def downgrade() -> None:
    for table in ("step_transition", "cycle_step", "plan_cycle", "representative", "person"):
        op.drop_table(table)
