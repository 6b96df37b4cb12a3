"""The release ledger of anonymised aggregate exports.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "export_release",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("period_from", sa.Date, nullable=False),
        sa.Column("period_to", sa.Date, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("table_ids", sa.String, nullable=False),
        sa.Column("content_hash", sa.String, nullable=False),
        sa.Column("people_hashes", sa.String, nullable=False),
        sa.Column("people_digest", sa.String, nullable=False),
        sa.Column("reason", sa.String, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("export_release")
