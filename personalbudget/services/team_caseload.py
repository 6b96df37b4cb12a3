"""A team caseload on a PostgreSQL server: opening it by signing in, beside ``caseload_file.py``.

The person signs in as themselves: the app account name is their PostgreSQL login role and the
password they type goes to the server (libpq) for this connection only; it is never stored. An
empty password lets libpq use what the council has set up instead (Kerberos, a ``.pgpass``).
The server checks the password; the caseload's own account row (``app_user``) gives the role.
The UI comes here, never to ``personalbudget.storage`` (docs/architecture.md).
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from personalbudget.clock import Clock
from personalbudget.domain.roles import Role
from personalbudget.i18n import _
from personalbudget.services.context import ActingDatabase
from personalbudget.services.user_service import SignedInUser, SignInError
from personalbudget.storage.database import Database
from personalbudget.storage.models import AppUser
from personalbudget.storage.server import (
    CA_FILE_ENV,
    ServerConnectionError,
    ServerDatabase,
    describe,
    is_server_url,
    open_server_database,
    server_url,
)

__all__ = [
    "CA_FILE_ENV",
    "ServerConnectionError",
    "ServerDatabase",
    "TeamSignIn",
    "check_team_address",
    "describe_team_caseload",
    "is_team_caseload",
    "team_username",
]

SIGN_IN_ACTOR = "sign-in"


def is_team_caseload(value: object) -> bool:
    """True for a ``postgresql://host/dbname`` address (a team caseload), not a file."""
    return is_server_url(value)


def check_team_address(address: str) -> str:
    """The address as given, once it is known to be a team caseload's (raises with words if not)."""
    server_url(address)
    return address.strip()


def team_username(address: str) -> str | None:
    """The user name in the address, if it has one."""
    return server_url(address).username or None


def describe_team_caseload(address: str) -> str:
    """host/dbname, for titles and messages."""
    return describe(server_url(address))


def team_database(database: Database | ActingDatabase) -> bool:
    """Whether an open caseload is a team caseload on a server."""
    inner = database.database if isinstance(database, ActingDatabase) else database
    return inner.is_server


class TeamSignIn:
    """Signing in to a team caseload (what the sign-in dialog and the command line are given).

    After a successful ``sign_in``, ``database`` is the caseload open as that person."""

    def __init__(self, address: str, clock: Clock, ca_file: Path | str | None = None):
        self.address = check_team_address(address)
        self._clock = clock
        self._ca_file = ca_file
        self.database: ServerDatabase | None = None
        self.user: SignedInUser | None = None  # who signed in (set by the caller that asked)

    def has_users(self) -> bool:
        return True  # a team caseload's accounts are made by whoever manages them, never at sign-in

    def sign_in(self, username: str, password: str) -> SignedInUser:
        name = username.strip()
        if not name:
            raise SignInError(_("Type your user name (your account on the team caseload's server)."))
        database = open_server_database(
            self.address, user=name, password=password or None, ca_file=self._ca_file
        )
        try:
            with ActingDatabase(database, SIGN_IN_ACTOR).session() as session:
                user = session.exec(select(AppUser).where(AppUser.username == name.lower())).first()
                signed_in = (
                    SignedInUser(user.username, user.display_name, Role(user.role), user.can_manage_users)
                    if user is not None and user.active
                    else None
                )
                if user is None and session.exec(select(AppUser.id).limit(1)).first() is None:
                    # No accounts yet (a caseload just uploaded from a laptop that had none): as on a
                    # laptop without accounts, the person works as a practitioner; the server's own
                    # rules still apply to their login role.
                    signed_in = SignedInUser(name, name, Role.PRACTITIONER, False)
        except BaseException:
            database.close()
            raise
        if signed_in is None:
            database.close()
            raise SignInError(
                _(
                    "The server accepted {name}, but the team caseload has no PersonalBudget account for "
                    "them (or it is disabled). Ask whoever manages the team's accounts."
                ).format(name=name)
            )
        if self.database is not None and self.user is not None and self.user.username == signed_in.username:
            database.close()  # signing in again (after the inactivity lock): the open caseload stays
            return signed_in
        if self.database is not None:
            self.database.close()
        self.database = database
        return signed_in


def open_team_caseload(
    address: str, username: str, password: str, clock: Clock, ca_file: Path | str | None = None
) -> tuple[ServerDatabase, SignedInUser]:
    """Sign in and open a team caseload in one go (the command line)."""
    sign_in = TeamSignIn(address, clock, ca_file)
    user = sign_in.sign_in(username, password)
    assert sign_in.database is not None
    return sign_in.database, user
