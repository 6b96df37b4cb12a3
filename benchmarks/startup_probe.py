"""Started by the benchmark as its own process, in one of two kinds:

``startup_probe.py app DATABASE``  starts PersonalBudget exactly as a person does (``main.py --db
DATABASE``: the command line, then the app), prints ``shown`` once the main window has been shown with
the caseload in it, then closes the window as Quit does and prints ``closing <time>``; the benchmark
times the process until it has ended (the backup on closing included, if it kept the process waiting).

``startup_probe.py bare``  the yardstick: a bare PySide6 window (a QMainWindow with a label), shown
and closed the same way.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PERSONALBUDGET_NO_DEMO_PROMPT"] = "1"


def _report_then_close(window) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer

    def shown() -> None:
        print("shown", flush=True)
        print(f"closing {time.time()}", flush=True)
        window.close()

    QTimer.singleShot(0, shown)  # runs once the event loop has shown the window


def bare() -> int:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QLabel("A bare PySide6 window"))
    window.resize(1340, 760)
    window.show()
    _report_then_close(window)
    return app.exec()


def app(database: str) -> int:
    # The modules in the order main.py imports them (the command line, then the app): PySide6 reads
    # the source of every module imported after it, so importing ui.app first would time (and
    # weigh) a start that no person makes.
    import personalbudget.cli  # noqa: F401
    import ui.app

    build = ui.app.create_main_window

    def create_and_report(*args, **kwargs):  # type: ignore[no-untyped-def]
        window = build(*args, **kwargs)
        _report_then_close(window)
        return window

    ui.app.create_main_window = create_and_report
    from main import main

    return main(["--db", database])


if __name__ == "__main__":
    sys.exit(bare() if sys.argv[1] == "bare" else app(sys.argv[2]))
