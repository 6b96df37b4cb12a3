"""Shared fixtures: a migrated database in tmp_path, services on a fixed clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

# Qt must never need a display in tests; PERSONALBUDGET_HOME keeps tests out of the real data folder.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from personalbudget.clock import FixedClock
from personalbudget.domain.roles import Role
from personalbudget.services import Services, build_services
from personalbudget.storage.database import Database, open_database
from personalbudget.storage.keys import DatabaseKeys, MemorySecretStore

FIXED_NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


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


@pytest.fixture
def db(db_path: Path, keys: DatabaseKeys) -> Iterator[Database]:
    """A new caseload database, encrypted as the app makes them."""
    database = open_database(db_path, keys)
    yield database
    database.close()


@pytest.fixture
def services(db: Database, clock: FixedClock) -> Services:
    """The services as a signed-in care practitioner."""
    return build_services(db, clock, actor="test.practitioner")


@pytest.fixture
def approver(db: Database, clock: FixedClock) -> Services:
    """The same caseload as a signed-in approver (team manager or funding panel)."""
    return build_services(db, clock, actor="test.approver", role=Role.APPROVER)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The acceptance walk drives the whole app as a person would, and the hub's tests share a
    fixture of four caseloads: they are slow (the fast lane, ``./run-tests -m "not slow"``,
    leaves them out; the full ``./run-tests`` runs them)."""
    acceptance = Path(__file__).parent / "acceptance"
    for item in items:
        walk = acceptance in item.path.parents
        # The hub's tests share one module fixture that builds three laptops' caseloads and a hub.
        hub_world = item.path.name == "test_hub.py" and "world" in getattr(item, "fixturenames", ())
        if walk or hub_world:
            item.add_marker(pytest.mark.slow)
