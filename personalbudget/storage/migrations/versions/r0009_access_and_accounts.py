"""Who may see whom, and accounts a manager can run.

Accounts linked to the people they are for, practitioners' allocations (with history),
break-glass openings with their reason; per account: team, forced password change,
wrong passwords in a row, lock-out and last sign-in; and an index giving every ledger's balance.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def _fk(target: str, *, index: bool = True) -> sa.Column:
    return sa.Column(
        target.split(".")[0] + "_id" if target != "app_user.id" else "user_id",
        sa.Integer,
        sa.ForeignKey(target, ondelete="CASCADE"),
        nullable=False,
        index=index,
    )


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("team", sa.String, nullable=False, server_default=""))
        batch.add_column(sa.Column("must_change_password", sa.Boolean, nullable=False, server_default="0"))
        batch.add_column(sa.Column("failed_sign_ins", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", WHEN, nullable=True))
        batch.add_column(sa.Column("last_sign_in_at", WHEN, nullable=True))
    op.create_table(
        "account_person",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("app_user.id"),
        _fk("person.id"),
        sa.Column("linked_at", WHEN, nullable=False),
        sa.Column("linked_by", sa.String, nullable=False),
        sa.UniqueConstraint("user_id", "person_id"),
    )
    op.create_table(
        "allocation",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("person.id", index=False),
        sa.Column("worker", sa.String, nullable=False, index=True),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("started_by", sa.String, nullable=False),
        sa.Column("reason", sa.String, nullable=False),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.Column("ended_by", sa.String, nullable=False),
    )
    op.create_index("ix_allocation_person_current", "allocation", ["person_id", "ended_at"])
    op.create_table(
        "break_glass",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("person.id"),
        sa.Column("username", sa.String, nullable=False, index=True),
        sa.Column("opened_at", WHEN, nullable=False),
        sa.Column("reason", sa.String, nullable=False),
        sa.Column("allocated_worker", sa.String, nullable=False),
        sa.Column("seen_at", WHEN, nullable=True),
    )
    # Every balance read from the index alone (My work sums the ledgers of thousands of people at once).
    op.create_index(
        "ix_ledger_transaction_person_amount", "ledger_transaction", ["person_id", "amount_pence"]
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_transaction_person_amount", "ledger_transaction")
    op.drop_table("break_glass")
    op.drop_index("ix_allocation_person_current", "allocation")
    op.drop_table("allocation")
    op.drop_table("account_person")
    with op.batch_alter_table("app_user") as batch:
        for name in ("last_sign_in_at", "locked_until", "failed_sign_ins", "must_change_password", "team"):
            batch.drop_column(name)
