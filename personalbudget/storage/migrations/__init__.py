"""Alembic migrations (batch mode, for SQLite). A fresh database is built by running them."""
