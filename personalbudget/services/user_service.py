"""Accounts and sign-in. Passwords are kept only as salted scrypt hashes."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from sqlmodel import col, select

from personalbudget.clock import Clock
from personalbudget.domain.roles import Role
from personalbudget.errors import FieldError, PermissionDeniedError, PersonalBudgetError, ValidationError
from personalbudget.i18n import _
from personalbudget.services.context import ActingDatabase
from personalbudget.storage.models import AppUser

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
        if errors:
            raise ValidationError(errors)
        with self._db.session() as session:
            if session.exec(select(AppUser.id).where(AppUser.username == username)).first() is not None:
                raise ValidationError(FieldError("username", _("That user name is taken.")))
            user = AppUser(
                username=username,
                display_name=display_name,
                role=role.value,
                password_hash=hash_password(password),
                can_manage_users=can_manage_users or first,
                active=True,
                created_at=self._clock.now(),
            )
            session.add(user)
        return SignedInUser(username, display_name, role, user.can_manage_users)

    def list_users(self, by: SignedInUser) -> list[SignedInUser]:
        if not by.can_manage_users:
            raise PermissionDeniedError(_("Only someone who manages accounts can see the list of accounts."))
        with self._db.session() as session:
            rows = session.exec(select(AppUser).order_by(col(AppUser.username))).all()
        return [SignedInUser(u.username, u.display_name, Role(u.role), u.can_manage_users) for u in rows]

    def sign_in(self, username: str, password: str) -> SignedInUser:
        with self._db.session() as session:
            user = session.exec(
                select(AppUser).where(AppUser.username == username.strip().lower(), col(AppUser.active))
            ).first()
        # The same work and the same message whether the name or the password is wrong.
        stored = user.password_hash if user else hash_password("not a real account")
        if not password_matches(password, stored) or user is None:
            raise SignInError(_("The user name or password is not right. Try again."))
        return SignedInUser(user.username, user.display_name, Role(user.role), user.can_manage_users)
