"""Optimistic concurrency: a version number (``row_version``, 1 for every existing row) on each row
people edit, raised by every update that checks it; and an index of the audit trail by record, to say
quickly who changed a record and when (issue 21: two windows or machines on one caseload).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The same list as storage/versioning.py's VERSIONED_TABLES, as it was at this revision.
TABLES = (
    "person", "representative", "budget_assessment", "agreed_budget", "support_plan", "plan_support_item",
    "budget_management", "support_arrangement", "ledger_transaction", "review", "person_contribution",
)  # fmt: skip


def upgrade() -> None:
    for table in TABLES:  # a constant default: a plain ALTER TABLE ADD COLUMN on SQLite and PostgreSQL
        op.add_column(table, sa.Column("row_version", sa.Integer, nullable=False, server_default="1"))
    op.create_index("ix_audit_event_row", "audit_event", ["table_name", "row_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_event_row", table_name="audit_event")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("row_version")
