"""The person each audit event is about (``audit_event.person_id``), so a team caseload's server can
show the trail about a person only to those who may see the person (row-level security, issue 21).
Not part of the event's hash: the chain of every existing trail is unchanged. On a team caseload
whose server security is set up, the roles, policies and audit trigger are applied again (they
include the new column).

Revision ID: 0013
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_event", sa.Column("person_id", sa.Integer, nullable=True))
    op.create_index("ix_audit_event_person_id", "audit_event", ["person_id"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from personalbudget.storage import postgres_security

        if postgres_security.secured(bind):
            postgres_security.apply(bind)


def downgrade() -> None:
    op.drop_index("ix_audit_event_person_id", table_name="audit_event")
    op.execute("ALTER TABLE audit_event DROP COLUMN person_id")  # (a batch copy would lose its triggers)
