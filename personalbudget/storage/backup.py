"""Backups: consistent copies made while the app runs, rotated, checked, and restored whole.

A backup is written to a temporary file with SQLCipher's export (or SQLite's
VACUUM INTO for a plain caseload), integrity-checked, then renamed into the
``backups`` folder beside the database, with a copy of the key file. A backup
is encrypted with the same key as the caseload it came from.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from personalbudget.errors import NotOurDatabaseError, StorageError
from personalbudget.i18n import _, ngettext
from personalbudget.paths import backups_dir
from personalbudget.storage import audit
from personalbudget.storage.database import Database, _copy_key_file, classify, copy_database
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
    return target


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
    finally:
        connection.close()
    return report


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
