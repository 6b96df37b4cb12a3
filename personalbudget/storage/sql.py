"""Raw SQL that runs on both a caseload file (SQLite) and a team caseload (PostgreSQL).

The services read long ledgers and whole caseloads through the driver's own cursor (plain tuples:
two to three times as fast as SQLAlchemy result rows), in SQLite's terms: ``?`` placeholders,
dates as ISO text, times as SQLAlchemy's SQLite text (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC),
booleans as 0/1, ``json_each(?)`` for a list of integers. On SQLite :func:`driver` hands out the
sqlite3 connection itself, so nothing is added to the fast path. On PostgreSQL it hands out a thin
translator over psycopg's connection: the statement is rewritten once (cached), and the cursor
loads dates, times and booleans as SQLite would give them, so the services' code is the same.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlmodel import Session

SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


def dialect_name(where: Session | Connection) -> str:
    bind = where.get_bind() if isinstance(where, Session) else where
    return bind.dialect.name


def driver(where: Session | Connection) -> Any:
    """The DB-API connection under the session's (or connection's) transaction, speaking SQLite's
    raw SQL on either backend."""
    connection = where.connection() if isinstance(where, Session) else where
    raw = connection.connection.driver_connection
    assert raw is not None  # an open connection
    if connection.dialect.name == "sqlite":
        return raw
    return PostgresDriver(raw)


_JSON_INTEGERS = re.compile(r"SELECT\s+value\s+FROM\s+json_each\(\?\)", re.IGNORECASE)


@lru_cache(maxsize=256)
def postgres_sql(statement: str) -> str:
    """SQLite's raw SQL in PostgreSQL's (psycopg's) terms: ``?`` -> ``%s`` (``%`` doubled),
    ``json_each(?)`` of integers -> ``json_array_elements_text``, ``COLLATE NOCASE`` kept (the
    team caseload's schema has a ``nocase`` collation)."""
    text = statement.replace("%", "%%")
    text = _JSON_INTEGERS.sub("SELECT value::bigint FROM json_array_elements_text(?::json) AS j(value)", text)
    return text.replace("?", "%s")


def _loaders() -> dict[str, Any]:
    """psycopg loaders that load what SQLite would give: ISO dates, SQLite-style UTC times, 0/1."""
    from psycopg.adapt import Loader

    class DateText(Loader):
        def load(self, data: Any) -> str:
            return bytes(data).decode("ascii")  # PostgreSQL's ISO DateStyle: YYYY-MM-DD

    class TimeText(Loader):
        def load(self, data: Any) -> str:
            moment = datetime.fromisoformat(_iso_offset(bytes(data).decode("ascii")))
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC).replace(tzinfo=None)
            return moment.strftime(SQLITE_TIME)

    class BoolInt(Loader):
        def load(self, data: Any) -> int:
            return 1 if bytes(data) == b"t" else 0

    class WholeNumber(Loader):  # sum() of integers is numeric on PostgreSQL, an integer on SQLite
        def load(self, data: Any) -> int | Decimal:
            value = Decimal(bytes(data).decode("ascii"))
            return int(value) if value == value.to_integral_value() else value

    return {
        "date": DateText,
        "timestamptz": TimeText,
        "timestamp": TimeText,
        "bool": BoolInt,
        "numeric": WholeNumber,
    }


def _iso_offset(text: str) -> str:
    """PostgreSQL writes a UTC offset as +00; Python wants +00:00."""
    if len(text) > 3 and text[-3] in "+-" and text[-2:].isdigit():
        return text + ":00"
    return text


_LOADERS: dict[str, Any] = {}


class PostgresDriver:
    """psycopg's connection behind sqlite3's ``execute``/``executemany`` (see the module's doc)."""

    def __init__(self, connection: Any):
        self._connection = connection

    def _cursor(self) -> Any:
        if not _LOADERS:
            _LOADERS.update(_loaders())
        cursor = self._connection.cursor()
        for name, loader in _LOADERS.items():
            cursor.adapters.register_loader(name, loader)
        return cursor

    def execute_native(self, statement: str, params: Any) -> Any:
        """A statement already in psycopg's terms (compiled by SQLAlchemy for PostgreSQL)."""
        cursor = self._cursor()
        cursor.execute(statement, params)
        return cursor

    def execute(self, statement: str, params: Any = ()) -> Any:
        cursor = self._cursor()
        cursor.execute(postgres_sql(statement), tuple(params) if params else None)
        return cursor

    def executemany(self, statement: str, rows: Any) -> Any:
        cursor = self._cursor()
        cursor.executemany(postgres_sql(statement), rows)
        return cursor


def run_compiled(where: Session | Connection, query: Any) -> list[Any]:
    """Rows of a SQLAlchemy query as the driver's plain tuples (values as SQLite gives them)."""
    connection = where.connection() if isinstance(where, Session) else where
    compiled = query.compile(dialect=connection.dialect)
    raw = driver(connection)
    if isinstance(raw, PostgresDriver):
        return list(raw.execute_native(str(compiled), compiled.params))
    params = [compiled.params[key] for key in compiled.positiontup or ()]
    return list(raw.execute(str(compiled), params))
