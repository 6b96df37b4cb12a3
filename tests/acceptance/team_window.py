"""Signing in to a team caseload the way a person does: the real app from its composition root on
a ``postgresql://`` address, as one account, over TLS with the test server's CA file."""

from __future__ import annotations

from typing import Any

from personalbudget.storage.server import CA_FILE_ENV
from tests.acceptance.test_roles import PASSWORD
from tests.acceptance.test_walk import WINDOW_SIZE
from tests.postgres_cluster import PostgresDatabase
from ui.app import RunningApp, start_app


def open_team_window(monkeypatch: Any, qtbot: Any, db: PostgresDatabase, username: str) -> RunningApp:
    """The app signed in as ``username`` on the team caseload ``db``, its window shown at the laptop
    size. The address carries neither the password (typed, here from the environment) nor sslmode
    (TLS is the app's own default, with the CA file from its setting)."""
    monkeypatch.setenv("PERSONALBUDGET_USER", username)
    monkeypatch.setenv("PERSONALBUDGET_PASSWORD", PASSWORD)
    monkeypatch.setenv("PERSONALBUDGET_NO_DEMO_PROMPT", "1")
    monkeypatch.setenv(CA_FILE_ENV, str(db.server.ca_file))
    address = db.url(user=username, password="", sslmode=None)
    assert PASSWORD not in address and "sslmode" not in address
    running = start_app(address)  # type: ignore[arg-type]  # the composition root takes an address too
    assert isinstance(running, RunningApp), f"the app did not open (exit code {running})"
    running.window.resize(*WINDOW_SIZE)
    qtbot.waitUntil(running.window.isVisible)
    return running
