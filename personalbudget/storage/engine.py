"""The one place that creates database engines and sets their pragmas."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event

PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=5000",
)


def make_engine(path: Path) -> Engine:
    """An engine on ``path`` with our pragmas and real transactions.

    The sqlite3 driver's own transaction handling does not wrap DDL, so it is
    switched off and SQLAlchemy's ``begin`` emits BEGIN itself: a migration or a
    save is then all-or-nothing.
    """
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN")

    return engine
