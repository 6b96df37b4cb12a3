"""What every service is given: the database, the clock and who is acting."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import UOWTransaction
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
    a person's account is always the login itself (storage/postgres_security.py, ``actor()``).

    Not said at the start of a transaction by an actor who is the login itself (a person signed in
    as themselves): the setting is the transaction's own, so it is unset there, and the server then
    takes the login, which is the same name."""
    if actor == previous:
        return
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if previous is None and actor == getattr(getattr(bind, "url", None), "username", None):
        return
    session.execute(text("SELECT set_config('pb.actor', :actor, true)"), {"actor": actor})


_T = TypeVar("_T")
# What a session has already worked out and may use again while it lasts (one transaction): the
# account's standing and the people it was found to reach (services/access.py), the settings read.
_MEMO = "memo"
# The rows a unit of work has loaded, held so the session's identity map keeps them (it holds rows
# weakly: once a service has made its DTO, the row would go and the next service read it again).
_HELD = "held"


def memo(session: Session) -> dict[Any, Any]:
    """The session's memo of what it worked out. Any change it writes forgets it all (a new
    allocation, a break-glass opening, a setting), so what comes after in the session asks again."""
    found: dict[Any, Any] = session.info.setdefault(_MEMO, {})
    return found


def remembered(session: Session, key: tuple[Any, ...], work: Callable[[], _T]) -> _T:
    """What ``work`` reads, read once per session (the services of a person opened each ask for the
    person's current cycle, plan and management): from the session's memo, unless the session has
    changes not yet written (then read afresh, as a query would write them first). Only for reads
    whose answer its caller does not change."""
    if session.new or session.dirty or session.deleted:
        return work()
    found = memo(session)
    if key not in found:
        found[key] = work()
    value: _T = found[key]
    return value


@event.listens_for(Session, "after_flush")
def _forget_what_was_worked_out(session: Session, _flush: UOWTransaction) -> None:
    session.info.pop(_MEMO, None)


@event.listens_for(Session, "loaded_as_persistent")
def _hold_in_unit_of_work(session: Session, instance: object) -> None:
    held = session.info.get(_HELD)
    if held is not None:
        held.append(instance)


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
            access.check(
                connection, self.actor, self.role, permission, person_id, self.clock.now(), memo(session)
            )

    def visible_people(self) -> Scope:
        """The people the signed-in account may see (everyone on a caseload without accounts)."""
        if self.system:
            return access.EVERYONE
        with self.db.session() as session:  # joins a use case already running
            connection = session.connection()
            return access.visible_people(connection, self.actor, self.role, self.clock.now(), memo(session))

    @contextmanager
    def unit_of_work(self) -> Iterator[None]:
        """Several use cases as one: every service called in the block joins one session and one
        transaction (the person workspace opening a person reads a dozen things). Each access check
        in it is still made, but what the first worked out (the account, a person reached) is not
        asked again within the block; the next block asks afresh. Committed when the block ends,
        rolled back if it raises. The rows read are held for the block, so a row two services read
        (the person, a setting) is read once."""
        with self.db.session() as session:
            outermost = _HELD not in session.info
            if outermost:
                session.info[_HELD] = []
            try:
                yield
            finally:
                if outermost:
                    session.info.pop(_HELD, None)


class _Service(Protocol):
    _ctx: ServiceContext


_S = TypeVar("_S", bound=_Service)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def use_case(method: Callable[Concatenate[_S, _P], _R]) -> Callable[Concatenate[_S, _P], _R]:
    """A service method that is one session and one transaction from its access check to its last
    read or write (the check would otherwise be a transaction of its own). Called inside a unit of
    work, it joins that."""

    @functools.wraps(method)
    def run(self: _S, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._ctx.db.session():
            return method(self, *args, **kwargs)

    return run
