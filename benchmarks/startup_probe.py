"""Started by the benchmark as its own process: opens the app on a database exactly as
``ui.app.run`` does, prints 'shown' once the main window has been shown and painted, then quits."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["PERSONALBUDGET_NO_DEMO_PROMPT"] = "1"


def main() -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import ui.app

    build = ui.app.create_main_window

    def create_and_report(*args, **kwargs):  # type: ignore[no-untyped-def]
        window = build(*args, **kwargs)

        def shown() -> None:
            print("shown", flush=True)
            QApplication.instance().quit()

        QTimer.singleShot(0, shown)  # runs once the event loop has shown the window
        return window

    ui.app.create_main_window = create_and_report
    return ui.app.run(Path(sys.argv[1]))


if __name__ == "__main__":
    sys.exit(main())
