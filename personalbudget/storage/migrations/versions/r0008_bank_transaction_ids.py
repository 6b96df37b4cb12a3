"""The bank's own id of each imported transaction (OFX FITID, Monzo's transaction id).

A statement that gives each transaction an id is de-duplicated by that id: the same
payment in an overlapping download is skipped even when its description changed.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_transaction") as batch:
        batch.add_column(sa.Column("bank_id", sa.String, nullable=True))
    op.create_index("ix_ledger_transaction_person_bank", "ledger_transaction", ["person_id", "bank_id"])


def downgrade() -> None:
    op.drop_index("ix_ledger_transaction_person_bank", "ledger_transaction")
    with op.batch_alter_table("ledger_transaction") as batch:
        batch.drop_column("bank_id")
