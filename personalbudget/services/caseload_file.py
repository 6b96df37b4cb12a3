"""The caseload file itself: its keys, opening and encrypting it, and backing it up.

The desktop app opens the caseload before any service exists (the services are built over an
open database), so it comes here for that rather than to ``personalbudget.storage``: the UI
imports no storage module (docs/architecture.md, checked by ``lint-imports``). The CLI, an
entry point like the UI, may use storage directly.
"""

from __future__ import annotations

from personalbudget.clock import Clock
from personalbudget.services.context import ActingDatabase
from personalbudget.services.user_service import UserService
from personalbudget.storage.backup import (
    backup_due,
    backup_owed,
    make_backup,
    rotate,
    start_backup_after_close,
    take_backup_problem,
)
from personalbudget.storage.database import Database, classify, encrypt_database, open_database
from personalbudget.storage.keys import (
    MIN_PASSPHRASE,
    DatabaseKeys,
    KeyringSecretStore,
    WrongKeyError,
    passphrase_from_environment,
)

__all__ = [
    "MIN_PASSPHRASE",
    "Database",
    "DatabaseKeys",
    "KeyringSecretStore",
    "WrongKeyError",
    "backup_due",
    "backup_owed",
    "classify",
    "encrypt_database",
    "make_backup",
    "open_database",
    "passphrase_from_environment",
    "rotate",
    "sign_in_users",
    "start_backup_after_close",
    "take_backup_problem",
]

SIGN_IN_ACTOR = "sign-in"  # who the audit trail names for what happens before anyone has signed in


def sign_in_users(db: Database, clock: Clock) -> UserService:
    """The accounts service for the sign-in dialog, before anyone has signed in."""
    return UserService(ActingDatabase(db, SIGN_IN_ACTOR), clock)
