"""Accounts and sign-in. Passwords are kept only as salted scrypt hashes."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from personalbudget.clock import Clock
from personalbudget.domain.roles import Role
from personalbudget.errors import (
    FieldError,
    NotFoundError,
    PermissionDeniedError,
    PersonalBudgetError,
    ValidationError,
)
from personalbudget.i18n import _, format_time
from personalbudget.services.access import TEAM_VISIBILITY_KEY
from personalbudget.services.context import ActingDatabase
from personalbudget.storage import postgres_security
from personalbudget.storage.access_models import AccountPerson
from personalbudget.storage.models import AppUser, Setting

MIN_PASSWORD = 8
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class SignInError(PersonalBudgetError):
    """Wrong user name or password (which one is not said)."""


@dataclass(frozen=True)
class SignedInUser:
    username: str
    display_name: str
    role: Role
    can_manage_users: bool
    must_change_password: bool = False  # after a reset: choose a new password before going on


@dataclass(frozen=True)
class AccountView:
    """One account, as the Accounts dialog and ``personalbudget accounts list`` show it."""

    username: str
    display_name: str
    role: Role
    can_manage_users: bool
    active: bool
    team: str
    must_change_password: bool
    locked_until: datetime | None
    last_sign_in_at: datetime | None
    people: tuple[int, ...]  # the people a person, carer or broker account is linked to


LOCKOUT_ATTEMPTS_KEY = "accounts.lockout_attempts"
LOCKOUT_MINUTES_KEY = "accounts.lockout_minutes"
LOCKOUT_ATTEMPTS = 10  # wrong passwords in a row before the account is locked
LOCKOUT_MINUTES = 15
LINKED_ROLES = (Role.INDIVIDUAL, Role.BROKER)
# A team caseload keeps no password: its server checks it (each account is a login role).
SERVER_PASSWORD = "server"


def _on_server(session: Session) -> bool:
    """A team caseload whose server has its security set up: accounts are its login roles."""
    connection = session.connection()
    return postgres_security.is_server(connection) and postgres_security.secured(connection)


def _sync_role(session: Session, user: AppUser, password: str | None = None) -> None:
    """On a team caseload, the account's login role follows its row (made, enabled, disabled, its
    role's group); a new password goes to the server as a SCRAM verifier, never kept by the app."""
    if not _on_server(session):
        return
    session.flush()
    connection = session.connection()
    try:
        postgres_security.sync_account(connection, user.username)
    except DBAPIError as problem:  # the name is the server's already (a DBA's role, a reserved name)
        if getattr(problem.orig, "sqlstate", None) not in postgres_security.NAME_TAKEN:
            raise
        raise ValidationError(
            FieldError(
                "username",
                _("The server already uses that name for one of its own roles. Choose another user name."),
            )
        ) from None
    if password is not None:
        postgres_security.set_password(connection, user.username, password)


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        _scheme, n, salt, digest = stored.split("$")
        candidate = hashlib.scrypt(
            password.encode("utf-8"), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=8, p=1
        )
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


class UserService:
    """Used before anyone is signed in (the sign-in screen) and by whoever manages accounts."""

    def __init__(self, db: ActingDatabase, clock: Clock):
        self._db = db
        self._clock = clock

    def has_users(self) -> bool:
        with self._db.session() as session:
            return session.exec(select(AppUser.id)).first() is not None

    def create_user(
        self,
        username: str,
        display_name: str,
        password: str,
        role: Role,
        *,
        can_manage_users: bool = False,
        by: SignedInUser | None = None,
        people: tuple[int, ...] = (),
        team: str = "",
    ) -> SignedInUser:
        """The first account (anyone may make it, and it manages accounts), or one made by an account manager."""
        username, display_name = username.strip().lower(), " ".join(display_name.split())
        first = not self.has_users()
        if not first and (by is None or not by.can_manage_users):
            raise PermissionDeniedError(_("Only someone who manages accounts can add an account."))
        errors = []
        if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
            errors.append(
                FieldError(
                    "username", _("Choose a user name of letters and digits (dots and dashes allowed).")
                )
            )
        if not display_name:
            errors.append(
                FieldError("display_name", _("Enter the person's name as it should appear on records."))
            )
        if len(password) < MIN_PASSWORD:
            errors.append(
                FieldError("password", _("Use a password of at least {n} characters.").format(n=MIN_PASSWORD))
            )
        if role in LINKED_ROLES and not first and not people:
            errors.append(
                FieldError(
                    "people", _("Link the account to the person (or people) it is for: give their id.")
                )
            )
        if errors:
            raise ValidationError(errors)
        with self._db.session() as session:
            if session.exec(select(AppUser.id).where(AppUser.username == username)).first() is not None:
                raise ValidationError(FieldError("username", _("That user name is taken.")))
            on_server = _on_server(session)
            user = AppUser(
                username=username,
                display_name=display_name,
                role=role.value,
                password_hash=SERVER_PASSWORD if on_server else hash_password(password),
                can_manage_users=can_manage_users or first,
                active=True,
                created_at=self._clock.now(),
                team=" ".join(team.split()),
            )
            session.add(user)
            session.flush()
            self._link(session, user, people, by)
            _sync_role(session, user, password)
        return SignedInUser(username, display_name, role, user.can_manage_users)

    def list_users(self, by: SignedInUser) -> list[SignedInUser]:
        if not by.can_manage_users:
            raise PermissionDeniedError(_("Only someone who manages accounts can see the list of accounts."))
        with self._db.session() as session:
            rows = session.exec(select(AppUser).order_by(col(AppUser.username))).all()
        return [SignedInUser(u.username, u.display_name, Role(u.role), u.can_manage_users) for u in rows]

    def sign_in(self, username: str, password: str) -> SignedInUser:
        """Check the password; 10 wrong ones in a row (settings) lock the account for 15 minutes."""
        now = self._clock.now()
        with self._db.session() as session:
            user = session.exec(select(AppUser).where(AppUser.username == username.strip().lower())).first()
            if _on_server(session):  # the server checks the password of its login role
                right = user is not None and postgres_security.password_accepted(
                    session.connection(), user.username, password
                )
            else:  # the same work and the same message whether the name or the password is wrong
                stored = user.password_hash if user else hash_password("not a real account")
                right = password_matches(password, stored)
            if user is None or not user.active:
                raise SignInError(_("The user name or password is not right. Try again."))
            locked = _aware(user.locked_until)
            if locked is not None and locked > now:
                raise SignInError(
                    _(
                        "This account is locked after too many wrong passwords. Try again after {time}."
                    ).format(time=format_time(locked))
                )
            if not right:
                user.failed_sign_ins += 1
                attempts, minutes = self._lockout(session)
                if user.failed_sign_ins >= attempts:
                    user.failed_sign_ins = 0
                    user.locked_until = now + timedelta(minutes=minutes)
                session.add(user)
            else:
                user.failed_sign_ins = 0
                user.locked_until = None
                user.last_sign_in_at = now
                session.add(user)
                signed_in = _signed_in(user)
        if not right:  # the count of wrong passwords is saved first
            raise SignInError(_("The user name or password is not right. Try again."))
        return signed_in

    def change_password(self, username: str, old_password: str, new_password: str) -> SignedInUser:
        """The account's own new password (required at the next sign-in after a reset)."""
        self.sign_in(username, old_password)
        if len(new_password) < MIN_PASSWORD:
            raise ValidationError(
                FieldError("password", _("Use a password of at least {n} characters.").format(n=MIN_PASSWORD))
            )
        if new_password == old_password:
            raise ValidationError(FieldError("password", _("Choose a password different from the old one.")))
        with self._db.session() as session:
            user = self._user(session, username)
            on_server = _on_server(session)
            user.password_hash = SERVER_PASSWORD if on_server else hash_password(new_password)
            user.must_change_password = False
            session.add(user)
            if on_server:
                session.flush()
                postgres_security.set_password(session.connection(), user.username, new_password)
            return _signed_in(user)

    # -- managing accounts -------------------------------------------------------------------
    def accounts(self, by: SignedInUser) -> list[AccountView]:
        """Every account with its state and last sign-in (for account managers)."""
        self._require_manager(by, _("see the list of accounts"))
        with self._db.session() as session:
            rows = session.exec(select(AppUser).order_by(col(AppUser.username))).all()
            links: dict[int, list[int]] = {}
            for link in session.exec(select(AccountPerson).order_by(col(AccountPerson.person_id))):
                links.setdefault(link.user_id, []).append(link.person_id)
            return [
                AccountView(
                    u.username,
                    u.display_name,
                    Role(u.role),
                    u.can_manage_users,
                    u.active,
                    u.team,
                    u.must_change_password,
                    _aware(u.locked_until),
                    _aware(u.last_sign_in_at),
                    tuple(links.get(u.id or 0, ())),
                )
                for u in rows
            ]

    def set_active(self, username: str, active: bool, by: SignedInUser) -> None:
        """Disable an account (it can no longer sign in) or enable it again."""
        self._require_manager(by, _("disable or enable accounts"))
        with self._db.session() as session:
            user = self._user(session, username)
            if not active:
                self._keep_a_manager(session, user)
            user.active = active
            if active:
                user.failed_sign_ins, user.locked_until = 0, None
            session.add(user)
            _sync_role(session, user)

    def set_role(
        self, username: str, role: Role, by: SignedInUser, *, can_manage_users: bool | None = None
    ) -> None:
        """Change an account's role (and whether it manages accounts)."""
        self._require_manager(by, _("change an account's role"))
        with self._db.session() as session:
            user = self._user(session, username)
            if can_manage_users is False:
                self._keep_a_manager(session, user)
            if (
                role in LINKED_ROLES
                and not session.exec(select(AccountPerson.id).where(AccountPerson.user_id == user.id)).first()
            ):
                raise ValidationError(
                    FieldError(
                        "people", _("Link the account to the person it is for before giving it this role.")
                    )
                )
            user.role = role.value
            if can_manage_users is not None:
                user.can_manage_users = can_manage_users
            session.add(user)
            _sync_role(session, user)

    def reset_password(self, username: str, new_password: str, by: SignedInUser) -> None:
        """Give the account a one-time password: its user must choose a new one at the next sign-in."""
        self._require_manager(by, _("reset passwords"))
        if len(new_password) < MIN_PASSWORD:
            raise ValidationError(
                FieldError("password", _("Use a password of at least {n} characters.").format(n=MIN_PASSWORD))
            )
        with self._db.session() as session:
            user = self._user(session, username)
            on_server = _on_server(session)
            user.password_hash = SERVER_PASSWORD if on_server else hash_password(new_password)
            user.must_change_password = True
            user.failed_sign_ins, user.locked_until = 0, None
            session.add(user)
            _sync_role(session, user, new_password if on_server else None)

    def link_people(self, username: str, people: tuple[int, ...], by: SignedInUser) -> None:
        """Link a person, carer or broker account to more people (a carer may represent more than one)."""
        self._require_manager(by, _("link accounts to people"))
        with self._db.session() as session:
            self._link(session, self._user(session, username), people, by)

    def set_lockout(self, attempts: int, minutes: int, by: SignedInUser) -> None:
        self._require_manager(by, _("change the sign-in lock-out"))
        if not (3 <= attempts <= 100 and 1 <= minutes <= 24 * 60):
            raise ValidationError(
                FieldError("lockout", _("Lock after 3 to 100 wrong passwords, for 1 minute to 24 hours."))
            )
        with self._db.session() as session:
            for key, value in ((LOCKOUT_ATTEMPTS_KEY, attempts), (LOCKOUT_MINUTES_KEY, minutes)):
                row = session.get(Setting, key) or Setting(key=key, value="")
                row.value = str(value)
                session.add(row)

    def team_visibility(self) -> bool:
        """Whether practitioners see the people allocated to others in their team."""
        with self._db.session() as session:
            row = session.get(Setting, TEAM_VISIBILITY_KEY)
            return row is not None and row.value == "1"

    def set_team_visibility(self, on: bool, by: SignedInUser) -> None:
        self._require_manager(by, _("change who sees whom"))
        with self._db.session() as session:
            row = session.get(Setting, TEAM_VISIBILITY_KEY) or Setting(key=TEAM_VISIBILITY_KEY, value="0")
            row.value = "1" if on else "0"
            session.add(row)

    # -- helpers -----------------------------------------------------------------------------
    def _lockout(self, session: Session) -> tuple[int, int]:
        def number(key: str, default: int) -> int:
            row = session.get(Setting, key)
            try:
                return int(row.value) if row is not None else default
            except ValueError:
                return default

        return number(LOCKOUT_ATTEMPTS_KEY, LOCKOUT_ATTEMPTS), number(LOCKOUT_MINUTES_KEY, LOCKOUT_MINUTES)

    def _require_manager(self, by: SignedInUser, action: str) -> None:
        if not by.can_manage_users:
            raise PermissionDeniedError(
                _("Only someone who manages accounts can {action}.").format(action=action)
            )
        with self._db.session() as session:  # still a manager now (not only when they signed in)
            row = session.exec(select(AppUser).where(AppUser.username == by.username)).first()
            if row is None or not row.active or not row.can_manage_users:
                raise PermissionDeniedError(
                    _("Only someone who manages accounts can {action}.").format(action=action)
                )

    def _user(self, session: Session, username: str) -> AppUser:
        user = session.exec(select(AppUser).where(AppUser.username == username.strip().lower())).first()
        if user is None:
            raise NotFoundError(_("There is no account {name} on this caseload.").format(name=username))
        return user

    def _keep_a_manager(self, session: Session, user: AppUser) -> None:
        if not (user.active and user.can_manage_users):
            return
        others = session.exec(
            select(AppUser.id).where(
                col(AppUser.active), col(AppUser.can_manage_users), AppUser.id != user.id
            )
        ).first()
        if others is None:
            raise ValidationError(
                FieldError(
                    "username",
                    _(
                        "{name} is the last account that can manage accounts: give another account that right first."
                    ).format(name=user.username),
                )
            )

    def _link(
        self, session: Session, user: AppUser, people: tuple[int, ...], by: SignedInUser | None
    ) -> None:
        for person_id in people:
            # (On a team caseload the manager may not see the person's records, only that they exist.)
            if not postgres_security.person_exists(session.connection(), person_id):
                raise ValidationError(
                    FieldError(
                        "people", _("There is no person with id {id} in this caseload.").format(id=person_id)
                    )
                )
            exists = session.exec(
                select(AccountPerson.id).where(
                    AccountPerson.user_id == user.id, AccountPerson.person_id == person_id
                )
            ).first()
            if exists is None:
                session.add(
                    AccountPerson(
                        user_id=user.id,  # type: ignore[arg-type]
                        person_id=person_id,
                        linked_at=self._clock.now(),
                        linked_by=by.username if by else user.username,
                    )
                )


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive UTC moments."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _signed_in(user: AppUser) -> SignedInUser:
    return SignedInUser(
        user.username, user.display_name, Role(user.role), user.can_manage_users, user.must_change_password
    )
