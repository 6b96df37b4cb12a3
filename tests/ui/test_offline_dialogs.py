"""The offline visits' dialogs on their own (issue 22): who is offered and ticked, what the
conflict dialog offers first and hands to ``offline_service.resolve``, and the holds list. The
whole walk, on a real server, is tests/acceptance/test_offline_visits.py. Also the laptop's
reconnect watcher (ui/reconnect_watch.py) with a probe of the test's own, and the start-up cost of
ui/offline_actions.py (its dialogs are imported when first used)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from personalbudget.domain.lifecycle import Step
from personalbudget.services.dto import CaseloadRow
from personalbudget.services.offline_service import (
    KEEP_MINE,
    KEEP_THEIRS,
    ConflictView,
    FieldConflictView,
    HoldView,
)
from ui.dialogs.offline_holds_dialog import OfflineHoldsDialog
from ui.dialogs.sync_conflict_dialog import SyncConflictDialog, readable
from ui.dialogs.take_offline_dialog import TakeOfflineDialog
from ui.reconnect_watch import POSTGRES_PORT, ReconnectWatcher, server_endpoint, tcp_probe

TODAY = date(2026, 12, 3)


def _row(person_id: int, name: str, due: date | None) -> CaseloadRow:
    return CaseloadRow(person_id, name, None, 50, "Millbrook", "Unknown", Step.REVIEW, True, due, False)


def test_the_quick_pick_ticks_reviews_due_within_a_week_and_overdue_never_a_held_person(qtbot, tmp_path):
    rows = [
        _row(1, "Due in six days", TODAY + timedelta(days=6)),
        _row(2, "Overdue", TODAY - timedelta(days=30)),
        _row(3, "Due in eight days", TODAY + timedelta(days=8)),
        _row(4, "No review date", None),
        _row(5, "Held, due tomorrow", TODAY + timedelta(days=1)),
    ]
    dialog = TakeOfflineDialog(
        rows, {5: "held offline by Ned North on ned-laptop"}, TODAY, laptop_path=tmp_path / "visits.db"
    )
    qtbot.addWidget(dialog)
    assert dialog.due_button.text().replace("&", "") == "Reviews due this week (2 people)"
    dialog.due_button.click()
    assert dialog.people() == [1, 2] and dialog.count_label.text() == "2 people ticked"
    held = dialog.list.item(4)
    assert "held offline by Ned North" in held.text() and not (held.flags() & Qt.ItemFlag.ItemIsEnabled)
    dialog.all_button.click()
    assert dialog.people() == [1, 2, 3, 4]  # never the held person
    dialog.none_button.click()
    dialog.submit()
    assert dialog.result() == 0 and "at least one person" in dialog.error.text()
    # The keyboard: Space ticks the current person.
    dialog.list.setFocus()
    dialog.list.setCurrentRow(3)
    QTest.keyClick(dialog.list, Qt.Key.Key_Space)
    assert dialog.people() == [4]
    dialog.submit()
    assert dialog.result() == 1 and dialog.laptop_path() == tmp_path / "visits.db"


def _conflicts() -> list[ConflictView]:
    return [
        ConflictView(
            "person",
            7,
            "Person's details",
            "Changed on this laptop and on the server since it was taken offline.",
            (
                FieldConflictView("name", "Name", "Gwen Pryce", "Gwen Price", "Gwen Price"),
                FieldConflictView("locality", "Locality", "Laptop Lane", "Server Street", "Millbrook"),
                FieldConflictView("nhs_number", "NHS number", "9434765919", "4010232137", "9434765919"),
            ),
        ),
        ConflictView(
            "representative", 12, "representative", "Removed on this laptop, and changed on the server.", ()
        ),
    ]


def test_the_conflict_dialog_offers_each_sides_own_change_and_the_servers_where_both_changed(qtbot):
    dialog = SyncConflictDialog("Gwen Pryce", _conflicts())
    qtbot.addWidget(dialog)
    kept = {row[1]: row[5] for row in dialog.rows()}
    # Only the laptop changed the name; only the server the NHS number; both the locality.
    assert kept == {
        "Name": "Mine",
        "Locality": "The server's",
        "NHS number": "The server's",
        "The whole record": "The server's",
    }
    assert dialog.choices() == {
        ("person", 7): {"name": KEEP_MINE, "locality": KEEP_THEIRS, "nhs_number": KEEP_THEIRS},
        ("representative", 12): {"*": KEEP_THEIRS},
    }
    dialog.choose("person", 7, "locality", KEEP_MINE)
    assert dialog.choices()[("person", 7)]["locality"] == KEEP_MINE
    dialog.choose_all(KEEP_MINE)
    assert {c for fields in dialog.choices().values() for c in fields.values()} == {KEEP_MINE}
    assert "Nothing of Gwen Pryce's has been sent yet" in dialog.summary.text()
    assert dialog.table.cellWidget(0, 5).accessibleName() == "Keep for Person's details: Name"


def test_a_moment_kept_as_text_is_shown_as_a_date_and_time():
    assert readable("2026-12-03T13:35:05.197262+00:00").startswith("3 Dec 2026 at ")
    assert readable("Millbrook") == "Millbrook" and readable("2026-12-03") == "2026-12-03"


def _hold(person_id: int, laptop: str, revoked: bool = False) -> HoldView:
    since = datetime(2026, 12, 3, 9, 14, tzinfo=UTC)
    return HoldView(person_id, "nia", "Nia North", laptop, "3 Dec 2026 at 09:14", since, revoked)


def test_the_holds_list_offers_a_revoke_only_to_a_manager_and_names_people_it_may_see(qtbot):
    holds = [_hold(1, "nia-laptop"), _hold(2, "nia-laptop", revoked=True)]
    seen = OfflineHoldsDialog(lambda: holds, {1: "Gwen Price"})
    qtbot.addWidget(seen)
    assert seen.revoke_button is None
    assert seen.rows() == [
        ("Gwen Price", "Nia North", "nia-laptop", "3 Dec 2026 at 09:14", "Held"),
        ("Person 2", "Nia North", "nia-laptop", "3 Dec 2026 at 09:14", "Revoked: not yet synced"),
    ]
    manager = OfflineHoldsDialog(lambda: holds, {}, revoke=lambda laptop: 1)
    qtbot.addWidget(manager)
    assert manager.revoke_button is not None and manager.revoke_button.isEnabled()
    manager.table.selectRow(1)
    assert not manager.revoke_button.isEnabled()  # revoked already
    empty = OfflineHoldsDialog(lambda: [], {})
    qtbot.addWidget(empty)
    assert empty.table.isHidden() and not empty.empty.isHidden()


def test_without_a_keyring_the_passphrase_is_asked_before_the_worker_starts(tmp_path, monkeypatch):
    """A laptop with no keyring: the worker is given the passphrase, never asked for it (a dialog
    cannot open off the main thread)."""
    import keyring
    from keyring.backends import fail

    from personalbudget.storage.keys import PASSPHRASE_ENV
    from ui.offline_actions import worker_keys

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        monkeypatch.setenv(PASSPHRASE_ENV, "a passphrase long enough")
        asked: list[str] = []
        keys = worker_keys(tmp_path / "visits.db", lambda: asked.append("app keys") or None)  # type: ignore[func-returns-value]
        assert keys is not None and asked == []
        monkeypatch.setenv(PASSPHRASE_ENV, "changed later, on the worker")
        assert keys._passphrase(True) == "a passphrase long enough"  # (what the worker is given)
    finally:
        keyring.set_keyring(before)


def test_the_reconnect_watcher_says_reconnected_at_open_and_after_each_loss_never_twice_in_a_row(qtbot):
    answers = [True, True, False, False, True, True]
    tried: list[bool] = []

    def probe() -> bool:  # (the server's answers, one a try)
        answer = answers[min(len(tried), len(answers) - 1)]
        tried.append(answer)
        return answer

    watcher = ReconnectWatcher(probe, interval_ms=100)
    said: list[str] = []
    watcher.reconnected.connect(lambda: said.append("reconnected"))
    watcher.lost.connect(lambda: said.append("lost"))
    assert watcher.reachable is None  # not known before the first try
    watcher.start()
    qtbot.waitUntil(lambda: len(tried) >= len(answers) + 1, timeout=10_000)
    watcher.stop()
    qtbot.waitUntil(lambda: not watcher.busy())
    assert said == ["reconnected", "lost", "reconnected"]


def test_the_servers_host_and_port_come_from_the_laptop_caseloads_record():
    assert server_endpoint("localhost:45487/pb_team") == ("localhost", 45487)
    assert server_endpoint("db.council.example/caseload") == ("db.council.example", POSTGRES_PORT)
    assert server_endpoint("[::1]:6543/caseload") == ("::1", 6543)
    assert server_endpoint("/caseload") == ("localhost", POSTGRES_PORT)


def test_the_tcp_probe_finds_a_listening_port_and_not_a_closed_one():
    with socket.create_server(("127.0.0.1", 0)) as listening:
        port = listening.getsockname()[1]
        assert tcp_probe("127.0.0.1", port, timeout=2)() is True
    assert tcp_probe("127.0.0.1", port, timeout=2)() is False  # (closed now)


def test_the_offline_dialogs_are_not_imported_at_start_up():
    """ui/app.py imports ui/offline_actions.py; the take, holds and conflict dialogs come later."""
    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys, ui.app; print(sorted(m for m in sys.modules if m in {"
        "'ui.dialogs.take_offline_dialog', 'ui.dialogs.offline_holds_dialog', 'ui.dialogs.sync_conflict_dialog'}))"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
