"""Who may see whom: the one place that decides whether the signed-in account may reach a person.

A role says what kind of thing an account may do (``domain.roles``); this module says *to whom*:

- a person or carer account (and a broker's) reaches only the people it is linked to;
- a practitioner reaches the people allocated to them, people not yet allocated to anyone (the
  team's waiting list), their team's people when the team setting is on, and anyone they opened
  with a reason (break-glass, for the rest of the working day, recorded and shown to the allocated worker);
- an approver reaches the people whose plan is waiting for a decision, and those whose plan they decided;
- an analyst reaches no one.

Every person-scoped service method goes through :meth:`ServiceContext.require` with the person
(or the review, plan or cycle, which name their person), and that calls :func:`check`. The
caseload list, search, PDFs, the command line and the exports use :func:`visible_people`.

A caseload with no accounts at all (a single laptop where nobody signs in) is not restricted
by relationship: only roles apply, as before accounts existed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text
from sqlmodel import Session, col, select

from personalbudget.domain.roles import ACTIONS, Permission, Role
from personalbudget.errors import FieldError, NotFoundError, PermissionDeniedError, ValidationError
from personalbudget.i18n import N_, _
from personalbudget.storage import postgres_security
from personalbudget.storage.access_models import Allocation, BreakGlass
from personalbudget.storage.audit import record_event
from personalbudget.storage.models import AppUser, Setting
from personalbudget.storage.postgres_security import BREAK_GLASS_HOURS as BREAK_GLASS_HOURS
from personalbudget.storage.postgres_security import TEAM_VISIBILITY_KEY as TEAM_VISIBILITY_KEY

if TYPE_CHECKING:
    from personalbudget.services.context import ServiceContext

# BREAK_GLASS_HOURS (a break-glass opening lasts the working day) and TEAM_VISIBILITY_KEY are the
# server's row-level security's too: one value for both (storage/postgres_security.py).
BREAK_GLASS_ROLES = frozenset({Role.PRACTITIONER, Role.APPROVER})


class NotYourPersonError(PermissionDeniedError):
    """The account's role allows the action, but not for this person."""

    def __init__(self, message: str, person_id: int, can_break_glass: bool):
        super().__init__(message)
        self.person_id = person_id
        self.can_break_glass = can_break_glass


@dataclass(frozen=True)
class Account:
    """What the access rules need of the signed-in account."""

    id: int
    username: str
    role: Role
    team: str
    active: bool


def _stored(moment: datetime) -> str:
    """A moment as SQLAlchemy keeps a DateTime in SQLite (UTC), for comparing in plain SQL."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def caseload_has_accounts(connection: Connection) -> bool:
    return connection.execute(text("SELECT 1 FROM app_user LIMIT 1")).first() is not None


def account_of(connection: Connection, username: str) -> Account | None:
    row = connection.execute(
        text("SELECT id, username, role, team, active FROM app_user WHERE username = :u"), {"u": username}
    ).first()
    if row is None:
        return None
    return Account(row[0], row[1], Role(row[2]), row[3] or "", bool(row[4]))


def team_visibility(connection: Connection) -> bool:
    row = connection.execute(
        text("SELECT value FROM setting WHERE key = :k"), {"k": TEAM_VISIBILITY_KEY}
    ).first()
    return row is not None and row[0] in ("1", "true", '"1"', "True")


_PRACTITIONER = """(
    NOT EXISTS (SELECT 1 FROM allocation a WHERE a.person_id = p.id AND a.ended_at IS NULL)
    OR EXISTS (
        SELECT 1 FROM allocation a WHERE a.person_id = p.id AND a.ended_at IS NULL AND (
            a.worker = :me
            OR (:team_on AND :team != '' AND a.worker IN (SELECT username FROM app_user WHERE team = :team))
        )
    )
    OR EXISTS (SELECT 1 FROM break_glass b WHERE b.person_id = p.id AND b.username = :me AND b.opened_at >= :since)
)"""
_LINKED = "(p.id IN (SELECT person_id FROM account_person WHERE user_id = :uid))"
_APPROVER = """(
    p.id IN (SELECT person_id FROM support_plan WHERE status = 'submitted')
    OR p.id IN (
        SELECT sp.person_id FROM support_plan sp JOIN plan_decision d ON d.plan_id = sp.id WHERE d.decided_by = :me
    )
    OR EXISTS (SELECT 1 FROM break_glass b WHERE b.person_id = p.id AND b.username = :me AND b.opened_at >= :since)
)"""


def _of(person: str, condition: str) -> str:
    """The condition with the person's id written as ``person`` (``p.id`` as a whole word)."""
    return condition if person == "p.id" else re.sub(r"\bp\.id\b", person, condition)


def _condition(
    account: Account, team_on: bool, now: datetime, person: str = "p.id"
) -> tuple[str, dict[str, Any]]:
    """An SQL condition on ``person p`` that holds for the people the account may reach
    (``team_on``: the team setting, :func:`team_visibility`). ``person``: the SQL of the person's id
    (``:pid`` for one person: then each subquery is asked once, by the index on that id, instead
    of being correlated with ``p.id``, which PostgreSQL may answer by hashing the whole of
    ``allocation``, every row of it checked by the server's row-level security)."""
    params: dict[str, Any] = {
        "me": account.username,
        "uid": account.id,
        "since": _stored(now - timedelta(hours=BREAK_GLASS_HOURS)),
    }
    if not account.active:
        return "0", params
    if account.role is Role.PRACTITIONER:
        params.update(team_on=team_on, team=account.team)
        return _of(person, _PRACTITIONER), params
    if account.role is Role.APPROVER:
        return _of(person, _APPROVER), params
    if account.role in (Role.INDIVIDUAL, Role.BROKER):
        return _of(person, _LINKED), params
    return "0", params  # the analyst: no one


@dataclass(frozen=True)
class Scope:
    """Who the account may reach: everyone (no accounts on this caseload) or these people."""

    everyone: bool
    people: frozenset[int]

    def __contains__(self, person_id: object) -> bool:
        return self.everyone or person_id in self.people


EVERYONE = Scope(True, frozenset())
NO_ONE = Scope(False, frozenset())


@dataclass(frozen=True)
class _Standing:
    """What every check of one account needs, read once: whether the caseload has accounts at all,
    the account, and the team setting."""

    has_accounts: bool
    account: Account | None
    team_on: bool


# A ``memo`` below is the session's (services/context.py ``memo``: it ends with the session and its
# transaction, and a change written in the session empties it, so an allocation or a break-glass
# opening made in it counts at once): the account's standing and the people it was found to reach.
# Only what was allowed is kept; a refusal is asked again.

_STANDING_SQL = """
    SELECT (SELECT 1 FROM app_user LIMIT 1), u.id, u.username, u.role, u.team, u.active,
           (SELECT value FROM setting WHERE key = :k)
    FROM (SELECT 1 AS one) AS one LEFT JOIN app_user u ON u.username = :u
"""


def _standing(connection: Connection, actor: str, memo: dict[Any, Any] | None) -> _Standing:
    """The account's standing, in one statement (from ``memo`` when this unit of work has it)."""
    key = ("standing", actor)
    if memo is not None and key in memo:
        found: _Standing = memo[key]
        return found
    row = connection.execute(text(_STANDING_SQL), {"u": actor, "k": TEAM_VISIBILITY_KEY}).one()
    account = None if row[1] is None else Account(row[1], row[2], Role(row[3]), row[4] or "", bool(row[5]))
    standing = _Standing(row[0] is not None, account, row[6] in ("1", "true", '"1"', "True"))
    if memo is not None:
        memo[key] = standing
    return standing


def visible_people(
    connection: Connection, actor: str, role: Role, now: datetime, memo: dict[Any, Any] | None = None
) -> Scope:
    """The people ``actor`` may see. ``role`` is the role the services were opened with; with
    ``memo`` (the session's), the account's standing is read once per session."""
    standing = _standing(connection, actor, memo)
    if not standing.has_accounts:
        return EVERYONE
    account = standing.account
    if account is None or account.role is not role:
        return NO_ONE
    condition, params = _condition(account, standing.team_on, now)
    with postgres_security.reading_many(connection):  # (everyone's row is read)
        ids = frozenset(
            connection.execute(text(f"SELECT p.id FROM person p WHERE {condition}"), params).scalars()
        )
    return Scope(False, ids)


_WHY = {
    "unknown": N_("this account is not known on this caseload, or it is disabled"),
    Role.PRACTITIONER: N_(
        "they are not one of your people (allocated to you or your team). If you must, open their record "
        "with a reason: the reason is recorded and shown to their worker"
    ),
    Role.APPROVER: N_("their plan is not waiting for your decision"),
    Role.BROKER: N_("this account manages money only for the people it is linked to"),
    Role.INDIVIDUAL: N_("this account is only for the person (or people) it is linked to"),
    Role.ANALYST: N_("strategic analysts never see a person's record"),
}


def person_of(connection: Connection, *, review_id: int | None = None, plan_id: int | None = None,
              cycle_id: int | None = None) -> int | None:  # fmt: skip
    """The person a review, plan or cycle belongs to (None if there is no such record)."""
    if review_id is not None:
        sql, value = (
            "SELECT c.person_id FROM review r JOIN plan_cycle c ON c.id = r.cycle_id WHERE r.id = :v",
            review_id,
        )
    elif plan_id is not None:
        sql, value = "SELECT person_id FROM support_plan WHERE id = :v", plan_id
    elif cycle_id is not None:
        sql, value = "SELECT person_id FROM plan_cycle WHERE id = :v", cycle_id
    else:
        return None
    row = connection.execute(text(sql), {"v": value}).first()
    return None if row is None else int(row[0])


def check(connection: Connection, actor: str, role: Role, permission: Permission, person_id: int,
          now: datetime, memo: dict[Any, Any] | None = None) -> None:  # fmt: skip
    """Refuse, naming the action and why, when the account may not reach this person.

    With ``memo`` (the session's), what the session has already worked out is not asked again:
    the account's standing, and a person already found reachable. The next session asks afresh, so
    a right taken away counts from the next operation on."""
    standing = _standing(connection, actor, memo)
    if not standing.has_accounts:
        return
    reached = ("reaches", actor, role, person_id)
    if memo is not None and reached in memo:
        return
    account = standing.account
    exists = postgres_security.person_exists_sql(connection)  # (on a server, beyond what RLS shows)
    if account is None or not account.active or account.role is not role:
        if not connection.execute(text(f"SELECT {exists}"), {"pid": person_id}).scalar():
            return  # the service says there is no such person
        why = _(_WHY["unknown"])
    else:
        condition, params = _condition(account, standing.team_on, now, person=":pid")
        params["pid"] = person_id
        sql = f"SELECT {exists}, EXISTS (SELECT 1 FROM person p WHERE p.id = :pid AND {condition})"
        on_caseload, allowed = connection.execute(text(sql), params).one()
        if not on_caseload:
            return  # the service says there is no such person
        if allowed:
            if memo is not None:
                memo[reached] = True
            return
        why = _(_WHY[account.role])
    raise NotYourPersonError(
        _("Signed in as {role}, you cannot {action} for person {id}: {why}.").format(
            role=role.label, action=_(ACTIONS[permission]), id=person_id, why=why
        ),
        person_id,
        can_break_glass=account is not None and account.active and role in BREAK_GLASS_ROLES,
    )


def allocate_new_person(session: Session, person_id: int, actor: str, role: Role, now: datetime) -> None:
    """A practitioner who adds a person becomes their allocated worker (recorded like any allocation)."""
    if role is not Role.PRACTITIONER:
        return
    account = account_of(session.connection(), actor)
    if account is None or account.role is not Role.PRACTITIONER:
        return  # a caseload without accounts: nobody is allocated
    session.add(
        Allocation(
            person_id=person_id, worker=actor, started_at=now, started_by=actor, reason=_(NEW_PERSON_REASON)
        )
    )


NEW_PERSON_REASON = N_("Added the person to the caseload")


@dataclass(frozen=True)
class AllocationEntry:
    worker: str
    started_at: datetime
    started_by: str
    reason: str
    ended_at: datetime | None
    ended_by: str


@dataclass(frozen=True)
class BreakGlassEntry:
    person_id: int
    username: str
    opened_at: datetime
    reason: str


class AccessService:
    """Allocating people to practitioners, break-glass openings, and the team setting."""

    def __init__(self, context: ServiceContext):
        self._ctx = context

    def allocate(self, person_id: int, worker: str, reason: str) -> AllocationEntry:
        """Allocate (or reallocate) a person to a practitioner; the previous allocation is ended, not removed."""
        self._ctx.require(Permission.ALLOCATE, person_id)
        reason = " ".join(reason.split())
        if not reason:
            raise ValidationError(FieldError("reason", _("Say why the person is allocated to this worker.")))
        now = self._ctx.clock.now()
        with self._ctx.db.session() as session:
            account = account_of(session.connection(), worker.strip().lower())
            if account is None or account.role is not Role.PRACTITIONER or not account.active:
                raise ValidationError(
                    FieldError("worker", _("Choose the user name of an active practitioner's account."))
                )
            for current in session.exec(
                select(Allocation).where(
                    Allocation.person_id == person_id, col(Allocation.ended_at).is_(None)
                )
            ):
                current.ended_at, current.ended_by = now, self._ctx.actor
                session.add(current)
            row = Allocation(
                person_id=person_id,
                worker=account.username,
                started_at=now,
                started_by=self._ctx.actor,
                reason=reason,
            )
            session.add(row)
            session.flush()
            return _entry(row)

    def allocations(self, person_id: int) -> list[AllocationEntry]:
        """Who the person has been allocated to, newest first (the allocation history)."""
        self._ctx.require(Permission.VIEW_PEOPLE, person_id)
        with self._ctx.db.session() as session:
            rows = session.exec(
                select(Allocation)
                .where(Allocation.person_id == person_id)
                .order_by(col(Allocation.started_at).desc(), col(Allocation.id).desc())
            ).all()
            return [_entry(r) for r in rows]

    def break_glass(self, person_id: int, reason: str) -> BreakGlassEntry:
        """Open a person outside one's own people, giving a reason: recorded in the audit trail and
        shown to their allocated worker. Lasts the working day."""
        self._ctx.require(Permission.VIEW_PEOPLE)
        if self._ctx.role not in BREAK_GLASS_ROLES:
            raise PermissionDeniedError(
                _("Signed in as {role}, you cannot open a record outside your own people.").format(
                    role=self._ctx.role.label
                )
            )
        reason = " ".join((reason or "").split())
        if len(reason) < 10:
            raise ValidationError(
                FieldError("reason", _("Give the reason you need this record (at least 10 characters)."))
            )
        now = self._ctx.clock.now()
        with self._ctx.db.session() as session:
            if not postgres_security.person_exists(session.connection(), person_id):
                raise NotFoundError(
                    _("There is no person with id {id} in this caseload.").format(id=person_id)
                )
            current = session.exec(
                select(Allocation.worker).where(
                    Allocation.person_id == person_id, col(Allocation.ended_at).is_(None)
                )
            ).first()
            row = BreakGlass(
                person_id=person_id,
                username=self._ctx.actor,
                opened_at=now,
                reason=reason,
                allocated_worker=current or "",
            )
            session.add(row)
            session.flush()
            # The reason itself goes into the trail (the ordinary listener says only that it was set).
            record_event(
                session,
                actor=self._ctx.actor,
                action="break-glass",
                table="break_glass",
                row_id=str(row.id),
                summary={"person_id": person_id, "reason": reason, "allocated_worker": row.allocated_worker},
            )
            return BreakGlassEntry(person_id, row.username, now, reason)

    def find_by_nhs_number(self, nhs_number: str) -> int | None:
        """The id of the person with this NHS number (for opening someone else's record with a reason)."""
        self._ctx.require(Permission.VIEW_PEOPLE)
        if self._ctx.role not in BREAK_GLASS_ROLES:
            return None
        digits = "".join(ch for ch in nhs_number if ch.isdigit())
        with self._ctx.db.session() as session:  # (on a server the person is not yet visible to them)
            return postgres_security.person_by_nhs_number(session.connection(), digits)

    def break_glass_notices(self, days: int = 30) -> list[BreakGlassEntry]:
        """Others who opened my people with break-glass in the last ``days`` days."""
        self._ctx.require(Permission.VIEW_PEOPLE)
        since = self._ctx.clock.now() - timedelta(days=days)
        with self._ctx.db.session() as session:
            rows = session.exec(
                select(BreakGlass)
                .where(BreakGlass.allocated_worker == self._ctx.actor, col(BreakGlass.opened_at) >= since)
                .order_by(col(BreakGlass.opened_at).desc())
            ).all()
            return [BreakGlassEntry(r.person_id, r.username, r.opened_at, r.reason) for r in rows]

    def practitioners(self) -> list[tuple[str, str]]:
        """Active practitioners' accounts (user name, name), to allocate people to."""
        self._ctx.require(Permission.ALLOCATE)
        with self._ctx.db.session() as session:
            rows = session.exec(
                select(AppUser.username, AppUser.display_name)
                .where(AppUser.role == Role.PRACTITIONER.value, col(AppUser.active))
                .order_by(col(AppUser.display_name))
            ).all()
            return [(u, n) for u, n in rows]

    def team_visibility(self) -> bool:
        with self._ctx.db.session() as session:  # joins a use case already running
            connection = session.connection()
            return team_visibility(connection)

    def set_team_visibility(self, on: bool) -> None:
        """Whether practitioners see the people allocated to others in their team (account managers set it)."""
        with self._ctx.db.session() as session:
            user = session.exec(select(AppUser).where(AppUser.username == self._ctx.actor)).first()
            if user is None or not user.can_manage_users:
                raise PermissionDeniedError(_("Only someone who manages accounts can change who sees whom."))
            setting = session.get(Setting, TEAM_VISIBILITY_KEY) or Setting(key=TEAM_VISIBILITY_KEY, value="0")
            setting.value = "1" if on else "0"
            session.add(setting)


def _entry(row: Allocation) -> AllocationEntry:
    return AllocationEntry(row.worker, row.started_at, row.started_by, row.reason, row.ended_at, row.ended_by)
