"""One writer per caseload: a second PersonalBudget process on the same database is refused.

The lock is the operating system's (through ``filelock``), so a crash releases it:
a lock file left behind by a crashed session is simply taken over, never trusted.
Within one process the lock is shared (the app and its own commands), counted.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import threading
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from personalbudget.errors import StorageError
from personalbudget.i18n import _

_held: dict[Path, tuple[FileLock, int]] = {}
_guard = threading.Lock()


class DatabaseInUseError(StorageError):
    """Another PersonalBudget process has the caseload open."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def owner_path(database: Path) -> Path:
    return database.with_name(database.name + ".owner")


class DatabaseLock:
    """Held while a database is open; ``stale`` says a previous session ended without closing."""

    def __init__(self, database: Path):
        self.database = Path(database).resolve()
        self.stale = False
        with _guard:
            held = _held.get(self.database)
            if held is not None:
                _held[self.database] = (held[0], held[1] + 1)
                return
            file_lock = FileLock(str(lock_path(self.database)), timeout=0)
            try:
                file_lock.acquire()
            except Timeout:
                raise DatabaseInUseError(self._in_use_message()) from None
            self.stale = owner_path(self.database).exists()  # left by a session that did not close
            owner_path(self.database).write_text(
                json.dumps(
                    {
                        "user": _login(),
                        "host": socket.gethostname(),
                        "pid": os.getpid(),
                        "since": datetime.now(UTC).isoformat(timespec="seconds"),
                    }
                ),
                encoding="utf-8",
            )
            _held[self.database] = (file_lock, 1)

    def release(self) -> None:
        with _guard:
            held = _held.get(self.database)
            if held is None:
                return
            file_lock, count = held
            if count > 1:
                _held[self.database] = (file_lock, count - 1)
                return
            del _held[self.database]
            owner_path(self.database).unlink(missing_ok=True)
            file_lock.release()

    def _in_use_message(self) -> str:
        try:
            owner = json.loads(owner_path(self.database).read_text(encoding="utf-8"))
            who = _("{user} on {host}, since {since}").format(
                **{k: owner.get(k, "?") for k in ("user", "host", "since")}
            )
        except (OSError, ValueError):
            who = _("another window")
        return _(
            "{file} is already open in PersonalBudget ({who}). Only one window can change a caseload at a time: "
            "close it there first."
        ).format(file=self.database.name, who=who)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
