"""After an unexpected exit the next start says so and where the crash log is (issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ui.crash_log import CrashLog

CRASH = """
import faulthandler, sys
from pathlib import Path
from ui.crash_log import CrashLog
log = CrashLog(Path(sys.argv[1]))
log.start()
faulthandler._sigsegv()  # what a crash inside Qt looks like to Python
"""


def crash_in_child(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CRASH, str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )


def test_a_crash_is_reported_at_the_next_start_with_where_its_log_is(tmp_path: Path):
    done = crash_in_child(tmp_path)
    assert done.returncode != 0  # it really crashed

    log = CrashLog(tmp_path)
    log.start()
    try:
        assert log.previous is not None and log.previous.exists()
        text = log.previous.read_text()
        assert "Segmentation fault" in text
        message = log.message()
        assert message is not None and str(log.previous) in message
    finally:
        log.stop()
    # A clean run leaves no crash log behind, so the start after it says nothing.
    assert not log.path.exists()
    again = CrashLog(tmp_path)
    again.start()
    again.stop()
    assert again.message() is None


def test_only_the_latest_crash_logs_are_kept(tmp_path: Path):
    for number in range(7):
        (tmp_path / f"crash-2026010{number}-000000.log").write_text("old")
    crash_in_child(tmp_path)
    log = CrashLog(tmp_path)
    log.start()
    log.stop()
    kept = sorted(tmp_path.glob("crash-*.log"))
    assert len(kept) == 5
    assert log.previous in kept
