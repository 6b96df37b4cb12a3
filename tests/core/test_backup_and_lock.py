"""Backups round-trip, rotate and restore cleanly; one writer per caseload."""

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest

from personalbudget.cli import run
from personalbudget.services import build_services
from personalbudget.storage.backup import (
    automatic_backups,
    backup_due,
    check_database,
    make_backup,
    restore_backup,
    rotate,
)
from personalbudget.storage.database import open_database
from personalbudget.storage.lock import DatabaseInUseError, lock_path, owner_path
from tests.core.helpers import person_form


def dump(db):
    """Every row of every table, as a person would compare 'the same content'."""
    connection = db.connect_raw(read_only=True)
    try:
        tables = [
            r[0]
            for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        return {t: connection.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}
    finally:
        connection.close()


def test_backup_then_restore_round_trips_every_row(db_path, keys, services, clock):
    services.people.add_person(person_form(name="Nia Before"))
    before = dump(services.context.db)
    backup = make_backup(services.context.db.database)
    services.people.add_person(person_form(name="Tomos After", nhs_number=""))
    assert dump(services.context.db) != before
    services.context.db.close()
    # A crash can leave journal files beside the database: the restore must not mix them in.
    (db_path.parent / (db_path.name + "-wal")).write_bytes(b"stale journal")
    restore_backup(backup, db_path, keys)
    assert not (db_path.parent / (db_path.name + "-wal")).exists()
    assert not (db_path.parent / (db_path.name + "-shm")).exists()
    restored = open_database(db_path, keys)
    assert dump(restored) == before
    assert check_database(restored).ok
    # The newer caseload that was replaced is kept, not lost.
    [kept] = (db_path.parent / "backups").glob("caseload-before-restore-*.db")
    restored.close()
    newer = open_database(kept, keys)
    assert "Tomos After" in [r.name for r in build_services(newer, clock, "t").people.list_caseload()]


def test_backups_are_encrypted_with_the_caseload(db_path, keys, services):
    import sqlite3

    backup = make_backup(services.context.db.database)
    with pytest.raises(sqlite3.DatabaseError), sqlite3.connect(backup) as plain:
        plain.execute("SELECT * FROM person").fetchall()


@pytest.mark.slow  # several seconds on its own: not in the fast lane
def test_automatic_backups_rotate(db_path, services):
    db = services.context.db.database
    made = [make_backup(db, "on-close") for _ in range(5)]
    manual = make_backup(db, "manual")
    assert automatic_backups(db_path)[0] == made[-1]
    removed = rotate(db_path, keep=2)
    assert sorted(removed) == sorted(made[:3])
    assert automatic_backups(db_path) == [made[4], made[3]]
    assert manual.exists()  # only automatic backups rotate


def test_a_daily_backup_is_due_after_a_day(db_path, services):
    assert backup_due(db_path, datetime.now(UTC))
    make_backup(services.context.db.database, "daily")
    assert not backup_due(db_path, datetime.now(UTC))
    assert backup_due(db_path, datetime.now(UTC) + timedelta(days=1, minutes=1))


def test_cli_backup_check_restore(tmp_path, db_path, keys, services, capsys):
    services.people.add_person(person_form())
    services.context.db.close()
    assert run(["backup", "--db", str(db_path), "--out", str(tmp_path / "copies")], keys=keys) == 0
    [backup] = (tmp_path / "copies").glob("*.db")
    assert run(["check", "--db", str(db_path)], keys=keys) == 0
    assert "Check OK" in capsys.readouterr().out
    assert run(["restore", "--db", str(db_path), str(backup)], keys=keys) == 0
    bad = tmp_path / "not-a-backup.db"
    bad.write_text("hello")
    assert run(["restore", "--db", str(db_path), str(bad)], keys=keys) == 1
    assert "not a PersonalBudget database" in capsys.readouterr().err
    assert run(["check", "--db", str(db_path)], keys=keys) == 0


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from personalbudget.storage.lock import DatabaseLock
    lock = DatabaseLock(Path(sys.argv[1]))
    print("held", flush=True)
    time.sleep(60)
    """
)


def test_a_second_process_is_refused_and_a_crashed_ones_lock_is_cleared(db_path, keys):
    open_database(db_path, keys).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(db_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseInUseError, match="already open in PersonalBudget"):
            open_database(db_path, keys)
    finally:
        holder.kill()  # a crash: no chance to clean up
        holder.wait()
    assert lock_path(db_path).exists() and owner_path(db_path).exists()  # left behind...
    db = open_database(db_path, keys)  # ...and taken over safely
    assert db.closed_uncleanly
    db.close()
    assert not owner_path(db_path).exists()
    assert not open_database(db_path, keys).closed_uncleanly


def test_security_settings_are_kept_in_the_caseload_and_checked(db_path, keys, services, capsys):
    assert run(["settings", "--db", str(db_path)], keys=keys) == 0
    assert "Lock after 10 minutes" in capsys.readouterr().out
    assert (
        run(["settings", "--db", str(db_path), "--lock-minutes", "5", "--backups-kept", "3"], keys=keys) == 0
    )
    assert services.settings.security().lock_minutes == 5
    assert run(["settings", "--db", str(db_path), "--first-review-weeks", "6"], keys=keys) == 0
    assert "First review 6 weeks after agreement" in capsys.readouterr().out
    assert services.settings.review().first_review_weeks == 6
    assert services.settings.security().backups_kept == 3
    assert run(["settings", "--db", str(db_path), "--lock-minutes", "0"], keys=keys) == 1
    assert "1 to 240 minutes" in capsys.readouterr().err
    assert services.settings.security().lock_minutes == 5
