"""What every service is given: the database, the clock and who is acting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from personalbudget.clock import Clock
from personalbudget.domain.roles import ACTIONS, Permission, Role, allowed
from personalbudget.errors import PermissionDeniedError
from personalbudget.i18n import _
from personalbudget.storage.database import Database


class ActingDatabase:
    """A database seen through one user: every change made in its sessions is attributed to them.

    Behaves like ``Database`` (sessions, engine, path...) for the services.
    """

    def __init__(self, database: Database, actor: str):
        self._database = database.database if isinstance(database, ActingDatabase) else database
        self.actor = actor

    @property
    def database(self) -> Database:
        return self._database

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._database.session() as session:
            previous = session.info.get("actor")
            session.info["actor"] = self.actor
            yield session
            if previous is not None and previous != self.actor:
                session.flush()  # attribute this block's changes before handing the session back
                session.info["actor"] = previous

    def __getattr__(self, name: str) -> Any:
        return getattr(self._database, name)


@dataclass(frozen=True)
class ServiceContext:
    db: ActingDatabase
    clock: Clock
    actor: str  # the signed-in user; every change is attributed to them
    role: Role = Role.PRACTITIONER

    def require(self, permission: Permission) -> None:
        """Refuse, with a reason, what the signed-in user's role does not allow."""
        if not allowed(self.role, permission):
            raise PermissionDeniedError(
                _("Signed in as {role}, you cannot {action}.").format(
                    role=self.role.label, action=_(ACTIONS[permission])
                )
            )
