"""Alembic environment: always run with a connection handed in by ``storage.database``."""

from alembic import context
from sqlmodel import SQLModel

import personalbudget.storage.access_models
import personalbudget.storage.charging_models
import personalbudget.storage.export_models
import personalbudget.storage.models  # registers the tables (with the lines below)
import personalbudget.storage.money_models
import personalbudget.storage.offline_models
import personalbudget.storage.review_models  # noqa: F401

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
