"""A team caseload on a PostgreSQL server: its URL, the TLS rules, the engine, the schema.

A team caseload is named by a URL, ``postgresql://host[:port]/dbname``. The connection always
uses TLS: ``sslmode=verify-full`` unless the URL says otherwise, with the CA file from the URL
(``sslrootcert=``), else the ``PERSONALBUDGET_PG_CA`` environment variable, else the setting the
app keeps (passed in as ``ca_file``), else libpq's own default (``~/.postgresql/root.crt``).
People sign in as themselves: the app account name is the PostgreSQL login role, and the password
asked at sign-in goes to libpq for this connection only; it is never stored. A URL without a
password lets libpq use what the council has set up (Kerberos/GSSAPI, a ``.pgpass``, LDAP behind
the server's password check).

Everything dialect-specific for PostgreSQL lives here (and in the migrations).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.exc import DBAPIError as SQLAlchemyDatabaseError
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError

from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _
from personalbudget.storage.database import Database

CA_FILE_ENV = "PERSONALBUDGET_PG_CA"
DEFAULT_SSLMODE = "verify-full"
# libpq's modes that still encrypt; "disable", "allow" and "prefer" may not, so they are refused.
ENCRYPTED_SSLMODES = ("require", "verify-ca", "verify-full")
SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
CONNECT_TIMEOUT = 10  # seconds: a server that does not answer is said so, not waited on for ever


class ServerConnectionError(PersonalBudgetError):
    """The server could not be reached, refused the sign-in, or its certificate did not check."""


def is_server_url(value: object) -> bool:
    """True for a ``postgresql://`` team caseload URL (not a file path)."""
    text = str(value)
    return any(text.startswith(scheme + "://") for scheme in SCHEMES)


def server_url(
    text: str,
    *,
    user: str | None = None,
    password: str | None = None,
    ca_file: Path | str | None = None,
) -> URL:
    """The SQLAlchemy URL (``postgresql+psycopg``) for a team caseload, with TLS made explicit.

    ``user``/``password`` (the signed-in person's) replace those in the URL when given."""
    try:
        url = make_url(text)
    except ArgumentError:
        raise ServerConnectionError(
            _("'{url}' is not a team caseload address. Use postgresql://host/dbname.").format(url=text)
        ) from None
    if url.drivername not in SCHEMES or not url.database:
        raise ServerConnectionError(
            _("'{url}' is not a team caseload address. Use postgresql://host/dbname.").format(
                url=_without_password(text)
            )
        )
    query = dict(url.query)
    sslmode = str(query.get("sslmode", DEFAULT_SSLMODE))
    if sslmode not in ENCRYPTED_SSLMODES:
        raise ServerConnectionError(
            _(
                "A team caseload is only opened over TLS, and the address asks for sslmode={mode}. "
                "Use sslmode=verify-full (the default) or leave sslmode out."
            ).format(mode=sslmode)
        )
    query["sslmode"] = sslmode
    ca = query.get("sslrootcert") or os.environ.get(CA_FILE_ENV) or (str(ca_file) if ca_file else None)
    if ca:
        query["sslrootcert"] = str(ca)
    url = url.set(drivername="postgresql+psycopg", query=query)
    if user:
        url = url.set(username=user)
    if password is not None:
        url = url.set(password=password or None)
    return url


def _without_password(text: str) -> str:
    try:
        return make_url(text).render_as_string(hide_password=True)
    except ArgumentError:
        return "?"


def describe(url: URL | str) -> str:
    """The caseload's name for messages and titles: host/dbname (never a password)."""
    url = make_url(url) if isinstance(url, str) else url
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    return f"{host}{port}/{url.database}"


def make_server_engine(url: URL) -> Engine:
    """An engine on the server; each connection checks the server's certificate (libpq does).

    Sessions run at READ COMMITTED (PostgreSQL's default), each use case in one transaction."""
    engine = create_engine(
        url,
        connect_args={"connect_timeout": CONNECT_TIMEOUT, "application_name": "PersonalBudget"},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SET TIME ZONE 'UTC'")  # timestamps come back as UTC, as from SQLite
        cursor.close()
        dbapi_connection.commit()

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        """A connection that sat unused in the pool (the server may have restarted meanwhile, with
        nothing noticing) is asked whether it is still there before it is handed out; a dead one is
        dropped and the pool takes or makes another, so the first press after the server came back
        works. One in use a moment ago is not asked: a round trip saved on every use case; if the
        server went in that moment, the use says it cannot be reached (the pool is emptied with it)
        and the next works."""
        returned = record.info.get(_RETURNED_AT)
        if returned is None or time.monotonic() - returned < IDLE_BEFORE_PING:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
        except Exception as problem:  # any failure of the driver here: the connection is not usable
            raise DisconnectionError() from problem

    return engine


# How long a connection may sit unused in the pool before it is checked at its next use (seconds).
IDLE_BEFORE_PING = 5.0
_RETURNED_AT = "pb.returned_at"


def connection_problem(problem: Exception, url: URL) -> ServerConnectionError:
    """Words for a connection that failed; the server's own text is not shown (it can name a role
    or echo the address) beyond what tells the person what to do."""
    text = str(getattr(problem, "orig", problem)).lower()
    where = describe(url)
    if "password authentication failed" in text or "no password supplied" in text:
        message = _("The server {server} did not accept the user name or password. Try again.")
    elif "certificate" in text or "ssl" in text or "tls" in text:
        message = _(
            "The server {server} could not be checked over TLS (its certificate is not signed by the CA "
            "file, is for another name, or TLS is off). Set the CA file in {env} or the app's settings, "
            "or ask the council's database administrator."
        )
    elif "does not exist" in text and "database" in text:
        message = _("The server {server} has no such team caseload. Check the database name in the address.")
    else:
        message = _(
            "The team caseload {server} cannot be reached (the server is down, the address is wrong, or the "
            "network is). Nothing was changed. Check the address and try again."
        )
    return ServerConnectionError(message.format(server=where, env=CA_FILE_ENV))


def connection_lost(problem: SQLAlchemyDatabaseError) -> bool:
    """Whether the error is the connection going (the network, the server stopping), not a statement
    the server refused. psycopg raises its bare OperationalError for a connection that failed or
    broke; its subclasses (a serialisation failure, a lock wait cancelled, ...) are about statements,
    except the server's own shutdowns."""
    import psycopg

    if problem.connection_invalidated:
        return True
    cause = problem.orig
    shutdowns = (psycopg.errors.AdminShutdown, psycopg.errors.CrashShutdown, psycopg.errors.CannotConnectNow)
    return type(cause) is psycopg.OperationalError or isinstance(cause, shutdowns)


def unreachable(url: URL) -> ServerConnectionError:
    return ServerConnectionError(
        _(
            "The team caseload {server} cannot be reached just now (the network or the server is down). "
            "Nothing was saved, and what is on screen is kept: try again when the connection is back."
        ).format(server=describe(url))
    )


def check_reachable(engine: Engine, url: URL) -> None:
    try:
        with engine.connect():
            pass
    except SQLAlchemyOperationalError as problem:
        engine.dispose()
        raise connection_problem(problem, url) from None


def table_names(connection: Connection) -> list[str]:
    return list(sa_inspect(connection).get_table_names())


# Roles, grants, row-level security policies and the server's audit trigger, applied by ``team setup``
# in the same transaction as the schema (storage/postgres_security.py).
SecurityHook = Callable[[Connection], None]


def apply_server_security(connection: Connection) -> None:
    """Server-side security of a team caseload (roles, grants, policies, the audit trigger).

    Called by ``create_schema`` after the migrations, inside their transaction; applying it again
    replaces what it made (storage/postgres_security.py)."""
    from personalbudget.storage import postgres_security

    postgres_security.apply(connection)


def create_schema(text: str | URL, *, security: bool = True) -> str:
    """Build the caseload's schema in an empty database with the app's migrations, then the server's
    security (one transaction: all or nothing). A database that already has tables is refused.
    Returns the caseload's name (host/dbname)."""
    from personalbudget.storage.database import migrate_connection

    url = server_url(text) if isinstance(text, str) else text
    engine = make_server_engine(url)
    try:
        check_reachable(engine, url)
        with engine.begin() as connection:
            present = table_names(connection)
            if present:
                raise ServerConnectionError(
                    _(
                        "{server} is not empty (it has {n} tables, such as {table}). Nothing was changed: "
                        "set up a team caseload in a new, empty database (CREATE DATABASE ...)."
                    ).format(server=describe(url), n=len(present), table=sorted(present)[0])
                )
            migrate_connection(connection)
            if security:
                apply_server_security(connection)
    finally:
        engine.dispose()
    return describe(url)


set_up_team_caseload = create_schema  # what ``personalbudget team setup`` runs


class ServerDatabase(Database):
    """An open team caseload: the same sessions as a laptop's, on the server, as the signed-in role.

    ``path`` is only a name for titles and messages (host/dbname): there is no file, no key, no
    file lock and no backup here (backups are the database administrator's, with pg_dump)."""

    is_server = True

    def __init__(self, url: URL, engine: Engine):
        super().__init__(Path(describe(url)), engine, None)
        self.url = url
        # On the engine, not on sessions: a session, a service's own connection (the caseload list,
        # the change poll) and a commit all meet a dropped connection the same way.
        event.listen(engine, "handle_error", self._say_when_the_connection_went)
        from personalbudget.storage.offline_guard import say_held_offline  # (issue 22: a held person)

        event.listen(engine, "handle_error", say_held_offline)

    def _say_when_the_connection_went(self, context: ExceptionContext) -> None:
        """A connection the network or the server dropped (at connecting, in a statement or at
        commit) becomes ``ServerConnectionError`` in words, so every screen that shows a refusal
        shows this one too; the server rolls the transaction back, so nothing is half-written, and
        SQLAlchemy still drops the broken connection from the pool. Other errors (a refused save, a
        conflict) pass as they are, and so does a failed pre-ping: the pool reconnects by itself."""
        problem = context.sqlalchemy_exception
        if context.is_pre_ping or not isinstance(problem, SQLAlchemyDatabaseError):
            return
        if context.is_disconnect or connection_lost(problem):
            raise unreachable(self.url) from problem

    @property
    def address(self) -> str:
        """The URL without the password (what the app remembers and shows)."""
        return self.url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)

    def connect_raw(self, *, read_only: bool = False) -> Any:
        """A DB-API (psycopg) connection of its own, read-only when asked."""
        connection = self.engine.raw_connection()
        if read_only:
            cursor = connection.cursor()
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            cursor.close()
        return connection


def open_server_database(
    address: str,
    *,
    user: str | None = None,
    password: str | None = None,
    ca_file: Path | str | None = None,
) -> ServerDatabase:
    """Open a team caseload as ``user`` (the app account name is the PostgreSQL login role).

    The schema must be there and up to date (``team setup`` makes it; the app never migrates a
    server's schema on its own: that is the database administrator's step)."""
    from personalbudget.storage.database import head_revision

    url = server_url(address, user=user, password=password, ca_file=ca_file)
    engine = make_server_engine(url)
    check_reachable(engine, url)
    try:
        with engine.connect() as connection:
            names = table_names(connection)
            current = (
                connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                if "alembic_version" in names
                else None
            )
    except SQLAlchemyDatabaseError as problem:
        engine.dispose()
        raise connection_problem(problem, url) from None
    if current is None:
        engine.dispose()
        raise ServerConnectionError(
            _(
                "{server} is not set up as a team caseload yet. The council's database administrator sets it "
                "up with 'personalbudget team setup --db {address}'."
            ).format(server=describe(url), address=_without_password(address))
        )
    if current != head_revision():
        engine.dispose()
        raise ServerConnectionError(
            _(
                "The team caseload {server} has schema {revision}, and this version of PersonalBudget needs "
                "{head}. Nothing has been changed. Ask the database administrator to run "
                "'personalbudget team setup --db ...' with the newer version (or install the version the "
                "team uses)."
            ).format(server=describe(url), revision=current, head=head_revision())
        )
    return ServerDatabase(url, engine)
