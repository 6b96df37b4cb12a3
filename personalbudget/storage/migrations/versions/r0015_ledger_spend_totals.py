"""Kept ledger totals (issue 18): the money out of each person's ledger per financial year, linked
plan item and category, in ``ledger_spend_total``, kept by triggers on ``ledger_transaction`` (the
same on SQLite and PostgreSQL: storage/ledger_totals.py) and filled here from the existing ledger,
so the aggregate export reads them instead of every ledger row. On a team caseload whose server
security is set up, the roles, policies and triggers are applied again (they include the new table).

A later migration that rebuilds ``ledger_transaction`` (a batch copy on SQLite) drops its triggers:
it must call ``ledger_totals.install`` again.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from personalbudget.storage import ledger_totals

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_spend_total",
        sa.Column("year_from", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("person_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("plan_item_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("category", sa.String, primary_key=True),
        sa.Column("spent_pence", sa.BigInteger, nullable=False),
    )
    bind = op.get_bind()
    ledger_totals.install(bind)
    ledger_totals.rebuild(bind)  # the caseload's ledger as it is
    if bind.dialect.name == "postgresql":
        from personalbudget.storage import postgres_security

        if postgres_security.secured(bind):
            postgres_security.apply(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for statement in ledger_totals.drop_sql(bind.dialect.name):
        op.execute(statement)
    op.drop_table("ledger_spend_total")
