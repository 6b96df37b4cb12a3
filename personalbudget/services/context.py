"""What every service is given: the database, the clock and who is acting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from personalbudget.clock import Clock
from personalbudget.domain.roles import ACTIONS, Permission, Role, allowed
from personalbudget.errors import ConcurrentEditError, PermissionDeniedError
from personalbudget.i18n import _
from personalbudget.services import access
from personalbudget.services.access import Scope
from personalbudget.storage.database import Database


class ActingDatabase:
    """A database seen through one user: every change made in its sessions is attributed to them.

    It offers exactly what the services use of a ``Database``: sessions, the engine, the file's
    path and key, a raw connection (the export's read-only extract) and closing.
    """

    def __init__(self, database: Database | ActingDatabase, actor: str):
        self._database = database.database if isinstance(database, ActingDatabase) else database
        self.actor = actor

    @property
    def database(self) -> Database:
        return self._database

    @contextmanager
    def session(self) -> Iterator[Session]:
        try:
            with self._database.session() as session:
                previous = session.info.get("actor")
                session.info["actor"] = self.actor
                _tell_server(session, self.actor, previous)
                yield session
                if previous is not None and previous != self.actor:
                    session.flush()  # attribute this block's changes before handing the session back
                    session.info["actor"] = previous
                    _tell_server(session, previous, self.actor)
        except StaleDataError:
            # Another window saved the same row between this use case's read and its write (the
            # version checked by the UPDATE no longer matched): nothing of this use case was saved.
            raise ConcurrentEditError(
                record=_("this record"),
                changed_by=_("Someone else"),
                changed_at=_("a moment ago"),
                fields=(),
            ) from None

    @property
    def engine(self) -> Engine:
        return self._database.engine

    @property
    def is_server(self) -> bool:
        """A team caseload on a PostgreSQL server, whose triggers write the audit trail."""
        return self._database.is_server

    @property
    def path(self) -> Path:
        return self._database.path

    @property
    def key(self) -> bytes | None:
        return self._database.key

    @property
    def encrypted(self) -> bool:
        return self._database.encrypted

    def connect_raw(self, *, read_only: bool = False) -> Any:
        return self._database.connect_raw(read_only=read_only)

    def close(self) -> None:
        self._database.close()


def _tell_server(session: Session, actor: str, previous: object) -> None:
    """On a team caseload, who acts for the server's audit trigger: it believes it only of a login
    that is not a person's own account (the DBA's tools, the tests' superuser, the app's own jobs);
    a person's account is always the login itself (storage/postgres_security.py, ``actor()``)."""
    if actor != previous and session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('pb.actor', :actor, true)"), {"actor": actor})


@dataclass(frozen=True)
class ServiceContext:
    db: ActingDatabase
    clock: Clock
    actor: str  # the signed-in user; every change is attributed to them
    role: Role = Role.PRACTITIONER
    # The app's own jobs (the demo builder), not a signed-in person: only roles apply, not relationships.
    system: bool = False

    def require(
        self,
        permission: Permission,
        person_id: int | None = None,
        *,
        review_id: int | None = None,
        plan_id: int | None = None,
        cycle_id: int | None = None,
    ) -> None:
        """Refuse, with a reason, what the signed-in user's role does not allow, and, given the
        person (or a review, plan or cycle of theirs), a person the account may not reach."""
        if not allowed(self.role, permission):
            raise PermissionDeniedError(
                _("Signed in as {role}, you cannot {action}.").format(
                    role=self.role.label, action=_(ACTIONS[permission])
                )
            )
        if self.system or (person_id is None and review_id is None and plan_id is None and cycle_id is None):
            return
        with self.db.session() as session:  # joins a use case already running
            connection = session.connection()
            if person_id is None:
                person_id = access.person_of(
                    connection, review_id=review_id, plan_id=plan_id, cycle_id=cycle_id
                )
                if person_id is None:
                    return  # no such record: the service says so
            access.check(connection, self.actor, self.role, permission, person_id, self.clock.now())

    def visible_people(self) -> Scope:
        """The people the signed-in account may see (everyone on a caseload without accounts)."""
        if self.system:
            return access.EVERYONE
        with self.db.session() as session:  # joins a use case already running
            connection = session.connection()
            return access.visible_people(connection, self.actor, self.role, self.clock.now())
