"""Opening databases: fresh, older, newer, foreign, damaged."""

import hashlib
import sqlite3
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from personalbudget.errors import CorruptDatabaseError, DatabaseTooNewError, NotOurDatabaseError
from personalbudget.storage.database import APPLICATION_ID, head_revision, open_database


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.fresh_caseload  # (built by the migrations, not copied from the session's template)
def test_fresh_database_is_built_by_migrations_with_our_pragmas(db):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA application_id").scalar() == APPLICATION_ID
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()


@pytest.mark.fresh_caseload  # (built by the migrations, not copied from the session's template)
def test_migrations_build_exactly_the_tables_the_models_describe(db):
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_older_database_is_backed_up_then_migrated_keeping_its_data(db_path):
    old = open_database(db_path, upgrade_to="0001")
    with old.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO person (name, date_of_birth, locality, primary_support_reason, created_at, updated_at) "
                "VALUES ('Nia Rees', '1960-01-02', 'Bryn Vale', 'Unknown', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        assert "setting" not in {r[0] for r in connection.exec_driver_sql("SELECT name FROM sqlite_master")}
    old.close()

    upgraded = open_database(db_path)
    with upgraded.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT name FROM person").scalars().all() == ["Nia Rees"]
        assert connection.exec_driver_sql("SELECT count(*) FROM setting").scalar() == 0
    upgraded.close()
    backups = list((db_path.parent / "backups").glob("caseload-before-migration-from-0001-*.db"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as copy:
        assert copy.execute("SELECT name FROM person").fetchall() == [("Nia Rees",)]
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)


def test_up_to_date_database_is_not_backed_up_again(db_path):
    open_database(db_path).close()
    open_database(db_path).close()
    assert (
        not list((db_path.parent / "backups").glob("*.db")) if (db_path.parent / "backups").exists() else True
    )


def test_database_from_a_newer_version_is_refused_unchanged(db_path):
    open_database(db_path).close()
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    before = digest(db_path)
    with pytest.raises(DatabaseTooNewError, match="newer version of PersonalBudget"):
        open_database(db_path)
    assert digest(db_path) == before


def test_another_programs_database_is_refused_unchanged(tmp_path):
    path = tmp_path / "contacts.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE contact (name TEXT)")
        connection.execute("INSERT INTO contact VALUES ('x')")
    connection.close()
    before = digest(path)
    with pytest.raises(NotOurDatabaseError, match="made by another program"):
        open_database(path)
    assert digest(path) == before


def test_a_file_that_is_not_a_database_is_refused_unchanged(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("Shopping list: milk, bread\n" * 50)
    with pytest.raises(NotOurDatabaseError, match="not a PersonalBudget database"):
        open_database(path)
    assert path.read_text().startswith("Shopping list")


@pytest.mark.slow  # several seconds on its own: not in the fast lane
@pytest.mark.parametrize("encrypted", [False, True])
def test_a_damaged_database_is_refused_with_advice(db_path, keys, clock, encrypted):
    from personalbudget.services import build_services
    from tests.core.helpers import person_form

    database = open_database(db_path, keys if encrypted else None)
    services = build_services(database, clock, "tester")
    for n in range(200):
        services.people.add_person(
            person_form(name=f"Person {n}", nhs_number="", date_of_birth=date(1950, 1, 1))
        )
    connection = database.connect_raw()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    database.close()
    data = bytearray(db_path.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data), page):  # scribble over every page after the first two
        data[offset + 8 : offset + 200] = b"\xff" * 192
    db_path.write_bytes(bytes(data))
    with pytest.raises(CorruptDatabaseError, match="damaged"):
        open_database(db_path, keys if encrypted else None)


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(NotOurDatabaseError, match="folder"):
        open_database(tmp_path)


def test_a_failed_save_leaves_nothing_half_written(services):
    from personalbudget.storage.models import Person

    with pytest.raises(RuntimeError), services.context.db.session() as session:
        now = services.context.clock.now()
        session.add(
            Person(
                name="Half Saved",
                date_of_birth=date(1950, 1, 1),
                locality="Millbrook",
                primary_support_reason="Unknown",
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        raise RuntimeError("power cut")
    assert services.people.list_caseload() == []
