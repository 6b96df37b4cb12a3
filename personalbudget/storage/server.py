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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import ArgumentError
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError

from personalbudget.errors import PersonalBudgetError
from personalbudget.i18n import _

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
        pool_pre_ping=True,  # a connection the server dropped is replaced, not handed out
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SET TIME ZONE 'UTC'")  # timestamps come back as UTC, as from SQLite
        cursor.close()
        dbapi_connection.commit()

    return engine


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


def check_reachable(engine: Engine, url: URL) -> None:
    try:
        with engine.connect():
            pass
    except SQLAlchemyOperationalError as problem:
        engine.dispose()
        raise connection_problem(problem, url) from None


def table_names(connection: Connection) -> list[str]:
    return list(sa_inspect(connection).get_table_names())


# The RLS work fills this in: roles, grants, row-level security policies and the server's audit
# trigger, applied by ``team setup`` in the same transaction as the schema. Until then it adds nothing.
SecurityHook = Callable[[Connection], None]


def apply_server_security(connection: Connection) -> None:
    """Server-side security of a team caseload (roles, grants, policies, the audit trigger).

    Called by ``create_schema`` after the migrations, inside their transaction."""
    return None


def create_schema(text: str | URL, *, security: bool = True) -> None:
    """Build the caseload's schema in an empty database with the app's migrations (one transaction)."""
    from personalbudget.storage.database import migrate_connection

    url = server_url(text) if isinstance(text, str) else text
    engine = make_server_engine(url)
    try:
        check_reachable(engine, url)
        with engine.begin() as connection:
            migrate_connection(connection)
            if security:
                apply_server_security(connection)
    finally:
        engine.dispose()
