"""The one place that creates database engines and connections and sets their pragmas.

Encrypted databases use SQLCipher (``sqlcipher3`` through SQLAlchemy's
``sqlite+pysqlcipher`` dialect) with a raw 256-bit key; plain ones the standard
``sqlite3`` module.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import URL, Engine, create_engine, event

PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=5000",
)


# SQLCipher logs failed page checks to stderr; we report problems ourselves, in words.
QUIET = "PRAGMA cipher_log_level = NONE"


def key_pragma(key: bytes) -> str:
    """SQLCipher's raw-key form: no key derivation, the bytes are the key."""
    return f"PRAGMA key = \"x'{key.hex()}'\""


def make_engine(path: Path, key: bytes | None = None) -> Engine:
    """An engine on ``path`` with our pragmas and real transactions.

    The driver's own transaction handling does not wrap DDL, so it is switched
    off and SQLAlchemy's ``begin`` emits BEGIN itself: a migration or a save is
    then all-or-nothing.
    """
    if key is None:
        engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    else:
        url = URL.create("sqlite+pysqlcipher", password=f"x'{key.hex()}'", database=str(path))
        engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if key is not None:
            cursor.execute(QUIET)
        for pragma in PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def raw_connect(path: Path, key: bytes | None, *, read_only: bool = False, cipher: bool = False) -> Any:
    """A DB-API connection for checks, copies and re-keying (not for services).

    ``cipher`` uses SQLCipher even for a plain file (to export it to an encrypted one).
    """
    target = f"{Path(path).resolve().as_uri()}?mode=ro" if read_only else str(path)
    if key is None and not cipher:
        return sqlite3.connect(target, uri=read_only, isolation_level=None)
    connection = sqlcipher3.connect(target, uri=read_only, isolation_level=None)
    connection.execute(QUIET)
    if key is not None:
        connection.execute(key_pragma(key))
    return connection
