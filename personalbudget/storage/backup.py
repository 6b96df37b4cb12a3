"""Backups: consistent copies made while the app runs, rotated, checked, and restored whole.

A backup is written to a temporary file with SQLCipher's export (or SQLite's
VACUUM INTO for a plain caseload), integrity-checked, then renamed into the
``backups`` folder beside the database, with a copy of the key file. A backup
is encrypted with the same key as the caseload it came from.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from personalbudget.errors import NotOurDatabaseError, PersonalBudgetError, StorageError
from personalbudget.i18n import _, ngettext
from personalbudget.paths import backups_dir
from personalbudget.storage import audit
from personalbudget.storage.database import (
    Database,
    _copy_key_file,
    classify,
    copy_database,
    record_full_check,
)
from personalbudget.storage.engine import raw_connect
from personalbudget.storage.keys import DatabaseKeys, KeyFile, key_file_path
from personalbudget.storage.lock import DatabaseLock

DEFAULT_KEEP = 10
AUTOMATIC_REASONS = ("on-close", "daily")
_STAMP = "%Y%m%dT%H%M%S%fZ"


def make_backup(db: Database, reason: str = "manual", folder: Path | None = None) -> Path:
    """Copy the open caseload into its backups folder (or ``folder``); returns the backup's path."""
    folder = folder or backups_dir(db.path)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{db.path.stem}-{reason}-{datetime.now(UTC).strftime(_STAMP)}.db"
    copy_database(db.path, db.key, target, db.key)
    _copy_key_file(db.path, target)
    if reason in AUTOMATIC_REASONS:  # it stands for a backup on closing that never finished
        _owed_path(db.path).unlink(missing_ok=True)
    return target


# -- the backup on closing, in a process of its own ---------------------------------------------
# Closing the app does not wait for the backup: the app closes the caseload, then hands the backup
# to a detached process (the same program, started with this hidden command), which copies the
# caseload in one read transaction (WAL: the copy is consistent even if the app is opened again
# meanwhile), checks the copy, keeps it and rotates. A problem is kept in the backups folder and
# shown when the app next starts; a backup that never finished (the computer was turned off) is
# made then.
AFTER_CLOSE_COMMAND = "backup-after-close"
AFTER_CLOSE_WAIT_SECONDS = 600  # how long a backup on closing waits for an earlier one still running


def _owed_path(database: Path) -> Path:
    return backups_dir(database) / f"{database.stem}.backup-owed"


def _problem_path(database: Path) -> Path:
    return backups_dir(database) / f"{database.stem}.backup-problem.txt"


def after_close_command(database: Path, keep: int, reason: str = "on-close") -> list[str]:
    """The command line of the detached backup process (the frozen app runs its own executable)."""
    if getattr(sys, "frozen", False):  # the installed app: its command line hands the command here
        program = [sys.executable, AFTER_CLOSE_COMMAND]
    else:
        program = [sys.executable, "-m", __name__]
    return [*program, str(database), "--keep", str(keep), "--reason", reason]


def start_backup_after_close(db: Database, keep: int, reason: str = "on-close") -> subprocess.Popen[bytes]:
    """Hand the backup of a closed caseload to a detached process; returns at once.

    The key reaches the process through a pipe, never its command line or environment.
    """
    _owed_path(db.path).parent.mkdir(parents=True, exist_ok=True)
    _owed_path(db.path).write_text(reason, encoding="utf-8")
    options: dict[str, object] = {}
    if not getattr(sys, "frozen", False):  # the child imports this same copy of the program
        root = str(Path(__file__).resolve().parents[2])
        path = os.environ.get("PYTHONPATH")
        options["env"] = os.environ | {"PYTHONPATH": root + (os.pathsep + path if path else "")}
    if os.name == "nt":
        options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS  # type: ignore[attr-defined]
    else:
        options["start_new_session"] = True  # not stopped by the terminal or session the app ran in
    process = subprocess.Popen(
        after_close_command(db.path, keep, reason),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **options,  # type: ignore[call-overload]
    )
    assert process.stdin is not None
    try:
        process.stdin.write(((db.key.hex() if db.key else "") + "\n").encode("ascii"))
        process.stdin.close()
    except OSError:  # it could not start properly: the next start makes the backup it owes
        pass
    # Until its imports are done the process does not hold the lock yet: a start in between (a quick
    # restart) must still see it at work, not start a second backup of the whole file and wait for it.
    with contextlib.suppress(OSError):
        _pid_path(db.path).write_text(str(process.pid), encoding="ascii")
    return process


def _pid_path(database: Path) -> Path:
    return _owed_path(database).with_name(_owed_path(database).name + ".pid")


def _still_starting(database: Path) -> bool:
    """The detached backup process started for ``database`` is still running (POSIX; elsewhere the
    lock alone says so)."""
    if os.name == "nt":
        return False
    try:
        pid = int(_pid_path(database).read_text(encoding="ascii"))
        os.kill(pid, 0)  # signal 0: only asks whether the process is there
        state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:  # no pid note, or no /proc (macOS): the process answered the signal
        return _pid_path(database).exists()
    except (OSError, ValueError, IndexError):
        return False
    return state != "Z"  # ended but not yet reaped by the app that started it


def backup_closed_caseload(
    database: Path, key: bytes | None, keep: int, reason: str = "on-close"
) -> Path | None:
    """What the detached process does: a checked backup of ``database``, then rotation.

    Never raises: a problem is written down for the app to show at its next start.
    """
    # Held while this backup runs. The app closed again while an earlier backup is still at work
    # (a quick restart): wait for it, then back up what the later session saved.
    running = FileLock(str(_owed_path(database)) + ".lock", timeout=AFTER_CLOSE_WAIT_SECONDS)
    try:
        folder = backups_dir(database)
        folder.mkdir(parents=True, exist_ok=True)
        running.acquire()
        if classify(database) == "new":  # gone (moved, deleted) since the app closed it
            raise NotOurDatabaseError(_("There is no caseload at {file} to back up.").format(file=database))
        target = folder / f"{database.stem}-{reason}-{datetime.now(UTC).strftime(_STAMP)}.db"
        copy_database(database, key, target, key)
        _copy_key_file(database, target)
        rotate(database, keep)
    except Exception as problem:  # sqlite3 and sqlcipher3 raise their own; every one is reported
        message = (
            str(problem) if isinstance(problem, PersonalBudgetError | OSError) else type(problem).__name__
        )
        with contextlib.suppress(OSError):
            _problem_path(database).write_text(message, encoding="utf-8")
        return None
    finally:
        running.release()
    _owed_path(database).unlink(missing_ok=True)
    _pid_path(database).unlink(missing_ok=True)
    _problem_path(database).unlink(missing_ok=True)
    return target


def run_after_close(argv: list[str]) -> int:
    """The hidden command ``DATABASE --keep N --reason R``; the key comes on stdin (hex, or an empty
    line for a plain caseload)."""
    import argparse

    parser = argparse.ArgumentParser(prog=AFTER_CLOSE_COMMAND, add_help=False)
    parser.add_argument("database", type=Path)
    parser.add_argument("--keep", type=int, default=DEFAULT_KEEP)
    parser.add_argument("--reason", choices=AUTOMATIC_REASONS, default="on-close")
    args = parser.parse_args(argv)
    line = sys.stdin.readline().strip()
    key = bytes.fromhex(line) if line else None
    return 0 if backup_closed_caseload(args.database, key, args.keep, args.reason) is not None else 1


def backup_owed(database: Path) -> bool:
    """A backup on closing was started and never finished (or failed), and is not still running:
    one should be made now."""
    if not _owed_path(database).exists():
        return False
    running = FileLock(str(_owed_path(database)) + ".lock", timeout=0)
    try:
        running.acquire()
    except Timeout:
        return False  # the process making it is still at work
    running.release()
    return not _still_starting(database)


def take_backup_problem(database: Path) -> str | None:
    """What went wrong with the last backup on closing (once: the note is removed)."""
    path = _problem_path(database)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    path.unlink(missing_ok=True)
    return text or None


def automatic_backups(database: Path) -> list[Path]:
    """Automatic backups of ``database``, newest first."""
    pattern = re.compile(
        rf"^{re.escape(database.stem)}-({'|'.join(AUTOMATIC_REASONS)})-\d{{8}}T\d{{12}}Z\.db$"
    )
    folder = backups_dir(database)
    return sorted(
        (p for p in folder.iterdir() if pattern.match(p.name)),
        key=lambda p: p.name.rsplit("-", 1)[1],
        reverse=True,
    )


def rotate(database: Path, keep: int = DEFAULT_KEEP) -> list[Path]:
    """Remove all but the newest ``keep`` automatic backups; returns what was removed."""
    removed = automatic_backups(database)[max(keep, 1) :]
    for path in removed:
        path.unlink(missing_ok=True)
        key_file_path(path).unlink(missing_ok=True)
    return removed


def backup_due(database: Path, now: datetime, every: timedelta = timedelta(days=1)) -> bool:
    backups = automatic_backups(database)
    if not backups:
        return True
    stamp = datetime.strptime(backups[0].name.rsplit("-", 1)[1][:-3], _STAMP).replace(tzinfo=UTC)
    return now - stamp >= every


@dataclass
class CheckReport:
    integrity: str = "ok"
    foreign_key_problems: int = 0
    audit: audit.AuditReport | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_database(db: Database) -> CheckReport:
    """integrity_check, foreign_key_check and the audit trail."""
    report = CheckReport()
    connection = db.connect_raw(read_only=True)
    try:
        _check_into(report, connection, db)
    except (
        Exception
    ) as problem:  # a page that cannot even be read (sqlite3 and sqlcipher3 each raise their own)
        if report.integrity == "ok":
            report.integrity = str(problem)
        report.problems.append(
            _("The database is damaged and could not be read to the end: {detail}").format(detail=problem)
        )
    finally:
        connection.close()
    if report.integrity == "ok" and not report.problems:
        record_full_check(db.path)
    return report


def _check_into(report: CheckReport, connection: Any, db: Database) -> None:
    """integrity_check, foreign_key_check and the audit trail, into ``report``."""
    report.integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if report.integrity != "ok":
        report.problems.append(
            _("The database failed its integrity check: {detail}").format(detail=report.integrity)
        )
    report.foreign_key_problems = len(connection.execute("PRAGMA foreign_key_check").fetchall())
    if report.foreign_key_problems:
        report.problems.append(
            ngettext(
                "{n} record points at a record that does not exist.",
                "{n} records point at records that do not exist.",
                report.foreign_key_problems,
            ).format(n=report.foreign_key_problems)
        )
    if db.audited:
        report.audit = audit.verify(connection)
        report.problems.extend(report.audit.problems)


def keep_current_before_restore(database: Path, keys: DatabaseKeys | None) -> Path | None:
    """A copy of the caseload about to be replaced, so a restore never loses newer work for good."""
    if classify(database) == "new":
        return None
    key = keys.unlock(database) if classify(database) == "encrypted" and keys is not None else None
    target = backups_dir(database) / f"{database.stem}-before-restore-{datetime.now(UTC).strftime(_STAMP)}.db"
    copy_database(database, key, target, key)
    _copy_key_file(database, target)
    return target


def restore_backup(backup: Path, database: Path, keys: DatabaseKeys | None) -> None:
    """Put a backup in place of ``database`` (which must not be open elsewhere).

    The caseload being replaced is first copied to the backups folder ("before-restore").

    The backup is checked and copied to a temporary file first; the database is
    replaced only when that copy is whole, and no ``-wal``/``-shm`` files of the
    old database are left behind to be mixed into the restored one.
    """
    backup, database = Path(backup), Path(database)
    state = classify(backup)
    if state == "new":
        raise NotOurDatabaseError(_("There is no backup at {file}.").format(file=backup))
    key = None
    if state == "encrypted":
        if keys is None:
            raise StorageError(
                _("{file} is encrypted: a key is needed to restore it.").format(file=backup.name)
            )
        key = keys.unlock(backup)
    check = raw_connect(backup, key, read_only=True)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
    except Exception as problem:
        raise NotOurDatabaseError(
            _("{file} is not a usable backup (it cannot be read).").format(file=backup.name)
        ) from problem
    finally:
        check.close()
    if result != "ok":
        raise NotOurDatabaseError(_("{file} is damaged; choose another backup.").format(file=backup.name))
    database.parent.mkdir(parents=True, exist_ok=True)
    lock = DatabaseLock(database)
    try:
        keep_current_before_restore(database, keys)
        staged = database.with_name(database.name + ".restoring")
        copy_database(backup, key, staged, key)
        for suffix in ("-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        key_file = KeyFile.read(key_file_path(backup))
        os.replace(staged, database)
        if key_file is not None:
            key_file.write(key_file_path(database))
        else:
            key_file_path(database).unlink(missing_ok=True)
    finally:
        lock.release()


if __name__ == "__main__":  # the detached backup on closing (see start_backup_after_close)
    sys.exit(run_after_close(sys.argv[1:]))
