"""Issue 18: a quick restart while the detached backup on closing is still importing (before it takes
its lock) must not start a second whole-file backup at the start and make closing wait for it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from personalbudget.storage.backup import _owed_path, _pid_path, backup_owed


@pytest.mark.skipif(os.name == "nt", reason="the process check is POSIX; Windows relies on the lock")
def test_a_backup_process_still_starting_is_not_owed_again_and_is_once_it_has_gone(tmp_path):
    database = tmp_path / "caseload.db"
    _owed_path(database).parent.mkdir(parents=True, exist_ok=True)
    _owed_path(database).write_text("on-close", encoding="utf-8")  # started, not finished
    starting = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        _pid_path(database).write_text(str(starting.pid), encoding="ascii")
        assert not backup_owed(database)  # still at work (no lock yet): nothing to make at this start
    finally:
        starting.kill()
        starting.wait()
    assert backup_owed(database)  # it ended without finishing: the start makes the backup it owes
    _pid_path(database).unlink()
    assert backup_owed(database)  # no note of a process: the lock alone decides, as before
