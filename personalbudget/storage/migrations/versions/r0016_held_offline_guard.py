"""The guard on a person held offline (issue 22), tightened: it now covers the ledger's kept totals
(``ledger_spend_total``, which any account reaching a held person could rewrite), and an approver's
decision moves only the steps a decision moves (agreeing the plan, and on to managing the budget or
back to planning), no other step of the cycle and no other transition. No table changes: on a team
caseload whose server security is set up, the roles, policies and triggers are applied again (the
guard's function and triggers are made from storage/postgres_security.py). A laptop has no guard.

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from personalbudget.storage import postgres_security

        if postgres_security.secured(bind):
            postgres_security.apply(bind)


def downgrade() -> None:
    """Nothing to undo: applying the security of an older version again puts its guard back."""
