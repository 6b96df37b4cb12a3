"""Opening a caseload database: recognise it, check it, migrate it, hand out sessions.

A file that is not ours, is damaged, or was written by a newer version is
refused with a message saying what to do; it is never changed. Before an
older database is migrated, a copy is written to the backups folder.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError
from sqlmodel import Session

from personalbudget.errors import CorruptDatabaseError, DatabaseTooNewError, NotOurDatabaseError
from personalbudget.i18n import _
from personalbudget.paths import backups_dir
from personalbudget.storage.engine import make_engine

APPLICATION_ID = 0x50424731  # "PBG1", set by the first migration
SQLITE_HEADER = b"SQLite format 3\x00"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


class Database:
    """An open, checked and up-to-date caseload database."""

    def __init__(self, path: Path, engine: Engine):
        self.path = path
        self.engine = engine
        self._active: ContextVar[Session | None] = ContextVar(f"session-{id(self)}", default=None)

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
            token = self._active.set(session)
            try:
                yield session
            finally:
                self._active.reset(token)

    def close(self) -> None:
        self.engine.dispose()


def open_database(path: Path, *, upgrade_to: str = "head") -> Database:
    """Open (creating if need be) the database at ``path`` and bring its schema up to date."""
    path = Path(path)
    if _check_file(path):
        _check_contents(path)
    engine = make_engine(path)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        _check_not_newer(path, current)
        if current is not None and current != upgrade_to and _is_behind(current, upgrade_to):
            backup_before_migrating(path, current)
        if current != upgrade_to:
            migrate(engine, upgrade_to)
    except SQLAlchemyDatabaseError as problem:
        engine.dispose()
        raise CorruptDatabaseError(_damaged_message(path)) from problem
    except BaseException:
        engine.dispose()
        raise
    return Database(path, engine)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` in one transaction."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def backup_before_migrating(path: Path, revision: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = backups_dir(path) / f"{path.stem}-before-migration-from-{revision}-{stamp}.db"
    copy_database(path, target)
    return target


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a live database (SQLite's backup API, WAL included)."""
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _damaged_message(path: Path) -> str:
    return _(
        "The database {file} is damaged and cannot be opened. Nothing has been changed. "
        "Restore it from a backup (the 'backups' folder beside it) or ask IT support for help."
    ).format(file=path.name)


def _check_file(path: Path) -> bool:
    """Refuse what is plainly not a database; True if there is an existing file to look inside."""
    if path.is_dir():
        raise NotOurDatabaseError(
            _("{file} is a folder, not a database file. Choose a database file.").format(file=path)
        )
    if not path.exists() or path.stat().st_size == 0:
        path.parent.mkdir(parents=True, exist_ok=True)
        return False
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise NotOurDatabaseError(
            _(
                "{file} is not a PersonalBudget database (it is not a database file at all, "
                "or it is damaged). Nothing has been changed. Choose the right file, or restore "
                "it from a backup."
            ).format(file=path.name)
        )
    return True


def _check_contents(path: Path) -> None:
    """Look inside read-only, so a file we refuse is left exactly as it was."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            tables = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[
                0
            ]
            result = connection.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError as problem:
        raise CorruptDatabaseError(_damaged_message(path)) from problem
    if application_id != APPLICATION_ID and tables:
        raise NotOurDatabaseError(
            _(
                "{file} is a database made by another program, not by PersonalBudget. "
                "Nothing has been changed. Choose a PersonalBudget database file."
            ).format(file=path.name)
        )
    if result != "ok":
        raise CorruptDatabaseError(_damaged_message(path))


def _check_not_newer(path: Path, current: str | None) -> None:
    if current is None:
        return
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
    script = ScriptDirectory.from_config(alembic_config())
    target_rev = script.get_current_head() if target == "head" else target
    return any(rev.revision == current for rev in script.iterate_revisions(target_rev, "base")) and (
        current != target_rev
    )
