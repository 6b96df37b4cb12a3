"""Offline visits with a team caseload (issue 22): holds (who holds which person offline, on which
laptop, since when), the laptop's originals of the rows it took offline and its copy of the
server's events about them, and the server's receipts of syncs (storage/offline_models.py).

Built on a laptop and on a server alike (a laptop caseload taken offline keeps its holds and
originals; a server its holds and receipts). On a team caseload whose server security is set up,
the roles, policies and triggers are applied again (they include the new tables and the guard
that keeps a held person's rows read-only).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)
ACTIVE = "revoked_at IS NULL AND released_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "offline_hold",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("held_by", sa.String, nullable=False),
        sa.Column("laptop_id", sa.String, nullable=False),
        sa.Column("laptop_name", sa.String, nullable=False),
        sa.Column("held_since", WHEN, nullable=False),
        sa.Column("sync_id", sa.String, nullable=False),
        sa.Column("server", sa.String, nullable=False),
        sa.Column("revoked_at", WHEN, nullable=True),
        sa.Column("revoked_by", sa.String, nullable=False),
        sa.Column("released_at", WHEN, nullable=True),
    )
    op.create_index("ix_offline_hold_person_id", "offline_hold", ["person_id"])
    op.create_index(
        "ix_offline_hold_active",
        "offline_hold",
        ["person_id"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )
    op.create_table(
        "offline_original",
        sa.Column("table_name", sa.String, primary_key=True),
        sa.Column("row_id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("snapshot", sa.String, nullable=True),
        sa.Column("confirmed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_offline_original_person_id", "offline_original", ["person_id"])
    op.create_table(
        "offline_server_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("actor", sa.String, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("table_name", sa.String, nullable=False),
        sa.Column("row_id", sa.String, nullable=False),
        sa.Column("summary", sa.String, nullable=False),
    )
    op.create_index("ix_offline_server_event_person_id", "offline_server_event", ["person_id"])
    op.create_table(
        "offline_sync",
        sa.Column("sync_id", sa.String, primary_key=True),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("laptop_id", sa.String, nullable=False),
        sa.Column("synced_by", sa.String, nullable=False),
        sa.Column("synced_at", WHEN, nullable=False),
        sa.Column("rows_applied", sa.Integer, nullable=False),
        sa.Column("events_appended", sa.Integer, nullable=False),
    )
    op.create_index("ix_offline_sync_person_id", "offline_sync", ["person_id"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from personalbudget.storage import postgres_security

        if postgres_security.secured(bind):
            postgres_security.apply(bind)


def downgrade() -> None:
    for table in ("offline_sync", "offline_server_event", "offline_original", "offline_hold"):
        op.drop_table(table)
