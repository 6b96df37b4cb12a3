"""A cheaper account check in the server's row-level security (issue 21, the team load benchmark):
``pb_security.my_account``, which every policy asks once per statement, reads the session role's
groups in one query instead of three calls of ``in_group``. The same answer (direct membership of
``pb_account``, of the group of the account's app role, and of ``pb_manager`` for managing); on a
team caseload whose server security is set up, the security statements are applied again (each
replaces what it made). Nothing to do on SQLite (a laptop caseload has no server security).

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from personalbudget.storage import postgres_security

        if postgres_security.secured(bind):
            postgres_security.apply(bind)


def downgrade() -> None:
    """Nothing to undo: the function answers as before (an older release's ``team setup`` applies
    its own version of it again)."""
