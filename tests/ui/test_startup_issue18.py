"""Issue 18, start-up and memory: what the first window loads, and what the caseload list keeps."""

from __future__ import annotations

import linecache
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt

import ui.main_window
from personalbudget.domain.lifecycle import Step
from personalbudget.services.dto import CaseloadRow
from tests.ui.conftest import add_person, set_cycle, walk_to
from ui.app import create_main_window
from ui.models.caseload_table_model import CaseloadTableModel, Column, SearchKeyRole

ROOT = Path(__file__).resolve().parents[2]
# Loaded only when the person asks for what needs them: a PDF, a migration, a spreadsheet export, the
# money in words of the easy read, a team caseload on a server.
NOT_AT_START = ("reportlab", "alembic", "openpyxl", "num2words", "psycopg")


def test_the_app_starts_without_the_modules_only_some_pages_need():
    code = (
        "import sys\n"
        "import personalbudget.cli, ui.app, ui.main_window\n"  # main.py's order
        f"print([m for m in sys.modules if m.split('.')[0] in {NOT_AT_START!r}])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_window_keeps_no_copy_of_the_modules_source(qtbot, services, signals):
    """PySide6 reads each module imported after it through ``inspect`` (for its ``__feature__``
    check), and ``linecache`` would keep all that text for the life of the app."""
    linecache.getlines(ui.main_window.__file__)  # as PySide6's check does
    assert ui.main_window.__file__ in linecache.cache
    window = create_main_window(services, signals)
    qtbot.addWidget(window)
    assert ui.main_window.__file__ not in linecache.cache


def _cells(model: CaseloadTableModel) -> list[list[object]]:
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, SearchKeyRole)
    return [
        [model.index(row, column).data(role) for column in Column for role in roles]
        for row in range(model.rowCount())
    ]


def test_the_caseload_list_reads_and_shows_people_as_it_did(qtbot, services, clock):
    """The rows are plain tuples now, read in one pass, and the list does not sort them by name a
    second time: the same values, the same order and the same text in every cell."""
    today = clock.today()
    ann = add_person(services, "ann Smith", nhs="9434765919", locality="Bryn Vale", born=date(1940, 3, 1))
    bob = add_person(services, "Bob Jones", locality="Harbourside", born=today.replace(year=today.year - 30))
    cat = add_person(services, "Ånnwen Price", locality="bryn vale", born=date(1970, 1, 15))
    dai = add_person(services, "Dai Ellis", born=date(1988, 12, 31))
    set_cycle(services, bob.id, next_review=today - timedelta(days=3))  # overdue
    walk_to(services, cat.id, Step.AGREE_PLAN)
    set_cycle(services, dai.id, next_review=today + timedelta(days=10))

    rows = services.people.list_caseload()
    assert all(isinstance(row, CaseloadRow) and isinstance(row, tuple) for row in rows)
    assert [row.person_id for row in rows] == [ann.id, bob.id, dai.id, cat.id]  # by name, ignoring case
    bob_row = rows[1]
    assert (
        bob_row.age == 30 and bob_row.review_overdue and bob_row.next_review_due == today - timedelta(days=3)
    )
    assert (
        rows[0].locality == "Bryn Vale"
        and rows[0].nhs_number == "9434765919"
        and rows[0].age == today.year - 1940 - ((today.month, today.day) < (3, 1))
    )
    assert rows[3].step is Step.AGREE_PLAN and rows[3].cycle_open and not rows[2].review_overdue

    trusted, sorted_here = CaseloadTableModel(), CaseloadTableModel()
    trusted.set_rows(rows, by_name=True)
    sorted_here.set_rows(list(reversed(rows)))
    assert _cells(trusted) == _cells(sorted_here)
    assert trusted.index(1, Column.NEXT_REVIEW).data().startswith("Overdue: ")
    assert trusted.search_keys()[3] == "ånnwen price\x1fbryn vale\x1f"
