"""Shared fixtures: a migrated database in tmp_path, services on a fixed clock."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

# Qt must never need a display in tests; PERSONALBUDGET_HOME keeps tests out of the real data folder.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from personalbudget.clock import FixedClock
from personalbudget.domain.roles import Role
from personalbudget.services import Services, build_services
from personalbudget.storage.database import Database, open_database
from personalbudget.storage.keys import DatabaseKeys, MemorySecretStore, key_file_path
from personalbudget.storage.server import ServerDatabase, server_url

FIXED_NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)

# The throwaway PostgreSQL cluster of a session: pg_server, pg_template, pg_database, pg_empty_database.
pytest_plugins = ["tests.postgres_cluster"]


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "pb-home"
    monkeypatch.setenv("PERSONALBUDGET_HOME", str(home))
    return home


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FIXED_NOW)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "caseload.db"


@pytest.fixture
def secret_store() -> MemorySecretStore:
    """An in-memory keyring (headless machines have none)."""
    return MemorySecretStore()


@pytest.fixture
def keys(secret_store: MemorySecretStore) -> DatabaseKeys:
    return DatabaseKeys(secret_store, passphrase=lambda _creating: None)


@pytest.fixture(scope="session")
def _caseload_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A new caseload made once per test session, as the app makes them (encrypted, every migration
    run), and its key. Running the migrations is most of what a new caseload costs, so each test's
    ``db`` starts from a copy of this file instead."""
    folder = tmp_path_factory.mktemp("caseload-template")
    store = MemorySecretStore()
    path = folder / "caseload.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PERSONALBUDGET_HOME", str(folder / "pb-home"))
        database = open_database(path, DatabaseKeys(store, passphrase=lambda _creating: None))
        assert database.encrypted and database.key is not None
        key = database.key
        database.close()
    for leftover in (key_file_path(path), path.with_name(path.name + ".lock")):
        leftover.unlink(missing_ok=True)
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["caseload.db"]  # no -wal to copy
    return path, key


@pytest.fixture
def db(
    request: pytest.FixtureRequest,
    db_path: Path,
    keys: DatabaseKeys,
    secret_store: MemorySecretStore,
    _caseload_template: tuple[Path, bytes],
) -> Iterator[Database]:
    """A new caseload database, encrypted as the app makes them.

    A copy of the session's template, stored under its own database id in this test's keyring, so
    tests share nothing. Tests marked ``fresh_caseload`` (of the migrations themselves) build it
    from scratch, as does any test whose keyring is unavailable or whose file already exists."""
    if backend(request.config) == "postgresql":  # the same tests on a team caseload (an emptied database)
        pg = request.getfixturevalue("pg_database")
        engine = request.getfixturevalue("_pg_engine")
        database = _KeptEngineDatabase(server_url(pg.superuser_url), engine)
        yield database
        database.close()
        return
    fresh = request.node.get_closest_marker("fresh_caseload") is not None
    copied = (
        not fresh
        and secret_store.available()
        and not db_path.exists()
        and not key_file_path(db_path).exists()
    )
    if copied:
        template, key = _caseload_template
        shutil.copyfile(template, db_path)
        keys.store(db_path, key)  # a new database id: the key file and this test's keyring entry
    database = open_database(db_path, keys)
    if copied:
        database.created = True  # as when this opening made it
    yield database
    database.close()


class _KeptEngineDatabase(ServerDatabase):
    """A team caseload whose engine (its pool of TLS connections) outlives the test: the next test's
    database is the same one emptied, so reconnecting each time would only cost time."""

    def close(self) -> None:
        pass


@pytest.fixture(scope="session")
def _pg_engine(_pg_reusable) -> Iterator[Engine]:
    from personalbudget.storage.server import make_server_engine

    engine = make_server_engine(server_url(_pg_reusable.server.url(_pg_reusable.name)))
    yield engine
    engine.dispose()


@pytest.fixture
def services(db: Database, clock: FixedClock) -> Services:
    """The services as a signed-in care practitioner."""
    return build_services(db, clock, actor="test.practitioner")


@pytest.fixture
def approver(db: Database, clock: FixedClock) -> Services:
    """The same caseload as a signed-in approver (team manager or funding panel)."""
    return build_services(db, clock, actor="test.approver", role=Role.APPROVER)


BACKEND_ENV = "PERSONALBUDGET_TEST_DB"
# What only a caseload file has (its encryption, key, lock, backups, crash safety, the file's checks):
# on the PostgreSQL pass these modules, and tests that ask for the file itself, are skipped.
FILE_ONLY_MODULES = {
    "test_backup_and_lock.py",
    "test_crash_safety.py",
    "test_database.py",
    "test_encryption.py",
    "test_integrity_schedule.py",
    "test_self_test.py",
}
FILE_FIXTURES = {"db_path", "keys", "secret_store", "_caseload_template"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db-backend",
        choices=("sqlite", "postgresql"),
        default=None,
        help=f"the caseload the db fixture hands out: an encrypted SQLite file (default) or a database on a "
        f"throwaway PostgreSQL server (a team caseload); also {BACKEND_ENV}",
    )


def backend(config: pytest.Config) -> str:
    return config.getoption("--db-backend") or os.environ.get(BACKEND_ENV) or "sqlite"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "fresh_caseload: the db fixture builds the caseload by running every migration (not a copy)",
    )
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): about the caseload file itself (encryption, key, lock, backups of the file, "
        "crash safety): skipped on the PostgreSQL pass (--db-backend=postgresql)",
    )


def _skip_file_only(item: pytest.Item) -> None:
    """On the PostgreSQL pass, skip what is about the caseload file rather than the services."""
    marker = item.get_closest_marker("sqlite_only")
    direct = set(getattr(getattr(item, "_fixtureinfo", None), "argnames", ()))
    if marker is not None:
        reason = marker.args[0] if marker.args else "about the caseload file"
    elif item.path.name in FILE_ONLY_MODULES:
        reason = "about the caseload file (encryption, key, lock, backups, checks)"
    elif direct & FILE_FIXTURES:
        reason = "uses the caseload file itself (" + ", ".join(sorted(direct & FILE_FIXTURES)) + ")"
    elif item.get_closest_marker("fresh_caseload") is not None:
        reason = "builds a caseload file by running the migrations"
    else:
        return
    item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


# Fixtures that build the whole main window (every step page, the caseload list, the menus): about
# a second or more each, so a test that uses one is in the full run only, not the fast lane.
WHOLE_WINDOW_FIXTURES = frozenset({"window", "demo_window", "laptop_window", "window_in_welsh"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The acceptance walk drives the whole app as a person would, a test on the whole main window
    builds every step page, and the hub's tests share a fixture of four caseloads: they are slow
    (the fast lane, ``./run-tests -m "not slow"``, leaves them out; the full ``./run-tests`` runs
    them). A test that builds a main window in its own body is marked ``slow`` where it is."""
    acceptance = Path(__file__).parent / "acceptance"
    on_server = backend(config) == "postgresql"
    if on_server:  # the PostgreSQL pass: only what uses the caseload database (the rest is the same)
        kept = [item for item in items if "db" in getattr(item, "fixturenames", ())]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
    for item in items:
        if on_server:
            _skip_file_only(item)
        walk = acceptance in item.path.parents
        # The hub's tests share one module fixture that builds three laptops' caseloads and a hub.
        hub_world = item.path.name == "test_hub.py" and "world" in getattr(item, "fixturenames", ())
        whole_window = bool(WHOLE_WINDOW_FIXTURES & set(getattr(item, "fixturenames", ())))
        if walk or hub_world or whole_window:
            item.add_marker(pytest.mark.slow)
