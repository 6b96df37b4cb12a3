"""Opening a caseload database: recognise it, unlock it, check it, migrate it, hand out sessions.

A file that is not ours, is damaged, was written by a newer version, or whose
key does not open it is refused with a message saying what to do; it is never
changed. Before an older database is migrated, a copy is written to the
backups folder. New databases are encrypted (SQLCipher) when a key policy
(``DatabaseKeys``) is given, as the app and the command line always do.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError
from sqlmodel import Session

from personalbudget.errors import CorruptDatabaseError, DatabaseTooNewError, NotOurDatabaseError
from personalbudget.i18n import _
from personalbudget.paths import backups_dir
from personalbudget.storage import audit
from personalbudget.storage.engine import key_pragma, make_engine, raw_connect
from personalbudget.storage.keys import DatabaseKeys, KeyFile, WrongKeyError, key_file_path, key_from_recovery
from personalbudget.storage.lock import DatabaseLock

if TYPE_CHECKING:  # Alembic is imported only when a migration (or a check of one) is needed
    from alembic.config import Config

APPLICATION_ID = 0x50424731  # "PBG1", set by the first migration
SQLITE_HEADER = b"SQLite format 3\x00"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The full check of every page (PRAGMA quick_check) is not paid at every opening: it runs when the
# last session did not close (a crash), when no full check has passed for this long, and a backup
# checks its copy of every page; `personalbudget check` runs the full integrity_check on demand.
FULL_CHECK_EVERY = timedelta(days=7)
_REVISION_LINE = re.compile(r"""^(down_)?revision\s*=\s*(?:["']([^"']+)["']|None)\s*$""", re.MULTILINE)


audit.install()


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _quick_head() -> str | None:
    """The newest migration, read from the migration files without loading Alembic (which costs a
    noticeable part of a second at every start); None when the files do not give one clear answer."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for file in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = {
            bool(m.group(1)): m.group(2) for m in _REVISION_LINE.finditer(file.read_text(encoding="utf-8"))
        }
        if False not in found or True not in found or found[False] is None:
            continue  # not a migration (an __init__), or one written in a way this reader does not know
        revisions.add(found[False])
        if found[True] is not None:
            parents.add(found[True])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if "alembic_version" not in sa_inspect(connection).get_table_names():
            return None
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).fetchall()
    return rows[0][0] if len(rows) == 1 else None


class Database:
    """An open, checked and up-to-date caseload database."""

    is_server = False  # a team caseload on a PostgreSQL server (storage/server.py) says True

    def __init__(self, path: Path, engine: Engine, key: bytes | None = None, recovery_key: str | None = None):
        self.path = path
        self.engine = engine
        self.key = key
        # Shown to whoever set the database up, and again at each opening until they acknowledge it
        # (a crash while it is on screen must not lose it): see acknowledge_recovery_key.
        self.new_recovery_key = recovery_key
        self._active: ContextVar[Session | None] = ContextVar(f"session-{id(self)}", default=None)
        self.audited = "audit_event" in sa_inspect(engine).get_table_names()
        self.lock: DatabaseLock | None = None
        self.closed_uncleanly = False  # the last session on this file ended without closing (a crash)
        self.created = False  # made by this opening

    @property
    def encrypted(self) -> bool:
        return self.key is not None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One session per use case: committed if the block succeeds, rolled back if not.

        A use case that runs inside another (e.g. the demo builder calling the services
        for each person) joins the outer session, so the whole batch is one transaction.
        """
        outer = self._active.get()
        if outer is not None:
            yield outer
            outer.flush()
            return
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            session.info["audited"] = self.audited
            token = self._active.set(session)
            try:
                yield session
            finally:
                self._active.reset(token)

    def acknowledge_recovery_key(self) -> None:
        """The recovery key has been shown and written down: forget the copy kept until then."""
        with self.engine.begin() as connection:
            connection.execute(text("DELETE FROM setting WHERE key = :k"), {"k": PENDING_RECOVERY_KEY})
        self.new_recovery_key = None

    def connect_raw(self, *, read_only: bool = False) -> Any:
        return raw_connect(self.path, self.key, read_only=read_only)

    def close(self) -> None:
        self.engine.dispose()
        if self.lock is not None:
            self.lock.release()
            self.lock = None


def open_database(path: Path, keys: DatabaseKeys | None = None, *, upgrade_to: str = "head") -> Database:
    """Open (creating if need be) the database at ``path`` and bring its schema up to date.

    With ``keys``, a new database is encrypted and an encrypted one is unlocked;
    without, only plain databases can be opened (tests of plain files, tools).
    """
    path = Path(path)
    state = classify(path)
    lock = DatabaseLock(path)  # before anything is read or written: one writer at a time
    try:
        return _open_locked(path, state, keys, upgrade_to, lock)
    except BaseException:
        lock.release()
        raise


# A new caseload's recovery key, kept inside the encrypted database (whoever can open it already
# holds its key) only until someone acknowledges seeing it. Written outside the ORM, so it never
# reaches the audit trail.
PENDING_RECOVERY_KEY = "security.recovery_key_pending"


def _keep_or_find_pending_recovery_key(engine: Engine, key: bytes, recovery: str | None) -> str | None:
    with engine.begin() as connection:
        if recovery is not None:
            connection.execute(
                text("INSERT OR REPLACE INTO setting (key, value) VALUES (:k, :v)"),
                {"k": PENDING_RECOVERY_KEY, "v": recovery},
            )
            return recovery
        row = connection.execute(
            text("SELECT value FROM setting WHERE key = :k"), {"k": PENDING_RECOVERY_KEY}
        ).first()
        if row is None:
            return None
        try:
            current = key_from_recovery(row[0]) == key
        except WrongKeyError:
            current = False
        if not current:  # re-keyed since (recover, encrypt): that key opens nothing now
            connection.execute(text("DELETE FROM setting WHERE key = :k"), {"k": PENDING_RECOVERY_KEY})
            return None
        return row[0]


def _open_locked(
    path: Path, state: str, keys: DatabaseKeys | None, upgrade_to: str, lock: DatabaseLock
) -> Database:
    key: bytes | None = None
    recovery: str | None = None
    if state == "encrypted":
        if keys is None:
            raise WrongKeyError(
                _("{file} is encrypted: open it from the app or with its key.").format(file=path.name)
            )
        key = keys.unlock(path)
    elif state == "new" and keys is not None:
        key, recovery = keys.create(path)
    elif state == "new" and path.exists():
        # Personal data is never written unencrypted into a file someone gave us: only a path that does
        # not exist yet may become a plain database (tests and tools ask for one explicitly).
        raise NotOurDatabaseError(
            _(
                "{file} is an empty file, and without a key it would become an unencrypted caseload. Nothing "
                "has been changed. Open it from the app (which encrypts a new caseload) or choose another file."
            ).format(file=path.name)
        )
    fully_checked = False
    if state != "new":
        fully_checked = _check_contents(path, key, full=lock.stale or None)
    engine = make_engine(path, key)
    try:
        current = _current_revision(engine)
        up_to_date = current is not None and upgrade_to == "head" and current == _quick_head()
        if not up_to_date:
            from alembic.runtime.migration import MigrationContext

            with engine.connect() as connection:
                current = MigrationContext.configure(connection).get_current_revision()
            _check_not_newer(path, current)
            if current is not None and current != upgrade_to and _is_behind(current, upgrade_to):
                backup_before_migrating(path, current, key)
            if current != upgrade_to:
                migrate(engine, upgrade_to)
        if fully_checked and up_to_date:  # (after a migration, the next opening checks the new schema)
            record_full_check(path)
    except SQLAlchemyDatabaseError as problem:
        engine.dispose()
        raise CorruptDatabaseError(_damaged_message(path)) from problem
    except BaseException:
        engine.dispose()
        raise
    if key is not None and "setting" in sa_inspect(engine).get_table_names():
        recovery = _keep_or_find_pending_recovery_key(engine, key, recovery)
    database = Database(path, engine, key, recovery)
    database.created = state == "new"
    database.lock = lock
    database.closed_uncleanly = lock.stale
    return database


def classify(path: Path) -> str:
    """'new', 'plain' or 'encrypted'; refuses what is plainly not a database of ours."""
    if path.is_dir():
        raise NotOurDatabaseError(
            _("{file} is a folder, not a database file. Choose a database file.").format(file=path)
        )
    if not path.exists() or path.stat().st_size == 0:
        path.parent.mkdir(parents=True, exist_ok=True)
        return "new"
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header == SQLITE_HEADER:
        return "plain"
    if key_file_path(path).exists():
        return "encrypted"
    raise NotOurDatabaseError(
        _(
            "{file} is not a PersonalBudget database (it is not a database file at all, or it is damaged, "
            "or it is an encrypted caseload whose key file is missing). Nothing has been changed. Choose the "
            "right file, restore it from a backup, or use 'personalbudget recover' with its recovery key."
        ).format(file=path.name)
    )


def migrate(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` in one transaction."""
    with engine.begin() as connection:
        migrate_connection(connection, revision)


def migrate_connection(connection: Any, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` on an open connection, in its transaction (SQLite or
    PostgreSQL: the same migrations build either)."""
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def backup_before_migrating(path: Path, revision: str, key: bytes | None) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = backups_dir(path) / f"{path.stem}-before-migration-from-{revision}-{stamp}.db"
    copy_database(path, key, target, key)
    _copy_key_file(path, target)
    return target


def copy_database(source: Path, source_key: bytes | None, target: Path, target_key: bytes | None) -> None:
    """A consistent copy of a live database (WAL included), encrypted with ``target_key``.

    Written to a temporary file, checked, then renamed: the target is whole or absent.
    """
    temp = target.with_name(target.name + ".partial")
    temp.unlink(missing_ok=True)
    connection = raw_connect(source, source_key, cipher=target_key is not None)
    try:
        if source_key is None and target_key is None:
            connection.execute("VACUUM INTO ?", (str(temp),))
        else:
            attach_key = f"x'{target_key.hex()}'" if target_key else ""
            connection.execute(f'ATTACH DATABASE ? AS copy KEY "{attach_key}"', (str(temp),))
            connection.execute("SELECT sqlcipher_export('copy')")
            for pragma in ("application_id", "user_version"):
                value = connection.execute(f"PRAGMA main.{pragma}").fetchone()[0]
                connection.execute(f"PRAGMA copy.{pragma} = {int(value)}")
            connection.execute("DETACH DATABASE copy")
    finally:
        connection.close()
    check = raw_connect(temp, target_key)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        check.close()
    if result != "ok":
        temp.unlink(missing_ok=True)
        raise CorruptDatabaseError(
            _("The copy of {file} failed its integrity check; it was not kept.").format(file=source.name)
        )
    os.replace(temp, target)


def _copy_key_file(source: Path, target: Path) -> None:
    key_file = KeyFile.read(key_file_path(source))
    if key_file is not None:
        key_file.write(key_file_path(target))


def _damaged_message(path: Path) -> str:
    return _(
        "The database {file} is damaged and cannot be opened. Nothing has been changed. "
        "Restore it from a backup (the 'backups' folder beside it) or ask IT support for help."
    ).format(file=path.name)


def _looks_cut_short(path: Path, problem: Exception) -> bool:
    """A key that unlocked its key file (so the passphrase is right) and still cannot read the first
    page: SQLCipher says "malformed" for a file cut short, and a file shorter than a page, or not a
    whole number of pages, was cut short (a full disk, a copy stopped part-way)."""
    size = path.stat().st_size
    return "malformed" in str(problem).lower() or size < 4096 or size % 1024 != 0


def _damaged_encrypted_message(path: Path) -> str:
    folder = path.parent / "backups"  # (backups_dir would make the folder; nothing is changed here)
    backups = (
        sorted(folder.glob(f"{path.stem}*.db"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    )
    if backups:
        return _(
            "The caseload {file} is damaged (the file is incomplete); the passphrase is right. Nothing has "
            "been changed. Restore the latest backup, {backup}: close the app and run "
            "'personalbudget restore \"{path}\"'."
        ).format(file=path.name, backup=backups[-1].name, path=backups[-1])
    return _(
        "The caseload {file} is damaged (the file is incomplete); the passphrase is right. Nothing has been "
        "changed. There is no backup in {folder}: restore a copy of the caseload you keep elsewhere with "
        "'personalbudget restore FILE', or ask IT support for help."
    ).format(file=path.name, folder=folder)


def check_note_path(path: Path) -> Path:
    return path.with_name(path.name + ".checked")


def record_full_check(path: Path, when: datetime | None = None) -> None:
    """Note that a check of every page of ``path`` has just passed (so the next openings skip it).

    Kept beside the file, not in it (so opening changes nothing inside the caseload), and tied to this
    very file: a file put in its place (a restore, a copy) is checked again at its first opening.
    """
    stamp = (when or datetime.now(UTC)).isoformat(timespec="seconds")
    with contextlib.suppress(OSError):  # (then the next opening checks again: nothing is lost)
        check_note_path(path).write_text(f"{stamp} {path.stat().st_ino}\n", encoding="utf-8")


def full_check_due(last: datetime | None, now: datetime | None = None) -> bool:
    """True when no full check has passed within FULL_CHECK_EVERY (or none is recorded)."""
    if last is None:
        return True
    elapsed = (now or datetime.now(UTC)) - last
    return not timedelta(0) <= elapsed < FULL_CHECK_EVERY  # a time in the future is not trusted either


def last_full_check(path: Path) -> datetime | None:
    """When a full check of this file last passed (None: never, or the note is for another file)."""
    try:
        stamp, inode = check_note_path(path).read_text(encoding="utf-8").split()
        when = datetime.fromisoformat(stamp)
        if int(inode) != path.stat().st_ino:
            return None
    except (OSError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _check_contents(path: Path, key: bytes | None, *, full: bool | None = True) -> bool:
    """Look inside read-only, so a file we refuse is left exactly as it was.

    ``full``: True checks every page (PRAGMA quick_check), False only the first pages and the schema,
    None decides by the schedule (a full check when none has passed within FULL_CHECK_EVERY).
    Returns whether the full check ran (and passed).
    """
    try:
        connection = raw_connect(path, key, read_only=True)
    except Exception as problem:
        raise CorruptDatabaseError(_damaged_message(path)) from problem
    try:
        try:
            # The first page: if this cannot be read, the key is wrong (or the file is not ours).
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        except Exception as problem:  # sqlite3 and sqlcipher3 each raise their own DatabaseError
            if key is not None and _looks_cut_short(path, problem):
                raise CorruptDatabaseError(_damaged_encrypted_message(path)) from problem
            if key is not None:
                raise WrongKeyError(
                    _(
                        "The key does not open {file} (a wrong passphrase, or a key from another computer). "
                        "Nothing has been changed. Try again, or use 'personalbudget recover' with the recovery key."
                    ).format(file=path.name)
                ) from None
            raise CorruptDatabaseError(_damaged_message(path)) from problem
        try:
            tables = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[
                0
            ]
            if full is None:
                full = full_check_due(last_full_check(path))
            result = connection.execute("PRAGMA quick_check").fetchone()[0] if full else "ok"
        except Exception as problem:
            raise CorruptDatabaseError(_damaged_message(path)) from problem
    finally:
        connection.close()
    if application_id != APPLICATION_ID and tables:
        raise NotOurDatabaseError(
            _(
                "{file} is a database made by another program, not by PersonalBudget. "
                "Nothing has been changed. Choose a PersonalBudget database file."
            ).format(file=path.name)
        )
    if result != "ok":
        raise CorruptDatabaseError(_damaged_message(path))
    return bool(full)


def _check_not_newer(path: Path, current: str | None) -> None:
    if current is None:
        return
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(current)
    except CommandError:
        raise DatabaseTooNewError(
            _(
                "{file} was saved by a newer version of PersonalBudget (schema {revision}). "
                "Nothing has been changed. Install the newer version to open it."
            ).format(file=path.name, revision=current)
        ) from None


def _is_behind(current: str, target: str) -> bool:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    target_rev = script.get_current_head() if target == "head" else target
    return any(rev.revision == current for rev in script.iterate_revisions(target_rev, "base")) and (
        current != target_rev
    )


# -- encryption of existing databases -----------------------------------------------------------


def encrypt_database(path: Path, keys: DatabaseKeys) -> str:
    """Encrypt a plain caseload in place; returns its recovery key (show it once).

    The encrypted copy is made and checked first; only then does it replace the
    plain file, so nothing is lost if anything fails on the way.
    """
    path = Path(path)
    if classify(path) != "plain":
        raise NotOurDatabaseError(
            _("{file} is not a plain (unencrypted) caseload database.").format(file=path.name)
        )
    _check_contents(path, None)
    new = path.with_name(path.name + ".encrypting")
    new.unlink(missing_ok=True)
    key, recovery = keys.create(new)
    copy_database(path, None, new, key)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(key_file_path(new), key_file_path(path))
    os.replace(new, path)
    return recovery


def rekey_database(path: Path, old_key: bytes, keys: DatabaseKeys) -> str:
    """Give an encrypted database a new key (after recovery); returns the new recovery key."""
    _check_contents(path, old_key)
    staging = path.with_name(path.name + ".newkey")
    key, recovery = keys.create(staging)
    connection = raw_connect(path, old_key)
    try:
        connection.execute("PRAGMA journal_mode=DELETE")  # re-key needs exclusive use of the file
        connection.execute(f"PRAGMA rekey = \"x'{key.hex()}'\"")
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()
    os.replace(key_file_path(staging), key_file_path(path))
    return recovery


def recover_database(path: Path, recovery_text: str, keys: DatabaseKeys) -> str:
    """Open with the recovery key and re-key with a new key kept by ``keys``; returns the new recovery key."""
    path = Path(path)
    old_key = key_from_recovery(recovery_text)
    state = classify_for_recovery(path)
    if state != "encrypted":
        raise NotOurDatabaseError(_("{file} is not an encrypted caseload database.").format(file=path.name))
    _check_contents(path, old_key)
    lock = DatabaseLock(path)
    try:
        return rekey_database(path, old_key, keys)
    finally:
        lock.release()


def classify_for_recovery(path: Path) -> str:
    """Like ``classify``, but an encrypted file without its key file is what recovery is for."""
    if not path.exists() or path.is_dir() or path.stat().st_size == 0:
        raise NotOurDatabaseError(_("There is no caseload database at {file}.").format(file=path))
    with path.open("rb") as handle:
        return "plain" if handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER else "encrypted"


__all__ = ["Database", "encrypt_database", "key_pragma", "open_database", "rekey_database"]
