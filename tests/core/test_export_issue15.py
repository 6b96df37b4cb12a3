"""Issue 15: what a motivated intruder recovered, closed (the attack suite is tests/attacks/)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from personalbudget.errors import NotOurDatabaseError, PersonalBudgetError
from personalbudget.services.export_service import ExportService
from personalbudget.storage.database import open_database
from tests.core.money_helpers import agreed_person

PERIOD = (date(2026, 4, 1), date(2027, 3, 31))


# -- 6. an empty file never becomes a plain caseload; a refused export touches nothing --------------


def test_an_empty_file_never_becomes_an_unencrypted_caseload(tmp_path: Path):
    empty = tmp_path / "given.db"
    empty.touch()
    with pytest.raises(NotOurDatabaseError, match="empty file"):
        open_database(empty)  # no key: it would have become a plain database
    assert empty.stat().st_size == 0
    # A path that does not exist yet may still be made plain on purpose (tools, tests).
    open_database(tmp_path / "new.db").close()


def _events_and_settings(services) -> tuple[int, set[str]]:
    with services.context.db.session() as session:
        connection = session.connection()
        events = connection.execute(text("SELECT COUNT(*) FROM audit_event")).scalar_one()
        keys = {row[0] for row in connection.execute(text("SELECT key FROM setting"))}
    return events, keys


def test_an_export_refused_for_a_folder_of_other_files_changes_nothing(services, tmp_path: Path):
    agreed_person(services, nhs="9434765919", name="Gwen Price")
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("someone else's file")
    before = _events_and_settings(services)
    with pytest.raises(PersonalBudgetError, match="already holds other files"):
        ExportService(services.context, services.settings).export(*PERIOD, out)
    assert _events_and_settings(services) == before
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
